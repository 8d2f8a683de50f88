"""One SKU at a time: the array functions called with Python floats (issue 14, part 3).

An ERP script that loops over its SKUs calls ``invsl.fill_rate(s, Q, mu, sigma, L)`` or
``invsl.reorder_point(0.95, Q, mu, sigma, L)`` once per SKU with Python numbers. Each case
times a loop over the same seeded SKUs (``sizes.n_loop``: 1,000, ``--short`` 200) three ways,
in this order, in the same run:

- ``arrays``: the same call with 1-element numpy arrays, which takes the array path
  (broadcasting, the validation kernel, the parallel kernel): what a scalar call cost before
  the one-row path;
- ``scipy`` (normal cases only): the closed form written by hand per SKU with
  ``scipy.stats.norm`` (fill rate: the loss-function formula; alpha reorder point:
  ``norm.ppf``; beta reorder point: ``scipy.optimize.brentq`` on the fill rate, the code
  people write first);
- ``scalars``: Python floats, which take the one-row path (``invsl.engine.single``).

``extra_info`` holds microseconds per call and, for ``scalars``, the ratio to each baseline
of the case. The one-row results are checked against the array path's, bit for bit (and the
scipy ones to a tolerance); speed is never asserted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize as sopt
from scipy import stats

import invsl

ROUNDS = {False: 15, True: 5}  # full / --short: the best round is the figure

#: case -> (function name, keyword arguments); the SKU's numbers come from _skus
CASES = {
    "fill_rate normal": ("fill_rate", {}),
    "fill_rate gamma": ("fill_rate", {"distribution": "gamma"}),
    "fill_rate poisson": ("fill_rate", {"distribution": "poisson"}),
    "fill_rate negbin": ("fill_rate", {"distribution": "negbin"}),
    "service_levels normal": ("service_levels", {}),
    "expected_backorders normal": ("expected_backorders", {}),
    "reorder_point beta normal": ("reorder_point", {}),
    "reorder_point alpha normal": ("reorder_point", {"metric": "alpha"}),
    "reorder_point gamma normal": ("reorder_point", {"metric": "gamma"}),
    "reorder_point beta gamma": ("reorder_point", {"distribution": "gamma"}),
    "reorder_point beta poisson": ("reorder_point", {"distribution": "poisson"}),
    "reorder_point beta negbin": ("reorder_point", {"distribution": "negbin"}),
    "loss_first_order normal": ("loss_first_order", {}),
}


def _skus(n: int):
    """Seeded SKUs as lists of Python floats: s, Q, mu, sigma (> sqrt(mu) for negbin), L."""
    rng = np.random.default_rng(14)
    mu = np.round(rng.uniform(2.0, 60.0, n), 1)
    sigma = np.round(np.sqrt(mu) * rng.uniform(1.2, 3.0, n), 2)
    lead_time = rng.integers(1, 9, n).astype(float)
    q = np.round(mu * rng.uniform(1.0, 6.0, n))
    s = np.round(mu * lead_time * rng.uniform(0.8, 1.4, n))
    return [list(map(float, a)) for a in (s, q, mu, sigma, lead_time)]


def _loop(function, first, skus, kwargs, wrap):
    """One call per SKU; ``first`` the first argument (target, or the SKU's s)."""
    s, q, mu, sigma, lead_time = skus
    if function is invsl.loss_first_order:  # G1(s) of the lead-time demand
        return [
            function(wrap(s[i]), wrap(mu[i] * lead_time[i]), wrap(sigma[i]), **kwargs)
            for i in range(len(s))
        ]
    return [
        function(
            wrap(first if first is not None else s[i]),
            wrap(q[i]),
            wrap(mu[i]),
            wrap(sigma[i]),
            wrap(lead_time[i]),
            **kwargs,
        )
        for i in range(len(s))
    ]


def _normal_loss(x, mean, sd):
    z = (x - mean) / sd
    return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))


def _scipy_fill_rate(s, q, mu, sigma, lead_time):
    mean, sd = mu * lead_time, sigma * math.sqrt(lead_time)
    return 1.0 - (_normal_loss(s, mean, sd) - _normal_loss(s + q, mean, sd)) / q


def _scipy_reorder_point_alpha(target, q, mu, sigma, lead_time):
    return stats.norm.ppf(target, mu * lead_time, sigma * math.sqrt(lead_time))


def _scipy_reorder_point_beta(target, q, mu, sigma, lead_time):
    mean, sd = mu * lead_time, sigma * math.sqrt(lead_time)
    return sopt.brentq(
        lambda s: _scipy_fill_rate(s, q, mu, sigma, lead_time) - target,
        mean - 10 * sd - q,
        mean + 10 * sd,
        xtol=1e-9 * max(1.0, sd),
    )


#: the scipy baselines of the normal cases
SCIPY = {
    "fill_rate normal": _scipy_fill_rate,
    "reorder_point alpha normal": _scipy_reorder_point_alpha,
    "reorder_point beta normal": _scipy_reorder_point_beta,
}
TARGET = 0.95


