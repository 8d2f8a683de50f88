"""Golden outputs: the public API answers exactly what the stored fixtures say.

Every case of golden_cases.py (the reference tables, a seeded fuzz table with bad cells of
every kind, the car parts data through fit_demand and optimize, periodic policies with
history-based demand, simulate with fixed seeds, the portfolio, the exchange curve, the
what-if cube, the array functions and the command line) is recomputed with the current code
and compared with tests/golden/data/, written by make_golden.py from the code before the
package reorganisation (see its docstring for how to regenerate them). The comparison is
exact: same columns in the same order, same dtypes (and categories), same index, floats bit
for bit (-0.0 is not 0.0; NaNs by position), text and the types of mixed object cells
equal; CSV files of the command line byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import invsl
from golden_cases import CASE_INPUTS, CASES
from golden_io import compare, read_part

DATA = Path(__file__).resolve().parent / "data"

#: Statuses whose ``message`` text is about to change on purpose (it will repeat the bad
#: value and list what is accepted): rows with these statuses are compared on every column
#: except ``message``, which is checked only through the (exactly compared) ``status``.
MESSAGE_COMPARED_BY_STATUS_ONLY = frozenset(
    {"unknown_distribution", "unknown_metric", "unknown_policy"}
)


def _stored_parts(case: str) -> list[str]:
    prefix = f"{case}__"
    return sorted(p.name[len(prefix) : -len(".parquet")] for p in DATA.glob(f"{prefix}*.parquet"))


def _missing_inputs(case: str) -> list[Path]:
    return [path for path in CASE_INPUTS.get(case, []) if not path.is_file()]


def test_every_case_has_fixtures_and_every_fixture_a_case():
    print(f"invsl imported from {invsl.__file__}")  # shown with -rP or -s
    stored = {p.name.split("__", 1)[0] for p in DATA.glob("*.parquet")}
    assert stored <= set(CASES), f"fixtures of unknown cases: {sorted(stored - set(CASES))}"
    runnable = {case for case in CASES if not _missing_inputs(case)}
    assert runnable <= stored, (
        f"no fixtures for {sorted(runnable - stored)}: run make_golden.py (see its docstring)"
    )


@pytest.mark.parametrize("case", list(CASES))
def test_golden(case):
    missing = _missing_inputs(case)
    if missing:
        pytest.skip(f"input files not present (the sdist leaves out datasets/): {missing}")
    stored = _stored_parts(case)
    assert stored, f"no fixtures for case {case!r} in {DATA}; run make_golden.py"
    parts = CASES[case]()
    assert sorted(parts) == stored, f"parts of {case!r}: computed {sorted(parts)}, stored {stored}"
    failures = []
    for part in stored:
        problems = compare(
            read_part(DATA / f"{case}__{part}.parquet"),
            parts[part],
            skip_message_for=MESSAGE_COMPARED_BY_STATUS_ONLY,
        )
        if problems:
            failures.append(f"[{case}/{part}]\n" + "\n".join(problems))
    if failures:
        pytest.fail(
            f"output differs from the golden fixture (invsl from {invsl.__file__}):\n\n"
            + "\n\n".join(failures),
            pytrace=False,
        )
