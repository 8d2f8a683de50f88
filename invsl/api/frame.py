"""DataFrame layer: a table of SKUs in, the same table with service levels out.

One row per SKU. Rows are never dropped or reordered and the index is kept; a row that
cannot be computed gets a ``status`` code and a ``message`` saying what to fix, and the other
rows are computed as usual. Structural problems (a required column missing) raise
:class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from invsl.kernels import batch
from invsl.scalar import distributions as dist
from invsl.vocabulary import MISSING, NAMES, NOT_A_NUMBER, OK, STATUS, ZERO_DEMAND
from invsl.engine.validate import distribution_codes, field_names, metric_codes, validate

#: input columns: canonical name -> (required for evaluate, required for optimize, default)
INPUT_COLUMNS = {
    "demand_mean": (True, True, None),
    "demand_std": (True, True, None),
    "lead_time": (True, True, None),
    "lead_time_std": (False, False, 0.0),
    "order_quantity": (True, True, None),
    "distribution": (False, False, None),
    "reorder_point": (True, False, None),
    "metric": (False, False, None),
    "target": (False, False, None),
    "policy": (False, False, None),
    "review_period": (False, False, None),
    "order_up_to": (False, False, None),
}

#: output columns added to the input, in order
OUTPUT_COLUMNS = (*batch.OUTPUTS, "lead_time_distribution", "status", "message")

#: other spellings accepted for input columns (lower case, blanks and dashes as underscores)
ALIASES = {
    "demand_mean": ("mean_demand", "mu", "avg_demand", "average_demand"),
    "demand_std": ("std_demand", "sigma", "demand_sd", "sd_demand"),
    "lead_time": ("leadtime", "lt", "lead_time_periods"),
    "lead_time_std": ("leadtime_std", "lead_time_sd", "sigma_l"),
    "order_quantity": ("q", "lot_size", "order_qty", "eoq"),
    "reorder_point": ("s", "rop", "reorder_level"),
    "review_period": ("review_interval",),
    "order_up_to": ("order_up_to_level", "max_level"),
}


#: categories of the lead_time_distribution column, and kind code -> category position
_KIND_CATEGORIES = list(dict.fromkeys(dist.KIND_NAMES))
_KIND_CODE = np.array([_KIND_CATEGORIES.index(name) for name in dist.KIND_NAMES])
# pmf-based distributions (invsl.kernels.pmf): kind codes 6 and 7
_KIND_CATEGORIES += ["empirical", "compound_poisson"]
_KIND_CODE = np.append(_KIND_CODE, [len(_KIND_CATEGORIES) - 2, len(_KIND_CATEGORIES) - 1])
#: the same shifted by one, so that kind -1 (not fitted) maps to category code -1
_KIND_CODE_FROM_MINUS_ONE = np.concatenate([[-1], _KIND_CODE]).astype(np.int8)
#: the dtypes of the lead_time_distribution and status columns (built once: building a
#: CategoricalDtype of strings costs more than filling a million codes)
_KIND_DTYPE = pd.CategoricalDtype(_KIND_CATEGORIES)
_STATUS_DTYPE = pd.CategoricalDtype(list(NAMES))


def kind_column(kind: np.ndarray) -> pd.Categorical:
    """The lead_time_distribution column from the kernels' kind codes (-1: not fitted)."""
    return pd.Categorical.from_codes(_KIND_CODE_FROM_MINUS_ONE[kind + 1], dtype=_KIND_DTYPE)


def status_column(status: np.ndarray) -> pd.Categorical:
    """The status column from the status codes."""
    return pd.Categorical.from_codes(status, dtype=_STATUS_DTYPE)


#: columns a table may leave out when a demand history is given: its ``empirical`` rows take
#: them from the history, and other rows without them are flagged ``missing``
HISTORY_OPTIONAL = ("demand_mean", "demand_std")


def _required(required: list[str], history) -> list[str]:
    """The required columns, without HISTORY_OPTIONAL when a history is given."""
    if history is None:
        return required
    return [name for name in required if name not in HISTORY_OPTIONAL]


class InputError(ValueError):
    """The input table cannot be used at all (for example a required column is missing)."""


