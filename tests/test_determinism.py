"""Determinism of the command line: byte-identical outputs across runs, across numba thread
counts, and exact values through CSV and Parquet round trips.

References: Python's ``float``/``repr`` for the float text of CSV files (an independent
parser), and the bytes of the other run.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from invsl.tools import io
from invsl.tools.io import TextFormat

ROOT = Path(__file__).resolve().parents[1]
RESULTS = [
    "reorder_point",
    "safety_stock",
    "alpha",
    "beta",
    "gamma",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
]


def mixed_table(n=3000, seed=11):
    """Every distribution, fractional and tiny/huge values, a few bad rows."""
    rng = np.random.default_rng(seed)
    dist = rng.choice(["normal", "gamma", "poisson", "negbin"], n)
    mean = rng.lognormal(1.5, 2.0, n)
    integer = np.isin(dist, ["poisson", "negbin"])
    df = pd.DataFrame(
        {
            "sku": [f"{i:07d}" for i in range(n)],
            "demand_mean": mean,
            "demand_std": mean * rng.uniform(0.3, 2.0, n) + 1e-3,
            "lead_time": rng.uniform(0.5, 8.0, n),
            "lead_time_std": np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n), 0.0),
            "order_quantity": np.where(integer, np.ceil(mean * 3), mean * rng.uniform(0.5, 6, n)),
            "distribution": dist,
            "target": rng.choice([0.5, 0.9, 0.95, 0.999], n),
        }
    )
    df.loc[::97, "demand_mean"] = -1.0
    df.loc[::101, "target"] = 1.5
    return df


def run_in_subprocess(src, outs, threads):
    """optimize src into each of outs in a fresh Python with NUMBA_NUM_THREADS=threads."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS=str(threads))
    code = (
        "import sys, numba, invsl.tools.io as io\n"
        "assert numba.get_num_threads() == int(sys.argv[1])\n"
        "for out in sys.argv[3:]:\n"
        "    s = io.run_file('optimize', sys.argv[2], out, chunk_rows=1000)\n"
        "    assert s.flagged > 0\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(threads), str(src), *map(str, outs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("det")
    df = mixed_table()
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, folder / "in.parquet")
    io.write_table(df, folder / "in.csv")
    return folder, df


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_same_input_same_bytes_across_runs(inputs, tmp_path, suffix):
    folder, _ = inputs
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}{suffix}"
        io.run_file(
            "optimize",
            folder / "in.csv",
            out,
            chunk_rows=700,
            options=dict(metric="gamma", target=0.9),
        )
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_numba_threads_1_and_2_give_the_same_bytes(inputs, tmp_path):
    folder, _ = inputs
    for threads in (1, 2):
        run_in_subprocess(
            folder / "in.parquet",
            [tmp_path / f"out{threads}.csv", tmp_path / f"out{threads}.parquet"],
            threads,
        )
    assert (tmp_path / "out1.csv").read_bytes() == (tmp_path / "out2.csv").read_bytes()
    assert (tmp_path / "out1.parquet").read_bytes() == (tmp_path / "out2.parquet").read_bytes()


def test_csv_floats_read_back_exactly():
    # random bit patterns over the whole float64 range, and awkward values
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**63 - 1, 20_000, dtype=np.int64)
    values = bits.view(np.float64)
    values = np.concatenate(
        [
            values[np.isfinite(values)],
            [
                0.1,
                1 / 3,
                2 / 3,
                1e16,
                1e-7,
                5e-324,
                1.7976931348623157e308,
                -0.0,
                123456789.123456789,
            ],
        ]
    )
    table = pa.table({"x": values})
    for text in (TextFormat(), TextFormat(sep=";", decimal=",")):
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "f.csv"
            with io.AtomicWriter(path, table.schema, text) as w:
                w.write(table)
                w.commit()
            cells = path.read_text().splitlines()[1:]
        cells = [c.strip('"').replace(",", ".") for c in cells]
        back = np.array([float(c) for c in cells])  # Python's parser, not invsl's
        assert back.view(np.int64).tolist() == values.view(np.int64).tolist()
        # invsl's own parser agrees bit for bit
        parsed, bad = io.parse_numbers(pa.array(cells))
        assert bad is None and parsed.view(np.int64).tolist() == values.view(np.int64).tolist()


def _read_csv_exact(path):
    """A CSV output as a DataFrame, numbers parsed by Python's float."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for name in [
        *RESULTS,
        "demand_mean",
        "demand_std",
        "lead_time",
        "lead_time_std",
        "order_quantity",
        "target",
    ]:
        df[name] = [float(c) if c else np.nan for c in df[name]]
    return df


def test_csv_and_parquet_give_identical_values(inputs, tmp_path):
    folder, df = inputs
    results = {}
    for src in ("in.csv", "in.parquet"):
        for suffix in (".csv", ".parquet"):
            out = tmp_path / f"{src}{suffix}"
            io.run_file("optimize", folder / src, out, chunk_rows=1000)
            results[src, suffix] = (
                _read_csv_exact(out) if suffix == ".csv" else pd.read_parquet(out)
            )
    reference = results["in.parquet", ".parquet"]
    assert reference["status"].astype(str).value_counts()["ok"] > 2700
    for key, got in results.items():
        assert got["sku"].tolist() == df["sku"].tolist(), key
        for name in [*RESULTS, "demand_mean", "target"]:
            np.testing.assert_array_equal(
                got[name].to_numpy(dtype=float),
                reference[name].to_numpy(dtype=float),
                err_msg=str(key),
            )
        assert got["status"].astype(str).tolist() == reference["status"].astype(str).tolist()
        assert got["message"].fillna("").tolist() == reference["message"].fillna("").tolist()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_optimize_then_evaluate_round_trip_is_exact(inputs, tmp_path, suffix):
    # the file holds the solved float64 reorder points exactly: they equal the in-memory
    # invsl.optimize bit for bit, and evaluate on the file gives the in-memory invsl.evaluate
    # at those reorder points bit for bit
    import invsl

    folder, df = inputs
    plan = tmp_path / f"plan{suffix}"
    io.run_file("optimize", folder / "in.parquet", plan)
    levels = tmp_path / f"levels{suffix}"
    io.run_file("evaluate", plan, levels)
    read = _read_csv_exact if suffix == ".csv" else pd.read_parquet
    got_plan, got_levels = read(plan), read(levels)
    expected_plan = invsl.optimize(df)
    np.testing.assert_array_equal(
        got_plan["reorder_point"].to_numpy(float), expected_plan["reorder_point"].to_numpy(float)
    )
    expected_levels = invsl.evaluate(df.assign(reorder_point=expected_plan["reorder_point"]))
    ok = (expected_levels["status"].astype(str) == "ok").to_numpy()
    assert ok.sum() > 2700
    assert (
        got_levels["status"].astype(str).tolist() == expected_levels["status"].astype(str).tolist()
    )
    for name in RESULTS:
        np.testing.assert_array_equal(
            got_levels[name].to_numpy(float), expected_levels[name].to_numpy(float), err_msg=name
        )
