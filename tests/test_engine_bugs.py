"""Regression tests of the bugs that issue 12 ("One engine") found where the table readers of
evaluate, optimize, simulate, optimize_portfolio and sensitivity had drifted apart.

Every test here failed on the code before the issue (commit 90962d5) and states the intended
behaviour. Only the public API is used (``import invsl`` and the command line).

1. A ``review_period`` without a ``policy`` is never silently continuous review.
2. One vocabulary: every policy/distribution spelling and column name that one entry point
   accepts, evaluate, optimize and simulate all accept; an unknown spelling gets one message.
3. An empty cell reads the same with or without a ``policy`` column.
4. The ``sku`` of a table and of a history are matched by value, whatever their dtypes.
5. A bad call-level argument raises ``ValueError``; a bad cell stays a row status.
6. A semicolon-separated file read without ``--sep`` says that the separator is the problem.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import optimize as scipy_optimize
from scipy import stats

import invsl
from invsl.tools.cli import main as cli_main  # the only line that names the command line's module

# ---------------------------------------------------------------------------------------------
# the vocabulary, as the entry points accepted it before the issue (union of all of them)

POLICIES = ("sQ", "RS", "RsS", "RsQ")
#: policy spellings that only simulate accepted (simulate._POLICY_CODES) -> canonical name;
#: evaluate/optimize accepted sq, rs, rss, rsq (periodic.POLICY_ALIASES, any case)
SIMULATE_ONLY_POLICIES = {
    "s,q": "sQ",
    "(s,q)": "sQ",
    "r,s": "RS",
    "(r,s)": "RS",
    "r,s,s": "RsS",
    "(r,s,s)": "RsS",
    "min/max": "RsS",
    "minmax": "RsS",
    "r,s,nq": "RsQ",
    "(r,s,nq)": "RsQ",
}
POLICY_SPELLINGS = {
    **{p: p for p in POLICIES},
    **{p.lower(): p for p in POLICIES},
    **{p.upper(): p for p in POLICIES},
    **SIMULATE_ONLY_POLICIES,
    " Min/Max ": "RsS",
    "(R,S,nQ)": "RsQ",
}
#: evaluate/optimize: the first six; simulate: all seven (deterministic was simulate-only)
DISTRIBUTIONS = ("normal", "gamma", "poisson", "negbin", "empirical", "compound_poisson")
DISTRIBUTIONS_ALL = (*DISTRIBUTIONS, "deterministic")
#: metrics.METRIC_ALIASES (optimize, sensitivity)
METRIC_SPELLINGS = (
    "alpha",
    "cycle_service_level",
    "csl",
    "beta",
    "fill_rate",
    "gamma",
    "gamma_service_level",
)
#: column names: canonical -> every other spelling some entry point accepted
#: (frame.ALIASES for evaluate/optimize/simulate, simulate._EXTRA_COLUMNS for simulate only)
COLUMN_SPELLINGS = {
    "demand_mean": ("mean_demand", "mu", "avg_demand", "average_demand"),
    "demand_std": ("std_demand", "sigma", "demand_sd", "sd_demand"),
    "lead_time": ("leadtime", "lt", "lead_time_periods"),
    "lead_time_std": ("leadtime_std", "lead_time_sd", "sigma_l"),
    "order_quantity": ("q", "lot_size", "order_qty", "eoq"),
    "reorder_point": ("s", "rop", "reorder_level"),
    "review_period": ("review_interval", "review", "r"),
    "order_up_to": ("order_up_to_level", "max_level", "s_max", "max_stock"),
    "policy": ("policy_type", "inventory_policy"),
}
SIMULATE_ONLY_COLUMNS = {
    "policy_type": "policy",
    "inventory_policy": "policy",
    "review": "review_period",
    "r": "review_period",
    "s_max": "order_up_to",
    "max_stock": "order_up_to",
}

METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")


def run(entry: str, df: pd.DataFrame, **options) -> pd.DataFrame:
    """evaluate / optimize / simulate (a short, seeded simulation) of ``df``."""
    if entry == "simulate":
        return invsl.simulate(df, periods=2_000, seed=1, **options)
    return getattr(invsl, entry)(df, **options)


def cli(*args):
    return CliRunner().invoke(cli_main, [str(a) for a in args], prog_name="invsl")


def one_row(policy: str | None = None, **columns) -> pd.DataFrame:
    """A row every policy can read: demand 10 +- 3 per period, L = 2, Q = 20, s = 30, S = 60,
    R = 2 (each policy reads the columns it needs)."""
    row = dict(
        demand_mean=10.0,
        demand_std=3.0,
        lead_time=2.0,
        order_quantity=20.0,
        reorder_point=30.0,
        order_up_to=60.0,
        review_period=2,
    )
    if policy is not None:
        row["policy"] = policy
    row.update(columns)
    return pd.DataFrame({name: [value] for name, value in row.items()})


# ---------------------------------------------------------------------------------------------
# independent references (scipy, the formulas of docs/periodic.md)


def _normal_g2(x, mean, sd):
    """Second-order loss E[(D - x)^+ ^2] / 2 of D ~ Normal(mean, sd)."""
    z = (x - mean) / sd
    return sd * sd / 2.0 * ((z * z + 1.0) * stats.norm.sf(z) - z * stats.norm.pdf(z))


def _backorders_uniform_position(periods, s, q, mu, sd):
    """E[G1_n(Y)], Y ~ U(s, s + Q), n = ``periods``: (G2(s) - G2(s + Q)) / Q."""
    mean, dev = mu * periods, sd * np.sqrt(periods)
    return (_normal_g2(s, mean, dev) - _normal_g2(s + q, mean, dev)) / q


def rsq_fill_rate_reorder_point(mu, sd, lead, review, q, target):
    """(R, s, nQ), normal demand: Y is uniform on (s, s + Q] and
    beta = 1 - E[G1_{L+R}(Y) - G1_L(Y)] / (R mu); the s with beta(s) = target."""

    def beta(s):
        short = _backorders_uniform_position(lead + review, s, q, mu, sd)
        short -= _backorders_uniform_position(lead, s, q, mu, sd)
        return 1.0 - short / (review * mu)

    return scipy_optimize.brentq(lambda s: beta(s) - target, 0.0, 500.0, xtol=1e-12)


def sq_fill_rate_reorder_point(mu, sd, lead, q, target):
    """(s, Q), normal demand: beta = 1 - (G1_L(s) - G1_L(s + Q)) / Q."""
    mean, dev = mu * lead, sd * np.sqrt(lead)

    def g1(x):
        z = (x - mean) / dev
        return dev * (stats.norm.pdf(z) - z * stats.norm.sf(z))

    return scipy_optimize.brentq(
        lambda s: 1.0 - (g1(s) - g1(s + q)) / q - target, -100.0, 500.0, xtol=1e-12
    )


# ---------------------------------------------------------------------------------------------
# 1. a review_period without a policy is never silently continuous review

ISSUE_ROW = dict(demand_mean=10.0, demand_std=3.0, lead_time=2.0, order_quantity=20.0)
#: the issue's example: the periodic answer and the continuous-review one it was given
RSQ_S = rsq_fill_rate_reorder_point(10.0, 3.0, 2.0, 7, 20.0, 0.95)  # 81.678
SQ_S = sq_fill_rate_reorder_point(10.0, 3.0, 2.0, 20.0, 0.95)  # 21.633


def _assert_policy_missing(result):
    assert (result["status"] == "missing").all(), result[["status", "message"]]
    for message in result["message"]:
        assert "policy" in message, message
        for name in POLICIES:
            assert re.search(rf"\b{name}\b", message), (name, message)


@pytest.mark.parametrize("entry", ["evaluate", "optimize", "simulate"])
def test_review_period_column_without_policy_column_flags_every_row(entry):
    """Old: optimize gave s = 21.6 (the (s, Q) answer) with status ok, where RsQ needs 81.7."""
    df = pd.DataFrame({**{k: [v, v] for k, v in ISSUE_ROW.items()}, "review_period": [7, 7]})
    if entry != "optimize":
        df["reorder_point"] = [82.0, 82.0]
    _assert_policy_missing(run(entry, df))


@pytest.mark.parametrize("entry", ["evaluate", "optimize", "simulate"])
def test_review_period_keyword_without_policy_flags_every_row(entry):
    """``review_period=7`` without ``policy=`` (and no policy column): every row flagged; with
    ``policy="RsQ"`` the same call is the periodic answer."""
    df = pd.DataFrame({k: [v, v] for k, v in ISSUE_ROW.items()})
    if entry != "optimize":
        df["reorder_point"] = [82.0, 82.0]
    _assert_policy_missing(run(entry, df, review_period=7))
    if entry == "optimize":
        out = invsl.optimize(df, "beta", 0.95, review_period=7, policy="RsQ")
        assert (out["status"] == "ok").all()
        assert out["reorder_point"].to_numpy() == pytest.approx([RSQ_S, RSQ_S], abs=1e-6)


def test_review_period_with_empty_policy_cell_is_flagged_and_explicit_policies_still_work():
    """Row by row: RsQ and R = 7 is the periodic answer (81.68, an independent scipy root of
    docs/periodic.md's beta); an empty policy cell beside R = 7 is flagged ``missing`` (old: ok
    with the sQ answer 21.63); an explicit sQ row keeps its sQ answer, review period or not."""
    df = pd.DataFrame(
        {
            **{k: [v] * 4 for k, v in ISSUE_ROW.items()},
            "policy": ["RsQ", None, "sQ", None],
            "review_period": [7, 7, 7, np.nan],
        }
    )
    out = invsl.optimize(df, "beta", 0.95)
    assert out["status"].astype(str).tolist() == ["ok", "missing", "ok", "ok"], out["message"]
    assert RSQ_S == pytest.approx(81.7, abs=0.05) and SQ_S == pytest.approx(21.6, abs=0.05)
    assert out["reorder_point"].iloc[0] == pytest.approx(RSQ_S, abs=1e-6)
    assert np.isnan(out["reorder_point"].iloc[1])
    assert out["reorder_point"].iloc[[2, 3]].to_numpy() == pytest.approx([SQ_S, SQ_S], abs=1e-6)
    _assert_policy_missing(out.iloc[[1]])


def test_cli_review_period_without_policy_flags_the_rows(tmp_path):
    """The command line streams a table through its own reader: the same rows are flagged
    (exit 1, status missing) instead of written as continuous review (old: exit 0, all ok)."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "sku,demand_mean,demand_std,lead_time,order_quantity,review_period\nA,10,3,2,20,7\n"
    )
    result = cli("optimize", src, "-o", out, "--target", "0.95")
    assert result.exit_code == 1, result.output
    table = pd.read_csv(out, keep_default_na=False)
    assert table["status"].tolist() == ["missing"]
    assert "policy" in table["message"].iloc[0]


