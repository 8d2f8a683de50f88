"""invsl.kernels.lattice: large demands on a coarse lattice, against independent references.

References, none of them the lattice code:

- the tables of the lattice distribution (cells of w integers, mass spread evenly): numpy
  expectations over its explicit pmf;
- compound Poisson cells: the exact Panjer pmf of ``invsl.kernels.pmf`` summed over each
  cell (the characteristic-function path is exact to 1e-13); moments of both paths against
  the closed forms lam m and lam m (2m - 1);
- empirical cells: the mean and variance of the L-fold sum of the history pmf;
- the documented error bound (docs/history.md, "Large demands"): the same rows solved on the
  exact pmf (``LATTICE_FROM`` raised so that nothing takes the lattice), and the cycle
  service level checked against lead-time demand sampled with numpy.
"""

import numpy as np
import pandas as pd
import pytest

import invsl
from invsl.engine import history_rows
from invsl.kernels import lattice, pmf
from invsl.vocabulary import DEFERRED, OK

#: the documented bound on the service levels at the returned reorder point (docs/history.md)
LEVEL_BOUND = 2e-4


def explicit_pmf(c, a, w):
    """The integer pmf of the lattice distribution: values a .. a + n w - 1."""
    return np.arange(a, a + len(c) * w), np.repeat(np.asarray(c) / w, w)


def tables_by_expectation(x_values, p, x):
    k = np.maximum(x_values[None, :] - x[:, None], 0)
    j = np.maximum(x[:, None] - x_values[None, :], 0)
    return np.stack(
        [
            (p * (x_values[None, :] <= x[:, None])).sum(axis=1),  # F
            (p * k).sum(axis=1),  # G1
            (p * k * (k + 1) / 2).sum(axis=1),  # G2
            (p * j).sum(axis=1),  # H1
            (p * j * (j + 1) / 2).sum(axis=1),  # K2
        ]
    )


