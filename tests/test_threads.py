"""Threads (``invsl.scalar.jit``: ``run_rows``, ``thread_count``, ``SERIAL_ROWS``).

The results are the same bytes on one thread and on two, below and above the serial
threshold, and however the rows are cut into pieces; a small call runs on the calling thread
in one piece; a large one covers every row exactly once, on the caller's thread count; a
failure inside reaches the caller; invsl never starts numba's own threads. Speed is measured
in benchmarks/test_bench_threads.py, never asserted here.
"""

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest

from invsl.scalar import jit
from invsl.scalar.jit import run_rows

ROOT = Path(__file__).resolve().parents[1]

#: run in a fresh Python with NUMBA_NUM_THREADS=2: every public path that reaches a row
#: kernel (validation, the (s, Q) and periodic kernels, the pmf kernels of history rows, the
#: array functions), at (threads, SERIAL_ROWS, PIECES_PER_THREAD) = (1, default), (2,
#: everything serial), (2, everything split), (2, default), and everything split into 37
#: pieces per thread (pieces of every size, cut anywhere); pickled results to sys.argv[1]
_SCRIPT = """
import pickle, sys
import numba, numpy as np, pandas as pd
import invsl
from invsl.scalar import jit
from tests.test_determinism import mixed_table

df = mixed_table(2500)
periodic = df.assign(policy=np.array(["RS", "RsS", "RsQ", "sQ"])[np.arange(len(df)) % 4],
                     review_period=2.0).iloc[:400]
rng = np.random.default_rng(3)
skus = [f"h{i}" for i in range(300)]
history = pd.DataFrame({"sku": np.repeat(skus, 12), "period": np.tile(np.arange(12), 300),
                        "demand": rng.poisson(rng.uniform(0.2, 4.0, 3600))})
mean = rng.uniform(0.2, 4.0, 300)
hist = pd.DataFrame({"sku": skus, "lead_time": rng.integers(1, 4, 300).astype(float),
                     "order_quantity": np.ceil(rng.uniform(1, 10, 300)),
                     "demand_mean": mean, "demand_std": np.sqrt(mean * rng.uniform(1, 3, 300)),
                     "distribution": rng.choice(["empirical", "compound_poisson"], 300)})
x = df["demand_mean"].to_numpy()

def run():
    return {
        "optimize": invsl.optimize(df),
        "optimize_gamma": invsl.optimize(df, metric="gamma", target=0.9),
        "evaluate": invsl.evaluate(df.assign(reorder_point=np.floor(x * 3))),
        "periodic": invsl.optimize(periodic),
        "history": invsl.optimize(hist, history=history),
        "reorder_point": invsl.reorder_point(0.95, x * 2, x, x * 0.5, 3.0),
        "fill_rate": invsl.fill_rate(np.floor(x * 3), np.ceil(x * 2), x, x, 2.0,
                                     distribution=df["distribution"].to_numpy()),
        "loss": invsl.loss_first_order(x * 3, x, x, "gamma"),
    }

results = {}
for threads, serial_rows, pieces in ((1, None, 4), (2, 10**12, 4), (2, 0, 4), (2, None, 4),
                                     (2, 0, 37)):
    numba.set_num_threads(threads)
    jit.SERIAL_ROWS = serial_rows if serial_rows is not None else jit.SERIAL_ROWS
    jit.PIECES_PER_THREAD = pieces
    results[threads, serial_rows, pieces] = run()
    jit.SERIAL_ROWS = 10_000
    jit.PIECES_PER_THREAD = 4
with open(sys.argv[1], "wb") as f:
    pickle.dump(results, f)
"""


def _same_bytes(a, b, where):
    """Same type, dtypes, columns, index and bits (NaN payloads included)."""
    assert type(a) is type(b), where
    if isinstance(a, pd.DataFrame):
        assert a.columns.tolist() == b.columns.tolist(), where
        assert a.index.equals(b.index), where
        for name in a.columns:
            _same_bytes(a[name].array, b[name].array, f"{where}, column {name}")
        return
    if isinstance(a, pd.Categorical):
        assert a.dtype == b.dtype, where
        assert np.array_equal(a.codes, b.codes), where
        return
    values_a, values_b = np.asarray(a), np.asarray(b)
    assert values_a.dtype == values_b.dtype and values_a.shape == values_b.shape, where
    if values_a.dtype == object:
        assert values_a.tolist() == values_b.tolist(), where
    else:
        assert values_a.tobytes() == values_b.tobytes(), where


