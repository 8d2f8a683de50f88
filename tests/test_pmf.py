"""invsl.kernels.pmf: lead-time demand pmfs and (s, Q) metrics from them, against independent references.

References used here, none of them invsl code:

- compound Poisson with geometric sizes (Polya-Aeppli): the closed form
  P(X = n) = sum_k Poisson(k; lam) * NegBin(n - k; k, 1 - q) (scipy.stats, and mpmath at 40
  digits), a brute-force sum of Poisson weights times repeated numpy.convolve of the size pmf,
  and the exact mean lam / (1 - q) and variance lam (1 + q) / (1 - q)^2;
- empirical: numpy.convolve repeated, and brute-force enumeration of all period outcomes;
- (s, Q) metrics: plain numpy sums over the pmf of the contract's definitions (E[B] as the
  mean of G1 over the positions s+1..s+Q, on hand as the mean of E[(y - X)^+]), and the
  existing poisson/negbin kernels of invsl.evaluate fed the same distribution.
"""

import itertools

import mpmath
import numba
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import invsl
from invsl.kernels import pmf
from invsl.vocabulary import OK

# ---------------------------------------------------------------------------------------------
# helpers


def one(values, start, length, i=0):
    return values[start[i] : start[i] + length[i]]


def compound(mean, var, lead_time):
    status = np.zeros(len(mean), np.uint8)
    v, s, n, _ = pmf.compound_poisson_lead_time(
        np.asarray(mean, float), np.sqrt(var), np.asarray(lead_time, float), status
    )
    return v, s, n, status


def polya_aeppli_scipy(lam, q, size):
    """P(X = n), n < size, as sum over the order count k of Poisson(k) * NegBin(n - k; k)."""
    n = np.arange(size)[:, None]
    k = np.arange(1, size)[None, :]
    with np.errstate(all="ignore"):
        terms = stats.poisson.pmf(k, lam) * stats.nbinom.pmf(n - k, k, 1.0 - q)
    terms = np.where(n >= k, terms, 0.0)
    out = terms.sum(axis=1)
    out[0] = np.exp(-lam)
    return out


def polya_aeppli_mpmath(lam, q, size):
    mpmath.mp.dps = 40
    lam, q = mpmath.mpf(lam), mpmath.mpf(q)
    out = [mpmath.exp(-lam)]
    for n in range(1, size):
        total = mpmath.mpf(0)
        for k in range(1, n + 1):
            total += (
                mpmath.exp(-lam)
                * lam**k
                / mpmath.factorial(k)
                * mpmath.binomial(n - 1, k - 1)
                * (1 - q) ** k
                * q ** (n - k)
            )
        out.append(total)
    return np.array([float(x) for x in out])


def numpy_sq_metrics(p, s, Q, mu):
    """The contract's integer (s, Q) metrics by plain sums over the pmf p (support 0..)."""
    k = np.arange(len(p))
    mean = (k * p).sum()
    alpha = p[: s + 1].sum() if s >= 0 else 0.0
    positions = np.arange(s + 1, s + Q + 1)
    g1 = np.array([(np.maximum(k - y, 0) * p).sum() for y in positions])
    h1 = np.array([(np.maximum(y - k, 0) * p).sum() for y in positions])
    short = np.array([(np.maximum(k - y, 0) * p).sum() for y in (s, s + Q)])
    beta = 1.0 - (short[0] - short[1]) / Q
    backorders = g1.mean()
    return {
        "alpha": alpha,
        "beta": beta,
        "gamma": 1.0 - backorders / mu,
        "ready_rate": np.mean([p[: max(y, 0)].sum() for y in positions]),
        "expected_backorders": backorders,
        "expected_on_hand": h1.mean(),
        "safety_stock": s - mean,
    }


def run_kernel(p, s, Q, mu, solve=False, metric=0, target=np.nan, size_ratio=0.0):
    values = np.asarray(p, float)
    status = np.zeros(1, np.uint8)
    out = np.full((8, 1), np.nan)
    rows = pmf.PmfSqRows(
        metric=np.array([metric], np.int8),
        target=np.array([target]),
        values=values,
        start=np.array([0]),
        length=np.array([len(values)]),
        size_ratio=np.array([size_ratio]),
        demand_mean=np.array([mu]),
        order_quantity=np.array([float(Q)]),
        reorder_point=np.array([float(s)]),
    )
    pmf.sq(solve, rows, status, out)
    names = (
        "reorder_point",
        "safety_stock",
        "alpha",
        "beta",
        "gamma",
        "ready_rate",
        "expected_backorders",
        "expected_on_hand",
    )
    return dict(zip(names, out[:, 0])), status[0]


