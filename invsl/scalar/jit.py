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


#: the copies made so far: (module name, the switch values its copy depends on) -> namespace
_SPACES: dict[tuple, types.ModuleType] = {}


def specialise(modules: Sequence[types.ModuleType], **switches) -> dict:
    """One compile unit: copies of every compiled function of ``modules`` with the module
    constants ``switches`` (e.g. ``WITH_GAMMA=False``) replaced.

    Returns ``{module name: namespace}``: each namespace holds the names of its module, with
    its compiled functions replaced by their copies; inside the copies every reference to one
    of ``modules`` (``dist.tail``) or to a compiled function of one of them goes to the copy.

    A module's copy depends only on the switches that it, or a module it refers to (among
    ``modules``, transitively), reads: units that agree on those share the copy, and numba
    compiles it once (the copy of ``scalar.distributions`` for normal demand serves the (s, Q)
    unit and the three periodic-review units of normal demand). Nothing is compiled here: a
    copy compiles at its first call, with the options of its original, and numba caches it
    under its own name (the original's plus the switches that are on, ``tail_normal``), so
    that copies do not share an index file. Call it after the modules are imported in full
    (the copies see a snapshot of their module's names).
    """
    by_name = {module.__name__: module for module in modules}
    refers = {name: _refers(module, by_name) for name, module in by_name.items()}
    reads = {name: {key for key in switches if key in vars(m)} for name, m in by_name.items()}
    grown = True
    while grown:  # what a module reads through the modules it refers to
        grown = False
        for name in by_name:
            more = set().union(*(reads[other] for other in refers[name])) - reads[name]
            grown = grown or bool(more)
            reads[name] |= more
    keys = {name: (name, tuple(sorted((k, switches[k]) for k in reads[name]))) for name in by_name}
    new = [name for name in by_name if keys[name] not in _SPACES]
    copies: dict[int, Dispatcher] = {}
    namespaces = {}
    for name in new:
        suffix = "_".join(key.removeprefix("WITH_").lower() for key, on in keys[name][1] if on)
        _SPACES[keys[name]] = types.ModuleType(f"{name}[{suffix}]")
        namespace = namespaces[name] = dict(vars(by_name[name]))
        for value in vars(by_name[name]).values():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                copies.setdefault(id(value), _copy(value, namespace, suffix))
    for name, namespace in namespaces.items():
        for key, value in namespace.items():
            if key in switches:
                namespace[key] = switches[key]
            elif isinstance(value, Dispatcher) and value.py_func.__module__ in by_name:
                home = _SPACES[keys[value.py_func.__module__]]
                namespace[key] = copies.get(id(value)) or getattr(home, value.py_func.__name__)
            elif isinstance(value, types.ModuleType) and value.__name__ in by_name:
                namespace[key] = _SPACES[keys[value.__name__]]
        vars(_SPACES[keys[name]]).update(namespace)
    return {name: _SPACES[keys[name]] for name in by_name}


def _refers(module: types.ModuleType, by_name: dict) -> set:
    """The other modules of ``by_name`` that ``module`` refers to (as a module, or by a
    compiled function of theirs)."""
    found = set()
    for value in vars(module).values():
        if isinstance(value, types.ModuleType):
            found.add(value.__name__)
        elif isinstance(value, Dispatcher):
            found.add(value.py_func.__module__)
    return (found & set(by_name)) - {module.__name__}


def _copy(dispatcher: Dispatcher, namespace: dict, suffix: str) -> Dispatcher:
    """``dispatcher``'s Python function with the globals ``namespace``, compiled alike."""
    func = dispatcher.py_func
    copy = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__qualname__ = f"{func.__qualname__}_{suffix}"
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
