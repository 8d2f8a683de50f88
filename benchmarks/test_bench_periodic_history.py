"""Steady-state speed of periodic review with demand from history (``invsl.kernels.periodic.pmf``).

100,000 SKUs (``--short``: 10,000) are solved for a fill rate of 0.95 under min/max (RsS)
through the DataFrame layer (history grouping, per-period pmfs, exact convolutions, renewal
distribution of the position, solver, every metric, status columns):

- ``empirical``: 36 periods of history per SKU (3.6 million history rows; ``--short``:
  360,000), intermittent demand: a period has demand with probability 0.2 .. 0.9, sizes
  1 + Poisson(0 .. 4), so the mean is about 0.2 .. 5 units per period; review every period
  (R = 1), lead time 1 .. 4 periods, gap S - s 1 .. 50 units;
- ``compound_poisson``: the same SKUs' mean and standard deviation as stuttering Poisson.

SKUs per second (best round) go to ``extra_info["skus_per_second"]``, SKUs per CPU-second
(all threads) to ``extra_info["skus_per_cpu_second"]``. The baseline of the same run is the
dense Markov chain twin of tests/test_periodic_history.py (numpy linear algebra, pmfs by
repeated ``numpy.convolve``) at invsl's solved reorder points for 5 SKUs; its fill rates must
agree with invsl's to 1e-9. Compile time is excluded (warm-up call on a slice first). Nothing
about speed is asserted.
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np
import pandas as pd
import pytest

import invsl

TARGET = 0.95
SEED = 20261123
PERIODS = 36


def _n(config) -> int:
    return 10_000 if config.getoption("--short") else 100_000


def make_history(n: int, seed: int = SEED):
    """(table of SKUs, long history table), seeded."""
    rng = np.random.default_rng(seed)
    p_demand = rng.uniform(0.2, 0.9, size=n)
    size_mean = rng.uniform(0.0, 4.0, size=n)
    has = rng.random((n, PERIODS)) < p_demand[:, None]
    demand = np.where(has, 1 + rng.poisson(size_mean[:, None], (n, PERIODS)), 0)
    history = pd.DataFrame(
        {
            "sku": np.repeat(np.arange(n), PERIODS),
            "period": np.tile(np.arange(PERIODS), n),
            "demand": demand.ravel(),
        }
    )
    mean = demand.mean(axis=1)
    std = demand.std(axis=1, ddof=1)
    skus = pd.DataFrame(
        {
            "sku": np.arange(n),
            "demand_mean": mean,
            "demand_std": np.maximum(std, np.sqrt(mean)),  # compound Poisson: var >= mean
            "lead_time": rng.integers(1, 5, size=n).astype(float),
            "order_quantity": rng.integers(1, 51, size=n).astype(float),
            "policy": "RsS",
            "review_period": 1.0,
        }
    )
    return skus, history


def _optimize(df, history, cpu=None):
    start = time.process_time()
    out = invsl.optimize(df, metric="beta", target=TARGET, history=history)
    if cpu is not None:
        cpu.append(time.process_time() - start)
    return out


@pytest.fixture(scope="module")
def data(request):
    return make_history(_n(request.config))


@pytest.mark.benchmark(group="periodic-history-beta")
@pytest.mark.parametrize("distribution", ["empirical", "compound_poisson"])
def test_rss_history_optimize(benchmark, request, data, distribution):
    skus, history = data
    n = len(skus)
    df = skus.assign(distribution=distribution)
    _optimize(df.iloc[:200], history.iloc[: 200 * PERIODS])  # compile / load the cache
    cpu = []
    out = benchmark.pedantic(_optimize, args=(df, history, cpu), rounds=2, iterations=1)
    status = out["status"].astype(str)
    assert status.isin(["ok", "zero_demand"]).all(), status.value_counts().to_dict()
    ok = status == "ok"
    assert (out.loc[ok, "beta"] >= TARGET).all()
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        rate = n / best
        per_cpu = n / min(cpu)
        benchmark.extra_info.update(
            n_skus=n,
            distribution=distribution,
            skus_per_second=rate,
            skus_per_cpu_second=per_cpu,
        )
        print(
            f"\nRsS {distribution}: {n} SKUs in {best:.2f} s = {rate:,.0f} SKUs/s "
            f"({per_cpu:,.0f} SKUs per CPU-second)"
        )


@pytest.mark.benchmark(group="periodic-history-twin")
def test_dense_chain_baseline_agrees(benchmark):
    """The dense Markov chain twin at invsl's solved s, per SKU, for 5 empirical RsS rows."""
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
    from test_periodic_history import twin

    skus, history = make_history(5, seed=7)
    df = skus.assign(distribution="empirical")
    out = _optimize(df, history)
    start = time.perf_counter()
    _optimize(df, history)
    per_sku_invsl = (time.perf_counter() - start) / len(df)

    def pmf_of(sku):
        d = history.loc[history["sku"] == sku, "demand"].to_numpy()
        p = np.bincount(d) / len(d)

        def pmf_n(n):
            v = np.array([1.0])
            for _ in range(int(n)):
                v = np.convolve(v, p)
            return v

        return pmf_n

    def run():
        return [
            twin(
                "RsS",
                pmf_of(r.sku),
                r.demand_mean,
                int(r.lead_time),
                1,
                int(r.reorder_point),
                int(r.order_quantity),
            )["beta"]
            for r in out.itertuples()
        ]

    betas = benchmark.pedantic(run, rounds=1, iterations=1)
    np.testing.assert_allclose(betas, out["beta"].to_numpy(), atol=1e-9)
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        benchmark.extra_info["ratio_per_sku_twin_over_invsl_optimize"] = (
            best / len(df) / per_sku_invsl
        )
