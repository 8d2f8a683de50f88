"""Per-SKU scalar functions of the portfolio: service, stock value and marginal ratios of
one (s, Q) SKU, and the roots of the ratio that the kernels over SKUs look for."""

from __future__ import annotations

import math

from invsl.kernels import metrics
from invsl.scalar import distributions as dist
from invsl.scalar.jit import scalar
from invsl.vocabulary import (
    DEMAND_GAMMA,
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POINT,
    DEMAND_POINT_INT,
    DEMAND_POISSON,
    INVESTMENT_SAFETY_STOCK,
    OBJECTIVE_FILL_RATE,
    OBJECTIVE_GAMMA,
)

#: tolerance of the continuous per-SKU root, in units of max(1, sd(X))
_ROOT_TOL = 1e-10
_MAX_ITER = 400
#: ... a Newton step shorter than this (same units) is the last one
_NEWTON_LAST = 1e-6


@scalar
def fill_rate_and_shortfall(kind, p1, p2, mean, s, q):
    """(beta, 1 - beta) of (s, Q) at s, each without cancellation (fast tails)."""
    if dist.is_integer_kind(kind):
        net = s + 0.5 * (q + 1.0) - mean
    else:
        net = s + 0.5 * q - mean
    if net < 0.0:
        h1a, _ = dist.lower(kind, p1, p2, mean, s)
        h1b, _ = dist.lower(kind, p1, p2, mean, s + q)
        b = min(max((h1b - h1a) / q, 0.0), 1.0)
        if kind != DEMAND_NORMAL and s + q <= 0.0:
            b = 0.0
        return b, 1.0 - b
    _, g1a, _ = dist.tail(kind, p1, p2, mean, s, False)
    _, g1b, _ = dist.tail(kind, p1, p2, mean, s + q, False)
    short = min(max((g1a - g1b) / q, 0.0), 1.0)
    return 1.0 - short, short


#: integer windows of up to this many values are summed term by term
_WINDOW_SUM_MAX = 32


