"""Steady-state speed of continuous-demand min/max (R, s, S), per target metric and family.

Continuous (R, s, S) is the slowest periodic policy: every SKU builds the stationary
distribution of its inventory position (a renewal recursion on a lattice of D_R, summarised
on at most 65 points) and every solver step averages the loss functions (beta, gamma) or
integrates the undershoot (alpha) over it (docs/periodic.md, "Speed"). 50,000 SKUs
(``--short``: 10,000) are solved for alpha 0.90, beta 0.95 and gamma 0.95:

- ``optimize``: ``invsl.optimize`` (the DataFrame layer: validation, solver, every metric,
  status columns);
- ``array``: ``invsl.periodic_policy`` (the array function: reorder point and S only, but
  the same kernel, which also computes every metric).

SKUs: demand mean log-uniform on 1 .. 1,000 per period, CV 0.2 .. 1 (normal) or 0.2 .. 2
(gamma), lead time 1 .. 8 and review period 1 .. 4 periods, gap S - s of 0.5 .. 10 periods'
mean demand; seeded. SKUs per second (best round) go to ``extra_info["skus_per_second"]``,
SKUs per CPU-second (all threads) to ``extra_info["skus_per_cpu_second"]``.

The baseline of the same run (group ``periodic-rss-twin``) is the slow numpy/scipy twin of
tests/test_periodic.py: the same (R, s, S) on a lattice of 3,000 cells without any binning,
at invsl's solved reorder points for 4 SKUs of each family; its value of the targeted metric
must agree with the target to 1e-3 (the twin's own lattice error is part of that), and the
ratio of its time per SKU to invsl's is recorded. Compile time is excluded (a warm-up call
on a slice first). Nothing about speed is asserted.
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np
import pandas as pd
import pytest

import invsl

SEED = 20261207
TARGETS = {"alpha": 0.90, "beta": 0.95, "gamma": 0.95}


def _n(config) -> int:
    return 10_000 if config.getoption("--short") else 50_000


def make_table(n: int, distribution: str, seed: int = SEED) -> pd.DataFrame:
    """Seeded synthetic (R, s, S) SKUs (see the module docstring)."""
    rng = np.random.default_rng(seed)
    mean = np.exp(rng.uniform(0.0, np.log(1000.0), size=n))
    cv = rng.uniform(0.2, 2.0 if distribution == "gamma" else 1.0, size=n)
    return pd.DataFrame(
        {
            "sku": np.arange(n),
            "demand_mean": mean,
            "demand_std": mean * cv,
            "lead_time": rng.integers(1, 9, size=n).astype(float),
            "review_period": rng.integers(1, 5, size=n).astype(float),
            "order_quantity": mean * rng.uniform(0.5, 10.0, size=n),
            "policy": "RsS",
            "distribution": distribution,
        }
    )


def _optimize(df, metric, cpu=None):
    start = time.process_time()
    out = invsl.optimize(df, metric=metric, target=TARGETS[metric])
    if cpu is not None:
        cpu.append(time.process_time() - start)
    return out


def _array(df, metric, cpu=None):
    start = time.process_time()
    s, big_s = invsl.periodic_policy(
        TARGETS[metric],
        "RsS",
        df["demand_mean"].to_numpy(),
        df["demand_std"].to_numpy(),
        df["lead_time"].to_numpy(),
        review_period=df["review_period"].to_numpy(),
        order_quantity=df["order_quantity"].to_numpy(),
        distribution=df["distribution"].iloc[0],
        metric=metric,
    )
    if cpu is not None:
        cpu.append(time.process_time() - start)
    return s


CASES = [
    (layer, distribution, metric)
    for layer in ("optimize", "array")
    for distribution in ("normal", "gamma")
    for metric in ("alpha", "beta", "gamma")
]


@pytest.mark.benchmark(group="periodic-rss")
@pytest.mark.parametrize("layer,distribution,metric", CASES, ids=["-".join(c) for c in CASES])
def test_continuous_rss(benchmark, request, layer, distribution, metric):
    n = _n(request.config)
    df = make_table(n, distribution)
    run = _optimize if layer == "optimize" else _array
    run(df.iloc[:200], metric)  # compile or load the numba cache outside the timing
    cpu: list[float] = []
    out = benchmark.pedantic(run, args=(df, metric, cpu), rounds=2, iterations=1)
    if layer == "optimize":
        status = out["status"].astype(str)
        assert (status == "ok").all(), status.value_counts().to_dict()
        assert np.allclose(out[metric], TARGETS[metric], atol=1e-8)
    else:
        assert np.isfinite(out).all()
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        benchmark.extra_info.update(
            n_skus=n,
            layer=layer,
            distribution=distribution,
            metric=metric,
            skus_per_second=n / best,
            skus_per_cpu_second=n / min(cpu),
        )
        print(
            f"\nRsS {distribution} {metric} ({layer}): {n} SKUs in {best:.2f} s = "
            f"{n / best:,.0f} SKUs/s ({n / min(cpu):,.0f} SKUs per CPU-second)"
        )


@pytest.mark.benchmark(group="periodic-rss-twin")
@pytest.mark.parametrize("distribution", ["normal", "gamma"])
def test_unbinned_lattice_baseline_agrees(benchmark, distribution):
    """The 3,000-cell lattice twin (tests) at invsl's solved s, for 4 SKUs per family."""
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
    from test_periodic import twin_rss_lattice

    df = make_table(4, distribution)
    metric = "beta"
    out = _optimize(df, metric)
    start = time.perf_counter()
    _optimize(df, metric)
    per_sku_invsl = (time.perf_counter() - start) / len(df)

    def run():
        return [
            twin_rss_lattice(
                distribution,
                r.demand_mean,
                r.demand_std,
                r.lead_time,
                int(r.review_period),
                r.reorder_point,
                r.order_up_to,
            )[metric]
            for r in out.itertuples()
        ]

    values = benchmark.pedantic(run, rounds=1, iterations=1)
    np.testing.assert_allclose(values, TARGETS[metric], atol=1e-3)
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        benchmark.extra_info["ratio_per_sku_twin_over_invsl_optimize"] = (
            best / len(df) / per_sku_invsl
        )
