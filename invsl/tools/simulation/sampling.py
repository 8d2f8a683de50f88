"""Demand draws of the simulator: one period's or one step's demand, per distribution.

Every draw takes the row's random ``state`` (xoshiro256**, invsl.scalar.rng) and, where the
normal or gamma sampler needs it, the ``spare`` buffer of that stream.
"""

from __future__ import annotations

import math

from invsl.scalar import rng as _rng
from invsl.scalar.jit import scalar
from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    DEMAND_GAMMA,
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POISSON,
)


@scalar
def draw_empirical(state, counts):
    """A draw from a history pmf given by cumulative period counts ``counts`` (counts[k]:
    periods with demand <= k; the last entry is the number of periods): a uniformly chosen
    period m, and the smallest k with counts[k] > m (binary search; exact integers)."""
    top = counts.shape[0] - 1
    m = math.floor(_rng.uniform(state) * counts[top])
    lo = 0
    hi = top
    while lo < hi:
        mid = (lo + hi) >> 1
        if counts[mid] > m:
            hi = mid
        else:
            lo = mid + 1
    return float(lo)


@scalar
def _stuttering(state, spare, rate, q):
    """Stuttering Poisson demand of one period: N ~ Poisson(rate) customers with geometric
    sizes on {1, 2, ...} of ratio q; their sum is N + NegBin(N, 1 - q) failures."""
    n = _rng.poisson(state, rate)
    if n == 0.0 or q <= 0.0:
        return n
    return n + _rng.negbin(state, spare, n, 1.0 - q)


@scalar
def draw_geometric(state, q):
    """Geometric size on {1, 2, ...} with P(K > k) = q^k (inversion)."""
    if q <= 0.0:
        return 1.0
    return 1.0 + math.floor(math.log(_rng.uniform(state)) / math.log(q))


@scalar
def draw_period(state, spare, dist, mean, sd, p1, p2, counts):
    """One period's demand under any distribution (``counts``: cumulative history counts of
    empirical demand, see ``draw_empirical``)."""
    if dist == DEMAND_EMPIRICAL:
        return draw_empirical(state, counts)
    if dist == DEMAND_COMPOUND_POISSON:
        return _stuttering(state, spare, p1, p2)
    return draw(state, spare, dist, mean, sd, p1, p2)


@scalar
def draw(state, spare, dist, mean, sd, p1, p2):
    """One demand amount of a period or step with the given mean and sd (p1, p2: fitted)."""
    if dist == DEMAND_NORMAL:
        return mean + sd * _rng.normal(state, spare)
    if dist == DEMAND_GAMMA:
        return _rng.gamma(state, spare, p1, p2)
    if dist == DEMAND_POISSON:
        return _rng.poisson(state, mean)
    if dist == DEMAND_NEGBIN:
        return _rng.negbin(state, spare, p1, p2)
    return mean


@scalar
def fit_step(dist, mean, sd):
    """Parameters (p1, p2) of one period's or step's demand: gamma (shape, scale), negbin
    (size, success probability); unused otherwise."""
    if dist == DEMAND_GAMMA:
        var = sd * sd
        return mean * mean / var, var / mean
    if dist == DEMAND_NEGBIN:
        var = sd * sd
        return mean * mean / (var - mean), mean / var
    if dist == DEMAND_COMPOUND_POISSON:  # (order rate, geometric ratio), as invsl.kernels.pmf
        m = 0.5 * (sd * sd / mean + 1.0)
        return mean / m, max(1.0 - 1.0 / m, 0.0)
    return 0.0, 0.0