# ---------------------------------------------------------------------------------------------
# 2. one vocabulary


@pytest.mark.parametrize("where", ["column", "keyword"])
@pytest.mark.parametrize("entry", ["evaluate", "optimize"])
@pytest.mark.parametrize("spelling", sorted(SIMULATE_ONLY_POLICIES))
def test_simulate_policy_spellings_give_the_canonical_numbers(spelling, entry, where):
    """Old: ``unknown_policy`` from evaluate/optimize for spellings simulate accepted."""
    canonical = SIMULATE_ONLY_POLICIES[spelling]
    if where == "column":
        got = run(entry, one_row(spelling)).drop(columns="policy")
        want = run(entry, one_row(canonical)).drop(columns="policy")
    else:  # (a review period only where the policy has one)
        table = one_row() if canonical != "sQ" else one_row().drop(columns="review_period")
        got = run(entry, table, policy=spelling)
        want = run(entry, table, policy=canonical)
    assert got["status"].astype(str).tolist() == ["ok"], got["message"].tolist()
    pd.testing.assert_frame_equal(got, want)


def _four_policies() -> pd.DataFrame:
    """One row of each policy, every column filled (each row reads its own)."""
    df = pd.concat([one_row(p) for p in POLICIES], ignore_index=True)
    df["lead_time_std"] = 0.0
    return df


