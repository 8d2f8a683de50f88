"""Cold start of invsl: what a fresh installation pays before its first answer.

Every figure comes from its own fresh Python process whose ``NUMBA_CACHE_DIR`` is a new,
empty directory, so that numba compiles every kernel the case needs (nothing is loaded from
a cache) and nothing compiled by another case is reused:

- ``import``: ``import invsl``, and ``from invsl import optimize`` (the DataFrame layer);
- ``sQ normal 1000``: the first ``invsl.optimize`` of 1,000 normal (s, Q) SKUs (fill rate
  0.95), import excluded;
- ``<policy> <family>``: the same for one policy (sQ, RS, RsS, RsQ) and one demand family
  (normal, gamma, poisson, negbin, and from a demand history empirical, compound_poisson),
  1,000 SKUs;
- ``warmup``: ``invsl warmup`` (the whole process);
- ``cli``: ``invsl optimize`` of a 1,000-row CSV file (the whole process).

With ``--baseline PATH`` (a checkout of another version of invsl, e.g. the main branch) every
case also runs on that code, alternating with this one, in the same run; the table gives both
and their ratio. The issue's targets (issue 14) are printed beside the figures. Nothing is
asserted: this is a measurement; on a shared machine repeat it (``--repeat``) and read the
best.

Usage (from the repository root)::

    .venv/bin/python benchmarks/cold_start.py                        # every case
    .venv/bin/python benchmarks/cold_start.py --baseline ../main --repeat 2
    .venv/bin/python benchmarks/cold_start.py --cases import "sQ normal 1000" --json out.json
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

POLICIES = ("sQ", "RS", "RsS", "RsQ")
FAMILIES = ("normal", "gamma", "poisson", "negbin", "empirical", "compound_poisson")

#: case -> (target [s], what the target is)
TARGETS = {
    "import": (0.3, "import invsl"),
    "sQ normal 1000": (5.0, "first optimize, 1,000 normal (s, Q) SKUs"),
    **{
        f"{p} {f}": (8.0, "first optimize, one policy and family")
        for p in POLICIES
        for f in FAMILIES
    },
    "warmup": (30.0, "invsl warmup"),
    "cli": (None, "invsl optimize, 1,000-row CSV, whole process"),
}

#: the child of a case: prints one JSON object of seconds
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import invsl
t1 = time.perf_counter()
from invsl import optimize
t2 = time.perf_counter()
case = {case!r}
result = {{"import": t1 - t0, "import_optimize": t2 - t0}}
if case != "import":
    import numpy as np
    import pandas as pd
    sys.path.insert(0, {here!r})
    from _skus import make_sku_table
    policy, family = case.split()[:2]
    n = 1000
    base = make_sku_table(n, "poisson" if family in ("poisson", "negbin") else "normal")
    kwargs = {{}}
    if family == "negbin":
        base["demand_std"] = np.sqrt(2.0 * base["demand_mean"])
    if family in ("empirical", "compound_poisson"):
        rng = np.random.default_rng(7)
        periods = 24
        mean = np.repeat(base["demand_mean"].to_numpy() / 10.0, periods)
        history = pd.DataFrame({{
            "sku": np.repeat(base["sku"].to_numpy(), periods),
            "period": np.tile(np.arange(periods), n),
            "demand": rng.poisson(mean) * rng.integers(1, 4, size=n * periods),
        }})
        kwargs["history"] = history
        base["demand_mean"] = history.groupby("sku")["demand"].mean().to_numpy()
        base["demand_std"] = history.groupby("sku")["demand"].std().to_numpy()
        base["order_quantity"] = np.maximum(1.0, np.round(base["demand_mean"] * 4.0))
    if policy != "sQ":
        base["policy"] = policy
        base["review_period"] = 1.0 + (base["sku"] % 4)
    t3 = time.perf_counter()
    out = optimize(base, metric="beta", target=0.95, distribution=family, **kwargs)
    t4 = time.perf_counter()
    result["first"] = t4 - t3
    result["rows_not_ok"] = int((out["status"] != "ok").sum())
print(json.dumps(result))
"""


def _env(code_root: Path, cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env["PYTHONPATH"] = str(code_root) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_case(case: str, code_root: Path, rows: int = 1000) -> dict:
    """One case in a fresh process with a fresh, empty numba cache: its seconds."""
    cache_dir = tempfile.mkdtemp(prefix="invsl-cold-")
    work = tempfile.mkdtemp(prefix="invsl-cold-work-")
    try:
        env = _env(code_root, cache_dir)
        if case in ("warmup", "cli"):
            args = ["warmup", "-q"]
            if case == "cli":
                sys.path.insert(0, str(HERE))
                from _skus import make_sku_table

                path = Path(work) / "skus.csv"
                make_sku_table(rows, "normal").to_csv(path, index=False)
                args = ["optimize", str(path), "-o", str(path) + ".out.csv", "-q"]
                args += ["--metric", "beta", "--target", "0.95"]
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "invsl.tools.cli", *args],
                cwd=work, env=env, capture_output=True, text=True,
            )  # fmt: skip
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                sys.exit(f"{case} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            return {"first": elapsed}
        code = CHILD.format(case=case, here=str(HERE))
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            sys.exit(f"case {case!r} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def seconds(value: float) -> str:
    """A figure for the table: milliseconds show below a second."""
    return f"{value:.3f}" if value < 1.0 else f"{value:.2f}"


def figure(case: str, result: dict) -> float:
    """The figure of a case that its target is about [s]."""
    return result["import"] if case == "import" else result["first"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(TARGETS), help="cases to run")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="processes per case and code")
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    args = parser.parse_args(argv)
    unknown = [case for case in args.cases if case not in TARGETS]
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {list(TARGETS)}")

    codes = {"this": ROOT}
    if args.baseline is not None:
        codes["baseline"] = args.baseline.resolve()
    runs: dict = {case: {name: [] for name in codes} for case in args.cases}
    for case in args.cases:
        for _ in range(args.repeat):
            for name, root in codes.items():  # alternating: both see the same machine load
                runs[case][name].append(run_case(case, root))

    print(f"invsl cold start (empty numba cache per process), best of {args.repeat}, seconds")
    head = f"{'case':26s} {'target':>7s} {'this':>8s}"
    if "baseline" in codes:
        head += f" {'baseline':>9s} {'ratio':>7s}"
    print(head)
    for case in args.cases:
        target = TARGETS[case][0]
        best = {name: min(figure(case, r) for r in rs) for name, rs in runs[case].items()}
        line = f"{case:26s} {'' if target is None else f'{target:.1f}':>7s} "
        line += f"{seconds(best['this']):>8s}"
        if "baseline" in codes:
            line += f" {seconds(best['baseline']):>9s} {best['baseline'] / best['this']:6.1f}x"
        print(line)
        if case == "import":
            more = {n: min(r["import_optimize"] for r in rs) for n, rs in runs[case].items()}
            line = f"{'from invsl import optimize':26s} {'':>7s} {seconds(more['this']):>8s}"
            if "baseline" in codes:
                ratio = more["baseline"] / more["this"]
                line += f" {seconds(more['baseline']):>9s} {ratio:6.1f}x"
            print(line)
    not_ok = sum(r.get("rows_not_ok", 0) for c in runs.values() for rs in c.values() for r in rs)
    if not_ok:
        print(f"({not_ok} rows with a status other than 'ok', over every case)")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
