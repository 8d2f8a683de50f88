"""The one place where numba options are set.

Every compiled function in invsl is declared with one of these decorators, so that caching,
the error model and fastmath stay consistent across the package.

- ``scalar``: scalar helpers, inlined into the kernels that call them.
- ``kernel``: serial array kernels.
- ``parallel_kernel``: array kernels whose outer loop is a ``numba.prange`` over rows.

``error_model="numpy"`` makes a division by zero give inf/nan instead of raising inside
compiled code: kernels never raise, bad rows are reported through a status array.
``fastmath`` stays off: the tail formulas rely on IEEE semantics for inf and nan.
"""

from __future__ import annotations

import numba

_COMMON = dict(cache=True, error_model="numpy", nogil=True)

scalar = numba.njit(inline="never", **_COMMON)
kernel = numba.njit(**_COMMON)
parallel_kernel = numba.njit(parallel=True, **_COMMON)

prange = numba.prange

__all__ = ["scalar", "kernel", "parallel_kernel", "prange"]
