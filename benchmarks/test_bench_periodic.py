"""Steady-state speed of the periodic-review policies (RS, RsS, RsQ) in ``invsl.optimize``.

For each policy, 100,000 SKUs (``--short``: 10,000) are solved for a fill rate of 0.95
through the DataFrame layer (validation, solver, every metric, status columns):

- ``integer``: negbin demand with mean 0.2 .. 5 per period (variance 1 .. 3.2 times the
  mean), daily review (R = 1), lead time 1 .. 8 periods, gap S - s (RsS) or pack size Q
  (RsQ) 1 .. 50 units: the case of the issue's target (RsS: >= 100,000 SKUs/s).
- ``continuous``: gamma demand, lognormal mean (median 100), CV 0.2 .. 1, review period
  1 .. 4, lead time 1 .. 8, gap or Q of 1 .. 4 periods of demand.

SKUs per second (best round) are stored in ``extra_info["skus_per_second"]``, and SKUs per
CPU-second (all threads) in ``extra_info["skus_per_cpu_second"]``, a figure that does not
depend on other load on the machine. The baseline of
the same run is the obviously correct dense Markov chain of tests/test_periodic.py (numpy
linear algebra and scipy pmfs), evaluated at invsl's solved reorder points for a small sample
of 10 integer RsS rows; its fill rates must agree with invsl's to 1e-10. Compile time is not in
the figures (a warm-up call on a slice comes first). Nothing about speed is asserted.
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
SEED = 20240611


def _n(config) -> int:
    return 10_000 if config.getoption("--short") else 100_000


def make_table(n: int, demand: str, policy: str, seed: int = SEED) -> pd.DataFrame:
    """Seeded synthetic SKUs for one policy (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lead_time = rng.integers(1, 9, size=n).astype(float)
    if demand == "integer":
        mean = rng.uniform(0.2, 5.0, size=n)
        std = np.sqrt(mean * rng.uniform(1.0, 3.2, size=n))
        gap = rng.integers(1, 51, size=n).astype(float)
        review = np.ones(n)
        distribution = "negbin"
    else:
        mean = rng.lognormal(np.log(100.0), 1.0, size=n)
        std = mean * rng.uniform(0.2, 1.0, size=n)
        review = rng.integers(1, 5, size=n).astype(float)
        gap = mean * review * rng.uniform(1.0, 4.0, size=n)
        distribution = "gamma"
    return pd.DataFrame(
        {
            "sku": np.arange(n),
            "demand_mean": mean,
            "demand_std": std,
            "lead_time": lead_time,
            "review_period": review,
            "order_quantity": gap,
            "policy": policy,
            "distribution": distribution,
        }
    )


def _optimize(df, cpu=None):
    start = time.process_time()
    out = invsl.optimize(df, metric="beta", target=TARGET)
    if cpu is not None:
        cpu.append(time.process_time() - start)
    return out


CASES = [
    (policy, demand) for demand in ("integer", "continuous") for policy in ("RsS", "RsQ", "RS")
]


@pytest.mark.benchmark(group="periodic-beta")
@pytest.mark.parametrize("policy,demand", CASES, ids=[f"{p}-{d}" for p, d in CASES])
def test_periodic_optimize(benchmark, request, policy, demand):
    n = _n(request.config)
    df = make_table(n, demand, policy)
    _optimize(df.iloc[:200])  # compile or load the numba cache outside the timing
    cpu = []
    out = benchmark.pedantic(_optimize, args=(df, cpu), rounds=2, iterations=1)
    status = out["status"].astype(str)
    assert (status == "ok").all(), status.value_counts().to_dict()
    assert (out["beta"] >= TARGET - 1e-8).all()
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        rate = n / best
        # CPU seconds of all threads: SKUs per CPU-second does not depend on how busy the
        # machine is (wall-clock figures do, on a shared box)
        per_cpu = n / min(cpu)
        benchmark.extra_info.update(
            n_skus=n,
            policy=policy,
            demand=demand,
            skus_per_second=rate,
            skus_per_cpu_second=per_cpu,
        )
        print(
            f"\n{policy} {demand}: {n} SKUs in {best:.2f} s = {rate:,.0f} SKUs/s "
            f"({per_cpu:,.0f} SKUs per CPU-second)"
        )


@pytest.mark.benchmark(group="periodic-twin")
def test_dense_chain_baseline_agrees(benchmark, request):
    """The dense Markov chain (tests) at invsl's solved s, per SKU, for 10 integer RsS rows."""
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
    from test_periodic import twin_integer

    df = make_table(10, "integer", "RsS")
    out = _optimize(df)
    start = time.perf_counter()
    _optimize(df)
    per_sku_invsl = (time.perf_counter() - start) / len(df)

    def run():
        return [
            twin_integer(
                "RsS",
                "negbin",
                r.demand_mean,
                r.demand_std,
                int(r.lead_time),
                1,
                int(r.reorder_point),
                int(r.order_quantity),
            )["beta"]
            for r in out.itertuples()
        ]

    betas = benchmark.pedantic(run, rounds=1, iterations=1)
    np.testing.assert_allclose(betas, out["beta"].to_numpy(), atol=1e-10)
    best = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if best:
        benchmark.extra_info["ratio_per_sku_twin_over_invsl_optimize"] = (
            best / len(df) / per_sku_invsl
        )
