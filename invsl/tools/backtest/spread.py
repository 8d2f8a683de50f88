"""Moments of the demand over the horizon per SKU and origin for the backtest's demand models:
the sample moments (``sample``, ``window``) and the spread of the forecast models from their
past errors of cumulative h-period forecasts, with the short-history corrections, as numba
kernels over SKUs.

The formulas and references are documented in
:func:`invsl.tools.backtest.models.forecast_demand`, which checks the arguments and calls
these kernels. Each kernel computes the SKUs ``start`` .. ``stop - 1``, each on its own, so
that ``scalar.jit.run_rows`` can split the SKUs among threads (the weights ``*_WEIGHT``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from invsl.scalar.jit import borrowed, kernel, scalar, tiny
from invsl.vocabulary import (
    CORRECTION_MEAN,
    CORRECTION_NONE,
    CORRECTION_STUDENT,
    FORECAST_BAD_HORIZON,
    FORECAST_FEW_ERRORS,
    FORECAST_NO_FORECAST,
    FORECAST_NO_HISTORY,
    FORECAST_OK,
    FORECAST_SHORT_HISTORY,
)

#: cost of one period of a SKU's history read once in the spread kernels [rows of the (s, Q)
#: normal kernel, the unit of ``scalar.jit.run_rows``] (see :func:`spread_weight`): 2-3 ns
#: against 0.3 us a row, measured on one thread on 2,000-20,000 intermittent SKUs x 60-500
#: periods, 5-40 origins
SCAN_WEIGHT = 0.01
#: cost of one (t, p) cell of :func:`cumulative_forecast_kernel` [rows of the (s, Q) normal
#: kernel] (see :func:`cumulative_weight`): about 4 ns (one forecast per cell), measured as
#: above
CELL_WEIGHT = 0.012


def _mean_horizon(horizon, periods: int) -> float:
    """The mean of the horizons h [periods], each cut to 0 .. ``periods`` (the kernels never
    read beyond the history; 0 for no SKU)."""
    if horizon.shape[0] == 0:
        return 0.0
    return float(np.clip(horizon, 0, periods).mean())


def spread_weight(horizon, periods: int, n_origins: int, window: int = 0) -> float:
    """The cost of one SKU [rows of the (s, Q) normal kernel] in :func:`sample_kernel`
    (``horizon`` None: the moments of at most ``periods`` periods, or ``window`` if > 0, at
    each of ``n_origins`` origins) or :func:`error_spread_kernel` (``horizon`` (n,) int64:
    the moments, and the h-period error of every period)."""
    if horizon is None:
        return SCAN_WEIGHT * n_origins * (min(window, periods) if window > 0 else periods)
    return SCAN_WEIGHT * (n_origins + _mean_horizon(horizon, periods)) * periods


def cumulative_weight(horizon, periods: int) -> float:
    """The cost of one SKU in :func:`cumulative_forecast_kernel` [rows of the (s, Q) normal
    kernel]: h cells at each of ``periods`` + 1 origins t."""
    return CELL_WEIGHT * _mean_horizon(horizon, periods) * (periods + 1)


# ---------------------------------------------------------------------------------------------
# scalar helpers


@scalar
def observed_moments(row, lo, hi):
    """Count, mean and variance (ddof 1; NaN below 2) of the non-NaN ``row[lo:hi]``."""
    total = 0.0
    count = 0
    for k in range(lo, hi):
        x = row[k]
        if not np.isnan(x):
            total += x
            count += 1
    if count == 0:
        return 0, np.nan, np.nan
    mean = total / count
    if count < 2:
        return count, mean, np.nan
    ss = 0.0
    for k in range(lo, hi):
        x = row[k]
        if not np.isnan(x):
            dx = x - mean
            ss += dx * dx
    return count, mean, ss / (count - 1)


@tiny
def sample_factor(n, h, correction):
    """Factor on the sample variance per period for a horizon of h periods (NaN: too short)."""
    if n < 2:
        return np.nan
    if correction == CORRECTION_NONE:
        return 1.0
    level = 1.0 + h / n
    if correction == CORRECTION_MEAN:
        return level
    if n < 4:
        return np.nan
    return level * (n - 1.0) / (n - 3.0)


@scalar
def horizon_error(demand, cumulative, i, t, h):
    """Demand in periods t .. t + h - 1 minus its forecast made at t, ``cumulative[i, t]``
    (NaN if a period is unobserved or the forecast is missing)."""
    total = 0.0
    for k in range(t, t + h):
        x = demand[i, k]
        if np.isnan(x):
            return np.nan
        total += x
    return total - cumulative[i, t]


@kernel
def cumulative_forecast_kernel(forecasts, horizon, out, start, stop):
    """The forecast of D(t .. t + h - 1) available at t, per SKU ``start`` .. ``stop - 1``
    and t (``models``).

    ``forecasts`` a :class:`ForecastCells` with one forecast row per SKU; ``horizon[i]`` h;
    ``out`` (n, T + 1). ``out[i, t]`` is the sum over the periods p = t .. t + h - 1 of the
    entry of cell (i, p) with the latest origin <= t, in the order of p; NaN when a period
    has no such entry (or h < 1).
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    forecasts, horizon, out = borrowed((forecasts, horizon, out))
    offsets, origin, value, periods = forecasts
    columns = out.shape[1]
    for i in range(start, stop):
        h = horizon[i]
        for t in range(columns):
            total = np.nan
            if h >= 1:
                total = 0.0
                for p in range(t, t + h):
                    if p >= periods:
                        total = np.nan
                        break
                    lo = offsets[i * periods + p]
                    k = offsets[i * periods + p + 1] - 1
                    while k >= lo and origin[k] > t:
                        k -= 1
                    if k < lo:
                        total = np.nan
                        break
                    total += value[k]
            out[i, t] = total