# ---------------------------------------------------------------------------------------------
# compound Poisson


@pytest.mark.parametrize(
    "mean,var,lead_time",
    [
        (0.3, 0.9, 2.0),
        (2.0, 2.0, 1.5),
        (1.2, 7.0, 3.0),
        (5.0, 40.0, 0.25),
        (40.0, 200.0, 1.0),
    ],
)
def test_compound_poisson_matches_polya_aeppli_closed_form(mean, var, lead_time):
    v, s, n, status = compound([mean], [var], [lead_time])
    assert status[0] == OK
    got = one(v, s, n)
    m = (var / mean + 1) / 2
    lam, q = mean / m * lead_time, 1 - 1 / m
    ref = polya_aeppli_scipy(lam, q, len(got) + 5)
    big = ref[: len(got)] > 1e-280
    np.testing.assert_allclose(got[big], ref[: len(got)][big], rtol=1e-11)
    assert ref[len(got) :].sum() < 1e-15  # the cut tail is negligible
    k = np.arange(len(got))
    assert got.sum() == pytest.approx(1.0, abs=1e-14)
    assert (k * got).sum() == pytest.approx(lam / (1 - q), rel=1e-13)
    var_x = (k * k * got).sum() - (k * got).sum() ** 2
    assert var_x == pytest.approx(lam * (1 + q) / (1 - q) ** 2, rel=1e-11)
    assert var_x == pytest.approx(var * lead_time, rel=1e-11)  # Var[X] = L sigma^2


def test_compound_poisson_against_mpmath():
    v, s, n, _ = compound([0.8], [2.4], [2.0])  # m = 2, lam = 0.8, q = 0.5
    got = one(v, s, n)
    ref = polya_aeppli_mpmath(0.8, 0.5, len(got))
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=0)


def test_compound_poisson_against_brute_force_convolution():
    mean, var, lead_time = 1.5, 6.0, 2.0
    m = (var / mean + 1) / 2
    lam, q = mean / m * lead_time, 1 - 1 / m
    size = 200
    sizes = np.zeros(size)
    sizes[1:] = (1 - q) * q ** np.arange(size - 1)
    total = np.zeros(size)
    power = np.zeros(size)
    power[0] = 1.0
    for count in range(120):  # Poisson(3) beyond 120 orders: mass < 1e-100
        total += stats.poisson.pmf(count, lam) * power
        power = np.convolve(power, sizes)[:size]
    v, s, n, _ = compound([mean], [var], [lead_time])
    got = one(v, s, n)
    np.testing.assert_allclose(got, total[: len(got)], rtol=1e-12, atol=1e-300)


def test_compound_poisson_large_rate_scaled_path():
    # lam = 1000 orders per lead time: exp(-lam) underflows, the recursion runs scaled
    mean, var, lead_time = 500.0, 1500.0, 4.0  # m = 2, lam = 1000, q = 0.5
    v, s, n, status = compound([mean], [var], [lead_time])
    assert status[0] == OK
    got = one(v, s, n)
    ref = polya_aeppli_scipy(1000.0, 0.5, len(got))
    big = ref > 1e-200
    np.testing.assert_allclose(got[big], ref[big], rtol=1e-9)
    k = np.arange(len(got))
    assert got.sum() == pytest.approx(1.0, abs=1e-13)
    assert (k * got).sum() == pytest.approx(2000.0, rel=1e-12)


def test_compound_poisson_equal_variance_is_poisson_and_zero_lead_time_is_zero():
    v, s, n, _ = compound([3.0, 3.0], [3.0, 5.0], [2.0, 0.0])
    got = one(v, s, n)
    np.testing.assert_allclose(got, stats.poisson.pmf(np.arange(len(got)), 6.0), rtol=1e-13)
    assert list(one(v, s, n, 1)) == [1.0]


# ---------------------------------------------------------------------------------------------
# empirical convolution


