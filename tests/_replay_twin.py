"""A slow replay of one SKU in plain Python, written from the contract (test referee).

docs/service-levels.md, "Backtest on a real history", and the conventions of the module
docstring of invsl/tools/backtest/replay.py: receipts, then the review, then the period's
demand, period by period; sQ as continuous review with the units of a period at the times
t + j / (d + 1) (exact fractions here) or, for fractional demand, as a flow. It imports
nothing of invsl and shares no code with the kernel: one loop per period, one per unit, the
outstanding orders in a list of (arrival period, time within it, quantity).
"""

from __future__ import annotations

import math
from fractions import Fraction

RS, RSS, RSQ, SQ = "RS", "RsS", "RsQ", "sQ"
LAST = 1.0 - 2.0**-53
MASK = (1 << 64) - 1


class Stream:
    """xoshiro256** seeded by splitmix64 from (seed, row): the random stream of the
    SKU in row ``row`` (Blackman and Vigna 2021; Steele, Lea and Flood 2014), written
    from the published algorithms with Python integers."""

    GOLDEN = 0x9E3779B97F4A7C15

    def __init__(self, seed, row):
        x = (seed * 0xD1B54A32D192ED03 + row * self.GOLDEN) & MASK
        x = (self._mix(x) + self.GOLDEN) & MASK
        self.s = []
        for _ in range(4):
            x = (x + self.GOLDEN) & MASK
            self.s.append(self._mix(x))

    @staticmethod
    def _mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def uniform(self):
        """(k + 1/2) / 2**53 for the top 53 bits k of the next output."""
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return ((result >> 11) + 0.5) / 2.0**53


