"""invsl.fit_demand against a slow per-SKU twin, and the car parts must-show.

The twin below loops over SKUs in plain Python with the textbook definitions; it shares no
code with invsl.api.history.
"""

import math

import numpy as np
import pandas as pd
import pytest

import invsl


def _carparts():
    """The car parts loader (datasets/ is in the repository, not in the sdist)."""
    return pytest.importorskip("datasets.carparts")


H_OPTIONS = {"sku": "part", "period": "month", "demand": "demand", "missing": "skip"}


def twin(history, sku="sku", period="period", demand="demand", missing="zero", ddof=1):
    """One dict per SKU, in order of first appearance, by the definitions of the docs."""
    all_periods = list(dict.fromkeys(history[period].dropna()))  # a missing period is no period
    rows = []
    for key in dict.fromkeys(history[sku].dropna()):
        part = history[history[sku] == key]
        values = pd.to_numeric(part[demand], errors="coerce").tolist()
        status = "ok"
        if any(not math.isfinite(v) for v in values):
            status = "missing_demand"
        elif any(v < 0 for v in values):
            status = "negative_demand"
        elif part[period].isna().any():
            status = "missing_period"
        elif part[period].duplicated().any():
            status = "duplicate_period"
        if missing == "zero":
            values = values + [0.0] * (len(all_periods) - len(values))
        n = len(values)
        if status == "ok" and n <= ddof:
            status = "too_few_periods"
        row = {"sku": key, "periods": n, "fit_status": status}
        if status != "ok":
            rows.append(row)
            continue
        mean = sum(values) / n
        sizes = [v for v in values if v != 0]
        k = len(sizes)
        row["demand_mean"] = mean
        row["demand_std"] = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - ddof))
        row["zero_share"] = 1 - k / n
        if k:
            size_mean = sum(sizes) / k
            row["mean_interval"] = n / k
            row["size_cv2"] = sum((v - size_mean) ** 2 for v in sizes) / k / size_mean**2
            frequent = row["mean_interval"] <= 1.32
            variable = row["size_cv2"] > 0.49
            row["demand_class"] = {
                (True, False): "smooth",
                (True, True): "erratic",
                (False, False): "intermittent",
                (False, True): "lumpy",
            }[(frequent, variable)]
        else:
            row["demand_class"] = "no_demand"
        var = row["demand_std"] ** 2
        if k == 0:
            row["distribution"] = "poisson"
        elif any(v != int(v) for v in values):
            row["distribution"] = "normal"
        elif row["demand_class"] in ("smooth", "erratic"):
            row["distribution"] = "normal" if mean >= 10 else "negbin" if var > mean else "poisson"
        else:
            row["distribution"] = "compound_poisson" if var >= mean else "empirical"
        rows.append(row)
    return rows


def compare(fit, rows, sku="sku"):
    assert len(fit) == len(rows)
    assert fit[sku].tolist() == [r["sku"] for r in rows]
    for i, r in enumerate(rows):
        got = fit.iloc[i]
        assert got["fit_status"] == r["fit_status"], (i, r)
        assert got["periods"] == r["periods"]
        if r["fit_status"] != "ok":
            assert np.isnan(got["demand_mean"]) and got["fit_message"] != ""
            continue
        for name in ("demand_mean", "demand_std", "zero_share", "mean_interval", "size_cv2"):
            if name in r:
                assert got[name] == pytest.approx(r[name], rel=1e-12, abs=1e-14), (i, name)
            else:
                assert np.isnan(got[name])
        assert got["demand_class"] == r["demand_class"], (i, r)
        assert got["distribution"] == r["distribution"], (i, r)


def small_history():
    history = pd.DataFrame(
        {
            "sku": [
                "007",
                "007",
                "007",
                42,
                42,
                42,
                42,
                "nan",
                "nan",
                "neg",
                "neg",
                "dup",
                "dup",
                "frac",
                "frac",
                "frac",
                None,
                "zero",
                "zero",
                "one",
                "big",
                "big",
                "big",
                "big",
            ],
            "period": [
                "m1",
                "m2",
                "m4",
                "m1",
                "m2",
                "m3",
                "m4",
                "m1",
                "m2",
                "m1",
                "m2",
                "m1",
                "m1",
                "m1",
                "m2",
                "m3",
                "m1",
                "m1",
                "m3",
                "m2",
                "m1",
                "m2",
                "m3",
                "m4",
            ],
            "demand": [
                3,
                0,
                5,
                1,
                2,
                1,
                1,
                np.nan,
                1,
                -2,
                1,
                1,
                1,
                0.5,
                0,
                2.5,
                7,
                0,
                0,
                4,
                30,
                12,
                20,
                14,
            ],
            "other": range(24),
        },
        index=range(100, 124),
    )
    extra = pd.DataFrame(
        {"sku": ["noper", "noper"], "period": ["m1", None], "demand": [1, 2], "other": [0, 0]},
        index=[7, 8],
    )
    return pd.concat([history, extra])


@pytest.mark.parametrize("missing", ["zero", "skip"])
def test_fit_demand_matches_slow_twin_small(missing):
    h = small_history()
    before = h.copy()
    fit = invsl.fit_demand(h, missing=missing)
    pd.testing.assert_frame_equal(h, before)  # input not mutated
    compare(fit, twin(h, missing=missing))
    assert fit["sku"].tolist()[:2] == ["007", 42]  # ids untouched, first-appearance order
    assert list(fit.index) == list(range(len(fit)))


