"""Input coercion and per-row validation shared by the array and DataFrame layers.

Validation is vectorised numpy. It returns a status code per row (``invsl.vocabulary``) and the
name of the input that caused it, so that messages can say exactly what to fix. The first
failing check of a row wins, in the order of the checks below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from invsl.scalar.jit import borrowed, kernel, readonly, run_rows
from invsl.vocabulary import (
    BAD_ORDER_QUANTITY,
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    BAD_TARGET,
    MISSING,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_INTEGER,
    OK,
    UNKNOWN_DISTRIBUTION,
    UNKNOWN_METRIC,
    UNKNOWN_POLICY,
    UNSUPPORTED,
    ZERO_DEMAND,
)
from invsl.vocabulary import (
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POINT,
    DEMAND_POISSON,
    DISTRIBUTION_SPELLINGS,
    HISTORY_DISTRIBUTIONS,
    METRIC_SPELLINGS,
    PARAMETRIC_DISTRIBUTIONS,
    POLICY_NAMES,
    POLICY_NOT_GIVEN,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
    POLICY_SPELLINGS,
    POLICY_SQ,
    normalise_name,
    unknown_name,
)

#: the distributions of the array functions and of the continuous-review-only tools
_PARAMETRIC_CODES = {
    name: DISTRIBUTION_SPELLINGS[name] for name in (*PARAMETRIC_DISTRIBUTIONS, "deterministic")
}
_HISTORY_CODES = {name: DISTRIBUTION_SPELLINGS[name] for name in HISTORY_DISTRIBUTIONS}


def _codes(values, table: Mapping[str, int], default: str) -> np.ndarray:
    """Map names (scalar, array or Series of str) to int8 codes; -1 where unknown.

    Case and surrounding blanks are ignored; missing values take ``default``.
    """
    if isinstance(values, str) or values is None:
        code = table.get(normalise_name(values if values is not None else default), -1)
        return np.asarray(code, dtype=np.int8)
    # the names are few: look up each distinct value once (-1 from factorize: missing)
    index, distinct = pd.factorize(np.asarray(values, dtype=object).ravel())
    lookup = np.array(
        [table.get(normalise_name(name), -1) for name in distinct]
        + [table.get(normalise_name(default), -1)],
        dtype=np.int8,
    )
    return lookup[index].reshape(np.shape(values))


def distribution_codes(values, default: str = "normal", pmf: bool = False) -> np.ndarray:
    """Distribution names -> codes (``invsl.vocabulary``), -1 for unknown names.

    ``pmf=False``: the two-moment families and ``deterministic`` (the array functions).
    ``pmf=True``: every name of the vocabulary, the history families included (tables).
    ``deterministic`` rows need :func:`fold_deterministic` before the kernels.
    """
    return _codes(values, DISTRIBUTION_SPELLINGS if pmf else _PARAMETRIC_CODES, default)


def fold_deterministic(dcodes: np.ndarray, demand_std: np.ndarray):
    """``deterministic`` rows as the kernels take them: normal demand with demand_std 0.

    Returns new (codes, demand_std) arrays when a row is deterministic, the inputs otherwise.
    """
    rows = dcodes == DEMAND_POINT
    if not rows.any():
        return dcodes, demand_std
    return np.where(rows, DEMAND_NORMAL, dcodes).astype(np.int8), np.where(rows, 0.0, demand_std)


def metric_codes(values, default: str = "beta") -> np.ndarray:
    """Metric names (alpha/beta/gamma or their long names) -> codes, -1 for unknown names."""
    return _codes(values, METRIC_SPELLINGS, default)


def policy_codes(values, default: str = "sQ") -> np.ndarray:
    """Policy names (``invsl.vocabulary.POLICY_SPELLINGS``, any case) -> codes, -1 if unknown."""
    return _codes(values, POLICY_SPELLINGS, default)


def unsupported_rows(n: int, distribution, default_distribution: str, policy, what: str):
    """Rows a continuous-review-only function (``what``) cannot compute.

    ``distribution`` and ``policy`` are the raw column (or None for no policy column). Returns
    (status, text): status UNSUPPORTED for a periodic policy (RS, RsS, RsQ) or a history
    distribution (empirical, compound_poisson), UNKNOWN_POLICY for a policy name that is not
    in the vocabulary, OK elsewhere; field the column it is about ('distribution' or
    'policy'); text says why and what to use instead ('' for OK).
    """
    status = np.zeros(n, dtype=np.uint8)
    field = np.full(n, "", dtype=object)
    text = np.full(n, "", dtype=object)
    codes = np.broadcast_to(
        distribution_codes(distribution, default=default_distribution, pmf=True), (n,)
    )
    for name, code in _HISTORY_CODES.items():
        rows = codes == code
        status[rows] = UNSUPPORTED
        field[rows] = "distribution"
        text[rows] = (
            f"distribution = '{name}': {what} handles normal, gamma, poisson and negbin demand; "
            f"compute {name} rows with invsl.optimize or invsl.evaluate"
        )
    if policy is not None:
        pcodes = np.broadcast_to(policy_codes(policy), (n,))
        for code in (POLICY_RS, POLICY_RSS, POLICY_RSQ):
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
            text[i] = unknown_name("policy", given[i])
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


#: cost of a row of ``_validate_rows`` in rows of the (s, Q) normal kernel (about 10 ns
#: against 150-200): the weight of ``scalar.jit.run_rows``
ROW_WEIGHT = 0.05


class CheckedRows(NamedTuple):
    """The inputs :func:`validate` checks, 1-d read-only arrays of one length n grouped by
    name; ``reorder_point``, ``metric`` and ``target`` have length 0 when not checked."""

    demand_mean: np.ndarray
    demand_std: np.ndarray
    lead_time: np.ndarray
    lead_time_std: np.ndarray
    order_quantity: np.ndarray
    distribution: np.ndarray  # int8
    reorder_point: np.ndarray
    metric: np.ndarray  # int8
    target: np.ndarray


@kernel
def _validate_rows(rows, status, field, start, stop):
    """One pass over the rows ``start`` .. ``stop - 1``; the first problem found in a row
    wins (order of ``validate``).

    ``rows`` is a :class:`CheckedRows`.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    rows, status, field = borrowed((rows, status, field))
    demand_mean = rows.demand_mean
    demand_std = rows.demand_std
    lead_time = rows.lead_time
    lead_time_std = rows.lead_time_std
    order_quantity = rows.order_quantity
    distribution = rows.distribution
    reorder_point = rows.reorder_point
    metric = rows.metric
    target = rows.target
    has_rp = reorder_point.shape[0] > 0
    has_metric = metric.shape[0] > 0
    has_target = target.shape[0] > 0
    for i in range(start, stop):
        code = OK
        where = 0
        poisson = distribution[i] == DEMAND_POISSON
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
        integer = poisson or distribution[i] == DEMAND_NEGBIN
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
    rows = CheckedRows(
        demand_mean=readonly(demand_mean, np.float64),
        demand_std=readonly(demand_std, np.float64),
        lead_time=readonly(lead_time, np.float64),
        lead_time_std=readonly(lead_time_std, np.float64),
        order_quantity=readonly(order_quantity, np.float64),
        distribution=readonly(distribution, np.int8),
        reorder_point=readonly(reorder_point if reorder_point is not None else empty_f, np.float64),
        metric=readonly(metric if metric is not None else np.zeros(0, np.int8), np.int8),
        target=readonly(target if target is not None else empty_f, np.float64),
    )
    run_rows(_validate_rows, n, ROW_WEIGHT, rows, status, where)
    field = np.empty(n, dtype=object)
    flagged = np.flatnonzero(where)
    field[flagged] = _FIELD_NAMES[where[flagged]]
    return status, field


