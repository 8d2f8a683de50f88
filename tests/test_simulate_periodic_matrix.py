"""invsl.simulate against the periodic-review formulas: every policy x parametric distribution.

One table holds an RS, an RsS and an RsQ row for each of normal, gamma, poisson and negbin
demand. The same table goes through ``invsl.evaluate`` (the formulas) and ``invsl.simulate``
(period by period, measuring each metric from its general definition, no formula). Every
metric must agree within 4.5 standard errors; the continuous RsS rows (normal, gamma) within
4.5 standard errors plus the 0.002 (times mu for the expected levels) that docs/periodic.md
promises for the lattice form when S - s is at least one period's mean demand.

The other cells of the policy x distribution x metric matrix: ``empirical`` and
``compound_poisson`` periodic rows in tests/test_periodic_history.py (dense Markov chain and
invsl.simulate), sQ rows in tests/test_simulate_review.py, tests/test_simulation.py and
tests/test_simulate_sq_history.py; the formulas themselves against slow twins in
tests/test_periodic.py and against an independent simulator in
tests/test_periodic_simulation.py.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import invsl

METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")
N_SE = 4.5
N_BATCHES = 50
T975 = float(stats.t.ppf(0.975, N_BATCHES - 1))

#: policy, distribution, mu, sd, L, R, s, S, Q
CASES = [
    ("RS", "normal", 20.0, 6.0, 2, 2, np.nan, 95.0, np.nan),
    ("RS", "gamma", 10.0, 8.0, 1, 3, np.nan, 52.0, np.nan),
    ("RS", "poisson", 3.0, 0.0, 2, 1, np.nan, 11.0, np.nan),
    ("RS", "negbin", 4.0, 3.0, 1, 2, np.nan, 16.0, np.nan),
    ("RsS", "normal", 20.0, 6.0, 1, 1, 45.0, 85.0, np.nan),
    ("RsS", "gamma", 10.0, 8.0, 2, 1, 35.0, 60.0, np.nan),
    ("RsS", "poisson", 3.0, 0.0, 1, 2, 8.0, 14.0, np.nan),
    ("RsS", "negbin", 2.0, 2.0, 2, 1, 6.0, 12.0, np.nan),
    ("RsQ", "normal", 20.0, 6.0, 1, 2, 50.0, np.nan, 30.0),
    ("RsQ", "gamma", 10.0, 8.0, 1, 1, 25.0, np.nan, 20.0),
    ("RsQ", "poisson", 3.0, 0.0, 0, 1, 3.0, np.nan, 5.0),
    ("RsQ", "negbin", 4.0, 3.0, 2, 2, 15.0, np.nan, 8.0),
]
IDS = [f"{c[0]}-{c[1]}" for c in CASES]


def _table():
    cols = list(zip(*CASES))
    return pd.DataFrame(
        {
            "policy": cols[0],
            "distribution": cols[1],
            "demand_mean": cols[2],
            "demand_std": cols[3],
            "lead_time": np.asarray(cols[4], dtype=float),
            "review_period": cols[5],
            "reorder_point": cols[6],
            "order_up_to": cols[7],
            "order_quantity": cols[8],
        }
    )


@functools.lru_cache(maxsize=None)
def _both():
    df = _table()
    ev = invsl.evaluate(df)
    sim = invsl.simulate(df, periods=200_000, seed=11, n_batches=N_BATCHES)
    assert (ev["status"] == "ok").all(), ev["message"].tolist()
    assert (sim["status"] == "ok").all(), sim["message"].tolist()
    return ev, sim


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_every_metric_agrees_with_the_simulation(i):
    policy, dist, mu = CASES[i][:3]
    lattice = policy == "RsS" and dist in ("normal", "gamma")
    ev, sim = _both()
    bad = []
    for m in METRICS:
        se = float(sim[f"{m}_ci"].iloc[i]) / T975
        scale = mu if m.startswith("expected") else 1.0
        allowed = N_SE * se + (0.002 * scale if lattice else 1e-12)
        diff = float(sim[m].iloc[i]) - float(ev[m].iloc[i])
        if not abs(diff) <= allowed:
            bad.append(f"{m}: formula {ev[m].iloc[i]:.5f} sim {sim[m].iloc[i]:.5f} se {se:.2g}")
    assert not bad, bad


def test_the_comparison_has_power():
    """A reorder level one unit (integer) or a tenth of a period's sd (continuous) lower is
    rejected in beta for every row: the simulation would notice a wrong formula."""
    df = _table()
    _, sim = _both()
    lower = df.copy()
    step = np.where(df["distribution"].isin(["poisson", "negbin"]), 1.0, 0.1 * df["demand_std"])
    step = np.where(df["policy"] == "RsS", 4 * step, step)  # RsS: move s and S together
    lower["reorder_point"] -= step
    lower["order_up_to"] -= step
    ev = invsl.evaluate(lower)
    se = sim["beta_ci"] / T975
    z = (sim["beta"] - ev["beta"]) / se
    assert (z > N_SE).all(), z.round(1).tolist()
