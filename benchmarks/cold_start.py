"""Cold start of invsl: a fresh process that imports invsl and solves a small batch.

numba compiles the kernels at their first call, or loads them from its on-disk cache
(``cache=True``). This script measures both cases in fresh subprocesses:

- ``uncached``: ``NUMBA_CACHE_DIR`` points to a new, empty temporary directory, so every
  kernel is compiled (and written to that directory);
- ``cached``: the same command again with the same directory, so every kernel is loaded.

Each subprocess imports invsl, then solves fill-rate (beta = 0.95) reorder points for
1,000 normal SKUs and then 1,000 Poisson SKUs with ``invsl.optimize``, then solves both
batches once more (steady state, for reference). It reports the seconds of each step;
the parent adds the wall time of the whole process, interpreter start-up included.

Usage (from the repository root)::

    .venv/bin/python benchmarks/cold_start.py [--n-skus 1000] [--repeat 1] [--json FILE]

``--repeat N`` runs N uncached processes (each with its own new cache directory) and N
cached ones, and prints every run and the best. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import invsl
t1 = time.perf_counter()
sys.path.insert(0, {here!r})
from _skus import make_sku_table
normal = make_sku_table({n}, "normal")
poisson = make_sku_table({n}, "poisson")
t2 = time.perf_counter()
out_n = invsl.optimize(normal, metric="beta", target=0.95, distribution="normal")
t3 = time.perf_counter()
out_p = invsl.optimize(poisson, metric="beta", target=0.95, distribution="poisson")
t4 = time.perf_counter()
invsl.optimize(normal, metric="beta", target=0.95, distribution="normal")
t5 = time.perf_counter()
invsl.optimize(poisson, metric="beta", target=0.95, distribution="poisson")
t6 = time.perf_counter()
bad = int((out_n["status"] != "ok").sum() + (out_p["status"] != "ok").sum())
import numba
print(json.dumps({{
    "import_invsl": t1 - t0,
    "first_normal": t3 - t2,
    "first_poisson": t4 - t3,
    "import_and_first_solves": (t1 - t0) + (t4 - t2),
    "steady_normal": t5 - t4,
    "steady_poisson": t6 - t5,
    "rows_not_ok": bad,
    "numba_threads": numba.get_num_threads(),
}}))
"""

STEPS = [
    ("process", "whole process, interpreter start-up included"),
    ("import_invsl", "import invsl"),
    ("first_normal", "first optimize(), normal"),
    ("first_poisson", "first optimize(), poisson"),
    ("import_and_first_solves", "import + both first solves"),
    ("steady_normal", "second optimize(), normal (steady state)"),
    ("steady_poisson", "second optimize(), poisson (steady state)"),
]


def run_child(n_skus: int, cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    code = CHILD.format(here=str(HERE), n=n_skus)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"child process failed (exit {proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = elapsed
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-skus", type=int, default=1000, help="rows per batch (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="processes per case (default 1)")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)

    runs = {"uncached": [], "cached": []}
    for _ in range(args.repeat):
        cache_dir = tempfile.mkdtemp(prefix="invsl-numba-cache-")
        try:
            runs["uncached"].append(run_child(args.n_skus, cache_dir))
            runs["cached"].append(run_child(args.n_skus, cache_dir))
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)

    print(
        f"invsl cold start: {args.n_skus} normal + {args.n_skus} Poisson SKUs, beta = 0.95, "
        f"{runs['cached'][0]['numba_threads']} numba threads, {args.repeat} process(es) per case"
    )
    print(f"{'seconds (best of runs)':44s} {'uncached':>10s} {'cached':>10s}")
    for key, label in STEPS:
        best = {case: min(r[key] for r in rs) for case, rs in runs.items()}
        print(f"{label:44s} {best['uncached']:10.3f} {best['cached']:10.3f}")
    not_ok = sum(r["rows_not_ok"] for rs in runs.values() for r in rs)
    if not_ok:
        print(f"warning: {not_ok} rows with a status other than 'ok'")
    if args.json:
        Path(args.json).write_text(json.dumps({"n_skus": args.n_skus, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
