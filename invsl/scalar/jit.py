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

Compile time (docs/architecture.md, "Compile units"): :func:`specialise` copies the compiled
functions of a few modules into one unit for one demand family (and periodic-review policy),
in which the branches of the other families and policies are gone before numba types them, so
that a table compiles only the code of the cells it holds; and a call with a constant argument
reuses the callee's version for the run-time type (``_typed_calls``) instead of compiling it
once more for the literal.
"""

from __future__ import annotations

import types
from collections.abc import Sequence

import numba
import numpy as np
from numba.core import types as types_
from numba.core.dispatcher import Dispatcher

_COMMON = dict(cache=True, error_model="numpy", nogil=True)


def _typed_calls(dispatcher: Dispatcher) -> Dispatcher:
    """``dispatcher``, whose calls from compiled code take their arguments' run-time types.

    numba types a constant argument (``tail(..., False)``, ``sq_metrics(DEMAND_NORMAL, ...)``)
    as a literal and compiles the callee once more for it, beside the version for the
    run-time type, with every function it calls in turn: compile time, for nothing, as no
    function of invsl needs a literal. The call compiles (or reuses) the run-time version.
    """
    resolve = dispatcher.get_call_template

    def get_call_template(args, kws):
        args = tuple(types_.unliteral(a) for a in args)
        kws = {key: types_.unliteral(value) for key, value in kws.items()}
        return resolve(args, kws)

    dispatcher.get_call_template = get_call_template  # type: ignore[method-assign]
    return dispatcher


def _decorator(**options):
    jit = numba.njit(**options)
    return lambda func: _typed_calls(jit(func))


scalar = _decorator(inline="never", **_COMMON)
tiny = numba.njit(inline="always", **_COMMON)  # inlined before typing: no call to type
kernel = _decorator(**_COMMON)
parallel_kernel = _decorator(parallel=True, **_COMMON)

prange = numba.prange


#: Demand-family switches. Code that branches on the kind of lead-time demand guards the
#: branches of a family with its switch: ``if WITH_GAMMA and kind == DEMAND_GAMMA:``. As
#: written (every switch True) a function serves every family; :func:`specialise` compiles
#: copies with the switches of the other families False, and numba removes a branch on a
#: constant before type inference, so the functions it calls are not compiled into the copy.
#: Branches of the point masses (``DEMAND_POINT*``: no function calls) are not guarded.
WITH_NORMAL = True
WITH_GAMMA = True
WITH_INTEGER = True
#: Policy switches, the same for the periodic-review policies: ``if WITH_RSQ and policy ==
#: POLICY_RSQ:``; the compile units of the periodic kernel are policy x family.
WITH_RS = True
WITH_RSS = True
WITH_RSQ = True


def specialise(modules: Sequence[types.ModuleType], unit: str, **switches) -> dict:
    """One compile unit: copies of every compiled function of ``modules`` with the module
    constants ``switches`` (e.g. ``WITH_GAMMA=False``) replaced.

    Returns ``{module name: namespace}``: each namespace holds the names of its module, with
    its compiled functions replaced by their copies; inside the copies every reference to one
    of ``modules`` (``dist.tail``) or to a compiled function of one of them goes to the copy.
    Nothing is compiled here: a copy compiles at its first call, with the options of its
    original, and is cached by numba under its own name (the original's, plus ``_`` and
    ``unit``), so that units do not share an index file. Call it once per unit (the callers
    keep the result) and after the modules are imported in full (the copies see a snapshot of
    their module's names).
    """
    names = {module.__name__ for module in modules}
    spaces = {name: types.ModuleType(f"{name}[{unit}]") for name in names}
    copies: dict[int, Dispatcher] = {}
    namespaces = {}
    for module in modules:
        namespace = dict(vars(module))
        namespaces[module.__name__] = namespace
        for value in vars(module).values():
            if (
                isinstance(value, Dispatcher)
                and value.py_func.__module__ == module.__name__
                and id(value) not in copies
            ):
                copies[id(value)] = _copy(value, namespace, unit)
    for name, namespace in namespaces.items():
        for key, value in namespace.items():
            if key in switches:
                namespace[key] = switches[key]
            elif isinstance(value, Dispatcher) and id(value) in copies:
                namespace[key] = copies[id(value)]
            elif isinstance(value, types.ModuleType) and value.__name__ in names:
                namespace[key] = spaces[value.__name__]
        vars(spaces[name]).update(namespace)
    return spaces


def _copy(dispatcher: Dispatcher, namespace: dict, unit: str) -> Dispatcher:
    """``dispatcher``'s Python function with the globals ``namespace``, compiled alike."""
    func = dispatcher.py_func
    copy = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__qualname__ = f"{func.__qualname__}_{unit}"
    copy.__module__ = func.__module__
    copy.__doc__ = func.__doc__
    # (the options include nopython=True, which numba.njit would warn about)
    compiled = numba.jit(cache=True, locals=dispatcher.locals, **dispatcher.targetoptions)(copy)
    if dispatcher.targetoptions.get("inline") == "always":
        return compiled
    return _typed_calls(compiled)


def readonly(values, dtype=None) -> np.ndarray:
    """A contiguous, read-only view of ``values`` (converted to ``dtype`` if given).

    Kernel inputs always go in this way: pandas hands out read-only views of its columns and
    numpy gives writable arrays, and numba compiles (and caches) one specialisation per
    flavour; read-only for all keeps it at one.
    """
    view = np.ascontiguousarray(values, dtype=dtype).view()
    view.flags.writeable = False
    return view


__all__ = [
    "scalar",
    "tiny",
    "kernel",
    "parallel_kernel",
    "prange",
    "readonly",
    "specialise",
    "WITH_NORMAL",
    "WITH_GAMMA",
    "WITH_INTEGER",
    "WITH_RS",
    "WITH_RSS",
    "WITH_RSQ",
]
