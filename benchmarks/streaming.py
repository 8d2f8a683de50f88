"""End-to-end streaming benchmark of ``invsl optimize`` on a large Parquet file.

Generates a Parquet file of normal SKUs in chunks (``_skus.make_sku_table``, one seed per
chunk) in a temporary folder, runs the command line on it under ``/usr/bin/time -v`` in a
fresh process, and reports:

- the peak resident memory of that process ("Maximum resident set size"), target < 1.5 GB;
- rows per second end to end (rows / wall-clock time of the whole process: interpreter
  start, imports, loading the numba cache, reading, solving, writing), target >= 1,000,000.

It then checks the output: same row count, every row ``ok``, and the reorder points of a
sample of rows against the vectorised numpy bisection of ``baselines.py`` (within
``1e-6 * max(1, sd)``). Speed and memory are reported, never asserted.

Usage (from the repository root)::

    .venv/bin/python benchmarks/streaming.py                  # 20,000,000 rows
    .venv/bin/python benchmarks/streaming.py --short          # 200,000 rows
    .venv/bin/python benchmarks/streaming.py --rows 5000000 --chunk-rows 250000 --json s.json
    .venv/bin/python benchmarks/streaming.py --sweep 250000,500000,1000000 --rows 5000000

The command measured is ``python -m invsl.tools.cli optimize IN.parquet -o OUT.parquet -q
--metric beta --target 0.95 [--chunk-rows N]`` with this checkout first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _skus import SEED, make_sku_table  # noqa: E402

FULL_ROWS = 20_000_000
SHORT_ROWS = 200_000
GENERATE_ROWS = 1_000_000  # rows per generated chunk and per Parquet row group
TARGET = 0.95
TARGET_PEAK_BYTES = 1.5e9
TARGET_ROWS_PER_SECOND = 1e6


def generate(path: Path, rows: int) -> float:
    """Write ``rows`` synthetic normal SKUs to ``path`` in chunks; return the seconds taken."""
    start = time.perf_counter()
    writer = None
    try:
        for i, first in enumerate(range(0, rows, GENERATE_ROWS)):
            n = min(GENERATE_ROWS, rows - first)
            df = make_sku_table(n, "normal", seed=SEED + i)
            df["sku"] += first
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return time.perf_counter() - start


def _env():
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )


def command(src: Path, out: Path, chunk_rows: int | None) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "invsl.tools.cli",
        "optimize",
        str(src),
        "-o",
        str(out),
        "-q",
        "--metric",
        "beta",
        "--target",
        str(TARGET),
    ]
    if chunk_rows:
        cmd += ["--chunk-rows", str(chunk_rows)]
    return cmd


def warm_up(folder: Path) -> None:
    """Fill the numba cache (compile once), outside the measurement."""
    src, out = folder / "warm.parquet", folder / "warm_out.parquet"
    generate(src, 1000)
    subprocess.run(command(src, out, None), check=True, env=_env(), cwd=ROOT)


def measure(src: Path, out: Path, chunk_rows: int | None) -> dict:
    """Run the command under /usr/bin/time -v; peak RSS [bytes] and wall time [s]."""
    time_bin = shutil.which("time", path="/usr/bin:/bin") or "/usr/bin/time"
    cmd = [time_bin, "-v", *command(src, out, chunk_rows)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"invsl exited with {proc.returncode}:\n{proc.stderr}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    elapsed = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)[
        1
    ]
    parts = [float(p) for p in elapsed.split(":")]
    seconds = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)[1])
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr)[1])
    return {
        "command": " ".join(cmd),
        "peak_rss_bytes": peak_kb * 1024,
        "wall_seconds": seconds,
        "wall_seconds_outer": wall,
        "cpu_seconds": user + system,
    }


def check(src: Path, out: Path, sample: int = 20_000, seed: int = 1) -> dict:
    """Row count, statuses, and a sample of reorder points against the numpy bisection."""
    import baselines

    rows_in = pq.ParquetFile(src).metadata.num_rows
    rows_out = pq.ParquetFile(out).metadata.num_rows
    assert rows_out == rows_in, (rows_in, rows_out)
    status = pq.read_table(out, columns=["status"])["status"]
    import pyarrow.compute as pc

    not_ok = int(pc.sum(pc.not_equal(pc.cast(status, pa.string()), "ok")).as_py() or 0)
    assert not_ok == 0, f"{not_ok} rows not ok"
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(rows_in, size=min(sample, rows_in), replace=False))
    cols = ["sku", "demand_mean", "demand_std", "lead_time", "order_quantity", "reorder_point"]
    got = pq.read_table(out, columns=cols).take(pa.array(idx)).to_pandas()
    assert (got["sku"].to_numpy() == idx).all()  # same rows in the same order
    mean = got["demand_mean"].to_numpy() * got["lead_time"].to_numpy()
    sd = got["demand_std"].to_numpy() * np.sqrt(got["lead_time"].to_numpy())
    ref = baselines.normal_beta_bisection(TARGET, got["order_quantity"].to_numpy(), mean, sd)
    err = np.abs(got["reorder_point"].to_numpy() - ref) / np.maximum(1.0, sd)
    assert err.max() <= 1e-6, f"reorder points disagree with the bisection: {err.max():.3g}"
    return {"rows_checked": int(idx.size), "max_abs_diff_over_max1sd": float(err.max())}


def run(
    rows: int,
    chunk_rows: int | None,
    folder: Path | None = None,
    verify: bool = True,
    warm: bool = True,
) -> dict:
    """Generate, measure and check; return the figures."""
    with tempfile.TemporaryDirectory(prefix="invsl-streaming-", dir=folder) as tmp:
        tmp = Path(tmp)
        if warm:
            warm_up(tmp)
        src, out = tmp / "skus.parquet", tmp / "plan.parquet"
        gen_seconds = generate(src, rows)
        result = measure(src, out, chunk_rows)
        result.update(
            rows=rows,
            chunk_rows=chunk_rows,
            generate_seconds=gen_seconds,
            input_bytes=src.stat().st_size,
            output_bytes=out.stat().st_size,
            rows_per_second=rows / result["wall_seconds"],
        )
        if verify:
            result.update(check(src, out))
    result["meets_memory_target"] = result["peak_rss_bytes"] < TARGET_PEAK_BYTES
    result["meets_speed_target"] = result["rows_per_second"] >= TARGET_ROWS_PER_SECOND
    return result


def _report(r: dict) -> str:
    return (
        f"{r['rows']:,} rows, chunk {r['chunk_rows'] or 'default'}: "
        f"peak RSS {r['peak_rss_bytes'] / 1e9:.3f} GB "
        f"({'<' if r['meets_memory_target'] else '>='} 1.5 GB), "
        f"{r['wall_seconds']:.1f} s wall, {r['rows_per_second']:,.0f} rows/s "
        f"({'>=' if r['meets_speed_target'] else '<'} 1,000,000), "
        f"{r['cpu_seconds']:.1f} s CPU"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help=f"{SHORT_ROWS:,} rows")
    parser.add_argument("--rows", type=int, default=None, help=f"rows (default {FULL_ROWS:,})")
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        help="--chunk-rows of invsl (default: invsl's default)",
    )
    parser.add_argument(
        "--sweep", default=None, help="comma-separated chunk sizes to measure one after the other"
    )
    parser.add_argument("--dir", type=Path, default=None, help="folder for the temporary files")
    parser.add_argument("--no-check", action="store_true", help="skip the output checks")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    rows = args.rows or (SHORT_ROWS if args.short else FULL_ROWS)
    chunks = [int(c) for c in args.sweep.split(",")] if args.sweep else [args.chunk_rows]
    import numba

    results = []
    for i, chunk in enumerate(chunks):
        r = run(rows, chunk, args.dir, verify=not args.no_check, warm=i == 0)
        r["numba_threads"] = numba.config.NUMBA_NUM_THREADS
        r["cpu_count"] = os.cpu_count()
        try:
            r["load_average_1min"] = os.getloadavg()[0]
        except OSError:  # pragma: no cover
            pass
        results.append(r)
        print(_report(r), flush=True)
    print("command:", results[-1]["command"])
    if args.json:
        args.json.write_text(json.dumps(results if len(results) > 1 else results[0], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
