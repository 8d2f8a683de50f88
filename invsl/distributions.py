"""Lead-time demand distributions and their loss functions, as compiled scalar functions.

A lead-time demand X is described by four numbers ``(kind, p1, p2, mean)``:

============  ==========================  ==================================
kind          p1                          p2
============  ==========================  ==================================
NORMAL        mean                        standard deviation
GAMMA         shape k                     scale theta
POISSON       mean lambda                 (unused)
NEGBIN        size r                      success probability p
POINT         the value (X is constant)   (unused)
POINT_INT     the value, an integer       (unused)
============  ==========================  ==================================

``fit`` turns per-period demand and lead time into these parameters with the two-moment fit of
the contract (docs/service-levels.md). The loss functions follow the contract:

- ``G1(x) = E[(X - x)^+]``
- continuous X: ``G2(x) = E[((X - x)^+)^2] / 2``
- integer X: ``G2(x) = E[(X - x)^+ ((X - x)^+ + 1)] / 2``

Tails are computed without cancellation: the normal upper tail through the Laplace continued
fraction of the Mills ratio, the gamma upper tail through the continued fraction of the upper
incomplete gamma function, and the Poisson and negative binomial upper tails by summing the
probability mass function forward (it decays geometrically there). Lower tails and the bulk use
the closed forms with the incomplete gamma and beta functions of ``scipy.special``.
"""

from __future__ import annotations

import math

from invsl import _special as sp
from invsl._jit import scalar, tiny

# Distribution codes as accepted from users (the ``distribution`` column).
NORMAL = 0
GAMMA = 1
POISSON = 2
NEGBIN = 3
DISTRIBUTION_NAMES = ("normal", "gamma", "poisson", "negbin")
#: codes of the fitted lead-time demand (``lead_time_distribution`` column)
POINT = 4
POINT_INT = 5
KIND_NAMES = ("normal", "gamma", "poisson", "negbin", "deterministic", "deterministic")

_TINY = 1e-300
_CF_EPS = 1e-16
_CF_MAX = 100_000
_TAIL_SUM_MAX = 2_000_000
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@tiny
def is_integer_kind(kind):
    """True for the integer-valued lead-time demand kinds."""
    return kind == POISSON or kind == NEGBIN or kind == POINT_INT


@scalar
def fit(distribution, demand_mean, demand_std, lead_time, lead_time_std):
    """Two-moment fit of lead-time demand.

    Returns ``(kind, p1, p2, mean, sd)``. ``kind`` is -1 when the moments cannot be fitted
    by the requested family (negbin with variance <= mean, gamma with mean 0 and variance > 0).
    """
    mean = demand_mean * lead_time
    var = lead_time * demand_std * demand_std + demand_mean * demand_mean * lead_time_std * lead_time_std
    if distribution == POISSON:
        # demand_std is not used: per-period variance equals the mean.
        var = mean + demand_mean * demand_mean * lead_time_std * lead_time_std
    sd = math.sqrt(var)
    if distribution == NORMAL:
        if var == 0.0:
            return POINT, mean, 0.0, mean, 0.0
        return NORMAL, mean, sd, mean, sd
    if distribution == GAMMA:
        if var == 0.0:
            return POINT, mean, 0.0, mean, 0.0
        if mean <= 0.0:
            return -1, math.nan, math.nan, mean, sd
        return GAMMA, mean * mean / var, var / mean, mean, sd
    if mean == 0.0:
        if var == 0.0:
            return POINT_INT, 0.0, 0.0, 0.0, 0.0
        return -1, math.nan, math.nan, mean, sd
    if distribution == POISSON and var == mean:
        return POISSON, mean, 0.0, mean, sd
    # negbin (also poisson with a random lead time: a Poisson mixture)
    if var <= mean:
        return -1, math.nan, math.nan, mean, sd
    p = mean / var
    return NEGBIN, mean * mean / (var - mean), p, mean, sd


# ---------------------------------------------------------------------------------------------
# probability mass functions without cancellation (Loader's saddle-point form)


@scalar
def _stirlerr(n):
    """log(n!) - log(sqrt(2 pi n) (n/e)^n), the error of Stirling's formula."""
    if n <= 15.0:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LN_SQRT_2PI
    nn = n * n
    s0 = 1.0 / 12.0
    s1 = 1.0 / 360.0
    s2 = 1.0 / 1260.0
    s3 = 1.0 / 1680.0
    s4 = 1.0 / 1188.0
    if n > 500.0:
        return (s0 - s1 / nn) / n
    if n > 80.0:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35.0:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


