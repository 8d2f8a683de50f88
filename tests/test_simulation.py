"""invsl's (s, Q) metrics against an event-by-event simulation with Poisson unit demand.

The simulation (tests/_sim.py) measures each service level from its general definition
(docs/service-levels.md, "General definitions"): alpha over order arrivals, beta over demand
units, E[B], ready rate and on-hand as time averages. Standard errors come from 40 batch means
after a warm-up; a metric passes when |sim - invsl| <= 4.5 standard errors (+ a tiny slack for
metrics that the simulation sees as exactly 0 or 1). Seeds are fixed, so the run is repeatable.

With customers arriving as a Poisson process of rate mu per period and a fixed lead time L, the
lead-time demand is exactly Poisson(mu L) and there is no undershoot, so the contract's formulas
are exact for this system: invsl must agree within sampling error.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

try:
    from _sim import RefDist, SimResult, ref_metrics, simulate_sq
except ImportError:  # tests/ made a package later
    from tests._sim import RefDist, SimResult, ref_metrics, simulate_sq

invsl = pytest.importorskip("invsl")

N_SIGMA = 4.5
N_DEMANDS = 10_000_000
METRICS = SimResult.NAMES

# (s, Q, mu per period, L periods). Chosen to cover: mu L = 2 with Q = 1..5 (small Q, where the
# exact beta and the textbook shortcut differ most), a negative reorder point, a fractional lead
# time (gamma depends on the period), mu L = 8 with Q = 10, and mu L = 50 with Q = 20 with s
# below and above the mean, including s = 25, where E[B] > mu and gamma is negative.
CASES = [
    (1, 1, 2.0, 1.0),
    (1, 2, 2.0, 1.0),
    (1, 3, 2.0, 1.0),
    (1, 4, 2.0, 1.0),
    (1, 5, 2.0, 1.0),
    (0, 1, 2.0, 1.0),
    (2, 3, 2.0, 1.0),
    (4, 2, 2.0, 1.0),
    (-1, 3, 2.0, 1.0),
    (2, 2, 4.0, 0.5),
    (6, 10, 2.0, 4.0),
    (9, 10, 2.0, 4.0),
    (10, 10, 2.0, 4.0),
    (25, 20, 10.0, 5.0),
    (40, 20, 10.0, 5.0),
    (50, 20, 10.0, 5.0),
    (60, 20, 10.0, 5.0),
]


def _case_id(case):
    s, Q, mu, L = case
    return f"s={s}-Q={Q}-mu={mu:g}-L={L:g}"


@functools.lru_cache(maxsize=None)
def _simulate(case):
    s, Q, mu, L = case
    seed = 1000 + CASES.index(case)
    return simulate_sq(s, Q, mu, L, n_demands=N_DEMANDS, n_batches=40, seed=seed)


def _slack(value):
    return 1e-9 * max(1.0, abs(value))


def _compare(sim, expected):
    """Rows (metric, sim, se, expected, deviation in se) that fail the 4.5-sigma test."""
    bad = []
    for name in METRICS:
        value = float(expected[name])
        diff = abs(sim.mean[name] - value)
        if not (diff <= N_SIGMA * sim.se[name] + _slack(value)):
            dev = diff / sim.se[name] if sim.se[name] > 0 else math.inf
            bad.append(
                f"{name}: sim {sim.mean[name]:.6f} +- {sim.se[name]:.2g}, "
                f"expected {value:.6f}, off by {dev:.1f} se"
            )
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_invsl_matches_simulation(case):
    s, Q, mu, L = case
    sim = _simulate(case)
    out = invsl.service_levels(s, Q, mu, 0.0, L, distribution="poisson")
    got = {name: float(np.asarray(out[name])) for name in METRICS}
    bad = _compare(sim, got)
    assert not bad, f"{_case_id(case)} ({sim!r}):\n" + "\n".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_simulation_matches_scipy_formulas(case):
    """The simulator itself agrees with the contract formulas written with scipy.stats.

    This ties the simulation to the contract independently of invsl: if it failed, the
    simulator (or the reference) would be wrong, not invsl.
    """
    s, Q, mu, L = case
    sim = _simulate(case)
    bad = _compare(sim, ref_metrics("poisson", s, Q, mu, 0.0, L))
    assert not bad, f"{_case_id(case)} ({sim!r}):\n" + "\n".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [(0, 1, 2.0, 1.0), (1, 2, 2.0, 1.0), (1, 3, 2.0, 1.0)], ids=_case_id
)
def test_simulation_rejects_wrong_formulas(case):
    """The comparison has power: plausible wrong formulas are rejected by a wide margin.

    - the textbook fill-rate shortcut beta ~ 1 - G1(s)/Q (drops G1(s+Q));
    - alpha as P(X < s) instead of P(X <= s);
    - integer E[B] with the continuous indexing (G2(s) - G2(s+Q))/Q instead of
      (G2(s+1) - G2(s+Q+1))/Q (and the gamma that follows from it);
    - ready rate as P(IN >= 0) instead of P(IN > 0).
    """
    s, Q, mu, L = case
    sim = _simulate(case)
    X = RefDist("poisson", mu * L, mu * L)
    wrong = {
        "beta": 1.0 - X.G1(s) / Q,
        "alpha": float(X.rv.cdf(s - 1)),
        "expected_backorders": (X.G2(s) - X.G2(s + Q)) / Q,
        "gamma": 1.0 - (X.G2(s) - X.G2(s + Q)) / Q / mu,
        "ready_rate": float(np.mean(X.rv.cdf(np.arange(s + 1, s + Q + 1)))),
    }
    for name, value in wrong.items():
        dev = sim.deviation(name, value)
        assert dev > 20 * N_SIGMA, (name, value, sim.mean[name], sim.se[name], dev)
    # and the same check that accepts the right values rejects the wrong ones
    for name, value in wrong.items():
        right = dict(ref_metrics("poisson", s, Q, mu, 0.0, L))
        right[name] = value
        assert _compare(sim, right), name


def test_simulation_is_seeded():
    a = simulate_sq(2, 3, 2.0, 1.0, n_demands=200_000, n_batches=10, seed=7)
    b = simulate_sq(2, 3, 2.0, 1.0, n_demands=200_000, n_batches=10, seed=7)
    c = simulate_sq(2, 3, 2.0, 1.0, n_demands=200_000, n_batches=10, seed=8)
    assert a.mean == b.mean
    assert a.mean != c.mean


def test_simulation_conserves_units():
    """Little's-law style bookkeeping: time-average net stock = E[IN] in closed form.

    With IP uniform on s+1..s+Q and X ~ Poisson(mu L): E[IN] = s + (Q+1)/2 - mu L.
    """
    s, Q, mu, L = 3, 4, 2.0, 1.5
    sim = simulate_sq(s, Q, mu, L, n_demands=2_000_000, n_batches=40, seed=99)
    net = sim.batches["expected_on_hand"] - sim.batches["expected_backorders"]
    se = net.std(ddof=1) / math.sqrt(net.size)
    assert abs(net.mean() - (s + (Q + 1) / 2 - mu * L)) <= N_SIGMA * se
