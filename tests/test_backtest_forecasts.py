"""invsl.backtest with the user's own forecasts (demand_model="forecast", forecasts=):

- a known answer by hand: forecasts equal to the demand give zero errors, so once 12 past
  errors exist the spread is 0, and before that the sample spread (few_errors);
- a period without a forecast gives that origin no plan (no_forecast) and the SKU a message;
- vintages: no lookahead (changing the forecasts of a later vintage changes no plan of an
  earlier origin), statsforecast's cutoff is the vintage shifted by one period;
- means and spreads against a slow plain-Python computation, written from the docstring
  (each forecast looked up as it was available, errors summed window by window);
- column names, period labels and bad tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import invsl
from invsl import InputError


def _history(demand, sku="A"):
    return pd.DataFrame({"sku": sku, "period": np.arange(len(demand)), "demand": demand})


def _skus(ids=("A",), lead_time=1, review_period=1):
    return pd.DataFrame(
        {"sku": list(ids), "lead_time": lead_time, "order_quantity": 5, "policy": "RsQ",
         "review_period": review_period}
    )  # fmt: skip


def test_perfect_forecasts_known_answer_by_hand():
    d = np.array([3, 5, 4, 6, 2, 5, 7, 3, 4, 6, 5, 4, 3, 6, 5, 4, 7, 2, 5, 4], dtype=float)
    truth = np.concatenate([d, [4.0, 5.0]])  # periods 20 and 21 follow the history
    forecasts = pd.DataFrame({"sku": "A", "period": np.arange(22), "forecast": truth})
    result = invsl.backtest(
        _history(d), _skus(), start=8, demand_model="forecast", forecasts=forecasts
    )
    plans = result.plans.set_index("origin")
    for o in range(8, 20):
        # h = L + R = 2: the mean per period is (F[o] + F[o + 1]) / 2
        assert plans.loc[o, "demand_mean"] == (truth[o] + truth[o + 1]) / 2
        # errors of the forecasts made at t = 0 .. o - 2: o - 1 of them, all zero
        if o - 1 >= 12:
            assert plans.loc[o, "demand_std"] == 0.0
        else:  # too few errors: the sample standard deviation of the periods before o
            assert plans.loc[o, "demand_std"] == pytest.approx(np.std(d[:o], ddof=1), rel=1e-12)
    assert (result.skus["status"] == "ok").all()


def test_a_period_without_forecast_leaves_its_origins_without_plan():
    d = np.tile([3.0, 5.0, 4.0, 6.0], 6)
    forecasts = pd.DataFrame({"sku": "A", "period": np.arange(26), "forecast": 4.5})
    forecasts = forecasts[forecasts["period"] != 18]
    result = invsl.backtest(
        _history(d), _skus(), start=12, demand_model="forecast", forecasts=forecasts
    )
    plans = result.plans.set_index("origin")
    # origins 17 and 18 need period 18 (h = 2)
    assert plans.loc[[17, 18], "status"].tolist() == ["no_forecast", "no_forecast"]
    assert (plans.drop([17, 18])["status"] == "ok").all()
    row = result.skus.iloc[0]
    assert row["status"] == "ok"
    assert "2 of 12 origins gave no plan" in row["message"] and "no_forecast" in row["message"]
    # a SKU with no forecast at all: flagged, with the reason
    two = invsl.backtest(
        pd.concat([_history(d), _history(d, "B")]), _skus(("A", "B")), start=12,
        demand_model="forecast", forecasts=forecasts,
    )  # fmt: skip
    assert two.skus["status"].astype(str).tolist() == ["ok", "no_forecast"]
    assert "no origin gave a plan" in two.skus["message"].iloc[1]


# ---------------------------------------------------------------------------------------------
# vintages


def _vintaged(rng, ids, periods, horizon_ahead=4, first_vintage=2):
    """One set of forecasts per vintage v (periods v .. v + horizon_ahead - 1), some missing."""
    rows = []
    for sku in ids:
        for v in range(first_vintage, periods + 1):
            for p in range(v, v + horizon_ahead):
                rows.append((sku, v, p, float(rng.uniform(1.0, 6.0))))
    table = pd.DataFrame(rows, columns=["sku", "vintage", "period", "forecast"])
    drop = rng.random(len(table)) < 0.03
    return table[~drop].reset_index(drop=True)


def test_later_vintages_change_no_earlier_plan():
    rng = np.random.default_rng(3)
    periods = 40
    history = pd.concat(
        [_history(rng.poisson(lam, periods).astype(float), sku) for sku, lam in
         (("A", 3.0), ("B", 1.0), ("C", 6.0))]
    )  # fmt: skip
    skus = _skus(("A", "B", "C"), lead_time=2)
    forecasts = _vintaged(rng, ["A", "B", "C"], periods)
    base = invsl.backtest(history, skus, start=20, demand_model="forecast", forecasts=forecasts)
    for k in (22, 30):
        changed = forecasts.copy()
        later = changed["vintage"] > k
        changed.loc[later, "forecast"] = changed.loc[later, "forecast"] * 3 + 7
        other = invsl.backtest(history, skus, start=20, demand_model="forecast", forecasts=changed)
        early = base.plans["origin"] <= k
        pd.testing.assert_frame_equal(base.plans[early], other.plans[early])
        assert not np.allclose(
            base.plans.loc[~early, "demand_mean"], other.plans.loc[~early, "demand_mean"]
        )


def test_statsforecast_cutoff_is_the_vintage_before():
    rng = np.random.default_rng(4)
    periods = 36
    history = _history(rng.poisson(3.0, periods).astype(float))
    forecasts = _vintaged(rng, ["A"], periods)
    by_vintage = invsl.backtest(
        history, _skus(), start=24, demand_model="forecast", forecasts=forecasts
    )
    # statsforecast's cross_validation: unique_id, ds, cutoff (the last period seen), y, model
    cv = pd.DataFrame(
        {
            "unique_id": forecasts["sku"],
            "ds": forecasts["period"],
            "cutoff": forecasts["vintage"] - 1,
            "y": 0.0,
            "AutoETS": forecasts["forecast"],
        }
    )
    by_cutoff = invsl.backtest(history, _skus(), start=24, demand_model="forecast", forecasts=cv)
    pd.testing.assert_frame_equal(by_vintage.plans, by_cutoff.plans)
    named = invsl.backtest(
        history, _skus(), start=24, demand_model="forecast",
        forecasts=cv.assign(other=1.0), forecast_options={"forecast": "AutoETS"},
    )  # fmt: skip
    pd.testing.assert_frame_equal(by_vintage.plans, named.plans)


# ---------------------------------------------------------------------------------------------
# against a slow computation


def slow_forecast_moments(demand, table, h, origin, min_errors=12):
    """(demand_mean, demand_std) per period at an origin, from the docstring, in plain Python:
    each period's forecast is that of the latest vintage <= the time it is made."""

    def available(p, t):
        rows = [(v, f) for v, q, f in table if q == p and v <= t]
        return max(rows)[1] if rows else math.nan

    def cumulative(t):
        return sum(available(p, t) for p in range(t, t + h))

    mean = cumulative(origin)
    if math.isnan(mean):
        return math.nan, math.nan
    errors = []
    for t in range(0, origin - h + 1):
        forecast = cumulative(t)
        if not math.isnan(forecast):
            errors.append(sum(demand[t : t + h]) - forecast)
    if len(errors) >= min_errors:
        variance = sum(e * e for e in errors) / len(errors) / h
    else:
        past = demand[:origin]
        mu = sum(past) / len(past)
        variance = sum((x - mu) ** 2 for x in past) / (len(past) - 1)
    return mean / h, math.sqrt(variance)


