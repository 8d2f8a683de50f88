"""Continuous review (s, Q) in the replay: one SKU's recorded demand through its plans,
unit by unit (at uniform random or evenly spaced times within a period) or as a flow, with
its queue of outstanding orders (a ring buffer); the conventions are those of the docstring
of invsl.tools.backtest.replay.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import rng as _rng
from invsl.scalar.jit import scalar, tiny
from invsl.tools.backtest.replay_sums import mark, record_period
from invsl.vocabulary import OK, SIM_CAPACITY

#: sQ: more events than this in one period flag the SKU (sim_capacity)
_MAX_EVENTS = 1_000_000
#: sQ: more outstanding orders than this flag the SKU (sim_capacity)
_MAX_QUEUE = 1 << 22
#: sQ, units: whole demand below this (products of two stay exact in int64)
_MAX_UNITS = float(1 << 31)
#: sQ, flow: the latest time of a crossing within a period (the last double below 1)
_LAST = 1.0 - 2.0**-53


@scalar
def whole_units(demand):
    """True if every value of ``demand`` is a whole number below 2**31 (sQ: units)."""
    for t in range(demand.shape[0]):
        d = demand[t]
        if d != math.floor(d) or d >= _MAX_UNITS:
            return False
    return True


@scalar
def unit_power(state, left):
    """V^(1/m) for a uniform V of the stream ``state`` and m = ``left`` units left (V itself
    for m = 1, as pow(V, 1) is exactly V: the common case of slow movers, without pow)."""
    v = _rng.uniform(state)
    return v if left == 1 else v ** (1.0 / left)


@scalar
def grow(queue, head, count):
    """The ring buffer ``queue`` of ``count`` outstanding orders from row ``head`` on (rows:
    arrival period, the fraction of that period num / den (even units) or frac, quantity),
    copied in order into one twice as large (a power of two); an empty array beyond the
    limit of outstanding orders."""
    cap = queue.shape[0]
    if 2 * cap > _MAX_QUEUE:
        return np.empty((0, 5))
    bigger = np.empty((2 * cap, 5))
    for j in range(count):
        for c in range(5):
            bigger[j, c] = queue[(head + j) & (cap - 1), c]
    return bigger


@tiny
def put(queue, slot, period, num, den, frac, qty):
    """Write an outstanding order into row ``slot`` of the ring buffer."""
    queue[slot, 0] = period
    queue[slot, 1] = num
    queue[slot, 2] = den
    queue[slot, 3] = frac
    queue[slot, 4] = qty


@scalar
def sq_row(skus, plans, settings, outputs, i, acc):
    """Replay SKU i under continuous review (s, Q): unit by unit (at uniform random or at
    evenly spaced times) if its demand is whole, else as a flow (docstring of
    invsl.tools.backtest.replay). Returns a status code."""
    demand = skus.demand[i]
    n_t = demand.shape[0]
    lead = int(min(skus.lead_time[i], float(n_t)))
    units = whole_units(demand)
    even = settings.even_units
    state = np.empty(4, dtype=np.uint64)
    if units and not even:
        _rng.seed_state(state, settings.seed, i)
    origins = plans.origins
    n_plans = origins.shape[0]
    k = 0
    s = plans.reorder_point[i, 0]
    q = plans.order_quantity[i, 0]
    net = s + q
    ip = net
    queue = np.empty((16, 5))
    head = 0
    count = 0
    first = settings.measure_from
    periods = n_t - first
    n_batches = acc.shape[0]
    b = 0
    cut = first + periods // n_batches
    record = settings.record
    cycles = good = dem = fil = back = onh = ready = n_orders = 0.0  # running sums
    for t in range(n_t):
        while k + 1 < n_plans and origins[k + 1] <= t:
            k += 1
            s = plans.reorder_point[i, k]
            q = plans.order_quantity[i, k]
        measured = t >= first
        if measured and t == cut:  # batch b ends
            mark(acc, b, cycles, good, dem, fil, back, onh, ready, n_orders, t - first)
            b += 1
            cut = first + (b + 1) * periods // n_batches
        d = demand[t]
        filled = 0.0
        ordered = 0.0
        placed = 0.0  # orders placed in the period
        # receipts due at the start of the period
        while count > 0 and queue[head, 0] == t and queue[head, 3] == 0.0:
            if measured:  # an order arrives: one cycle, good if net >= 0 just before
                cycles += 1.0
                if net >= 0.0:
                    good += 1.0
            net += queue[head, 4]
            head = (head + 1) & (queue.shape[0] - 1)
            count -= 1
        # the plan in force, applied at the start of the period
        if ip <= s:
            order = (math.floor((s - ip) / q) + 1.0) * q
            ip += order
            ordered += order
            placed += 1.0
            if count == queue.shape[0]:
                queue = grow(queue, head, count)
                head = 0
                if queue.shape[0] == 0:
                    return SIM_CAPACITY
            put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 1.0, 0.0, order)
            count += 1
        events = 0
        if units and not even:
            # units at independent uniform times, drawn in order as order statistics: the
            # next of m units left after time x comes at x + (1 - x)(1 - V^(1/m))
            left = int(d)
            x = 0.0
            nxt = min(1.0 - unit_power(state, left), _LAST) if left > 0 else 2.0
            while True:
                fa = 2.0
                if count > 0 and queue[head, 0] == t:
                    fa = queue[head, 3]
                if fa < 2.0 and fa <= nxt:  # an arrival (before a unit at the same instant)
                    events += 1
                    if events > _MAX_EVENTS:
                        return SIM_CAPACITY
                    if measured:  # an order arrives: one cycle, good if net >= 0 just before
                        cycles += 1.0
                        if net >= 0.0:
                            good += 1.0
                    net += queue[head, 4]
                    head = (head + 1) & (queue.shape[0] - 1)
                    count -= 1
                    continue
                if left == 0:
                    break
                filled += min(1.0, max(net, 0.0))
                net -= 1.0
                ip -= 1.0
                x = nxt
                if ip <= s:
                    events += 1
                    if events > _MAX_EVENTS:
                        return SIM_CAPACITY
                    order = (math.floor((s - ip) / q) + 1.0) * q
                    ip += order
                    ordered += order
                    placed += 1.0
                    if count == queue.shape[0]:
                        queue = grow(queue, head, count)
                        head = 0
                        if queue.shape[0] == 0:
                            return SIM_CAPACITY
                    put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 0.0, x, order)
                    count += 1
                left -= 1
                if left > 0:
                    step = (1.0 - x) * (1.0 - unit_power(state, left))
                    nxt = min(x + step, _LAST)
                else:
                    nxt = 2.0
        elif units:
            n_units = int(d)
            den = n_units + 1
            j = 0  # units of the period served so far
            while True:
                events += 1
                if events > _MAX_EVENTS:
                    return SIM_CAPACITY
                left = n_units - j
                due = count > 0 and queue[head, 0] == t
                n_arr = left + 1
                if due:
                    # units strictly before the arrival num_a / den_a: u / den < num_a / den_a
                    num_a = int(queue[head, 1])
                    den_a = int(queue[head, 2])
                    before = (num_a * den - 1) // den_a
                    n_arr = before - j if before > j else 0
                gap = ip - s
                n_cross = left + 1
                if gap <= left:
                    n_cross = max(int(math.ceil(gap)), 1)
                    if ip - n_cross > s:
                        n_cross += 1
                if due and n_arr < n_cross:
                    if n_arr > 0:
                        filled += min(float(n_arr), max(net, 0.0))
                        net -= n_arr
                        ip -= n_arr
                        j += n_arr
                    if measured:  # an order arrives: one cycle, good if net >= 0 just before
                        cycles += 1.0
                        if net >= 0.0:
                            good += 1.0
                    net += queue[head, 4]
                    head = (head + 1) & (queue.shape[0] - 1)
                    count -= 1
                elif n_cross <= left:
                    filled += min(float(n_cross), max(net, 0.0))
                    net -= n_cross
                    ip -= n_cross
                    j += n_cross
                    order = (math.floor((s - ip) / q) + 1.0) * q
                    ip += order
                    ordered += order
                    placed += 1.0
                    if count == queue.shape[0]:
                        queue = grow(queue, head, count)
                        head = 0
                        if queue.shape[0] == 0:
                            return SIM_CAPACITY
                    put(
                        queue,
                        (head + count) & (queue.shape[0] - 1),
                        t + lead,
                        float(j),
                        float(den),
                        j / den,
                        order,
                    )
                    count += 1
                else:
                    if left > 0:
                        filled += min(float(left), max(net, 0.0))
                        net -= left
                        ip -= left
                    break
        else:
            cur = 0.0  # time of the last event, as a fraction of the period
            used = 0.0  # demand of the period that has flowed
            while True:
                events += 1
                if events > _MAX_EVENTS:
                    return SIM_CAPACITY
                fa = 2.0
                if count > 0 and queue[head, 0] == t:
                    fa = queue[head, 3]
                need = ip - s
                rest = d - used
                fc = 2.0
                if need < rest:
                    fc = min(cur + need / d, _LAST)
                if fa < 2.0 and fa <= fc:
                    piece = min(d * (fa - cur), rest, need)
                    filled += min(piece, max(net, 0.0))
                    net -= piece
                    ip -= piece
                    used += piece
                    cur = fa
                    if measured:  # an order arrives: one cycle, good if net >= 0 just before
                        cycles += 1.0
                        if net >= 0.0:
                            good += 1.0
                    net += queue[head, 4]
                    head = (head + 1) & (queue.shape[0] - 1)
                    count -= 1
                elif fc < 2.0:
                    filled += min(need, max(net, 0.0))
                    net -= need
                    used += need
                    cur = fc
                    ip = s + q
                    ordered += q
                    placed += 1.0
                    if count == queue.shape[0]:
                        queue = grow(queue, head, count)
                        head = 0
                        if queue.shape[0] == 0:
                            return SIM_CAPACITY
                    put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 0.0, fc, q)
                    count += 1
                else:
                    if rest > 0.0:
                        filled += min(rest, max(net, 0.0))
                        net -= rest
                        ip -= rest
                    break
        if measured:
            dem += d
            fil += filled
            if net < 0.0:
                back -= net
            else:
                onh += net
                if net > 0.0:
                    ready += 1.0
            n_orders += placed
        if record:
            record_period(outputs, i, t, net, filled, ordered)
    mark(acc, b, cycles, good, dem, fil, back, onh, ready, n_orders, periods)
    return OK
