"""Threads (``invsl.scalar.jit``: ``threads_for``, ``prepare_threads``, ``SERIAL_ROWS``).

The results are the same bytes on one thread and on two, and below and above the serial
threshold; a small call runs on one thread and gives the caller's thread count back; idle
OpenMP threads are set to sleep unless the user chose otherwise. Speed is measured in
benchmarks/test_bench_threads.py, never asserted here.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from invsl.scalar import jit
from invsl.scalar.jit import threads_for

ROOT = Path(__file__).resolve().parents[1]

#: run in a fresh Python with NUMBA_NUM_THREADS=2: every public path that reaches a parallel
#: kernel (validation, the (s, Q) and periodic kernels, the pmf kernels of history rows, the
#: array functions), at (threads, SERIAL_ROWS) = (1, default), (2, everything serial),
#: (2, everything parallel), (2, default); pickled results to sys.argv[1]
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
for threads, serial_rows in ((1, None), (2, 10**12), (2, 0), (2, None)):
    numba.set_num_threads(threads)
    jit.SERIAL_ROWS = serial_rows if serial_rows is not None else jit.SERIAL_ROWS
    results[threads, serial_rows] = run()
    jit.SERIAL_ROWS = 10_000
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
    reference = results[1, None]
    assert (reference["optimize"]["status"] == "ok").sum() > 2000
    assert (reference["history"]["status"] == "ok").sum() > 250
    assert (reference["periodic"]["status"] == "ok").sum() > 300
    for key, got in results.items():
        for name, value in got.items():
            _same_bytes(reference[name], value, f"{name} at (threads, SERIAL_ROWS) = {key}")


def test_a_small_call_runs_on_one_thread_and_gives_the_count_back():
    before = numba.get_num_threads()
    with threads_for(jit.SERIAL_ROWS - 1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with threads_for(jit.SERIAL_ROWS):
        assert numba.get_num_threads() == before
    # the weight counts: a few heavy rows are a large call
    with threads_for(1000, weight=jit.SERIAL_ROWS):
        assert numba.get_num_threads() == before
    with threads_for(10**6, weight=0.0):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_the_callers_thread_count_is_kept(monkeypatch):
    # as invsl.dask's numba_threads sets it: a large call keeps it, a small one restores it
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threads_for(10**7):
            assert numba.get_num_threads() == 1
        with threads_for(1):
            assert numba.get_num_threads() == 1
        assert numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(before)


def test_an_exception_inside_gives_the_count_back():
    before = numba.get_num_threads()
    try:
        with threads_for(1):
            raise ValueError("boom")
    except ValueError:
        pass
    assert numba.get_num_threads() == before


#: the first call of each kind: a public function (through ``threads_for``), a parallel
#: kernel called directly (through the hook on its first compilation), and numba's threads
#: started by the user's own code before any of invsl's
_FIRST_CALLS = {
    # (a call beyond SERIAL_ROWS: a smaller one runs the one-thread twins, no parallel kernel)
    "public": "import invsl; invsl.fill_rate([120.0] * 20_000, 200.0, 100.0, 30.0, 1.0)",
    "small": (
        "import invsl, numba.np.ufunc.parallel as p; "
        "invsl.fill_rate([120.0, 130.0], 200.0, 100.0, 30.0, 1.0); "
        "assert not p._is_initialized  # a small call starts no thread"
    ),
    # (a parallel kernel of invsl.kernels: the tools' kernels are serial, run by run_rows)
    "kernel": (
        "import numpy as np; from invsl.kernels.pmf import compound_poisson_lengths as k; "
        "k(np.ones(2), np.full(2, 0.5), np.zeros(2, np.uint8), np.zeros(2, np.int64))"
    ),
    "user first": (
        "import numba, invsl; numba.get_num_threads(); "
        "invsl.fill_rate([1.0, 2.0], 2.0, 1.0, 1.0, 1.0)"
    ),
}


def _wait_policy_after(call: str, **settings) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(settings, PYTHONPATH=str(ROOT))
    code = (
        "import os, numba.np.ufunc.parallel as p\n"
        "assert not p._is_initialized\n"
        f"{_FIRST_CALLS[call]}\n"
        "print(os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_idle_openmp_threads_sleep_unless_the_user_says_otherwise():
    assert _wait_policy_after("public") == "PASSIVE"
    assert _wait_policy_after("small") == "None"
    assert _wait_policy_after("kernel") == "PASSIVE"
    assert _wait_policy_after("public", OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
    assert _wait_policy_after("public", GOMP_SPINCOUNT="10000") == "None"
    # numba's threads already running: too late, the environment is left alone
    assert _wait_policy_after("user first") == "None"
