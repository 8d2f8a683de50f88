"""A demand history as a dense matrix: one row per SKU, one column per period, in time order.

The backtest replays periods in time order, so the long table (one row per SKU and period)
of :func:`invsl.fit_demand` becomes a matrix here, once, vectorised (``pandas.factorize``,
no loop over SKUs). Two layouts are read: ``sku, period, demand`` (invsl's; other names via
``history_options``) and ``unique_id, ds, y`` (the layout of forecasting libraries such as
statsforecast), recognised when the first is absent.

Periods are sorted by their labels (dates, ``"2024-03"``, week numbers: anything sortable).
A period in which a SKU has no row is read as ``missing`` says, as in :func:`invsl.fit_demand`:
``"zero"`` (default: no demand) or ``"skip"`` (not observed: NaN, left out by every demand
model). A SKU's periods before its first row are never observed (NaN under both options,
and ``first`` marks them), so a part introduced late is not read as years of zero demand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from invsl.engine.history_rows import HISTORY_KEYS
from invsl.engine.reader import InputError, check_frame
from invsl.vocabulary import HISTORY_MISSING_OPTIONS

#: the two layouts of a history table: (sku, period, demand) column names
LAYOUTS = (("sku", "period", "demand"), ("unique_id", "ds", "y"))


@dataclasses.dataclass
class HistoryMatrix:
    """A history read for the backtest."""

    skus: pd.Index  # the SKU ids, in order of first appearance (untouched values)
    periods: pd.Index  # the period labels, sorted
    demand: np.ndarray  # float64 (n_skus, n_periods); NaN: not observed
    first: np.ndarray  # int64 (n_skus,), the first period with a row
    sku_column: str  # the history's name of the SKU column
    period_column: str = "period"  # the history's name of the period column


def _columns(history: pd.DataFrame, options: Mapping[str, str]) -> tuple[str, str, str]:
    """The (sku, period, demand) column names of ``history``."""
    unknown = set(options) - set(HISTORY_KEYS)
    if unknown:
        raise InputError(f"history_options: unknown keys {sorted(unknown)}; use {HISTORY_KEYS}")
    if any(key in options for key in ("sku", "period", "demand")):
        names = tuple(options.get(key, key) for key in ("sku", "period", "demand"))
    else:
        names = next(
            (layout for layout in LAYOUTS if all(c in history.columns for c in layout)),
            LAYOUTS[0],
        )
    absent = [c for c in names if c not in history.columns]
    if absent:
        raise InputError(
            f"history has no column(s) {absent} (columns: {list(history.columns)}); give the "
            "columns sku, period, demand (or unique_id, ds, y), or name them with "
            "history_options={'sku': ..., 'period': ..., 'demand': ...}"
        )
    return names  # type: ignore[return-value]


def read_history(history, options: Mapping[str, str] | None = None) -> HistoryMatrix:
    """The :class:`HistoryMatrix` of a long history table (raises InputError for a missing
    column, an unknown option, or a demand that is not a number >= 0)."""
    check_frame(history)
    options = dict(options or {})
    missing = options.get("missing", "zero")
    if missing not in HISTORY_MISSING_OPTIONS:
        raise InputError(f"missing={missing!r}: use one of {HISTORY_MISSING_OPTIONS}")
    sku, period, demand = _columns(history, options)
    code, skus = pd.factorize(history[sku], sort=False)
    keep = code >= 0
    pcode, periods = pd.factorize(history[period][keep], sort=True)
    values = pd.to_numeric(history[demand][keep], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    code = code[keep]
    good = pcode >= 0
    bad = good & ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        rows = np.flatnonzero(keep)[np.flatnonzero(bad)[:5]]
        raise InputError(
            f"history: demand must be a number >= 0; rows {rows.tolist()} (first five) are not"
        )
    n, t = len(skus), len(periods)
    matrix = np.zeros((n, t))
    np.add.at(matrix, (code[good], pcode[good]), values[good])  # (duplicates are added up)
    seen = np.zeros((n, t), dtype=bool)
    seen[code[good], pcode[good]] = True
    first = np.where(seen.any(axis=1), seen.argmax(axis=1), t).astype(np.int64)
    before = np.arange(t)[None, :] < first[:, None]
    matrix[before] = np.nan
    if missing == "skip":
        matrix[~seen] = np.nan
    return HistoryMatrix(pd.Index(skus), pd.Index(periods), matrix, first, sku, period)
