"""Compile every kernel once, ahead of the first real job (``invsl warmup``).

invsl's kernels are compiled by numba at their first call in a process and written to
numba's on-disk cache (``cache=True``); later processes load them from there in about a
second. A fresh installation (a new virtual environment, a container image, a CI runner)
therefore pays the compilation, tens of seconds, in the first job that runs. Call
:func:`warmup` (or ``invsl warmup`` on the command line) once after installing, for example in
the image build, so that no production job has to compile.

Each step calls a public function on a small table that reaches every kernel it uses (every
distribution, policy and metric), exactly as a real call would, so the compiled signatures
are the ones real calls load. The steps run in parallel processes, one per CPU (numba
compiles on one thread), all writing to the same cache.
"""

from __future__ import annotations

import concurrent.futures
import functools
import multiprocessing
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from invsl.api.arrays import (
    lead_time_demand,
    loss_first_order,
    loss_second_order,
    reorder_point,
    service_levels,
)
from invsl.api.frame import evaluate, optimize
from invsl.api.history import fit_demand
from invsl.api.periodic_arrays import periodic_service_levels
from invsl.tools.curves import exchange_curve
from invsl.tools.backtest.public import backtest
from invsl.tools.portfolio import optimize_portfolio
from invsl.tools.simulation import simulate
from invsl.tools.whatif import sensitivity
from invsl.vocabulary import DEMAND_MODELS

#: (distribution, demand_mean, demand_std): one row of each kind the DataFrame layer takes
_DISTRIBUTIONS = [
    ("normal", 20.0, 6.0),
    ("gamma", 10.0, 8.0),
    ("poisson", 3.0, 0.0),
    ("negbin", 4.0, 3.0),
    ("empirical", np.nan, np.nan),
    ("compound_poisson", 1.5, 2.5),
]

#: a short history for the ``empirical`` rows (SKU "h")
_HISTORY = pd.DataFrame(
    {"sku": "h", "period": np.arange(12), "demand": [0, 2, 0, 1, 5, 0, 0, 3, 1, 0, 2, 0]}
)


def _table(policies: list[str]) -> pd.DataFrame:
    """Every distribution under every policy, with every metric as target."""
    rows = []
    for policy in policies:
        for dist, mu, sd in _DISTRIBUTIONS:
            for metric in ("alpha", "beta", "gamma"):
                rows.append(
                    {
                        "sku": "h" if dist == "empirical" else "p",
                        "distribution": dist,
                        "policy": policy,
                        "demand_mean": mu,
                        "demand_std": sd,
                        "lead_time": 2.0,
                        "review_period": 2.0,
                        "order_quantity": 8.0,
                        "reorder_point": 9.0,
                        "order_up_to": 17.0,
                        "metric": metric,
                        "target": 0.9,
                    }
                )
    return pd.DataFrame(rows)


#: a history of large weekly demands (SKU "big"): its sQ rows take the coarse lattice
_LARGE_HISTORY = pd.DataFrame(
    {"sku": "big", "period": np.arange(8), "demand": [3100, 2400, 0, 5200, 2900, 3600, 4100, 2700]}
)


def _sq_layer() -> None:

    df = _table(["sQ"]).drop(columns=["policy", "review_period", "order_up_to"])
    two_moment = df[~df["distribution"].isin(["empirical", "compound_poisson"])]
    evaluate(two_moment)
    optimize(two_moment)
    # the (s, Q) kernels' copies: full (above) and lean (no alpha target: kernels.batch.lean)
    lean = two_moment[two_moment["metric"] != "alpha"]
    optimize(lean)
    # with a random lead time (the Poisson mixture becomes negbin)
    optimize(two_moment.assign(lead_time_std=0.5))


