"""What-if cubes (invsl.sensitivity).

The reference for every cell is the public DataFrame API: ``invsl.optimize`` called on the
input frame with the scenario's changes written into it (target, order quantity times the
factor, lead time and its standard deviation times the factor). That path shares the row
kernel but none of the cube's flattening, chunking, reshaping or coordinate code, which is
what is under test here. Semantics of the factors are also checked against closed forms
(scipy.stats.norm quantiles), independent of invsl.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import invsl
from invsl.api.frame import InputError

METRIC_VARIABLES = [
    "reorder_point",
    "safety_stock",
    "alpha",
    "beta",
    "gamma",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
]


def _mixed_frame() -> pd.DataFrame:
    """Every distribution, a random lead time, and bad rows of several kinds."""
    return pd.DataFrame(
        {
            "sku": [
                "n1",
                "n2",
                "g1",
                "p1",
                "p2",
                "nb",
                "lt",
                "bad_mu",
                "neg_sd",
                "text",
                "zero",
                "p_frac",
                "lt0",
            ],
            "demand_mean": [
                100.0,
                3.5,
                20.0,
                4.0,
                0.3,
                6.0,
                50.0,
                np.nan,
                10.0,
                10.0,
                0.0,
                2.0,
                8.0,
            ],
            "demand_std": [30.0, 4.0, 9.0, 2.0, 0.5, 4.0, 10.0, 1.0, -1.0, 3.0, 1.0, 1.4, 2.0],
            "lead_time": [2.0, 1.5, 3.0, 2.0, 4.0, 1.0, 5.0, 1.0, 1.0, "two", 1.0, 1.0, 0.0],
            "lead_time_std": [0.0, 0.0, 0.5, 0.0, 1.0, 0.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5],
            "order_quantity": [
                400.0,
                7.0,
                50.0,
                5.0,
                3.0,
                12.0,
                100.0,
                10.0,
                10.0,
                10.0,
                10.0,
                2.5,
                9.0,
            ],
            "distribution": [
                "normal",
                "normal",
                "gamma",
                "poisson",
                "poisson",
                "negbin",
                "normal",
                "normal",
                "normal",
                "normal",
                "normal",
                "poisson",
                "gamma",
            ],
            "unit_cost": [2.0, 10.0, 1.5, 40.0, 300.0, 7.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0],
        }
    )


def _modified(df, order_quantity_factor, lead_time_factor):
    """The input frame of one scenario, written with the public column names."""
    out = df.copy()
    integer = out["distribution"].isin(["poisson", "negbin"]).to_numpy()
    q = out["order_quantity"].to_numpy(dtype=float)
    product = q * order_quantity_factor
    rounded = np.where(integer & (q == np.floor(q)), np.maximum(1.0, np.round(product)), product)
    out["order_quantity"] = rounded
    lead_time = pd.to_numeric(out["lead_time"], errors="coerce")
    out["lead_time"] = np.where(
        lead_time.isna(), out["lead_time"], lead_time * lead_time_factor
    ).astype(object)
    out["lead_time_std"] = out["lead_time_std"] * lead_time_factor
    return out


def _assert_cell_equals_frame(cell: xr.Dataset, frame: pd.DataFrame, where: str):
    for name in METRIC_VARIABLES:
        np.testing.assert_array_equal(
            cell[name].to_numpy(), frame[name].to_numpy(), err_msg=f"{name} at {where}"
        )
    names = np.array(cell["status"].attrs["flag_meanings"].split())
    np.testing.assert_array_equal(
        names[cell["status"].to_numpy()],
        frame["status"].astype(str).to_numpy(),
        err_msg=f"status at {where}",
    )
    kinds = np.array(cell["lead_time_distribution"].attrs["flag_meanings"].split())
    codes = cell["lead_time_distribution"].to_numpy()
    expected = frame["lead_time_distribution"].astype(object).fillna("not_fitted")
    np.testing.assert_array_equal(
        kinds[codes + 1], expected.to_numpy(dtype=str), err_msg=f"lead_time_distribution at {where}"
    )


@pytest.mark.parametrize("chunk_cells", [1 << 20, 7])
def test_every_cell_equals_optimize_on_the_modified_frame(chunk_cells):
    df = _mixed_frame()
    before = df.copy()
    targets = [0.8, 0.95, 0.99]  # (a target sweep value outside (0, 1) raises: see below)
    q_factors = [0.5, 1.0, 1.3]  # 1.3 makes the poisson/negbin Q non-whole: rounded
    l_factors = [0.0, 1.0, 2.5]  # 0: lead time 0 (deterministic or cannot_fit rows)
    cube = invsl.sensitivity(
        df,
        target=targets,
        order_quantity_factor=q_factors,
        lead_time_factor=l_factors,
        metric="beta",
        chunk_cells=chunk_cells,
    )
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert cube["reorder_point"].dims == (
        "sku",
        "target",
        "order_quantity_factor",
        "lead_time_factor",
    )
    for t, fq, fl in itertools.product(targets, q_factors, l_factors):
        frame = invsl.optimize(_modified(df, fq, fl), metric="beta", target=t)
        cell = cube.sel(target=t, order_quantity_factor=fq, lead_time_factor=fl)
        _assert_cell_equals_frame(cell, frame, f"target={t}, fq={fq}, fl={fl}")
        np.testing.assert_array_equal(
            cube["order_quantity"].sel(order_quantity_factor=fq),
            frame["order_quantity"].to_numpy(dtype=float),
        )
        np.testing.assert_array_equal(
            cube["safety_stock_value"].sel(target=t, order_quantity_factor=fq, lead_time_factor=fl),
            frame["safety_stock"].to_numpy() * df["unit_cost"].to_numpy(),
        )
    # the scenario grid really varies what it should
    assert (cube["status"] == 0).sum() > 0
    # a target outside (0, 1) is a bad argument (every cell of its slice), not a bad cell
    with pytest.raises(invsl.InputError, match="target = 1.0: target must lie strictly"):
        invsl.sensitivity(df, target=[*targets, 1.0], metric="beta")


@pytest.mark.parametrize("metric", ["alpha", "gamma"])
def test_other_metrics_and_scalar_sweeps(metric):
    df = _mixed_frame().drop(columns="unit_cost")
    cube = invsl.sensitivity(
        df,
        target=[0.9, 0.97],
        order_quantity_factor=2.0,
        lead_time_factor=[0.5, 1.0],
        metric=metric,
    )
    assert cube["reorder_point"].dims == ("sku", "target", "lead_time_factor")
    assert float(cube["order_quantity_factor"]) == 2.0  # scalar coordinate
    assert "safety_stock_value" not in cube
    for t, fl in itertools.product([0.9, 0.97], [0.5, 1.0]):
        frame = invsl.optimize(_modified(df, 2.0, fl), metric=metric, target=t)
        _assert_cell_equals_frame(cube.sel(target=t, lead_time_factor=fl), frame, f"{t} {fl}")


def test_nothing_swept_is_optimize():
    df = _mixed_frame()
    cube = invsl.sensitivity(df)
    assert cube["reorder_point"].dims == ("sku",)
    _assert_cell_equals_frame(cube, invsl.optimize(df), "no sweep")


def test_target_column_and_metric_column_are_used_when_target_is_left_out():
    df = _mixed_frame()
    df["target"] = [0.9, np.nan, 0.99] + [0.97] * (len(df) - 3)
    df["metric"] = ["alpha", "gamma"] + ["beta"] * (len(df) - 2)
    cube = invsl.sensitivity(df, order_quantity_factor=[1.0, 2.0])
    for fq in [1.0, 2.0]:
        frame = invsl.optimize(_modified(df, fq, 1.0))
        _assert_cell_equals_frame(cube.sel(order_quantity_factor=fq), frame, f"fq={fq}")
    # a target given to sensitivity overrides the column
    cube = invsl.sensitivity(df, target=[0.8])
    frame = invsl.optimize(df.drop(columns="target"), target=0.8)
    _assert_cell_equals_frame(cube.sel(target=0.8), frame, "target=0.8")


def test_normal_alpha_against_the_normal_quantile():
    """Closed form: alpha's reorder point is the normal quantile of lead-time demand, with
    E[X] = mu L f, Var[X] = L f sigma^2 + mu^2 (sigma_L f)^2 (lead time and its sd scaled)."""
    rng = np.random.default_rng(7)
    n = 50
    df = pd.DataFrame(
        {
            "demand_mean": rng.uniform(1, 500, n),
            "demand_std": rng.uniform(0.5, 200, n),
            "lead_time": rng.uniform(0.5, 10, n),
            "lead_time_std": rng.uniform(0, 2, n),
            "order_quantity": rng.uniform(1, 1000, n),
        }
    )
    targets = np.array([0.5, 0.9, 0.999])
    factors = np.array([0.25, 1.0, 3.0])
    cube = invsl.sensitivity(df, target=targets, lead_time_factor=factors, metric="alpha")
    mu, sigma = df["demand_mean"].to_numpy(), df["demand_std"].to_numpy()
    lead_time, lt_sd = df["lead_time"].to_numpy(), df["lead_time_std"].to_numpy()
    for j, f in enumerate(factors):
        mean = mu * lead_time * f
        sd = np.sqrt(lead_time * f * sigma**2 + mu**2 * (lt_sd * f) ** 2)
        for i, t in enumerate(targets):
            expected = stats.norm.ppf(t, loc=mean, scale=sd)
            got = cube["reorder_point"].to_numpy()[:, i, j]
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7 * np.max(np.maximum(1, sd)))
            np.testing.assert_allclose(
                cube["safety_stock"].to_numpy()[:, i, j],
                expected - mean,
                rtol=0,
                atol=1e-7 * np.max(np.maximum(1, sd)),
            )


@pytest.mark.parametrize("metric", ["alpha", "beta", "gamma"])
def test_monotone_in_target(metric):
    rng = np.random.default_rng(11)
    n = 400
    dist = rng.choice(["normal", "gamma", "poisson", "negbin"], n)
    mu = rng.lognormal(1.0, 1.5, n)
    q = np.maximum(1.0, np.round(mu * rng.uniform(1, 6, n)))
    sd = np.sqrt(mu) * rng.uniform(1.1, 3.0, n)  # var > mean: negbin can be fitted
    df = pd.DataFrame(
        {
            "demand_mean": mu,
            "demand_std": sd,
            "lead_time": rng.integers(1, 8, n).astype(float),
            "order_quantity": q,
            "distribution": dist,
            "unit_cost": rng.uniform(1, 100, n),
        }
    )
    targets = np.linspace(0.5, 0.995, 12)
    cube = invsl.sensitivity(
        df, target=targets, order_quantity_factor=[0.5, 1.0, 2.0], metric=metric
    )
    assert (cube["status"] == 0).all()
    for name in ["reorder_point", "safety_stock", "safety_stock_value", metric, "expected_on_hand"]:
        steps = cube[name].diff("target")
        # two targets can share a reorder point; its metrics are then the same up to the
        # rounding of the solver's route to it (integer demand: exact recurrences from
        # different starting points), hence the allowance of a few ulps
        allowance = 0.0 if name == "reorder_point" else -1e-13 * float(abs(cube[name]).max())
        assert bool((steps >= allowance).all()), f"{name} decreases in target"
    # the reorder point of the highest target is strictly above that of the lowest
    assert bool(
        (cube["reorder_point"].isel(target=-1) > cube["reorder_point"].isel(target=0)).all()
    )
    # and the metric reaches its target in every cell (integer demand: at least it)
    reached = cube[metric] - cube["target"]
    assert float(reached.min()) >= -1e-7


def test_coordinates_and_attributes():
    df = _mixed_frame()
    cube = invsl.sensitivity(df, target=[0.9, 0.95], order_quantity_factor=[1.0, 2.0])
    np.testing.assert_array_equal(cube["sku"].to_numpy(), df["sku"].to_numpy())
    np.testing.assert_array_equal(cube["target"].to_numpy(), [0.9, 0.95])
    np.testing.assert_array_equal(cube["order_quantity_factor"].to_numpy(), [1.0, 2.0])
    assert "lead_time_factor" not in cube.coords and "lead_time" not in cube
    for name in [*METRIC_VARIABLES, "safety_stock_value", "order_quantity"]:
        assert cube[name].attrs["units"], name
        assert cube[name].attrs["long_name"], name
        assert cube[name].dtype == np.float64
    assert cube["alpha"].attrs["units"] == "1"
    assert cube["reorder_point"].attrs["units"] == "units"
    assert "G1(s + Q)" in cube["beta"].attrs["description"]
    assert cube["status"].dtype == np.uint8
    meanings = cube["status"].attrs["flag_meanings"].split()
    assert meanings[0] == "ok" and "bad_target" in meanings
    assert len(meanings) == len(cube["status"].attrs["flag_values"])
    for key in ["conventions", "metric", "policy", "period", "source"]:
        assert cube.attrs[key]
    assert "docs/service-levels.md" in cube.attrs["conventions"]
    assert cube.attrs["metric"] == "beta"


def test_sku_coordinate_index_and_duplicates():
    df = _mixed_frame().drop(columns="sku")
    df.index = [f"row{i}" for i in range(len(df))]
    cube = invsl.sensitivity(df, target=[0.9])
    np.testing.assert_array_equal(cube["sku"].to_numpy(), df.index.to_numpy())
    # duplicate ids are kept, one entry per input row, in input order
    dup = _mixed_frame().iloc[[0, 3, 0]].reset_index(drop=True)
    cube = invsl.sensitivity(dup, target=[0.9, 0.95])
    assert list(cube["sku"].to_numpy()) == ["n1", "p1", "n1"]
    np.testing.assert_array_equal(
        cube["reorder_point"].isel(sku=0), cube["reorder_point"].isel(sku=2)
    )
    assert cube.sel(sku="n1").sizes["sku"] == 2


def test_bad_rows_are_nan_with_a_status_and_never_raise():
    df = _mixed_frame()
    cube = invsl.sensitivity(df, target=[0.9, 0.95], order_quantity_factor=[1.0, 0.0, -1.0])
    names = np.array(cube["status"].attrs["flag_meanings"].split())
    status = pd.DataFrame(
        names[cube["status"].sel(target=0.9).to_numpy()], index=df["sku"], columns=[1.0, 0.0, -1.0]
    )
    assert status.loc["n1", 1.0] == "ok"
    assert status.loc["bad_mu", 1.0] == "missing"
    assert status.loc["neg_sd", 1.0] == "negative"
    assert status.loc["text", 1.0] == "not_a_number"
    assert status.loc["zero", 1.0] == "zero_demand"
    assert status.loc["p_frac", 1.0] == "not_integer"
    assert status.loc["n1", 0.0] == "bad_order_quantity"
    assert status.loc["n1", -1.0] == "bad_order_quantity"
    ok = cube["status"] == 0
    for name in METRIC_VARIABLES:
        assert bool(cube[name].where(ok).notnull().sum() == ok.sum()), name
    bad = (cube["status"] != 0) & (cube["status"] != 10)  # zero_demand: s = 0, metrics NaN
    for name in METRIC_VARIABLES:
        assert bool(cube[name].where(bad).isnull().sum() == cube[name].size), name
    zero = cube.sel(sku="zero", order_quantity_factor=1.0)
    assert bool((zero["reorder_point"] == 0).all()) and bool(zero["beta"].isnull().all())
    # a target sweep value outside (0, 1), NaN included, is a bad argument: it raises
    with pytest.raises(invsl.InputError, match="target = nan: "):
        invsl.sensitivity(df.iloc[:2], target=[0.9, np.nan])


def test_periodic_and_history_rows_are_unsupported_not_computed_as_sq():
    df = _mixed_frame().iloc[:6].copy()  # n1, n2, g1, p1, p2, nb: all ok
    df["policy"] = ["sQ", "RsS", "sQ", "rs", "bogus", "sQ"]
    df["distribution"] = df["distribution"].astype(object)
    df.loc[df["sku"] == "g1", "distribution"] = "compound_poisson"
    cube = invsl.sensitivity(df, target=[0.9, 0.95])
    names = np.array(cube["status"].attrs["flag_meanings"].split())
    got = {sku: set(names[cube["status"].sel(sku=sku).to_numpy()]) for sku in df["sku"]}
    assert got == {
        "n1": {"ok"},
        "n2": {"unsupported"},
        "g1": {"unsupported"},
        "p1": {"unsupported"},
        "p2": {"unknown_policy"},
        "nb": {"ok"},
    }
    flagged = ["n2", "g1", "p1", "p2"]
    for name in METRIC_VARIABLES + ["reorder_point"]:
        assert bool(cube[name].sel(sku=flagged).isnull().all()), name
    # the sQ rows are what sensitivity gives without the policy column
    plain = invsl.sensitivity(df.iloc[[0, 5]].drop(columns="policy"), target=[0.9, 0.95])
    for name in METRIC_VARIABLES + ["reorder_point"]:
        np.testing.assert_array_equal(
            cube[name].sel(sku=["n1", "nb"]).to_numpy(), plain[name].to_numpy()
        )


def test_structural_errors_raise():
    df = _mixed_frame()
    with pytest.raises(InputError, match="order_quantity"):
        invsl.sensitivity(df.drop(columns="order_quantity"), target=[0.9])
    with pytest.raises(ValueError, match="1-d"):
        invsl.sensitivity(df, target=[[0.9, 0.95]])
    with pytest.raises(ValueError, match="twice"):
        invsl.sensitivity(df, order_quantity_factor=[1.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        invsl.sensitivity(df, lead_time_factor=[])
    with pytest.raises(TypeError, match="numbers"):
        invsl.sensitivity(df, target=["high"])
    with pytest.raises(InputError, match="DataFrame"):
        invsl.sensitivity(df.to_dict(), target=0.9)


def test_docs_examples_run():
    """The examples of docs/scale.md and of the docstring give the output shown there."""
    import doctest
    import pathlib
    import sys

    module = sys.modules["invsl.tools.whatif"]  # the attribute invsl.sensitivity is the function

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    path = pathlib.Path(__file__).parents[1] / "docs" / "scale.md"
    result = doctest.testfile(
        str(path), module_relative=False, globs={"invsl": invsl}, optionflags=flags
    )
    assert result.attempted >= 5 and result.failed == 0
    result = doctest.testmod(module, optionflags=flags)
    assert result.attempted >= 3 and result.failed == 0


def test_empty_table_gives_an_empty_cube():
    df = _mixed_frame().iloc[:0]
    cube = invsl.sensitivity(df, target=[0.9, 0.95], lead_time_factor=[1.0, 2.0])
    assert dict(cube.sizes) == {"sku": 0, "target": 2, "lead_time_factor": 2}
    assert cube["reorder_point"].dtype == np.float64
