"""Array functions of the periodic-review policies: numpy arrays in, numpy arrays out.

Inputs broadcast against each other; an invalid element gives NaN for that element, and
``return_status=True`` also returns an :class:`invsl.RowStatus` saying why, element by
element (as :func:`invsl.service_levels` does). The formulas are in docs/periodic.md.
"""

from __future__ import annotations

import numpy as np

from invsl.kernels.periodic import policies as periodic
from invsl.api.arrays import RETURN_STATUS_DOC, labels, row_status
from invsl.engine import dispatch, single
from invsl.engine.validate import (
    distribution_codes,
    fold_deterministic,
    metric_codes,
    policy_codes,
    validate_table,
)

_COMMON_DOC = """
    demand_mean : array_like
        Mean demand per period mu [units/period], > 0.
    demand_std : array_like
        Standard deviation of demand per period sigma [units/period], >= 0 (not used by
        ``poisson``).
    lead_time : array_like
        Lead time L [periods], >= 0, may be fractional.
    review_period : array_like, optional
        Review period R [periods], a whole number >= 1 (default 1: review every period).
    lead_time_std : array_like, optional
        Standard deviation of the lead time [periods], default 0.
    distribution : str or array_like of str, optional
        ``normal`` (default), ``gamma``, ``poisson`` or ``negbin``: the two-moment fit of the
        demand D(n) over n periods (E = mu n, Var = n sigma^2, plus mu^2 sigma_L^2 when the
        n periods include a lead time)."""


def _run(
    solve,
    policy,
    demand_mean,
    demand_std,
    lead_time,
    review_period,
    lead_time_std,
    distribution,
    reorder_point=None,
    order_up_to=None,
    order_quantity=None,
    target=None,
    metric="beta",
    return_status=False,
):
    arrays = np.broadcast_arrays(
        policy_codes(policy),
        distribution_codes(distribution),
        metric_codes(metric) if solve else np.asarray(0, dtype=np.int8),
        *(
            np.asarray(np.nan if v is None else v, dtype=float)
            for v in (
                demand_mean,
                demand_std,
                lead_time,
                lead_time_std,
                review_period,
                order_quantity,
                reorder_point,
                order_up_to,
                target,
            )
        ),
    )
    shape = arrays[0].shape
    flat = [np.array(a).ravel() for a in arrays]
    pcodes, dcodes, mcodes = (a.astype(np.int8) for a in flat[:3])
    names = (
        "demand_mean",
        "demand_std",
        "lead_time",
        "lead_time_std",
        "review_period",
        "order_quantity",
        "reorder_point",
        "order_up_to",
        "target",
    )
    numbers = dict(zip(names, flat[3:]))
    dcodes, numbers["demand_std"] = fold_deterministic(dcodes, numbers["demand_std"])
    status, field = validate_table(solve, pcodes, dcodes, mcodes, numbers)
    out, _ = dispatch.compute(solve, pcodes, dcodes, mcodes, numbers, status, field)
    outputs = {name: out[i].reshape(shape) for i, name in enumerate(periodic.OUTPUTS)}
    if not return_status:
        return outputs, None
    values = dict(
        numbers,
        policy=labels(policy, shape),
        distribution=labels(distribution, shape),
        metric=labels(metric if solve else "", shape),
    )
    return outputs, row_status(status, field, values, shape)


def _result(array):
    return array[()] if array.ndim == 0 else array