def replay_one(
    demand,
    policy,
    lead,
    review,
    origins,
    s_plan,
    big_s_plan,
    q_plan,
    measure_from,
    unit_times="uniform",
    seed=0,
    row=0,
):
    """Replay one SKU. ``demand`` a list of floats, ``policy`` a name, ``lead`` and
    ``review`` ints, ``origins`` increasing ints, the plans lists (one value per origin);
    sQ with whole demand: units at random times from the stream (seed, row) or at the
    even times j / (d + 1). Returns a dict of the measured values and the per-period lists."""
    stream = Stream(seed, row)
    n_t = len(demand)

    def plan(t):
        k = 0
        for j, origin in enumerate(origins):
            if origin <= t:
                k = j
        return s_plan[k], big_s_plan[k], q_plan[k]

    s, big_s, q = plan(0)
    net = big_s if policy in (RS, RSS) else s + q
    position = net
    outstanding = []  # [arrival period, time within the period, quantity]
    cycles = good = 0
    per = {"on_hand": [], "backorders": [], "filled": [], "ordered": [], "orders": []}

    def receive(t):
        nonlocal net, cycles, good
        _, _, qty = outstanding.pop(0)
        if t >= measure_from:
            cycles += 1
            if net >= 0.0:
                good += 1
        net += qty

    def due(t, time=None):
        """The first outstanding order arrives in period t (at or before ``time``)."""
        if not outstanding or outstanding[0][0] != t:
            return False
        return time is None or outstanding[0][1] <= time

    whole = all(d == math.floor(d) and d < 2**31 for d in demand)
    for t in range(n_t):
        s, big_s, q = plan(t)
        d = demand[t]
        filled = 0.0
        ordered = 0.0
        orders = 0
        if policy == SQ:
            while due(t, 0):
                receive(t)
            if position <= s:
                order = (math.floor((s - position) / q) + 1.0) * q
                position += order
                ordered += order
                orders += 1
                start = Fraction(0) if whole and unit_times == "even" else 0.0
                outstanding.append([t + lead, start, order])
            if whole and unit_times == "uniform":
                # the units' times: order statistics of int(d) uniforms, drawn in order
                left = int(d)
                time = 0.0
                for _ in range(int(d)):
                    gap = (1.0 - time) * (1.0 - stream.uniform() ** (1.0 / left))
                    time = min(time + gap, LAST)
                    while due(t, time):  # an arrival at the same instant comes first
                        receive(t)
                    filled += min(1.0, max(net, 0.0))
                    net -= 1.0
                    position -= 1.0
                    if position <= s:
                        order = (math.floor((s - position) / q) + 1.0) * q
                        position += order
                        ordered += order
                        orders += 1
                        outstanding.append([t + lead, time, order])
                    left -= 1
                while due(t):
                    receive(t)
            elif whole:
                n_units = int(d)
                for j in range(1, n_units + 1):
                    time = Fraction(j, n_units + 1)
                    while due(t, time):  # an arrival at the same instant comes first
                        receive(t)
                    filled += min(1.0, max(net, 0.0))
                    net -= 1.0
                    position -= 1.0
                    if position <= s:
                        order = (math.floor((s - position) / q) + 1.0) * q
                        position += order
                        ordered += order
                        orders += 1
                        outstanding.append([t + lead, time, order])
                while due(t):
                    receive(t)
            else:
                now = 0.0
                flowed = 0.0
                while True:
                    arrival = outstanding[0][1] if due(t) else None
                    rest = d - flowed
                    cross = None
                    if position - s < rest:
                        cross = min(now + (position - s) / d, LAST)
                    if arrival is not None and (cross is None or arrival <= cross):
                        piece = min(d * (arrival - now), rest, position - s)
                        filled += min(piece, max(net, 0.0))
                        net -= piece
                        position -= piece
                        flowed += piece
                        now = arrival
                        receive(t)
                    elif cross is not None:
                        piece = position - s
                        filled += min(piece, max(net, 0.0))
                        net -= piece
                        flowed += piece
                        now = cross
                        position = s + q
                        ordered += q
                        orders += 1
                        outstanding.append([t + lead, cross, q])
                    else:
                        if rest > 0.0:
                            filled += min(rest, max(net, 0.0))
                            net -= rest
                            position -= rest
                        break
        else:
            while due(t):
                receive(t)
            if t % review == 0:
                order = None
                if policy == RS:
                    order = max(big_s - position, 0.0)
                elif position <= s:
                    if policy == RSS:
                        order = big_s - position
                    else:
                        order = (math.floor((s - position) / q) + 1.0) * q
                if order is not None:
                    position += order
                    ordered = order
                    orders = 1 if order > 0.0 else 0
                    outstanding.append([t + lead, 0, order])
                    while due(t):  # L = 0: at once
                        receive(t)
            filled = min(d, max(net, 0.0))
            net -= d
            position -= d
        per["on_hand"].append(max(net, 0.0))
        per["backorders"].append(-net if net < 0.0 else 0.0)
        per["filled"].append(filled)
        per["ordered"].append(ordered)
        per["orders"].append(orders)

    periods = n_t - measure_from
    total_demand = total_filled = total_back = total_on_hand = 0.0
    ready = n_orders = 0
    for t in range(measure_from, n_t):
        total_demand += demand[t]
        total_filled += per["filled"][t]
        total_back += per["backorders"][t]
        total_on_hand += per["on_hand"][t]
        ready += per["on_hand"][t] > 0.0
        n_orders += per["orders"][t]
    mean_back = total_back / periods
    mean_demand = total_demand / periods
    return {
        "demand": total_demand,
        "filled": total_filled,
        "fill_rate": total_filled / total_demand if total_demand > 0 else math.nan,
        "cycle_service_level": good / cycles if cycles else math.nan,
        "ready_rate": ready / periods,
        "mean_on_hand": total_on_hand / periods,
        "mean_backorders": mean_back,
        "gamma": 1.0 - mean_back / mean_demand if mean_demand > 0 else math.nan,
        "orders": float(n_orders),
        "cycles": float(cycles),
        "per_period": per,
    }
