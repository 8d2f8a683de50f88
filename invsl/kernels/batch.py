"""Row kernels: plain arrays in, preallocated arrays out, one status per row.

These are the hot paths of invsl. Each row is one SKU; rows are independent, and a kernel
computes the rows ``start`` .. ``stop - 1`` so that ``scalar.jit.run_rows`` can split a large
table among threads. A row whose status is not OK on entry is skipped and keeps NaN
outputs; a row that fails inside (a distribution that cannot be fitted, a solver that does
not converge) gets its status set here. Nothing in a kernel raises.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import NamedTuple

import numpy as np

from invsl.scalar import distributions as dist
from invsl.kernels import normal_start
from invsl.kernels import integer_sq
from invsl.kernels import metrics
from invsl.kernels import normal_sq
from invsl.kernels import solvers
from invsl.scalar import special as sp
from invsl.scalar import recurrence
from invsl.kernels import units
from invsl.scalar.jit import WITH_GENERIC, WITH_INTEGER, WITH_NORMAL, kernel, readonly
from invsl.scalar.jit import borrowed, run_rows, specialise, tiny
from invsl.vocabulary import CANNOT_FIT, DEFERRED, NEGBIN_VARIANCE, NO_CONVERGENCE, OK
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_NORMAL, DEMAND_POISSON, METRIC_ALPHA
from invsl.vocabulary import PRECISION_LIMIT

#: output columns of the kernels, in order
OUTPUTS = (
    "reorder_point",
    "safety_stock",
    "alpha",
    "beta",
    "gamma",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
)


#: rows per block of ``sq_kernel``'s loop (see there)
_BLOCK = 512
#: targets below this go through the generic solver (see sq_kernel)
_FUSED_MIN_TARGET = 0.5
#: normal rows with an order quantity below this share of sd(X) go through the generic solver
#: too: the fused path's loss-function differences lose log10(sd / Q) digits, the generic
#: solver takes cycle averages by quadrature there (metrics._cycle_average)
_FUSED_MIN_Q = 1e-3


def allocate(n: int):
    """Output arrays for n rows: an (8, n) float array (see OUTPUTS) and the kind per row.

    They are left uninitialised: ``sq_kernel`` writes every element (NaN and -1 for rows it
    skips), on every thread, which is much faster than filling them here first.
    """
    return np.empty((len(OUTPUTS), n)), np.empty(n, dtype=np.int8)


@tiny
def _skip(out, kind_out, i):
    """Outputs of a row that is not computed: NaN, kind -1."""
    for j in range(out.shape[0]):
        out[j, i] = math.nan
    kind_out[i] = -1


class SqRows(NamedTuple):
    """The row inputs of :func:`sq_kernel`: 1-d read-only arrays of one length n, grouped
    by name so that two of them cannot be swapped silently. ``metric`` and ``target`` are
    read only when solving, ``reorder_point`` only when evaluating."""

    distribution: np.ndarray  # int8 demand family code (invsl.vocabulary DEMAND_*)
    metric: np.ndarray  # int8 metric code (METRIC_*)
    target: np.ndarray  # float64, target of the metric, in (0, 1)
    demand_mean: np.ndarray  # float64, mu [units/period]
    demand_std: np.ndarray  # float64, sigma [units/period]
    lead_time: np.ndarray  # float64, L [periods]
    lead_time_std: np.ndarray  # float64, sigma_L [periods]
    order_quantity: np.ndarray  # float64, Q [units]
    reorder_point: np.ndarray  # float64, s [units]


@tiny
def sq_row(
    solve, distribution, metric, target, mu, sigma, lt, lt_std, q, s, start, quantile, log_limit
):
    """One valid row of :func:`sq_kernel` (its status OK on entry): fit, solve, metrics.

    The arguments are the row's elements (``metric`` and ``target`` are read only when
    solving, ``s`` only when evaluating; the codes are int8, as in the kernels' arrays);
    ``start`` is the start table of ``normal_start``; ``quantile`` the standard normal
    quantile of ``target`` and ``log_limit`` = log1p(-target), or NaN (computed here if a
    fused solver needs them). Returns ``(status, kind, quantile, log_limit, outputs)``: the
    row's status (OK, or why it failed), the kind of its lead-time demand (-1 when it
    failed), the quantile and log_limit (for the next row of the same target) and the 8
    outputs of OUTPUTS (NaN when it failed). Inlined into the kernel and
    into :func:`sq_one`, so that a row alone and a row of a table give the same bits.

    In a lean copy (``WITH_GENERIC`` False) a row off the fused solvers' path is not
    computed: its status is ``DEFERRED``, for the full copy (:func:`sq`).
    """
    nan = math.nan
    failed = (nan, nan, nan, nan, nan, nan, nan, nan)
    kind, p1, p2, mean, sd = dist.fit(distribution, mu, sigma, lt, lt_std)
    if kind < 0:
        code = CANNOT_FIT
        if (distribution == DEMAND_NEGBIN or distribution == DEMAND_POISSON) and mean > 0.0:
            code = NEGBIN_VARIANCE
        return code, -1, quantile, log_limit, failed
    # the fused paths work with the shortfall 1 - metric, which cancels when the metric
    # itself is tiny (s deep below the mean): low targets take the generic solver, which
    # switches to lower-tail loss functions there
    fused = solve and metric != METRIC_ALPHA and target >= _FUSED_MIN_TARGET
    if fused and math.isnan(quantile):
        # (the fused solvers' start and Newton steps; kept by the kernel for the next rows)
        quantile = sp.ndtri(target)
        log_limit = math.log1p(-target)
    report = False  # the metrics still to compute by metrics.sq_metrics
    if WITH_INTEGER and fused and (kind == DEMAND_POISSON or kind == DEMAND_NEGBIN):
        # solve by exact recurrences and report the metrics from the same state
        s, a, b, g, rr, eb, oh = integer_sq.solve(
            metric, kind, p1, p2, mean, sd, q, mu, target, quantile, log_limit
        )
        if math.isnan(s):
            return NO_CONVERGENCE, -1, quantile, log_limit, failed
    elif WITH_NORMAL and fused and kind == DEMAND_NORMAL and q >= _FUSED_MIN_Q * sd:
        # Halley's method; the metrics come from its last evaluation, except where s + Q/2
        # lies below the mean (NaN metrics: sq_metrics computes them)
        s, a, b, g, rr, eb, oh = normal_sq.solve(
            metric, mean, sd, q, mu, target, start, quantile, log_limit
        )
        if math.isnan(s):
            return NO_CONVERGENCE, -1, quantile, log_limit, failed
        report = math.isnan(a)
    elif WITH_GENERIC:
        if solve:
            s = solvers.solve(metric, kind, p1, p2, mean, sd, q, mu, target)
            if math.isnan(s) or s == solvers.LOST:
                code = NO_CONVERGENCE if math.isnan(s) else PRECISION_LIMIT
                return code, -1, quantile, log_limit, failed
        report = True
    else:
        # the lean copy (no generic path): the full copy of the unit computes the row
        return DEFERRED, -1, quantile, log_limit, failed
    if report and WITH_GENERIC:
        a, b, g, rr, eb, oh = metrics.sq_metrics(kind, p1, p2, mean, s, q, mu)
    elif report:
        return DEFERRED, -1, quantile, log_limit, failed  # (the lean copy, as above)
    if math.isnan(a + b + g + eb + oh):
        # the metrics could not be computed accurately (docs/extremes.md)
        return PRECISION_LIMIT, -1, quantile, log_limit, failed
    return OK, kind, quantile, log_limit, (s, s - mean, a, b, g, rr, eb, oh)


@kernel
def sq_kernel(solve, rows, status, out, kind_out, normal_start, start, stop):
    """Evaluate (solve=False) or optimize (solve=True) the continuous-review (s, Q) rows
    ``start`` .. ``stop - 1``.

    ``rows`` is a :class:`SqRows`. ``status`` (uint8) is read and updated; ``out`` is (8, n)
    float64 and ``kind_out`` (n,) int8, both written in full (NaN and -1 for rows that are
    not computed). ``normal_start`` is the start table of ``normal_start`` (read-only).
    Each row is :func:`sq_row`.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    solve, rows, status, out, kind_out, normal_start = borrowed(
        (solve, rows, status, out, kind_out, normal_start)
    )
    distribution = rows.distribution
    metric = rows.metric
    target = rows.target
    reorder_point = rows.reorder_point
    # rows in blocks: each block keeps the last target's normal quantile and log1p(-target)
    # (most tables share one target, and the quantile is the dearest part of the fused
    # solvers' start; a block's first row computes them afresh, the same bits wherever the
    # blocks begin)
    for first in range(start, stop, _BLOCK):
        last_target = math.nan
        quantile = math.nan
        log_limit = math.nan
        for i in range(first, min(stop, first + _BLOCK)):
            if status[i] != OK:
                _skip(out, kind_out, i)
                continue
            m = np.int8(METRIC_ALPHA)
            t = math.nan
            s = math.nan
            if solve:
                m = metric[i]
                t = target[i]
                if t != last_target:
                    last_target = t
                    quantile = math.nan
            else:
                s = reorder_point[i]
            code, kind, quantile, log_limit, values = sq_row(
                solve,
                distribution[i],
                m,
                t,
                rows.demand_mean[i],
                rows.demand_std[i],
                rows.lead_time[i],
                rows.lead_time_std[i],
                rows.order_quantity[i],
                s,
                normal_start,
                quantile,
                log_limit,
            )
            status[i] = code
            kind_out[i] = kind
            out[0, i] = values[0]
            out[1, i] = values[1]
            out[2, i] = values[2]
            out[3, i] = values[3]
            out[4, i] = values[4]
            out[5, i] = values[5]
            out[6, i] = values[6]
            out[7, i] = values[7]


