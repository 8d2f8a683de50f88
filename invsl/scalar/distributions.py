"""Lead-time demand distributions and their loss functions, as compiled scalar functions.

A lead-time demand X is described by four numbers ``(kind, p1, p2, mean)``:

====================  ==========================  ==================================
kind                  p1                          p2
====================  ==========================  ==================================
DEMAND_NORMAL         mean                        standard deviation
DEMAND_GAMMA          shape k                     scale theta
DEMAND_POISSON        mean lambda                 (unused)
DEMAND_NEGBIN         size r                      success probability p
DEMAND_POINT          the value (X is constant)   (unused)
DEMAND_POINT_INT      the value, an integer       (unused)
====================  ==========================  ==================================

(the codes are those of ``invsl.vocabulary``)

``fit`` turns per-period demand and lead time into these parameters with the two-moment fit of
the contract (docs/service-levels.md). The loss functions follow the contract:

- ``G1(x) = E[(X - x)^+]``
- continuous X: ``G2(x) = E[((X - x)^+)^2] / 2``
- integer X: ``G2(x) = E[(X - x)^+ ((X - x)^+ + 1)] / 2``

Tails are computed without cancellation: the normal upper tail through the Laplace continued
fraction of the Mills ratio, the gamma upper tail through the continued fraction of the upper
incomplete gamma function, and the Poisson and negative binomial loss functions through centred
closed forms (``_panjer``), with the probability mass function summed outward from the point
in far tails where even those cancel (it decays geometrically there). The bulk uses the
incomplete gamma and beta functions of ``scipy.special``; ``gamma_pq`` replaces scipy's
incomplete gamma function where scipy truncates its series (large shapes and means). Numeric
extremes, and the rows reported as NaN (precision limit), are described in docs/extremes.md.
"""

from __future__ import annotations

import math

from invsl.scalar import special as sp
from invsl.scalar.jit import WITH_GAMMA, WITH_INTEGER, WITH_NORMAL, scalar, tiny
from invsl.vocabulary import (
    DEMAND_GAMMA,
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POINT,
    DEMAND_POINT_INT,
    DEMAND_POISSON,
)

_TINY = 1e-300
_CF_EPS = 1e-16
_CF_MAX = 100_000
_TAIL_SUM_MAX = 2_000_000
#: negbin with Var/E[X] - 1 below this is computed as Poisson (see ``fit``)
_NEGBIN_POISSON_Q = 1e-13
#: scipy's gammainc(a, x) is used except for a >= this and x below a - _GAMMA_BAND sqrt(a),
#: where its series stops after a fixed number of terms (relative errors up to 1e-1 at
#: a = 1e8, 6e-7 at a = 1e6); there the series is summed here until it converges
_GAMMA_BIG = 1e5
_GAMMA_BAND = 4.0
#: closed-form loss functions that lose more than this share of their digits to cancellation
#: fall back to a pmf sum (integer kinds) or are reported as NaN (precision limit)
_CANCEL = 100.0
_CANCEL_MAX = 1e5
_UNDERFLOW = 1e-280
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@tiny
def is_integer_kind(kind):
    """True for the integer-valued lead-time demand kinds."""
    return kind == DEMAND_POISSON or kind == DEMAND_NEGBIN or kind == DEMAND_POINT_INT


