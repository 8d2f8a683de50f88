"""Lead-time demand as an explicit probability mass function, and (s, Q) on top of it.

Many SKUs at once are held as flat arrays: the pmf of SKU i is
``values[start[i] : start[i] + length[i]]``, the probability of demand 0, 1, 2, ... units
(support starts at 0; beyond ``length[i]`` the pmf is 0). ``start`` is int64.

Two lead-time demand models (see docs/history.md):

- **empirical**: the per-period demand pmf of the SKU's own history, convolved with itself
  ``lead_time`` times. ``lead_time`` must be a whole number of periods (a fractional lead
  time has no meaning for a pmf of whole periods; such rows are flagged, see
  ``invsl.engine.history_rows``). Up to ``FFT_FROM`` support points the convolution is direct
  (binary powering, sums of positive terms: exact up to rounding, exact support). Beyond, it
  is done by FFT (radix 2): each entry then carries an absolute round-off of a few 1e-16
  (negative ones are set to 0), and the support is cut where the remaining tail mass is
  below ``FFT_ZERO`` = 1e-15.
- **compound_poisson** (stuttering Poisson): Poisson order arrivals, geometric order sizes
  on {1, 2, ...}. Lead-time demand by the Panjer recursion [1]_, which for geometric sizes
  needs O(1) work per support point. The support is cut where the remaining tail mass is
  below ``TAIL_MASS`` (bounded by the geometric decay of the pmf).

The (s, Q) metrics follow the integer conventions of the contract (docs/service-levels.md),
from cumulative sums of the pmf: upper tails by summing from the top, never as 1 - cdf.

Large demands: (s, Q) rows whose lead-time demand spans more than ``LATTICE_FROM`` units
(``needs_lattice``) are computed on the coarse lattice of ``invsl.kernels.lattice`` instead
(1,024 cells of w units, each cell's mass spread evenly over its units; the same (s, Q)
formulas and integer solver). Bound and tests: docs/history.md, "Large demands".

References
----------
.. [1] H. H. Panjer, "Recursive evaluation of a family of compound distributions", ASTIN
   Bulletin 12(1), 22-26, 1981.
.. [2] S. Axsaeter, Inventory Control, 3rd ed., Springer, 2015, sections 5.3 and 5.4
   (compound Poisson demand, (R, Q) policies).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from invsl.kernels import lattice
from invsl.scalar.jit import borrowed, kernel, run_rows, scalar
from invsl.vocabulary import (
    NO_CONVERGENCE,
    OK,
    PMF_TOO_LARGE,
)


#: support size from which the empirical convolution is done by FFT instead of directly
FFT_FROM = 2048
#: FFT path: the support is cut where the remaining tail mass is below this
FFT_ZERO = 1e-15
#: compound Poisson: the support is cut where the tail mass is below this
TAIL_MASS = 1e-16
#: largest support per SKU (values); longer rows get status PMF_TOO_LARGE
MAX_SUPPORT = 1 << 24
#: (s, Q) rows whose lead-time demand spans more units than this are computed on the coarse
#: lattice of ``invsl.kernels.lattice`` (``needs_lattice``): empirical rows whose exact support
#: (largest demand) * L + 1 exceeds it, compound Poisson rows whose mean + 10 standard
#: deviations does. The exact convolution of longer supports would be an FFT (FFT_FROM), and
#: cost 10-20 times the lattice.
LATTICE_FROM = FFT_FROM
#: empirical rows with more lead-time periods than this stay on the exact pmf (a lattice of
#: CELLS cells leaves too few cells per period)
LATTICE_MAX_LEAD = lattice.CELLS // 4

#: cost of a row of each kernel in rows of the (s, Q) normal kernel (about 0.15 us of one
#: core each), roughly, measured on monthly spare parts (lead-time supports of tens to
#: hundreds of units; more for larger demands): the weights of ``scalar.jit.run_rows``,
#: which runs a call below ``scalar.jit.SERIAL_ROWS`` weighted rows on one thread.
#: Convolution powers of the empirical per-period pmf, about 7 us per row:
EMPIRICAL_ROW_WEIGHT = 50.0
#: the Panjer recursion of a compound Poisson row, each of its two passes (length, values),
#: about 3 us:
COMPOUND_ROW_WEIGHT = 20.0
#: the (s, Q) solve on a pmf (cumulative tables of X and W, bisection), 1.5-5 us:
SQ_ROW_WEIGHT = 20.0

_ALPHA, _BETA, _GAMMA = 0, 1, 2


# ---------------------------------------------------------------------------------------------
# convolution


@kernel
def convolve(a, b):
    """Full linear convolution of two nonnegative vectors (direct sums)."""
    out = np.zeros(a.shape[0] + b.shape[0] - 1)
    for i in range(a.shape[0]):
        ai = a[i]
        if ai == 0.0:
            continue
        for j in range(b.shape[0]):
            out[i + j] += ai * b[j]
    return out


@kernel
def convolve_power_direct(p, n):
    """p convolved with itself n times (n >= 0) by binary powering; n = 0 gives [1]."""
    result = np.ones(1)
    base = p.copy()
    while n > 0:
        if n & 1:
            result = convolve(result, base)
        n >>= 1
        if n > 0:
            base = convolve(base, base)
    return result


@kernel
def _fft(re, im, inverse):
    """In-place iterative radix-2 FFT of (re, im), length a power of 2 (unscaled inverse)."""
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
    sign = 1.0 if inverse else -1.0
    length = 2
    while length <= n:
        half = length >> 1
        step = sign * 2.0 * math.pi / length
        for k in range(half):
            # twiddle factors from cos/sin directly (no accumulated rotation error)
            wr = math.cos(step * k)
            wi = math.sin(step * k)
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


@kernel
def convolve_power_fft(p, n, size):
    """p convolved with itself n times by FFT; returns the first ``size`` values.

    The result has an absolute round-off error of a few 1e-16 per entry; negative entries
    are set to 0, and the support is cut where the remaining tail mass falls below FFT_ZERO.
    """
    m = 1
    while m < size:
        m <<= 1
    re = np.zeros(m)
    im = np.zeros(m)
    for i in range(p.shape[0]):  # (not a slice assignment: see empirical_kernel)
        re[i] = p[i]
    _fft(re, im, False)
    # elementwise complex power by binary powering (error grows like log2(n), not n)
    rr = np.ones(m)
    ri = np.zeros(m)
    k = n
    while k > 0:
        if k & 1:
            for i in range(m):
                a = rr[i] * re[i] - ri[i] * im[i]
                ri[i] = rr[i] * im[i] + ri[i] * re[i]
                rr[i] = a
        k >>= 1
        if k > 0:
            for i in range(m):
                a = re[i] * re[i] - im[i] * im[i]
                im[i] = 2.0 * re[i] * im[i]
                re[i] = a
    _fft(rr, ri, True)
    out = np.empty(size)
    for i in range(size):
        v = rr[i] / m
        out[i] = v if v > 0.0 else 0.0  # round-off can make true zeros slightly negative
    # cut the tail where its mass is below FFT_ZERO
    tail = 0.0
    last = size
    while last > 1:
        tail += out[last - 1]
        if tail >= FFT_ZERO:
            break
        last -= 1
    return out[:last].copy()


@scalar
def empirical_length(period_length, lead_time):
    """Support size of the exact lead-time pmf: (period_length - 1) * lead_time + 1."""
    return (period_length - 1) * lead_time + 1


@kernel
def empirical_kernel(
    period_values,
    period_start,
    period_length,
    lead_time,
    method,
    out_values,
    out_start,
    out_length,
    status,
    start,
    stop,
):
    """Lead-time demand pmfs of whole-period lead times from per-period pmfs, rows
    ``start`` .. ``stop - 1``.

    ``lead_time`` is int64. ``method``: 0 automatic (direct up to FFT_FROM support points,
    FFT beyond), 1 always direct, 2 always FFT. Row i writes ``out_values[out_start[i]:]``
    (room for ``empirical_length`` values) and its used length to ``out_length[i]``. Rows
    whose status is not OK are skipped.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    (
        period_values,
        period_start,
        period_length,
        lead_time,
        method,
        out_values,
        out_start,
        out_length,
        status,
    ) = borrowed(
        (
            period_values,
            period_start,
            period_length,
            lead_time,
            method,
            out_values,
            out_start,
            out_length,
            status,
        )
    )
    for i in range(start, stop):
        if status[i] != OK:
            continue
        p = period_values[period_start[i] : period_start[i] + period_length[i]]
        size = empirical_length(period_length[i], lead_time[i])
        use_fft = method == 2 or (method == 0 and size > FFT_FROM)
        if use_fft and lead_time[i] > 1:
            r = convolve_power_fft(p, lead_time[i], size)
        else:
            r = convolve_power_direct(p, lead_time[i])
        # (a loop, not a slice assignment: that compiles numba's shape check and its error
        # message, about a second)
        for k in range(r.shape[0]):
            out_values[out_start[i] + k] = r[k]
        out_length[i] = r.shape[0]