def _normalise(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _resolve_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, required: list[str]):
    """Canonical name -> column of df, from the explicit mapping, the name, or an alias."""
    columns = dict(columns or {})
    unknown = set(columns) - set(INPUT_COLUMNS)
    if unknown:
        raise InputError(
            f"columns= maps unknown names {sorted(unknown)}; the names are {list(INPUT_COLUMNS)}"
        )
    by_normal: dict[str, str] = {}
    for col in df.columns:
        by_normal.setdefault(_normalise(col), col)
    found = {}
    for name in INPUT_COLUMNS:
        if name in columns:
            if columns[name] not in df.columns:
                raise InputError(f"column {columns[name]!r} (given for {name}) is not in the input")
            found[name] = columns[name]
            continue
        for candidate in (name, *ALIASES.get(name, ())):
            if candidate in by_normal:
                found[name] = by_normal[candidate]
                break
    missing = [name for name in required if name not in found]
    if missing:
        spellings = "; ".join(
            f"{name} (also accepted: {', '.join(ALIASES[name])})" if name in ALIASES else name
            for name in missing
        )
        have = [str(col) for col in df.columns]
        shown = ", ".join(have[:20]) + (f", ... ({len(have)} in all)" if len(have) > 20 else "")
        raise InputError(
            f"missing required column{'s' if len(missing) > 1 else ''}: {spellings}. "
            f"The table has: {shown or 'no columns'}. Names match ignoring case, with blanks "
            f"and dashes read as underscores. Rename the column, or from Python map it with "
            f"columns={{'{missing[0]}': 'your_name'}}"
        )
    # two columns that both spell one input (the same name twice, or 'Lead Time' beside
    # 'lead_time'): refuse to guess
    for name, col in found.items():
        if name in columns:
            same = [c for c in df.columns if c == col]
        else:
            same = [c for c in df.columns if _normalise(c) == _normalise(col)]
        if len(same) > 1:
            raise InputError(
                f"{len(same)} columns could be {name}: {', '.join(repr(str(c)) for c in same)}; "
                f"keep one (or from Python choose one with columns={{'{name}': 'your_name'}})"
            )
    return found


def _numeric(series: pd.Series):
    """Float array of a column and a mask of cells that held text that is not a number."""
    if series.dtype == np.float64:
        return series.to_numpy(copy=False), None  # read-only view; nothing writes to it
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan), None
    values = pd.to_numeric(series, errors="coerce")
    text = series.notna() & values.isna()
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        text &= series.astype(str).str.strip() != ""
    return values.to_numpy(dtype=float, na_value=np.nan), text.to_numpy()


