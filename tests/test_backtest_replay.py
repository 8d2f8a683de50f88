"""The trace-driven replay (invsl/tools/backtest/replay.py) against independent references.

1. A slow twin in plain Python (tests/_replay_twin.py, written from the contract, sharing no
   code with the kernel) agrees with the kernel exactly, float for float, on small random
   cases of every policy.
2. Hand-checked cases: the expected numbers are worked out period by period in comments.
3. Long replays of synthetic stationary demand through a fixed plan reproduce invsl's
   analytical alpha, beta and gamma (``invsl.periodic_service_levels``, and
   ``invsl.service_levels`` for sQ, whose formulas hold exactly for Poisson unit demand)
   within 4 batch-means standard errors, and reject the values of a reorder point (RS: an
   order-up-to level) one unit lower.
4. Statuses, standard errors and argument checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _replay_twin import replay_one

import invsl
from invsl.tools.backtest.replay import METRICS, replay, replay_kernel
from invsl.vocabulary import (
    BAD_ORDER_QUANTITY,
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    FRACTIONAL_LEAD_TIME,
    MISSING,
    NEGATIVE,
    NOT_FINITE,
    OK,
    POLICY_NAMES,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
    POLICY_SQ,
    UNKNOWN_POLICY,
)

PER_PERIOD = ("on_hand", "backorders", "filled", "ordered")


# ---------------------------------------------------------------------------------------------
# 1. the slow twin agrees exactly


def _random_skus(rng, n, n_t, n_plans):
    """n SKUs of every policy: integer (lumpy, intermittent) or fractional demand, L 0..3,
    R 1..3 (1 for sQ), plans that change at each origin, small Q (multiples of Q needed),
    whole or quarter plan values (exact in binary, so the units of the kernel, served in
    blocks, and of the twin, one by one, give the same floats)."""
    policy = rng.integers(0, 4, n)
    fractional = rng.random(n) < 0.35
    mean = rng.uniform(0.3, 7.0, n)
    demand = rng.poisson(mean[:, None], (n, n_t)).astype(float)
    demand[rng.random((n, n_t)) < 0.3] = 0.0
    lumps = rng.random((n, n_t)) < 0.05
    demand[lumps] += rng.integers(5, 25, lumps.sum())
    flow = np.round(rng.gamma(0.8, mean[:, None] / 0.8, (n, n_t)), 3)
    demand = np.where(fractional[:, None], flow, demand)
    lead = rng.integers(0, 4, n)
    review = np.where(policy == POLICY_SQ, 1, rng.integers(1, 4, n))
    step = np.where(rng.random(n) < 0.3, 0.25, 1.0)[:, None]
    s = np.round(rng.uniform(-4.0, 14.0, (n, n_plans)) / step) * step
    q = np.maximum(np.round(rng.uniform(0.5, 9.0, (n, n_plans)) / step) * step, step)
    big_s = s + np.maximum(np.round(rng.uniform(0.5, 12.0, (n, n_plans)) / step) * step, step)
    pol = policy[:, None]
    s = np.where(pol == POLICY_RS, np.nan, s)
    big_s = np.where((pol == POLICY_RS) | (pol == POLICY_RSS), big_s, np.nan)
    q = np.where((pol == POLICY_SQ) | (pol == POLICY_RSQ), q, np.nan)
    return demand, policy.astype(np.int8), lead, review, s, big_s, q


@pytest.mark.parametrize("unit_times", ["uniform", "even"])
@pytest.mark.parametrize(
    ("n_t", "origins", "measure_from"),
    [(30, [0, 7, 15, 22], 9), (25, [4, 10, 11, 20], 0), (40, [0], 24), (12, [3], 11)],
)
def test_twin_agrees_exactly(unit_times, n_t, origins, measure_from):
    rng = np.random.default_rng(n_t * 1000 + measure_from)
    n = 120
    demand, policy, lead, review, s, big_s, q = _random_skus(rng, n, n_t, len(origins))
    out = replay(
        demand,
        policy,
        lead,
        review,
        origins,
        s,
        big_s,
        q,
        measure_from=measure_from,
        record=True,
        unit_times=unit_times,
        seed=123,
    )
    assert (out.status == OK).all()
    assert out.periods is not None
    failures = []
    for i in range(n):
        twin = replay_one(
            demand[i].tolist(),
            POLICY_NAMES[policy[i]],
            int(lead[i]),
            int(review[i]),
            list(origins),
            s[i].tolist(),
            big_s[i].tolist(),
            q[i].tolist(),
            measure_from,
            unit_times=unit_times,
            seed=123,
            row=i,
        )
        for name in METRICS:
            if name.endswith("_se"):
                continue
            got, want = getattr(out, name)[i], twin[name]
            if not (got == want or (math.isnan(got) and math.isnan(want))):
                failures.append(f"SKU {i} ({POLICY_NAMES[policy[i]]}): {name} {got!r} != {want!r}")
        for name in PER_PERIOD:
            got_row = getattr(out.periods, name)[i]
            if not np.array_equal(got_row, np.array(twin["per_period"][name])):
                failures.append(f"SKU {i} ({POLICY_NAMES[policy[i]]}): {name} per period")
    assert not failures, "\n".join(failures)


def test_cases_of_the_twin_comparison_cover_the_rules():
    """The random cases above do reach the rules the twin checks: several orders at once
    (sQ, RsQ multiples of Q), sQ orders and arrivals inside a period, stockouts."""
    rng = np.random.default_rng(30 * 1000 + 9)
    demand, policy, lead, review, s, big_s, q = _random_skus(rng, 120, 30, 4)
    out = replay(
        demand, policy, lead, review, [0, 7, 15, 22], s, big_s, q, measure_from=9, record=True
    )
    assert out.periods is not None
    ordered = out.periods.ordered
    rsq = policy == POLICY_RSQ
    assert np.any(ordered[rsq] > 1.5 * q[rsq][:, :1])  # an RsQ order of 2Q or more
    sq = policy == POLICY_SQ
    assert np.any(ordered[sq] > 1.5 * q[sq][:, :1])  # several sQ orders in one period
    assert np.nanmin(out.fill_rate) < 0.5 < np.nanmax(out.fill_rate)
    assert {POLICY_SQ, POLICY_RS, POLICY_RSS, POLICY_RSQ} <= set(policy.tolist())


def test_the_compiled_kernel_is_in_use():
    replay(np.ones((1, 3)), "RS", 0, 1, [0], order_up_to=2.0, measure_from=0)
    assert replay_kernel.signatures  # the numba dispatcher has compiled (or loaded) a version


# ---------------------------------------------------------------------------------------------
# 2. hand-checked cases


def _one(*args, **kwargs):
    out = replay(*args, record=True, **kwargs)
    assert out.status.tolist() == [OK]
    assert out.periods is not None
    values = {name: float(getattr(out, name)[0]) for name in METRICS}
    return values, {name: getattr(out.periods, name)[0].tolist() for name in PER_PERIOD}


def test_rs_constant_demand_enough_stock():
    # demand 10 every period, RS with S = 35, R = 2, L = 1; start: net = IP = 35.
    # t0: review, IP 35: order 0 (an RS review counts as an order arriving at t1); 25 left.
    # t1: the order of 0 arrives (net 25 >= 0: a good cycle); 15 left.
    # t2: review, IP 15: order 20, due t3; 5 left.   t3: 20 arrive (net 5 before), 15 left.
    # t4: as t2 ... on hand at period ends: 25, 15, 5, 15, 5, 15, ...
    values, per = _one(np.full((1, 12), 10.0), "RS", 1, 2, [0], order_up_to=35.0, measure_from=2)
    assert per["on_hand"] == [25.0, 15.0] + [5.0, 15.0] * 5
    assert per["ordered"] == [0.0, 0.0] + [20.0, 0.0] * 5
    # measured t2..t11: 100 units, all filled; arrivals at t3, 5, 7, 9, 11, all good
    assert values["demand"] == 100.0 and values["filled"] == 100.0
    assert values["fill_rate"] == 1.0 and values["cycle_service_level"] == 1.0
    assert values["cycles"] == 5.0 and values["orders"] == 5.0
    assert values["mean_on_hand"] == 10.0 and values["mean_backorders"] == 0.0
    assert values["ready_rate"] == 1.0 and values["gamma"] == 1.0


def test_rs_constant_demand_short():
    # as above with S = 25 (the demand of L + R = 3 periods is 30): t0 15, t1 5;
    # t2: review IP 5, order 20; 5 of the 10 filled, 5 backordered (net -5);
    # t3: 20 arrive (net -5 before: a cycle with backorders), 15, then 5 after demand;
    # t4: as t2. Per two periods: 20 demanded, 15 filled; backorders 5, 0 at the ends.
    values, per = _one(np.full((1, 12), 10.0), "RS", 1, 2, [0], order_up_to=25.0, measure_from=2)
    assert per["on_hand"] == [15.0, 5.0] + [0.0, 5.0] * 5
    assert per["backorders"] == [0.0, 0.0] + [5.0, 0.0] * 5
    assert per["filled"] == [10.0, 10.0] + [5.0, 10.0] * 5
    assert values["fill_rate"] == 0.75  # the simulator's docstring example gives 0.75 too
    assert values["mean_backorders"] == 2.5 and values["gamma"] == 0.75
    assert values["cycle_service_level"] == 0.0 and values["ready_rate"] == 0.5
    assert values["mean_on_hand"] == 2.5


def test_rsq_multiples_of_q_and_lead_time_zero():
    # RsQ, R = 1, L = 0, s = 4, Q = 3; start net = IP = s + Q = 7; demand 6, 2, 9, 0, 1.
    # t0: IP 7 > 4, no order; 6 filled, net 1.
    # t1: IP 1 <= 4: the smallest n with 1 + 3n > 4 is 2, order 6, arrives at once
    #     (net 1 >= 0 before: good); 2 filled, net 5.
    # t2: IP 5, no order; 5 of 9 filled, net -4.
    # t3: IP -4: n = 3 (-4 + 9 = 5 > 4), order 9 at once (net -4 before: bad); net 5.
    # t4: IP 5; 1 filled, net 4.
    values, per = _one(
        np.array([[6.0, 2.0, 9.0, 0.0, 1.0]]), "RsQ", 0, 1, [0], 4.0, None, 3.0, measure_from=0
    )
    assert per["ordered"] == [0.0, 6.0, 0.0, 9.0, 0.0]
    assert per["filled"] == [6.0, 2.0, 5.0, 0.0, 1.0]
    assert per["on_hand"] == [1.0, 5.0, 0.0, 5.0, 4.0]
    assert per["backorders"] == [0.0, 0.0, 4.0, 0.0, 0.0]
    assert values["fill_rate"] == 14.0 / 18.0
    assert values["cycle_service_level"] == 0.5 and values["orders"] == 2.0
    assert values["ready_rate"] == 0.8 and values["mean_on_hand"] == 3.0
    assert values["mean_backorders"] == 0.8
    assert values["gamma"] == 1.0 - 0.8 / 3.6


def test_rss_plan_change_at_an_origin():
    # RsS, R = 2, L = 1, demand 4 a period; plan (s, S) = (5, 12) from t0, (2, 8) from t4.
    # start: net = IP = 12.
    # t0: review IP 12 > 5; net 8.   t1: net 4.
    # t2: review IP 4 <= 5: order 12 - 4 = 8, due t3; net 0.
    # t3: 8 arrive (net 0 before: good); net 4.
    # t4: new plan; review IP 4 > 2; net 0.   t5: 0 filled, net -4.
    # t6: review IP -4 <= 2: order 8 + 4 = 12, due t7; 0 filled, net -8.
    # t7: 12 arrive (net -8: bad), net 4; 4 filled, net 0.
    # t8: review IP 0 <= 2: order 8, due t9; 0 filled, net -4.
    # t9: 8 arrive (bad), net 4; 4 filled, net 0.
    s = np.array([[5.0, 2.0]])
    big_s = np.array([[12.0, 8.0]])
    values, per = _one(np.full((1, 10), 4.0), "RsS", 1, 2, [0, 4], s, big_s, measure_from=4)
    assert per["ordered"] == [0.0, 0.0, 8.0, 0.0, 0.0, 0.0, 12.0, 0.0, 8.0, 0.0]
    assert per["on_hand"] == [8.0, 4.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert per["backorders"] == [0.0] * 5 + [4.0, 8.0, 0.0, 4.0, 0.0]
    # measured t4..t9: 24 demanded, 12 filled; backorders 16 over 6 period ends
    assert values["fill_rate"] == 0.5 and values["orders"] == 2.0
    assert values["cycle_service_level"] == 0.0 and values["cycles"] == 2.0
    assert values["mean_backorders"] == 16.0 / 6.0 and values["ready_rate"] == 0.0
    assert values["gamma"] == 1.0 - (16.0 / 6.0) / 4.0


def test_sq_even_units_with_ties():
    # sQ, s = 1, Q = 4, L = 1, 3 units a period at t + 1/4, 2/4, 3/4 (unit_times="even");
    # start: net = IP = 5.
    # t0: 5 -> 4, 3, 2; all filled.
    # t1: unit 1: net 1, IP 1 <= 1: order 4, due at 2 + 1/4, IP 5; unit 2: net 0;
    #     unit 3: net -1 (short). filled 2, backorders 1, IP 3.
    # t2: at 2 + 1/4 the order arrives before the unit of that instant (net -1: bad), net 3;
    #     units: 2, 1 (IP 1: order 4, due 3 + 2/4), 0. filled 3.
    # t3: unit 1 short (net -1); at 3 + 2/4 the order arrives (bad), net 3; units: 2, 1
    #     (IP 1: order, due 4 + 3/4). filled 2, on hand 1.
    # t4: units: 0, -1 (short); at 4 + 3/4 the order arrives (bad), net 3, unit 3: 2.
    #     filled 2, on hand 2, no order; t5 is t1 again (a cycle of 4 periods).
    values, per = _one(
        np.full((1, 8), 3.0), "sQ", 1, 1, [0], 1.0, None, 4.0, measure_from=0, unit_times="even"
    )
    assert per["filled"] == [3.0, 2.0, 3.0, 2.0, 2.0, 2.0, 3.0, 2.0]
    assert per["on_hand"] == [2.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 1.0]
    assert per["backorders"] == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert per["ordered"] == [0.0, 4.0, 4.0, 4.0, 0.0, 4.0, 4.0, 4.0]
    assert values["fill_rate"] == 19.0 / 24.0
    assert values["cycle_service_level"] == 0.0 and values["cycles"] == 5.0
    assert values["orders"] == 6.0 and values["mean_backorders"] == 0.25


def test_sq_flow_crossings_inside_periods():
    # sQ with fractional demand 0.5 a period: a flow. s = 0.25, Q = 1.25, L = 2; start 1.5.
    # t0: 1.0 at the end.  t1: 0.5.
    # t2: IP - s = 0.25 < 0.5: IP reaches s at 2 + 0.25 / 0.5 = 2.5: order 1.25, due 4.5;
    #     net 0.25, then 0 at the end (0.5 filled); IP 1.25.
    # t3: 0 filled, net -0.5; IP 0.75.
    # t4: by 4.5, 0.25 more flowed (net -0.75, IP 0.5); the order arrives (bad), net 0.5;
    #     IP - s = 0.25 is not below the 0.25 left, so no crossing inside: 0.25 filled,
    #     net 0.25 and IP 0.25 = s at the end.
    # t5: IP <= s at the start: order 1.25, due at the start of t7; 0.25 filled, net -0.25.
    # t6: 0 filled, net -0.75.
    # t7: 1.25 arrive at the start (bad), net 0.5; IP reaches s at 7.5: order, due 9.5;
    #     0.5 filled, net 0: as at the end of t2 (a cycle of 5 periods, t3..t7).
    values, per = _one(np.full((1, 13), 0.5), "sQ", 2, 1, [0], 0.25, None, 1.25, measure_from=3)
    assert per["ordered"] == [0.0, 0.0, 1.25, 0.0, 0.0, 1.25, 0.0, 1.25] + [0, 0, 1.25, 0, 1.25]
    assert per["filled"] == [0.5, 0.5, 0.5] + [0.0, 0.25, 0.25, 0.0, 0.5] * 2
    assert per["backorders"] == [0.0, 0.0, 0.0] + [0.5, 0.0, 0.25, 0.75, 0.0] * 2
    # measured t3..t12: two cycles of 5 periods: 2.5 demanded, 1 filled, backorders 1.5
    assert values["fill_rate"] == 0.4 and values["mean_backorders"] == 0.3
    assert values["gamma"] == 0.4 and values["mean_on_hand"] == 0.05
    assert values["ready_rate"] == 0.2 and values["cycle_service_level"] == 0.0
    assert values["orders"] == 4.0


def test_sq_flow_arrival_and_crossing_at_the_same_instant():
    # flow of 0.5 a period, s = 0, Q = 0.25, L = 1; start net = IP = 0.25.
    # t0: IP reaches s at 0.5 (0.25 filled): order, due 1.5; 0.25 backordered by the end,
    #     where IP = 0 = s.
    # t1: IP <= s at the start: order, due at the start of t2. At 1.5 the order of t0
    #     arrives (net -0.5 before) and IP reaches s (0.5 - 0.25 - 0.25 = 0) at the same
    #     instant: the arrival first, then the order; net -0.5 at the end, two orders.
    # t2, t3: the same (a receipt at the start, one at mid-period), two cycles each.
    _, per = _one(np.full((1, 4), 0.5), "sQ", 1, 1, [0], 0.0, None, 0.25, measure_from=0)
    assert per["ordered"] == [0.25, 0.5, 0.5, 0.5]
    assert per["filled"] == [0.25, 0.0, 0.0, 0.0]
    assert per["backorders"] == [0.25, 0.5, 0.5, 0.5]
    twin = replay_one([0.5] * 4, "sQ", 1, 1, [0], [0.0], [math.nan], [0.25], 0)
    assert twin["per_period"]["ordered"] == per["ordered"] and twin["cycles"] == 5.0


def test_warm_up_uses_the_first_plan():
    # the first origin at t3: periods 0..2 use its plan, and a plan given from t0 on
    # replays the same
    demand = np.random.default_rng(4).poisson(3.0, (1, 30)).astype(float)
    late = replay(demand, "RsQ", 2, 1, [3, 12], [[5.0, 7.0]], None, 4.0, measure_from=12)
    early = replay(demand, "RsQ", 2, 1, [0, 12], [[5.0, 7.0]], None, 4.0, measure_from=12)
    for name in METRICS:
        np.testing.assert_array_equal(getattr(late, name), getattr(early, name))


# ---------------------------------------------------------------------------------------------
# 3. long replays of stationary demand reproduce the analytical service levels

PERIODS = 100_000
WARMUP = 500
BATCHES = 50

#: policy, distribution, mean, sd, L, R, s, S, Q (one fixed plan each)
CASES = [
    ("RS", "normal", 10.0, 2.5, 2, 3, None, 58.0, None),
    ("RS", "gamma", 4.0, 3.0, 1, 2, None, 16.0, None),
    ("RS", "poisson", 3.0, None, 2, 2, None, 15.0, None),
    ("RsS", "negbin", 3.0, 2.5, 1, 1, 5.0, 12.0, None),
    ("RsS", "poisson", 4.0, None, 2, 2, 12.0, 20.0, None),
    ("RsQ", "gamma", 5.0, 4.0, 2, 1, 15.0, None, 10.0),
    ("RsQ", "normal", 10.0, 2.5, 1, 2, 28.0, None, 20.0),
    ("RsQ", "negbin", 2.0, 2.0, 3, 1, 8.0, None, 6.0),
    ("sQ", "poisson", 2.0, None, 1, 1, 2.0, None, 3.0),
    ("sQ", "poisson", 5.0, None, 3, 1, 15.0, None, 10.0),
]


def _draw(rng, distribution, mean, sd, n):
    """n periods of demand; normal draws below 0 (3e-5 of them here) count as 0."""
    if distribution == "normal":
        return np.maximum(rng.normal(mean, sd, n), 0.0)
    if distribution == "gamma":
        return rng.gamma(mean**2 / sd**2, sd**2 / mean, n)
    if distribution == "poisson":
        return rng.poisson(mean, n).astype(float)
    p = mean / sd**2  # negative binomial with this mean and variance
    return rng.negative_binomial(mean * p / (1.0 - p), p, n).astype(float)


@pytest.fixture(scope="module")
def long_replay():
    demand = np.empty((len(CASES), PERIODS))
    for i, (_, dist, mean, sd, *_rest) in enumerate(CASES):
        demand[i] = _draw(np.random.default_rng(100 + i), dist, mean, sd, PERIODS)
    column = list(zip(*CASES))
    nan = np.nan

    def values(j):
        return np.array([nan if v is None else v for v in column[j]])

    return replay(
        demand,
        list(column[0]),
        list(column[4]),
        list(column[5]),
        [0],
        values(6),
        values(7),
        values(8),
        measure_from=WARMUP,
        n_batches=BATCHES,
        seed=7,
    )


def _analytical(case, shift):
    """invsl's alpha, beta, gamma for the case, its s (RS: S) moved by ``shift`` units."""
    policy, dist, mean, sd, lead, review, s, big_s, q = case
    sd = math.sqrt(mean) if sd is None else sd
    if policy == "RS":
        big_s = big_s + shift
    else:
        s = s + shift
    if policy == "sQ":
        levels = invsl.service_levels(s, q, mean, sd, lead, distribution=dist)
    else:
        levels = invsl.periodic_service_levels(
            policy,
            mean,
            sd,
            lead,
            review,
            reorder_point=s,
            order_up_to=big_s,
            order_quantity=q,
            distribution=dist,
        )
    return {name: float(levels[name]) for name in ("alpha", "beta", "gamma")}


