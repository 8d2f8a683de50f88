"""The one place where numba options are set.

Every compiled function in invsl is declared with one of these decorators, so that caching,
the error model and fastmath stay consistent across the package.

- ``scalar``: scalar helpers, compiled once and called (LLVM may still inline them).
- ``tiny``: one-line helpers inlined at numba level into every caller. Only for functions of
  a few operations: inlining large functions multiplies compile time and memory.
- ``kernel``: serial array kernels.
- ``parallel_kernel``: array kernels whose outer loop is a ``numba.prange`` over rows.

``error_model="numpy"`` makes a division by zero give inf/nan instead of raising inside
compiled code: kernels never raise, bad rows are reported through a status array.
``fastmath`` stays off: the tail formulas rely on IEEE semantics for inf and nan.
"""

from __future__ import annotations

import numba
import numpy as np

_COMMON = dict(cache=True, error_model="numpy", nogil=True)

scalar = numba.njit(inline="never", **_COMMON)
tiny = numba.njit(inline="always", **_COMMON)
kernel = numba.njit(**_COMMON)
parallel_kernel = numba.njit(parallel=True, **_COMMON)

prange = numba.prange


def readonly(values, dtype=None) -> np.ndarray:
    """A contiguous, read-only view of ``values`` (converted to ``dtype`` if given).

    Kernel inputs always go in this way: pandas hands out read-only views of its columns and
    numpy gives writable arrays, and numba compiles (and caches) one specialisation per
    flavour; read-only for all keeps it at one.
    """
    view = np.ascontiguousarray(values, dtype=dtype).view()
    view.flags.writeable = False
    return view


__all__ = ["scalar", "tiny", "kernel", "parallel_kernel", "prange", "readonly"]