@kernel
def sq_one(normal_start, solve, distribution, metric, target, mu, sigma, lt, lt_std, q, s):
    """One (s, Q) row from Python numbers, valid (status OK on entry): :func:`sq_row`
    without arrays, for the array functions called with scalars (``engine.single``).

    ``normal_start`` is the start table (first, so that :func:`one` can bind it);
    ``distribution`` and ``metric`` are codes (any integer type). Returns ``(status,
    outputs)``, the 8 outputs of OUTPUTS (NaN unless status is OK).
    """
    code, _, _, _, values = sq_row(
        solve,
        np.int8(distribution),
        np.int8(metric),
        target,
        mu,
        sigma,
        lt,
        lt_std,
        q,
        s,
        normal_start,
        math.nan,
        math.nan,
    )
    return code, values


#: the modules whose compiled functions each compile unit of ``sq_kernel`` copies
_UNIT_MODULES = (dist, recurrence, metrics, solvers, normal_sq, integer_sq)
#: the compile units of ``sq_kernel``: one per family unit
UNIT_NAMES = units.every_unit(policies=False)
#: the compile units with fused solvers (normal_sq, integer_sq), which have lean copies;
#: gamma rows all take the generic path
FUSED_UNITS = ("normal", "integer")


def _unit(unit: str, lean: bool):
    """The namespace of ``batch``'s copy for the compile unit ``unit`` (``UNIT_NAMES``),
    lean (no generic path) or full; made at the first request."""
    switches = {**units.switches(unit), "WITH_GENERIC": not lean}
    return specialise((*_UNIT_MODULES, sys.modules[__name__]), **switches)[__name__]


