"""Special functions for compiled code, taken from ``scipy.special``.

numba cannot call ``scipy.special`` directly. ``scipy.special.cython_special`` exports the
same C implementations (Boost and Cephes based) as plain C functions; their addresses are
registered with LLVM under stable symbol names and declared as external functions, so that
compiled kernels call them directly and can still be cached to disk (the cache stores the
symbol name, not the address, and this module re-registers the symbols on every import).
"""

from __future__ import annotations

import math

import llvmlite.binding as _llvm
from numba import types
from numba.extending import get_cython_function_address

from invsl._jit import tiny

_D = types.float64


def _declare(cython_name: str, nargs: int):
    """Declare ``double f(double, ..., int skip_dispatch)`` from cython_special.

    The trailing int is Cython's ``__pyx_skip_dispatch`` flag of ``cpdef`` functions; it is
    ignored for module-level functions and always passed as 0.
    """
    symbol = "invsl_" + cython_name
    address = get_cython_function_address("scipy.special.cython_special", cython_name)
    _llvm.add_symbol(symbol, address)
    return types.ExternalFunction(symbol, _D(*([_D] * nargs), types.intc))


_gammainc = _declare("gammainc", 2)
_gammaincc = _declare("gammaincc", 2)
_gammaincinv = _declare("gammaincinv", 2)
_ndtri = _declare("ndtri", 1)
_betainc = _declare("__pyx_fuse_0betainc", 3)  # fuse_0 is the double version
_betaincc = _declare("__pyx_fuse_0betaincc", 3)


@tiny
def gammainc(a, x):
    """Regularized lower incomplete gamma function P(a, x)."""
    return _gammainc(a, x, 0)


@tiny
def gammaincc(a, x):
    """Regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _gammaincc(a, x, 0)


@tiny
def gammaincinv(a, p):
    """The x with P(a, x) = p."""
    return _gammaincinv(a, p, 0)


@tiny
def ndtri(p):
    """Standard normal quantile."""
    return _ndtri(p, 0)


@tiny
def betainc(a, b, x):
    """Regularized incomplete beta function I_x(a, b)."""
    return _betainc(a, b, x, 0)


@tiny
def betaincc(a, b, x):
    """Complement 1 - I_x(a, b), accurate when I_x(a, b) is close to 1."""
    return _betaincc(a, b, x, 0)


_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


@tiny
def norm_pdf(z):
    """Standard normal density phi(z)."""
    return _INV_SQRT2PI * math.exp(-0.5 * z * z)


@tiny
def norm_sf(z):
    """Standard normal survival 1 - Phi(z), erfc-based: accurate in the upper tail."""
    return 0.5 * math.erfc(z / _SQRT2)


@tiny
def norm_cdf(z):
    """Standard normal cdf Phi(z), erfc-based: accurate in the lower tail."""
    return 0.5 * math.erfc(-z / _SQRT2)
