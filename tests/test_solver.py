"""Reorder-point solver: solve, then evaluate, against independent scipy references.

Contract (docs/service-levels.md, "Solving for a reorder point"):

- continuous X: the s with metric(s) = t, to an absolute tolerance of 1e-9 * max(1, sd(X));
  checked against a brentq root of the metric written with scipy.stats (tests/_sim.py);
- integer X: the smallest integer s with metric(s) >= t; checked twice: invsl's own metric at
  s and s - 1, and the scipy reference at s and s - 1 (and the reference's own search).

Also: arrays of 1000 mixed SKUs in one call, broadcasting, deterministic demand against closed
forms, and invalid rows giving NaN (no exception) in the array API.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

try:
    from _sim import INTEGER, lead_time_moments, ref_metric_fn, ref_reorder_point
except ImportError:  # tests/ made a package later
    from tests._sim import INTEGER, lead_time_moments, ref_metric_fn, ref_reorder_point

invsl = pytest.importorskip("invsl")

EPS = np.finfo(float).eps
METRICS = ("alpha", "beta", "gamma")
TARGETS = np.array([0.01, 0.1, 0.3, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999])
METRIC_FN = {
    "alpha": invsl.cycle_service_level,
    "beta": invsl.fill_rate,
    "gamma": invsl.gamma_service_level,
}

# (demand_mean, demand_std, lead_time, order_quantity) per distribution
PARAMS = {
    "normal": [
        (100.0, 30.0, 1.0, 200.0),
        (5.0, 4.0, 2.5, 3.0),
        (1000.0, 50.0, 0.5, 20.0),
        (2.0, 6.0, 3.0, 50.0),  # cv ~ 1.7: reorder points below 0 for low targets
    ],
    "gamma": [
        (100.0, 30.0, 1.0, 200.0),
        (5.0, 8.0, 2.0, 3.0),
        (50.0, 10.0, 4.0, 500.0),
        (0.5, 1.5, 1.0, 2.0),  # shape 0.11: most mass near 0
    ],
    "poisson": [
        (8.0, 0.0, 1.0, 10.0),
        (0.3, 0.0, 2.0, 1.0),
        (10.0, 0.0, 5.0, 20.0),
        (400.0, 0.0, 1.0, 100.0),
    ],
    "negbin": [
        (2.0, 3.0, 1.0, 5.0),
        (10.0, 5.0, 4.0, 10.0),
        (0.2, 1.0, 3.0, 2.0),
        (100.0, 40.0, 1.0, 300.0),
    ],
}
GRID = [(d, p, m) for d, ps in PARAMS.items() for p in ps for m in METRICS]


def _grid_id(item):
    d, (mu, sigma, L, Q), m = item
    return f"{d}-mu={mu:g}-sd={sigma:g}-L={L:g}-Q={Q:g}-{m}"


def _f(x):
    return float(np.asarray(x))


def _tol(sd):
    return 1e-9 * max(1.0, sd)


@pytest.mark.parametrize("item", GRID, ids=_grid_id)
def test_solve_then_evaluate(item):
    dist, (mu, sigma, L, Q), metric = item
    solved = np.asarray(
        invsl.reorder_point(TARGETS, Q, mu, sigma, L, distribution=dist, metric=metric),
        dtype=float,
    )
    assert solved.shape == TARGETS.shape
    f_ref, X = ref_metric_fn(dist, Q, mu, sigma, L, metric)
    fn = METRIC_FN[metric]
    bad = []
    for t, s in zip(TARGETS, solved):
        s_ref = ref_reorder_point(dist, t, Q, mu, sigma, L, metric)
        if dist in INTEGER:
            # a near-tie would make "smallest" depend on rounding: none in this grid
            assert abs(f_ref(s_ref) - t) > 1e-12 and abs(f_ref(s_ref - 1) - t) > 1e-12
            got_s, got_m1 = _f(fn(s, Q, mu, sigma, L, distribution=dist)), math.nan
            if s == s_ref:
                got_m1 = _f(fn(s - 1, Q, mu, sigma, L, distribution=dist))
            ok = (
                s == s_ref
                and float(s).is_integer()
                and got_s >= t > got_m1  # invsl's metric: s works, s - 1 does not
                and f_ref(s) >= t > f_ref(s - 1)  # the scipy reference agrees
            )
            if not ok:
                bad.append(
                    f"t={t}: s={s}, ref {s_ref}; invsl metric at s, s-1: "
                    f"{got_s!r}, {got_m1!r}; ref at s_ref, s_ref-1: "
                    f"{f_ref(s_ref)!r}, {f_ref(s_ref - 1)!r}"
                )
        else:
            tol = _tol(X.sd) + 8 * EPS * abs(s_ref)
            # metric values the contract's tolerance allows, from the reference
            slack = max(abs(f_ref(s_ref + tol) - t), abs(f_ref(s_ref - tol) - t)) + 1e-13
            got = _f(fn(s, Q, mu, sigma, L, distribution=dist)) if np.isfinite(s) else math.nan
            if not (abs(s - s_ref) <= tol and abs(got - t) <= slack):
                bad.append(
                    f"t={t}: s={s!r}, ref {s_ref!r} (|diff|={abs(s - s_ref):.3g}, "
                    f"tol {tol:.3g}); metric(s)={got!r} (|diff|={abs(got - t):.3g}, "
                    f"allowed {slack:.3g})"
                )
    assert not bad, f"{_grid_id(item)}:\n" + "\n".join(bad)


def test_safety_stock_and_default_metric():
    s = _f(invsl.reorder_point(0.95, 200, 100, 30, 1))  # default metric: beta
    s_beta = _f(invsl.reorder_point(0.95, 200, 100, 30, 1, metric="beta"))
    assert s == s_beta
    assert _f(invsl.safety_stock(s, 100, 1)) == pytest.approx(s - 100, abs=1e-12)
    assert _f(invsl.safety_stock(130.0, 25.0, 4.0)) == 30.0


# --- deterministic demand --------------------------------------------------------------------
#
# X = m exactly. alpha: F(s) = 1{s >= m}, so the solution is s = m for every t.
# beta: G1(x) = (m - x)^+, so for m - Q <= s <= m, beta(s) = 1 - (m - s)/Q and
#   beta(s) = t  <=>  s = m - (1 - t) Q.
# gamma: continuous G2(x) = ((m - x)^+)^2 / 2, E[B] = (G2(s) - G2(s + Q))/Q.
#   m - Q <= s <= m:  E[B] = (m - s)^2 / (2Q)  ->  s = m - sqrt(2 Q mu (1 - t))
#                     (valid while 2 mu (1 - t) <= Q);
#   s <= m - Q:       E[B] = m - s - Q/2      ->  s = m - Q/2 - mu (1 - t).


def _deterministic_s(metric, t, mu, L, Q):
    m = mu * L
    if metric == "alpha":
        return m
    if metric == "beta":
        return m - (1 - t) * Q
    if 2 * mu * (1 - t) <= Q:
        return m - math.sqrt(2 * Q * mu * (1 - t))
    return m - Q / 2 - mu * (1 - t)


@pytest.mark.parametrize("dist", ["normal", "gamma"])
@pytest.mark.parametrize("metric", METRICS)
def test_deterministic_demand(dist, metric):
    cases = [(100.0, 1.0, 200.0), (10.0, 3.0, 5.0), (3.0, 0.5, 1.0), (50.0, 2.0, 40.0)]
    bad = []
    for mu, L, Q in cases:
        for t in TARGETS:
            want = _deterministic_s(metric, t, mu, L, Q)
            got = _f(invsl.reorder_point(t, Q, mu, 0.0, L, distribution=dist, metric=metric))
            if not abs(got - want) <= 1e-9 + 8 * EPS * abs(want):
                bad.append((mu, L, Q, t, got, want))
            # and the metric there is the target (closed forms above)
            if metric != "alpha":
                val = _f(METRIC_FN[metric](want, Q, mu, 0.0, L, distribution=dist))
                if not abs(val - t) <= 1e-12:
                    bad.append(("metric at closed-form s", mu, L, Q, t, val))
    assert not bad, bad


@pytest.mark.parametrize("metric", ["alpha", "beta"])
def test_deterministic_metric_values(metric):
    """Closed forms of alpha and beta for X = m (normal with std 0)."""
    mu, L, Q = 10.0, 3.0, 5.0
    m = mu * L
    s = np.array([m - 7.0, m - Q, m - 3.5, m - 1.0, m, m + 0.5, m + 10.0])
    got = np.asarray(METRIC_FN[metric](s, Q, mu, 0.0, L), dtype=float)
    if metric == "alpha":
        want = (s >= m).astype(float)
    else:
        want = 1.0 - (np.maximum(m - s, 0) - np.maximum(m - s - Q, 0)) / Q
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dist", ["poisson", "normal"])
def test_zero_lead_time(dist):
    """L = 0: X = 0 exactly. alpha -> s = 0.

    beta: continuous, s = -(1 - t) Q; integer, beta(s) = (s + Q)/Q for -Q <= s <= 0, so the
    smallest integer s with beta(s) >= t is ceil(-(1 - t) Q).
    """
    mu, sigma, Q = 4.0, (0.0 if dist == "poisson" else 2.0), 10.0
    t = np.array([0.05, 0.5, 0.87, 0.95])
    a = np.asarray(invsl.reorder_point(t, Q, mu, sigma, 0.0, distribution=dist, metric="alpha"))
    b = np.asarray(invsl.reorder_point(t, Q, mu, sigma, 0.0, distribution=dist, metric="beta"))
    np.testing.assert_allclose(a, 0.0, atol=1e-9)
    if dist == "poisson":
        np.testing.assert_array_equal(b, np.ceil(-(1 - t) * Q - 1e-9))
    else:
        np.testing.assert_allclose(b, -(1 - t) * Q, atol=1e-9)


# --- arrays: 1000 mixed SKUs, broadcasting ---------------------------------------------------


def _skus(n, dist, rng):
    mu = np.exp(rng.uniform(np.log(0.2), np.log(500.0), n))
    L = rng.choice([0.5, 1.0, 2.0, 3.5, 7.0], n)
    if dist in ("normal", "gamma"):
        sigma = mu * rng.uniform(0.05, 2.0, n)
        Q = np.round(mu * rng.uniform(0.2, 8.0, n), 2) + 0.5
    else:
        sigma = np.sqrt(mu * rng.uniform(1.05, 6.0, n))  # negbin needs Var > mean
        Q = np.ceil(mu * rng.uniform(0.2, 8.0, n))
    t = rng.uniform(0.5, 0.995, n)
    return mu, sigma, L, Q, t


@pytest.mark.parametrize("dist", ["normal", "gamma", "poisson", "negbin"])
@pytest.mark.parametrize("metric", METRICS)
def test_vector_1000_skus(dist, metric):
    rng = np.random.default_rng([ord(c) for c in dist + metric])
    n = 1000
    mu, sigma, L, Q, t = _skus(n, dist, rng)
    s = np.asarray(invsl.reorder_point(t, Q, mu, sigma, L, distribution=dist, metric=metric))
    assert s.shape == (n,) and s.dtype == np.float64
    assert np.all(np.isfinite(s))
    fn = METRIC_FN[metric]
    val = np.asarray(fn(s, Q, mu, sigma, L, distribution=dist), dtype=float)
    ex, var = lead_time_moments(mu, sigma, L)
    if dist == "poisson":
        var = ex
    if dist in INTEGER:
        assert np.all(s == np.round(s))
        below = np.asarray(fn(s - 1, Q, mu, sigma, L, distribution=dist), dtype=float)
        bad = np.flatnonzero(~((val >= t) & (below < t)))
    else:
        # metric(s) = t up to the solver tolerance: compare with metric at s +- tol
        tol = 1e-9 * np.maximum(1.0, np.sqrt(var))
        hi = np.asarray(fn(s + tol, Q, mu, sigma, L, distribution=dist), dtype=float)
        lo = np.asarray(fn(s - tol, Q, mu, sigma, L, distribution=dist), dtype=float)
        bad = np.flatnonzero(~((lo <= t + 1e-12) & (hi >= t - 1e-12)))
    assert bad.size == 0, [(i, mu[i], sigma[i], L[i], Q[i], t[i], s[i], val[i]) for i in bad]

    # row by row, the array call gives what a scalar call gives
    for i in range(0, n, 50):
        one = _f(
            invsl.reorder_point(
                float(t[i]), Q[i], mu[i], sigma[i], L[i], distribution=dist, metric=metric
            )
        )
        assert one == s[i], (i, one, s[i])

    # and an independent reference on a sample of rows
    bad = []
    for i in range(0, n, 100):
        s_ref = ref_reorder_point(dist, t[i], Q[i], mu[i], sigma[i], L[i], metric)
        tol = 0.0 if dist in INTEGER else 1e-9 * max(1.0, math.sqrt(var[i])) + 8 * EPS * abs(s_ref)
        if not abs(s[i] - s_ref) <= tol:
            bad.append((i, mu[i], sigma[i], L[i], Q[i], t[i], s[i], s_ref))
    assert not bad, bad


def test_mixed_distributions_in_one_call():
    rng = np.random.default_rng(2024)
    n = 1000
    dists = np.array(["normal", "gamma", "poisson", "negbin"])[rng.integers(0, 4, n)]
    mu = np.exp(rng.uniform(np.log(0.5), np.log(200.0), n))
    sigma = np.sqrt(mu * rng.uniform(1.1, 4.0, n))
    L = rng.choice([1.0, 2.0, 4.0], n)
    Q = np.ceil(mu * rng.uniform(0.5, 5.0, n))
    t = rng.uniform(0.6, 0.99, n)
    s = np.asarray(invsl.reorder_point(t, Q, mu, sigma, L, distribution=dists, metric="beta"))
    assert s.shape == (n,)
    for d in ("normal", "gamma", "poisson", "negbin"):
        k = dists == d
        alone = np.asarray(
            invsl.reorder_point(t[k], Q[k], mu[k], sigma[k], L[k], distribution=d, metric="beta")
        )
        np.testing.assert_array_equal(s[k], alone, err_msg=d)
    lv = invsl.service_levels(s, Q, mu, sigma, L, distribution=dists)
    assert set(lv) >= {
        "alpha",
        "beta",
        "gamma",
        "ready_rate",
        "expected_backorders",
        "expected_on_hand",
        "safety_stock",
    }
    assert np.all(np.asarray(lv["beta"]) >= t - 1e-9)


def test_broadcasting():
    t = np.array([[0.9], [0.95], [0.99]])  # (3, 1)
    Q = np.array([[10.0, 50.0, 200.0, 1000.0]])  # (1, 4)
    s = np.asarray(invsl.reorder_point(t, Q, 100.0, 30.0, 1.0, metric="beta"))
    assert s.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            s_ref = ref_reorder_point("normal", t[i, 0], Q[0, j], 100.0, 30.0, 1.0, "beta")
            assert abs(s[i, j] - s_ref) <= 1e-9 * 30 + 1e-12, (i, j, s[i, j], s_ref)
    # higher targets need higher s; larger Q needs lower s for beta
    assert np.all(np.diff(s, axis=0) > 0)
    assert np.all(np.diff(s, axis=1) < 0)
    # metric and lead time broadcast too
    lv = invsl.service_levels(s, Q, 100.0, 30.0, np.ones((3, 1)))
    assert np.asarray(lv["beta"]).shape == (3, 4)
    np.testing.assert_allclose(np.asarray(lv["beta"]), np.broadcast_to(t, (3, 4)), atol=1e-9)


# --- invalid inputs: NaN, never an exception -------------------------------------------------


def test_invalid_rows_give_nan_in_solver():
    rows = [
        # (target, Q, mu, sigma, L, distribution, valid?)
        (0.95, 200.0, 100.0, 30.0, 1.0, "normal", True),
        (0.0, 200.0, 100.0, 30.0, 1.0, "normal", False),  # target must be in (0, 1)
        (1.0, 200.0, 100.0, 30.0, 1.0, "normal", False),
        (-0.2, 200.0, 100.0, 30.0, 1.0, "normal", False),
        (1.5, 200.0, 100.0, 30.0, 1.0, "normal", False),
        (np.nan, 200.0, 100.0, 30.0, 1.0, "normal", False),
        (0.95, 0.0, 100.0, 30.0, 1.0, "normal", False),  # Q > 0
        (0.95, -5.0, 100.0, 30.0, 1.0, "normal", False),
        (0.95, np.inf, 100.0, 30.0, 1.0, "normal", False),
        (0.95, 200.0, -1.0, 30.0, 1.0, "normal", False),  # mean >= 0
        (0.95, 200.0, np.nan, 30.0, 1.0, "normal", False),
        (0.95, 200.0, 100.0, -3.0, 1.0, "normal", False),  # std >= 0
        (0.95, 200.0, 100.0, 30.0, -1.0, "normal", False),  # lead time >= 0
        (0.95, 200.0, 100.0, 30.0, 1.0, "gamma", True),
        (0.95, 200.0, 100.0, -3.0, 1.0, "gamma", False),
        (0.95, 10.0, 8.0, 0.0, 1.0, "poisson", True),
        (0.95, 10.5, 8.0, 0.0, 1.0, "poisson", False),  # integer Q for integer demand
        (0.95, 10.0, 8.0, 5.0, 1.0, "negbin", True),
        (0.95, 10.0, 8.0, 2.0, 1.0, "negbin", False),  # Var = 4 < mean 8
        (0.95, 10.0, 8.0, math.sqrt(8.0) * 0.999, 1.0, "negbin", False),
    ]
    t, Q, mu, sigma, L, dist, valid = (np.array(c) for c in zip(*rows))
    valid = valid.astype(bool)
    for metric in METRICS:
        s = np.asarray(
            invsl.reorder_point(
                t.astype(float),
                Q.astype(float),
                mu.astype(float),
                sigma.astype(float),
                L.astype(float),
                distribution=dist,
                metric=metric,
            )
        )
        assert s.shape == (len(rows),)
        wrong = [(i, rows[i], s[i]) for i in range(len(rows)) if np.isfinite(s[i]) != valid[i]]
        assert not wrong, (metric, wrong)
        # valid rows are exactly what they are on their own
        for i in np.flatnonzero(valid):
            one = _f(
                invsl.reorder_point(
                    t[i], Q[i], mu[i], sigma[i], L[i], distribution=dist[i], metric=metric
                )
            )
            assert one == s[i], (metric, rows[i], one, s[i])


def test_invalid_rows_give_nan_in_metrics():
    s = np.array([120.0, 120.0, 9.5, 10.0, 10.0, 120.0])
    Q = np.array([200.0, -1.0, 10.0, 10.0, 0.0, 200.0])
    mu = np.array([100.0, 100.0, 8.0, 8.0, 8.0, 100.0])
    sigma = np.array([30.0, 30.0, 0.0, 0.0, 0.0, 30.0])
    L = np.array([1.0, 1.0, 1.0, 1.0, 1.0, -2.0])
    dist = np.array(["normal", "normal", "poisson", "poisson", "poisson", "normal"])
    valid = np.array([True, False, False, True, False, False])  # 9.5: not an integer s
    lv = invsl.service_levels(s, Q, mu, sigma, L, distribution=dist)
    for name in ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand"):
        v = np.asarray(lv[name], dtype=float)
        assert np.array_equal(np.isfinite(v), valid), (name, v)
    assert round(float(np.asarray(lv["beta"])[0]), 6) == 0.977332
    assert round(float(np.asarray(lv["beta"])[3]), 6) == 0.957428


@pytest.mark.parametrize("dist", ["normal", "gamma", "poisson", "negbin"])
def test_one_element_arrays(dist):
    """A one-row array (e.g. a one-row table) behaves like a scalar: same values, no warning.

    (pytest turns warnings into errors in this project, so a warning fails the test.)
    """
    mu, sigma, L, Q, s, t = 8.0, 4.0, 1.0, 10.0, 10.0, 0.95
    one = np.array([s])
    lv1 = invsl.service_levels(one, Q, mu, sigma, L, distribution=dist)
    lv0 = invsl.service_levels(s, Q, mu, sigma, L, distribution=dist)
    for k in lv0:
        assert np.asarray(lv1[k]).shape == (1,)
        assert float(np.asarray(lv1[k])[0]) == float(np.asarray(lv0[k])), k
    for metric in METRICS:
        r1 = invsl.reorder_point(np.array([t]), Q, mu, sigma, L, distribution=dist, metric=metric)
        r0 = invsl.reorder_point(t, Q, mu, sigma, L, distribution=dist, metric=metric)
        assert float(np.asarray(r1)[0]) == float(np.asarray(r0)), metric
        r2 = invsl.reorder_point(
            t, np.array([Q]), np.array([mu]), sigma, L, distribution=dist, metric=metric
        )
        assert float(np.asarray(r2)[0]) == float(np.asarray(r0)), metric
    g = invsl.loss_first_order(np.array([s]), mu * L, math.sqrt(L) * sigma, distribution=dist)
    assert float(np.asarray(g)[0]) == float(
        np.asarray(invsl.loss_first_order(s, mu * L, math.sqrt(L) * sigma, distribution=dist))
    )


def test_one_element_arrays_warn_free_in_fresh_process():
    """Same as above in a fresh interpreter with FutureWarning as an error.

    Whether numba inspects an argument's writeable flag (and numpy then warns about arrays
    from np.broadcast_arrays) depends on what was called before in the process, so the
    in-process test alone can pass by accident of test order.
    """
    import subprocess
    import sys

    code = (
        "import numpy as np, invsl\n"
        "invsl.service_levels(np.array([10.0]), 10.0, 8.0, 4.0, 1.0)\n"
        "invsl.reorder_point(np.array([0.95]), 10.0, 8.0, 4.0, 1.0)\n"
        "invsl.loss_first_order(np.array([10.0]), 8.0, 4.0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
