"""The golden cases: deterministic inputs run through invsl's public API only.

Each case is a function without arguments that returns ``{part name: DataFrame}``; ``CASES``
maps case names to them. make_golden.py stores the parts (computed by the code to be
preserved) under data/, test_golden.py recomputes them with the current code and compares.

Only public names are used, so that the cases survive a reorganisation of the package:
``invsl.evaluate``, ``invsl.optimize``, ``invsl.simulate``, ``invsl.optimize_portfolio``,
``invsl.exchange_curve``, ``invsl.sensitivity``, ``invsl.fit_demand``, the array functions of
``invsl/__init__.py`` and the command line through its console-script entry point. Never
``invsl.frame``, ``invsl.cli``, ``invsl._status`` or any other module path.

Left out on purpose (known bugs whose outputs are meant to change): a ``review_period``
column without a ``policy`` column; empty ``target`` cells; an id column whose dtype differs
between a table and its history; bad scalar keyword arguments (``target=95``,
``metric="fillrate"``, ``policy="xyz"``); the policy and column alias spellings that only
``invsl.simulate`` accepts (``min/max``, ``(s,q)``, ``r``, ``review``, ``s_max``,
``max_stock``, ...); semicolon CSVs read without ``--sep``. Every table that has a
``review_period`` column therefore has a ``policy`` column, and no row of it leaves the
policy empty (an empty policy beside a review period is the same bug, row by row), every
``target`` cell holds a value, and history tables use the same id dtype as the tables they
serve.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import invsl
from golden_io import encode_value

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REFERENCE = REPO / "tests" / "reference"
CARPARTS = REPO / "datasets" / "carparts_monthly.csv"

Parts = dict[str, pd.DataFrame]

DISTRIBUTIONS = ["normal", "gamma", "poisson", "negbin", "empirical", "compound_poisson"]
INTEGER = {"poisson", "negbin", "empirical", "compound_poisson"}
POLICIES = ["sQ", "RS", "RsS", "RsQ"]
METRICS = ["alpha", "beta", "gamma"]


# ---------------------------------------------------------------------------------------------
# reference tables (tests/reference/*.csv)

EVALUATE_INPUTS = [
    "case_id",
    "distribution",
    "demand_mean",
    "demand_std",
    "lead_time",
    "lead_time_std",
    "order_quantity",
    "reorder_point",
]


def case_reference_evaluate() -> Parts:
    ref = pd.read_csv(REFERENCE / "sq_reference.csv")
    return {"evaluate": invsl.evaluate(ref[EVALUATE_INPUTS])}


def case_reference_optimize() -> Parts:
    """The solve table with its per-row metric and target, and the metrics table solved for
    each metric at two targets."""
    solve = pd.read_csv(REFERENCE / "sq_solve_reference.csv")
    inputs = ["case_id", "distribution", "metric", "target", *EVALUATE_INPUTS[2:-1]]
    parts = {"solve_table": invsl.optimize(solve[inputs])}
    ref = pd.read_csv(REFERENCE / "sq_reference.csv")[EVALUATE_INPUTS[:-1]]
    for metric in METRICS:
        for target in (0.5, 0.97):
            parts[f"{metric}_{target}"] = invsl.optimize(ref, metric=metric, target=target)
    return parts


# ---------------------------------------------------------------------------------------------
# a seeded fuzz table: every distribution and policy, bad cells of every kind

FUZZ_SEED = 20240611
FUZZ_ROWS = 320


def _fuzz_good(rng: np.random.Generator, n: int, policies: list[str]) -> pd.DataFrame:
    """n valid rows (before the bad cells): every distribution crossed with the policies."""
    dist = np.array([DISTRIBUTIONS[i % len(DISTRIBUTIONS)] for i in range(n)], dtype=object)
    policy = np.array([policies[(i // len(DISTRIBUTIONS)) % len(policies)] for i in range(n)])
    integer = np.isin(dist, list(INTEGER))
    mean = np.where(integer, rng.lognormal(0.3, 1.0, n), rng.lognormal(3.0, 1.5, n))
    mean = np.round(mean, 3)
    cv = rng.uniform(0.1, 1.6, n)
    std = mean * cv
    over = np.sqrt(mean * rng.uniform(1.3, 5.0, n))  # variance above the mean
    std = np.where(np.isin(dist, ["negbin", "compound_poisson"]), over, std)
    std = np.where(dist == "poisson", np.where(rng.random(n) < 0.5, np.nan, std), std)
    std = np.round(std, 4)
    periodic = policy != "sQ"
    lead_time = rng.integers(0, 7, n).astype(float)
    fractional = (~periodic) & np.isin(dist, ["normal", "gamma", "poisson", "compound_poisson"])
    lead_time = np.where(fractional & (rng.random(n) < 0.4), lead_time + 0.5, lead_time)
    lead_time_std = np.where(
        np.isin(dist, ["normal", "gamma", "poisson", "negbin"]) & (rng.random(n) < 0.3),
        np.round(rng.uniform(0.1, 1.0, n), 2),
        0.0,
    )
    review = rng.integers(1, 8, n).astype(float)
    q = mean * rng.uniform(1.0, 8.0, n)
    q = np.where(integer, np.maximum(1.0, np.round(q)), np.round(q, 2))
    horizon = lead_time + np.where(periodic, review, 0.0)
    sd = np.sqrt(np.maximum(horizon, 0.5)) * np.nan_to_num(std, nan=np.sqrt(mean))
    level = mean * horizon + rng.normal(0.5, 1.0, n) * sd
    level = np.where(integer, np.round(level), np.round(level, 3))
    order_up_to = np.where(policy == "RS", level, np.where(policy == "RsS", level + q, np.nan))
    return pd.DataFrame(
        {
            "sku": [f"F{i:03d}" for i in range(n)],
            "policy": policy,
            "review_period": review,
            "distribution": dist,
            "demand_mean": mean,
            "demand_std": std,
            "lead_time": lead_time,
            "lead_time_std": lead_time_std,
            "order_quantity": q,
            "reorder_point": level,
            "order_up_to": order_up_to,
            "metric": rng.choice(["alpha", "beta", "gamma"], n),
            "target": rng.choice([0.5, 0.8, 0.9, 0.95, 0.98, 0.995], n),
        }
    )


#: the cells of a valid empirical row (whole lead time and levels, fixed lead time)
EMPIRICAL = {
    "distribution": "empirical",
    "lead_time": 2.0,
    "lead_time_std": 0.0,
    "order_quantity": 3.0,
    "reorder_point": 4.0,
    "order_up_to": 8.0,
}
PERIODIC_COLUMNS = ("policy", "review_period", "order_up_to")

#: bad (or unusual) cells: (what, {column: value}); a value of None is an empty cell. In the
#: table without policy columns, cells about a periodic column are left out, and the
#: periodic columns of the other cells are dropped.
FUZZ_BAD_CELLS: list[tuple[str, dict]] = [
    ("nan required", {"demand_mean": np.nan}),
    ("none required", {"lead_time": None}),
    ("empty string", {"order_quantity": ""}),
    ("blank string", {"demand_std": "  "}),
    ("+inf", {"demand_mean": np.inf}),
    ("-inf", {"demand_std": -np.inf}),
    ("inf lead time", {"lead_time": np.inf}),
    ("text", {"demand_mean": "abc"}),
    ("decimal comma", {"demand_std": "1,5"}),
    ("unit", {"order_quantity": "12 units"}),
    ("text lead time", {"lead_time": "two", "demand_mean": -1.0}),
    ("number as text", {"demand_mean": "100"}),
    ("number as text, blanks", {"demand_mean": " 1e2 "}),
    ("bool", {"lead_time": True}),
    ("negative mean", {"demand_mean": -1.0}),
    ("negative std", {"demand_std": -0.5}),
    ("negative lead time", {"lead_time": -2.0}),
    ("negative lead time std", {"lead_time_std": -0.1}),
    ("Q = 0", {"order_quantity": 0.0}),
    ("Q < 0", {"order_quantity": -5.0}),
    ("zero demand", {"demand_mean": 0.0}),
    ("zero std", {"demand_std": 0.0}),
    ("zero lead time", {"lead_time": 0.0}),
    ("target 0", {"target": 0.0}),
    ("target 1", {"target": 1.0}),
    ("target percent", {"target": 95.0}),
    ("target negative", {"target": -0.1}),
    ("target inf", {"target": np.inf}),
    ("target text", {"target": "95%"}),
    ("target tiny", {"target": 1e-6}),
    ("target near 1", {"target": 0.999999}),
    ("unknown distribution", {"distribution": "weibull"}),
    ("empty distribution", {"distribution": ""}),
    ("missing distribution", {"distribution": None}),
    ("distribution spelling", {"distribution": " Gamma "}),
    ("unknown metric", {"metric": "delta"}),
    ("missing metric", {"metric": None}),
    ("metric long name", {"metric": "Fill_Rate"}),
    ("metric csl", {"metric": "csl"}),
    ("negbin var < mean", {"distribution": "negbin", "demand_mean": 10.0, "demand_std": 2.0}),
    ("negbin var = mean", {"distribution": "negbin", "demand_mean": 4.0, "demand_std": 2.0}),
    ("poisson fractional Q", {"distribution": "poisson", "order_quantity": 2.5}),
    ("negbin fractional Q", {"distribution": "negbin", "order_quantity": 3.5}),
    ("poisson fractional s", {"distribution": "poisson", "reorder_point": 7.5}),
    (
        "gamma L 0 with sd_L",
        {"distribution": "gamma", "lead_time": 0.0, "lead_time_std": 1.0},
    ),
    ("normal L 0 with sd_L", {"distribution": "normal", "lead_time": 0.0, "lead_time_std": 1.0}),
    ("compound poisson var < mean", {"distribution": "compound_poisson", "demand_std": 0.5}),
    ("compound poisson sd_L", {"distribution": "compound_poisson", "lead_time_std": 0.5}),
    ("empirical no history", {**EMPIRICAL, "sku": "NOHIST"}),
    ("empirical negative history", {**EMPIRICAL, "sku": "BADNEG"}),
    ("empirical fractional history", {**EMPIRICAL, "sku": "BADFRAC"}),
    ("empirical nan history", {**EMPIRICAL, "sku": "BADNAN"}),
    ("empirical duplicate period", {**EMPIRICAL, "sku": "BADDUP"}),
    ("empirical one period", {**EMPIRICAL, "sku": "BADONE"}),
    ("empirical fractional L", {**EMPIRICAL, "lead_time": 1.5}),
    ("empirical sd_L", {**EMPIRICAL, "lead_time_std": 0.5}),
    ("empirical fractional Q", {**EMPIRICAL, "order_quantity": 2.5}),
    ("empirical huge demand", {**EMPIRICAL, "sku": "HUGE"}),
    (
        "precision limit",
        {
            "distribution": "normal",
            "lead_time": 1.0,
            "lead_time_std": 0.0,
            "demand_mean": 1e8,
            "demand_std": 1e-3,
            "order_quantity": 1e-4,
            "reorder_point": 1e8,
        },
    ),
    ("unknown policy", {"policy": "weekly"}),
    ("empty policy", {"policy": ""}),
    ("policy spelling", {"policy": " rsq "}),
    ("review period 0", {"policy": "RsQ", "review_period": 0.0}),
    ("review period 1.5", {"policy": "RsQ", "review_period": 1.5}),
    ("review period < 0", {"policy": "RsS", "review_period": -2.0}),
    ("review period text", {"policy": "RsQ", "review_period": "weekly"}),
    ("review period inf", {"policy": "RS", "review_period": np.inf}),
    ("review period missing", {"policy": "RsQ", "review_period": np.nan}),
    ("sQ fractional review period", {"policy": "sQ", "review_period": 1.5}),
    ("RsS gap 0", {"policy": "RsS", "order_quantity": 0.0}),
    ("RS without Q", {"policy": "RS", "order_quantity": np.nan}),
    ("RsS S below s", {"policy": "RsS", "distribution": "normal", "order_up_to": -1e6}),
    ("RS missing S", {"policy": "RS", "order_up_to": np.nan}),
    ("RsS infinite S", {"policy": "RsS", "order_up_to": np.inf}),
    ("RS text S", {"policy": "RS", "order_up_to": "lots"}),
    ("RS poisson fractional S", {"policy": "RS", "distribution": "poisson", "order_up_to": 20.5}),
]

#: demand histories of the fuzz's empirical rows (besides the generated ones)
BAD_HISTORIES = {
    "BADNEG": [2, -1, 4],
    "BADFRAC": [2.0, 1.5, 4.0],
    "BADNAN": [2.0, np.nan, 4.0],
    "BADONE": [2],
    "HUGE": [0, 20_000_000],
}


def _fuzz_tables(periodic: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fuzz table (object columns where bad cells went in) and its demand history."""
    rng = np.random.default_rng(FUZZ_SEED + int(periodic))
    df = _fuzz_good(rng, FUZZ_ROWS, POLICIES if periodic else ["sQ"])
    df = df.astype({c: object for c in df.columns if c != "sku"})
    df["sku"] = df["sku"].astype(object)
    rows = rng.permutation(FUZZ_ROWS)
    k = 0
    for _what, cells in FUZZ_BAD_CELLS:
        if not periodic:
            if next(iter(cells)) in PERIODIC_COLUMNS:
                continue
            cells = {c: v for c, v in cells.items() if c not in PERIODIC_COLUMNS}
        for _ in range(2):  # each bad cell twice, in different rows (other distributions)
            i = int(rows[k % FUZZ_ROWS])
            k += 1
            for column, value in cells.items():
                df.at[i, column] = value
    if not periodic:
        df = df.drop(columns=["policy", "review_period", "order_up_to"])
    # histories: 30 periods, some absent (zero demand, or not observed with missing="skip"),
    # for every sku (only the empirical rows read them)
    history = []
    for sku in df["sku"]:
        if sku in BAD_HISTORIES or sku == "NOHIST":
            continue
        n = 30
        size = rng.integers(1, 6, n)
        demand = np.where(rng.random(n) < rng.uniform(0.2, 0.9), size, 0)
        present = rng.random(n) < 0.9
        history.append(pd.DataFrame({"sku": sku, "period": np.arange(n)[present]}))
        history[-1]["demand"] = demand[present]
    for sku, values in BAD_HISTORIES.items():
        history.append(
            pd.DataFrame({"sku": sku, "period": np.arange(len(values)), "demand": values})
        )
    history.append(pd.DataFrame({"sku": "BADDUP", "period": [1, 1, 2], "demand": [2, 3, 4]}))
    hist = pd.concat(history, ignore_index=True)
    hist["sku"] = hist["sku"].astype(object)  # the id dtype of the table
    hist["demand"] = hist["demand"].astype(float)
    df.index = pd.Index([f"r{i}" for i in range(FUZZ_ROWS)], name="row")
    return df, hist


