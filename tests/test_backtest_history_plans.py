"""invsl.backtest with the history-based families (empirical, compound_poisson):

- an empirical plan at an origin is what ``optimize(history=...)`` gives on the history
  strictly before that origin (an independent call per origin), with missing="skip";
- no lookahead: changing the demand from origin k on changes no plan of an origin <= k;
- on i.i.d. demand the empirical pmf is the truth for long histories, so the plans achieve
  their predicted fill rate within sampling error (batch-means standard error);
- compound_poisson plans take the demand model's moments, as optimize does;
- an empirical row with a forecast model is flagged unsupported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import invsl


def _history(periods=60, seed=0, ids=("A", "B", "C")):
    rng = np.random.default_rng(seed)
    tables = []
    for k, sku in enumerate(ids):
        sizes = rng.geometric(0.4, periods)
        demand = np.where(rng.random(periods) < 0.3 + 0.2 * k, sizes, 0)
        tables.append(pd.DataFrame({"sku": sku, "period": np.arange(periods), "demand": demand}))
    return pd.concat(tables, ignore_index=True)


def _skus(ids=("A", "B", "C"), policy="RsQ", distribution="empirical"):
    return pd.DataFrame(
        {"sku": list(ids), "lead_time": [1, 2, 3][: len(ids)], "order_quantity": 4,
         "policy": policy, "review_period": 1, "distribution": distribution}
    )  # fmt: skip


def test_a_plan_is_optimize_with_the_history_before_its_origin():
    history = _history()
    history = history.sample(frac=0.9, random_state=1).sort_index()  # gaps: not observed
    options = {"missing": "skip"}
    for policy in ("RsQ", "sQ"):
        skus = _skus(policy=policy)
        if policy == "sQ":
            skus = skus.drop(columns="review_period")
        result = invsl.backtest(history, skus, start=40, replan_every=5, history_options=options)
        assert (result.skus["status"] == "ok").all(), result.skus["message"].tolist()
        for origin in (40, 45, 55):
            past = history[history["period"] < origin]
            solved = invsl.optimize(
                skus, metric="beta", target=0.95, history=past, history_options=options
            )
            plan = result.plans[result.plans["origin"] == origin]
            np.testing.assert_array_equal(plan["reorder_point"], solved["reorder_point"])
            np.testing.assert_array_equal(plan["predicted_fill_rate"], solved["beta"])


def test_window_restricts_the_history_of_empirical_plans():
    history = _history()
    skus = _skus()
    result = invsl.backtest(history, skus, start=50, demand_model="window", window=12)
    for origin in (50, 57):
        past = history[(history["period"] < origin) & (history["period"] >= origin - 12)]
        solved = invsl.optimize(skus, metric="beta", target=0.95, history=past)
        plan = result.plans[result.plans["origin"] == origin]
        np.testing.assert_array_equal(plan["reorder_point"], solved["reorder_point"])


def test_plans_use_only_the_history_before_their_origin():
    history = _history(seed=2)
    skus = _skus()
    options = {"missing": "skip"}
    base = invsl.backtest(history, skus, start=30, history_options=options)
    for k in (35, 50):
        changed = history.copy()
        late = changed["period"] >= k
        changed.loc[late, "demand"] = changed.loc[late, "demand"] * 5 + 2
        gone = late & (changed["period"] % 3 == 0) & (changed["sku"] == "B")
        changed = changed[~gone]  # (periods that B no longer has: not observed)
        other = invsl.backtest(changed, skus, start=30, history_options=options)
        early = base.plans["origin"] <= k
        pd.testing.assert_frame_equal(base.plans[early], other.plans[early])
        late_plans = base.plans.loc[~early, "reorder_point"]
        assert not late_plans.equals(other.plans.loc[~early, "reorder_point"])


def test_stationary_demand_achieves_the_predicted_fill_rate():
    """i.i.d. intermittent demand, a long history: the empirical pmf is the truth here, so
    the plans achieve what they predict within the batch-means error, per SKU."""
    rng = np.random.default_rng(12)
    periods = 3000
    tables = []
    for sku, p in (("A", 0.3), ("B", 0.7)):
        demand = np.where(rng.random(periods) < p, rng.geometric(0.35, periods), 0)
        tables.append(pd.DataFrame({"sku": sku, "period": np.arange(periods), "demand": demand}))
    history = pd.concat(tables, ignore_index=True)
    skus = _skus(("A", "B"))
    result = invsl.backtest(history, skus, start=1000, replan_every=250, target=0.9)
    for _, row in result.skus.iterrows():
        assert row["status"] == "ok"
        z = (row["fill_rate"] - row["predicted_fill_rate"]) / row["fill_rate_se"]
        assert abs(z) <= 4, (row["fill_rate"], row["predicted_fill_rate"], row["fill_rate_se"])


def test_compound_poisson_plans_take_the_demand_models_moments():
    history = _history(seed=4)
    skus = _skus(distribution="compound_poisson")
    result = invsl.backtest(history, skus, start=45)
    origin = 50
    past = history[history["period"] < origin]
    moments = past.groupby("sku")["demand"].agg(["mean", "std"])
    table = skus.assign(
        demand_mean=moments.loc[skus["sku"], "mean"].to_numpy(),
        demand_std=moments.loc[skus["sku"], "std"].to_numpy(),
    )
    solved = invsl.optimize(table, metric="beta", target=0.95)
    plan = result.plans[result.plans["origin"] == origin]
    np.testing.assert_array_equal(plan["status"], solved["status"].astype(str))
    np.testing.assert_array_equal(plan["reorder_point"], solved["reorder_point"])


def test_empirical_rows_with_a_forecast_model_are_unsupported():
    history = _history()
    skus = pd.concat([_skus(("A",)), _skus(("B",), distribution="poisson")], ignore_index=True)
    result = invsl.backtest(history, skus, start=40, demand_model="croston_sba")
    assert result.skus["status"].astype(str).tolist() == ["unsupported", "ok"]
    assert (result.plans.loc[result.plans["sku"] == "A", "status"] == "unsupported").all()