def _sq_history_layer() -> None:
    """(s, Q) rows from a demand history: the pmf kernels, and the coarse lattice of large
    demands (``kernels.lattice``)."""
    df = _table(["sQ"]).drop(columns=["policy", "review_period", "order_up_to"])
    history_rows = df[df["distribution"].isin(["empirical", "compound_poisson"])]
    evaluate(history_rows, history=_HISTORY)
    optimize(history_rows, history=_HISTORY)
    # large demands (kernels.lattice): the kernel of each family's compile unit (a table of
    # both families runs each family's copy on its rows)
    large = history_rows.assign(
        sku="big", demand_mean=3000.0, demand_std=1500.0, order_quantity=6000.0,
        reorder_point=9000.0,
    )  # fmt: skip
    evaluate(large, history=_LARGE_HISTORY)
    optimize(large, history=_LARGE_HISTORY)


def _periodic_layer(policy: str) -> None:
    """One periodic-review policy (its compile units); the rows from a history (one kernel
    for every policy) with (R, S) only."""
    df = _table([policy])
    history_rows = df["distribution"].isin(["empirical", "compound_poisson"])
    if policy != "RS":
        df = df[~history_rows]
    evaluate(df, history=_HISTORY)
    optimize(df, history=_HISTORY)


def _arrays() -> None:

    for dist, mu, sd in _DISTRIBUTIONS[:4]:
        # Python numbers (the one-row path of engine.single) and arrays (the kernels)
        for form in (float, np.atleast_1d):
            service_levels(9.0, 8.0, form(mu), sd, 2.0, distribution=dist)
            for metric in ("alpha", "beta", "gamma"):
                reorder_point(0.9, 8.0, form(mu), sd, 2.0, metric=metric, distribution=dist)
            loss_first_order(9.0, form(2 * mu), 2 * sd, distribution=dist)
            loss_second_order(9.0, form(2 * mu), 2 * sd, distribution=dist)
        for policy in ("RS", "RsS", "RsQ"):
            periodic_service_levels(
                policy, mu, sd, 2, 2, reorder_point=9.0, order_up_to=17.0, order_quantity=8.0,
                distribution=dist,
            )  # fmt: skip
    lead_time_demand(20.0, 6.0, 2.0, 0.5)


def _history() -> None:

    fit_demand(_HISTORY)


def _simulate() -> None:

    df = _table(["sQ", "RS", "RsS", "RsQ"]).drop(columns=["metric", "target"])
    df = df.drop_duplicates(["policy", "distribution"]).reset_index(drop=True)
    extra = df[df["distribution"] == "normal"].assign(distribution="deterministic")
    simulate(pd.concat([df, extra]), periods=40, warmup=5, history=_HISTORY)


def _portfolio() -> None:

    df = _table(["sQ"])
    df = df[df["distribution"].isin(["normal", "poisson"])].drop(columns=["metric", "target"])
    df = df.drop_duplicates("distribution").reset_index(drop=True).assign(unit_cost=1.0)
    for dist, part in df.groupby("distribution"):
        optimize_portfolio(part, budget=2.0 * len(part), distribution=dist)
        optimize_portfolio(part, aggregate_target=0.95, distribution=dist)
        exchange_curve(part, targets=[0.9, 0.95], distribution=dist)


def _sensitivity() -> None:

    df = _table(["sQ"])
    df = df[df["distribution"].isin(["normal", "gamma", "poisson", "negbin"])]
    df = df.drop(columns=["metric", "target", "policy"]).reset_index(drop=True)
    sensitivity(df.drop(columns=["sku"]), target=[0.9, 0.95], lead_time_factor=[1.0, 1.5])


#: the steps, in order: name -> function
def _backtest() -> None:
    history = _HISTORY.assign(demand=_HISTORY["demand"].astype(float))
    skus = pd.DataFrame({"sku": history["sku"].unique()})
    skus = skus.assign(lead_time=1, order_quantity=3.0, review_period=1)
    periodic = skus.assign(policy="RsQ")
    continuous = skus.assign(policy="sQ")
    periods = np.sort(history["period"].unique())
    forecasts = pd.DataFrame(
        {"sku": np.repeat(skus["sku"].to_numpy(), len(periods)),
         "period": np.tile(periods, len(skus)), "forecast": 1.0}
    )  # fmt: skip
    for model in DEMAND_MODELS:
        window = 6 if model == "window" else None
        given = forecasts if model == "forecast" else None
        backtest(history, periodic, demand_model=model, start=-4, window=window, forecasts=given)
    backtest(history, continuous, start=-4)
    for policy in (periodic, continuous):  # the plans of the history-based families
        for family in ("empirical", "compound_poisson"):
            backtest(_HISTORY, policy.assign(distribution=family), start=-4)


