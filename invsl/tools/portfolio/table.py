"""A portfolio's pandas table read into checked arrays, and the per-row messages.

This is the only module of the portfolio that reads a pandas table: the columns of
:func:`invsl.optimize` (found by :mod:`invsl.engine.reader`, checked by
:mod:`invsl.engine.validate`), then the portfolio's own columns (``unit_cost``, ``service_floor``, ``service_ceiling``,
``weight``) and their checks. The cells are read by the engine's one reader
(:func:`invsl.engine.reader.read_rows`), the portfolio's own columns under their own names.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from invsl.engine.assemble import messages
from invsl.engine.reader import INPUT_COLUMNS, InputError, read_rows, resolve_columns
from invsl.engine.validate import unsupported_rows, validate
from invsl.vocabulary import (
    BAD_TARGET,
    MISSING,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_FINITE,
    OK,
)

#: the numeric columns of the (s, Q) table, read in this order
NUMBER_COLUMNS = ("demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity")
#: the portfolio's own columns, read after NUMBER_COLUMNS in this order (the first column of
#: a row holding text names its ``not_a_number`` message)
OWN_COLUMNS = ("unit_cost", "service_floor", "service_ceiling", "weight")
#: the service bounds of an empty cell or of no column at all (unit_cost and weight have none)
OWN_DEFAULTS = {"service_floor": 0.0, "service_ceiling": 1.0}


@dataclasses.dataclass
class PortfolioTable:
    """A portfolio's table as arrays of n rows, with a status per row.

    ``raw`` maps each field to its input column (for the messages); ``numbers`` holds the
    :data:`NUMBER_COLUMNS`; ``field`` names the column a status is about and ``custom``
    holds the portfolio's own message of a row ("" for none).
    """

    n: int
    raw: dict
    numbers: dict
    dcodes: np.ndarray
    unit_cost: np.ndarray
    floor: np.ndarray
    ceiling: np.ndarray
    weight: np.ndarray | None
    status: np.ndarray
    field: np.ndarray
    custom: np.ndarray


def _own_columns(df, found, specs, n):
    """The portfolio's own inputs (``unit_cost``, ``service_floor``, ``service_ceiling``,
    ``weight``), each given as a column name or a number.

    ``specs``: name -> column name, number (or array of n numbers) or None. A column that
    ``df`` has is added to ``found`` under the input's name (read by :func:`read_rows`);
    the result maps the other names to an array of the number given, or when there is no
    column and no number to the floor 0 and the ceiling 1 (:data:`OWN_DEFAULTS`) or None.
    Raises InputError for a unit_cost column that ``df`` lacks and for an optional input
    named after a column that is not its own name and not in ``df``.
    """
    given = {}
    for name, spec in specs.items():
        if isinstance(spec, str):
            if spec in df.columns:
                found[name] = spec
            elif name == "unit_cost":
                raise InputError(
                    f"missing column {spec!r} (the value of one unit of stock); add it, "
                    "name another column with unit_cost='your_column', or give one "
                    "number for every SKU, e.g. unit_cost=1.0"
                )
            elif spec == name:  # optional column under its default name: absent
                given[name] = _absent(name, n)
            else:
                raise InputError(f"column {spec!r} (given as {name}) is not in the input")
        elif spec is None:
            given[name] = _absent(name, n)
        else:
            given[name] = np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()
    return given


def _absent(name, n):
    """The values of a portfolio input without column or number: its default, or None."""
    return np.full(n, OWN_DEFAULTS[name]) if name in OWN_DEFAULTS else None


def _flag_portfolio_columns(status, field, custom, extra):
    """Flag rows whose unit_cost, service bounds or weight are unusable (first fault only)."""

    def flag(mask, code, name, text):
        mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name
        custom[mask] = text

    cost = extra["unit_cost"]
    flag(np.isnan(cost), MISSING, "unit_cost", "unit_cost is missing; fill it in")
    flag(np.isinf(cost), NOT_FINITE, "unit_cost", "unit_cost must be a finite number")
    flag(cost <= 0, NEGATIVE, "unit_cost", "unit_cost must be > 0 [currency per unit]")
    lo, hi = extra["service_floor"], extra["service_ceiling"]
    flag(~((lo >= 0) & (lo < 1)), BAD_TARGET, "service_floor", "service_floor must lie in [0, 1)")
    flag(
        ~((hi > 0) & (hi <= 1)),
        BAD_TARGET,
        "service_ceiling",
        "service_ceiling must lie in (0, 1]",
    )
    flag(
        lo > hi,
        BAD_TARGET,
        "service_ceiling",
        "service_ceiling must not be below service_floor",
    )
    if extra["weight"] is not None:
        wt = extra["weight"]
        flag(
            ~np.isfinite(wt) | (wt < 0),
            NEGATIVE,
            "weight",
            "weight must be a finite number >= 0",
        )


def read_table(
    df: pd.DataFrame,
    *,
    unit_cost,
    floor,
    ceiling,
    weight,
    distribution,
    lead_time_std,
    columns,
) -> PortfolioTable:
    """Read and check a portfolio's table (arguments as for :func:`optimize_portfolio`).

    Raises :class:`invsl.InputError` for a missing column; bad cells become row statuses:
    first the checks of :func:`invsl.optimize`, then rows it does not handle (periodic
    review, history), then the portfolio's own columns.
    """
    required = [n for n, (_, op, _) in INPUT_COLUMNS.items() if op]
    found = resolve_columns(df, columns, required)
    n = len(df)
    lead_time_std = float(lead_time_std)  # (None: TypeError, before the columns' errors)
    specs = {
        "unit_cost": unit_cost,
        "service_floor": floor,
        "service_ceiling": ceiling,
        "weight": weight,
    }
    given = _own_columns(df, found, specs, n)
    rows = read_rows(
        df,
        found,
        NUMBER_COLUMNS + tuple(name for name in OWN_COLUMNS if name in found),
        defaults={"lead_time_std": lead_time_std, **OWN_DEFAULTS},
        distribution=distribution,
        fold=False,
    )
    raw = rows.raw
    numbers = {name: rows.numbers[name] for name in NUMBER_COLUMNS}
    extra = {name: rows.numbers[name] if name in found else given[name] for name in OWN_COLUMNS}
    dcodes = rows.distribution
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=numbers["demand_std"],
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=numbers["order_quantity"],
        distribution=dcodes,
    )
    status[rows.text_mask] = NOT_A_NUMBER
    if rows.text_field is not None:
        field[rows.text_mask] = rows.text_field[rows.text_mask]
    # the portfolio's own columns
    custom = np.full(n, "", dtype=object)
    # periodic-review and history rows: not computed here (whatever their values)
    unsupported, about, why = unsupported_rows(
        n,
        raw["distribution"] if "distribution" in raw else distribution,
        distribution,
        raw.get("policy"),
        "optimize_portfolio",
    )
    out = unsupported != OK
    status[out] = unsupported[out]
    field[out] = about[out]
    custom[out] = why[out]
    _flag_portfolio_columns(status, field, custom, extra)
    return PortfolioTable(
        n=n,
        raw=raw,
        numbers=numbers,
        dcodes=dcodes,
        unit_cost=extra["unit_cost"],
        floor=extra["service_floor"],
        ceiling=extra["service_ceiling"],
        weight=extra["weight"],
        status=status,
        field=field,
        custom=custom,
    )


def row_messages(table: PortfolioTable) -> np.ndarray:
    """Per-row messages: the frame's texts, the portfolio's own, and a note that a flagged
    row is out of the portfolio (``table.status`` as it stands after fitting)."""
    status = table.status
    message = messages(status, table.field, table.raw)
    own = table.custom != ""
    message[own] = table.custom[own]
    bad = status != OK
    message[bad] = message[bad] + "; excluded from the portfolio (no budget spent on it)"
    return message
