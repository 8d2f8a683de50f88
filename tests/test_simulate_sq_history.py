"""Continuous review (sQ) with ``empirical`` demand: what invsl.simulate runs, and its referee.

A demand history gives each period's total, not when within the period its units came. The
simulator takes the plainest reading of "unit by unit" (docs/history.md, section 2): the d
units of a period arrive one at a time at independent uniform times within the period. The
order of Q is placed at the unit that takes the inventory position to s and arrives exactly
L periods later. With a Poisson per-period pmf this is the Poisson process of the contract's
(s, Q) model; with any other pmf it is not (no unit-demand process with independent
increments has a general per-period pmf), so the (s, Q) formulas are an approximation and the
simulation measures how good.

``spread_reference`` below computes all six metrics of that system exactly, without invsl:

- the inventory position is uniform on s+1..s+Q at every time and independent of what comes
  after (it moves down one unit at a time, cyclically; the position at a period start is a
  random walk on the residues mod Q, the units before a time within the period only shift
  it);
- at time k + tau (tau uniform), net stock is U - W, W = Bin(D, 1 - tau) (the rest of the
  period the window starts in) + X_{L-1} (whole periods) + Bin(D', tau) (this period so far):
  E[B], ready rate and on-hand follow;
- a unit is one of the d units of a size-biased period (P(d) proportional to d p(d)), at a
  uniform phase tau: it meets U - V with V = Bin(D, 1 - tau) + X_{L-1} + Bin(d - 1, tau), and
  the unit that triggers an order leaves Bin(d - 1, 1 - tau) + X_{L-1} + Bin(D', tau) to come
  before the order arrives, the same law (tau -> 1 - tau): alpha = P(V <= s),
  beta = 1 - mean_u P(V >= u);
- the mixtures over tau are polynomials in tau of degree at most 2 max(d), so Gauss-Legendre
  quadrature with max(d) + 2 nodes is exact; binomial pmfs from scipy.stats.

The reference is checked itself against hand values (one unit a period) and against the
(s, Q) formulas for a Poisson pmf, then the simulation against it on every metric.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import invsl

try:
    from _sim import ref_metrics
except ImportError:  # pragma: no cover - imported as tests.<module>
    from tests._sim import ref_metrics

METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")
N_SE = 4.5
N_BATCHES = 50
T975 = float(stats.t.ppf(0.975, N_BATCHES - 1))
PERIODS = 200_000

#: per-period demand of each history (one entry per period)
HISTORIES = {
    # intermittent and lumpy: half the periods zero, a tenth of them 10
    "lumpy": [0] * 50 + [1] * 20 + [2] * 10 + [5] * 10 + [10] * 10,
    # the intermittent history of tests/test_periodic_history.py
    "slow": [0, 0, 1, 3, 0, 2, 6, 0, 1, 0, 0, 4, 0, 1, 0, 0, 2, 0, 0, 3, 1, 0, 0, 5],
    # a smooth one
    "fast": [3, 5, 2, 4, 6, 3, 1, 4, 2, 5, 3, 4],
    # one unit every period
    "one": [1] * 10,
}

#: (history, L, s, Q)
CASES = [
    ("lumpy", 2, 6, 5),
    ("lumpy", 1, 3, 8),
    ("slow", 3, 5, 4),
    ("fast", 1, 4, 6),
    ("one", 1, 0, 3),
    ("slow", 0, 0, 4),
]
IDS = [f"{h}-L{L}-s{s}-Q{q}" for h, L, s, q in CASES]


def history_pmf(name):
    d = np.asarray(HISTORIES[name])
    return np.bincount(d) / len(d)


def _metrics_from(v, w, mu, s, q):
    """The six metrics for U uniform on s+1..s+Q, order-and-unit law ``v``, time law ``w``."""
    k = np.arange(max(len(v), len(w)) + s + q + 2)
    v = np.pad(v, (0, len(k) - len(v)))
    w = np.pad(w, (0, len(k) - len(w)))
    u = np.arange(s + 1, s + q + 1)
    v_at_least = np.array([v[k >= j].sum() for j in u])
    back = np.array([np.sum(np.maximum(k - j, 0) * w) for j in u])
    ready = np.array([w[k < j].sum() for j in u])
    on_hand = np.array([np.sum(np.maximum(j - k, 0) * w) for j in u])
    eb = back.mean()
    return {
        "alpha": float(v[k <= s].sum()),
        "beta": 1.0 - float(v_at_least.mean()),
        "gamma": 1.0 - eb / mu,
        "ready_rate": float(ready.mean()),
        "expected_backorders": float(eb),
        "expected_on_hand": float(on_hand.mean()),
    }


def spread_reference(p, lead, s, q):
    """All six metrics of sQ when each period's units arrive at uniform times (see above)."""
    p = np.asarray(p, dtype=float)
    d = np.arange(len(p))
    mu = float(d @ p)
    if lead == 0:  # the order arrives at once: net stock is the inventory position
        return _metrics_from(np.array([1.0]), np.array([1.0]), mu, s, q)
    whole = np.array([1.0])
    for _ in range(lead - 1):
        whole = np.convolve(whole, p)
    nodes, weights = np.polynomial.legendre.leggauss(len(p) + 1)
    k = d[:, None]
    v = np.zeros(2 * len(p) + len(whole))
    w = np.zeros_like(v)
    biased = d * p / mu  # the period a unit belongs to
    for x, wt in zip((nodes + 1.0) / 2.0, weights / 2.0):
        rest = stats.binom.pmf(k, d[None, :], 1.0 - x) @ p
        so_far = stats.binom.pmf(k, d[None, :], x) @ p
        others = stats.binom.pmf(k, np.maximum(d - 1, 0)[None, :], x) @ biased
        head = np.convolve(rest, whole)
        tw = np.convolve(head, so_far)
        tv = np.convolve(head, others)
        w[: len(tw)] += wt * tw
        v[: len(tv)] += wt * tv
    return _metrics_from(v, w, mu, s, q)


