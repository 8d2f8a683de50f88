"""The demand models of the backtest (invsl/tools/backtest/models.py), against independent
references only:

- a slow plain-Python twin of every model, written from the formulas of the papers (each
  one-step forecast recomputed from scratch on the observations before its period, sizes and
  intervals extracted as lists, errors summed window by window), sharing no code with the
  kernels, agrees to 1e-12 on random intermittent series with NaN gaps, late starts,
  all-zero and single-demand rows, horizons longer than the history and bad horizons;
- ``sample`` agrees with :func:`invsl.fit_demand` on the same history;
- known properties: SES with alpha = 1 forecasts the last value; Croston-SBA on a size z
  every k periods tends to (1 - alpha/2) z / k; TSB decays geometrically by (1 - alpha_p)
  per period once demand stops; the error-based spread of a constant series is 0; on
  stationary Poisson demand the mean squared h-period error of SES is
  h lambda (1 + h alpha / (2 - alpha)) and the sample variance over h periods is h lambda;
- no lookahead: changing demand at or after an origin never changes that origin's outputs;
- the compiled kernels and their pure-Python bodies (JIT disabled) agree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import invsl
from invsl import InputError
from invsl.vocabulary import DEMAND_MODELS, FORECAST_NAMES
from invsl.tools.backtest.models import (
    first_observed,
    forecast_demand,
    one_step_forecasts,
)
from invsl.tools.backtest.smoothing import croston_sba_kernel, ses_kernel, tsb_kernel
from invsl.tools.backtest.spread import SpreadInputs, SpreadOutputs, error_spread_kernel

NAN = float("nan")
CORRECTIONS = (None, "mean", "student")


# ---------------------------------------------------------------------------------------------
# the twin: plain Python, from the formulas


def twin_observations(row, first, t):
    """The observed demands of a SKU before period t (periods >= first, NaN left out)."""
    return [float(x) for k, x in enumerate(row[:t]) if k >= first and not math.isnan(x)]


def twin_smooth(values, alpha):
    """x_1 = y_1, x_k = w_k y_k + (1 - w_k) x_{k-1}, w_k = max(alpha, 1/k); the last x.

    (The papers' form; the kernels use the algebraically equal x_{k-1} + w_k (y_k - x_{k-1}).)
    """
    x = NAN
    for k, y in enumerate(values, start=1):
        w = max(alpha, 1.0 / k)
        x = y if k == 1 else w * y + (1 - w) * x
    return x


def twin_ses(row, first, t, alpha):
    obs = twin_observations(row, first, t)
    return twin_smooth(obs, alpha) if obs else NAN


def twin_croston_sba(row, first, t, alpha):
    obs = twin_observations(row, first, t)
    if not obs:
        return NAN
    at = [k for k, x in enumerate(obs) if x > 0]
    if not at:
        return 0.0
    sizes = [obs[k] for k in at]
    # interval: observed periods since the previous demand, the demand period included
    intervals = [at[0] + 1] + [at[m] - at[m - 1] for m in range(1, len(at))]
    return (1 - alpha / 2) * twin_smooth(sizes, alpha) / twin_smooth(intervals, alpha)


def twin_tsb(row, first, t, alpha_d, alpha_p):
    obs = twin_observations(row, first, t)
    if not obs:
        return NAN
    sizes = [x for x in obs if x > 0]
    if not sizes:
        return 0.0
    occurrence = [1.0 if x > 0 else 0.0 for x in obs]
    return twin_smooth(occurrence, alpha_p) * twin_smooth(sizes, alpha_d)


def twin_one_step(row, first, t, model, alpha=0.2, alpha_d=0.2, alpha_p=0.2):
    if model == "ses":
        return twin_ses(row, first, t, alpha)
    if model == "croston_sba":
        return twin_croston_sba(row, first, t, alpha)
    return twin_tsb(row, first, t, alpha_d, alpha_p)


def twin_moments(values):
    n = len(values)
    if n == 0:
        return 0, NAN, NAN
    m = sum(values) / n
    var = sum((x - m) ** 2 for x in values) / (n - 1) if n > 1 else NAN
    return n, m, var


def twin_factor(n, h, correction):
    """Variance factor of the sample spread, from the docstring's formulas."""
    if n < 2:
        return NAN
    if correction is None:
        return 1.0
    if correction == "mean":
        return 1 + h / n
    if n < 4:
        return NAN
    return (1 + h / n) * (n - 1) / (n - 3)


def twin_forecast(
    row,
    first,
    h,
    origin,
    model,
    *,
    window=None,
    forecasts=None,
    min_errors=12,
    burn_in=0,
    correction=None,
    alpha=0.2,
    alpha_d=0.2,
    alpha_p=0.2,
):
    """(mean, std, demand_mean, demand_std, status name, observations, errors) of one entry."""
    nan7 = (NAN, NAN, NAN, NAN)
    if h < 1:
        return (*nan7, "bad_horizon", 0, 0)
    lo = first if model != "window" else max(first, origin - window)
    values = [float(x) for x in row[lo:origin] if not math.isnan(x)]
    n, mu, var = twin_moments(values)
    if model in ("sample", "window"):
        if n == 0:
            return (*nan7, "no_history", 0, 0)
        c = twin_factor(n, h, correction)
        if math.isnan(c):
            return (*nan7, "short_history", n, 0)
        v = h * var * c
        return (h * mu, math.sqrt(v), mu, math.sqrt(v / h), "ok", n, 0)

    def cumulative(t):
        if model == "forecast":
            cells = [forecasts[k] if k < len(forecasts) else NAN for k in range(t, t + h)]
            return sum(cells)
        return h * twin_one_step(row, first, t, model, alpha, alpha_d, alpha_p)

    errors = []
    for t in range(first + burn_in, origin - h + 1):
        if t < 0:
            continue
        window_demand = [float(x) for x in row[t : t + h]]
        forecast = cumulative(t)
        if any(math.isnan(x) for x in window_demand) or math.isnan(forecast):
            continue
        errors.append(sum(window_demand) - forecast)
    m = len(errors)
    if n == 0:
        return (*nan7, "no_history", 0, m)
    forecast = cumulative(origin)
    if math.isnan(forecast):
        return (*nan7, "no_forecast", n, m)
    status, v = "ok", NAN
    if m >= min_errors:
        v = sum(e * e for e in errors) / m
        if correction == "student":
            nu = m / (1 + (h - 1) * (2 * h - 1) / (3 * h))
            v = v * nu / (nu - 2) if nu > 2 else NAN
    if math.isnan(v):
        status = "few_errors"
        v = h * var * twin_factor(n, h, correction)
        if math.isnan(v):
            return (*nan7, "short_history", n, m)
    return (forecast, math.sqrt(v), forecast / h, math.sqrt(v / h), status, n, m)


# ---------------------------------------------------------------------------------------------
# random intermittent histories with every edge case


def intermittent(seed, n=40, periods=40):
    """Demand (n, periods) with many zeros, NaN gaps and late starts; horizons; first index."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.8, (n, 1))
    sizes = np.where(
        rng.random((n, 1)) < 0.5,
        rng.geometric(0.3, (n, periods)),
        rng.lognormal(1.0, 0.8, (n, periods)),
    )
    d = np.where(rng.random((n, periods)) < p, sizes, 0.0).astype(float)
    start = rng.integers(0, periods // 2, n)
    late = rng.random(n) < 0.4
    d[late[:, None] & (np.arange(periods)[None, :] < start[:, None])] = np.nan
    gaps = rng.random((n, periods)) < 0.05
    d[gaps & (rng.random((n, 1)) < 0.3)] = np.nan
    d[0] = 0.0  # all zeros
    d[1] = 0.0
    d[1, 7] = 5.0  # a single demand
    d[2] = np.nan  # never observed
    d[3] = 3.0  # constant
    d[4, :] = np.nan
    d[4, periods - 1] = 2.0  # observed in the last period only
    h = rng.integers(1, 9, n)
    h[5] = 0  # bad horizon
    h[6] = periods + 5  # longer than the history: never any error
    return d, h


ORIGINS = np.array([0, 1, 2, 5, 12, 20, 27, 33, 39, 40])


def assert_matches_twin(d, h, origins, model, first=None, **kw):
    got = forecast_demand(d, h, origins, model, first=first, **kw)
    f0 = first_observed(d) if first is None else np.clip(first, 0, d.shape[1])
    fc = kw.get("forecasts")
    failures = []
    for i in range(d.shape[0]):
        for j, o in enumerate(origins):
            twin_kw = dict(kw)
            if fc is not None:
                twin_kw["forecasts"] = list(fc[i])
            want = twin_forecast(list(d[i]), int(f0[i]), int(h[i]), int(o), model, **twin_kw)
            have = (
                got.mean[i, j],
                got.std[i, j],
                got.demand_mean[i, j],
                got.demand_std[i, j],
                FORECAST_NAMES[got.status[i, j]],
                got.observations[i, j],
                got.errors[i, j],
            )
            ok = have[4:] == want[4:] and all(
                (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(b))
                for a, b in zip(have[:4], want[:4])
            )
            if not ok:
                failures.append(f"sku {i} origin {o}: kernel {have} twin {want}")
    assert not failures, f"{len(failures)} entries differ:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("model", ["ses", "croston_sba", "tsb"])
@pytest.mark.parametrize("alpha", [0.1, 0.2, 0.35, 1.0])
def test_one_step_forecasts_match_the_twin(model, alpha):
    d, _ = intermittent(11)
    f = one_step_forecasts(d, model, alpha=alpha, alpha_d=alpha, alpha_p=alpha / 2)
    f0 = first_observed(d)
    assert f.shape == (d.shape[0], d.shape[1] + 1)
    for i in range(d.shape[0]):
        want = [
            twin_one_step(list(d[i]), int(f0[i]), t, model, alpha, alpha, alpha / 2)
            for t in range(d.shape[1] + 1)
        ]
        np.testing.assert_allclose(f[i], want, rtol=1e-12, atol=1e-12, err_msg=f"sku {i}")


@pytest.mark.parametrize("correction", CORRECTIONS)
@pytest.mark.parametrize("model", DEMAND_MODELS)
def test_forecast_demand_matches_the_twin(model, correction):
    d, h = intermittent(7)
    kw: dict = {"correction": correction}
    if model == "window":
        kw["window"] = 9
    if model == "forecast":
        rng = np.random.default_rng(3)
        fc = rng.uniform(0.0, 4.0, (d.shape[0], d.shape[1] + 4))
        fc[rng.random(fc.shape) < 0.02] = np.nan
        kw["forecasts"] = fc
    for min_errors, burn_in in [(12, 0), (3, 4), (1, 0)]:
        if model not in ("sample", "window"):
            kw.update(min_errors=min_errors, burn_in=burn_in)
        assert_matches_twin(d, h, ORIGINS, model, **kw)


@pytest.mark.parametrize("model", ["sample", "ses", "croston_sba", "tsb"])
def test_first_index_ignores_earlier_periods(model):
    d, h = intermittent(5)
    first = np.random.default_rng(0).integers(0, 30, d.shape[0])
    assert_matches_twin(d, h, ORIGINS, model, first=first, min_errors=4)
    masked = d.copy()
    masked[np.arange(d.shape[1])[None, :] < first[:, None]] = np.nan
    a = forecast_demand(d, h, ORIGINS, model, first=first, min_errors=4)
    b = forecast_demand(masked, h, ORIGINS, model, min_errors=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------------------------
# the baseline is today's fit_demand


@pytest.mark.parametrize("missing", ["zero", "skip"])
def test_sample_model_is_fit_demand(missing):
    rng = np.random.default_rng(2)
    n, periods = 30, 36
    d = np.where(rng.random((n, periods)) < 0.4, rng.poisson(3.0, (n, periods)) + 1.0, 0.0)
    d[rng.random((n, periods)) < 0.1] = np.nan
    rows = [(i, t, d[i, t]) for i in range(n) for t in range(periods) if not np.isnan(d[i, t])]
    table = pd.DataFrame(rows, columns=["sku", "period", "demand"])
    fit = invsl.fit_demand(table, missing=missing).set_index("sku").loc[range(n)]
    matrix = np.nan_to_num(d) if missing == "zero" else d
    first = np.zeros(n, dtype=np.int64)  # every period of the table counts for every SKU
    got = forecast_demand(matrix, 3, [periods], "sample", first=first)
    np.testing.assert_allclose(got.demand_mean[:, 0], fit.demand_mean, rtol=1e-13)
    np.testing.assert_allclose(got.demand_std[:, 0], fit.demand_std, rtol=1e-13)
    np.testing.assert_allclose(got.mean[:, 0], 3 * fit.demand_mean, rtol=1e-13)
    np.testing.assert_allclose(got.std[:, 0], math.sqrt(3) * fit.demand_std, rtol=1e-13)
    np.testing.assert_array_equal(got.observations[:, 0], fit.periods)


# ---------------------------------------------------------------------------------------------
# known properties


def test_ses_with_alpha_one_forecasts_the_last_value():
    d, _ = intermittent(9)
    f = one_step_forecasts(d, "ses", alpha=1.0)
    for i in range(d.shape[0]):
        last = NAN
        for t in range(d.shape[1] + 1):
            assert f[i, t] == last or (math.isnan(f[i, t]) and math.isnan(last))
            if t < d.shape[1] and not math.isnan(d[i, t]):
                last = d[i, t]


@pytest.mark.parametrize("size, every, alpha", [(5.0, 3, 0.2), (2.5, 7, 0.1), (1.0, 1, 0.3)])
def test_croston_sba_limit_on_regular_demand(size, every, alpha):
    periods = 4000
    d = np.zeros((1, periods))
    d[0, 2::every] = size
    f = one_step_forecasts(d, "croston_sba", alpha=alpha)
    assert f[0, -1] == pytest.approx((1 - alpha / 2) * size / every, rel=1e-9)


def test_tsb_decays_geometrically_after_demand_stops():
    alpha_p = 0.15
    rng = np.random.default_rng(4)
    d = np.where(rng.random((1, 80)) < 0.5, rng.uniform(1, 9, (1, 80)), 0.0)
    d[0, 59] = 4.0
    d[0, 60:] = 0.0
    f = one_step_forecasts(d, "tsb", alpha_d=0.3, alpha_p=alpha_p)
    ratio = f[0, 61:] / f[0, 60:-1]
    np.testing.assert_allclose(ratio, 1 - alpha_p, rtol=1e-12)
    assert f[0, -1] == pytest.approx(f[0, 60] * (1 - alpha_p) ** 20, rel=1e-12)


@pytest.mark.parametrize("model", ["ses", "tsb", "sample", "window"])
def test_constant_demand_has_zero_spread(model):
    d = np.full((3, 40), 6.0)
    kw = {"window": 10} if model == "window" else {}
    got = forecast_demand(d, np.array([1, 3, 5]), [20, 40], model, **kw)
    assert (got.status == 0).all()
    np.testing.assert_array_equal(got.std, 0.0)
    np.testing.assert_array_equal(got.demand_mean, 6.0)


def test_croston_sba_spread_on_constant_demand_is_its_bias():
    # every period demand 6: the SBA forecast is 0.9 * 6, so every h-period error is 0.6 h
    d = np.full((1, 40), 6.0)
    got = forecast_demand(d, 4, [40], "croston_sba")
    assert got.std[0, 0] == pytest.approx(0.6 * 4, rel=1e-12)


def test_poisson_spread():
    """Stationary Poisson(lambda) demand, SES (alpha) past its start-up, horizon h.

    The SES level has variance lambda alpha / (2 - alpha) and is independent of the next h
    periods, so E[e^2] = h lambda + h^2 lambda alpha / (2 - alpha): the mean over 4,000 SKUs
    of the error-based std^2 must be within 2 % of h lambda (1 + h alpha / (2 - alpha)) (the
    sampling error of that mean is about 0.3 %), and the sample model's std^2 within 1 % of
    h lambda.
    """
    lam, h, alpha = 4.0, 3, 0.2
    rng = np.random.default_rng(8)
    d = rng.poisson(lam, (4000, 400)).astype(float)
    ses = forecast_demand(d, h, [400], "ses", alpha=alpha, burn_in=50)
    want = h * lam * (1 + h * alpha / (2 - alpha))
    assert np.mean(ses.std**2) == pytest.approx(want, rel=0.02)
    sample = forecast_demand(d, h, [400], "sample")
    assert np.mean(sample.std**2) == pytest.approx(h * lam, rel=0.01)


def test_perfect_user_forecasts_have_zero_error():
    rng = np.random.default_rng(1)
    d = rng.poisson(2.0, (5, 30)).astype(float)
    fc = np.hstack([d, np.full((5, 6), 2.0)])
    got = forecast_demand(d, 4, [12, 20, 30], "forecast", forecasts=fc, min_errors=5)
    assert (got.status == 0).all()
    np.testing.assert_array_equal(got.std, 0.0)
    np.testing.assert_allclose(got.mean[:, 0], d[:, 12:16].sum(axis=1))
    np.testing.assert_allclose(got.mean[:, 2], 8.0)
    short = forecast_demand(d, 4, [30], "forecast", forecasts=d, min_errors=5)
    assert (np.array(FORECAST_NAMES)[short.status] == "no_forecast").all()


def test_student_and_mean_corrections_widen_the_sample_spread():
    rng = np.random.default_rng(6)
    d = rng.poisson(3.0, (4, 24)).astype(float)
    h = 4
    plain = forecast_demand(d, h, [24], "sample")
    mean = forecast_demand(d, h, [24], "sample", correction="mean")
    student = forecast_demand(d, h, [24], "sample", correction="student")
    s2 = d.var(axis=1, ddof=1)
    np.testing.assert_allclose(plain.std[:, 0] ** 2, h * s2, rtol=1e-13)
    np.testing.assert_allclose(mean.std[:, 0] ** 2, h * s2 * (1 + h / 24), rtol=1e-13)
    np.testing.assert_allclose(student.std[:, 0] ** 2, h * s2 * (1 + h / 24) * 23 / 21, rtol=1e-13)


def test_short_histories_are_flagged_not_raised():
    d = np.array([[np.nan, np.nan, 3.0, 0.0, 1.0, 2.0, 0.0]])
    names = np.array(FORECAST_NAMES)
    got = forecast_demand(d, 2, [2, 3, 4, 6], "sample", correction="student")
    assert list(names[got.status[0]]) == ["no_history"] + ["short_history"] * 2 + ["ok"]
    got = forecast_demand(d, 2, [2, 3, 4, 6], "ses")
    assert list(names[got.status[0]]) == ["no_history", "short_history"] + ["few_errors"] * 2
    assert np.isnan(got.mean[0, :2]).all() and np.isfinite(got.mean[0, 2:]).all()
    bad = forecast_demand(d, [0], [6], "tsb")
    assert names[bad.status[0, 0]] == "bad_horizon" and np.isnan(bad.mean[0, 0])
    frac = forecast_demand(d, [2.5], [6], "sample")
    assert names[frac.status[0, 0]] == "bad_horizon"


# ---------------------------------------------------------------------------------------------
# no lookahead


@settings(max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    model=st.sampled_from(DEMAND_MODELS),
    correction=st.sampled_from(CORRECTIONS),
)
def test_no_lookahead(seed, model, correction):
    rng = np.random.default_rng(seed)
    n, periods = 6, 30
    d = np.where(rng.random((n, periods)) < 0.4, rng.geometric(0.4, (n, periods)), 0.0)
    d = d.astype(float)
    d[rng.random((n, periods)) < 0.05] = np.nan
    h = rng.integers(0, 7, n)
    origins = np.sort(rng.choice(periods + 1, 5, replace=False))
    kw: dict = {"correction": correction}
    if model == "window":
        kw["window"] = int(rng.integers(1, 15))
    if model == "forecast":
        kw["forecasts"] = rng.uniform(0, 3, (n, periods + 8))
    if model not in ("sample", "window"):
        kw["min_errors"] = int(rng.integers(1, 10))
    base = forecast_demand(d, h, origins, model, **kw)
    for j, o in enumerate(origins):
        changed = d.copy()
        future = changed[:, o:]
        future[:] = rng.geometric(0.2, future.shape) * (rng.random(future.shape) < 0.7)
        future[rng.random(future.shape) < 0.1] = np.nan
        after = forecast_demand(changed, h, origins, model, **kw)
        for name, x, y in zip(base._fields, base, after):
            np.testing.assert_array_equal(x[:, j], y[:, j], err_msg=f"{name} at origin {o}")


# ---------------------------------------------------------------------------------------------
# the compiled path and its pure-Python body agree; bad calls raise


def test_kernels_without_jit_agree():
    d, h = intermittent(13, n=8, periods=20)
    d = np.ascontiguousarray(d)
    first = first_observed(d)
    origins = np.array([0, 5, 12, 20])
    for kernel, args in [
        (ses_kernel, (0.3,)),
        (croston_sba_kernel, (0.3,)),
        (tsb_kernel, (0.3, 0.1)),
    ]:
        fast = np.empty((8, 21))
        slow = np.empty((8, 21))
        kernel(d, first, *args, fast, 0, 8)
        kernel.py_func(d, first, *args, slow, 0, 8)
        np.testing.assert_array_equal(fast, slow)
    cumulative = h[:, None] * one_step_forecasts(d, "ses")
    outs = []
    for fn in (error_spread_kernel, error_spread_kernel.py_func):
        out = [np.empty((8, 4)) for _ in range(4)]
        out += [np.empty((8, 4), np.int8), np.empty((8, 4), np.int64), np.empty((8, 4), np.int64)]
        inputs = SpreadInputs(d, first, h.astype(np.int64), origins)
        fn(inputs, cumulative, 3, 0, 2, SpreadOutputs(*out), 0, 8)
        outs.append(out)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "arima"},
        {"model": "window"},
        {"model": "window", "window": 0},
        {"model": "sample", "window": 12},
        {"model": "ses", "alpha": 0.0},
        {"model": "tsb", "alpha_p": 1.5},
        {"model": "forecast"},
        {"model": "ses", "correction": "bayes"},
        {"model": "ses", "min_errors": 0},
        {"model": "sample", "origins": [11]},
        {"model": "sample", "origins": [-1]},
        {"model": "sample", "horizon": [1, 2]},
    ],
)
def test_bad_calls_raise(kwargs):
    d = np.ones((3, 10))
    args = {"horizon": 2, "origins": [5], **kwargs}
    with pytest.raises(InputError):
        forecast_demand(d, **args)