# ---------------------------------------------------------------------------------------------
# compound Poisson with geometric order sizes (Panjer recursion)


@scalar
def panjer_geometric(lam, q, out, store):
    """Compound Poisson(lam) with geometric(q) sizes by the Panjer recursion.

    g_0 = exp(-lam); with A_n = sum_{k=1..n} q^(k-1) g_(n-k) and
    B_n = sum_{k=1..n} k q^(k-1) g_(n-k), the Panjer sum (lam / n) sum_k k f_k g_(n-k) with
    f_k = (1 - q) q^(k-1) is g_n = lam (1 - q) B_n / n, and A_(n+1) = g_n + q A_n,
    B_(n+1) = g_n + q (B_n + A_n): O(1) per value, all terms positive (stable).
    For lam > 700 (exp(-lam) underflows) the recursion runs scaled and is normalised at
    the end. Stops after the mean once the tail bound g_n r / (1 - r), r = g_n / g_(n-1),
    is below TAIL_MASS; writes into ``out`` when ``store``; returns the length (or -1 when
    longer than MAX_SUPPORT).
    """
    if lam <= 0.0:
        if store:
            out[0] = 1.0
        return 1
    scaled = lam > 700.0
    g = 1e-280 if scaled else math.exp(-lam)
    if store:
        out[0] = g
    total = g
    mean = lam / (1.0 - q)
    a = 0.0
    b = 0.0
    c = lam * (1.0 - q)
    prev = g
    n = 1
    while n < MAX_SUPPORT:
        a_new = prev + q * a
        b = prev + q * (b + a)
        a = a_new
        g = c * b / n
        if store:
            out[n] = g
        total += g
        if scaled and g > 1e250:
            f = 1e-250
            a *= f
            b *= f
            g *= f
            total *= f
            if store:
                for j in range(n + 1):
                    out[j] *= f
        if n > mean and g < prev:
            r = g / prev
            if g * r / (1.0 - r) < TAIL_MASS * total:
                if store and scaled:
                    for j in range(n + 1):
                        out[j] /= total
                return n + 1
        prev = g
        n += 1
    return -1