@scalar
def fit(distribution, demand_mean, demand_std, lead_time, lead_time_std):
    """Two-moment fit of lead-time demand.

    Returns ``(kind, p1, p2, mean, sd)``. ``kind`` is -1 when the moments cannot be fitted
    by the requested family (negbin with variance <= mean, gamma with mean 0 and variance > 0).
    """
    mean = demand_mean * lead_time
    var = (
        lead_time * demand_std * demand_std
        + demand_mean * demand_mean * lead_time_std * lead_time_std
    )
    if distribution == DEMAND_POISSON:
        # demand_std is not used: per-period variance equals the mean.
        var = mean + demand_mean * demand_mean * lead_time_std * lead_time_std
    sd = math.sqrt(var)
    if distribution == DEMAND_NORMAL:
        if var == 0.0:
            return DEMAND_POINT, mean, 0.0, mean, 0.0
        return DEMAND_NORMAL, mean, sd, mean, sd
    if distribution == DEMAND_GAMMA:
        if var == 0.0:
            return DEMAND_POINT, mean, 0.0, mean, 0.0
        if mean <= 0.0:
            return -1, math.nan, math.nan, mean, sd
        return DEMAND_GAMMA, mean * mean / var, var / mean, mean, sd
    if mean == 0.0:
        if var == 0.0:
            return DEMAND_POINT_INT, 0.0, 0.0, 0.0, 0.0
        return -1, math.nan, math.nan, mean, sd
    if distribution == DEMAND_POISSON and var == mean:
        return DEMAND_POISSON, mean, 0.0, mean, sd
    # negbin (also poisson with a random lead time: a Poisson mixture)
    if var <= mean:
        return -1, math.nan, math.nan, mean, sd
    p = mean / var
    q = 1.0 - p  # exact for p >= 1/2 (Sterbenz); for p < 1/2 q is not small
    if q <= _NEGBIN_POISSON_Q:
        # Var/E[X] - 1 <= 1e-13: the negative binomial equals the Poisson to within that
        # relative difference in every moment; its size r would be astronomically large
        return DEMAND_POISSON, mean, 0.0, mean, math.sqrt(mean)
    # size from the rounded p, so that the fitted distribution has exactly mean r q / p = E[X]
    # (r = E[X]^2 / (Var - E[X]) would put the rounding error of p into the mean)
    return DEMAND_NEGBIN, mean * p / q, p, mean, sd


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
def gamma_pq(a, x):
    """(P(a, x), Q(a, x)): regularized lower and upper incomplete gamma functions.

    scipy's ``gammainc`` / ``gammaincc`` (Temme's uniform expansion near x = a, a continued
    fraction above) except for large a and x more than ``_GAMMA_BAND`` standard deviations
    below a: there scipy truncates its power series, so P is summed here,

        P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)),

    until the terms fall below 1e-17 of the sum: about 5 sqrt(a) terms at most (the terms
    decay like exp(-n (a - x) / a - n^2 / 2a)), so O(sqrt(a)) work. NaN if it does not
    converge within 100 sqrt(a) terms (never seen).
    """
    if x <= 0.0:
        return 0.0, 1.0
    if a < _GAMMA_BIG or x >= a - _GAMMA_BAND * math.sqrt(a):
        return sp.gammainc(a, x), sp.gammaincc(a, x)
    term = 1.0
    total = 1.0
    n = 1.0
    cap = 100.0 * math.sqrt(a)
    while n < cap:
        term *= x / (a + n)
        total += term
        if term < 1e-17 * total:
            p = _gamma_pref(a, x) / a * total
            return p, 1.0 - p
        n += 1.0
    return math.nan, math.nan


@tiny
def _scipy_band(a, x):
    """True where ``gamma_pq`` takes scipy's values (x > 0 outside the summed band)."""
    return x > 0.0 and (a < _GAMMA_BIG or x >= a - _GAMMA_BAND * math.sqrt(a))


@tiny
def gamma_p(a, x):
    """Regularized lower incomplete gamma function P(a, x) (see ``gamma_pq``; the same value,
    without the call to scipy's Q that ``gamma_pq`` makes beside it, which costs ten times P
    for a < 1)."""
    if _scipy_band(a, x):
        return sp.gammainc(a, x)
    return gamma_pq(a, x)[0]


