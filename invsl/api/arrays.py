"""Array functions: numpy arrays (or scalars) in, numpy arrays out, with broadcasting.

Every function validates its inputs element by element: an invalid element gives NaN in the
output (never an exception for the whole array). To learn why an element is NaN, pass
``return_status=True``: the function then returns ``(result, status)``, with ``status`` a
:class:`RowStatus` of arrays of the broadcast shape holding each element's status code, name
and message (the codes and texts of the DataFrame layer's ``status`` and ``message`` columns,
listed in docs/troubleshooting.md).

Units: ``demand_mean`` and ``demand_std`` are per period (day, week, month: any unit, used
consistently), ``lead_time`` and ``lead_time_std`` in periods, quantities in units of stock.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from invsl.kernels import batch
from invsl.scalar import distributions as dist
from invsl.scalar.jit import borrowed, kernel, run_rows
from invsl.vocabulary import NAMES, OK, ZERO_DEMAND
from invsl.engine import single
from invsl.engine.assemble import messages
from invsl.engine.validate import distribution_codes, fold_deterministic, metric_codes, validate

_POLICY_DOC = """
    reorder_point : array_like
        Reorder point s [units]: an order is placed when the inventory position (on hand
        plus on order minus backorders) reaches s.
    order_quantity : array_like
        Order quantity Q [units], > 0.
    demand_mean : array_like
        Mean demand per period mu [units/period], >= 0.
    demand_std : array_like
        Standard deviation of demand per period sigma [units/period], >= 0 (not used by
        ``poisson``).
    lead_time : array_like
        Replenishment lead time L [periods], >= 0, may be fractional.
    lead_time_std : array_like, optional
        Standard deviation of the lead time sigma_L [periods], default 0.
    distribution : str or array_like of str, optional
        Model of the lead-time demand X: ``normal`` (default), ``gamma``, ``poisson`` or
        ``negbin``, fitted to E[X] = mu L and Var[X] = L sigma^2 + mu^2 sigma_L^2."""


RETURN_STATUS_DOC = """
    return_status : bool, optional
        If True, also return a :class:`RowStatus` saying, element by element, whether the
        result was computed (``ok``) or why it is NaN. Default False."""


def _result(array: np.ndarray):
    """0-d arrays become numpy scalars, as numpy ufuncs do."""
    return array[()] if array.ndim == 0 else array


class RowStatus(NamedTuple):
    """Status of each element of an array function's result (``return_status=True``).

    Attributes
    ----------
    code : numpy.ndarray of uint8
        Status code per element: 0 (``ok``) where the result was computed, else the code of
        the first problem found (docs/troubleshooting.md lists them all).
    name : numpy.ndarray of str
        The code's name (``ok``, ``missing``, ``bad_target``, ``precision_limit``, ...), as in
        the ``status`` column of :func:`invsl.evaluate`.
    message : numpy.ndarray of object
        What is wrong and how to fix it, naming the input and its value
        (``"target = 1.5: target must lie strictly between 0 and 1, e.g. 0.95"``); ``""``
        for ``ok`` elements. As in the ``message`` column of :func:`invsl.evaluate`.

    All three have the broadcast shape of the inputs (numpy scalars for scalar inputs).
    ``status.ok`` is a boolean mask of the computed elements.
    """

    code: np.ndarray
    name: np.ndarray
    message: np.ndarray

    @property
    def ok(self):
        """True where the element was computed (code 0)."""
        return _result(np.asarray(self.code) == OK)


def row_status(status: np.ndarray, field: np.ndarray, values: dict, shape) -> RowStatus:
    """A RowStatus from the flat status and field arrays of validation and the kernels.

    ``values``: the flat input arrays by name, for the messages (field = value: text).
    """
    raw = {name: pd.Series(np.asarray(v, dtype=object)) for name, v in values.items()}
    message = messages(status, field, raw).reshape(shape)
    code = status.reshape(shape)
    name = np.asarray(NAMES, dtype=object)[status].reshape(shape)
    return RowStatus(_result(code), _result(name), _result(message))


def labels(value, shape):
    """Text inputs (distribution, metric) broadcast to the flat shape, for the messages."""
    return np.broadcast_to(np.asarray(value, dtype=object), shape).ravel()


#: the RowStatus of a computed element given as scalars (numpy uint8, "ok", "")
_OK_STATUS = row_status(np.full(1, OK, dtype=np.uint8), np.empty(1, dtype=object), {}, ())
_NAN = np.float64(math.nan)
#: output name -> its position in the kernels' outputs
_POSITION = {name: i for i, name in enumerate(batch.OUTPUTS)}


def _one_row(
    solve,
    distribution,
    metric,
    target,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    reorder_point,
    return_status,
):
    """The outputs (floats, in the order of ``batch.OUTPUTS``) of a call whose inputs are
    all Python scalars, computed without arrays (``engine.single``, bit for bit the array
    path's); None when the array path must run: inputs that are not scalars of the types it
    takes, or ``return_status`` for a row that is not OK (the array path writes its
    message)."""
    row = single.sq(
        solve,
        distribution,
        metric,
        target,
        demand_mean,
        demand_std,
        lead_time,
        lead_time_std,
        order_quantity,
        reorder_point,
    )
    if row is None or (return_status and not row[0]):
        return None
    return row[1]


def _run_sq(
    solve,
    distribution,
    metric,
    target,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    reorder_point,
    return_status=False,
):
    """Broadcast, validate, run the (s, Q) kernel; returns (outputs dict, RowStatus or None)."""
    dist_codes = distribution_codes(distribution)
    metric_code = metric_codes(metric) if solve else np.asarray(0, dtype=np.int8)
    arrays = np.broadcast_arrays(
        np.asarray(demand_mean, dtype=float),
        np.asarray(demand_std, dtype=float),
        np.asarray(lead_time, dtype=float),
        np.asarray(lead_time_std, dtype=float),
        np.asarray(order_quantity, dtype=float),
        np.asarray(reorder_point if reorder_point is not None else np.nan, dtype=float),
        np.asarray(target if target is not None else np.nan, dtype=float),
        dist_codes,
        metric_code,
    )
    shape = arrays[0].shape
    # copies: broadcast views are read-only and may alias each other
    mu, sigma, lt, lt_std, q, s, t, dcode, mcode = (np.array(a).ravel() for a in arrays)
    dcode, sigma = fold_deterministic(dcode, sigma)
    status, field = validate(
        demand_mean=mu,
        demand_std=sigma,
        lead_time=lt,
        lead_time_std=lt_std,
        order_quantity=q,
        distribution=dcode,
        reorder_point=None if solve else s,
        metric=mcode if solve else None,
        target=t if solve else None,
    )
    out, kind = batch.sq(solve, dcode, mcode, t, mu, sigma, lt, lt_std, q, s, status)
    outputs = {name: out[i].reshape(shape) for i, name in enumerate(batch.OUTPUTS)}
    if not return_status:
        return outputs, None
    values = dict(
        demand_mean=mu,
        demand_std=sigma,
        lead_time=lt,
        lead_time_std=lt_std,
        order_quantity=q,
        reorder_point=s,
        target=t,
        distribution=labels(distribution, shape),
        metric=labels(metric if solve else "", shape),
    )
    return outputs, row_status(status, field, values, shape)


def service_levels(
    reorder_point,
    order_quantity,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std=0.0,
    distribution="normal",
    *,
    return_status=False,
):
    """Every service level of a continuous-review (s, Q) policy with backorders.

    Parameters
    ----------{policy}{return_status}

    Returns
    -------
    dict of numpy.ndarray
        ``alpha`` (cycle service level), ``beta`` (fill rate), ``gamma`` (time-weighted
        service level [-], can be negative), ``ready_rate``, ``expected_backorders``
        [units], ``expected_on_hand`` [units], ``safety_stock`` [units]. NaN where the
        inputs are invalid or the mean demand is 0.
    status : RowStatus
        Only with ``return_status=True``: code, name and message per element.

    Notes
    -----
    With G1(x) = E[(X - x)^+] and G2 the second-order loss function of the lead-time
    demand X (docs/service-levels.md):

    - alpha = F(s) = P(X <= s)
    - beta = 1 - (G1(s) - G1(s + Q)) / Q
    - E[B] = (G2(s) - G2(s + Q)) / Q, integer demand (G2(s + 1) - G2(s + Q + 1)) / Q
    - gamma = 1 - E[B] / mu
    - ready_rate = P(net stock > 0) = beta
    - expected_on_hand = s + Q/2 - E[X] + E[B] (integer demand: (Q + 1)/2)

    Examples
    --------
    >>> import invsl
    >>> levels = invsl.service_levels(120, 200, 100, 30, 1)
    >>> round(float(levels["beta"]), 6)
    0.977332

    Why an element is NaN:

    >>> levels, status = invsl.service_levels(
    ...     120, [200, -5, 200], [100, 100, 0], 30, 1, return_status=True
    ... )
    >>> levels["beta"].round(4)
    array([0.9773,    nan,    nan])
    >>> status.name.tolist()
    ['ok', 'bad_order_quantity', 'zero_demand']
    >>> status.message[1]
    'order_quantity = -5.0: order_quantity must be > 0'
    """
    call = (False, distribution, None, None, demand_mean, demand_std, lead_time, lead_time_std,
            order_quantity, reorder_point, return_status)  # fmt: skip
    row = _one_row(*call)
    if row is not None:
        levels = {name: np.float64(row[i]) for name, i in _POSITION.items() if i > 0}
        return (levels, _OK_STATUS) if return_status else levels
    out, row_status = _run_sq(*call)
    del out["reorder_point"]
    levels = {name: _result(values) for name, values in out.items()}
    return (levels, row_status) if return_status else levels


service_levels.__doc__ = (service_levels.__doc__ or "").format(
    policy=_POLICY_DOC, return_status=RETURN_STATUS_DOC
)


def _single(name: str, title: str, formula: str, unit: str):
    position = _POSITION[name]

    def function(
        reorder_point,
        order_quantity,
        demand_mean,
        demand_std,
        lead_time,
        lead_time_std=0.0,
        distribution="normal",
        *,
        return_status=False,
    ):
        call = (False, distribution, None, None, demand_mean, demand_std, lead_time,
                lead_time_std, order_quantity, reorder_point, return_status)  # fmt: skip
        row = _one_row(*call)
        if row is not None:
            value = np.float64(row[position])
            return (value, _OK_STATUS) if return_status else value
        out, row_status = _run_sq(*call)
        return (_result(out[name]), row_status) if return_status else _result(out[name])

    function.__name__ = function.__qualname__ = {
        "alpha": "cycle_service_level",
        "beta": "fill_rate",
        "gamma": "gamma_service_level",
    }.get(name, name)
    function.__doc__ = f"""{title}

    Parameters
    ----------{_POLICY_DOC}{RETURN_STATUS_DOC}

    Returns
    -------
    numpy.ndarray
        {unit} NaN where the inputs are invalid or the mean demand is 0.
    status : RowStatus
        Only with ``return_status=True``: code, name and message per element.

    Notes
    -----
    {formula}

    See :func:`invsl.service_levels` for all metrics at once (cheaper than several calls).
    """
    return function


cycle_service_level = _single(
    "alpha",
    "Cycle service level alpha: probability that a replenishment cycle has no stockout.",
    "alpha = F(s) = P(X <= s), X the lead-time demand.",
    "Probability [-].",
)
fill_rate = _single(
    "beta",
    "Fill rate beta: share of demand served at once from stock.",
    "beta = 1 - (G1(s) - G1(s + Q)) / Q, exact (the common shortcut drops G1(s + Q)).",
    "Share of demand [-].",
)
gamma_service_level = _single(
    "gamma",
    "Gamma service level: 1 - time-weighted backorders per unit of demand.",
    "gamma = 1 - E[B] / mu; E[B] / mu is the mean waiting time of a demand unit in periods "
    "(Little's law), so gamma can be negative.",
    "[-] (1 minus the mean waiting time in periods).",
)
ready_rate = _single(
    "ready_rate",
    "Ready rate: long-run share of time with positive net stock.",
    "P(IP - X > 0) with IP uniform on (s, s + Q]; equal to beta for (s, Q).",
    "Share of time [-].",
)
expected_backorders = _single(
    "expected_backorders",
    "Expected backorder level E[B]: time-average number of units on backorder.",
    "E[B] = (G2(s) - G2(s + Q)) / Q; integer demand (G2(s + 1) - G2(s + Q + 1)) / Q.",
    "Units [units].",
)
expected_on_hand = _single(
    "expected_on_hand",
    "Expected on-hand stock: time-average physical stock.",
    "E[on hand] = E[IN] + E[B], E[IN] = s + Q/2 - E[X] (integer demand: s + (Q+1)/2 - E[X]).",
    "Units [units].",
)
alpha = cycle_service_level
beta = fill_rate
gamma = gamma_service_level


def safety_stock(reorder_point, demand_mean, lead_time):
    """Safety stock: the reorder point minus the mean lead-time demand.

    Parameters
    ----------
    reorder_point : array_like
        Reorder point s [units].
    demand_mean : array_like
        Mean demand per period [units/period].
    lead_time : array_like
        Lead time [periods].

    Returns
    -------
    numpy.ndarray
        s - demand_mean * lead_time [units].

    Examples
    --------
    >>> import invsl
    >>> float(invsl.safety_stock(130.0, 25.0, 4.0))
    30.0
    """
    return _result(
        np.asarray(reorder_point, float)
        - np.asarray(demand_mean, float) * np.asarray(lead_time, float)
    )


def reorder_point(
    target,
    order_quantity,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std=0.0,
    distribution="normal",
    metric="beta",
    *,
    return_status=False,
):
    """Reorder point that reaches a service-level target.

    Parameters
    ----------
    target : array_like
        Service-level target, strictly between 0 and 1.{policy}
    metric : str or array_like of str, optional
        ``beta`` (fill rate, default), ``alpha`` (cycle service level) or ``gamma``.{return_status}

    Returns
    -------
    numpy.ndarray
        The reorder point s [units]: for continuous lead-time demand (normal, gamma) the
        root of metric(s) = target to within 1e-9 * max(1, sd(X)); for integer demand
        (poisson, negbin) the smallest integer s with metric(s) >= target. NaN where the
        inputs are invalid or the mean demand is 0.
    status : RowStatus
        Only with ``return_status=True``: code, name and message per element (``ok``,
        an input error, or ``no_convergence`` / ``precision_limit`` from the solver).

    Notes
    -----
    alpha uses the quantile function; beta and gamma a Newton iteration with the analytic
    derivative (beta' = (F(s + Q) - F(s)) / Q, gamma' = (1 - beta) / mu) inside a bracket
    that falls back to bisection. Integer demand uses the exact forward differences.

    Examples
    --------
    >>> import invsl
    >>> round(float(invsl.reorder_point(0.98, 200, 100, 30, 1)), 4)
    122.215
    >>> float(invsl.reorder_point(0.95, 10, 8, 0, 1, distribution="poisson"))
    10.0
    >>> s, status = invsl.reorder_point([0.95, 1.2], 200, 100, 30, 1, return_status=True)
    >>> status.name.tolist(), status.ok.tolist()
    (['ok', 'bad_target'], [True, False])
    """
    call = (True, distribution, metric, target, demand_mean, demand_std, lead_time,
            lead_time_std, order_quantity, None, return_status)  # fmt: skip
    row = _one_row(*call)
    if row is not None:
        value = np.float64(row[0])
        return (value, _OK_STATUS) if return_status else value
    out, row_status = _run_sq(*call)
    s = _result(out["reorder_point"])
    return (s, row_status) if return_status else s


# the policy parameters without reorder_point, which reorder_point solves for
reorder_point.__doc__ = (reorder_point.__doc__ or "").format(
    policy=_POLICY_DOC[_POLICY_DOC.index("\n    order_quantity :") :],
    return_status=RETURN_STATUS_DOC,
)


def lead_time_demand(demand_mean, demand_std, lead_time, lead_time_std=0.0):
    """Mean and standard deviation of the lead-time demand X.

    Parameters
    ----------
    demand_mean, demand_std : array_like
        Per-period demand mean and standard deviation [units/period].
    lead_time, lead_time_std : array_like
        Lead time and its standard deviation [periods].

    Returns
    -------
    mean, std : numpy.ndarray
        E[X] = mu L and sd(X) = sqrt(L sigma^2 + mu^2 sigma_L^2) [units].

    Examples
    --------
    >>> import invsl
    >>> mean, std = invsl.lead_time_demand(10.0, 3.0, 4.0)
    >>> float(mean), float(std)
    (40.0, 6.0)
    """
    mu = np.asarray(demand_mean, float)
    sigma = np.asarray(demand_std, float)
    lt = np.asarray(lead_time, float)
    lt_std = np.asarray(lead_time_std, float)
    mean = mu * lt
    std = np.sqrt(lt * sigma**2 + mu**2 * lt_std**2)
    return _result(mean), _result(std)


@kernel
def _loss_kernel(distribution, mean, std, x, status, g1, g2, start, stop):
    """G1 and G2 of the elements ``start`` .. ``stop - 1`` whose status is OK."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    distribution, mean, std, x, status, g1, g2 = borrowed(
        (distribution, mean, std, x, status, g1, g2)
    )
    for i in range(start, stop):
        if status[i] != OK:
            continue
        kind, p1, p2, m, _ = dist.fit(distribution[i], mean[i], std[i], 1.0, 0.0)
        if kind < 0:
            continue
        _, a, b = dist.tail(kind, p1, p2, m, x[i], True)
        g1[i] = a
        g2[i] = b


