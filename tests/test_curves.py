"""Exchange curves: the optimised allocation never below the uniform one; plot and CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import invsl
from invsl.tools.cli import main
from invsl.tools.curves import investment_to_match


def _skus(n=400, seed=2):
    rng = np.random.default_rng(seed)
    mu = rng.lognormal(np.log(20), 1.0, n)
    return pd.DataFrame(
        {
            "sku": np.arange(n),
            "demand_mean": mu,
            "demand_std": mu * rng.uniform(0.3, 1.0, n),
            "lead_time": rng.integers(1, 4, n).astype(float),
            "order_quantity": np.maximum(1.0, np.round(mu * rng.uniform(1, 4, n))),
            "unit_cost": rng.lognormal(1.0, 1.0, n),
            "distribution": rng.choice(["normal", "gamma", "poisson"], n),
        }
    )


def test_curve_optimised_never_below_uniform():
    df = _skus()
    targets = [0.8, 0.9, 0.95, 0.99]
    curve = invsl.exchange_curve(df, targets=targets)
    assert list(curve["allocation"]) == ["uniform", "optimised"] * len(targets)
    uni = curve[curve["allocation"] == "uniform"].reset_index(drop=True)
    opt = curve[curve["allocation"] == "optimised"].reset_index(drop=True)
    # the optimised point spends no more than the uniform one and serves at least as well
    assert (opt["investment"] <= uni["investment"] + 1e-9).all()
    assert (opt["aggregate_fill_rate"] >= uni["aggregate_fill_rate"]).all()
    # uniform points: the aggregate of invsl.optimize at that target, computed by hand
    for t, row in zip(targets, uni.itertuples()):
        plan = invsl.optimize(df, metric="beta", target=t)
        w = df["demand_mean"] / df["demand_mean"].sum()
        assert row.aggregate_fill_rate == pytest.approx(float((w * plan["beta"]).sum()), abs=1e-12)
        assert row.investment == pytest.approx(
            float((df["unit_cost"] * plan["safety_stock"]).sum())
        )
    # both curves increase with the investment
    assert np.all(np.diff(uni["aggregate_fill_rate"]) > 0)
    assert np.all(np.diff(opt["aggregate_fill_rate"]) > 0)
    # reading the curve: the optimised allocation needs less money for the same service
    need = investment_to_match(curve, float(uni["aggregate_fill_rate"].iloc[2]))
    assert need["optimised"] < need["uniform"]


def test_bad_targets():
    with pytest.raises(invsl.InputError, match="between 0 and 1"):
        invsl.exchange_curve(_skus(20), targets=[0.9, 1.0])


def test_plot_png_and_svg(tmp_path):
    pytest.importorskip("matplotlib")
    curve = invsl.exchange_curve(_skus(50), targets=[0.8, 0.95])
    png = tmp_path / "c.png"
    svg = tmp_path / "c.svg"
    invsl.plot_exchange_curve(curve, png)
    invsl.plot_exchange_curve(curve, svg, title="test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:1000]


def test_cli_exchange_curve(tmp_path):
    pytest.importorskip("matplotlib")
    src = tmp_path / "skus.csv"
    _skus(60).drop(columns="unit_cost").to_csv(src, index=False)
    out = tmp_path / "curve.png"
    table = tmp_path / "curve.csv"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "plot",
            "exchange-curve",
            str(src),
            "-o",
            str(out),
            "--unit-cost",
            "2",
            "--table",
            str(table),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    curve = pd.read_csv(table)
    assert set(curve["allocation"]) == {"uniform", "optimised"}
    # missing unit_cost column and no --unit-cost: usage error, exit code 2
    result = runner.invoke(main, ["plot", "exchange-curve", str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert "unit_cost" in result.output