@scalar
def _bd0(x, np_):
    """x log(x / np) + np - x, accurate when x is close to np."""
    if abs(x - np_) < 0.1 * (x + np_):
        v = (x - np_) / (x + np_)
        s = (x - np_) * v
        ej = 2.0 * x * v
        v2 = v * v
        for j in range(1, 1000):
            ej *= v2
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
        return s
    return x * math.log(x / np_) + np_ - x


@scalar
def poisson_pmf(x, lam):
    """P(X = x) for X ~ Poisson(lam), x a nonnegative integer."""
    if x < 0.0:
        return 0.0
    if x == 0.0:
        return math.exp(-lam)
    return math.exp(-_stirlerr(x) - _bd0(x, lam)) / math.sqrt(2.0 * math.pi * x)


@scalar
def _gamma_pref(k, y):
    """y^k e^-y / Gamma(k) = k * P(Poisson(y) = k) for real k > 0, without cancellation."""
    if y == 0.0:
        return 0.0
    if k <= 15.0:
        return math.exp(k * math.log(y) - y - math.lgamma(k))
    return k * math.exp(-_stirlerr(k) - _bd0(k, y)) / math.sqrt(2.0 * math.pi * k)


@scalar
def _binom_raw(x, n, p, q):
    """Binomial density for real x and n (Loader), used by the negative binomial pmf."""
    if x == 0.0:
        if n == 0.0:
            return 1.0
        if p < 0.1:
            return math.exp(-_bd0(n, n * q) - n * p)
        return math.exp(n * math.log(q))
    if x == n:
        if q < 0.1:
            return math.exp(-_bd0(n, n * p) - n * q)
        return math.exp(n * math.log(p))
    lc = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * p) - _bd0(n - x, n * q)
    lf = math.log(2.0 * math.pi) + math.log(x) + math.log1p(-x / n)
    return math.exp(lc - 0.5 * lf)


@scalar
def negbin_pmf(x, r, p):
    """P(X = x) for the negative binomial with size r and success probability p."""
    if x < 0.0:
        return 0.0
    if x == 0.0:
        return math.exp(r * math.log(p))
    return r / (r + x) * _binom_raw(r, x + r, p, 1.0 - p)


# ---------------------------------------------------------------------------------------------
# cdf, survival function, density and quantile


@scalar
def cdf(kind, p1, p2, x):
    """P(X <= x)."""
    if kind == NORMAL:
        return sp.norm_cdf((x - p1) / p2)
    if kind == GAMMA:
        if x <= 0.0:
            return 0.0
        return sp.gammainc(p1, x / p2)
    if kind == POINT or kind == POINT_INT:
        return 1.0 if x >= p1 else 0.0
    n = math.floor(x)
    if n < 0.0:
        return 0.0
    if kind == POISSON:
        return sp.gammaincc(n + 1.0, p1)
    return sp.betainc(p1, n + 1.0, p2)


@scalar
def sf(kind, p1, p2, x):
    """P(X > x)."""
    if kind == NORMAL:
        return sp.norm_sf((x - p1) / p2)
    if kind == GAMMA:
        if x <= 0.0:
            return 1.0
        return sp.gammaincc(p1, x / p2)
    if kind == POINT or kind == POINT_INT:
        return 0.0 if x >= p1 else 1.0
    n = math.floor(x)
    if n < 0.0:
        return 1.0
    if kind == POISSON:
        return sp.gammainc(n + 1.0, p1)
    return sp.betaincc(p1, n + 1.0, p2)


@scalar
def density(kind, p1, p2, x):
    """Density (continuous kinds) or P(X = x) (integer kinds; x is floored)."""
    if kind == NORMAL:
        z = (x - p1) / p2
        return sp.norm_pdf(z) / p2
    if kind == GAMMA:
        if x <= 0.0:
            return 0.0
        return _gamma_pref(p1, x / p2) / x
    if kind == POISSON:
        return poisson_pmf(math.floor(x), p1)
    if kind == NEGBIN:
        return negbin_pmf(math.floor(x), p1, p2)
    if kind == POINT_INT:
        return 1.0 if math.floor(x) == p1 else 0.0
    return 0.0


@scalar
def quantile(kind, p1, p2, t):
    """Continuous kinds: the x with P(X <= x) = t."""
    if kind == NORMAL:
        return p1 + p2 * sp.ndtri(t)
    if kind == GAMMA:
        return p2 * sp.gammaincinv(p1, t)
    return p1


# ---------------------------------------------------------------------------------------------
# loss functions


