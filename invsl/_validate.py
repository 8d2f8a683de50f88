"""Input coercion and per-row validation shared by the array and DataFrame layers.

Validation is vectorised numpy. It returns a status code per row (``invsl._status``) and the
name of the input that caused it, so that messages can say exactly what to fix. The first
failing check of a row wins, in the order of the checks below.
"""

from __future__ import annotations

import numpy as np

from invsl import distributions as dist
from invsl import metrics
from invsl._status import (
    BAD_ORDER_QUANTITY,
    BAD_TARGET,
    MISSING,
    NEGATIVE,
    NOT_FINITE,
    NOT_INTEGER,
    OK,
    UNKNOWN_DISTRIBUTION,
    UNKNOWN_METRIC,
    ZERO_DEMAND,
)

_DISTRIBUTION_CODES = {name: code for code, name in enumerate(dist.DISTRIBUTION_NAMES)}
#: pmf-based distributions (invsl.pmf, demand from history): DataFrame layer only
_PMF_DISTRIBUTION_CODES = {**_DISTRIBUTION_CODES, "empirical": 6, "compound_poisson": 7}


def _codes(values, table: dict, default: str) -> np.ndarray:
    """Map names (scalar, array or Series of str) to int8 codes; -1 where unknown.

    Case and surrounding blanks are ignored; missing values take ``default``.
    """
    import pandas as pd

    if isinstance(values, str) or values is None:
        code = table.get(str(values if values is not None else default).strip().lower(), -1)
        return np.asarray(code, dtype=np.int8)
    series = pd.Series(np.asarray(values, dtype=object).ravel())
    series = series.where(series.notna(), default)
    series = series.astype(str).str.strip().str.lower()
    codes = series.map(table).fillna(-1).to_numpy(dtype=np.int8)
    return codes.reshape(np.shape(values))


def distribution_codes(values, default: str = "normal", pmf: bool = False) -> np.ndarray:
    """Distribution names -> codes (``invsl.distributions``), -1 for unknown names.

    ``pmf=True`` also accepts ``empirical`` and ``compound_poisson`` (``invsl.pmf``).
    """
    return _codes(values, _PMF_DISTRIBUTION_CODES if pmf else _DISTRIBUTION_CODES, default)


def metric_codes(values, default: str = "beta") -> np.ndarray:
    """Metric names (alpha/beta/gamma or their long names) -> codes, -1 for unknown names."""
    return _codes(values, metrics.METRIC_ALIASES, default)


def policy_codes(values, default: str = "sQ") -> np.ndarray:
    """Policy names (sQ, RS, RsS, RsQ, any case) -> codes (``invsl.periodic``), -1 if unknown."""
    from invsl.periodic import POLICY_ALIASES

    return _codes(values, POLICY_ALIASES, default)


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
    Returns ``(status uint8, field object array)``; field is "" for rows that are ok.
    """
    n = demand_mean.shape[0]
    status = np.zeros(n, dtype=np.uint8)
    field = np.array([""], dtype=object).repeat(n)
    flagged = [False]  # whether any row has a status yet (most tables: none at all)

    def flag(mask, code, name):
        # the first problem found in a row wins; clean tables skip every write
        if not np.any(mask):
            return
        if flagged[0]:
            mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name
        flagged[0] = True

    poisson = distribution == dist.POISSON
    numeric = [
        ("demand_mean", demand_mean, None),
        ("demand_std", demand_std, poisson),  # not used by poisson
        ("lead_time", lead_time, None),
        ("lead_time_std", lead_time_std, None),
        ("order_quantity", order_quantity, None),
    ]
    if reorder_point is not None:
        numeric.append(("reorder_point", reorder_point, None))
    if target is not None:
        numeric.append(("target", target, None))
    for name, values, exempt in numeric:
        relevant = ~exempt if exempt is not None else True
        flag(np.isnan(values) & relevant, MISSING, name)
        flag(np.isinf(values) & relevant, NOT_FINITE, name)
    flag(distribution < 0, UNKNOWN_DISTRIBUTION, "distribution")
    if metric is not None:
        flag(metric < 0, UNKNOWN_METRIC, "metric")
    for name, values, exempt in numeric[:4]:
        relevant = ~exempt if exempt is not None else True
        flag((values < 0) & relevant, NEGATIVE, name)
    flag(order_quantity <= 0, BAD_ORDER_QUANTITY, "order_quantity")
    if target is not None:
        flag(~((target > 0) & (target < 1)), BAD_TARGET, "target")
    integer = poisson | (distribution == dist.NEGBIN)
    flag(integer & (order_quantity != np.floor(order_quantity)), NOT_INTEGER, "order_quantity")
    if reorder_point is not None:
        flag(integer & (reorder_point != np.floor(reorder_point)), NOT_INTEGER, "reorder_point")
    flag(demand_mean == 0, ZERO_DEMAND, "demand_mean")
    return status, field
