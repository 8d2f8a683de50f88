"""Demand models for the rolling-origin backtest: demand over the next h periods, per SKU and
origin, from the history strictly before the origin.

For every SKU and every origin ``o`` (a period index), a model sees ``demand[:, :o]`` only and
returns the forecast of the cumulative demand D(h) over the periods ``o .. o + h - 1`` (``mean``
[units]), its uncertainty (``std`` [units]) and the per-period moments that invsl's two-moment
fits turn back into them (``demand_mean`` = mean / h [units/period], ``demand_std`` = std /
sqrt(h) [units/period]: with ``lead_time_std`` 0 invsl fits D(n) with mean n mu and variance
n sigma^2). Here h = L + R, the lead time plus the review period in whole periods, per SKU.

Models (``model=``):

- ``"sample"``: mean and standard deviation (ddof 1) of every observed period before the
  origin, as :func:`invsl.fit_demand` computes them; mean = h mu, std = sqrt(h) sigma. Today's
  behaviour, the baseline.
- ``"window"``: the same over the last ``window`` periods before the origin.
- ``"ses"``, ``"croston_sba"``, ``"tsb"``: a one-step-ahead forecast f[t] of the demand per
  period (simple exponential smoothing; Croston's method with the Syntetos-Boylan
  approximation [2]_; Teunter-Syntetos-Babai [3]_), flat over the horizon: mean = h f[o]. The
  spread is not sigma sqrt(h) but the SKU's own past errors of cumulative h-period forecasts
  [4]_.
- ``"forecast"``: the user's own per-period forecasts F, time-phased over the horizon:
  mean = F[o] + ... + F[o + h - 1]; spread from their past h-period errors as above.

Everything is compiled (numba kernels, one pass over time per SKU, the SKUs split among
threads by ``scalar.jit.run_rows``); no Python loop over SKUs or origins, no pandas.

References
----------
.. [1] J. D. Croston, "Forecasting and stock control for intermittent demands", Operational
   Research Quarterly 23(3), 289-303, 1972.
.. [2] A. A. Syntetos and J. E. Boylan, "The accuracy of intermittent demand estimates",
   International Journal of Forecasting 21(2), 303-314, 2005.
.. [3] R. H. Teunter, A. A. Syntetos and M. Z. Babai, "Intermittent demand: linking
   forecasting to inventory obsolescence", European Journal of Operational Research 214(3),
   606-615, 2011.
.. [4] P. Saoud, N. Kourentzes and J. E. Boylan, "Approximations for the lead time variance:
   a forecasting and inventory evaluation", Omega 110, 102614, 2022.
.. [5] D. Prak, R. Teunter and A. Syntetos, "On the calculation of safety stocks when demand
   is forecasted", European Journal of Operational Research 256(2), 454-461, 2017.
.. [6] D. Prak and R. Teunter, "A general method for addressing forecasting uncertainty in
   inventory models", International Journal of Forecasting 35(1), 224-238, 2019.
.. [7] G. J. Hahn and W. Q. Meeker, Statistical Intervals: A Guide for Practitioners, Wiley,
   1991 (prediction interval for a future observation of a normal sample).
.. [8] M. S. Bartlett, "On the theoretical specification and sampling properties of
   autocorrelated time-series", Supplement to the Journal of the Royal Statistical Society
   8(1), 27-41, 1946.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from invsl.engine.reader import InputError
from invsl.scalar.jit import readonly, run_rows
from invsl.tools.backtest.smoothing import (
    PERIOD_WEIGHTS,
    croston_sba_kernel,
    ses_kernel,
    tsb_kernel,
)
from invsl.tools.backtest.spread import (
    ForecastCells,
    SpreadInputs,
    SpreadOutputs,
    cumulative_forecast_kernel,
    cumulative_weight,
    error_spread_kernel,
    sample_kernel,
    spread_weight,
)
from invsl.vocabulary import (
    CORRECTIONS,
    CORRECTION_MEAN,
    CORRECTION_NONE,
    CORRECTION_STUDENT,
    DEMAND_MODELS,
    FORECAST_NAMES,
    FORECAST_STATUS,
)

#: fewest past h-period errors from which a forecast model takes its spread from its errors;
#: below, the sample spread sqrt(h) sigma is used and the status is ``few_errors``
MIN_ERRORS = 12


class DemandForecast(NamedTuple):
    """Demand over the horizon per SKU (rows) and origin (columns); shapes (n_skus, n_origins).

    A flagged entry (status other than ``ok`` and ``few_errors``) has NaN moments.
    """

    #: forecast of the cumulative demand over the h periods from the origin [units]
    mean: np.ndarray
    #: its standard deviation [units]
    std: np.ndarray
    #: mean / h [units/period]
    demand_mean: np.ndarray
    #: std / sqrt(h) [units/period]
    demand_std: np.ndarray
    #: status code (int8), see ``FORECAST_STATUS``; names in ``FORECAST_NAMES``
    status: np.ndarray
    #: observed periods the sample moments used (all before the origin, or the window) [-]
    observations: np.ndarray
    #: past h-period forecast errors available at the origin (0 for sample and window) [-]
    errors: np.ndarray


# ---------------------------------------------------------------------------------------------
# argument checks


def _demand_matrix(demand) -> np.ndarray:
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim != 2:
        raise InputError(
            f"demand must be a 2-D array (n_skus, periods), got {d.ndim} dimension(s); "
            "one row per SKU, one column per period"
        )
    return readonly(d)


def _first_observed(d: np.ndarray, first) -> np.ndarray:
    n, periods = d.shape
    if first is None:
        return readonly(first_observed(d))
    f = np.asarray(first)
    if f.shape != (n,) or not np.issubdtype(f.dtype, np.integer):
        raise InputError(
            f"first must be an integer array of one index per SKU, shape ({n},), "
            f"got shape {f.shape} and dtype {f.dtype}"
        )
    return readonly(np.clip(f, 0, periods), np.int64)


def _horizons(horizon, n: int) -> np.ndarray:
    h = np.asarray(horizon)
    if h.ndim == 0:
        h = np.full(n, h)
    if h.shape != (n,):
        raise InputError(
            f"horizon must be one whole number of periods per SKU (L + R), shape ({n},) or a "
            f"scalar, got shape {h.shape}"
        )
    if not np.issubdtype(h.dtype, np.integer):
        hf = h.astype(np.float64)
        whole = np.isfinite(hf) & (hf == np.round(hf))
        # a fractional or missing horizon is flagged per SKU (bad_horizon), not raised
        h = np.where(whole, hf, 0.0)
    return readonly(h, np.int64)


def _origins(origins, periods: int) -> np.ndarray:
    o = np.asarray(origins)
    if o.ndim == 0:
        o = o.reshape(1)
    if o.ndim != 1 or not np.issubdtype(o.dtype, np.integer):
        raise InputError(f"origins must be a 1-D integer array of period indices, got {o!r}")
    if o.size and (o.min() < 0 or o.max() > periods):
        raise InputError(
            f"origins must lie in 0 .. {periods} (the number of periods of demand), got "
            f"{o.min()} .. {o.max()}"
        )
    return readonly(o, np.int64)


def _alpha(name: str, value) -> float:
    a = float(value)
    if not 0.0 < a <= 1.0:
        raise InputError(f"{name} must be a smoothing constant in (0, 1], got {value!r}")
    return a


def _correction(correction) -> int:
    if correction is None:
        return CORRECTION_NONE
    if correction == "mean":
        return CORRECTION_MEAN
    if correction == "student":
        return CORRECTION_STUDENT
    raise InputError(f"unknown correction {correction!r}; use None (plug-in), 'mean' or 'student'")


def _window_span(model: str, window) -> int:
    """Periods before the origin that the sample moments use (0: all, the ``sample`` model)."""
    if model != "window":
        return 0
    if window is None or int(window) != window or window < 1:
        raise InputError(f"model='window' needs window= a whole number >= 1, got {window!r}")
    return int(window)


def _whole(name: str, value, least: int) -> int:
    """``value`` as an int, checked to be a whole number >= ``least``."""
    if int(value) != value or value < least:
        raise InputError(f"{name} must be a whole number >= {least}, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# public functions


def first_observed(demand) -> np.ndarray:
    """Index of each SKU's first non-NaN period (the number of periods if there is none).

    Parameters
    ----------
    demand : array_like, shape (n_skus, periods)
        Demand per period [units/period], NaN where not observed.

    Returns
    -------
    numpy.ndarray of int64, shape (n_skus,)
    """
    d = np.asarray(demand, dtype=np.float64)
    seen = ~np.isnan(d)
    return np.where(seen.any(axis=1), seen.argmax(axis=1), d.shape[1]).astype(np.int64)


def one_step_forecasts(
    demand,
    model: str = "ses",
    *,
    first=None,
    alpha: float = 0.2,
    alpha_d: float = 0.2,
    alpha_p: float = 0.2,
) -> np.ndarray:
    """One-step-ahead forecasts of the demand per period, made before each period.

    Parameters
    ----------
    demand : array_like, shape (n_skus, T)
        Demand per period [units/period]. NaN is a period not observed: it is skipped, as if
        it did not exist (no update, and Croston's interval counter does not advance).
    model : {"ses", "croston_sba", "tsb"}
        The recursion.
    first : array_like of int, shape (n_skus,), optional
        Per SKU, the first period observed; earlier periods are ignored even if not NaN.
        Default: the first non-NaN period of the row.
    alpha : float, optional
        Smoothing constant of ``ses`` (the level) and of ``croston_sba`` (sizes and
        intervals), in (0, 1]; default 0.2.
    alpha_d, alpha_p : float, optional
        ``tsb``: smoothing constants of the demand sizes and of the demand probability, in
        (0, 1]; default 0.2 each.

    Returns
    -------
    numpy.ndarray, shape (n_skus, T + 1)
        ``f[i, t]``: the forecast of the demand in period t [units/period] from
        ``demand[i, first[i]:t]`` only; ``f[i, T]`` uses the whole row. NaN while no period
        has been observed (t <= first period observed).

    Notes
    -----
    Every smoothed quantity x_k (k-th observation y_k of what it smooths, k = 1, 2, ...)
    follows x_1 = y_1, x_k = x_{k-1} + w_k (y_k - x_{k-1}) with w_k = max(alpha, 1/k). The first
    floor(1/alpha) updates are therefore a plain running mean (the initial value is the mean of
    the first observations, without looking ahead), then exponential smoothing goes on with
    weight alpha. With alpha = 1 every forecast is the last observation. (statsforecast starts
    each smoothing at its first observation instead: the same recursion with w_k = alpha for
    k >= 2.)

    - ``ses``: y_k = the demand of the k-th observed period; f = x.
    - ``croston_sba`` [1]_, [2]_: only periods with demand update; sizes y_k = d_t > 0, and
      intervals q_k = the observed periods since the previous demand, the current one
      included (the first interval counts from the first observed period, as statsforecast
      does: 1 if the first period observed has demand); both smoothed with the same alpha;
      f = (1 - alpha/2) z / p. Before the first demand f = 0.
    - ``tsb`` [3]_: every observed period updates the probability with the indicator
      y_k = [d_t > 0] (alpha_p), so that it decays geometrically, by (1 - alpha_p) per period,
      while no demand comes; periods with demand update the size (alpha_d); f = p z, and 0
      before the first demand.

    Examples
    --------
    >>> import numpy as np
    >>> from invsl.tools.backtest.models import one_step_forecasts
    >>> one_step_forecasts(np.array([[2.0, 0.0, 4.0]]), "ses", alpha=1.0)
    array([[nan,  2.,  0.,  4.]])
    """
    d = _demand_matrix(demand)
    f0 = _first_observed(d, first)
    n, periods = d.shape
    out = np.empty((n, periods + 1))
    weight = PERIOD_WEIGHTS.get(model, 0.0) * periods
    if model == "ses":
        run_rows(ses_kernel, n, weight, d, f0, _alpha("alpha", alpha), out)
    elif model == "croston_sba":
        run_rows(croston_sba_kernel, n, weight, d, f0, _alpha("alpha", alpha), out)
    elif model == "tsb":
        alphas = (_alpha("alpha_d", alpha_d), _alpha("alpha_p", alpha_p))
        run_rows(tsb_kernel, n, weight, d, f0, *alphas, out)
    else:
        raise InputError(f"unknown recursion {model!r}; use 'ses', 'croston_sba' or 'tsb'")
    return out


def forecast_cells(sku, period, value, origin, n: int, periods: int) -> ForecastCells:
    """User forecasts as :class:`~invsl.tools.backtest.spread.ForecastCells` (vectorised).

    Parameters
    ----------
    sku, period : array_like of int, shape (m,)
        Per forecast: its SKU (row of the demand matrix, 0 .. n - 1) and the period it is
        for (a period index, 0 .. periods - 1; it may lie after the history).
    value : array_like of float, shape (m,)
        The forecast demand of that period [units/period]; NaN entries are left out (no
        forecast).
    origin : array_like of int, shape (m,)
        The first origin (period index) at which the forecast may be used: the period after
        the last one its forecasting model saw. Give 0 for forecasts taken as given.
    n, periods : int
        Number of SKUs and of periods of the cells.

    Returns
    -------
    ForecastCells
        With one cell per (SKU, period), its entries sorted by origin.

    Examples
    --------
    >>> from invsl.tools.backtest.models import forecast_cells
    >>> cells = forecast_cells([0, 0, 0], [2, 2, 1], [5.0, 4.0, 3.0], [1, 0, 0], 1, 3)
    >>> cells.offsets.tolist(), cells.origin.tolist(), cells.value.tolist()
    ([0, 0, 1, 3], [0, 0, 1], [3.0, 4.0, 5.0])
    """
    sku = np.asarray(sku, dtype=np.int64)
    period = np.asarray(period, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    origin = np.asarray(origin, dtype=np.int64)
    keep = ~np.isnan(value)
    cell = sku[keep] * periods + period[keep]
    order = np.lexsort((origin[keep], cell))
    counts = np.bincount(cell, minlength=n * periods)
    offsets = np.zeros(n * periods + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return ForecastCells(
        readonly(offsets),
        readonly(origin[keep][order]),
        readonly(value[keep][order]),
        int(periods),
    )


def _dense_cells(table: np.ndarray) -> ForecastCells:
    """A forecast table (n, T_f) taken as given (usable at every origin) as cells."""
    n, periods = table.shape
    sku = np.repeat(np.arange(n), periods)
    period = np.tile(np.arange(periods), n)
    return forecast_cells(sku, period, table.ravel(), np.zeros(n * periods), n, periods)


def _cumulative(
    d: np.ndarray, h: np.ndarray, model: str, first: np.ndarray, forecasts, alpha, alpha_d, alpha_p
) -> np.ndarray:
    """C[i, t], the forecast of the demand in periods t .. t + h_i - 1 made at t, shape
    (n, T + 1): time-phased sums of the user's ``forecasts`` (taken as available at t, see
    :func:`forecast_cells`) or h times a recursion's one-step forecast."""
    n, periods = d.shape
    if model == "forecast":
        if forecasts is None:
            raise InputError(
                "model='forecast' needs forecasts=, the user's forecast per SKU and period"
            )
        if isinstance(forecasts, ForecastCells):
            cells = forecasts
            if cells.offsets.shape != (n * cells.periods + 1,):
                raise InputError(
                    f"forecasts: the cells hold {(cells.offsets.shape[0] - 1)} (SKU, period) "
                    f"cells, not one per SKU ({n}) and period ({cells.periods})"
                )
        else:
            table = np.asarray(forecasts, dtype=np.float64)
            if table.ndim != 2 or table.shape[0] != n:
                raise InputError(
                    f"forecasts must be a 2-D array with one row per SKU ({n}), got shape "
                    f"{table.shape}"
                )
            cells = _dense_cells(table)
        out = np.empty((n, periods + 1))
        run_rows(cumulative_forecast_kernel, n, cumulative_weight(h, periods), cells, h, out)
        return readonly(out)
    table = one_step_forecasts(d, model, first=first, alpha=alpha, alpha_d=alpha_d, alpha_p=alpha_p)
    return readonly(h[:, None] * table)


