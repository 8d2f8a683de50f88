"""Portfolio optimisation: where should the stock money go across many SKUs?

:func:`optimize_portfolio` chooses the reorder point of every SKU of a continuous-review
(s, Q) portfolio to maximise an aggregate service level under a budget on the value of
stock, or (inverse mode) to reach an aggregate service target at the least value of stock.

The problem is separable: with a multiplier lambda on the budget each SKU solves its own
small problem ``max_s  w m(s) - lambda K(s)`` (m its service level, w its weight, K the value
of its stock), and one outer bisection on lambda meets the budget. The per-SKU solves are
numba kernels with ``prange`` over SKUs; everything else is a handful of numpy reductions.
See docs/portfolio.md for the mathematics, the handling of the S-shaped fill rate and the
duality-gap bound.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from invsl.kernels import batch
from invsl.api import frame
from invsl.kernels import metrics
from invsl.kernels import solvers
from invsl.scalar import distributions as dist
from invsl.scalar.jit import kernel, parallel_kernel, prange, readonly, scalar
from invsl.vocabulary import (
    BAD_TARGET,
    CANNOT_FIT,
    MISSING,
    NEGATIVE,
    NEGBIN_VARIANCE,
    NO_CONVERGENCE,
    NOT_A_NUMBER,
    NOT_FINITE,
    OK,
    PRECISION_LIMIT,
    ZERO_DEMAND,
)
from invsl.engine.validate import distribution_codes, unsupported_rows, validate

# objectives (what is maximised) and investments (what the budget limits)
FILL_RATE = 0
GAMMA = 1
BACKORDER_VALUE = 2
OBJECTIVES = {
    "beta": FILL_RATE,
    "fill_rate": FILL_RATE,
    "gamma": GAMMA,
    "gamma_service_level": GAMMA,
    "backorder_value": BACKORDER_VALUE,
    "backorders": BACKORDER_VALUE,
}
SAFETY_STOCK = 0
ON_HAND = 1
INVESTMENTS = {"safety_stock": SAFETY_STOCK, "on_hand": ON_HAND, "expected_on_hand": ON_HAND}

#: lower-tail cut: without a floor a SKU's reorder point stays at or above
#: max(a, E[X] - _LOW_SDS * sd(X)) - Q, a = 0 for non-negative demand, where beta is ~0
_LOW_SDS = 10.0
#: tolerance of the continuous per-SKU root, in units of max(1, sd(X))
_ROOT_TOL = 1e-10
_MAX_ITER = 400
#: ... a Newton step shorter than this (same units) is the last one
_NEWTON_LAST = 1e-6
#: outer bisection: stop when lambda_big / lambda_small - 1 falls below this
_LAMBDA_REL_TOL = 1e-11
_MAX_OUTER = 200
#: outer search: also stop when the unused budget (or the excess over the target) falls
#: below this share of the portfolio's total
_SLACK_REL_TOL = 1e-10
#: ... or when all but one SKU's step between the two bracketing solutions is below this
#: share (the greedy completion then handles the rest)
_JUMP_REL_TOL = 1e-5
#: ... or when the rest is below this share of the largest single jump
_REST_OF_JUMP = 1.0
#: rounds of the repair step (fix the SKU whose step did not fit, re-solve the others)
_REPAIR_ROUNDS = 2
#: ... run only while the gap bound exceeds this share of the objective
_REPAIR_GAP = 1e-6
#: ... or when the steps between them all have the same ratio to this relative precision
_TIE_REL_TOL = 1e-9


# ---------------------------------------------------------------------------------------------
# per-SKU scalar functions


@scalar
def _beta_short(kind, p1, p2, mean, s, q):
    """(beta, 1 - beta) of (s, Q) at s, each without cancellation (fast tails)."""
    if dist.is_integer_kind(kind):
        net = s + 0.5 * (q + 1.0) - mean
    else:
        net = s + 0.5 * q - mean
    if net < 0.0:
        h1a, _ = dist.lower(kind, p1, p2, mean, s)
        h1b, _ = dist.lower(kind, p1, p2, mean, s + q)
        b = min(max((h1b - h1a) / q, 0.0), 1.0)
        if kind != dist.NORMAL and s + q <= 0.0:
            b = 0.0
        return b, 1.0 - b
    _, g1a, _ = dist.tail(kind, p1, p2, mean, s, False)
    _, g1b, _ = dist.tail(kind, p1, p2, mean, s + q, False)
    short = min(max((g1a - g1b) / q, 0.0), 1.0)
    return 1.0 - short, short


#: integer windows of up to this many values are summed term by term
_WINDOW_SUM_MAX = 32


@scalar
def _window(kind, p1, p2, mean, s, q):
    """P(s < X <= s + Q), from whichever tail avoids cancellation.

    Poisson and negative binomial X (success probability <= 0.999) with
    Q <= _WINDOW_SUM_MAX: the sum of the Q point probabilities, the first from its accurate form and the rest by the ratio recurrence
    p(k + 1) / p(k) = lam / (k + 1), resp. (k + r) (1 - p) / (k + 1): positive terms, no
    cancellation, and one special-function call instead of two.
    """
    summable = kind == dist.POISSON or (kind == dist.NEGBIN and p2 <= 0.999)
    if summable and q <= _WINDOW_SUM_MAX:  # (near p = 1, 1 - p would lose digits)
        k = max(s + 1.0, 0.0)
        top = s + q
        if k > top:
            return 0.0
        p = dist.density(kind, p1, p2, k)
        total = p
        while k < top:
            if kind == dist.POISSON:
                p *= p1 / (k + 1.0)
            else:
                p *= (k + p1) * (1.0 - p2) / (k + 1.0)
            k += 1.0
            total += p
        return min(total, 1.0)
    if s + 0.5 * q < mean:
        return max(dist.cdf(kind, p1, p2, s + q) - dist.cdf(kind, p1, p2, s), 0.0)
    return max(dist.sf(kind, p1, p2, s) - dist.sf(kind, p1, p2, s + q), 0.0)


@scalar
def _score_cost(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """(w * m(s), K(s)): weighted objective term and value of stock of one SKU at s."""
    if obj == FILL_RATE and inv == SAFETY_STOCK:
        # the common case needs the fill rate only (fast tails, no cancellation)
        b, _ = _beta_short(kind, p1, p2, mean, s, q)
        return w * b, c * (s - mean)
    _, b, g, _, eb, oh = metrics.sq_metrics(kind, p1, p2, mean, s, q, mu)
    if obj == FILL_RATE:
        score = w * b
    elif obj == GAMMA:
        score = w * g
    else:
        score = -w * eb
    if inv == SAFETY_STOCK:
        cost = c * (s - mean)
    else:
        cost = c * oh
    return score, cost


@scalar
def _rho_cont(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """Marginal benefit per unit of money rho = w m'(s) / K'(s) and d log(rho) / ds.

    Continuous X. m' for beta is (F(s+Q) - F(s)) / Q, for gamma (1 - beta) / mu, for the
    negative backorders 1 - beta; K' is c (safety stock) or c * beta (on hand).
    rho is +inf where K' = 0 (stock that costs nothing at the margin).
    """
    db = _window(kind, p1, p2, mean, s, q) / q
    d2b = (dist.density(kind, p1, p2, s + q) - dist.density(kind, p1, p2, s)) / q
    if obj == FILL_RATE and inv == SAFETY_STOCK:
        # the common case: rho = w (F(s+Q) - F(s)) / (Q c), no fill rate needed
        rho = w * db / c
        if db > 0.0:
            return rho, d2b / db
        return rho, math.nan
    b, short = _beta_short(kind, p1, p2, mean, s, q)
    if obj == FILL_RATE:
        m1 = db
        m2 = d2b
    elif obj == GAMMA:
        m1 = short / mu
        m2 = -db / mu
    else:
        m1 = short
        m2 = -db
    if inv == SAFETY_STOCK:
        k1 = c
        k2 = 0.0
    else:
        k1 = c * b
        k2 = c * db
    if k1 <= 0.0:
        return math.inf, math.nan
    rho = w * m1 / k1
    if m1 > 0.0:
        return rho, m2 / m1 - k2 / k1
    return rho, math.nan


@scalar
def _rho_int(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """rho(s) = w (m(s+1) - m(s)) / (K(s+1) - K(s)) for integer X (forward differences).

    beta: P(s < X <= s+Q) / Q; gamma: (1 - beta(s+1)) / mu; negative backorders:
    1 - beta(s+1); K: c (safety stock) or c * beta(s+1) (on hand).
    """
    if obj == FILL_RATE:
        m1 = _window(kind, p1, p2, mean, s, q) / q
        if inv == SAFETY_STOCK:
            return w * m1 / c
        b1, _ = _beta_short(kind, p1, p2, mean, s + 1.0, q)
    else:
        b1, short1 = _beta_short(kind, p1, p2, mean, s + 1.0, q)
        m1 = short1 / mu if obj == GAMMA else short1
        if inv == SAFETY_STOCK:
            return w * m1 / c
    k1 = c * b1
    if k1 <= 0.0:
        return math.inf
    return w * m1 / k1


@scalar
def _mode(kind, p1, p2, mean, q):
    """Reorder point where the fill rate's slope (the window probability) is largest.

    beta(s) rises fastest where P(s < X <= s+Q) peaks: for a unimodal density at the s with
    f(s) = f(s+Q) (normal: E[X] - Q/2; gamma with shape k > 1: Q / expm1(Q / ((k-1) theta)),
    k <= 1: 0); integer X the smallest s with P(X = s+Q+1) <= P(X = s+1); deterministic
    demand d: the start d - Q of the linear stretch.
    """
    if kind == dist.NORMAL:
        return p1 - 0.5 * q
    if kind == dist.GAMMA:
        if p1 <= 1.0:
            return 0.0
        return q / math.expm1(q / ((p1 - 1.0) * p2))
    if kind == dist.POINT or kind == dist.POINT_INT:
        return p1 - q
    # integer unimodal pmf: bisection on the sign of p(s+Q+1) - p(s+1) over [mode-Q-1, mode]
    if kind == dist.POISSON:
        top = math.floor(p1)
    else:
        top = math.floor((p1 - 1.0) * (1.0 - p2) / p2) if p1 > 1.0 else 0.0
    lo = top - q - 1.0  # increasing here: p(top) > p(top - q) ... checked below
    hi = top
    if dist.density(kind, p1, p2, lo + q + 1.0) <= dist.density(kind, p1, p2, lo + 1.0):
        return lo
    while hi - lo > 1.0:
        mid = math.floor(0.5 * (lo + hi))
        if dist.density(kind, p1, p2, mid + q + 1.0) <= dist.density(kind, p1, p2, mid + 1.0):
            hi = mid
        else:
            lo = mid
    return hi


@scalar
def _root_cont(obj, inv, kind, p1, p2, mean, sd, q, mu, w, c, lam, lo, hi, start):
    """The s in [lo, hi] with rho(s) = lam on the decreasing branch (rho(lo) > lam).

    Returns ``(s, d log rho / ds)``, the slope at the last point evaluated (NaN at hi).
    """
    if lo >= hi:
        return hi, math.nan
    if math.isfinite(hi):
        rh, _ = _rho_cont(obj, inv, kind, p1, p2, mean, hi, q, mu, w, c)
        if rh > lam:
            return hi, math.nan
    tol = _ROOT_TOL * max(1.0, sd)
    step = max(sd, 0.5 * q, 1e-6 * max(1.0, abs(mean)))
    log_lam = math.log(lam)
    if start > lo and start < hi:
        s = start
    elif math.isfinite(hi):
        s = 0.5 * (lo + hi)
    else:
        s = lo + step
    for _ in range(_MAX_ITER):
        rho, dlog = _rho_cont(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
        g = math.log(rho) - log_lam if rho > 0.0 else -math.inf
        if g > 0.0:
            lo = s
        else:
            hi = s
        if hi - lo <= tol:
            return 0.5 * (lo + hi), dlog
        nxt = math.nan
        if math.isfinite(g) and dlog < 0.0:
            nxt = s - g / dlog
            # Newton converges quadratically: after a step of d the error is about
            # d^2 |g''| / (2 |g'|), with g''/g' of order 1/sd(X) on the decreasing branch,
            # so a step below _NEWTON_LAST * max(1, sd) leaves an error far below tol
            if abs(nxt - s) <= _NEWTON_LAST * max(1.0, sd) and nxt >= lo and nxt <= hi:
                return nxt, dlog
        if not (nxt > lo and nxt < hi):
            if math.isfinite(hi):
                nxt = 0.5 * (lo + hi)
            else:
                nxt = lo + step
                step *= 2.0
        s = nxt
    return (0.5 * (lo + hi) if math.isfinite(hi) else math.nan), math.nan


@scalar
def _root_int(obj, inv, kind, p1, p2, mean, q, mu, w, c, lam, lo, hi, start):
    """Smallest integer s in (lo, hi] with rho(s) <= lam, or hi (rho(lo) > lam).

    Galloping search from the warm start in both directions, then bisection. Returns
    ``(s, rho(s - 1), rho(s))`` with NaN for a value the search did not evaluate (the caller
    needs both for the range of lam over which s stays the answer).
    """
    rho_lo = math.nan  # rho at lo, > lam
    rho_hi = math.nan  # rho at hi, <= lam
    if lo + 1.0 >= hi:
        return hi, math.nan, math.nan
    s = start
    if not (s > lo and s < hi):
        s = lo + 1.0
    step = 1.0
    value = _rho_int(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
    if value > lam:
        lo, rho_lo = s, value
        while True:
            s = min(lo + step, hi)
            if s >= hi:
                break
            value = _rho_int(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
            if value > lam:
                lo, rho_lo = s, value
                step *= 2.0
            else:
                hi, rho_hi = s, value
                break
    else:
        hi, rho_hi = s, value
        while True:
            s = max(hi - step, lo)
            if s <= lo:
                break
            value = _rho_int(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
            if value > lam:
                lo, rho_lo = s, value
                break
            hi, rho_hi = s, value
            step *= 2.0
    while hi - lo > 1.0:
        mid = math.floor(0.5 * (lo + hi))
        value = _rho_int(obj, inv, kind, p1, p2, mean, mid, q, mu, w, c)
        if value > lam:
            lo, rho_lo = mid, value
        else:
            hi, rho_hi = mid, value
    return hi, rho_lo, rho_hi


# ---------------------------------------------------------------------------------------------
# kernels over SKUs


def _prepare_kernel_py(
    obj,
    inv,
    service,
    distribution,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    floor,
    ceiling,
    min_s,
    status,
    kind_out,
    par,
    bounds,
):
    """Fit each SKU and find its search range, the mode of rho and the values at the floor.

    par (5, n): p1, p2, mean, sd, mu. bounds (6, n): s_lo, s_hi, s_mode, rho(s_mode),
    score(s_lo), cost(s_lo) (score and cost with weight 1 and unit cost 1: the caller
    rescales).
    """
    n = status.shape[0]
    for i in prange(n):
        if status[i] != OK:
            continue
        mu = demand_mean[i]
        kind, p1, p2, mean, sd = dist.fit(
            distribution[i], mu, demand_std[i], lead_time[i], lead_time_std[i]
        )
        if kind < 0:
            if distribution[i] == dist.NEGBIN or distribution[i] == dist.POISSON:
                status[i] = NEGBIN_VARIANCE if mean > 0.0 else CANNOT_FIT
            else:
                status[i] = CANNOT_FIT
            continue
        kind_out[i] = kind
        q = order_quantity[i]
        integer = dist.is_integer_kind(kind)
        low = mean - _LOW_SDS * sd
        if kind != dist.NORMAL:
            low = max(low, 0.0)
        s_lo = low - q
        if integer:
            s_lo = math.floor(s_lo)
        if min_s > s_lo:
            s_lo = math.ceil(min_s) if integer else min_s
        if floor[i] > 0.0:
            sf = solvers.solve(service, kind, p1, p2, mean, sd, q, mu, floor[i])
            if math.isnan(sf) or sf == solvers.LOST:
                status[i] = NO_CONVERGENCE if math.isnan(sf) else PRECISION_LIMIT
                continue
            s_lo = max(s_lo, sf)
        s_hi = math.inf
        if ceiling[i] < 1.0:
            sc = solvers.solve(service, kind, p1, p2, mean, sd, q, mu, ceiling[i])
            if math.isnan(sc) or sc == solvers.LOST:
                status[i] = NO_CONVERGENCE if math.isnan(sc) else PRECISION_LIMIT
                continue
            s_hi = max(sc, s_lo)
        if obj == FILL_RATE and inv == SAFETY_STOCK:
            s_mode = _mode(kind, p1, p2, mean, q)
            if integer:
                s_mode = math.floor(s_mode)
            s_mode = min(max(s_mode, s_lo), s_hi)
        else:
            s_mode = s_lo
        if integer:
            rho = _rho_int(obj, inv, kind, p1, p2, mean, s_mode, q, mu, 1.0, 1.0)
        else:
            rho, _ = _rho_cont(obj, inv, kind, p1, p2, mean, s_mode, q, mu, 1.0, 1.0)
        score, cost = _score_cost(obj, inv, kind, p1, p2, mean, s_lo, q, mu, 1.0, 1.0)
        par[0, i] = p1
        par[1, i] = p2
        par[2, i] = mean
        par[3, i] = sd
        par[4, i] = mu
        bounds[0, i] = s_lo
        bounds[1, i] = s_hi
        bounds[2, i] = s_mode
        bounds[3, i] = rho
        bounds[4, i] = score
        bounds[5, i] = cost


def _pass_kernel_py(
    obj,
    inv,
    lam,
    active,
    kind,
    par,
    q,
    w,
    c,
    bounds,
    warm,
    cache,
    s_out,
    score_out,
    cost_out,
    dcost_out,
):
    """Each SKU's maximiser of w m(s) - lam K(s) over [s_lo, s_hi].

    rho is increasing up to s_mode and decreasing after it, so w m - lam K falls, rises,
    then falls again: its maximum is at s_lo or at the end r of the rise (the largest s with
    rho >= lam); both are compared. ``warm`` holds the last r and is updated.

    ``dcost_out``: d K(r) / d log(lam) of continuous SKUs at their r (0 elsewhere), for the
    Newton steps of the outer search. Integer SKUs keep in ``cache`` (5, n) the multipliers
    [lam_min, lam_max) for which their last r stays the answer, its score and cost, and r:
    later passes of the outer search then cost nothing for SKUs whose r does not move.
    """
    n = active.shape[0]
    for i in prange(n):
        if not active[i]:
            continue
        s_lo = bounds[0, i]
        score_lo = w[i] * bounds[4, i]
        cost_lo = c[i] * bounds[5, i]
        best_s = s_lo
        best_score = score_lo
        best_cost = cost_lo
        # rho at the mode scales with w / c
        if bounds[3, i] * w[i] / c[i] > lam:
            k = kind[i]
            p1 = par[0, i]
            p2 = par[1, i]
            mean = par[2, i]
            mu = par[4, i]
            if dist.is_integer_kind(k):
                if lam >= cache[0, i] and lam < cache[1, i]:
                    r = cache[4, i]
                    score = cache[2, i]
                    cost = cache[3, i]
                else:
                    lo = bounds[2, i]
                    hi = bounds[1, i]
                    r, rho_below, rho_at = _root_int(
                        obj, inv, k, p1, p2, mean, q[i], mu, w[i], c[i], lam, lo, hi, warm[i]
                    )
                    score, cost = _score_cost(obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i])
                    warm[i] = r
                    # r stays the answer for lam in [rho(r), rho(r - 1)) (values the search
                    # evaluated are reused)
                    lam_min = 0.0
                    if r < hi:
                        lam_min = rho_at
                        if math.isnan(lam_min):
                            lam_min = _rho_int(obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i])
                    lam_max = math.inf
                    if r - 1.0 > lo:
                        lam_max = rho_below
                        if math.isnan(lam_max):
                            lam_max = _rho_int(
                                obj, inv, k, p1, p2, mean, r - 1.0, q[i], mu, w[i], c[i]
                            )
                    cache[0, i] = lam_min
                    cache[1, i] = lam_max
                    cache[2, i] = score
                    cache[3, i] = cost
                    cache[4, i] = r
            else:
                r, dlog = _root_cont(
                    obj,
                    inv,
                    k,
                    p1,
                    p2,
                    mean,
                    par[3, i],
                    q[i],
                    mu,
                    w[i],
                    c[i],
                    lam,
                    bounds[2, i],
                    bounds[1, i],
                    warm[i],
                )
                score = math.nan
                cost = math.nan
                if math.isfinite(r):
                    warm[i] = r
                    score, cost = _score_cost(obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i])
            if math.isfinite(r) and score - lam * cost > score_lo - lam * cost_lo:
                best_s = r
                best_score = score
                best_cost = cost
                if not dist.is_integer_kind(k) and r < bounds[1, i]:
                    # rho(r) = lam: dr/dlog(lam) = 1 / (dlog rho / ds), dK = K'(r) dr
                    kp = c[i]
                    if inv == ON_HAND:
                        kp = c[i] * _beta_short(k, p1, p2, mean, r, q[i])[0]
                    if dlog < 0.0:
                        dcost_out[i] = kp / dlog
        s_out[i] = best_s
        score_out[i] = best_score
        cost_out[i] = best_cost


#: below this many SKUs the kernels run on one thread (waking threads costs more)
_SERIAL_BELOW = 20_000
_prepare_serial = kernel(_prepare_kernel_py)
_prepare_parallel = parallel_kernel(_prepare_kernel_py)
_pass_serial = kernel(_pass_kernel_py)
_pass_parallel = parallel_kernel(_pass_kernel_py)


def _pick(n, serial, parallel):
    return serial if n < _SERIAL_BELOW else parallel


@kernel
def _greedy(order, d_score, d_cost, room, budget_mode, need):
    """Take upgrades in the given order (best ratio first).

    Budget mode: every upgrade that still fits into ``room`` (later, cheaper ones may fill
    a gap). Target mode: upgrades until the score gain reaches ``need``.
    Returns the boolean mask of upgrades taken and the index (into order) of the first
    upgrade left out, -1 if none.
    """
    take = np.zeros(order.shape[0], dtype=np.bool_)
    first_left = -1
    gained = 0.0
    for j in range(order.shape[0]):
        k = order[j]
        if budget_mode:
            if d_cost[k] <= room:
                take[k] = True
                room -= d_cost[k]
            elif first_left < 0:
                first_left = j
        else:
            if gained >= need:
                if first_left < 0:
                    first_left = j
                break
            take[k] = True
            gained += d_score[k]
    return take, first_left


# ---------------------------------------------------------------------------------------------
# Python layer


@dataclasses.dataclass
class PortfolioResult:
    """Result of :func:`optimize_portfolio`.

    Attributes
    ----------
    skus : pandas.DataFrame
        One row per input row, same order and index: the input columns, then
        ``reorder_point``, ``safety_stock``, every service level, ``investment`` (the value
        of the SKU's stock that the budget counts [currency]), ``lead_time_distribution``,
        ``status`` and ``message``.
    summary : dict
        Portfolio figures; see :func:`optimize_portfolio`.
    """

    skus: pd.DataFrame
    summary: dict

    def __repr__(self) -> str:
        lines = [f"PortfolioResult: {len(self.skus)} SKUs"]
        for key, value in self.summary.items():
            lines.append(f"  {key}: {value}")
        return "\n".join(lines)


class _Prepared:
    """Validated, fitted arrays of a portfolio, reusable for several budgets or targets."""

    def __init__(
        self,
        df,
        *,
        objective,
        investment,
        unit_cost,
        floor,
        ceiling,
        weight,
        min_reorder_point,
        distribution,
        lead_time_std,
        columns,
    ):
        if not isinstance(df, pd.DataFrame):
            raise frame.InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
        obj_name = str(objective).strip().lower()
        if obj_name not in OBJECTIVES:
            raise frame.InputError(
                f"objective must be one of {sorted(set(OBJECTIVES))}, not {objective!r}"
            )
        inv_name = str(investment).strip().lower()
        if inv_name not in INVESTMENTS:
            raise frame.InputError(
                f"investment must be 'safety_stock' or 'on_hand', not {investment!r}"
            )
        self.obj = OBJECTIVES[obj_name]
        self.inv = INVESTMENTS[inv_name]
        self.objective = ("fill_rate", "gamma", "backorder_value")[self.obj]
        self.investment = ("safety_stock", "on_hand")[self.inv]
        # floors and ceilings bound the fill rate, or gamma when gamma is the objective
        self.service = metrics.GAMMA if self.obj == GAMMA else metrics.BETA
        self.df = df
        required = [n for n, (_, op, _) in frame.INPUT_COLUMNS.items() if op]
        found = frame._resolve_columns(df, columns, required)
        n = len(df)
        self.n = n
        raw = {name: df[col] for name, col in found.items()}
        numbers = {}
        text_mask = np.zeros(n, dtype=bool)
        text_field = np.full(n, "", dtype=object)

        def numeric(name, series):
            values, text = frame._numeric(series)
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask[:] |= text
            return values

        for name in ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]:
            if name in raw:
                numbers[name] = numeric(name, raw[name])
            else:
                numbers[name] = np.full(n, float(lead_time_std))
        if "lead_time_std" in raw:
            numbers["lead_time_std"] = np.where(
                np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
            )
        extra = {}
        for name, spec, default in (
            ("unit_cost", unit_cost, None),
            ("service_floor", floor, 0.0),
            ("service_ceiling", ceiling, 1.0),
            ("weight", weight, None),
        ):
            if isinstance(spec, str):
                if spec in df.columns:
                    raw[name] = df[spec]
                    values = numeric(name, df[spec])
                    if default is not None:
                        values = np.where(np.isnan(values) & ~text_mask, default, values)
                    extra[name] = values
                elif name == "unit_cost":
                    raise frame.InputError(
                        f"missing column {spec!r} (the value of one unit of stock); add it, "
                        "name another column with unit_cost='your_column', or give one "
                        "number for every SKU, e.g. unit_cost=1.0"
                    )
                elif spec == name:
                    extra[name] = None  # optional column under its default name: absent
                else:
                    raise frame.InputError(f"column {spec!r} (given as {name}) is not in the input")
            elif spec is None:
                extra[name] = None
            else:
                extra[name] = np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()
        if extra["service_floor"] is None:
            extra["service_floor"] = np.zeros(n)
        if extra["service_ceiling"] is None:
            extra["service_ceiling"] = np.ones(n)

        dcodes = distribution_codes(
            raw["distribution"] if "distribution" in raw else distribution, default=distribution
        )
        dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
        status, field = validate(
            demand_mean=numbers["demand_mean"],
            demand_std=numbers["demand_std"],
            lead_time=numbers["lead_time"],
            lead_time_std=numbers["lead_time_std"],
            order_quantity=numbers["order_quantity"],
            distribution=dcodes,
        )
        status[text_mask] = NOT_A_NUMBER
        field[text_mask] = text_field[text_mask]
        # the portfolio's own columns
        custom = np.full(n, "", dtype=object)
        # periodic-review and history rows: not computed here (whatever their values)
        unsupported, about, why = unsupported_rows(
            n,
            raw["distribution"] if "distribution" in raw else distribution,
            distribution,
            raw.get("policy"),
            "optimize_portfolio",
        )
        out = unsupported != OK
        status[out] = unsupported[out]
        field[out] = about[out]
        custom[out] = why[out]

        def flag(mask, code, name, text):
            mask = mask & (status == OK)
            status[mask] = code
            field[mask] = name
            custom[mask] = text

        cost = extra["unit_cost"]
        flag(np.isnan(cost), MISSING, "unit_cost", "unit_cost is missing; fill it in")
        flag(np.isinf(cost), NOT_FINITE, "unit_cost", "unit_cost must be a finite number")
        flag(cost <= 0, NEGATIVE, "unit_cost", "unit_cost must be > 0 [currency per unit]")
        lo, hi = extra["service_floor"], extra["service_ceiling"]
        flag(
            ~((lo >= 0) & (lo < 1)), BAD_TARGET, "service_floor", "service_floor must lie in [0, 1)"
        )
        flag(
            ~((hi > 0) & (hi <= 1)),
            BAD_TARGET,
            "service_ceiling",
            "service_ceiling must lie in (0, 1]",
        )
        flag(
            lo > hi,
            BAD_TARGET,
            "service_ceiling",
            "service_ceiling must not be below service_floor",
        )
        if extra["weight"] is not None:
            wt = extra["weight"]
            flag(
                ~np.isfinite(wt) | (wt < 0),
                NEGATIVE,
                "weight",
                "weight must be a finite number >= 0",
            )
        self.numbers = numbers
        self.dcodes = dcodes
        self.unit_cost = np.where(status == OK, cost, 1.0)
        self.floor = np.where(status == OK, lo, 0.0)
        self.ceiling = np.where(status == OK, hi, 1.0)
        # kernel inputs read-only whatever their source: one compiled specialisation
        self.q = readonly(numbers["order_quantity"])

        min_s = -math.inf if min_reorder_point is None else float(min_reorder_point)
        if math.isnan(min_s):
            raise frame.InputError("min_reorder_point must be a number or None")
        self.min_reorder_point = min_s
        kind = np.full(n, -1, dtype=np.int8)
        par = np.full((5, n), np.nan)
        bounds = np.full((6, n), np.nan)
        _pick(n, _prepare_serial, _prepare_parallel)(
            self.obj,
            self.inv,
            self.service,
            readonly(dcodes),
            readonly(numbers["demand_mean"]),
            readonly(numbers["demand_std"]),
            readonly(numbers["lead_time"]),
            readonly(numbers["lead_time_std"]),
            self.q,
            readonly(self.floor),
            readonly(self.ceiling),
            min_s,
            status,
            kind,
            par,
            bounds,
        )
        self.status = status
        self.cache = np.empty((5, n))
        self.cache[0] = math.inf
        self.cache[1] = -math.inf
        self.kind = kind
        self.par = par
        self.bounds = bounds
        self.active = status == OK
        # weights: demand (or the weight column) normalised over the SKUs in the portfolio
        self.custom_weight = False
        if self.obj == BACKORDER_VALUE:
            w = self.unit_cost.copy()
        else:
            w = numbers["demand_mean"] if extra["weight"] is None else extra["weight"]
            self.custom_weight = extra["weight"] is not None
            w = np.where(self.active, w, 0.0)
            total = w.sum()
            w = w / total if total > 0 else w
        self.w = np.where(self.active, w, 0.0)
        self.c = self.unit_cost
        # messages: the frame's texts, the portfolio's own, and a note that the row is out
        message = frame._messages(status, field, raw)
        own = custom != ""
        message[own] = custom[own]
        bad = status != OK
        message[bad] = message[bad] + "; excluded from the portfolio (no budget spent on it)"
        self.message = message
        self.rows_excluded = int(bad.sum())

    # -- one pass over the SKUs at a multiplier
    def solve_at(self, lam, warm):
        n = self.n
        s = np.full(n, np.nan)
        score = np.zeros(n)
        cost = np.zeros(n)
        dcost = np.zeros(n)
        _pick(n, _pass_serial, _pass_parallel)(
            self.obj,
            self.inv,
            lam,
            self.active,
            self.kind,
            self.par,
            self.q,
            self.w,
            self.c,
            self.bounds,
            warm,
            self.cache,
            s,
            score,
            cost,
            dcost,
        )
        return s, score, cost, float(dcost.sum())

    def uniform(self, target):
        """Reorder points of a uniform service target (clipped to each SKU's floor/ceiling)."""
        n = self.n
        t = np.clip(np.full(n, float(target)), self.floor, self.ceiling)
        t = np.where(self.ceiling >= 1.0, np.minimum(t, np.nextafter(1.0, 0.0)), t)
        status = np.where(self.active, OK, 1).astype(np.uint8)
        n_ = self.numbers
        out, kind = batch.sq(
            True,
            self.dcodes,
            np.full(n, self.service, np.int8),
            t,
            n_["demand_mean"],
            n_["demand_std"],
            n_["lead_time"],
            n_["lead_time_std"],
            self.q,
            np.full(n, np.nan),
            status,
        )
        s = np.where(self.active, out[0], np.nan)
        failed = self.active & (status != OK)
        return s, failed


def _lambda_scale(prep):
    rho = prep.bounds[3] * prep.w / prep.c
    finite = prep.active & np.isfinite(rho) & (rho > 0)
    if finite.any():
        return float(rho[finite].max()) * (1.0 + 1e-12)
    return 1.0


def _solve(prep: _Prepared, budget=None, target=None, lam0=None):
    """Outer search on the multiplier, then the greedy completion. Returns a dict."""
    budget_mode = budget is not None
    active = prep.active
    warm = np.where(active, prep.bounds[2], np.nan)
    passes = 0

    def run(lam):
        nonlocal passes
        passes += 1
        s, score, cost, dcost = prep.solve_at(lam, warm)
        return dict(
            lam=lam,
            s=s,
            score=score,
            cost=cost,
            total_score=float(score.sum()),
            total_cost=float(cost.sum()),
            dcost=dcost,
        )

    def feasible(sol):
        if budget_mode:
            return sol["total_cost"] <= budget
        return sol["total_score"] >= target

    info = {"feasible": True, "binding": True, "message": ""}
    lo_s = np.where(active, prep.bounds[0], np.nan)
    base_score, base_cost = prep.w * prep.bounds[4], prep.c * prep.bounds[5]
    base: dict[str, Any] = dict(
        lam=math.inf,
        s=lo_s,
        score=np.where(active, base_score, 0.0),
        cost=np.where(active, base_cost, 0.0),
    )
    base["total_score"] = float(base["score"].sum())
    base["total_cost"] = float(base["cost"].sum())
    if not active.any():
        info.update(feasible=False, message="no SKU can be optimised (every row is flagged)")
        return base, None, None, info, passes
    # a plan with every SKU at its floor: the least stock the portfolio can hold
    if budget_mode and base["total_cost"] > budget:
        info.update(
            feasible=False,
            message=(
                f"the budget {budget:.6g} is below the least investment {base['total_cost']:.6g} "
                "(every SKU at its floor); every SKU is left at its floor"
            ),
        )
        return base, None, None, info, passes
    if not budget_mode and base["total_score"] >= target:
        info.update(binding=False, message="the floors alone reach the target")
        return base, None, None, info, passes

    def slack(sol):
        if budget_mode:
            return budget - sol["total_cost"]  # >= 0 on the big side
        return sol["total_score"] - target  # >= 0 on the small side

    scale = abs(budget) if budget_mode else abs(target)
    # aim at half the stopping tolerance inside the feasible side, so that a step landing
    # on the root stops the search instead of overshooting by a rounding
    aim = 0.5 * _SLACK_REL_TOL * scale

    def predict(last, prev):
        """log(lambda) where the slack reaches ``aim``: secant through the last two passes
        (it sees the jumps, which Newton does not), else Newton with the continuous SKUs'
        slope; NaN when neither is available."""
        xl = math.log(last["lam"])
        if prev is not None and slack(prev) != slack(last):
            xp = math.log(prev["lam"])
            return xl - (slack(last) - aim) * (xl - xp) / (slack(last) - slack(prev))
        slope = -last["dcost"] if budget_mode else last["lam"] * last["dcost"]
        if slope != 0.0 and math.isfinite(slope):
            return xl - (slack(last) - aim) / slope
        return math.nan

    lam = _lambda_scale(prep) if lam0 is None else lam0
    first = run(lam)
    big = small = None  # big lambda: less stock; small lambda: more stock
    if budget_mode == feasible(first):
        big = first
    else:
        small = first
    # expand by factors of 1000, or, from a hint, by Newton / secant steps past the
    # predicted root (falling back to factors growing from 1.05, squared each time), so
    # that the first passes stay near the answer
    factor = 1e3 if lam0 is None else 1.05
    # Newton sees only the continuous SKUs' slope, not the jumps, and overshoots: its
    # steps are capped at a factor 1.5 at first, the cap squared after each pass
    cap = math.log(1.5)
    last, prev = first, None
    for _ in range(200):
        if big is not None and small is not None:
            break
        up = big is None  # every pass so far on the side of too small a multiplier
        step = math.nan
        if lam0 is not None:
            d = predict(last, prev) - math.log(last["lam"])
            if math.isfinite(d) and (d > 0.0) == up and d != 0.0:
                # overshoot by a quarter (and by at least 0.1 %) to land past the root
                step = min(max(1.25 * abs(d), 1e-3), cap)
                cap = min(2.0 * cap, math.log(1e3))
        if math.isfinite(step):
            lam = last["lam"] * math.exp(step if up else -step)
        elif up:
            lam = last["lam"] * factor
            factor = min(factor * factor, 1e3)
        else:
            lam = last["lam"] / factor
            factor = min(factor * factor, 1e3)
        if lam < 1e-280 or not math.isfinite(lam):
            break
        sol = run(lam)
        prev, last = last, sol
        if budget_mode == feasible(sol):
            big = sol
        else:
            small = sol
    if big is None:  # budget mode only: every lambda over budget (cannot happen after base)
        info.update(feasible=False, message="no multiplier meets the budget")
        return base, None, None, info, passes
    if small is None:
        # even the smallest multiplier: the ceilings bind everywhere
        if budget_mode:
            info.update(
                binding=False, message=("the budget is not binding: every SKU is at its ceiling")
            )
            return big, None, None, info, passes
        info.update(
            feasible=False,
            message=(
                f"the target {target:.6g} is out of reach: with every SKU at its ceiling the "
                f"aggregate is {big['total_score']:.6g}"
            ),
        )
        return big, None, None, info, passes

    # Secant / Newton steps on log(lambda) against the constraint's slack, stepping past
    # the root when two passes in a row landed on the same side (so that the bracket
    # closes from both sides), with Illinois and bisection as safeguards; the slack is
    # nearly smooth for large portfolios.
    scale += float(np.abs(big["cost"] if budget_mode else big["score"]).sum())
    aim = 0.5 * _SLACK_REL_TOL * scale
    f_big, f_small = slack(big), slack(small)
    side = 0
    # the first step: a secant through the last two passes of the expansion
    sol, prev = last, prev
    widths: list[float] = []
    integer = np.isin(prep.kind, (dist.POISSON, dist.NEGBIN, dist.POINT_INT))
    s_floor = prep.bounds[0]
    for _ in range(_MAX_OUTER):
        if big["lam"] / small["lam"] - 1.0 <= _LAMBDA_REL_TOL:
            break
        done = big if budget_mode else small
        if 0.0 <= slack(done) <= _SLACK_REL_TOL * scale:
            break
        # one SKU's jump (integer step or the leap over the convex stretch of beta) left
        # between the two solutions: no multiplier can split it, the greedy step takes over
        d = (small["cost"] - big["cost"]) if budget_mode else (small["score"] - big["score"])
        # a jump: an integer step, or a leap between s_lo and the concave branch
        jump = integer | ((big["s"] == s_floor) != (small["s"] == s_floor))
        rest = float(d[~jump].sum())
        largest = 0.0
        if jump.any():
            largest = float(d[jump].max())
            rest += float(d[jump].sum()) - largest
        if rest <= _JUMP_REL_TOL * scale:
            break
        # ... or the rest is small beside the jump (the gap bound is of the order of one
        # SKU's step anyway, which the greedy completion settles)
        if rest <= _REST_OF_JUMP * largest:
            break
        # only tied jumps left (SKUs whose steps have the same benefit per unit of money,
        # e.g. identical SKUs): no multiplier separates them, the greedy step takes over.
        # (Continuous SKUs are left out: their chords all have nearly the same ratio.)
        # Only when every tied SKU moves by one integer step is the tie settled. Tied SKUs
        # that move several steps, or continuous SKUs that leap from their floor together,
        # land where the multiplier says: the bracket must close on the tie first, by
        # bisection (the slack is a step there, which the secant cannot use).
        moved = active & (small["s"] != big["s"])  # (inactive SKUs hold NaN)
        tied_leaps = False
        if moved.any() and jump[moved].all():
            dc = small["cost"][moved] - big["cost"][moved]
            ds = small["score"][moved] - big["score"][moved]
            if (dc > 0).all():
                ratio = ds / dc
                if ratio.max() <= ratio.min() * (1.0 + _TIE_REL_TOL):
                    one_step = small["s"][moved] - big["s"][moved] == 1.0
                    if integer[moved].all() and one_step.all():
                        break
                    tied_leaps = True
        a, b = math.log(small["lam"]), math.log(big["lam"])
        width = b - a
        last = sol
        x = predict(last, prev)
        overshoot = math.isfinite(x) and prev is not None and feasible(prev) == feasible(last)
        if overshoot:
            # approaching from one side: step as far past the prediction again
            x += x - math.log(last["lam"])
        if not (a < x < b):
            x = math.nan
            if f_big != f_small:
                x = b - f_big * (b - a) / (f_big - f_small)
            if not (a + 0.01 * width < x < b - 0.01 * width):
                x = 0.5 * (a + b)
        widths.append(width)
        if tied_leaps:
            x = 0.5 * (a + b)
        elif len(widths) >= 4 and width > 0.5 * widths[-4] and not overshoot:
            # the last three steps did not halve the bracket: bisect, and give the
            # secant three more steps from there
            x = 0.5 * (a + b)
            widths.clear()
        prev = last
        sol = run(math.exp(x))
        value = slack(sol)
        if budget_mode == feasible(sol):
            big, f_big = sol, value
            if side == 1:
                f_small *= 0.5
            side = 1
        else:
            small, f_small = sol, value
            if side == -1:
                f_big *= 0.5
            side = -1
    return big, small, run, info, passes


#: portfolios above this size start the outer search from a multiplier solved on a sample
_HINT_ABOVE = 100_000
_HINT_SAMPLE = 20_000


def _hint(prep, budget, target):
    """Multiplier of the same problem on a seeded sample of SKUs (a starting point only).

    The sample keeps the weights and costs; its budget (or target) is the sample's floor
    total plus its share of what the full problem has above its floor.
    """
    import copy

    idx = np.flatnonzero(prep.active)
    if idx.size <= _HINT_ABOVE:
        return None
    idx = np.sort(np.random.default_rng(0).choice(idx, _HINT_SAMPLE, replace=False))
    share = _HINT_SAMPLE / np.count_nonzero(prep.active)
    sub = copy.copy(prep)
    sub.n = idx.size
    sub.active = np.ones(idx.size, dtype=bool)
    sub.kind = prep.kind[idx]
    sub.par = prep.par[:, idx].copy()
    sub.q = prep.q[idx]
    sub.w = prep.w[idx]
    sub.c = prep.c[idx]
    sub.bounds = prep.bounds[:, idx].copy()
    sub.cache = prep.cache[:, idx].copy()
    if budget is not None:
        floor_full = float((prep.c * prep.bounds[5])[prep.active].sum())
        floor_sub = float((sub.c * sub.bounds[5]).sum())
        sub_budget, sub_target = floor_sub + (budget - floor_full) * share, None
    else:
        floor_full = float((prep.w * prep.bounds[4])[prep.active].sum())
        floor_sub = float((sub.w * sub.bounds[4]).sum())
        sub_budget, sub_target = None, floor_sub + (target - floor_full) * share
    big, small, _, info, passes = _solve(sub, sub_budget, sub_target)
    if small is None or not math.isfinite(big["lam"]):
        return None, passes
    return math.sqrt(big["lam"] * small["lam"]), passes


def _finish(prep, big, small, run, budget, target, info):
    """Greedy completion between the two bracket solutions and the duality bound."""
    budget_mode = budget is not None
    dual_at = []
    s = big["s"].copy()
    score = big["score"].copy()
    cost = big["cost"].copy()
    blocking = 0.0
    if small is not None:
        diff = np.flatnonzero(prep.active & (small["s"] != big["s"]))
        d_score = small["score"][diff] - big["score"][diff]
        d_cost = small["cost"][diff] - big["cost"][diff]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d_cost > 0, d_score / d_cost, np.inf)
        order = np.argsort(-ratio, kind="stable")
        if budget_mode:
            room = budget - float(cost.sum())
            need = 0.0
        else:
            room = 0.0
            need = target - float(score.sum())
        take, first_left = _greedy(order, d_score, d_cost, room, budget_mode, need)
        idx = diff[take]
        s[idx] = small["s"][idx]
        score[idx] = small["score"][idx]
        cost[idx] = small["cost"][idx]
        edge = -1
        if budget_mode and first_left >= 0:
            edge = order[first_left]
            blocking = float(d_score[edge])
        elif not budget_mode and take.any():
            # the last upgrade taken: the one that crossed the target
            edge = order[np.flatnonzero(take[order])[-1]]
            blocking = float(d_cost[edge])
        if edge >= 0 and math.isfinite(ratio[edge]) and small["lam"] < ratio[edge] < big["lam"]:
            # the multiplier of the LP relaxation: the ratio of the step at the edge
            dual_at.append(run(float(ratio[edge])))
    total_score = float(score.sum())
    total_cost = float(cost.sum())
    gap = 0.0
    if small is not None:
        bounds = []
        for sol in (big, small, *dual_at):
            lagr = sol["total_score"] - sol["lam"] * sol["total_cost"]
            if budget_mode:
                bounds.append(lagr + sol["lam"] * budget)
            else:
                bounds.append((target - lagr) / sol["lam"])
        if budget_mode:
            gap = max(min(bounds) - total_score, 0.0)
        else:
            gap = max(total_cost - max(bounds), 0.0)
    info["blocking_step"] = blocking
    info["edge_sku"] = int(diff[edge]) if small is not None and edge >= 0 else -1
    info["score"] = score
    info["cost"] = cost
    return s, total_score, total_cost, gap, big["lam"]


def _repair(prep, s, total_score, total_cost, gap, budget, info, passes, lam):
    """Spend what the greedy step left: fix the SKU whose step did not fit, re-solve the rest.

    Up to ``_REPAIR_ROUNDS`` rounds, each kept only if it improves the objective. The
    duality bound of the first solve stays valid for the whole problem, so the gap is
    recomputed against it.
    """
    upper = total_score + gap
    score, cost = info["score"].copy(), info["cost"].copy()
    active = prep.active
    fixed = np.zeros(prep.n, dtype=bool)
    try:
        for _ in range(_REPAIR_ROUNDS):
            j = info.get("edge_sku", -1)
            if j < 0 or budget - total_cost <= _SLACK_REL_TOL * (abs(budget) + 1.0):
                break
            if upper - total_score <= _REPAIR_GAP * (abs(total_score) + 1.0):
                break
            fixed[j] = True
            prep.active = active & ~fixed
            if not prep.active.any():
                break
            fixed_cost = float(cost[fixed].sum())
            fixed_score = float(score[fixed].sum())
            big, small, run, info2, p2 = _solve(prep, budget - fixed_cost, None, lam0=lam)
            passes += p2
            if not info2["feasible"]:
                break
            s2, sc2, co2, _, _ = _finish(prep, big, small, run, budget - fixed_cost, None, info2)
            if sc2 + fixed_score <= total_score or co2 + fixed_cost > budget:
                break
            s2[fixed] = s[fixed]
            s = s2
            info2["score"][fixed] = score[fixed]
            info2["cost"][fixed] = cost[fixed]
            score, cost = info2["score"], info2["cost"]
            total_score, total_cost = sc2 + fixed_score, co2 + fixed_cost
            info["blocking_step"] = info2["blocking_step"]
            info["edge_sku"] = info2["edge_sku"]
    finally:
        prep.active = active
    return s, total_score, total_cost, max(upper - total_score, 0.0), passes


def _aggregates(prep, out):
    """Demand-weighted aggregate fill rate and gamma, and the value of backorders."""
    act = prep.active
    mu = prep.numbers["demand_mean"][act]
    total = mu.sum()
    fill = float((mu * out[3, act]).sum() / total) if total > 0 else math.nan
    gamma = float(1.0 - (out[6, act]).sum() / total) if total > 0 else math.nan
    backorder_value = float((prep.c[act] * out[6, act]).sum())
    ss_value = float((prep.c[act] * out[1, act]).sum())
    oh_value = float((prep.c[act] * out[7, act]).sum())
    return fill, gamma, backorder_value, ss_value, oh_value


#: the uniform-target safeguard runs when the duality gap exceeds this (aggregate service,
#: or relative investment in the inverse mode): a few SKUs' leaps, not rounding; and only
#: up to this many SKUs (80 uniform solves; one SKU's step is tiny in larger portfolios)
_UNIFORM_CHECK_GAP = 1e-4
_UNIFORM_CHECK_MAX_SKUS = 200_000


def _evaluate_at(prep, s, status):
    """Every metric (batch.OUTPUTS rows) and the fitted kinds at reorder points s."""
    n_ = prep.numbers
    return batch.sq(
        False,
        prep.dcodes,
        np.zeros(prep.n, np.int8),
        np.full(prep.n, np.nan),
        n_["demand_mean"],
        n_["demand_std"],
        n_["lead_time"],
        n_["lead_time_std"],
        prep.q,
        np.where(prep.active, s, np.nan),
        status,
    )


def _uniform_point(prep, t):
    """Reorder points of the uniform target t, their aggregate service and investment."""
    s, failed = prep.uniform(t)
    if failed.any():
        return s, math.nan, math.nan
    # within each SKU's allowed range (min_reorder_point, service floor and ceiling)
    s = np.where(prep.active, np.clip(s, prep.bounds[0], prep.bounds[1]), np.nan)
    out, _ = _evaluate_at(prep, s, np.where(prep.active, OK, 1).astype(np.uint8))
    fill, gamma, _, ss_value, oh_value = _aggregates(prep, out)
    service = fill if prep.obj == FILL_RATE else gamma
    return s, service, ss_value if prep.inv == SAFETY_STOCK else oh_value


def _bisect_uniform(prep, ok, ok_low):
    """The uniform point (s, service, investment) at the boundary of ``ok`` found by
    bisection on the target in (1e-9, 1 - 1e-12), 40 steps: the last point that is ok.
    ``ok_low``: ok holds below the boundary (a budget), else above it (an aggregate)."""
    lo, hi = 1e-9, 1.0 - 1e-12
    best = _uniform_point(prep, lo if ok_low else hi)
    if not ok(best):
        return None
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        point = _uniform_point(prep, mid)
        if ok(point):
            best = point
        if ok(point) == ok_low:
            lo = mid
        else:
            hi = mid
    return best


def _uniform_safeguard(prep, s, service, invested, gap, budget, target):
    """The better of the answer and the best uniform target with the same budget (or
    reaching the same aggregate), when the duality gap leaves room for it.

    Near a non-concave stretch (a fill rate's leap from the floor) the multiplier plus greedy
    completion can leave whole SKUs at their floor where an equal level for all SKUs does
    better, most visibly for a few hundred identical SKUs. The uniform target is found by
    bisection (40 evaluations). Returns (s, replaced).
    """
    if prep.obj == BACKORDER_VALUE or prep.custom_weight or not prep.active.any():
        return s, False
    if prep.active.sum() > _UNIFORM_CHECK_MAX_SKUS:
        return s, False
    if budget is not None:
        if not gap > _UNIFORM_CHECK_GAP:
            return s, False
        ok = lambda point: point[2] <= budget  # noqa: E731
    else:
        if not gap > _UNIFORM_CHECK_GAP * max(abs(invested), 1.0):
            return s, False
        ok = lambda point: point[1] >= target  # noqa: E731
    # the largest uniform target within the budget, or the smallest reaching the aggregate
    best = _bisect_uniform(prep, ok, ok_low=budget is not None)
    if best is None:
        return s, False
    better = best[1] > service if budget is not None else best[2] < invested
    if not better:
        return s, False
    return best[0], True


def _frame(prep, s):
    """Per-SKU output frame at reorder points s, through the batch evaluation kernel."""
    status = prep.status.copy()
    out, kind = _evaluate_at(prep, s, np.where(prep.active, OK, status).astype(np.uint8))
    zero = status == ZERO_DEMAND
    out[0, zero] = 0.0
    out[1, zero] = 0.0
    result = prep.df.copy(deep=False)
    for i, name in enumerate(batch.OUTPUTS):
        result[name] = out[i]
    invest = out[1] if prep.inv == SAFETY_STOCK else out[7]
    result["investment"] = np.where(prep.active, prep.c * invest, np.where(zero, 0.0, np.nan))
    result["lead_time_distribution"] = frame.kind_column(kind)
    result["status"] = frame.status_column(status)
    result["message"] = pd.Series(prep.message, index=prep.df.index, dtype=object)
    return result, out


def _run(prep, budget=None, aggregate_target=None):
    if (budget is None) == (aggregate_target is None):
        raise frame.InputError("give exactly one of budget= or aggregate_target=")
    target_score = None
    if aggregate_target is not None:
        aggregate_target = float(aggregate_target)
        if prep.obj == BACKORDER_VALUE:
            if not aggregate_target >= 0:
                raise frame.InputError("aggregate_target (a value of backorders) must be >= 0")
            target_score = -aggregate_target
        else:
            if not aggregate_target < 1.0 or not math.isfinite(aggregate_target):
                raise frame.InputError(
                    "aggregate_target must be below 1 (an aggregate service level, e.g. 0.95)"
                )
            target_score = aggregate_target
    else:
        budget = float(budget)
        if not math.isfinite(budget):
            raise frame.InputError("budget must be a finite number [currency]")
    hint = _hint(prep, budget, target_score)
    lam0, hint_passes = hint if hint is not None else (None, 0)
    big, small, run, info, passes = _solve(prep, budget, target_score, lam0=lam0)
    s, total_score, total_cost, gap, lam = _finish(
        prep, big, small, run, budget, target_score, info
    )
    if budget is not None and small is not None:
        s, total_score, total_cost, gap, passes = _repair(
            prep, s, total_score, total_cost, gap, budget, info, passes, lam
        )
    result, out = _frame(prep, s)
    fill, gamma, backorder_value, ss_value, oh_value = _aggregates(prep, out)
    aggregate = {FILL_RATE: fill, GAMMA: gamma, BACKORDER_VALUE: backorder_value}[prep.obj]
    invested = ss_value if prep.inv == SAFETY_STOCK else oh_value
    s_uniform, replaced = _uniform_safeguard(
        prep, s, aggregate, invested, gap, budget, target_score
    )
    if replaced:
        # the duality bound stays valid: re-state the gap against the better answer
        upper = aggregate + gap if budget is not None else invested - gap
        s = s_uniform
        result, out = _frame(prep, s)
        fill, gamma, backorder_value, ss_value, oh_value = _aggregates(prep, out)
        aggregate = {FILL_RATE: fill, GAMMA: gamma}[prep.obj]
        invested = ss_value if prep.inv == SAFETY_STOCK else oh_value
        gap = max(upper - aggregate, 0.0) if budget is not None else max(invested - upper, 0.0)
        info["message"] = (
            "a uniform service target beat the multiplier's allocation (few or identical "
            "SKUs around a fill rate's leap from the floor) and is returned"
        )
    if prep.obj == BACKORDER_VALUE and budget is not None:
        gap_text = f"{gap:.3g} [currency of backorders]"
    elif budget is not None:
        gap_text = f"{gap:.3g} [aggregate {prep.objective}]"
    else:
        gap_text = f"{gap:.3g} [currency of {prep.investment}]"
    summary = {
        "mode": "budget" if budget is not None else "aggregate_target",
        "objective": prep.objective,
        "investment": prep.investment,
        "budget": budget if budget is not None else math.nan,
        "aggregate_target": aggregate_target if aggregate_target is not None else math.nan,
        "investment_used": invested,
        "aggregate_service": aggregate,
        "aggregate_fill_rate": fill,
        "aggregate_gamma": gamma,
        "backorder_value": backorder_value,
        "safety_stock_value": ss_value,
        "on_hand_value": oh_value,
        "multiplier": lam if math.isfinite(lam) else math.nan,
        "gap_bound": gap,
        "gap_bound_text": (
            f"the true optimum is at most {gap_text} better (duality bound; at most one "
            "SKU's next step)"
        ),
        "blocking_step": info["blocking_step"],
        "feasible": info["feasible"],
        "binding": info["binding"],
        "skus": int(prep.active.sum()),
        "rows_excluded": prep.rows_excluded,
        "passes": passes,
        "message": info["message"],
    }
    return PortfolioResult(result, summary)


def optimize_portfolio(
    df: pd.DataFrame,
    budget: float | None = None,
    *,
    aggregate_target: float | None = None,
    objective: str = "fill_rate",
    investment: str = "safety_stock",
    unit_cost="unit_cost",
    service_floor="service_floor",
    service_ceiling="service_ceiling",
    weight=None,
    min_reorder_point: float | None = 0.0,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
) -> PortfolioResult:
    """Reorder points of a whole (s, Q) portfolio: best aggregate service for a budget.

    Budget mode (``budget=``) maximises the aggregate service level subject to the value of
    stock being at most ``budget``; target mode (``aggregate_target=``) reaches the aggregate
    service target at the least value of stock.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU, as for :func:`invsl.optimize` (``demand_mean``, ``demand_std``
        [units/period], ``lead_time`` [periods], ``order_quantity`` [units], optional
        ``distribution``, ``lead_time_std``), plus ``unit_cost`` [currency/unit] and
        optionally ``service_floor`` and ``service_ceiling`` (per-SKU bounds on the fill
        rate, or on gamma when gamma is the objective; empty cells: no bound).
    budget : float, optional
        Largest total value of stock [currency]: sum of unit_cost * safety_stock (may be
        negative for SKUs whose reorder point is below the mean lead-time demand) or of
        unit_cost * expected_on_hand.
    aggregate_target : float, optional
        Aggregate service to reach (fill rate or gamma in (0, 1)); with
        ``objective="backorder_value"`` the largest value of expected backorders [currency].
    objective : {"fill_rate", "gamma", "backorder_value"}
        ``fill_rate`` (alias ``beta``): the demand-weighted aggregate fill rate
        sum(mu_i beta_i) / sum(mu_i), the share of all demand served from stock.
        ``gamma``: 1 - sum(E[B_i]) / sum(mu_i). ``backorder_value``: minimise
        sum(unit_cost_i E[B_i]).
    investment : {"safety_stock", "on_hand"}
        What the budget counts: the value of safety stock (default) or of the expected
        on-hand stock.
    unit_cost : str or float
        Column with the value of one unit [currency/unit] (default ``"unit_cost"``), or one
        number for every SKU.
    service_floor, service_ceiling : str or float
        Columns (used when present) or numbers bounding each SKU's service level. A floor
        is reached exactly; with integer demand a ceiling caps the reorder point at the
        smallest one reaching the ceiling (so the service may exceed it by one step).
    weight : str, optional
        Column of weights replacing ``demand_mean`` in the aggregate (fill rate and gamma).
    min_reorder_point : float or None, optional
        Lowest reorder point any SKU may get [units], default 0 (integer demand: rounded
        up). ``None`` lets a SKU go down to the point where its service is practically zero,
        ``max(a, E[X] - 10 sd(X)) - Q`` (a = 0 for non-negative demand, -inf for normal),
        which frees the value of negative safety stock for other SKUs.
    distribution, lead_time_std, columns
        As for :func:`invsl.optimize`.

    Returns
    -------
    PortfolioResult
        ``.skus``: the input rows (same order and index) with ``reorder_point``,
        ``safety_stock``, ``alpha``, ``beta``, ``gamma``, ``ready_rate``,
        ``expected_backorders``, ``expected_on_hand``, ``investment`` [currency],
        ``lead_time_distribution``, ``status`` and ``message``. Flagged rows are left out of
        the portfolio (no budget, no weight) and say so in ``message``.
        ``.summary`` (dict): ``investment_used`` [currency], ``aggregate_service`` (of the
        objective), ``aggregate_fill_rate``, ``aggregate_gamma``, ``backorder_value``,
        ``safety_stock_value``, ``on_hand_value``, ``multiplier`` (lambda [service per
        currency]), ``gap_bound`` (how much better the true optimum can be: aggregate service
        in budget mode, currency in target mode), ``blocking_step``, ``feasible``,
        ``binding``, ``skus``, ``rows_excluded``, ``passes``, ``message``.

    Notes
    -----
    With weights w_i and stock values K_i the problem ``max sum w_i m_i(s_i)`` subject to
    ``sum K_i(s_i) <= budget`` is separable. For a multiplier lambda each SKU maximises
    ``w_i m_i(s) - lambda K_i(s)``; the marginal ratio rho_i(s) = w_i m_i'(s) / K_i'(s)
    (integer demand: forward differences) first rises, then falls (the fill rate is
    S-shaped in s under a safety-stock budget; in the other cases rho only falls), so the
    SKU's best s is either its floor or the end of the stretch where rho >= lambda: both are
    compared, which is the upper concave envelope of Fox's marginal analysis. Bisection
    on lambda meets the budget; the SKUs whose choice differs between the two final
    multipliers are then added best ratio first while they fit. Because of integer steps
    and the jump over the convex stretch of the fill rate, a duality gap remains:
    ``gap_bound`` is computed by weak duality, ``min over lambda of sum_i max_s (w_i m_i -
    lambda K_i) + lambda budget - achieved``, and is no more than the gain of one SKU's
    next step (``blocking_step``).

    References: Fox (1966), Discrete optimization via marginal analysis, Management Science
    13(3); Everett (1963), Generalized Lagrange multiplier method, Operations Research 11(3).

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [100.0, 5.0], "demand_std": [30.0, 4.0],
    ...                    "lead_time": [2.0, 2.0], "order_quantity": [300.0, 10.0],
    ...                    "unit_cost": [1.0, 50.0]})
    >>> res = invsl.optimize_portfolio(df, budget=100.0)
    >>> res.summary["investment_used"] <= 100.0
    True
    """
    prep = _Prepared(
        df,
        objective=objective,
        investment=investment,
        unit_cost=unit_cost,
        floor=service_floor,
        ceiling=service_ceiling,
        weight=weight,
        min_reorder_point=min_reorder_point,
        distribution=distribution,
        lead_time_std=lead_time_std,
        columns=columns,
    )
    return _run(prep, budget=budget, aggregate_target=aggregate_target)