def test_means_and_spreads_match_a_slow_computation():
    rng = np.random.default_rng(11)
    periods = 45
    ids = ["A", "B", "C", "D"]
    demands = {sku: rng.poisson(lam, periods).astype(float) for sku, lam in zip(ids, (1, 3, 5, 8))}
    history = pd.concat([_history(demands[sku], sku) for sku in ids])
    skus = _skus(ids, lead_time=[1, 2, 3, 2], review_period=1)
    forecasts = _vintaged(rng, ids, periods, first_vintage=0)
    forecasts = forecasts[(forecasts["sku"] != "B") | (forecasts["period"] != 30)]
    result = invsl.backtest(history, skus, start=25, demand_model="forecast", forecasts=forecasts)
    failures = []
    for sku, lead in zip(ids, (1, 2, 3, 2)):
        own = forecasts[forecasts["sku"] == sku]
        table = list(zip(own["vintage"], own["period"], own["forecast"]))
        plans = result.plans[result.plans["sku"] == sku]
        for origin, got_mean, got_std in zip(
            plans["origin"], plans["demand_mean"], plans["demand_std"]
        ):
            want = slow_forecast_moments(list(demands[sku]), table, lead + 1, int(origin))
            for got, expected in zip((got_mean, got_std), want):
                same = (math.isnan(got) and math.isnan(expected)) or abs(
                    got - expected
                ) <= 1e-12 * max(1.0, abs(expected))
                if not same:
                    failures.append((sku, origin, got, expected))
    assert not failures, failures[:10]
    # B's period 30 has no forecast of any vintage: origins 28, 29 and 30 (h = 3) have none
    gaps = result.plans[result.plans["status"] == "no_forecast"]
    assert gaps["sku"].tolist() == ["B"] * 3 and gaps["origin"].tolist() == [28, 29, 30]