def field_names(field: np.ndarray) -> np.ndarray:
    """The field names of some rows of ``validate``'s field array, with "" for None."""
    return np.array([name or "" for name in field], dtype=object)


class RowFlags:
    """Flags rows in order: ``flags(mask, code, name)`` gives the rows of ``mask`` that are
    still OK (and inside ``within``, if given) the status ``code`` and the field ``name``, so
    that the first problem found in a row is the one reported."""

    def __init__(self, status: np.ndarray, field: np.ndarray, within=None):
        self.status, self.field, self.within = status, field, within

    def __call__(self, mask, code: int, name: str) -> None:
        mask = mask & (self.status == OK)
        if self.within is not None:
            mask &= self.within
        self.status[mask] = code
        self.field[mask] = name


def policy_inputs(solve, pcodes, numbers) -> dict:
    """The inputs each row's policy reads, with a harmless stand-in where it reads none, so
    that checks and kernels only see values that are used: ``order_quantity`` (1 where not
    used: RS, and RsS when evaluating, which reads order_up_to instead), ``reorder_point``
    (0 where not used), ``order_up_to`` (NaN where not used), ``target``, the mask
    ``uses_order_up_to`` and ``periodic`` (any row with a periodic policy). An input that
    no row reads (``target`` when evaluating, ``reorder_point`` when solving,
    ``order_up_to`` without periodic rows) has length 0: the kernels do not read it. A
    table of (s, Q) rows only gets its own columns back, without a copy."""
    empty = np.zeros(0)
    periodic = bool((pcodes != POLICY_SQ).any())
    if not periodic:
        return {
            "order_quantity": numbers["order_quantity"],
            "reorder_point": empty if solve else numbers["reorder_point"],
            "order_up_to": empty,
            "target": numbers["target"] if solve else empty,
            "uses_order_up_to": None,
            "periodic": False,
        }
    rss = pcodes == POLICY_RSS
    uses_q = (pcodes == POLICY_SQ) | (pcodes == POLICY_RSQ) | (bool(solve) & rss)
    uses_s = (not solve) & ((pcodes == POLICY_SQ) | rss | (pcodes == POLICY_RSQ))
    uses_big_s = (not solve) & ((pcodes == POLICY_RS) | rss)
    return {
        "order_quantity": np.where(uses_q, numbers["order_quantity"], 1.0),
        "reorder_point": empty if solve else np.where(uses_s, numbers["reorder_point"], 0.0),
        "order_up_to": np.where(uses_big_s, numbers["order_up_to"], np.nan),
        "target": numbers["target"] if solve else empty,
        "uses_order_up_to": uses_big_s,
        "periodic": True,
    }