def _show(value) -> str:
    """A cell as the message shows it: empty cells as 'empty', text quoted."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _blank(value) -> bool:
    return (isinstance(value, str) and not value.strip()) or bool(pd.isna(value))


def _messages(
    status: np.ndarray,
    field: np.ndarray,
    raw: dict[str, pd.Series],
    defaults: Mapping[str, float] | None = None,
    texts: Mapping[int, tuple[str, str]] = STATUS,
    plain: Collection[int] = (ZERO_DEMAND,),
) -> np.ndarray:
    """'column = value: what to fix' for each flagged row, '' for ok rows.

    ``defaults``: the value used for empty cells of optional columns, shown instead of 'empty'.
    ``texts``: status code -> (name, text) (the simulator adds its own codes); ``plain``: the
    codes whose message shows no cell value.
    """
    defaults = defaults or {}
    message = np.array([""], dtype=object).repeat(status.shape[0])
    bad = np.flatnonzero(status != OK)
    if bad.size == 0:
        return message
    frame = pd.DataFrame({"status": status[bad], "field": field_names(field[bad])})
    for (code, name), group in frame.groupby(["status", "field"], sort=False):
        rows = bad[group.index.to_numpy()]
        text = texts[int(code)][1]
        if name and name in raw and code not in plain:
            cells = pd.Series(raw[name].iloc[rows].to_numpy(dtype=object))
            if name in defaults:
                cells = cells.map(lambda v, d=defaults[name]: d if _blank(v) else v)
            values = cells.map(_show).to_numpy(dtype=object)
            message[rows] = name + " = " + values + ": " + text
        elif code == MISSING and name in HISTORY_OPTIONAL and name not in raw:
            message[rows] = (
                f"the table has no {name} column; only empirical rows take it from the "
                "history: add the column, or use distribution empirical"
            )
        else:
            message[rows] = text
    return message


def _run(
    df,
    solve,
    *,
    metric,
    target,
    distribution,
    lead_time_std,
    columns,
    history=None,
    history_options=None,
    policy="sQ",
    review_period=1.0,
):
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    from invsl.engine import periodic_rows as periodic_frame

    if periodic_frame.is_periodic(df, policy, columns):
        return periodic_frame.run(
            df,
            solve,
            metric=metric,
            target=target,
            distribution=distribution,
            lead_time_std=lead_time_std,
            policy=policy,
            review_period=review_period,
            columns=columns,
            history=history,
            history_options=history_options,
        )
    required = [n for n, (ev, op, _) in INPUT_COLUMNS.items() if (op if solve else ev)]
    found = _resolve_columns(df, columns, _required(required, history))
    n = len(df)
    raw = {name: df[col] for name, col in found.items()}

    numbers = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = None  # the column of each text cell, made when the first one is found
    numeric_names = ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]
    numeric_names.append("target" if solve else "reorder_point")
    for name in numeric_names:
        if name in raw:
            values, text = _numeric(raw[name])
            if text is not None and text.any():
                if text_field is None:
                    text_field = np.empty(n, dtype=object)
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
        elif name == "lead_time_std":
            values = np.full(n, float(lead_time_std))
        elif name == "target":
            values = np.full(n, float(target) if target is not None else np.nan)
        else:  # a demand column left out of a table with a history
            values = np.full(n, np.nan)
        numbers[name] = values
    if solve and "target" in raw and target is not None:
        numbers["target"] = np.where(
            np.isnan(numbers["target"]) & ~text_mask, float(target), numbers["target"]
        )
    if "lead_time_std" in raw:
        numbers["lead_time_std"] = np.where(
            np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
        )

    dcodes = distribution_codes(
        raw["distribution"] if "distribution" in raw else distribution,
        default=distribution,
        pmf=True,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
    mcodes = None
    if solve:
        mcodes = metric_codes(raw["metric"] if "metric" in raw else metric, default=metric)
        mcodes = np.broadcast_to(mcodes, (n,)).astype(np.int8)

    from invsl.engine import history_rows as _pmf_frame  # empirical / compound_poisson rows

    pmf_ctx = _pmf_frame.prepare(df, dcodes, numbers, history, history_options)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=numbers["demand_std"],
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=numbers["order_quantity"],
        distribution=dcodes,
        reorder_point=None if solve else numbers["reorder_point"],
        metric=mcodes,
        target=numbers["target"] if solve else None,
    )
    # text in a numeric column is reported as such, before anything else
    if text_field is not None:
        status[text_mask] = NOT_A_NUMBER
        field[text_mask] = text_field[text_mask]

    if pmf_ctx is not None:
        pmf_status = status[pmf_ctx.rows]
        status[pmf_ctx.rows] = _pmf_frame.SKIP
    out, kind = batch.sq(
        solve,
        dcodes,
        mcodes if solve else np.zeros(0, np.int8),  # (the kernel reads only what it uses)
        numbers["target"] if solve else np.zeros(0),
        numbers["demand_mean"],
        numbers["demand_std"],
        numbers["lead_time"],
        numbers["lead_time_std"],
        numbers["order_quantity"],
        np.zeros(0) if solve else numbers["reorder_point"],
        status,
    )
    if pmf_ctx is not None:
        status[pmf_ctx.rows] = pmf_status
        _pmf_frame.compute(pmf_ctx, solve, mcodes, numbers, status, field, out, kind)
    if solve:
        zero = np.flatnonzero(status == ZERO_DEMAND)
        out[0, zero] = 0.0
        out[1, zero] = 0.0

    added = {}
    for i, name in enumerate(batch.OUTPUTS):
        if name == "reorder_point" and not solve:
            if found["reorder_point"] == "reorder_point":
                continue  # evaluate keeps the input column untouched, bad rows included
            out[i] = numbers["reorder_point"]
        added[name] = out[i]
    # status and lead_time_distribution are categoricals with fixed categories (cheap for
    # millions of rows, the same dtype on every run); message is plain text
    added["lead_time_distribution"] = kind_column(kind)
    added["status"] = status_column(status)
    defaults = {"lead_time_std": float(lead_time_std)}
    if solve and target is not None:
        defaults["target"] = float(target)
    added["message"] = _messages(status, field, raw, defaults)
    return _assemble(df, added)


def _assemble(df: pd.DataFrame, added: dict) -> pd.DataFrame:
    """The input columns followed by the added ones (an added name replaces an input column
    of that name in place), index kept. The added arrays become columns without a copy."""
    if not df.columns.is_unique:
        result = df.copy(deep=False)
        for name, values in added.items():
            result[name] = values
        return result
    columns = {name: df[name] for name in df.columns}
    for name, values in added.items():
        # keep numpy dtypes as they are (pandas would infer 'str' for an object array of text)
        dtype = values.dtype if isinstance(values, np.ndarray) else None
        columns[name] = pd.Series(values, index=df.index, dtype=dtype, copy=False)
    result = pd.DataFrame(columns, index=df.index, copy=False)
    result.columns.name = df.columns.name
    return result


def evaluate(
    df: pd.DataFrame,
    *,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    history: pd.DataFrame | None = None,
    history_options: Mapping[str, str] | None = None,
    policy: str = "sQ",
    review_period: float = 1.0,
) -> pd.DataFrame:
    """Every service level of each SKU's inventory policy at its given reorder point.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU with columns ``demand_mean`` and ``demand_std`` [units/period],
        ``lead_time`` [periods], ``order_quantity`` and ``reorder_point`` [units], and
        optionally ``sku`` (any id, passed through), ``lead_time_std`` [periods] and
        ``distribution`` (``normal``, ``gamma``, ``poisson``, ``negbin``, ``empirical``,
        ``compound_poisson``; the last two see docs/history.md). Other columns are passed
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
        Policy for rows without a ``policy`` value (case-insensitive, default ``sQ``:
        continuous review). ``RS`` periodic order-up-to (reads ``order_up_to`` [units]),
        ``RsS`` min/max (reads ``reorder_point`` and ``order_up_to``), ``RsQ`` (R, s, nQ)
        (reads ``reorder_point`` and ``order_quantity``). See docs/periodic.md.
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
        If a required column is missing.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"sku": ["A"], "demand_mean": [100.0], "demand_std": [30.0],
    ...                    "lead_time": [1.0], "order_quantity": [200.0],
    ...                    "reorder_point": [120.0]})
    >>> round(float(invsl.evaluate(df)["beta"].iloc[0]), 6)
    0.977332
    """
    return _run(
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
    policy: str = "sQ",
    review_period: float = 1.0,
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
        Target strictly between 0 and 1, default 0.95.
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
    return _run(
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
    )