@pytest.mark.parametrize("seed", range(6))
def test_lattice_tables_against_numpy_expectations(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    w = int(rng.integers(2, 9))
    a = int(rng.integers(-6, 30))
    c = rng.random(n) * (rng.random(n) < 0.8)
    c /= c.sum()
    work = np.empty((7, n + 1))
    lattice.lattice_tables(c, w, work)
    values, p = explicit_pmf(c, a, w)
    mean = float((values * p).sum())
    x = np.arange(a - 9, a + n * w + 9, dtype=float)
    want = tables_by_expectation(values, p, x)
    got = np.array([[lattice.lattice_at(work, r, n, a, w, mean, xi) for xi in x] for r in range(5)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_lattice_levels_equal_the_exact_formulas_on_the_same_distribution(seed):
    """lattice_metrics / lattice_solve (their own copy of the (s, Q) formulas) against
    pmf.pmf_metrics / pmf.pmf_solve on the explicit pmf of the same lattice distribution."""
    rng = np.random.default_rng(seed)
    n, w = 40, int(rng.integers(2, 7))
    c = rng.gamma(3.0, 1.0, n) * np.exp(-0.5 * ((np.arange(n) - 15) / 6) ** 2)
    c /= c.sum()
    cw = np.convolve(c, [0.6, 0.3, 0.1])[:n]
    cw /= cw.sum()
    work, work_w = np.empty((7, n + 1)), np.empty((7, n + 1))
    lattice.lattice_tables(c, w, work)
    lattice.lattice_tables(cw, w, work_w)
    _, p = explicit_pmf(c, 0, w)
    _, pw = explicit_pmf(cw, 0, w)
    tab, tab_w = np.empty((5, p.size + 1)), np.empty((5, pw.size + 1))
    pmf.cumulative_tables(p, tab)
    pmf.cumulative_tables(pw, tab_w)
    q, mu = float(rng.integers(1, 3 * w)), 1.7
    for s in np.arange(-2 * q, n * w + 3):
        got = lattice.lattice_metrics(work, work_w, n, 0.0, float(w), float(s), q, mu)
        want = pmf.pmf_metrics(tab, p.size, tab_w, pw.size, float(s), q, mu)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)
    for metric in (0, 1, 2):
        for target in (0.3, 0.9, 0.999):
            got = lattice.lattice_solve(work, work_w, n, 0.0, float(w), metric, q, mu, target)
            want = pmf.pmf_solve(tab, p.size, tab_w, pw.size, metric, q, mu, target)
            assert got == want


@pytest.mark.parametrize(
    ("lam", "q", "n"), [(300.0, 0.5, 1024), (2000.0, 0.75, 256), (200.0, 0.0, 128)]
)
def test_compound_cells_are_the_exact_pmf_summed_over_cells(lam, q, n):
    cos_t, sin_t = lattice.twiddles(n)
    cx, cw = np.empty(n), np.empty(n)
    a, w, method = lattice.compound_cells(
        lam, q, *lattice.compound_window(lam, q), n, cos_t, sin_t, cx, cw
    )
    assert method == 0 and a % w == 0
    size = pmf.panjer_geometric(lam, q, np.empty(0), False)
    p = np.zeros(size)
    pmf.panjer_geometric(lam, q, p, True)
    extra = pmf.undershoot_extra(q)
    pw = pmf.undershoot_pmf(p, q, extra)
    for exact, cells in ((p, cx), (pw, cw)):
        padded = np.zeros(max(a + n * w, exact.size))
        padded[: exact.size] = exact
        assert padded[:a].sum() < 1e-15 and padded[a + n * w :].sum() < 1e-15
        binned = padded[a : a + n * w].reshape(n, w).sum(axis=1)
        np.testing.assert_allclose(cells, binned, rtol=0, atol=1e-13)


def lattice_moments(c, a, w):
    centre = a + np.arange(len(c)) * w + (w - 1) / 2
    mean = (c * centre).sum()
    return mean, (c * (centre - mean) ** 2).sum() + (w * w - 1) / 12


@pytest.mark.parametrize(("lam", "m"), [(3.0, 2000.0), (11.0, 900.0), (40.0, 300.0)])
def test_compound_cells_of_few_large_orders_keep_mean_and_variance(lam, m):
    n = lattice.CELLS
    cos_t, sin_t = lattice.twiddles(n)
    cx, cw = np.empty(n), np.empty(n)
    q = 1.0 - 1.0 / m
    a, w, method = lattice.compound_cells(
        lam, q, *lattice.compound_window(lam, q), n, cos_t, sin_t, cx, cw
    )
    assert method == 1
    assert w <= m / 5
    mean, var = lattice_moments(cx, a, w)
    assert mean == pytest.approx(lam * m, rel=1e-9)
    assert var == pytest.approx(lam * m * (2 * m - 1), rel=1e-9)
    mean_w, _ = lattice_moments(cw, a, w)
    assert mean_w == pytest.approx(lam * m + q / (1 - q), rel=1e-9)  # E[U] = q / (1 - q)


@pytest.mark.parametrize(("seed", "lead"), [(0, 1), (1, 3), (2, 8), (3, 26)])
def test_empirical_cells_keep_mean_and_variance(seed, lead):
    rng = np.random.default_rng(seed)
    history = np.floor(rng.gamma(2.0, 2000.0, 52)) * (rng.random(52) < 0.8)
    values, counts = np.unique(history, return_counts=True)
    probs = counts / counts.sum()
    n = lattice.CELLS
    cos_t, sin_t = lattice.twiddles(n)
    cx = np.empty(n)
    a, w, c = lattice.empirical_cells(values, probs, lead, n, cos_t, sin_t, cx)
    assert w % 2 == 1 and 0.99 < c <= 1.0
    mean, var = lattice_moments(cx, a, w)
    mu = (values * probs).sum()
    assert mean == pytest.approx(lead * mu, rel=1e-10)
    assert var == pytest.approx(lead * (probs * (values - mu) ** 2).sum(), rel=1e-9)
    assert a <= lead * values.min() and a + n * w > lead * values.max()


# ---------------------------------------------------------------------------------------------
# the documented bound, on a seeded sample of large SKUs


PERIODS = 52


def large_skus(n, seed):
    """Weekly SKUs with lead-time demand spanning 10^4 - 10^6 units: smooth, a one-week lead
    time (a spiky cdf), intermittent (40 % zero weeks) and very large (mean up to 60,000)."""
    rng = np.random.default_rng(seed)
    kind = np.arange(n) % 4
    mean = np.where(kind == 3, rng.uniform(2e4, 6e4, n), rng.uniform(800, 5000, n))
    cv = rng.uniform(0.1, 0.8, n)
    shape = 1 / cv**2
    d = rng.gamma(np.repeat(shape, PERIODS), np.repeat(mean / shape, PERIODS))
    zero = ((kind == 2)[:, None] & (rng.random((n, PERIODS)) < 0.4)).ravel()
    d = np.where(zero, 0.0, np.floor(d + 0.5))
    history = pd.DataFrame(
        {
            "sku": np.repeat(np.arange(n).astype(str), PERIODS),
            "period": np.tile(np.arange(PERIODS), n),
            "demand": d,
        }
    )
    moments = history.groupby("sku", sort=False)["demand"].agg(["mean", "std"])
    lead = np.where(
        kind == 1, 1, np.where(kind == 3, rng.integers(4, 10, n), rng.integers(2, 9, n))
    )
    df = pd.DataFrame(
        {
            "sku": np.arange(n).astype(str),
            "demand_mean": moments["mean"].to_numpy(),
            "demand_std": moments["std"].to_numpy(),
            "lead_time": lead.astype(float),
            "order_quantity": np.floor(rng.uniform(0.2, 4.0, n) * moments["mean"].to_numpy() + 0.5),
            "target": rng.uniform(0.5, 0.995, n),
        }
    )
    return df, history


@pytest.fixture(scope="module")
def sample():
    df, history = large_skus(16, 20261207)
    # every row is large, and the spans reach 10^5 - 10^6 units
    span = df["lead_time"] * df["demand_mean"] + 10 * np.sqrt(df["lead_time"]) * df["demand_std"]
    assert span.min() > pmf.LATTICE_FROM and span.max() > 5e5
    return df, history


def exact(monkeypatch, func, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(pmf, "LATTICE_FROM", 1 << 40)
        return func(*args, **kwargs)


def cell_width(history, sku, lead):
    values, counts = np.unique(history.loc[history["sku"] == sku, "demand"], return_counts=True)
    n = lattice.CELLS
    cos_t, sin_t = lattice.twiddles(n)
    _, w, _ = lattice.empirical_cells(
        values, counts / counts.sum(), int(lead), n, cos_t, sin_t, np.empty(n)
    )
    return w


@pytest.mark.parametrize("distribution", ["compound_poisson", "empirical"])
@pytest.mark.parametrize("metric", ["alpha", "beta", "gamma"])
def test_large_rows_within_the_documented_bound_of_the_exact_pmf(
    sample, monkeypatch, distribution, metric
):
    df, history = sample
    df = df.assign(distribution=distribution)
    fast = invsl.optimize(df, metric=metric, history=history)
    slow = exact(monkeypatch, invsl.optimize, df, metric=metric, history=history)
    at_fast = exact(
        monkeypatch, invsl.evaluate, df.assign(reorder_point=fast["reorder_point"]), history=history
    )
    assert (fast["status"] == "ok").all() and (slow["status"] == "ok").all()
    sd = np.sqrt(df["lead_time"]) * df["demand_std"]
    shift = (fast["reorder_point"] - slow["reorder_point"]).abs()
    empirical = distribution == "empirical"
    levels = ["beta", "gamma", "ready_rate"] + ([] if empirical else ["alpha"])
    report = pd.DataFrame({m: (fast[m] - at_fast[m]).abs() for m in levels}).assign(
        shift=shift, sd=sd, lead=df["lead_time"]
    )
    assert (report[levels] <= LEVEL_BOUND).all().all(), report
    # backorders and on hand: within LEVEL_BOUND * mu (gamma = 1 - E[B] / mu, on hand = E[IN] + E[B])
    for m in ("expected_backorders", "expected_on_hand"):
        assert ((fast[m] - at_fast[m]).abs() <= LEVEL_BOUND * df["demand_mean"]).all(), m
    if empirical:
        # the history's cdf is a step function, which the lattice spreads over a cell or two:
        # alpha at s lies between the exact alpha two cells below and two cells above
        cells = [cell_width(history, s, lt) for s, lt in zip(df["sku"], df["lead_time"])]
        width = 2 * np.array(cells)
        s = fast["reorder_point"]
        below = exact(
            monkeypatch, invsl.evaluate, df.assign(reorder_point=s - width), history=history
        )
        above = exact(
            monkeypatch, invsl.evaluate, df.assign(reorder_point=s + width), history=history
        )
        inside = (fast["alpha"] >= below["alpha"] - LEVEL_BOUND) & (
            fast["alpha"] <= above["alpha"] + LEVEL_BOUND
        )
        assert inside.all(), report.assign(width=width)[~inside]
    if metric == "alpha" and empirical:
        assert (shift <= width).all(), report.assign(width=width)[shift > width]  # two cells
    else:
        # the exact service level at the returned point misses the target by at most the bound
        assert (at_fast[metric] >= df["target"] - LEVEL_BOUND).all(), report
        assert (shift <= 1 + 0.002 * sd).all(), report


def test_large_rows_cycle_service_level_against_sampled_demand(sample):
    """alpha = P(W <= s) of the lattice against lead-time demand drawn with numpy: empirical
    rows as sums of L weeks drawn from the history, compound Poisson rows as a Poisson number
    of customers with geometric sizes, plus the geometric undershoot U."""
    df, history = sample
    rng = np.random.default_rng(5)
    draws = 200_000
    for distribution in ("compound_poisson", "empirical"):
        rows = df.assign(distribution=distribution)
        out = invsl.optimize(rows, metric="alpha", history=history)
        for i in range(0, len(rows), 3):
            row, s = rows.iloc[i], out["reorder_point"].iloc[i]
            lead = int(row["lead_time"])
            if distribution == "empirical":
                weeks = history.loc[history["sku"] == row["sku"], "demand"].to_numpy()
                x = weeks[rng.integers(0, len(weeks), (draws, lead))].sum(axis=1)
            else:
                m = (row["demand_std"] ** 2 / row["demand_mean"] + 1) / 2
                k = rng.poisson(row["demand_mean"] / m * lead, draws)
                # k geometric sizes on {1, 2, ...}: k + NegBin(k, 1/m) failures; U on {0, 1, ...}
                x = k + rng.negative_binomial(np.maximum(k, 1), 1 / m) * (k > 0)
                x = x + rng.geometric(1 / m, draws) - 1
            sampled = (x <= s).mean()
            se = np.sqrt(max(sampled * (1 - sampled), 1e-4) / draws)
            bound = LEVEL_BOUND if distribution == "compound_poisson" else 1.0 / PERIODS
            assert abs(out["alpha"].iloc[i] - sampled) <= 4.5 * se + bound, (distribution, i)


def test_lattice_rows_are_minimal_and_evaluate_agrees(sample):
    """On the lattice distribution itself the solver's point is the smallest that works, and
    evaluate gives the optimize row's levels back."""
    df, history = sample
    for distribution in ("compound_poisson", "empirical"):
        rows = df.assign(distribution=distribution)
        for metric in ("alpha", "beta", "gamma"):
            out = invsl.optimize(rows, metric=metric, history=history)
            s = out["reorder_point"]
            at = invsl.evaluate(rows.assign(reorder_point=s), history=history)
            below = invsl.evaluate(rows.assign(reorder_point=s - 1), history=history)
            for m in ("alpha", "beta", "gamma", "ready_rate", "expected_on_hand"):
                np.testing.assert_allclose(at[m], out[m], rtol=1e-12, atol=1e-12)
            assert (at[metric] >= rows["target"]).all()
            assert (below[metric] < rows["target"]).all()


def test_small_rows_stay_exact_and_large_rows_take_the_lattice(monkeypatch, sample):
    df, history = sample
    seen = []
    units = []
    unit_kernel = lattice.unit_kernel

    def spy(unit):
        kernel = unit_kernel(unit)

        def run(solve, rows, max_support, status, out, start, stop):
            seen.append(len(status))
            units.append(unit)
            return kernel(solve, rows, max_support, status, out, start, stop)

        return run

    monkeypatch.setattr(lattice, "unit_kernel", spy)
    small = pd.DataFrame(
        {
            "demand_mean": [3.0, 40.0],
            "demand_std": [3.0, 30.0],
            "lead_time": [2.0, 4.0],
            "order_quantity": [5.0, 80.0],
            "distribution": "compound_poisson",
        }
    )
    assert (
        pmf.needs_lattice(
            np.zeros(2, bool),
            np.zeros(2),
            [2.0, 4.0],
            small["demand_mean"],
            small["demand_std"] ** 2,
        ).sum()
        == 0
    )
    invsl.optimize(small, metric="beta", target=0.95)
    assert seen == []
    mixed = pd.concat([df.assign(distribution="compound_poisson"), small], ignore_index=True)
    out = invsl.optimize(mixed, metric="beta", target=0.95)
    assert seen == [len(df)] and (out["status"] == "ok").all()
    assert units == ["compound_poisson"]  # the compile unit of its family
    # empirical: the exact support (largest week) * L + 1 decides
    seen.clear()
    top = history.groupby("sku", sort=False)["demand"].max().to_numpy()
    large = top * df["lead_time"].to_numpy() + 1 > pmf.LATTICE_FROM
    assert large.any()
    out = invsl.optimize(df.assign(distribution="empirical"), metric="beta", history=history)
    assert seen == [large.sum()] and (out["status"] == "ok").all()
    assert (out["lead_time_distribution"].astype(str) == "empirical").all()


def test_family_units_give_the_bits_of_the_kernel_as_written(sample):
    """The copy of each family's compile unit (``lattice.unit_kernel``) gives the bytes of the kernel as written (the cells of both families) on the
    rows of its family, and leaves the other family's rows to their unit (DEFERRED, outputs
    untouched)."""
    df, history = sample
    both = pd.concat(
        [df.assign(distribution="compound_poisson"), df.assign(distribution="empirical")],
        ignore_index=True,
    )
    captured = []
    compute = history_rows.compute_lattice

    def capture(ctx, solve, idx, metric, target, numbers, status, out):
        captured.append(history_rows.lattice_rows(ctx, solve, idx, metric, target, numbers))
        captured.append(ctx.empirical[idx])
        return compute(ctx, solve, idx, metric, target, numbers, status, out)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(history_rows, "compute_lattice", capture)
        invsl.optimize(both, metric="gamma", target=0.9, history=history)
    rows, emp = captured
    assert emp.any() and not emp.all()
    n = emp.size

    def run(kernel):
        status = np.zeros(n, dtype=np.uint8)
        out = np.full((8, n), np.nan)
        kernel(True, rows, pmf.MAX_SUPPORT, status, out, 0, n)
        return status, out

    status, out = run(lattice.lattice_sq_kernel)
    assert (status == OK).all()
    for unit, kernel in lattice.every_kernel().items():
        got_status, got_out = run(kernel)
        mine = emp == (unit == "empirical")
        assert got_status[mine].tobytes() == status[mine].tobytes(), unit
        assert got_out[:, mine].tobytes() == out[:, mine].tobytes(), unit
        assert (got_status[~mine] == DEFERRED).all() and np.isnan(got_out[:, ~mine]).all()