@tiny
def gamma_q(a, x):
    """Regularized upper incomplete gamma function Q(a, x) (see ``gamma_pq``; the same value,
    without the call to scipy's P)."""
    if _scipy_band(a, x):
        return sp.gammaincc(a, x)
    return gamma_pq(a, x)[1]


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
    if r > 1e6 and x < 1e-3 * r:
        # near the Poisson limit x + r is not exact: P = Poisson(x; m) exp(A + B + x log p),
        # m = r q / p, A = log Gamma(x + r) - log Gamma(r) - x log r, B = r log p + m,
        # each a short series in x / r or q (all terms small, no cancellation)
        q = 1.0 - p
        u = x / r
        phi = 0.0  # (1 + u) log1p(u) - u = sum_k>=2 (-1)^k u^k / (k (k - 1))
        t = u
        for k in range(2, 40):
            t *= -u if k > 2 else u
            term = t / (k * (k - 1.0))
            phi += term
            if abs(term) <= 1e-17 * abs(phi):
                break
        a = r * phi - 0.5 * math.log1p(u) - x / (12.0 * r * (r + x))
        psi = 0.0  # q / (1 - q) + log1p(-q) = sum_k>=2 (k - 1) / k q^k
        t = q
        for k in range(2, 200):
            t *= q
            term = (k - 1.0) / k * t
            psi += term
            if term <= 1e-17 * psi:
                break
        return poisson_pmf(x, r * q / p) * math.exp(a + r * psi + x * math.log1p(-q))
    return r / (r + x) * _binom_raw(r, x + r, p, 1.0 - p)


# ---------------------------------------------------------------------------------------------
# cdf, survival function, density and quantile


@scalar
def cdf(kind, p1, p2, x):
    """P(X <= x)."""
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        return sp.norm_cdf((x - p1) / p2)
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        if x <= 0.0:
            return 0.0
        return gamma_p(p1, x / p2)
    if kind == DEMAND_POINT or kind == DEMAND_POINT_INT or not WITH_INTEGER:
        return 1.0 if x >= p1 else 0.0
    n = math.floor(x)
    if n < 0.0:
        return 0.0
    if kind == DEMAND_POISSON:
        return gamma_q(n + 1.0, p1)
    return sp.betainc(p1, n + 1.0, p2)


@scalar
def sf(kind, p1, p2, x):
    """P(X > x)."""
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        return sp.norm_sf((x - p1) / p2)
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        if x <= 0.0:
            return 1.0
        return gamma_q(p1, x / p2)
    if kind == DEMAND_POINT or kind == DEMAND_POINT_INT or not WITH_INTEGER:
        return 0.0 if x >= p1 else 1.0
    n = math.floor(x)
    if n < 0.0:
        return 1.0
    if kind == DEMAND_POISSON:
        return gamma_p(n + 1.0, p1)
    return sp.betaincc(p1, n + 1.0, p2)


@scalar
def density(kind, p1, p2, x):
    """Density (continuous kinds) or P(X = x) (integer kinds; x is floored)."""
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        z = (x - p1) / p2
        return sp.norm_pdf(z) / p2
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        if x <= 0.0:
            return 0.0
        return _gamma_pref(p1, x / p2) / x
    # (whole numbers as float64, as the other callers of the pmfs pass them: math.floor
    # gives an int64, which would compile the pmfs a second time)
    if WITH_INTEGER and kind == DEMAND_POISSON:
        return poisson_pmf(float(math.floor(x)), p1)
    if WITH_INTEGER and kind == DEMAND_NEGBIN:
        return negbin_pmf(float(math.floor(x)), p1, p2)
    if kind == DEMAND_POINT_INT:
        return 1.0 if math.floor(x) == p1 else 0.0
    return 0.0


@scalar
def quantile(kind, p1, p2, t):
    """Continuous kinds: the x with P(X <= x) = t."""
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        return p1 + p2 * sp.ndtri(t)
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        y = sp.gammaincinv(p1, t)
        if p1 >= _GAMMA_BIG and y > 0.0 and y < p1 - _GAMMA_BAND * math.sqrt(p1):
            # scipy's inverse relies on its own P(a, x), inaccurate here (see gamma_pq):
            # polish with Newton steps on the accurate P (quadratic convergence)
            for _ in range(4):
                f = _gamma_pref(p1, y) / y
                step = (gamma_p(p1, y) - t) / f
                y -= step
                if abs(step) <= 1e-15 * y:
                    break
        return p2 * y
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
def standard_normal_tail(z, exact):
    """(Phi-bar(z), phi(z), L1(z), L2(z)) of the standard normal.

    L1 = phi - z Phi-bar and L2 = ((z^2 + 1) Phi-bar - z phi) / 2 are the standard first and
    second order loss functions. With ``exact`` the upper tail (z > 3) goes through the
    continued fraction and keeps full relative precision. Without it the closed forms are
    used everywhere: they lose about 2 log10(z) digits of L1 and 4 log10(z) digits of L2
    relative to their own size in the upper tail, which is harmless inside the solvers (the
    tail terms are small there next to the shortfall being matched) and several times
    cheaper.
    """
    q, phi = sp.norm_sf_pdf(z)
    if exact and z > 3.0:
        # Mills ratio M = Q/phi = 1/(z + t1), t1 = 1/(z + t2), t2 = 2/(z + 3/(z + ...)):
        # 1 - z M = t1/(z + t1) and (z^2 + 1) M - z = t2 / ((z + t2)(z + t1)).
        t2 = _lentz(2, 0.0, 0, z)
        t1 = 1.0 / (z + t2)
        return q, phi, phi * t1 / (z + t1), 0.5 * phi * t2 / ((z + t2) * (z + t1))
    return q, phi, phi - z * q, 0.5 * ((z * z + 1.0) * q - z * phi)


