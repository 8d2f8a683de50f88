"""A table with a demand history may leave out demand_mean and demand_std.

``empirical`` rows take both from their history (docs/history.md), so a planner's table of
(sku, lead_time, order_quantity, ...) plus the history is enough, in Python and on the
command line. Rows of other distributions in such a table are flagged ``missing`` (a bad row,
not a structural error); without a history the columns stay required.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import invsl
from invsl.tools.cli import main

HISTORY = pd.DataFrame(
    {
        "sku": ["a"] * 12 + ["b"] * 12,
        "period": list(range(12)) * 2,
        "demand": [0, 2, 0, 1, 5, 0, 0, 3, 1, 0, 2, 0] + [3, 5, 2, 4, 6, 3, 1, 4, 2, 5, 3, 4],
    }
)


def _moments(sku):
    d = HISTORY.loc[HISTORY["sku"] == sku, "demand"].to_numpy(dtype=float)
    return d.mean(), d.std(ddof=1)


def _table(policy_column):
    df = pd.DataFrame(
        {
            "sku": ["a", "b", "x"],
            "lead_time": [2.0, 1.0, 1.0],
            "order_quantity": [3.0, 5.0, 4.0],
            "reorder_point": [3.0, 6.0, 2.0],
            "distribution": ["empirical", "empirical", "poisson"],
        }
    )
    if policy_column:
        df["policy"] = ["sQ", "RsQ", "sQ"]
        df["review_period"] = 1
    return df


def _with_moments(df):
    out = df.copy()
    mean, std = zip(*(_moments(s) if s in ("a", "b") else (np.nan, np.nan) for s in df["sku"]))
    out["demand_mean"], out["demand_std"] = mean, std
    return out


@pytest.mark.parametrize("policy_column", [False, True], ids=["sQ table", "policy column"])
@pytest.mark.parametrize("function", ["evaluate", "optimize"])
def test_history_rows_need_no_demand_columns(policy_column, function):
    df = _table(policy_column)
    kwargs = dict(history=HISTORY)
    if function == "optimize":
        kwargs.update(metric="beta", target=0.9)
    got = getattr(invsl, function)(df, **kwargs)
    full = getattr(invsl, function)(_with_moments(df), **kwargs)
    assert len(got) == 3 and got["sku"].tolist() == ["a", "b", "x"]
    assert got["status"].astype(str).tolist() == ["ok", "ok", "missing"]
    assert "no demand_mean column" in got["message"].iloc[2]
    for m in ("reorder_point", "alpha", "beta", "gamma", "expected_on_hand"):
        np.testing.assert_array_equal(got[m].to_numpy()[:2], full[m].to_numpy()[:2])
    assert "demand_mean" not in got.columns  # the input's columns, nothing invented


def test_simulate_needs_no_demand_columns_with_a_history():
    df = _table(policy_column=True)
    got = invsl.simulate(df, periods=2000, seed=3, history=HISTORY)
    full = invsl.simulate(_with_moments(df), periods=2000, seed=3, history=HISTORY)
    assert got["status"].astype(str).tolist() == ["ok", "ok", "missing"]
    np.testing.assert_array_equal(got["beta"].to_numpy()[:2], full["beta"].to_numpy()[:2])


def test_without_a_history_the_demand_columns_are_required():
    df = _table(policy_column=False).assign(distribution="poisson")
    with pytest.raises(invsl.InputError, match="missing required columns: demand_mean"):
        invsl.evaluate(df)
    with pytest.raises(invsl.InputError, match="demand_mean"):
        invsl.simulate(df, periods=100)


@pytest.mark.parametrize("command", ["evaluate", "optimize", "simulate"])
def test_command_line_with_history_and_no_demand_columns(tmp_path, command):
    skus, hist, out = tmp_path / "skus.csv", tmp_path / "history.csv", tmp_path / "out.csv"
    _table(policy_column=False).iloc[:2].to_csv(skus, index=False)
    HISTORY.to_csv(hist, index=False)
    args = [command, str(skus), "-o", str(out), "--history", str(hist)]
    if command == "optimize":
        args += ["--metric", "beta", "--target", "0.9"]
    if command == "simulate":
        args += ["--periods", "2000"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table["sku"].tolist() == ["a", "b"]
    assert (table["status"] == "ok").all()