@functools.cache
def unit_kernel(unit: str, lean: bool = False):
    """``sq_kernel`` compiled for the rows of one compile unit (``UNIT_NAMES``): the
    functions it calls carry the code of that unit's demand families only. ``lean``: the
    copy without the generic path (``scalar.jit.WITH_GENERIC``), which marks the rows off
    the fused solvers' path ``DEFERRED``. Built at the first request, compiled (or loaded
    from numba's cache) at its first run."""
    return _unit(unit, lean).sq_kernel


def every_kernel() -> dict:
    """Every copy of ``sq_kernel`` a call can run, ``{(unit, lean): kernel}`` (lean
    copies of the units with fused solvers only; for the warm-up's test)."""
    return {
        (unit, lean): unit_kernel(unit, lean)
        for unit in UNIT_NAMES
        for lean in ((False, True) if unit in FUSED_UNITS else (False,))
    }


@functools.cache
def unit_one(unit: str):
    """``sq_one`` compiled for one compile unit (``UNIT_NAMES``), full, as
    :func:`unit_kernel`."""
    return _unit(unit, False).sq_one


#: demand family code -> ``sq_one`` of its unit with the start table bound (see ``one``)
_ONE: dict[int, functools.partial] = {}


def one(distribution: int) -> functools.partial:
    """``sq_one`` for a row of the demand family code ``distribution`` (>= 0), compiled
    for its compile unit, with the start table bound: call it as ``one(d)(solve, d, metric,
    target, mu, sigma, lt, lt_std, q, s)`` with Python numbers. Its unit's copy is made
    at the first request and compiled (or loaded from numba's cache) at its first call."""
    run = _ONE.get(distribution)
    if run is None:
        unit = units.family_unit(distribution)
        run = _ONE[distribution] = functools.partial(unit_one(unit), readonly(normal_start.table()))
    return run


