"""Steady-state speed of ``invsl.optimize`` against numpy/scipy baselines.

Two groups, each with its baseline in the same run. invsl is timed twice: through the
DataFrame layer (``invsl.optimize``: validation, every metric, status columns) and through
the array function ``invsl.reorder_point`` (reorder points only).

- ``normal-beta``: fill-rate (beta = 0.95) reorder points of 1,000,000 SKUs with normal
  lead-time demand (``--short``: 100,000): invsl, a vectorised numpy/scipy bisection, and a
  per-SKU ``scipy.optimize.brentq`` loop on the first 1,000 SKUs (``--short``: 200).
- ``poisson-beta``: 200,000 SKUs with Poisson lead-time demand (``--short``: 50,000),
  integer s and Q: invsl against a vectorised integer bisection.

Every invsl call is made once on a slice before timing, so JIT compilation (or loading the
numba cache) is not in the figures; cold start is measured by ``cold_start.py``.

The reorder points of the timed runs are compared: continuous ones must agree within
``1e-6 * max(1, sd)`` (sd: standard deviation of lead-time demand), integer ones exactly.
The ratio baseline / invsl of the best rounds is stored in ``extra_info`` of the invsl
benchmark. Nothing about speed is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import baselines
import invsl

TARGET = 0.95
REL_TOL = 1e-6  # agreement of continuous reorder points, in units of max(1, sd)


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def _lead_time_moments(df):
    """Mean and sd of lead-time demand, fixed lead time (contract: E = mu L, Var = L sigma^2)."""
    lead_time = df["lead_time"].to_numpy()
    mean = df["demand_mean"].to_numpy() * lead_time
    sd = df["demand_std"].to_numpy() * np.sqrt(lead_time)
    return mean, sd


def _invsl_optimize(df, distribution):
    return invsl.optimize(df, metric="beta", target=TARGET, distribution=distribution)


def _invsl_arrays(df, distribution):
    return invsl.reorder_point(
        TARGET,
        df["order_quantity"].to_numpy(),
        df["demand_mean"].to_numpy(),
        df["demand_std"].to_numpy(),
        df["lead_time"].to_numpy(),
        distribution=distribution,
        metric="beta",
    )


#: the two ways of calling invsl that are timed: the DataFrame layer (validation, every
#: metric, status and message columns) and the array function (reorder points only)
INVSL_APIS = {"optimize": _invsl_optimize, "reorder_point": _invsl_arrays}


def _warm_up(df, distribution, api="optimize"):
    """Compile (or load from the numba cache) every kernel the timed call will use."""
    INVSL_APIS[api](df.iloc[:1000], distribution)


def _reorder_points(out):
    """invsl's reorder points, after checking that every row was solved."""
    if not hasattr(out, "columns"):  # the array function: NaN marks a row it could not solve
        bad = np.isnan(out)
        assert not bad.any(), f"invsl.reorder_point gave NaN for rows {np.flatnonzero(bad)[:10]}"
        return np.asarray(out, dtype=np.float64)
    status = out["status"].astype(str)
    bad = status != "ok"
    assert not bad.any(), (
        "invsl flagged rows of a valid synthetic table: "
        f"{status[bad].value_counts().to_dict()}\n{out[bad].head(10).to_string()}"
    )
    return out["reorder_point"].to_numpy(dtype=np.float64)


def _best_of(n, func, *args):
    """(best wall time over n calls [s], result of the last call)."""
    best = np.inf
    for _ in range(n):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def _best_time(benchmark):
    stats = getattr(benchmark, "stats", None)
    return stats.stats.min if stats else None


def _check_agreement(df, got, want, atol, against, benchmark):
    """Assert |got - want| <= atol row by row; list the worst rows when not."""
    diff = np.abs(got - want)
    bad = ~(diff <= atol)  # NaN counts as a disagreement
    scaled = diff / np.maximum(1.0, _lead_time_moments(df)[1])
    benchmark.extra_info[f"agreement_with_{against}"] = {
        "rows_disagreeing": int(bad.sum()),
        "max_abs_diff": float(np.nanmax(diff)) if np.isfinite(diff).any() else None,
        "max_abs_diff_over_max1sd": float(np.nanmax(scaled)) if np.isfinite(scaled).any() else None,
    }
    if bad.any():
        worst = np.argsort(np.where(bad, -np.nan_to_num(diff, nan=np.inf), 0.0))[:10]
        worst = worst[bad[worst]]
        table = df.iloc[worst].assign(
            invsl=got[worst],
            baseline=want[worst],
            diff=diff[worst],
            tolerance=np.broadcast_to(atol, diff.shape)[worst],
        )
        pytest.fail(
            f"{bad.sum()} of {len(df)} reorder points differ between invsl and {against} "
            f"(worst rows first):\n{table.to_string()}",
            pytrace=False,
        )


# ---------------------------------------------------------------------------------------
# normal lead-time demand, beta target
# ---------------------------------------------------------------------------------------
def _normal_baseline(df):
    mean, sd = _lead_time_moments(df)
    return baselines.normal_beta_bisection(TARGET, df["order_quantity"].to_numpy(), mean, sd)


