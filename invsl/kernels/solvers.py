"""Reorder-point solvers: the s at which a service level reaches its target.

- Continuous lead-time demand: the root of metric(s) = target, to an absolute tolerance of
  ``1e-9 * max(1, sd(X))`` (contract). alpha uses the quantile function directly; beta and
  gamma use a safeguarded Newton iteration with the analytic derivative, applied to
  log(1 - metric) (nearly linear in the tails, where plain Newton crawls): every iterate
  updates a bracket, and a step that leaves it is replaced by bisection (or, while one side
  is still open, by a doubling search).
- Integer lead-time demand: the smallest integer s with metric(s) >= target. The same scheme
  runs on the integers, with the exact forward difference as slope, and stops when it holds a
  feasible s whose left neighbour is infeasible.
"""

from __future__ import annotations

import math

from invsl.scalar import distributions as dist
from invsl.kernels import metrics
from invsl.scalar.jit import WITH_GAMMA, WITH_INTEGER, WITH_NORMAL, scalar, tiny
from invsl.vocabulary import METRIC_ALPHA, METRIC_BETA

#: relative tolerance used internally; tighter than the contract's 1e-9 for a safety margin
REL_TOL = 1e-10
_MAX_ITER = 400
_ULP = 2.220446049250313e-16


@scalar
def start_point(metric, mean, sd, q, mu, target):
    """A starting point from the normal approximation.

    alpha: the quantile. beta: the larger of the small-Q answer (the quantile, less Q/2)
    and the large-Q answer (deterministic demand: mean - (1 - t) Q). gamma: the same with
    the shortfall scaled to backorders.
    """
    return start_from_quantile(metric, mean, sd, q, mu, target, dist.sp.ndtri(target))


@tiny
def start_from_quantile(metric, mean, sd, q, mu, target, quantile):
    """``start_point`` given ``quantile`` = ndtri(target) (a kernel computes it once for the
    rows that share a target)."""
    quant = mean + sd * quantile
    if metric == METRIC_ALPHA:
        return quant
    if metric == METRIC_BETA:
        return max(quant - 0.5 * q, mean - (1.0 - target) * q)
    return max(quant - 0.5 * q, mean - math.sqrt(2.0 * (1.0 - target) * q * mu))


@tiny
def log_newton_step(value, short, slope, target):
    """Newton step on log(1 - metric) = log(1 - target); NaN when it is not defined."""
    return log_newton_step_from(short, slope, math.log1p(-target))


@tiny
def log_newton_step_from(short, slope, log_limit):
    """``log_newton_step`` given ``log_limit`` = log1p(-target)."""
    if slope > 0.0 and short > 0.0:
        return (math.log(short) - log_limit) * short / slope
    return math.nan


@tiny
def safeguard(nxt, lo, hi, step):
    """(x, step): the Newton iterate ``nxt`` if it lies inside the bracket (lo, hi), else the
    bisection of a closed bracket, or, while one side is still open, a search step from the
    known side (and the search step doubled). A NaN iterate counts as outside."""
    if nxt > lo and nxt < hi:
        return nxt, step
    if math.isfinite(lo) and math.isfinite(hi):
        return 0.5 * (lo + hi), step
    if math.isfinite(lo):
        return lo + step, 2.0 * step
    return hi - step, 2.0 * step


@scalar
def solve_continuous(metric, kind, p1, p2, mean, sd, q, mu, target):
    """Root of metric(s) = target for continuous X. NaN if it does not converge."""
    if metric == METRIC_ALPHA:
        return dist.quantile(kind, p1, p2, target)
    tol = REL_TOL * max(1.0, sd)
    step = max(sd, 0.5 * q, 1e-6 * max(1.0, abs(mean)))
    lo = -math.inf
    hi = math.inf
    s = start_point(metric, mean, sd, q, mu, target)
    for _ in range(_MAX_ITER):
        value, short, slope = metrics.metric_and_slope(metric, kind, p1, p2, mean, s, q, mu)
        if value < target:
            lo = s
        else:
            hi = s
        # a root beyond 1e6 sd(X) cannot be held to the contract's tolerance in float64: a
        # few units in the last place of s is then the best there is
        tol_s = max(tol, 8.0 * _ULP * abs(s))
        if hi - lo <= tol_s:
            return 0.5 * (lo + hi)
        nxt = s + log_newton_step(value, short, slope, target)
        if abs(nxt - s) <= 0.1 * tol_s:
            # converged: the Newton correction is far below the tolerance
            return nxt
        s, step = safeguard(nxt, lo, hi, step)
    return math.nan


#: what ``solve_integer`` returns when s - 1 could not be evaluated: the answer cannot be
#: shown to be the smallest (the batch kernel flags such rows ``precision_limit``)
LOST = -math.inf


@scalar
def solve_integer(metric, kind, p1, p2, mean, sd, q, mu, target):
    """Smallest integer s with metric(s) >= target for integer X.

    NaN if none is found; ``LOST`` if minimality rests on an evaluation that lost its
    precision (``metric_and_slope`` gave NaN just below the answer).
    """
    step = max(1.0, math.floor(sd))
    lo = -math.inf  # largest s known infeasible
    hi = math.inf  # smallest s known feasible
    lo_lost = False  # lo comes from an evaluation that could not be computed
    s = math.floor(start_point(metric, mean, sd, q, mu, target))
    for _ in range(_MAX_ITER):
        value, short, slope = metrics.metric_and_slope(metric, kind, p1, p2, mean, s, q, mu)
        if value >= target:
            hi = s
        else:
            lo = s
            lo_lost = math.isnan(value)
        if hi - lo == 1.0:
            return LOST if lo_lost else hi
        newton = log_newton_step(value, short, slope, target)
        if value >= target:
            # the root lies at or below s; aim just at or below it and test its neighbour
            jump = 1.0
            if newton < 0.0:
                jump = max(1.0, math.floor(-newton))
            nxt = s - jump
            if math.isnan(newton) and math.isfinite(lo):
                # metric(s) rounds to 1 (no Newton step): halve the bracket, do not walk
                nxt = math.floor(0.5 * (lo + hi))
        else:
            nxt = math.nan
            if newton > 0.0:
                nxt = s + max(1.0, math.ceil(newton))
            if not (nxt < hi):
                nxt = math.nan
            if math.isnan(nxt) and not math.isfinite(hi):
                nxt = s + step
                step *= 2.0
        if not (nxt > lo and nxt < hi):
            if math.isfinite(lo) and math.isfinite(hi):
                nxt = math.floor(0.5 * (lo + hi))
            elif math.isfinite(lo):
                nxt = lo + step
                step *= 2.0
            else:
                nxt = hi - step
                step *= 2.0
        s = nxt
    return math.nan


@scalar
def solve(metric, kind, p1, p2, mean, sd, q, mu, target):
    """Reorder point for the target; dispatches on the kind of lead-time demand."""
    if WITH_INTEGER and dist.is_integer_kind(kind):
        return solve_integer(metric, kind, p1, p2, mean, sd, q, mu, target)
    if not WITH_NORMAL and not WITH_GAMMA:
        return math.nan  # (not reached: the integer compile unit has integer kinds only)
    return solve_continuous(metric, kind, p1, p2, mean, sd, q, mu, target)
