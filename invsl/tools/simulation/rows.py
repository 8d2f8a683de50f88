"""The kernel's per-row inputs, from the read and checked table.

:func:`kernel_rows` gives the :class:`~invsl.tools.simulation.kernel.Rows` and
:class:`~invsl.tools.simulation.kernel.HistoryCounts` of a table: the simulated distribution
(normal and gamma with sd 0 are deterministic), the review period, the sub-steps and warm-up
of every row, and the cumulative history counts of the empirical rows. Rows that are not to
be simulated get harmless values.
"""

from __future__ import annotations

import numpy as np

from invsl.engine import history_rows
from invsl.tools.simulation.codes import integer_demand
from invsl.vocabulary import (
    DEMAND_EMPIRICAL,
    DEMAND_GAMMA,
    DEMAND_NORMAL,
    DEMAND_POINT,
    POLICY_RS,
    POLICY_RSS,
    POLICY_SQ,
)
from invsl.tools.simulation.kernel import HistoryCounts, Rows
from invsl.tools.simulation.table import Table
from invsl.vocabulary import OK, PMF_TOO_LARGE

#: largest number of sub-period steps chosen automatically for continuous review
MAX_AUTO_SUBSTEPS = 16


def kernel_rows(
    table: Table, status: np.ndarray, *, warmup: int | None, substeps: int | None
) -> tuple[Rows, HistoryCounts]:
    """The kernel's inputs for every row of ``table`` whose ``status`` is OK (``warmup`` and
    ``substeps`` as for :func:`simulate`: None for the default of each row). Rows whose
    history is too long for the kernel get PMF_TOO_LARGE in ``status``."""
    numbers, pcodes, dcodes = table.numbers, table.policy, table.distribution
    ok = status == OK
    periodic = pcodes != POLICY_SQ
    # normal/gamma with sd 0 are deterministic
    sim_dist = np.where(
        (dcodes == DEMAND_NORMAL) | (dcodes == DEMAND_GAMMA),
        np.where(numbers["demand_std"] == 0, DEMAND_POINT, dcodes),
        dcodes,
    ).astype(np.int8)
    lead = numbers["lead_time"]
    review_int = np.where(ok & periodic, numbers["review_period"], 1).astype(np.int64)
    lead_clean = np.where(ok, lead, 0.0)
    if substeps is None:
        integer = integer_demand(dcodes)
        steps = np.where(ok & ~periodic & ~integer, auto_substeps(lead_clean), 1)
    else:
        steps = np.full(table.n, int(substeps))
    steps = steps.astype(np.int64)
    if warmup is None:
        warm = default_warmup(table, ok)
    else:
        warm = np.full(table.n, int(warmup), dtype=np.int64)

    histories = history_counts(table.history, dcodes == DEMAND_EMPIRICAL, status)
    ok = status == OK

    def clean(values, fill):
        return np.where(ok, values, fill).astype(np.float64)

    rows = Rows(
        policy=pcodes,
        distribution=sim_dist,
        demand_mean=clean(numbers["demand_mean"], 1.0),
        demand_std=clean(numbers["demand_std"], 1.0),
        lead_time=clean(lead, 0.0),
        review_period=review_int,
        reorder_point=clean(numbers["reorder_point"], 0.0),
        order_quantity=clean(numbers["order_quantity"], 1.0),
        order_up_to=clean(numbers["order_up_to"], 1.0),
        warmup=warm,
        substeps=steps,
    )
    return rows, histories


def default_warmup(table: Table, ok: np.ndarray) -> np.ndarray:
    """Warm-up of each row [periods]: ``10 * (L + R + cycle) + 100`` with cycle = Q/mu,
    (S - s)/mu or R (R = 0 for continuous review); 0 for rows that are not ``ok``."""
    numbers, pcodes = table.numbers, table.policy
    mu = numbers["demand_mean"]
    review = numbers["review_period"]
    periodic = pcodes != POLICY_SQ
    with np.errstate(all="ignore"):
        cycle = np.select(
            [pcodes == POLICY_RS, pcodes == POLICY_RSS],
            [review, (numbers["order_up_to"] - numbers["reorder_point"]) / mu],
            numbers["order_quantity"] / mu,
        )
        w = 10.0 * (numbers["lead_time"] + np.where(periodic, review, 0.0) + cycle) + 100.0
    w = np.where(ok & np.isfinite(w), np.minimum(np.ceil(w), 1e9), 0.0)
    return w.astype(np.int64)


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
    values, sku_start, sku_length = history_rows.period_pmfs(g, needed)
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