@kernel
def compound_poisson_lengths(lam, q, status, length, start, stop):
    """Support size of the compound Poisson pmf of rows ``start`` .. ``stop - 1`` (status
    PMF_TOO_LARGE if too long)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    lam, q, status, length = borrowed((lam, q, status, length))
    dummy = np.empty(0)
    for i in range(start, stop):
        length[i] = 0
        if status[i] != OK:
            continue
        n = panjer_geometric(lam[i], q[i], dummy, False)
        if n < 0:
            status[i] = PMF_TOO_LARGE
        else:
            length[i] = n


@kernel
def compound_poisson_kernel(lam, q, values, begin, status, start, stop):
    """Write the compound Poisson pmf of each row ``i`` of ``start`` .. ``stop - 1`` at
    ``values[begin[i]:]`` (lengths from ``compound_poisson_lengths``)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    lam, q, values, begin, status = borrowed((lam, q, values, begin, status))
    for i in range(start, stop):
        if status[i] != OK:
            continue
        panjer_geometric(lam[i], q[i], values[begin[i] :], True)


# ---------------------------------------------------------------------------------------------
# (s, Q) metrics from a pmf


@kernel
def cumulative_tables(p, work):
    """Fill ``work`` (5, S + 1) from the pmf p (length S).

    Row 0: F(x) = P(X <= x); row 1: G1(x) = E[(X - x)^+] = sum_{y >= x} P(X > y), with
    P(X > y) summed from the top; row 2: G2(x) = sum_{y >= x} G1(y); row 3: H1(y) =
    E[(y - X)^+] = sum_{x < y} F(x); row 4: K2(y) = sum_{z <= y} H1(z); x, y = 0..S.
    """
    size = p.shape[0]
    acc = 0.0
    for x in range(size):
        acc += p[x]
        work[0, x] = acc
    work[0, size] = acc
    tail = 0.0
    g1 = 0.0
    g2 = 0.0
    work[1, size] = 0.0
    work[2, size] = 0.0
    for x in range(size - 1, -1, -1):
        # tail = P(X > x)
        g1 += tail
        g2 += g1
        work[1, x] = g1
        work[2, x] = g2
        tail += p[x]
    h1 = 0.0
    k2 = 0.0
    for y in range(size + 1):
        if y > 0:
            h1 += work[0, y - 1]
        k2 += h1
        work[3, y] = h1
        work[4, y] = k2


