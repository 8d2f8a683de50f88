"""The reader of demand histories: a long table (one row per SKU and period) to per-SKU arrays.

:func:`invsl.fit_demand` and the ``empirical`` rows of every entry point read a history here,
once: :class:`HistoryGroups` groups the rows by SKU (``pandas.factorize`` and
``numpy.bincount``, no loop over SKUs) and flags each SKU's problems with the ``FIT_*``
codes of ``invsl.vocabulary``; :func:`history_moments` gives the per-SKU moments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from invsl.engine.reader import InputError
from invsl.vocabulary import (
    FIT_DUPLICATE_PERIOD,
    FIT_MISSING_DEMAND,
    FIT_MISSING_PERIOD,
    FIT_NEGATIVE_DEMAND,
    FIT_OK,
    HISTORY_MISSING_OPTIONS,
)


class HistoryGroups:
    """Per-SKU sums of a history table, shared by fit_demand and the empirical pmfs.

    Attributes (arrays over SKUs in order of first appearance unless said otherwise):
    ``skus`` (the ids, untouched), ``code`` (per history row: SKU number, -1 for rows
    without an id), ``value`` (per row: demand as float, NaN for text), ``periods``,
    ``rows`` (history rows), ``status`` (fit status code), ``integer`` (every demand a whole
    number).
    """

    def __init__(self, history, sku, period, demand, missing):
        if not isinstance(history, pd.DataFrame):
            raise InputError(f"history: expected a pandas DataFrame, got {type(history).__name__}")
        absent = [c for c in (sku, period, demand) if c not in history.columns]
        if absent:
            raise InputError(
                f"history has no column(s) {absent} (columns: {list(history.columns)}); "
                f"name them with sku=..., period=..., demand=..."
            )
        if missing not in HISTORY_MISSING_OPTIONS:
            raise InputError(f"missing={missing!r}: use one of {HISTORY_MISSING_OPTIONS}")
        code, skus = pd.factorize(history[sku], sort=False)
        keep = code >= 0  # rows without a sku id cannot be assigned: ignored
        code = code[keep]
        raw = history[demand][keep]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            value = raw.to_numpy(dtype=float, na_value=np.nan)
        else:
            value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        pcode, pvalues = pd.factorize(history[period][keep], sort=False)
        n = len(skus)
        rows = np.bincount(code, minlength=n)

        status = np.zeros(n, dtype=np.int8)

        def flag(row_mask, status_code):
            bad = np.zeros(n, dtype=bool)
            bad[code[row_mask]] = True
            status[bad & (status == FIT_OK)] = status_code

        flag(~np.isfinite(value), FIT_MISSING_DEMAND)
        flag(value < 0, FIT_NEGATIVE_DEMAND)
        flag(pcode < 0, FIT_MISSING_PERIOD)
        pair = code.astype(np.int64) * (len(pvalues) + 1) + (pcode + 1)
        if n * (len(pvalues) + 1) <= 4 * len(pair) + 1024:  # dense: count every pair
            dup = np.bincount(pair, minlength=n * (len(pvalues) + 1))[pair] > 1
        else:
            dup = pd.Series(pair).duplicated(keep=False).to_numpy()
        flag(dup, FIT_DUPLICATE_PERIOD)

        if missing == "zero":
            periods = np.full(n, len(pvalues), dtype=np.int64)
        else:
            periods = rows.astype(np.int64)
        finite = np.isfinite(value)
        integer_row = ~finite | (value == np.floor(value))
        self.integer = np.bincount(code, weights=~integer_row, minlength=n) == 0
        self.skus = skus
        self.code = code
        self.value = np.where(finite, value, 0.0)
        self.periods = periods
        self.rows = rows
        self.status = status


def history_moments(g: HistoryGroups, ddof: float):
    """Per-SKU mean, std, nonzero count, size mean and size variance (ddof 0)."""
    n = len(g.skus)
    code, value = g.code, g.value
    periods = g.periods.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(code, weights=value, minlength=n) / periods
        dev = value - mean[code]
        ss = np.bincount(code, weights=dev * dev, minlength=n)
        ss += (periods - g.rows) * mean * mean  # absent periods read as zero demand
        var = np.where(periods > ddof, ss / (periods - ddof), np.nan)
        nonzero = value != 0
        k = np.bincount(code, weights=nonzero, minlength=n)
        size_mean = np.bincount(code, weights=value, minlength=n) / k
        sdev = np.where(nonzero, value - size_mean[code], 0.0)
        size_var = np.bincount(code, weights=sdev * sdev, minlength=n) / k
    return mean, var, k, size_mean, size_var
