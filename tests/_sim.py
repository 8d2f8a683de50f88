"""Independent references for the invsl tests: an event simulation and scipy.stats formulas.

Nothing in this module imports invsl. Two kinds of reference live here:

1. ``simulate_sq``: an event-by-event simulation of a continuous-review (s, Q) system with
   backorders, Poisson unit demand and a deterministic lead time, compiled with numba and seeded.
   It measures the service levels straight from their *general* definitions (contract
   docs/service-levels.md, "General definitions"), not from the (s, Q) formulas, and returns
   batch means so that a standard error can be attached to every estimate.
2. ``RefDist`` / ``ref_metrics`` / ``ref_reorder_point``: the contract's (s, Q) formulas written
   out with scipy.stats, deliberately plainly (closed forms for the continuous loss functions,
   tail sums of ``sf`` for the integer ones), scalar by scalar.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy import optimize, special, stats

# --------------------------------------------------------------------------------------------
# 1. Event simulation
# --------------------------------------------------------------------------------------------

_PIPE = 1 << 14  # capacity of the circular buffer of outstanding orders (a power of two)


@numba.njit(cache=True)
def _simulate_sq(s, Q, mu, L, warmup, batch_time, n_batches, seed):  # pragma: no cover - jit
    """Simulate the (s, Q) system; return per-batch counts and time integrals.

    State: net inventory IN (on hand - backorders) and inventory position IP (IN + on order).
    Customers arrive as a Poisson process of rate ``mu`` per period and take one unit each. When
    IP drops to ``s`` an order of ``Q`` is placed; it arrives ``L`` periods later (FIFO, as the
    lead time is fixed). The system starts full (IN = IP = s + Q) and is observed from
    ``warmup`` on, in ``n_batches`` consecutive windows of ``batch_time`` periods.

    Returned matrix, one row per batch, columns:
    0 order arrivals, 1 arrivals with IN >= 0 just before, 2 demand units,
    3 demand units served at once (IN >= 1 before the demand), 4 integral of backorders dt,
    5 integral of on-hand dt, 6 time with IN > 0.
    """
    np.random.seed(seed)
    out = np.zeros((n_batches, 7))
    pipe = np.empty(_PIPE)
    head = 0
    count = 0
    net = s + Q
    ip = s + Q
    t = 0.0
    next_demand = np.random.exponential(1.0 / mu)
    batch = -1
    next_boundary = warmup
    while True:
        t_arr = pipe[head] if count > 0 else np.inf
        # next event: batch boundary, order arrival or demand
        te = next_boundary
        kind = 0
        if t_arr < te:
            te = t_arr
            kind = 1
        if next_demand < te:
            te = next_demand
            kind = 2
        if batch >= 0:
            dt = te - t
            if net < 0:
                out[batch, 4] += -net * dt
            elif net > 0:
                out[batch, 5] += net * dt
                out[batch, 6] += dt
        t = te
        if kind == 0:
            batch += 1
            if batch == n_batches:
                break
            next_boundary = warmup + (batch + 1) * batch_time
        elif kind == 1:
            if batch >= 0:
                out[batch, 0] += 1.0
                if net >= 0:
                    out[batch, 1] += 1.0
            net += Q
            head = (head + 1) & (_PIPE - 1)
            count -= 1
        else:
            if batch >= 0:
                out[batch, 2] += 1.0
                if net > 0:
                    out[batch, 3] += 1.0
            net -= 1
            ip -= 1
            if ip <= s:  # unit demand: ip == s exactly
                ip += Q
                if count == _PIPE:
                    raise RuntimeError("pipeline buffer overflow")
                pipe[(head + count) & (_PIPE - 1)] = t + L
                count += 1
            next_demand = t + np.random.exponential(1.0 / mu)
    return out


class SimResult:
    """Batch-means estimates of the six service measures, with standard errors."""

    NAMES = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")

    def __init__(self, raw, mu, batch_time):
        arrivals, ok, demands, served, b_int, oh_int, ready_t = raw.T
        eb = b_int / batch_time
        self.batches = {
            "alpha": ok / arrivals,
            "beta": served / demands,
            "gamma": 1.0 - eb / mu,
            "ready_rate": ready_t / batch_time,
            "expected_backorders": eb,
            "expected_on_hand": oh_int / batch_time,
        }
        self.n_batches = raw.shape[0]
        self.n_arrivals = int(arrivals.sum())
        self.n_demands = int(demands.sum())
        self.mean = {k: float(v.mean()) for k, v in self.batches.items()}
        self.se = {
            k: float(v.std(ddof=1) / math.sqrt(self.n_batches)) for k, v in self.batches.items()
        }

    def deviation(self, name, value, slack=1e-9):
        """|sim - value| in standard errors (with ``slack`` added to the standard error)."""
        return abs(self.mean[name] - value) / (self.se[name] + slack)

    def __repr__(self):
        parts = [f"{k}={self.mean[k]:.6g}+-{self.se[k]:.2g}" for k in self.NAMES]
        return f"SimResult({', '.join(parts)}; demands={self.n_demands})"


def simulate_sq(s, Q, mu, L, n_demands=4_000_000, n_batches=40, seed=12345):
    """Run the (s, Q) simulation for about ``n_demands`` demand units after the warm-up."""
    if int(s) != s or int(Q) != Q or Q < 1:
        raise ValueError("s and Q must be integers, Q >= 1")
    horizon = n_demands / mu
    batch_time = horizon / n_batches
    warmup = 50.0 * (L + Q / mu) + 100.0 / mu
    raw = _simulate_sq(int(s), int(Q), float(mu), float(L), warmup, batch_time, n_batches, seed)
    return SimResult(raw, mu, batch_time)


# --------------------------------------------------------------------------------------------
# 2. scipy.stats references for the contract's (s, Q) formulas
# --------------------------------------------------------------------------------------------

DISTRIBUTIONS = ("normal", "gamma", "poisson", "negbin")
INTEGER = ("poisson", "negbin")


def lead_time_moments(demand_mean, demand_std, lead_time, lead_time_std=0.0):
    """Mean and variance of lead-time demand (contract "Units and lead-time demand")."""
    mean = demand_mean * lead_time
    var = lead_time * demand_std**2 + demand_mean**2 * lead_time_std**2
    return mean, var


class RefDist:
    """Lead-time demand X given by its mean and variance, with scipy.stats loss functions."""

    def __init__(self, distribution, mean, var):
        self.kind = distribution
        self.mean = float(mean)
        self.var = float(var)
        self.sd = math.sqrt(var)
        self.integer = distribution in INTEGER
        self.deterministic = var == 0.0 and not self.integer
        if self.deterministic:
            self.rv = None
        elif distribution == "normal":
            self.rv = stats.norm(self.mean, self.sd)
        elif distribution == "gamma":
            self.k = mean**2 / var
            self.theta = var / mean
            self.rv = stats.gamma(self.k, scale=self.theta)
        elif distribution == "poisson":
            self.var = self.mean
            self.sd = math.sqrt(self.mean)
            self.rv = stats.poisson(self.mean)
        elif distribution == "negbin":
            if not var > mean:
                raise ValueError("negbin needs var > mean")
            self.rv = stats.nbinom(mean**2 / (var - mean), mean / var)
        else:
            raise ValueError(distribution)
        self._grid = None

    # --- continuous -----------------------------------------------------------------------
    def cdf(self, x):
        if self.deterministic:
            return 1.0 if x >= self.mean else 0.0
        return float(self.rv.cdf(x))

    def G1(self, x):
        """E[(X - x)^+]."""
        m = self.mean
        if self.integer:
            return self._int_loss(x)[0]
        if self.deterministic:
            return max(m - x, 0.0)
        if self.kind == "normal":
            z = (x - m) / self.sd
            return self.sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        # gamma: E[X 1{X > x}] = k theta * S_{k+1}(x)
        if x <= 0.0:
            return m - x
        k, th = self.k, self.theta
        return m * special.gammaincc(k + 1.0, x / th) - x * special.gammaincc(k, x / th)

    def G2(self, x):
        """Continuous: E[((X - x)^+)^2] / 2; integer: E[(X - x)^+ ((X - x)^+ + 1)] / 2."""
        m = self.mean
        if self.integer:
            return self._int_loss(x)[1]
        if self.deterministic:
            return max(m - x, 0.0) ** 2 / 2.0
        if self.kind == "normal":
            z = (x - m) / self.sd
            return self.sd**2 / 2.0 * ((z * z + 1.0) * stats.norm.sf(z) - z * stats.norm.pdf(z))
        if x <= 0.0:
            return (self.var + (m - x) ** 2) / 2.0
        k, th = self.k, self.theta
        y = x / th
        # E[X^2 1{X>x}] = k (k+1) theta^2 S_{k+2}(x) = (m^2 + var) S_{k+2}(x)
        return 0.5 * (
            (m * m + self.var) * special.gammaincc(k + 2.0, y)
            - 2.0 * x * m * special.gammaincc(k + 1.0, y)
            + x * x * special.gammaincc(k, y)
        )

    # --- integer: tail sums of sf ----------------------------------------------------------
    def _int_loss(self, x):
        if int(x) != x:
            raise ValueError("integer distribution needs integer x")
        x = int(x)
        lo, j, g1, g2 = self._tables(x)
        i = x - lo
        return float(g1[i]), float(g2[i])

    def _tables(self, need_lo, need_hi=None):
        """Tables of G1(j), G2(j) for integers j in [lo, hi], built by summing sf from the top."""
        if self._grid is not None:
            lo, j, g1, g2 = self._grid
            if need_lo >= lo and (need_hi is None or need_hi <= j[-1] - 5):
                return self._grid
        top = int(self.mean + 10.0 * self.sd) + 20
        while self.rv.sf(top) > 1e-40:  # the tail beyond top is then negligible
            top = int(top * 1.5) + 10
        lo = min(int(need_lo), -1) - 5
        hi = max(top, int(need_hi or 0) + 10)
        j = np.arange(lo, hi + 1)
        sf = self.rv.sf(j)
        # G1(x) = sum_{j >= x} P(X > j); G2(x) = sum_{y >= x} G1(y): reversed cumulative sums
        g1 = np.cumsum(sf[::-1])[::-1]
        g2 = np.cumsum(g1[::-1])[::-1]
        self._grid = (lo, j, g1, g2)
        return self._grid


def ref_metrics(distribution, s, Q, demand_mean, demand_std, lead_time, lead_time_std=0.0):
    """The six (s, Q) metrics of the contract, from scipy.stats, for scalar inputs."""
    m, v = lead_time_moments(demand_mean, demand_std, lead_time, lead_time_std)
    if distribution == "poisson":
        if lead_time_std > 0:
            distribution = "negbin"
        else:
            v = m
    X = RefDist(distribution, m, v)
    return _metrics(X, s, Q, demand_mean)


def _metrics(X, s, Q, mu):
    if X.integer:
        s, Q = int(s), int(Q)
        lo, j, g1, g2 = X._tables(s, s + Q + 2)
        i = s - lo
        alpha = float(X.rv.cdf(s))
        # beta = 1 - (G1(s) - G1(s+Q)) / Q
        beta = 1.0 - (g1[i] - g1[i + Q]) / Q
        # E[B] = (G2(s+1) - G2(s+Q+1)) / Q = mean of G1(y), y = s+1..s+Q (computed as a sum)
        eb = float(np.sum(g1[i + 1 : i + Q + 1]) / Q)
        # ready rate = P(IP - X > 0) with IP uniform on s+1..s+Q
        ready = float(np.mean(X.rv.cdf(np.arange(s + 1, s + Q + 1) - 1)))
        e_in = s + (Q + 1) / 2.0 - X.mean
    else:
        alpha = X.cdf(s)
        beta = 1.0 - (X.G1(s) - X.G1(s + Q)) / Q
        eb = (X.G2(s) - X.G2(s + Q)) / Q
        ready = beta
        e_in = s + Q / 2.0 - X.mean
    return {
        "alpha": float(alpha),
        "beta": float(beta),
        "gamma": float(1.0 - eb / mu),
        "ready_rate": float(ready),
        "expected_backorders": float(eb),
        "expected_on_hand": float(e_in + eb),
        "safety_stock": float(s - X.mean),
    }


def ref_metric_fn(distribution, Q, demand_mean, demand_std, lead_time, metric, lead_time_std=0.0):
    """s -> metric(s) from the scipy reference (one lead-time distribution object reused)."""
    m, v = lead_time_moments(demand_mean, demand_std, lead_time, lead_time_std)
    if distribution == "poisson":
        v = m
    X = RefDist(distribution, m, v)

    def f(s):
        return _metrics(X, s, Q, demand_mean)[metric]

    return f, X


def ref_reorder_point(distribution, target, Q, demand_mean, demand_std, lead_time, metric):
    """Reference reorder point: brentq root (continuous) or smallest integer (integer X)."""
    f, X = ref_metric_fn(distribution, Q, demand_mean, demand_std, lead_time, metric)
    sd = max(X.sd, 1.0)
    if X.integer:
        # bracket: f(lo) < target <= f(hi), widening as needed, then bisect on integers
        step = int(10 * sd) + 10
        lo = int(math.floor(X.mean - Q - 10 * X.sd)) - 1
        while f(lo) >= target:
            lo -= step
        hi = int(math.ceil(X.mean + 10 * X.sd + 20))
        while f(hi) < target:
            hi += step
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if f(mid) >= target:
                hi = mid
            else:
                lo = mid
        return hi
    if X.deterministic:
        raise ValueError("use the closed forms for deterministic demand")
    if metric == "alpha":
        return float(X.rv.ppf(target))
    lo = X.mean - Q - 40.0 * sd - 10.0
    hi = X.mean + 40.0 * sd + 10.0
    if X.kind == "gamma":
        hi = float(X.rv.isf(1e-30)) + 10.0
    while f(lo) >= target:
        lo -= 40.0 * sd + Q
    while f(hi) < target:
        hi += 40.0 * sd + Q
    return optimize.brentq(
        lambda s: f(s) - target, lo, hi, xtol=1e-13 * sd, rtol=1e-15, maxiter=500
    )