@scalar
def _lentz(b0, k, kmode, z):
    """Tail of a continued fraction a_j / (b_j + a_{j+1} / (b_{j+1} + ...)) from j = b0.

    kmode 0: Laplace fraction of the normal Mills ratio, a_j = j, b_j = z.
    kmode 1: upper incomplete gamma, a_j = -j (j - k), b_j = z + 1 + 2 j (z = x/theta - k).
    Modified Lentz algorithm; the value starts from a tiny number in place of b_0 = 0.
    """
    f = _TINY
    c = f
    d = 0.0
    j = b0
    for _ in range(_CF_MAX):
        if kmode == 0:
            a = float(j)
            b = z
        else:
            a = -j * (j - k)
            b = z + 1.0 + 2.0 * j
        d = b + a * d
        if d == 0.0:
            d = _TINY
        c = b + a / c
        if c == 0.0:
            c = _TINY
        d = 1.0 / d
        delta = c * d
        f *= delta
        if abs(delta - 1.0) < _CF_EPS:
            break
        j += 1
    return f


@scalar
def _normal_tail(mean, sd, x, exact):
    """(S, G1, G2) of N(mean, sd^2) at x.

    With ``exact`` the upper tail (z > 3) goes through the continued fraction and keeps full
    relative precision. Without it the closed forms are used everywhere: they lose about
    2 log10(z) digits of G1 and 4 log10(z) digits of G2 relative to their own size in the
    upper tail, which is harmless inside the solver (the tail terms are small there next to
    the shortfall being matched) and several times cheaper.
    """
    z = (x - mean) / sd
    q = sp.norm_sf(z)
    phi = sp.norm_pdf(z)
    if exact and z > 3.0:
        # Mills ratio M = Q/phi = 1/(z + t1), t1 = 1/(z + t2), t2 = 2/(z + 3/(z + ...)):
        # 1 - z M = t1/(z + t1) and (z^2 + 1) M - z = t2 / ((z + t2)(z + t1)).
        t2 = _lentz(2, 0.0, 0, z)
        t1 = 1.0 / (z + t2)
        g1 = sd * phi * t1 / (z + t1)
        g2 = 0.5 * sd * sd * phi * t2 / ((z + t2) * (z + t1))
        return q, g1, g2
    g1 = sd * (phi - z * q)
    g2 = 0.5 * sd * sd * ((z * z + 1.0) * q - z * phi)
    return q, g1, g2


@scalar
def _gamma_tail(k, theta, x, exact):
    """(S, G1, G2) of Gamma(shape k, scale theta) at x (``exact``: as for the normal)."""
    mean = k * theta
    var = mean * theta
    if x <= 0.0:
        d = mean - x
        return 1.0, d, 0.5 * (d * d + var)
    y = x / theta
    q = sp.gammaincc(k, y)
    pref = _gamma_pref(k, y)
    dd = y - k
    if exact and dd > 1.0 and dd > 2.0 * math.sqrt(k):
        # Q / pref = 1 / (dd + 1 - T), T = (1 - k) / (dd + 3 - V), V from the continued fraction.
        v = -_lentz(2, k, 1, dd)  # the first numerator is +2 (2 - k), the others -j (j - k)
        t = (1.0 - k) / (dd + 3.0 - v)
        g1 = theta * pref * (1.0 - t) / (dd + 1.0 - t)
        g2 = 0.5 * theta * theta * pref * (4.0 * k + 2.0 * dd + 2.0 - v * (k + 1.0)) / (
            (dd + 3.0 - v) * (dd + 1.0 - t)
        )
        return q, g1, g2
    g1 = (mean - x) * q + theta * pref
    g2 = 0.5 * (q * ((x - mean) ** 2 + var) + theta * pref * (mean + theta - x))
    return q, g1, g2


@scalar
def _integer_tail_sum(kind, p1, p2, n):
    """(G1, G2) at integer n by summing the pmf forward from n + 1 (upper tail only)."""
    j = n + 1.0
    if kind == POISSON:
        pj = poisson_pmf(j, p1)
    else:
        pj = negbin_pmf(j, p1, p2)
    g1 = 0.0
    g2 = 0.0
    for _ in range(_TAIL_SUM_MAX):
        m = j - n
        t1 = m * pj
        g1 += t1
        g2 += 0.5 * m * (m + 1.0) * pj
        if kind == POISSON:
            ratio = p1 / (j + 1.0)
        else:
            ratio = (j + p1) * (1.0 - p2) / (j + 1.0)
        if pj == 0.0 or (
            ratio < 1.0 and 0.5 * (m + 1.0) * (m + 2.0) * pj * ratio < 1e-17 * g2 * (1.0 - ratio) ** 3
        ):
            break
        pj *= ratio
        j += 1.0
    return g1, g2