@pytest.mark.parametrize(
    "alias,entry",
    [(alias, "evaluate") for alias in SIMULATE_ONLY_COLUMNS]
    + [
        (alias, "optimize")
        for alias, name in SIMULATE_ONLY_COLUMNS.items()
        if name != "order_up_to"  # optimize solves order_up_to, it does not read it
    ],
)
def test_simulate_column_names_give_the_canonical_numbers(alias, entry):
    """Old: evaluate/optimize ignored ``r``, ``review``, ``policy_type`` ... (silently: the
    default review period, or continuous review) or raised for ``s_max`` / ``max_stock``."""
    name = SIMULATE_ONLY_COLUMNS[alias]
    df = _four_policies()
    got = run(entry, df.rename(columns={name: alias}))
    want = run(entry, df)
    assert (got["status"] == "ok").all(), got["message"].tolist()
    for column in ("reorder_point", *METRICS, "status"):
        pd.testing.assert_series_equal(got[column], want[column])


def _spelling_case(entry, policy="sQ", **columns):
    """Status of a one-row table with ``policy`` and ``columns`` set (a history for the
    empirical row)."""
    df = one_row(policy, **columns).assign(sku="A")
    history = pd.DataFrame(
        {"sku": "A", "period": range(24), "demand": [8, 12, 9, 11, 10, 7, 13, 10] * 3}
    )
    return str(run(entry, df, history=history)["status"].iloc[0])


