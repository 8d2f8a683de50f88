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

from invsl import _recurrence as rec
from invsl import distributions as dist
from invsl._jit import scalar

ALPHA = 0
BETA = 1
GAMMA = 2
METRIC_NAMES = ("alpha", "beta", "gamma")
#: names accepted for the metric, mapped to the codes above
METRIC_ALIASES = {
    "alpha": ALPHA,
    "cycle_service_level": ALPHA,
    "csl": ALPHA,
    "beta": BETA,
    "fill_rate": BETA,
    "gamma": GAMMA,
    "gamma_service_level": GAMMA,
}


#: integer order quantities up to this size get E[B] as the mean of G1 over the order
#: cycle, which avoids differencing two large G2 values
_SMALL_Q = 8.0


#: relative accuracy a difference of loss values must keep (else: precision limit)
_DIGITS = 1e-9


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

    Poisson and negbin with Q <= ``_recurrence.RECURRENCE_Q`` are evaluated exactly at s + Q
    and stepped down to s by the exact recurrences of ``_recurrence``; E[B] is then the mean
    of G1 over the Q inventory positions (positive terms only).
    """
    if (kind == dist.POISSON or kind == dist.NEGBIN) and q <= rec.RECURRENCE_Q:
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
    """``sq_metrics`` by direct evaluation of the loss functions at both ends of the cycle."""
    alpha = dist.cdf(kind, p1, p2, s)
    integer = dist.is_integer_kind(kind)
    _, g1a, g2a = dist.tail(kind, p1, p2, mean, s)
    sb, g1b, g2b = dist.tail(kind, p1, p2, mean, s + q)
    net = s + 0.5 * (q + 1.0) - mean if integer else s + 0.5 * q - mean
    if net < 0.0:
        # lower-tail loss functions at both ends of the cycle (H1 for beta, H2 for on hand)
        h1a, h2a = dist.lower(kind, p1, p2, mean, s)
        h1b, h2b = dist.lower(kind, p1, p2, mean, s + q)
    if integer and q <= _SMALL_Q:
        # sums over the Q equally likely inventory positions s+1 .. s+Q: exact and free of
        # cancellation (E[B] = mean of G1, on hand = mean of H1)
        total_b = 0.0
        total_h = 0.0
        y = s + 1.0
        while y <= s + q:
            _, g1y, _ = dist.tail(kind, p1, p2, mean, y)
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
            _, _, g2a = dist.tail(kind, p1, p2, mean, s + 1.0)
            _, _, g2b = dist.tail(kind, p1, p2, mean, s + q + 1.0)
        backorders = max((g2a - g2b) / q, 0.0)
        on_hand = net + backorders
    on_hand = max(on_hand, 0.0)
    # s + Q is rounded (normal, gamma; integers are exact and a point mass has no density):
    # an error of |s + Q| eps / 2 in the argument of the loss functions at s + Q, whose
    # slopes there are -S(s + Q), F(s + Q) (first order) and -G1, H1 (second order)
    rounding = abs(s) + q if kind == dist.NORMAL or kind == dist.GAMMA else 0.0
    if net < 0.0:
        # 1 - (G1(s) - G1(s + Q)) / Q = (H1(s + Q) - H1(s)) / Q, accurate when beta is small
        beta = (h1b - h1a) / q
        lost = _lost(h1a + h1b + rounding * (1.0 - sb), h1b - h1a, q, 1.0)
        if not (integer and q <= _SMALL_Q):
            lost = lost or _lost(h2a + h2b + rounding * h1b, h2b - h2a, q, mu)
    else:
        beta = 1.0 - (g1a - g1b) / q
        lost = _lost(g1a + g1b + rounding * sb, g1a - g1b, q, 1.0)
        if not (integer and q <= _SMALL_Q):
            lost = lost or _lost(g2a + g2b + rounding * g1b, g2a - g2b, q, mu)
    if lost:
        # fewer than ~9 correct digits: NaN, flagged as a precision limit by the caller
        nan = math.nan
        return nan, nan, nan, nan, nan, nan
    beta = min(max(beta, 0.0), 1.0)
    if kind != dist.NORMAL and s + q <= 0.0:
        beta = 0.0
        on_hand = 0.0
    gamma = 1.0 - backorders / mu
    return alpha, beta, gamma, beta, backorders, on_hand


@scalar
def metric_and_slope(metric, kind, p1, p2, mean, s, q, mu):
    """One metric at s, its shortfall 1 - metric and its slope in s (for the solvers).

    Far upper tails are evaluated with the fast closed forms (``tail(..., exact=False)``).

    The shortfall is computed directly (no cancellation when the metric is close to 1):
    alpha: P(X > s); beta: (G1(s) - G1(s + Q)) / Q; gamma: E[B] / mu.

    The slope is, for continuous X, the derivative; for integer X the forward difference
    metric(s + 1) - metric(s), which the formulas give exactly:

    - alpha: f(s) (continuous), P(X = s + 1) (integer)
    - beta: (F(s + Q) - F(s)) / Q for both
    - gamma: (1 - beta(s)) / mu (continuous), (1 - beta(s + 1)) / mu (integer)
    """
    integer = dist.is_integer_kind(kind)
    if metric == ALPHA:
        value = dist.cdf(kind, p1, p2, s)
        short = dist.sf(kind, p1, p2, s)
        if integer:
            return value, short, dist.density(kind, p1, p2, s + 1.0)
        return value, short, dist.density(kind, p1, p2, s)
    if metric == BETA:
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
