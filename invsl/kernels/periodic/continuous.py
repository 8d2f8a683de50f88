"""Periodic review with continuous demand (normal, gamma, deterministic).

(R, S) and (R, s, nQ) need no approximation: the inventory position after a review is S, or
uniform on (s, s + Q], and every metric is a closed form in the loss functions (module
``periodic``). This module holds what continuous (R, s, S) and the alpha of (R, s, S) and
(R, s, nQ) need:

- ``stationary_lattice``: the stationary distribution of W = S - Y (Y the inventory
  position after a review) under (R, s, S). The R-period demand D_R is put on a fine lattice
  of step h = (S - s) / (N - 1/2) (N >= 128, 256 for a skewed gamma D_R of shape < 3;
  h <= min(E[D_R], sd(D_R)) / 8 where N <= 4096 allows), each lattice point j h carrying
  P((j - 1/2) h < D_R <= (j + 1/2) h) (P(D_R <= h/2) at 0, so negative normal demand counts
  as none; a gamma's cells away from 0 by Gauss-Legendre on its density), and the renewal
  form of the integer chain (module ``periodic_integer``) gives W on the lattice exactly.
  The lattice distribution is then summarised on at most 65 points: the atom W = 0
  (order-up-to level S, reached after every order) and bins of lattice cells. A bin is two
  points of half its mass at its mean -+ its standard deviation (its mass, mean
  and variance kept: fourth order in the bin width), with ceil(2 (S - s) / resolution) bins,
  8 .. 32, resolution the smallest standard deviation of D(L) and D_R; a lumpy gamma D_R
  (shape < 1), or a deterministic D(L), gets 64 bins of one point at the conditional mean.
  tests/test_periodic.py checks the result against a long simulation (within 0.002 on every
  metric) and against a 3,000-cell lattice without binning.
- ``alpha_integral`` (R, s, nQ) and ``alpha_rss`` (R, s, S): alpha = E[P(D_L <= s - U) |
  order] by Gauss-Legendre quadrature over the undershoot U, with the regions where
  P(D_L <= .) is 0 or 1 integrated in closed form. For (R, s, S) the undershoot density is a
  mixture over the summarised positions, and one quadrature grid serves every position:
  P(D_L <= s - u) is evaluated once per node. ``alpha_rss`` also returns the derivative in
  s (the same quadrature of the undershoot density times f_L(s - u)), the slope of the
  solver's Newton step on an alpha target. Gamma demand takes no incomplete gamma function
  per node or position where the steps are short: the tails at the nodes (P(D_L <= s - u);
  for (R, s, nQ) also P(D_R > x) and P(D_R > x + q)) go from node to node by Gauss-Legendre
  on the density (``_gamma_mass``), and the mass of undershoots above u (``mass_above``)
  from position to position as the loss functions do (``_gamma_step``). The denominator of
  (R, s, S), the probability that a review orders, does not depend on s: it is computed
  once per row (``metrics.context``).
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import distributions as dist
from invsl.scalar.jit import WITH_GAMMA, scalar, tiny
from invsl.vocabulary import DEMAND_GAMMA, DEMAND_NORMAL, DEMAND_POINT, DEMAND_POINT_INT

_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
#: Gauss-Legendre rules on a gamma density: lattice cells (3 points) and the segments between
#: summarised positions (4 points)
_GL3_X, _GL3_W = np.polynomial.legendre.leggauss(3)
_GL4_X, _GL4_W = np.polynomial.legendre.leggauss(4)
#: bins of the summarised (R, s, S) position distribution (besides the atom at S)
BINS = 64
#: fewest two-point bins (see ``stationary_lattice``)
BINS_MIN = 8
#: least number of lattice cells: 128, or 256 for a gamma D_R of shape below _SKEWED_SHAPE
#: (a density that is infinite at 0 for shape < 1, and steep there up to shape 2 or 3: the
#: lattice error is then O(h^(1 + shape)) rather than O(h^2))
_LATTICE_MIN = 128
_LATTICE_MIN_LUMPY = 256
_SKEWED_SHAPE = 3.0
_LATTICE_MAX = 4096
_EPS_TAIL = 1e-15
#: width of a quadrature panel of ``alpha_rss`` in units of ``_panel_scale``
_RSS_SPAN = 3.0
#: the gamma walks (``_walkable``) stay at least this fraction of the mean above 0: the ratio
#: of the density to its value at the mean (``_gamma_log_ratio``) takes log1p of
#: (t - mean) / mean, which keeps only about 1e-16 mean / t of t's relative precision (none
#: below 1e-16 mean); above 1e-4 mean the density is good to about 1e-12
_RATIO_LOW = 1e-4
#: the quadratures of alpha skip a node whose c - P(D_L <= s - u) is below this fraction of c
#: (a walked gamma mass: where P(D_L <= s - u) rounds to c the closed form gave 0 there)
_NEGLIGIBLE = 1e-16


@scalar
def lower_bound(kind, p1, p2, mean, sd):
    """A point below which the mass of D is negligible (< about 1e-15)."""
    if kind == DEMAND_NORMAL:
        return mean - 8.5 * sd
    if kind == DEMAND_GAMMA:
        return dist.quantile(kind, p1, p2, _EPS_TAIL)
    return p1


@scalar
def upper_bound(kind, p1, p2, mean, sd):
    """A point above which the mass of D is negligible (< about 1e-15)."""
    if kind == DEMAND_NORMAL:
        return mean + 8.5 * sd
    if kind == DEMAND_GAMMA:
        return max(dist.quantile(kind, p1, p2, 1.0 - _EPS_TAIL), mean + 8.5 * sd)
    return p1


@scalar
def less_than(kind, p1, p2, y, sfv):
    """P(D < y) given sfv = P(D > y)."""
    if kind == DEMAND_POINT or kind == DEMAND_POINT_INT:
        return 1.0 if y > p1 else 0.0
    return 1.0 - sfv


@scalar
def weighted_points(kind, p1, p2, mean, top, offsets, weights):
    """(sum_k w_k G1(top - o_k), sum_k w_k P(D < top - o_k)), ``offsets`` the summarised
    positions of ``stationary_lattice`` (ascending, as it makes them). The tails are the closed forms without
    the continued fractions of the far upper tail (``distributions.tail`` with ``exact``
    False): in an average over positions a term far in the upper tail loses digits only of
    itself, about 1e-13 z^2 of its own size (normal), nothing the average can show. A gamma
    D goes from point to point by its density (``_gamma_points``)."""
    if WITH_GAMMA and kind == DEMAND_GAMMA:
        return _gamma_points(p1, p2, top, offsets, weights)
    acc_g1 = 0.0
    acc_lt = 0.0
    for k in range(weights.shape[0]):
        y = top - offsets[k]
        sfv, g1, _ = dist.tail(kind, p1, p2, mean, y, False)
        acc_g1 += weights[k] * g1
        acc_lt += weights[k] * less_than(kind, p1, p2, y, sfv)
    return acc_g1, acc_lt


@tiny
def _gamma_log_ratio(k, theta, mean, t):
    """log(f(t) / f(mean)) of a gamma density (shape k, scale theta, mean k theta), centred at
    the mean so that a large shape loses no digits to cancellation."""
    d = t - mean
    return (k - 1.0) * math.log1p(d / mean) - d / theta


@tiny
def _walkable(width, span, low, mean):
    """True where a segment of a gamma walk from a point to one ``width`` below it at ``low``
    may take the density's Gauss-Legendre rule (``_gamma_segment``): 0 <= width <= span (a
    fraction of the standard deviation), width <= low/4 (away from 0, where the density may
    have a cusp) and low >= 1e-4 mean (``_RATIO_LOW``)."""
    return width >= 0.0 and width <= span and width <= 0.25 * low and low >= _RATIO_LOW * mean


@scalar
def _gamma_segment(k, theta, mean, y, width):
    """4-point Gauss-Legendre sums over [y, y + width] of a gamma density relative to its value
    at the mean, f(t) / f(mean), and of (t - y) f(t) / f(mean): times width/2 and f(mean),
    the integrals of f and of (t - y) f over the segment (``width`` < 0: over
    [y + width, y], with the sign of the integral from y to y + width)."""
    mass = 0.0
    first = 0.0
    for n in range(_GL4_X.shape[0]):
        t = y + 0.5 * width * (1.0 + _GL4_X[n])
        f = _GL4_W[n] * math.exp(_gamma_log_ratio(k, theta, mean, t))
        mass += f
        first += f * (t - y)
    return mass, first


@scalar
def _gamma_step(k, theta, mean, sd, f_mean, y, prev, sfv, g1, loss):
    """One step of the gamma walk from the point ``prev`` to y: (P(D > y), G1(y)) from
    ``sfv`` = P(D > prev) and ``g1`` = G1(prev) (shape k, scale theta, mean, sd, f_mean the
    density at the mean). A step down that ``_walkable`` allows adds

        P(D > y) = P(D > prev) + integral_{y}^{prev} f,
        G1(y) = G1(prev) + (prev - y) P(D > prev) + integral_{y}^{prev} (t - y) f(t) dt

    by ``_gamma_segment``, a logarithm and an exponential per node where an incomplete gamma
    function costs 40 to 800 ns (shape below 1 the most); any other step (the first one,
    prev = NaN, one upwards, longer than sd/2 or than a quarter of the distance from 0, where
    f may have a cusp, shape < 1, or a singular derivative) takes the closed form instead:
    within those bounds the rule's error is below about 2e-10 per step in probability (shapes
    0.2 to 5,000; about 1e-9 of the segment's mass at most, except where that mass is far
    in the lower tail of a large shape). Without ``loss`` G1 is neither carried nor computed
    (0)."""
    width = prev - y
    if _walkable(width, 0.5 * sd, y, mean):
        mass, first = _gamma_segment(k, theta, mean, y, width)
        if loss:
            g1 += width * sfv + 0.5 * width * f_mean * first
        return sfv + 0.5 * width * f_mean * mass, g1
    if loss:
        sfv, g1, _ = dist.tail(DEMAND_GAMMA, k, theta, mean, y, False)
        return sfv, g1
    return dist.sf(DEMAND_GAMMA, k, theta, y), 0.0


@scalar
def _gamma_mass(k, theta, mean, sd, f_mean, y, prev):
    """integral_{y}^{prev} f of a gamma density (shape k, scale theta, f_mean its value at the
    mean; negative where prev < y) by ``_gamma_segment``, where the step from prev to y, either
    way, is at most sd/3 and a quarter of the distance of its lower end from 0 (``_walkable``);
    NaN otherwise (prev = NaN included): the caller then takes the closed form. The
    quadratures of alpha go from node to node by it. sd/3 rather than the sd/2 of
    ``_gamma_step``: the rule's error per step falls from about 2e-10 to 1e-11 (in
    probability, shapes 0.2 to 5,000), which alpha of (R, s, nQ) needs: it takes differences
    of two walked tails, P(x < D_R <= x + q), over a small denominator when Q is small (with
    sd/2 it moved by up to 2e-9 on the benchmark's SKUs, with sd/3 by 3e-11)."""
    width = prev - y
    if _walkable(abs(width), sd / 3.0, min(y, prev), mean):
        mass, _ = _gamma_segment(k, theta, mean, y, width)
        return 0.5 * width * f_mean * mass
    return math.nan


@scalar
def _gamma_points(k, theta, top, offsets, weights):
    """``weighted_points`` for a gamma D (shape k, scale theta), the points y_i = top - o_i
    descending: the tail at y_0 in closed form, then from point to point by the density
    (``_gamma_step``)."""
    mean = k * theta
    sd = math.sqrt(k) * theta
    f_mean = dist.density(DEMAND_GAMMA, k, theta, mean)
    acc_g1 = 0.0
    acc_lt = 0.0
    prev = math.nan
    sfv = 0.0
    g1 = 0.0
    for i in range(weights.shape[0]):
        y = top - offsets[i]
        sfv, g1 = _gamma_step(k, theta, mean, sd, f_mean, y, prev, sfv, g1, True)
        acc_g1 += weights[i] * g1
        acc_lt += weights[i] * (1.0 - sfv)
        prev = y
    return acc_g1, acc_lt


@scalar
def _renewal(q, n, jmax):
    """v[0..n-1] with v[0] = 1 and v[k] = sum_{j=1..min(k, jmax)} q[j] v[k - j], ``q`` padded
    with zeros to jmax + 5 entries.

    Four outputs v[k0 .. k0 + 3] at a time: their sums over the earlier v share every load of
    v[k0 - d] and of q (the window q[d .. d + 4] slides by one), in eight running sums (two
    per output, over odd and even d), so that neither the loads nor the latency of the
    additions set the pace, about twice as fast as one sum per output; the four outputs then
    add their terms within the block in order. The order of the additions is fixed, so
    results do not depend on the machine."""
    v = np.empty(n)
    v[0] = 1.0
    k0 = 1
    while k0 + 3 < n:
        top = min(k0, jmax)
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        b0 = 0.0
        b1 = 0.0
        b2 = 0.0
        b3 = 0.0
        d = 1
        while d + 1 <= top:
            x = v[k0 - d]
            y = v[k0 - d - 1]
            a0 += q[d] * x
            a1 += q[d + 1] * x
            a2 += q[d + 2] * x
            a3 += q[d + 3] * x
            b0 += q[d + 1] * y
            b1 += q[d + 2] * y
            b2 += q[d + 3] * y
            b3 += q[d + 4] * y
            d += 2
        if d <= top:
            x = v[k0 - d]
            a0 += q[d] * x
            a1 += q[d + 1] * x
            a2 += q[d + 2] * x
            a3 += q[d + 3] * x
        w0 = a0 + b0
        w1 = (a1 + b1) + q[1] * w0
        w2 = (a2 + b2) + (q[1] * w1 + q[2] * w0)
        w3 = (a3 + b3) + (q[1] * w2 + (q[2] * w1 + q[3] * w0))
        v[k0] = w0
        v[k0 + 1] = w1
        v[k0 + 2] = w2
        v[k0 + 3] = w3
        k0 += 4
    for k in range(k0, n):
        acc = 0.0
        for j in range(1, min(k, jmax) + 1):
            acc += q[j] * v[k - j]
        v[k] = acc
    return v


@tiny
def _ceil_whole(x):
    """ceil(x) for x > 0, except that x less than 1e-12 (relative) above a whole number counts
    as that number: a gap S - s computed from S and s carries a rounding error, which must not
    change the lattice or the bins (the solver's gap and an evaluation's S - s would otherwise
    summarise the positions differently, and alpha, beta, gamma differ by about 1e-8)."""
    return math.ceil(x * (1.0 - 1e-12))


@scalar
def stationary_lattice(kind, p1, p2, mean, sd, delta, resolution=0.0):
    """Position distribution of continuous (R, s, S): (offsets W, probabilities).

    ``kind``.. ``sd`` describe the R-period demand D_R, ``delta`` = S - s > 0. Deterministic
    D_R = d gives the exact answer: W = 0, d, 2d, .. below delta, equally likely.
    """
    if kind == DEMAND_POINT:
        d = p1
        m = max(1, int(math.ceil(delta / d)))
        offsets = np.empty(m)
        probs = np.full(m, 1.0 / m)
        for k in range(m):
            offsets[k] = k * d
        return offsets, probs
    scale = min(mean, sd)
    least = _LATTICE_MIN_LUMPY if kind == DEMAND_GAMMA and p1 < _SKEWED_SHAPE else _LATTICE_MIN
    n = least
    if scale > 0.0:
        n = int(min(float(_LATTICE_MAX), max(float(least), _ceil_whole(8.0 * delta / scale))))
    # Lattice demand j h stands for D in ((j - 1/2) h, (j + 1/2) h], so a lattice position
    # k h < n h stands for W < (n - 1/2) h: h is chosen to put that boundary at delta.
    h = delta / (n - 0.5)
    positive = dist.sf(kind, p1, p2, 0.5 * h)  # P(lattice demand > 0)
    offsets = np.zeros(BINS + 1)
    probs = np.zeros(BINS + 1)
    if not positive > 0.0:
        probs[0] = 1.0
        return offsets[:1], probs[:1]
    hi = upper_bound(kind, p1, p2, mean, sd)
    jmax = int(min(float(n - 1), math.ceil(hi / h) + 1.0))
    q = np.zeros(jmax + 5)  # (zeros beyond jmax: see _renewal)
    below = dist.cdf(kind, p1, p2, 0.5 * h)
    f_mean = dist.density(kind, p1, p2, mean) if WITH_GAMMA and kind == DEMAND_GAMMA else 0.0
    for j in range(1, jmax + 1):
        start = (j - 0.5) * h
        if WITH_GAMMA and kind == DEMAND_GAMMA and h <= 0.25 * min(sd, start):
            # 3-point Gauss-Legendre on the density, a logarithm and an exponential per node
            # (an incomplete gamma function costs 40 to 200 ns): a cell a quarter of a standard
            # deviation wide or less and at least four widths from 0 (where the density may
            # have a cusp) is integrated to about 1e-8 of its mass. Once true, it stays true.
            mass = 0.0
            for i in range(_GL3_X.shape[0]):
                t = start + 0.5 * h * (1.0 + _GL3_X[i])
                mass += _GL3_W[i] * math.exp(_gamma_log_ratio(p1, p2, mean, t))
            q[j] = 0.5 * h * f_mean * mass / positive
            continue
        above = dist.cdf(kind, p1, p2, (j + 0.5) * h)
        q[j] = (above - below) / positive
        below = above
    v = _renewal(q, n, jmax)
    total = 0.0
    for k in range(n):
        total += v[k]
    # summarise: the atom at W = 0, then up to BINS bins of cells 1 .. n-1 at their means
    probs[0] = v[0] / total
    # Lumpy gamma D_R (shape < 1), or no resolution given: BINS bins, each one point at its
    # mean. Otherwise ceil(2 delta / resolution) bins (BINS_MIN .. BINS / 2), each two points
    # of half its mass at mean -+ sd: mass, mean and variance of every bin are kept, so the
    # averages over the positions are fourth-order accurate in the bin width.
    two = resolution > 0.0 and not (kind == DEMAND_GAMMA and p1 < 1.0)
    bins = BINS
    if two:
        bins = int(min(0.5 * BINS, max(float(BINS_MIN), _ceil_whole(2.0 * delta / resolution))))
    per_bin = (n - 1 + bins - 1) // bins
    nb = 1
    k = 1
    while k < n:
        end = min(n, k + per_bin)
        mass = 0.0
        first = 0.0
        second = 0.0
        for i in range(k, end):
            mass += v[i]
            first += v[i] * (i - k)
            second += v[i] * (i - k) * (i - k)
        if mass > 0.0:
            mid = first / mass
            spread = math.sqrt(max(second / mass - mid * mid, 0.0)) if two else 0.0
            if spread > 0.0:
                probs[nb] = probs[nb + 1] = 0.5 * mass / total
                offsets[nb] = (k + mid - spread) * h
                offsets[nb + 1] = (k + mid + spread) * h
                nb += 2
            else:
                probs[nb] = mass / total
                offsets[nb] = (k + mid) * h
                nb += 1
        k = end
    return offsets[:nb], probs[:nb]


@scalar
def _panel_scale(sdl, ml, sdr, mr):
    """Width scale of the quadrature panels (a panel spans three of it): the smaller standard
    deviation, or mean when it is smaller (a skewed gamma's mass lies within its mean of 0)."""
    scale = min(sdl, ml) if ml > 0.0 else sdl
    if sdr > 0.0:
        scale = min(scale, sdr, mr) if mr > 0.0 else min(scale, sdr)
    return scale


@scalar
def _panels(length, scale, least, span=3.0):
    """Number of quadrature panels over ``length``: one per three ``scale``, ``least`` .. 48
    (more than one where a gamma with shape < 1, whose cdf has a cusp t^k at 0, is involved)."""
    return int(min(48.0, max(float(least), math.ceil(length / (span * scale)))))


@scalar
def _cusp_power(kl, l1, at_lower_bound):
    """m > 1 when P(D_L <= t) has a cusp t^k (gamma with shape k < 1) at t = 0 and the
    quadrature range ends there (``at_lower_bound``): the last panel is then mapped by
    t = tau^m with the whole number m = ceil(2 / k), which makes P(D_L <= tau^m) ~ tau^(m k),
    m k >= 2, and the Jacobian m tau^(m - 1) smooth. 1 otherwise."""
    if at_lower_bound and kl == DEMAND_GAMMA and l1 < 1.0:
        return _whole_power(l1)
    return 1.0


@scalar
def _whole_power(k):
    """ceil(2 / k) for a cusp t^k, capped at 40 (tau^40 of a panel width stays representable)."""
    return min(40.0, math.ceil(2.0 / k))


@scalar
def _node(start, width, i, last, end, m, first, m_first):
    """Gauss-Legendre node i of the panel [start, start + width] and its weight; on the
    ``last`` panel with m > 1 the variable is x = end - tau^m (see ``_cusp_power``), on the
    ``first`` panel with m_first > 1 it is x = start + tau^m_first (a cusp at the start)."""
    if last and m > 1.0:
        t_hi = (end - start) ** (1.0 / m)
        t_lo = max(end - start - width, 0.0) ** (1.0 / m)
        tau = 0.5 * (t_hi + t_lo) + 0.5 * (t_hi - t_lo) * _GL_X[i]
        return end - tau**m, 0.5 * (t_hi - t_lo) * _GL_W[i] * m * tau ** (m - 1.0)
    if first and m_first > 1.0:
        t_hi = width ** (1.0 / m_first)
        tau = 0.5 * t_hi * (1.0 + _GL_X[i])
        return start + tau**m_first, 0.5 * t_hi * _GL_W[i] * m_first * tau ** (m_first - 1.0)
    return start + 0.5 * width * (1.0 + _GL_X[i]), 0.5 * width * _GL_W[i]


@scalar
def _weight_integral(kr, r1, r2, mr, a, b, q):
    """Closed-form integral over [a, b] of the undershoot weight P(x < D_R <= x + q)."""
    if b <= a:
        return 0.0
    _, ga, _ = dist.tail(kr, r1, r2, mr, a, True)
    _, gb, _ = dist.tail(kr, r1, r2, mr, b, True)
    _, gaq, _ = dist.tail(kr, r1, r2, mr, a + q, True)
    _, gbq, _ = dist.tail(kr, r1, r2, mr, b + q, True)
    return max((ga - gb) - (gaq - gbq), 0.0)


@scalar
def _h1(kind, p1, p2, mean, z):
    """H1(z) = E[(z - D)^+] = z - E[D] + G1(z)."""
    _, g1, _ = dist.tail(kind, p1, p2, mean, z, True)
    return max(z - mean + g1, 0.0)


@scalar
def alpha_integral(kr, r1, r2, mr, sdr, kl, l1, l2, ml, sdl, c, a, q):
    """(R, s, nQ): integral over x >= a of P(x < D_R <= x + q) * P(D_L <= c - x)."""
    if kl == DEMAND_POINT:
        return _weight_integral(kr, r1, r2, mr, a, max(a, c - l1), q)
    if kr == DEMAND_POINT:
        # weight 1 on [d - q, d): integral of P(D_L <= c - x) dx = H1_L(c - lo) - H1_L(c - hi)
        lo = max(a, r1 - q)
        hi = max(lo, r1)
        return _h1(kl, l1, l2, ml, c - lo) - _h1(kl, l1, l2, ml, c - hi)
    lo_l = lower_bound(kl, l1, l2, ml, sdl)
    hi_l = upper_bound(kl, l1, l2, ml, sdl)
    x1 = max(a, c - hi_l)  # below x1: P(D_L <= c - x) = 1
    total = _weight_integral(kr, r1, r2, mr, a, x1, q)
    x2 = min(c - lo_l, upper_bound(kr, r1, r2, mr, sdr))  # above x2 the integrand is 0
    if x2 <= x1:
        return total
    # as in alpha_rss: C times the weight's integral in closed form, then the quadrature of
    # weight * (C - P(D_L <= c - x)), which vanishes at x1 (where a lumpy gamma's weight is
    # steepest)
    top = dist.cdf(kl, l1, l2, c - x1)
    total += top * _weight_integral(kr, r1, r2, mr, x1, x2, q)
    scale = _panel_scale(sdl, ml, sdr, mr)
    m = _cusp_power(kl, l1, x2 == c - lo_l)
    panels = _panels(x2 - x1, scale, 8 if m > 1.0 or (kr == DEMAND_GAMMA and r1 < 1.0) else 1)
    width = (x2 - x1) / panels
    # the weight P(x < D_R <= x + q) has a cusp x^k at x = 0 for a gamma D_R with shape k < 1
    m_first = _whole_power(r1) if kr == DEMAND_GAMMA and r1 < 1.0 and x1 == 0.0 else 1.0
    # gamma demand goes from node to node by its density (``_gamma_mass``, as in alpha_rss):
    # top - P(D_L <= c - x) is the mass between c - x and c - x1, and P(D_R > x), P(D_R > x + q)
    # follow x
    walk_l = WITH_GAMMA and kl == DEMAND_GAMMA
    walk_r = WITH_GAMMA and kr == DEMAND_GAMMA
    fl_mean = dist.density(kl, l1, l2, ml) if walk_l else 0.0
    fr_mean = dist.density(kr, r1, r2, mr) if walk_r else 0.0
    prev_l = c - x1
    rest = 0.0
    prev_r = math.nan
    sf_x = 0.0
    sf_xq = 0.0
    for p in range(panels):
        for i in range(_GL_X.shape[0]):
            x, wq = _node(x1 + p * width, width, i, p == panels - 1, c, m, p == 0, m_first)
            if walk_l:
                step = _gamma_mass(l1, l2, ml, sdl, fl_mean, c - x, prev_l)
                rest = top - dist.cdf(kl, l1, l2, c - x) if math.isnan(step) else rest + step
                prev_l = c - x
                if not rest > _NEGLIGIBLE * top:
                    continue
            else:
                rest = top - dist.cdf(kl, l1, l2, c - x)
                if rest == 0.0:
                    continue
            if walk_r:
                step = _gamma_mass(r1, r2, mr, sdr, fr_mean, x, prev_r)
                sf_x = dist.sf(kr, r1, r2, x) if math.isnan(step) else sf_x + step
                step = _gamma_mass(r1, r2, mr, sdr, fr_mean, x + q, prev_r + q)
                sf_xq = dist.sf(kr, r1, r2, x + q) if math.isnan(step) else sf_xq + step
                prev_r = x
            else:
                sf_x = dist.sf(kr, r1, r2, x)
                sf_xq = dist.sf(kr, r1, r2, x + q)
            total -= wq * (sf_x - sf_xq) * rest
    return total


@scalar
def mass_above(kr, r1, r2, gap, offsets, probs, u):
    """G(u) = sum_k p_k P(D_R > a_k + u), a_k = gap - offsets[k]: the (unnormalised) mass of
    undershoots above u; G(0) is the probability that a review places an order. A gamma D_R
    goes from position to position by its density (``_gamma_step``; the offsets ascend, so
    the points a_k + u descend)."""
    total = 0.0
    if WITH_GAMMA and kr == DEMAND_GAMMA:
        mean = r1 * r2
        sd = math.sqrt(r1) * r2
        f_mean = dist.density(DEMAND_GAMMA, r1, r2, mean)
        prev = math.nan
        sfv = 0.0
        for k in range(offsets.shape[0]):
            y = gap - offsets[k] + u
            sfv, _ = _gamma_step(r1, r2, mean, sd, f_mean, y, prev, sfv, 0.0, False)
            total += probs[k] * sfv
            prev = y
        return total
    for k in range(offsets.shape[0]):
        total += probs[k] * dist.sf(kr, r1, r2, gap - offsets[k] + u)
    return total


@scalar
def _undershoot_density(kr, r1, r2, gap, offsets, probs, u, const, hi_r):
    """g(u) = sum_k p_k f_R(a_k + u), a_k = gap - offsets[k]: the (unnormalised) density of
    the undershoot at u (the derivative of -G, see ``mass_above``). Positions with
    a_k + u >= hi_r (``upper_bound`` of D_R, P(D_R > hi_r) < 1e-15) add nothing and are
    skipped. A gamma D_R's density is exp((k - 1) log y - y - const) / theta, y = x / theta,
    with const = log Gamma(k) + log theta computed once (``_gamma_log_const``)."""
    g = 0.0
    if WITH_GAMMA and kr == DEMAND_GAMMA:
        for k in range(offsets.shape[0]):
            x = gap - offsets[k] + u
            if x > 0.0 and x < hi_r:
                y = x / r2
                g += probs[k] * math.exp((r1 - 1.0) * math.log(y) - y - const)
        return g
    for k in range(offsets.shape[0]):
        x = gap - offsets[k] + u
        if x < hi_r:
            g += probs[k] * dist.density(kr, r1, r2, x)
    return g


@tiny
def _gamma_log_const(kind, p1, p2):
    """log Gamma(k) + log theta for a gamma (k = p1, theta = p2), else 0."""
    if kind == DEMAND_GAMMA:
        return math.lgamma(p1) + math.log(p2)
    return 0.0


@scalar
def alpha_rss(kr, r1, r2, mr, sdr, kl, l1, l2, ml, sdl, s, gap, offsets, probs, den):
    """alpha of continuous (R, s, S) from the summarised positions (``offsets``, ``probs``),
    and its derivative in s: (alpha, d alpha / ds).

    An order is placed at a review from position S - w_k when D_R > a_k = gap - w_k; its
    undershoot is u = D_R - a_k, with density g(u) = sum_k p_k f_R(a_k + u) (unnormalised),
    and alpha = integral of g(u) P(D_L <= s - u) du divided by sum_k p_k P(D_R > a_k). The
    derivative is the integral of g(u) f_L(s - u) du over the same denominator, taken on the
    same quadrature nodes (the solver's Newton step; it need not be exact, the solver keeps a
    bracket). ``den`` is that denominator, ``mass_above`` at 0, which does not depend on s
    (``metrics.context`` computes it once per row). D_R is not deterministic here (the
    caller handles that case).
    """
    if not den > 0.0:
        return math.nan, math.nan
    if kl == DEMAND_POINT:
        # D_L = l1: P(D_L <= s - u) = 1 for u <= s - l1, else 0
        top = max(s - l1, 0.0)
        num = den - mass_above(kr, r1, r2, gap, offsets, probs, top)
        const = _gamma_log_const(kr, r1, r2)
        hi_r = upper_bound(kr, r1, r2, mr, sdr)
        slope = 0.0
        if s > l1:
            slope = _undershoot_density(kr, r1, r2, gap, offsets, probs, top, const, hi_r)
        return min(max(num / den, 0.0), 1.0), slope / den
    amin = gap - np.max(offsets)  # the smallest a_k
    lo_l = lower_bound(kl, l1, l2, ml, sdl)
    hi_l = upper_bound(kl, l1, l2, ml, sdl)
    hi_r = upper_bound(kr, r1, r2, mr, sdr)
    u1 = max(0.0, s - hi_l)  # below u1: P(D_L <= s - u) = 1
    u2 = max(u1, min(s - lo_l, hi_r - amin))  # above u2 the integrand is 0
    g1 = den if u1 == 0.0 else mass_above(kr, r1, r2, gap, offsets, probs, u1)
    g2 = mass_above(kr, r1, r2, gap, offsets, probs, u2) if u2 < hi_r - amin else 0.0
    # On [u1, u2]: integral of g(u) F(s - u) = c (G(u1) - G(u2)) - integral of g(u) (c - F(s - u))
    # with c = F(s - u1). The second integrand vanishes at u1, where g is steepest (a gamma
    # D_R with shape < 1 has a density that is infinite at 0), so the quadrature stays
    # accurate there.
    c = dist.cdf(kl, l1, l2, s - u1)
    num = (den - g1) + c * (g1 - g2)
    slope = 0.0
    if u2 > u1:
        scale = _panel_scale(sdl, ml, sdr, mr)
        m = _cusp_power(kl, l1, u2 == s - lo_l)
        panels = _panels(
            u2 - u1, scale, 4 if m > 1.0 or (kr == DEMAND_GAMMA and r1 < 1.0) else 1, _RSS_SPAN
        )
        const = _gamma_log_const(kr, r1, r2)
        width = (u2 - u1) / panels
        # a gamma D(L) goes from node to node by its density (``_gamma_mass``): c - P(D_L <=
        # s - u) is the mass between s - u and s - u1, from the one at the node before
        walk = WITH_GAMMA and kl == DEMAND_GAMMA
        f_mean = dist.density(kl, l1, l2, ml) if walk else 0.0
        prev = s - u1
        gap_f = 0.0
        for p in range(panels):
            for i in range(_GL_X.shape[0]):
                u, wq = _node(u1 + p * width, width, i, p == panels - 1, s, m, False, 1.0)
                y = s - u
                if walk:
                    step = _gamma_mass(l1, l2, ml, sdl, f_mean, y, prev)
                    prev = y
                    if math.isnan(step):
                        gap_f = c - dist.cdf(kl, l1, l2, y)
                        f_l = dist.density(kl, l1, l2, y)
                    else:
                        # (the ratio to the density at the mean for a walked node, at least
                        # four steps from 0; next to 0, where the ratio would lose its digits
                        # to 1 + (y - mean) / mean, the closed-form nodes take the density)
                        gap_f += step
                        f_l = f_mean * math.exp(_gamma_log_ratio(l1, l2, ml, y))
                    if not gap_f > _NEGLIGIBLE * c:
                        continue
                else:
                    gap_f = c - dist.cdf(kl, l1, l2, y)
                    if gap_f == 0.0:
                        continue
                    f_l = dist.density(kl, l1, l2, y)
                g = _undershoot_density(kr, r1, r2, gap, offsets, probs, u, const, hi_r)
                num -= wq * g * gap_f
                slope += wq * g * f_l
    return min(max(num / den, 0.0), 1.0), slope / den
