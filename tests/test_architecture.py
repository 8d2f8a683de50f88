"""The package's shape, checked on every run (docs/architecture.md, "Import rules").

- the layers: ``lint-imports`` (the import-linter contract in pyproject.toml) keeps them;
- no import cycle between invsl's modules (grimp's import graph, a depth-first search);
- no module takes another module's private name (``from invsl.x import _y`` or
  ``module._y`` on an imported invsl module);
- no import of invsl inside a function, and outside the module level only the optional or
  heavy packages listed below;
- one vocabulary: every code constant that names a policy, metric or demand family is
  defined in invsl/vocabulary.py only.

Each check lists every offender in its failure message.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "invsl"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: packages that may be imported inside a function: optional extras and heavy imports that
#: `import invsl` must not pay for
LAZY_OK = {
    "matplotlib",
    "dask",
    "distributed",
    "openpyxl",
    "tomllib",
    "tomli",
    "xarray",
    "numba",
    "concurrent",
    "copy",
    "warnings",
}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_import_linter_contract_is_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("lint-imports is not installed (pip install invsl[dev])")
    root = PACKAGE.parent
    proc = subprocess.run([exe], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_no_import_cycles():
    graph = grimp.build_graph("invsl", cache_dir=None)
    modules = sorted(m for m in graph.modules if m != "invsl")
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n != "invsl")
        for m in modules
    }
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in modules:
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _invsl_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> invsl module, for the module-level imports of invsl modules."""
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("invsl"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists() or (
                    PACKAGE.parent / full.replace(".", "/")
                ).is_dir():
                    aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("invsl") and alias.asname:
                    aliases[alias.asname] = alias.name
    return aliases


def test_no_private_names_across_modules():
    offenders = []
    for path in MODULES:
        tree = ast.parse(path.read_text())
        aliases = _invsl_aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("invsl"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(
                            f"{path.name}:{node.lineno} from {node.module} import {alias.name}"
                        )
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offenders.append(
                    f"{_name(path)}:{node.lineno} {aliases[node.value.id]}.{node.attr}"
                )
    assert not offenders, "private names taken from another module:\n" + "\n".join(offenders)


def test_imports_inside_functions_are_only_optional_packages():
    offenders = []
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] not in LAZY_OK:
                        offenders.append(f"{_name(path)}:{node.lineno} import {name}")
    assert not offenders, "imports inside functions:\n" + "\n".join(sorted(set(offenders)))


#: code constants of the vocabulary: no other module may define a constant of these names
_CODE = re.compile(
    r"^(?:[A-Z]+_)?(?:SQ|RS|RSS|RSQ|ALPHA|BETA|GAMMA|NORMAL|POISSON|NEGBIN|EMPIRICAL|"
    r"COMPOUND_POISSON|DETERMINISTIC|POINT|POINT_INT|FILL_RATE|BACKORDER_VALUE|SAFETY_STOCK|"
    r"ON_HAND)\s*=\s*-?\d+\s*$"
)


def test_codes_are_defined_in_the_vocabulary_only():
    offenders = []
    for path in MODULES:
        if path.name == "vocabulary.py":
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if _CODE.match(line):
                offenders.append(f"{_name(path)}:{lineno} {line.strip()}")
    assert not offenders, "codes defined outside invsl/vocabulary.py:\n" + "\n".join(offenders)


def test_no_module_hides_a_function_of_its_name():
    import invsl

    hidden = []
    for path in MODULES:
        name = _name(path)
        if name.count(".") == 1:
            attr = getattr(invsl, name.split(".")[1], None)
            if attr is not None and callable(attr) and not isinstance(attr, type(invsl)):
                hidden.append(name)
    assert not hidden, f"modules hidden by a function of the same name: {hidden}"