@kernel
def _loss_one(distribution, mean, std, x):
    """G1 and G2 of one checked element (``engine.single.loss``), as ``_loss_kernel``."""
    kind, p1, p2, m, _ = dist.fit(np.int8(distribution), mean, std, 1.0, 0.0)
    if kind < 0:
        return math.nan, math.nan
    _, a, b = dist.tail(kind, p1, p2, m, x, True)
    return a, b


def _loss(x, mean, std, distribution):
    row = single.loss(x, mean, std, distribution)
    if row is not None:  # scalars: no arrays
        if row is False:
            return _NAN, _NAN
        g1, g2 = _loss_one(*row)
        return np.float64(g1), np.float64(g2)
    dcode = distribution_codes(distribution)
    arrays = np.broadcast_arrays(
        np.asarray(x, float), np.asarray(mean, float), np.asarray(std, float), dcode
    )
    shape = arrays[0].shape
    xs, mu, sigma, dc = (np.array(a).ravel() for a in arrays)
    dc, sigma = fold_deterministic(dc, sigma)
    # Validate as a policy with lead time 1 (so mean/std are those of X) and Q = 1; x takes
    # the place of the reorder point (integer kinds need an integer x). Mean 0 is fine here.
    status, _ = validate(
        demand_mean=mu,
        demand_std=sigma,
        lead_time=np.ones_like(mu),
        lead_time_std=np.zeros_like(mu),
        order_quantity=np.ones_like(mu),
        distribution=dc,
        reorder_point=xs,
    )
    status[status == ZERO_DEMAND] = OK
    g1 = np.full(xs.shape, np.nan)
    g2 = np.full(xs.shape, np.nan)
    run_rows(_loss_kernel, xs.shape[0], 1.0, dc, mu, sigma, xs, status, g1, g2)
    return _result(g1.reshape(shape)), _result(g2.reshape(shape))


