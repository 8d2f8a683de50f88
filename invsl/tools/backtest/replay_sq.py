"""Continuous review (s, Q) in the replay: one SKU's recorded demand through its plans,
unit by unit (at uniform random or evenly spaced times within a period) or as a flow, with
its queue of outstanding orders (a ring buffer); the conventions are those of the docstring
of invsl.tools.backtest.replay.

:func:`sq_row` walks the periods; in each, :func:`start_period` takes the receipts due at its
start and applies the plan in force, then :func:`uniform_units`, :func:`even_units` or
:func:`flow` replays the period's demand with the orders placed and arriving within it.
These four hand the SKU's state on as a :class:`SkuState` of scalars, the queue (replaced by
one twice as large when it is full) beside it, and are inlined into sq_row (see the comment
above start_period).
"""

from __future__ import annotations

import math
from typing import NamedTuple

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


class PeriodInputs(NamedTuple):
    """What the helpers that replay period t of an sQ SKU read."""

    t: int  # the period
    lead: int  # L [periods]: an order placed in period t arrives in period t + L
    demand: float  # d[t] [units]
    reorder_point: float  # s of the plan in force [units]
    order_quantity: float  # Q of the plan in force [units]
    measured: bool  # t >= measure_from


class SkuState(NamedTuple):
    """An sQ SKU's state, handed from one helper to the next (scalars only; the helpers unpack
    it in field order, ``outstanding`` as ``count``, and build it back in the same order)."""

    net: float  # net stock [units]
    ip: float  # inventory position [units]
    head: int  # the outstanding orders are the rows head, head + 1, ... of the queue,
    outstanding: int  # so many of them (cyclically: the queue's capacity is a power of two)
    filled: float  # in the period so far: units filled from stock [units]
    ordered: float  # in the period so far: quantity ordered [units]
    placed: float  # in the period so far: orders placed
    cycles: float  # in the measured periods so far: order arrivals
    good: float  # in the measured periods so far: arrivals that met net stock >= 0


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


# start_period, uniform_units, even_units and flow are declared ``tiny`` (inlined at numba
# level) although they are not one-liners: each has one caller, sq_row, so inlining copies
# nothing, while a call out of line (``scalar``) costs, for every period, a call and the
# reference counting of the queue array: about as much as replaying a period of a few units
# (2000 SKUs x 520 periods of Poisson(4) demand, even units, one thread: 39 ms in one
# function before the split, 79 ms with scalar helpers, 49 ms with these).


@tiny
def arrive(queue, head, count, net, cycles, good, measured):
    """The order at the head of ``queue`` arrives: a replenishment cycle ends (counted when
    ``measured``; good if net stock is >= 0 just before), net stock rises by the order and it
    leaves the queue. Returns (net, head, count, cycles, good)."""
    if measured:
        cycles += 1.0
        if net >= 0.0:
            good += 1.0
    net += queue[head, 4]
    head = (head + 1) & (queue.shape[0] - 1)
    return net, head, count - 1, cycles, good


@tiny
def start_period(queue, sku, period):
    """The start of an sQ period: its sums set to 0, the receipts due at its start, then the
    plan in force applied (IP <= s: order n Q now, arriving at the start of period t + L).
    Returns (status, queue, sku)."""
    t, lead, d, s, q, measured = period
    net, ip, head, count, filled, ordered, placed, cycles, good = sku
    filled = 0.0
    ordered = 0.0
    placed = 0.0  # orders placed in the period
    # receipts due at the start of the period
    while count > 0 and queue[head, 0] == t and queue[head, 3] == 0.0:
        net, head, count, cycles, good = arrive(queue, head, count, net, cycles, good, measured)
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
                return SIM_CAPACITY, queue, sku
        put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 1.0, 0.0, order)
        count += 1
    sku = SkuState(net, ip, head, count, filled, ordered, placed, cycles, good)
    return OK, queue, sku


