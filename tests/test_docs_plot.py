"""The undershoot-trap figure of docs/periodic.md (datasets/undershoot_demo.py).

The numbers the figure marks are computed by invsl; they are compared with the values
published in issue 3 (continuous review s = 113.79; daily (R, s, nQ): beta(113.79) = 0.7476
to four decimals, exact 0.74752, and s = 191.82), and the simulated points with the (R, s, nQ)
curve they are drawn on (simulation against formula: independent).
"""

from __future__ import annotations

import pytest

import invsl

# datasets/ stays out of the sdist (MANIFEST.in): skip there
undershoot_demo = pytest.importorskip("datasets.undershoot_demo")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
T_975_19 = 2.093  # t(0.975, 19): invsl.simulate's half-widths use the default 20 batches


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    pytest.importorskip("matplotlib")
    path = tmp_path_factory.mktemp("img") / "undershoot.png"
    out = undershoot_demo.draw(path, periods=100_000, seed=3)
    return path, out


def test_figure_is_a_png(drawn):
    path, out = drawn
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 20_000  # a real figure, not an empty canvas
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (900, 576)  # 7.5 x 4.8 inches at 120 dpi


def test_marked_numbers_are_the_published_ones(drawn):
    _, out = drawn
    assert out["s_continuous"] == pytest.approx(113.79, abs=0.01)
    assert out["s_daily"] == pytest.approx(191.82, abs=0.01)
    # the marked fill rate, at the unrounded s, and at the published s = 113.79
    assert 0.7475 <= out["beta_daily_at_s_continuous"] <= 0.7476
    at_published = invsl.periodic_service_levels(
        "RsQ", 100.0, 40.0, 1.0, review_period=1, reorder_point=113.79, order_quantity=200.0
    )["beta"]
    assert 0.7475 <= float(at_published) <= 0.7476
    # the curves go through the marks: continuous review reaches the target at s_continuous,
    # daily review at s_daily (the curves are drawn on a grid, so evaluate at the marks)
    assert invsl.fill_rate(out["s_continuous"], 200.0, 100.0, 40.0, 1.0) == pytest.approx(
        0.95, abs=1e-9
    )
    grid = out["curves"]
    assert (grid["beta_continuous"] > grid["beta_daily"]).all()
    assert grid["beta_daily"].is_monotonic_increasing
    assert grid["beta_continuous"].is_monotonic_increasing


def test_simulated_points_lie_on_the_daily_review_curve(drawn):
    """Each simulated beta is within 4.5 standard errors of the (R, s, nQ) formula and far from
    the continuous-review one (except high up, where both curves approach 1)."""
    _, out = drawn
    sim = out["simulation"]
    assert (sim["status"] == "ok").all()
    formula = undershoot_demo.curves(sim["reorder_point"])
    se = sim["beta_ci"].to_numpy() / T_975_19
    z_daily = (sim["beta"].to_numpy() - formula["beta_daily"].to_numpy()) / se
    z_cont = (sim["beta"].to_numpy() - formula["beta_continuous"].to_numpy()) / se
    assert abs(z_daily).max() <= 4.5, z_daily
    low = sim["reorder_point"].to_numpy() < 200.0
    assert (abs(z_cont[low]) > 50).all(), z_cont
