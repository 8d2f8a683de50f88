"""The one assembler: row arrays back to a table, with the ``status`` and ``message`` columns.

The input columns come first, untouched, then the added columns in a fixed order; the index
and the row order are those of the input. ``status`` and ``lead_time_distribution`` are
categoricals with fixed categories (cheap for millions of rows, the same dtype on every
run); ``message`` is plain text, empty for ``ok`` rows, else ``column = cell: what to fix``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from invsl.engine.reader import HISTORY_OPTIONAL
from invsl.engine.validate import field_names
from invsl.vocabulary import (
    KIND_NAMES,
    MISSING,
    NAMES,
    OK,
    STATUS,
    ZERO_DEMAND,
    accepted,
)

#: categories of the lead_time_distribution column, and kind code -> category position
KIND_CATEGORIES = list(dict.fromkeys(KIND_NAMES))
KIND_CODE = np.array([KIND_CATEGORIES.index(name) for name in KIND_NAMES])
#: the same shifted by one, so that kind -1 (not fitted) maps to category code -1
_KIND_CODE_FROM_MINUS_ONE = np.concatenate([[-1], KIND_CODE]).astype(np.int8)
#: the dtypes of the lead_time_distribution and status columns (built once: building a
#: CategoricalDtype of strings costs more than filling a million codes)
_KIND_DTYPE = pd.CategoricalDtype(KIND_CATEGORIES)
_STATUS_DTYPE = pd.CategoricalDtype(list(NAMES))

#: (status, column) -> the text of that status for that column, where it says more
FIELD_TEXTS = {
    (MISSING, "policy"): (
        "a review_period is given but no policy: say which policy the row follows, one of "
        f"{accepted('policy')} (sQ is continuous review and ignores review_period)"
    ),
}


#: the kind codes up to this one are their own category codes (the usual tables hold no
#: other): their column needs no lookup
_SAME_CODE_UP_TO = int(np.flatnonzero(KIND_CODE != np.arange(KIND_CODE.size))[0]) - 1


def kind_column(kind: np.ndarray) -> pd.Categorical:
    """The lead_time_distribution column from the kernels' kind codes (-1: not fitted)."""
    if kind.dtype == np.int8 and (kind.size == 0 or kind.max() <= _SAME_CODE_UP_TO):
        return pd.Categorical.from_codes(kind, dtype=_KIND_DTYPE)
    return pd.Categorical.from_codes(_KIND_CODE_FROM_MINUS_ONE[kind + 1], dtype=_KIND_DTYPE)


def status_column(status: np.ndarray) -> pd.Categorical:
    """The status column from the status codes."""
    return pd.Categorical.from_codes(status, dtype=_STATUS_DTYPE)


def show_cell(value) -> str:
    """A cell as the message shows it: empty cells as 'empty', text quoted."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def is_blank(value) -> bool:
    """True for an empty cell (None, NaN, NA or blank text)."""
    return (isinstance(value, str) and not value.strip()) or bool(pd.isna(value))


def messages(
    status: np.ndarray,
    field: np.ndarray,
    raw: Mapping[str, pd.Series],
    defaults: Mapping[str, float] | None = None,
    texts: Mapping[int, tuple[str, str]] = STATUS,
    plain: Collection[int] = (ZERO_DEMAND,),
) -> np.ndarray:
    """'column = value: what to fix' for each flagged row, '' for ok rows.

    ``defaults``: the call-level value that filled the empty cells of an optional column;
    the message shows such a cell as ``empty (read as <value>)``. ``texts``: status code ->
    (name, text) (the simulator adds its own codes); ``plain``: the codes whose message
    shows no cell value.
    """
    defaults = defaults or {}
    message = np.empty(status.shape[0], dtype=object)
    message.fill("")
    bad = np.flatnonzero(status != OK)
    if bad.size == 0:
        return message
    frame = pd.DataFrame({"status": status[bad], "field": field_names(field[bad])})
    for (code, name), group in frame.groupby(["status", "field"], sort=False):
        rows = bad[group.index.to_numpy()]
        text = FIELD_TEXTS.get((int(code), name), texts[int(code)][1])
        if name and name in raw and code not in plain:
            cells = pd.Series(raw[name].iloc[rows].to_numpy(dtype=object))
            values = cells.map(show_cell)
            if name in defaults:
                filled = f"empty (read as {defaults[name]:g})"
                values = values.where(~cells.map(is_blank), filled)
            message[rows] = name + " = " + values.to_numpy(dtype=object) + ": " + text
        elif code == MISSING and name in HISTORY_OPTIONAL and name not in raw:
            message[rows] = (
                f"the table has no {name} column; only empirical rows take it from the "
                "history: add the column, or use distribution empirical"
            )
        elif code == MISSING and name and name not in raw:
            message[rows] = f"{name} = empty: {text}"
        else:
            message[rows] = text
    return message


def assemble(df: pd.DataFrame, added: Mapping[str, object]) -> pd.DataFrame:
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