def loss_first_order(x, mean, std, distribution="normal"):
    """First-order loss function G1(x) = E[(X - x)^+] of the lead-time demand X.

    Parameters
    ----------
    x : array_like
        Stock level [units] (a whole number for poisson and negbin).
    mean, std : array_like
        Mean and standard deviation of X [units] (std is not used by poisson).
    distribution : str or array_like of str
        ``normal``, ``gamma``, ``poisson`` or ``negbin``; std 0 means X = mean.

    Returns
    -------
    numpy.ndarray
        Expected shortage beyond x [units].

    Notes
    -----
    Normal: G1(x) = sd (phi(z) - z (1 - Phi(z))), z = (x - mean)/sd, evaluated through the
    continued fraction of the Mills ratio for z > 3 so that the far tail keeps full relative
    precision.

    Examples
    --------
    >>> import invsl
    >>> round(float(invsl.loss_first_order(0.0, 0.0, 1.0)), 6)
    0.398942
    """
    return _loss(x, mean, std, distribution)[0]


def loss_second_order(x, mean, std, distribution="normal"):
    """Second-order loss function G2 of the lead-time demand X.

    Continuous X: G2(x) = E[((X - x)^+)^2] / 2; integer X (poisson, negbin):
    G2(x) = E[(X - x)^+ ((X - x)^+ + 1)] / 2 = sum over y >= x of G1(y).

    Parameters
    ----------
    x : array_like
        Stock level [units].
    mean, std : array_like
        Mean and standard deviation of X [units].
    distribution : str or array_like of str
        ``normal``, ``gamma``, ``poisson`` or ``negbin``.

    Returns
    -------
    numpy.ndarray
        [units^2].

    Examples
    --------
    >>> import invsl
    >>> float(invsl.loss_second_order(0.0, 0.0, 1.0))
    0.25
    """
    return _loss(x, mean, std, distribution)[1]


__all__ = [
    "RowStatus",
    "service_levels",
    "cycle_service_level",
    "fill_rate",
    "gamma_service_level",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
    "alpha",
    "beta",
    "gamma",
    "safety_stock",
    "reorder_point",
    "lead_time_demand",
    "loss_first_order",
    "loss_second_order",
]
