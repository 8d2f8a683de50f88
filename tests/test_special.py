"""The standard normal building blocks against mpmath (40 digits).

``_special.norm_sf_pdf`` computes Phi-bar and phi with one exponential and Cephes' rational
approximations of erfc/erf; ``distributions.standard_normal_tail`` adds the loss functions
L1, L2. Both feed every normal-demand metric, so they are checked here directly, over the
whole range where the values are normal doubles, at the switch points of the formulas, and
for non-finite arguments.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from invsl.scalar import special as sp
from invsl.scalar import distributions as dist

mpmath.mp.dps = 40

SQRT2 = math.sqrt(2.0)
# the formulas switch at |z| = sqrt(2) (|x| = 1) and z = 8 sqrt(2) (x = 8), and the loss
# functions at z = 3
EDGES = [
    s * e * f for e in (SQRT2, 8 * SQRT2, 3.0) for s in (1, -1) for f in (1 - 1e-15, 1, 1 + 1e-15)
]
GRID = np.concatenate([np.linspace(-37.5, 37.5, 1501), np.linspace(-3, 3, 241), EDGES])


def _reference(z: float) -> tuple:
    x = mpmath.mpf(z)
    q = mpmath.ncdf(-x)
    phi = mpmath.npdf(x)
    l1 = phi - x * q
    l2 = ((x * x + 1) * q - x * phi) / 2
    return q, phi, l1, l2


def _rel(got: float, want) -> float:
    return float(abs((mpmath.mpf(got) - want) / want))


def test_norm_sf_pdf():
    worst = []
    for z in GRID:
        q, phi = sp.norm_sf_pdf(z)
        q_ref, phi_ref, _, _ = _reference(z)
        worst.append((max(_rel(q, q_ref), _rel(phi, phi_ref)), z))
    assert max(worst)[0] <= 2e-13, max(worst)


def test_standard_normal_tail():
    """L1 and L2: closed forms up to z = 3, continued fraction beyond (exact=True).

    Relative to their own size L1 and L2 keep at least 12 digits with ``exact``. Without it
    the closed forms lose about 2 log10(z) and 4 log10(z) digits above z = 3 (documented in
    ``standard_normal_tail``)."""
    for z in GRID[(GRID > -8) & (GRID < 8)]:
        q_ref, phi_ref, l1_ref, l2_ref = _reference(z)
        q, phi, l1, l2 = dist.standard_normal_tail(z, True)
        assert _rel(q, q_ref) <= 2e-13 and _rel(phi, phi_ref) <= 2e-13, z
        assert _rel(l1, l1_ref) <= 1e-12, (z, l1, l1_ref)
        assert _rel(l2, l2_ref) <= 1e-12, (z, l2, l2_ref)
        closed = dist.standard_normal_tail(z, False)
        digits_lost = 10.0 ** (4 * math.log10(max(abs(z), 1.0)))
        assert _rel(closed[2], l1_ref) <= 1e-11 * digits_lost, (z, closed[2], l1_ref)
        assert _rel(closed[3], l2_ref) <= 1e-11 * digits_lost, (z, closed[3], l2_ref)


def test_non_finite():
    assert sp.norm_sf_pdf(math.inf) == (0.0, 0.0)
    assert sp.norm_sf_pdf(-math.inf) == (1.0, 0.0)
    q, phi = sp.norm_sf_pdf(math.nan)
    assert math.isnan(q) and math.isnan(phi)
    # beyond the smallest double: both underflow to 0 together (no 0/0)
    assert sp.norm_sf_pdf(40.0) == (0.0, 0.0)
    assert sp.norm_sf_pdf(-40.0) == (1.0, 0.0)


def test_matches_erfc_where_erfc_is_exact():
    """At z = 0 both are exactly 1/2 and 1/sqrt(2 pi); scipy's ndtr as an outside check."""
    from scipy import special

    assert sp.norm_sf_pdf(0.0) == (0.5, 1.0 / math.sqrt(2.0 * math.pi))
    z = np.linspace(-8, 8, 161)
    got = np.array([sp.norm_sf_pdf(v)[0] for v in z])
    np.testing.assert_allclose(got, special.ndtr(-z), rtol=1e-13, atol=0)