def _z(out, i, reference):
    achieved = {
        "alpha": (out.cycle_service_level[i], out.cycle_service_level_se[i]),
        "beta": (out.fill_rate[i], out.fill_rate_se[i]),
        "gamma": (out.gamma[i], out.gamma_se[i]),
    }
    return {name: (value - reference[name]) / se for name, (value, se) in achieved.items()}


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in CASES])
def test_long_replay_reproduces_the_analytical_levels(long_replay, i):
    # z-scores (alpha, beta, gamma) of this run (seeds 100.., 7; 100,000 periods, 50
    # batches), at the plan and, in brackets, at s (RS: S) one unit lower:
    #   RS normal L2       0.2, -0.9, -0.8  (15, 11, 11)
    #   RS gamma L1       -0.7, -0.7, -0.7  (23, 22, 21)
    #   RS poisson L2      1.5,  1.3,  1.4  (42, 45, 46)
    #   RsS negbin L1      1.6,  2.2,  1.6  (44, 32, 31)
    #   RsS poisson L2     0.7,  0.2,  0.6  (55, 36, 38)
    #   RsQ gamma L2      -1.0, -1.6, -1.4  (21, 16, 16)
    #   RsQ normal L1     -1.3, -1.2, -1.2  (14, 22, 22)
    #   RsQ negbin L3      1.1,  1.5,  1.3  (32, 28, 29)
    #   sQ poisson L1      1.3,  2.3,  1.7  (161, 175, 140)
    #   sQ poisson L3     -0.5, -1.4, -1.5  (36, 42, 37)
    # (six other demand seeds: largest |z| 1.3 to 2.8, smallest |z| one unit lower 13.5 to 17)
    assert long_replay.status[i] == OK
    z = _z(long_replay, i, _analytical(CASES[i], 0))
    assert all(abs(v) <= 4.0 for v in z.values()), z
    z_lower = _z(long_replay, i, _analytical(CASES[i], -1))
    assert all(abs(v) > 4.0 for v in z_lower.values()), z_lower


