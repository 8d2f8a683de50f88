"""Periodic-review tables on the command line are streamed in chunks like (s, Q) tables.

A run in chunks of a few rows must write exactly the bytes of a run in one chunk, and
both must hold the numbers that :func:`invsl.optimize` / :func:`invsl.evaluate` compute on
the whole table in memory (an independent path: pandas in, pandas out, no chunking).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import invsl
from invsl.tools.cli import main

POLICIES = ["sQ", "RS", "RsS", "RsQ"]


def _table(n=23, seed=4):
    rng = np.random.default_rng(seed)
    mu = rng.lognormal(2.0, 1.0, n)
    df = pd.DataFrame(
        {
            "sku": [f"A{i:03d}" for i in range(n)],
            "policy": [POLICIES[i % 4] for i in range(n)],
            "demand_mean": mu,
            "demand_std": mu * rng.uniform(0.2, 1.0, n),
            "lead_time": rng.integers(1, 5, n).astype(float),
            "review_period": rng.integers(1, 4, n).astype(float),
            "order_quantity": np.round(mu * rng.uniform(1.0, 4.0, n)),
            "distribution": rng.choice(["normal", "poisson", "gamma"], n),
        }
    )
    df.loc[5, "demand_std"] = -1.0  # a flagged row
    df.loc[9, "lead_time"] = np.nan  # another one
    return df


def _invoke(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_optimize_in_chunks_equals_one_chunk_and_the_whole_table(tmp_path, suffix):
    df = _table()
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        df.to_csv(src, index=False)
    else:
        df.to_parquet(src, index=False)
    outs = {}
    for rows in (3, 7, 1_000):
        dst = tmp_path / f"out_{rows}{suffix}"
        result = _invoke(["optimize", src, "-o", dst, "--chunk-rows", rows, "--target", 0.9])
        assert result.exit_code == 1, result.output  # the two flagged rows
        assert "2 of 23 rows flagged" in result.output
        outs[rows] = dst
    if suffix == ".csv":
        # byte for byte (Parquet files record their row groups, which follow the chunks)
        assert outs[3].read_bytes() == outs[1_000].read_bytes()
        assert outs[7].read_bytes() == outs[1_000].read_bytes()
    whole = invsl.optimize(df, target=0.9)
    for dst in outs.values():
        got = pd.read_csv(dst) if suffix == ".csv" else pd.read_parquet(dst)
        assert list(got.columns) == list(whole.columns)
        assert "order_up_to" in got.columns
        assert got["sku"].tolist() == df["sku"].tolist()
        assert got["status"].astype(str).tolist() == whole["status"].astype(str).tolist()
        assert got["message"].fillna("").tolist() == whole["message"].fillna("").tolist()
        for name in ["reorder_point", "order_up_to", "alpha", "beta", "gamma", "safety_stock"]:
            np.testing.assert_array_equal(got[name].to_numpy(), whole[name].to_numpy())


def test_evaluate_in_chunks_passes_levels_through(tmp_path):
    df = _table(seed=9)
    plan = invsl.optimize(df, target=0.95)
    inputs = df.assign(reorder_point=plan["reorder_point"], order_up_to=plan["order_up_to"])
    src = tmp_path / "in.csv"
    inputs.to_csv(src, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for dst, rows in ((a, 2), (b, 100)):
        result = _invoke(["evaluate", src, "-o", dst, "--chunk-rows", rows])
        assert result.exit_code == 1, result.output
    assert a.read_bytes() == b.read_bytes()
    got = pd.read_csv(a)
    whole = invsl.evaluate(pd.read_csv(src, dtype={"sku": str}))
    # the levels are the input's, passed through untouched
    np.testing.assert_array_equal(got["reorder_point"], pd.read_csv(src)["reorder_point"])
    np.testing.assert_array_equal(got["order_up_to"], pd.read_csv(src)["order_up_to"])
    ok = (whole["status"] == "ok").to_numpy()
    np.testing.assert_allclose(got["beta"][ok], whole["beta"][ok], rtol=0, atol=0)
    np.testing.assert_allclose(got.loc[ok, "beta"], 0.95, atol=2e-2)


def test_policy_option_streams_and_missing_column_writes_nothing(tmp_path):
    df = _table().drop(columns=["policy"])
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for dst, rows in ((a, 4), (b, 50)):
        result = _invoke(["optimize", src, "-o", dst, "--policy", "RS", "--chunk-rows", rows])
        assert result.exit_code == 1, result.output
    assert a.read_bytes() == b.read_bytes()
    whole = invsl.optimize(df, policy="RS")
    got = pd.read_csv(a)
    np.testing.assert_array_equal(got["order_up_to"], whole["order_up_to"])
    # evaluate RS rows needs order_up_to: exit 2 and no output, chunked or not
    dst = tmp_path / "c.csv"
    result = _invoke(["evaluate", src, "-o", dst, "--policy", "RS", "--chunk-rows", 4])
    assert result.exit_code == 2 and "order_up_to" in result.output
    assert not dst.exists()
