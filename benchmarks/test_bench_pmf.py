"""Steady-state speed of the pmf-based distributions (demand from history).

Two groups, each with its baseline in the same run:

- ``compound_poisson-beta``: fill-rate (beta = 0.95) integer reorder points of 100,000
  intermittent SKUs (``--short``: 20,000) with stuttering Poisson demand: ``invsl.optimize``
  (Panjer recursion, pmf metrics, integer bisection) against a per-SKU numpy/scipy loop
  (Polya-Aeppli pmf from scipy.stats sums, units short per customer from numpy.convolve
  with the order-size pmf, a linear search) on the first 200 SKUs (``--short``: 50).
- ``empirical-beta``: the same with ``distribution="empirical"`` and a 24-period demand
  history per SKU (2.4 million history rows; ``--short``: 480,000): ``invsl.optimize``
  (grouping the history, per-period pmfs, exact convolution, metrics, solver) against a
  per-SKU numpy loop (numpy.convolve repeated) on the first 200 SKUs (``--short``: 50).

invsl is warmed up on a slice before timing (JIT compile or cache load is not in the figures).
The reorder points of the loop's SKUs must agree exactly. The ratio of the per-SKU times is
stored in ``extra_info``; nothing about speed is asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import invsl

TARGET = 0.95
PERIODS = 24


def _sizes(sizes):
    return (20_000, 50) if sizes.short else (100_000, 200)


@pytest.fixture(scope="module")
def skus(sizes):
    """Intermittent SKUs: mean 0.05..5 units/period, variance/mean 1..6, lead time 1..6."""
    n, _ = _sizes(sizes)
    rng = np.random.default_rng(20240602)
    mean = np.exp(rng.uniform(np.log(0.05), np.log(5.0), n))
    ratio = rng.uniform(1.0, 6.0, n)
    return pd.DataFrame(
        {
            "sku": np.arange(n).astype(str),
            "demand_mean": mean,
            "demand_std": np.sqrt(ratio * mean),
            "lead_time": rng.integers(1, 7, n).astype(float),
            "order_quantity": np.maximum(1.0, np.floor(3.0 * mean + 0.5)),
        }
    )


@pytest.fixture(scope="module")
def history(skus):
    """24 periods of stuttering Poisson demand per SKU (long table, absent zeros kept)."""
    rng = np.random.default_rng(20240603)
    n = len(skus)
    mean = np.repeat(skus["demand_mean"].to_numpy(), PERIODS)
    m = (skus["demand_std"].to_numpy() ** 2 / skus["demand_mean"].to_numpy() + 1) / 2
    m = np.repeat(m, PERIODS)
    orders = rng.poisson(mean / m)
    # the sum of k geometric sizes on {1, 2, ...} is k + NegBin(k, 1/m) failures
    demand = np.where(orders > 0, orders + rng.negative_binomial(np.maximum(orders, 1), 1 / m), 0)
    return pd.DataFrame(
        {
            "sku": np.repeat(skus["sku"].to_numpy(), PERIODS),
            "period": np.tile(np.arange(PERIODS), n),
            "demand": demand,
        }
    )


def _loss(p):
    """G1(x) = E[(X - x)^+] for every integer x (beyond the arrays: closed forms)."""
    tail = np.cumsum(p[::-1])[::-1] - p  # P(X > x), x = 0..len-1
    g1 = np.cumsum(tail[::-1])[::-1]
    mean = g1[0]
    return lambda x: mean - x if x < 0 else (g1[x] if x < len(g1) else 0.0)


def _beta_loop(pmfs, size_pmfs, q):
    """Smallest integer s with fill rate >= TARGET, per SKU: a customer of size K at
    inventory position y is short (D + K - y)^+ - (D - y)^+ units; positions uniform on
    s+1..s+Q; fill rate = 1 - E[short] / E[K]."""
    out = []
    for d, f, qi in zip(pmfs, size_pmfs, q):
        qi = int(qi)
        g1_d, g1_dk = _loss(d), _loss(np.convolve(d, f))
        mean_k = (np.arange(len(f)) * f).sum()
        s = -qi
        while True:
            short = np.mean([g1_dk(y) - g1_d(y) for y in range(s + 1, s + qi + 1)])
            if 1.0 - short / mean_k >= TARGET:
                out.append(float(s))
                break
            s += 1
    return np.array(out)


def _compound_loop(df):
    pmfs, sizes = [], []
    for mean, sd, lead in df[["demand_mean", "demand_std", "lead_time"]].to_numpy():
        m = (sd * sd / mean + 1) / 2
        lam, q = mean / m * lead, 1 - 1 / m
        size = int(lam * m + 12 * np.sqrt(lam * m * (2 * m - 1)) + 40)
        n = np.arange(size)[:, None]
        k = np.arange(1, size)[None, :]
        with np.errstate(all="ignore"):
            terms = np.where(
                n >= k, stats.poisson.pmf(k, lam) * stats.nbinom.pmf(n - k, k, 1 - q), 0.0
            )
        p = terms.sum(axis=1)
        p[0] = np.exp(-lam)
        pmfs.append(p)
        sizes.append(np.r_[0.0, (1 - q) * q ** np.arange(int(40 / (1 - q)) + 40)])
    return _beta_loop(pmfs, sizes, df["order_quantity"].to_numpy())


def _empirical_loop(df, history):
    pmfs = []
    groups = history.groupby("sku", sort=False)["demand"]
    for sku, lead in df[["sku", "lead_time"]].to_numpy():
        d = groups.get_group(sku).to_numpy()
        period = np.bincount(d) / len(d)
        p = np.ones(1)
        for _ in range(int(lead)):
            p = np.convolve(p, period)
        pmfs.append(p)
    unit = [np.array([0.0, 1.0])] * len(pmfs)  # demand taken unit by unit
    return _beta_loop(pmfs, unit, df["order_quantity"].to_numpy())


def _check(out, want, n):
    """Every row ok (or zero_demand: a history without demand); the loop's rows agree."""
    status = out["status"].astype(str)
    assert status.isin(["ok", "zero_demand"]).all(), status.value_counts()
    ok = (status == "ok").to_numpy()[:n]
    got = out["reorder_point"].to_numpy()[:n]
    bad = ok & (got != want)
    assert not bad.any(), pd.DataFrame({"invsl": got[bad], "loop": want[bad]}).head()