def periodic_service_levels(
    policy,
    demand_mean,
    demand_std,
    lead_time,
    review_period=1,
    reorder_point=None,
    order_up_to=None,
    order_quantity=None,
    lead_time_std=0.0,
    distribution="normal",
    *,
    return_status=False,
):
    """Every service level of a periodic-review policy with backorders.

    Parameters
    ----------
    policy : str or array_like of str
        ``"RS"`` (order up to S every R periods), ``"RsS"`` (min/max: at a review with
        inventory position <= s order up to S) or ``"RsQ"`` (at a review with inventory
        position <= s order the smallest multiple of Q that lifts it above s); ``"sQ"``
        gives the continuous-review results of :func:`invsl.service_levels`.{common}
    reorder_point : array_like, optional
        s [units], for RsS, RsQ (and sQ).
    order_up_to : array_like, optional
        S [units], for RS and RsS (> s).
    order_quantity : array_like, optional
        Q [units], for RsQ (and sQ).{return_status}

    Returns
    -------
    dict of numpy.ndarray
        ``alpha`` (share of orders that arrive without backorders; RS: share of review
        cycles), ``beta`` (fill rate), ``gamma`` (1 - mean waiting time in periods),
        ``ready_rate`` (share of period ends with stock > 0), ``expected_backorders`` and
        ``expected_on_hand`` [units] at period ends, ``safety_stock`` [units] (S or s minus
        mu (L + R)). NaN where the inputs are invalid.
    status : RowStatus
        Only with ``return_status=True``: code, name and message per element.

    Notes
    -----
    Y is the inventory position after a review: S (RS), uniform on (s, s + Q] (RsQ) or the
    stationary distribution of the chain on (s, S] (RsS). With G1_n the loss function of
    D(n):

    - beta = 1 - E[G1_{L+R}(Y) - G1_L(Y)] / (R mu)
    - E[B] = (1/R) sum_{j=1..R} E[G1_{L+j}(Y)], gamma = 1 - E[B] / mu
    - ready_rate = (1/R) sum_j P(D(L+j) < Y)
    - alpha = P(D(L) <= s - U | order), U the undershoot; RS: F_{L+R}(S)

    Examples
    --------
    >>> import invsl
    >>> levels = invsl.periodic_service_levels("RsQ", 100, 40, 1, reorder_point=113.79,
    ...                                        order_quantity=200)
    >>> round(float(levels["beta"]), 4)
    0.7475
    >>> levels, status = invsl.periodic_service_levels(
    ...     "RsQ", 100, 40, 1, review_period=[1, 1.5], reorder_point=113.79,
    ...     order_quantity=200, return_status=True)
    >>> status.name.tolist()
    ['ok', 'bad_review_period']
    >>> status.message[1].split(":")[0]
    'review_period = 1.5'
    """
    if not return_status:
        row = single.periodic(
            False, policy, distribution, None, None, demand_mean, demand_std, lead_time,
            review_period, lead_time_std, order_quantity, reorder_point, order_up_to,
        )  # fmt: skip
        if row is not None:  # one row of Python numbers, valid (engine.single)
            return {
                name: np.float64(row[i]) for i, name in enumerate(periodic.OUTPUTS) if 0 < i < 8
            }
    out, row_status = _run(
        False,
        policy,
        demand_mean,
        demand_std,
        lead_time,
        review_period,
        lead_time_std,
        distribution,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        order_quantity=order_quantity,
        return_status=return_status,
    )
    levels = {name: _result(out[name]) for name in periodic.OUTPUTS[1:8]}
    return (levels, row_status) if return_status else levels


def periodic_policy(
    target,
    policy,
    demand_mean,
    demand_std,
    lead_time,
    review_period=1,
    order_quantity=None,
    lead_time_std=0.0,
    distribution="normal",
    metric="beta",
    *,
    return_status=False,
):
    """Reorder point and order-up-to level of a periodic-review policy that reach a target.

    Parameters
    ----------
    target : array_like
        Service-level target, strictly between 0 and 1.
    policy : str or array_like of str
        ``"RS"`` (solves the order-up-to level S), ``"RsS"`` (solves s for the gap
        S - s = ``order_quantity``), ``"RsQ"`` (solves s for the pack size Q =
        ``order_quantity``); ``"sQ"``: continuous review.{common}
    order_quantity : array_like, optional
        RsS: the gap S - s [units]; RsQ and sQ: Q [units].
    metric : str, optional
        ``beta`` (fill rate, default), ``alpha`` or ``gamma``.{return_status}

    Returns
    -------
    reorder_point, order_up_to : numpy.ndarray
        s [units] (NaN for RS) and S [units] (NaN for RsQ and sQ). Continuous demand: the
        root of metric = target (to 1e-10 max(1, sd(D(L+R)))); poisson and negbin: the
        smallest integer reaching the target.
    status : RowStatus
        Only with ``return_status=True`` (then the result is ``(reorder_point,
        order_up_to, status)``): code, name and message per element.

    Notes
    -----
    Every metric is nondecreasing in s (or S) for a fixed gap; the solver brackets the
    target and refines with Brent's method (continuous) or integer regula falsi.

    Examples
    --------
    >>> import invsl
    >>> s, S = invsl.periodic_policy(0.95, "RsQ", 100, 40, 1, order_quantity=200)
    >>> round(float(s), 2)
    191.82
    >>> s, S, status = invsl.periodic_policy(0.95, ["RS", "weekly"], 100, 40, 1,
    ...                                      return_status=True)
    >>> status.name.tolist()
    ['ok', 'unknown_policy']
    """
    if not return_status:
        row = single.periodic(
            True, policy, distribution, metric, target, demand_mean, demand_std, lead_time,
            review_period, lead_time_std, order_quantity, None, None,
        )  # fmt: skip
        if row is not None:  # one row of Python numbers, valid (engine.single)
            return np.float64(row[0]), np.float64(row[8])
    out, row_status = _run(
        True,
        policy,
        demand_mean,
        demand_std,
        lead_time,
        review_period,
        lead_time_std,
        distribution,
        order_quantity=order_quantity,
        target=target,
        metric=metric,
        return_status=return_status,
    )
    s, big_s = _result(out["reorder_point"]), _result(out["order_up_to"])
    return (s, big_s, row_status) if return_status else (s, big_s)


for _function in (periodic_service_levels, periodic_policy):
    _function.__doc__ = (
        (_function.__doc__ or "")
        .replace("{common}", _COMMON_DOC)
        .replace("{return_status}", RETURN_STATUS_DOC)
    )

__all__ = ["periodic_service_levels", "periodic_policy"]