def test_even_unit_times_keep_the_period_end_levels_but_not_alpha_beta():
    # with the units of a period evenly spaced an sQ order meets a less variable lead-time
    # demand than under a Poisson process: alpha and beta come out far above the (s, Q)
    # formulas, gamma (period ends) still agrees with them
    case = CASES[8]
    demand = _draw(np.random.default_rng(108), "poisson", 2.0, None, PERIODS)[None, :]
    out = replay(
        demand,
        "sQ",
        1,
        1,
        [0],
        2.0,
        None,
        3.0,
        measure_from=WARMUP,
        n_batches=BATCHES,
        unit_times="even",
    )
    z = _z(out, 0, _analytical(case, 0))
    assert abs(z["gamma"]) <= 4.0, z
    assert z["alpha"] > 8.0 and z["beta"] > 8.0, z


# ---------------------------------------------------------------------------------------------
# 4. statuses, standard errors, arguments


def test_statuses_and_the_other_skus_are_replayed():
    n_t = 20
    rng = np.random.default_rng(9)
    demand = rng.poisson(3.0, (11, n_t)).astype(float)
    policy = np.array([1, 1, 1, 1, 2, 3, 3, 1, 1, 7, 1], dtype=np.int8)
    lead = np.array([1, 1, 1, 1, 1, 1, 1, 1.5, -1, 1, np.nan])
    review = np.array([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1.0])
    s = np.full((11, 2), 4.0)
    big_s = np.full((11, 2), 12.0)
    q = np.full((11, 2), 5.0)
    big_s[1, 1] = np.nan  # RS: S missing at the second origin
    demand[2, 7] = -1.0  # a negative demand
    big_s[4, 0] = 3.0  # RsS: S <= s
    q[5, 1] = 0.0  # RsQ: Q = 0
    q[6, 0] = np.inf
    s[0] = np.nan  # not used by RS: fine
    out = replay(demand, policy, lead, review, [0, 10], s, big_s, q, measure_from=5)
    assert out.status.tolist() == [
        OK,
        MISSING,
        NEGATIVE,
        BAD_REVIEW_PERIOD,
        BAD_ORDER_UP_TO,
        BAD_ORDER_QUANTITY,
        NOT_FINITE,
        FRACTIONAL_LEAD_TIME,
        NEGATIVE,
        UNKNOWN_POLICY,
        MISSING,
    ]
    assert np.isnan(out.fill_rate[1:]).all()
    alone = replay(demand[:1], "RS", 1, 1, [0, 10], None, big_s[:1], None, measure_from=5)
    for name in METRICS:
        assert getattr(out, name)[0] == getattr(alone, name)[0]