def test_fit_demand_statuses_and_classes_small():
    fit = invsl.fit_demand(small_history(), missing="skip").set_index("sku")
    assert fit.loc["nan", "fit_status"] == "missing_demand"
    assert fit.loc["neg", "fit_status"] == "negative_demand"
    assert fit.loc["dup", "fit_status"] == "duplicate_period"
    assert fit.loc["one", "fit_status"] == "too_few_periods"
    assert fit.loc["noper", "fit_status"] == "missing_period"
    assert fit.loc["zero", "demand_class"] == "no_demand"
    assert fit.loc["frac", "distribution"] == "normal" and not fit.loc["frac", "integer_demand"]
    assert fit.loc["big", "distribution"] == "normal"  # smooth, mean >= 10
    assert fit.loc[42, "demand_class"] == "smooth"
    assert fit.loc["007", "demand_class"] == "intermittent"  # 3 periods, 2 demands: ADI 1.5


def test_fit_demand_class_cutoffs_are_inclusive_below():
    # ADI exactly 1.32 is not possible with few periods; use 33 demands in 44 periods (1.333)
    # and 25 in 33 (1.32): smooth vs intermittent; CV^2 = 0.49 exactly is "not variable"
    n_dem = 25
    demand = [1] * n_dem + [0] * 8  # ADI = 33 / 25 = 1.32
    h = pd.DataFrame({"sku": "a", "period": range(33), "demand": demand})
    assert invsl.fit_demand(h)["demand_class"].iloc[0] == "smooth"
    h2 = pd.DataFrame({"sku": "b", "period": range(34), "demand": demand + [0]})
    assert invsl.fit_demand(h2)["demand_class"].iloc[0] == "intermittent"  # 34/25 = 1.36


def test_fit_demand_matches_slow_twin_on_car_parts():
    h = _carparts().load_carparts()
    sample = h[h["part"].isin(h["part"].drop_duplicates().iloc[::9])]  # 298 parts
    for missing in ("skip", "zero"):
        fit = invsl.fit_demand(sample, sku="part", period="month", missing=missing)
        compare(fit, twin(sample, "part", "month", missing=missing), sku="part")


def test_bad_columns_raise():
    with pytest.raises(invsl.InputError, match="sku=..."):
        invsl.fit_demand(pd.DataFrame({"item": [1], "period": [1], "demand": [1]}))
    with pytest.raises(invsl.InputError, match="missing="):
        invsl.fit_demand(small_history(), missing="fill")


def test_car_parts_fit_demand_then_optimize_every_part_ok_or_flagged():
    """Must show: fit_demand then optimize on the car parts data, every part ok or flagged
    with a reason; the empirical and compound Poisson parts solved to the minimal s."""
    h = _carparts().load_carparts()
    fit = invsl.fit_demand(h, sku="part", period="month", missing="skip")
    assert len(fit) == h["part"].nunique() == 2674
    df = fit.assign(
        lead_time=2.0, order_quantity=np.maximum(1.0, np.floor(3 * fit["demand_mean"] + 0.5))
    )
    for metric in ("beta", "alpha", "gamma"):
        out = invsl.optimize(df, metric=metric, target=0.95, history=h, history_options=H_OPTIONS)
        assert out["part"].tolist() == fit["part"].tolist()
        ok = (out["status"] == "ok").to_numpy()
        assert ((out["message"] == "") == ok).all()  # every flagged row says why
        assert (out.loc[ok, metric] >= 0.95).all()
        assert ok.sum() > 2600, out["status"].value_counts()
        dist = out["lead_time_distribution"].astype(str)
        assert {"empirical", "compound_poisson"} <= set(dist[ok])
    # every part also with the missing months read as zero demand, all as empirical
    fit0 = invsl.fit_demand(h, sku="part", period="month", missing="zero")
    df0 = fit0.assign(lead_time=2.0, order_quantity=2, distribution="empirical")
    out0 = invsl.optimize(df0, history=h, history_options={**H_OPTIONS, "missing": "zero"})
    flagged = out0["status"] != "ok"
    assert (out0.loc[flagged, "message"] != "").all()
    assert set(out0.loc[flagged, "status"].astype(str)) <= {"zero_demand"}


def test_car_parts_empirical_reorder_point_is_minimal():
    h = _carparts().load_carparts()
    fit = invsl.fit_demand(h, sku="part", period="month", missing="skip").iloc[::50]
    df = fit.assign(lead_time=2.0, order_quantity=3, distribution="empirical")
    out = invsl.optimize(df, metric="alpha", target=0.9, history=h, history_options=H_OPTIONS)
    for row in range(len(out)):
        d = h.loc[h["part"] == out["part"].iloc[row], "demand"].to_numpy()
        # two-month demand: every pair of months (with replacement), equally likely
        two = (d[:, None] + d[None, :]).ravel()
        s = out["reorder_point"].iloc[row]
        if out["status"].iloc[row] == "zero_demand":
            assert d.sum() == 0
            continue
        assert np.mean(two <= s) >= 0.9 > np.mean(two <= s - 1)
