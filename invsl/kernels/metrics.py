"""Service levels of a continuous-review (s, Q) policy with backorders.

The formulas are those of the contract (docs/service-levels.md, "Continuous review"):

- alpha = F(s) = P(X <= s)
- beta = 1 - (G1(s) - G1(s + Q)) / Q
- E[B] = (G2(s) - G2(s + Q)) / Q; integer demand (G2(s + 1) - G2(s + Q + 1)) / Q
- gamma = 1 - E[B] / mu, mu the mean demand per period
- ready_rate = P(net stock > 0) = beta
- expected_on_hand = E[IN] + E[B], E[IN] = s + Q/2 - E[X]; integer s + (Q + 1)/2 - E[X]

X is the lead-time demand, described by ``(kind, p1, p2, mean)`` (see ``distributions``).
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import recurrence as rec
from invsl.scalar import distributions as dist
from invsl.scalar.jit import WITH_GAMMA, WITH_INTEGER, WITH_NORMAL, scalar
from invsl.vocabulary import (
    DEMAND_GAMMA,
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POISSON,
    METRIC_ALPHA,
    METRIC_BETA,
)

#: (s, Q) with integer demand: order quantities up to this size get E[B] (and on hand) as
#: the mean of G1 (H1) over the Q positions s+1 .. s+Q, which avoids differencing two large
#: G2 values (and the precision check of that difference); larger Q difference G2 (H2)
_SQ_MAX_Q_SUMMED_BY_POSITION = 8.0


#: relative accuracy a difference of loss values must keep (else: precision limit)
_DIGITS = 1e-9


#: 8-point Gauss-Legendre rule on [0, 1]: nodes and weights (numpy.polynomial.legendre)
_GL_U = np.array(
    [
        0.019855071751231912,
        0.10166676129318664,
        0.2372337950418355,
        0.4082826787521751,
        0.5917173212478248,
        0.7627662049581645,
        0.8983332387068134,
        0.9801449282487681,
    ]
)
_GL_W = np.array(
    [
        0.05061426814518853,
        0.11119051722668721,
        0.15685332293894344,
        0.18134189168918083,
        0.18134189168918083,
        0.15685332293894344,
        0.11119051722668721,
        0.05061426814518853,
    ]
)
#: continuous X with Q at most this share of the density's scale (``_scale``) at both ends of
#: the order cycle: the cycle averages come from the quadrature (``_cycle_average``)
_QUAD_H = 0.5


@scalar
def _scale(kind, p1, p2, x):
    """Length [units] over which the density of a continuous X changes appreciably near x.

    Normal: sd / max(1, |z|). Gamma (x > 0): the smallest of x / (1 + sqrt|k - 1|) (the
    singularity at 0 and the curvature of log f) and 1 / |(k - 1)/x - 1/theta| (the slope of
    log f). 0 where the quadrature is not used (other kinds, gamma at x <= 0).
    """
    if kind == DEMAND_NORMAL:
        return p2 / max(1.0, abs(x - p1) / p2)
    if kind == DEMAND_GAMMA and x > 0.0:
        km1 = p1 - 1.0
        w = x / (1.0 + math.sqrt(abs(km1)))
        rate = abs(km1 / x - 1.0 / p2)
        if rate * w > 1.0:
            w = 1.0 / rate
        return w
    return 0.0


@scalar
def quadrature_applies(kind, p1, p2, s, q):
    """True if the (s, Q) cycle averages of a continuous X come from ``_cycle_average``.

    That is when Q <= ``_QUAD_H`` times the density's scale at s and at s + Q: exactly where
    the differences G1(s) - G1(s + Q) and G2(s) - G2(s + Q) would cancel.
    """
    return q <= _QUAD_H * min(_scale(kind, p1, p2, s), _scale(kind, p1, p2, s + q))


@scalar
def _cycle_average(kind, p1, p2, mean, s, q, want_cdf, want_h1):
    """Averages over the order cycle y in (s, s + Q] of S, F, G1, the density f and H1.

    Returns ``(S, F, G1, f, H1)`` averaged: (1/Q) times the integral from s to s + Q, by the
    8-point Gauss-Legendre rule (``quadrature_applies`` keeps Q within half the density's
    scale, where the rule is exact to rounding, about 1e-16 relative; tested against mpmath).
    Every node value is a positive tail quantity at full precision, so the averages keep it
    too, unlike the differences (G1(s) - G1(s + Q)) / Q = avg S, (G2(s) - G2(s + Q)) / Q =
    avg G1 and (H2(s + Q) - H2(s)) / Q = avg H1, which lose log10(scale / Q) digits. F and H1
    are computed only when asked for (``want_cdf``, ``want_h1``; else NaN).
    """
    a_s = 0.0
    a_f = 0.0
    a_g1 = 0.0
    a_d = 0.0
    a_h1 = 0.0
    for i in range(_GL_U.shape[0]):
        y = s + q * _GL_U[i]
        w = _GL_W[i]
        sy, g1y, _ = dist.tail(kind, p1, p2, mean, y, True)
        a_s += w * sy
        a_g1 += w * g1y
        a_d += w * dist.density(kind, p1, p2, y)
        if want_cdf:
            a_f += w * dist.cdf(kind, p1, p2, y)
        if want_h1:
            h1y, _ = dist.lower(kind, p1, p2, mean, y)
            a_h1 += w * h1y
    if not want_cdf:
        a_f = math.nan
    if not want_h1:
        a_h1 = math.nan
    return a_s, a_f, a_g1, a_d, a_h1


@scalar
def _quadrature_metrics(kind, p1, p2, mean, s, q, mu):
    """``sq_metrics`` of a continuous X from the cycle averages of ``_cycle_average``.

    beta = avg F (below the mean, where beta is small) or 1 - avg S; E[B] = avg G1;
    on hand = avg H1 (below the mean) or E[IN] + E[B]: sums of positive terms throughout.
    """
    alpha = dist.cdf(kind, p1, p2, s)
    net = s + 0.5 * q - mean
    below = net < 0.0
    a_s, a_f, a_g1, a_d, a_h1 = _cycle_average(kind, p1, p2, mean, s, q, below, below)
    # The nodes s + Q u are rounded by up to eps (|s| + Q); that moves each average by its
    # slope (f for S and F, S for G1, F for H1) times that: NaN (precision limit) where this
    # exceeds _DIGITS of the value, as for the differences of the other route (``_lost``).
    # Within that, the result is the exact average over a cycle starting within eps |s| of s.
    shift = 2.3e-16 * (abs(s) + q)
    if below:
        lost = shift * a_d > _DIGITS * a_f + 1e-300 or shift * a_f > _DIGITS * a_h1 + 1e-20 * mu
    else:
        lost = shift * a_d > _DIGITS * a_s + 1e-300
    lost = lost or shift * a_s > _DIGITS * a_g1 + 1e-20 * mu
    if lost:
        nan = math.nan
        return nan, nan, nan, nan, nan, nan
    beta = a_f if below else 1.0 - a_s
    beta = min(max(beta, 0.0), 1.0)
    backorders = a_g1
    on_hand = a_h1 if below else net + backorders
    on_hand = max(on_hand, 0.0)
    return alpha, beta, 1.0 - backorders / mu, beta, backorders, on_hand


@scalar
def _lost(big, diff, q, scale):
    """True if diff / q, a difference of terms of total size big, is not accurate to _DIGITS.

    Rounding leaves an absolute error of about eps * big in diff (big includes the rounding
    of s + Q); errors below 1e-20 * scale per unit of Q are ignored.
    """
    return 2.3e-16 * big > _DIGITS * abs(diff) + 1e-20 * scale * q


@scalar
def sq_metrics(kind, p1, p2, mean, s, q, mu):
    """All service levels of (s, Q) at reorder point s.

    Returns ``(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand)``.

    Where E[IN] = s + Q/2 - E[X] < 0 (integer: (Q + 1)/2), the on-hand stock comes from the
    lower-tail loss function H2 (``distributions.lower``) and E[B] = on hand -
    E[IN]; elsewhere E[B] comes from G2 and on hand = E[IN] + E[B]. Either way no large
    terms cancel. Rounding is kept inside the ranges: beta is clipped to [0, 1], on-hand
    stock at 0, and with demand bounded below by 0 an inventory position that never
    exceeds 0 (s + Q <= 0) gives beta = 0 and no stock on hand exactly.

    Poisson and negbin with Q <= ``scalar.recurrence.RECURRENCE_Q`` are evaluated exactly at s + Q
    and stepped down to s by the exact recurrences of ``scalar.recurrence``; E[B] is then the mean
    of G1 over the Q inventory positions (positive terms only).
    """
    if WITH_INTEGER and (kind == DEMAND_POISSON or kind == DEMAND_NEGBIN) and q <= rec.RECURRENCE_Q:
        t_s, t_g1, t_g2, t_p, b_s, b_g1, b_g2, b_p, w = rec.window(kind, p1, p2, mean, s, q)
        return integer_report(kind, p1, p2, mean, s, q, mu, b_s, b_g1, b_g2, t_g1, t_g2, w)
    return _sq_metrics(kind, p1, p2, mean, s, q, mu)


@scalar
def integer_report(kind, p1, p2, mean, s, q, mu, b_s, b_g1, b_g2, t_g1, t_g2, w):
    """Every (s, Q) metric of Poisson or negbin demand from the states at s and s + Q.

    ``b_*`` are S, G1, G2 at s, ``t_*`` at s + Q, and ``w`` the sum of G1 over s + 1 .. s + Q
    (NaN when not collected: E[B] then comes from the G2 difference). Where E[IN] < 0 (or
    s + Q <= 0) the lower-tail route of the generic evaluation is taken instead.
    """
    net = s + 0.5 * (q + 1.0) - mean
    if net < 0.0 or s + q <= 0.0:
        return _sq_metrics(kind, p1, p2, mean, s, q, mu)
    alpha = 1.0 - b_s if b_s <= 0.5 else dist.cdf(kind, p1, p2, s)
    beta = min(max(1.0 - (b_g1 - t_g1) / q, 0.0), 1.0)
    if math.isnan(w):
        backorders = max(((b_g2 - b_g1) - (t_g2 - t_g1)) / q, 0.0)
    else:
        backorders = w / q
    on_hand = max(net + backorders, 0.0)
    return alpha, beta, 1.0 - backorders / mu, beta, backorders, on_hand


@scalar
def _sq_metrics(kind, p1, p2, mean, s, q, mu):
    """``sq_metrics`` by direct evaluation of the loss functions at both ends of the cycle
    (or, for continuous X and a small Q, by quadrature over it: ``_quadrature_metrics``)."""
    if (WITH_NORMAL or WITH_GAMMA) and quadrature_applies(kind, p1, p2, s, q):
        return _quadrature_metrics(kind, p1, p2, mean, s, q, mu)
    alpha = dist.cdf(kind, p1, p2, s)
    integer = dist.is_integer_kind(kind)
    _, g1a, g2a = dist.tail(kind, p1, p2, mean, s, True)
    sb, g1b, g2b = dist.tail(kind, p1, p2, mean, s + q, True)
    net = s + 0.5 * (q + 1.0) - mean if integer else s + 0.5 * q - mean
    if net < 0.0:
        # lower-tail loss functions at both ends of the cycle (H1 for beta, H2 for on hand)
        h1a, h2a = dist.lower(kind, p1, p2, mean, s)
        h1b, h2b = dist.lower(kind, p1, p2, mean, s + q)
    if integer and q <= _SQ_MAX_Q_SUMMED_BY_POSITION:
        # sums over the Q equally likely inventory positions s+1 .. s+Q: exact and free of
        # cancellation (E[B] = mean of G1, on hand = mean of H1)
        total_b = 0.0
        total_h = 0.0
        y = s + 1.0
        while y <= s + q:
            _, g1y, _ = dist.tail(kind, p1, p2, mean, y, True)
            total_b += g1y
            if net < 0.0:
                h1y, _ = dist.lower(kind, p1, p2, mean, y)
                total_h += h1y
            y += 1.0
        backorders = total_b / q
        on_hand = total_h / q if net < 0.0 else net + backorders
    elif net < 0.0:
        # below the mean E[IN] + E[B] cancels: take on-hand from the lower tail instead,
        # and E[B] = on-hand - E[IN] (a sum of two positive terms)
        on_hand = (h2b - h2a) / q
        backorders = max(on_hand, 0.0) - net
    else:
        if integer:
            _, _, g2a = dist.tail(kind, p1, p2, mean, s + 1.0, True)
            _, _, g2b = dist.tail(kind, p1, p2, mean, s + q + 1.0, True)
        backorders = max((g2a - g2b) / q, 0.0)
        on_hand = net + backorders
    on_hand = max(on_hand, 0.0)
    # s + Q is rounded (normal, gamma; integers are exact and a point mass has no density):
    # an error of |s + Q| eps / 2 in the argument of the loss functions at s + Q, whose
    # slopes there are -S(s + Q), F(s + Q) (first order) and -G1, H1 (second order)
    rounding = abs(s) + q if kind == DEMAND_NORMAL or kind == DEMAND_GAMMA else 0.0
    if net < 0.0:
        # 1 - (G1(s) - G1(s + Q)) / Q = (H1(s + Q) - H1(s)) / Q, accurate when beta is small
        beta = (h1b - h1a) / q
        lost = _lost(h1a + h1b + rounding * (1.0 - sb), h1b - h1a, q, 1.0)
        if not (integer and q <= _SQ_MAX_Q_SUMMED_BY_POSITION):
            lost = lost or _lost(h2a + h2b + rounding * h1b, h2b - h2a, q, mu)
    else:
        beta = 1.0 - (g1a - g1b) / q
        lost = _lost(g1a + g1b + rounding * sb, g1a - g1b, q, 1.0)
        if not (integer and q <= _SQ_MAX_Q_SUMMED_BY_POSITION):
            lost = lost or _lost(g2a + g2b + rounding * g1b, g2a - g2b, q, mu)
    if lost:
        # fewer than ~9 correct digits: NaN, flagged as a precision limit by the caller
        nan = math.nan
        return nan, nan, nan, nan, nan, nan
    beta = min(max(beta, 0.0), 1.0)
    if kind != DEMAND_NORMAL and s + q <= 0.0:
        beta = 0.0
        on_hand = 0.0
    gamma = 1.0 - backorders / mu
    return alpha, beta, gamma, beta, backorders, on_hand


@scalar
def metric_and_slope(metric, kind, p1, p2, mean, s, q, mu):
    """One metric at s, its shortfall 1 - metric and its slope in s (for the solvers).

    Far upper tails are evaluated with the fast closed forms (``tail(..., exact=False)``),
    except where Q is small against the density's scale (``quadrature_applies``): there beta
    and gamma come from the cycle averages of ``_cycle_average`` (shortfall avg S or
    avg G1 / mu, slope avg f or avg S / mu), which keep every digit.

    The shortfall is computed directly (no cancellation when the metric is close to 1):
    alpha: P(X > s); beta: (G1(s) - G1(s + Q)) / Q; gamma: E[B] / mu.

    The slope is, for continuous X, the derivative; for integer X the forward difference
    metric(s + 1) - metric(s), which the formulas give exactly:

    - alpha: f(s) (continuous), P(X = s + 1) (integer)
    - beta: (F(s + Q) - F(s)) / Q for both
    - gamma: (1 - beta(s)) / mu (continuous), (1 - beta(s + 1)) / mu (integer)
    """
    integer = dist.is_integer_kind(kind)
    # (the switches stand in the condition itself: numba prunes only branches on constants)
    if (
        (WITH_NORMAL or WITH_GAMMA)
        and metric != METRIC_ALPHA
        and quadrature_applies(kind, p1, p2, s, q)
    ):
        # a small Q against the density's scale: the cycle averages by quadrature, at full
        # precision (the differences below would cancel; see _cycle_average)
        below = s + 0.5 * q - mean < 0.0
        want_cdf = below and metric == METRIC_BETA
        a_s, a_f, a_g1, a_d, _ = _cycle_average(kind, p1, p2, mean, s, q, want_cdf, False)
        if metric == METRIC_BETA:
            return (a_f if want_cdf else 1.0 - a_s), a_s, a_d
        return 1.0 - a_g1 / mu, a_g1 / mu, a_s / mu
    if metric == METRIC_ALPHA:
        value = dist.cdf(kind, p1, p2, s)
        short = dist.sf(kind, p1, p2, s)
        if integer:
            return value, short, dist.density(kind, p1, p2, s + 1.0)
        return value, short, dist.density(kind, p1, p2, s)
    if metric == METRIC_BETA:
        sa, g1a, _ = dist.tail(kind, p1, p2, mean, s, False)
        sb, g1b, _ = dist.tail(kind, p1, p2, mean, s + q, False)
        short = (g1a - g1b) / q
        value = 1.0 - short
        if s + 0.5 * q - mean < 0.0:
            # below the mean beta is small: take it from the lower tail, as sq_metrics does,
            # so that a target of 1e-9 is met to relative, not absolute, precision
            h1a, _ = dist.lower(kind, p1, p2, mean, s)
            h1b, _ = dist.lower(kind, p1, p2, mean, s + q)
            value = (h1b - h1a) / q
        return value, short, (sa - sb) / q
    # gamma
    shift = 1.0 if integer else 0.0
    _, g1a, g2a = dist.tail(kind, p1, p2, mean, s + shift, False)
    _, g1b, g2b = dist.tail(kind, p1, p2, mean, s + q + shift, False)
    short = (g2a - g2b) / (q * mu)
    net = s + 0.5 * (q + shift) - mean
    if net < 0.0:
        # below the mean the G2 difference cancels (|s| >> Q): E[B] = on hand - E[IN], a sum
        # of two terms >= 0, with on hand from the lower tail, as in sq_metrics
        _, h2a = dist.lower(kind, p1, p2, mean, s)
        _, h2b = dist.lower(kind, p1, p2, mean, s + q)
        short = (max((h2b - h2a) / q, 0.0) - net) / mu
    return 1.0 - short, short, (g1a - g1b) / (q * mu)
