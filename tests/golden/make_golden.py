"""Write the golden-output fixtures of tests/golden/data/ (checked by test_golden.py).

The fixtures record what invsl's public API answers on the inputs of golden_cases.py, so
that a reorganisation of the package can be shown to change no output. Generate them FROM
THE CODE TO BE PRESERVED, never from code under suspicion. To regenerate from the commit
checked out in a separate worktree (here /work/base, the code before the refactor):

    cd /tmp && PYTHONPATH=/work/base /work/main/.venv/bin/python \\
        /work/main/tests/golden/make_golden.py

Run it from a directory that does not hold an ``invsl`` package (hence ``cd /tmp``) so
that PYTHONPATH decides which invsl is imported; the script prints ``invsl.__file__`` and
refuses to run when that is not under PYTHONPATH's first entry (``--any-invsl`` overrides
this, e.g. to regenerate from the installed package after an intended change of output).
``--case NAME`` (repeatable) regenerates only some cases. The old fixtures of a case are
deleted before its new ones are written; every fixture is read back and compared with the
computed output before the script reports success.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import invsl  # noqa: E402

from golden_cases import CASES  # noqa: E402
from golden_io import compare, read_part, write_part  # noqa: E402


def part_path(case: str, part: str) -> Path:
    return DATA / f"{case}__{part}.parquet"


def fixture_parts(case: str) -> list[str]:
    """The stored part names of a case."""
    prefix = f"{case}__"
    return sorted(p.name[len(prefix) : -len(".parquet")] for p in DATA.glob(f"{prefix}*.parquet"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only these")
    parser.add_argument("--any-invsl", action="store_true", help="skip the PYTHONPATH check")
    args = parser.parse_args(argv)

    where = Path(invsl.__file__).resolve()
    print(f"invsl.__file__ = {where}")
    first = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    if not args.any_invsl:
        if not first or not where.is_relative_to(Path(first).resolve()):
            print(
                "make_golden.py: invsl is not imported from PYTHONPATH; run it as\n"
                "  cd /tmp && PYTHONPATH=/path/to/old/checkout python make_golden.py",
                file=sys.stderr,
            )
            return 2
    warnings.simplefilter("error")  # as the tests run (filterwarnings = error)
    DATA.mkdir(exist_ok=True)
    total = 0
    for case in args.case or list(CASES):
        start = time.perf_counter()
        parts = CASES[case]()
        seconds = time.perf_counter() - start
        for old in fixture_parts(case):
            part_path(case, old).unlink()
        size = 0
        for part, frame in parts.items():
            path = part_path(case, part)
            write_part(path, frame)
            problems = compare(read_part(path), frame)
            if problems:
                raise SystemExit(f"{path.name} does not read back exactly:\n" + "\n".join(problems))
            size += path.stat().st_size
        rows = sum(len(f) for f in parts.values())
        total += size
        print(
            f"{case:20s} {len(parts):3d} parts {rows:7d} rows {size / 1024:8.1f} KiB "
            f"{seconds:6.2f} s"
        )
    everything = sum(p.stat().st_size for p in DATA.glob("*.parquet"))
    print(f"written {total / 1024:.1f} KiB; data/ holds {everything / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