def _fuzz(periodic: bool) -> Parts:
    df, hist = _fuzz_tables(periodic)
    evaluate_in = df.drop(columns=["metric", "target"])
    optimize_in = df.drop(columns=[c for c in ("reorder_point", "order_up_to") if c in df])
    parts = {"evaluate": invsl.evaluate(evaluate_in, history=hist)}
    parts["optimize"] = invsl.optimize(optimize_in, history=hist)
    parts["optimize_alpha_0.9_skip"] = invsl.optimize(
        optimize_in.drop(columns=["metric", "target"]),
        metric="alpha",
        target=0.9,
        history=hist,
        history_options={"missing": "skip"},
    )
    return parts


def case_fuzz_sq() -> Parts:
    """Continuous review only: a table without policy columns."""
    return _fuzz(periodic=False)


def case_fuzz_periodic() -> Parts:
    """Every policy: a table with policy, review_period and order_up_to columns."""
    return _fuzz(periodic=True)


def case_column_spellings() -> Parts:
    """Column aliases of the DataFrame layer, extra columns of several dtypes, a custom index."""
    df = pd.DataFrame(
        {
            "Item": ["a", "b", "c", "d"],
            "Demand Mean": [100.0, 0.75, 12.0, 3.0],
            "sigma": [30.0, 1.2, 4.0, 2.5],
            "LEAD-TIME": [1, 2, 3, 0],
            "Q": [200, 2, 40, 5],
            "Distribution": ["normal", "negbin", "gamma", "poisson"],
            "rop": [120.0, 3.0, 50.0, 2.0],
            "priority": np.array([3, 1, 2, 2], dtype=np.int32),
            "flag": [True, False, True, False],
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
            "beta": ["old", "values", "are", "replaced"],
        },
        index=pd.Index([10, 20, 30, 40], name="line"),
    )
    custom = df.rename(columns={"Demand Mean": "avg_monthly_sales", "Q": "lot"})
    return {
        "evaluate": invsl.evaluate(df),
        "optimize": invsl.optimize(df.drop(columns="rop"), metric="gamma", target=0.9),
        "optimize_columns": invsl.optimize(
            custom.drop(columns="rop"),
            columns={"demand_mean": "avg_monthly_sales", "order_quantity": "lot"},
            lead_time_std=0.5,
            distribution="gamma",
        ),
        "empty": invsl.optimize(df.iloc[:0].drop(columns="rop")),
    }


