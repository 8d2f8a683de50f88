"""The array functions called with scalars (one SKU at a time, issue 14 part 3).

A call whose inputs are all Python numbers (or numpy float64) and plain names takes a fast
path without arrays (``invsl.engine.single`` and ``kernels.batch.sq_one``). It must answer
what the array path answers, bit for bit, for good and bad inputs alike: the same value and
type (numpy float64), NaN for the same rows, the same RowStatus with ``return_status=True``.
The array path is reached here with 0-d arrays (same call, not scalars of the fast path's
types) and with 1-d arrays holding every row of the grid at once (a row alone and a row of a
table give the same bits).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

import invsl
from invsl.api import arrays
from invsl.kernels import batch

SEED = 20261207
N_ROWS = 600

#: values per input: good ones (some at the edges) and bad ones
GOOD = dict(
    demand_mean=[10.0, 3, 250.5, 1e-3, 1e8],
    demand_std=[3.0, 0.0, 12.0, 1e-3, 40],
    lead_time=[2.0, 0.5, 7, 0.0],
    lead_time_std=[0.0, 0.0, 0.5, 1.0],
    order_quantity=[50.0, 1.0, 7, 400, 1e-4, 2.5],
    reorder_point=[95.0, 25.0, 30, 0.0, -10.0, 12.5, 1e8],
    target=[0.95, 0.5, 0.2, 0.999999, 0.01, 0.98],
)
BAD = dict(
    demand_mean=[0.0, -1.0, math.nan, math.inf],
    demand_std=[-2.0, math.nan, math.inf],
    lead_time=[-1.0, math.nan, math.inf],
    lead_time_std=[-0.5, math.nan],
    order_quantity=[0.0, -3.0, math.nan, math.inf],
    reorder_point=[math.nan, -math.inf],
    target=[0.0, 1.0, 1.5, math.nan],
)
DISTRIBUTIONS = ["normal", "gamma", "poisson", "negbin", "deterministic", " Normal", "weibull"]
METRICS = ["beta", "alpha", "gamma", "fill_rate", "CSL", "bogus"]
#: rows that fail inside the kernel (as in test_arrays_status.py: BASE with changes)
BASE = dict(
    reorder_point=120.0,
    order_quantity=200.0,
    demand_mean=100.0,
    demand_std=30.0,
    lead_time=1.0,
    lead_time_std=0.0,
    distribution="normal",
    metric="beta",
    target=0.95,
)
SPECIAL = [
    dict(distribution="negbin", demand_std=2.0),  # variance <= mean: negbin_variance
    dict(distribution="gamma", lead_time=0.0, lead_time_std=1.0),  # cannot_fit
    dict(demand_mean=1e8, demand_std=1e-3, order_quantity=1e-4, reorder_point=1e8),
]
SINGLES = [
    "cycle_service_level",
    "fill_rate",
    "gamma_service_level",
    "ready_rate",
    "expected_backorders",
    "expected_on_hand",
]


def _grid(n=N_ROWS, seed=SEED, bad=0.06):
    """Seeded rows: numbers as float, int (where whole) or numpy float64, names as given;
    each number bad with probability ``bad``, some names unknown or spelled otherwise."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        row = {}
        for name, values in GOOD.items():
            if rng.random() < bad:
                values = BAD[name]
            value = values[rng.integers(len(values))]
            kind = rng.integers(3)
            if kind == 1 and math.isfinite(value) and float(value).is_integer():
                value = int(value)
            elif kind == 2:
                value = np.float64(value)
            else:
                value = float(value)
            row[name] = value
        row["distribution"] = DISTRIBUTIONS[rng.integers(len(DISTRIBUTIONS))]
        row["metric"] = METRICS[rng.integers(len(METRICS))]
        if i < len(SPECIAL):
            row.update(BASE, **SPECIAL[i])
        rows.append(row)
    return rows


ROWS = _grid()
POLICY = ["order_quantity", "demand_mean", "demand_std", "lead_time", "lead_time_std"]


def _evaluate_args(row, wrap=lambda v: v):
    return (wrap(row["reorder_point"]), *(wrap(row[k]) for k in POLICY), row["distribution"])


def _solve_args(row, wrap=lambda v: v):
    return (wrap(row["target"]), *(wrap(row[k]) for k in POLICY), row["distribution"])


def _zero_d(value):
    return np.asarray(value)


def _column(name):
    return np.array([float(row[name]) for row in ROWS])