def empirical(period_pmfs, lead_times, method=0):
    lengths = np.array([len(p) for p in period_pmfs])
    values = np.concatenate(period_pmfs).astype(float)
    start = pmf.offsets(lengths)[:-1]
    status = np.zeros(len(lengths), np.uint8)
    v, s, n = pmf.empirical_lead_time(values, start, lengths, np.array(lead_times), status, method)
    return v, s, n, status


def test_empirical_against_enumeration_of_all_outcomes():
    p = np.array([0.55, 0.0, 0.25, 0.2])  # demand 0, 2 or 3 units
    lead = 4
    ref = np.zeros(3 * lead + 1)
    for outcome in itertools.product(range(4), repeat=lead):
        ref[sum(outcome)] += np.prod(p[list(outcome)])
    for method in (0, 1, 2):
        v, s, n, status = empirical([p], [lead], method)
        got = one(v, s, n)
        assert status[0] == OK
        np.testing.assert_allclose(got, ref[: len(got)], rtol=1e-13, atol=2e-15)
        assert ref[len(got) :].sum() < 1e-15


def test_empirical_against_repeated_numpy_convolve_short_and_long():
    rng = np.random.default_rng(7)
    pmfs = [rng.dirichlet(np.ones(k)) for k in (1, 2, 5, 9, 40)]
    leads = [3, 0, 1, 7, 120]  # the last has support 4681 > FFT_FROM: FFT path
    v, s, n, status = empirical(pmfs, leads)
    assert (status == OK).all()
    for i, (p, lead) in enumerate(zip(pmfs, leads)):
        ref = np.ones(1)
        for _ in range(lead):
            ref = np.convolve(ref, p)
        got = one(v, s, n, i)
        if len(ref) <= pmf.FFT_FROM:
            assert len(got) == len(ref)  # direct: exact support
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)
        else:
            np.testing.assert_allclose(got, ref[: len(got)], rtol=0, atol=2e-15)
            assert ref[len(got) :].sum() < 2e-15
        assert got.sum() == pytest.approx(1.0, abs=1e-13)


# ---------------------------------------------------------------------------------------------
# (s, Q) metrics from a pmf


CASES = [  # (pmf over 0.., s, Q, mu)
    (stats.poisson.pmf(np.arange(80), 12.0), 14, 10, 6.0),
    (stats.poisson.pmf(np.arange(80), 12.0), 3, 5, 6.0),  # E[IN] < 0: lower-tail branch
    (stats.poisson.pmf(np.arange(80), 12.0), -4, 3, 6.0),  # below the support
    (stats.poisson.pmf(np.arange(80), 12.0), 90, 1, 6.0),  # above the support
    (stats.nbinom.pmf(np.arange(400), 2.5, 0.1), 30, 25, 7.5),
    (np.array([0.6, 0.0, 0.3, 0.1]), 1, 2, 0.35),
]


@pytest.mark.parametrize("p,s,Q,mu", CASES)
def test_pmf_metrics_against_numpy_sums(p, s, Q, mu):
    got, status = run_kernel(p, s, Q, mu)
    assert status == OK
    ref = numpy_sq_metrics(p, s, Q, mu)
    for name, value in ref.items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-13), name


@pytest.mark.parametrize(
    "dist,p,kw",
    [
        (
            "poisson",
            stats.poisson.pmf(np.arange(200), 30.0),
            {"demand_mean": 10.0, "demand_std": 0.0},
        ),
        (
            "negbin",
            stats.nbinom.pmf(np.arange(600), 30.0**2 / (90.0 - 30.0), 30.0 / 90.0),
            {"demand_mean": 10.0, "demand_std": np.sqrt(30.0)},
        ),
    ],
)
def test_pmf_metrics_agree_with_the_poisson_and_negbin_kernels(dist, p, kw):
    # Poisson(30) / negbin(mean 30, var 90) lead-time demand: demand 10/period, 3 periods
    s_values = np.arange(10, 60, 3)
    df = pd.DataFrame(
        {
            "demand_mean": kw["demand_mean"],
            "demand_std": kw["demand_std"],
            "lead_time": 3.0,
            "order_quantity": 12.0,
            "reorder_point": s_values,
            "distribution": dist,
        }
    )
    core = invsl.evaluate(df)
    assert (core["status"] == "ok").all()
    for row, s in enumerate(s_values):
        got, _ = run_kernel(p, s, 12, 10.0)
        for name in (
            "alpha",
            "beta",
            "gamma",
            "ready_rate",
            "expected_backorders",
            "expected_on_hand",
            "safety_stock",
        ):
            assert got[name] == pytest.approx(core[name].iloc[row], rel=1e-10, abs=1e-12), name


