"""The fused solve-and-report paths against the generic solver and evaluator.

``normal_sq`` (Halley's method) and ``integer_sq`` (exact downward recurrences) replace, for
beta and gamma targets, the generic pair ``solvers.solve`` + ``metrics.sq_metrics``. The
generic pair is an independent route to the same numbers (a different iteration, loss
functions evaluated afresh at the answer) and is itself checked against mpmath in
test_reference.py. Here the two routes must agree:

- continuous: reorder points within the contract's tolerance 1e-9 * max(1, sd) wherever the
  problem is well conditioned (the metric changes by more than rounding over that tolerance);
- integer: identical reorder points (the smallest integer that reaches the target);
- every reported metric equal to ``metrics.sq_metrics`` at the reported reorder point.

And the batch kernel must really take the fused path (bit-identical to calling it).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from invsl.kernels import normal_start
from invsl.kernels import batch
from invsl.scalar import distributions as dist
from invsl.kernels import integer_sq
from invsl.kernels import metrics
from invsl.kernels import normal_sq
from invsl.kernels import solvers
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_NORMAL, DEMAND_POISSON, METRIC_BETA, METRIC_GAMMA

RNG = np.random.default_rng(20261123)
TABLE = normal_start.table()


def _close(got, want, rel=1e-11, abs_=1e-13):
    return abs(got - want) <= rel * abs(want) + abs_


def _normal_rows(n):
    mean = 10 ** RNG.uniform(-2, 6, n)
    sd = mean * 10 ** RNG.uniform(-1.5, 0.7, n)
    q = sd * 10 ** RNG.uniform(-1.5, 2.0, n)
    mu = mean / 10 ** RNG.uniform(-0.5, 1.5, n)
    return mean, sd, q, mu


@pytest.mark.parametrize(
    "metric,target",
    [
        (METRIC_BETA, 0.95),
        (METRIC_BETA, 0.5),
        (METRIC_BETA, 0.999999),
        (METRIC_GAMMA, 0.9),
        (METRIC_GAMMA, 0.99999),
    ],
)
def test_normal_fused_matches_generic(metric, target):
    bad = []
    for mean, sd, q, mu in zip(*_normal_rows(150)):
        s, *levels = normal_sq.solve(
            metric, mean, sd, q, mu, target, TABLE, special.ndtri(target), math.log1p(-target)
        )
        s_ref = solvers.solve(metric, DEMAND_NORMAL, mean, sd, mean, sd, q, mu, target)
        tol = 1e-9 * max(1.0, sd)
        # conditioning: the metric's change over the tolerance must exceed its rounding
        value, _, slope = metrics.metric_and_slope(
            metric, DEMAND_NORMAL, mean, sd, mean, s_ref, q, mu
        )
        if slope * tol > 1e-13 and not abs(s - s_ref) <= tol:
            bad.append(("s", mean, sd, q, mu, s, s_ref))
        want = metrics.sq_metrics(DEMAND_NORMAL, mean, sd, mean, s, q, mu)
        if math.isnan(levels[0]):  # left to sq_metrics: only where s + Q/2 < mean
            if not (s + 0.5 * q < mean and all(map(math.isnan, levels))):
                bad.append(("nan", mean, sd, q, mu, s, levels))
            continue
        for name, g, w in zip(batch.OUTPUTS[2:], levels, want):
            if not _close(g, w):
                bad.append((name, mean, sd, q, mu, s, g, w))
    assert not bad, bad[:10]


def _integer_rows(n, kind):
    mean = 10 ** RNG.uniform(-1.5, 4, n)
    q = np.maximum(1.0, np.round(10 ** RNG.uniform(0, 3, n)))
    mu = mean / 10 ** RNG.uniform(0, 1.5, n)
    if kind == DEMAND_POISSON:
        return [(mean[i], 0.0, mean[i], math.sqrt(mean[i]), q[i], mu[i]) for i in range(n)]
    var = mean * (1.0 + 10 ** RNG.uniform(-1, 1.5, n))
    p = mean / var
    r = mean * mean / (var - mean)
    return [(r[i], p[i], mean[i], math.sqrt(var[i]), q[i], mu[i]) for i in range(n)]


@pytest.mark.parametrize("kind", [DEMAND_POISSON, DEMAND_NEGBIN])
@pytest.mark.parametrize(
    "metric,target",
    [
        (METRIC_BETA, 0.95),
        (METRIC_BETA, 0.3),
        (METRIC_BETA, 0.999999),
        (METRIC_GAMMA, 0.9),
        (METRIC_GAMMA, 0.999),
    ],
)
def test_integer_fused_matches_generic(kind, metric, target):
    bad = []
    for p1, p2, mean, sd, q, mu in _integer_rows(120, kind):
        s, *levels = integer_sq.solve(
            metric,
            kind,
            p1,
            p2,
            mean,
            sd,
            q,
            mu,
            target,
            special.ndtri(target),
            math.log1p(-target),
        )
        s_ref = solvers.solve(metric, kind, p1, p2, mean, sd, q, mu, target)
        if s != s_ref:
            bad.append(("s", p1, p2, q, mu, s, s_ref))
            continue
        want = metrics.sq_metrics(kind, p1, p2, mean, s, q, mu)
        for name, g, w in zip(batch.OUTPUTS[2:], levels, want):
            if not _close(g, w, rel=1e-10):
                bad.append((name, p1, p2, q, mu, s, g, w))
        # minimality, from the generic evaluator: s reaches the target, s - 1 does not
        short = {METRIC_BETA: 1.0 - want[1], METRIC_GAMMA: 1.0 - want[2]}[metric]
        prev = metrics.sq_metrics(kind, p1, p2, mean, s - 1.0, q, mu)
        if not (short <= 1.0 - target and prev[1 if metric == METRIC_BETA else 2] < target):
            bad.append(("minimal", p1, p2, q, mu, s))
    assert not bad, bad[:10]


def test_batch_kernel_takes_the_fused_paths():
    n = 4
    mean = np.array([120.0, 120.0, 8.0, 8.0])
    sd = np.array([30.0, 30.0, math.sqrt(8.0), 4.0])
    demand_mean, lead_time = mean / 2.0, np.full(n, 2.0)
    demand_std = sd / math.sqrt(2.0)
    distribution = np.array([DEMAND_NORMAL, DEMAND_NORMAL, DEMAND_POISSON, DEMAND_NEGBIN], np.int8)
    metric = np.array([METRIC_BETA, METRIC_GAMMA, METRIC_BETA, METRIC_GAMMA], np.int8)
    target = np.array([0.98, 0.97, 0.95, 0.9])
    q = np.array([200.0, 50.0, 10.0, 7.0])
    status = np.zeros(n, np.uint8)
    out, kind = batch.sq(
        True,
        distribution,
        metric,
        target,
        demand_mean,
        demand_std,
        lead_time,
        np.zeros(n),
        q,
        np.full(n, np.nan),
        status,
    )
    assert (status == 0).all()
    for i in range(n):
        k, p1, p2, m, s_d = dist.fit(
            distribution[i], demand_mean[i], demand_std[i], lead_time[i], 0.0
        )
        if k == DEMAND_NORMAL:
            t = target[i]
            want = normal_sq.solve(
                metric[i], m, s_d, q[i], demand_mean[i], t, TABLE, special.ndtri(t), math.log1p(-t)
            )
        else:
            t = target[i]
            want = integer_sq.solve(
                metric[i],
                k,
                p1,
                p2,
                m,
                s_d,
                q[i],
                demand_mean[i],
                t,
                special.ndtri(t),
                math.log1p(-t),
            )
        got = (out[0, i], *out[2:, i])
        assert got == tuple(want), (i, got, want)  # bit-identical: the fused path ran


def test_start_table_is_close_and_only_a_start():
    """The stored start table lands within 1e-3 (in sd) of the root found from the analytic
    start, over its whole domain; and a useless table (zeros) changes nothing but speed."""
    xs, ys = normal_start.grid()
    rng = np.random.default_rng(7)
    x = rng.uniform(xs[1], xs[-3], 400)
    y = rng.uniform(ys[1], ys[-3], 400)
    zeros = np.zeros_like(TABLE)
    worst = 0.0
    for xi, yi in zip(x, y):
        q, t = math.exp(xi), 0.5 * math.erfc(-yi / math.sqrt(2.0))
        z = normal_sq.solve_plain(METRIC_BETA, 0.0, 1.0, q, 1.0, t)
        z0 = normal_start.start(TABLE, q, yi)
        # the table holds f = (z + q/2)/sqrt(1 + q^2/12): its error scales with that sqrt
        worst = max(worst, abs(z0 - z) / math.sqrt(1.0 + q * q / 12.0))
        a = normal_sq.solve(METRIC_BETA, 0.0, 1.0, q, 1.0, t, TABLE, yi, math.log1p(-t))
        b = normal_sq.solve(METRIC_BETA, 0.0, 1.0, q, 1.0, t, zeros, yi, math.log1p(-t))
        assert abs(a[0] - z) <= 1e-9 and abs(b[0] - z) <= 1e-9, (q, t, a[0], b[0], z)
    assert worst <= 1e-3, worst
    assert math.isnan(normal_start.start(TABLE, 1e6, 0.0))  # outside: the analytic start


@pytest.mark.parametrize("lam", [1e-6, 1e-3, 0.05])
@pytest.mark.parametrize("target", [1e-9, 0.5, 0.999])
def test_integer_fused_when_the_pmf_underflows_at_the_start(lam, target):
    """Found by the 2,000-example extremes run: with a tiny mean the first trial point lies
    where the pmf underflows to 0, and the recurrences must not carry that 0 down. With Q = 1,
    beta(s) = F(s), so the answer is the smallest s with P(X <= s) >= target (scipy)."""
    from scipy import stats

    s, *_ = integer_sq.solve(
        METRIC_BETA,
        DEMAND_POISSON,
        lam,
        0.0,
        lam,
        math.sqrt(lam),
        1.0,
        lam,
        target,
        special.ndtri(target),
        math.log1p(-target),
    )
    want = 0.0
    while stats.poisson.cdf(want, lam) < target:
        want += 1.0
    assert s == want


def test_lean_copies_defer_the_generic_rows_and_the_full_copy_gives_the_same_bytes():
    """A solved table whose rows the fused solvers take runs on the lean copies, without the
    generic path (``scalar.jit.WITH_GENERIC``); the rows they cannot take (a tiny order
    quantity, a normal answer with s + Q/2 below the mean) come back ``DEFERRED`` and go to
    the full copy. The result must be the same bytes as the full copy on every row."""
    from invsl.scalar.jit import readonly
    from invsl.vocabulary import DEFERRED

    rng = np.random.default_rng(7)
    n = 3000
    normal = rng.random(n) < 0.6
    distribution = np.where(normal, DEMAND_NORMAL, DEMAND_POISSON).astype(np.int8)
    mu = np.where(normal, 10 ** rng.uniform(0, 3, n), rng.uniform(0.2, 30, n))
    sigma = np.where(normal, mu * rng.uniform(0.05, 1.5, n), 0.0)
    ratio = np.where(rng.random(n) < 0.1, 1e-5, 10 ** rng.uniform(-1, 2.5, n))
    q = np.where(normal, mu * ratio, np.ceil(mu * 10 ** rng.uniform(-1, 1.5, n)))
    metric = np.where(rng.random(n) < 0.5, METRIC_BETA, METRIC_GAMMA).astype(np.int8)
    target = rng.choice([0.5, 0.6, 0.9, 0.99], n)
    columns = (distribution, metric, target, mu, sigma, np.full(n, 2.0), np.zeros(n), q)
    rows = batch.SqRows(*(readonly(c) for c in columns), readonly(np.full(n, np.nan)))
    assert batch.lean(True, rows)
    start = readonly(TABLE)

    deferred = 0
    for unit, code in (("normal", DEMAND_NORMAL), ("integer", DEMAND_POISSON)):
        status = np.where(distribution == code, 0, 255).astype(np.uint8)
        out, kind = batch.allocate(n)
        batch.unit_kernel(unit, True)(True, rows, status, out, kind, start, 0, n)
        deferred += int((status == DEFERRED).sum())
    assert deferred > 50  # the lean copies did leave rows to the full copy

    status = np.zeros(n, np.uint8)
    got, got_kind = batch.sq(True, *columns, np.full(n, np.nan), status)
    for unit, code in (("normal", DEMAND_NORMAL), ("integer", DEMAND_POISSON)):
        full_status = np.where(distribution == code, 0, 255).astype(np.uint8)
        want, want_kind = batch.allocate(n)
        batch.unit_kernel(unit, False)(True, rows, full_status, want, want_kind, start, 0, n)
        mine = distribution == code
        assert np.array_equal(status[mine], full_status[mine])
        assert got[:, mine].tobytes() == want[:, mine].tobytes(), unit
        assert np.array_equal(got_kind[mine], want_kind[mine])
    assert (status == 0).mean() > 0.9