# ---------------------------------------------------------------------------------------------
# demand history: the car parts data and periodic policies with history-based demand

CARPARTS_OPTIONS = {"sku": "part", "period": "month", "missing": "skip"}


def _carparts() -> pd.DataFrame:
    history = pd.read_csv(CARPARTS, dtype={"part": str})
    parts = history["part"].unique()
    keep = set(parts[::10])  # 268 of the 2,674 parts, complete and incomplete series
    return history[history["part"].isin(keep)].reset_index(drop=True)


def case_carparts() -> Parts:
    history = _carparts()
    fit = invsl.fit_demand(history, sku="part", period="month", missing="skip")
    fit_zero = invsl.fit_demand(history, sku="part", period="month")
    plan_in = fit.assign(lead_time=2.0, order_quantity=3)
    parts = {"fit_skip": fit, "fit_zero": fit_zero}
    for metric, target in (("beta", 0.95), ("alpha", 0.9), ("gamma", 0.98)):
        parts[f"optimize_{metric}"] = invsl.optimize(
            plan_in, metric=metric, target=target, history=history, history_options=CARPARTS_OPTIONS
        )
    for policy, review in (("RsS", 1), ("RsQ", 2), ("RS", 1)):
        parts[f"optimize_{policy}"] = invsl.optimize(
            fit.assign(lead_time=2, order_quantity=6),
            metric="beta",
            target=0.95,
            policy=policy,
            review_period=review,
            history=history,
            history_options=CARPARTS_OPTIONS,
        )
    parts["optimize_empirical"] = invsl.optimize(
        plan_in.drop(columns="distribution"),
        distribution="empirical",
        history=history,
        history_options=CARPARTS_OPTIONS,
    )
    return parts