# ---------------------------------------------------------------------------------------------
# moments per SKU and origin


class SpreadInputs(NamedTuple):
    """The inputs of the spread kernels, grouped by name: ``demand`` (n, T) float64,
    ``first`` (n,) int64 first observed period, ``horizon`` (n,) int64 h, ``origins`` (K,)
    int64."""

    demand: np.ndarray
    first: np.ndarray
    horizon: np.ndarray
    origins: np.ndarray


class ForecastCells(NamedTuple):
    """User forecasts as flat cells, one cell per (SKU i, period p) in the order
    i * periods + p: the entries of a cell are ``offsets[c] .. offsets[c + 1] - 1``, sorted
    by ``origin`` (int64: the first origin, a period index, at which the entry may be used),
    with their ``value`` (float64, units/period); ``periods`` the number of periods P."""

    offsets: np.ndarray
    origin: np.ndarray
    value: np.ndarray
    periods: int


class SpreadOutputs(NamedTuple):
    """What the spread kernels write, each (n, K): ``mean``, ``std`` of D(h) [units],
    ``demand_mean``, ``demand_std`` per period, ``status`` (int8), ``observations`` and
    ``errors`` (int64)."""

    mean: np.ndarray
    std: np.ndarray
    demand_mean: np.ndarray
    demand_std: np.ndarray
    status: np.ndarray
    observations: np.ndarray
    errors: np.ndarray