def _params():
    for case in CASES:
        yield pytest.param(case, "arrays", id=f"{case}-arrays")
        if case in SCIPY:
            yield pytest.param(case, "scipy", id=f"{case}-scipy")
        yield pytest.param(case, "scalars", id=f"{case}-scalars")


@pytest.mark.parametrize(("case", "implementation"), list(_params()))
def test_one_sku_at_a_time(benchmark, sizes, shared, case, implementation):
    name, kwargs = CASES[case]
    function = getattr(invsl, name)
    skus = _skus(sizes.n_loop)
    first = TARGET if name == "reorder_point" else None
    if implementation == "scipy":
        baseline = SCIPY[case]
        first_or_s = [first if first is not None else s for s in skus[0]]

        def run():
            return [baseline(a, *row) for a, *row in zip(first_or_s, *skus[1:])]
    else:
        wrap = (lambda v: np.array([v])) if implementation == "arrays" else float

        def run():
            return _loop(function, first, skus, kwargs, wrap)

    run()  # compile / load the cache, warm up, outside the timing
    benchmark.group = case
    result = benchmark.pedantic(run, rounds=ROUNDS[sizes.short], iterations=1)
    best = benchmark.stats.stats.min
    per_call = 1e6 * best / sizes.n_loop
    benchmark.extra_info["calls"] = sizes.n_loop
    benchmark.extra_info["us_per_call"] = per_call
    shared[(case, implementation)] = (per_call, result)
    if implementation != "scalars":
        return
    # the one-row path answers what the array path answers, bit for bit
    _, by_arrays = shared[(case, "arrays")]
    for got, want in zip(result, by_arrays):
        if isinstance(got, dict):
            got, want = list(got.values()), [v[0] for v in want.values()]
        np.testing.assert_array_equal(np.ravel(got), np.ravel(want), strict=False)
    for baseline in ("arrays", "scipy"):
        if (case, baseline) in shared:
            per_call_baseline, values = shared[(case, baseline)]
            benchmark.extra_info[f"speedup_vs_{baseline}"] = per_call_baseline / per_call
            if baseline == "scipy":
                np.testing.assert_allclose(result, values, rtol=1e-6)


#: periodic review, case -> (function name, policy, keyword arguments); the SKU's s is the
#: reorder point (RsS, RsQ), s + Q the order-up-to level (RS, RsS), Q the pack size (RsQ)
PERIODIC_CASES = {
    "periodic_service_levels RS normal": ("periodic_service_levels", "RS", {}),
    "periodic_service_levels RsS normal": ("periodic_service_levels", "RsS", {}),
    "periodic_service_levels RsQ poisson": (
        "periodic_service_levels", "RsQ", {"distribution": "poisson"}
    ),
    "periodic_policy RS normal": ("periodic_policy", "RS", {}),
    "periodic_policy RsQ poisson": ("periodic_policy", "RsQ", {"distribution": "poisson"}),
}  # fmt: skip


def _periodic_loop(name, policy, skus, kwargs, wrap):
    """One call per SKU (review period 1)."""
    s, q, mu, sigma, lead_time = skus
    function = getattr(invsl, name)
    if name == "periodic_policy":
        return [
            function(wrap(TARGET), policy, wrap(mu[i]), wrap(sigma[i]), wrap(lead_time[i]),
                     order_quantity=wrap(q[i]), **kwargs)
            for i in range(len(s))
        ]  # fmt: skip
    return [
        function(policy, wrap(mu[i]), wrap(sigma[i]), wrap(lead_time[i]),
                 reorder_point=wrap(s[i]), order_up_to=wrap(s[i] + q[i]),
                 order_quantity=wrap(q[i]), **kwargs)
        for i in range(len(s))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "implementation"),
    [
        pytest.param(case, implementation, id=f"{case}-{implementation}")
        for case in PERIODIC_CASES
        for implementation in ("arrays", "scalars")
    ],
)
def test_one_periodic_sku_at_a_time(benchmark, sizes, shared, case, implementation):
    name, policy, kwargs = PERIODIC_CASES[case]
    skus = _skus(sizes.n_loop)
    wrap = (lambda v: np.array([v])) if implementation == "arrays" else float

    def run():
        return _periodic_loop(name, policy, skus, kwargs, wrap)

    run()  # compile / load the cache, warm up, outside the timing
    benchmark.group = case
    result = benchmark.pedantic(run, rounds=ROUNDS[sizes.short], iterations=1)
    per_call = 1e6 * benchmark.stats.stats.min / sizes.n_loop
    benchmark.extra_info["calls"] = sizes.n_loop
    benchmark.extra_info["us_per_call"] = per_call
    shared[(case, implementation)] = (per_call, result)
    if implementation != "scalars":
        return
    per_call_arrays, by_arrays = shared[(case, "arrays")]
    for got, want in zip(result, by_arrays):  # bit for bit the array path
        if isinstance(got, dict):
            got, want = list(got.values()), [v[0] for v in want.values()]
        np.testing.assert_array_equal(np.ravel(got), np.ravel(want), strict=False)
    benchmark.extra_info["speedup_vs_arrays"] = per_call_arrays / per_call
