"""Baselines that invsl is timed against: plain numpy/scipy, written independently of invsl.

All three solve the fill-rate (beta) reorder point of a continuous-review (s, Q) policy,
following the invsl contract (service-levels.md, "Continuous review (s, Q)"):

    beta(s) = 1 - (G1(s) - G1(s + Q)) / Q,    G1(x) = E[(X - x)^+],

with X the lead-time demand (mean mu * L, standard deviation sigma * sqrt(L) when the lead
time is fixed).

- :func:`normal_beta_bisection`: vectorised bisection over all SKUs at once, the way one
  would write it with numpy and scipy.special; brackets narrowed until they are below
  ``1e-6 * max(1, sd)``, the midpoint returned.
- :func:`normal_beta_brentq_loop`: the "obvious" per-SKU loop, scipy.optimize.brentq with
  scipy.stats.norm, to an absolute tolerance of ``1e-9 * max(1, sd)`` (the contract's).
- :func:`poisson_beta_bisection`: vectorised integer bisection for Poisson lead-time demand,
  returning the smallest integer s with beta(s) >= target.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# ---------------------------------------------------------------------------------------
# normal lead-time demand, vectorised
# ---------------------------------------------------------------------------------------
def normal_loss(x, mean, sd):
    """First-order loss G1(x) = sd * (phi(z) - z * (1 - Phi(z))), z = (x - mean) / sd."""
    z = (x - mean) / sd
    return sd * (np.exp(-0.5 * z * z) * _INV_SQRT_2PI - z * special.ndtr(-z))


def normal_beta(s, order_quantity, mean, sd):
    """Fill rate of an (s, Q) policy with normal lead-time demand N(mean, sd^2)."""
    shortage = normal_loss(s, mean, sd) - normal_loss(s + order_quantity, mean, sd)
    return 1.0 - shortage / order_quantity


def normal_beta_bisection(target, order_quantity, mean, sd, rel_tol=1e-6):
    """Reorder points s with beta(s) = target, by vectorised bisection.

    Parameters
    ----------
    target : float
        Fill-rate target in (0, 1).
    order_quantity, mean, sd : ndarray
        Q, and the mean and standard deviation of the lead-time demand [units]; sd > 0.
    rel_tol : float
        The bracket is narrowed until ``hi - lo <= rel_tol * max(1, sd)``.

    Returns
    -------
    ndarray
        Midpoints of the final brackets [units].
    """
    q = np.asarray(order_quantity, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.asarray(sd, dtype=np.float64)
    tol = rel_tol * np.maximum(1.0, sd)
    # beta(lo) ~ 0 (every unit of a cycle short), beta(hi) ~ 1 - 1e-16 * sd / Q.
    lo = mean - q - 8.0 * sd
    hi = mean + 8.0 * sd
    # widen any bracket that does not hold the root (extreme targets only)
    for _ in range(64):
        bad = normal_beta(hi, q, mean, sd) < target
        if not bad.any():
            break
        hi = np.where(bad, hi + (hi - lo), hi)
    for _ in range(64):
        bad = normal_beta(lo, q, mean, sd) >= target
        if not bad.any():
            break
        lo = np.where(bad, lo - (hi - lo), lo)
    # invariant: beta(lo) < target <= beta(hi)
    while np.any(hi - lo > tol):
        mid = 0.5 * (lo + hi)
        ok = normal_beta(mid, q, mean, sd) >= target
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------
# normal lead-time demand, one SKU at a time
# ---------------------------------------------------------------------------------------
def _normal_beta_scalar(s, q, mean, sd):
    def loss(x):
        z = (x - mean) / sd
        return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))

    return 1.0 - (loss(s) - loss(s + q)) / q


def normal_beta_brentq_loop(target, order_quantity, mean, sd, rel_tol=1e-9):
    """Reorder points s with beta(s) = target, one scipy.optimize.brentq call per SKU."""
    out = np.empty(len(mean))
    for i, (q, m, d) in enumerate(zip(order_quantity, mean, sd)):
        out[i] = optimize.brentq(
            lambda s: _normal_beta_scalar(s, q, m, d) - target,
            m - q - 8.0 * d,
            m + 8.0 * d,
            xtol=rel_tol * max(1.0, d),
        )
    return out


# ---------------------------------------------------------------------------------------
# Poisson lead-time demand, vectorised, integer s
# ---------------------------------------------------------------------------------------
def poisson_loss(s, lam):
    """G1(s) for integer s: (lam - s) P(X > s) + lam P(X = s) for s >= 0, lam - s below."""
    s_pos = np.maximum(s, 0.0)
    sf = special.pdtrc(s_pos, lam)  # P(X > s)
    pmf = np.exp(special.xlogy(s_pos, lam) - lam - special.gammaln(s_pos + 1.0))
    return np.where(s < 0.0, lam - s, (lam - s_pos) * sf + lam * pmf)


def poisson_beta(s, order_quantity, lam):
    """Fill rate of an (s, Q) policy with Poisson(lam) lead-time demand, integer s and Q."""
    shortage = poisson_loss(s, lam) - poisson_loss(s + order_quantity, lam)
    return 1.0 - shortage / order_quantity


def poisson_beta_bisection(target, order_quantity, lam):
    """Smallest integer s with beta(s) >= target, by vectorised integer bisection.

    Parameters
    ----------
    target : float
        Fill-rate target in (0, 1).
    order_quantity : ndarray
        Integer-valued Q >= 1 [units].
    lam : ndarray
        Mean lead-time demand [units], > 0.

    Returns
    -------
    ndarray
        Integer-valued float64 reorder points [units].
    """
    q = np.asarray(order_quantity, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    lo = -q  # beta(-Q) = 0 < target
    hi = np.ceil(lam + 10.0 * np.sqrt(lam) + 10.0)
    for _ in range(64):
        bad = poisson_beta(hi, q, lam) < target
        if not bad.any():
            break
        hi = np.where(bad, hi + (hi - lo), hi)
    # invariant: beta(lo) < target <= beta(hi), lo < hi integers
    while np.any(hi - lo > 1.0):
        mid = np.floor(0.5 * (lo + hi))
        ok = poisson_beta(mid, q, lam) >= target
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return hi