@pytest.mark.parametrize("metric", [0, 1, 2])
@pytest.mark.parametrize("p,s,Q,mu", CASES[:1] + CASES[4:])
def test_integer_solution_is_minimal(metric, p, s, Q, mu):
    names = ("alpha", "beta", "gamma")
    for target in (0.5, 0.9, 0.95, 0.999):
        got, status = run_kernel(p, 0, Q, mu, solve=True, metric=metric, target=target)
        assert status == OK
        s_star = int(got["reorder_point"])
        assert numpy_sq_metrics(p, s_star, Q, mu)[names[metric]] >= target
        assert numpy_sq_metrics(p, s_star - 1, Q, mu)[names[metric]] < target


# ---------------------------------------------------------------------------------------------
# DataFrame layer


def base_frame():
    return pd.DataFrame(
        {
            "sku": ["a", "b", "c", "d"],
            "demand_mean": [1.5, 0.4, 20.0, 2.0],
            "demand_std": [2.0, 1.0, 8.0, 1.0],
            "lead_time": [2.0, 3.5, 1.0, 1.0],
            "order_quantity": [4, 2, 30, 5],
            "distribution": ["compound_poisson", "compound_poisson", "normal", "poisson"],
        },
        index=[9, 3, 5, 1],
    )


def test_frame_compound_poisson_rows_and_other_rows_untouched():
    df = base_frame()
    before = df.copy()
    out = invsl.optimize(df, metric="beta", target=0.95)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.index) == [9, 3, 5, 1]
    assert (out["status"] == "ok").all(), out[["status", "message"]]
    assert out["lead_time_distribution"].astype(str).tolist() == [
        "compound_poisson",
        "compound_poisson",
        "normal",
        "poisson",
    ]
    alone = invsl.optimize(df.iloc[2:], metric="beta", target=0.95)
    pd.testing.assert_frame_equal(out.iloc[2:], alone, check_categorical=False)
    for row in range(2):
        mean, std, lead, q = df.iloc[row][
            ["demand_mean", "demand_std", "lead_time", "order_quantity"]
        ]
        s = int(out["reorder_point"].iloc[row])
        ref = batch_metrics(mean, std, lead, s, int(q))
        assert ref["beta"] >= 0.95 > batch_metrics(mean, std, lead, s - 1, int(q))["beta"]
        for name in (
            "alpha",
            "beta",
            "gamma",
            "ready_rate",
            "expected_backorders",
            "expected_on_hand",
        ):
            assert out[name].iloc[row] == pytest.approx(ref[name], rel=1e-10), name


def batch_metrics(mean, std, lead, s, Q, size=400):
    """(s, nQ) metrics under compound Poisson demand with geometric customer sizes K.

    Built from first principles, without the undershoot identity that invsl uses:
    - a customer of size K arriving with inventory position y before the lead time (net
      stock y - D) is short (D + K - y)^+ - (D - y)^+ units: beta from the pmf of D + K
      (numpy.convolve of D with the size pmf), positions y uniform on s+1..s+Q;
    - the undershoot U below s when an order is triggered: the triggering customer of size
      K arrives at position s + j (j uniform on 1..Q) with K >= j, so
      P(U = u) is proportional to sum_j P(K = u + j); alpha = P(U + D <= s);
    - time averages (gamma, E[B], on hand, ready rate) from net stock IP - D.
    """
    m = (std**2 / mean + 1) / 2
    q = 1 - 1 / m
    d = polya_aeppli_scipy(mean / m * lead, q, size)
    f = np.zeros(size)
    f[1:] = (1 - q) * q ** np.arange(size - 1)
    dk = np.convolve(d, f)[:size]
    k = np.arange(size)

    def g1(p, x):
        return (np.maximum(k - x, 0) * p).sum()

    positions = range(s + 1, s + Q + 1)
    short = np.mean([g1(dk, y) - g1(d, y) for y in positions])
    pu = np.array([f[u + 1 : u + Q + 1].sum() for u in range(size - Q - 1)])
    pu /= pu.sum()
    cdf = np.cumsum(d)
    alpha = sum(pu[u] * cdf[s - u] for u in range(len(pu)) if s - u >= 0)
    out = numpy_sq_metrics(d, s, Q, mean)
    return {**out, "alpha": alpha, "beta": 1 - short / m, "ready_rate": out["beta"]}