@scalar
def table_at(work, row, size, mean, x):
    """F, G1, G2, H1 or K2 (``row`` 0..4) at integer x, extended beyond 0..S exactly."""
    if x >= 0.0 and x <= size:
        return work[row, int(x)]
    if row == 0:
        return 0.0 if x < 0.0 else 1.0
    if row == 1:
        return mean - x if x < 0.0 else 0.0
    if row == 2:
        if x > size:
            return 0.0
        k = -x  # G2(x) = G2(0) + sum_{y=x..-1} (mean - y)
        return work[2, 0] + k * mean + 0.5 * k * (k + 1.0)
    if row == 3:
        if x < 0.0:
            return 0.0
        return work[3, size] + (x - size)  # F = 1 beyond the support
    if x < 0.0:
        return 0.0
    j = x - size
    return work[4, size] + j * work[3, size] + 0.5 * j * (j + 1.0)


@kernel
def undershoot_pmf(p, q, extra):
    """pmf of W = X + U, U geometric on {0, 1, ...} with P(U = u) = (1 - q) q^u.

    w_n = q w_(n-1) + (1 - q) p_n (all terms positive), over the support of X plus ``extra``
    values (where the geometric factor q^extra has fallen below 1e-17).
    """
    size = p.shape[0] + extra
    w = np.empty(size)
    prev = 0.0
    for n in range(size):
        v = (1.0 - q) * p[n] if n < p.shape[0] else 0.0
        prev = q * prev + v
        w[n] = prev
    return w


@scalar
def undershoot_extra(q):
    """Values to add to a support for the geometric undershoot (q^extra < 1e-17); 0 if q = 0."""
    if q <= 0.0:
        return 0
    return int(math.ceil(math.log(1e-17) / math.log(q))) + 1


