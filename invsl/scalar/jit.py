"""The one place where numba options are set.

Every compiled function in invsl is declared with one of these decorators, so that caching,
the error model and fastmath stay consistent across the package.

- ``scalar``: scalar helpers, compiled once and called (LLVM may still inline them).
- ``tiny``: one-line helpers inlined at numba level into every caller. Only for functions of
  a few operations: inlining large functions multiplies compile time and memory.
- ``kernel``: array kernels (``nogil``: a row kernel computes rows ``start`` .. ``stop - 1``
  and :func:`run_rows` runs it on several threads).

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

import concurrent.futures
import itertools
import os
import threading
import types
from collections.abc import Sequence

import numba
import numpy as np
from numba.core import types as types_
from numba.core.dispatcher import Dispatcher
from numba.extending import intrinsic
from numba.np.ufunc import parallel as numba_parallel

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


@intrinsic
def borrowed(typingctx, value):
    """``value`` (an array, or a tuple of arrays and numbers) as the same arrays without their
    reference count, for a kernel's arguments: numba counts the references to an array that
    came from Python (an atomic increment and decrement each time the kernel hands it to a
    function it calls, or takes it out of a tuple), and threads running one kernel on the
    same arrays then contend for that count; an array without one (as numba's own parallel
    loops pass them) costs nothing. The caller's arrays outlive the kernel's call, so no
    count is needed. Called from Python (a kernel's ``py_func``), it returns ``value``."""

    def codegen(context, builder, signature, args):
        return _borrow(context, builder, signature.args[0], args[0])

    return value(value), codegen


class _PassThrough(type(borrowed)):  # type: ignore[misc]
    """numba's intrinsic, which Python may call too (``borrowed`` is then the identity)."""

    def __call__(self, value):
        return value


borrowed.__class__ = _PassThrough


def _borrow(context, builder, ty, val):
    if isinstance(ty, types_.Array):
        array = context.make_array(ty)(context, builder, value=val)
        array.meminfo = context.get_constant_null(types_.MemInfoPointer(types_.voidptr))
        array.parent = context.get_constant_null(types_.pyobject)
        return array._getvalue()
    if isinstance(ty, types_.BaseTuple):
        for i, item in enumerate(ty):
            val = builder.insert_value(
                val, _borrow(context, builder, item, builder.extract_value(val, i)), i
            )
    return val


def _decorator(**options):
    jit = numba.njit(**options)
    return lambda func: _typed_calls(jit(func))


scalar = _decorator(inline="never", **_COMMON)
tiny = numba.njit(inline="always", **_COMMON)  # inlined before typing: no call to type
kernel = _decorator(**_COMMON)


# ---------------------------------------------------------------------------------------------
# threads (docs/scale.md, "Threads"): one thread for small calls, a pool of Python threads
# running the same compiled kernel on pieces of the rows for large ones

#: a call on less work than this runs on one thread [rows of the (s, Q) kernel on normal
#: demand, about 0.1-0.2 us each]: handing pieces to other threads costs more than they save
#: there, and on a machine whose other cores are busy a thread may wait for a core for
#: milliseconds (measured: benchmarks/README.md, "Threads")
SERIAL_ROWS = 10_000


def serial(rows: int, weight: float = 1.0) -> bool:
    """Whether a call on ``rows`` rows, each costing about ``weight`` rows of the (s, Q)
    normal kernel, runs on one thread: below :data:`SERIAL_ROWS` (see :func:`run_rows`)."""
    return rows * weight < SERIAL_ROWS


#: pieces per thread of a call split among threads (:func:`run_rows`)
PIECES_PER_THREAD = 4


def thread_count() -> int:
    """The threads a large call runs on: numba's thread count of the calling thread once
    numba's threading layer is up (``numba.set_num_threads``, which is thread-local: the user's
    setting, or ``invsl.dask``'s per task), else ``NUMBA_NUM_THREADS`` (default: one per
    core). Reading it does not start numba's threads, which invsl does not use."""
    if getattr(numba_parallel, "_is_initialized", False):
        return int(numba.get_num_threads())
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_pid = -1
_pool_lock = threading.Lock()


def _helpers() -> concurrent.futures.ThreadPoolExecutor:
    """The process's pool of helper threads (``NUMBA_NUM_THREADS`` - 1 of them, started at
    the first large call; a forked child makes its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            size = max(1, int(numba.config.NUMBA_NUM_THREADS) - 1)  # type: ignore[attr-defined]
            _pool = concurrent.futures.ThreadPoolExecutor(size, thread_name_prefix="invsl")
            _pool_pid = os.getpid()
        return _pool


def run_rows(kernel: Dispatcher, rows: int, weight: float, *args) -> None:
    """``kernel(*args, start, stop)`` over the rows ``0 .. rows - 1``, each costing about
    ``weight`` rows of the (s, Q) normal kernel.

    ``kernel`` is a serial compiled kernel (``nogil``) that computes the rows ``start`` ..
    ``stop - 1`` of its arrays, each row on its own. Below :data:`SERIAL_ROWS` weighted rows
    (:func:`serial`) it runs once, on the calling thread, over every row. Above, the rows
    go in :data:`PIECES_PER_THREAD` contiguous pieces per thread (:func:`thread_count`), and
    the calling thread and its helpers each take the next piece left until none is: a thread
    whose core another process holds takes fewer pieces, and no idle thread spins, so the
    call is never much slower than on one thread. The kernel is the same compiled code on
    every path, hence the same bits whatever the thread count (rows are independent), and a
    kernel has one copy to compile, not a serial and a parallel one.
    """
    threads = 1 if serial(rows, weight) else min(thread_count(), rows)
    if threads <= 1:
        kernel(*args, 0, rows)
        return
    pieces = min(rows, PIECES_PER_THREAD * threads)
    bounds = [rows * k // pieces for k in range(pieces + 1)]
    take = itertools.count().__next__  # (atomic: one bytecode under the GIL)

    def work() -> None:
        k = take()
        while k < pieces:
            kernel(*args, bounds[k], bounds[k + 1])
            k = take()

    pool = _helpers()
    helpers = [pool.submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for helper in helpers:
            helper.result()


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
#: The generic path of the (s, Q) kernel (``kernels.batch.sq_row``: the generic solver and
#: the metrics by quadrature, for the rows the fused solvers do not take: alpha targets,
#: targets below 0.5, tiny order quantities). Its lean copies, which solve the other rows,
#: leave it out and mark those rows ``DEFERRED`` for the full copy, so that a table whose
#: rows the fused solvers take compiles neither.
WITH_GENERIC = True
#: History-family switches of the coarse lattice (``kernels.lattice``, large demands):
#: ``if WITH_EMPIRICAL and empirical:`` guards the cells of the empirical rows,
#: ``elif WITH_COMPOUND_POISSON:`` those of the compound Poisson rows; a table of one family
#: compiles the lattice unit of that family only (``lattice.unit_kernel``).
WITH_EMPIRICAL = True
WITH_COMPOUND_POISSON = True


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


def _clone(func, namespace: dict, suffix: str) -> types.FunctionType:
    """A copy of the Python function ``func`` with the globals ``namespace``, named
    ``<qualname>_<suffix>`` (the name numba's cache files it under)."""
    clone = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    clone.__kwdefaults__ = func.__kwdefaults__
    clone.__qualname__ = f"{func.__qualname__}_{suffix}"
    clone.__module__ = func.__module__
    clone.__doc__ = func.__doc__
    return clone


def _copy(dispatcher: Dispatcher, namespace: dict, suffix: str) -> Dispatcher:
    """``dispatcher``'s Python function with the globals ``namespace``, compiled alike."""
    copy = _clone(dispatcher.py_func, namespace, suffix)
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
    "readonly",
    "specialise",
    "SERIAL_ROWS",
    "serial",
    "run_rows",
    "borrowed",
    "thread_count",
    "PIECES_PER_THREAD",
    "WITH_NORMAL",
    "WITH_GAMMA",
    "WITH_INTEGER",
    "WITH_RS",
    "WITH_RSS",
    "WITH_RSQ",
    "WITH_GENERIC",
    "WITH_EMPIRICAL",
    "WITH_COMPOUND_POISSON",
]