def _same(fast, slow, where=""):
    """Bit for bit the same numpy float64 (NaN equal to NaN, -0.0 unequal to 0.0)."""
    assert type(fast) is type(slow) is np.float64, (where, type(fast), type(slow))
    assert np.array(fast).tobytes() == np.array(slow).tobytes() or (
        np.isnan(fast) and np.isnan(slow)
    ), (where, fast, slow)


def _same_status(fast, slow, where=""):
    assert isinstance(fast, invsl.RowStatus), where
    for got, want in zip(fast, slow):
        assert type(got) is type(want), (where, got, want)
        assert got == want, (where, got, want)
    assert fast.ok == slow.ok and type(fast.ok) is type(slow.ok)


def _status_at(status, i):
    return invsl.RowStatus(status.code[i], status.name[i], status.message[i])


def test_grid_has_good_and_bad_rows():
    _, status = invsl.service_levels(
        _column("reorder_point"),
        *(_column(k) for k in POLICY),
        np.array([row["distribution"] for row in ROWS], dtype=object),
        return_status=True,
    )
    names = set(status.name.tolist())
    assert {"ok", "missing", "not_finite", "negative", "zero_demand", "not_integer"} <= names
    assert {"unknown_distribution", "bad_order_quantity", "negbin_variance"} <= names
    assert {"cannot_fit", "precision_limit"} <= names
    assert 0.2 < status.ok.mean() < 0.8


@pytest.mark.parametrize("name", SINGLES)
def test_single_metrics_match_the_array_path(name):
    function = getattr(invsl, name)
    table, table_status = function(
        _column("reorder_point"),
        *(_column(k) for k in POLICY),
        np.array([row["distribution"] for row in ROWS], dtype=object),
        return_status=True,
    )
    for i, row in enumerate(ROWS):
        fast = function(*_evaluate_args(row))
        _same(fast, function(*_evaluate_args(row, _zero_d)), (name, row))
        _same(fast, np.float64(table[i]), (name, row))
        fast, status = function(*_evaluate_args(row), return_status=True)
        slow, slow_status = function(*_evaluate_args(row, _zero_d), return_status=True)
        _same(fast, slow, (name, row))
        _same_status(status, slow_status, (name, row))
        _same_status(status, _status_at(table_status, i), (name, row))


def test_service_levels_match_the_array_path():
    for row in ROWS:
        for return_status in (False, True):
            fast = invsl.service_levels(*_evaluate_args(row), return_status=return_status)
            slow = invsl.service_levels(*_evaluate_args(row, _zero_d), return_status=return_status)
            if return_status:
                _same_status(fast[1], slow[1], row)
                fast, slow = fast[0], slow[0]
            assert list(fast) == list(slow)
            for key in fast:
                _same(fast[key], slow[key], (key, row))


def test_reorder_point_matches_the_array_path():
    metrics = np.array([row["metric"] for row in ROWS], dtype=object)
    table, table_status = invsl.reorder_point(
        _column("target"),
        *(_column(k) for k in POLICY),
        np.array([row["distribution"] for row in ROWS], dtype=object),
        metrics,
        return_status=True,
    )
    for i, row in enumerate(ROWS):
        metric = row["metric"]
        fast = invsl.reorder_point(*_solve_args(row), metric)
        _same(fast, invsl.reorder_point(*_solve_args(row, _zero_d), metric), row)
        _same(fast, np.float64(table[i]), row)
        fast, status = invsl.reorder_point(*_solve_args(row), metric, return_status=True)
        slow, slow_status = invsl.reorder_point(
            *_solve_args(row, _zero_d), metric, return_status=True
        )
        _same(fast, slow, row)
        _same_status(status, slow_status, row)
        _same_status(status, _status_at(table_status, i), row)


@pytest.mark.parametrize("function", [invsl.loss_first_order, invsl.loss_second_order])
def test_loss_functions_match_the_array_path(function):
    for row in ROWS:
        args = (row["reorder_point"], row["demand_mean"], row["demand_std"])
        fast = function(*args, row["distribution"])
        slow = function(*map(_zero_d, args), row["distribution"])
        _same(fast, slow, row)


def test_keywords_defaults_and_the_documented_examples():
    _same(invsl.fill_rate(120, 200, 100, 30, 1), invsl.fill_rate(120.0, [200.0], 100, 30, 1)[0])
    assert round(float(invsl.reorder_point(0.98, 200, 100, 30, 1)), 4) == 122.215
    assert float(invsl.reorder_point(0.95, 10, 8, 0, 1, distribution="poisson")) == 10.0
    kwargs = dict(order_quantity=50.0, demand_mean=10.0, demand_std=3.0, lead_time=2.0)
    _same(
        invsl.reorder_point(target=0.9, **kwargs, metric="gamma", distribution="gamma"),
        invsl.reorder_point(np.asarray(0.9), **kwargs, metric="gamma", distribution="gamma"),
    )
    # None takes the default name, as in the array path
    _same(
        invsl.fill_rate(25.0, 50.0, 10.0, 3.0, 2.0, distribution=None),
        invsl.fill_rate(25.0, 50.0, 10.0, 3.0, 2.0),
    )