@scalar
def pmf_metrics(work, size, work_w, size_w, s, q, mu):
    """(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand, mean).

    ``work``/``size``: cumulative arrays (``cumulative_tables``) of the lead-time demand X;
    ``work_w``/``size_w``: those of W = X + U, U the undershoot of the order-triggering
    customer (W = X for unit-sized demand). Inventory position uniform on s+1..s+Q:

    - alpha = P(W <= s) (no backorder before the order arrives; contract, general definitions)
    - beta = 1 - (G1_W(s) - G1_W(s+Q)) / Q (units not served at once, see Notes of
      docs/history.md; for W = X the contract's (s, Q) formula)
    - ready_rate = P(IN > 0) = 1 - (G1_X(s) - G1_X(s+Q)) / Q
    - E[B] = (G2_X(s+1) - G2_X(s+Q+1)) / Q, gamma = 1 - E[B] / mu,
      on hand = E[IN] + E[B], E[IN] = s + (Q+1)/2 - E[X].

    Where E[IN] < 0 the lower tails are used instead (no large terms cancel): on hand =
    (K2(s+Q) - K2(s)) / Q, E[B] = on hand - E[IN], and 1 - (G1(s) - G1(s+Q)) / Q =
    (H1(s+Q) - H1(s)) / Q.
    """
    mean = work[1, 0]  # G1(0) = E[X]
    mean_w = work_w[1, 0]
    alpha = table_at(work_w, 0, size_w, mean_w, s)
    net = s + 0.5 * (q + 1.0) - mean
    if net >= 0.0:
        backorders = max(
            (table_at(work, 2, size, mean, s + 1.0) - table_at(work, 2, size, mean, s + q + 1.0))
            / q,
            0.0,
        )
        on_hand = net + backorders
        ready = 1.0 - (table_at(work, 1, size, mean, s) - table_at(work, 1, size, mean, s + q)) / q
    else:
        on_hand = max(
            (table_at(work, 4, size, mean, s + q) - table_at(work, 4, size, mean, s)) / q, 0.0
        )
        backorders = on_hand - net
        ready = (table_at(work, 3, size, mean, s + q) - table_at(work, 3, size, mean, s)) / q
    ready = min(max(ready, 0.0), 1.0)
    if s + 0.5 * (q + 1.0) - mean_w >= 0.0:
        beta = (
            1.0
            - (table_at(work_w, 1, size_w, mean_w, s) - table_at(work_w, 1, size_w, mean_w, s + q))
            / q
        )
    else:
        beta = (
            table_at(work_w, 3, size_w, mean_w, s + q) - table_at(work_w, 3, size_w, mean_w, s)
        ) / q
    beta = min(max(beta, 0.0), 1.0)
    gamma = 1.0 - backorders / mu
    return alpha, beta, gamma, ready, backorders, on_hand, mean


@scalar
def _metric(work, size, work_w, size_w, metric, s, q, mu):
    a, b, g, _, _, _, _ = pmf_metrics(work, size, work_w, size_w, s, q, mu)
    if metric == _ALPHA:
        return a
    if metric == _BETA:
        return b
    return g


@scalar
def pmf_solve(work, size, work_w, size_w, metric, q, mu, target):
    """Smallest integer s with metric(s) >= target (bisection on integers; NaN if none).

    Brackets: metric(max support) = 1 >= target; below, alpha(-1) = 0, beta(-Q) = 0, and
    gamma(s) < target for s < E[X] - (Q+1)/2 - mu (E[B] >= -E[IN] > mu there).
    """
    mean = work[1, 0]
    hi = float(max(size, size_w))
    if metric == _ALPHA:
        lo = -1.0
    elif metric == _BETA:
        lo = -q
    else:
        lo = math.floor(mean - 0.5 * (q + 1.0) - mu) - 1.0
    if (
        _metric(work, size, work_w, size_w, metric, hi, q, mu) < target
        or _metric(work, size, work_w, size_w, metric, lo, q, mu) >= target
    ):
        return math.nan
    while hi - lo > 1.0:
        # (a float, as hi and lo: one compiled version of _metric and the functions it calls)
        mid = float(math.floor(0.5 * (lo + hi)))
        if _metric(work, size, work_w, size_w, metric, mid, q, mu) >= target:
            hi = mid
        else:
            lo = mid
    return hi


