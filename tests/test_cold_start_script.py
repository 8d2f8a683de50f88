"""``benchmarks/cold_start.py`` runs: its cheapest case (``import``), in a fresh process with
an empty numba cache, prints its row of the table and writes its JSON (no timing is
asserted; the figures are the script's, for people)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cold_start_script_runs_the_import_case(tmp_path):
    out = tmp_path / "cold.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/cold_start.py", "--cases", "import", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert any(line.startswith("import ") for line in lines), proc.stdout
    assert any(line.startswith("from invsl import optimize") for line in lines), proc.stdout
    runs = json.loads(out.read_text())
    assert set(runs) == {"import"}
    (result,) = runs["import"]["this"]
    assert 0 < result["import"] <= result["import_optimize"]


def test_cold_start_script_refuses_an_unknown_case():
    proc = subprocess.run(
        [sys.executable, "benchmarks/cold_start.py", "--cases", "no such case"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "unknown cases" in proc.stderr