def test_every_policy_and_distribution_spelling_is_accepted_by_every_entry_point():
    """The union of what evaluate, optimize and simulate accepted, checked on all three (old:
    evaluate/optimize answered ``unknown_policy`` for the 10 simulate-only policy spellings
    and ``unknown_distribution`` for ``deterministic``). Every row here is computable: ok."""
    refused = []
    for entry in ("evaluate", "optimize", "simulate"):
        for spelling in POLICY_SPELLINGS:
            status = _spelling_case(entry, policy=spelling)
            if status != "ok":
                refused.append((entry, "policy", spelling, status))
        for spelling in (*DISTRIBUTIONS_ALL, " Deterministic ", "NEGBIN"):
            sd = 0.0 if spelling.strip().lower() == "deterministic" else 4.0
            status = _spelling_case(entry, distribution=spelling, demand_std=sd)
            if status != "ok":
                refused.append((entry, "distribution", spelling, status))
    assert refused == []


def test_every_column_name_is_accepted_by_every_entry_point():
    """Each spelling of each input column, on a table with one row of each policy: evaluate,
    optimize and simulate give the numbers of the canonical name (old: evaluate and optimize
    ignored or refused the six simulate-only names)."""
    df = _four_policies()
    wrong = []
    for entry in ("evaluate", "optimize", "simulate"):
        want = run(entry, df)
        assert (want["status"] == "ok").all(), (entry, want["message"].tolist())
        for name, aliases in COLUMN_SPELLINGS.items():
            if entry == "optimize" and name in ("reorder_point", "order_up_to"):
                continue  # solved, not read
            for alias in aliases:
                try:
                    got = run(entry, df.rename(columns={name: alias}))
                except invsl.InputError as exc:
                    wrong.append((entry, alias, str(exc)[:60]))
                    continue
                same = all(
                    got[c].astype(str).equals(want[c].astype(str)) for c in ("status", *METRICS)
                )
                if not same:
                    wrong.append((entry, alias, "other numbers"))
    assert wrong == []


@pytest.mark.parametrize("entry", ["evaluate", "optimize"])
def test_deterministic_distribution_is_normal_without_variance(entry):
    """``deterministic`` (simulate's word for demand without variance) gives the numbers of
    ``normal`` with demand_std 0 (old: ``unknown_distribution``)."""
    df = pd.concat([one_row(p, demand_std=0.0) for p in POLICIES], ignore_index=True)
    got = run(entry, df.assign(distribution="deterministic"))
    want = run(entry, df.assign(distribution="normal"))
    assert (got["status"] == "ok").all(), got["message"].tolist()
    pd.testing.assert_frame_equal(
        got.drop(columns="distribution"), want.drop(columns="distribution")
    )