@scalar
def _normal_tail(mean, sd, x, exact):
    """(S, G1, G2) of N(mean, sd^2) at x (``standard_normal_tail`` scaled: G1 = sd L1,
    G2 = sd^2 L2)."""
    q, _, l1, l2 = standard_normal_tail((x - mean) / sd, exact)
    return q, sd * l1, sd * sd * l2


@scalar
def _gamma_tail(k, theta, x, exact):
    """(S, G1, G2) of Gamma(shape k, scale theta) at x (``exact``: as for the normal)."""
    mean = k * theta
    var = mean * theta
    if x <= 0.0:
        d = mean - x
        return 1.0, d, 0.5 * (d * d + var)
    y = x / theta
    q = gamma_q(k, y)
    pref = _gamma_pref(k, y)
    if q == 0.0 and pref == 0.0:
        return 0.0, 0.0, 0.0  # beyond the smallest double (the continued fraction overflows)
    dd = y - k
    if exact and dd > 1.0 and dd > 2.0 * math.sqrt(k):
        # Q / pref = 1 / (dd + 1 - T), T = (1 - k) / (dd + 3 - V), V from the continued fraction.
        v = -_lentz(2, k, 1, dd)  # the first numerator is +2 (2 - k), the others -j (j - k)
        t = (1.0 - k) / (dd + 3.0 - v)
        g1 = theta * pref * (1.0 - t) / (dd + 1.0 - t)
        g2 = (
            0.5
            * theta
            * theta
            * pref
            * (4.0 * k + 2.0 * dd + 2.0 - v * (k + 1.0))
            / ((dd + 3.0 - v) * (dd + 1.0 - t))
        )
        return q, g1, g2
    g1 = (mean - x) * q + theta * pref
    g2 = 0.5 * (q * ((x - mean) ** 2 + var) + theta * pref * (mean + theta - x))
    return q, g1, g2


@scalar
def _integer_tail_sum(kind, p1, p2, n):
    """(G1, G2) at integer n by summing the pmf forward from n + 1 (upper tail only).

    NaN if the terms have not become negligible after ``_TAIL_SUM_MAX`` terms.
    """
    j = n + 1.0
    if kind == DEMAND_POISSON:
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
        if kind == DEMAND_POISSON:
            ratio = p1 / (j + 1.0)
        else:
            ratio = (j + p1) * (1.0 - p2) / (j + 1.0)
        if pj == 0.0 or (
            ratio < 1.0
            and 0.5 * (m + 1.0) * (m + 2.0) * pj * ratio < 1e-17 * g2 * (1.0 - ratio) ** 3
        ):
            return g1, g2
        pj *= ratio
        j += 1.0
    return math.nan, math.nan


