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
  the recorded demand replayed through the plans; :class:`BacktestResult`).

The definitions are in docs/service-levels.md.
"""

from invsl._version import __version__
from invsl.api.frame import InputError, evaluate, optimize
from invsl.tools.whatif import sensitivity
from invsl.api.history import fit_demand
from invsl.tools.simulation import simulate
from invsl.api.arrays import RowStatus
from invsl.api.arrays import (
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
from invsl.api.periodic_arrays import periodic_policy, periodic_service_levels

__all__ = [
    "RowStatus",
    "__version__",
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
]

from invsl.tools.portfolio import PortfolioResult, optimize_portfolio  # noqa: E402
from invsl.tools.curves import exchange_curve  # noqa: E402
from invsl.tools.plot import plot_exchange_curve  # noqa: E402

__all__ += ["PortfolioResult", "optimize_portfolio", "exchange_curve", "plot_exchange_curve"]

from invsl.tools.backtest.public import BacktestResult, backtest, calibrate  # noqa: E402

__all__ += ["BacktestResult", "backtest", "calibrate"]