@numba.njit(cache=False)
def _simulate_batch_sq(s, Q, rate, q, lead, n_customers, seed):  # pragma: no cover - jit
    """Event simulation of continuous-review (s, nQ), compound Poisson geometric demand.

    Returns units served at once, units demanded, orders, orders arriving with net stock
    >= 0 just before, time integrals of backorders, on hand and of 1[net > 0], total time.
    """
    np.random.seed(seed)
    ip = s + 1 + np.random.randint(Q)
    net = ip
    pipeline = np.empty(1_000_000)  # arrival times of outstanding orders (FIFO ring)
    sizes = np.empty(1_000_000)
    head = 0
    tail = 0
    t = 0.0
    served = 0.0
    demanded = 0.0
    orders = 0.0
    ok_orders = 0.0
    int_b = 0.0
    int_oh = 0.0
    int_up = 0.0
    for _ in range(n_customers):
        t_next = t + np.random.exponential(1.0 / rate)
        while head < tail and pipeline[head % 1_000_000] <= t_next:
            ta = pipeline[head % 1_000_000]
            dt = ta - t
            int_b += dt * max(-net, 0.0)
            int_oh += dt * max(net, 0.0)
            int_up += dt * (1.0 if net > 0 else 0.0)
            t = ta
            orders += 1.0
            if net >= 0:
                ok_orders += 1.0
            net += sizes[head % 1_000_000]
            head += 1
        dt = t_next - t
        int_b += dt * max(-net, 0.0)
        int_oh += dt * max(net, 0.0)
        int_up += dt * (1.0 if net > 0 else 0.0)
        t = t_next
        k = np.random.geometric(1.0 - q)
        demanded += k
        served += min(k, max(net, 0.0))
        net -= k
        ip -= k
        if ip <= s:
            n = 0
            while ip <= s:
                ip += Q
                n += 1
            pipeline[tail % 1_000_000] = t + lead
            sizes[tail % 1_000_000] = n * Q
            tail += 1
    return served, demanded, orders, ok_orders, int_b, int_oh, int_up, t


def batch_reference(p, ratio, s, Q, mu):
    """Metrics of lead-time demand pmf p with geometric(ratio) customers, from first
    principles (see batch_metrics), for any pmf p."""
    size = len(p) + 200  # 0.8^200 < 1e-19: the size pmf is complete
    d = np.r_[p, np.zeros(200)]
    f = np.zeros(size)
    f[1:] = (1 - ratio) * ratio ** np.arange(size - 1)
    dk = np.convolve(d, f)[:size]
    k = np.arange(size)
    m = 1 / (1 - ratio)
    short = np.mean([(np.maximum(k - y, 0) * (dk - d)).sum() for y in range(s + 1, s + Q + 1)])
    pu = np.array([f[u + 1 : u + Q + 1].sum() for u in range(size - Q - 1)])
    pu /= pu.sum()
    cdf = np.cumsum(d)
    alpha = sum(pu[u] * cdf[s - u] for u in range(len(pu)) if s - u >= 0)
    out = numpy_sq_metrics(d, s, Q, mu)
    return {**out, "alpha": alpha, "beta": 1 - short / m, "ready_rate": out["beta"]}


def test_random_pmfs_against_first_principles():
    """Seeded random pmfs, positions, lot sizes and customer-size ratios."""
    rng = np.random.default_rng(11)
    for case in range(40):
        support = int(rng.integers(1, 40))
        p = rng.dirichlet(np.full(support, 0.3))
        mean = (np.arange(support) * p).sum()
        Q = int(rng.integers(1, 15))
        s = int(rng.integers(-Q - 3, support + 3))
        ratio = 0.0 if case % 3 == 0 else float(rng.uniform(0.05, 0.8))
        mu = float(rng.uniform(0.1, 3.0))
        got, status = run_kernel(p, s, Q, mu, size_ratio=ratio)
        assert status == OK
        ref = batch_reference(p, ratio, s, Q, mu)
        for name, value in ref.items():
            assert got[name] == pytest.approx(value, rel=1e-11, abs=1e-12), (case, name)
        assert got["safety_stock"] == pytest.approx(s - mean, abs=1e-12)
        for metric, name in enumerate(("alpha", "beta", "gamma")):
            target = float(rng.uniform(0.3, 0.99))
            sol, status = run_kernel(
                p, 0, Q, mu, solve=True, metric=metric, target=target, size_ratio=ratio
            )
            s_star = int(sol["reorder_point"])
            assert batch_reference(p, ratio, s_star, Q, mu)[name] >= target, (case, name)
            assert batch_reference(p, ratio, s_star - 1, Q, mu)[name] < target, (case, name)


