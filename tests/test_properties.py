"""Property tests (hypothesis) of the (s, Q) metrics over all four lead-time distributions.

Properties from the contract (docs/service-levels.md):

- ranges: alpha, beta, ready_rate in [0, 1]; gamma <= 1; E[B] >= 0; E[on hand] >= 0;
- monotonicity: alpha, beta, gamma, ready_rate, E[on hand] nondecreasing in s, E[B]
  nonincreasing (integer distributions: integer s and step);
- identities: beta = 1 - (G1(s) - G1(s+Q))/Q >= the shortcut 1 - G1(s)/Q; ready_rate = beta;
  E[on hand] - E[B] = E[IN] in closed form; safety_stock = s - E[X];
- agreement with the scipy.stats reference of tests/_sim.py at random points.

On E[on hand] >= 0: on hand is (IN)^+ >= 0 pointwise, whatever the model of X (the normal
model's negative demand included), so its mean is >= 0 exactly. An implementation computing
E[IN] + E[B] can still land a few ulps below 0 when both terms are large and nearly cancel, so
the test allows rounding error relative to the size of those terms, nothing more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

try:
    from _sim import INTEGER, ref_metrics
except ImportError:  # tests/ made a package later
    from tests._sim import INTEGER, ref_metrics

invsl = pytest.importorskip("invsl")

EPS = np.finfo(float).eps
PROBS = ("alpha", "beta", "ready_rate")
INCREASING = ("alpha", "beta", "gamma", "ready_rate", "expected_on_hand")
ALL = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def sq_cases(draw, distribution=None):
    """A valid (distribution, s, Q, mu, sigma, L, E[X], sd[X], delta) for an (s, Q) policy."""
    dist = distribution or draw(st.sampled_from(["normal", "gamma", "poisson", "negbin"]))
    mu = draw(st.floats(0.05, 500.0))
    L = draw(st.sampled_from([1.0, 0.25, 2.5]) | st.floats(0.05, 20.0))
    ex = mu * L
    if dist in ("normal", "gamma"):
        cv = draw(st.floats(0.02, 3.0))
        sdx = cv * ex
        sigma = sdx / math.sqrt(L)
    elif dist == "negbin":
        ratio = draw(st.floats(1.02, 20.0))  # Var[X] / E[X] > 1
        sigma = math.sqrt(ratio * mu)
        sdx = math.sqrt(L) * sigma
    else:
        sigma = 0.0
        sdx = math.sqrt(ex)
    z = draw(st.floats(-8.0, 8.0))
    if dist in INTEGER:
        Q = float(draw(st.integers(1, int(min(3 * ex + 20, 3000)))))
        s = float(round(ex + z * sdx))
        delta = float(draw(st.integers(1, 40)))
    else:
        Q = draw(st.floats(0.1, 3 * ex + 20))
        s = ex + z * sdx
        delta = draw(st.floats(1e-3, 3 * sdx + Q))
    return dict(dist=dist, s=s, Q=Q, mu=mu, sigma=sigma, L=L, ex=ex, sdx=sdx, delta=delta)


def _levels(c, s):
    out = invsl.service_levels(s, c["Q"], c["mu"], c["sigma"], c["L"], distribution=c["dist"])
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _scale(c):
    """Magnitude of the quantities whose differences make E[B] and E[on hand]."""
    return max(1.0, abs(c["s"] - c["ex"]) + c["sdx"] + c["Q"] + c["delta"])


def _case(dist, s, Q, mu, sigma, L, delta):
    ex = mu * L
    sdx = math.sqrt(ex) if dist == "poisson" else math.sqrt(L) * sigma
    return dict(dist=dist, s=s, Q=Q, mu=mu, sigma=sigma, L=L, ex=ex, sdx=sdx, delta=delta)


@SETTINGS
@given(sq_cases())
# s + Q below the support of a gamma X: beta, ready rate and on hand are exactly 0
@example(_case("gamma", -248.0, 1.0, 124.0, 372.0, 1.0, 1.5217826568701653))
@example(_case("gamma", -172.0, 1.5217826568701653, 86.0, 258.0, 1.0, 1.0))
# far below the mean with a small Q (normal): beta ~ 1e-19, on hand ~ 0
@example(_case("normal", -8000.0, 0.1, 1000.0, 1000.0, 1.0, 1.0))
def test_ranges(c):
    lv = _levels(c, np.array([c["s"], c["s"] + c["delta"]]))
    for k in ALL:
        assert np.all(np.isfinite(lv[k])), (k, lv[k])
    for k in PROBS:
        assert np.all((lv[k] >= 0.0) & (lv[k] <= 1.0)), (k, lv[k])
    assert np.all(lv["gamma"] <= 1.0), lv["gamma"]
    assert np.all(lv["expected_backorders"] >= 0.0), lv["expected_backorders"]
    # E[on hand] = E[(IN)^+] >= 0 exactly; allow rounding of E[IN] + E[B] only
    tol = 64 * EPS * (_scale(c) + lv["expected_backorders"])
    assert np.all(lv["expected_on_hand"] >= -tol), (lv["expected_on_hand"], tol)


@SETTINGS
@given(sq_cases())
# s + Q below the support of a gamma X: E[on hand] is exactly 0 at both points
@example(_case("gamma", -101.16428040027387, 1.0, 101.16428040027387, 202.32856080054773, 1.0, 1.0))
def test_monotone_in_reorder_point(c):
    lv = _levels(c, np.array([c["s"], c["s"] + c["delta"]]))
    bad = []
    for k in INCREASING:
        lo, hi = lv[k]
        tol = 1e-13 if k in PROBS else 64 * EPS * max(_scale(c), abs(lo), abs(hi))
        if not hi >= lo - tol:
            bad.append((k, lo, hi))
    lo, hi = lv["expected_backorders"]
    if not hi <= lo + 64 * EPS * max(_scale(c), lo):
        bad.append(("expected_backorders", lo, hi))
    assert not bad, bad


@SETTINGS
@given(sq_cases())
# negbin with Var/E = 1.03 near the mean: G1, G2 must be accurate where they are differenced
@example(_case("negbin", 16.0, 1.0, 1.125, 1.0771054962258804, 14.5, 1.0))
def test_identities(c):
    s, Q = c["s"], c["Q"]
    lv = _levels(c, s)
    d, ex, sdx = c["dist"], c["ex"], c["sdx"]
    g1 = np.asarray(invsl.loss_first_order(np.array([s, s + Q]), ex, sdx, distribution=d), float)
    g1_s, g1_sq = g1
    assert g1_s >= 0 and g1_sq >= 0
    # invsl's loss functions carry a relative error of some 1e-14; the identities are checked
    # to 1e-12 relative to the loss values they difference
    tol = 1e-12 * (1.0 + g1_s / Q)
    beta = float(lv["beta"])
    # exact form, with invsl's own loss function
    assert abs(beta - (1.0 - (g1_s - g1_sq) / Q)) <= tol, (beta, g1_s, g1_sq)
    # the shortcut drops G1(s+Q) >= 0, so it never exceeds the exact fill rate
    assert beta >= 1.0 - g1_s / Q - tol
    # ready rate equals beta for (s, Q) (continuous X; integer X with unit demand)
    assert abs(float(lv["ready_rate"]) - beta) <= 1e-12, (lv["ready_rate"], beta)
    # E[B] from the second-order loss function
    xs = np.array([s + 1, s + Q + 1]) if d in INTEGER else np.array([s, s + Q])
    g2 = np.asarray(invsl.loss_second_order(xs, ex, sdx, distribution=d), float)
    eb = float(lv["expected_backorders"])
    # invsl computes E[B] for small integer Q as the mean of G1 over the cycle, not from G2;
    # its G2 carries up to ~3e-12 relative error near the mean for negbin close to Poisson
    # (scipy's betaincc at large r), so the identity holds to 1e-11 relative to G2 here. G1
    # and G2 themselves are checked against mpmath in test_reference.py.
    assert abs(eb - (g2[0] - g2[1]) / Q) <= 1e-11 * (1.0 + g2[0] / Q), (eb, g2)
    # E[on hand] - E[B] = E[IN] = s + Q/2 - E[X] (integer: (Q+1)/2)
    e_in = s + ((Q + 1) / 2 if d in INTEGER else Q / 2) - ex
    diff = float(lv["expected_on_hand"]) - eb
    assert abs(diff - e_in) <= 64 * EPS * (_scale(c) + eb), (diff, e_in)
    assert abs(float(lv["safety_stock"]) - (s - ex)) <= 4 * EPS * max(1.0, abs(s), ex)
    assert abs(float(lv["gamma"]) - (1 - eb / c["mu"])) <= 1e-12 * max(1.0, eb / c["mu"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sq_cases())
def test_agrees_with_scipy_reference(c):
    s, Q = c["s"], c["Q"]
    lv = _levels(c, s)
    ref = ref_metrics(c["dist"], s, Q, c["mu"], c["sigma"], c["L"])
    bad = []
    for k in ALL:
        got, want = float(lv[k]), ref[k]
        if k in PROBS:
            tol = 1e-9
        elif k == "gamma":
            tol = 1e-9 * max(1.0, _scale(c) / c["mu"])
        else:
            tol = 1e-9 * _scale(c)
        if not abs(got - want) <= tol:
            bad.append((k, got, want))
    assert not bad, (c, bad)


@settings(max_examples=100, deadline=None)
@given(
    mu=st.floats(0.1, 100.0),
    L=st.floats(0.1, 10.0),
    lt_std=st.floats(0.01, 3.0),
    Q=st.integers(1, 200),
    z=st.floats(-4.0, 4.0),
)
def test_poisson_with_random_lead_time_is_negbin(mu, L, lt_std, Q, z):
    """Contract: poisson with sigma_L > 0 is modelled as negbin with Var = E[X] + mu^2 sigma_L^2."""
    ex = mu * L
    var = ex + mu**2 * lt_std**2
    s = float(round(ex + z * math.sqrt(var)))
    got = invsl.service_levels(s, Q, mu, 0.0, L, lt_std, distribution="poisson")
    same = invsl.service_levels(s, Q, mu, math.sqrt(mu), L, lt_std, distribution="negbin")
    ref = ref_metrics("negbin", s, Q, mu, math.sqrt(mu), L, lt_std)
    # same model; the variances differ in the last bits (sqrt(mu)**2 != mu exactly), and the
    # negbin size r = E[X]^2 / (Var - E[X]) amplifies that by E[X] / (Var - E[X]); near the
    # Poisson limit (r ~ 1e6) the incomplete beta functions behind G2 add ~1e-10 on their own,
    # so the two are compared at the accuracy that both must reach against mpmath (below)
    rel = 1e-9 + 1e-15 * ex / (var - ex)
    for k in ALL:
        g = float(np.asarray(got[k]))
        assert g == pytest.approx(float(np.asarray(same[k])), rel=rel, abs=1e-12), k
        assert g == pytest.approx(ref[k], rel=1e-9, abs=1e-9), (k, g, ref[k])