@kernel
def sample_kernel(inputs, window, correction, outputs, start, stop):
    """``sample`` (window <= 0) and ``window`` moments per origin (``models.forecast_demand``)
    of the SKUs ``start`` .. ``stop - 1``; ``inputs`` a :class:`SpreadInputs`, ``outputs`` a
    :class:`SpreadOutputs`."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    inputs, window, correction, outputs = borrowed((inputs, window, correction, outputs))
    demand, first, horizon, origins = inputs
    mean, std, dmean, dstd, status, obs, _ = outputs
    n_origins = origins.shape[0]
    for i in range(start, stop):
        h = horizon[i]
        for j in range(n_origins):
            o = origins[j]
            mean[i, j] = np.nan
            std[i, j] = np.nan
            dmean[i, j] = np.nan
            dstd[i, j] = np.nan
            obs[i, j] = 0
            if h < 1:
                status[i, j] = FORECAST_BAD_HORIZON
                continue
            lo = first[i]
            if window > 0 and o - window > lo:
                lo = o - window
            count, mu, var = observed_moments(demand[i], lo, o)
            obs[i, j] = count
            if count == 0:
                status[i, j] = FORECAST_NO_HISTORY
                continue
            factor = sample_factor(count, h, correction)
            if np.isnan(factor):
                status[i, j] = FORECAST_SHORT_HISTORY
                continue
            per_period = var * factor
            mean[i, j] = h * mu
            std[i, j] = math.sqrt(h * per_period)
            dmean[i, j] = mu
            dstd[i, j] = math.sqrt(per_period)
            status[i, j] = FORECAST_OK


@kernel
def error_spread_kernel(inputs, cumulative, min_errors, burn_in, correction, outputs, start, stop):
    """Forecast models' mean and past-error spread per origin (``models.forecast_demand``) of
    the SKUs ``start`` .. ``stop - 1``; ``inputs`` a :class:`SpreadInputs`; ``cumulative``
    (n, T + 1) the forecast of the demand in t .. t + h - 1 made at t (NaN: none);
    ``outputs`` a :class:`SpreadOutputs`."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    inputs, cumulative, min_errors, burn_in, correction, outputs = borrowed(
        (inputs, cumulative, min_errors, burn_in, correction, outputs)
    )
    demand, first, horizon, origins = inputs
    mean, std, dmean, dstd, status, obs, errors = outputs
    periods = demand.shape[1]
    n_origins = origins.shape[0]
    for i in range(start, stop):
        h = horizon[i]
        if h < 1:
            for j in range(n_origins):
                mean[i, j] = np.nan
                std[i, j] = np.nan
                dmean[i, j] = np.nan
                dstd[i, j] = np.nan
                status[i, j] = FORECAST_BAD_HORIZON
                obs[i, j] = 0
                errors[i, j] = 0
            continue
        begin = first[i]
        # squares[j], counts[j]: the errors of the forecasts made at t with t + h <= j
        squares = np.zeros(periods + 1)
        counts = np.zeros(periods + 1, dtype=np.int64)
        for j in range(1, periods + 1):
            squares[j] = squares[j - 1]
            counts[j] = counts[j - 1]
            t = j - h
            if t < 0 or t < begin + burn_in:
                continue
            e = horizon_error(demand, cumulative, i, t, h)
            if not np.isnan(e):
                squares[j] += e * e
                counts[j] += 1
        # overlapping errors of h periods carry fewer independent ones (Bartlett)
        overlap = 1.0 + (h - 1.0) * (2.0 * h - 1.0) / (3.0 * h)
        for j in range(n_origins):
            o = origins[j]
            mean[i, j] = np.nan
            std[i, j] = np.nan
            dmean[i, j] = np.nan
            dstd[i, j] = np.nan
            count, mu, var = observed_moments(demand[i], begin, o)
            ne = counts[o]
            obs[i, j] = count
            errors[i, j] = ne
            if count == 0:
                status[i, j] = FORECAST_NO_HISTORY
                continue
            forecast = cumulative[i, o]
            if np.isnan(forecast):
                status[i, j] = FORECAST_NO_FORECAST
                continue
            per_period = np.nan
            code = FORECAST_OK
            if ne >= min_errors:
                per_period = squares[o] / ne / h
                if correction == CORRECTION_STUDENT:
                    dof = ne / overlap
                    per_period = per_period * dof / (dof - 2.0) if dof > 2.0 else np.nan
            if np.isnan(per_period):
                code = FORECAST_FEW_ERRORS
                per_period = var * sample_factor(count, h, correction)
                if np.isnan(per_period):
                    status[i, j] = FORECAST_SHORT_HISTORY
                    continue
            mean[i, j] = forecast
            std[i, j] = math.sqrt(h * per_period)
            dmean[i, j] = forecast / h
            dstd[i, j] = math.sqrt(per_period)
            status[i, j] = code


__all__ = [
    "CELL_WEIGHT",
    "ForecastCells",
    "SCAN_WEIGHT",
    "SpreadInputs",
    "SpreadOutputs",
    "cumulative_forecast_kernel",
    "cumulative_weight",
    "error_spread_kernel",
    "horizon_error",
    "observed_moments",
    "sample_factor",
    "sample_kernel",
    "spread_weight",
]
