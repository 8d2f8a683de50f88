"""Row-parallel kernels: plain arrays in, preallocated arrays out, one status per row.

These are the hot paths of invsl. Each row is one SKU; rows are independent and run in
parallel (``prange``). A row whose status is not OK on entry is skipped and keeps NaN
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
from invsl.scalar.jit import WITH_INTEGER, WITH_NORMAL, parallel_kernel, prange, readonly
from invsl.scalar.jit import specialise, threads_for, tiny
from invsl.vocabulary import CANNOT_FIT, NEGBIN_VARIANCE, NO_CONVERGENCE, OK, PRECISION_LIMIT
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_NORMAL, DEMAND_POISSON, METRIC_ALPHA

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


#: rows per block of the parallel loop
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
    skips), in parallel, which is much faster than filling them here first.
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


@parallel_kernel
def sq_kernel(solve, rows, status, out, kind_out, normal_start):
    """Evaluate (solve=False) or optimize (solve=True) continuous-review (s, Q) rows.

    ``rows`` is a :class:`SqRows`. ``status`` (uint8) is read and updated; ``out`` is (8, n)
    float64 and ``kind_out`` (n,) int8, both written in full (NaN and -1 for rows that are
    not computed). ``normal_start`` is the start table of ``normal_start`` (read-only).
    """
    distribution = rows.distribution
    metric = rows.metric
    target = rows.target
    demand_mean = rows.demand_mean
    demand_std = rows.demand_std
    lead_time = rows.lead_time
    lead_time_std = rows.lead_time_std
    order_quantity = rows.order_quantity
    reorder_point = rows.reorder_point
    n = status.shape[0]
    # rows in blocks: each block keeps the last target's normal quantile and log1p(-target)
    # (most tables share one target, and the quantile is the dearest part of the fused
    # solvers' start)
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        last_target = math.nan
        quantile = math.nan
        log_limit = math.nan
        for i in range(blk * _BLOCK, min(n, (blk + 1) * _BLOCK)):
            if status[i] != OK:
                _skip(out, kind_out, i)
                continue
            mu = demand_mean[i]
            kind, p1, p2, mean, sd = dist.fit(
                distribution[i], mu, demand_std[i], lead_time[i], lead_time_std[i]
            )
            if kind < 0:
                if distribution[i] == DEMAND_NEGBIN or distribution[i] == DEMAND_POISSON:
                    status[i] = NEGBIN_VARIANCE if mean > 0.0 else CANNOT_FIT
                else:
                    status[i] = CANNOT_FIT
                _skip(out, kind_out, i)
                continue
            kind_out[i] = kind
            q = order_quantity[i]
            # the fused paths work with the shortfall 1 - metric, which cancels when the
            # metric itself is tiny (s deep below the mean): low targets take the generic
            # solver, which switches to lower-tail loss functions there
            fused = solve and metric[i] != METRIC_ALPHA and target[i] >= _FUSED_MIN_TARGET
            if fused and target[i] != last_target:
                last_target = target[i]
                quantile = sp.ndtri(last_target)
                log_limit = math.log1p(-last_target)
            if WITH_INTEGER and fused and (kind == DEMAND_POISSON or kind == DEMAND_NEGBIN):
                # solve by exact recurrences and report the metrics from the same state
                s, a, b, g, rr, eb, oh = integer_sq.solve(
                    metric[i], kind, p1, p2, mean, sd, q, mu, target[i], quantile, log_limit
                )
                if math.isnan(s):
                    status[i] = NO_CONVERGENCE
                    _skip(out, kind_out, i)
                    continue
            elif WITH_NORMAL and fused and kind == DEMAND_NORMAL and q >= _FUSED_MIN_Q * sd:
                # Halley's method; the metrics come from its last evaluation
                s, a, b, g, rr, eb, oh = normal_sq.solve(
                    metric[i], mean, sd, q, mu, target[i], normal_start, quantile, log_limit
                )
                if math.isnan(s):
                    status[i] = NO_CONVERGENCE
                    _skip(out, kind_out, i)
                    continue
            else:
                if solve:
                    s = solvers.solve(metric[i], kind, p1, p2, mean, sd, q, mu, target[i])
                    if math.isnan(s) or s == solvers.LOST:
                        status[i] = NO_CONVERGENCE if math.isnan(s) else PRECISION_LIMIT
                        _skip(out, kind_out, i)
                        continue
                else:
                    s = reorder_point[i]
                a, b, g, rr, eb, oh = metrics.sq_metrics(kind, p1, p2, mean, s, q, mu)
            if math.isnan(a + b + g + eb + oh):
                # the metrics could not be computed accurately (docs/extremes.md)
                status[i] = PRECISION_LIMIT
                _skip(out, kind_out, i)
                continue
            out[0, i] = s
            out[1, i] = s - mean
            out[2, i] = a
            out[3, i] = b
            out[4, i] = g
            out[5, i] = rr
            out[6, i] = eb
            out[7, i] = oh


#: the modules whose compiled functions each compile unit of ``sq_kernel`` copies
_UNIT_MODULES = (dist, recurrence, metrics, solvers, normal_sq, integer_sq)
#: the compile units of ``sq_kernel``: one per family unit
UNIT_NAMES = units.every_unit(policies=False)


@functools.cache
def unit_kernel(unit: str):
    """``sq_kernel`` compiled for the rows of one compile unit (``UNIT_NAMES``): the
    functions it calls carry the code of that unit's demand families only. Built at the
    first request, compiled (or loaded from numba's cache) at its first run."""
    spaces = specialise((*_UNIT_MODULES, sys.modules[__name__]), **units.switches(unit))
    return spaces[__name__].sq_kernel


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
    a table of one family unit in place, a mixed one unit by unit on its gathered rows; on
    one thread below ``scalar.jit.SERIAL_ROWS`` rows (``threads_for``).
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
    with threads_for(status.shape[0]):
        _run_units(bool(solve), inputs, status, out, kind)
    return out, kind


def _run_units(solve: bool, inputs: SqRows, status, out, kind) -> None:
    """``sq``'s rows by the kernels of their compile units."""
    start = readonly(normal_start.table())
    split = units.split(inputs.distribution, status)
    if len(split) == 1 and None in split.values():
        # the common case, one unit: its kernel on every row, in place
        unit_kernel(next(iter(split)))(solve, inputs, status, out, kind, start)
        return
    out[...] = math.nan
    kind[...] = -1
    for unit, rows in split.items():
        # the unit's rows gathered, computed and put back (inputs of length 0 stay so)
        part = SqRows(*(readonly(x[rows]) if x.shape[0] else x for x in inputs))
        part_status = status[rows]
        part_out, part_kind = allocate(rows.shape[0])
        unit_kernel(unit)(solve, part, part_status, part_out, part_kind, start)
        out[:, rows] = part_out
        kind[rows] = part_kind
        status[rows] = part_status