@scalar
def _panjer(kind, p1, p2, mean, n):
    """(pn, var, c, c1) for the centred loss-function formulas at integer n >= 0.

    Poisson and negative binomial pmfs satisfy (x + 1) P(x + 1) = (alpha + beta x) P(x)
    (Panjer class; Poisson: alpha = lambda, beta = 0; negbin: alpha = r q, beta = q). With
    c1 = 1 / (1 - beta), E[X] = alpha c1, Var[X] = E[X] c1 and c = E[X] + beta c1 n, summing
    the recursion over x >= n gives, with d = n - E[X], S = P(X > n), F = P(X <= n) and
    pn = P(X = n):

        G1 = -d S + c pn                      H1 = d F + c pn
        2 G2 = (d^2 - d + Var) S + c (c1 + 1 - d) pn
        2 H2 = (d^2 + d + Var) F + c (d + 1 - c1) pn

    Every term is of the size of the result times a factor (d / sd)^2 at most, unlike the
    moment form E[X; X > n] - n S, which cancels to E[X] / sd digits at large means.
    """
    if kind == DEMAND_POISSON:
        return poisson_pmf(n, p1), p1, p1, 1.0
    c1 = 1.0 / p2
    return negbin_pmf(n, p1, p2), mean * c1, mean + (1.0 - p2) * c1 * n, c1


@scalar
def _integer_tail(kind, p1, p2, mean, n):
    """(S, G1, G2) of a Poisson or negative binomial X at integer n (see ``_panjer``)."""
    if n < 0.0:
        var = p1 if kind == DEMAND_POISSON else mean / p2
        d = mean - n
        return 1.0, d, 0.5 * (var + d * d + d)
    if kind == DEMAND_POISSON:
        a0 = gamma_p(n + 1.0, p1)
    else:
        a0 = sp.betaincc(p1, n + 1.0, p2)
    pn, var, c, c1 = _panjer(kind, p1, p2, mean, n)
    d = n - mean
    t1 = d * a0
    t2 = (d * d - d + var) * a0
    g1 = c * pn - t1
    g2 = 0.5 * (t2 + c * (c1 + 1.0 - d) * pn)
    # Far in the upper tail the two terms cancel; the pmf decays fast there: sum it when the
    # sum is short (about 40 decay lengths G1 / S), else keep the closed form if it still
    # holds enough digits, else NaN (precision limit).
    if a0 < _UNDERFLOW:
        # beyond ~1e-280 nothing reported depends on the value (G2 >= G1 >= S hold)
        return a0, a0, a0
    if d > 0.0 and (t1 > _CANCEL * g1 or t2 > _CANCEL * 2.0 * g2 or g2 <= 0.0):
        if a0 > 0.0 and 50.0 * abs(g1) / a0 < _TAIL_SUM_MAX:
            g1, g2 = _integer_tail_sum(kind, p1, p2, n)
        elif t1 > _CANCEL_MAX * g1 or t2 > _CANCEL_MAX * 2.0 * g2 or g2 <= 0.0:
            if a0 > 0.0:
                return a0, math.nan, math.nan
            return 0.0, 0.0, 0.0
    return a0, g1, g2


@scalar
def tail(kind, p1, p2, mean, x, exact):
    """``(S, G1, G2)`` at x: S = P(X > x) and the first and second order loss functions.

    Integer kinds expect an integer x. ``exact=False`` trades the last digits of far upper
    tails (normal, gamma) for speed; the solvers use it, reported metrics never do. (No
    default: a call that omitted it would compile a second copy beside the one for a bool.)
    """
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        return _normal_tail(p1, p2, x, exact)
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        return _gamma_tail(p1, p2, x, exact)
    if kind == DEMAND_POINT:
        d = p1 - x
        if d > 0.0:
            return 1.0, d, 0.5 * d * d
        return 0.0, 0.0, 0.0
    if kind == DEMAND_POINT_INT:
        d = p1 - x
        if d > 0.0:
            return 1.0, d, 0.5 * d * (d + 1.0)
        return 0.0, 0.0, 0.0
    if WITH_INTEGER:
        return _integer_tail(kind, p1, p2, mean, x)
    return math.nan, math.nan, math.nan  # (not reached: a kind of another compile unit)