def test_other_scalar_types_take_the_array_path_and_agree():
    # bool, numpy integers and float32 are not the fast path's types: same answers anyway
    _same(invsl.fill_rate(30, 50, 10, 3, True), invsl.fill_rate(30.0, 50.0, 10.0, 3.0, 1.0))
    _same(
        invsl.fill_rate(np.int64(30), 50, 10, 3, np.float32(2.0)),
        invsl.fill_rate(30.0, 50.0, 10.0, 3.0, 2.0),
    )
    # an int too large for a float raises as before
    with pytest.raises(OverflowError):
        invsl.fill_rate(10**400, 50.0, 10.0, 3.0, 2.0)
    with pytest.raises(OverflowError):
        invsl.reorder_point(0.95, 50.0, 10**400, 3.0, 2.0)
    # text where a number belongs raises as before
    with pytest.raises(ValueError):
        invsl.fill_rate("a lot", 50.0, 10.0, 3.0, 2.0)


def test_arrays_still_broadcast():
    s = invsl.reorder_point([0.9, 0.95], 50.0, [[10.0], [20.0]], 3.0, 2.0)
    assert s.shape == (2, 2)
    _same(np.float64(s[1, 0]), invsl.reorder_point(0.9, 50.0, 20.0, 3.0, 2.0))
    levels = invsl.service_levels(s, 50.0, [[10.0], [20.0]], 3.0, 2.0)
    np.testing.assert_allclose(levels["beta"], [[0.9, 0.95], [0.9, 0.95]], rtol=1e-9)