STEPS: dict[str, Callable[[], None]] = {
    "evaluate/optimize (s, Q)": _sq_layer,
    "evaluate/optimize (s, Q) from a history": _sq_history_layer,
    "evaluate/optimize periodic (R, S)": functools.partial(_periodic_layer, "RS"),
    "evaluate/optimize periodic (R, s, S)": functools.partial(_periodic_layer, "RsS"),
    "evaluate/optimize periodic (R, s, nQ)": functools.partial(_periodic_layer, "RsQ"),
    "array functions": _arrays,
    "fit_demand": _history,
    "simulate": _simulate,
    "optimize_portfolio, exchange_curve": _portfolio,
    "sensitivity": _sensitivity,
    "backtest": _backtest,
}


#: the first steps of STEPS, which compile the kernels of evaluate/optimize (their compile
#: units do not overlap): run in parallel before the others
CORE_STEPS = 5


def run_step(name: str) -> float:
    """Run the step ``name`` of :data:`STEPS` in this process; its seconds."""
    import warnings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        STEPS[name]()
    return time.perf_counter() - start


def warmup(
    report: Callable[[str, float], None] | None = None, processes: int | None = None
) -> dict[str, float]:
    """Compile (or load from numba's cache) every kernel of invsl's public functions.

    Parameters
    ----------
    report : callable, optional
        Called as ``report(step, seconds)`` after each step (the command line prints them),
        in the order the steps finish.
    processes : int, optional
        Processes that run the steps at once (default: one per CPU, at most one per step);
        1 runs them one after the other in this process.

    Returns
    -------
    dict
        Step name -> seconds it took [s], in the order of :data:`STEPS`. With an empty cache
        they add up to tens of seconds (the steps overlap when they run in parallel); once
        the cache is filled, a second or two.

    Notes
    -----
    The compiled kernels go to numba's cache: the ``__pycache__`` folders next to invsl's
    modules, or ``NUMBA_CACHE_DIR`` if set. The processes that are to profit from the warm-up
    must see the same cache (same installation, same ``NUMBA_CACHE_DIR``) and the same CPU
    type; numba recompiles a kernel whose source file changed.

    Examples
    --------
    >>> import invsl.tools.warmup
    >>> list(invsl.tools.warmup.STEPS)[:2]
    ['evaluate/optimize (s, Q)', 'evaluate/optimize (s, Q) from a history']
    >>> seconds = invsl.tools.warmup.warmup()  # doctest: +SKIP
    >>> round(sum(seconds.values()))  # doctest: +SKIP
    2
    """
    if processes is None:
        processes = os.cpu_count() or 1
    processes = max(1, min(processes, len(STEPS)))
    seconds = {}
    if processes == 1:
        for name in STEPS:
            seconds[name] = run_step(name)
            if report is not None:
                report(name, seconds[name])
        return seconds
    # fresh interpreters ("spawn"): a fork would copy this process's numba state and threads
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        # first the steps of the core kernels (disjoint compile units), then the others,
        # which use those kernels too and find them in the cache instead of compiling them
        # a second time at the same moment
        names = list(STEPS)
        for wave in (names[:CORE_STEPS], names[CORE_STEPS:]):
            futures = {pool.submit(run_step, name): name for name in wave}
            for future in concurrent.futures.as_completed(futures):
                seconds[futures[future]] = future.result()
                if report is not None:
                    report(futures[future], seconds[futures[future]])
    return {name: seconds[name] for name in STEPS}