@scalar
def window_probability(kind, p1, p2, mean, s, q):
    """P(s < X <= s + Q), from whichever tail avoids cancellation.

    Poisson and negative binomial X (success probability <= 0.999) with
    Q <= _WINDOW_SUM_MAX: the sum of the Q point probabilities, the first from its accurate
    form and the rest by the ratio recurrence p(k + 1) / p(k) = lam / (k + 1), resp.
    (k + r) (1 - p) / (k + 1): positive terms, no cancellation, and one special-function
    call instead of two.
    """
    summable = kind == DEMAND_POISSON or (kind == DEMAND_NEGBIN and p2 <= 0.999)
    if summable and q <= _WINDOW_SUM_MAX:  # (near p = 1, 1 - p would lose digits)
        k = max(s + 1.0, 0.0)
        top = s + q
        if k > top:
            return 0.0
        p = dist.density(kind, p1, p2, k)
        total = p
        while k < top:
            if kind == DEMAND_POISSON:
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
def score_and_cost(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """(w * m(s), K(s)): weighted objective term and value of stock of one SKU at s."""
    if obj == OBJECTIVE_FILL_RATE and inv == INVESTMENT_SAFETY_STOCK:
        # the common case needs the fill rate only (fast tails, no cancellation)
        b, _ = fill_rate_and_shortfall(kind, p1, p2, mean, s, q)
        return w * b, c * (s - mean)
    _, b, g, _, eb, oh = metrics.sq_metrics(kind, p1, p2, mean, s, q, mu)
    if obj == OBJECTIVE_FILL_RATE:
        score = w * b
    elif obj == OBJECTIVE_GAMMA:
        score = w * g
    else:
        score = -w * eb
    if inv == INVESTMENT_SAFETY_STOCK:
        cost = c * (s - mean)
    else:
        cost = c * oh
    return score, cost


@scalar
def marginal_ratio_continuous(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """Marginal benefit per unit of money rho = w m'(s) / K'(s) and d log(rho) / ds.

    Continuous X. m' for beta is (F(s+Q) - F(s)) / Q, for gamma (1 - beta) / mu, for the
    negative backorders 1 - beta; K' is c (safety stock) or c * beta (on hand).
    rho is +inf where K' = 0 (stock that costs nothing at the margin).
    """
    db = window_probability(kind, p1, p2, mean, s, q) / q
    d2b = (dist.density(kind, p1, p2, s + q) - dist.density(kind, p1, p2, s)) / q
    if obj == OBJECTIVE_FILL_RATE and inv == INVESTMENT_SAFETY_STOCK:
        # the common case: rho = w (F(s+Q) - F(s)) / (Q c), no fill rate needed
        rho = w * db / c
        if db > 0.0:
            return rho, d2b / db
        return rho, math.nan
    b, short = fill_rate_and_shortfall(kind, p1, p2, mean, s, q)
    if obj == OBJECTIVE_FILL_RATE:
        m1 = db
        m2 = d2b
    elif obj == OBJECTIVE_GAMMA:
        m1 = short / mu
        m2 = -db / mu
    else:
        m1 = short
        m2 = -db
    if inv == INVESTMENT_SAFETY_STOCK:
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
def marginal_ratio_integer(obj, inv, kind, p1, p2, mean, s, q, mu, w, c):
    """rho(s) = w (m(s+1) - m(s)) / (K(s+1) - K(s)) for integer X (forward differences).

    beta: P(s < X <= s+Q) / Q; gamma: (1 - beta(s+1)) / mu; negative backorders:
    1 - beta(s+1); K: c (safety stock) or c * beta(s+1) (on hand).
    """
    if obj == OBJECTIVE_FILL_RATE:
        m1 = window_probability(kind, p1, p2, mean, s, q) / q
        if inv == INVESTMENT_SAFETY_STOCK:
            return w * m1 / c
        b1, _ = fill_rate_and_shortfall(kind, p1, p2, mean, s + 1.0, q)
    else:
        b1, short1 = fill_rate_and_shortfall(kind, p1, p2, mean, s + 1.0, q)
        m1 = short1 / mu if obj == OBJECTIVE_GAMMA else short1
        if inv == INVESTMENT_SAFETY_STOCK:
            return w * m1 / c
    k1 = c * b1
    if k1 <= 0.0:
        return math.inf
    return w * m1 / k1


@scalar
def steepest_fill_rate_point(kind, p1, p2, mean, q):
    """Reorder point where the fill rate's slope (the window probability) is largest.

    beta(s) rises fastest where P(s < X <= s+Q) peaks: for a unimodal density at the s with
    f(s) = f(s+Q) (normal: E[X] - Q/2; gamma with shape k > 1: Q / expm1(Q / ((k-1) theta)),
    k <= 1: 0); integer X the smallest s with P(X = s+Q+1) <= P(X = s+1); deterministic
    demand d: the start d - Q of the linear stretch.
    """
    if kind == DEMAND_NORMAL:
        return p1 - 0.5 * q
    if kind == DEMAND_GAMMA:
        if p1 <= 1.0:
            return 0.0
        return q / math.expm1(q / ((p1 - 1.0) * p2))
    if kind == DEMAND_POINT or kind == DEMAND_POINT_INT:
        return p1 - q
    # integer unimodal pmf: bisection on the sign of p(s+Q+1) - p(s+1) over [mode-Q-1, mode]
    if kind == DEMAND_POISSON:
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
def ratio_root_continuous(obj, inv, kind, p1, p2, mean, sd, q, mu, w, c, lam, lo, hi, start):
    """The s in [lo, hi] with rho(s) = lam on the decreasing branch (rho(lo) > lam).

    Returns ``(s, d log rho / ds)``, the slope at the last point evaluated (NaN at hi).
    """
    if lo >= hi:
        return hi, math.nan
    if math.isfinite(hi):
        rh, _ = marginal_ratio_continuous(obj, inv, kind, p1, p2, mean, hi, q, mu, w, c)
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
        rho, dlog = marginal_ratio_continuous(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
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
def ratio_root_integer(obj, inv, kind, p1, p2, mean, q, mu, w, c, lam, lo, hi, start):
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
    value = marginal_ratio_integer(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
    if value > lam:
        lo, rho_lo = s, value
        while True:
            s = min(lo + step, hi)
            if s >= hi:
                break
            value = marginal_ratio_integer(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
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
            value = marginal_ratio_integer(obj, inv, kind, p1, p2, mean, s, q, mu, w, c)
            if value > lam:
                lo, rho_lo = s, value
                break
            hi, rho_hi = s, value
            step *= 2.0
    while hi - lo > 1.0:
        mid = math.floor(0.5 * (lo + hi))
        value = marginal_ratio_integer(obj, inv, kind, p1, p2, mean, mid, q, mu, w, c)
        if value > lam:
            lo, rho_lo = mid, value
        else:
            hi, rho_hi = mid, value
    return hi, rho_lo, rho_hi