# ---------------------------------------------------------------------------------------------
# bad tables


@pytest.mark.parametrize(
    "forecasts, options, words",
    [
        (pd.DataFrame({"sku": ["A"], "period": ["x"], "forecast": [1.0]}), None, "'x' (str) is not a period"),
        (pd.DataFrame({"sku": ["A"], "period": [3.5], "forecast": [1.0]}), None, "3.5"),
        (pd.DataFrame({"sku": ["A"], "period": [3], "forecast": ["many"]}), None, "must be a number"),
        (pd.DataFrame({"sku": ["A"], "period": [3], "m1": [1.0], "m2": [2.0]}), None, "which column"),
        (pd.DataFrame({"sku": ["A", "A"], "period": [3, 3], "forecast": [1.0, 2.0]}), None, "two forecasts"),
        (pd.DataFrame({"sku": ["A"], "period": [3], "forecast": [1.0]}), {"model": "x"}, "unknown keys"),
        (pd.DataFrame({"sku": ["A"], "period": [3], "vintage": [2], "cutoff": [1], "forecast": [1.0]}), None, "both a vintage and a cutoff"),
    ],
)  # fmt: skip
def test_bad_forecast_tables_raise_one_readable_line(forecasts, options, words):
    history = _history(np.full(12, 2.0))
    with pytest.raises(InputError, match=None) as info:
        invsl.backtest(
            history, _skus(), demand_model="forecast", forecasts=forecasts,
            forecast_options=options,
        )  # fmt: skip
    assert words in str(info.value) and "\n" not in str(info.value)


def test_forecasts_and_demand_model_go_together():
    history = _history(np.full(12, 2.0))
    forecasts = pd.DataFrame({"sku": "A", "period": np.arange(14), "forecast": 2.0})
    with pytest.raises(InputError, match="needs forecasts="):
        invsl.backtest(history, _skus(), demand_model="forecast")
    with pytest.raises(InputError, match="demand_model='forecast' only"):
        invsl.backtest(history, _skus(), demand_model="ses", forecasts=forecasts)


def test_skus_absent_from_the_skus_table_are_ignored():
    history = pd.concat([_history(np.tile([1.0, 3.0], 8)), _history(np.ones(16), "B")])
    forecasts = pd.DataFrame({"sku": "A", "period": np.arange(18), "forecast": 2.0})
    other = pd.concat([forecasts, forecasts.assign(sku="B"), forecasts.assign(sku="Z")])
    a = invsl.backtest(history, _skus(), start=10, demand_model="forecast", forecasts=forecasts)
    b = invsl.backtest(history, _skus(), start=10, demand_model="forecast", forecasts=other)
    pd.testing.assert_frame_equal(a.plans, b.plans)
