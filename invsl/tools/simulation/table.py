"""Reading the simulator's input table into arrays: the one place that sees the DataFrame.

:func:`read_table` reads the table with the engine's reader, exactly as
:func:`invsl.evaluate` does (the same columns, aliases and spellings; ``engine.reader``),
takes each row's policy by the engine's rule (``engine.table.row_policies``: a row with a
review period and no policy is flagged, never simulated as continuous review),
raises :class:`invsl.InputError` for a column that some row needs and is missing, and reads
the demand history of the ``empirical`` and ``compound_poisson`` rows. Everything after it
works on the :class:`Table` it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from invsl.engine import history_rows
from invsl.engine.reader import (
    InputError,
    read_rows,
    resolve_columns,
    without_history_optional,
)
from invsl.engine.table import row_policies
from invsl.vocabulary import POLICY_NAMES, POLICY_RS, POLICY_RSQ, POLICY_RSS, POLICY_SQ

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


@dataclass
class Table:
    """The input table read into arrays (length n each, in the order of the rows)."""

    raw: dict[str, pd.Series]  # canonical name -> the input column found for it
    policy: np.ndarray  # int8 policy code, -1 for an unknown policy, -2 for none
    distribution: np.ndarray  # int8 distribution code, -1 for an unknown one
    numbers: dict[str, np.ndarray]  # NUMERIC_COLUMNS -> float64 (NaN: empty or missing)
    text_mask: np.ndarray  # bool: some numeric cell of the row is text
    text_field: np.ndarray | None  # object: the first numeric column with a text cell
    history: history_rows.Context | None  # the history of the pmf rows, if any
    defaults: dict[str, float]  # the call-level values that filled empty cells

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.policy.shape[0]


def columns_used(policy: np.ndarray) -> dict[str, np.ndarray]:
    """Policy columns -> rows (by policy code) that need them."""
    return {
        "reorder_point": (policy == POLICY_SQ) | (policy == POLICY_RSS) | (policy == POLICY_RSQ),
        "order_quantity": (policy == POLICY_SQ) | (policy == POLICY_RSQ),
        "order_up_to": (policy == POLICY_RS) | (policy == POLICY_RSS),
    }


def read_table(
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None,
    history: pd.DataFrame | None,
    history_options: Mapping[str, str] | None,
    policy: str | None,
    distribution: str,
    review_period: int | None,
    lead_time_std: float,
) -> Table:
    """Read ``df`` into a :class:`Table` (arguments as for :func:`simulate`: ``policy``,
    ``distribution``, ``review_period`` and ``lead_time_std`` fill the empty cells).

    Raises :class:`invsl.InputError` for an unknown name in ``columns`` and for a missing
    column that some row needs.
    """
    required = without_history_optional(["demand_mean", "demand_std", "lead_time"], history)
    found = resolve_columns(df, columns, required)
    n = len(df)
    rows = read_rows(
        df,
        found,
        NUMERIC_COLUMNS,
        defaults={
            "lead_time_std": lead_time_std,
            "review_period": review_period if review_period is not None else 1,
        },
        distribution=distribution,
    )
    pcodes = row_policies(df, found, policy, review_period, n)
    _require_policy_columns(rows.raw, pcodes)
    # demand from history (invsl.kernels.pmf): empirical rows take demand_mean, demand_std
    # and the per-period pmf from the history, as in invsl.evaluate
    context = history_rows.prepare(df, rows.distribution, rows.numbers, history, history_options)
    return Table(
        rows.raw,
        pcodes,
        rows.distribution,
        rows.numbers,
        rows.text_mask,
        rows.text_field,
        context,
        rows.defaults,
    )


def _require_policy_columns(raw: dict, pcodes: np.ndarray) -> None:
    """Raise InputError for a policy column that is missing and needed by some row."""
    for name, needed in columns_used(pcodes).items():
        if name not in raw and needed.any():
            kinds = sorted({POLICY_NAMES[c] for c in pcodes[needed]})
            raise InputError(
                f"missing column {name}, needed by the {', '.join(kinds)} rows; "
                f"from Python map it with columns={{'{name}': 'your_name'}}"
            )