def forecast_demand(
    demand,
    horizon,
    origins,
    model: str = "sample",
    *,
    first=None,
    window: int | None = None,
    alpha: float = 0.2,
    alpha_d: float = 0.2,
    alpha_p: float = 0.2,
    forecasts=None,
    min_errors: int = MIN_ERRORS,
    burn_in: int = 0,
    correction: str | None = None,
) -> DemandForecast:
    """Demand over the next h periods at every origin, from the history before it only.

    Parameters
    ----------
    demand : array_like, shape (n_skus, T)
        Recorded demand per period [units/period]. NaN is a period not observed and is
        skipped by every model (the sample moments leave it out, as ``fit_demand(...,
        missing="skip")`` does; the recursions skip it; an error whose horizon contains it is
        not counted). For ``fit_demand``'s default ``missing="zero"`` fill absent periods with
        0 before the call. Negative values are not checked here.
    horizon : int or array_like of int, shape (n_skus,)
        h = L + R per SKU, lead time plus review period [periods]. A value below 1 (or not a
        whole number) flags that SKU ``bad_horizon``.
    origins : array_like of int, shape (n_origins,)
        Origins, period indices in 0 .. T. At origin o only ``demand[:, :o]`` is used; the
        forecast is of the demand in periods o .. o + h - 1.
    model : {"sample", "window", "ses", "croston_sba", "tsb", "forecast"}
        The demand model (module docstring).
    first : array_like of int, shape (n_skus,), optional
        Per SKU, the first period observed; earlier periods are ignored even if not NaN (for
        a history filled with zeros, the index of the part's first sale or introduction).
        Default: the first non-NaN period of each row.
    window : int, optional
        ``window`` model only (required there): number of periods before the origin [periods].
    alpha, alpha_d, alpha_p : float, optional
        Smoothing constants, see :func:`one_step_forecasts`; default 0.2.
    forecasts : array_like, shape (n_skus, T_f), or ForecastCells, optional
        ``forecast`` model only (required there): the user's forecast of the demand in each
        period [units/period]. A 2-D array is taken as given, usable at every origin: the
        mean at origin o is forecasts[:, o:o + h].sum(axis=1), so T_f >= max(origins) + h
        is needed, and the caller is responsible for these forecasts having been made
        before the origin. :func:`forecast_cells` (one row per SKU) says from which origin
        each forecast may be used (its vintage): at origin o, and for the past error made
        at t, each period takes the forecast of the latest vintage <= o (<= t), so nothing
        is looked ahead. A period of the horizon without a forecast flags ``no_forecast``.
    min_errors : int, optional
        Fewest past h-period errors from which the spread of a forecast model comes from its
        errors (default 12); below it, the sample spread is used (status ``few_errors``).
    burn_in : int, optional
        Forecasts made in the first ``burn_in`` periods from the first observed one are not
        scored (their errors are left out of the spread); default 0.
    correction : {None, "mean", "student"}, optional
        Short-history correction of the spread (Notes). Default None: the plug-in value.

    Returns
    -------
    DemandForecast
        ``mean``, ``std``, ``demand_mean``, ``demand_std``, ``status``, ``observations`` and
        ``errors``, each of shape (n_skus, n_origins).

    Raises
    ------
    InputError
        An unknown model or correction, a missing ``window`` or ``forecasts``, a smoothing
        constant outside (0, 1], origins outside 0 .. T, arrays of the wrong shape.

    Notes
    -----
    With n observed periods before the origin (in the window for ``window``), their mean
    mu and standard deviation s (ddof 1):

    - ``sample``, ``window``: mean = h mu, std^2 = h s^2 c_n.
    - ``ses``, ``croston_sba``, ``tsb``: mean = h f[o], f from :func:`one_step_forecasts`;
      ``forecast``: mean = F[o] + ... + F[o + h - 1]. The past errors of cumulative
      forecasts [4]_ are e[t] = d[t] + ... + d[t + h - 1] - (h f[t] or F[t] + ... +
      F[t + h - 1]) for every t >= first + burn_in whose horizon has ended before the origin
      (t + h <= o), with every period observed and the forecast defined; with m of them,
      std^2 = (sum e[t]^2 / m) c_m (the root mean square, bias included). If m < min_errors,
      std^2 = h s^2 c_n as for ``sample`` (status ``few_errors``).

    and always demand_mean = mean / h, demand_std = std / sqrt(h). The correction factor c:

    - None: c = 1 (the plug-in value).
    - ``"mean"``: the per-period mean of ``sample``/``window`` is estimated from n values, and
      its error is common to all h periods: Var(D(h) - h mu) = h sigma^2 (1 + h/n), so
      c_n = 1 + h/n (for h = 1 the classical prediction variance sigma^2 (1 + 1/n) [7]_; the
      predictive lead-time demand of [5]_, [6]_). The errors of the forecast models
      already contain the error of their estimated level, so there c_m = 1 (only their
      ``few_errors`` fallback is corrected).
    - ``"student"``: the standard deviation is estimated too. For normal demand the
      predictive distribution of D(h) is h mu + s sqrt(h (1 + h/n)) t_{n-1} [7]_, [6]_, whose
      variance gives c_n = (1 + h/n) (n - 1) / (n - 3) (needs n >= 4). For the errors, a new
      error is sqrt(mean e^2) t_nu with nu effective degrees of freedom: overlapping errors of
      h periods are correlated (rho_k = 1 - k/h), and Bartlett's variance of a mean of squares
      [8]_ gives nu = m / (1 + (h - 1)(2h - 1) / (3h)); c_m = nu / (nu - 2), and the sample
      fallback (``few_errors``) when nu <= 2.

    The two-moment fit downstream then matches that variance (for a normal fit, the quantile
    of the variance-matched normal is close to the Student-t quantile for the usual targets,
    not equal to it).

    With fewer than 2 observed periods (4 with ``"student"``) the entry is
    ``short_history``, with none ``no_history``, and its moments are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from invsl.tools.backtest.models import forecast_demand
    >>> d = np.array([[1.0, 3.0, 1.0, 3.0, 2.0, 2.0]])
    >>> r = forecast_demand(d, horizon=2, origins=[4, 6])
    >>> r.mean, r.demand_mean, r.demand_std ** 2
    (array([[4., 4.]]), array([[2., 2.]]), array([[1.33333333, 0.8       ]]))
    """
    d = _demand_matrix(demand)
    n, periods = d.shape
    h = _horizons(horizon, n)
    o = _origins(origins, periods)
    f0 = _first_observed(d, first)
    corr = _correction(correction)
    if model not in DEMAND_MODELS:
        raise InputError(f"unknown demand model {model!r}; use one of {', '.join(DEMAND_MODELS)}")
    if window is not None and model != "window":
        raise InputError(f"window= applies to model='window' only, not {model!r}")
    if forecasts is not None and model != "forecast":
        raise InputError(f"forecasts= applies to model='forecast' only, not {model!r}")

    shape = (n, o.shape[0])
    outputs = SpreadOutputs(
        mean=np.empty(shape),
        std=np.empty(shape),
        demand_mean=np.empty(shape),
        demand_std=np.empty(shape),
        status=np.empty(shape, dtype=np.int8),
        observations=np.empty(shape, dtype=np.int64),
        errors=np.zeros(shape, dtype=np.int64),
    )
    inputs = SpreadInputs(demand=d, first=f0, horizon=h, origins=o)
    if model in ("sample", "window"):
        span = _window_span(model, window)
        weight = spread_weight(None, periods, o.shape[0], span)
        run_rows(sample_kernel, n, weight, inputs, span, corr, outputs)
    else:
        fewest = _whole("min_errors", min_errors, 1)
        skipped = _whole("burn_in", burn_in, 0)
        cumulative = _cumulative(d, h, model, f0, forecasts, alpha, alpha_d, alpha_p)
        weight = spread_weight(h, periods, o.shape[0])
        args = (inputs, cumulative, fewest, skipped, corr, outputs)
        run_rows(error_spread_kernel, n, weight, *args)
    return DemandForecast(*outputs)


__all__ = [
    "CORRECTIONS",
    "DemandForecast",
    "ForecastCells",
    "FORECAST_NAMES",
    "FORECAST_STATUS",
    "MIN_ERRORS",
    "DEMAND_MODELS",
    "first_observed",
    "forecast_cells",
    "forecast_demand",
    "one_step_forecasts",
]
