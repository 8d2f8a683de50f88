"""Periodic-review policies (R, S), (R, s, S) and (R, s, nQ): the row kernel.

``periodic_kernel`` evaluates or optimizes rows grouped in a ``PeriodicRows``, with the
metrics of ``invsl.kernels.periodic.metrics`` and the solver of
``invsl.kernels.periodic.solver``; its outputs are the rows of ``OUTPUTS``. The formulas
are in docs/periodic.md.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import NamedTuple

import numpy as np

from invsl.scalar import distributions as dist
from invsl.kernels import units
from invsl.kernels.periodic import continuous, integer, metrics, solver
from invsl.kernels.periodic.metrics import all_metrics, context, fit_n
from invsl.kernels.periodic.solver import solve
from invsl.scalar.jit import borrowed, kernel, scalar
from invsl.scalar.jit import specialise
from invsl.vocabulary import (
    BAD_ORDER_UP_TO,
    CANNOT_FIT,
    NEGBIN_VARIANCE,
    NO_CONVERGENCE,
    OK,
)
from invsl.vocabulary import (
    DEMAND_NEGBIN,
    DEMAND_POISSON,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
)

#: output rows of ``periodic_kernel``
OUTPUTS = (
    "reorder_point",
    "safety_stock",
    "alpha",
    "beta",
    "gamma",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
    "order_up_to",
)


class PeriodicRows(NamedTuple):
    """The row inputs of :func:`periodic_kernel`: 1-d read-only arrays of one length n,
    grouped by name so that two of them cannot be swapped silently."""

    policy: np.ndarray  # int8 policy code (invsl.vocabulary POLICY_*)
    distribution: np.ndarray  # int8 demand family code (DEMAND_*)
    metric: np.ndarray  # int8 metric code (METRIC_*), read when solving
    target: np.ndarray  # float64, read when solving
    demand_mean: np.ndarray  # float64, mu [units/period]
    demand_std: np.ndarray  # float64, sigma [units/period]
    lead_time: np.ndarray  # float64, L [periods]
    lead_time_std: np.ndarray  # float64, sigma_L [periods]
    review_period: np.ndarray  # float64, R [periods]
    order_quantity: np.ndarray  # float64, Q (RsQ) or the gap S - s (RsS when solving)
    reorder_point: np.ndarray  # float64, s (evaluating RsS, RsQ)
    order_up_to: np.ndarray  # float64, S (evaluating RS, RsS)


@scalar
def periodic_row(solve_, pol, dcode, m, t, mu, sigma, lt, lt_std, r, q, s, big_s):
    """One valid row of :func:`periodic_kernel` (its status OK on entry, its policy RS, RsS
    or RsQ): fit, solve (``solve_``) or evaluate, metrics.

    The arguments are the row's elements, in the order of :class:`PeriodicRows` from
    ``policy`` (``m``, ``t``: metric and target, read when solving; ``q``: Q or the gap;
    ``s``, ``big_s``: reorder point and order-up-to level, read when evaluating). Returns
    ``(status, kind, outputs)``: OK or why the row failed, the fitted kind of D(L + R) (-1
    when it could not be fitted) and the 9 outputs of ``OUTPUTS`` (NaN when it failed).
    Compiled once per unit, called by the kernel, and from Python for
    one row of Python numbers (:func:`one`).
    """
    nan = math.nan
    failed = (nan, nan, nan, nan, nan, nan, nan, nan, nan)
    kind, p1, p2, mean, sd = fit_n(dcode, mu, sigma, lt_std, lt + r)
    kl, _, _, _, _ = fit_n(dcode, mu, sigma, lt_std, lt)
    kr, _, _, _, _ = fit_n(dcode, mu, sigma, 0.0, r)
    if kind < 0 or kl < 0 or kr < 0:
        if dcode == DEMAND_NEGBIN or dcode == DEMAND_POISSON:
            return (NEGBIN_VARIANCE if mean > 0.0 else CANNOT_FIT), -1, failed
        return CANNOT_FIT, -1, failed
    integer = dist.is_integer_kind(kind)
    if pol == POLICY_RS:
        gap = 0.0
    elif solve_ or pol == POLICY_RSQ:
        gap = q
    else:
        gap = big_s - s
        if not gap > 0.0:
            return BAD_ORDER_UP_TO, kind, failed
    pos_w, pos_p, u0, uw = context(pol, integer, dcode, mu, sigma, lt, lt_std, r, gap)
    if solve_:
        x = solve(m, t, pol, integer, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, u0, uw)
        if math.isnan(x):
            return NO_CONVERGENCE, kind, failed
    elif pol == POLICY_RS:
        x = big_s
    else:
        x = s
    a, b, g, rr, eb, oh = all_metrics(
        pol, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw
    )
    if pol == POLICY_RS:
        return OK, kind, (nan, x - mean, a, b, g, rr, eb, oh, x)
    top = x + gap if pol == POLICY_RSS else nan
    return OK, kind, (x, x - mean, a, b, g, rr, eb, oh, top)


@kernel
def periodic_kernel(solve_, rows, status, out, kind_out, start, stop):
    """Evaluate (solve_=False) or optimize (solve_=True) the periodic-review rows ``start``
    .. ``stop - 1``.

    ``rows`` is a :class:`PeriodicRows` (rows whose policy is not RS, RsS or RsQ are
    skipped); ``out`` is (9, n) float64 in the order of ``OUTPUTS``, ``kind_out`` the fitted
    kind of D(L + R). Evaluate reads ``order_up_to`` (RS, RsS) and ``reorder_point`` (RsS,
    RsQ); optimize reads ``order_quantity`` (the gap S - s for RsS, Q for RsQ) and solves S
    (RS) or s. Each row is :func:`periodic_row`; a row that fails keeps its outputs.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    solve_, rows, status, out, kind_out = borrowed((solve_, rows, status, out, kind_out))
    policy = rows.policy
    for i in range(start, stop):
        if status[i] != OK:
            continue
        pol = policy[i]
        if pol != POLICY_RS and pol != POLICY_RSS and pol != POLICY_RSQ:
            continue
        m = rows.metric[i] if solve_ else np.int8(0)
        t = rows.target[i] if solve_ else math.nan
        code, kind, values = periodic_row(
            solve_,
            pol,
            rows.distribution[i],
            m,
            t,
            rows.demand_mean[i],
            rows.demand_std[i],
            rows.lead_time[i],
            rows.lead_time_std[i],
            rows.review_period[i],
            rows.order_quantity[i],
            rows.reorder_point[i] if rows.reorder_point.shape[0] else math.nan,
            rows.order_up_to[i] if rows.order_up_to.shape[0] else math.nan,
        )
        if kind >= 0:
            kind_out[i] = kind
        if code != OK:
            status[i] = code
            continue
        for j in range(9):
            out[j, i] = values[j]


