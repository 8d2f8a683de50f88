"""The one table reader: a DataFrame of SKUs in, checked row arrays out.

Every entry point that takes a table (``evaluate``, ``optimize``, ``simulate``,
``optimize_portfolio``, ``exchange_curve``, ``sensitivity``, the command line and dask) reads
it here, so that they all accept the same columns and spellings (``invsl.vocabulary``) and
read a cell the same way:

1. :func:`resolve_columns`: each input is found by its canonical name, an alias
   (``COLUMN_ALIASES``, compared after ``normalise_column``) or an explicit ``columns=``
   mapping; a missing required column or two columns for one input raise :class:`InputError`.
2. :func:`numeric`: numbers, with the cells that hold text that is not a number marked (they
   become status ``not_a_number``, reported before anything else).
3. :func:`read_rows`: the numeric inputs an entry point needs, empty cells of optional inputs
   filled with the call-level value (``lead_time_std``, ``target``, ``review_period``), and
   the names (distribution, metric, policy) as codes.

No kernel runs here and nothing is validated beyond the column level: validation is
:mod:`invsl.engine.validate`, dispatch :mod:`invsl.engine.dispatch`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from invsl.engine.validate import distribution_codes, fold_deterministic, metric_codes
from invsl.vocabulary import COLUMN_ALIASES, normalise_column


class InputError(ValueError):
    """The input table cannot be used at all (for example a required column is missing)."""


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

#: columns a table may leave out when a demand history is given: its ``empirical`` rows take
#: them from the history, and other rows without them are flagged ``missing``
HISTORY_OPTIONAL = ("demand_mean", "demand_std")


def sq_required_columns(solve: bool, history=None) -> list[str]:
    """The columns an (s, Q) table needs for evaluate (``solve`` False) or optimize, without
    HISTORY_OPTIONAL when a history is given."""
    required = [name for name, (ev, op, _) in INPUT_COLUMNS.items() if (op if solve else ev)]
    return without_history_optional(required, history)


def without_history_optional(required: list[str], history) -> list[str]:
    """``required`` without HISTORY_OPTIONAL when a history is given."""
    if history is None:
        return required
    return [name for name in required if name not in HISTORY_OPTIONAL]


def check_frame(df) -> None:
    """Raise InputError unless ``df`` is a pandas DataFrame."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")


def _missing_message(df: pd.DataFrame, missing: list[str]) -> str:
    spellings = "; ".join(
        f"{name} (also accepted: {', '.join(COLUMN_ALIASES[name])})"
        if COLUMN_ALIASES.get(name)
        else name
        for name in missing
    )
    have = [str(col) for col in df.columns]
    shown = ", ".join(have[:20]) + (f", ... ({len(have)} in all)" if len(have) > 20 else "")
    return (
        f"missing required column{'s' if len(missing) > 1 else ''}: {spellings}. "
        f"The table has: {shown or 'no columns'}. Names match ignoring case, with blanks "
        f"and dashes read as underscores. Rename the column, or from Python map it with "
        f"columns={{'{missing[0]}': 'your_name'}}"
    )


def resolve_columns(
    df: pd.DataFrame,
    columns: Mapping[str, str] | None,
    required: Sequence[str],
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Canonical name -> column of ``df``, from the explicit mapping, the name, or an alias.

    ``names``: the canonical inputs looked for (default every input column of
    ``INPUT_COLUMNS``, read at the call); ``columns=``
    may map only names of the vocabulary. Raises InputError for a required column that is
    missing, a mapping to an absent column, or two columns that both spell one input.
    """
    names = tuple(INPUT_COLUMNS) if names is None else names
    columns = dict(columns or {})
    unknown = set(columns) - set(INPUT_COLUMNS) - set(names)
    if unknown:
        raise InputError(
            f"columns= maps unknown names {sorted(unknown)}; the names are {list(INPUT_COLUMNS)}"
        )
    by_normal: dict[str, Any] = {}
    for col in df.columns:
        by_normal.setdefault(normalise_column(col), col)
    found: dict[str, Any] = {}
    for name in names:
        if name in columns:
            if columns[name] not in df.columns:
                raise InputError(f"column {columns[name]!r} (given for {name}) is not in the input")
            found[name] = columns[name]
            continue
        for candidate in (name, *COLUMN_ALIASES.get(name, ())):
            if candidate in by_normal:
                found[name] = by_normal[candidate]
                break
    missing = [name for name in required if name not in found]
    if missing:
        raise InputError(_missing_message(df, missing))
    # two columns that both spell one input (the same name twice, or 'Lead Time' beside
    # 'lead_time'): refuse to guess
    for name, col in found.items():
        if name in columns:
            same = [c for c in df.columns if c == col]
        else:
            same = [c for c in df.columns if normalise_column(c) == normalise_column(col)]
        if len(same) > 1:
            raise InputError(
                f"{len(same)} columns could be {name}: {', '.join(repr(str(c)) for c in same)}; "
                f"keep one (or from Python choose one with columns={{'{name}': 'your_name'}})"
            )
    return found


def has_column(df: pd.DataFrame, columns: Mapping[str, str] | None, name: str) -> bool:
    """True when ``df`` has a column for the input ``name`` (mapped, canonical or alias)."""
    if columns and name in columns:
        return True
    spellings = {name, *COLUMN_ALIASES.get(name, ())}
    return any(normalise_column(c) in spellings for c in df.columns)


def numeric(series: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Float array of a column and a mask of cells that held text that is not a number
    (None when the column cannot hold text)."""
    if series.dtype == np.float64:
        return series.to_numpy(copy=False), None  # read-only view; nothing writes to it
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan), None
    values = pd.to_numeric(series, errors="coerce")
    text = series.notna() & values.isna()
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        text &= series.astype(str).str.strip() != ""
    return values.to_numpy(dtype=float, na_value=np.nan), text.to_numpy()