def validate_table(
    solve, pcodes, dcodes, mcodes, numbers, text_mask=None, text_field=None, used=None
):
    """Status code and offending field of every row of a table (any policy): the one order
    of checks of evaluate and optimize.

    1. :func:`validate`'s checks (missing and non-finite numbers, unknown distribution and
       metric, negative values, order_quantity <= 0, target outside (0, 1), whole numbers
       for integer demand), each policy seeing only the inputs it reads: the others get a
       harmless stand-in (:func:`policy_inputs`, or ``used`` when the caller has them);
    2. the policy: missing (a review_period but no policy), unknown;
    3. the periodic inputs: review_period missing, not finite or not a whole number >= 1;
       order_up_to missing, not finite, not whole for integer demand, not above the reorder
       point (evaluate RsS);
    4. zero demand (not an input error: only where nothing else is wrong);
    5. text in a numeric column (``text_mask``), which wins over everything above.

    The history families add their own checks when they are computed
    (``engine.history_rows``). ``pcodes``: int8 policy codes, ``POLICY_NOT_GIVEN`` for a
    row with a review period and no policy, -1 for an unknown name. Returns
    ``(status, field)`` as :func:`validate`.
    """
    if used is None:
        used = policy_inputs(solve, pcodes, numbers)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=numbers["demand_std"],
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=used["order_quantity"],
        distribution=dcodes,
        reorder_point=None if solve else used["reorder_point"],
        metric=mcodes if solve else None,
        target=numbers["target"] if solve else None,
    )
    if used["periodic"]:
        _check_policies(solve, pcodes, dcodes, numbers, used["uses_order_up_to"], status, field)
    if text_mask is not None and text_field is not None:
        status[text_mask] = NOT_A_NUMBER
        field[text_mask] = text_field[text_mask]
    return status, field


def _check_policies(solve, pcodes, dcodes, numbers, uses_big_s, status, field) -> None:
    """Checks 2 and 3 of :func:`validate_table` (tables with a periodic or unknown policy)."""
    flag = RowFlags(status, field)
    zero = status == ZERO_DEMAND
    status[zero] = OK
    periodic_rows = pcodes > POLICY_SQ
    rp = numbers["review_period"]
    flag(pcodes == POLICY_NOT_GIVEN, MISSING, "policy")
    flag(pcodes == -1, UNKNOWN_POLICY, "policy")
    flag(periodic_rows & np.isnan(rp), MISSING, "review_period")
    flag(periodic_rows & np.isinf(rp), NOT_FINITE, "review_period")
    flag(periodic_rows & ~((rp >= 1) & (rp == np.floor(rp))), BAD_REVIEW_PERIOD, "review_period")
    big_s = numbers["order_up_to"]
    flag(uses_big_s & np.isnan(big_s), MISSING, "order_up_to")
    flag(uses_big_s & np.isinf(big_s), NOT_FINITE, "order_up_to")
    integer = (dcodes == DEMAND_POISSON) | (dcodes == DEMAND_NEGBIN)
    flag(uses_big_s & integer & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    if not solve:
        flag(
            (pcodes == POLICY_RSS) & ~(big_s > numbers["reorder_point"]),
            BAD_ORDER_UP_TO,
            "order_up_to",
        )
    status[zero & (status == OK)] = ZERO_DEMAND
