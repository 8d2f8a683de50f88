"""Speed of ``invsl.backtest``: rolling origins, plans for every SKU and origin, the replay.

Issue 13 asks for 5,000 SKUs x 24 monthly origins (replanning every period) in about 10 s on
2 cores. Sizes: full 5,000 SKUs x 60 months with 24 origins; ``--short`` 1,000 SKUs.
Intermittent Poisson-gamma demand, RsQ with R = 1, L = 1..4, Q = 3 months of mean demand.

Baseline in the same run: the loop a planner writes without invsl's backtest, one
``groupby`` of the history and one ``invsl.optimize`` call per origin, then a per-SKU Python
replay of the recorded demand (on every tenth SKU; ``extra_info`` scales its time to all of
them). Both report their achieved fill rate (they start the replay at different periods, so
the two are close, not equal). Compilation is excluded (one call first). Nothing about speed
is asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import invsl

MONTHS = 60
ORIGINS = 24


def _data(n, seed=11):
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.05, 0.9, n)
    size = rng.uniform(1.0, 6.0, n)
    orders = rng.poisson(rate[:, None], (n, MONTHS))
    demand = np.where(orders > 0, np.round(orders * rng.gamma(2.0, size[:, None] / 2.0)), 0.0)
    skus = [f"S{i:05d}" for i in range(n)]
    history = pd.DataFrame(
        {"sku": np.repeat(skus, MONTHS), "period": np.tile(np.arange(MONTHS), n),
         "demand": demand.ravel()}
    )  # fmt: skip
    table = pd.DataFrame(
        {"sku": skus, "lead_time": rng.integers(1, 5, n), "policy": "RsQ", "review_period": 1,
         "order_quantity": np.maximum(1.0, np.round(3 * demand.mean(axis=1)))}
    )  # fmt: skip
    return history, table, demand


def _baseline(history, table, demand, rows):
    """Per origin: moments by groupby, one optimize call; then a Python replay per SKU."""
    start = MONTHS - ORIGINS
    plans = np.empty((len(table), ORIGINS))
    for k, origin in enumerate(range(start, MONTHS)):
        past = history[history["period"] < origin].groupby("sku", sort=False)["demand"]
        solved = invsl.optimize(
            table.assign(demand_mean=past.mean().to_numpy(), demand_std=past.std().to_numpy()),
            target=0.95,
        )
        plans[:, k] = solved["reorder_point"].to_numpy()
    filled = total = 0.0
    t0 = time.perf_counter()
    for i in rows:
        q, lead = table["order_quantity"].iloc[i], int(table["lead_time"].iloc[i])
        net, pipeline = plans[i, 0] + q, {}
        for t in range(MONTHS):
            net += pipeline.pop(t, 0.0)
            s = plans[i, max(0, t - start)] if t >= start else plans[i, 0]
            ip = net + sum(pipeline.values())
            if ip <= s:
                n_q = np.floor((s - ip) / q) + 1
                pipeline[t + lead] = pipeline.get(t + lead, 0.0) + n_q * q
                if lead == 0:
                    net += pipeline.pop(t)
            d = demand[i, t]
            if t >= start:
                filled += min(d, max(net, 0.0))
                total += d
            net -= d
    return filled / total, time.perf_counter() - t0


@pytest.fixture(scope="module")
def data(sizes):
    return _data(1_000 if sizes.short else 5_000)


def test_backtest(benchmark, data, sizes):
    history, table, _ = data
    invsl.backtest(history.iloc[: 3 * MONTHS], table.iloc[:3], start=-ORIGINS)  # compile
    result = benchmark.pedantic(
        invsl.backtest,
        args=(history, table),
        kwargs={"start": -ORIGINS, "target": 0.95},
        rounds=1 if sizes.short else 3,
        iterations=1,
    )
    s = result.summary
    assert s["skus"] + s["skus_flagged"] == len(table) and s["origins"] == ORIGINS
    benchmark.extra_info.update(
        n_skus=len(table), origins=ORIGINS, months=MONTHS, implementation="invsl.backtest",
        achieved_fill_rate=result.summary["achieved_fill_rate"],
    )  # fmt: skip


def test_backtest_baseline(benchmark, data, sizes):
    history, table, demand = data
    rows = range(0, len(table), 10)  # the Python replay on every tenth SKU, scaled below

    def run():
        return _baseline(history, table, demand, rows)

    (fill, replay_seconds) = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        n_skus=len(table),
        implementation="groupby + optimize per origin, Python replay",
        python_replay_seconds_all_skus=replay_seconds * len(table) / len(rows),
        fill_rate_sample=fill,
    )
    assert 0.0 < fill <= 1.0
