"""Input coercion and per-row validation shared by the array and DataFrame layers.

Validation is vectorised numpy. It returns a status code per row (``invsl.vocabulary``) and the
name of the input that caused it, so that messages can say exactly what to fix. The first
failing check of a row wins, in the order of the checks below.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import distributions as dist
from invsl.kernels import metrics
from invsl.scalar.jit import parallel_kernel, prange, readonly
from invsl.vocabulary import (
    BAD_ORDER_QUANTITY,
    BAD_TARGET,
    MISSING,
    NEGATIVE,
    NOT_FINITE,
    NOT_INTEGER,
    OK,
    UNKNOWN_DISTRIBUTION,
    UNKNOWN_METRIC,
    UNKNOWN_POLICY,
    UNSUPPORTED,
    ZERO_DEMAND,
)

_DISTRIBUTION_CODES = {name: code for code, name in enumerate(dist.DISTRIBUTION_NAMES)}
#: pmf-based distributions (invsl.kernels.pmf, demand from history): DataFrame layer only
_PMF_DISTRIBUTION_CODES = {**_DISTRIBUTION_CODES, "empirical": 6, "compound_poisson": 7}


def _codes(values, table: dict, default: str) -> np.ndarray:
    """Map names (scalar, array or Series of str) to int8 codes; -1 where unknown.

    Case and surrounding blanks are ignored; missing values take ``default``.
    """
    import pandas as pd

    if isinstance(values, str) or values is None:
        code = table.get(str(values if values is not None else default).strip().lower(), -1)
        return np.asarray(code, dtype=np.int8)
    # the names are few: look up each distinct value once (-1 from factorize: missing)
    index, distinct = pd.factorize(np.asarray(values, dtype=object).ravel())
    lookup = np.array(
        [table.get(str(name).strip().lower(), -1) for name in distinct]
        + [table.get(str(default).strip().lower(), -1)],
        dtype=np.int8,
    )
    return lookup[index].reshape(np.shape(values))


def distribution_codes(values, default: str = "normal", pmf: bool = False) -> np.ndarray:
    """Distribution names -> codes (``invsl.scalar.distributions``), -1 for unknown names.

    ``pmf=True`` also accepts ``empirical`` and ``compound_poisson`` (``invsl.kernels.pmf``).
    """
    return _codes(values, _PMF_DISTRIBUTION_CODES if pmf else _DISTRIBUTION_CODES, default)


def metric_codes(values, default: str = "beta") -> np.ndarray:
    """Metric names (alpha/beta/gamma or their long names) -> codes, -1 for unknown names."""
    return _codes(values, metrics.METRIC_ALIASES, default)


def policy_codes(values, default: str = "sQ") -> np.ndarray:
    """Policy names (sQ, RS, RsS, RsQ, any case) -> codes (``invsl.kernels.periodic.policies``), -1 if unknown."""
    from invsl.kernels.periodic.policies import POLICY_ALIASES

    return _codes(values, POLICY_ALIASES, default)


def unsupported_rows(n: int, distribution, default_distribution: str, policy, what: str):
    """Rows a continuous-review-only function (``what``) cannot compute.

    ``distribution`` and ``policy`` are the raw column (or None for no policy column). Returns
    (status, text): status UNSUPPORTED for a periodic policy (RS, RsS, RsQ) or a history
    distribution (empirical, compound_poisson), UNKNOWN_POLICY for a policy name that is none
    of sQ, RS, RsS, RsQ, OK elsewhere; field the column it is about ('distribution' or
    'policy'); text says why and what to use instead ('' for OK).
    """
    from invsl.kernels.periodic.policies import POLICY_NAMES

    status = np.zeros(n, dtype=np.uint8)
    field = np.full(n, "", dtype=object)
    text = np.full(n, "", dtype=object)
    codes = np.broadcast_to(
        distribution_codes(distribution, default=default_distribution, pmf=True), (n,)
    )
    for name in ("empirical", "compound_poisson"):
        rows = codes == _PMF_DISTRIBUTION_CODES[name]
        status[rows] = UNSUPPORTED
        field[rows] = "distribution"
        text[rows] = (
            f"distribution = '{name}': {what} handles normal, gamma, poisson and negbin demand; "
            f"compute {name} rows with invsl.optimize or invsl.evaluate"
        )
    if policy is not None:
        pcodes = np.broadcast_to(policy_codes(policy), (n,))
        for code in range(1, len(POLICY_NAMES)):
            rows = (pcodes == code) & (status == OK)
            status[rows] = UNSUPPORTED
            field[rows] = "policy"
            text[rows] = (
                f"policy = '{POLICY_NAMES[code]}': {what} handles continuous review (sQ) "
                "only; compute periodic-review rows with invsl.optimize or invsl.evaluate"
            )
        rows = (pcodes < 0) & (status == OK)
        status[rows] = UNKNOWN_POLICY
        field[rows] = "policy"
        given = np.broadcast_to(np.asarray(policy, dtype=object), (n,))
        for i in np.flatnonzero(rows):
            text[i] = f"policy = {str(given[i])!r}: policy must be one of sQ, RS, RsS, RsQ"
    return status, field, text


#: names of the fields a status can point at; index 0: none
FIELDS = (
    "",
    "demand_mean",
    "demand_std",
    "lead_time",
    "lead_time_std",
    "order_quantity",
    "reorder_point",
    "target",
    "distribution",
    "metric",
)
_FIELD_NAMES = np.array(FIELDS, dtype=object)


@parallel_kernel
def _validate_rows(
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    distribution,
    reorder_point,
    metric,
    target,
    status,
    field,
):
    """One pass over the rows; the first problem found in a row wins (order of ``validate``).

    ``reorder_point``, ``metric`` and ``target`` have length 0 when they are not checked.
    """
    has_rp = reorder_point.shape[0] > 0
    has_metric = metric.shape[0] > 0
    has_target = target.shape[0] > 0
    for i in prange(status.shape[0]):
        code = OK
        where = 0
        poisson = distribution[i] == dist.POISSON
        for k in range(7):
            if k == 0:
                v = demand_mean[i]
            elif k == 1:
                if poisson:
                    continue  # demand_std is not used by poisson
                v = demand_std[i]
            elif k == 2:
                v = lead_time[i]
            elif k == 3:
                v = lead_time_std[i]
            elif k == 4:
                v = order_quantity[i]
            elif k == 5:
                if not has_rp:
                    continue
                v = reorder_point[i]
            else:
                if not has_target:
                    continue
                v = target[i]
            if math.isnan(v):
                code = MISSING
            elif math.isinf(v):
                code = NOT_FINITE
            if code != OK:
                where = k + 1
                break
        if code == OK and distribution[i] < 0:
            code = UNKNOWN_DISTRIBUTION
            where = 8
        if code == OK and has_metric and metric[i] < 0:
            code = UNKNOWN_METRIC
            where = 9
        if code == OK:
            if demand_mean[i] < 0:
                code, where = NEGATIVE, 1
            elif demand_std[i] < 0 and not poisson:
                code, where = NEGATIVE, 2
            elif lead_time[i] < 0:
                code, where = NEGATIVE, 3
            elif lead_time_std[i] < 0:
                code, where = NEGATIVE, 4
        if code == OK and order_quantity[i] <= 0:
            code, where = BAD_ORDER_QUANTITY, 5
        if code == OK and has_target and not (target[i] > 0 and target[i] < 1):
            code, where = BAD_TARGET, 7
        integer = poisson or distribution[i] == dist.NEGBIN
        if code == OK and integer and order_quantity[i] != math.floor(order_quantity[i]):
            code, where = NOT_INTEGER, 5
        if code == OK and integer and has_rp and reorder_point[i] != math.floor(reorder_point[i]):
            code, where = NOT_INTEGER, 6
        if code == OK and demand_mean[i] == 0:
            code, where = ZERO_DEMAND, 1
        status[i] = code
        field[i] = where


def validate(
    *,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    distribution,
    reorder_point=None,
    metric=None,
    target=None,
):
    """Status code and offending field per row.

    All arguments are 1-d arrays of one length (``distribution``/``metric``: int8 codes).
    Returns ``(status uint8, field object array)``: field holds the name of the column at
    fault, and None for rows that pass (an object array of n empty strings would cost more
    than the checks themselves; ``field_names`` reads None as "").
    The checks, in the order in which the first problem of a row wins: missing and
    non-finite numbers (column by column: demand_mean, demand_std except for poisson,
    lead_time, lead_time_std, order_quantity, reorder_point, target), unknown distribution,
    unknown metric, negative values (the first four), order_quantity <= 0, target outside
    (0, 1), non-integer order_quantity and reorder_point with poisson/negbin, zero demand.
    """
    n = demand_mean.shape[0]
    status = np.zeros(n, dtype=np.uint8)
    where = np.zeros(n, dtype=np.uint8)
    empty_f = np.zeros(0)
    _validate_rows(
        readonly(demand_mean, np.float64),
        readonly(demand_std, np.float64),
        readonly(lead_time, np.float64),
        readonly(lead_time_std, np.float64),
        readonly(order_quantity, np.float64),
        readonly(distribution, np.int8),
        readonly(reorder_point if reorder_point is not None else empty_f, np.float64),
        readonly(metric if metric is not None else np.zeros(0, np.int8), np.int8),
        readonly(target if target is not None else empty_f, np.float64),
        status,
        where,
    )
    field = np.empty(n, dtype=object)
    flagged = np.flatnonzero(where)
    field[flagged] = _FIELD_NAMES[where[flagged]]
    return status, field


def field_names(field: np.ndarray) -> np.ndarray:
    """The field names of some rows of ``validate``'s field array, with "" for None."""
    return np.array([name or "" for name in field], dtype=object)
