"""Periodic review (RS, RsS, RsQ) in the replay: one SKU's recorded demand, period by
period, through its plans, with the timeline of the docstring of invsl.tools.backtest.replay.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar.jit import scalar, tiny
from invsl.tools.backtest.replay_sums import mark, record_period
from invsl.vocabulary import OK, POLICY_RS, POLICY_RSQ, POLICY_RSS


@tiny
def review_order(pol, ip, s, big_s, q):
    """The order placed at a review with inventory position ip: RS S - IP (0 if IP >= S);
    if IP <= s, RsS S - IP and RsQ n Q, the smallest multiple of Q lifting IP above s."""
    if pol == POLICY_RS:
        return max(big_s - ip, 0.0)
    if ip <= s:
        if pol == POLICY_RSS:
            return big_s - ip
        return (math.floor((s - ip) / q) + 1.0) * q
    return 0.0


@scalar
def periodic_row(skus, plans, settings, outputs, i, acc):
    """Replay SKU i under periodic review (RS, RsS, RsQ); the docstring of
    invsl.tools.backtest.replay has the timeline. Returns a status code."""
    pol = skus.policy[i]
    demand = skus.demand[i]
    n_t = demand.shape[0]
    lead = int(min(skus.lead_time[i], float(n_t)))
    review = int(min(skus.review_period[i], float(n_t)))
    origins = plans.origins
    n_plans = origins.shape[0]
    k = 0
    s = plans.reorder_point[i, 0]
    big_s = plans.order_up_to[i, 0]
    q = plans.order_quantity[i, 0]
    net = s + q if pol == POLICY_RSQ else big_s
    ip = net
    pipe = np.zeros(n_t)  # the order due at the start of period t
    due = np.zeros(n_t, dtype=np.bool_)
    first = settings.measure_from
    periods = n_t - first
    n_batches = acc.shape[0]
    b = 0
    cut = first + periods // n_batches
    record = settings.record
    countdown = 0
    cycles = good = dem = fil = back = onh = ready = n_orders = 0.0  # running sums
    for t in range(n_t):
        while k + 1 < n_plans and origins[k + 1] <= t:
            k += 1
            s = plans.reorder_point[i, k]
            big_s = plans.order_up_to[i, k]
            q = plans.order_quantity[i, k]
        measured = t >= first
        if measured and t == cut:  # batch b ends
            mark(acc, b, cycles, good, dem, fil, back, onh, ready, n_orders, t - first)
            b += 1
            cut = first + (b + 1) * periods // n_batches
        if due[t]:  # the order (RS: also an order of 0) placed at t - L arrives
            if measured:  # an order arrives: one cycle, good if net >= 0 just before
                cycles += 1.0
                if net >= 0.0:
                    good += 1.0
            net += pipe[t]
        order = 0.0
        if countdown == 0:
            countdown = review
            order = review_order(pol, ip, s, big_s, q)
            if order > 0.0 or pol == POLICY_RS:
                ip += order
                if lead == 0:
                    if measured:  # an order arrives: one cycle, good if net >= 0 just before
                        cycles += 1.0
                        if net >= 0.0:
                            good += 1.0
                    net += order
                elif t + lead < n_t:
                    pipe[t + lead] = order
                    due[t + lead] = True
        countdown -= 1
        d = demand[t]
        filled = min(d, max(net, 0.0))
        net -= d
        ip -= d
        if measured:
            dem += d
            fil += filled
            if net < 0.0:
                back -= net
            else:
                onh += net
                if net > 0.0:
                    ready += 1.0
            n_orders += 1.0 if order > 0.0 else 0.0
        if record:
            record_period(outputs, i, t, net, filled, order)
    mark(acc, b, cycles, good, dem, fil, back, onh, ready, n_orders, periods)
    return OK