@scalar
def _integer_tail(kind, p1, p2, mean, n):
    """(S, G1, G2) of a Poisson or negative binomial X at integer n."""
    if kind == POISSON:
        var = p1
    else:
        var = mean / p2
    if n < 0.0:
        d = mean - n
        return 1.0, d, 0.5 * (var + d * d + d)
    # A0 = P(X > n), A1 = E[X; X > n], A2 = E[X (X - 1); X > n]
    if kind == POISSON:
        a0 = sp.gammainc(n + 1.0, p1)
        pn = poisson_pmf(n, p1)
        pn1 = pn * n / p1  # P(X = n - 1)
        a1 = p1 * (a0 + pn)
        a2 = p1 * p1 * (a0 + pn + pn1)
    else:
        r = p1
        p = p2
        a0 = sp.betaincc(r, n + 1.0, p)
        m2 = (r + 1.0) * (1.0 - p) / p
        a1 = mean if n < 1.0 else mean * sp.betaincc(r + 1.0, n, p)
        a2 = mean * m2 if n < 2.0 else mean * m2 * sp.betaincc(r + 2.0, n - 1.0, p)
    g1 = a1 - n * a0
    c2 = 2.0 * (1.0 - n) * a1
    c3 = n * (n - 1.0) * a0
    g2 = 0.5 * (a2 + c2 + c3)
    # Far in the upper tail the closed forms cancel; the pmf then decays fast, so sum it.
    big1 = n * a0
    big2 = max(a2, abs(c2), c3)
    if n > mean and (big1 > 100.0 * g1 or big2 > 1000.0 * g2 or g2 <= 0.0):
        g1, g2 = _integer_tail_sum(kind, p1, p2, n)
    return a0, g1, g2


@scalar
def tail(kind, p1, p2, mean, x, exact=True):
    """``(S, G1, G2)`` at x: S = P(X > x) and the first and second order loss functions.

    Integer kinds expect an integer x. ``exact=False`` trades the last digits of far upper
    tails (normal, gamma) for speed; the solvers use it, reported metrics never do.
    """
    if kind == NORMAL:
        return _normal_tail(p1, p2, x, exact)
    if kind == GAMMA:
        return _gamma_tail(p1, p2, x, exact)
    if kind == POINT:
        d = p1 - x
        if d > 0.0:
            return 1.0, d, 0.5 * d * d
        return 0.0, 0.0, 0.0
    if kind == POINT_INT:
        d = p1 - x
        if d > 0.0:
            return 1.0, d, 0.5 * d * (d + 1.0)
        return 0.0, 0.0, 0.0
    return _integer_tail(kind, p1, p2, mean, x)


@scalar
def lower(kind, p1, p2, mean, x):
    """(H1, H2) at x: H1(x) = E[(x - X)^+] and the second-order loss of the lower tail H2.

    Continuous X: H2(x) = E[((x - X)^+)^2] / 2; integer X: E[(x - X)^+ ((x - X)^+ + 1)] / 2.
    On-hand stock of (s, Q) is (H2(s + Q) - H2(s)) / Q, which stays accurate when it is
    small next to the backorders (s below the mean), where E[IN] + E[B] would cancel.
    """
    if kind == NORMAL:
        # mirror: x - X with X ~ N(m, sd) is (-X) - (-x), -X ~ N(-m, sd)
        _, h1, h2 = _normal_tail(-p1, p2, -x, True)
        return h1, h2
    if kind == POINT or kind == POINT_INT:
        d = x - p1
        if d <= 0.0:
            return 0.0, 0.0
        return d, (0.5 * d * d if kind == POINT else 0.5 * d * (d + 1.0))
    if x <= 0.0 and kind == GAMMA:
        return 0.0, 0.0
    if x < 0.0:
        return 0.0, 0.0
    if kind == GAMMA:
        k = p1
        y = x / p2
        b0 = sp.gammainc(k, y)
        b1 = mean * sp.gammainc(k + 1.0, y)
        b2 = mean * (k + 1.0) * p2 * sp.gammainc(k + 2.0, y)  # E[X^2; X <= x]
        return x * b0 - b1, 0.5 * (x * x * b0 - 2.0 * x * b1 + b2)
    # B0 = P(X <= x), B1 = E[X; X <= x], B2 = E[X (X - 1); X <= x]
    if kind == POISSON:
        b0 = sp.gammaincc(x + 1.0, p1)
        b1 = p1 * sp.gammaincc(x, p1) if x >= 1.0 else 0.0
        b2 = p1 * p1 * sp.gammaincc(x - 1.0, p1) if x >= 2.0 else 0.0
    else:
        r = p1
        p = p2
        m2 = (r + 1.0) * (1.0 - p) / p
        b0 = sp.betainc(r, x + 1.0, p)
        b1 = mean * sp.betainc(r + 1.0, x, p) if x >= 1.0 else 0.0
        b2 = mean * m2 * sp.betainc(r + 2.0, x - 1.0, p) if x >= 2.0 else 0.0
    return x * b0 - b1, 0.5 * (x * (x + 1.0) * b0 - 2.0 * x * b1 + b2)
