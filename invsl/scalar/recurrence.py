"""Exact recurrences between neighbouring integers for Poisson and negative binomial demand.

With S(x) = P(X > x), p(x) = P(X = x) and the contract's loss functions,

    S(x - 1)  = S(x) + p(x)
    G1(x - 1) = G1(x) + S(x - 1)          (G1(x) - G1(x + 1) = P(X > x))
    G2(x - 1) = G2(x) + G1(x - 1)         (integer G2(x) = sum over y >= x of G1(y))
    p(x - 1)  = p(x) * x / lambda                         (Poisson)
              = p(x) * x / ((x - 1 + r) * (1 - p_s))      (negative binomial, size r)

Every step adds nonnegative terms, so stepping *down* never cancels: the relative error grows
by about one rounding error per step. (Stepping up would subtract, and is never done.)

``window`` evaluates the state exactly at the top of an (s, Q) order cycle and steps down to
its bottom, collecting the sum of G1 over the Q inventory positions on the way, which is Q
times the expected backorders: a sum of positive terms, free of the cancellation of the
G2 difference.
"""

from __future__ import annotations

import math

from invsl.scalar import distributions as dist
from invsl.scalar.jit import scalar
from invsl.vocabulary import DEMAND_POISSON

#: order quantities up to this size get the bottom of the cycle by recurrence from the top
RECURRENCE_Q = 64.0


@scalar
def _pmf(kind, p1, p2, x):
    if kind == DEMAND_POISSON:
        return dist.poisson_pmf(x, p1)
    return dist.negbin_pmf(x, p1, p2)


@scalar
def down_ratio(kind, p1, p2, x):
    """p(x - 1) / p(x) (0 at x = 0: there is no mass below 0)."""
    if x <= 0.0:
        return 0.0
    if kind == DEMAND_POISSON:
        return x / p1
    return x / ((x - 1.0 + p1) * (1.0 - p2))


@scalar
def _exact(kind, p1, p2, mean, x):
    """State (S, G1, G2, p) at the integer x."""
    s_, g1, g2 = dist.tail(kind, p1, p2, mean, x, True)
    return s_, g1, g2, _pmf(kind, p1, p2, x)


@scalar
def window(kind, p1, p2, mean, s, q):
    """States at the top (s + Q) and bottom (s) of the cycle, and the window sum.

    Returns ``(tS, tG1, tG2, tp, bS, bG1, bG2, bp, w)`` with w = sum of G1(y) over
    y = s + 1 .. s + Q (NaN when Q > RECURRENCE_Q: then E[B] comes from G2).
    """
    top = s + q
    t_s, t_g1, t_g2, t_p = _exact(kind, p1, p2, mean, top)
    if q > RECURRENCE_Q or (t_p == 0.0 and top >= 0.0):
        # (a pmf that underflowed to 0 at the top would step down as 0: evaluate the bottom)
        b_s, b_g1, b_g2, b_p = _exact(kind, p1, p2, mean, s)
        return t_s, t_g1, t_g2, t_p, b_s, b_g1, b_g2, b_p, math.nan
    b_s, b_g1, b_g2, b_p = t_s, t_g1, t_g2, t_p
    w = 0.0
    x = top
    while x > s:
        w += b_g1
        b_p_next = b_p * down_ratio(kind, p1, p2, x)
        b_s += b_p
        b_g1 += b_s
        b_g2 += b_g1
        b_p = b_p_next
        x -= 1.0
    return t_s, t_g1, t_g2, t_p, b_s, b_g1, b_g2, b_p, w
