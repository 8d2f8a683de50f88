"""Speed of ``invsl.simulate`` per policy, with a vectorised numpy simulation as baseline.

Sizes: ``--short`` 1,000 SKUs x 2,000 periods, full 10,000 SKUs x 20,000 periods (plus a
warm-up of 200 periods per SKU). The SKUs are the seeded synthetic tables of ``_skus.py``
with policy parameters added (about 1.5 standard deviations of safety stock).

- one benchmark per (policy, distribution): sQ normal (fluid steps), sQ poisson (event by
  event), RS normal, RsS poisson, RsQ gamma; ``extra_info`` holds simulated SKU-periods per
  second;
- ``RS normal`` also runs a numpy baseline: the same periodic system, one numpy operation per
  period across all SKUs (the usual way to write it without a compiler). The two are
  different random samples, so they are compared on the mean fill rate over all SKUs only;
  the ratio of best times is stored in the invsl benchmark's ``extra_info``.

Compilation is excluded (one call on a slice first). Nothing about speed is asserted.
"""

from __future__ import annotations

import numpy as np
import pytest

import invsl
from _skus import make_sku_table

WARMUP = 200
CASES = [
    ("sQ", "normal"),
    ("sQ", "poisson"),
    ("RS", "normal"),
    ("RsS", "poisson"),
    ("RsQ", "gamma"),
]


def _dims(sizes):
    return (1_000, 2_000) if sizes.short else (10_000, 20_000)


def _table(n, policy, distribution):
    base = make_sku_table(n, "poisson" if distribution == "poisson" else "normal")
    rng = np.random.default_rng(7)
    mu = base["demand_mean"].to_numpy()
    sd = base["demand_std"].to_numpy()
    lead = base["lead_time"].to_numpy()
    review = rng.integers(1, 8, size=n).astype(float) if policy != "sQ" else np.ones(n)
    protect = lead + (review if policy != "sQ" else 0.0)
    s = mu * protect + 1.5 * sd * np.sqrt(protect)
    q = base["order_quantity"].to_numpy()
    if distribution == "poisson":
        s = np.round(s)
    df = base.assign(
        policy=policy,
        distribution=distribution,
        review_period=review,
        reorder_point=s,
        order_up_to=s + q,
    )
    if policy == "RS":
        df["order_up_to"] = s
    return df


def _simulate(df, periods):
    return invsl.simulate(df, periods=periods, warmup=WARMUP, seed=1)


def numpy_rs(df, periods, seed=1):
    """RS with normal demand, vectorised over SKUs, one step per period (the baseline)."""
    mu = df["demand_mean"].to_numpy()
    sd = df["demand_std"].to_numpy()
    lead = df["lead_time"].to_numpy().astype(np.int64)
    review = df["review_period"].to_numpy().astype(np.int64)
    big_s = df["order_up_to"].to_numpy()
    n = len(df)
    rng = np.random.default_rng(seed)
    slots = int(lead.max()) + 1
    pipe = np.zeros((slots, n))
    cols = np.arange(n)
    net = big_s.copy()
    ip = big_s.copy()
    demand = np.zeros(n)
    short = np.zeros(n)
    for t in range(WARMUP + periods):
        now = t % slots
        net += pipe[now]
        pipe[now] = 0.0
        order = np.where(t % review == 0, np.maximum(big_s - ip, 0.0), 0.0)
        ip += order
        pipe[(t + lead) % slots, cols] += order
        d = rng.normal(mu, sd)
        if t >= WARMUP:
            demand += d
            short += np.where(d > 0, d - np.minimum(d, np.maximum(net, 0.0)), 0.0)
        net -= d
        ip -= d
    return 1.0 - short / demand


@pytest.mark.benchmark(group="simulate")
@pytest.mark.parametrize("policy,distribution", CASES, ids=[f"{p}-{d}" for p, d in CASES])
def test_simulate_invsl(benchmark, policy, distribution, sizes, shared):
    n, periods = _dims(sizes)
    df = _table(n, policy, distribution)
    _simulate(df.iloc[:50], 100)  # compile or load the cache
    out = benchmark.pedantic(
        _simulate, args=(df, periods), rounds=2 if sizes.short else 1, iterations=1
    )
    ok = (out["status"] == "ok").to_numpy()
    stats = getattr(benchmark, "stats", None)
    best = stats.stats.min if stats else None
    benchmark.extra_info.update(
        n_skus=n, periods=periods, rows_ok=int(ok.sum()), implementation="invsl.simulate"
    )
    if best:
        benchmark.extra_info["sku_periods_per_second"] = n * (periods + WARMUP) / best
    assert ok.mean() > 0.99, out.loc[~ok, "message"].value_counts().head()
    if (policy, distribution) == ("RS", "normal"):
        shared["rs_invsl"] = (out["beta"].to_numpy(), best)
        if "rs_numpy" in shared:
            beta, t_numpy = shared["rs_numpy"]
            benchmark.extra_info["ratio_numpy_over_invsl"] = t_numpy / best
            assert abs(np.nanmean(beta) - np.nanmean(out["beta"])) < 0.005


@pytest.mark.benchmark(group="simulate")
def test_simulate_rs_numpy_baseline(benchmark, sizes, shared):
    n, periods = _dims(sizes)
    df = _table(n, "RS", "normal")
    beta = benchmark.pedantic(numpy_rs, args=(df, periods), rounds=1, iterations=1)
    stats = getattr(benchmark, "stats", None)
    best = stats.stats.min if stats else None
    benchmark.extra_info.update(n_skus=n, periods=periods, implementation="numpy per period")
    if best:
        benchmark.extra_info["sku_periods_per_second"] = n * (periods + WARMUP) / best
    shared["rs_numpy"] = (beta, best)
    if "rs_invsl" in shared:
        got, t_invsl = shared["rs_invsl"]
        benchmark.extra_info["ratio_numpy_over_invsl"] = best / t_invsl
        assert abs(np.nanmean(beta) - np.nanmean(got)) < 0.005
