"""Period-by-period simulation of periodic-review policies (test referee; imports no invsl).

The timing is the contract's (docs/service-levels.md, "Periodic review"): in every period,
first the receipts, then (every R-th period) the review, whose order arrives L periods later
at the start of a period, before its demand (L = 0: at once), then the period's demand; net
stock is observed at the end of the period. The service levels are counted from their general
definitions, not from any formula:

- alpha: share of order arrivals with net stock >= 0 just before the receipt (RS: every
  review counts as an order, also an order of 0, as the contract's F_{L+R}(S) does)
- beta: 1 - demand not served from stock at once / demand
- gamma: 1 - (mean backorders at period ends) / mu
- ready_rate: share of period ends with net stock > 0
- expected_backorders, expected_on_hand: means at period ends

Per-period demand: 0 normal (negative draws count as 0), 1 gamma (shape a, scale b),
2 poisson (mean a), 3 negative binomial (size a, success probability b).
"""

from __future__ import annotations

import math

import numba
import numpy as np

RS, RSS, RSQ = 1, 2, 3
NAMES = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")


@numba.njit(cache=True)
def _draw(kind, a, b):  # pragma: no cover - compiled
    if kind == 0:
        return max(np.random.normal(a, b), 0.0)
    if kind == 1:
        return np.random.gamma(a, b)
    if kind == 2:
        return float(np.random.poisson(a))
    return float(np.random.negative_binomial(a, b))


@numba.njit(cache=True)
def _simulate(
    policy, s, big_s, q, r, lt, kind, a, b, warmup, per_batch, n_batches, seed
):  # pragma: no cover
    np.random.seed(seed)
    out = np.zeros((n_batches, 8))
    ring = lt + 1
    pipe = np.zeros(ring)
    flag = np.zeros(ring, dtype=np.bool_)
    start = big_s if policy != RSQ else s + q
    net = start
    ip = start
    total = warmup + per_batch * n_batches
    for t in range(total):
        batch = (t - warmup) // per_batch
        rec = t >= warmup
        slot = t % ring
        if flag[slot]:
            if rec:
                out[batch, 0] += 1.0
                if net >= 0.0:
                    out[batch, 1] += 1.0
            net += pipe[slot]
            pipe[slot] = 0.0
            flag[slot] = False
        if t % r == 0:
            order = -1.0
            if policy == RS:
                order = big_s - ip
            elif ip <= s:
                if policy == RSS:
                    order = big_s - ip
                else:
                    order = (math.floor((s - ip) / q) + 1.0) * q
            if order >= 0.0:
                ip += order
                if lt == 0:
                    if rec:
                        out[batch, 0] += 1.0
                        if net >= 0.0:
                            out[batch, 1] += 1.0
                    net += order
                else:
                    due = (t + lt) % ring
                    pipe[due] += order
                    flag[due] = True
        d = _draw(kind, a, b)
        if rec:
            served = min(d, max(net, 0.0))
            out[batch, 2] += d
            out[batch, 3] += d - served
        net -= d
        ip -= d
        if rec:
            out[batch, 4] += max(-net, 0.0)
            out[batch, 5] += max(net, 0.0)
            if net > 0.0:
                out[batch, 6] += 1.0
            out[batch, 7] += 1.0
    return out


def simulate(
    policy,
    *,
    mu,
    kind,
    a,
    b,
    lead_time,
    review_period,
    s=math.nan,
    order_up_to=math.nan,
    q=math.nan,
    periods=2_000_000,
    n_batches=20,
    seed=1,
):
    """Batch-means estimates and standard errors: (mean dict, se dict)."""
    per_batch = periods // n_batches
    raw = _simulate(
        policy,
        float(s),
        float(order_up_to),
        float(q),
        int(review_period),
        int(lead_time),
        int(kind),
        float(a),
        float(b),
        20_000,
        per_batch,
        n_batches,
        int(seed),
    )
    per = {
        "alpha": raw[:, 1] / raw[:, 0],
        "beta": 1.0 - raw[:, 3] / raw[:, 2],
        "gamma": 1.0 - raw[:, 4] / raw[:, 7] / mu,
        "ready_rate": raw[:, 6] / raw[:, 7],
        "expected_backorders": raw[:, 4] / raw[:, 7],
        "expected_on_hand": raw[:, 5] / raw[:, 7],
    }
    mean = {k: float(np.mean(v)) for k, v in per.items()}
    se = {k: float(np.std(v, ddof=1) / math.sqrt(n_batches)) for k, v in per.items()}
    return mean, se


# ------------------------------------------------------------------------------------------
# tests: invsl against the simulation
# ------------------------------------------------------------------------------------------
import pytest  # noqa: E402

import invsl  # noqa: E402

POLICY_CODE = {"RS": RS, "RsS": RSS, "RsQ": RSQ}

