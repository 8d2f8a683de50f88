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

import dataclasses

import numpy as np

from invsl.engine import history_rows
from invsl.engine.validate import policy_inputs
from invsl.kernels import batch
from invsl.kernels.periodic import policies as periodic
from invsl.scalar.jit import readonly
from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    POLICY_RS,
    POLICY_RSS,
    POLICY_SQ,
    SKIP,
    ZERO_DEMAND,
)

#: route codes: policy class x demand family
SQ_TWO_MOMENT = 0
PERIODIC_TWO_MOMENT = 1
SQ_HISTORY = 2
PERIODIC_HISTORY = 3


#: the demand family codes of the history routes
_HISTORY_CODES = (DEMAND_EMPIRICAL, DEMAND_COMPOUND_POISSON)


def routes(pcodes: np.ndarray, dcodes: np.ndarray) -> np.ndarray:
    """The route of each row (int8); rows with an unknown policy count as sQ (they are
    flagged and skipped by every kernel)."""
    history = (dcodes == DEMAND_EMPIRICAL) | (dcodes == DEMAND_COMPOUND_POISSON)
    periodic_rows = pcodes > POLICY_SQ
    return (periodic_rows.astype(np.int8) + 2 * history.astype(np.int8)).astype(np.int8)


@dataclasses.dataclass
class Job:
    """One table's rows as the route functions see them (all arrays of length n, except the
    inputs that no row reads, which have length 0; see ``validate.policy_inputs``)."""

    solve: bool
    pcodes: np.ndarray  # int8 policy codes
    dcodes: np.ndarray  # int8 demand family codes
    mcodes: np.ndarray  # int8 metric codes (length 0 when evaluating)
    numbers: dict  # input name -> float64 array (engine.reader)
    used: dict  # validate.policy_inputs: the inputs each row's policy reads
    status: np.ndarray  # uint8, updated in place
    field: np.ndarray  # object, the column at fault, updated in place
    out: np.ndarray  # (9, n) float64 results (kernels.periodic.policies.OUTPUTS)
    kind: np.ndarray  # int8 fitted kind per row
    context: object = None  # history_rows.prepare's context of the history rows


def _sq_two_moment(job: Job, rows: np.ndarray) -> None:
    """(s, Q) with two-moment demand: ``kernels.batch.sq`` (writes every row of ``out[:8]``:
    NaN where it skips, so it runs first)."""
    every_row = bool(rows.all())
    status = job.status
    sq_status = status if every_row else np.where(rows, status, np.uint8(SKIP)).astype(np.uint8)
    batch.sq(
        job.solve,
        job.dcodes,
        job.mcodes,
        job.used["target"],
        job.numbers["demand_mean"],
        job.numbers["demand_std"],
        job.numbers["lead_time"],
        job.numbers["lead_time_std"],
        job.used["order_quantity"],
        job.used["reorder_point"],
        sq_status,
        job.out[:8],
        job.kind,
    )
    if not every_row:
        status[rows] = sq_status[rows]