def test_fast_path_is_the_one_in_use(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the array path ran")

    monkeypatch.setattr(arrays, "_run_sq", refuse)
    monkeypatch.setattr(arrays, "validate", refuse)
    for dist, std in (("normal", 3.0), ("gamma", 3.0), ("poisson", 0.0), ("negbin", 5.0)):
        assert 0 < invsl.fill_rate(25.0, 50, 10, std, 2, distribution=dist) < 1
        assert invsl.reorder_point(0.95, 50, 10, std, 2, distribution=dist) > 0
        levels = invsl.service_levels(25.0, 50, 10, std, 2, distribution=dist)
        assert list(levels) == list(batch.OUTPUTS[1:])
        assert invsl.loss_first_order(25.0, 20.0, 2 * std, dist) > 0
    _, status = invsl.fill_rate(25.0, 50, 10, 3.0, 2, return_status=True)
    assert status.name == "ok"
    # bad inputs: NaN without the array path; their status and message need it
    assert math.isnan(invsl.fill_rate(25.0, -50, 10, 3.0, 2))
    assert math.isnan(invsl.reorder_point(1.5, 50, 10, 3.0, 2))
    with pytest.raises(AssertionError, match="array path"):
        invsl.fill_rate(25.0, -50, 10, 3.0, 2, return_status=True)
    with pytest.raises(AssertionError, match="array path"):
        invsl.fill_rate([25.0], 50, 10, 3.0, 2)


def test_fill_rate_and_reorder_point_against_scipy():
    # beta = 1 - (G1(s) - G1(s + Q)) / Q, G1(x) = sd (phi(z) - z (1 - Phi(z)))
    rng = np.random.default_rng(SEED)
    for _ in range(200):
        mu, cv, lt = rng.uniform(1, 100), rng.uniform(0.1, 1), rng.uniform(0.5, 8)
        q, s = mu * rng.uniform(0.5, 10), mu * lt * rng.uniform(0.5, 2)
        mean, sd = mu * lt, mu * cv * math.sqrt(lt)

        def g1(x):
            z = (x - mean) / sd
            return sd * (scipy.stats.norm.pdf(z) - z * scipy.stats.norm.sf(z))

        beta = 1 - (g1(s) - g1(s + q)) / q
        assert invsl.fill_rate(s, q, mu, mu * cv, lt) == pytest.approx(beta, rel=1e-10, abs=1e-13)
        alpha = scipy.stats.norm.cdf(s, mean, sd)
        assert invsl.cycle_service_level(s, q, mu, mu * cv, lt) == pytest.approx(alpha, rel=1e-12)
        target = float(np.clip(beta, 0.5, 0.999))
        point = invsl.reorder_point(target, q, mu, mu * cv, lt)
        reached = 1 - (g1(point) - g1(point + q)) / q
        assert reached == pytest.approx(target, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# periodic review: periodic_service_levels and periodic_policy with scalars
# (engine.single.periodic and kernels.periodic.policies.one)

PERIODIC_POLICIES = ["RS", "RsS", "RsQ", "rss", "sQ", "weekly"]
REVIEW = [1.0, 2, 3.0, np.float64(1.0), 1.5, 0.0, math.nan]
PERIODIC_NUMBERS = ["demand_mean", "demand_std", "lead_time"]


def _periodic_grid(n=300, seed=SEED + 1):
    """Rows of the (s, Q) grid with a policy, a review period (some not whole, 0 or NaN),
    an order-up-to level (some not above the reorder point) and a gap or pack size."""
    rng = np.random.default_rng(seed)
    rows = []
    for row in _grid(n, seed, bad=0.05):
        row = dict(row)
        row["policy"] = PERIODIC_POLICIES[rng.integers(len(PERIODIC_POLICIES))]
        row["review_period"] = REVIEW[rng.integers(len(REVIEW))]
        gap = [30.0, 0.0, -5.0, 12, math.nan][rng.choice(5, p=[0.6, 0.1, 0.1, 0.15, 0.05])]
        row["order_up_to"] = row["reorder_point"] + gap if math.isfinite(gap) else gap
        whole = all(math.isfinite(row[k]) for k in ("reorder_point", "order_quantity"))
        if row["distribution"] in ("poisson", "negbin") and whole and rng.random() < 0.7:
            row["reorder_point"] = float(math.floor(row["reorder_point"]))
            row["order_up_to"] = float(row["reorder_point"] + 12)
            row["order_quantity"] = float(max(1.0, math.ceil(row["order_quantity"])))
        rows.append(row)
    return rows


PERIODIC_ROWS = _periodic_grid()


def _levels(row, wrap=lambda v: v, **kw):
    return invsl.periodic_service_levels(
        row["policy"], *(wrap(row[k]) for k in PERIODIC_NUMBERS),
        review_period=wrap(row["review_period"]), lead_time_std=wrap(row["lead_time_std"]),
        reorder_point=wrap(row["reorder_point"]), order_up_to=wrap(row["order_up_to"]),
        order_quantity=wrap(row["order_quantity"]), distribution=row["distribution"], **kw,
    )  # fmt: skip


def _policy(row, wrap=lambda v: v, **kw):
    return invsl.periodic_policy(
        wrap(row["target"]), row["policy"], *(wrap(row[k]) for k in PERIODIC_NUMBERS),
        review_period=wrap(row["review_period"]), lead_time_std=wrap(row["lead_time_std"]),
        order_quantity=wrap(row["order_quantity"]), distribution=row["distribution"],
        metric=row["metric"], **kw,
    )  # fmt: skip


def test_periodic_functions_match_the_array_path():
    fast_rows = 0
    for row in PERIODIC_ROWS:
        fast = _levels(row)
        slow, status = _levels(row, _zero_d, return_status=True)
        assert list(fast) == list(slow)
        for key in fast:
            _same(fast[key], slow[key], (key, row))
        fast_rows += bool(status.ok)
        s, big_s = _policy(row)
        slow_s, slow_big_s = _policy(row, _zero_d)
        _same(s, slow_s, ("reorder_point", row))
        _same(big_s, slow_big_s, ("order_up_to", row))
    assert 60 < fast_rows < 250  # good rows and bad ones


def test_periodic_fast_path_is_the_one_in_use(monkeypatch):
    from invsl.api import periodic_arrays

    def refuse(*args, **kwargs):
        raise AssertionError("the array path ran")

    monkeypatch.setattr(periodic_arrays, "_run", refuse)
    for dist, std in (("normal", 3.0), ("gamma", 3.0), ("poisson", 0.0), ("negbin", 5.0)):
        for policy in ("RS", "RsS", "RsQ"):
            levels = invsl.periodic_service_levels(
                policy, 10, std, 2, review_period=2, reorder_point=25.0, order_up_to=40.0,
                order_quantity=10, distribution=dist,
            )  # fmt: skip
            assert 0 < levels["beta"] < 1
            s, big_s = invsl.periodic_policy(
                0.95, policy, 10, std, 2, review_period=2, order_quantity=10, distribution=dist
            )
            assert (big_s if policy == "RS" else s) > 0
    with pytest.raises(AssertionError, match="array path"):  # a bad row: its status says why
        invsl.periodic_service_levels("RS", 10.0, 3.0, 2.0, 1.5, order_up_to=40.0)
