"""Periodic-review policies (R, S), (R, s, S) and (R, s, nQ): the reorder point (order-up-to
level for (R, S)) that reaches a service-level target.

Continuous demand: Newton's method on beta and gamma ((R, S), (R, s, nQ)), a safeguarded
Newton step on log(1 - metric) for every target of (R, s, S), from a normal-approximation
start, else a bracket and Brent's method; integer demand: a bracket and regula falsi on
integers, the smallest integer whose metric reaches the target. The metrics are those of
``invsl.kernels.periodic.metrics``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from invsl.scalar import distributions as dist
from invsl.kernels.periodic.metrics import alpha_slope_rss, fit_n, value, value_slope
from invsl.kernels.solvers import log_newton_step, safeguard
from invsl.scalar.jit import WITH_GAMMA, WITH_INTEGER, WITH_NORMAL, WITH_RS, WITH_RSQ, WITH_RSS
from invsl.scalar.jit import scalar, tiny
from invsl.scalar.special import ndtri
from invsl.vocabulary import (
    DEMAND_POINT,
    METRIC_ALPHA,
    POLICY_RS,
    POLICY_RSS,
)

_REL_TOL = 1e-10
_MAX_ITER = 300
#: iterations of the safeguarded Newton method on (R, s, S) before the bracket and Brent's
#: method take over (about 3 to 8 are used)
_RSS_NEWTON_ITER = 60


@scalar
def _newton(metric, target, policy, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, x, tol):
    """Newton's method on a beta or gamma target with continuous demand, from x.

    Every evaluation narrows a bracket (the metric is nondecreasing in x); a step that leaves
    it bisects. NaN if it has not converged after a few steps (the caller then brackets and
    runs Brent's method).
    """
    lo = -math.inf
    hi = math.inf
    for _ in range(12):
        v, d = value_slope(metric, policy, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p)
        v -= target
        if not (math.isfinite(v) and math.isfinite(d)):
            return math.nan
        if v == 0.0:
            return x
        if v > 0.0:
            hi = min(hi, x)
        else:
            lo = max(lo, x)
        if not d > 0.0:
            return math.nan
        nxt = x - v / d
        if not (lo < nxt < hi):
            if math.isinf(lo) or math.isinf(hi):
                return math.nan
            nxt = 0.5 * (lo + hi)
        if abs(nxt - x) <= tol:
            return nxt
        x = nxt
    return math.nan


@scalar
def _rss_newton(
    metric, target, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, u0, x, tol, step
):
    """Safeguarded Newton's method on a target of continuous (R, s, S), from x.

    As ``solvers.solve_continuous`` does for (s, Q): the step is Newton's on
    log(1 - metric) = log(1 - target), nearly linear in the upper tail; every evaluation
    narrows a bracket (every metric is nondecreasing in s), and a step that leaves it (or no
    step, where the slope is 0) bisects, or doubles a search step while one side is still
    open. NaN if it has not converged (the caller then brackets and runs Brent's method).
    beta and gamma stop at a Newton correction below ``tol`` (quadratic convergence: the
    error is then far below it), alpha at one below tol / 10.
    """
    lo = -math.inf
    hi = math.inf
    close = 0.1 * tol if metric == METRIC_ALPHA else tol
    last = math.inf  # the previous Newton correction, if it was taken
    for _ in range(_RSS_NEWTON_ITER):
        if metric == METRIC_ALPHA:
            v, d = alpha_slope_rss(dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0)
        else:
            # (the policy as int8, as the kernel passes it: an int64 would compile
            # value_slope and the functions it calls a second time)
            v, d = value_slope(
                metric, np.int8(POLICY_RSS), dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p
            )
        if not math.isfinite(v):
            return math.nan
        if v < target:
            lo = x
        else:
            hi = x
        if hi - lo <= tol:
            return 0.5 * (lo + hi)
        nxt = x + log_newton_step(v, 1.0 - v, d, target)
        size = abs(nxt - x)
        if size <= close:
            return nxt
        # beta, gamma: where the corrections shrink quadratically (size <= last / 10), the
        # error left after this one is about size^3 / last^2; below tol / 10 the next
        # evaluation would only confirm it (alpha(s) has steps of about 1e-6 where its
        # quadrature changes panels, on which such estimates do not hold)
        quadratic = metric != METRIC_ALPHA and math.isfinite(last) and size <= 0.1 * last
        if quadratic and size * size * size <= 0.1 * tol * last * last and lo < nxt < hi:
            return nxt
        x, step = safeguard(nxt, lo, hi, step)
        last = size if x == nxt else math.inf
    return math.nan


@scalar
def _start(metric, policy, mean, sd, gap, target):
    """A first guess from the normal approximation of D(L + R)."""
    z = ndtri(target)
    quant = mean + sd * z
    if metric == METRIC_ALPHA or policy == POLICY_RS:
        return quant
    # as for continuous review (solvers.start_point): the larger of the small-gap and the
    # large-gap answers
    return max(quant - 0.5 * gap, mean - (1.0 - target) * gap)


class _Row(NamedTuple):
    """One row's policy, demand and per-row context, as ``solve`` hands them to its search
    helpers (the arguments of ``value`` other than the metric and x)."""

    policy: int
    integer: bool
    dcode: int
    mu: float
    sigma: float
    lt: float
    lt_std: float
    r: float
    gap: float
    pos_w: np.ndarray
    pos_p: np.ndarray
    u0: float
    uw: np.ndarray


@tiny
def _excess(metric, target, row, x):
    """metric(x) - target: < 0 where x is infeasible, >= 0 where it is feasible."""
    return (
        value(
            metric,
            row.policy,
            row.integer,
            row.dcode,
            row.mu,
            row.sigma,
            row.lt,
            row.lt_std,
            row.r,
            x,
            row.gap,
            row.pos_w,
            row.pos_p,
            row.u0,
            row.uw,
        )
        - target
    )


@scalar
def _bracket(metric, target, row, x, step):
    """(lo, f(lo), hi, f(hi)) with f = metric - target, lo infeasible (f < 0) and hi feasible
    (f >= 0), found from x by steps away from it that double each time; lo or hi NaN if 80
    steps do not cross the target."""
    v = _excess(metric, target, row, x)
    if v >= 0.0:
        hi, fhi = x, v
        lo, flo = math.nan, math.nan
        for _ in range(80):
            x = hi - step
            v = _excess(metric, target, row, x)
            if v < 0.0:
                lo, flo = x, v
                break
            hi, fhi = x, v
            step *= 2.0
    else:
        lo, flo = x, v
        hi, fhi = math.nan, math.nan
        for _ in range(80):
            x = lo + step
            v = _excess(metric, target, row, x)
            if v >= 0.0:
                hi, fhi = x, v
                break
            lo, flo = x, v
            step *= 2.0
    return lo, flo, hi, fhi


@scalar
def _integer_root(metric, target, row, lo, flo, hi, fhi):
    """The smallest integer x in (lo, hi] with metric >= target, for a bracket of integers
    (lo infeasible, hi feasible): regula falsi on integers, bisection when it stalls. NaN if
    it has not converged."""
    use_bisect = False
    for _ in range(_MAX_ITER):
        if hi - lo <= 1.0:
            return hi
        if use_bisect or not (fhi > flo):
            x = math.floor(0.5 * (lo + hi))
        else:
            x = math.floor(lo + (hi - lo) * (-flo) / (fhi - flo))
            x = min(max(x, lo + 1.0), hi - 1.0)
        width = hi - lo
        v = _excess(metric, target, row, x)
        if v >= 0.0:
            hi, fhi = x, v
        else:
            lo, flo = x, v
        use_bisect = (hi - lo) > 0.5 * width
    return math.nan


@scalar
def solve(
    metric, target, policy, integer, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, u0, uw
):
    """x (S for RS, s otherwise) reaching the target: integer demand the smallest integer
    with metric >= target; continuous the root, to 1e-10 * max(1, sd(D(L + R))). NaN if the
    search fails."""
    k, p1, p2, mean, sd = fit_n(dcode, mu, sigma, lt_std, lt + r)
    if policy == POLICY_RS and metric == METRIC_ALPHA and not integer and k != DEMAND_POINT:
        return dist.quantile(k, p1, p2, target)
    step = max(sd, 0.5 * gap, 1.0)
    tol = _REL_TOL * max(1.0, sd)
    x = _start(metric, policy, mean, sd, gap, target)
    # (WITH_*: the family and policy switches of the compile units, docs/architecture.md)
    continuous = (WITH_NORMAL or WITH_GAMMA) and not integer
    if continuous and WITH_RSS and policy == POLICY_RSS:
        root = _rss_newton(
            metric, target, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, u0, x, tol, step
        )
        if not math.isnan(root):
            return root
    elif continuous and (WITH_RS or WITH_RSQ) and metric != METRIC_ALPHA:
        root = _newton(
            metric, target, policy, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, x, tol
        )
        if not math.isnan(root):
            return root
    if integer:
        x = math.floor(x)
        step = math.ceil(step)
    row = _Row(policy, integer, dcode, mu, sigma, lt, lt_std, r, gap, pos_w, pos_p, u0, uw)
    # bracket: lo infeasible (metric < target), hi feasible (metric >= target)
    lo, flo, hi, fhi = _bracket(metric, target, row, x, step)
    if math.isnan(lo) or math.isnan(hi):
        return math.nan
    if WITH_INTEGER and integer:
        return _integer_root(metric, target, row, lo, flo, hi, fhi)
    if not WITH_NORMAL and not WITH_GAMMA:
        return math.nan  # (not reached: the integer unit has integer kinds only)
    return _brent(
        metric,
        target,
        policy,
        dcode,
        mu,
        sigma,
        lt,
        lt_std,
        r,
        gap,
        pos_w,
        pos_p,
        u0,
        uw,
        lo,
        flo,
        hi,
        fhi,
        tol,
    )


@scalar
def _brent(
    metric,
    target,
    policy,
    dcode,
    mu,
    sigma,
    lt,
    lt_std,
    r,
    gap,
    pos_w,
    pos_p,
    u0,
    uw,
    a,
    fa,
    b,
    fb,
    tol,
):
    """Brent's root finder on [a, b] with fa < 0 <= fb (continuous demand)."""
    c = a
    fc = fa
    d = b - a
    e = d
    for _ in range(_MAX_ITER):
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c = a
            fc = fa
            d = b - a
            e = d
        if abs(fc) < abs(fb):
            a = b
            b = c
            c = a
            fa = fb
            fb = fc
            fc = fa
        tol1 = 4e-16 * abs(b) + 0.5 * tol
        xm = 0.5 * (c - b)
        if abs(xm) <= tol1 or fb == 0.0:
            return b
        if abs(e) >= tol1 and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                p = 2.0 * xm * s
                q = 1.0 - s
            else:
                q = fa / fc
                rr = fb / fc
                p = s * (2.0 * xm * q * (q - rr) - (b - a) * (rr - 1.0))
                q = (q - 1.0) * (rr - 1.0) * (s - 1.0)
            if p > 0.0:
                q = -q
            p = abs(p)
            if 2.0 * p < min(3.0 * xm * q - abs(tol1 * q), abs(e * q)):
                e = d
                d = p / q
            else:
                d = xm
                e = d
        else:
            d = xm
            e = d
        a = b
        fa = fb
        if abs(d) > tol1:
            b += d
        else:
            b += tol1 if xm > 0.0 else -tol1
        fb = (
            value(
                metric, policy, False, dcode, mu, sigma, lt, lt_std, r, b, gap, pos_w, pos_p, u0, uw
            )
            - target
        )
    return math.nan
