"""The dispatcher: which kernel computes which row, and the zero-demand rule.

Every row of a table has a route, its policy (continuous review ``sQ``, or periodic review
``RS``/``RsS``/``RsQ``) crossed with its demand family (two-moment: normal, gamma, poisson,
negbin; or from a demand history: empirical, compound_poisson). :data:`ROUTES` maps each
route to the function that computes its rows; :func:`compute` runs the routes that have
rows, each on its own rows only, and then applies the zero-demand rule. A new policy or
demand family is a new kernel plus one entry here (docs/architecture.md).

Everything here is numpy: the rows arrive as arrays (``engine.reader``) with their
validation (``engine.validate``); nothing here reads or writes a table.
"""

from __future__ import annotations

import numpy as np

from invsl.engine import history_rows
from invsl.engine.validate import policy_inputs
from invsl.kernels import batch
from invsl.kernels.periodic import policies as periodic
from invsl.scalar.jit import readonly
from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    OK,
    POLICY_RS,
    POLICY_RSS,
    POLICY_SQ,
    ZERO_DEMAND,
)

#: status of the rows a kernel must skip while it computes another route's rows
SKIP = history_rows.SKIP

#: route codes: policy class x demand family
SQ_TWO_MOMENT = 0
PERIODIC_TWO_MOMENT = 1
SQ_HISTORY = 2
PERIODIC_HISTORY = 3


def routes(pcodes: np.ndarray, dcodes: np.ndarray) -> np.ndarray:
    """The route of each row (int8); rows with an unknown policy count as sQ (they are
    flagged and skipped by every kernel)."""
    history = (dcodes == DEMAND_EMPIRICAL) | (dcodes == DEMAND_COMPOUND_POISSON)
    periodic_rows = pcodes > POLICY_SQ
    return (periodic_rows.astype(np.int8) + 2 * history.astype(np.int8)).astype(np.int8)


def _sq_two_moment(solve, rows, pcodes, dcodes, mcodes, numbers, status, field, out, kind, ctx):
    """(s, Q) with two-moment demand: ``kernels.batch.sq`` (writes every row of ``out[:8]``:
    NaN where it skips, so it runs first)."""
    used = policy_inputs(solve, pcodes, numbers)
    sq_status = np.where(rows, status, np.uint8(SKIP)).astype(np.uint8)
    batch.sq(
        solve,
        dcodes,
        mcodes,
        used["target"],
        numbers["demand_mean"],
        numbers["demand_std"],
        numbers["lead_time"],
        numbers["lead_time_std"],
        used["order_quantity"],
        used["reorder_point"],
        sq_status,
        out[:8],
        kind,
    )
    status[rows] = sq_status[rows]


def _periodic_two_moment(
    solve, rows, pcodes, dcodes, mcodes, numbers, status, field, out, kind, ctx
):
    """(R, S), (R, s, S), (R, s, nQ) with two-moment demand: ``periodic_kernel``."""
    used = policy_inputs(solve, pcodes, numbers)
    per_status = np.where(rows, status, np.uint8(SKIP)).astype(np.uint8)
    # inputs read-only, whatever their source (pandas views or numpy copies): one compiled
    # specialisation of the kernel (see invsl.scalar.jit.readonly)
    inputs = periodic.PeriodicRows(
        policy=readonly(pcodes),
        distribution=readonly(dcodes),
        metric=readonly(mcodes),
        target=readonly(used["target"]),
        demand_mean=readonly(numbers["demand_mean"]),
        demand_std=readonly(numbers["demand_std"]),
        lead_time=readonly(numbers["lead_time"]),
        lead_time_std=readonly(numbers["lead_time_std"]),
        review_period=readonly(numbers["review_period"]),
        order_quantity=readonly(used["order_quantity"]),
        reorder_point=readonly(used["reorder_point"]),
        order_up_to=readonly(used["order_up_to"]),
    )
    periodic.periodic_kernel(solve, inputs, per_status, out, kind)
    status[rows] = per_status[rows]


def _history(solve, rows, pcodes, dcodes, mcodes, numbers, status, field, out, kind, ctx):
    """Empirical and compound_poisson rows, sQ and periodic (``engine.history_rows``)."""
    history_rows.compute_frame(
        history_rows.restrict(ctx, rows), solve, pcodes, mcodes, numbers, status, field, out, kind
    )


#: route -> the function that computes its rows, in the order they run
ROUTES = {
    SQ_TWO_MOMENT: _sq_two_moment,
    PERIODIC_TWO_MOMENT: _periodic_two_moment,
    SQ_HISTORY: _history,
    PERIODIC_HISTORY: _history,
}


def compute(solve, pcodes, dcodes, mcodes, numbers, status, field, ctx=None):
    """Compute every row by its route; returns ``(out, kind)``.

    ``out`` is (9, n) in the rows of ``kernels.periodic.policies.OUTPUTS`` (reorder point,
    safety stock, the six metrics, order-up-to level), NaN for rows not computed; ``kind``
    the fitted kind of lead-time demand (-1: none). ``status``/``field`` (from
    ``validate_table``) are updated in place for rows that fail inside a kernel. ``ctx``:
    the context of ``history_rows.prepare`` (None when the table has no history rows).
    """
    n = pcodes.shape[0]
    if mcodes is None:
        mcodes = np.zeros(n, np.int8)
    route = routes(pcodes, dcodes)
    present = np.bincount(route, minlength=len(ROUTES))
    out = np.empty((len(periodic.OUTPUTS), n))
    kind = np.empty(n, dtype=np.int8)
    out[8] = np.nan
    if not present[SQ_TWO_MOMENT]:
        out[:8] = np.nan
        kind[:] = -1
    done = set()
    for code, run in ROUTES.items():
        if present[code] and run not in done:
            rows = route == code if run is not _history else route >= SQ_HISTORY
            run(solve, rows, pcodes, dcodes, mcodes, numbers, status, field, out, kind, ctx)
            done.add(run)
    if solve:
        apply_zero_demand(out, status, pcodes, numbers["order_quantity"])
    return out, kind


def apply_zero_demand(out, status, pcodes, order_quantity) -> None:
    """The zero-demand rule of optimize: a row with zero mean demand (status
    ``zero_demand``) needs no stock, so its reorder point is 0 (order-up-to level 0 for RS,
    the gap for RsS) and its safety stock 0."""
    zero = status == ZERO_DEMAND
    if not zero.any():
        return
    out[0, zero & (pcodes != POLICY_RS)] = 0.0
    out[1, zero] = 0.0
    out[8, zero & (pcodes == POLICY_RS)] = 0.0
    rss = zero & (pcodes == POLICY_RSS)
    out[8, rss] = order_quantity[rss]


__all__ = ["ROUTES", "compute", "routes", "apply_zero_demand", "OK"]