def test_unknown_cell_spellings_get_one_message_listing_what_is_accepted():
    """An unknown policy and an unknown distribution cell: the same status and message from
    evaluate, optimize and simulate, listing every accepted name (old: the distribution
    message left out ``deterministic``, which simulate accepted; the policy half already
    held and guards the shared vocabulary)."""
    df = pd.concat([one_row("weekly"), one_row("sQ", distribution="weibull")], ignore_index=True)
    results = {entry: run(entry, df) for entry in ("evaluate", "optimize", "simulate")}
    for entry, out in results.items():
        assert out["status"].astype(str).tolist() == ["unknown_policy", "unknown_distribution"]
        assert out["message"].tolist() == results["evaluate"]["message"].tolist(), entry
    policy_message, distribution_message = results["evaluate"]["message"]
    assert "weekly" in policy_message and "weibull" in distribution_message
    for name in POLICIES:
        assert re.search(rf"\b{re.escape(name)}\b", policy_message), name
    for name in DISTRIBUTIONS_ALL:
        assert re.search(rf"\b{name}\b", distribution_message), name


@pytest.mark.parametrize(
    "args",
    [
        ("optimize", "--metric", "csl"),
        ("optimize", "--policy", "min/max"),
        ("evaluate", "--policy", "(r,s,nq)"),
        ("evaluate", "--distribution", "deterministic"),
        ("simulate", "--policy", "minmax", "--periods", "1000"),
    ],
)
def test_cli_accepts_the_spellings_of_the_python_api(tmp_path, args):
    """The command line's choices are the vocabulary's (old: click refused these, exit 2)."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    table = one_row(demand_std=0.0)
    if "--policy" not in args:
        table = table.drop(columns="review_period")  # continuous review
    table.to_csv(src, index=False)
    result = cli(args[0], src, "-o", out, *args[1:])
    assert result.exit_code == 0, result.output
    assert out.exists()


# ---------------------------------------------------------------------------------------------
# 3. an empty cell reads the same with or without a policy column


@pytest.mark.parametrize("target", [None, 0.9])
def test_empty_cells_read_the_same_with_or_without_a_policy_column(target):
    """Without a policy column a table went through frame.py, with one through
    periodic_frame.py, which dropped the call-level defaults from the messages.

    Intended, in both paths: an empty target cell takes ``target=`` (row ok, beta = 0.9) or,
    with ``target=None``, is ``missing`` with "target = empty"; an empty lead_time_std cell
    takes ``lead_time_std=0.5``, and when that value is the problem (compound_poisson needs
    a fixed lead time) the message says both that the cell is empty and which value was used
    (old: "lead_time_std = 0.5" without a policy column, "lead_time_std = empty" with one).
    """
    df = pd.DataFrame(
        {
            **{k: [v] * 3 for k, v in ISSUE_ROW.items()},
            "demand_std": [3.0, 3.0, 4.0],
            "distribution": ["normal", "normal", "compound_poisson"],
            "target": [0.9, np.nan, 0.9],
            "lead_time_std": [0.0, np.nan, np.nan],
        }
    )
    plain = invsl.optimize(df, "beta", target, lead_time_std=0.5)
    with_policy = invsl.optimize(df.assign(policy="sQ"), "beta", target, lead_time_std=0.5)
    for column in ("status", "message", "reorder_point", *METRICS):
        pd.testing.assert_series_equal(plain[column], with_policy[column], check_dtype=False)
    status = plain["status"].astype(str).tolist()
    if target is None:
        assert status == ["ok", "missing", "random_lead_time"]
        assert plain["message"].iloc[1].startswith("target = empty")
    else:
        assert status == ["ok", "ok", "random_lead_time"]
        assert plain["beta"].iloc[1] == pytest.approx(0.9, abs=1e-9)
    message = plain["message"].iloc[2]
    assert "lead_time_std" in message and "empty" in message and "0.5" in message, message


def test_bad_target_keyword_with_an_empty_target_cell_raises_in_both_paths():
    """The issue's example (old: "target = 1.5" without a policy column, "target = empty"
    with one, each as a row status): a bad ``target=`` is a call-level error in both."""
    df = pd.DataFrame({**{k: [v, v] for k, v in ISSUE_ROW.items()}, "target": [0.9, np.nan]})
    for table in (df, df.assign(policy="sQ")):
        with pytest.raises(ValueError, match="1.5"):
            invsl.optimize(table, "beta", 1.5)


# ---------------------------------------------------------------------------------------------
# 4. sku of the table and of the history matched by value

#: ids as the history holds them -> as the table holds them
SKU_DTYPES = {
    "table text, history int": ("int", "str"),
    "table int, history text": ("str", "int"),
    "table float, history text": ("str", "float"),
}


def _ids(kind: str, ids) -> list:
    return {"int": list(ids), "str": [str(i) for i in ids], "float": [float(i) for i in ids]}[kind]


def _empirical_case(history_kind: str, table_kind: str):
    history = pd.DataFrame(
        {
            "sku": _ids(history_kind, [101] * 12 + [102] * 12),
            "period": list(range(12)) * 2,
            "demand": [3, 0, 5, 2, 4, 1, 0, 6, 2, 3, 4, 2] + [0, 0, 1, 0, 2, 0, 0, 1, 0, 0, 3, 0],
        }
    )
    table = pd.DataFrame(
        {
            "sku": _ids(table_kind, [101, 102]),
            "lead_time": [2.0, 2.0],
            "order_quantity": [10.0, 4.0],
            "reorder_point": [8.0, 2.0],
            "distribution": ["empirical", "empirical"],
        }
    )
    return table, history


@pytest.mark.parametrize("entry", ["evaluate", "optimize", "simulate"])
@pytest.mark.parametrize("case", list(SKU_DTYPES))
def test_empirical_rows_match_history_skus_across_dtypes(case, entry):
    """Table and history skus are matched by value whatever their dtypes: an integer id (or a
    float with an integer value) is read as its canonical decimal string, so "101" matches
    101 and 101.0. Text ids are compared as written (see the next test for "0101"). The rows
    compute exactly as with both columns of one dtype (old: every row ``no_history``)."""
    history_kind, table_kind = SKU_DTYPES[case]
    table, history = _empirical_case(history_kind, table_kind)
    same_table, same_history = _empirical_case("str", "str")
    got = run(entry, table, history=history)
    want = run(entry, same_table, history=same_history)
    assert (got["status"] == "ok").all(), got["message"].tolist()
    pd.testing.assert_frame_equal(got.drop(columns="sku"), want.drop(columns="sku"))


def test_sku_that_cannot_match_says_why():
    """Text ids are compared as written, so the part number "0101" is not the integer 101
    (leading zeros are part of an id written as text; only integer values are turned into
    text, as str(101) = "101"). That row stays ``no_history``, and its message says why: it
    names the table's and the history's sku types (old: a message that never mentioned the
    type). The matching row "101" computes normally."""
    table, history = _empirical_case("int", "str")
    table["sku"] = ["0101", "101"]
    out = invsl.evaluate(table, history=history)
    assert out["status"].astype(str).tolist() == ["no_history", "ok"], out["message"].tolist()
    message = out["message"].iloc[0]
    assert "sku" in message, message
    assert re.search(r"\bint(eger|64|32)?s?\b", message, re.IGNORECASE), message
    assert re.search(r"\b(str|string|text|object)s?\b", message, re.IGNORECASE), message


# ---------------------------------------------------------------------------------------------
# 5. a bad call-level argument raises; a bad cell stays a row status

DF = pd.DataFrame(
    {
        "sku": ["a", "b"],
        "demand_mean": [10.0, 20.0],
        "demand_std": [3.0, 5.0],
        "lead_time": [2.0, 2.0],
        "order_quantity": [20.0, 30.0],
        "reorder_point": [25.0, 50.0],
        "unit_cost": [1.0, 2.0],
    }
)
WORDS = {
    "target": ("95", "between 0 and 1"),
    "metric": ("fillrate", *METRIC_SPELLINGS),
    "policy": ("xyz", *POLICIES),
    "distribution": ("xyz", *DISTRIBUTIONS_ALL),
    "lead_time_std": ("lead_time_std", "-1"),
    "review_period": ("review_period", "0"),
}
BAD = {
    "target": 95,
    "metric": "fillrate",
    "policy": "xyz",
    "distribution": "xyz",
    "lead_time_std": -1.0,
    "review_period": 0,
}
CALLS = {
    "evaluate": lambda **kw: invsl.evaluate(DF, **kw),
    "optimize": lambda **kw: invsl.optimize(DF.drop(columns="reorder_point"), **kw),
    "simulate": lambda **kw: invsl.simulate(DF, periods=1_000, **kw),
    "optimize_portfolio": lambda **kw: invsl.optimize_portfolio(
        DF.drop(columns="reorder_point"), budget=50.0, **kw
    ),
    "sensitivity": lambda **kw: invsl.sensitivity(DF, **{"target": 0.9, **kw}),
    "exchange_curve": lambda **kw: invsl.exchange_curve(DF.drop(columns="reorder_point"), **kw),
}
#: entry point -> the keywords above it takes (the others are not in its signature)
KEYWORDS = {
    "evaluate": ("policy", "distribution", "lead_time_std", "review_period"),
    "optimize": ("target", "metric", "policy", "distribution", "lead_time_std", "review_period"),
    "simulate": ("policy", "distribution", "lead_time_std", "review_period"),
    "optimize_portfolio": ("distribution",),
    "sensitivity": ("target", "metric", "distribution"),
    "exchange_curve": ("distribution",),
}


def _bad_call(entry, keyword):
    options = {keyword: BAD[keyword]}
    if keyword == "review_period":
        options["policy"] = "RsQ"  # a periodic call, so that the review period is used
    return lambda: CALLS[entry](**options)


@pytest.mark.parametrize(
    "entry,keyword", [(e, k) for e, keywords in KEYWORDS.items() for k in keywords]
)
def test_bad_keyword_raises_naming_the_value_and_what_is_accepted(entry, keyword):
    """Old: every row flagged (bad_target, unknown_metric, unknown_policy, ...), the message
    neither repeating the value nor, for metric, naming ``fill_rate``; exchange_curve
    returned an empty curve."""
    with pytest.raises(ValueError) as info:
        _bad_call(entry, keyword)()
    message = str(info.value)
    for word in WORDS[keyword]:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    "keyword,entries",
    [
        ("policy", ("evaluate", "optimize", "simulate")),
        ("distribution", tuple(e for e in KEYWORDS if "distribution" in KEYWORDS[e])),
        ("metric", ("optimize", "sensitivity")),
    ],
)
def test_bad_keyword_gets_one_message_from_every_entry_point(keyword, entries):
    messages = {}
    for entry in entries:
        with pytest.raises(ValueError) as info:
            _bad_call(entry, keyword)()
        messages[entry] = str(info.value)
    assert len(set(messages.values())) == 1, messages


def test_bad_target_list_in_sensitivity_raises():
    with pytest.raises(ValueError, match="95"):
        invsl.sensitivity(DF, target=[0.9, 95])


@pytest.mark.parametrize(
    "column,value,status,words",
    [
        ("target", 95, "bad_target", ("95", "between 0 and 1")),
        ("metric", "fillrate", "unknown_metric", ("fillrate", *METRIC_SPELLINGS)),
    ],
)
@pytest.mark.parametrize("policy_column", [False, True])
def test_bad_cell_stays_a_row_status_where_the_keyword_raises(
    column, value, status, words, policy_column
):
    """The same bad value as a cell flags its row (the other row is computed) and the
    message lists what is accepted (old: "metric must be one of alpha, beta, gamma",
    without fill_rate); as a keyword it raises (old: flagged every row)."""
    df = DF.drop(columns="reorder_point").assign(**{column: [value, None]})
    if policy_column:
        df["policy"] = "sQ"
    out = invsl.optimize(df, "beta", 0.95)
    assert out["status"].astype(str).tolist() == [status, "ok"]
    for word in words:
        assert word in out["message"].iloc[0], (word, out["message"].iloc[0])
    with pytest.raises(ValueError, match=str(value)):
        invsl.optimize(df.drop(columns=column), **{column: value})


def test_cli_bad_target_is_a_usage_error(tmp_path):
    """``--target 95`` stops with exit 2 and one line naming the value (old: exit 1, every
    row flagged bad_target, output written). A ValueError must not escape as a traceback."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    DF.drop(columns="reorder_point").to_csv(src, index=False)
    result = cli("optimize", src, "-o", out, "--target", "95")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "95" in lines[0], result.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# 6. a semicolon file read without --sep
# The regression test of this bug is tests/test_io.py::
# test_cli_semicolon_file_without_sep_points_at_the_separator (optimize, evaluate, simulate;
# it failed on 90962d5), next to the other hostile files that docs/cli.md lists.
