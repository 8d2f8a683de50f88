"""Portfolio optimisation time: 1,000,000 SKUs under a budget (``--short``: 100,000).

A second case has integer demand: the 2,674 car parts (Poisson and negative binomial
lead-time demand, ``datasets/``) replicated 100 times, 267,400 SKUs (``--short``: 10 times),
unit cost 1, with the budget of a uniform 0.95 fill rate and the uniform solve as baseline.

The SKU table is the seeded synthetic normal assortment of ``_skus.py`` with a lognormal
unit cost. The budget is the safety-stock value of a uniform fill-rate target of 0.95
(solved once, outside the timing), so the optimiser solves a realistic, binding problem.
The baseline in the same run is that uniform allocation itself (``invsl.optimize`` on the
same table): the portfolio optimisation costs a number of such passes.

A first call on a 50,000-row slice loads the numba cache (the parallel kernels too), so
neither compilation nor cache loading is in the figures.
Nothing about speed is asserted; the optimised allocation must not be worse than the
uniform one and must stay within the budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import invsl

TARGET = 0.95


@pytest.fixture(scope="module")
def portfolio(normal_skus):
    df = normal_skus.copy()
    rng = np.random.default_rng(7)
    df["unit_cost"] = rng.lognormal(2.0, 1.0, len(df))
    # load the kernels from the numba cache (compile on a first run) on a slice with a
    # binding budget, so that every kernel the timed run uses is loaded
    warm = df.iloc[:50_000]
    warm_plan = invsl.optimize(warm, metric="beta", target=TARGET)
    warm_budget = float((warm["unit_cost"] * warm_plan["safety_stock"]).sum())
    invsl.optimize_portfolio(warm, budget=warm_budget, min_reorder_point=None)
    uniform = invsl.optimize(df, metric="beta", target=TARGET)
    w = df["demand_mean"] / df["demand_mean"].sum()
    fill = float((w * uniform["beta"]).sum())
    budget = float((df["unit_cost"] * uniform["safety_stock"]).sum())
    return df, budget, fill, {"min_reorder_point": None}


@pytest.fixture(scope="module")
def car_parts(sizes):
    carparts = pytest.importorskip("datasets.carparts")  # the repository's datasets/
    parts = carparts.carparts_parameters().assign(unit_cost=1.0)
    df = pd.concat([parts] * (10 if sizes.short else 100), ignore_index=True)
    invsl.optimize_portfolio(parts, budget=6000.0)  # load the kernels first
    invsl.optimize_portfolio(df.iloc[:30_000], budget=60_000.0)
    uniform = invsl.optimize(df, metric="beta", target=TARGET)
    w = df["demand_mean"] / df["demand_mean"].sum()
    budget = float(uniform["safety_stock"].sum())
    return df, budget, float((w * uniform["beta"]).sum()), {}


#: the tables: fixture name -> id
TABLES = {"portfolio": "normal", "car_parts": "car_parts"}


@pytest.mark.parametrize("table", TABLES, ids=TABLES.values())
def test_portfolio_budget(benchmark, request, sizes, table):
    df, budget, fill, options = request.getfixturevalue(table)
    result = benchmark.pedantic(
        invsl.optimize_portfolio,
        args=(df,),
        kwargs=dict(budget=budget, **options),
        rounds=1 if not sizes.short else 2,
        iterations=1,
    )
    summary = result.summary
    benchmark.extra_info.update(
        skus=len(df),
        passes=summary["passes"],
        uniform_fill_rate=fill,
        optimised_fill_rate=summary["aggregate_fill_rate"],
        gap_bound=summary["gap_bound"],
    )
    assert summary["investment_used"] <= budget
    assert summary["aggregate_fill_rate"] >= fill


@pytest.mark.parametrize("table", TABLES, ids=TABLES.values())
def test_uniform_baseline(benchmark, request, sizes, table):
    df = request.getfixturevalue(table)[0]
    benchmark.pedantic(
        invsl.optimize,
        args=(df,),
        kwargs=dict(metric="beta", target=TARGET),
        rounds=1 if not sizes.short else 2,
        iterations=1,
    )