def sq(
    solve,
    distribution,
    metric,
    target,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    reorder_point,
    status,
    out=None,
    kind=None,
):
    """Run ``sq_kernel`` on 1-d arrays of one length; returns ``(out, kind)`` (see allocate).

    ``out``/``kind``: arrays to write into ((8, n) C-contiguous, n), allocated when None.

    ``metric`` and ``target`` may have length 0 when evaluating, ``reorder_point`` when
    solving (the kernel does not read them then).

    The inputs are passed as read-only views, whatever their origin (pandas hands out
    read-only views of its columns, numpy gives writable arrays), so that the kernel is
    compiled, and cached, for one signature only. ``status`` is updated in place.

    The rows run in the kernel of their compile unit (``unit_kernel``, ``units.split``):
    a table of one family unit in place, a mixed one unit by unit on its gathered rows, lean
    copies first (:func:`lean`), on several threads above ``scalar.jit.SERIAL_ROWS`` rows
    (``scalar.jit.run_rows``).
    """
    if out is None:
        out, kind = allocate(status.shape[0])
    inputs = SqRows(
        distribution=readonly(distribution),
        metric=readonly(metric),
        target=readonly(target),
        demand_mean=readonly(demand_mean),
        demand_std=readonly(demand_std),
        lead_time=readonly(lead_time),
        lead_time_std=readonly(lead_time_std),
        order_quantity=readonly(order_quantity),
        reorder_point=readonly(reorder_point),
    )
    _run_units(bool(solve), inputs, status, out, kind)
    return out, kind


def lean(solve: bool, inputs: SqRows) -> bool:
    """Whether a table goes to the lean copies first: when solving, and no row has an alpha
    target or a target below ``_FUSED_MIN_TARGET`` (the rows of the generic path; the few
    with a tiny order quantity are deferred by the kernel). Otherwise the full copies take
    every row, so that the table compiles one copy, not two."""
    if not solve or inputs.metric.shape[0] == 0:
        return False
    alpha = (inputs.metric == METRIC_ALPHA).any()
    return not alpha and not (inputs.target < _FUSED_MIN_TARGET).any()


def _run_units(solve: bool, inputs: SqRows, status, out, kind) -> None:
    """``sq``'s rows by the kernels of their compile units: lean copies first when
    :func:`lean`, then the full copy on the rows they deferred."""
    start = readonly(normal_start.table())
    split = units.split(inputs.distribution, status)
    first = lean(solve, inputs)
    if len(split) == 1 and None in split.values():
        # the common case, one unit: its kernel on every row, in place
        unit = next(iter(split))
        _run_unit(unit, first and unit in FUSED_UNITS, solve, inputs, status, out, kind, start)
        return
    out[...] = math.nan
    kind[...] = -1
    for unit, rows in split.items():
        first_lean = first and unit in FUSED_UNITS
        _gathered(rows, unit, first_lean, solve, inputs, status, out, kind, start)


def _run_unit(unit: str, first_lean: bool, solve: bool, inputs, status, out, kind, start):
    """One unit's kernel on every row of ``inputs`` (rows of other units have a status
    other than OK), lean first when ``first_lean``, then the full copy on the deferred (the
    lean copies are for the first call's compile time: a table whose rows the fused solvers
    take compiles neither the generic solver nor the quadrature metrics)."""
    n = status.shape[0]
    run_rows(unit_kernel(unit, first_lean), n, 1.0, solve, inputs, status, out, kind, start)
    if first_lean:
        deferred = np.flatnonzero(status == DEFERRED)
        if deferred.shape[0]:
            status[deferred] = OK
            _gathered(deferred, unit, False, solve, inputs, status, out, kind, start)


def _gathered(rows, unit: str, first_lean: bool, solve: bool, inputs, status, out, kind, start):
    """:func:`_run_unit` on the rows ``rows`` (an index array) of the table, gathered,
    computed and put back (inputs of length 0 stay so)."""
    part = SqRows(*(readonly(x[rows]) if x.shape[0] else x for x in inputs))
    part_status = status[rows]
    part_out, part_kind = allocate(rows.shape[0])
    _run_unit(unit, first_lean, solve, part, part_status, part_out, part_kind, start)
    out[:, rows] = part_out
    kind[rows] = part_kind
    status[rows] = part_status
