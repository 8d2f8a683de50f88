"""DataFrame layer: a table of SKUs in, the same table with service levels out.

One row per SKU. Rows are never dropped or reordered and the index is kept; a row that
cannot be computed gets a ``status`` code and a ``message`` saying what to fix, and the other
rows are computed as usual. Structural problems (a required column missing) raise
:class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from invsl.engine import table
from invsl.engine.assemble import (
    kind_column,
    status_column,
)
from invsl.engine.reader import (
    HISTORY_OPTIONAL,
    INPUT_COLUMNS,
    InputError,
)

#: output columns added to an (s, Q) table, in order
OUTPUT_COLUMNS = table.SQ_OUTPUTS

__all__ = [
    "HISTORY_OPTIONAL",
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "InputError",
    "evaluate",
    "kind_column",
    "optimize",
    "status_column",
]


def evaluate(
    df: pd.DataFrame,
    *,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    history: pd.DataFrame | None = None,
    history_options: Mapping[str, str] | None = None,
    policy: str | None = None,
    review_period: float | None = None,
) -> pd.DataFrame:
    """Every service level of each SKU's inventory policy at its given reorder point.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU with columns ``demand_mean`` and ``demand_std`` [units/period],
        ``lead_time`` [periods], ``order_quantity`` and ``reorder_point`` [units], and
        optionally ``sku`` (any id, passed through), ``lead_time_std`` [periods] and
        ``distribution`` (``normal``, ``gamma``, ``poisson``, ``negbin``,
        ``deterministic`` (normal with demand_std 0), ``empirical``, ``compound_poisson``;
        the last two see docs/history.md). Columns and names match ignoring case; the other
        accepted spellings are listed in docs/nomenclature.md. Other columns are passed
        through untouched.
    distribution : str, optional
        Distribution for rows without a ``distribution`` value (default ``normal``).
    lead_time_std : float, optional
        Lead-time standard deviation for rows without one [periods], default 0.
    columns : mapping, optional
        Canonical name -> column name in ``df``, for tables with other names, e.g.
        ``{"demand_mean": "avg_monthly_sales"}``.
    history : pandas.DataFrame, optional
        Demand history (one row per SKU and period), needed by ``empirical`` rows, which take
        their per-period demand pmf, ``demand_mean`` and ``demand_std`` from it; matched to
        the table by the ``sku`` column (see :func:`invsl.fit_demand`).
    history_options : mapping, optional
        Column names and reading of ``history``: keys ``sku``, ``period``, ``demand``
        (defaults the same names) and ``missing`` (``"zero"`` or ``"skip"``, as in
        :func:`invsl.fit_demand`).
    policy : {"sQ", "RS", "RsS", "RsQ"}, optional
        Policy for rows without a ``policy`` value (case-insensitive; also ``(s,q)``,
        ``(r,s)``, ``min/max``, ``(r,s,nq)``). ``sQ`` continuous review, ``RS`` periodic
        order-up-to (reads ``order_up_to`` [units]), ``RsS`` min/max (reads
        ``reorder_point`` and ``order_up_to``), ``RsQ`` (R, s, nQ) (reads ``reorder_point``
        and ``order_quantity``). See docs/periodic.md. When not given, rows without a policy
        are ``sQ``, except rows with a review period (a ``review_period`` cell or
        ``review_period=``): those are flagged ``missing`` with a message naming ``policy``,
        never silently computed as continuous review.
    review_period : int, optional
        Review period R [periods] for periodic rows without a ``review_period`` value,
        a whole number >= 1 (default 1: review every period).

    Returns
    -------
    pandas.DataFrame
        With a ``policy`` column or a periodic ``policy``: the input columns, then
        ``reorder_point``, ``order_up_to`` (NaN for sQ and RsQ; RS rows have no reorder
        point), the metrics below, ``lead_time_distribution`` (the fit of D(L + R) for
        periodic rows), ``status`` and ``message``. Otherwise: the input columns, then
        ``reorder_point``, ``safety_stock``, ``alpha``, ``beta``,
        ``gamma``, ``ready_rate``, ``expected_backorders``, ``expected_on_hand``,
        ``lead_time_distribution``, ``status`` (``ok`` or a code) and ``message`` (empty
        when ok). Same rows, order and index as ``df``.

    Raises
    ------
    InputError
        If a required column is missing, or a call-level argument is invalid (an unknown
        ``distribution``/``policy`` name, ``lead_time_std`` < 0, ``review_period`` not a
        whole number >= 1): the message names the value and what is accepted. Bad cells are
        not raised: their rows get a ``status`` and a ``message``.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"sku": ["A"], "demand_mean": [100.0], "demand_std": [30.0],
    ...                    "lead_time": [1.0], "order_quantity": [200.0],
    ...                    "reorder_point": [120.0]})
    >>> round(float(invsl.evaluate(df)["beta"].iloc[0]), 6)
    0.977332
    """
    return table.run(
        df,
        False,
        metric=None,
        target=None,
        distribution=distribution,
        lead_time_std=lead_time_std,
        columns=columns,
        history=history,
        history_options=history_options,
        policy=policy,
        review_period=review_period,
    )


def optimize(
    df: pd.DataFrame,
    metric: str = "beta",
    target: float | None = 0.95,
    *,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    history: pd.DataFrame | None = None,
    history_options: Mapping[str, str] | None = None,
    policy: str | None = None,
    review_period: float | None = None,
    calibration: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reorder point of each SKU for a service target, and every service level at it.

    Parameters
    ----------
    df : pandas.DataFrame
        As for :func:`evaluate`, without ``reorder_point``; optional per-row ``metric`` and
        ``target`` columns override the arguments (empty cells fall back to them).
    metric : {"beta", "alpha", "gamma"}, optional
        Service level to reach: fill rate (default), cycle service level or gamma. The long
        names ``fill_rate``, ``cycle_service_level`` and ``gamma_service_level`` work too.
    target : float, optional
        Target strictly between 0 and 1, default 0.95 (anything else raises
        :class:`InputError`; a bad ``target`` cell flags only its row).
    distribution, lead_time_std, columns, history, history_options, policy, review_period
        As for :func:`evaluate`. ``RS`` rows get the solved ``order_up_to``; ``RsS`` rows
        take ``order_quantity`` as the gap S - s and get the solved ``reorder_point`` and
        ``order_up_to`` = reorder_point + gap; ``RsQ`` rows get the solved
        ``reorder_point``.

    Returns
    -------
    pandas.DataFrame
        As for :func:`evaluate`, with the solved ``reorder_point``: continuous demand the
        root of metric(s) = target (to 1e-9 * max(1, sd)), integer demand the smallest
        integer reaching the target. Rows with zero mean demand get status ``zero_demand``
        and reorder point 0.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [8.0], "demand_std": [0.0], "lead_time": [1.0],
    ...                    "order_quantity": [10], "distribution": ["poisson"]})
    >>> float(invsl.optimize(df, metric="beta", target=0.95)["reorder_point"].iloc[0])
    10.0
    """
    return table.run(
        df,
        True,
        metric=metric,
        target=target,
        distribution=distribution,
        lead_time_std=lead_time_std,
        columns=columns,
        history=history,
        history_options=history_options,
        policy=policy,
        review_period=review_period,
        calibration=calibration,
    )
