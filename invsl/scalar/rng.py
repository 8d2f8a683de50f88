"""Counter-seeded random streams and samplers for the simulator, as compiled scalar functions.

Every simulated row owns one stream: a xoshiro256** generator [1] whose 256-bit state is
filled by splitmix64 [2] from ``(seed, row position)``. Streams therefore depend only on the
seed and on where the row is in the table, never on the thread that runs it, so
``invsl.simulate`` gives bit-identical results for any number of numba threads.

The state is a ``uint64`` array of length 4, updated in place (plus ``spare``, float64[2],
for the normal and gamma samplers). Samplers:

- ``uniform``: (0, 1), 53 random bits, never exactly 0 or 1.
- ``normal``: Marsaglia's polar method (the second variate of each pair is kept for the
  next call in a small float64 array ``spare``).
- ``exponential``: inversion.
- ``gamma``: Marsaglia and Tsang [3] (shape < 1 by the boost ``G(a+1) U^(1/a)``).
- ``poisson``: multiplication method for a mean below 10, Hoermann's PTRS [4] above.
- ``logseries``: Kemp's algorithm LK [5] (the size of one order of negative binomial demand).

All arithmetic on the state is unsigned 64-bit and wraps, as the algorithms require.

References
----------
1. D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47
   (2021).
2. G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014.
3. G. Marsaglia, W. Tsang, "A simple method for generating gamma variables", ACM TOMS 26 (2000).
4. W. Hoermann, "The transformed rejection method for generating Poisson random variables",
   Insurance: Mathematics and Economics 12 (1993).
5. A. W. Kemp, "Efficient generation of logarithmically distributed pseudo-random variables",
   Applied Statistics 30 (1981).
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar.jit import scalar, tiny

_U = np.uint64
_GOLDEN = _U(0x9E3779B97F4A7C15)
_MIX1 = _U(0xBF58476D1CE4E5B9)
_MIX2 = _U(0x94D049BB133111EB)
_SEED_MIX = _U(0xD1B54A32D192ED03)
_FIVE = _U(5)
_NINE = _U(9)
_S7 = _U(7)
_S11 = _U(11)
_S17 = _U(17)
_S27 = _U(27)
_S30 = _U(30)
_S31 = _U(31)
_S45 = _U(45)
_S57 = _U(57)
_S19 = _U(19)
_S64 = _U(64)
_TWO_M53 = 1.0 / 9007199254740992.0


@tiny
def _rotl(x, k):
    return (x << k) | (x >> (_S64 - k))


@scalar
def _splitmix(x):
    """One splitmix64 output for the counter value x (already advanced)."""
    z = x
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@scalar
def seed_state(state, seed, row):
    """Fill ``state`` (uint64[4]) for stream ``row`` of ``seed``; both nonnegative integers."""
    x = _U(seed) * _SEED_MIX + _U(row) * _GOLDEN
    x = _splitmix(x) + _GOLDEN
    for j in range(4):
        x = x + _GOLDEN
        state[j] = _splitmix(x)
    if state[0] == 0 and state[1] == 0 and state[2] == 0 and state[3] == 0:  # pragma: no cover
        state[0] = _GOLDEN


@scalar
def next_u64(state):
    """xoshiro256**: the next 64 random bits."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * _FIVE, _S7) * _NINE
    t = s1 << _S17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _S45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@scalar
def uniform(state):
    """Uniform on (0, 1): (k + 1/2) / 2^53 for 53 random bits k."""
    return (float(next_u64(state) >> _S11) + 0.5) * _TWO_M53


@scalar
def normal(state, spare):
    """Standard normal variate (Marsaglia's polar method).

    The method makes two independent variates; the second is kept in ``spare`` (float64[2]:
    value, 1.0 when held) and returned by the next call.
    """
    if spare[1] != 0.0:
        spare[1] = 0.0
        return spare[0]
    while True:
        u = 2.0 * uniform(state) - 1.0
        v = 2.0 * uniform(state) - 1.0
        r = u * u + v * v
        if 0.0 < r < 1.0:
            f = math.sqrt(-2.0 * math.log(r) / r)
            spare[0] = v * f
            spare[1] = 1.0
            return u * f


@scalar
def exponential(state):
    """Standard exponential variate (mean 1)."""
    return -math.log(uniform(state))


@scalar
def gamma(state, spare, shape, scale):
    """Gamma variate with the given shape (> 0) and scale (Marsaglia and Tsang)."""
    boost = 1.0
    a = shape
    if a < 1.0:
        # G(a) = G(a + 1) * U^(1/a)
        boost = math.exp(math.log(uniform(state)) / a)
        a += 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(state, spare)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(state)
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return d * v * boost * scale


@scalar
def poisson(state, lam):
    """Poisson variate with mean lam >= 0 (as a float)."""
    if lam <= 0.0:
        return 0.0
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0.0
        p = uniform(state)
        while p > limit:
            k += 1.0
            p *= uniform(state)
        return k
    # PTRS, Hoermann (1993)
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(
            a / (us * us) + b
        ) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return k


@scalar
def negbin(state, spare, size, prob):
    """Negative binomial variate (failures before ``size`` successes of probability ``prob``),
    as a Poisson variate with a gamma-distributed mean."""
    return poisson(state, gamma(state, spare, size, (1.0 - prob) / prob))


@scalar
def logseries(state, q):
    """Logarithmic-series variate on 1, 2, ...: P(k) = -q^k / (k log(1 - q)), 0 < q < 1."""
    r = math.log1p(-q)
    while True:
        v = uniform(state)
        if v >= q:
            return 1.0
        u = uniform(state)
        qq = -math.expm1(r * u)
        if v <= qq * qq:
            k = math.floor(1.0 + math.log(v) / math.log(qq))
            if k < 1.0:
                continue
            return k
        if v >= qq:
            return 1.0
        return 2.0
