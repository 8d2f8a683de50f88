"""Reading the simulator's input table into arrays: the one place that sees the DataFrame.

:func:`read_table` finds the columns (core columns as :func:`invsl.evaluate` does, plus the
simulator's extra ones: policy, review period, order-up-to), turns the policy and
distribution cells into codes and the numeric cells into float64 arrays (text cells noted),
raises :class:`invsl.InputError` for a column that some row needs and is missing, and reads
the demand history of the ``empirical`` and ``compound_poisson`` rows. Everything after it
works on the :class:`Table` it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from invsl.api import frame as _frame
from invsl.engine import history_rows
from invsl.engine.validate import _codes
from invsl.kernels import pmf
from invsl.tools.simulation.codes import (
    COMPOUND_POISSON,
    DISTRIBUTION_CODES,
    EMPIRICAL,
    POLICY_CODES,
    POLICY_NAMES,
    RS,
    RSQ,
    RSS,
    SQ,
)

#: numeric input columns, in the order their text cells are reported
NUMERIC_COLUMNS = (
    "demand_mean",
    "demand_std",
    "lead_time",
    "lead_time_std",
    "order_quantity",
    "reorder_point",
    "order_up_to",
    "review_period",
)

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


@dataclass
class Table:
    """The input table read into arrays (length n each, in the order of the rows)."""

    raw: dict[str, pd.Series]  # canonical name -> the input column found for it
    policy: np.ndarray  # int8 policy code, -1 for an unknown policy
    distribution: np.ndarray  # int8 distribution code, -1 for an unknown one
    numbers: dict[str, np.ndarray]  # NUMERIC_COLUMNS -> float64 (NaN: empty or missing)
    text_mask: np.ndarray  # bool: some numeric cell of the row is text
    text_field: np.ndarray  # object: the first numeric column with a text cell
    history: history_rows.Context | None  # the history of the pmf rows, if any

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.policy.shape[0]


def columns_used(policy: np.ndarray) -> dict[str, np.ndarray]:
    """Policy columns -> rows (by policy code) that need them."""
    return {
        "reorder_point": (policy == SQ) | (policy == RSS) | (policy == RSQ),
        "order_quantity": (policy == SQ) | (policy == RSQ),
        "order_up_to": (policy == RS) | (policy == RSS),
    }


def read_table(
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None,
    history: pd.DataFrame | None,
    history_options: Mapping[str, str] | None,
    policy: str,
    distribution: str,
    review_period: int,
    lead_time_std: float,
) -> Table:
    """Read ``df`` into a :class:`Table` (arguments as for :func:`simulate`: ``policy``,
    ``distribution``, ``review_period`` and ``lead_time_std`` fill the empty cells).

    Raises :class:`invsl.InputError` for an unknown name in ``columns`` and for a missing
    column that some row needs.
    """
    raw = _find_columns(df, columns, history)
    n = len(df)
    # per-row policy and distribution codes (empty cells take the defaults)
    pcodes = _codes(raw["policy"] if "policy" in raw else policy, POLICY_CODES, str(policy).lower())
    pcodes = np.broadcast_to(pcodes, (n,)).astype(np.int8)
    dcodes = _codes(
        raw["distribution"] if "distribution" in raw else distribution,
        DISTRIBUTION_CODES,
        distribution,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
    numbers, text_mask, text_field = _read_numbers(raw, n)
    numbers["lead_time_std"] = np.where(
        np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
    )
    numbers["review_period"] = np.where(
        np.isnan(numbers["review_period"]), float(review_period), numbers["review_period"]
    )
    _require_policy_columns(raw, pcodes)
    # demand from history (invsl.kernels.pmf): empirical rows take demand_mean, demand_std
    # and the per-period pmf from the history, as in invsl.evaluate
    pmf_ctx = history_rows.prepare(
        df,
        np.select(
            [dcodes == EMPIRICAL, dcodes == COMPOUND_POISSON],
            [pmf.EMPIRICAL, pmf.COMPOUND_POISSON],
            -1,
        ),
        numbers,
        history,
        history_options,
    )
    return Table(raw, pcodes, dcodes, numbers, text_mask, text_field, pmf_ctx)


def _find_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, history) -> dict:
    """Canonical name -> the column of ``df`` for it (core and extra columns)."""
    columns = dict(columns or {})
    core = {k: v for k, v in columns.items() if k in _frame.INPUT_COLUMNS}
    unknown = set(columns) - set(core) - set(EXTRA_COLUMNS)
    if unknown:
        raise _frame.InputError(f"columns= maps unknown names {sorted(unknown)}")
    found = _frame._resolve_columns(
        df, core, _frame._required(["demand_mean", "demand_std", "lead_time"], history)
    )
    found.update(resolve_extra_columns(df, columns))
    return {name: df[col] for name, col in found.items()}


def _read_numbers(raw: dict, n: int):
    """float64 values of every numeric column (NaN where absent), the rows with a text cell
    and, per row, the first column holding one."""
    numbers = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = np.full(n, "", dtype=object)
    for name in NUMERIC_COLUMNS:
        if name in raw:
            values, text = _frame._numeric(raw[name])
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
        else:
            values = np.full(n, np.nan)
        numbers[name] = values
    return numbers, text_mask, text_field


def _require_policy_columns(raw: dict, pcodes: np.ndarray) -> None:
    """Raise InputError for a policy column that is missing and needed by some row."""
    for name, needed in columns_used(pcodes).items():
        if name not in raw and needed.any():
            kinds = sorted({POLICY_NAMES[c] for c in pcodes[needed]})
            raise _frame.InputError(
                f"missing column {name}, needed by the {', '.join(kinds)} rows; "
                f"from Python map it with columns={{'{name}': 'your_name'}}"
            )
