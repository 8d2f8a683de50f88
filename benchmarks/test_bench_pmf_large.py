"""Steady-state speed of large integer demands from history (the coarse lattice, issue 14).

One group, ``pmf-large``, with its baseline in the same run:

- ``spare_parts``: the 2,674 car parts (monthly, intermittent; datasets/carparts) as
  ``compound_poisson`` / ``empirical`` rows (``fit_demand``'s suggestion; the rest
  ``compound_poisson``), beta = 0.95, lead time 2 months: the rate of small pmfs;
- ``weekly-compound_poisson`` and ``weekly-empirical``: 5,000 synthetic weekly SKUs
  (``--short``: 1,000) of 1,000-5,000 units a week (coefficient of variation 0.1-0.6),
  lead time 2-8 weeks, a 52-week history each: lead-time demand spanning 10^4-10^5 units,
  which takes the coarse lattice (``invsl.kernels.lattice``). The same rows on the exact
  pmf (the code before the lattice: ``LATTICE_FROM`` raised) are timed once on the first
  200 SKUs (``--short``: 50), and their reorder points checked against the documented
  bound (docs/history.md, "Large demands").

``extra_info`` holds SKUs/s of each, the exact path's SKUs/s and the ratio to the spare
parts' rate measured in the same run. invsl is warmed up before timing. Nothing about speed
is asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import invsl
from datasets import carparts
from invsl.kernels import pmf

TARGET = 0.95
PERIODS = 52


def _sizes(sizes):
    return (1_000, 50) if sizes.short else (5_000, 200)


@pytest.fixture(scope="module")
def spare_parts():
    history = carparts.load_carparts().rename(columns={"part": "sku"})
    fit = invsl.fit_demand(history, sku="sku", period="month", missing="skip")
    dist = np.where(fit["distribution"] == "empirical", "empirical", "compound_poisson")
    df = fit.assign(
        lead_time=2.0,
        order_quantity=np.maximum(1.0, np.floor(3.0 * fit["demand_mean"].fillna(0) + 0.5)),
        distribution=dist,
    )
    return df, history


@pytest.fixture(scope="module")
def weekly(sizes):
    n, _ = _sizes(sizes)
    rng = np.random.default_rng(20261207)
    mean = rng.uniform(1000, 5000, n)
    cv = rng.uniform(0.1, 0.6, n)
    shape = 1 / cv**2
    demand = np.floor(rng.gamma(np.repeat(shape, PERIODS), np.repeat(mean / shape, PERIODS)) + 0.5)
    history = pd.DataFrame(
        {
            "sku": np.repeat(np.arange(n).astype(str), PERIODS),
            "period": np.tile(np.arange(PERIODS), n),
            "demand": demand,
        }
    )
    moments = history.groupby("sku", sort=False)["demand"].agg(["mean", "std"])
    df = pd.DataFrame(
        {
            "sku": np.arange(n).astype(str),
            "demand_mean": moments["mean"].to_numpy(),
            "demand_std": moments["std"].to_numpy(),
            "lead_time": rng.integers(2, 9, n).astype(float),
            "order_quantity": np.floor(2.0 * moments["mean"].to_numpy() + 0.5),
        }
    )
    return df, history


def _rate(benchmark, n):
    t = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    return n / t if t else None


@pytest.mark.benchmark(group="pmf-large")
def test_spare_parts(benchmark, spare_parts, sizes, shared):
    df, history = spare_parts
    options = {"period": "month", "missing": "skip"}
    invsl.optimize(df.iloc[:100], target=TARGET, history=history, history_options=options)

    def run():
        return invsl.optimize(df, target=TARGET, history=history, history_options=options)

    out = benchmark.pedantic(run, rounds=max(sizes.rounds_invsl, 5), iterations=1)
    assert out["status"].astype(str).isin(["ok", "zero_demand"]).all()
    rate = _rate(benchmark, len(df))
    shared["spare_parts_rate"] = rate
    benchmark.extra_info.update(n_skus=len(df), skus_per_second=rate)


@pytest.mark.benchmark(group="pmf-large")
@pytest.mark.parametrize("distribution", ["compound_poisson", "empirical"])
def test_weekly(benchmark, weekly, sizes, shared, distribution, monkeypatch):
    df, history = weekly
    df = df.assign(distribution=distribution)
    _, n_exact = _sizes(sizes)
    invsl.optimize(df.iloc[:20], target=TARGET, history=history)  # warm up

    def run():
        return invsl.optimize(df, target=TARGET, history=history)

    out = benchmark.pedantic(run, rounds=sizes.rounds_invsl, iterations=1)
    assert (out["status"] == "ok").all()
    # the exact pmf (the code before the lattice) on the first SKUs
    head = df.iloc[:n_exact]
    with monkeypatch.context() as m:
        m.setattr(pmf, "LATTICE_FROM", 1 << 40)
        invsl.optimize(head.iloc[:2], target=TARGET, history=history)  # warm up
        start = time.perf_counter()
        exact = invsl.optimize(head, target=TARGET, history=history)
        t_exact = time.perf_counter() - start
    sd = np.sqrt(head["lead_time"]) * head["demand_std"]
    shift = (out["reorder_point"].iloc[:n_exact] - exact["reorder_point"]).abs()
    assert (shift <= 1 + 0.002 * sd).all()
    rate = _rate(benchmark, len(df))
    spare = shared.get("spare_parts_rate")
    benchmark.extra_info.update(
        n_skus=len(df),
        skus_per_second=rate,
        exact_skus_per_second=n_exact / t_exact,
        speedup_over_exact=(rate * t_exact / n_exact) if rate else None,
        ratio_to_spare_parts=(rate / spare) if rate and spare else None,
    )
