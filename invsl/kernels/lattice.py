"""Large lead-time demands on a coarse lattice: cells of ``w`` units, at most ``CELLS`` of them.

The exact pmfs of ``invsl.kernels.pmf`` cost time and memory in proportion to their support:
a lead-time demand of 10^4-10^6 units means 10^4-10^6 values per SKU. Beyond a size
(``invsl.kernels.pmf.LATTICE_FROM``) the (s, Q) rows of ``empirical`` and
``compound_poisson`` are computed on a coarse lattice instead (docs/history.md, "Large
demands"):

- the lattice has ``CELLS`` cells of ``w`` consecutive integers each, cell k holding
  a + k w .. a + k w + w - 1 (a a whole number, possibly a few units below the smallest
  demand);
- the approximate lead-time demand X~ is integer-valued: cell k has mass c_k, spread evenly
  over its w integers. Every table of the contract (F, G1, G2, H1, K2) is then a closed form
  at any integer x (:func:`lattice_tables`, :func:`lattice_at`), and the (s, Q) formulas and
  the integer solver of ``invsl.kernels.pmf`` work on X~ unchanged (:func:`lattice_metrics`,
  :func:`lattice_solve`, the row kernel :func:`lattice_sq_kernel`);
- ``compound_poisson`` (:func:`compound_cells`): c_k = P(X in cell k) exactly (up to
  1e-13), from the characteristic function exp(lambda (phi_K(t) - 1)) of the lead-time
  demand by one FFT of CELLS points: the cell masses are band-limited once the cells are
  narrow against the spread of X, which is checked per row from |phi_X(pi / w)|; where the
  check fails (few customers of orders much larger than a cell), the order sizes are put
  on the lattice instead and the compound Poisson is exact on it (``severity_cells``).
  W = X + U (the undershoot of ``invsl.kernels.pmf``) comes with X from the same
  transforms, times phi_U;
- ``empirical`` (:func:`empirical_cells`): the per-period pmf (its distinct demands and their
  shares) is moved onto per-period cell centres by linear interpolation (each demand's mass
  split between the two nearest centres, which keeps the mean), after a contraction about
  the mean that makes the variance of X~ exact, and raised to the L-th power by FFT. So X~
  has the mean and the variance of X exactly (up to rounding; the contraction factor is a
  fixed point found in a few steps).

The error is that of spreading each cell evenly: a cell is at most 1/100 .. 1/30 of a
standard deviation wide for smooth demand, and the documented bound (docs/history.md) is
tested against the exact lattice in tests/test_pmf_lattice.py.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import NamedTuple

import numpy as np

from invsl.scalar.jit import (
    WITH_COMPOUND_POISSON,
    WITH_EMPIRICAL,
    borrowed,
    kernel,
    scalar,
    specialise,
)
from invsl.scalar.jit import tiny
from invsl.vocabulary import DEFERRED, METRIC_ALPHA, METRIC_BETA, NO_CONVERGENCE, OK
from invsl.vocabulary import PMF_TOO_LARGE

#: cells of the coarse lattice (a power of 2: the FFT length)
CELLS = 1024
#: tail mass left outside the window of a compound Poisson lattice (Chernoff bound)
WINDOW_TAIL = 1e-18
#: largest bound on the aliasing error of the characteristic-function path; beyond it the
#: order sizes are put on the lattice instead (``severity_cells``)
ALIAS_BOUND = 1e-13

# table rows (lattice_tables): P(X < b_k), G1(b_k), G2(b_k), H1(b_k), K2(b_k - 1), P(X >= b_k), c_k
_BELOW, _G1, _G2, _H1, _K2, _TAIL, _MASS = 0, 1, 2, 3, 4, 5, 6


# ---------------------------------------------------------------------------------------------
# FFT with a table of twiddle factors


@kernel
def twiddles(n):
    """cos and sin of -2 pi k / n, k = 0 .. n/2 - 1 (the factors of a forward FFT of length n)."""
    half = n // 2
    c = np.empty(half)
    s = np.empty(half)
    for k in range(half):
        c[k] = math.cos(2.0 * math.pi * k / n)
        s[k] = -math.sin(2.0 * math.pi * k / n)
    return c, s


@scalar
def fft(re, im, cos_t, sin_t, inverse):
    """In-place radix-2 FFT of (re, im) (length n a power of 2, n <= N = 2 len(cos_t), the
    table's length); the inverse is unscaled. Forward: X_l = sum_k x_k exp(-2 pi i l k / n)."""
    n = re.shape[0]
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            re[i], re[j] = re[j], re[i]
            im[i], im[j] = im[j], im[i]
    sign = -1.0 if inverse else 1.0
    length = 2
    while length <= n:
        half = length >> 1
        stride = (2 * cos_t.shape[0]) // length
        for k in range(half):
            wr = cos_t[k * stride]
            wi = sign * sin_t[k * stride]
            for start in range(0, n, length):
                u = start + k
                v = u + half
                xr = re[v] * wr - im[v] * wi
                xi = re[v] * wi + im[v] * wr
                re[v] = re[u] - xr
                im[v] = im[u] - xi
                re[u] += xr
                im[u] += xi
        length <<= 1


@scalar
def real_fft(x, re, im, cos_t, sin_t):
    """Forward FFT of the real x (length n = 2 len(cos_t)) into re, im [0 .. n/2] by one
    complex FFT of length n/2: z_k = x_2k + i x_(2k+1), then
    X_l = (Z_l + conj Z_(m-l)) / 2 - i e^(-2 pi i l / n) (Z_l - conj Z_(m-l)) / 2, m = n/2."""
    m = x.shape[0] // 2
    zr = np.empty(m)
    zi = np.empty(m)
    for k in range(m):
        zr[k] = x[2 * k]
        zi[k] = x[2 * k + 1]
    fft(zr, zi, cos_t, sin_t, False)
    for l in range(m + 1):
        a = l % m
        b = (m - l) % m
        er = 0.5 * (zr[a] + zr[b])
        ei = 0.5 * (zi[a] - zi[b])
        orr = 0.5 * (zi[a] + zi[b])
        oi = -0.5 * (zr[a] - zr[b])
        if l < m:
            wr = cos_t[l]
            wi = sin_t[l]
        else:
            wr = -1.0
            wi = 0.0
        re[l] = er + wr * orr - wi * oi
        im[l] = ei + wr * oi + wi * orr


@scalar
def real_ifft(re, im, x, cos_t, sin_t):
    """The real sequence x (length n) whose spectrum is Hermitian with re, im [0 .. n/2],
    times n (the unscaled inverse, as ``fft``), by one complex FFT of length n/2."""
    m = x.shape[0] // 2
    zr = np.empty(m)
    zi = np.empty(m)
    for l in range(m):
        b = m - l
        # E = X_l + conj X_(m-l), O = (X_l - conj X_(m-l)) e^(2 pi i l / n); Z = E + i O
        er = re[l] + re[b]
        ei = im[l] - im[b]
        dr = re[l] - re[b]
        di = im[l] + im[b]
        wr = cos_t[l]
        wi = -sin_t[l]
        orr = dr * wr - di * wi
        oi = dr * wi + di * wr
        zr[l] = er - oi
        zi[l] = ei + orr
    fft(zr, zi, cos_t, sin_t, True)
    for k in range(m):
        x[2 * k] = zr[k]
        x[2 * k + 1] = zi[k]


# ---------------------------------------------------------------------------------------------
# tables of X~ (cells spread evenly over their w integers)


@tiny
def _pack(re, im, l, xr, xi, yr, yi):
    """The transforms X = (xr, xi) and Y = (yr, yi) of two real sequences at frequency l
    (0 <= l <= n/2, n = len(re)) packed as X + iY, with its Hermitian mirror at n - l, for
    one complex FFT back (:func:`_unpack`)."""
    n = re.shape[0]
    re[l] = xr - yi
    im[l] = xi + yr
    if 0 < l < n // 2:
        re[n - l] = xr + yi
        im[n - l] = -xi + yr


@scalar
def _unpack(re, im, cos_t, sin_t, inverse, cx, cw):
    """The two real sequences of :func:`_pack` from one FFT of (re, im) (forward or
    ``inverse``), divided by n, into cx and cw (negative round-off as 0)."""
    n = re.shape[0]
    fft(re, im, cos_t, sin_t, inverse)
    for k in range(n):
        v = re[k] / n
        cx[k] = v if v > 0.0 else 0.0
        v = im[k] / n
        cw[k] = v if v > 0.0 else 0.0


@scalar
def lattice_tables(c, w, work):
    """Fill ``work`` (7, n + 1) from the cell masses c (n cells of w integers).

    Columns k = 0 .. n are the cell boundaries b_k = a + k w (the origin a does not enter):
    row 0 P(X~ < b_k), 1 G1(b_k), 2 G2(b_k), 3 H1(b_k), 4 K2(b_k - 1), 5 P(X~ >= b_k) (summed
    from the top), 6 c_k (0 at k = n). Sums of positive terms only.
    """
    n = c.shape[0]
    h = 0.5 * (w - 1.0)
    s1 = 0.5 * w * (w + 1.0)
    s2 = (w - 1.0) * (w + 1.0) / 6.0  # (w-1) w (w+1) / (6 w)
    for r in range(7):
        work[r, n] = 0.0
    tail = 0.0
    g1 = 0.0
    g2 = 0.0
    for k in range(n - 1, -1, -1):
        ck = c[k]
        g2 += w * g1 + tail * s1 + ck * s2
        g1 += w * tail + h * ck
        tail += ck
        work[_MASS, k] = ck
        work[_TAIL, k] = tail
        work[_G1, k] = g1
        work[_G2, k] = g2
    below = 0.0
    h1 = 0.0
    k2 = 0.0
    for k in range(n + 1):
        work[_BELOW, k] = below
        work[_H1, k] = h1
        work[_K2, k] = k2
        if k < n:
            ck = c[k]
            k2 += w * h1 + below * 0.5 * (w - 1.0) * w + ck * s2
            h1 += w * below + ck * 0.5 * (w + 1.0)
            below += ck


@scalar
def lattice_at(work, row, n, a, w, mean, x):
    """F, G1, G2, H1 or K2 (``row`` 0..4, the rows of ``pmf.table_at``) of X~ at integer x.

    Within cell k (x = b_k + j, j = 0 .. w - 1, u = w - j), with c = c_k:
    F = P(X~ < b_k) + c (j + 1) / w; G1 = G1(b_(k+1)) + u P(X~ >= b_(k+1)) + c (u - 1) u / (2 w);
    G2 = G2(b_(k+1)) + u G1(b_(k+1)) + P(X~ >= b_(k+1)) u (u + 1) / 2 + c (u - 1) u (u + 1) / (6 w);
    H1 = H1(b_k) + j P(X~ < b_k) + c j (j + 1) / (2 w);
    K2 = K2(b_k - 1) + (j + 1) H1(b_k) + P(X~ < b_k) j (j + 1) / 2 + c j (j + 1) (j + 2) / (6 w).
    Below a and above the last cell the exact extensions of ``pmf.table_at``.
    """
    top = a + n * w
    if x < a:
        if row == 0 or row == 3 or row == 4:
            return 0.0
        if row == 1:
            return mean - x
        k = a - x
        return work[_G2, 0] + k * mean - 0.5 * k * (x + a - 1.0)
    if x >= top:
        if row == 0:
            return 1.0
        if row == 1 or row == 2:
            return 0.0
        d = x - top
        if row == 3:
            return work[_H1, n] + d
        return work[_K2, n] + (d + 1.0) * work[_H1, n] + 0.5 * d * (d + 1.0)
    k = int((x - a) // w)
    j = x - a - k * w
    c = work[_MASS, k]
    if row == 0:
        return min(work[_BELOW, k] + c * (j + 1.0) / w, 1.0)
    if row == 1:
        u = w - j
        return work[_G1, k + 1] + u * work[_TAIL, k + 1] + c * (u - 1.0) * u / (2.0 * w)
    if row == 2:
        u = w - j
        return (
            work[_G2, k + 1]
            + u * work[_G1, k + 1]
            + work[_TAIL, k + 1] * 0.5 * u * (u + 1.0)
            + c * (u - 1.0) * u * (u + 1.0) / (6.0 * w)
        )
    if row == 3:
        return work[_H1, k] + j * work[_BELOW, k] + c * j * (j + 1.0) / (2.0 * w)
    return (
        work[_K2, k]
        + (j + 1.0) * work[_H1, k]
        + work[_BELOW, k] * 0.5 * j * (j + 1.0)
        + c * j * (j + 1.0) * (j + 2.0) / (6.0 * w)
    )


# ---------------------------------------------------------------------------------------------
# compound Poisson (geometric order sizes): cells from the characteristic function


@scalar
def _cgf(lam, q, theta):
    """log E[exp(theta X)] of compound Poisson(lam), geometric(q) sizes (theta < -log q)."""
    e = math.exp(theta)
    return lam * (e - 1.0) / (1.0 - q * e)


@scalar
def compound_window(lam, q):
    """(lo, hi): P(X < lo) and P(X + U > hi) below WINDOW_TAIL each (Chernoff bounds on a grid
    of theta), U the geometric undershoot of ratio q."""
    log_eps = math.log(WINDOW_TAIL)
    mean = lam / (1.0 - q)
    theta_max = -math.log(q) if q > 0.0 else 50.0
    hi = math.inf
    lo = 0.0
    for i in range(48):
        theta = theta_max * math.exp(-0.35 * i) * (1.0 - 1e-3)
        up = _cgf(lam, q, theta)
        if q > 0.0:
            up += math.log(1.0 - q) - math.log(1.0 - q * math.exp(theta))
        hi = min(hi, (up - log_eps) / theta)
        down = _cgf(lam, q, -theta * 8.0)
        lo = max(lo, (down - log_eps) / (-theta * 8.0))
    return min(math.floor(lo), math.floor(mean)), max(math.ceil(hi), math.ceil(mean))


@scalar
def alias_bound(lam, q, n, w):
    """Bound on the error of the band-limited cells: n w |phi_X(pi / w)| (|phi_X| falls on
    [0, pi] for geometric sizes)."""
    t = math.pi / w
    ct = math.cos(t)
    re_k = (1.0 - q) * (ct - q) / (1.0 - 2.0 * q * ct + q * q)
    return n * w * math.exp(lam * (re_k - 1.0))


@scalar
def compound_cells(lam, q, lo, hi, n, cos_t, sin_t, cx, cw):
    """Cells of X (compound Poisson(lam), geometric(q) sizes) and of W = X + U into cx, cw,
    on the window [lo, hi] of ``compound_window``.

    Returns (a, w, method): origin and width of the lattice (a a multiple of w), method 0
    the characteristic function, 1 ``severity_cells`` (when ``alias_bound`` > ALIAS_BOUND).
    c_k = (1/n) sum_l C(theta_l) exp(-i theta_l k), theta_l = 2 pi l / n, with
    C(theta) = phi_X(t) exp(-i t a) B(t) / w, t = theta / w, B(t) = sum_(m < w) exp(-i t m);
    phi_W = phi_X (1 - q) / (1 - q exp(i t)). Both real sequences from one complex FFT.
    """
    w = max(2, int(math.ceil((hi - lo + 1.0) / n)))
    while True:
        first = (lo // w) * w
        if first + n * w > hi:
            break
        w += 1
    if alias_bound(lam, q, n, w) > ALIAS_BOUND:
        return severity_cells(lam, q, hi, n, cos_t, sin_t, cx, cw)
    big_a = int(lo // w)
    a = big_a * w
    re = np.zeros(n)
    im = np.zeros(n)
    half = n // 2
    for l in range(half + 1):
        theta = 2.0 * math.pi * l / n
        t = theta / w
        ct = math.cos(t)
        st = math.sin(t)
        # lam (e^{it} - 1) / (1 - q e^{it})
        nr = ct - 1.0
        ni = st
        dr = 1.0 - q * ct
        di = -q * st
        den = dr * dr + di * di
        zr = lam * (nr * dr + ni * di) / den
        zi = lam * (ni * dr - nr * di) / den
        mod = math.exp(zr)
        if mod < 1e-30 and l > 0:
            break
        pr = mod * math.cos(zi)
        pi_ = mod * math.sin(zi)
        # exp(-i theta A): an exact table entry (l A mod n)
        idx = (l * big_a) % n
        if idx < half:
            er = cos_t[idx]
            ei = sin_t[idx]
        else:
            er = -cos_t[idx - half]
            ei = -sin_t[idx - half]
        # B(t) / w = (1 - e^{-i theta}) / (w (1 - e^{-i t}))
        if l == 0:
            br = 1.0
            bi = 0.0
        else:
            if l < half:
                cr = cos_t[l]
                ci = sin_t[l]
            else:
                cr = -1.0
                ci = 0.0
            ur = 1.0 - cr
            ui = -ci
            vr = w * (1.0 - ct)
            vi = w * st
            vd = vr * vr + vi * vi
            br = (ur * vr + ui * vi) / vd
            bi = (ui * vr - ur * vi) / vd
        # C_X = phi_X * e * B / w
        tr = pr * er - pi_ * ei
        ti = pr * ei + pi_ * er
        xr = tr * br - ti * bi
        xi = tr * bi + ti * br
        # C_W = C_X (1 - q) / (1 - q e^{it})
        yr = (1.0 - q) * (xr * dr + xi * di) / den
        yi = (1.0 - q) * (xi * dr - xr * di) / den
        _pack(re, im, l, xr, xi, yr, yi)
    _unpack(re, im, cos_t, sin_t, False, cx, cw)
    return a, w, 0


@scalar
def _split(q, shift, w):
    """A geometric variable on {shift, shift + 1, ...} (P = (1 - q) q^(k - shift)) split
    linearly between the lattice points 0, w, 2w, ... (mean kept): block b holds
    k = b w + shift + i, i = 0 .. w - 1, of mass (1 - q) q^(b w) q^i, of which the share
    (shift + i) / w goes to point b + 1. Returns (down, up, q^w, excess): the masses of block
    0 at points 0 and 1 over (1 - q) (block b: times q^(b w)), and E[r (w - r)], r = shift + i,
    the variance the split adds (r is independent of b: the geometric is memoryless)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    p = 1.0
    for i in range(w):
        r = shift + i
        s0 += p
        s1 += r * p
        s2 += r * (w - r) * p
        p *= q
    up = s1 / w
    return s0 - up, up, p, s2 / s0


@scalar
def _split_transform(q, down, up, qw, er, ei):
    """The DFT of a split geometric at theta, E = exp(-i theta) = er + i ei: the sum over
    blocks (1 - q) q^(b w) (down + up E) E^b = (1 - q) (down + up E) / (1 - q^w E)."""
    nr = (1.0 - q) * (down + up * er)
    ni = (1.0 - q) * up * ei
    dr = 1.0 - qw * er
    di = -qw * ei
    den = dr * dr + di * di
    return (nr * dr + ni * di) / den, (ni * dr - nr * di) / den


@scalar
def severity_cells(lam, q, hi, n, cos_t, sin_t, cx, cw):
    """Cells of X and W for few customers of large orders (where ``alias_bound`` fails).

    The order size K (and the undershoot U) is split linearly between the lattice points
    j w (``_split``, means kept), and X' = compound Poisson(lam', K') is exact on that
    lattice: its transform is exp(lam' (K'^ - 1)) with K'^ in closed form
    (``_split_transform``), W' = X' + U' that times U'^ (one FFT back for X' and W'). Point j w becomes the cell [j w - h, j w + h],
    h = (w - 1) / 2 (w odd, a = -h). The split adds variance (about w^2 / 6 per order) and so
    does the spread of a cell ((w^2 - 1) / 12): K' is split from geometric sizes of a slightly
    smaller mean m' and lam' = lam m / m', chosen so that X~ has the mean and the variance of
    X (U' keeps the ratio q: its own split adds at most w^2 / 4 to W). This path is taken for
    few customers of large orders, where w <= m / 5.
    """
    w = max(3, int(math.ceil((hi + 1.0) / (n - 1))))
    if w % 2 == 0:
        w += 1
    # sizes of mean m' (rate lam m / m') whose split keeps the variance lam m (2m - 1) of X
    # once the spread of the cells is added: 2 m' - 1 + d(m') / m' = 2m - 1 - (w^2 - 1) /
    # (12 lam m), d = E[K'^2] - E[K^2] the excess of the split (a few fixed-point steps)
    m = 1.0 / (1.0 - q)
    rhs = 2.0 * m - 1.0 - (w * w - 1.0) / (12.0 * lam * m)
    size = m
    for _ in range(8):
        excess = _split(1.0 - 1.0 / size, 1, w)[3]
        disc = (1.0 + rhs) ** 2 - 8.0 * excess
        if not disc >= 0.0:
            size = m
            break
        new = 0.25 * ((1.0 + rhs) + math.sqrt(disc))
        if not new >= 1.0:
            size = m
            break
        done = abs(new - size) < 1e-12 * size
        size = new
        if done:
            break
    rate = lam * m / size
    qk = 1.0 - 1.0 / size
    k_down, k_up, k_qw, _ = _split(qk, 1, w)
    u_down, u_up, u_qw, _ = _split(q, 0, w)
    half = n // 2
    zr = np.empty(n)
    zi = np.empty(n)
    for l in range(half + 1):
        if l < half:
            er = cos_t[l]
            ei = sin_t[l]
        else:
            er = -1.0
            ei = 0.0
        kr, ki = _split_transform(qk, k_down, k_up, k_qw, er, ei)
        ur, ui = _split_transform(q, u_down, u_up, u_qw, er, ei)
        mod = math.exp(rate * (kr - 1.0))
        xr = mod * math.cos(rate * ki)
        xi = mod * math.sin(rate * ki)
        yr = xr * ur - xi * ui
        yi = xr * ui + xi * ur
        _pack(zr, zi, l, xr, xi, yr, yi)
    _unpack(zr, zi, cos_t, sin_t, True, cx, cw)
    return -((w - 1) // 2), w, 1


# ---------------------------------------------------------------------------------------------
# empirical: per-period pmf on cell centres, contracted to the exact variance, L-th power


@scalar
def _spread_excess(values, probs, mean, c, lo, w):
    """sum_i p_i f_i (1 - f_i) w^2: the variance that splitting the contracted demands
    mean + c (v - mean) between neighbouring centres lo + k w adds."""
    total = 0.0
    for i in range(values.shape[0]):
        t = (mean + c * (values[i] - mean) - lo) / w
        f = t - math.floor(t)
        total += probs[i] * f * (1.0 - f)
    return total * w * w


@scalar
def empirical_cells(values, probs, lead, n, cos_t, sin_t, cx):
    """Cells of the lead-time demand (``lead`` whole periods) of a per-period pmf given as its
    distinct ``values`` and their ``probs``; returns (a, w, contraction).

    Per-period centres lo + k w, k = 0 .. m - 1 (m = (n - 1) // lead + 1, w odd and just wide
    enough for max - lo), so that the centres of X, L lo + k w, are the middles of the cells
    [a + k w, a + k w + w - 1], a = L lo - (w - 1) / 2. Each demand v is first contracted to
    mean + c (v - mean), then split between its two centres (mean kept); c makes
    Var(X~) = L (c^2 var + excess(c)) + (w^2 - 1) / 12 equal L var (a few fixed-point steps;
    c = 1 if the cells are too coarse for that, which the choice of LATTICE_FROM rules out).
    """
    lo = values[0]
    top = values[0]
    mean = 0.0
    for i in range(values.shape[0]):
        lo = min(lo, values[i])
        top = max(top, values[i])
        mean += probs[i] * values[i]
    var = 0.0
    for i in range(values.shape[0]):
        var += probs[i] * (values[i] - mean) ** 2
    m = (n - 1) // lead + 1
    w = max(3, int(math.ceil((top - lo) / (m - 1))))
    if w % 2 == 0:
        w += 1
    spread = (w * w - 1.0) / (12.0 * lead)
    c = 1.0
    if var > 0.0:
        for _ in range(12):
            c2 = (var - spread - _spread_excess(values, probs, mean, c, lo, w)) / var
            if not c2 > 0.0:
                c = 1.0
                break
            new = math.sqrt(c2)
            done = abs(new - c) < 1e-14
            c = new
            if done:
                break
    cells = np.zeros(n)
    for i in range(values.shape[0]):
        t = (mean + c * (values[i] - mean) - lo) / w
        k = int(math.floor(t))
        if k >= m - 1:
            k = m - 1
            f = 0.0
        elif k < 0:
            k = 0
            f = 0.0
        else:
            f = t - k
        cells[k] += probs[i] * (1.0 - f)
        if f > 0.0:
            cells[k + 1] += probs[i] * f
    half = n // 2
    re = np.empty(half + 1)
    im = np.empty(half + 1)
    real_fft(cells, re, im, cos_t, sin_t)
    # elementwise complex power of the half spectrum (binary powering)
    rr = np.ones(half + 1)
    ri = np.zeros(half + 1)
    e = lead
    while e > 0:
        if e & 1:
            for i in range(half + 1):
                x = rr[i] * re[i] - ri[i] * im[i]
                ri[i] = rr[i] * im[i] + ri[i] * re[i]
                rr[i] = x
        e >>= 1
        if e > 0:
            for i in range(half + 1):
                x = re[i] * re[i] - im[i] * im[i]
                im[i] = 2.0 * re[i] * im[i]
                re[i] = x
    real_ifft(rr, ri, cells, cos_t, sin_t)
    for k in range(n):
        v = cells[k] / n
        cx[k] = v if v > 0.0 else 0.0
    a = lead * lo - (w - 1) // 2
    return a, w, c


# ---------------------------------------------------------------------------------------------
# (s, Q) on the lattice: the formulas of ``pmf.pmf_metrics`` and ``pmf.pmf_solve`` with the
# tables of X~ (written out again here rather than shared, so that the exact pmf path
# compiles none of the lattice code; tests/test_pmf_lattice.py checks that both give the
# same levels on one distribution)


@scalar
def lattice_metrics(work, work_w, n, a, w, s, q, mu):
    """(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand, mean) of the
    (s, Q) policy on the lattice tables of X (``work``) and W = X + U (``work_w``), both on
    the lattice of n cells of w units from a: ``pmf.pmf_metrics`` with ``lattice_at``."""
    mean = work[_G1, 0] + a  # G1(a) = E[X] - a
    mean_w = work_w[_G1, 0] + a
    alpha = lattice_at(work_w, 0, n, a, w, mean_w, s)
    net = s + 0.5 * (q + 1.0) - mean
    if net >= 0.0:
        g2_low = lattice_at(work, 2, n, a, w, mean, s + 1.0)
        g2_high = lattice_at(work, 2, n, a, w, mean, s + q + 1.0)
        backorders = max((g2_low - g2_high) / q, 0.0)
        on_hand = net + backorders
        g1_low = lattice_at(work, 1, n, a, w, mean, s)
        g1_high = lattice_at(work, 1, n, a, w, mean, s + q)
        ready = 1.0 - (g1_low - g1_high) / q
    else:
        k2_low = lattice_at(work, 4, n, a, w, mean, s)
        k2_high = lattice_at(work, 4, n, a, w, mean, s + q)
        on_hand = max((k2_high - k2_low) / q, 0.0)
        backorders = on_hand - net
        h1_low = lattice_at(work, 3, n, a, w, mean, s)
        h1_high = lattice_at(work, 3, n, a, w, mean, s + q)
        ready = (h1_high - h1_low) / q
    ready = min(max(ready, 0.0), 1.0)
    if s + 0.5 * (q + 1.0) - mean_w >= 0.0:
        g1_low = lattice_at(work_w, 1, n, a, w, mean_w, s)
        g1_high = lattice_at(work_w, 1, n, a, w, mean_w, s + q)
        beta = 1.0 - (g1_low - g1_high) / q
    else:
        h1_low = lattice_at(work_w, 3, n, a, w, mean_w, s)
        h1_high = lattice_at(work_w, 3, n, a, w, mean_w, s + q)
        beta = (h1_high - h1_low) / q
    beta = min(max(beta, 0.0), 1.0)
    gamma = 1.0 - backorders / mu
    return alpha, beta, gamma, ready, backorders, on_hand, mean


@scalar
def _level(work, work_w, n, a, w, metric, s, q, mu):
    al, b, g, _, _, _, _ = lattice_metrics(work, work_w, n, a, w, s, q, mu)
    if metric == METRIC_ALPHA:
        return al
    if metric == METRIC_BETA:
        return b
    return g


@scalar
def lattice_solve(work, work_w, n, a, w, metric, q, mu, target):
    """Smallest integer s with metric(s) >= target on the lattice (NaN if none): the bisection
    of ``pmf.pmf_solve``, between the top of the lattice (every metric 1) and alpha(a - 1) = 0,
    beta(a - Q) = 0, gamma below E[X] - (Q+1)/2 - mu."""
    mean = work[_G1, 0] + a
    hi = a + n * w
    if metric == METRIC_ALPHA:
        lo = min(-1.0, a - 1.0)
    elif metric == METRIC_BETA:
        lo = min(-q, a - q)
    else:
        lo = math.floor(mean - 0.5 * (q + 1.0) - mu) - 1.0
    if (
        _level(work, work_w, n, a, w, metric, hi, q, mu) < target
        or _level(work, work_w, n, a, w, metric, lo, q, mu) >= target
    ):
        return math.nan
    while hi - lo > 1.0:
        # (a float, as hi and lo: one compiled version of _level and the functions it calls)
        mid = float(math.floor(0.5 * (lo + hi)))
        if _level(work, work_w, n, a, w, metric, mid, q, mu) >= target:
            hi = mid
        else:
            lo = mid
    return hi


class LatticeSqRows(NamedTuple):
    """The row inputs of :func:`lattice_sq_kernel` (1-d arrays of one length n, except
    ``values`` and ``probs``, the per-period pmfs of the empirical rows, back to back)."""

    metric: np.ndarray  # int8 metric code, read when solving
    target: np.ndarray  # float64, read when solving
    empirical: np.ndarray  # bool: empirical (values/probs, lead) or compound Poisson (rate, ratio)
    values: np.ndarray  # float64, distinct per-period demands of the empirical rows [units]
    probs: np.ndarray  # float64, their shares of the periods
    start: np.ndarray  # int64, where row i's demands start in values
    length: np.ndarray  # int64, how many
    lead_time: np.ndarray  # int64, L [periods] of the empirical rows
    rate: np.ndarray  # float64, compound Poisson: orders in the lead time (lambda)
    size_ratio: np.ndarray  # float64, compound Poisson: geometric ratio q of the order sizes
    demand_mean: np.ndarray  # float64, mu [units/period]
    order_quantity: np.ndarray  # float64, Q [units]
    reorder_point: np.ndarray  # float64, s [units], read when evaluating


@scalar
def lattice_row(solve, rows, i, max_support, cos_t, sin_t, out):
    """Row i of :func:`lattice_sq_kernel`: writes ``out[:, i]``, returns its status.

    The cells of each family stand under its switch (``scalar.jit.WITH_EMPIRICAL``,
    ``WITH_COMPOUND_POISSON``): the copy of a family unit (:func:`unit_kernel`) compiles the
    cells of its family only and leaves a row of the other one ``DEFERRED``."""
    n = CELLS
    cx = np.empty(n)
    cw = np.empty(n)
    work = np.empty((7, n + 1))
    work_w = np.empty((7, n + 1))  # W = X + U (its own array even when W = X)
    if WITH_EMPIRICAL and rows.empirical[i]:
        lo = rows.start[i]
        hi = lo + rows.length[i]
        origin, width, _ = empirical_cells(
            rows.values[lo:hi], rows.probs[lo:hi], rows.lead_time[i], n, cos_t, sin_t, cx
        )
        for k in range(n):  # unit-sized demand: W = X
            cw[k] = cx[k]
    elif WITH_COMPOUND_POISSON and not rows.empirical[i]:
        low, high = compound_window(rows.rate[i], rows.size_ratio[i])
        if high >= max_support:
            return PMF_TOO_LARGE  # as on the exact pmf: beyond max_support units
        origin, width, _ = compound_cells(
            rows.rate[i], rows.size_ratio[i], low, high, n, cos_t, sin_t, cx, cw
        )
    else:
        # a row of the other family in a family unit's copy: left to its own unit (the
        # engine sends each unit the rows of its family only)
        return DEFERRED
    lattice_tables(cx, width, work)
    lattice_tables(cw, width, work_w)
    a = float(origin)
    w = float(width)
    q = rows.order_quantity[i]
    mu = rows.demand_mean[i]
    if solve:
        s = lattice_solve(work, work_w, n, a, w, rows.metric[i], q, mu, rows.target[i])
        if math.isnan(s):
            return NO_CONVERGENCE
    else:
        s = rows.reorder_point[i]
    al, b, g, rr, eb, oh, mean = lattice_metrics(work, work_w, n, a, w, s, q, mu)
    out[0, i] = s
    out[1, i] = s - mean
    out[2, i] = al
    out[3, i] = b
    out[4, i] = g
    out[5, i] = rr
    out[6, i] = eb
    out[7, i] = oh
    return OK


@kernel
def lattice_sq_kernel(solve, rows, max_support, status, out, start, stop):
    """``pmf.pmf_sq_kernel`` for large demands, rows ``start`` .. ``stop - 1``: the
    lead-time demand (and W = X + U) on a lattice of CELLS cells, then the (s, Q) metrics and
    the integer solver on its tables (:func:`lattice_row`). ``rows`` is a
    :class:`LatticeSqRows`; ``out`` (8, n) in the order of ``invsl.kernels.batch.OUTPUTS``.
    Rows whose status is not OK are skipped; a compound Poisson row whose demand reaches
    ``max_support`` units gets PMF_TOO_LARGE.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    solve, rows, max_support, status, out = borrowed((solve, rows, max_support, status, out))
    cos_t, sin_t = twiddles(CELLS)
    for i in range(start, stop):
        if status[i] == OK:
            status[i] = lattice_row(solve, rows, i, max_support, cos_t, sin_t, out)


#: cost of a row of :func:`lattice_sq_kernel` in rows of the (s, Q) normal kernel, roughly
#: (25-35 us of one core per row, docs/history.md "Large demands"): the weight of
#: ``scalar.jit.run_rows``
ROW_WEIGHT = 200.0

#: the lattice's compile units: one per history family (a table of both runs each family's
#: copy on its rows)
UNITS = {
    "empirical": {"WITH_EMPIRICAL": True, "WITH_COMPOUND_POISSON": False},
    "compound_poisson": {"WITH_EMPIRICAL": False, "WITH_COMPOUND_POISSON": True},
}


@functools.cache
def unit_kernel(unit: str):
    """``lattice_sq_kernel`` for the rows of one history family, ``unit`` a key of
    :data:`UNITS` (its copy, made by ``scalar.jit.specialise``, compiles the cells of that
    family only; it leaves the other family's rows ``DEFERRED``). Built at the first
    request, compiled (or loaded from numba's cache) at its first run."""
    return specialise((sys.modules[__name__],), **UNITS[unit])[__name__].lattice_sq_kernel


def every_kernel() -> dict:
    """Every copy of ``lattice_sq_kernel`` a call can run, ``{unit: kernel}`` (for the
    warm-up's test)."""
    return {unit: unit_kernel(unit) for unit in UNITS}
