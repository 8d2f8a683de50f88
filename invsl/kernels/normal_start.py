"""A precomputed starting point for the normal fill-rate (beta) solver.

With X ~ N(m, sd^2), z = (s - m)/sd and q = Q/sd, the fill-rate condition
beta(s) = t reads E[Phi-bar over the window [z, z + q]] = 1 - t: the mean of the normal tail
over the order cycle. That mean is P(N + U > z + q/2) with N standard normal and U uniform on
(-q/2, q/2), so the root is z* = w - q/2 with w the t-quantile of N + U, whose standard
deviation is sqrt(1 + q^2/12). The standardised quantile

    f(x, y) = (z* + q/2) / sqrt(1 + q^2/12),   x = log q,  y = Phi^-1(t),

is smooth and bounded on the whole grid (it goes from y at q -> 0 to the uniform's quantile
at q -> infinity), so bicubic (Catmull-Rom) interpolation in a table of it gives the solver a
start within about 1e-4 of the root (in units of sd) for q from 0.002 to 180 and targets from
0.0005 to 1 - 1e-14. Halley's method then needs one evaluation to reach the contract's
tolerance (normal_sq). Outside the table the analytic start of ``solvers`` is used.

The table is data, computed by ``normal_sq.build_table`` with the package's own solver
(analytic start, full iteration) and stored in ``data/normal_beta_start.npy``; regenerate it
with ``python -m invsl.kernels.normal_sq``. A wrong table can only cost iterations, never accuracy:
the solver iterates to the tolerance from wherever it starts (tests/test_fused.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from invsl.scalar.jit import scalar

#: grid: x = log(q) from X0 in steps of STEP, y = ndtri(target) from Y0 in steps of STEP
X0, X1 = -6.2, 5.2
Y0, Y1 = -3.3, 7.8
STEP = 0.05
FILE = Path(__file__).parents[1] / "data" / "normal_beta_start.npy"


def grid() -> tuple[np.ndarray, np.ndarray]:
    """The grid points x = log(q) and y = ndtri(target) of the table."""
    xs = X0 + STEP * np.arange(round((X1 - X0) / STEP) + 1)
    ys = Y0 + STEP * np.arange(round((Y1 - Y0) / STEP) + 1)
    return xs, ys


_TABLE: np.ndarray | None = None


def table() -> np.ndarray:
    """The stored table (loaded once)."""
    global _TABLE
    if _TABLE is None:
        _TABLE = np.ascontiguousarray(np.load(FILE), dtype=np.float64)
    return _TABLE


@scalar
def _cr(p0, p1, p2, p3, u):
    """Catmull-Rom cubic through p1 (u = 0) and p2 (u = 1)."""
    return p1 + 0.5 * u * (
        p2 - p0 + u * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + u * (3.0 * (p1 - p2) + p3 - p0))
    )


@scalar
def start(tab, q, y):
    """z = (s - m)/sd to start from for window q = Q/sd and y = ndtri(target); NaN outside."""
    if not (q > 0.0):
        return math.nan
    fx = (math.log(q) - X0) / STEP
    fy = (y - Y0) / STEP
    i = math.floor(fx)
    j = math.floor(fy)
    if not (i >= 1.0 and i <= tab.shape[0] - 3.0 and j >= 1.0 and j <= tab.shape[1] - 3.0):
        return math.nan
    u = fx - i
    v = fy - j
    ii = int(i)
    jj = int(j)
    r0 = _cr(tab[ii - 1, jj - 1], tab[ii - 1, jj], tab[ii - 1, jj + 1], tab[ii - 1, jj + 2], v)
    r1 = _cr(tab[ii, jj - 1], tab[ii, jj], tab[ii, jj + 1], tab[ii, jj + 2], v)
    r2 = _cr(tab[ii + 1, jj - 1], tab[ii + 1, jj], tab[ii + 1, jj + 1], tab[ii + 1, jj + 2], v)
    r3 = _cr(tab[ii + 2, jj - 1], tab[ii + 2, jj], tab[ii + 2, jj + 1], tab[ii + 2, jj + 2], v)
    f = _cr(r0, r1, r2, r3, u)
    return f * math.sqrt(1.0 + q * q / 12.0) - 0.5 * q
