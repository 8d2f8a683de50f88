"""The user's own forecasts for the backtest: a long table to the cells of the demand models.

A forecasting tool writes one row per SKU and period: ``sku, period, forecast`` (or the
statsforecast layout ``unique_id, ds, <model>``), other names via ``forecast_options``.
With an optional **vintage** the same period has one forecast per origin it was made for,
as a rolling cross-validation produces them; the backtest then uses, at origin o and for
every past error at t, only the forecasts available then (``models.forecast_cells``).

Vintage convention. ``vintage`` is the *origin* of a forecast: the first period it forecasts,
made with the history strictly before it; it is used from that origin on. statsforecast's
``cross_validation`` names the other end, the ``cutoff``: the last period of the history its
model saw, so a forecast with cutoff c is used from the period after c on. Both are labels
of the history's period column.

Everything is vectorised (``pandas`` index look-ups, one merge, numpy sorting); no loop over
SKUs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from invsl.engine.history_rows import match_skus
from invsl.engine.reader import InputError, check_frame
from invsl.tools.backtest.history import HistoryMatrix
from invsl.tools.backtest.models import forecast_cells
from invsl.tools.backtest.spread import ForecastCells
from invsl.vocabulary import FORECAST_OPTIONS

#: columns that are never the forecast when it is not named (statsforecast's actuals and ids)
NOT_FORECASTS = ("y", "index", "unique_id", "ds", "cutoff", "vintage", "sku", "period")


def _first_present(frame: pd.DataFrame, names) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def _columns(table: pd.DataFrame, hist: HistoryMatrix, options: dict) -> dict:
    """The column names of the forecast table: sku, period, forecast, vintage or cutoff."""
    unknown = set(options) - set(FORECAST_OPTIONS)
    if unknown:
        raise InputError(
            f"forecast_options: unknown keys {sorted(unknown)}; use {list(FORECAST_OPTIONS)}"
        )
    names = {
        "sku": options.get("sku") or _first_present(table, (hist.sku_column, "sku", "unique_id")),
        "period": options.get("period")
        or _first_present(table, (hist.period_column, "period", "ds")),
        "vintage": options.get("vintage") or (None if "cutoff" in options else "vintage"),
        "cutoff": options.get("cutoff") or (None if "vintage" in options else "cutoff"),
    }
    if names["vintage"] not in table.columns:
        names["vintage"] = None
    if names["cutoff"] not in table.columns:
        names["cutoff"] = None
    if names["vintage"] is not None and names["cutoff"] is not None:
        raise InputError(
            "forecasts have both a vintage and a cutoff column; say which one dates the "
            "forecasts with forecast_options={'vintage': ...} or {'cutoff': ...}"
        )
    forecast = options.get("forecast") or ("forecast" if "forecast" in table.columns else None)
    if forecast is None:
        taken = {names["sku"], names["period"], names["vintage"], names["cutoff"]}
        left = [c for c in table.columns if c not in taken and c not in NOT_FORECASTS]
        if len(left) != 1:
            raise InputError(
                f"forecasts: which column holds the forecast? candidates {left[:10]}; name it "
                "with forecast_options={'forecast': ...} (e.g. the model column of statsforecast)"
            )
        forecast = left[0]
    names["forecast"] = forecast
    absent = [names[k] for k in ("sku", "period", "forecast")]
    absent = [c for c in absent if c is None or c not in table.columns]
    if absent:
        raise InputError(
            f"forecasts have no column(s) {absent} (columns: {list(table.columns)[:20]}); give "
            "sku, period, forecast (or unique_id, ds, <model>), or name them with "
            "forecast_options={'sku': ..., 'period': ..., 'forecast': ...}"
        )
    return names


def _plain(value):
    """A numpy scalar as the Python value (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _period_index(labels: pd.Series, hist: HistoryMatrix, what: str) -> tuple[np.ndarray, list]:
    """Index of each label among the history's periods; labels after the last period get
    T, T + 1, ... in sorted order (the periods that follow the history), labels before the
    first one -1. Returns the indices and the sorted later labels; raises InputError for a
    label that is not a period of the history and lies within its span (or cannot be
    compared with its labels)."""
    t = len(hist.periods)
    code = hist.periods.get_indexer(pd.Index(labels))
    unmatched = code < 0
    if not unmatched.any():
        return code.astype(np.int64), []
    other = pd.Index(pd.unique(labels[unmatched]))
    try:
        after = np.asarray(other > hist.periods[-1], dtype=bool)
        before = np.asarray(other < hist.periods[0], dtype=bool)
    except TypeError:
        after = before = np.zeros(len(other), dtype=bool)
    if not (after | before).all():
        bad = _plain(other[~(after | before)][0])
        first, last = _plain(hist.periods[0]), _plain(hist.periods[-1])
        raise InputError(
            f"forecasts: {what} {bad!r} ({type(bad).__name__}) is not a period of the history, "
            f"whose periods run from {first!r} to {last!r} ({type(first).__name__}); use the "
            "history's period labels"
        )
    later = other[after].sort_values()
    code = code.astype(np.int64)
    found = later.get_indexer(labels[unmatched])
    code[unmatched] = np.where(found >= 0, t + found, -1)
    return code, list(later)


def read_forecasts(
    table: pd.DataFrame,
    hist: HistoryMatrix,
    sku_index: np.ndarray,
    options: Mapping[str, str] | None = None,
) -> ForecastCells:
    """The user's forecasts as cells, one row per row of the skus table.

    Parameters
    ----------
    table : pandas.DataFrame
        Long table of forecasts (module docstring): SKU id, period label, forecast
        [units/period], optionally a vintage (or cutoff) label.
    hist : HistoryMatrix
        The history read by ``history.read_history``: the period labels to match.
    sku_index : numpy.ndarray of int, shape (n,)
        Per row of the skus table, its SKU's position in ``hist.skus`` (-1: none).
    options : mapping, optional
        Column names (keys ``sku``, ``period``, ``forecast``, ``vintage``, ``cutoff``).

    Returns
    -------
    ForecastCells
        One forecast row per row of the skus table, periods the history's followed by the
        later ones of the table; an entry's origin is its vintage's period index (its
        cutoff's plus one), 0 without vintages (taken as given).

    Raises
    ------
    InputError
        A missing or ambiguous column, a period or vintage label that is not the history's,
        a forecast that is not a number, two forecasts of one SKU, period and vintage.
    """
    check_frame(table)
    names = _columns(table, hist, dict(options or {}))
    found, _ = match_skus(table[names["sku"]], hist.skus)
    keep = found >= 0  # SKUs not in the history (so not in the skus table) are ignored
    rows = table[keep]
    values = pd.to_numeric(rows[names["forecast"]], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    raw = rows[names["forecast"]]
    text = np.isnan(values) & raw.notna().to_numpy()
    if text.any():
        bad = np.flatnonzero(keep)[np.flatnonzero(text)[:5]]
        raise InputError(
            f"forecasts: the forecast must be a number; rows {bad.tolist()} (first five) are not"
        )
    period, later = _period_index(rows[names["period"]], hist, "period")
    t = len(hist.periods)
    origin = np.zeros(len(rows), dtype=np.int64)
    dated = names["vintage"] or names["cutoff"]
    if dated is not None:
        labels = rows[dated]
        if labels.isna().any():
            bad = np.flatnonzero(keep)[np.flatnonzero(labels.isna().to_numpy())[:5]]
            raise InputError(f"forecasts: {dated} is empty in rows {bad.tolist()} (first five)")
        origin, _ = _period_index(labels, hist, dated)
        if names["cutoff"] is not None:
            origin = np.where(origin >= 0, origin + 1, 0)
        # before the history: usable from the first origin; after it: never used
        origin = np.clip(origin, 0, t + 1)
    # one forecast row per row of the skus table (a SKU listed twice gets its forecasts twice)
    n = len(sku_index)
    useful = np.flatnonzero(period >= 0)  # (a forecast of a period before the history: no use)
    pairs = pd.DataFrame({"sku": found[keep][useful], "entry": useful}).merge(
        pd.DataFrame({"sku": sku_index, "row": np.arange(n)}), on="sku"
    )
    entry = pairs["entry"].to_numpy()
    row = pairs["row"].to_numpy()
    key = pd.DataFrame({"row": row, "period": period[entry], "origin": origin[entry]})
    repeated = key.duplicated(keep=False).to_numpy()
    if repeated.any():
        first = rows.iloc[entry[np.flatnonzero(repeated)[0]]]
        raise InputError(
            f"forecasts: sku {_plain(first[names['sku']])!r} has two forecasts of period "
            f"{_plain(first[names['period']])!r}"
            + (f" from one {dated}" if dated else "")
            + "; give one forecast per sku and period"
            + (f" and {dated}" if dated else " (or add a vintage column)")
        )
    return forecast_cells(row, period[entry], values[entry], origin[entry], n, t + len(later))


__all__ = ["NOT_FORECASTS", "read_forecasts"]
