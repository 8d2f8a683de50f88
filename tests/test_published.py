"""Published worked examples, reproduced exactly.

lead_time = 1 throughout, so the per-period parameters are the lead-time parameters.
Expected values are the published figures; the shortcut reorder point is recomputed here with
scipy (it is not something invsl offers) to show how far the exact fill rate moves it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

invsl = pytest.importorskip("invsl")


def _f(x):
    return float(np.asarray(x))


# --- normal lead-time demand: mean 100, sd 30, Q 200 ------------------------------------------


def test_normal_beta_at_120():
    assert round(_f(invsl.fill_rate(120, 200, 100, 30, 1)), 6) == 0.977332
    assert round(_f(invsl.service_levels(120, 200, 100, 30, 1)["beta"]), 6) == 0.977332
    assert round(_f(invsl.beta(120, 200, 100, 30, 1)), 6) == 0.977332


def test_normal_reorder_point_for_beta_098():
    s = _f(invsl.reorder_point(0.98, 200, 100, 30, 1, metric="beta"))
    assert round(s, 4) == 122.2150


def test_normal_reorder_point_for_alpha_095():
    s = _f(invsl.reorder_point(0.95, 200, 100, 30, 1, metric="alpha"))
    assert round(s, 4) == 149.3456
    # the alpha solution is the quantile, whatever Q is
    s2 = _f(invsl.reorder_point(0.95, 7, 100, 30, 1, metric="alpha"))
    assert round(s2, 4) == 149.3456


def test_normal_default_metric_is_beta():
    s = _f(invsl.reorder_point(0.98, 200, 100, 30, 1))
    assert round(s, 4) == 122.2150


# --- Poisson lead-time demand: mean 8, Q 10 -------------------------------------------------


def test_poisson_beta_values():
    assert round(_f(invsl.fill_rate(10, 10, 8, 0.0, 1, distribution="poisson")), 6) == 0.957428
    assert round(_f(invsl.fill_rate(9, 10, 8, 0.0, 1, distribution="poisson")), 6) == 0.929116


def test_poisson_reorder_point_for_beta_095():
    s = _f(invsl.reorder_point(0.95, 10, 8, 0.0, 1, distribution="poisson", metric="beta"))
    assert s == 10.0


def test_poisson_ignores_demand_std():
    # Var = mean by definition for poisson: demand_std is not used
    for std in (0.0, 1.0, 5.0):
        b = _f(invsl.fill_rate(10, 10, 8, std, 1, distribution="poisson"))
        assert round(b, 6) == 0.957428
        s = _f(invsl.reorder_point(0.95, 10, 8, std, 1, distribution="poisson"))
        assert s == 10.0


# --- normal mean 100, sd 120, Q 50: exact fill rate vs the textbook shortcut ----------------


def _normal_G1(x, mean, sd):
    z = (x - mean) / sd
    return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))


def test_exact_beta_vs_shortcut_large_sd():
    s = _f(invsl.reorder_point(0.95, 50, 100, 120, 1, metric="beta"))
    assert round(s, 1) == 273.8

    # the shortcut beta ~ 1 - G1(s)/Q, solved here with scipy
    s_short = optimize.brentq(
        lambda x: 1 - _normal_G1(x, 100, 120) / 50 - 0.95, 0, 1000, xtol=1e-12
    )
    assert round(s_short, 1) == 297.5
    # the exact reorder point is far lower: the shortcut overstocks by about 24 units
    assert s_short - s > 20
    # and invsl's fill rate at the shortcut's s is well above the target
    assert _f(invsl.fill_rate(s_short, 50, 100, 120, 1)) > 0.96
    # while invsl's loss function reproduces the shortcut's equation at s_short
    g1 = _f(invsl.loss_first_order(s_short, 100, 120, distribution="normal"))
    assert abs(1 - g1 / 50 - 0.95) < 1e-9