def _periodic_two_moment(job: Job, rows: np.ndarray) -> None:
    """(R, S), (R, s, S), (R, s, nQ) with two-moment demand: ``periodic_kernel``."""
    per_status = np.where(rows, job.status, np.uint8(SKIP)).astype(np.uint8)
    numbers, used = job.numbers, job.used
    # inputs read-only, whatever their source (pandas views or numpy copies): one compiled
    # specialisation of the kernel (see invsl.scalar.jit.readonly)
    inputs = periodic.PeriodicRows(
        policy=readonly(job.pcodes),
        distribution=readonly(job.dcodes),
        metric=readonly(job.mcodes),
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
    periodic.run(job.solve, inputs, per_status, job.out, job.kind)
    job.status[rows] = per_status[rows]


def _history(job: Job, rows: np.ndarray) -> None:
    """Empirical and compound_poisson rows, sQ and periodic (``engine.history_rows``; each
    kernel call there runs on one thread or on the caller's count by its own work: the
    kernels' serial twins, ``scalar.jit.serial``)."""
    n = job.pcodes.shape[0]
    mcodes = job.mcodes if job.mcodes.shape[0] == n else np.zeros(n, np.int8)
    history_rows.compute_frame(
        history_rows.restrict(job.context, rows),
        job.solve,
        job.pcodes,
        mcodes,
        job.numbers,
        job.status,
        job.field,
        job.out,
        job.kind,
    )


#: route -> the function that computes its rows, in the order they run
ROUTES = {
    SQ_TWO_MOMENT: _sq_two_moment,
    PERIODIC_TWO_MOMENT: _periodic_two_moment,
    SQ_HISTORY: _history,
    PERIODIC_HISTORY: _history,
}


def compute(solve, pcodes, dcodes, mcodes, numbers, status, field, context=None, used=None):
    """Compute every row by its route; returns ``(out, kind)``.

    ``out`` is (9, n) in the rows of ``kernels.periodic.policies.OUTPUTS`` (reorder point,
    safety stock, the six metrics, order-up-to level), NaN for rows not computed; ``kind``
    the fitted kind of lead-time demand (-1: none). ``status``/``field`` (from
    ``validate_table``) are updated in place for rows that fail inside a kernel.
    ``context``: ``history_rows.prepare``'s context (None when the table has no history
    rows); ``used``: the rows' inputs from ``validate.policy_inputs``, if the caller has them.
    """
    n = pcodes.shape[0]
    job = Job(
        solve=bool(solve),
        pcodes=pcodes,
        dcodes=dcodes,
        mcodes=mcodes if mcodes is not None else np.zeros(0, np.int8),
        numbers=numbers,
        used=used if used is not None else policy_inputs(solve, pcodes, numbers),
        status=status,
        field=field,
        out=np.empty((len(periodic.OUTPUTS), n)),
        kind=np.empty(n, dtype=np.int8),
        context=context,
    )
    job.out[8] = np.nan
    if n and pcodes.max() <= POLICY_SQ and dcodes.max() < min(_HISTORY_CODES):
        # the common case, every row (s, Q) with two-moment demand: no pass for the routes
        _sq_two_moment(job, np.ones(n, dtype=bool))
    else:
        _by_route(job, routes(pcodes, dcodes))
    if solve:
        apply_zero_demand(job.out, status, pcodes, numbers["order_quantity"])
    return job.out, job.kind


def _by_route(job: Job, route: np.ndarray) -> None:
    """Each route present in ``route`` (the route of each row) on its own rows."""
    present = np.bincount(route, minlength=len(ROUTES))
    if not present[SQ_TWO_MOMENT]:
        job.out[:8] = np.nan
        job.kind[:] = -1
    done = set()
    for code, run in ROUTES.items():
        if present[code] and run not in done:
            run(job, route == code if run is not _history else route >= SQ_HISTORY)
            done.add(run)


def apply_zero_demand(out, status, pcodes, order_quantity) -> None:
    """The zero-demand rule of optimize: a row with zero mean demand (status
    ``zero_demand``) needs no stock, so its reorder point is 0 (order-up-to level 0 for RS,
    the gap for RsS) and its safety stock 0. ``out``: (9, n) as :func:`compute` returns it,
    or the (8, n) of the (s, Q) kernel (``pcodes`` then all sQ; ``order_quantity`` unused)."""
    zero = status == ZERO_DEMAND
    if not zero.any():
        return
    out[0, zero & (pcodes != POLICY_RS)] = 0.0
    out[1, zero] = 0.0
    if out.shape[0] > 8:
        out[8, zero & (pcodes == POLICY_RS)] = 0.0
        rss = zero & (pcodes == POLICY_RSS)
        out[8, rss] = order_quantity[rss]


__all__ = ["ROUTES", "compute", "routes", "apply_zero_demand"]
