"""``invsl warmup``: it reaches every kernel, and real tables need nothing more.

The warm-up runs as the command line runs it, its steps in parallel processes; then the
check runs in a fresh interpreter on the same numba cache (numba's list of compiled
signatures is per process):

1. the steps again, and the public functions called on the same kinds of tables built
   differently (integer columns, pyarrow-backed columns, a strided slice, a table read from
   CSV by the command line), compile nothing: everything loads from the cache that the
   parallel warm-up wrote (numba's compile events are recorded);
2. every kernel that Python calls (the parallel batch kernels and their one-thread twins,
   in each compile unit, lean and full, the one-row entry of the (s, Q) kernel in each
   unit, and the one-thread twins of the portfolio's) has a signature, except the builder of the stored start table (a maintenance
   function) and the kernels that only serve as templates of their compile units;
3. the tables built differently, and the array functions called with other kinds of Python
   numbers (ints, numpy float64), add no signature. Each new signature would be a compilation
   of tens of seconds in the first job that meets it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from invsl.tools.cli import main

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import importlib, inspect, json, pkgutil, sys, tempfile, os
import numba
from numba.core import event
import numpy as np
import pandas as pd
import invsl
import invsl.tools.warmup as w

def signatures():
    out = {}
    for info in pkgutil.walk_packages(invsl.__path__, "invsl."):
        mod = importlib.import_module(info.name)
        short = info.name.removeprefix("invsl.")
        for name, value in vars(mod).items():
            if isinstance(value, numba.core.dispatcher.Dispatcher) and (
                value.py_func.__module__ == mod.__name__
            ):
                # a row kernel (scalar.jit.run_rows runs it): rows start .. stop - 1
                rows = list(inspect.signature(value.py_func).parameters)[-2:] == ["start", "stop"]
                out[short + "." + name] = (rows, sorted(map(str, value.signatures)))
        if callable(getattr(mod, "every_kernel", None)):  # each compile unit's copies
            for key, value in mod.every_kernel().items():
                out[f"{short}.{value.py_func.__name__}{list(key)}"] = (
                    True, sorted(map(str, value.signatures))
                )
        if callable(getattr(mod, "unit_one", None)):  # the one-row entry of each unit
            for unit in mod.UNIT_NAMES:
                value = mod.unit_one(unit)
                out[f"{short}.{value.py_func.__name__}[{unit}]"] = (
                    True, sorted(map(str, value.signatures))
                )
    return out

recorder = event.install_recorder("numba:compile")
compiled = recorder.__enter__()
w.warmup(processes=1)
before = signatures()

# the same calls on tables built differently
sq = w._table(["sQ"]).drop(columns=["policy", "review_period", "order_up_to"])
periodic = w._table(["RS", "RsS", "RsQ"])
variants = []
for table in (sq, periodic):
    ints = table.copy()
    for col in ("lead_time", "order_quantity", "reorder_point", "review_period", "order_up_to"):
        if col in ints:
            ints[col] = ints[col].astype(np.int64)
    variants += [ints, table.convert_dtypes(dtype_backend="pyarrow"),
                 pd.concat([table, table]).iloc[::2]]
for table in variants:
    invsl.evaluate(table, history=w._HISTORY)
    invsl.optimize(table, history=w._HISTORY)
sim = w._table(["sQ", "RS", "RsS", "RsQ"]).drop(columns=["metric", "target"])
sim = sim.drop_duplicates(["policy", "distribution"])
sim_int = sim.astype({"lead_time": np.int64, "review_period": np.int64})
invsl.simulate(sim_int, periods=40, warmup=5, history=w._HISTORY)
# the array functions with other kinds of numbers (the one-row path converts them)
for dist in ("normal", "gamma", "poisson", "negbin", "deterministic"):
    invsl.fill_rate(9, 8, 3, 4, 2, distribution=dist)
    invsl.reorder_point(np.float64(0.9), 8, 3, 4, 2, 1, distribution=dist, metric="gamma")
    invsl.loss_second_order(9, 6, np.float64(5), distribution=dist)
portfolio = sq[sq["distribution"] == "normal"].drop(columns=["metric", "target"])
invsl.optimize_portfolio(portfolio.assign(unit_cost=1, lead_time=2), budget=10.0)

# the command line, on CSV files with integer columns
from click.testing import CliRunner
from invsl.tools.cli import main
folder = tempfile.mkdtemp()
for name, table in (("sq", sq), ("periodic", periodic)):
    path = os.path.join(folder, name + ".csv")
    ints = table.copy()
    for col in ("lead_time", "order_quantity", "reorder_point"):
        ints[col] = ints[col].astype(np.int64)
    ints.to_csv(path, index=False)
    w._HISTORY.to_csv(os.path.join(folder, "history.csv"), index=False)
    for command in ("evaluate", "optimize"):
        result = CliRunner().invoke(main, [command, path, "-o", path + ".out.csv",
                                           "--history", os.path.join(folder, "history.csv")])
        assert result.exit_code in (0, 1), result.output

after = signatures()
recorder.__exit__(None, None, None)
names = sorted({
    e.data["dispatcher"].py_func.__module__ + "." + e.data["dispatcher"].py_func.__qualname__
    for _, e in compiled.buffer
})
print(json.dumps({"before": before, "after": after, "compiled": names}))
"""


def test_warmup_reaches_every_kernel_and_real_tables_add_no_signature():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    warm = subprocess.run(
        [sys.executable, "-m", "invsl.tools.cli", "warmup", "--quiet", "--processes", "2"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert warm.returncode == 0, warm.stderr[-3000:]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = data["before"], data["after"]
    assert not data["compiled"], f"compiled after the parallel warm-up: {data['compiled']}"
    # the row kernels Python calls (through scalar.jit.run_rows); the functions they call are
    # compiled into them and, loaded from numba's cache, list no signature of their own
    entries = {name for name, (entry, _) in before.items() if entry}
    entries.discard("kernels.normal_sq.build_start_table")  # builds the stored start table
    # templates of their compile units (the units' copies are checked instead)
    entries -= {
        "kernels.batch.sq_kernel",
        "kernels.periodic.policies.periodic_kernel",
        "kernels.lattice.lattice_sq_kernel",
    }
    never = sorted(name for name in entries if not before[name][1])
    assert not never, f"not reached by the warm-up: {never}"
    assert len(entries) >= 14  # the scan found the package's kernels
    new = {
        name: sorted(set(after[name][1]) - set(sigs))
        for name, (_, sigs) in before.items()
        if set(after[name][1]) - set(sigs)
    }
    assert not new, f"compiled again for another kind of table: {new}"


def test_command_line_warmup(monkeypatch):
    seen = []
    monkeypatch.setattr("invsl.tools.warmup.STEPS", {"one step": lambda: seen.append(1)})
    result = CliRunner().invoke(main, ["warmup", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert seen == [1]
    assert "one step" in result.output and "warm-up done" in result.output
    quiet = CliRunner().invoke(main, ["warmup", "--quiet", "--processes", "1"])
    assert quiet.exit_code == 0 and quiet.output == ""