@dataclasses.dataclass
class Rows:
    """A table read into arrays: what validation, dispatch and the messages work on.

    ``numbers``: canonical name -> float64 array (NaN for an empty cell, also of a column
    the table does not have); ``raw``: canonical name -> the cells as given (for messages);
    ``text_mask``/``text_field``: rows with text in a numeric column, and the first such
    column of each; ``defaults``: the call-level values that filled empty cells (messages
    show them); ``distribution``/``metric``: int8 codes (``metric`` None when not read).
    """

    n: int
    found: dict[str, object]
    raw: dict[str, pd.Series]
    numbers: dict[str, np.ndarray]
    text_mask: np.ndarray
    text_field: np.ndarray | None
    defaults: dict[str, float]
    distribution: np.ndarray
    metric: np.ndarray | None = None


def read_rows(
    df: pd.DataFrame,
    found: dict[str, object],
    numeric_names: Sequence[str],
    *,
    defaults: Mapping[str, float | None],
    distribution: str,
    metric: str | None = None,
    fold: bool = True,
) -> Rows:
    """Read the columns ``found`` (from :func:`resolve_columns`) into a :class:`Rows`.

    ``numeric_names``: the numeric inputs to read, in the order in which the first column
    with text wins a row's ``not_a_number`` message. ``defaults``: the call-level value of
    an optional input (``lead_time_std``, ``target``, ``review_period``), which fills the
    empty cells of its column or the whole column when the table has none; None leaves
    them empty. ``distribution``: the name for rows without one; ``metric``: the name for
    rows without one, None when the metric is not read (evaluate). ``deterministic`` rows
    come back as normal rows with demand_std 0; with ``fold`` False they keep their code
    and demand_std (the portfolio, whose kernels take deterministic demand as it is and
    whose checks flag an empty or negative demand_std of such a row).
    """
    n = len(df)
    raw = {name: df[col] for name, col in found.items()}
    numbers: dict[str, np.ndarray] = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = None  # made when the first text cell is found (an object array costs)
    for name in numeric_names:
        default = defaults.get(name)
        if name in raw:
            values, text = numeric(raw[name])
            if text is not None and text.any():
                if text_field is None:
                    text_field = np.full(n, "", dtype=object)
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
            if default is not None:
                values = np.where(np.isnan(values) & ~text_mask, float(default), values)
        elif default is not None and float(default) == 0.0 and not np.signbit(default):
            values = np.zeros(n)  # (pages of zeros the system hands out: nothing to fill)
        else:
            values = np.full(n, float(default) if default is not None else np.nan)
        numbers[name] = values
    dcodes = distribution_codes(
        raw["distribution"] if "distribution" in raw else distribution,
        default=distribution,
        pmf=True,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
    if fold and "demand_std" in numbers:
        dcodes, numbers["demand_std"] = fold_deterministic(dcodes, numbers["demand_std"])
    mcodes = None
    if metric is not None:
        mcodes = metric_codes(raw["metric"] if "metric" in raw else metric, default=metric)
        mcodes = np.broadcast_to(mcodes, (n,)).astype(np.int8)
    shown = {name: float(value) for name, value in defaults.items() if value is not None}
    return Rows(n, found, raw, numbers, text_mask, text_field, shown, dcodes, mcodes)
