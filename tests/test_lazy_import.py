"""``import invsl`` is cheap: it loads none of the heavy packages, and the public names load
none of the optional ones (issue 14, import time).

Each check runs in a fresh interpreter, which lists the top-level packages it has imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: loaded by no ``import invsl``: the numeric stack is loaded by the first public name used
HEAVY = ("numba", "llvmlite", "pandas", "scipy", "pyarrow", "numpy")
#: optional or heavy packages that only the functions needing them import, when called
OPTIONAL = (
    "xarray",
    "matplotlib",
    "dask",
    "distributed",
    "openpyxl",
    "click",
    "tqdm",
    "pyarrow.dataset",
    "scipy.stats",
    "scipy.optimize",
    "scipy.interpolate",
    "scipy.integrate",
    "scipy.sparse",
)

CHILD = r"""
import json, sys

def loaded(names):
    return sorted(m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in names))

import invsl
after_import = loaded({heavy} + {optional})
for name in invsl.__all__:
    getattr(invsl, name)
print(json.dumps({{"import": after_import, "public": loaded({optional})}}))
"""


def _run(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_invsl_loads_no_heavy_package_and_public_names_no_optional_one():
    found = _run(CHILD.format(heavy=HEAVY, optional=OPTIONAL))
    assert found["import"] == [], f"import invsl loaded {found['import']}"
    assert found["public"] == [], f"the public names loaded {found['public']}"


def test_public_names_resolve_to_their_functions():
    import invsl
    from invsl.api.frame import optimize

    assert invsl.optimize is optimize
    assert set(invsl.__all__) <= set(dir(invsl))
    try:
        invsl.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