def test_same_bytes_on_one_and_two_threads_below_and_above_the_threshold(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="2")
    out = tmp_path / "results.pickle"
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out, "rb") as f:
        results = pickle.load(f)
    reference = results[1, None, 4]
    assert (reference["optimize"]["status"] == "ok").sum() > 2000
    assert (reference["history"]["status"] == "ok").sum() > 250
    assert (reference["periodic"]["status"] == "ok").sum() > 300
    for key, got in results.items():
        for name, value in got.items():
            _same_bytes(
                reference[name],
                value,
                f"{name} at (threads, SERIAL_ROWS, PIECES_PER_THREAD) = {key}",
            )


class _Recorder:
    """A stand-in kernel: records each call's rows and thread, marks the rows it covers."""

    def __init__(self, n: int, fail_at: int = -1):
        self.covered = np.zeros(n, dtype=np.int64)
        self.calls: list[tuple[int, int, int]] = []
        self.fail_at = fail_at
        self.lock = threading.Lock()

    def __call__(self, value, start, stop):
        if start <= self.fail_at < stop:
            raise ValueError("boom")
        self.covered[start:stop] += value
        with self.lock:
            self.calls.append((start, stop, threading.get_ident()))


def test_a_small_call_runs_once_on_the_calling_thread():
    kernel = _Recorder(100)
    run_rows(kernel, 100, 1.0, 1)
    assert kernel.calls == [(0, 100, threading.get_ident())]
    # the weight counts: a few heavy rows are a large call, many light ones a small call
    heavy = _Recorder(100)
    run_rows(heavy, 100, jit.SERIAL_ROWS / 10, 1)
    assert len(heavy.calls) > 1
    light = _Recorder(10**6)
    run_rows(light, 10**6, 0.0, 1)
    assert len(light.calls) == 1


def test_a_large_call_covers_every_row_once_in_pieces():
    n = 3 * jit.SERIAL_ROWS + 7
    kernel = _Recorder(n)
    run_rows(kernel, n, 1.0, 1)
    assert (kernel.covered == 1).all()
    spans = sorted((start, stop) for start, stop, _ in kernel.calls)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # contiguous, no overlap
    assert len(spans) == jit.PIECES_PER_THREAD * jit.thread_count()
    # no more rows than pieces: every piece has a row
    tiny = _Recorder(3)
    run_rows(tiny, 3, jit.SERIAL_ROWS, 1)
    assert (tiny.covered == 1).all() and all(stop > start for start, stop, _ in tiny.calls)


def test_the_callers_thread_count_is_kept():
    # as invsl.dask's numba_threads sets it (numba.set_num_threads, thread-local)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        assert jit.thread_count() == 1
        kernel = _Recorder(10**6)
        run_rows(kernel, 10**6, 1.0, 1)
        assert kernel.calls == [(0, 10**6, threading.get_ident())]
    finally:
        numba.set_num_threads(before)


def test_a_failure_inside_reaches_the_caller_after_every_piece_ends():
    n = 4 * jit.SERIAL_ROWS
    kernel = _Recorder(n, fail_at=n - 1)
    with pytest.raises(ValueError, match="boom"):
        run_rows(kernel, n, 1.0, 1)
    # the other pieces ran, none twice
    assert kernel.covered.max() == 1 and kernel.covered.sum() >= n - n // 4


def test_invsl_starts_no_numba_thread_and_a_small_call_no_thread_at_all():
    code = (
        "import threading, numba.np.ufunc.parallel as p, invsl\n"
        "from invsl.scalar import jit\n"
        "invsl.fill_rate([120.0, 130.0], 200.0, 100.0, 30.0, 1.0)\n"
        "assert jit._pool is None and threading.active_count() == 1  # a small call\n"
        "invsl.fill_rate([120.0] * 50_000, 200.0, 100.0, 30.0, 1.0)\n"
        "assert jit._pool is not None  # a large call: the helper threads\n"
        "assert not p._is_initialized  # numba's own threads never started\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="2")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
