"""Shared set-up of the invsl benchmarks (pytest-benchmark).

- ``--short``: CI sizes (100,000 normal and 50,000 Poisson SKUs, 200 SKUs in the per-SKU
  scipy loop, fewer rounds) instead of the full 1,000,000 / 200,000 / 1,000.
- ``sizes``: the sizes and round counts in force.
- ``normal_skus`` / ``poisson_skus``: seeded synthetic SKU tables (see ``_skus.py``).
- ``shared``: a per-session dict in which a benchmark leaves its result and best time, so
  that the next one can check that both implementations found the same reorder points and
  record the speed ratio without timing anything twice.

The sizes are also written to the ``--benchmark-json`` file under the key ``"invsl"``.
"""

from __future__ import annotations

import dataclasses

import pytest

from _skus import SEED, make_sku_table


@dataclasses.dataclass(frozen=True)
class Sizes:
    short: bool
    n_normal: int  # SKUs with normal lead-time demand (invsl and vectorised baseline)
    n_poisson: int  # SKUs with Poisson lead-time demand (invsl and vectorised baseline)
    n_loop: int  # SKUs solved one by one with scipy.optimize.brentq
    rounds_invsl: int
    rounds_baseline: int
    rounds_loop: int


# invsl's calls take 0.06-0.2 s, and on the shared development VM one call in two or three
# pays for fresh memory pages (a 1M-row optimize writes about 80 MB of new arrays), which
# can add 50-100 %: ten rounds give the best round a fair chance. The baseline's 1.4 s calls
# are long enough for three (pytest-benchmark's own calibration would run more of both).
FULL = Sizes(False, 1_000_000, 200_000, 1_000, rounds_invsl=10, rounds_baseline=3, rounds_loop=2)
SHORT = Sizes(True, 100_000, 50_000, 200, rounds_invsl=3, rounds_baseline=2, rounds_loop=1)


def pytest_addoption(parser):
    parser.addoption(
        "--short",
        action="store_true",
        default=False,
        help="invsl benchmarks: CI sizes (100k normal / 50k Poisson SKUs, fewer rounds).",
    )


def _sizes(config) -> Sizes:
    return SHORT if config.getoption("--short") else FULL


@pytest.fixture(scope="session")
def sizes(request) -> Sizes:
    return _sizes(request.config)


@pytest.fixture(scope="session")
def normal_skus(sizes):
    return make_sku_table(sizes.n_normal, "normal")


@pytest.fixture(scope="session")
def poisson_skus(sizes):
    return make_sku_table(sizes.n_poisson, "poisson")


@pytest.fixture(scope="session")
def shared():
    return {}


def pytest_benchmark_update_json(config, benchmarks, output_json):
    info = dataclasses.asdict(_sizes(config))
    info["seed"] = SEED
    try:
        import numba

        info["numba_threads"] = numba.get_num_threads()
    except Exception:  # pragma: no cover - informational only
        pass
    output_json["invsl"] = info