def test_compound_poisson_metrics_against_event_simulation():
    """The referee: an event simulation of the real system (customers of geometric size)."""
    mean, std, lead, Q, s = 1.0, np.sqrt(5.0), 2.0, 3, 8  # m = 3: lumpy
    m = (std**2 / mean + 1) / 2
    df = pd.DataFrame(
        {
            "demand_mean": [mean],
            "demand_std": [std],
            "lead_time": [lead],
            "order_quantity": [Q],
            "reorder_point": [s],
            "distribution": ["compound_poisson"],
        }
    )
    got = invsl.evaluate(df).iloc[0]
    runs = np.array(
        [_simulate_batch_sq(s, Q, mean / m, 1 - 1 / m, lead, 400_000, seed) for seed in range(10)]
    )
    served, demanded, orders, ok, int_b, int_oh, int_up, t = runs.T
    sim = {
        "beta": served / demanded,
        "alpha": ok / orders,
        "expected_backorders": int_b / t,
        "expected_on_hand": int_oh / t,
        "ready_rate": int_up / t,
    }
    for name, values in sim.items():
        half = 4 * values.std(ddof=1) / np.sqrt(len(values))  # ~4 standard errors
        assert abs(got[name] - values.mean()) < half + 1e-4, (name, got[name], values.mean())
    # the unit-demand shortcut (the contract's (s, Q) beta on D) is far off here
    assert got["ready_rate"] - sim["beta"].mean() > 0.05


def history_table():
    return pd.DataFrame(
        {
            "sku": ["a"] * 6 + ["b"] * 6 + ["x"] * 3 + ["neg"] * 3,
            "period": list(range(6)) * 2 + [0, 1, 2] * 2,
            "demand": [0, 2, 0, 0, 3, 1, 1, 1, 0, 2, 1, 1, 0, 0, 1, 1, -1, 2],
        }
    )


def test_frame_empirical_rows_against_enumeration():
    h = history_table()
    df = pd.DataFrame(
        {
            "sku": ["b", "a", "zz", "neg", "a", "a"],
            "demand_mean": np.nan,
            "demand_std": np.nan,
            "lead_time": [2.0, 3.0, 1.0, 1.0, 1.5, 2.0],
            "order_quantity": [3, 2, 2, 2, 2, 2.5],
            "distribution": "empirical",
        }
    )
    out = invsl.optimize(df, metric="alpha", target=0.9, history=h)
    assert out["status"].astype(str).tolist() == [
        "ok",
        "ok",
        "no_history",
        "bad_history",
        "fractional_lead_time",
        "not_integer",
    ]
    assert (out["message"].iloc[2:] != "").all()
    for row, sku in ((0, "b"), (1, "a")):
        d = h.loc[h["sku"] == sku, "demand"].to_numpy()
        lead = int(df["lead_time"].iloc[row])
        ref = np.zeros(d.max() * lead + 1)
        for outcome in itertools.product(d, repeat=lead):  # every sequence of periods
            ref[sum(outcome)] += 1.0 / len(d) ** lead
        s = int(out["reorder_point"].iloc[row])
        q = int(df["order_quantity"].iloc[row])
        assert ref[: s + 1].sum() >= 0.9 > ref[:s].sum()
        got = numpy_sq_metrics(ref, s, q, d.mean())
        for name in ("beta", "gamma", "expected_backorders", "expected_on_hand"):
            assert out[name].iloc[row] == pytest.approx(got[name], rel=1e-12), name