#: an intermittent history (24 periods, sizes up to 6) and a smoother one
HISTORY = pd.DataFrame(
    {
        "sku": ["slow"] * 24 + ["fast"] * 12 + ["bad"] * 3,
        "period": list(range(24)) + list(range(12)) + [0, 1, 1],
        "demand": [0, 0, 1, 3, 0, 2, 6, 0, 1, 0, 0, 4, 0, 1, 0, 0, 2, 0, 0, 3, 1, 0, 0, 5]
        + [3, 5, 2, 4, 6, 3, 1, 4, 2, 5, 3, 4]
        + [1, 2, 3],
    }
)


def _periodic_history_table() -> pd.DataFrame:
    rows = []
    for dist in ("empirical", "compound_poisson"):
        for sku in ("slow", "fast"):
            for policy, lead, review, level, gap in (
                ("RS", 1, 2, 9, 0),
                ("RS", 0, 1, 4, 0),
                ("RsS", 2, 1, 5, 4),
                ("RsS", 1, 3, 8, 2),
                ("RsQ", 1, 3, 6, 3),
                ("RsQ", 2, 1, 4, 5),
                ("sQ", 2, 1, 5, 3),
            ):
                mean = 1.5 if sku == "slow" else 3.5
                rows.append(
                    {
                        "sku": sku,
                        "distribution": dist,
                        "policy": policy,
                        "demand_mean": mean,
                        "demand_std": 2.5 if sku == "slow" else 2.0,
                        "lead_time": float(lead),
                        "review_period": float(review),
                        "reorder_point": float(level) if policy != "RS" else np.nan,
                        "order_up_to": float(level + gap) if policy in ("RS", "RsS") else np.nan,
                        "order_quantity": float(max(gap, 1)),
                    }
                )
    bad = [
        {"sku": "nobody", "distribution": "empirical", "policy": "RsS"},
        {"sku": "bad", "distribution": "empirical", "policy": "RsQ"},
        {"distribution": "empirical", "policy": "RS", "lead_time": 1.5},
        {"distribution": "compound_poisson", "policy": "RsQ", "demand_std": 1.0},
        {"distribution": "compound_poisson", "policy": "RsQ", "lead_time_std": 0.5},
        {"distribution": "compound_poisson", "policy": "RS", "order_up_to": 5.5},
        {"distribution": "empirical", "policy": "RsS", "review_period": 0.5},
        {"distribution": "empirical", "policy": "RsS", "order_up_to": 3.0},
    ]
    template = {
        "sku": "slow",
        "demand_mean": 1.5,
        "demand_std": 2.5,
        "lead_time": 1.0,
        "review_period": 2.0,
        "reorder_point": 4.0,
        "order_up_to": 8.0,
        "order_quantity": 3.0,
        "lead_time_std": 0.0,
    }
    rows += [{**template, **b} for b in bad]
    df = pd.DataFrame(rows)
    df["lead_time_std"] = df["lead_time_std"].fillna(0.0)
    return df


def case_periodic_history() -> Parts:
    df = _periodic_history_table()
    parts = {"evaluate": invsl.evaluate(df, history=HISTORY)}
    solve_in = df.drop(columns=["reorder_point", "order_up_to"])
    for metric, target in (("alpha", 0.9), ("beta", 0.95), ("gamma", 0.9)):
        parts[f"optimize_{metric}"] = invsl.optimize(
            solve_in, metric=metric, target=target, history=HISTORY
        )
    # a history with sizes up to 900: the FFT convolution path
    rng = np.random.default_rng(3)
    demand = np.where(rng.random(40) < 0.5, 0, rng.integers(1, 900, 40))
    big = pd.DataFrame({"sku": "big", "period": range(40), "demand": demand})
    table = pd.DataFrame(
        {
            "sku": ["big"] * 3,
            "distribution": "empirical",
            "policy": ["RS", "RsS", "RsQ"],
            "demand_mean": np.nan,
            "demand_std": np.nan,
            "lead_time": 2,
            "review_period": 2,
            "reorder_point": [np.nan, 700.0, 800.0],
            "order_up_to": [900.0, 703.0, np.nan],
            "order_quantity": [1, 3, 2],
        }
    )
    parts["evaluate_fft"] = invsl.evaluate(table, history=big)
    parts["fit_bad"] = invsl.fit_demand(
        pd.DataFrame(
            {
                "sku": ["n", "n", "neg", "neg", "dup", "dup", "one", "txt", "txt", "frac", "frac"],
                "period": [1, 2, 1, 2, 1, 1, 1, 1, 2, 1, 2],
                "demand": [1.0, np.nan, 2.0, -1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 2.0],
            }
        ),
        missing="skip",
    )
    return parts


# ---------------------------------------------------------------------------------------------
# simulation (fixed seeds, short runs)

