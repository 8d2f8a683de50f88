"""Every bad input tried, what invsl does with it, and the table of docs/bad-input.md.

One list, two uses. ``ROW_CASES`` (one bad value in one row) and ``TABLE_CASES`` (the table as
a whole) drive the tests below, and ``render()`` turns them into the tables of
docs/bad-input.md; ``test_doc_table_is_generated_from_the_cases`` fails when the page and the
lists differ. After changing a case, regenerate the page with

    PYTHONPATH=. python tests/test_bad_input.py

What every row case checks (``test_row_case``):

- the bad row sits between two good rows (a normal and a poisson SKU); it gets exactly the
  status and the message of the table; its results are NaN (``zero_demand``: reorder point 0;
  ``evaluate`` keeps the input ``reorder_point``);
- the good rows are ``ok`` and bit-for-bit what they are when computed alone;
- rows, order, index and every input column (values and dtypes) are kept, the input frame
  (and the ``history=`` table of the cases that pass one) is not mutated;
- every ``ok`` row (good rows and accepted inputs alike) has finite metrics in range, metrics
  equal to the scipy.stats reference of tests/_sim.py, and with ``optimize`` a reorder point
  that meets its target: the root for continuous demand, the smallest such integer for
  integer demand, both judged by the reference.

Cases with a ``policy`` cell run through the periodic-review layer (the good rows are then
``sQ`` rows of a table with a ``policy`` column); an ``ok`` periodic row is checked against the
scipy twins of tests/test_periodic.py (closed forms and quadrature), and its ``order_up_to``
output like the other results.

``test_command_line`` runs the same rows through ``invsl optimize`` / ``invsl evaluate`` on a
CSV file (with ``--history`` for the cases that have one; the periodic cases as a table of
their own) and checks the same statuses.
Cases of ``KNOWN_BUGS`` are strict xfails: their status is right, something else is not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import invsl
from invsl.vocabulary import STATUS
from invsl.api.frame import OUTPUT_COLUMNS

try:
    from _sim import INTEGER, ref_metrics
    from test_periodic import twin_continuous
except ImportError:  # tests/ made a package later
    from tests._sim import INTEGER, ref_metrics
    from tests.test_periodic import twin_continuous

DOC = Path(__file__).resolve().parents[1] / "docs" / "bad-input.md"
TROUBLESHOOTING = Path(__file__).resolve().parents[1] / "docs" / "troubleshooting.md"
METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")
RESULTS = list(OUTPUT_COLUMNS[:8])  # reorder_point ... expected_on_hand

# the two good rows around every bad one, and the starting point of the bad row
GOOD = [
    {
        "sku": "G-1",
        "demand_mean": 20.0,
        "demand_std": 8.0,
        "lead_time": 2.0,
        "order_quantity": 25.0,
        "distribution": "normal",
        "reorder_point": 45.0,
    },
    {
        "sku": "G-2",
        "demand_mean": 0.75,
        "demand_std": 0.0,
        "lead_time": 2.0,
        "order_quantity": 2.0,
        "distribution": "poisson",
        "reorder_point": 3.0,
    },
]
BAD = {
    "sku": "BAD",
    "demand_mean": 100.0,
    "demand_std": 30.0,
    "lead_time": 1.0,
    "order_quantity": 200.0,
    "distribution": "normal",
    "reorder_point": 120.0,
}
# values of the optional columns in the good rows, when a case adds the column
OPTIONAL_GOOD = {
    "lead_time_std": 0.0,
    "target": 0.95,
    "metric": "beta",
    "policy": "sQ",
    "review_period": 1.0,
    "order_up_to": np.nan,
}

T_MISSING = STATUS[1][1]
T_INF = STATUS[2][1]
T_NEG = STATUS[3][1]
T_Q = STATUS[4][1]
T_TARGET = STATUS[5][1]
T_DIST = STATUS[6][1]
T_METRIC = STATUS[7][1]
T_NEGBIN = STATUS[8][1]
T_INT = STATUS[9][1]
T_ZERO = STATUS[10][1]
T_FIT = STATUS[12][1]
T_TEXT = STATUS[13][1]
T_NO_HISTORY = STATUS[14][1]
T_BAD_HISTORY = STATUS[15][1]
T_LEAD_INT = STATUS[16][1]
T_CP_VAR = STATUS[17][1]
T_TOO_LARGE = STATUS[18][1]
T_RANDOM_LT = STATUS[19][1]
T_POLICY = STATUS[21][1]
T_REVIEW = STATUS[22][1]
T_UP_TO = STATUS[23][1]
HISTORY_COLUMNS = ["sku", "period", "demand"]


@dataclass(frozen=True)
class RowCase:
    """One bad (or surprising) value in one row, and what invsl must answer."""

    what: str  # the input, in words, for the table
    cells: dict  # cells of the bad row that differ from BAD
    status: str
    message: str = ""  # exact expected message; "" for ok
    call: str = "optimize"
    options: dict = field(default_factory=dict)  # keyword arguments of the call
    cli: bool = True  # also run through the command line (value survives a CSV file)
    history: tuple = ()  # rows (sku, period, demand) of history=; () for no history= argument


ROW_CASES = [
    # --- missing and non-finite numbers
    RowCase(
        "NaN in a required number",
        {"demand_mean": np.nan},
        "missing",
        f"demand_mean = empty: {T_MISSING}",
    ),
    RowCase(
        "None in a required number",
        {"lead_time": None},
        "missing",
        f"lead_time = empty: {T_MISSING}",
    ),
    RowCase(
        "empty string in a required number",
        {"order_quantity": ""},
        "missing",
        f"order_quantity = '': {T_MISSING}",
        cli=False,
    ),
    RowCase(
        "blank string in a required number",
        {"demand_std": "  "},
        "missing",
        f"demand_std = '  ': {T_MISSING}",
        cli=False,
    ),
    RowCase(
        "NaN reorder point (evaluate)",
        {"reorder_point": np.nan},
        "missing",
        f"reorder_point = empty: {T_MISSING}",
        call="evaluate",
    ),
    RowCase("+inf", {"demand_mean": np.inf}, "not_finite", f"demand_mean = inf: {T_INF}"),
    RowCase("-inf", {"demand_std": -np.inf}, "not_finite", f"demand_std = -inf: {T_INF}"),
    RowCase(
        "inf reorder point (evaluate)",
        {"reorder_point": np.inf},
        "not_finite",
        f"reorder_point = inf: {T_INF}",
        call="evaluate",
    ),
    RowCase("inf target", {"target": np.inf}, "not_finite", f"target = inf: {T_INF}"),
    # --- text in numeric columns
    RowCase(
        "text in a numeric column",
        {"demand_mean": "abc"},
        "not_a_number",
        f"demand_mean = 'abc': {T_TEXT}",
    ),
    RowCase(
        "decimal comma",
        {"demand_std": "1,5"},
        "not_a_number",
        f"demand_std = '1,5': {T_TEXT}",
        cli=False,
    ),
    RowCase(
        "number with a unit",
        {"order_quantity": "12 units"},
        "not_a_number",
        f"order_quantity = '12 units': {T_TEXT}",
    ),
    RowCase(
        "text reorder point (evaluate)",
        {"reorder_point": "high"},
        "not_a_number",
        f"reorder_point = 'high': {T_TEXT}",
        call="evaluate",
    ),
    RowCase("text target", {"target": "95%"}, "not_a_number", f"target = '95%': {T_TEXT}"),
    RowCase(
        "text wins over other problems in the row",
        {"demand_mean": -1.0, "lead_time": "two"},
        "not_a_number",
        f"lead_time = 'two': {T_TEXT}",
    ),
    RowCase("number written as text", {"demand_mean": "100"}, "ok", cli=False),
    RowCase("number as text with blanks and exponent", {"demand_mean": " 1e2 "}, "ok", cli=False),
    # --- negative and zero values
    RowCase("demand_mean < 0", {"demand_mean": -1.0}, "negative", f"demand_mean = -1.0: {T_NEG}"),
    RowCase("demand_std < 0", {"demand_std": -0.5}, "negative", f"demand_std = -0.5: {T_NEG}"),
    RowCase("lead_time < 0", {"lead_time": -2.0}, "negative", f"lead_time = -2.0: {T_NEG}"),
    RowCase(
        "lead_time_std < 0", {"lead_time_std": -0.1}, "negative", f"lead_time_std = -0.1: {T_NEG}"
    ),
    RowCase(
        "order_quantity = 0",
        {"order_quantity": 0.0},
        "bad_order_quantity",
        f"order_quantity = 0.0: {T_Q}",
    ),
    RowCase(
        "order_quantity < 0",
        {"order_quantity": -5.0},
        "bad_order_quantity",
        f"order_quantity = -5.0: {T_Q}",
    ),
    RowCase("demand_mean = 0", {"demand_mean": 0.0}, "zero_demand", T_ZERO),
    RowCase("demand_std = 0 (deterministic demand)", {"demand_std": 0.0}, "ok"),
    RowCase("demand_std = 0 with metric alpha", {"demand_std": 0.0, "metric": "alpha"}, "ok"),
    RowCase("lead_time = 0", {"lead_time": 0.0}, "ok"),
    RowCase("negative reorder point (evaluate)", {"reorder_point": -50.0}, "ok", call="evaluate"),
    # --- targets
    RowCase("target = 0", {"target": 0.0}, "bad_target", f"target = 0.0: {T_TARGET}"),
    RowCase("target = 1", {"target": 1.0}, "bad_target", f"target = 1.0: {T_TARGET}"),
    RowCase(
        "target > 1 (a percentage)", {"target": 95.0}, "bad_target", f"target = 95.0: {T_TARGET}"
    ),
    RowCase("target < 0", {"target": -0.1}, "bad_target", f"target = -0.1: {T_TARGET}"),
    RowCase(
        "empty target cell and target=None",
        {"target": np.nan},
        "missing",
        f"target = empty: {T_MISSING}",
        options={"target": None},
    ),
    RowCase("empty target cell (falls back to target=)", {"target": np.nan}, "ok"),
    RowCase("target close to 0", {"target": 1e-6}, "ok"),
    RowCase("target close to 1", {"target": 0.999999}, "ok"),
    # --- names
    RowCase(
        "unknown distribution",
        {"distribution": "weibull"},
        "unknown_distribution",
        f"distribution = 'weibull': {T_DIST}",
    ),
    RowCase(
        "empty-string distribution",
        {"distribution": ""},
        "unknown_distribution",
        f"distribution = '': {T_DIST}",
        cli=False,
    ),
    RowCase("missing distribution (falls back to distribution=)", {"distribution": None}, "ok"),
    RowCase("distribution in capitals with blanks", {"distribution": " Gamma "}, "ok"),
    RowCase(
        "unknown metric", {"metric": "delta"}, "unknown_metric", f"metric = 'delta': {T_METRIC}"
    ),
    # --- numeric extremes (docs/extremes.md)
    RowCase(
        "order quantity 1e-4 with an sd of 1e-3 at a reorder point of 1e8 (evaluate)",
        {"demand_mean": 1e8, "demand_std": 1e-3, "order_quantity": 1e-4, "reorder_point": 1e8},
        "precision_limit",
        STATUS[20][1],
        call="evaluate",
    ),
    RowCase("metric as a long name", {"metric": "Fill_Rate"}, "ok"),
    RowCase("metric alpha per row", {"metric": "alpha"}, "ok"),
    RowCase("metric gamma per row", {"metric": "gamma"}, "ok"),
    # --- integer demand models
    RowCase(
        "negbin with variance < mean",
        {"distribution": "negbin", "demand_std": 5.0},
        "negbin_variance",
        T_NEGBIN,
    ),
    RowCase(
        "negbin with variance = mean",
        {"distribution": "negbin", "demand_std": 10.0},
        "negbin_variance",
        T_NEGBIN,
    ),
    RowCase(
        "negbin with variance > mean",
        {"distribution": "negbin", "demand_std": 12.0, "order_quantity": 150.0},
        "ok",
    ),
    RowCase(
        "poisson with a fractional order_quantity",
        {"distribution": "poisson", "order_quantity": 2.5},
        "not_integer",
        f"order_quantity = 2.5: {T_INT}",
    ),
    RowCase(
        "negbin with a fractional order_quantity",
        {"distribution": "negbin", "demand_std": 12.0, "order_quantity": 150.5},
        "not_integer",
        f"order_quantity = 150.5: {T_INT}",
    ),
    RowCase(
        "poisson with a fractional reorder point (evaluate)",
        {"distribution": "poisson", "order_quantity": 150.0, "reorder_point": 99.5},
        "not_integer",
        f"reorder_point = 99.5: {T_INT}",
        call="evaluate",
    ),
    RowCase(
        "poisson with demand_std empty (not used)",
        {"distribution": "poisson", "demand_std": np.nan, "order_quantity": 150.0},
        "ok",
    ),
    RowCase(
        "lead_time 0 with lead_time_std > 0 (gamma)",
        {"distribution": "gamma", "lead_time": 0.0, "lead_time_std": 1.0},
        "cannot_fit",
        T_FIT,
    ),
    RowCase(
        "lead_time 0 with lead_time_std > 0 (normal)",
        {"lead_time": 0.0, "lead_time_std": 1.0},
        "ok",
    ),
    RowCase("empty lead_time_std (falls back to lead_time_std=)", {"lead_time_std": np.nan}, "ok"),
    # --- demand from history (empirical) and compound_poisson
    RowCase(
        "empirical, no history rows for this sku",
        {"distribution": "empirical"},
        "no_history",
        T_NO_HISTORY,
        history=(("OTHER", 1, 2), ("OTHER", 2, 3)),
    ),
    RowCase(
        "empirical, a negative demand in the history",
        {"distribution": "empirical"},
        "bad_history",
        T_BAD_HISTORY,
        history=(("BAD", 1, 2), ("BAD", 2, -1), ("BAD", 3, 4)),
    ),
    RowCase(
        "empirical, a fractional demand in the history",
        {"distribution": "empirical"},
        "bad_history",
        T_BAD_HISTORY,
        history=(("BAD", 1, 2.0), ("BAD", 2, 1.5), ("BAD", 3, 4.0)),
    ),
    RowCase(
        "empirical, a missing demand in the history",
        {"distribution": "empirical"},
        "bad_history",
        T_BAD_HISTORY,
        history=(("BAD", 1, 2.0), ("BAD", 2, np.nan), ("BAD", 3, 4.0)),
    ),
    RowCase(
        "empirical, a period listed twice in the history",
        {"distribution": "empirical"},
        "bad_history",
        T_BAD_HISTORY,
        history=(("BAD", 1, 2), ("BAD", 1, 3), ("BAD", 2, 4)),
    ),
    RowCase(
        "empirical, a history of one period",
        {"distribution": "empirical"},
        "bad_history",
        T_BAD_HISTORY,
        history=(("BAD", 1, 2),),
    ),
    RowCase(
        "empirical with a fractional lead_time",
        {"distribution": "empirical", "lead_time": 1.5},
        "fractional_lead_time",
        f"lead_time = 1.5: {T_LEAD_INT}",
        history=(("BAD", 1, 2), ("BAD", 2, 0), ("BAD", 3, 4)),
    ),
    RowCase(
        "empirical with lead_time_std > 0",
        {"distribution": "empirical", "lead_time_std": 0.5},
        "random_lead_time",
        f"lead_time_std = 0.5: {T_RANDOM_LT}",
        history=(("BAD", 1, 2), ("BAD", 2, 0), ("BAD", 3, 4)),
    ),
    RowCase(
        "empirical with a fractional order_quantity",
        {"distribution": "empirical", "order_quantity": 2.5},
        "not_integer",
        f"order_quantity = 2.5: {T_INT}",
        history=(("BAD", 1, 2), ("BAD", 2, 0), ("BAD", 3, 4)),
    ),
    RowCase(
        "empirical, one period's demand above 16.7 million",
        {"distribution": "empirical"},
        "pmf_too_large",
        T_TOO_LARGE,
        history=(("BAD", 1, 0), ("BAD", 2, 20_000_000)),
    ),
    RowCase(
        "empirical, lead time so long the pmf exceeds 16.7 million values",
        {"distribution": "empirical", "lead_time": 2_000_000.0},
        "pmf_too_large",
        T_TOO_LARGE,
        history=(("BAD", 1, 0), ("BAD", 2, 10)),
    ),
    RowCase(
        "compound_poisson with variance < mean",
        {"distribution": "compound_poisson", "demand_std": 5.0},
        "compound_poisson_variance",
        f"demand_std = 5.0: {T_CP_VAR}",
    ),
    RowCase(
        "compound_poisson with lead_time_std > 0",
        {"distribution": "compound_poisson", "lead_time_std": 0.5},
        "random_lead_time",
        f"lead_time_std = 0.5: {T_RANDOM_LT}",
    ),
    RowCase(
        "compound_poisson with a fractional reorder point (evaluate)",
        {"distribution": "compound_poisson", "reorder_point": 99.5},
        "not_integer",
        f"reorder_point = 99.5: {T_INT}",
        call="evaluate",
    ),
    RowCase(
        "compound_poisson, lead-time demand mean above 16.7 million",
        {
            "distribution": "compound_poisson",
            "demand_mean": 1e7,
            "demand_std": 1e4,
            "lead_time": 2.0,
        },
        "pmf_too_large",
        T_TOO_LARGE,
    ),
    RowCase(
        "compound_poisson, variance a million times the mean (huge orders)",
        {"distribution": "compound_poisson", "demand_mean": 1.0, "demand_std": 1000.0},
        "pmf_too_large",
        T_TOO_LARGE,
    ),
    # --- other types in numeric columns
    RowCase("True in a numeric column (read as 1)", {"lead_time": True}, "ok", cli=False),
    # --- periodic review: policy, review_period, order_up_to (docs/periodic.md)
    RowCase(
        "unknown policy", {"policy": "weekly"}, "unknown_policy", f"policy = 'weekly': {T_POLICY}"
    ),
    RowCase(
        "empty-string policy",
        {"policy": ""},
        "unknown_policy",
        f"policy = '': {T_POLICY}",
        cli=False,
    ),
    RowCase("missing policy (falls back to policy=)", {"policy": None}, "ok"),
    RowCase("policy in lower case with blanks (RsQ)", {"policy": " rsq "}, "ok"),
    RowCase(
        "policy in lower case with blanks (RsQ, evaluate)",
        {"policy": " rsq "},
        "ok",
        call="evaluate",
    ),
    RowCase(
        "review period 0",
        {"policy": "RsQ", "review_period": 0.0},
        "bad_review_period",
        f"review_period = 0.0: {T_REVIEW}",
    ),
    RowCase(
        "review period not a whole number",
        {"policy": "RsQ", "review_period": 1.5},
        "bad_review_period",
        f"review_period = 1.5: {T_REVIEW}",
    ),
    RowCase(
        "negative review period",
        {"policy": "RsS", "review_period": -2.0},
        "bad_review_period",
        f"review_period = -2.0: {T_REVIEW}",
    ),
    RowCase(
        "text review period",
        {"policy": "RsQ", "review_period": "weekly"},
        "not_a_number",
        f"review_period = 'weekly': {T_TEXT}",
    ),
    RowCase(
        "infinite review period",
        {"policy": "RS", "review_period": np.inf},
        "not_finite",
        f"review_period = inf: {T_INF}",
    ),
    RowCase(
        "missing review period (falls back to review_period=)",
        {"policy": "RsQ", "review_period": np.nan},
        "ok",
    ),
    RowCase(
        "fractional review period on an sQ row (not used)",
        {"policy": "sQ", "review_period": 1.5},
        "ok",
    ),
    RowCase(
        "RsS with order_quantity (the gap S - s) 0",
        {"policy": "RsS", "order_quantity": 0.0},
        "bad_order_quantity",
        f"order_quantity = 0.0: {T_Q}",
    ),
    RowCase(
        "RS without order_quantity (not used)",
        {"policy": "RS", "order_quantity": np.nan},
        "ok",
    ),
    RowCase(
        "order_up_to below the reorder point (RsS, evaluate)",
        {"policy": "RsS", "order_up_to": 100.0},
        "bad_order_up_to",
        f"order_up_to = 100.0: {T_UP_TO}",
        call="evaluate",
    ),
    RowCase(
        "order_up_to equal to the reorder point (RsS, evaluate)",
        {"policy": "RsS", "order_up_to": 120.0},
        "bad_order_up_to",
        f"order_up_to = 120.0: {T_UP_TO}",
        call="evaluate",
    ),
    RowCase(
        "missing order_up_to (RS, evaluate)",
        {"policy": "RS", "order_up_to": np.nan},
        "missing",
        f"order_up_to = empty: {T_MISSING}",
        call="evaluate",
    ),
    RowCase(
        "infinite order_up_to (RsS, evaluate)",
        {"policy": "RsS", "order_up_to": np.inf},
        "not_finite",
        f"order_up_to = inf: {T_INF}",
        call="evaluate",
    ),
    RowCase(
        "text order_up_to (RS, evaluate)",
        {"policy": "RS", "order_up_to": "lots"},
        "not_a_number",
        f"order_up_to = 'lots': {T_TEXT}",
        call="evaluate",
    ),
    RowCase(
        "poisson with a fractional order_up_to (RS, evaluate)",
        {"policy": "RS", "distribution": "poisson", "order_up_to": 250.5},
        "not_integer",
        f"order_up_to = 250.5: {T_INT}",
        call="evaluate",
    ),
    RowCase(
        "RS row with order_up_to (evaluate)",
        {"policy": "RS", "order_up_to": 250.0},
        "ok",
        call="evaluate",
    ),
    RowCase(
        "RsS row with order_up_to above the reorder point (evaluate)",
        {"policy": "RsS", "order_up_to": 320.0, "review_period": 2.0},
        "ok",
        call="evaluate",
    ),
]


@dataclass(frozen=True)
class TableCase:
    """A property of the table as a whole, the answer, and the test function proving it."""

    what: str
    answer: str
    test: str  # name of the test function in this module


TABLE_CASES = [
    TableCase(
        "required column missing",
        "`InputError` naming every missing column, its accepted spellings and the "
        "columns the table has; exit code 2 on the command line",
        "test_missing_required_columns",
    ),
    TableCase(
        "optional columns missing (`lead_time_std`, `distribution`, `metric`, `target`, `sku`)",
        "defaults: 0, `normal`, `beta`, 0.95 (or the arguments)",
        "test_missing_optional_columns_take_defaults",
    ),
    TableCase(
        "extra columns of any dtype",
        "passed through untouched, same values, same dtypes, same order",
        "test_extra_columns_pass_through",
    ),
    TableCase(
        "duplicate SKU ids", "kept; each row computed on its own", "test_duplicate_skus_are_kept"
    ),
    TableCase(
        "column names in other case, with blanks or dashes, or aliases",
        "recognised (`Demand Mean`, `LEAD-TIME`, `rop`, `Q`)",
        "test_column_spellings",
    ),
    TableCase(
        "two columns for one input (`demand_mean` twice, or `Lead Time` beside `lead_time`)",
        "`InputError` naming both; an alias beside the canonical name "
        "(`mu` beside `demand_mean`) is not ambiguous: the canonical name is used",
        "test_ambiguous_columns",
    ),
    TableCase(
        "`columns=` names a column that is not there",
        "`InputError` naming it",
        "test_columns_mapping_to_absent_column",
    ),
    TableCase("not a DataFrame", "`InputError`", "test_not_a_dataframe"),
    TableCase(
        "a bad call-level argument (`target=95`, `metric='fillrate'`, `policy='xyz'`, "
        "`distribution='weibull'`, `lead_time_std=-1`, `review_period=0`)",
        "`InputError` (a `ValueError`) naming the value and what is accepted, in the words a "
        "bad cell of that column gets; exit code 2 on the command line",
        "test_bad_call_argument_raises",
    ),
    TableCase(
        "a review period (column or `review_period=`) but no `policy`",
        "the rows with a review period and no policy are flagged `missing` on `policy` (the "
        "message lists the policies); never computed as continuous review",
        "test_review_period_without_policy_is_flagged",
    ),
    TableCase("no rows", "an empty result with every output column", "test_no_rows"),
    TableCase(
        "output column names already in the input (`beta`, `status`)",
        "replaced by the results",
        "test_output_columns_in_the_input_are_replaced",
    ),
]


# --------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------

BEGIN = "<!-- begin generated table: edit tests/test_bad_input.py, then run it -->"
END = "<!-- end generated table -->"


def _show(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [
        "| input | example | call | status | message |",
        "|---|---|---|---|---|",
    ]
    for case in ROW_CASES:
        example = ", ".join(
            [f"{k} = {_show(v)}" for k, v in case.cells.items()]
            + [f"{k}={_show(v)}" for k, v in case.options.items()]
        )
        if case.history:
            rows = ", ".join(f"({', '.join(_show(v) for v in row)})" for row in case.history)
            example += f"; history (sku, period, demand): {rows}"
        lines.append(
            f"| {_cell(case.what)} | `{_cell(example)}` | {case.call} | `{case.status}` | "
            f"{_cell(case.message) or '-'} |"
        )
    lines += ["", "| table | what invsl does | test |", "|---|---|---|"]
    for case in TABLE_CASES:
        lines.append(f"| {case.what} | {case.answer} | `{case.test}` |")
    return "\n".join(lines)


def _replace_table(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


def test_doc_table_is_generated_from_the_cases():
    text = DOC.read_text()
    assert text == _replace_table(text), (
        "docs/bad-input.md is out of date: run PYTHONPATH=. python tests/test_bad_input.py"
    )


def test_troubleshooting_lists_exactly_the_status_codes():
    text = TROUBLESHOOTING.read_text().split("## Status codes", 1)[1].split("\n## ", 1)[0]
    documented = dict(
        (name, int(code))
        for name, code in re.findall(r"^\| `([a-z_]+)` \| (\d+) \|", text, flags=re.M)
    )
    assert documented == {name: code for code, (name, _) in STATUS.items()}


def test_every_status_code_has_a_case():
    covered = {case.status for case in ROW_CASES}
    # no input is known to make the solver fail; the fuzz tests accept it as a known code.
    # unsupported comes from optimize_portfolio and sensitivity only (tests/test_portfolio.py,
    # tests/test_sensitivity.py: test_periodic_and_history_rows_are_unsupported_not_computed_as_sq)
    assert {name for name, _ in STATUS.values()} - covered == {"no_convergence", "unsupported"}


def test_table_cases_name_real_tests():
    for case in TABLE_CASES:
        assert callable(globals().get(case.test)), case.test


# --------------------------------------------------------------------------------------------
# row cases
# --------------------------------------------------------------------------------------------


def _frame(case: RowCase) -> pd.DataFrame:
    rows = [dict(GOOD[0]), {**BAD, **case.cells}, dict(GOOD[1])]
    for name, value in OPTIONAL_GOOD.items():
        if name in case.cells:
            rows[0][name] = rows[2][name] = value
    if case.call == "optimize":
        for row in rows:
            row.pop("reorder_point")
    df = pd.DataFrame(rows, index=[30, 10, 20])
    for name, value in case.cells.items():
        if isinstance(value, (str, bool)) or value is None:
            df[name] = pd.Series([row.get(name) for row in rows], index=df.index, dtype=object)
    return df


def _history(case: RowCase) -> pd.DataFrame | None:
    return pd.DataFrame(list(case.history), columns=HISTORY_COLUMNS) if case.history else None


def _call(case: RowCase, df: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    function = invsl.optimize if case.call == "optimize" else invsl.evaluate
    options = dict(case.options)
    if case.history:
        options["history"] = _history(case) if history is None else history
    return function(df, **options)


def _value(row, name, default):
    value = row.get(name, default)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def check_ok_row(row: pd.Series, call: str, options: dict) -> None:
    """An ok row: finite metrics in range, equal to the scipy reference, target met."""
    values = {name: float(row[name]) for name in RESULTS}
    policy = str(_value(row, "policy", options.get("policy", "sQ"))).strip().lower()
    if policy == "rs" and call == "optimize":
        values["reorder_point"] = math.nan  # RS has no reorder point: not an output
        assert math.isnan(float(row["reorder_point"]))
        values["reorder_point"] = float(row["order_up_to"])  # range checks below use S
    assert all(math.isfinite(v) for v in values.values()), values
    for name in ("alpha", "beta", "ready_rate"):
        assert 0.0 <= values[name] <= 1.0, (name, values)
    assert values["gamma"] <= 1.0 and values["expected_backorders"] >= 0.0
    assert values["expected_on_hand"] >= -1e-9 * max(1.0, abs(values["reorder_point"]))

    distribution = str(_value(row, "distribution", options.get("distribution", "normal")))
    distribution = distribution.strip().lower()
    if policy != "sq":
        check_ok_periodic_row(row, values, policy, distribution, call, options)
        return
    mu = float(row["demand_mean"])
    sigma = float(_value(row, "demand_std", 0.0)) if distribution != "poisson" else 0.0
    lead_time = float(row["lead_time"])
    lt_std = float(_value(row, "lead_time_std", 0.0))
    q = float(row["order_quantity"])
    s = values["reorder_point"]
    ref = ref_metrics(distribution, s, q, mu, sigma, lead_time, lt_std)
    for name in METRICS:
        assert values[name] == pytest.approx(ref[name], rel=1e-7, abs=1e-9), (name, values, ref)
    assert values["safety_stock"] == pytest.approx(ref["safety_stock"], rel=1e-12, abs=1e-9)

    if call != "optimize":
        return
    target = float(_value(row, "target", options.get("target", 0.95)))
    metric = str(_value(row, "metric", options.get("metric", "beta"))).strip().lower()
    metric = {
        "fill_rate": "beta",
        "cycle_service_level": "alpha",
        "csl": "alpha",
        "gamma_service_level": "gamma",
    }.get(metric, metric)
    if distribution in INTEGER:
        assert s == math.floor(s)
        assert ref[metric] >= target
        below = ref_metrics(distribution, s - 1, q, mu, sigma, lead_time, lt_std)[metric]
        assert below < target, (s, below, target)
    elif lead_time * sigma**2 + mu**2 * lt_std**2 == 0.0:
        # deterministic lead-time demand X = mu L: alpha is a step (the smallest s reaching
        # any target is mu L), beta and gamma are continuous and piecewise polynomial
        if metric == "alpha":
            assert s == pytest.approx(mu * lead_time, rel=1e-12, abs=1e-12)
        else:
            assert ref[metric] == pytest.approx(target, abs=1e-9)
    else:
        assert ref[metric] == pytest.approx(target, abs=1e-9)


def check_ok_periodic_row(row, values, policy, distribution, call, options) -> None:
    """An ok RS / RsS / RsQ row (normal demand): metrics equal to the scipy twins of
    tests/test_periodic.py, and with ``optimize`` the target met (continuous: the root)."""
    assert distribution == "normal", "periodic ok cases use normal demand (the twins' range)"
    name = {"rs": "RS", "rss": "RsS", "rsq": "RsQ"}[policy]
    mu, sd = float(row["demand_mean"]), float(row["demand_std"])
    lead_time = float(row["lead_time"])
    review = int(float(_value(row, "review_period", options.get("review_period", 1))))
    big_s = float(row["order_up_to"])
    x = big_s if name == "RS" else values["reorder_point"]
    assert math.isfinite(x)
    gap = {"RS": 0.0, "RsQ": float(row["order_quantity"]), "RsS": big_s - x}[name]
    if name == "RsS":
        # the twin of an RsS row is the fine unbinned lattice; only evaluate cases use RsS
        from test_periodic import twin_rss_lattice

        ref = twin_rss_lattice("normal", mu, sd, lead_time, review, x, big_s)
        # continuous RsS is computed on a lattice (docs/periodic.md): the tolerances of
        # tests/test_periodic.py::test_continuous_rss_lattice_agrees_with_fine_unbinned_lattice
        tol = {k: 1e-4 for k in METRICS}
        tol["alpha"] = 1e-3
        tol["expected_backorders"] = tol["expected_on_hand"] = 5e-5 * mu
    else:
        ref = twin_continuous(name, "normal", mu, sd, lead_time, review, x, gap)
        tol = {k: 1e-7 * max(1.0, abs(ref[k])) for k in METRICS}
    for metric in METRICS:
        assert abs(values[metric] - ref[metric]) <= tol[metric], (metric, values[metric], ref)
    assert values["safety_stock"] == pytest.approx(x - mu * (lead_time + review), abs=1e-9)
    if call == "optimize":
        target = float(_value(row, "target", options.get("target", 0.95)))
        metric = str(_value(row, "metric", options.get("metric", "beta"))).strip().lower()
        assert ref[metric] == pytest.approx(target, abs=1e-8)


# row cases that show a bug not fixed yet: strict xfail, so that the fix is noticed
KNOWN_BUGS: dict = {}  # none known (the last two were fixed in _pmf_frame.py)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            marks=pytest.mark.xfail(
                strict=True, raises=KNOWN_BUGS[c.what][0], reason=KNOWN_BUGS[c.what][1]
            ),
        )
        if c.what in KNOWN_BUGS
        else c
        for c in ROW_CASES
    ],
    ids=[c.what for c in ROW_CASES],
)
def test_row_case(case: RowCase):
    df = _frame(case)
    before = df.copy(deep=True)
    history = _history(case)
    history_before = None if history is None else history.copy(deep=True)
    out = _call(case, df, history)
    pd.testing.assert_frame_equal(df, before)  # input not mutated
    if history is not None:
        pd.testing.assert_frame_equal(history, history_before)  # history not mutated

    # rows, order, index, input columns kept (values and dtypes)
    assert list(out.index) == [30, 10, 20]
    assert out["sku"].tolist() == ["G-1", "BAD", "G-2"]
    input_columns = [c for c in df.columns if c not in OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(out[input_columns], df[input_columns])
    assert list(out.columns[: len(df.columns)]) == list(df.columns)  # the input's, in order

    assert out["status"].astype(str).tolist() == ["ok", case.status, "ok"]
    assert out["message"].tolist() == ["", case.message, ""]

    bad = out.iloc[1]
    periodic = "policy" in case.cells
    assert ("order_up_to" in out.columns) == periodic or "order_up_to" in df.columns
    if case.status == "ok":
        check_ok_row(bad, case.call, case.options)
    else:
        assert pd.isna(bad["lead_time_distribution"])
        if periodic and case.call == "optimize":
            assert math.isnan(bad["order_up_to"])
        for name in RESULTS:
            if name == "reorder_point" and case.call == "evaluate":
                assert _show(bad[name]) == _show(df["reorder_point"].iloc[1])
            elif case.status == "zero_demand" and name in ("reorder_point", "safety_stock"):
                assert bad[name] == 0.0
            else:
                assert math.isnan(bad[name]), (name, bad[name])

    # the good rows: ok, correct, and the same as when computed alone
    for position in (0, 2):
        row = out.iloc[position]
        check_ok_row(row, case.call, case.options)
        alone = _call(case, df.iloc[[position]])
        for name in RESULTS:
            assert row[name] == alone[name].iloc[0]


def test_command_line(tmp_path):
    """The same bad rows on the command line: exit code 1, the same statuses and messages.

    The cases without a history run as one table; each case with a history runs on its own
    with ``--history`` (absent periods of a SKU read as zero demand, so the histories of
    different cases cannot share one file).
    """
    from click.testing import CliRunner

    from invsl.tools.cli import main

    for call in ("optimize", "evaluate"):
        cases = [
            c
            for c in ROW_CASES
            if c.call == call and c.cli and not c.options and c.what not in KNOWN_BUGS
        ]
        # the periodic cases as a table of their own (a policy column sends the whole table
        # through the periodic layer)
        runs = [
            [c for c in cases if not c.history and "policy" not in c.cells],
            [c for c in cases if "policy" in c.cells],
        ] + [[c] for c in cases if c.history]
        for run, group in enumerate(runs):
            frames = []
            for number, case in enumerate(group):
                df = _frame(case)
                df["sku"] = [f"{number}-{sku}" for sku in df["sku"]]
                frames.append(df)
            table = pd.concat(frames, ignore_index=True)
            src, dst = tmp_path / f"{call}{run}.csv", tmp_path / f"{call}{run}-out.csv"
            table.to_csv(src, index=False)
            args = [call, str(src), "-o", str(dst), "-q"]
            if group[0].history:
                history = _history(group[0]).assign(sku=lambda h: "0-" + h["sku"])
                history.to_csv(tmp_path / "history.csv", index=False)
                args += ["--history", str(tmp_path / "history.csv")]
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 1, result.output
            out = pd.read_csv(dst, dtype={"sku": str, "message": str}, keep_default_na=False)
            assert out["sku"].tolist() == table["sku"].tolist()
            expected_status = [s for c in group for s in ("ok", c.status, "ok")]
            expected_message = [m for c in group for m in ("", c.message, "")]
            assert out["status"].tolist() == expected_status
            # in one CSV column with text in some rows every cell is text: 'inf' is quoted
            assert out["message"].str.replace("'", "").tolist() == [
                m.replace("'", "") for m in expected_message
            ]


# --------------------------------------------------------------------------------------------
# table cases
# --------------------------------------------------------------------------------------------


def _good_frame(call="optimize") -> pd.DataFrame:
    df = pd.DataFrame(GOOD, index=[7, 3])
    return df.drop(columns="reorder_point") if call == "optimize" else df


def test_missing_required_columns():
    df = _good_frame().drop(columns=["demand_std", "order_quantity"])
    with pytest.raises(invsl.InputError) as info:
        invsl.optimize(df)
    message = str(info.value)
    assert message.startswith(
        "missing required columns: demand_std (also accepted: "
        "std_demand, sigma, demand_sd, sd_demand); order_quantity "
        "(also accepted: q, lot_size, order_qty, eoq)."
    )
    assert "The table has: sku, demand_mean, lead_time, distribution." in message
    assert "columns={'demand_std': 'your_name'}" in message
    # evaluate also needs reorder_point
    with pytest.raises(invsl.InputError, match=r"column: reorder_point \(also accepted: s, "):
        invsl.evaluate(_good_frame())


def test_missing_optional_columns_take_defaults():
    df = _good_frame()[["demand_mean", "demand_std", "lead_time", "order_quantity"]]
    out = invsl.optimize(df)
    assert out["status"].astype(str).tolist() == ["ok", "ok"]
    # normal (the second row has demand_std 0: normal with sd 0 is deterministic)
    assert out["lead_time_distribution"].astype(str).tolist() == ["normal", "deterministic"]
    for _, row in out.iterrows():
        check_ok_row(row, "optimize", {})
    # the arguments are the defaults of missing columns
    gamma = invsl.optimize(df, metric="alpha", target=0.9, distribution="gamma", lead_time_std=0.5)
    for _, row in gamma.iterrows():
        check_ok_row(
            pd.concat([row, pd.Series({"lead_time_std": 0.5})]),
            "optimize",
            {"metric": "alpha", "target": 0.9, "distribution": "gamma"},
        )


def test_extra_columns_pass_through():
    df = _good_frame().assign(
        note=pd.Series(["x", None], index=[7, 3], dtype=object),
        flag=[True, False],
        when=pd.to_datetime(["2024-01-31", "2025-06-30"]),
        group=pd.Categorical(["a", "b"]),
        count=pd.array([1, None], dtype="Int64"),
        price=[1.5, np.nan],
    )
    df[42] = ["int-named", "column"]
    before = df.copy(deep=True)
    out = invsl.optimize(df)
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(out[list(df.columns)], df)
    assert list(out.columns) == list(df.columns) + list(OUTPUT_COLUMNS)


def test_duplicate_skus_are_kept():
    df = pd.concat([_good_frame()] * 3, ignore_index=True)
    df["sku"] = "SAME"
    out = invsl.optimize(df)
    assert len(out) == 6 and out["sku"].tolist() == ["SAME"] * 6
    assert out["status"].astype(str).tolist() == ["ok"] * 6
    assert out["reorder_point"].iloc[0] == out["reorder_point"].iloc[2]
    assert out["reorder_point"].iloc[1] == out["reorder_point"].iloc[5]


def test_column_spellings():
    df = _good_frame("evaluate").rename(
        columns={
            "demand_mean": "Demand Mean",
            "demand_std": " SIGMA ",
            "lead_time": "LEAD-TIME",
            "order_quantity": "Q",
            "reorder_point": "rop",
        }
    )
    out = invsl.evaluate(df)
    reference = invsl.evaluate(_good_frame("evaluate"))
    for name in METRICS:
        assert out[name].tolist() == reference[name].tolist()


def test_ambiguous_columns():
    df = _good_frame()
    twice = pd.concat([df, df[["demand_mean"]]], axis=1)
    with pytest.raises(
        invsl.InputError, match="2 columns could be demand_mean: 'demand_mean', 'demand_mean'"
    ):
        invsl.optimize(twice)
    spelled = df.assign(**{"Lead Time": 99.0})
    with pytest.raises(
        invsl.InputError, match="2 columns could be lead_time: 'lead_time', 'Lead Time'"
    ):
        invsl.optimize(spelled)
    # choosing one with columns= resolves it
    chosen = invsl.optimize(spelled, columns={"lead_time": "lead_time"})
    assert chosen["reorder_point"].tolist() == invsl.optimize(df)["reorder_point"].tolist()
    # an alias beside the canonical name: the canonical column is used
    alias = invsl.optimize(df.assign(mu=1000.0))
    assert alias["reorder_point"].tolist() == invsl.optimize(df)["reorder_point"].tolist()


def test_columns_mapping_to_absent_column():
    with pytest.raises(invsl.InputError, match="'avg_sales' .*not in the input"):
        invsl.optimize(_good_frame(), columns={"demand_mean": "avg_sales"})


def test_not_a_dataframe():
    with pytest.raises(invsl.InputError, match="expected a pandas DataFrame, got dict"):
        invsl.optimize(GOOD[0])


@pytest.mark.parametrize(
    "call, options, shown",
    [
        ("optimize", {"target": 95}, "target = 95: "),
        ("optimize", {"metric": "fillrate"}, "metric = 'fillrate': "),
        ("optimize", {"policy": "xyz"}, "policy = 'xyz': "),
        ("evaluate", {"distribution": "weibull"}, "distribution = 'weibull': "),
        ("evaluate", {"lead_time_std": -1.0}, "lead_time_std = -1.0: "),
        ("optimize", {"review_period": 0}, "review_period = 0: "),
    ],
)
def test_bad_call_argument_raises(call, options, shown):
    """A bad argument is every row's problem: it raises, naming the value; the text after
    'name = value: ' is the one a bad cell of that column gets (the vocabulary's)."""
    df = _good_frame()
    if call == "evaluate":
        df = df.assign(reorder_point=[10.0] * len(df))
    with pytest.raises(ValueError) as info:
        getattr(invsl, call)(df, **options)
    assert isinstance(info.value, invsl.InputError)
    assert str(info.value).startswith(shown), str(info.value)
    if "metric" in options:
        for name in ("alpha", "beta", "gamma", "fill_rate", "cycle_service_level"):
            assert name in str(info.value)


def test_review_period_without_policy_is_flagged():
    """demand 10 +- 3, L = 2, Q = 20, R = 7: without a policy the row is not silently
    continuous review (whose s would be 21.6; RsQ needs 81.7)."""
    df = pd.DataFrame(
        {
            "demand_mean": [10.0, 10.0],
            "demand_std": [3.0, 3.0],
            "lead_time": [2.0, 2.0],
            "order_quantity": [20.0, 20.0],
            "review_period": [7.0, np.nan],
        }
    )
    out = invsl.optimize(df)
    assert out["status"].astype(str).tolist() == ["missing", "ok"]
    assert out["message"].iloc[0].startswith("policy = empty: ")
    assert all(name in out["message"].iloc[0] for name in ("sQ", "RS", "RsS", "RsQ"))
    assert np.isnan(out["reorder_point"].iloc[0])
    assert out["reorder_point"].iloc[1] == pytest.approx(21.6, abs=0.05)
    rsq = invsl.optimize(df.iloc[:1], policy="RsQ")
    assert rsq["reorder_point"].iloc[0] == pytest.approx(81.7, abs=0.05)
    flagged = invsl.optimize(df.drop(columns="review_period"), review_period=7)
    assert flagged["status"].astype(str).tolist() == ["missing", "missing"]


def test_no_rows():
    out = invsl.optimize(_good_frame().iloc[:0])
    assert len(out) == 0
    assert list(out.columns)[-len(OUTPUT_COLUMNS) :] == list(OUTPUT_COLUMNS)


def test_output_columns_in_the_input_are_replaced():
    df = _good_frame().assign(beta=["old", "old"], status=["x", "y"])
    out = invsl.optimize(df)
    assert out["status"].astype(str).tolist() == ["ok", "ok"]
    assert out["beta"].tolist() == pytest.approx([0.95, 0.95], abs=0.05)
    assert out["beta"].iloc[0] == pytest.approx(0.95, abs=1e-9)
    assert df["beta"].tolist() == ["old", "old"]


if __name__ == "__main__":
    DOC.write_text(_replace_table(DOC.read_text()))
    print(f"wrote {DOC}")