def test_policy_names_and_nan_demand():
    demand = np.array([[1.0, 2.0, np.nan], [1.0, 2.0, 3.0]])
    out = replay(demand, ["RS", "min/max"], 0, 1, [0], 1.0, 5.0, None, measure_from=0)
    assert out.status.tolist() == [MISSING, OK]
    out = replay(demand[1:], "xyz", 0, 1, [0], 1.0, 5.0, None, measure_from=0)
    assert out.status.tolist() == [UNKNOWN_POLICY]


def test_standard_errors_are_batch_means():
    """The standard errors from the per-period record: batch b covers the measured periods
    [m + b P // B, m + (b + 1) P // B); ratio r = sum num / sum den; se = sd(z) /
    (sqrt(B) mean(den)) with z_b = num_b - r den_b (docs/simulate.md)."""
    rng = np.random.default_rng(3)
    n_t, m, n_batches = 1003, 40, 7
    demand = rng.poisson(2.0, (3, n_t)).astype(float)
    out = replay(
        demand,
        ["RS", "RsQ", "sQ"],
        [1, 2, 2],
        [2, 1, 1],
        [0],
        2.0,
        9.0,
        4.0,
        measure_from=m,
        n_batches=n_batches,
        record=True,
    )
    assert out.periods is not None
    periods = n_t - m
    cuts = [m + b * periods // n_batches for b in range(n_batches + 1)]

    def se(num, den):
        num_b = np.array([num[a:b].sum() for a, b in zip(cuts, cuts[1:])])
        den_b = np.array([den[a:b].sum() for a, b in zip(cuts, cuts[1:])])
        r = num_b.sum() / den_b.sum()
        return np.std(num_b - r * den_b, ddof=1) / math.sqrt(n_batches) / den_b.mean()

    for i in range(3):
        per = out.periods
        ones = np.ones(n_t)
        assert out.fill_rate_se[i] == pytest.approx(se(per.filled[i], demand[i]), rel=1e-9)
        assert out.gamma_se[i] == pytest.approx(se(per.backorders[i], demand[i]), rel=1e-9)
        ready = (per.on_hand[i] > 0).astype(float)
        assert out.ready_rate_se[i] == pytest.approx(se(ready, ones), rel=1e-9)
        assert out.fill_rate[i] == pytest.approx(per.filled[i, m:].sum() / demand[i, m:].sum())


def test_too_few_measured_periods_give_no_standard_error():
    out = replay(np.ones((1, 5)), "RS", 0, 1, [0], None, 2.0, None, measure_from=4)
    assert out.status[0] == OK and out.fill_rate[0] == 1.0
    assert np.isnan(out.fill_rate_se[0])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"origins": [0, 0]}, "increasing"),
        ({"origins": []}, "non-empty"),
        ({"origins": [-1]}, "increasing"),
        ({"measure_from": 10}, "measure_from"),
        ({"unit_times": "random"}, "unit_times"),
        ({"order_up_to": np.ones((2, 3))}, "order_up_to"),
        ({"lead_time": [1, 2, 3]}, "lead_time"),
        ({"demand": np.ones(10)}, "demand"),
    ],
)
def test_bad_arguments_raise(kwargs, words):
    args = {
        "demand": np.ones((2, 10)),
        "policy": "RS",
        "lead_time": 1,
        "review_period": 1,
        "origins": [0],
        "order_up_to": 5.0,
        "measure_from": 2,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=words):
        replay(**args)