SIM_TABLE = pd.DataFrame(
    {
        "sku": [f"P{i}" for i in range(11)] + ["slow", "nobody"] + [f"X{i}" for i in range(9)],
        "policy": ["sQ", "sQ", "sQ", "sQ", "sQ", "RS", "RsS", "RsQ", "RsQ", "RS", "sQ"]
        + ["RsS", "RsS"]
        + ["XYZ", "RS", "RS", "RS", "RsS", "RS", "sQ", "sQ", "sQ"],
        "distribution": [
            "normal",
            "gamma",
            "poisson",
            "negbin",
            "compound_poisson",
            "poisson",
            "gamma",
            "normal",
            "negbin",
            "deterministic",
            "normal",
            "empirical",
            "empirical",
            "normal",
            "normal",
            "normal",
            "normal",
            "normal",
            "normal",
            "normal",
            "negbin",
            "weibull",
        ],
        "demand_mean": [20.0, 5.0, 2.0, 3.0, 1.5, 4.0, 8.0, 100.0, 2.0, 10.0, 10.0, 1.5, 1.5]
        + [10.0, 10, 10, 10, 10, 10, 10, 3, 10],
        "demand_std": [6.0, 4.0, np.nan, 2.5, 2.5, np.nan, 5.0, 40.0, 2.0, 0.0, 12.0, 2.5, 2.5]
        + [2.0, 2, 2, 2, 2, 2, 2, 1.5, 2],
        "lead_time": [1.5, 2.0, 1.0, 2.0, 1.0, 2, 1, 1, 3, 1, 0.3, 1, 1]
        + [1.0, 1, 1, 1.5, 1, 1, 1, 1, 1],
        "lead_time_std": [0.0] * 13 + [0.0, 0, 0, 0, 0, 0, 0.5, 0, 0],
        "review_period": [1.0, 1, 1, 1, 1, 2, 1, 1, 2, 2, 1, 1, 1]
        + [1.0, 0, 1.5, 1, 1, 1, 1, 1, 1],
        "reorder_point": [35.0, 12.0, 2, 8, 3, np.nan, 10.0, 150.0, 8, np.nan, 15.0, 3, 3]
        + [5.0, 5, 5, 5, 30, 5, 5, 5, 5],
        "order_quantity": [40.0, 20.0, 3, 5, 4, np.nan, np.nan, 200.0, 4, np.nan, 30.0, 2, 2]
        + [10.0] * 9,
        "order_up_to": [np.nan] * 5
        + [14, 30.0, np.nan, np.nan, 25.0, np.nan, 7, 7]
        + [20.0, 20, 20, 20, 30, np.nan, 20, 20, 20],
    }
)


def case_simulate() -> Parts:
    hist = HISTORY[HISTORY["sku"] == "slow"].reset_index(drop=True)
    df = SIM_TABLE.copy()
    df.index = pd.Index([f"s{i}" for i in range(len(df))])
    return {
        "seed7": invsl.simulate(df, periods=3000, seed=7, history=hist),
        "seed8_warmup": invsl.simulate(df, periods=2000, seed=8, warmup=50, history=hist),
        "negative_zero": invsl.simulate(
            df.iloc[[0, 7, 10]], periods=2000, seed=3, negative_demand="zero", substeps=4
        ),
    }


# ---------------------------------------------------------------------------------------------
# portfolio, exchange curve, what-if cube


def _portfolio_table(n: int = 36, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dist = np.array(["normal", "gamma", "poisson", "negbin"])[np.arange(n) % 4]
    mu = np.round(rng.lognormal(np.log(8), 1.0, n), 3)
    integer = np.isin(dist, ["poisson", "negbin"])
    std = np.where(
        dist == "negbin", np.sqrt(mu * rng.uniform(1.5, 4, n)), mu * rng.uniform(0.2, 1, n)
    )
    df = pd.DataFrame(
        {
            "sku": [f"S{i:02d}" for i in range(n)],
            "demand_mean": mu,
            "demand_std": np.round(std, 4),
            "lead_time": rng.integers(1, 5, n).astype(float),
            "order_quantity": np.where(
                integer, np.maximum(1, np.round(mu * 2)), np.round(mu * rng.uniform(1, 4, n), 2)
            ),
            "unit_cost": np.round(rng.lognormal(1.0, 1.0, n), 2),
            "distribution": dist.astype(object),
            "service_floor": np.where(np.arange(n) % 9 == 1, 0.8, np.nan),
            "service_ceiling": np.where(np.arange(n) % 11 == 2, 0.97, np.nan),
        }
    )
    df.index = [f"r{i}" for i in range(n)]
    df.loc["r3", "unit_cost"] = np.nan
    df.loc["r7", "unit_cost"] = -2.0
    df.loc["r11", "demand_std"] = -1.0
    df.loc["r13", "demand_mean"] = 0.0
    df.loc["r17", "distribution"] = "weibull"
    df.loc["r19", "service_floor"] = 1.5
    return df


def _summary(summary: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {"key": list(summary), "value": [encode_value(v) for v in summary.values()]}
    )


def case_portfolio() -> Parts:
    df = _portfolio_table()
    parts: Parts = {}
    runs = {
        "budget": dict(budget=150.0),
        "budget_gamma_on_hand": dict(budget=400.0, objective="gamma", investment="on_hand"),
        "budget_backorder_value": dict(budget=150.0, objective="backorder_value"),
        "target": dict(aggregate_target=0.97),
        "target_no_min": dict(aggregate_target=0.9, min_reorder_point=None),
    }
    for name, kwargs in runs.items():
        result = invsl.optimize_portfolio(df, **kwargs)
        parts[f"{name}_skus"] = result.skus
        parts[f"{name}_summary"] = _summary(result.summary)
    periodic = df.iloc[:12].copy()
    periodic["policy"] = [
        "sQ",
        "RsS",
        "sQ",
        "RS",
        "RsQ",
        "bogus",
        None,
        "sQ",
        "sQ",
        "sQ",
        "sQ",
        "sQ",
    ]
    periodic.loc["r8", "distribution"] = "compound_poisson"
    periodic.loc["r9", "distribution"] = "empirical"
    result = invsl.optimize_portfolio(periodic, budget=60.0)
    parts["policy_column_skus"] = result.skus
    parts["policy_column_summary"] = _summary(result.summary)
    return parts


def case_exchange_curve() -> Parts:
    df = _portfolio_table(seed=6)
    good = df.drop(index=["r3", "r7", "r11", "r13", "r17", "r19"])
    return {
        "fill_rate": invsl.exchange_curve(good, targets=[0.8, 0.9, 0.95, 0.99]),
        "gamma_on_hand": invsl.exchange_curve(
            df, targets=[0.85, 0.95], objective="gamma", investment="on_hand"
        ),
        "default_targets": invsl.exchange_curve(good.drop(columns="unit_cost"), unit_cost=1.0),
    }


def _sensitivity_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": ["n1", "n2", "g1", "p1", "p2", "nb", "lt", "bad_mu", "neg_sd", "text", "zero"]
            + ["p_frac", "lt0"],
            "demand_mean": [100.0, 3.5, 20.0, 4.0, 0.3, 6.0, 50.0, np.nan, 10.0, 10.0, 0.0]
            + [2.0, 8.0],
            "demand_std": [30.0, 4.0, 9.0, 2.0, 0.5, 4.0, 10.0, 1.0, -1.0, 3.0, 1.0, 1.4, 2.0],
            "lead_time": [2.0, 1.5, 3.0, 2.0, 4.0, 1.0, 5.0, 1.0, 1.0, "two", 1.0, 1.0, 0.0],
            "lead_time_std": [0.0, 0.0, 0.5, 0.0, 1.0, 0.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5],
            "order_quantity": [400.0, 7.0, 50.0, 5.0, 3.0, 12.0, 100.0, 10.0, 10.0, 10.0, 10.0]
            + [2.5, 9.0],
            "distribution": ["normal", "normal", "gamma", "poisson", "poisson", "negbin", "normal"]
            + ["normal", "normal", "normal", "normal", "poisson", "gamma"],
            "unit_cost": [2.0, 10.0, 1.5, 40.0, 300.0, 7.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0],
        }
    )


