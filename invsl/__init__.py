"""invsl: exact service levels and reorder points for inventory policies, fast and in batch.

The public API:

- DataFrame layer: :func:`evaluate` (every metric at given reorder points) and
  :func:`optimize` (the reorder point for a target, and every metric at it).
- What-if cubes: :func:`sensitivity` (an xarray.Dataset over SKUs x targets x order-quantity
  and lead-time factors). Dask: ``invsl.dask.optimize`` / ``invsl.dask.evaluate`` (import
  ``invsl.dask``; needs the ``dask`` extra).
- Array functions with broadcasting: :func:`service_levels`, :func:`cycle_service_level`
  (``alpha``), :func:`fill_rate` (``beta``), :func:`gamma_service_level` (``gamma``),
  :func:`ready_rate`, :func:`expected_backorders`, :func:`expected_on_hand`,
  :func:`safety_stock`, :func:`reorder_point`, :func:`lead_time_demand`,
  :func:`loss_first_order`, :func:`loss_second_order`.
- Demand from history: :func:`fit_demand` (per-SKU moments, Syntetos-Boylan class, suggested
  distribution); ``distribution="empirical"`` / ``"compound_poisson"`` in the DataFrame layer.
- Periodic review (R, S), (R, s, S), (R, s, nQ): :func:`periodic_service_levels`,
  :func:`periodic_policy`, and the ``policy`` column of :func:`evaluate`/:func:`optimize`.
- Backtests on the planner's own history: :func:`backtest` (rolling origins, demand models,
  the recorded demand replayed through the plans; :class:`BacktestResult`) and
  :func:`calibrate` (the target to ask for, from a backtest).

The definitions are in docs/service-levels.md.

``import invsl`` loads none of this: each name is imported from its module at its first use
(``invsl.optimize`` or ``from invsl import optimize``; PEP 562), so that a process that only
needs part of invsl (the command line's ``--help``, a worker of one table) does not pay for
pandas, numba and scipy before it needs them (docs/architecture.md, "Compile units").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from invsl._version import __version__

#: public name -> the module that defines it
_HOMES = {
    "RowStatus": "invsl.api.arrays",
    "InputError": "invsl.api.frame",
    "evaluate": "invsl.api.frame",
    "optimize": "invsl.api.frame",
    "sensitivity": "invsl.tools.whatif",
    "fit_demand": "invsl.api.history",
    "simulate": "invsl.tools.simulation",
    "alpha": "invsl.api.arrays",
    "beta": "invsl.api.arrays",
    "cycle_service_level": "invsl.api.arrays",
    "expected_backorders": "invsl.api.arrays",
    "expected_on_hand": "invsl.api.arrays",
    "fill_rate": "invsl.api.arrays",
    "gamma": "invsl.api.arrays",
    "gamma_service_level": "invsl.api.arrays",
    "lead_time_demand": "invsl.api.arrays",
    "loss_first_order": "invsl.api.arrays",
    "loss_second_order": "invsl.api.arrays",
    "ready_rate": "invsl.api.arrays",
    "reorder_point": "invsl.api.arrays",
    "safety_stock": "invsl.api.arrays",
    "service_levels": "invsl.api.arrays",
    "periodic_policy": "invsl.api.periodic_arrays",
    "periodic_service_levels": "invsl.api.periodic_arrays",
    "PortfolioResult": "invsl.tools.portfolio",
    "optimize_portfolio": "invsl.tools.portfolio",
    "exchange_curve": "invsl.tools.curves",
    "plot_exchange_curve": "invsl.tools.plot",
    "BacktestResult": "invsl.tools.backtest.public",
    "backtest": "invsl.tools.backtest.public",
    "calibrate": "invsl.tools.backtest.public",
}

#: the public names (the keys of _HOMES, and the version)
__all__ = [
    "__version__",
    "RowStatus",
    "InputError",
    "evaluate",
    "optimize",
    "sensitivity",
    "fit_demand",
    "simulate",
    "alpha",
    "beta",
    "cycle_service_level",
    "expected_backorders",
    "expected_on_hand",
    "fill_rate",
    "gamma",
    "gamma_service_level",
    "lead_time_demand",
    "loss_first_order",
    "loss_second_order",
    "ready_rate",
    "reorder_point",
    "safety_stock",
    "service_levels",
    "periodic_policy",
    "periodic_service_levels",
    "PortfolioResult",
    "optimize_portfolio",
    "exchange_curve",
    "plot_exchange_curve",
    "BacktestResult",
    "backtest",
    "calibrate",
]


def __getattr__(name: str):
    """The public name ``name``, imported from its module at its first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'invsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later uses find it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


if TYPE_CHECKING:  # what type checkers and editors see: the same names, imported eagerly
    from invsl.api.arrays import (
        RowStatus,
        alpha,
        beta,
        cycle_service_level,
        expected_backorders,
        expected_on_hand,
        fill_rate,
        gamma,
        gamma_service_level,
        lead_time_demand,
        loss_first_order,
        loss_second_order,
        ready_rate,
        reorder_point,
        safety_stock,
        service_levels,
    )
    from invsl.api.frame import InputError, evaluate, optimize
    from invsl.api.history import fit_demand
    from invsl.api.periodic_arrays import periodic_policy, periodic_service_levels
    from invsl.tools.backtest.public import BacktestResult, backtest, calibrate
    from invsl.tools.curves import exchange_curve
    from invsl.tools.plot import plot_exchange_curve
    from invsl.tools.portfolio import PortfolioResult, optimize_portfolio
    from invsl.tools.simulation import simulate
    from invsl.tools.whatif import sensitivity
