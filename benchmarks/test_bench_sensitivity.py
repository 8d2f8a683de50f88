"""What-if cube (``invsl.sensitivity``): speed against a loop of ``invsl.optimize``, and memory.

Group ``sensitivity``: fill-rate reorder points of the synthetic normal SKUs (``_skus.py``)
over 20 targets (0.80 .. 0.995) x 5 order-quantity factors (0.5 .. 2): 100,000 SKUs, that is
10,000,000 cells (``--short``: 5,000 SKUs, 500,000 cells, for the two timed tests).

- ``test_sensitivity_cube``: one ``invsl.sensitivity`` call (one pass over the flattened
  grid, chunked).
- ``test_sensitivity_optimize_loop``: the baseline a user writes first, one
  ``invsl.optimize`` per scenario on a modified copy of the table (100 calls).
- ``test_sensitivity_peak_memory``: the cube in a fresh subprocess, which reports its peak
  resident memory (``ru_maxrss``) and its resident memory just before the call (imports,
  table and numba kernels loaded), always at the full 100,000 SKUs x 100 scenarios, also
  with ``--short``. Stored in ``extra_info``; the peak must stay under 2 GiB (the target of
  issue 4), the only assertion here besides agreement of the results.

Reorder points of the cube and the loop must agree exactly (same kernel, same inputs).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import invsl
from _skus import make_sku_table

TARGETS = np.round(np.linspace(0.80, 0.995, 20), 6)
FACTORS = np.array([0.5, 0.75, 1.0, 1.5, 2.0])
PEAK_LIMIT = 2 * 1024**3  # bytes
MEMORY_SKUS = 100_000  # the memory run is always at full size

_CHILD = """
import json, resource, sys, time
import numpy as np
import invsl
from _skus import make_sku_table
n = int(sys.argv[1])
df = make_sku_table(n, "normal")
df["unit_cost"] = np.linspace(1.0, 100.0, n)
invsl.sensitivity(df.head(100), target=[0.9, 0.95], order_quantity_factor=[1.0, 2.0])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
cube = invsl.sensitivity(df, target=np.round(np.linspace(0.80, 0.995, 20), 6),
                         order_quantity_factor=[0.5, 0.75, 1.0, 1.5, 2.0])
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"cells": int(cube["reorder_point"].size), "seconds": seconds,
                  "peak_rss": peak, "rss_before": before, "cube_bytes": int(cube.nbytes),
                  "ok_cells": int((cube["status"] == 0).sum())}))
"""


@pytest.fixture(scope="module")
def skus(sizes):
    n = sizes.n_normal // 10 if not sizes.short else 5_000  # 100,000 (--short: 5,000)
    return make_sku_table(n, "normal")


def _cube(df):
    return invsl.sensitivity(df, target=TARGETS, order_quantity_factor=FACTORS, metric="beta")


def _loop(df):
    reorder_points = np.empty((len(df), TARGETS.size, FACTORS.size))
    for j, factor in enumerate(FACTORS):
        scenario = df.copy()
        scenario["order_quantity"] = df["order_quantity"] * factor
        for i, target in enumerate(TARGETS):
            out = invsl.optimize(scenario, metric="beta", target=target)
            reorder_points[:, i, j] = out["reorder_point"].to_numpy()
    return reorder_points


@pytest.mark.benchmark(group="sensitivity")
def test_sensitivity_optimize_loop(benchmark, skus, sizes, shared):
    _loop(skus.head(100))  # load or compile the kernels outside the timing
    result = benchmark.pedantic(_loop, args=(skus,), rounds=sizes.rounds_baseline, iterations=1)
    shared["sensitivity_loop"] = (result, benchmark.stats.stats.min)
    benchmark.extra_info["cells"] = int(result.size)


@pytest.mark.benchmark(group="sensitivity")
def test_sensitivity_cube(benchmark, skus, sizes, shared):
    _cube(skus.head(100))
    cube = benchmark.pedantic(_cube, args=(skus,), rounds=sizes.rounds_baseline, iterations=1)
    benchmark.extra_info["cells"] = int(cube["reorder_point"].size)
    assert bool((cube["status"] == 0).all())
    if "sensitivity_loop" in shared:
        loop, loop_time = shared["sensitivity_loop"]
        np.testing.assert_array_equal(cube["reorder_point"].to_numpy(), loop)
        benchmark.extra_info["speedup_vs_optimize_loop"] = loop_time / benchmark.stats.stats.min


@pytest.mark.benchmark(group="sensitivity")
def test_sensitivity_peak_memory(benchmark):
    here = pathlib.Path(__file__).parent

    def run():
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(MEMORY_SKUS)],
            cwd=here,
            capture_output=True,
            text=True,
            check=True,
            env=_env_with_path(here),
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    info = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    benchmark.extra_info["peak_rss_mb"] = info["peak_rss"] / 1e6
    assert info["cells"] == MEMORY_SKUS * TARGETS.size * FACTORS.size
    assert info["ok_cells"] == info["cells"]
    assert info["peak_rss"] < PEAK_LIMIT, f"peak resident memory {info['peak_rss'] / 1e9:.2f} GB"


def _env_with_path(here: pathlib.Path) -> dict:
    import os

    env = dict(os.environ)
    paths = [str(here), str(here.parent), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env
