"""Per-row inputs of the kernel derived from the checked table: sub-steps and history counts."""

from __future__ import annotations

import numpy as np

from invsl.engine import history_rows
from invsl.tools.simulation.kernel import HistoryCounts
from invsl.vocabulary import OK, PMF_TOO_LARGE

#: largest number of sub-period steps chosen automatically for continuous review
MAX_AUTO_SUBSTEPS = 16


def auto_substeps(lead_time: np.ndarray) -> np.ndarray:
    """Smallest m <= MAX_AUTO_SUBSTEPS with m * lead_time whole; MAX_AUTO_SUBSTEPS if none."""
    m = np.full(lead_time.shape, MAX_AUTO_SUBSTEPS, dtype=np.int64)
    done = np.zeros(lead_time.shape, dtype=bool)
    finite = np.isfinite(lead_time)
    for k in range(1, MAX_AUTO_SUBSTEPS + 1):
        x = k * np.where(finite, lead_time, 0.0)
        whole = finite & (np.abs(x - np.round(x)) <= 1e-9 * np.maximum(1.0, x)) & ~done
        m[whole] = k
        done |= whole
    return m


def history_counts(ctx, empirical: np.ndarray, status: np.ndarray) -> HistoryCounts:
    """Cumulative period counts of each empirical row's history (flat float64 array, start
    and length per row; see ``draw_empirical``). Rows whose pmf would be too long get
    PMF_TOO_LARGE in ``status``."""
    n = status.shape[0]
    start = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    rows = empirical & (status == OK)
    if ctx is None or not rows.any():
        return HistoryCounts(counts=np.zeros(0), start=start, length=length)
    g = ctx.groups
    sku = ctx.sku_index
    needed = np.zeros(len(g.skus), dtype=np.bool_)
    needed[sku[rows & (sku >= 0)]] = True
    values, sku_start, sku_length = history_rows._period_pmfs(g, needed)
    periods = np.repeat(g.periods.astype(float), sku_length)
    raw_counts = np.rint(values * periods)  # whole numbers of periods
    total = np.cumsum(raw_counts)
    used = sku_length > 0
    before = np.zeros(len(g.skus))
    before[used] = total[sku_start[used]] - raw_counts[sku_start[used]]
    counts = total - np.repeat(before, sku_length)
    take = np.maximum(sku, 0)
    too_long = rows & (sku_length[take] == 0)
    status[too_long] = PMF_TOO_LARGE
    rows &= ~too_long
    start[rows] = sku_start[take[rows]]
    length[rows] = sku_length[take[rows]]
    return HistoryCounts(counts=counts, start=start, length=length)