@scalar
def lower(kind, p1, p2, mean, x):
    """(H1, H2) at x: H1(x) = E[(x - X)^+] and the second-order loss of the lower tail H2.

    Continuous X: H2(x) = E[((x - X)^+)^2] / 2; integer X: E[(x - X)^+ ((x - X)^+ + 1)] / 2.
    On-hand stock of (s, Q) is (H2(s + Q) - H2(s)) / Q, which stays accurate when it is
    small next to the backorders (s below the mean), where E[IN] + E[B] would cancel.
    """
    if WITH_NORMAL and kind == DEMAND_NORMAL:
        # mirror: x - X with X ~ N(m, sd) is (-X) - (-x), -X ~ N(-m, sd)
        _, h1, h2 = _normal_tail(-p1, p2, -x, True)
        return h1, h2
    if kind == DEMAND_POINT or kind == DEMAND_POINT_INT:
        d = x - p1
        if d <= 0.0:
            return 0.0, 0.0
        return d, (0.5 * d * d if kind == DEMAND_POINT else 0.5 * d * (d + 1.0))
    if x <= 0.0 and kind == DEMAND_GAMMA:
        return 0.0, 0.0
    if x < 0.0 or (x == 0.0 and kind != DEMAND_GAMMA):
        return 0.0, 0.0
    d = x - mean
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        # mirror of the upper tail: H1 = d P + theta pref, 2 H2 = (d^2 + Var) P + theta pref (d - theta)
        theta = p2
        y = x / theta
        b0 = gamma_p(p1, y)
        pref = _gamma_pref(p1, y)
        h1 = d * b0 + theta * pref
        h2 = 0.5 * ((d * d + mean * theta) * b0 + theta * pref * (d - theta))
        return max(h1, 0.0), max(h2, 0.0)
    if not WITH_INTEGER:
        return math.nan, math.nan  # (not reached: a kind of another compile unit)
    if kind == DEMAND_POISSON:
        b0 = gamma_q(x + 1.0, p1)
    else:
        b0 = sp.betainc(p1, x + 1.0, p2)
    pn, var, c, c1 = _panjer(kind, p1, p2, mean, x)
    t1 = -d * b0
    t2 = (d * d + d + var) * b0
    h1 = d * b0 + c * pn
    h2 = 0.5 * (t2 + c * (d + 1.0 - c1) * pn)
    if b0 < _UNDERFLOW:
        return b0, b0
    if d < 0.0 and (t1 > _CANCEL * h1 or t2 > _CANCEL * 2.0 * h2 or h2 <= 0.0):
        # far in the lower tail the two terms cancel; the pmf decays fast below x: sum it
        if b0 > 0.0 and 50.0 * abs(h1) / b0 < _TAIL_SUM_MAX:
            return _integer_lower_sum(kind, p1, p2, mean, x)
        if t1 > _CANCEL_MAX * h1 or t2 > _CANCEL_MAX * 2.0 * h2 or h2 <= 0.0:
            if b0 > 0.0:
                return math.nan, math.nan
            return 0.0, 0.0
    return h1, h2


@scalar
def _integer_lower_sum(kind, p1, p2, mean, x):
    """(H1, H2) at integer x >= 0 by summing the pmf downward from x - 1 (lower tail).

    P(j - 1) = j P(j) / (alpha + beta (j - 1)) (see ``_panjer``); NaN if the terms have not
    become negligible after ``_TAIL_SUM_MAX`` terms.
    """
    if kind == DEMAND_POISSON:
        alpha = p1
        beta = 0.0
    else:
        beta = 1.0 - p2
        alpha = p1 * beta
    j = x
    pj = poisson_pmf(j, p1) if kind == DEMAND_POISSON else negbin_pmf(j, p1, p2)
    h1 = 0.0
    h2 = 0.0
    for _ in range(_TAIL_SUM_MAX):
        if j <= 0.0 or pj == 0.0:
            return h1, h2
        pj = pj * j / (alpha + beta * (j - 1.0))  # P(j - 1)
        j -= 1.0
        m = x - j
        h1 += m * pj
        h2 += 0.5 * m * (m + 1.0) * pj
        if j > 0.0:
            ratio = j / (alpha + beta * (j - 1.0))
            if (
                ratio < 1.0
                and 0.5 * (m + 1.0) * (m + 2.0) * pj * ratio < 1e-17 * h2 * (1.0 - ratio) ** 3
            ):
                return h1, h2
    return math.nan, math.nan
