"""Periodic review (R, S), (R, s, S), (R, s, nQ) with demand from history: exact sums on pmfs.

The periodic policies of ``invsl.kernels.periodic.policies`` with the two pmf-based demand models of
``invsl.kernels.pmf`` (docs/history.md): ``empirical`` (the SKU's own per-period demand pmf) and
``compound_poisson`` (stuttering Poisson). Both are integer-valued, so every metric is a
finite sum, computed here without approximation beyond the documented truncation of the
pmfs (compound Poisson tails below 1e-16, FFT convolutions of long supports; see
``invsl.kernels.pmf``).

Per SKU, one compiled kernel (``periodic_pmf_kernel``, a loop over rows):

1. builds the pmfs of the demand D(n) over n periods for n = R (the demand between two
   reviews, D_R) and n = L + j, j = 0 .. R: ``empirical`` by convolution powers of the
   per-period pmf (direct sums up to ``pmf.FFT_FROM`` support points, each D(L + j + 1) then
   as D(L + j) convolved with one period; FFT beyond), ``compound_poisson`` by the Panjer
   recursion with order rate r n;
2. turns each into cumulative arrays (``pmf.cumulative_tables``: F, G1, G2, H1, K2, tails summed
   from the top so that nothing cancels);
3. computes the distribution of the inventory position Y just after a review: Y = S for
   (R, S); uniform on s+1 .. s+Q for (R, s, nQ); for (R, s, S) the stationary distribution
   of the chain on s+1 .. S in renewal form, P(Y = S - k) = u(k) / sum_{i < S-s} u(i),
   u(0) = 1, u(k) P(D_R > 0) = sum_{j=1..k} P(D_R = j) u(k - j);
4. the undershoot weights of the ordering reviews for alpha: P(order, U = u) =
   sum_k P(Y = S - k) P(D_R = S - s - k + u) for (R, s, S), proportional to
   P(u < D_R <= u + Q) for (R, s, nQ);
5. evaluates the metrics by conditioning on Y (contract docs/service-levels.md, "Periodic
   review"; docs/periodic.md), or solves the smallest integer reorder point (order-up-to
   level for RS) whose metric reaches the target by bisection on integers:

   - E[B] = (1/R) sum_{j=1..R} E[G1_{L+j}(Y)], gamma = 1 - E[B] / mu
   - beta = 1 - E[G1_{L+R}(Y) - G1_L(Y)] / (R mu)
   - ready_rate = (1/R) sum_j E[P(D(L + j) < Y)]
   - expected_on_hand = (1/R) sum_j E[H1_{L+j}(Y)], H1(y) = E[(y - D)^+] (a sum of positive
     terms, equal to E[Y] - mu (L + (R+1)/2) + E[B])
   - alpha = F_{L+R}(S) for (R, S); otherwise sum_u P(order, U = u) F_L(s - u) /
     sum_u P(order, U = u)

   With the uniform position of (R, s, nQ) and Q > 64 the expectations are differences of
   the cumulative arrays (G2 for G1, H1 for the cdf, K2 for H1); smaller Q are summed
   position by position.

Example: (R, S) with stuttering Poisson demand of mean 1 and variance 3 per period (order
rate 1/2, mean order size 2), L = 0, R = 1, S = 0: alpha = P(no order in a period) =
exp(-1/2).

>>> import math, pandas as pd, invsl
>>> df = pd.DataFrame({"demand_mean": [1.0], "demand_std": [math.sqrt(3.0)],
...                    "lead_time": [0], "order_up_to": [0], "policy": ["RS"],
...                    "review_period": [1], "distribution": ["compound_poisson"]})
>>> row = invsl.evaluate(df).iloc[0]
>>> round(float(row["alpha"]), 12) == round(math.exp(-0.5), 12)
True

Rows the DataFrame layer cannot compute (no history, fractional lead time for empirical,
variance below the mean for compound Poisson, a pmf beyond ``pmf.MAX_SUPPORT``) get a status
and a message, as in the continuous-review path (``invsl.engine.history_rows``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from invsl.kernels import pmf
from invsl.scalar.jit import borrowed, kernel, run_rows, scalar
from invsl.vocabulary import (
    NO_CONVERGENCE,
    OK,
    PMF_TOO_LARGE,
)
from invsl.vocabulary import (
    DEMAND_EMPIRICAL,
    METRIC_ALPHA,
    METRIC_BETA,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
)

#: (R, s, nQ) with demand from history: order quantities up to this size are summed over the
#: Q positions s+1 .. s+Q (weight 1/Q each); larger Q take differences of the cumulative
#: arrays (G2, H1, K2)
_RSQ_PMF_MAX_Q_SUMMED_BY_POSITION = 64.0

_F, _G1, _G2, _H1, _K2 = 0, 1, 2, 3, 4


# ---------------------------------------------------------------------------------------------
# pmfs of D(n)


@scalar
def _panjer_pmf(lam, q):
    """Compound Poisson(lam) pmf with geometric(q) sizes; empty if beyond MAX_SUPPORT."""
    dummy = np.empty(0)
    length = pmf.panjer_geometric(lam, q, dummy, False)
    if length < 0:
        return np.empty(0)
    out = np.empty(length)
    pmf.panjer_geometric(lam, q, out, True)
    return out


@scalar
def _power(period, n):
    """Empirical: the per-period pmf convolved with itself n times (direct or FFT)."""
    size = pmf.empirical_length(period.shape[0], n)
    if size > pmf.FFT_FROM and n > 1:
        return pmf.convolve_power_fft(period, n, size)
    return pmf.convolve_power_direct(period, n)


@scalar
def _build(kind, period, rate, q, lead, r, work, offsets, sizes):
    """Cumulative arrays of D(L + j), j = 0 .. R (tables 0 .. R) and of D_R (table R + 1).

    ``work`` is (5, total) with table t in columns offsets[t] .. offsets[t] + sizes[t];
    returns the pmf of D_R (for the position and undershoot distributions).
    """
    nr = int(r)
    prev = np.empty(0)
    for j in range(nr + 2):
        if j == nr + 1:
            n = r
        else:
            n = lead + j
        if kind == DEMAND_EMPIRICAL:
            nn = int(n)
            if j == nr + 1:
                p = _power(period, nn)
            elif j > 0 and prev.shape[0] + period.shape[0] - 1 <= pmf.FFT_FROM:
                p = pmf.convolve(prev, period)  # D(L + j) = D(L + j - 1) + one period
            else:
                p = _power(period, nn)
        else:
            p = _panjer_pmf(rate * n, q)
        size = p.shape[0]
        sizes[j] = size
        pmf.cumulative_tables(p, work[:, offsets[j] : offsets[j] + size + 1])
        prev = p
    return prev


@scalar
def _table_sizes(kind, period_length, rate, q, lead, r):
    """Support sizes of the R + 2 pmfs ``_build`` makes (an upper bound for FFT cuts);
    -1 when one would exceed MAX_SUPPORT."""
    nr = int(r)
    sizes = np.zeros(nr + 2, dtype=np.int64)
    dummy = np.empty(0)
    for j in range(nr + 2):
        n = r if j == nr + 1 else lead + j
        if kind == DEMAND_EMPIRICAL:
            size = pmf.empirical_length(period_length, int(n))
        else:
            size = pmf.panjer_geometric(rate * n, q, dummy, False)
        if size < 0 or size > pmf.MAX_SUPPORT:
            sizes[:] = -1
            return sizes
        sizes[j] = size
    return sizes


# ---------------------------------------------------------------------------------------------
# position and undershoot distributions


@scalar
def stationary(p_r, gap):
    """P(Y = S - k), k = 0 .. gap - 1, of (R, s, S) from the pmf of D_R (renewal form)."""
    n = int(gap)
    pi = np.zeros(n)
    positive = 0.0
    for j in range(p_r.shape[0] - 1, 0, -1):
        positive += p_r[j]  # P(D_R > 0) as a sum, not 1 - P(D_R = 0)
    pi[0] = 1.0
    if not positive > 0.0:
        return pi
    jmax = min(n - 1, p_r.shape[0] - 1)
    total = 1.0
    for k in range(1, n):
        acc = 0.0
        for j in range(1, min(k, jmax) + 1):
            acc += p_r[j] * pi[k - j]
        acc /= positive
        pi[k] = acc
        total += acc
    for k in range(n):
        pi[k] /= total
    return pi


@scalar
def undershoot_rss(p_r, pi):
    """w[u] = P(order, U = u) = sum_k pi_k P(D_R = gap - k + u), u = 0, 1, ...."""
    gap = pi.shape[0]
    m = p_r.shape[0]
    w = np.zeros(max(m - 1, 1))
    for k in range(gap):
        d0 = gap - k
        for u in range(0, m - d0):
            w[u] += pi[k] * p_r[d0 + u]
    return w


@scalar
def undershoot_rsq(p_r, q):
    """w[u] = P(u < D_R <= u + Q), proportional to P(order, U = u) of (R, s, nQ)."""
    m = p_r.shape[0]
    tail = np.zeros(m + 1)  # tail[d] = P(D_R >= d), summed from the top
    for d in range(m - 1, -1, -1):
        tail[d] = tail[d + 1] + p_r[d]
    nq = int(q)
    w = np.zeros(max(m - 1, 1))
    for u in range(m - 1):
        hi = u + nq + 1
        w[u] = tail[u + 1] - (tail[hi] if hi <= m else 0.0)
    return w


# ---------------------------------------------------------------------------------------------
# metrics


@scalar
def _sums(work, size, policy, x, gap, pi):
    """(E[G1(Y)], E[P(D < Y)], E[H1(Y)]) for D with cumulative arrays ``work``.

    x is S for (R, S) and s otherwise; gap is Q for (R, s, nQ) and S - s for (R, s, S).
    ``pi``: P(Y = x + gap - k) for (R, s, S) (and 1/Q for small Q of (R, s, nQ)).
    """
    mean = work[_G1, 0]
    if policy == POLICY_RS:
        return (
            pmf.table_at(work, _G1, size, mean, x),
            pmf.table_at(work, _F, size, mean, x - 1.0),
            pmf.table_at(work, _H1, size, mean, x),
        )
    if policy == POLICY_RSQ and gap > _RSQ_PMF_MAX_Q_SUMMED_BY_POSITION:
        g = pmf.table_at(work, _G2, size, mean, x + 1.0) - pmf.table_at(
            work, _G2, size, mean, x + gap + 1.0
        )
        lt = pmf.table_at(work, _H1, size, mean, x + gap) - pmf.table_at(work, _H1, size, mean, x)
        h = pmf.table_at(work, _K2, size, mean, x + gap) - pmf.table_at(work, _K2, size, mean, x)
        return max(g / gap, 0.0), min(max(lt / gap, 0.0), 1.0), max(h / gap, 0.0)
    top = x + gap
    g = 0.0
    lt = 0.0
    h = 0.0
    for k in range(pi.shape[0]):
        y = top - k
        w = pi[k]
        g += w * pmf.table_at(work, _G1, size, mean, y)
        lt += w * pmf.table_at(work, _F, size, mean, y - 1.0)
        h += w * pmf.table_at(work, _H1, size, mean, y)
    return g, lt, h


@scalar
def _table(work, offsets, sizes, j):
    return work[:, offsets[j] : offsets[j] + sizes[j] + 1]


@scalar
def _alpha(work, offsets, sizes, nr, policy, x, w):
    """alpha: F_{L+R}(S) for (R, S); the undershoot-weighted F_L(s - U) otherwise."""
    if policy == POLICY_RS:
        t = _table(work, offsets, sizes, nr)
        return pmf.table_at(t, _F, sizes[nr], t[_G1, 0], x)
    t = _table(work, offsets, sizes, 0)
    size = sizes[0]
    mean = t[_G1, 0]
    num = 0.0
    den = 0.0
    for u in range(w.shape[0]):
        num += w[u] * pmf.table_at(t, _F, size, mean, x - u)
        den += w[u]
    if not den > 0.0:
        return math.nan
    return min(max(num / den, 0.0), 1.0)


@scalar
def all_metrics(work, offsets, sizes, nr, policy, x, gap, pi, w, mu):
    """(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand) at x."""
    backorders = 0.0
    ready = 0.0
    on_hand = 0.0
    g_top = 0.0
    for j in range(1, nr + 1):
        g, lt, h = _sums(_table(work, offsets, sizes, j), sizes[j], policy, x, gap, pi)
        backorders += g
        ready += lt
        on_hand += h
        g_top = g
    g_low, _, _ = _sums(_table(work, offsets, sizes, 0), sizes[0], policy, x, gap, pi)
    r = float(nr)
    beta = min(max(1.0 - max(g_top - g_low, 0.0) / (r * mu), 0.0), 1.0)
    backorders /= r
    alpha = _alpha(work, offsets, sizes, nr, policy, x, w)
    return (
        alpha,
        beta,
        1.0 - backorders / mu,
        min(max(ready / r, 0.0), 1.0),
        backorders,
        on_hand / r,
    )


@scalar
def value(metric, work, offsets, sizes, nr, policy, x, gap, pi, w, mu):
    """One metric (alpha, beta or gamma) at x."""
    if metric == METRIC_ALPHA:
        return _alpha(work, offsets, sizes, nr, policy, x, w)
    if metric == METRIC_BETA:
        g_top, _, _ = _sums(_table(work, offsets, sizes, nr), sizes[nr], policy, x, gap, pi)
        g_low, _, _ = _sums(_table(work, offsets, sizes, 0), sizes[0], policy, x, gap, pi)
        return 1.0 - max(g_top - g_low, 0.0) / (nr * mu)
    total = 0.0
    for j in range(1, nr + 1):
        g, _, _ = _sums(_table(work, offsets, sizes, j), sizes[j], policy, x, gap, pi)
        total += g
    return 1.0 - total / (nr * mu)


@scalar
def solve(metric, target, work, offsets, sizes, nr, policy, gap, pi, w, mu, lead):
    """Smallest integer x (S for RS, s otherwise) with metric(x) >= target; NaN if none.

    Brackets: above the supports every metric is 1 (up to the truncated tail mass); below,
    alpha(-1) = 0, beta = 0 once every position is <= 0, and gamma <= 0 once
    E[Y] <= mu (L + (R - 1)/2) (then E[B] >= -E[net] >= mu). The lower end is moved further
    down if needed; then bisection on integers.
    """
    hi = float(sizes[nr] + sizes[nr + 1] + 1)
    if metric == METRIC_ALPHA:
        lo = -1.0
    elif metric == METRIC_BETA:
        lo = -gap - 1.0
    else:
        lo = math.floor(mu * (lead + 0.5 * (nr - 1.0))) - gap - 2.0
    if value(metric, work, offsets, sizes, nr, policy, hi, gap, pi, w, mu) < target:
        return math.nan
    step = max(1.0, gap)
    bracketed = False
    for _ in range(64):
        if value(metric, work, offsets, sizes, nr, policy, lo, gap, pi, w, mu) < target:
            bracketed = True
            break
        hi = lo
        lo -= step
        step *= 2.0
    if not bracketed:
        return math.nan
    while hi - lo > 1.0:
        # (a float, as hi and lo: one compiled version of value and the functions it calls)
        mid = float(math.floor(0.5 * (lo + hi)))
        if value(metric, work, offsets, sizes, nr, policy, mid, gap, pi, w, mu) >= target:
            hi = mid
        else:
            lo = mid
    return hi


class PmfPeriodicRows(NamedTuple):
    """The row inputs of :func:`periodic_pmf_kernel`, grouped by name (1-d arrays of one
    length n, except ``period_values``, the flat per-period pmfs of every row)."""

    policy: np.ndarray  # int8 policy code
    kind: np.ndarray  # int8, DEMAND_EMPIRICAL or DEMAND_COMPOUND_POISSON
    metric: np.ndarray  # int8 metric code, read when solving
    target: np.ndarray  # float64, read when solving
    period_values: np.ndarray  # float64, per-period pmfs of the empirical rows, back to back
    period_start: np.ndarray  # int64
    period_length: np.ndarray  # int64
    rate: np.ndarray  # float64, compound Poisson order rate per period
    ratio: np.ndarray  # float64, geometric size ratio
    demand_mean: np.ndarray  # float64, mu [units/period]
    lead_time: np.ndarray  # float64, L [periods]
    review_period: np.ndarray  # float64, R [periods]
    order_quantity: np.ndarray  # float64
    reorder_point: np.ndarray  # float64
    order_up_to: np.ndarray  # float64


@kernel
def periodic_pmf_kernel(solve_, rows, status, out, start, stop):
    """Evaluate (solve_=False) or optimize (solve_=True) the periodic rows ``start`` ..
    ``stop - 1`` with pmf demand.

    ``rows`` is a :class:`PmfPeriodicRows`. ``kind`` is ``DEMAND_EMPIRICAL`` (per-period pmf
    ``period_values[period_start[i] : period_start[i] + period_length[i]]``) or
    ``DEMAND_COMPOUND_POISSON`` (order rate ``rate[i]`` per period, geometric size ratio
    ``ratio[i]``). ``out`` is (9, n) in the order of
    ``invsl.kernels.periodic.policies.OUTPUTS``. Evaluate reads ``order_up_to`` (RS, RsS)
    and ``reorder_point`` (RsS, RsQ); optimize reads ``order_quantity`` (the gap S - s for
    RsS, Q for RsQ). Rows whose status is not OK are skipped; a row whose pmfs would exceed
    ``pmf.MAX_SUPPORT`` gets PMF_TOO_LARGE, a failed solve NO_CONVERGENCE.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    solve_, rows, status, out = borrowed((solve_, rows, status, out))
    policy = rows.policy
    kind = rows.kind
    metric = rows.metric
    target = rows.target
    period_values = rows.period_values
    period_start = rows.period_start
    period_length = rows.period_length
    rate = rows.rate
    ratio = rows.ratio
    demand_mean = rows.demand_mean
    lead_time = rows.lead_time
    review_period = rows.review_period
    order_quantity = rows.order_quantity
    reorder_point = rows.reorder_point
    order_up_to = rows.order_up_to
    for i in range(start, stop):
        if status[i] != OK:
            continue
        pol = policy[i]
        r = review_period[i]
        nr = int(r)
        lead = lead_time[i]
        plen = period_length[i]
        period = period_values[period_start[i] : period_start[i] + plen]
        bound = _table_sizes(kind[i], plen, rate[i], ratio[i], lead, r)
        if bound[0] < 0:
            status[i] = PMF_TOO_LARGE
            continue
        offsets = np.zeros(nr + 3, dtype=np.int64)
        for j in range(nr + 2):
            offsets[j + 1] = offsets[j] + bound[j] + 1
        work = np.zeros((5, offsets[nr + 2]))
        sizes = np.zeros(nr + 2, dtype=np.int64)
        p_r = _build(kind[i], period, rate[i], ratio[i], lead, r, work, offsets, sizes)
        mu = demand_mean[i]
        if pol == POLICY_RS:
            gap = 0.0
        elif solve_ or pol == POLICY_RSQ:
            gap = order_quantity[i]
        else:
            gap = order_up_to[i] - reorder_point[i]
        if pol == POLICY_RSS:
            pi = stationary(p_r, gap)
            w = undershoot_rss(p_r, pi)
        elif pol == POLICY_RSQ:
            pi = np.full(int(gap) if gap <= _RSQ_PMF_MAX_Q_SUMMED_BY_POSITION else 0, 1.0 / gap)
            w = undershoot_rsq(p_r, gap)
        else:
            pi = np.zeros(0)
            w = np.zeros(0)
        if solve_:
            x = solve(metric[i], target[i], work, offsets, sizes, nr, pol, gap, pi, w, mu, lead)
            if math.isnan(x):
                status[i] = NO_CONVERGENCE
                continue
        elif pol == POLICY_RS:
            x = order_up_to[i]
        else:
            x = reorder_point[i]
        a, b, g, rr, eb, oh = all_metrics(work, offsets, sizes, nr, pol, x, gap, pi, w, mu)
        out[0, i] = math.nan if pol == POLICY_RS else x
        out[1, i] = x - mu * (lead + r)
        out[2, i] = a
        out[3, i] = b
        out[4, i] = g
        out[5, i] = rr
        out[6, i] = eb
        out[7, i] = oh
        if pol == POLICY_RS:
            out[8, i] = x
        elif pol == POLICY_RSS:
            out[8, i] = x + gap
        else:
            out[8, i] = math.nan


