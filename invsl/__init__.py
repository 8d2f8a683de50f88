"""invsl: exact service levels and reorder points for inventory policies, fast and in batch.

The public API:

- DataFrame layer: :func:`evaluate` (every metric at given reorder points) and
  :func:`optimize` (the reorder point for a target, and every metric at it).
- Array functions with broadcasting: :func:`service_levels`, :func:`cycle_service_level`
  (``alpha``), :func:`fill_rate` (``beta``), :func:`gamma_service_level` (``gamma``),
  :func:`ready_rate`, :func:`expected_backorders`, :func:`expected_on_hand`,
  :func:`safety_stock`, :func:`reorder_point`, :func:`lead_time_demand`,
  :func:`loss_first_order`, :func:`loss_second_order`.

The definitions are in docs/service-levels.md.
"""

from invsl._version import __version__
from invsl.frame import InputError, evaluate, optimize
from invsl.arrays import (
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

__all__ = [
    "__version__",
    "InputError",
    "evaluate",
    "optimize",
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
]

from invsl.portfolio import PortfolioResult, optimize_portfolio  # noqa: E402
from invsl.curves import exchange_curve  # noqa: E402
from invsl.plot import plot_exchange_curve  # noqa: E402

__all__ += ["PortfolioResult", "optimize_portfolio", "exchange_curve", "plot_exchange_curve"]
