"""Reading the simulator's input table: its extra columns (policy, review period, order-up-to)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from invsl.api import frame as _frame

#: extra input columns of the simulator: name -> (aliases)
EXTRA_COLUMNS = {
    "policy": ("policy_type", "inventory_policy"),
    "review_period": ("review", "r", "review_interval"),
    "order_up_to": ("s_max", "max_level", "order_up_to_level", "max_stock"),
}


def resolve_extra_columns(df: pd.DataFrame, columns: Mapping[str, str]) -> dict[str, str]:
    """Column of ``df`` for each extra input (EXTRA_COLUMNS) it has: mapped in ``columns``,
    else found by name or alias (normalised as the core columns are)."""
    by_normal: dict[str, str] = {}
    for col in df.columns:
        by_normal.setdefault(_frame._normalise(col), col)
    found = {}
    for name, aliases in EXTRA_COLUMNS.items():
        if name in columns:
            if columns[name] not in df.columns:
                raise _frame.InputError(
                    f"column {columns[name]!r} (given for {name}) is not in the input"
                )
            found[name] = columns[name]
            continue
        for candidate in (name, *aliases):
            if candidate in by_normal:
                found[name] = by_normal[candidate]
                break
    return found
