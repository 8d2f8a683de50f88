"""invsl.dask on a real distributed cluster: the same numbers as one process, to the bit.

A ``distributed.LocalCluster`` with 2 worker processes (1 thread each) runs
``invsl.dask.optimize`` / ``invsl.dask.evaluate`` on 1,200,000 rows generated inside the
workers (``dask.dataframe.from_map``, so the rows are not shipped through the scheduler).
The reference is ``invsl.optimize`` / ``invsl.evaluate`` on the same rows in this process,
computed first, which also writes the numba cache that the workers then load instead of
compiling. Skipped only where the ``dask`` extra is not installed.
"""

from __future__ import annotations

import logging
import sys

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe", reason="needs the dask extra: pip install invsl[dask]")
distributed = pytest.importorskip("distributed", reason="needs the dask extra")

import dask  # noqa: E402
import cloudpickle  # noqa: E402

import invsl  # noqa: E402
import invsl.dask  # noqa: E402
from invsl.api.frame import InputError  # noqa: E402

ROWS_PER_PARTITION = 125_000
PARTITIONS = 8  # 1,000,000 rows
DISTRIBUTIONS = np.array(["normal", "gamma", "poisson", "negbin"])

# the partition maker below lives in this test module, which the workers cannot import
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def make_partition(seed: int) -> pd.DataFrame:
    """A seeded block of SKUs: every distribution, random lead times, some bad rows.

    Mostly normal and gamma rows with a few percent of small-mean Poisson and negative
    binomial ones, so that the test stays fast (integer solves cost more per row).
    """
    rng = np.random.default_rng(seed)
    n = ROWS_PER_PARTITION
    kind = rng.choice(4, size=n, p=[0.85, 0.10, 0.04, 0.01])
    integer = kind >= 2
    mu = np.where(integer, rng.lognormal(0.0, 1.0, n), rng.lognormal(3.0, 1.5, n))
    sd = np.where(integer, np.sqrt(mu) * rng.uniform(1.1, 2.0, n), mu * rng.uniform(0.2, 1.5, n))
    q = np.where(
        integer, np.maximum(1.0, np.round(mu * rng.uniform(1, 6, n))), mu * rng.uniform(1, 6, n)
    )
    lead_time = rng.integers(1, 10, n).astype(float)
    lead_time_std = np.where(rng.random(n) < 0.2, rng.uniform(0, 1, n), 0.0)
    target = np.where(rng.random(n) < 0.5, rng.uniform(0.5, 0.995, n), np.nan)  # NaN: default
    reorder_point = np.round(mu * lead_time + rng.normal(0, 1, n) * sd * np.sqrt(lead_time))
    bad = rng.random(n)
    mu[bad < 0.001] = np.nan  # missing
    sd[(bad >= 0.001) & (bad < 0.002)] = -1.0  # negative
    mu[(bad >= 0.002) & (bad < 0.003)] = 0.0  # zero demand
    return pd.DataFrame(
        {
            "sku": np.arange(seed * n, (seed + 1) * n, dtype=np.int64),
            "demand_mean": mu,
            "demand_std": sd,
            "lead_time": lead_time,
            "lead_time_std": lead_time_std,
            "order_quantity": q,
            "distribution": pd.Categorical.from_codes(kind, categories=DISTRIBUTIONS),
            "target": target,
            "reorder_point": reorder_point,
        },
        index=pd.RangeIndex(seed * n, (seed + 1) * n),
    )


@pytest.fixture(scope="module")
def table():
    return pd.concat([make_partition(seed) for seed in range(PARTITIONS)])


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: parallel runs must not collide on 8787
        silence_logs=logging.ERROR,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def ddf(table):
    # the columns are numeric or categorical: dask's string conversion does not apply
    return dd.from_map(
        make_partition,
        list(range(PARTITIONS)),
        meta=table.iloc[:0],
        divisions=[*range(0, len(table), ROWS_PER_PARTITION), len(table) - 1],
    )


def test_optimize_on_a_cluster_equals_one_process(table, ddf, client):
    assert len(table) >= 1_000_000
    expected = invsl.optimize(table.drop(columns="reorder_point"), metric="beta", target=0.95)
    assert (expected["status"] == "ok").mean() > 0.99  # the rows are mostly computable
    assert set(expected["status"].astype(str)) >= {"ok", "missing", "negative", "zero_demand"}
    lazy = invsl.dask.optimize(
        ddf.drop(columns="reorder_point"), metric="beta", target=0.95, numba_threads=1
    )
    # meta: the exact output schema, known before computing
    pd.testing.assert_series_equal(lazy.dtypes, expected.dtypes)
    got = client.compute(lazy).result()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_evaluate_on_a_cluster_equals_one_process(table, ddf, client):
    expected = invsl.evaluate(table, distribution="normal")
    lazy = invsl.dask.evaluate(ddf, numba_threads=1)
    pd.testing.assert_series_equal(lazy.dtypes, expected.dtypes)
    got = client.compute(lazy).result()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_meta_of_a_string_table_matches_pandas():
    """Text columns (ids, distribution names) keep the dtype dask gives them."""
    df = pd.DataFrame(
        {
            "sku": ["a", "b", "c"],
            "demand_mean": [10.0, 0.0, np.nan],
            "demand_std": [3.0, 1.0, 1.0],
            "lead_time": [2.0, 1.0, 1.0],
            "order_quantity": [20.0, 5.0, 5.0],
            "distribution": ["normal", "poisson", "gamma"],
        }
    )
    with dask.config.set(scheduler="synchronous"):
        ddf = dd.from_pandas(df, npartitions=2)
        lazy = invsl.dask.optimize(ddf)
        got = lazy.compute()
    expected = invsl.optimize(ddf.compute())  # the frame as dask holds it
    pd.testing.assert_series_equal(lazy.dtypes, expected.dtypes)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert isinstance(got["status"].dtype, pd.CategoricalDtype)
    assert list(got["status"].astype(str)) == ["ok", "zero_demand", "missing"]


def test_errors():
    df = pd.DataFrame({"demand_mean": [1.0]})
    with pytest.raises(InputError, match="demand_std"):
        invsl.dask.optimize(dd.from_pandas(df, npartitions=1))
    with pytest.raises(TypeError, match="dask DataFrame"):
        invsl.dask.evaluate(df)


def test_importing_invsl_does_not_import_dask():
    import subprocess

    code = "import sys, invsl; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_extra_gives_a_clear_error(monkeypatch):
    df = pd.DataFrame({"demand_mean": [1.0]})
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)  # import fails as if absent
    with pytest.raises(ImportError, match=r"invsl\[dask\]"):
        invsl.dask.optimize(df)