def _cube_parts(name: str, cube) -> Parts:
    """A Dataset as its table (``to_dataframe``), its attributes and its coordinates."""
    rows = [("", key, value) for key, value in cube.attrs.items()]
    for var in [*cube.coords, *cube.data_vars]:
        rows += [(str(var), key, value) for key, value in cube[var].attrs.items()]
    attrs = pd.DataFrame(
        {
            "variable": [r[0] for r in rows],
            "key": [r[1] for r in rows],
            "value": [encode_value(r[2]) for r in rows],
        }
    )
    dims = pd.DataFrame(
        {
            "dimension": [str(d) for d in cube.sizes],
            "size": np.array(list(cube.sizes.values()), dtype=np.int64),
        }
    )
    variables = pd.DataFrame(
        {
            "variable": [str(v) for v in cube.variables],
            "dims": [" ".join(map(str, cube[v].dims)) for v in cube.variables],
            "dtype": [str(cube[v].dtype) for v in cube.variables],
            "is_coord": [v in cube.coords for v in cube.variables],
        }
    )
    return {
        f"{name}_table": cube.to_dataframe(),
        f"{name}_attrs": attrs,
        f"{name}_dims": dims,
        f"{name}_variables": variables,
    }


def case_sensitivity() -> Parts:
    df = _sensitivity_frame()
    parts: Parts = {}
    cube = invsl.sensitivity(
        df,
        target=[0.9, 0.95, 0.99],
        order_quantity_factor=[0.5, 1.0, 2.0],
        lead_time_factor=[1.0, 1.5],
        metric="beta",
    )
    parts.update(_cube_parts("beta", cube))
    cube = invsl.sensitivity(df, target=[0.8, 0.95], lead_time_factor=2.0, metric="alpha")
    parts.update(_cube_parts("alpha_scalar_factor", cube))
    with_policy = df.iloc[:6].copy()
    with_policy["policy"] = ["sQ", "RsS", "sQ", "rs", "bogus", "sQ"]
    with_policy.loc[2, "distribution"] = "compound_poisson"
    targets = df.iloc[:7].assign(target=[0.9, 0.95, 0.99, 0.8, 0.9, 0.97, 0.9])
    parts.update(_cube_parts("policy", invsl.sensitivity(with_policy, metric="gamma")))
    parts.update(_cube_parts("target_column", invsl.sensitivity(targets)))
    return parts


# ---------------------------------------------------------------------------------------------
# array functions

ARRAY_GOOD = dict(
    reorder_point=120.0,
    order_quantity=200.0,
    demand_mean=100.0,
    demand_std=30.0,
    lead_time=1.0,
    lead_time_std=0.0,
    distribution="normal",
)
ARRAY_ELEMENTS = [
    {},
    {"demand_mean": np.nan},
    {"lead_time": np.inf},
    {"demand_std": -1.0},
    {"order_quantity": 0.0},
    {"distribution": "weibull"},
    {"distribution": "negbin", "demand_std": 5.0},
    {"distribution": "poisson", "reorder_point": 99.5},
    {"demand_mean": 0.0},
    {"distribution": "gamma", "lead_time": 0.0, "lead_time_std": 1.0},
    {"demand_mean": 1e8, "demand_std": 1e-3, "order_quantity": 1e-4, "reorder_point": 1e8},
    {"distribution": "gamma", "demand_std": 80.0, "lead_time_std": 0.3},
    {"distribution": "poisson", "reorder_point": 110.0, "order_quantity": 20.0},
    {"distribution": "negbin", "demand_std": 15.0, "reorder_point": 90.0, "lead_time": 2.0},
    {"distribution": "normal", "reorder_point": -50.0, "order_quantity": 1000.0},
    {"demand_std": 0.0},
    {"lead_time": 0.0},
]


def _array_inputs() -> dict[str, np.ndarray]:
    cols = {k: [dict(ARRAY_GOOD, **e)[k] for e in ARRAY_ELEMENTS] for k in ARRAY_GOOD}
    return {k: np.array(v, dtype=object if k == "distribution" else float) for k, v in cols.items()}


def _with_status(values: dict, status) -> pd.DataFrame:
    out = pd.DataFrame({k: np.asarray(v, dtype=float).ravel() for k, v in values.items()})
    out["code"] = np.asarray(status.code).ravel()
    out["status"] = np.asarray(status.name, dtype=object).ravel()
    out["message"] = np.asarray(status.message, dtype=object).ravel()
    out["ok"] = np.asarray(status.ok).ravel()
    return out


