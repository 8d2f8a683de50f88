"""Periodic review (RS, RsS, RsQ) with demand from history: empirical and compound_poisson.

References, none of which uses invsl code:

- ``twin``: the dense Markov chain of the inventory position after a review, solved by
  numpy least squares, then every metric by brute-force sums over the pmfs of D(n); the pmfs
  are built independently: empirical by repeated ``numpy.convolve`` of the history's
  per-period pmf, compound Poisson as the Poisson mixture of negative binomials
  P(X = k) = sum_N Poisson(N; r n) NegBin(k - N; N, 1 - q) (scipy.stats), not by Panjer;
- ``invsl.simulate``: period-by-period simulation sampling each period's demand from the
  SKU's history pmf (or stuttering Poisson), within its confidence half-widths.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import invsl
from _chain import dense_chain_metrics

METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")

#: an intermittent history (24 periods, sizes up to 6) and a smoother one
HISTORY = pd.DataFrame(
    {
        "sku": ["slow"] * 24 + ["fast"] * 12,
        "period": list(range(24)) + list(range(12)),
        "demand": [0, 0, 1, 3, 0, 2, 6, 0, 1, 0, 0, 4, 0, 1, 0, 0, 2, 0, 0, 3, 1, 0, 0, 5]
        + [3, 5, 2, 4, 6, 3, 1, 4, 2, 5, 3, 4],
    }
)


# ------------------------------------------------------------------------------------------
# independent pmfs of D(n)
# ------------------------------------------------------------------------------------------
def period_pmf(sku):
    d = HISTORY.loc[HISTORY["sku"] == sku, "demand"].to_numpy()
    return np.bincount(d) / len(d)


def empirical_pmf(sku, n):
    out = np.array([1.0])
    p = period_pmf(sku)
    for _ in range(int(n)):
        out = np.convolve(out, p)
    return out


def compound_pmf(mu, sd, n, hi=400):
    """Stuttering Poisson over n periods as a Poisson mixture of negative binomials."""
    m = (sd * sd / mu + 1.0) / 2.0
    rate, q = mu / m, 1.0 - 1.0 / m
    lam = rate * n
    k = np.arange(hi + 1)
    out = np.zeros(hi + 1)
    out[0] = math.exp(-lam)
    for big_n in range(1, hi + 1):
        w = stats.poisson.pmf(big_n, lam)
        if w < 1e-30 and big_n > lam:
            break
        # sum of N geometric sizes on {1, 2, ...} = N + NegBin(N, 1 - q) failures
        out += w * np.where(k >= big_n, stats.nbinom.pmf(k - big_n, big_n, 1.0 - q), 0.0)
    return out


def pmfs_for(dist, n):
    if dist == "empirical":
        return empirical_pmf("slow", n)
    return compound_pmf(1.5, 2.5, n)


def pad(p, hi):
    out = np.zeros(hi + 1)
    out[: min(len(p), hi + 1)] = p[: hi + 1]
    return out


# ------------------------------------------------------------------------------------------
# the dense Markov chain twin
# ------------------------------------------------------------------------------------------
def twin(policy, pmf_n, mu, L, R, x, gap, hi=400):
    """Every metric from the dense chain on the positions after a review (tests/_chain.py);
    ``pmf_n(n)`` gives the pmf of the demand over n periods as a numpy vector."""
    pmfs = {j: pad(pmf_n(L + j), hi) for j in range(R + 1)}
    return dense_chain_metrics(policy, pad(pmf_n(R), hi), pmfs, mu, R, x, gap)


def table(dist, policy, L, R, x, gap):
    row = {
        "sku": "slow",
        "demand_mean": 1.5,
        "demand_std": 2.5,
        "lead_time": L,
        "distribution": dist,
        "policy": policy,
        "review_period": R,
    }
    if policy == "RS":
        row["order_up_to"] = x
    elif policy == "RsS":
        row["reorder_point"] = x
        row["order_up_to"] = x + gap
    else:
        row["reorder_point"] = x
        row["order_quantity"] = gap
    return pd.DataFrame([row])


def mean_of(dist):
    return (
        float(HISTORY.loc[HISTORY["sku"] == "slow", "demand"].mean())
        if dist == "empirical"
        else 1.5
    )


CASES = [
    # dist, policy, L, R, gap, reorder points (S for RS)
    ("empirical", "RS", 2, 1, 0, (-2, 0, 3, 6, 11)),
    ("empirical", "RS", 0, 3, 0, (0, 4, 9)),
    ("empirical", "RsS", 1, 1, 5, (-4, 0, 2, 5)),
    ("empirical", "RsS", 2, 3, 9, (-1, 3, 8)),
    ("empirical", "RsQ", 1, 2, 4, (-3, 1, 4, 7)),
    ("empirical", "RsQ", 0, 1, 70, (-10, 2)),  # Q > 64: the G2 / K2 difference path
    ("compound_poisson", "RS", 1.5, 2, 0, (0, 4, 10)),
    ("compound_poisson", "RsS", 1, 2, 6, (-2, 2, 6)),
    ("compound_poisson", "RsS", 0, 1, 3, (0, 3)),
    ("compound_poisson", "RsQ", 2, 1, 3, (-1, 3, 8)),
    ("compound_poisson", "RsQ", 1, 1, 66, (-5, 3)),
]


def _pmf_n(dist):
    return lambda n: pmfs_for(dist, n)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-L{c[2]}-R{c[3]}-g{c[4]}")
def test_every_metric_matches_the_dense_markov_chain(case):
    dist, policy, L, R, gap, points = case
    frames = pd.concat([table(dist, policy, L, R, x, gap) for x in points], ignore_index=True)
    out = invsl.evaluate(frames, history=HISTORY)
    assert (out["status"] == "ok").all(), out[["status", "message"]]
    assert (out["lead_time_distribution"] == dist).all()
    mu = mean_of(dist)
    for i, x in enumerate(points):
        ref = twin(policy, _pmf_n(dist), mu, L, R, x, gap)
        for m in METRICS:
            assert out[m].iloc[i] == pytest.approx(ref[m], abs=1e-9, rel=1e-9), (x, m)
        assert out["safety_stock"].iloc[i] == pytest.approx(x - mu * (L + R), abs=1e-12)


def test_fft_convolution_path_agrees_with_numpy():
    """A history with sizes up to 900 and L + R = 4: supports beyond pmf.FFT_FROM (FFT)."""
    rng = np.random.default_rng(3)
    d = np.where(rng.random(40) < 0.5, 0, rng.integers(1, 900, 40))
    d[0] = 899
    h = pd.DataFrame({"sku": "big", "period": range(40), "demand": d})
    p = np.bincount(d) / len(d)

    def pmf_n(n):
        out = np.array([1.0])
        for _ in range(int(n)):
            out = np.convolve(out, p)
        return out

    mu = d.mean()
    for policy, x, gap in (("RS", 900, 0), ("RsS", 700, 3), ("RsQ", 800, 2)):
        df = table("empirical", policy, 2, 2, x, gap).assign(sku="big")
        out = invsl.evaluate(df, history=h)
        assert (out["status"] == "ok").all()
        ref = twin(policy, pmf_n, mu, 2, 2, x, gap, hi=3600)
        for m in METRICS:
            scale = mu if m in ("expected_backorders", "expected_on_hand") else 1.0
            assert out[m].iloc[0] == pytest.approx(ref[m], abs=1e-9 * scale), m


OPT_CASES = [
    ("empirical", "RS", 1, 2, 0),
    ("empirical", "RsS", 2, 1, 4),
    ("empirical", "RsQ", 1, 3, 3),
    ("compound_poisson", "RS", 0.5, 1, 0),
    ("compound_poisson", "RsS", 1, 2, 5),
    ("compound_poisson", "RsQ", 2, 1, 2),
]


@pytest.mark.parametrize("case", OPT_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
@pytest.mark.parametrize("metric,target", [("alpha", 0.9), ("beta", 0.95), ("gamma", 0.9)])
def test_optimize_gives_the_smallest_level_meeting_the_target(case, metric, target):
    dist, policy, L, R, gap = case
    df = table(dist, policy, L, R, 0, gap).drop(
        columns=["reorder_point", "order_up_to"], errors="ignore"
    )
    df["order_quantity"] = max(gap, 1)
    out = invsl.optimize(df, metric=metric, target=target, history=HISTORY)
    assert (out["status"] == "ok").all(), out["message"]
    x = out["order_up_to"].iloc[0] if policy == "RS" else out["reorder_point"].iloc[0]
    assert x == math.floor(x)
    if policy == "RsS":
        assert out["order_up_to"].iloc[0] == x + gap
    mu = mean_of(dist)
    at = twin(policy, _pmf_n(dist), mu, L, R, int(x), gap)
    below = twin(policy, _pmf_n(dist), mu, L, R, int(x) - 1, gap)
    assert at[metric] >= target > below[metric]
    assert out[metric].iloc[0] == pytest.approx(at[metric], abs=1e-9)


def test_bad_rows_are_flagged_and_the_others_computed():
    rows = [
        table("empirical", "RsS", 1, 2, 3, 4),  # ok
        table("empirical", "RsS", 1, 2, 3, 4).assign(sku="nobody"),  # no history
        table("empirical", "RS", 1.5, 2, 5, 0),  # fractional lead time
        table("compound_poisson", "RsQ", 1, 1, 2, 3).assign(demand_std=1.0),  # var < mean
        table("compound_poisson", "RsQ", 1, 1, 2, 3).assign(lead_time_std=0.5),
        table("compound_poisson", "RS", 1, 1, 5.5, 0),  # fractional S
        table("empirical", "RsS", 1, 2, 3, 4).assign(review_period=0.5),
        table("compound_poisson", "RsQ", 1, 1, 2, 3),  # ok
    ]
    df = pd.concat(rows, ignore_index=True)
    df.index = [10, 11, 12, 13, 14, 15, 16, 17]
    before = df.copy()
    out = invsl.evaluate(df, history=HISTORY)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert list(out.index) == list(df.index)
    assert out["status"].astype(str).tolist() == [
        "ok",
        "no_history",
        "fractional_lead_time",
        "compound_poisson_variance",
        "random_lead_time",
        "not_integer",
        "bad_review_period",
        "ok",
    ]
    bad = out["status"] != "ok"
    assert (out.loc[bad, "message"] != "").all()
    assert out.loc[bad, list(METRICS)].isna().all().all()
    ref = twin("RsS", _pmf_n("empirical"), mean_of("empirical"), 1, 2, 3, 4)
    assert out["beta"].iloc[0] == pytest.approx(ref["beta"], abs=1e-9)
    ref = twin("RsQ", _pmf_n("compound_poisson"), 1.5, 1, 1, 2, 3)
    assert out["gamma"].iloc[-1] == pytest.approx(ref["gamma"], abs=1e-9)


def test_sq_and_periodic_pmf_rows_mix_in_one_table():
    sq = pd.DataFrame(
        {
            "sku": ["slow"],
            "demand_mean": [1.5],
            "demand_std": [2.5],
            "lead_time": [2.0],
            "order_quantity": [3.0],
            "reorder_point": [4.0],
            "distribution": ["empirical"],
        }
    )
    alone = invsl.evaluate(sq, history=HISTORY)
    mixed = invsl.evaluate(
        pd.concat(
            [sq.assign(policy="sQ"), table("empirical", "RsQ", 2, 1, 4, 3)], ignore_index=True
        ),
        history=HISTORY,
    )
    assert (mixed["status"] == "ok").all()
    for m in METRICS:
        assert mixed[m].iloc[0] == alone[m].iloc[0]


def test_car_parts_fit_demand_then_min_max_with_empirical_demand():
    """fit_demand then optimize(policy="RsS", distribution="empirical") on every car part:
    each row ok (meeting the target) or flagged with a reason."""
    h = pytest.importorskip("datasets.carparts").load_carparts()  # not in the sdist
    options = {"sku": "part", "period": "month", "missing": "skip"}
    fit = invsl.fit_demand(h, sku="part", period="month", missing="skip")
    df = fit.assign(lead_time=2.0, order_quantity=np.maximum(1.0, np.ceil(2 * fit["demand_mean"])))
    out = invsl.optimize(
        df,
        metric="beta",
        target=0.95,
        policy="RsS",
        review_period=1,
        distribution="empirical",
        history=h,
        history_options=options,
    )
    assert len(out) == len(fit) == 2674
    assert out["part"].tolist() == fit["part"].tolist()
    ok = (out["status"] == "ok").to_numpy()
    assert ((out["message"] != "") == ~ok).all()
    assert (out.loc[ok, "beta"] >= 0.95).all()
    assert (
        out.loc[ok, "order_up_to"] == out.loc[ok, "reorder_point"] + df.loc[ok, "order_quantity"]
    ).all()
    assert set(out.loc[~ok, "status"].astype(str)) <= {"zero_demand"}
    assert ok.sum() > 2600


# ------------------------------------------------------------------------------------------
# against the simulation of the real system (invsl.simulate samples the history pmf)
# ------------------------------------------------------------------------------------------
N_SE = 4.5
N_BATCHES = 50
T975 = float(stats.t.ppf(0.975, N_BATCHES - 1))

SIM_CASES = [
    # dist, policy, L, R, x, gap
    ("empirical", "RS", 2, 1, 6, 0),
    ("empirical", "RsS", 1, 2, 3, 4),
    ("empirical", "RsQ", 1, 1, 2, 3),
    ("compound_poisson", "RS", 1, 2, 7, 0),
    ("compound_poisson", "RsS", 0, 1, 2, 6),
    ("compound_poisson", "RsQ", 2, 3, 6, 4),
]


@pytest.fixture(scope="module")
def simulated():
    df = pd.concat([table(*case) for case in SIM_CASES], ignore_index=True)
    sim = invsl.simulate(df, periods=200_000, seed=17, n_batches=N_BATCHES, history=HISTORY)
    return df, sim


def test_every_policy_and_metric_agrees_with_the_simulation(simulated):
    df, sim = simulated
    assert (sim["status"] == "ok").all(), sim["message"]
    ev = invsl.evaluate(df, history=HISTORY)
    bad = []
    for i, (dist, policy, L, R, x, gap) in enumerate(SIM_CASES):
        ref = twin(policy, _pmf_n(dist), mean_of(dist), L, R, x, gap)
        for m in METRICS:
            assert ev[m].iloc[i] == pytest.approx(ref[m], abs=1e-9)
            se = sim[f"{m}_ci"].iloc[i] / T975
            assert se > 0
            if not abs(sim[m].iloc[i] - ref[m]) <= N_SE * se:
                bad.append(
                    f"{dist} {policy} {m}: sim {sim[m].iloc[i]:.5f} ref {ref[m]:.5f} se {se:.2g}"
                )
    assert not bad, "\n".join(bad)


def test_simulation_can_tell_a_reorder_point_one_unit_lower(simulated):
    """The comparison above has power: one unit less is many standard errors away in beta."""
    df, sim = simulated
    for i, (dist, policy, L, R, x, gap) in enumerate(SIM_CASES):
        lower = twin(policy, _pmf_n(dist), mean_of(dist), L, R, x - 1, gap)
        se = sim["beta_ci"].iloc[i] / T975
        assert abs(sim["beta"].iloc[i] - lower["beta"]) > N_SE * se, (dist, policy)


def test_simulated_empirical_demand_has_the_history_pmf():
    """An RS row with S huge never runs short; its on-hand stock at period ends is S minus the
    demand since the order arrived, so on hand + mu (L + 1) recovers the mean and the ready
    rate is 1 - and the sampled per-period demand mean matches the history (via gamma = 1)."""
    df = table("empirical", "RS", 0, 1, 1000, 0)
    sim = invsl.simulate(df, periods=100_000, seed=3, n_batches=N_BATCHES, history=HISTORY)
    mu = mean_of("empirical")
    se = sim["expected_on_hand_ci"].iloc[0] / T975
    assert abs(sim["expected_on_hand"].iloc[0] - (1000 - mu)) <= N_SE * se
    assert sim["ready_rate"].iloc[0] == 1.0 and sim["beta"].iloc[0] == 1.0


def test_continuous_review_compound_poisson_simulated_event_by_event():
    """sQ with stuttering Poisson demand: customers with geometric sizes in continuous time
    (an (s, nQ) policy with undershoot), as the pmf formulas of docs/history.md assume."""
    df = pd.DataFrame(
        {
            "demand_mean": [1.5, 4.0],
            "demand_std": [2.5, 3.0],
            "lead_time": [1.5, 2.0],
            "order_quantity": [4.0, 6.0],
            "reorder_point": [3.0, 10.0],
            "distribution": "compound_poisson",
        }
    )
    ev = invsl.evaluate(df)
    sim = invsl.simulate(df, periods=200_000, seed=5, n_batches=N_BATCHES)
    assert (sim["status"] == "ok").all() and (ev["status"] == "ok").all()
    for i in range(len(df)):
        for m in METRICS:
            se = sim[f"{m}_ci"].iloc[i] / T975
            assert abs(sim[m].iloc[i] - ev[m].iloc[i]) <= N_SE * se, (i, m)


def test_simulate_flags_bad_history_rows_and_runs_the_others():
    df = pd.concat(
        [
            table("empirical", "RsS", 1, 2, 3, 4).assign(sku="nobody"),
            table("compound_poisson", "RsQ", 1, 1, 2, 3).assign(demand_std=1.0),
            table("empirical", "RsQ", 1, 1, 2, 3),
            table("empirical", "RsQ", 1, 1, 2, 3).assign(policy="sQ", lead_time=1.5),
            table("empirical", "RsQ", 1, 1, 2, 3).assign(policy="sQ", order_quantity=3.0),
        ],
        ignore_index=True,
    )
    a = invsl.simulate(df, periods=2000, seed=1, history=HISTORY)
    b = invsl.simulate(df, periods=2000, seed=1, history=HISTORY)
    assert a["status"].astype(str).tolist() == [
        "no_history",
        "compound_poisson_variance",
        "ok",
        "fractional_lead_time",
        "ok",
    ]
    assert (a.loc[a["status"] != "ok", "message"] != "").all()
    pd.testing.assert_frame_equal(a, b)  # reproducible by seed
    c = invsl.simulate(df, periods=2000, seed=2, history=HISTORY)
    assert c["beta"].iloc[2] != a["beta"].iloc[2]
    assert c["beta"].iloc[4] != a["beta"].iloc[4]


def test_command_line_optimize_and_simulate_with_history(tmp_path):
    from click.testing import CliRunner

    from invsl.tools.cli import main

    skus = tmp_path / "skus.csv"
    hist = tmp_path / "history.csv"
    table("empirical", "RsS", 1, 2, 0, 4).drop(columns=["reorder_point", "order_up_to"]).assign(
        order_quantity=4
    ).to_csv(skus, index=False)
    HISTORY.to_csv(hist, index=False)
    runner = CliRunner()
    plan = tmp_path / "plan.csv"
    res = runner.invoke(main, ["optimize", str(skus), "-o", str(plan), "--history", str(hist)])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(plan)
    s = int(out["reorder_point"].iloc[0])
    ref = twin("RsS", _pmf_n("empirical"), mean_of("empirical"), 1, 2, s, 4)
    assert out["beta"].iloc[0] == pytest.approx(ref["beta"], abs=1e-9)
    check = tmp_path / "check.csv"
    res = runner.invoke(
        main,
        ["simulate", str(plan), "-o", str(check), "--history", str(hist), "--periods", "20000"],
    )
    assert res.exit_code == 0, res.output
    sim = pd.read_csv(check)
    assert sim["status"].iloc[0] == "ok"
    assert abs(sim["beta"].iloc[0] - ref["beta"]) <= 3 * sim["beta_ci"].iloc[0]