class PmfSqRows(NamedTuple):
    """The row inputs of :func:`pmf_sq_kernel`, grouped by name (1-d arrays of one length n,
    except ``values``, the flat pmfs of every row)."""

    metric: np.ndarray  # int8 metric code, read when solving
    target: np.ndarray  # float64, read when solving
    values: np.ndarray  # float64, the pmfs of all rows, back to back
    start: np.ndarray  # int64, where row i's pmf starts in values
    length: np.ndarray  # int64, its length
    size_ratio: np.ndarray  # float64, geometric ratio of the order sizes (0: unit demand)
    demand_mean: np.ndarray  # float64, mu [units/period]
    order_quantity: np.ndarray  # float64, Q [units]
    reorder_point: np.ndarray  # float64, s [units], read when evaluating


@kernel
def pmf_sq_kernel(solve, rows, status, out, start, stop):
    """Evaluate (solve=False) or optimize (solve=True) the integer (s, Q) rows ``start`` ..
    ``stop - 1`` from pmfs.

    ``rows`` is a :class:`PmfSqRows`: row i's lead-time demand pmf is
    ``values[start[i] : start[i] + length[i]]``; ``size_ratio`` is the geometric ratio q of
    the customer order sizes (0: unit-sized demand, no undershoot); ``demand_mean`` is the
    mean demand per period (for gamma). ``out`` is (8, n) in the order of
    ``invsl.kernels.batch.OUTPUTS``. Rows whose status is not OK are skipped.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    solve, rows, status, out = borrowed((solve, rows, status, out))
    metric = rows.metric
    target = rows.target
    values = rows.values
    begin = rows.start
    length = rows.length
    size_ratio = rows.size_ratio
    demand_mean = rows.demand_mean
    order_quantity = rows.order_quantity
    reorder_point = rows.reorder_point
    for i in range(start, stop):
        if status[i] != OK:
            continue
        size = length[i]
        p = values[begin[i] : begin[i] + size]
        work = np.empty((5, size + 1))
        cumulative_tables(p, work)
        work_w = work
        size_w = size
        if size_ratio[i] > 0.0:
            extra = undershoot_extra(size_ratio[i])
            if size + extra > MAX_SUPPORT:
                status[i] = PMF_TOO_LARGE
                continue
            w = undershoot_pmf(p, size_ratio[i], extra)
            size_w = w.shape[0]
            work_w = np.empty((5, size_w + 1))
            cumulative_tables(w, work_w)
        q = order_quantity[i]
        mu = demand_mean[i]
        if solve:
            s = pmf_solve(work, size, work_w, size_w, metric[i], q, mu, target[i])
            if math.isnan(s):
                status[i] = NO_CONVERGENCE
                continue
        else:
            s = reorder_point[i]
        a, b, g, rr, eb, oh, mean = pmf_metrics(work, size, work_w, size_w, s, q, mu)
        out[0, i] = s
        out[1, i] = s - mean
        out[2, i] = a
        out[3, i] = b
        out[4, i] = g
        out[5, i] = rr
        out[6, i] = eb
        out[7, i] = oh


def sq(solve: bool, rows: PmfSqRows, status: np.ndarray, out: np.ndarray) -> None:
    """:func:`pmf_sq_kernel` on ``rows``, on several threads above ``scalar.jit.SERIAL_ROWS``
    weighted rows (:data:`SQ_ROW_WEIGHT`)."""
    run_rows(pmf_sq_kernel, status.shape[0], SQ_ROW_WEIGHT, solve, rows, status, out)


# ---------------------------------------------------------------------------------------------
# Python helpers (numpy; no loops over SKUs)


def offsets(lengths: np.ndarray) -> np.ndarray:
    """Start of each row in a flat array of the given lengths (int64), plus the total at the end."""
    start = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=start[1:])
    return start


def needs_lattice(empirical, top, lead_time, mean, var):
    """Which (s, Q) rows go to ``lattice.lattice_sq_kernel`` (numpy, per row).

    ``empirical`` rows: LATTICE_FROM < ``top`` (largest per-period demand) * L + 1 <=
    MAX_SUPPORT and L <= LATTICE_MAX_LEAD (longer supports stay on the exact path, which
    flags them PMF_TOO_LARGE); compound Poisson rows: L mean + 10 sqrt(L var) > LATTICE_FROM
    (``mean``, ``var`` per period; the lattice kernel flags those whose tail reaches
    MAX_SUPPORT units).
    """
    lead = np.asarray(lead_time, dtype=float)
    with np.errstate(all="ignore"):
        size = np.asarray(top) * lead + 1.0
        emp = (size > LATTICE_FROM) & (size <= MAX_SUPPORT) & (lead <= LATTICE_MAX_LEAD)
        cp = lead * mean + 10.0 * np.sqrt(lead * var) > LATTICE_FROM
    return np.where(empirical, emp, cp)


def empirical_lead_time(period_values, period_start, period_length, lead_time, status, method=0):
    """Lead-time pmfs (flat values, start, length) of whole-period lead times.

    ``status`` (uint8) is updated in place: rows whose exact support would exceed
    MAX_SUPPORT get PMF_TOO_LARGE. Many rows (above ``scalar.jit.SERIAL_ROWS`` weighted by
    :data:`EMPIRICAL_ROW_WEIGHT`) run on several threads.
    """
    lead_time = np.asarray(lead_time, dtype=np.int64)
    period_length = np.asarray(period_length, dtype=np.int64)
    size = (period_length - 1) * lead_time + 1
    status[(status == OK) & (size > MAX_SUPPORT)] = PMF_TOO_LARGE
    room = np.where(status == OK, size, 0)
    start = offsets(room)
    values = np.zeros(int(start[-1]))
    length = np.zeros(len(room), dtype=np.int64)
    run_rows(
        empirical_kernel,
        len(room),
        EMPIRICAL_ROW_WEIGHT,
        np.ascontiguousarray(period_values, dtype=np.float64),
        np.asarray(period_start, dtype=np.int64),
        period_length,
        lead_time,
        int(method),
        values,
        start[:-1],
        length,
        status,
    )
    return values, start[:-1], length


def compound_poisson_lead_time(demand_mean, demand_std, lead_time, status):
    """Lead-time pmfs (flat values, start, length) and geometric ratios q of stuttering
    Poisson demand.

    Per-period mean and standard deviation fix the order rate and the geometric order
    sizes (mean size m = (var / mean + 1) / 2, rate = mean / m, ratio q = 1 - 1/m); over ``lead_time`` periods the order count is
    Poisson(rate * lead_time). Rows with a variance below the mean must be flagged by the
    caller (they give NaN parameters here and are skipped). Many rows (above
    ``scalar.jit.SERIAL_ROWS`` weighted by :data:`COMPOUND_ROW_WEIGHT`) run on several
    threads.
    """
    mean = np.asarray(demand_mean, dtype=float)
    var = np.asarray(demand_std, dtype=float) ** 2
    with np.errstate(all="ignore"):  # rows that are not OK may hold anything
        m = 0.5 * (var / mean + 1.0)
        rate = mean / m
        q = 1.0 - 1.0 / m
        lam = rate * np.asarray(lead_time, dtype=float)
    lam = np.where(status == OK, lam, 0.0)
    q = np.where(status == OK, q, 0.0)
    length = np.zeros(len(lam), dtype=np.int64)
    run_rows(compound_poisson_lengths, len(lam), COMPOUND_ROW_WEIGHT, lam, q, status, length)
    start = offsets(length)
    values = np.zeros(int(start[-1]))
    args = (lam, q, values, start[:-1], status)
    run_rows(compound_poisson_kernel, len(lam), COMPOUND_ROW_WEIGHT, *args)
    return values, start[:-1], length, q
