"""A portfolio's pandas table read into checked arrays, and the per-row messages.

This is the only module of the portfolio that reads a pandas table: the columns of
:func:`invsl.optimize` (through :mod:`invsl.api.frame` and :mod:`invsl.engine.validate`),
then the portfolio's own columns (``unit_cost``, ``service_floor``, ``service_ceiling``,
``weight``) and their checks. It is the part to swap for the shared engine reader.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from invsl.engine.assemble import messages
from invsl.engine.reader import INPUT_COLUMNS, InputError, numeric, resolve_columns
from invsl.engine.validate import distribution_codes, unsupported_rows, validate
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


class _TextCells:
    """Numbers of columns read one after the other, remembering which rows held text and
    the first column where each did."""

    def __init__(self, n):
        self.mask = np.zeros(n, dtype=bool)
        self.field = np.full(n, "", dtype=object)

    def numeric(self, name, series):
        values, text = numeric(series)
        if text is not None:
            new = text & ~self.mask
            self.field[new] = name
            self.mask[:] |= text
        return values


def _read_numbers(raw, cells, n, lead_time_std):
    """The :data:`NUMBER_COLUMNS` (absent ones and empty lead_time_std: ``lead_time_std``)."""
    numbers = {}
    for name in NUMBER_COLUMNS:
        if name in raw:
            numbers[name] = cells.numeric(name, raw[name])
        else:
            numbers[name] = np.full(n, float(lead_time_std))
    if "lead_time_std" in raw:
        numbers["lead_time_std"] = np.where(
            np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
        )
    return numbers


def _read_portfolio_columns(df, raw, cells, n, specs):
    """unit_cost, service_floor, service_ceiling and weight, each a column name or a number.

    ``specs``: (name, column name or number or None, default of an empty cell). Missing
    floors and ceilings become 0 and 1; an absent weight stays None.
    """
    extra = {}
    for name, spec, default in specs:
        if isinstance(spec, str):
            if spec in df.columns:
                raw[name] = df[spec]
                values = cells.numeric(name, df[spec])
                if default is not None:
                    values = np.where(np.isnan(values) & ~cells.mask, default, values)
                extra[name] = values
            elif name == "unit_cost":
                raise InputError(
                    f"missing column {spec!r} (the value of one unit of stock); add it, "
                    "name another column with unit_cost='your_column', or give one "
                    "number for every SKU, e.g. unit_cost=1.0"
                )
            elif spec == name:
                extra[name] = None  # optional column under its default name: absent
            else:
                raise InputError(f"column {spec!r} (given as {name}) is not in the input")
        elif spec is None:
            extra[name] = None
        else:
            extra[name] = np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()
    if extra["service_floor"] is None:
        extra["service_floor"] = np.zeros(n)
    if extra["service_ceiling"] is None:
        extra["service_ceiling"] = np.ones(n)
    return extra


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
    raw = {name: df[col] for name, col in found.items()}
    cells = _TextCells(n)
    numbers = _read_numbers(raw, cells, n, lead_time_std)
    specs = (
        ("unit_cost", unit_cost, None),
        ("service_floor", floor, 0.0),
        ("service_ceiling", ceiling, 1.0),
        ("weight", weight, None),
    )
    extra = _read_portfolio_columns(df, raw, cells, n, specs)

    dcodes = distribution_codes(
        raw["distribution"] if "distribution" in raw else distribution, default=distribution
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=numbers["demand_std"],
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=numbers["order_quantity"],
        distribution=dcodes,
    )
    status[cells.mask] = NOT_A_NUMBER
    field[cells.mask] = cells.field[cells.mask]
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