#: cost of a row of ``periodic_pmf_kernel`` in rows of the (s, Q) normal kernel, roughly
#: (monthly spare parts, R of 1-4 periods: 250-800 us of one core per row, the pmfs of R + 2
#: demands and their tables): the weight of ``scalar.jit.run_rows``
ROW_WEIGHT = 2000.0


def run(solve_: bool, rows: PmfPeriodicRows, status: np.ndarray, out: np.ndarray) -> None:
    """:func:`periodic_pmf_kernel` on ``rows``, on several threads above
    ``scalar.jit.SERIAL_ROWS`` weighted rows (:data:`ROW_WEIGHT`)."""
    run_rows(periodic_pmf_kernel, status.shape[0], ROW_WEIGHT, solve_, rows, status, out)


# ---------------------------------------------------------------------------------------------
# numpy helpers of the engine (invsl.engine.history_rows)


def stuttering(demand_mean, demand_std):
    """Order rate r per period and geometric ratio q of stuttering Poisson demand (numpy);
    NaN where the variance is below the mean."""
    mean = np.asarray(demand_mean, dtype=float)
    var = np.asarray(demand_std, dtype=float) ** 2
    with np.errstate(all="ignore"):
        m = 0.5 * (var / mean + 1.0)
        rate = mean / m
        q = 1.0 - 1.0 / m
    bad = ~(var >= mean * (1.0 - 1e-12)) | ~(mean > 0)
    q = np.where(bad, np.nan, np.maximum(q, 0.0))
    return np.where(bad, np.nan, rate), q