@tiny
def uniform_units(queue, sku, period, state):
    """The d units of an sQ period at independent uniform times, drawn in order as order
    statistics from the random stream ``state``: the next of m units left after time x comes
    at x + (1 - x)(1 - V^(1/m)). Orders placed and arrivals in time order; returns (status,
    queue, sku)."""
    t, lead, d, s, q, measured = period
    net, ip, head, count, filled, ordered, placed, cycles, good = sku
    events = 0
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
                return SIM_CAPACITY, queue, sku
            net, head, count, cycles, good = arrive(queue, head, count, net, cycles, good, measured)
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
                return SIM_CAPACITY, queue, sku
            order = (math.floor((s - ip) / q) + 1.0) * q
            ip += order
            ordered += order
            placed += 1.0
            if count == queue.shape[0]:
                queue = grow(queue, head, count)
                head = 0
                if queue.shape[0] == 0:
                    return SIM_CAPACITY, queue, sku
            put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 0.0, x, order)
            count += 1
        left -= 1
        if left > 0:
            step = (1.0 - x) * (1.0 - unit_power(state, left))
            nxt = min(x + step, _LAST)
        else:
            nxt = 2.0
    sku = SkuState(net, ip, head, count, filled, ordered, placed, cycles, good)
    return OK, queue, sku


@tiny
def even_units(queue, sku, period):
    """The d units of an sQ period at the evenly spaced times t + j / (d + 1), served in
    blocks between the events (an order placed, an arrival), in time order. Returns (status,
    queue, sku)."""
    t, lead, d, s, q, measured = period
    net, ip, head, count, filled, ordered, placed, cycles, good = sku
    events = 0
    n_units = int(d)
    den = n_units + 1
    j = 0  # units of the period served so far
    while True:
        events += 1
        if events > _MAX_EVENTS:
            return SIM_CAPACITY, queue, sku
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
            net, head, count, cycles, good = arrive(queue, head, count, net, cycles, good, measured)
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
                    return SIM_CAPACITY, queue, sku
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
    sku = SkuState(net, ip, head, count, filled, ordered, placed, cycles, good)
    return OK, queue, sku


@tiny
def flow(queue, sku, period):
    """The demand d of an sQ period as a flow at the constant rate d through the period, cut
    at the events (an arrival, IP reaching s: an order of Q), in time order. Returns (status,
    queue, sku)."""
    t, lead, d, s, q, measured = period
    net, ip, head, count, filled, ordered, placed, cycles, good = sku
    events = 0
    cur = 0.0  # time of the last event, as a fraction of the period
    used = 0.0  # demand of the period that has flowed
    while True:
        events += 1
        if events > _MAX_EVENTS:
            return SIM_CAPACITY, queue, sku
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
            net, head, count, cycles, good = arrive(queue, head, count, net, cycles, good, measured)
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
                    return SIM_CAPACITY, queue, sku
            put(queue, (head + count) & (queue.shape[0] - 1), t + lead, 0.0, 0.0, fc, q)
            count += 1
        else:
            if rest > 0.0:
                filled += min(rest, max(net, 0.0))
                net -= rest
                ip -= rest
            break
    sku = SkuState(net, ip, head, count, filled, ordered, placed, cycles, good)
    return OK, queue, sku


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
    sku = SkuState(net, net, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    queue = np.empty((16, 5))
    first = settings.measure_from
    periods = n_t - first
    n_batches = acc.shape[0]
    b = 0
    cut = first + periods // n_batches
    record = settings.record
    dem = fil = back = onh = ready = n_orders = 0.0  # running sums (and sku's cycles, good)
    for t in range(n_t):
        while k + 1 < n_plans and origins[k + 1] <= t:
            k += 1
            s = plans.reorder_point[i, k]
            q = plans.order_quantity[i, k]
        measured = t >= first
        if measured and t == cut:  # batch b ends
            mark(acc, b, sku.cycles, sku.good, dem, fil, back, onh, ready, n_orders, t - first)
            b += 1
            cut = first + (b + 1) * periods // n_batches
        d = demand[t]
        period = PeriodInputs(t, lead, d, s, q, measured)
        code, queue, sku = start_period(queue, sku, period)
        if code == OK:
            if units and not even:
                code, queue, sku = uniform_units(queue, sku, period, state)
            elif units:
                code, queue, sku = even_units(queue, sku, period)
            else:
                code, queue, sku = flow(queue, sku, period)
        if code != OK:
            return code
        net = sku.net
        filled = sku.filled
        if measured:
            dem += d
            fil += filled
            if net < 0.0:
                back -= net
            else:
                onh += net
                if net > 0.0:
                    ready += 1.0
            n_orders += sku.placed
        if record:
            record_period(outputs, i, t, net, filled, sku.ordered)
    mark(acc, b, sku.cycles, sku.good, dem, fil, back, onh, ready, n_orders, periods)
    return OK