def case_arrays() -> Parts:
    a = _array_inputs()
    parts: Parts = {"inputs": pd.DataFrame(a)}
    levels, status = invsl.service_levels(**a, return_status=True)
    parts["service_levels"] = _with_status(levels, status)
    plain = invsl.service_levels(**a)
    parts["service_levels_plain"] = pd.DataFrame({k: np.asarray(v) for k, v in plain.items()})
    singles = {}
    for name in (
        "alpha",
        "beta",
        "gamma",
        "cycle_service_level",
        "fill_rate",
        "gamma_service_level",
        "ready_rate",
        "expected_backorders",
        "expected_on_hand",
    ):
        singles[name] = getattr(invsl, name)(**a)
    value, status = invsl.fill_rate(**a, return_status=True)
    singles["fill_rate_with_status"] = value
    parts["single_metrics"] = _with_status(singles, status)
    # reorder points for each metric (targets including bad ones)
    rp_in = {k: v for k, v in a.items() if k != "reorder_point"}
    targets = np.array([0.95, 1.5, 0.9, 0.99, 0.5, 0.0, 0.95, 0.8, 0.95, 0.9, 0.9, 0.95, 0.9])
    targets = np.resize(targets, len(ARRAY_ELEMENTS))
    for metric in ("alpha", "beta", "gamma", "fill_rate", "csl"):
        s, status = invsl.reorder_point(targets, **rp_in, metric=metric, return_status=True)
        parts[f"reorder_point_{metric}"] = _with_status({"target": targets, "s": s}, status)
    # broadcasting: a grid of reorder points against three distributions
    grid = np.linspace(-5.0, 40.0, 10)[:, None]
    dist = np.array(["normal", "gamma", "negbin"], dtype=object)[None, :]
    levels, status = invsl.service_levels(grid, 10.0, 4.0, 3.0, 2.0, 0.2, dist, return_status=True)
    parts["grid"] = _with_status(levels, status)
    # lead-time demand, loss functions, safety stock
    x = np.array([-10.0, 0.0, 3.0, 12.5, 40.0, np.nan])
    loss = {}
    for d in ("normal", "gamma", "poisson", "negbin"):
        xx = np.round(x) if d in ("poisson", "negbin") else x
        loss[f"g1_{d}"] = invsl.loss_first_order(xx, 10.0, 5.0, distribution=d)
        loss[f"g2_{d}"] = invsl.loss_second_order(xx, 10.0, 5.0, distribution=d)
    mean, sd = invsl.lead_time_demand(x, 3.0, 2.0, 0.5)
    loss["ltd_mean"], loss["ltd_std"] = mean, sd
    loss["safety_stock"] = invsl.safety_stock(x, 4.0, 2.5)
    parts["loss"] = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in loss.items()})
    # periodic review
    policy = np.array(["RS", "RsS", "RsQ", "sQ", "weekly", "RS", "RsS", "RsQ", "RsQ"], dtype=object)
    dist = np.array(
        ["normal", "gamma", "poisson", "negbin", "normal", "poisson", "normal", "gamma", "normal"],
        dtype=object,
    )
    mean = np.array([10.0, 10, 10, 10, 10, -1, 10, 10, 10])
    std = np.array([3.0, 4, 3, 5, 3, 3, 3, 4, 3])
    review = np.array([1.0, 2, 3, 1, 1, 1, 0, 2, 1.5])
    levels, status = invsl.periodic_service_levels(
        policy,
        mean,
        std,
        2.0,
        review_period=review,
        reorder_point=25.0,
        order_up_to=40.0,
        order_quantity=10.0,
        distribution=dist,
        return_status=True,
    )
    parts["periodic_levels"] = _with_status(levels, status)
    for metric in METRICS:
        s, big_s, status = invsl.periodic_policy(
            0.95,
            policy,
            mean,
            std,
            2.0,
            review_period=review,
            order_quantity=10.0,
            distribution=dist,
            metric=metric,
            return_status=True,
        )
        parts[f"periodic_policy_{metric}"] = _with_status({"s": s, "S": big_s}, status)
    return parts


# ---------------------------------------------------------------------------------------------
# the command line, through its console-script entry point

CLI_CSV = (
    "sku,demand_mean,demand_std,lead_time,order_quantity,distribution,lead_time_std,note\n"
    "007,100,30,1,200,normal,,first\n"
    "008,8,,1,10,poisson,0,\n"
    "009,-1,3,1,1,normal,0,negative\n"
    "010,abc,3,1,1,normal,0,text\n"
    "011,5,2,0,3,gamma,1,cannot fit\n"
    "012,0.75,1.2,2,2,negbin,0,\n"
    "013,3,1,2,2.5,poisson,0,not integer\n"
    "014,0,0,2,1,poisson,0,zero\n"
    "015,1e3,250,3,1500,gamma,0.5,1e3 stays\n"
    "016,12,NA,2,40,normal,0,missing\n"
    "017,inf,1,1,1,normal,,not finite\n"
    "018,2,4,2,6,compound_poisson,0,\n"
    '019,"7.5",2,1.5,20,normal,0.25,"quoted, text"\n'
)
CLI_EVALUATE_CSV = (
    "sku,demand_mean,demand_std,lead_time,order_quantity,distribution,reorder_point\n"
    "A,100,30,1,200,normal,120\n"
    "B,8,,1,10,poisson,9\n"
    "C,8,,1,10,poisson,9.5\n"
    "D,3,2.5,2,4,negbin,7\n"
    "E,20,9,3,50,gamma,high\n"
    "F,20,9,3,50,gamma,-5\n"
    "G,1e8,0.001,1,0.0001,normal,1e8\n"
)
CLI_PERIODIC_CSV = (
    "sku,policy,review_period,demand_mean,demand_std,lead_time,order_quantity,distribution\n"
    "slow,RsS,1,1.5,2.5,2,4,empirical\n"
    "fast,RsQ,2,3.5,2,1,3,empirical\n"
    "slow,RS,1,1.5,2.5,1,1,compound_poisson\n"
    "n1,RsQ,7,100,40,1,200,normal\n"
    "n2,RS,0,100,40,1,200,normal\n"
    "g1,sQ,1,20,9,3,50,gamma\n"
    "nobody,RsS,1,1,2,1,2,empirical\n"
)
CLI_EUROPEAN_CSV = (
    "Material;demand_mean;demand_std;lead_time;order_quantity\n"
    "000123;1.234,5;300;1;2.000\n"
    "000124;8,5;2,5;1;10\n"
    "000125;1.500;2;1;10\n"
)