# policy, distribution, mu, sd, L, R, s or S, gap (RsS: S - s, RsQ: Q), exact?
CASES = [
    ("RsQ", "normal", 100.0, 25.0, 1, 1, 191.82, 200.0, True),
    ("RsQ", "gamma", 10.0, 8.0, 2, 3, 40.0, 25.0, True),
    ("RS", "gamma", 10.0, 8.0, 2, 3, 70.0, 0.0, True),
    ("RS", "normal", 50.0, 12.0, 0, 2, 120.0, 0.0, True),
    ("RsS", "poisson", 3.0, 0.0, 0, 2, 4.0, 8.0, True),
    ("RsQ", "negbin", 2.0, 2.0, 1, 1, 3.0, 5.0, True),
    ("RS", "poisson", 1.5, 0.0, 2, 3, 10.0, 0.0, True),
    ("RS", "negbin", 5.0, 4.0, 1, 2, 22.0, 0.0, True),
    ("RsS", "negbin", 2.0, 2.0, 2, 2, 6.0, 9.0, True),
    ("RsQ", "poisson", 3.0, 0.0, 1, 1, 5.0, 7.0, True),
    # continuous (R, s, S): the lattice form, within 0.002 when S - s >= one period's demand
    ("RsS", "normal", 100.0, 25.0, 1, 1, 150.0, 200.0, False),
    ("RsS", "normal", 100.0, 40.0, 1, 1, 120.0, 100.0, False),
    ("RsS", "gamma", 10.0, 8.0, 2, 2, 40.0, 20.0, False),
    ("RsS", "gamma", 10.0, 4.0, 0, 1, 5.0, 40.0, False),
    ("RsS", "gamma", 5.0, 6.0, 3, 1, 15.0, 5.0, False),
    ("RsS", "gamma", 2.0, 6.0, 1, 1, 6.0, 6.0, False),  # lumpy: CV 3, shape 1/9
]


def _sim_params(name, mu, sd):
    if name == "normal":
        return 0, mu, sd
    if name == "gamma":
        return 1, mu * mu / (sd * sd), sd * sd / mu
    if name == "poisson":
        return 2, mu, 0.0
    return 3, mu * mu / (sd * sd - mu), mu / (sd * sd)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-R{c[5]}-L{c[4]}")
def test_formulas_agree_with_simulation(case):
    policy, name, mu, sd, L, R, x, gap, exact = case
    kind, a, b = _sim_params(name, mu, sd)
    if policy == "RS":
        sim_args = dict(order_up_to=x)
        api = dict(order_up_to=x)
    elif policy == "RsS":
        sim_args = dict(s=x, order_up_to=x + gap)
        api = dict(reorder_point=x, order_up_to=x + gap)
    else:
        sim_args = dict(s=x, q=gap)
        api = dict(reorder_point=x, order_quantity=gap)
    mean, se = simulate(
        POLICY_CODE[policy],
        mu=mu,
        kind=kind,
        a=a,
        b=b,
        lead_time=L,
        review_period=R,
        # lumpy demand (CV 3) needs a longer run for a standard error below 0.001
        periods=3_000_000 if exact else (36_000_000 if sd >= 3 * mu else 12_000_000),
        seed=7,
        **sim_args,
    )
    got = invsl.periodic_service_levels(policy, mu, sd, L, R, distribution=name, **api)
    failures = []
    for k in NAMES:
        scale = mu if k.startswith("expected") else 1.0
        diff = abs(float(got[k]) - mean[k])
        # exact formulas: sampling error only; the lattice form: its documented 0.002 on
        # top of a sampling error that the long run keeps below 0.001
        allowed = 4.5 * se[k] + (1e-4 if exact else 0.002) * scale
        if not exact:
            assert se[k] < 0.001 * scale, (k, se[k])
        if diff > allowed:
            failures.append((k, float(got[k]), mean[k], se[k]))
    assert not failures, failures


# continuous (R, s, S) solved for each metric (Newton's method on the lattice form): the
# solution reaches its target in the simulation. distribution, mu, sd, L, R, gap S - s
SOLVED_RSS = [
    ("normal", 100.0, 30.0, 2, 1, 50.0),  # a gap of half a period's demand
    ("normal", 20.0, 6.0, 4, 3, 200.0),  # ten periods' demand, CV 0.3
    ("gamma", 10.0, 15.0, 1, 2, 100.0),  # CV 1.5 (D_R of shape 0.9), ten periods' demand
    ("gamma", 50.0, 10.0, 3, 4, 150.0),  # CV 0.2, three periods' demand
]


@pytest.mark.parametrize("metric", ["alpha", "beta", "gamma"])
@pytest.mark.parametrize(
    "case", SOLVED_RSS, ids=lambda c: f"{c[0]}-R{c[4]}-L{c[3]}-gap{c[5] / c[1]:g}"
)
def test_solved_continuous_rss_reaches_its_target_in_simulation(case, metric):
    name, mu, sd, L, R, gap = case
    target = 0.9
    s, big_s = invsl.periodic_policy(
        target, "RsS", mu, sd, L, R, order_quantity=gap, distribution=name, metric=metric
    )
    s, big_s = float(s), float(big_s)
    got = invsl.periodic_service_levels(
        "RsS", mu, sd, L, R, distribution=name, reorder_point=s, order_up_to=big_s
    )
    assert abs(float(got[metric]) - target) < 1e-8
    mean, se = simulate(
        RSS,
        mu=mu,
        **dict(zip(("kind", "a", "b"), _sim_params(name, mu, sd))),
        lead_time=L,
        review_period=R,
        s=s,
        order_up_to=big_s,
        periods=8_000_000,
        seed=11,
    )
    # the service levels to within 0.001 by sampling (stock levels are autocorrelated over
    # the long cycles of a wide gap: their standard errors are larger, and allowed for)
    assert max(se[k] for k in NAMES[:4]) < 0.001, se
    failures = []
    for k in NAMES:
        scale = mu if k.startswith("expected") else 1.0
        # the documented 0.002 on top of the sampling error (4 standard errors)
        if abs(float(got[k]) - mean[k]) > 4.0 * se[k] + 0.002 * scale:
            failures.append((k, float(got[k]), mean[k], se[k]))
    assert not failures, failures
