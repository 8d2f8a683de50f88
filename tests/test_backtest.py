"""invsl.backtest: the rolling-origin backtest put together (history, plans, replay).

The replay itself is checked against a slow twin and the analytical service levels in
tests/test_backtest_replay.py, the demand models against their twins in
tests/test_backtest_models.py. Here: the pieces are wired as documented.

- no lookahead: the plan of an origin depends only on the history before it;
- a plan is what invsl.optimize gives for the model's forecast (an independent call);
- with stationary demand and enough history the achieved fill rate is the predicted one
  within sampling error (the model is right there, so the backtest must agree);
- rows in = rows out, same order and index, ids untouched; a sku without history, an
  empirical row with a forecast model (unsupported), a bad argument;
- the unique_id/ds/y layout reads like sku/period/demand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import invsl

CARPARTS = Path(__file__).resolve().parents[1] / "datasets" / "carparts_monthly.csv"


def _history(n_skus=3, periods=48, seed=0, lam=(2.0, 5.0, 0.5)):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_skus):
        demand = rng.poisson(lam[i % len(lam)], periods)
        rows.append(pd.DataFrame({"sku": f"P{i}", "period": np.arange(periods), "demand": demand}))
    return pd.concat(rows, ignore_index=True)


def _skus(n_skus=3, policy="RsQ", lead_time=2, q=6):
    return pd.DataFrame(
        {
            "sku": [f"P{i}" for i in range(n_skus)],
            "lead_time": lead_time,
            "order_quantity": q,
            "policy": policy,
            "review_period": 1,
            "distribution": "poisson",
        },
        index=[10 + 3 * i for i in range(n_skus)],
    )


def test_rows_in_equal_rows_out_ids_untouched():
    skus = _skus()
    before = skus.copy()
    result = invsl.backtest(_history(), skus, start=36)
    pd.testing.assert_frame_equal(skus, before)
    assert list(result.skus.index) == list(skus.index)
    assert result.skus["sku"].tolist() == skus["sku"].tolist()
    assert (result.skus["status"] == "ok").all(), result.skus["message"].tolist()
    assert result.summary["origins"] == 12 and result.summary["first_origin"] == 36
    assert len(result.plans) == 3 * 12


def test_plans_use_only_the_history_before_their_origin():
    history = _history()
    skus = _skus()
    base = invsl.backtest(history, skus, start=30, demand_model="ses")
    changed = history.copy()
    late = changed["period"] >= 40
    changed.loc[late, "demand"] = changed.loc[late, "demand"] * 7 + 3
    other = invsl.backtest(changed, skus, start=30, demand_model="ses")
    before = base.plans["origin"] <= 40
    pd.testing.assert_frame_equal(base.plans[before], other.plans[before])
    assert not base.plans[~before]["reorder_point"].equals(other.plans[~before]["reorder_point"])


def test_a_plan_is_optimize_on_the_sample_moments_before_its_origin():
    history = _history()
    skus = _skus()
    result = invsl.backtest(history, skus, start=40)
    for origin in (40, 45):
        past = history[history["period"] < origin]
        moments = past.groupby("sku")["demand"].agg(["mean", "std"])  # independent of invsl
        table = skus.assign(
            demand_mean=moments.loc[skus["sku"], "mean"].to_numpy(),
            demand_std=moments.loc[skus["sku"], "std"].to_numpy(),
        )
        solved = invsl.optimize(table, metric="beta", target=0.95)
        plan = result.plans[result.plans["origin"] == origin]
        np.testing.assert_allclose(plan["reorder_point"], solved["reorder_point"], rtol=0, atol=0)
        np.testing.assert_allclose(plan["demand_mean"], table["demand_mean"], rtol=1e-12)


def test_stationary_demand_achieves_the_predicted_fill_rate():
    """Poisson demand, RsQ, a long history: the sample model is the truth here, so what the
    plans achieve on later demand is what they predict, within the batch-means error."""
    rng = np.random.default_rng(5)
    periods, lam = 3000, 3.0
    history = pd.DataFrame(
        {"sku": "A", "period": np.arange(periods), "demand": rng.poisson(lam, periods)}
    )
    skus = pd.DataFrame(
        {"sku": ["A"], "lead_time": [2], "order_quantity": [5], "policy": ["RsQ"],
         "review_period": [1], "distribution": ["poisson"]}
    )  # fmt: skip
    result = invsl.backtest(history, skus, start=1000, replan_every=250, target=0.9)
    row = result.skus.iloc[0]
    assert row["status"] == "ok"
    z = (row["fill_rate"] - row["predicted_fill_rate"]) / row["fill_rate_se"]
    assert abs(z) <= 4, (row["fill_rate"], row["predicted_fill_rate"], row["fill_rate_se"])


def test_flagged_rows_say_why_and_do_not_stop_the_others():
    skus = pd.concat(
        [
            _skus(2),
            pd.DataFrame(
                {"sku": ["nobody", "P1"], "lead_time": [1, 1], "order_quantity": [3, 3],
                 "policy": ["RsQ", "RsQ"], "review_period": [1, 1],
                 "distribution": ["poisson", "empirical"]},
                index=[99, 100],
            ),
        ]
    )  # fmt: skip
    result = invsl.backtest(_history(), skus, start=36)
    status = result.skus["status"].astype(str).tolist()
    assert status[:2] == ["ok", "ok"]
    assert status[2] == "no_history" and "history" in result.skus["message"].iloc[2]
    assert status[3] == "ok"  # an empirical row: its plans come from the history itself
    assert result.summary["skus"] == 3 and result.summary["skus_flagged"] == 1
    ses = invsl.backtest(_history(), skus, start=36, demand_model="ses")
    assert ses.skus["status"].astype(str).tolist()[3] == "unsupported"
    assert "demand_model sample or window" in ses.skus["message"].iloc[3]


@pytest.mark.parametrize(
    "options, shown",
    [
        ({"target": 95}, "target = 95"),
        ({"demand_model": "arima"}, "demand_model = 'arima'"),
        ({"metric": "fillrate"}, "metric = 'fillrate'"),
        ({"start": 0}, "start"),
        ({"start": "1999-13"}, "start = '1999-13'"),
    ],
)
def test_bad_arguments_raise(options, shown):
    with pytest.raises(invsl.InputError, match=shown.replace("(", r"\(")):
        invsl.backtest(_history(), _skus(), **options)


def test_statsforecast_layout_reads_like_the_long_table():
    history = _history()
    other = history.rename(columns={"sku": "unique_id", "period": "ds", "demand": "y"})
    skus = _skus()
    a = invsl.backtest(history, skus, start=36)
    b = invsl.backtest(other, skus.rename(columns={"sku": "unique_id"}), start=36)
    np.testing.assert_array_equal(a.skus["fill_rate"], b.skus["fill_rate"])
    np.testing.assert_array_equal(a.plans["reorder_point"], b.plans["reorder_point"])


def test_record_gives_the_periods_as_a_dataset():
    result = invsl.backtest(_history(), _skus(), start=36, record=True)
    ds = result.periods
    assert set(ds.data_vars) >= {"on_hand", "backorders", "filled", "ordered"}
    assert ds.sizes["sku"] == 3
    measured = ds["filled"].sel(period=slice(36, None)).sum("period").to_numpy()
    np.testing.assert_allclose(measured, result.skus["filled"].to_numpy())


@pytest.mark.skipif(not CARPARTS.is_file(), reason="datasets/ is not in the sdist")
def test_car_parts_backtest_runs_for_every_part():
    history = pd.read_csv(CARPARTS)
    parts = history["part"].unique()
    mean = history.groupby("part")["demand"].mean().reindex(parts).fillna(0).to_numpy()
    skus = pd.DataFrame(
        {"part": parts, "lead_time": 3, "policy": "RsQ", "review_period": 1,
         "order_quantity": np.maximum(1, np.round(3 * mean)), "distribution": "negbin"}
    )  # fmt: skip
    options = {"sku": "part", "period": "month", "demand": "demand", "missing": "skip"}
    result = invsl.backtest(history, skus, start=-18, history_options=options)
    assert len(result.skus) == len(parts)
    s = result.summary
    assert s["skus"] + s["skus_flagged"] == len(parts) and s["skus"] > 2000
    assert 0.5 < s["achieved_fill_rate"] < 1.0 and s["origins"] == 18


def test_command_line_writes_the_sku_table_and_says_what_was_achieved(tmp_path):
    from click.testing import CliRunner

    from invsl.tools.cli import main

    history = _history()
    history["period"] = [f"20{20 + p // 12}-{p % 12 + 1:02d}" for p in history["period"]]
    history.to_csv(tmp_path / "history.csv", index=False)
    skus = pd.concat([_skus(), pd.DataFrame({"sku": ["nobody"], "lead_time": [1]})])
    skus.to_csv(tmp_path / "skus.csv", index=False)
    out = tmp_path / "backtest.csv"
    run = CliRunner().invoke(
        main,
        ["backtest", str(tmp_path / "history.csv"), str(tmp_path / "skus.csv"), "-o", str(out),
         "--start", "2023-01", "--distribution", "poisson", "--demand-model", "ses"],
    )  # fmt: skip
    assert run.exit_code == 1, run.output  # one row flagged
    table = pd.read_csv(out)
    assert table["sku"].tolist() == ["P0", "P1", "P2", "nobody"]
    assert table["status"].tolist() == ["ok", "ok", "ok", "no_history"]
    assert "backtested over 12 periods from 2023-01" in run.output
    bad = CliRunner().invoke(
        main,
        ["backtest", str(tmp_path / "history.csv"), str(tmp_path / "skus.csv"), "-o",
         str(tmp_path / "x.csv"), "--target", "95"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "target = 95" in bad.output
    assert not (tmp_path / "x.csv").exists()


def test_command_line_progress_bar_and_forecasts_leave_the_output_unchanged(tmp_path):
    from click.testing import CliRunner

    from invsl.tools.cli import main

    _history().to_csv(tmp_path / "history.csv", index=False)
    _skus().to_csv(tmp_path / "skus.csv", index=False)
    forecasts = pd.DataFrame(
        {"unique_id": np.repeat(["P0", "P1", "P2"], 52), "ds": np.tile(np.arange(52), 3),
         "cutoff": -1, "Croston": np.repeat([2.0, 5.0, 0.5], 52)}
    )  # fmt: skip
    forecasts.to_csv(tmp_path / "forecasts.csv", index=False)
    args = [str(tmp_path / "history.csv"), str(tmp_path / "skus.csv"), "--start", "36",
            "--demand-model", "forecast", "--forecasts", str(tmp_path / "forecasts.csv")]  # fmt: skip
    outputs = {}
    for name, extra in [("bar", ["--progress"]), ("plain", []), ("quiet", ["--progress", "-q"])]:
        out = tmp_path / f"{name}.csv"
        run = CliRunner().invoke(main, ["backtest", *args, "-o", str(out), *extra])
        assert run.exit_code == 0, run.output
        outputs[name] = (out.read_bytes(), run.output)
    assert outputs["bar"][0] == outputs["plain"][0] == outputs["quiet"][0]
    assert "backtest: replay" in outputs["bar"][1] and "4/4" in outputs["bar"][1]
    assert "backtest:" not in outputs["plain"][1]  # not a terminal: no bar
    assert outputs["quiet"][1] == ""
    table = pd.read_csv(tmp_path / "plain.csv")
    assert (table["status"] == "ok").all()
    expected = invsl.backtest(
        _history(), _skus(), start=36, demand_model="forecast", forecasts=forecasts
    )
    np.testing.assert_allclose(table["fill_rate"], expected.skus["fill_rate"], rtol=1e-12)


def test_plot_draws_predicted_against_achieved(tmp_path):
    pytest.importorskip("matplotlib")
    result = invsl.backtest(_history(), _skus(), start=36)
    figure = result.plot(tmp_path / "backtest.png")
    assert (tmp_path / "backtest.png").stat().st_size > 0
    left, right = figure.axes
    assert left.get_xlabel() == "predicted fill rate" and right.get_ylabel() == "achieved fill rate"
    # one diamond per demand class at its demand-weighted achieved fill rate
    data = result.skus[result.skus["status"] == "ok"]
    drawn = {c.get_label(): c.get_offsets()[0] for c in left.collections if c.get_label()[0] != "_"}
    for name, part in data.groupby("demand_class"):
        if part["demand"].sum() > 0:
            assert drawn[name][1] == pytest.approx(part["filled"].sum() / part["demand"].sum())
    assert drawn
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_row_policies_are_checked_as_optimize_checks_them():
    """An unknown policy is unknown_policy, a review period without a policy missing, with
    the words evaluate/optimize use for the same cells."""
    skus = _skus(3).astype({"policy": object})
    skus.loc[skus.index[0], "policy"] = "weekly"
    skus.loc[skus.index[1], "policy"] = None
    result = invsl.backtest(_history(), skus, start=36)
    assert result.skus["status"].astype(str).tolist() == ["unknown_policy", "missing", "ok"]
    same = invsl.optimize(skus.assign(demand_mean=2.0, demand_std=1.5))
    assert result.skus["message"].iloc[0] == same["message"].iloc[0]
    assert result.skus["message"].iloc[1] == same["message"].iloc[1]