def _record(benchmark, n, t_loop, n_loop):
    t = benchmark.stats.stats.min if getattr(benchmark, "stats", None) else None
    if t:
        benchmark.extra_info.update(
            n_skus=n,
            skus_per_second=n / t,
            loop_seconds_per_sku=t_loop / n_loop,
            ratio_per_sku_loop_over_invsl=(t_loop / n_loop) / (t / n),
        )


def _time(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


@pytest.mark.benchmark(group="compound_poisson-beta")
def test_compound_poisson_beta_invsl(benchmark, skus, sizes):
    _, n_loop = _sizes(sizes)
    df = skus.assign(distribution="compound_poisson")
    invsl.optimize(df.iloc[:100])  # warm up
    out = benchmark.pedantic(
        invsl.optimize,
        args=(df,),
        kwargs={"target": TARGET},
        rounds=sizes.rounds_invsl,
        iterations=1,
    )
    t_loop, want = _time(_compound_loop, df.iloc[:n_loop])
    _check(out, want, n_loop)
    _record(benchmark, len(df), t_loop, n_loop)


@pytest.mark.benchmark(group="empirical-beta")
def test_empirical_beta_invsl(benchmark, skus, history, sizes):
    _, n_loop = _sizes(sizes)
    df = skus.assign(distribution="empirical")
    invsl.optimize(df.iloc[:100], history=history.iloc[: 100 * PERIODS])  # warm up

    def run():
        return invsl.optimize(df, target=TARGET, history=history)

    out = benchmark.pedantic(run, rounds=sizes.rounds_invsl, iterations=1)
    t_loop, want = _time(_empirical_loop, df.iloc[:n_loop], history.iloc[: n_loop * PERIODS])
    _check(out, want, n_loop)
    _record(benchmark, len(df), t_loop, n_loop)
