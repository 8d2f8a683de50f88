"""Calibrated targets: invsl.calibrate, optimize(calibration=), backtest(calibration=).

The lookup is checked against values worked out by hand (log-odds interpolation), the table
against curves with a known answer, and the whole chain by backtests: in sample the
calibrated plans serve the target they were calibrated for, and the calibration never looks
at the periods it is told to leave out.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import invsl
from invsl.engine.calibration import families, nominal_targets, read_calibration, row_groups
from invsl.tools.backtest.calibrate import (
    NOMINAL_GRID,
    calibration_table,
    choose_families,
    efficient_choice,
    efficient_nominal,
)
from invsl.tools.cli import main
from invsl.vocabulary import METRIC_ALPHA, METRIC_BETA, OK


def logit(p):
    return math.log(p / (1 - p))


def expit(x):
    return 1 / (1 + math.exp(-x))


def _table():
    """Pooled rows (0.93, 0.97, 0.99 for 0.90, 0.95, 0.98), smooth rows in two bands."""
    rows = []
    for segment, band, lo, hi, nominal in (
        ("*", 0, 0.0, np.inf, (0.93, 0.97, 0.99)),
        ("*", 1, 0.0, 5.0, (0.94, 0.975, 0.992)),
        ("*", 2, 5.0, np.inf, (0.92, 0.96, 0.985)),
        ("smooth", 1, 0.0, 5.0, (0.91, 0.955, 0.982)),
        ("smooth", 2, 5.0, np.inf, (0.85, 0.9, 0.95)),
    ):
        for target, value in zip((0.90, 0.95, 0.98), nominal):
            rows.append((segment, band, lo, hi, target, value))
    frame = pd.DataFrame(
        rows,
        columns=["segment", "volume_band", "volume_from", "volume_to", "target", "nominal_target"],
    )
    frame.insert(0, "segment_by", "demand_class")
    frame["metric"] = "beta"
    return frame


def test_lookup_by_hand():
    cal = read_calibration(_table())
    segment = np.array(["smooth", "smooth", "lumpy", None, "smooth", "smooth"], dtype=object)
    volume = np.array([2.0, 8.0, 8.0, 1.0, np.nan, 8.0])
    target = np.array([0.95, 0.90, 0.95, 0.925, 0.98, 0.99])
    metric = np.full(6, METRIC_BETA)
    group = row_groups(cal, segment, volume)
    nominal, flagged, message = nominal_targets(cal, group, metric, target, np.zeros(6))
    # smooth band 1 at a grid target; smooth band 2; lumpy -> pooled band 2; no segment ->
    # pooled band 1, halfway in log-odds between 0.90 and 0.95; no volume -> pooled row
    x = (logit(0.925) - logit(0.90)) / (logit(0.95) - logit(0.90))
    expected = [0.955, 0.85, 0.96, expit((1 - x) * logit(0.94) + x * logit(0.975)), 0.99]
    np.testing.assert_allclose(nominal[:5], expected, rtol=1e-12)
    assert flagged.tolist() == [False] * 5 + [True]
    assert "outside the targets the calibration covers (0.9 to 0.98)" in message[5]
    assert np.isnan(nominal[5])


def test_lookup_flags_other_metric_and_skips_bad_rows():
    cal = read_calibration(_table())
    metric = np.array([METRIC_ALPHA, METRIC_BETA])
    status = np.array([OK, 3])  # the second row was already flagged
    group = row_groups(cal, None, np.array([1.0, 1.0]))
    nominal, flagged, message = nominal_targets(cal, group, metric, np.array([0.95, 0.95]), status)
    assert flagged.tolist() == [True, False]
    assert "for beta targets" in message[0]
    assert np.isnan(nominal).all()


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (lambda t: t.drop(columns="nominal_target"), "no column"),
        (lambda t: t[t["segment"] != "*"], "no pooled row"),
        (lambda t: t.drop(index=4), "one row per target"),
        (lambda t: t.assign(nominal_target=1.0), "in (0, 1)"),
        (lambda t: t.assign(metric="speed"), "not a known metric"),
        (lambda t: t.iloc[:0], "empty"),
        (lambda t: t.to_dict(), "DataFrame"),
    ],
)
def test_bad_tables_raise(change, text):
    with pytest.raises(invsl.InputError, match=text.replace("(", r"\(").replace(")", r"\)")):
        read_calibration(change(_table()))


def test_optimize_solves_for_the_nominal_target():
    df = pd.DataFrame(
        {
            "sku": ["a", "b", "c", "d"],
            "demand_mean": [2.0, 8.0, 8.0, -1.0],
            "demand_std": [2.0, 4.0, 4.0, 1.0],
            "lead_time": 2.0,
            "order_quantity": 10.0,
            "demand_class": ["smooth", "smooth", "lumpy", "smooth"],
        },
        index=[10, 11, 12, 13],
    )
    out = invsl.optimize(df, target=0.95, calibration=_table())
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["sku"].tolist() == ["a", "b", "c", "d"]
    np.testing.assert_allclose(out["nominal_target"].iloc[:3], [0.955, 0.9, 0.96], rtol=1e-12)
    assert np.isnan(out["nominal_target"].iloc[3])
    assert out["status"].astype(str).tolist() == ["ok", "ok", "ok", "negative"]
    for i, nominal in enumerate([0.955, 0.9, 0.96]):
        alone = invsl.optimize(df.iloc[[i]], target=nominal)
        assert out["reorder_point"].iloc[i] == pytest.approx(
            alone["reorder_point"].iloc[0], rel=1e-9
        )
        assert out["beta"].iloc[i] == pytest.approx(nominal, abs=1e-9)


def test_optimize_needs_the_segment_column():
    df = pd.DataFrame({"demand_mean": [2.0], "demand_std": [2.0], "lead_time": [1.0],
                       "order_quantity": [5.0]})  # fmt: skip
    with pytest.raises(invsl.InputError, match="demand_class"):
        invsl.optimize(df, calibration=_table())
    flagged = invsl.optimize(df.assign(demand_class="smooth"), target=0.99, calibration=_table())
    assert flagged["status"].astype(str).iloc[0] == "bad_target"
    assert "0.99" in flagged["message"].iloc[0]


def test_table_from_known_curves():
    # two segments of 40 SKUs; every SKU of a segment achieves the same fill a(g) at grid g
    grid = np.asarray(NOMINAL_GRID)
    k, n = len(grid), 80
    segment = np.repeat(["x", "y"], 40)
    a_x = np.clip(grid - 0.05, 0, 1)  # x falls 5 points short of every nominal target
    a_y = np.minimum(grid + 0.01, 1.0)
    fill = np.where(segment == "x", a_x[:, None], a_y[:, None])
    demand = np.full((k, n), 10.0)
    stock = np.tile(np.arange(k, dtype=float)[:, None], (1, n))
    table = calibration_table(
        segment,
        np.full(n, 1.0),
        demand,
        demand * fill,
        stock,
        np.ones((k, n), dtype=bool),
        by="group",
        metric="beta",
        targets=[0.9, 0.95],
        bands=1,
    )
    x = table[(table["segment"] == "x")].set_index("target")
    # x needs 0.95 for 0.90 (a grid point), and for 0.95 the point where a_x crosses 0.95:
    # between 0.9995 (0.9495) and 0.9999 (0.9499) it never does: not reached, top of grid
    assert x.loc[0.9, "nominal_target"] == pytest.approx(0.95, abs=1e-12)
    assert not x.loc[0.95, "reached"]
    assert x.loc[0.95, "nominal_target"] == pytest.approx(0.9999)
    y = table[(table["segment"] == "y")].set_index("target")
    # y reaches 0.90 between 0.85 (0.86) and 0.9 (0.91): log-odds interpolation by hand
    w = (0.90 - 0.86) / (0.91 - 0.86)
    assert y.loc[0.9, "nominal_target"] == pytest.approx(
        expit((1 - w) * logit(0.85) + w * logit(0.9)), rel=1e-12
    )
    assert y.loc[0.9, "achieved"] == pytest.approx(0.9, abs=1e-12)
    assert y.loc[0.9, "achieved_uncalibrated"] == pytest.approx(0.91, abs=1e-12)
    assert (table["skus"][table["segment"] != "*"] == 40).all()


def test_small_segments_take_the_pooled_curve():
    grid = np.asarray(NOMINAL_GRID)
    k, n = len(grid), 50
    segment = np.array(["big"] * 45 + ["small"] * 5)
    fill = np.where(segment == "big", grid[:, None] - 0.02, 0.3)
    demand = np.full((k, n), 4.0)
    stock = np.tile(grid[:, None], (1, n))
    table = calibration_table(
        segment, np.full(n, 2.0), demand, demand * fill, stock, np.ones((k, n), dtype=bool),
        by="group", metric="beta", targets=[0.9], bands=1, min_skus=30,
    )  # fmt: skip
    pooled = table[(table["segment"] == "*") & (table["volume_band"] == 1)]
    small = table[table["segment"] == "small"]
    assert bool(small["pooled"].iloc[0])
    assert small["nominal_target"].iloc[0] == pooled["nominal_target"].iloc[0]


def _history(n=60, periods=48, seed=3):
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.5, 4.0, n)
    demand = rng.poisson(mu[:, None] * rng.gamma(2.0, 0.5, (n, periods)))
    history = pd.DataFrame(
        {"sku": np.repeat(np.arange(n), periods), "period": np.tile(np.arange(periods), n),
         "demand": demand.ravel()}
    )  # fmt: skip
    skus = pd.DataFrame(
        {"sku": np.arange(n), "lead_time": 2, "order_quantity": np.maximum(1, np.round(2 * mu)),
         "policy": "RsQ", "review_period": 1, "group": "g"}
    )  # fmt: skip
    return history, skus


def test_in_sample_the_calibrated_plans_serve_the_target():
    # calibrated and replayed on the same 12 origins, with one fixed segment: the plans are
    # those of the calibration, so the achieved fill is the target up to the interpolation
    # between grid points; the plain normal plans miss it by far more
    history, skus = _history()
    table = invsl.calibrate(
        history, skus, targets=[0.9, 0.95], origins=12, by="group", bands=1,
        distribution="normal",
    )  # fmt: skip
    for target in (0.9, 0.95):
        plain = invsl.backtest(history, skus, target=target, start=-12, distribution="normal")
        tuned = invsl.backtest(
            history, skus, target=target, start=-12, distribution="normal", calibration=table
        )
        assert abs(tuned.summary["achieved_fill_rate"] - target) < 0.006
        assert abs(plain.summary["achieved_fill_rate"] - target) > 0.012
        assert (tuned.plans["nominal_target"].dropna() > target).all()


def test_calibration_does_not_look_past_end():
    history, skus = _history(n=30, periods=30)
    changed = history.copy()
    late = changed["period"] >= 24
    changed.loc[late, "demand"] = changed.loc[late, "demand"] * 5 + 7
    first = invsl.calibrate(history, skus, end=24, origins=6, bands=1, min_skus=5)
    second = invsl.calibrate(changed, skus, end=24, origins=6, bands=1, min_skus=5)
    pd.testing.assert_frame_equal(first, second)
    assert not invsl.calibrate(changed, skus, origins=6, bands=1, min_skus=5).equals(first)


def test_auto_calibration_is_the_table_of_the_periods_before_start():
    history, skus = _history(n=40, periods=40)
    # the recommended default: both families, calibrate()'s defaults, before start only
    families = ["normal", "negbin"]
    auto = invsl.backtest(history, skus, start=-12, distribution=families, calibration="auto")
    table = invsl.calibrate(
        history, skus, end=28, origins=6, targets=sorted({*invsl.tools.backtest.calibrate.TARGETS,
                                                          0.95}),
    )  # fmt: skip
    given = invsl.backtest(history, skus, start=-12, distribution="negbin", calibration=table)
    pd.testing.assert_frame_equal(auto.skus, given.skus)
    with pytest.raises(invsl.InputError, match="'auto'"):
        invsl.backtest(history, skus, calibration="yes")
    with pytest.raises(invsl.InputError, match="several families need calibration='auto'"):
        invsl.backtest(history, skus, distribution=families)
    with pytest.raises(invsl.InputError, match="several families need calibration='auto'"):
        invsl.backtest(history, skus, distribution=families, calibration=table)


def test_command_line(tmp_path):
    history, skus = _history(n=40, periods=36)
    history.to_csv(tmp_path / "h.csv", index=False)
    skus.to_csv(tmp_path / "s.csv", index=False)
    runner = CliRunner()
    made = runner.invoke(
        main, ["calibrate", str(tmp_path / "h.csv"), str(tmp_path / "s.csv"), "-o",
               str(tmp_path / "cal.csv"), "--end", "-12", "--targets", "0.9,0.95"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    table = pd.read_csv(tmp_path / "cal.csv")
    assert sorted(table["target"].unique()) == [0.9, 0.95]
    plan = skus.assign(demand_mean=np.linspace(0.5, 6, len(skus)), demand_std=2.0,
                       demand_class=np.where(np.arange(len(skus)) % 2, "smooth", "lumpy"))  # fmt: skip
    for suffix in ("csv", "parquet"):
        plan.to_csv(tmp_path / "plan.csv", index=False)
        if suffix == "parquet":
            plan.to_parquet(tmp_path / "plan.parquet", index=False)
        done = runner.invoke(
            main, ["optimize", str(tmp_path / f"plan.{suffix}"), "-o",
                   str(tmp_path / f"out.{suffix}"), "--calibration", str(tmp_path / "cal.csv"),
                   "--target", "0.925", "--chunk-rows", "7"],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        read = pd.read_csv if suffix == "csv" else pd.read_parquet
        out = read(tmp_path / f"out.{suffix}")
        expected = invsl.optimize(plan, target=0.925, calibration=table)
        np.testing.assert_allclose(out["nominal_target"], expected["nominal_target"], rtol=1e-12)
        np.testing.assert_allclose(out["reorder_point"], expected["reorder_point"], rtol=1e-12)
        assert list(out.columns)[-4:] == ["nominal_target", "lead_time_distribution",
                                          "status", "message"]  # fmt: skip
    missing = runner.invoke(
        main, ["optimize", str(tmp_path / "plan.csv"), "-o", str(tmp_path / "x.csv"),
               "--calibration", str(tmp_path / "h.csv")],
    )  # fmt: skip
    assert missing.exit_code == 2 and "calibration has no column" in missing.output
    back = runner.invoke(
        main, ["backtest", str(tmp_path / "h.csv"), str(tmp_path / "s.csv"), "-o",
               str(tmp_path / "b.csv"), "--calibration", str(tmp_path / "cal.csv"),
               "--start", "-12", "--target", "0.9"],
    )  # fmt: skip
    assert back.exit_code in (0, 1), back.output
    given = invsl.backtest(history, skus, target=0.9, start=-12, calibration=table)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "b.csv")["fill_rate"],
                               given.skus["fill_rate"], rtol=1e-12)  # fmt: skip
    back = runner.invoke(
        main, ["backtest", str(tmp_path / "h.csv"), str(tmp_path / "s.csv"), "-o",
               str(tmp_path / "b.csv"), "--calibration", "auto", "--start", "-12"],
    )  # fmt: skip
    assert back.exit_code in (0, 1), back.output
    assert "fill rate achieved" in back.output
    # the recommended default: two families, with auto only
    both = ["--distribution", "normal,negbin", "--start", "-12", "--target", "0.9"]
    files = [str(tmp_path / "h.csv"), str(tmp_path / "s.csv"), "-o", str(tmp_path / "d.csv")]
    back = runner.invoke(main, ["backtest", *files, *both, "--calibration", "auto"])
    assert back.exit_code in (0, 1), back.output
    given = invsl.backtest(history, skus, target=0.9, start=-12, calibration="auto",
                           distribution=["normal", "negbin"])  # fmt: skip
    np.testing.assert_allclose(pd.read_csv(tmp_path / "d.csv")["fill_rate"],
                               given.skus["fill_rate"], rtol=1e-12)  # fmt: skip
    back = runner.invoke(main, ["backtest", *files, *both])
    assert back.exit_code == 2 and "several families need calibration='auto'" in back.output


def test_efficient_allocation_by_hand():
    # group A buys 50 units of fill with its first 10 units of stock, then 10 with the next
    # 10; group B buys 20 and 20 (a straight line, one hull segment of slope 2)
    grid = np.array([0.5, 0.9, 0.99])
    stock = np.array([[0.0, 10.0, 20.0], [0.0, 10.0, 20.0]])
    filled = np.array([[0.0, 50.0, 60.0], [0.0, 20.0, 40.0]])
    nominal, reached = efficient_nominal(stock, filled, 200.0, grid, np.array([0.35, 0.5, 0.6]))
    # 0.35 of 200 = 70: A's first segment (50, the best per unit of stock), then half of B's
    assert nominal[0, 0] == pytest.approx(0.9, rel=1e-12)
    assert nominal[1, 0] == pytest.approx(expit(0.5 * logit(0.5) + 0.5 * logit(0.99)), rel=1e-12)
    # 0.5 = 100: all of B (slope 2) before the rest of A (slope 1), which is then used up
    assert nominal[:, 1] == pytest.approx([0.99, 0.99], rel=1e-12)
    assert reached.tolist() == [True, True, False]
    assert nominal[:, 2] == pytest.approx([0.99, 0.99], rel=1e-12)


def test_efficient_calibration_holds_no_more_stock_in_sample():
    # on the calibration's own backtest the efficient table reaches the total target with no
    # more stock than the equal one (both read off the same curves)
    history, skus = _history(n=90, periods=40, seed=5)
    skus["group"] = np.where(
        np.arange(90) % 3 == 0, "a", np.where(np.arange(90) % 3 == 1, "b", "c")
    )
    common = dict(targets=[0.9, 0.95], origins=12, by="group", bands=1, min_skus=20,
                  distribution="negbin")  # fmt: skip
    equal = invsl.calibrate(history, skus, allocate="equal", **common)
    efficient = invsl.calibrate(history, skus, allocate="efficient", **common)
    for target in (0.9, 0.95):
        rows = [(t["target"] == target) & (t["segment"] != "*") for t in (equal, efficient)]
        held = [t.loc[r, "stock"].sum() for t, r in zip((equal, efficient), rows)]
        filled = [
            (t.loc[r, "achieved"] * t.loc[r, "demand"]).sum()
            for t, r in zip((equal, efficient), rows)
        ]
        assert held[1] <= held[0] * (1 + 1e-9)
        assert filled[1] == pytest.approx(filled[0], rel=1e-6)
    with pytest.raises(invsl.InputError, match="allocate"):
        invsl.calibrate(history, skus, allocate="fair")


def test_the_calibrated_family_plans_the_rows():
    # a table made with negbin plans: rows given as normal are planned negbin, and a row
    # whose variance does not exceed its mean Poisson (the negbin's limit)
    table = _table().assign(distribution="negbin")
    df = pd.DataFrame({"demand_mean": [2.0, 2.0], "demand_std": [3.0, 1.0], "lead_time": 2.0,
                       "order_quantity": 5.0, "demand_class": "smooth",
                       "distribution": ["normal", "normal"]})  # fmt: skip
    out = invsl.optimize(df, target=0.95, calibration=table)
    assert out["lead_time_distribution"].astype(str).tolist() == ["negbin", "poisson"]
    for i, family in enumerate(["negbin", "poisson"]):
        alone = invsl.optimize(df.iloc[[i]].assign(distribution=family), target=0.955)
        assert out["reorder_point"].iloc[i] == alone["reorder_point"].iloc[0]
    # a history-based row keeps its family (and a table of empirical plans changes no row)
    codes = np.array([0, 6, 3], dtype=np.int8)  # normal, empirical, negbin
    cal = read_calibration(table)
    group = row_groups(cal, np.array(["smooth"] * 3, dtype=object), np.full(3, 2.0))
    at = np.full(3, 0.95)
    assert families(cal, group, codes, np.full(3, 4.0), np.full(3, 9.0), at).tolist() == [3, 6, 3]
    empirical = read_calibration(_table().assign(distribution="empirical"))
    assert families(empirical, group, codes, np.full(3, 4.0), np.full(3, 9.0), at).tolist() == [
        0,
        6,
        3,
    ]
    # an unknown family in a row stays flagged; the table's families are checked
    bad = invsl.optimize(df.assign(distribution=["normal", "weibull"]), calibration=table)
    assert bad["status"].astype(str).tolist() == ["ok", "unknown_distribution"]
    with pytest.raises(invsl.InputError, match="not a known distribution"):
        read_calibration(_table().assign(distribution="weibull"))


def test_families_that_differ_by_target():
    # an efficient table may plan a segment with one family at one target and another at the
    # next: a target between them takes the upper target's family and nominal target (no
    # interpolation between two families' plans); between two targets of one family the
    # nominal target is interpolated in log-odds as usual
    table = _table().assign(distribution="negbin")
    smooth = (table["segment"] == "smooth") & (table["volume_band"] == 1)
    table.loc[smooth & (table["target"] == 0.90), "distribution"] = "normal"
    df = pd.DataFrame({"demand_mean": 2.0, "demand_std": 3.0, "lead_time": 2.0,
                       "order_quantity": 5.0, "demand_class": "smooth",
                       "target": [0.90, 0.92, 0.96]})  # fmt: skip
    out = invsl.optimize(df, calibration=table)
    assert out["lead_time_distribution"].astype(str).tolist() == ["normal", "negbin", "negbin"]
    w = (logit(0.96) - logit(0.95)) / (logit(0.98) - logit(0.95))
    expected = [0.91, 0.955, expit((1 - w) * logit(0.955) + w * logit(0.982))]
    np.testing.assert_allclose(out["nominal_target"], expected, rtol=1e-12)


def test_choose_families_by_hand():
    # family a reaches both targets in segment x with more stock than b; in y only a
    # reaches the second target
    def table(reached, stock):
        return pd.DataFrame({"segment": ["x", "x", "y", "y"], "volume_band": 1,
                             "target": [0.9, 0.95] * 2, "reached": reached, "stock": stock,
                             "nominal_target": [0.1, 0.2, 0.3, 0.4]})  # fmt: skip

    a = table([True, True, True, True], [5.0, 6.0, 5.0, 6.0]).assign(distribution="a")
    b = table([True, True, True, False], [1.0, 2.0, 1.0, 2.0]).assign(distribution="b")
    chosen = choose_families([a, b])
    assert chosen["distribution"].tolist() == ["b", "b", "a", "a"]
    assert chosen["stock"].tolist() == [1.0, 2.0, 5.0, 6.0]


def test_calibrate_with_two_families_picks_per_segment():
    history, skus = _history(n=60, periods=36, seed=9)
    both = invsl.calibrate(history, skus, distribution=["normal", "negbin"], bands=2,
                           min_skus=10, targets=[0.9, 0.95], allocate="equal")  # fmt: skip
    alone = {
        name: invsl.calibrate(
            history,
            skus,
            distribution=name,
            bands=2,
            min_skus=10,
            targets=[0.9, 0.95],
            allocate="equal",
        )  # fmt: skip
        for name in ("normal", "negbin")
    }
    read_calibration(both)  # one family per segment and band
    for i, row in both.iterrows():
        same = alone[row["distribution"]].loc[i]
        assert row["nominal_target"] == same["nominal_target"] and row["stock"] == same["stock"]
    keys = ["segment", "volume_band"]
    score = {name: table.groupby(keys)[["reached", "stock"]].sum() for name, table in alone.items()}
    for key, chosen in both.groupby(keys)["distribution"].first().items():
        other = "negbin" if chosen == "normal" else "normal"
        mine, theirs = score[chosen].loc[key], score[other].loc[key]
        assert (mine["reached"], -mine["stock"]) >= (theirs["reached"], -theirs["stock"])


def test_efficient_two_families_in_sample():
    # two families, efficient allocation: replayed on the calibration's own origins the plans
    # serve at least the total target (up to the interpolation between grid points; a step
    # between two families' plans is taken whole, so more is possible)
    history, skus = _history(n=80, periods=40, seed=11)
    skus["group"] = np.where(np.arange(80) % 2 == 0, "a", "b")
    common = dict(targets=[0.9, 0.95], origins=12, by="group", bands=1, min_skus=10,
                  distribution=["normal", "negbin"])  # fmt: skip
    efficient = invsl.calibrate(history, skus, **common)
    read_calibration(efficient)
    assert set(efficient["distribution"]) <= {"normal", "negbin"}
    for target in (0.9, 0.95):
        tuned = invsl.backtest(history, skus, target=target, start=-12, calibration=efficient)
        assert tuned.summary["achieved_fill_rate"] > target - 0.006


def test_efficient_choice_by_hand():
    # group A: family 1 buys 40 units of fill with 5 of stock, family 0 reaches 50 with 10 and
    # 60 with 20, family 1 80 with 30; the upper hull is (0, 0) -> (5, 40) f1 -> (10, 50) f0
    # -> (30, 80) f1 (the point (20, 60) lies below it). Group B: family 0 a straight line
    # (0, 0) -> (20, 40), family 1 below it.
    grid = np.array([0.5, 0.9, 0.99])
    stock = np.array(
        [[[0.0, 10.0, 20.0], [0.0, 10.0, 20.0]], [[0.0, 5.0, 30.0], [0.0, 10.0, 20.0]]]
    )
    filled = np.array(
        [[[0.0, 50.0, 60.0], [0.0, 20.0, 40.0]], [[0.0, 40.0, 80.0], [0.0, 10.0, 20.0]]]
    )
    nominal, family, reached = efficient_choice(
        stock, filled, 200.0, grid, np.array([0.35, 0.5, 0.9])
    )
    # 0.35 of 200 = 70: A's steps of slope 8 and 2, each between two families and so taken
    # whole (50), then 20 of B's 40 (slope 2, one family: half way in log-odds)
    assert family[:, 0].tolist() == [0, 0]
    assert nominal[0, 0] == pytest.approx(0.9, rel=1e-12)
    assert nominal[1, 0] == pytest.approx(expit(0.5 * logit(0.5) + 0.5 * logit(0.99)), rel=1e-12)
    # 0.5 = 100: then A's last step (slope 1.5, to family 1) whole
    assert family[:, 1].tolist() == [1, 0]
    assert nominal[:, 1] == pytest.approx([0.99, 0.99], rel=1e-12)
    # 0.9 = 180 is more than all 120 units the hulls can buy
    assert reached.tolist() == [True, True, False]
    assert family[:, 2].tolist() == [1, 0] and nominal[:, 2] == pytest.approx([0.99, 0.99])
