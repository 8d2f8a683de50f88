"""invsl against the high-precision reference tables in tests/reference/.

The tables come from tests/reference/generate_reference.py (mpmath at 50 and 80 digits,
written from the contract docs/service-levels.md without importing invsl; see its
docstring for how every value is computed and cross-checked). Regenerate them with

    .venv/bin/python tests/reference/generate_reference.py

Tolerance: 1e-9 relative for every quantity. Absolute floors are used only where the
contract defines a quantity as a difference of larger terms, so that the value itself can be
arbitrarily smaller than what a binary64 evaluation of the formula can resolve; each floor is
written next to the metric in ``_floor`` with its reason, and is about 1e-12 times the size
of the cancelling terms (thousands of ulps: room for special-function errors, nothing more).
Solved reorder points: continuous within 2 * 1e-9 * max(1, sd(X)) (the contract's 1e-9 plus
the same again for the reference's rounding), integer exactly.

Every failure lists all failing rows of its distribution and metric.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import invsl

HERE = Path(__file__).resolve().parent / "reference"
METRICS_CSV = HERE / "sq_reference.csv"
SOLVE_CSV = HERE / "sq_solve_reference.csv"

REL = 1e-9
# Values below the binary64 normal range (the tables hold e.g. alpha = 1e-9579 at a deep
# shortage, which reads back as 0.0): the only check possible is "tiny".
REPRESENTABLE = 1e-300
SOLVE_ABS = 2 * 1e-9  # times max(1, sd(X))

DISTRIBUTIONS = ["normal", "gamma", "poisson", "negbin"]
INTEGER = {"poisson", "negbin"}
METRICS = [
    "alpha",
    "beta",
    "gamma",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
    "safety_stock",
]
TEXT_COLUMNS = {"case_id", "distribution", "ltd_distribution", "metric"}


def _load(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise AssertionError(f"{path} is empty")
    table = {}
    for col in rows[0]:
        values = [r[col] for r in rows]
        if col in TEXT_COLUMNS:
            table[col] = np.array(values, dtype=object)
        else:
            table[col] = np.array([float(v) if v != "" else np.nan for v in values])
    return table


def _select(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in table.items()}


@pytest.fixture(scope="module")
def metrics_table():
    return _load(METRICS_CSV)


@pytest.fixture(scope="module")
def solve_table():
    return _load(SOLVE_CSV)


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.17g}"
    return str(v)


def failure_table(
    t: dict[str, np.ndarray], bad: np.ndarray, columns: list[str], extra: dict[str, np.ndarray]
) -> str:
    """A readable fixed-width table of the failing rows (all of them)."""
    names = columns + list(extra)
    cols = {**{c: t[c] for c in columns}, **extra}
    lines = [[_fmt(cols[n][i]) for n in names] for i in np.flatnonzero(bad)]
    widths = [max(len(n), *(len(line[j]) for line in lines)) for j, n in enumerate(names)]
    out = ["  ".join(n.rjust(w) for n, w in zip(names, widths))]
    out += ["  ".join(v.rjust(w) for v, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def _compare(t, got, expected, tol, what, input_columns):
    got = np.asarray(got, dtype=float)
    err = np.abs(got - expected)
    bad = ~(err <= tol)  # NaN in got fails
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            relerr = err / np.abs(expected)
        table = failure_table(
            t,
            bad,
            input_columns,
            {"expected": expected, "got": got, "rel_err": relerr, "abs_err": err, "tolerance": tol},
        )
        pytest.fail(
            f"{what}: {int(bad.sum())} of {bad.size} rows out of tolerance\n{table}", pytrace=False
        )


INPUTS = [
    "case_id",
    "demand_mean",
    "demand_std",
    "lead_time",
    "lead_time_std",
    "order_quantity",
    "reorder_point",
    "ltd_distribution",
]


def _floor(metric: str, t: dict[str, np.ndarray]) -> np.ndarray:
    """Absolute floor of the tolerance for ``metric``, row by row (see module docstring)."""
    s, Q, mu = t["reorder_point"], t["order_quantity"], t["demand_mean"]
    m = t["ltd_mean"]
    integer = np.isin(t["ltd_distribution"], list(INTEGER))
    floor = np.full(s.shape, REPRESENTABLE)
    if metric in ("beta", "ready_rate"):
        # beta = 1 - (G1(s) - G1(s+Q)) / Q: at a deep shortage beta is ~1e-25 while the
        # terms are ~G1(s)/Q >= 1, so binary64 resolves beta only to ~eps * G1(s) / Q.
        floor = np.maximum(floor, 1e-12 * (1.0 + t["G1"] / Q))
    elif metric == "gamma":
        # gamma = 1 - E[B]/mu crosses zero as s falls: resolvable to ~eps * (1 + E[B]/mu).
        floor = np.maximum(floor, 1e-12 * (1.0 + t["expected_backorders"] / mu))
    elif metric == "expected_on_hand":
        # E[OH] = E[IN] + E[B]: at a deep shortage E[IN] ~ -E[B] and E[OH] ~ 1e-25.
        # (This floor covers the cancellation of that final sum only; it does not cover
        # the error of E[B] itself, which an implementation must keep small.)
        e_in = s + np.where(integer, (Q + 1) / 2, Q / 2) - m
        floor = np.maximum(floor, 1e-12 * (np.abs(e_in) + t["expected_backorders"]))
    elif metric == "safety_stock":
        # s - mu L of two binary64 inputs: a few ulps of the larger.
        floor = np.maximum(floor, 1e-15 * (np.abs(s) + np.abs(m)))
    # alpha, expected_backorders, G1, G2: no floor beyond representability; they are
    # tail probabilities / partial moments that erfc / incomplete gamma / incomplete beta
    # give to full relative precision.
    return floor


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_service_levels_against_reference(metrics_table, distribution, metric):
    t = _select(metrics_table, metrics_table["distribution"] == distribution)
    assert t["case_id"].size > 0
    result = invsl.service_levels(
        t["reorder_point"],
        t["order_quantity"],
        t["demand_mean"],
        t["demand_std"],
        t["lead_time"],
        lead_time_std=t["lead_time_std"],
        distribution=distribution,
    )
    expected = t[metric]
    tol = np.maximum(REL * np.abs(expected), _floor(metric, t))
    _compare(t, result[metric], expected, tol, f"{distribution} {metric}", INPUTS)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_loss_functions_against_reference(metrics_table, distribution, order):
    t = _select(metrics_table, metrics_table["ltd_distribution"] == distribution)
    assert t["case_id"].size > 0
    loss = invsl.loss_first_order if order == 1 else invsl.loss_second_order
    got = loss(t["reorder_point"], t["ltd_mean"], t["ltd_std"], distribution=distribution)
    expected = t[f"G{order}"]
    tol = np.maximum(REL * np.abs(expected), REPRESENTABLE)
    _compare(
        t,
        got,
        expected,
        tol,
        f"{distribution} G{order}(x = reorder_point)",
        ["case_id", "reorder_point", "ltd_mean", "ltd_std"],
    )


SOLVE_INPUTS = [
    "case_id",
    "metric",
    "target",
    "demand_mean",
    "demand_std",
    "lead_time",
    "lead_time_std",
    "order_quantity",
    "ltd_distribution",
    "ltd_std",
]


@pytest.mark.parametrize("metric", ["alpha", "beta", "gamma"])
@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_reorder_point_against_reference(solve_table, distribution, metric):
    mask = (solve_table["distribution"] == distribution) & (solve_table["metric"] == metric)
    t = _select(solve_table, mask)
    assert t["case_id"].size > 0
    got = invsl.reorder_point(
        t["target"],
        t["order_quantity"],
        t["demand_mean"],
        t["demand_std"],
        t["lead_time"],
        lead_time_std=t["lead_time_std"],
        distribution=distribution,
        metric=metric,
    )
    expected = t["reorder_point"]
    integer = np.isin(t["ltd_distribution"], list(INTEGER))
    # integer: the smallest integer s with metric(s) >= target, exactly
    tol = np.where(integer, 0.0, SOLVE_ABS * np.maximum(1.0, t["ltd_std"]))
    _compare(t, got, expected, tol, f"{distribution} reorder_point for {metric}", SOLVE_INPUTS)


def test_reference_tables_cover_the_contract(metrics_table, solve_table):
    """The tables span what the generator promises (guards against a truncated rerun)."""
    t = metrics_table
    assert t["case_id"].size >= 1000
    for d in DISTRIBUTIONS:
        sel = t["distribution"] == d
        assert sel.sum() >= 100, d
        assert (t["lead_time"][sel] != 1).any(), d
        assert (t["lead_time_std"][sel] > 0).any(), d
    assert (t["reorder_point"] < 0).any()
    assert t["ltd_mean"].min() <= 0.05 and t["ltd_mean"].max() >= 1e5
    assert t["order_quantity"].min() <= 1 and t["order_quantity"].max() >= 1e4
    assert t["alpha"].min() < 1e-20 and (1 - t["alpha"]).min() < 1e-20
    assert (t["gamma"] < 0).any()  # very low s: waiting time above one period
    assert set(np.unique(solve_table["metric"])) == {"alpha", "beta", "gamma"}
    assert solve_table["case_id"].size >= 300


def test_generator_is_independent_of_invsl():
    source = (HERE / "generate_reference.py").read_text()
    assert "import invsl" not in source and "from invsl" not in source
