"""Packaging: ``python -m build`` makes an sdist and a wheel, and the wheel works when installed.

The test builds both distributions from this checkout (the wheel is built *from the sdist*,
so a file missing from the sdist breaks the build), checks what each holds, installs the
wheel with pip into a brand-new virtual environment (no ``--system-site-packages``: the
dependencies come from the package index, as for a user; with pip's cache this takes about
half a minute on an idle machine), and runs the installed ``invsl`` command from a folder
outside the checkout.

Marked ``packaging``: it runs in ``make test`` and ``.ci/run``; skip it while developing with
``pytest -m 'not packaging'``. It needs the package index (PyPI) for the build backend and the
runtime dependencies.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]


def _version() -> str:
    namespace: dict = {}
    exec((ROOT / "invsl" / "_version.py").read_text(), namespace)
    return namespace["__version__"]


def _run(args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{args} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\n"
        f"stderr:\n{proc.stderr[-3000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    version = _version()
    sdist = out / f"invsl-{version}.tar.gz"
    wheel = out / f"invsl-{version}-py3-none-any.whl"
    assert sdist.is_file() and wheel.is_file(), sorted(p.name for p in out.iterdir())
    return sdist, wheel


def test_sdist_contents(dists):
    sdist, _ = dists
    prefix = sdist.name.removesuffix(".tar.gz") + "/"
    with tarfile.open(sdist) as tar:
        names = {name.removeprefix(prefix) for name in tar.getnames()}
    for required in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "MANIFEST.in",
        "invsl/py.typed",
        "invsl/__init__.py",
        "invsl/_version.py",
        "mkdocs.yml",
        "docs/index.md",
        "tests/conftest.py",
        "tests/reference/sq_reference.csv",
        "tests/reference/generate_reference.py",
    ):
        assert required in names, f"{required} missing from the sdist"
    # the GPL-3 car parts data and the benchmarks are not part of the sdist
    assert not any(name.startswith(("datasets/", "benchmarks/")) for name in names)
    assert not any(name.endswith((".pyc", ".nbi", ".nbc")) for name in names)


def test_wheel_contents_and_metadata(dists):
    _, wheel = dists
    version = _version()
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        metadata = whl.read(f"invsl-{version}.dist-info/METADATA").decode()
        entry_points = whl.read(f"invsl-{version}.dist-info/entry_points.txt").decode()
    assert "invsl/py.typed" in names
    assert f"invsl-{version}.dist-info/licenses/LICENSE" in names
    assert not any(name.startswith(("tests/", "datasets/", "benchmarks/")) for name in names)
    assert f"Version: {version}\n" in metadata
    assert "License-Expression: MIT" in metadata
    assert "invsl = invsl.tools.cli:main" in entry_points


def test_installed_wheel_runs_the_command_line(dists, tmp_path):
    _, wheel = dists
    venv = tmp_path / "venv"
    # a bare environment; this environment's pip installs into it (pip --python, pip >= 22.3),
    # which saves bootstrapping a second pip
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    invsl = venv / "bin" / "invsl"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        cwd=tmp_path,
    )

    # the installed package, not this checkout
    where = _run(
        [str(python), "-c", "import invsl; print(invsl.__file__, invsl.__version__)"], cwd=tmp_path
    ).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where
    assert where[1] == _version()

    help_text = _run([str(invsl), "--help"], cwd=tmp_path).stdout
    assert "optimize" in help_text and "evaluate" in help_text and "Exit codes" in help_text
    assert _version() in _run([str(invsl), "--version"], cwd=tmp_path).stdout

    (tmp_path / "skus.csv").write_text(
        "sku,demand_mean,demand_std,lead_time,order_quantity,distribution\n"
        "A-100,100,30,1,200,normal\n"
        "B-200,0.75,0,2,2,poisson\n"
    )
    _run(
        [
            str(invsl),
            "optimize",
            "skus.csv",
            "-o",
            "plan.csv",
            "--metric",
            "beta",
            "--target",
            "0.95",
        ],
        cwd=tmp_path,
    )
    with open(tmp_path / "plan.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["sku"] for row in rows] == ["A-100", "B-200"]
    assert [row["status"] for row in rows] == ["ok", "ok"]

    # normal row: beta at the solved reorder point is the target (scipy's normal loss)
    s, q, mean, sd = float(rows[0]["reorder_point"]), 200.0, 100.0, 30.0

    def g1(x):
        z = (x - mean) / sd
        return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))

    assert abs(1 - (g1(s) - g1(s + q)) / q - 0.95) < 1e-9
    assert abs(float(rows[0]["beta"]) - 0.95) < 1e-9

    # poisson row (mean 1.5 over the lead time, Q = 2): the smallest integer reaching 0.95
    def beta(x):
        y = np.arange(0, 200)
        pmf = stats.poisson.pmf(y, 1.5)
        loss = lambda t: float(np.sum(np.maximum(y - t, 0) * pmf))  # noqa: E731
        return 1 - (loss(x) - loss(x + 2)) / 2

    smallest = next(x for x in range(0, 50) if beta(x) >= 0.95)
    assert float(rows[1]["reorder_point"]) == smallest
