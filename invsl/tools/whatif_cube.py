"""The what-if cube as an :class:`xarray.Dataset`: its variables, coordinates and attributes.

:func:`invsl.sensitivity` (``invsl.tools.whatif``) computes the cells; this module says what
they mean (units, long names, formulas, the conventions of the contract).
"""

from __future__ import annotations

import numpy as np

_FRACTION = "1"  # CF units of a dimensionless share

#: data variable -> (units, long name, description); order of the kernel outputs first
_VARIABLES = {
    "reorder_point": (
        "units",
        "reorder point s",
        "inventory position at which an order of order_quantity is placed; "
        "continuous demand: the root of metric(s) = target, integer demand "
        "(poisson, negbin): the smallest whole s with metric(s) >= target",
    ),
    "safety_stock": ("units", "safety stock", "reorder_point - E[X], X lead-time demand"),
    "alpha": (
        _FRACTION,
        "cycle service level",
        "P(no stockout in a replenishment cycle) = F(s) = P(X <= s)",
    ),
    "beta": (
        _FRACTION,
        "fill rate",
        "share of demand served at once from stock = 1 - (G1(s) - G1(s + Q)) / Q",
    ),
    "gamma": (
        _FRACTION,
        "gamma service level",
        "1 - E[B] / demand_mean = 1 - mean waiting time of a demand unit [periods]; "
        "depends on the period, may be negative",
    ),
    "ready_rate": (_FRACTION, "ready rate", "share of time with net stock > 0"),
    "expected_backorders": ("units", "expected backorders E[B]", "time-average backorder level"),
    "expected_on_hand": ("units", "expected on-hand stock", "time-average on-hand stock"),
}

_CONVENTIONS = (
    "Continuous review (s, Q) with backorders, as in invsl's contract docs/service-levels.md. "
    "A period is the time unit of demand_mean, demand_std and lead_time; gamma depends on it, "
    "alpha and beta do not. Lead-time demand X: E[X] = demand_mean * lead_time, "
    "Var[X] = lead_time * demand_std^2 + demand_mean^2 * lead_time_std^2, fitted by the "
    "row's distribution (two moments). G1, G2: first and second order loss functions of X. "
    "Cells that cannot be computed are NaN and their status is not 0 (ok)."
)


def _flag_attrs(codes, names, what: str) -> dict:
    return {"flag_values": np.asarray(codes), "flag_meanings": " ".join(names), "long_name": what}