def _cli_main():
    """The ``invsl`` console script of the invsl that is imported.

    The installed entry point (``importlib.metadata``) is used, except when invsl is imported
    from a source checkout (PYTHONPATH=/work/base): then that checkout's own pyproject.toml
    declares the script, since the installed metadata belongs to whatever was installed last.
    """
    entry = entry_points(group="console_scripts")["invsl"]
    package = Path(invsl.__file__).resolve().parent
    pyproject = package.parent / "pyproject.toml"
    if pyproject.is_file():
        with open(pyproject, "rb") as fh:
            value = tomllib.load(fh)["project"]["scripts"]["invsl"]
        entry = EntryPoint(name="invsl", value=value, group="console_scripts")
    main = entry.load()
    where = Path(sys.modules[entry.module].__file__).resolve()
    if not where.is_relative_to(package):
        raise RuntimeError(f"console script {entry.value} loaded from {where}, not from {package}")
    return main


def _run_cli(args: list[str], tmp: Path) -> pd.DataFrame:
    from click.testing import CliRunner

    result = CliRunner().invoke(_cli_main(), args, prog_name="invsl", catch_exceptions=False)

    def clean(text: str) -> str:
        return text.replace(str(tmp), "<tmp>")

    return pd.DataFrame(
        {
            "args": [clean(" ".join(args))],
            "exit_code": np.array([result.exit_code], dtype=np.int64),
            "stdout": [clean(result.stdout)],
            "stderr": [clean(result.stderr)],
        }
    )


def _csv_lines(path: Path) -> pd.DataFrame:
    """A CSV file's bytes, one row per line (so that a failure shows the first lines that
    differ)."""
    return pd.DataFrame({"line": path.read_bytes().splitlines(keepends=True)})


def _parquet_file(path: Path) -> Parts:
    schema = pq.read_schema(path).remove_metadata()
    return {
        "": pd.read_parquet(path),
        "_schema": pd.DataFrame({"field": [str(f) for f in schema]}),
    }


def case_cli() -> Parts:
    parts: Parts = {}
    with tempfile.TemporaryDirectory(prefix="golden_cli_") as name:
        tmp = Path(name)
        (tmp / "in.csv").write_text(CLI_CSV)
        (tmp / "levels.csv").write_text(CLI_EVALUATE_CSV)
        (tmp / "periodic.csv").write_text(CLI_PERIODIC_CSV)
        (tmp / "european.csv").write_text(CLI_EUROPEAN_CSV, encoding="cp1252")
        HISTORY.to_csv(tmp / "history.csv", index=False)
        # Parquet input: the CSV as pandas reads it (a text column where text is)
        pd.read_csv(tmp / "in.csv", dtype={"sku": str}).to_parquet(tmp / "in.parquet")
        pd.read_csv(tmp / "levels.csv", dtype={"sku": str}).to_parquet(tmp / "levels.parquet")
        runs = {
            "optimize_csv": (["optimize", "in.csv", "-o", "out.csv"], "out.csv"),
            "optimize_csv_alpha_chunks": (
                ["optimize", "in.csv", "-o", "out2.csv", "--metric", "alpha", "--target", "0.9"]
                + ["--chunk-rows", "4", "--distribution", "gamma", "--lead-time-std", "0.5"],
                "out2.csv",
            ),
            "optimize_parquet": (["optimize", "in.parquet", "-o", "out.parquet"], "out.parquet"),
            "optimize_parquet_to_csv": (
                ["optimize", "in.parquet", "-o", "out3.csv", "--metric", "gamma", "-q"],
                "out3.csv",
            ),
            "evaluate_csv": (["evaluate", "levels.csv", "-o", "levels_out.csv"], "levels_out.csv"),
            "evaluate_parquet": (
                ["evaluate", "levels.parquet", "-o", "levels_out.parquet"],
                "levels_out.parquet",
            ),
            "optimize_periodic_history": (
                ["optimize", "periodic.csv", "-o", "periodic_out.csv", "--history", "history.csv"]
                + ["--target", "0.9"],
                "periodic_out.csv",
            ),
            "optimize_policy_option": (
                ["optimize", "in.csv", "-o", "rs_out.parquet", "--policy", "RsQ"]
                + ["--review-period", "2"],
                "rs_out.parquet",
            ),
            "optimize_european": (
                ["optimize", "european.csv", "-o", "european_out.csv", "--sep", ";"]
                + ["--decimal", ",", "--thousands", ".", "--encoding", "cp1252"],
                "european_out.csv",
            ),
            "structural_error": (
                ["optimize", "levels.csv", "-o", "never.csv", "--columns", "nope.toml"],
                "never.csv",
            ),
        }
        for run, (args, out) in runs.items():
            args = [str(tmp / a) if a.endswith((".csv", ".parquet", ".toml")) else a for a in args]
            parts[f"{run}_run"] = _run_cli(args, tmp)
            path = tmp / out
            if not path.exists():
                parts[f"{run}_file"] = pd.DataFrame({"line": pd.Series([], dtype=object)})
            elif out.endswith(".csv"):
                parts[f"{run}_file"] = _csv_lines(path)
            else:
                for suffix, part in _parquet_file(path).items():
                    parts[f"{run}_file{suffix}"] = part
    return parts


# ---------------------------------------------------------------------------------------------

#: input files a case reads besides the package (the sdist leaves out datasets/, the GPL-3
#: car parts data): test_golden.py skips a case whose inputs are absent
CASE_INPUTS: dict[str, list[Path]] = {
    "reference_evaluate": [REFERENCE / "sq_reference.csv"],
    "reference_optimize": [REFERENCE / "sq_reference.csv", REFERENCE / "sq_solve_reference.csv"],
    "carparts": [CARPARTS],
}

CASES: dict[str, Callable[[], Parts]] = {
    "reference_evaluate": case_reference_evaluate,
    "reference_optimize": case_reference_optimize,
    "fuzz_sq": case_fuzz_sq,
    "fuzz_periodic": case_fuzz_periodic,
    "column_spellings": case_column_spellings,
    "carparts": case_carparts,
    "periodic_history": case_periodic_history,
    "simulate": case_simulate,
    "portfolio": case_portfolio,
    "exchange_curve": case_exchange_curve,
    "sensitivity": case_sensitivity,
    "arrays": case_arrays,
    "cli": case_cli,
}