# ---------------------------------------------------------------------------------------------
# the reference itself


def test_reference_one_unit_a_period_by_hand():
    """One unit a period at a uniform time, L = 1, s = 0, Q = 3. The order placed at the unit
    of period k arrives a period later; the unit of period k + 1 comes first with
    probability 1/2, so alpha = 1/2 (the (s, Q) formula F_1(0) = P(D <= 0) says 0). A unit
    meets U minus the rest of the period a period earlier, Bin(1, 1 - tau): short when U = 1
    and that unit came, 1/3 * 1/2, so beta = 5/6. At time k + tau the window of one period
    holds W = Bin(1, 1 - tau) + Bin(1, tau) units, W = 2 and W = 0 each with probability
    1/6: E[B] = (1/3)(1/6) = 1/18, ready rate (1/6 + 5/6 + 1)/3 = 2/3, on hand
    (1/6 + 1 + 2)/3 = 19/18."""
    ref = spread_reference(history_pmf("one"), 1, 0, 3)
    hand = {
        "alpha": 0.5,
        "beta": 5 / 6,
        "expected_backorders": 1 / 18,
        "gamma": 1 - 1 / 18,
        "ready_rate": 2 / 3,
        "expected_on_hand": 19 / 18,
    }
    for m in METRICS:
        assert ref[m] == pytest.approx(hand[m], abs=1e-13), m


@pytest.mark.parametrize("lead, s, q", [(1, 2, 3), (3, 8, 5), (2, 0, 1)])
def test_reference_of_poisson_units_is_the_sq_formulas(lead, s, q):
    """Units of a Poisson(mu) period at uniform times are a Poisson process: the (s, Q)
    formulas are exact, and the reference must reproduce them (scipy.stats, tests/_sim.py)."""
    mu = 2.0
    p = stats.poisson.pmf(np.arange(45), mu)
    p /= p.sum()
    ref = spread_reference(p, lead, s, q)
    exact = ref_metrics("poisson", s, q, mu, 0.0, lead)
    for m in METRICS:
        assert ref[m] == pytest.approx(exact[m], abs=1e-12), m


# ---------------------------------------------------------------------------------------------
# the simulation against the reference


