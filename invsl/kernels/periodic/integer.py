"""Periodic review with integer demand (poisson, negbin, deterministic): exact sums.

Every metric of a periodic policy is an expectation over the inventory position Y just after
a review (docs/periodic.md). With integer demand Y takes integer values and the expectations
are finite sums, computed here without approximation:

- ``stationary``: the stationary distribution of Y under (R, s, S) on s+1 .. S, in its
  renewal form. Write Y = S - W, W the demand since the last order. The expected number of
  reviews a cycle spends at W = k is the renewal mass u(k) of the R-period demand D_R, with
  u(0) = 1 / P(D_R > 0) and u(k) P(D_R > 0) = sum_{j=1..k} P(D_R = j) u(k - j); so
  P(Y = S - k) = u(k) / sum_{i < S - s} u(i). This is the stationary distribution of the
  Markov chain on s+1 .. S (tests check it against the chain solved by dense linear algebra).
- ``weighted_levels``: sum_k P(Y = top - k) G1_n(top - k) and sum_k P(Y = top - k) P(D_n <
  top - k) for consecutive positions, by one walk down from ``top``: G1 and the survival
  function at ``top`` come from ``distributions.tail``, and each step down adds the pmf
  (G1(y - 1) = G1(y) + P(D > y - 1)), which accumulates positive terms only.
- ``fill_table`` / ``table_at``: the same quantities read from per-SKU tables of D(L + j)
  (built once, used by every solver step); ``weighted_levels`` is the fallback for supports
  too wide to tabulate.
- ``undershoot``: the weight of each undershoot U = s - (position before the review) among
  reviews that trigger an order, for alpha = P(D_L <= s - U | order).
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import distributions as dist
from invsl.scalar.jit import scalar
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_POINT_INT, DEMAND_POISSON

#: probability mass treated as negligible when sums over the support are truncated
_EPS_MASS = 1e-17


@scalar
def pmf_up(kind, p1, p2, mean, x, px):
    """P(D = x + 1) from P(D = x) by the ratio of consecutive probabilities."""
    y = x + 1.0
    if y < 0.0:
        return 0.0
    if kind == DEMAND_POINT_INT:
        return 1.0 if y == p1 else 0.0
    if px == 0.0 or x < 0.0:
        # below the support, or underflow in the lower tail: ask the pmf directly while the
        # mean is still ahead (the mass there is not negligible)
        if y <= mean + 1.0 or x < 0.0:
            return dist.density(kind, p1, p2, y)
        return 0.0
    if kind == DEMAND_POISSON:
        return px * p1 / y
    return px * (x + p1) * (1.0 - p2) / y


@scalar
def pmf_down(kind, p1, p2, mean, y, py):
    """P(D = y - 1) from P(D = y)."""
    x = y - 1.0
    if x < 0.0:
        return 0.0
    if kind == DEMAND_POINT_INT:
        return 1.0 if x == p1 else 0.0
    if py == 0.0:
        # underflow far above the mean: ask the pmf directly until it is representable
        if x >= mean:
            return dist.density(kind, p1, p2, x)
        return 0.0
    if kind == DEMAND_POISSON:
        return py * y / p1
    return py * y / ((x + p1) * (1.0 - p2))


@scalar
def support(kind, p1, p2, mean, sd):
    """Integers (lo, hi) outside which the mass of D is negligible (< 1e-17 on each side).

    Found by walking the pmf away from the mean until it is negligible and decreasing (the
    pmf is unimodal); no incomplete beta or gamma function is needed.
    """
    if kind == DEMAND_POINT_INT:
        return p1, p1
    start = float(math.floor(mean))  # (a float64, as every other caller passes)
    p0 = dist.density(kind, p1, p2, start)
    hi = start
    p = p0
    while True:
        pn = pmf_up(kind, p1, p2, mean, hi, p)
        hi += 1.0
        if pn <= p and pn < _EPS_MASS * 1e-2:
            break
        p = pn
    lo = start
    p = p0
    while lo > 0.0:
        pn = pmf_down(kind, p1, p2, mean, lo, p)
        lo -= 1.0
        if pn <= p and pn < _EPS_MASS * 1e-2:
            break
        p = pn
    return lo, hi


@scalar
def positive_probability(kind, p1, p2):
    """P(D > 0) without cancellation for small means."""
    if kind == DEMAND_POISSON:
        return -math.expm1(-p1)
    if kind == DEMAND_NEGBIN:
        return -math.expm1(p1 * math.log(p2))
    return 1.0 if p1 > 0.0 else 0.0


@scalar
def int_tail(kind, p1, p2, mean, sd, x):
    """(P(D > x), G1(x), P(D <= x), P(D = x)) at integer x.

    Poisson, and negbin with sd > 200, use ``distributions.tail`` (closed forms). Otherwise
    the pmf is summed from x away from the mean (upward for x >= mean, giving the tail sums
    directly; downward for x < mean, giving P(D <= x) and H1(x) = E[(x - D)^+], and G1 = E[D]
    - x + H1 without cancellation), which is exact to rounding and avoids the incomplete beta
    function, the slow part of the negbin closed forms.
    """
    if kind == DEMAND_POINT_INT:
        d = p1 - x
        pm = 1.0 if d == 0.0 else 0.0
        if d > 0.0:
            return 1.0, d, 0.0, pm
        return 0.0, 0.0, 1.0, pm
    if kind == DEMAND_POISSON or sd > 200.0:
        sfv, g1, _ = dist.tail(kind, p1, p2, mean, x, True)
        # P(D <= x) directly only where 1 - P(D > x) would lose its relative precision
        cdfv = dist.cdf(kind, p1, p2, x) if sfv > 0.5 else 1.0 - sfv
        return sfv, g1, cdfv, dist.density(kind, p1, p2, x)
    if x >= mean:
        y = x + 1.0
        p = dist.density(kind, p1, p2, y)
        px = pmf_down(kind, p1, p2, mean, y, p)
        sfv = 0.0
        g1 = 0.0
        for _ in range(10_000_000):
            sfv += p
            g1 += (y - x) * p
            pn = pmf_up(kind, p1, p2, mean, y, p)
            y += 1.0
            if pn <= p and pn * (y - x) < 1e-17 * g1:
                break
            if pn == 0.0:
                break
            p = pn
        return sfv, g1, 1.0 - sfv, px
    if x < 0.0:
        return 1.0, mean - x, 0.0, 0.0
    y = x
    p = dist.density(kind, p1, p2, y)
    px = p
    cdfv = 0.0
    h1 = 0.0
    while y >= 0.0:
        cdfv += p
        h1 += (x - y) * p
        pn = pmf_down(kind, p1, p2, mean, y, p)
        y -= 1.0
        if pn <= p and pn < 1e-17 * cdfv:
            break
        p = pn
    return 1.0 - cdfv, mean - x + h1, cdfv, px


@scalar
def pmf_range(kind, p1, p2, mean, lo, out):
    """out[i] = P(D = lo + i) for i < len(out), by recurrence from P(D = lo)."""
    p = dist.density(kind, p1, p2, lo)
    x = lo
    for i in range(out.shape[0]):
        out[i] = p
        p = pmf_up(kind, p1, p2, mean, x, p)
        x += 1.0


@scalar
def weighted_levels(kind, p1, p2, mean, sd, top, weights):
    """(sum_k w_k G1(top - k), sum_k w_k P(D < top - k)) over k < len(weights)."""
    sfv, g1, _, p = int_tail(kind, p1, p2, mean, sd, top)
    acc_g1 = 0.0
    acc_lt = 0.0
    y = top
    for k in range(weights.shape[0]):
        w = weights[k]
        acc_g1 += w * g1
        acc_lt += w * max(1.0 - sfv - p, 0.0)  # P(D < y) = 1 - P(D >= y)
        sfv = sfv + p  # P(D > y - 1)
        g1 = g1 + sfv  # G1(y - 1) = G1(y) + P(D > y - 1)
        p = pmf_down(kind, p1, p2, mean, y, p)
        y -= 1.0
    return acc_g1, acc_lt


@scalar
def stationary(kind, p1, p2, mean, sd, pi, hi=-1.0):
    """Fill pi[k] = P(Y = S - k), k < len(pi) = S - s, for (R, s, S) with R-period demand D.

    Renewal form (module docstring); the recursion is cut where P(D = j) is negligible.
    """
    n = pi.shape[0]
    positive = positive_probability(kind, p1, p2)
    if not positive > 0.0:
        pi[:] = 0.0
        pi[0] = 1.0
        return
    if hi < 0.0:
        _, hi = support(kind, p1, p2, mean, sd)
    jmax = int(min(float(n - 1), hi))
    q = np.zeros(jmax + 1)
    if jmax >= 1:
        pmf_range(kind, p1, p2, mean, 1.0, q[1:])
    for j in range(1, jmax + 1):
        q[j] /= positive
    pi[0] = 1.0
    total = 1.0
    for k in range(1, n):
        acc = 0.0
        top = min(k, jmax)
        for j in range(1, top + 1):
            acc += q[j] * pi[k - j]
        pi[k] = acc
        total += acc
    for k in range(n):
        pi[k] /= total


@scalar
def undershoot_rss(kind, p1, p2, mean, sd, pi, lo=-1.0, hi=-1.0):
    """Undershoot weights of (R, s, S) among ordering reviews: (u0, w).

    w[i] = P(order, U = u0 + i) = sum_k pi_k P(D = delta - k + u0 + i), delta = len(pi);
    the weights sum to P(order at a review) = pi_0 up to the truncated mass.
    """
    delta = pi.shape[0]
    if hi < 0.0:
        lo, hi = support(kind, p1, p2, mean, sd)
    # D = delta - k + u ranges over [1, ...]; U >= max(0, lo - delta)
    u0 = max(0.0, lo - delta)
    u1 = max(u0, hi)
    nu = int(u1 - u0) + 1
    w = np.zeros(nu)
    mlo = max(lo, 1.0)
    nm = int(hi - mlo) + 1
    pm = np.empty(nm)
    pmf_range(kind, p1, p2, mean, mlo, pm)
    for i in range(nu):
        u = u0 + i
        acc = 0.0
        # m = delta - k + u in [mlo, hi]  <=>  k in [delta + u - hi, delta + u - mlo]
        k_lo = int(max(0.0, delta + u - hi))
        k_hi = int(min(delta - 1.0, delta + u - mlo))
        for k in range(k_lo, k_hi + 1):
            acc += pi[k] * pm[int(delta - k + u - mlo)]
        w[i] = acc
    return u0, w


@scalar
def undershoot_rsq(kind, p1, p2, mean, sd, q):
    """Undershoot weights of (R, s, nQ) with Y uniform on s+1 .. s+Q: (u0, w).

    w[i] = P(u < D <= u + Q) for u = u0 + i, proportional to P(order, U = u).
    """
    lo, hi = support(kind, p1, p2, mean, sd)
    u0 = max(0.0, lo - q - 1.0)
    nu = int(hi - u0) + 1
    nm = int(hi - lo) + 1
    pm = np.empty(nm)
    pmf_range(kind, p1, p2, mean, lo, pm)
    # upper cumulative T[m - lo] = P(D >= m) over the window
    cum = np.zeros(nm + 1)
    for i in range(nm - 1, -1, -1):
        cum[i] = cum[i + 1] + pm[i]
    w = np.zeros(nu)
    for i in range(nu):
        u = u0 + i
        a = u + 1.0 - lo  # P(D >= u + 1)
        b = u + q + 1.0 - lo  # P(D >= u + Q + 1)
        ta = cum[0] if a <= 0.0 else (cum[int(a)] if a <= nm else 0.0)
        tb = cum[0] if b <= 0.0 else (cum[int(b)] if b <= nm else 0.0)
        w[i] = max(ta - tb, 0.0)
    return u0, w


@scalar
def alpha_from_undershoot(kind_l, p1_l, p2_l, mean_l, sd_l, s, u0, w):
    """sum_i w_i P(D_L <= s - u0 - i) / sum_i w_i: the share of orders arriving without
    backorders. P(D_L <= x) is walked down from x = s - u0 by subtracting the pmf."""
    x = s - u0
    _, _, f, p = int_tail(kind_l, p1_l, p2_l, mean_l, sd_l, x)
    num = 0.0
    den = 0.0
    for i in range(w.shape[0]):
        num += w[i] * f
        den += w[i]
        f = max(f - p, 0.0)  # P(D <= x - 1)
        p = pmf_down(kind_l, p1_l, p2_l, mean_l, x, p)
        x -= 1.0
    if den <= 0.0:
        return math.nan
    return min(num / den, 1.0)


# ---------------------------------------------------------------------------------------------
# per-SKU tables of D(L + j), j = 0 .. R: every lookup of the solver becomes an array read
#
# Layout of the flat array: [count, W, lo_0 .. lo_{count-1}, then per table 4 W numbers:
# P(D = y), P(D > y), G1(y), P(D <= y) for y = lo_j .. lo_j + W - 1]. Below lo_j the mass is
# negligible (P(D > y) = 1, G1 = E[D] - y), above the window it is 0.

#: largest table (numbers) kept per SKU; wider supports fall back to ``int_tail``
TABLE_MAX = 400_000


@scalar
def fill_table(kind, p1, p2, mean, lo, block, width):
    """Fill one table block (4 * width numbers) of D from y = lo upward."""
    pmf_range(kind, p1, p2, mean, lo, block[0:width])
    sf = block[width : 2 * width]
    g1 = block[2 * width : 3 * width]
    cdf = block[3 * width : 4 * width]
    sf[width - 1] = 0.0
    g1[width - 1] = 0.0
    for i in range(width - 2, -1, -1):
        sf[i] = sf[i + 1] + block[i + 1]  # P(D > y) summed from the top: accurate tails
        g1[i] = g1[i + 1] + sf[i]  # G1(y) = G1(y + 1) + P(D > y)
    acc = 0.0
    for i in range(width):
        acc += block[i]
        cdf[i] = acc  # P(D <= y) summed from the bottom: accurate lower tail


@scalar
def table_at(tab, j, mean, y):
    """(P(D > y), G1(y), P(D <= y), P(D = y)) of table j at integer y."""
    count = int(tab[0])
    width = int(tab[1])
    i = y - tab[2 + j]
    if i < 0.0:
        return 1.0, mean - y, 0.0, 0.0
    if i >= width:
        return 0.0, 0.0, 1.0, 0.0
    base = 2 + count + j * 4 * width
    ii = int(i)
    return (
        tab[base + width + ii],
        tab[base + 2 * width + ii],
        tab[base + 3 * width + ii],
        tab[base + ii],
    )


@scalar
def weighted_table(tab, j, mean, top, weights):
    """``weighted_levels`` from table j."""
    acc_g1 = 0.0
    acc_lt = 0.0
    for k in range(weights.shape[0]):
        y = top - k
        _, g1, cdfv, p = table_at(tab, j, mean, y)
        acc_g1 += weights[k] * g1
        acc_lt += weights[k] * max(cdfv - p, 0.0)  # P(D < y)
    return acc_g1, acc_lt


@scalar
def alpha_table(tab, j, mean, s, u0, w):
    """``alpha_from_undershoot`` from table j (the lead-time demand D(L))."""
    num = 0.0
    den = 0.0
    for i in range(w.shape[0]):
        _, _, f, _ = table_at(tab, j, mean, s - u0 - i)
        num += w[i] * f
        den += w[i]
    if den <= 0.0:
        return math.nan
    return min(num / den, 1.0)
