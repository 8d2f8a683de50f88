"""Periodic-review policies (R, S), (R, s, S) and (R, s, nQ): the service levels.

Conventions (contract docs/service-levels.md, "General definitions" and "Periodic review";
derivations in docs/periodic.md). Reviews happen every R periods; an order placed at a review
arrives L periods later. Y is the inventory position just after a review and D(n) the demand
over n periods (two-moment fit, n may be fractional; the lead-time variance mu^2 sigma_L^2 is
part of D(L + j), not of the R-period demand D_R between reviews). Net stock at the end of the
j-th period of a review cycle is Y - D(L + j), j = 1 .. R, with D independent of Y, so with
G1_n the first-order loss function of D(n):

- E[B] = (1/R) sum_j E[G1_{L+j}(Y)];  gamma = 1 - E[B] / mu
- beta = 1 - E[G1_{L+R}(Y) - G1_L(Y)] / (R mu)   (new backorders of one review cycle)
- ready_rate = (1/R) sum_j P(D(L+j) < Y)
- expected_on_hand = E[Y] - mu (L + (R+1)/2) + E[B]   (clipped at 0)
- alpha = P(net stock just before an order arrives >= 0) = P(D_L <= s - U | order), U the
  undershoot of s at the review that placed the order. For (R, S) every review orders and
  this is F_{L+R}(S).

The distribution of Y: (R, S) Y = S; (R, s, nQ) Y uniform on (s, s + Q] (integers s+1 ..
s+Q), which makes E[G1(Y)] a G2 difference; (R, s, S) the stationary distribution of the chain
on s+1 .. S (``kernels.periodic.integer.stationary``) or, for continuous demand, its lattice form
(``kernels.periodic.continuous.stationary_lattice``).
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import distributions as dist
from invsl.kernels.periodic import continuous as pc
from invsl.kernels.periodic import integer as pi_
from invsl.scalar.jit import WITH_GAMMA, WITH_INTEGER, WITH_NORMAL, WITH_RS, WITH_RSQ, WITH_RSS
from invsl.scalar.jit import scalar
from invsl.vocabulary import (
    DEMAND_POINT,
    METRIC_ALPHA,
    METRIC_BETA,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
)

#: (R, s, nQ) with integer demand: order quantities up to this size get E[G1(Y)] and
#: P(D < Y) summed over the Q positions s+1 .. s+Q (weight 1/Q each, ``context``); larger Q
#: take differences of G2 and G1
_RSQ_MAX_Q_SUMMED_BY_POSITION = 64.0


@scalar
def fit_n(dcode, mu, sigma, lt_std, n):
    """Two-moment fit of D(n), demand over n periods of which a lead time is part."""
    return dist.fit(dcode, mu, sigma, n, lt_std)


@scalar
def level_sums(policy, integer, kind, p1, p2, mean, sd, j, x, gap, pos_w, pos_p):
    """(E[G1_n(Y)], E[P(D_n < Y)]) for D_n = (kind, p1, p2, mean).

    x is S for (R, S) and s otherwise; gap is Q for (R, s, nQ) and S - s for (R, s, S).
    ``pos_p`` holds P(Y = S - k) for integer (R, s, S) (and 1/Q for small integer Q);
    ``pos_w``/``pos_p`` the summarised offsets and probabilities of continuous (R, s, S).
    Integer demand: ``pos_w`` holds the tables of D(L + j) (``periodic_integer``) when they
    fit, and ``j`` says which one D_n is.
    """
    tables = integer and pos_w.shape[0] > 0
    # (WITH_*: the family and policy switches of the compile units, docs/architecture.md)
    if WITH_RS and policy == POLICY_RS:
        if WITH_INTEGER and tables:
            _, g1, at_or_below, px = pi_.table_at(pos_w, j, mean, x)
            return g1, max(at_or_below - px, 0.0)
        if WITH_INTEGER and integer:
            _, g1, at_or_below, px = pi_.int_tail(kind, p1, p2, mean, sd, x)
            return g1, max(at_or_below - px, 0.0)
        sfv, g1, _ = dist.tail(kind, p1, p2, mean, x, True)
        return g1, pc.less_than(kind, p1, p2, x, sfv)
    if WITH_RSQ and policy == POLICY_RSQ and not (integer and gap <= _RSQ_MAX_Q_SUMMED_BY_POSITION):
        q = gap
        _, g1a, g2a = dist.tail(kind, p1, p2, mean, x, True)
        _, g1b, g2b = dist.tail(kind, p1, p2, mean, x + q, True)
        lt = min(max(1.0 - (g1a - g1b) / q, 0.0), 1.0)
        if integer:
            _, _, g2a = dist.tail(kind, p1, p2, mean, x + 1.0, True)
            _, _, g2b = dist.tail(kind, p1, p2, mean, x + q + 1.0, True)
        return max((g2a - g2b) / q, 0.0), lt
    if not WITH_RSS and not WITH_RSQ:
        return math.nan, math.nan  # (not reached: RS returned above)
    if WITH_INTEGER and tables:
        return pi_.weighted_table(pos_w, j, mean, x + gap, pos_p)
    if WITH_INTEGER and integer:
        return pi_.weighted_levels(kind, p1, p2, mean, sd, x + gap, pos_p)
    if (not WITH_NORMAL and not WITH_GAMMA) or not WITH_RSS:
        return math.nan, math.nan  # (not reached: integer kinds or (R, s, nQ) returned above)
    return pc.weighted_points(kind, p1, p2, mean, x + gap, pos_w, pos_p)


@scalar
def _alpha(policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw):
    """alpha = P(net stock just before an order arrives >= 0)."""
    if WITH_RS and policy == POLICY_RS:
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + r)
        # (WITH_*: the family and policy switches of the compile units, docs/architecture.md)
        if WITH_INTEGER and integer and pos_w.shape[0] > 0:
            return pi_.table_at(pos_w, int(r), m, x)[2]
        if WITH_INTEGER and integer:
            return pi_.int_tail(k, p1, p2, m, sd, x)[2]
        return dist.cdf(k, p1, p2, x)
    kl, l1, l2, ml, sdl = fit_n(dcode, mu, sigma, lt_std, lt)
    if WITH_INTEGER and integer:
        if pos_w.shape[0] > 0:
            return pi_.alpha_table(pos_w, 0, ml, x, u0, uw)
        return pi_.alpha_from_undershoot(kl, l1, l2, ml, sdl, x, u0, uw)
    if not WITH_NORMAL and not WITH_GAMMA:
        return math.nan  # (not reached: the integer unit has integer kinds only)
    kr, r1, r2, mr, sdr = fit_n(dcode, mu, sigma, 0.0, r)
    if WITH_RSQ and policy == POLICY_RSQ:
        _, g0, _ = dist.tail(kr, r1, r2, mr, 0.0, True)
        _, gq, _ = dist.tail(kr, r1, r2, mr, gap, True)
        den = g0 - gq
        num = pc.alpha_integral(kr, r1, r2, mr, sdr, kl, l1, l2, ml, sdl, x, 0.0, gap)
        return min(max(num / den, 0.0), 1.0)
    # (R, s, S): the order is placed at a review with IP = S - w - D_R <= s
    if not WITH_RSS:
        return math.nan  # (not reached: the unit's policy returned above)
    if kr == DEMAND_POINT:
        # deterministic D_R: the undershoot is the same at every order
        m = pos_w.shape[0]
        return dist.cdf(kl, l1, l2, x - (m * r1 - gap))
    return pc.alpha_rss(kr, r1, r2, mr, sdr, kl, l1, l2, ml, sdl, x, gap, pos_w, pos_p, u0)[0]


@scalar
def alpha_slope_rss(dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0):
    """alpha of (R, s, S) with continuous demand at x = s, and its derivative in s (the value
    is the one ``value`` gives; the derivative is the solver's Newton slope). ``u0``: the
    probability that a review orders (``context``)."""
    kl, l1, l2, ml, sdl = fit_n(dcode, mu, sigma, lt_std, lt)
    kr, r1, r2, mr, sdr = fit_n(dcode, mu, sigma, 0.0, r)
    if kr == DEMAND_POINT:
        y = x - (pos_w.shape[0] * r1 - gap)
        return dist.cdf(kl, l1, l2, y), dist.density(kl, l1, l2, y)
    return pc.alpha_rss(kr, r1, r2, mr, sdr, kl, l1, l2, ml, sdl, x, gap, pos_w, pos_p, u0)


@scalar
def value(metric, policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw):
    """One metric (alpha, beta or gamma) of a periodic policy at x (S for RS, else s)."""
    if metric == METRIC_ALPHA:
        return _alpha(
            policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw
        )
    loss, _ = _shortage(
        metric, policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p
    )
    if metric == METRIC_BETA:
        loss = max(loss, 0.0)
    return 1.0 - loss / (r * mu)


@scalar
def _shortage(metric, policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p):
    """The shortage behind beta (E[G1_{L+R}(Y) - G1_L(Y)], new backorders of a review cycle) or
    gamma (sum_j E[G1_{L+j}(Y)]), and its derivative in x.

    d/dy G1(y) = -P(D > y), which ``level_sums`` returns beside G1 as P(D < y) (continuous
    demand); for (R, s, nQ) d/dx (G2(x) - G2(x + Q)) / Q = -(G1(x) - G1(x + Q)) / Q, which it
    returns as 1 - P(D < Y).
    """
    nr = int(r)
    if metric == METRIC_BETA:
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + r)
        g_top, lt_top = level_sums(policy, integer, k, p1, p2, m, sd, nr, x, gap, pos_w, pos_p)
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt)
        g_low, lt_low = level_sums(policy, integer, k, p1, p2, m, sd, 0, x, gap, pos_w, pos_p)
        return g_top - g_low, lt_top - lt_low
    total = 0.0
    slope = 0.0
    for j in range(1, nr + 1):
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + j)
        g, lt_j = level_sums(policy, integer, k, p1, p2, m, sd, j, x, gap, pos_w, pos_p)
        total += g
        slope -= 1.0 - lt_j
    return total, slope


@scalar
def value_slope(metric, policy, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p):
    """beta or gamma of a policy with continuous demand at x, and its derivative in x."""
    loss, slope = _shortage(
        metric, policy, False, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p
    )
    return 1.0 - loss / (r * mu), -slope / (r * mu)


@scalar
def all_metrics(policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw):
    """(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand) at x."""
    nr = int(r)
    backorders = 0.0
    ready = 0.0
    g_top = 0.0
    for j in range(1, nr + 1):
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + j)
        g, lt_ = level_sums(policy, integer, k, p1, p2, m, sd, j, x, gap, pos_w, pos_p)
        backorders += g
        ready += lt_
        g_top = g
    backorders /= r
    ready /= r
    k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt)
    g_low, _ = level_sums(policy, integer, k, p1, p2, m, sd, 0, x, gap, pos_w, pos_p)
    beta = min(max(1.0 - max(g_top - g_low, 0.0) / (r * mu), 0.0), 1.0)
    if policy == POLICY_RS:
        mean_y = x
    elif policy == POLICY_RSQ:
        mean_y = x + 0.5 * (gap + 1.0) if integer else x + 0.5 * gap
    else:
        mean_y = x + gap
        for k in range(pos_p.shape[0]):
            mean_y -= pos_p[k] * (k if integer else pos_w[k])
    on_hand = max(mean_y - mu * (lt + 0.5 * (r + 1.0)) + backorders, 0.0)
    alpha = _alpha(policy, integer, dcode, mu, sigma, lt, lt_std, r, x, gap, pos_w, pos_p, u0, uw)
    return alpha, beta, 1.0 - backorders / mu, min(max(ready, 0.0), 1.0), backorders, on_hand


@scalar
def tables(dcode, mu, sigma, lt, lt_std, r):
    """Tables of D(L + j), j = 0 .. R, for integer demand (empty if they would be too big)."""
    nr = int(r)
    width = 1.0
    los = np.empty(nr + 1)
    for j in range(nr + 1):
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + j)
        lo, hi = pi_.support(k, p1, p2, m, sd)
        los[j] = lo
        width = max(width, hi - lo + 1.0)
    size = 2.0 + (nr + 1) * (1.0 + 4.0 * width)
    if size > pi_.TABLE_MAX:
        return np.zeros(0)
    w = int(width)
    tab = np.zeros(2 + (nr + 1) + (nr + 1) * 4 * w)
    tab[0] = nr + 1
    tab[1] = w
    base = 2 + nr + 1
    for j in range(nr + 1):
        k, p1, p2, m, sd = fit_n(dcode, mu, sigma, lt_std, lt + j)
        lo = los[j]
        tab[2 + j] = lo
        pi_.fill_table(k, p1, p2, m, lo, tab[base + j * 4 * w : base + (j + 1) * 4 * w], w)
    return tab


@scalar
def context(policy, integer, dcode, mu, sigma, lt, lt_std, r, gap):
    """Per-row arrays that depend on the gap but not on s: (pos_w, pos_p, u0, uw).

    Integer (R, s, S) and (R, s, nQ): u0, uw describe the undershoot (``periodic_integer``);
    continuous (R, s, S): pos_w, pos_p are the summarised positions
    (``continuous.stationary_lattice``) and u0 the probability that a review places an order
    (``continuous.mass_above`` at 0, the denominator of alpha), uw empty."""
    empty = np.zeros(0)
    # (WITH_*: the family and policy switches of the compile units, docs/architecture.md)
    tab = tables(dcode, mu, sigma, lt, lt_std, r) if WITH_INTEGER and integer else empty
    if policy == POLICY_RS:
        return tab, empty, 0.0, empty
    kr, r1, r2, mr, sdr = fit_n(dcode, mu, sigma, 0.0, r)
    if WITH_INTEGER and integer:
        if WITH_RSS and policy == POLICY_RSS:
            n = int(gap)
            probs = np.empty(n)
            lo, hi = pi_.support(kr, r1, r2, mr, sdr)
            pi_.stationary(kr, r1, r2, mr, sdr, probs, hi)
            u0, uw = pi_.undershoot_rss(kr, r1, r2, mr, sdr, probs, lo, hi)
            return tab, probs, u0, uw
        if not WITH_RSQ:
            return tab, empty, 0.0, empty  # (not reached: the unit's policy returned above)
        u0, uw = pi_.undershoot_rsq(kr, r1, r2, mr, sdr, gap)
        probs = empty
        if gap <= _RSQ_MAX_Q_SUMMED_BY_POSITION:
            probs = np.full(int(gap), 1.0 / gap)
        return tab, probs, u0, uw
    if (WITH_NORMAL or WITH_GAMMA) and WITH_RSS and policy == POLICY_RSS:
        # the bins need only resolve the narrowest of D(L) (loss functions, alpha) and D_R
        # (the undershoot density of alpha); 0 (all bins) when D(L) is a point
        kl, _, _, _, sdl = fit_n(dcode, mu, sigma, lt_std, lt)
        resolution = min(sdl, sdr) if kl != DEMAND_POINT else 0.0
        offsets, probs = pc.stationary_lattice(kr, r1, r2, mr, sdr, gap, resolution)
        orders = pc.mass_above(kr, r1, r2, gap, offsets, probs, 0.0)
        return offsets, probs, orders, empty
    return empty, empty, 0.0, empty
