"""``invsl.dask``: :func:`invsl.optimize` and :func:`invsl.evaluate` on dask DataFrames.

The public home of :mod:`invsl.tools.dask` (docs/scale.md); needs the ``dask`` extra.
"""

from invsl.tools.dask import evaluate, optimize

__all__ = ["evaluate", "optimize"]
