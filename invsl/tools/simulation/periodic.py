"""Periodic review (RS, RsS, RsQ): one row simulated period by period."""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar.jit import scalar
from invsl.tools.simulation.batch_means import flush
from invsl.vocabulary import POLICY_RS, POLICY_RSQ, POLICY_RSS
from invsl.tools.simulation.sampling import draw_period, fit_step
from invsl.vocabulary import OK


@scalar
def periodic_row(state, spare, rows, i, settings, acc, counts):
    """Periodic review (RS, RsS, RsQ) of row ``i`` of ``rows`` (a kernel.Rows), period by
    period, into the batch sums ``acc``. Returns a status code.

    Timing (contract, "Periodic review"): at the start of period t the orders due arrive;
    then, if t is a review period, the inventory position IP is reviewed and an order placed,
    arriving at the start of period t + L before that period's demand (L = 0: at once); then
    the period's demand is met from stock on hand or backordered; net stock is observed at
    the end of the period.
    """
    policy = rows.policy[i]
    dist = rows.distribution[i]
    mu = rows.demand_mean[i]
    sigma = rows.demand_std[i]
    lead = int(rows.lead_time[i])
    review = rows.review_period[i]
    s = rows.reorder_point[i]
    q = rows.order_quantity[i]
    big_s = rows.order_up_to[i]
    warmup = rows.warmup[i]
    clip = settings.clip
    periods = settings.periods
    n_batches = acc.shape[0]
    p1, p2 = fit_step(dist, mu, sigma)
    start = big_s if policy != POLICY_RSQ else s + q
    net = start
    ip = start
    pipe = np.zeros(lead + 1)
    due = np.zeros(lead + 1, dtype=np.bool_)
    total = warmup + periods
    # counters instead of divisions in the loop: slot = t % (L + 1), countdown to the next
    # review; batch b covers the measured periods [b P / B, (b + 1) P / B). The sums of the
    # current batch are kept in local variables and written to acc when the batch ends.
    slot = 0
    countdown = 0
    b = -1
    cut = warmup
    t_start = warmup
    cycles = good = demand = short = back = onhand = ready = 0.0
    for t in range(total):
        if t == cut:
            if b >= 0:
                flush(acc, b, cycles, good, demand, short, back, onhand, ready, cut - t_start)
            cycles = good = demand = short = back = onhand = ready = 0.0
            b += 1
            t_start = t
            cut = warmup + (b + 1) * periods // n_batches
        if lead > 0 and due[slot]:
            cycles += 1.0
            if net >= 0.0:
                good += 1.0
            net += pipe[slot]
            pipe[slot] = 0.0
            due[slot] = False
        if countdown == 0:
            countdown = review
            order = 0.0
            if policy == POLICY_RS:
                order = max(big_s - ip, 0.0)
            elif ip <= s:
                if policy == POLICY_RSS:
                    order = big_s - ip
                else:
                    order = (math.floor((s - ip) / q) + 1.0) * q
            if order > 0.0 or policy == POLICY_RS:
                ip += order
                if lead == 0:
                    cycles += 1.0
                    if net >= 0.0:
                        good += 1.0
                    net += order
                else:
                    arrive = slot - 1 if slot > 0 else lead  # (t + L) % (L + 1)
                    pipe[arrive] = order
                    due[arrive] = True
        d = draw_period(state, spare, dist, mu, sigma, p1, p2, counts)
        if clip and d < 0.0:
            d = 0.0
        demand += d
        if d > 0.0:
            short += d - min(d, max(net, 0.0))
        net -= d
        ip -= d
        if net < 0.0:
            back -= net
        else:
            onhand += net
            if net > 0.0:
                ready += 1.0
        countdown -= 1
        slot = slot + 1 if slot < lead else 0
    flush(acc, b, cycles, good, demand, short, back, onhand, ready, total - t_start)
    return OK
