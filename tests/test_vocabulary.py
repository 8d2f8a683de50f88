"""The vocabulary (invsl/vocabulary.py): one name per thing, accepted alike everywhere.

- docs/nomenclature.md's "Accepted spellings" section is generated from the vocabulary
  (regenerate with ``PYTHONPATH=. python tests/test_vocabulary.py``) and checked here;
- every spelling and every column alias gives the canonical name's numbers through
  evaluate, optimize and simulate (tests/test_engine_bugs.py holds the cross-entry-point
  checks of the issue that unified them);
- an unknown name gets one message, from a cell or an argument.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import invsl
from invsl import vocabulary as v

PAGE = Path(__file__).resolve().parents[1] / "docs" / "nomenclature.md"
BEGIN = "<!-- begin generated spellings: edit invsl/vocabulary.py, then run tests/test_vocabulary.py -->"
END = "<!-- end generated spellings -->"


def render() -> str:
    lines = [BEGIN, "", "| kind | name | also accepted |", "|---|---|---|"]

    def row(kind, spellings, names):
        for name in names:
            code = spellings[v.normalise_name(name)]
            others = [s for s, c in spellings.items() if c == code and s != v.normalise_name(name)]
            shown = ", ".join(f"`{s}`" for s in others) or "-"
            lines.append(f"| {kind} | `{name}` | {shown} |")

    row("policy", v.POLICY_SPELLINGS, v.POLICY_NAMES)
    row("distribution", v.DISTRIBUTION_SPELLINGS, tuple(v.DISTRIBUTION_SPELLINGS))
    row("metric", v.METRIC_SPELLINGS, v.METRIC_NAMES)
    row("objective", v.OBJECTIVE_SPELLINGS, ("fill_rate", "gamma", "backorder_value"))
    row("investment", v.INVESTMENT_SPELLINGS, ("safety_stock", "on_hand"))
    for column, aliases in v.COLUMN_ALIASES.items():
        shown = ", ".join(f"`{a}`" for a in aliases) or "-"
        lines.append(f"| column | `{column}` | {shown} |")
    lines += ["", END]
    return "\n".join(lines)


def _replace(text: str) -> str:
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render() + text[stop:]


def test_nomenclature_page_lists_every_spelling():
    text = PAGE.read_text()
    assert text == _replace(text), (
        "docs/nomenclature.md is out of date: run PYTHONPATH=. python tests/test_vocabulary.py"
    )


def test_spellings_map_to_known_codes_and_names_are_canonical():
    for name in v.POLICY_NAMES:
        assert v.POLICY_SPELLINGS[v.normalise_name(name)] == v.POLICY_NAMES.index(name)
    for name in v.METRIC_NAMES:
        assert v.METRIC_SPELLINGS[name] == v.METRIC_NAMES.index(name)
    for name, code in v.DISTRIBUTION_SPELLINGS.items():
        assert v.KIND_NAMES[code] == name
    assert set(v.INPUT_COLUMNS) == set(invsl.api.frame.INPUT_COLUMNS)
    # no alias spells two columns, and none is a canonical name of another column
    aliases = [a for names in v.COLUMN_ALIASES.values() for a in names]
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(v.COLUMN_ALIASES)


@pytest.mark.parametrize("kind", list(v.NAME_KINDS))
def test_unknown_name_message_lists_every_accepted_name(kind):
    message = v.unknown_name(kind, "nonsense")
    assert message.startswith(f"{kind} = 'nonsense': not a known {kind}")
    for name in v.NAME_KINDS[kind][1]:
        assert name in message
    with pytest.raises(ValueError, match="nonsense"):
        v.code_of(kind, "nonsense")


if __name__ == "__main__":
    PAGE.write_text(_replace(PAGE.read_text()))
    print(f"wrote {PAGE}")
