"""Exchange curves: aggregate service against the money in stock.

An exchange curve shows what each level of investment buys: for a grid of uniform targets
(every SKU at the same service level) and, at the same investments, for the optimised
allocation of :func:`invsl.optimize_portfolio`. The gap between the two curves is the stock a
planner saves by allocating by marginal benefit instead of by a uniform target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from invsl.engine.reader import InputError
from invsl.tools.portfolio.optimize import optimize_prepared
from invsl.tools.portfolio.output import aggregates, sku_frame
from invsl.tools.portfolio.prepared import PreparedPortfolio
from invsl.vocabulary import (
    INVESTMENT_SAFETY_STOCK,
    OBJECTIVE_BACKORDER_VALUE,
    OBJECTIVE_FILL_RATE,
    OBJECTIVE_GAMMA,
)

#: default uniform targets of the curve
DEFAULT_TARGETS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995)

#: columns of the returned frame
COLUMNS = (
    "allocation",
    "target",
    "investment",
    "aggregate_service",
    "aggregate_fill_rate",
    "aggregate_gamma",
    "backorder_value",
    "gap_bound",
    "skus",
)


def exchange_curve(
    df: pd.DataFrame,
    targets: Sequence[float] | None = None,
    *,
    objective: str = "fill_rate",
    investment: str = "safety_stock",
    unit_cost="unit_cost",
    service_floor="service_floor",
    service_ceiling="service_ceiling",
    weight=None,
    min_reorder_point: float | None = 0.0,
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Aggregate service against investment, for uniform targets and optimised allocations.

    For each uniform target t every SKU gets the reorder point reaching t (the fill rate, or
    gamma when gamma is the objective; clipped to its floor and ceiling): that gives one
    point (investment, aggregate service) of the ``uniform`` curve. The ``optimised`` curve
    spends the same investments with :func:`invsl.optimize_portfolio`.

    Parameters
    ----------
    df : pandas.DataFrame
        SKU table as for :func:`invsl.optimize_portfolio`.
    targets : sequence of float, optional
        Uniform targets in (0, 1); default :data:`DEFAULT_TARGETS`.
    objective, investment, unit_cost, service_floor, service_ceiling, weight,
    min_reorder_point, distribution, lead_time_std, columns
        As for :func:`invsl.optimize_portfolio`.

    Returns
    -------
    pandas.DataFrame
        Two rows per target, columns ``allocation`` (``uniform`` or ``optimised``),
        ``target`` (the uniform target; the optimised row spends that target's
        investment), ``investment`` [currency], ``aggregate_service`` (of the objective),
        ``aggregate_fill_rate``, ``aggregate_gamma``, ``backorder_value`` [currency],
        ``gap_bound`` (optimised rows: how much better the optimum can be; 0 for uniform)
        and ``skus`` (SKUs in the portfolio).

    Notes
    -----
    The uniform points ignore ``min_reorder_point`` (a uniform target may put a reorder point
    below it); the optimised points respect it, so they can only be at a disadvantage.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [100.0, 5.0], "demand_std": [30.0, 4.0],
    ...                    "lead_time": [2.0, 2.0], "order_quantity": [300.0, 10.0],
    ...                    "unit_cost": [1.0, 50.0]})
    >>> curve = invsl.exchange_curve(df, targets=[0.9, 0.95])
    >>> list(curve["allocation"])
    ['uniform', 'optimised', 'uniform', 'optimised']
    """
    targets = DEFAULT_TARGETS if targets is None else tuple(float(t) for t in targets)
    bad = [t for t in targets if not 0.0 < t < 1.0]
    if bad:
        raise InputError(f"targets must lie strictly between 0 and 1: {bad}")
    prep = PreparedPortfolio(
        df,
        objective=objective,
        investment=investment,
        unit_cost=unit_cost,
        floor=service_floor,
        ceiling=service_ceiling,
        weight=weight,
        min_reorder_point=min_reorder_point,
        distribution=distribution,
        lead_time_std=lead_time_std,
        columns=columns,
    )
    rows = []
    for t in targets:
        s, _ = prep.uniform(t)
        _, out = sku_frame(prep, s)
        fill, gamma, bo_value, ss_value, oh_value = aggregates(prep, out)
        invest = ss_value if prep.inv == INVESTMENT_SAFETY_STOCK else oh_value
        service = {
            OBJECTIVE_FILL_RATE: fill,
            OBJECTIVE_GAMMA: gamma,
            OBJECTIVE_BACKORDER_VALUE: bo_value,
        }[prep.obj]
        skus = int(prep.active.sum())
        rows.append(("uniform", t, invest, service, fill, gamma, bo_value, 0.0, skus))
        res = optimize_prepared(prep, budget=invest)
        sm = res.summary
        rows.append(
            (
                "optimised",
                t,
                sm["investment_used"],
                sm["aggregate_service"],
                sm["aggregate_fill_rate"],
                sm["aggregate_gamma"],
                sm["backorder_value"],
                sm["gap_bound"],
                skus,
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def investment_to_match(curve: pd.DataFrame, service: float) -> dict:
    """Investment each allocation needs for an aggregate service, read off an exchange curve.

    Linear interpolation between the curve's points (the curves are increasing); NaN when
    the service lies outside a curve's range.
    """
    result = {}
    for name, part in curve.groupby("allocation", sort=False):
        part = part.sort_values("investment")
        x = part["aggregate_service"].to_numpy()
        y = part["investment"].to_numpy()
        inside = x.min() <= service <= x.max()
        result[name] = float(np.interp(service, x, y)) if inside else float("nan")
    return result
