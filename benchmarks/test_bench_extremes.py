"""Cost per SKU of Poisson and negbin rows at huge lead-time means (docs/extremes.md).

The (s, Q) core promises O(1) or O(sqrt(mean)) work per evaluation at lead-time means up to
1e8 (incomplete gamma and beta functions, not sums from zero). This benchmark times
``invsl.reorder_point`` (beta target 0.95, so every row runs the solver and then the metric
evaluation) for a block of SKUs at lead-time mean 1e2 (the baseline, same run) and at 1e8,
with Q about one standard deviation (so that s lands near the mean, where the incomplete
beta function is slowest) and a negbin variance of 1.5 times the mean. The ratio
(time at 1e8) / (time at 1e2) is stored in ``extra_info``; sqrt(1e8 / 1e2) = 1000 would be
the worst case the promise allows, O(1) gives a ratio near 1.

Every call is made once on a slice before timing (JIT compilation and cache loading are not
in the figures). Nothing about speed is asserted.
"""

from __future__ import annotations

import numpy as np
import pytest

import invsl

MEANS = (1e2, 1e8)


def _rows(sizes, distribution, mean):
    n = 2_000 if sizes.short else 20_000
    rng = np.random.default_rng(7)
    mu = mean * rng.uniform(0.5, 1.5, n)
    sigma = np.sqrt(1.5 * mu) if distribution == "negbin" else np.zeros(n)
    q = np.maximum(1.0, np.round(np.sqrt(mu)))  # about one sd: s lands near the mean
    return mu, sigma, q


@pytest.mark.parametrize("distribution", ["poisson", "negbin"])
@pytest.mark.parametrize("mean", MEANS)
def test_reorder_point_at_huge_means(benchmark, sizes, shared, distribution, mean):
    mu, sigma, q = _rows(sizes, distribution, mean)

    def run(k=None):
        sl = slice(None) if k is None else slice(0, k)
        return invsl.reorder_point(
            0.95, q[sl], mu[sl], sigma[sl], 1.0, distribution=distribution, metric="beta"
        )

    run(10)  # compile / load the cache outside the timing
    s = benchmark.pedantic(run, rounds=sizes.rounds_invsl, iterations=1)
    assert np.all(np.isfinite(s))
    best = benchmark.stats.stats.min
    benchmark.extra_info["skus"] = len(mu)
    benchmark.extra_info["us_per_sku"] = 1e6 * best / len(mu)
    shared[(distribution, mean)] = best
    if mean == MEANS[-1] and (distribution, MEANS[0]) in shared:
        benchmark.extra_info["ratio_to_mean_1e2"] = best / shared[(distribution, MEANS[0])]
