"""Run :func:`invsl.optimize` and :func:`invsl.evaluate` on a dask DataFrame.

Each partition is an ordinary pandas DataFrame handed to the pandas function unchanged
(``map_partitions``), so every row gets exactly the numbers of a single-process run: rows are
independent and the kernels do not depend on which rows share a partition. The ``meta`` (the
output schema dask needs before computing anything) is the pandas function applied to the
input's empty ``meta``, so its dtypes are exactly those of the pandas result: the input
columns as they are, float64 outputs, categorical ``lead_time_distribution`` and ``status``
with fixed categories, and ``message`` as object.

Needs the optional extra: ``pip install "invsl[dask]"`` (``dask[dataframe]`` and
``distributed``). Importing this module does not import dask; calling a function does.
See docs/scale.md for the cluster recipe and the same recipe for Spark.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from invsl.api import frame

_EXTRA_HINT = (
    "invsl.tools.dask needs dask with its DataFrame part: install the extra with "
    'pip install "invsl[dask]" (or pip install "dask[dataframe]" distributed)'
)


def _dask_dataframe():
    try:
        import dask.dataframe as dd
    except ImportError as err:  # the extra is not installed
        raise ImportError(_EXTRA_HINT) from err
    return dd


def _partition(part: pd.DataFrame, solve: bool, kwargs: dict, numba_threads: int | None):
    """The pandas function on one partition (module level: workers import it by name)."""
    function = frame.optimize if solve else frame.evaluate
    if numba_threads is None:
        return function(part, **kwargs)
    import numba

    before = numba.get_num_threads()
    most = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    numba.set_num_threads(max(1, min(int(numba_threads), most)))
    try:  # set_num_threads is thread-local: only this task's calls are affected
        return function(part, **kwargs)
    finally:
        numba.set_num_threads(before)


def _map(ddf, solve: bool, kwargs: dict, numba_threads: int | None):
    dd = _dask_dataframe()
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"expected a dask DataFrame, got {type(ddf).__name__}; for a pandas DataFrame "
            f"call invsl.{'optimize' if solve else 'evaluate'} directly, or wrap it with "
            "dask.dataframe.from_pandas(df, npartitions=...)"
        )
    # the pandas function on the empty input gives the exact output schema; a structural
    # problem (a required column missing) raises InputError here, before anything runs
    meta = _partition(ddf._meta, solve, kwargs, None)
    return ddf.map_partitions(
        _partition, solve, kwargs, numba_threads, meta=meta, align_dataframes=False
    )


def optimize(
    ddf,
    metric: str = "beta",
    target: float | None = 0.95,
    *,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    numba_threads: int | None = None,
):
    """:func:`invsl.optimize` on every partition of a dask DataFrame.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per SKU, the columns of :func:`invsl.optimize` [units/period, periods,
        units]; any partitioning.
    metric, target, distribution, lead_time_std, columns
        As for :func:`invsl.optimize`.
    numba_threads : int, optional
        Threads of the numba kernels inside each task. Default: numba's own (all cores of
        the worker's machine). With several single-threaded worker processes per machine,
        give the cores per worker (for example 1) so they do not oversubscribe the cores.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; same partitions, divisions and index as ``ddf``. Its columns and dtypes
        (``meta``) are exactly those of :func:`invsl.optimize` on a pandas frame of the same
        columns, and each computed row equals the single-process result.

    Raises
    ------
    ImportError
        If dask is not installed (``pip install "invsl[dask]"``).
    TypeError
        If ``ddf`` is not a dask DataFrame.
    invsl.InputError
        If a required column is missing (raised at once, not at compute time).

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, invsl.tools.dask  # doctest: +SKIP
    >>> ddf = dd.read_parquet("skus/*.parquet")                 # doctest: +SKIP
    >>> invsl.tools.dask.optimize(ddf, metric="beta", target=0.95).to_parquet("out/")  # doctest: +SKIP
    """
    kwargs = dict(
        metric=metric,
        target=target,
        distribution=distribution,
        lead_time_std=lead_time_std,
        columns=columns,
    )
    return _map(ddf, True, kwargs, numba_threads)


def evaluate(
    ddf,
    *,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    numba_threads: int | None = None,
):
    """:func:`invsl.evaluate` on every partition of a dask DataFrame.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per SKU, the columns of :func:`invsl.evaluate` (with ``reorder_point``
        [units]); any partitioning.
    distribution, lead_time_std, columns
        As for :func:`invsl.evaluate`.
    numba_threads : int, optional
        As for :func:`optimize`.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; as for :func:`optimize`, with the columns and dtypes of :func:`invsl.evaluate`.

    Raises
    ------
    ImportError, TypeError, invsl.InputError
        As for :func:`optimize`.
    """
    kwargs = dict(distribution=distribution, lead_time_std=lead_time_std, columns=columns)
    return _map(ddf, False, kwargs, numba_threads)


__all__ = ["optimize", "evaluate"]