def test_frame_empirical_missing_periods_read_as_zero():
    h = pd.DataFrame(
        {
            "sku": ["a", "a", "b", "b", "b", "b"],
            "period": [1, 3, 1, 2, 3, 4],
            "demand": [2, 2, 0, 0, 0, 1],
        }
    )
    df = pd.DataFrame(
        {
            "sku": ["a"],
            "demand_mean": 0.0,
            "demand_std": 0.0,
            "lead_time": 1.0,
            "order_quantity": 1,
            "reorder_point": 1,
            "distribution": "empirical",
        }
    )
    zero = invsl.evaluate(df, history=h)  # a: 2, 0, 2, 0 over periods 1..4
    skip = invsl.evaluate(df, history=h, history_options={"missing": "skip"})  # a: 2, 2
    assert zero["alpha"].iloc[0] == pytest.approx(0.5)
    assert skip["alpha"].iloc[0] == 0.0
    assert zero["safety_stock"].iloc[0] == pytest.approx(0.0)  # 1 - mean 1


def test_frame_bad_rows_flagged():
    df = pd.DataFrame(
        {
            "demand_mean": [2.0, 2.0, 2.0, 2.0, -1.0, 0.0, np.nan],
            "demand_std": [1.0, 2.0, 2.0, 2.0, 1.0, 0.0, 1.0],
            "lead_time": [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0],
            "lead_time_std": [0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0],
            "order_quantity": [3.0, 3.0, 2.5, 3.0, 1.0, 1.0, 1.0],
            "reorder_point": [2.0, 2.0, 2.0, 1.5, 1.0, 0.0, 1.0],
            "distribution": "compound_poisson",
        }
    )
    out = invsl.evaluate(df)
    assert out["status"].astype(str).tolist() == [
        "compound_poisson_variance",
        "random_lead_time",
        "not_integer",
        "not_integer",
        "negative",
        "zero_demand",
        "missing",
    ]
    assert out["message"].iloc[0].startswith("demand_std = 1.0: compound_poisson needs")
    with pytest.raises(invsl.InputError, match="history"):
        invsl.evaluate(df.assign(distribution="empirical", sku="a"))


def test_frame_empirical_too_large_pmf_flagged(monkeypatch):
    h = pd.DataFrame({"sku": ["a", "a"], "period": [1, 2], "demand": [0, 10]})
    df = pd.DataFrame(
        {
            "sku": ["a"],
            "demand_mean": 0.0,
            "demand_std": 0.0,
            "lead_time": 30.0,
            "order_quantity": 1,
            "distribution": "empirical",
        }
    )
    monkeypatch.setattr(pmf, "MAX_SUPPORT", 100)  # read by the numpy layer: 301 > 100
    out = invsl.optimize(df, history=h)
    assert out["status"].iloc[0] == "pmf_too_large"


def test_cli_history_option(tmp_path):
    from click.testing import CliRunner

    from invsl.tools.cli import main

    (tmp_path / "h.csv").write_text("sku,period,demand\n007,1,0\n007,2,2\n007,3,1\n007,4,1\n")
    (tmp_path / "in.csv").write_text(
        "sku,demand_mean,demand_std,lead_time,order_quantity,distribution\n"
        "007,,,1,2,empirical\n008,,,1,2,empirical\n009,1.0,2.0,2,2,compound_poisson\n"
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        main,
        [
            "optimize",
            str(tmp_path / "in.csv"),
            "-o",
            str(out),
            "--metric",
            "alpha",
            "--target",
            "0.7",
            "--history",
            str(tmp_path / "h.csv"),
        ],
    )
    assert result.exit_code == 1, result.output  # 008 has no history
    df = pd.read_csv(out, dtype={"sku": str})
    assert df["status"].tolist() == ["ok", "no_history", "ok"]
    assert df["reorder_point"].iloc[0] == 1.0  # P(D <= 1) = 3/4 >= 0.7 > P(D <= 0) = 1/4
    result = CliRunner().invoke(main, ["optimize", str(tmp_path / "in.csv"), "-o", str(out)])
    assert result.exit_code == 2 and "history" in result.output


def test_array_functions_do_not_take_the_pmf_distributions():
    # the array layer has no history and no pmf kernels: these names are unknown there (NaN)
    for name in ("empirical", "compound_poisson"):
        got = invsl.reorder_point(0.95, 3.0, 1.0, 2.0, 1.0, distribution=name)
        assert np.isnan(got)
        assert np.isnan(invsl.fill_rate(4.0, 3.0, 1.0, 2.0, 1.0, distribution=name))