def _frame(cases):
    # every history tiled to the same 1,200 periods: invsl reads periods a SKU lacks within
    # the table's range as zero demand
    history = pd.concat(
        [
            pd.DataFrame({"sku": name, "period": np.arange(1200), "demand": np.resize(d, 1200)})
            for name, d in HISTORIES.items()
        ],
        ignore_index=True,
    )
    df = pd.DataFrame(
        {
            "sku": [c[0] for c in cases],
            "lead_time": [float(c[1]) for c in cases],
            "reorder_point": [float(c[2]) for c in cases],
            "order_quantity": [float(c[3]) for c in cases],
            "distribution": "empirical",
            "demand_mean": np.nan,
            "demand_std": np.nan,
        }
    )
    return df, history


@functools.lru_cache(maxsize=None)
def _simulated():
    df, history = _frame(CASES)
    out = invsl.simulate(df, periods=PERIODS, seed=23, n_batches=N_BATCHES, history=history)
    assert (out["status"] == "ok").all(), out["message"].tolist()
    return out


def _z(row, name, value):
    se = float(row[f"{name}_ci"]) / T975
    diff = float(row[name]) - float(value)
    if se == 0.0:
        return 0.0 if abs(diff) <= 1e-12 else np.inf
    return diff / se


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_simulation_agrees_with_the_reference_on_every_metric(i):
    name, lead, s, q = CASES[i]
    row = _simulated().iloc[i]
    ref = spread_reference(history_pmf(name), lead, s, q)
    z = {m: _z(row, m, ref[m]) for m in METRICS}
    assert max(abs(v) for v in z.values()) <= N_SE, z


@pytest.mark.parametrize("i", [i for i, c in enumerate(CASES) if c[1] > 0], ids=str)
def test_simulation_can_tell_a_reorder_point_one_unit_lower(i):
    name, lead, s, q = CASES[i]
    row = _simulated().iloc[i]
    lower = spread_reference(history_pmf(name), lead, s - 1, q)
    assert abs(_z(row, "beta", lower["beta"])) > N_SE


def test_lumpy_history_shows_the_sq_formulas_are_an_approximation():
    """With lumpy history the order is triggered in a size-biased period whose other units
    still come: the (s, Q) alpha is optimistic by far; the time averages are off too (the
    window of L periods seen from within a period holds less variance than L whole ones)."""
    df, history = _frame(CASES)
    formulas = invsl.evaluate(df, history=history)
    row = _simulated().iloc[0]
    assert _z(row, "alpha", formulas["alpha"].iloc[0]) < -20
    assert _z(row, "beta", formulas["beta"].iloc[0]) < -20
    assert _z(row, "gamma", formulas["gamma"].iloc[0]) > 8


def test_fractional_lead_time_is_flagged_and_others_simulated():
    df, history = _frame([("slow", 1, 2, 3), ("slow", 1, 2, 3)])
    df.loc[0, "lead_time"] = 1.5
    out = invsl.simulate(df, periods=2000, seed=1, history=history)
    assert out["status"].astype(str).tolist() == ["fractional_lead_time", "ok"]
    assert "whole number" in out["message"].iloc[0]
    assert np.isnan(out["beta"].iloc[0]) and 0.0 < out["beta"].iloc[1] <= 1.0


def _table():  # pragma: no cover - prints the table of docs/simulate.md
    df, history = _frame(CASES)
    formulas = invsl.evaluate(df, history=history)
    sim = _simulated()
    print(
        "| case | sim alpha / beta / gamma | (s, Q) formulas alpha / beta / gamma "
        "| z(alpha, beta, gamma) vs the formulas | max abs z vs the reference |"
    )
    print("|" + "---|" * 5)
    for i, (name, lead, s, q) in enumerate(CASES):
        row = sim.iloc[i]
        f = formulas.iloc[i]
        ref = spread_reference(history_pmf(name), lead, s, q)
        z_f = ", ".join(f"{_z(row, m, f[m]):+.1f}" for m in ("alpha", "beta", "gamma"))
        z_r = max(abs(_z(row, m, ref[m])) for m in METRICS)
        print(
            f"| {name}, L {lead}, s {s}, Q {q} "
            f"| {row['alpha']:.4f} / {row['beta']:.4f} / {row['gamma']:.4f} "
            f"| {f['alpha']:.4f} / {f['beta']:.4f} / {f['gamma']:.4f} | {z_f} | {z_r:.1f} |"
        )


if __name__ == "__main__":  # pragma: no cover
    _table()