#: the modules whose compiled functions each compile unit of ``periodic_kernel`` copies
_UNIT_MODULES = (dist, continuous, integer, metrics, solver)
#: the compile units of ``periodic_kernel``: one per family unit x periodic-review policy
UNIT_NAMES = units.every_unit(policies=True)


def _unit(unit: str):
    """The namespace of this module's copy for the compile unit ``unit`` (``UNIT_NAMES``),
    made at the first request (``scalar.jit.specialise``)."""
    return specialise((*_UNIT_MODULES, sys.modules[__name__]), **units.switches(unit))[__name__]


@functools.cache
def unit_kernel(unit: str):
    """``periodic_kernel`` compiled for the rows of one compile unit (``UNIT_NAMES``, a
    family x policy), as ``batch.unit_kernel`` does for (s, Q)."""
    return _unit(unit).periodic_kernel


@functools.cache
def one(policy: int, distribution: int):
    """:func:`periodic_row` of the compile unit of a row of the policy code ``policy`` (RS,
    RsS, RsQ) and the two-moment demand family code ``distribution``, for one row of Python
    numbers (``engine.single``): call it with the codes as ``numpy.int8`` and the numbers
    as floats, the types the kernel passes, so that it runs the function the unit's kernel
    compiled (and cached) beside itself, not a compilation of its own."""
    return _unit(units.family_unit(distribution, policy)).periodic_row


def every_kernel() -> dict:
    """Every copy of ``periodic_kernel`` a call can run, ``{unit: kernel}`` (for the
    warm-up's test)."""
    return {unit: unit_kernel(unit) for unit in UNIT_NAMES}


#: cost of a row of ``periodic_kernel`` in rows of the (s, Q) normal kernel, roughly (2 to 10
#: for (R, S), 50 to 200 for (R, s, S)): the weight of ``scalar.jit.run_rows``
ROW_WEIGHT = 20.0


def run(solve_, rows, status, out, kind_out) -> None:
    """``periodic_kernel`` on every row by the kernels of their compile units: each unit's
    kernel runs on all rows, skipping those of the other units (the kernel writes only the
    rows it computes), so that ``out`` and ``kind_out`` must come filled (``allocate``).
    A unit with many rows runs on several threads (``units.run_on``)."""
    split = units.split(rows.distribution, status, rows.policy)
    for unit, unit_rows in split.items():
        count = None if unit_rows is None else unit_rows.shape[0]
        mine = None if len(split) == 1 else unit_rows  # (one unit: every row, in place)
        args = ((solve_, rows), (out, kind_out))
        units.run_on(unit_kernel(unit), mine, ROW_WEIGHT, status, *args, count=count)


def allocate(n: int):
    """Output arrays for n rows: a (9, n) float array (see OUTPUTS) and the kind per row."""
    out = np.full((len(OUTPUTS), n), np.nan)
    kind = np.full(n, -1, dtype=np.int8)
    return out, kind