@pytest.mark.benchmark(group="normal-beta")
def test_normal_beta_numpy_bisection(benchmark, normal_skus, sizes, shared):
    benchmark.extra_info.update(n_skus=len(normal_skus), implementation="numpy/scipy bisection")
    result = benchmark.pedantic(
        _normal_baseline, args=(normal_skus,), rounds=sizes.rounds_baseline, iterations=1
    )
    shared["normal_baseline"] = (result, _best_time(benchmark))


@pytest.mark.benchmark(group="normal-beta")
@pytest.mark.parametrize("api", list(INVSL_APIS))
def test_normal_beta_invsl(benchmark, api, normal_skus, sizes, shared):
    benchmark.extra_info.update(n_skus=len(normal_skus), implementation=f"invsl.{api}")
    _warm_up(normal_skus, "normal", api)
    out = benchmark.pedantic(
        INVSL_APIS[api], args=(normal_skus, "normal"), rounds=sizes.rounds_invsl, iterations=1
    )
    got = _reorder_points(out)
    t_invsl = _best_time(benchmark)
    if api == "optimize":
        shared["normal_invsl"] = (got, t_invsl)

    if "normal_baseline" not in shared:  # run on its own (-k): time the baseline here
        t, want = _best_of(sizes.rounds_baseline, _normal_baseline, normal_skus)
        shared["normal_baseline"] = (want, t)
    want, t_base = shared["normal_baseline"]
    if t_base and t_invsl:
        benchmark.extra_info["baseline_seconds"] = t_base
        benchmark.extra_info["ratio_baseline_over_invsl"] = t_base / t_invsl
    _, sd = _lead_time_moments(normal_skus)
    atol = REL_TOL * np.maximum(1.0, sd)
    _check_agreement(normal_skus, got, want, atol, "numpy_bisection", benchmark)


@pytest.mark.benchmark(group="normal-beta")
def test_normal_beta_scipy_brentq_loop(benchmark, normal_skus, sizes, shared):
    sample = normal_skus.iloc[: sizes.n_loop]  # rows are i.i.d., so the head is a sample
    mean, sd = _lead_time_moments(sample)
    q = sample["order_quantity"].to_numpy()
    benchmark.extra_info.update(n_skus=len(sample), implementation="scipy brentq per SKU")
    want = benchmark.pedantic(
        baselines.normal_beta_brentq_loop,
        args=(TARGET, q, mean, sd),
        rounds=sizes.rounds_loop,
        iterations=1,
    )
    t_loop = _best_time(benchmark)
    if t_loop:
        benchmark.extra_info["seconds_per_sku"] = t_loop / len(sample)

    if "normal_invsl" in shared:
        got_all, t_invsl = shared["normal_invsl"]
        got = got_all[: sizes.n_loop]
        if t_loop and t_invsl:
            per_sku_invsl = t_invsl / len(normal_skus)
            benchmark.extra_info["invsl_seconds_per_sku"] = per_sku_invsl
            benchmark.extra_info["ratio_per_sku_loop_over_invsl"] = (
                t_loop / len(sample) / per_sku_invsl
            )
    else:
        _warm_up(sample, "normal")
        got = _reorder_points(_invsl_optimize(sample, "normal"))
    _check_agreement(sample, got, want, REL_TOL * np.maximum(1.0, sd), "scipy_brentq", benchmark)


# ---------------------------------------------------------------------------------------
# Poisson lead-time demand, beta target, integer reorder points
# ---------------------------------------------------------------------------------------
def _poisson_baseline(df):
    lam = df["demand_mean"].to_numpy() * df["lead_time"].to_numpy()
    return baselines.poisson_beta_bisection(TARGET, df["order_quantity"].to_numpy(), lam)


@pytest.mark.benchmark(group="poisson-beta")
def test_poisson_beta_numpy_bisection(benchmark, poisson_skus, sizes, shared):
    benchmark.extra_info.update(
        n_skus=len(poisson_skus), implementation="numpy/scipy integer bisection"
    )
    result = benchmark.pedantic(
        _poisson_baseline, args=(poisson_skus,), rounds=sizes.rounds_baseline, iterations=1
    )
    shared["poisson_baseline"] = (result, _best_time(benchmark))


@pytest.mark.benchmark(group="poisson-beta")
@pytest.mark.parametrize("api", list(INVSL_APIS))
def test_poisson_beta_invsl(benchmark, api, poisson_skus, sizes, shared):
    benchmark.extra_info.update(n_skus=len(poisson_skus), implementation=f"invsl.{api}")
    _warm_up(poisson_skus, "poisson", api)
    out = benchmark.pedantic(
        INVSL_APIS[api], args=(poisson_skus, "poisson"), rounds=sizes.rounds_invsl, iterations=1
    )
    got = _reorder_points(out)
    t_invsl = _best_time(benchmark)

    if "poisson_baseline" not in shared:
        t, want = _best_of(sizes.rounds_baseline, _poisson_baseline, poisson_skus)
        shared["poisson_baseline"] = (want, t)
    want, t_base = shared["poisson_baseline"]
    if t_base and t_invsl:
        benchmark.extra_info["baseline_seconds"] = t_base
        benchmark.extra_info["ratio_baseline_over_invsl"] = t_base / t_invsl
    _check_agreement(poisson_skus, got, want, 0.0, "integer_bisection", benchmark)
