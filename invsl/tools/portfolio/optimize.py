"""The public entry point :func:`optimize_portfolio` and its result class."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import pandas as pd

from invsl.engine.reader import InputError
from invsl.tools.portfolio.completion import greedy_completion, repair
from invsl.tools.portfolio.output import aggregates, sku_frame
from invsl.tools.portfolio.prepared import PreparedPortfolio
from invsl.tools.portfolio.search import sample_hint, search_multiplier
from invsl.tools.portfolio.uniform import uniform_safeguard
from invsl.vocabulary import (
    INVESTMENT_SAFETY_STOCK,
    OBJECTIVE_BACKORDER_VALUE,
    OBJECTIVE_FILL_RATE,
    OBJECTIVE_GAMMA,
)


@dataclasses.dataclass
class PortfolioResult:
    """Result of :func:`optimize_portfolio`.

    Attributes
    ----------
    skus : pandas.DataFrame
        One row per input row, same order and index: the input columns, then
        ``reorder_point``, ``safety_stock``, every service level, ``investment`` (the value
        of the SKU's stock that the budget counts [currency]), ``lead_time_distribution``,
        ``status`` and ``message``.
    summary : dict
        Portfolio figures; see :func:`optimize_portfolio`.
    """

    skus: pd.DataFrame
    summary: dict

    def __repr__(self) -> str:
        lines = [f"PortfolioResult: {len(self.skus)} SKUs"]
        for key, value in self.summary.items():
            lines.append(f"  {key}: {value}")
        return "\n".join(lines)


def _goal(prep, budget, aggregate_target):
    """The checked goal: ``(budget, aggregate_target, target_score)``, the target as a total
    score (the negative value of backorders for ``backorder_value``). Bad values raise."""
    if (budget is None) == (aggregate_target is None):
        raise InputError("give exactly one of budget= or aggregate_target=")
    target_score = None
    if aggregate_target is not None:
        aggregate_target = float(aggregate_target)
        if prep.obj == OBJECTIVE_BACKORDER_VALUE:
            if not aggregate_target >= 0:
                raise InputError("aggregate_target (a value of backorders) must be >= 0")
            target_score = -aggregate_target
        else:
            if not aggregate_target < 1.0 or not math.isfinite(aggregate_target):
                raise InputError(
                    "aggregate_target must be below 1 (an aggregate service level, e.g. 0.95)"
                )
            target_score = aggregate_target
    else:
        budget = float(budget)
        if not math.isfinite(budget):
            raise InputError("budget must be a finite number [currency]")
    return budget, aggregate_target, target_score


def _allocate(prep, budget, target_score):
    """Multiplier search (from a sample's hint for large portfolios), greedy completion and,
    in budget mode, repair. Returns ``(s, gap, lam, info, passes)``."""
    hint = sample_hint(prep, budget, target_score)
    lam0, hint_passes = hint if hint is not None else (None, 0)
    big, small, run, info, passes = search_multiplier(prep, budget, target_score, lam0=lam0)
    s, total_score, total_cost, gap, lam = greedy_completion(
        prep, big, small, run, budget, target_score, info
    )
    if budget is not None and small is not None:
        s, total_score, total_cost, gap, passes = repair(
            prep, s, total_score, total_cost, gap, budget, info, passes, lam
        )
    return s, gap, lam, info, passes


def _evaluate(prep, s):
    """The per-SKU table at reorder points s and the portfolio figures of the summary."""
    result, out = sku_frame(prep, s)
    fill, gamma, backorder_value, ss_value, oh_value = aggregates(prep, out)
    service = {
        OBJECTIVE_FILL_RATE: fill,
        OBJECTIVE_GAMMA: gamma,
        OBJECTIVE_BACKORDER_VALUE: backorder_value,
    }[prep.obj]
    figures = {
        "investment_used": ss_value if prep.inv == INVESTMENT_SAFETY_STOCK else oh_value,
        "aggregate_service": service,
        "aggregate_fill_rate": fill,
        "aggregate_gamma": gamma,
        "backorder_value": backorder_value,
        "safety_stock_value": ss_value,
        "on_hand_value": oh_value,
    }
    return result, figures


def _summary(prep, budget, aggregate_target, figures, lam, gap, info, passes):
    """The ``summary`` dict of :class:`PortfolioResult`."""
    if prep.obj == OBJECTIVE_BACKORDER_VALUE and budget is not None:
        gap_text = f"{gap:.3g} [currency of backorders]"
    elif budget is not None:
        gap_text = f"{gap:.3g} [aggregate {prep.objective}]"
    else:
        gap_text = f"{gap:.3g} [currency of {prep.investment}]"
    return {
        "mode": "budget" if budget is not None else "aggregate_target",
        "objective": prep.objective,
        "investment": prep.investment,
        "budget": budget if budget is not None else math.nan,
        "aggregate_target": aggregate_target if aggregate_target is not None else math.nan,
        **figures,
        "multiplier": lam if math.isfinite(lam) else math.nan,
        "gap_bound": gap,
        "gap_bound_text": (
            f"the true optimum is at most {gap_text} better (duality bound; at most one "
            "SKU's next step)"
        ),
        "blocking_step": info["blocking_step"],
        "feasible": info["feasible"],
        "binding": info["binding"],
        "skus": int(prep.active.sum()),
        "rows_excluded": prep.rows_excluded,
        "passes": passes,
        "message": info["message"],
    }


def optimize_prepared(prep, budget=None, aggregate_target=None):
    """:func:`optimize_portfolio` for a portfolio already read and fitted."""
    budget, aggregate_target, target_score = _goal(prep, budget, aggregate_target)
    s, gap, lam, info, passes = _allocate(prep, budget, target_score)
    result, figures = _evaluate(prep, s)
    aggregate, invested = figures["aggregate_service"], figures["investment_used"]
    s_uniform, replaced = uniform_safeguard(prep, s, aggregate, invested, gap, budget, target_score)
    if replaced:
        # the duality bound stays valid: re-state the gap against the better answer
        upper = aggregate + gap if budget is not None else invested - gap
        result, figures = _evaluate(prep, s_uniform)
        aggregate, invested = figures["aggregate_service"], figures["investment_used"]
        gap = max(upper - aggregate, 0.0) if budget is not None else max(invested - upper, 0.0)
        info["message"] = (
            "a uniform service target beat the multiplier's allocation (few or identical "
            "SKUs around a fill rate's leap from the floor) and is returned"
        )
    summary = _summary(prep, budget, aggregate_target, figures, lam, gap, info, passes)
    return PortfolioResult(result, summary)


def optimize_portfolio(
    df: pd.DataFrame,
    budget: float | None = None,
    *,
    aggregate_target: float | None = None,
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
) -> PortfolioResult:
    """Reorder points of a whole (s, Q) portfolio: best aggregate service for a budget.

    Budget mode (``budget=``) maximises the aggregate service level subject to the value of
    stock being at most ``budget``; target mode (``aggregate_target=``) reaches the aggregate
    service target at the least value of stock.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU, as for :func:`invsl.optimize` (``demand_mean``, ``demand_std``
        [units/period], ``lead_time`` [periods], ``order_quantity`` [units], optional
        ``distribution``, ``lead_time_std``), plus ``unit_cost`` [currency/unit] and
        optionally ``service_floor`` and ``service_ceiling`` (per-SKU bounds on the fill
        rate, or on gamma when gamma is the objective; empty cells: no bound).
    budget : float, optional
        Largest total value of stock [currency]: sum of unit_cost * safety_stock (may be
        negative for SKUs whose reorder point is below the mean lead-time demand) or of
        unit_cost * expected_on_hand.
    aggregate_target : float, optional
        Aggregate service to reach (fill rate or gamma in (0, 1)); with
        ``objective="backorder_value"`` the largest value of expected backorders [currency].
    objective : {"fill_rate", "gamma", "backorder_value"}
        ``fill_rate`` (alias ``beta``): the demand-weighted aggregate fill rate
        sum(mu_i beta_i) / sum(mu_i), the share of all demand served from stock.
        ``gamma``: 1 - sum(E[B_i]) / sum(mu_i). ``backorder_value``: minimise
        sum(unit_cost_i E[B_i]).
    investment : {"safety_stock", "on_hand"}
        What the budget counts: the value of safety stock (default) or of the expected
        on-hand stock.
    unit_cost : str or float
        Column with the value of one unit [currency/unit] (default ``"unit_cost"``), or one
        number for every SKU.
    service_floor, service_ceiling : str or float
        Columns (used when present) or numbers bounding each SKU's service level. A floor
        is reached exactly; with integer demand a ceiling caps the reorder point at the
        smallest one reaching the ceiling (so the service may exceed it by one step).
    weight : str, optional
        Column of weights replacing ``demand_mean`` in the aggregate (fill rate and gamma).
    min_reorder_point : float or None, optional
        Lowest reorder point any SKU may get [units], default 0 (integer demand: rounded
        up). ``None`` lets a SKU go down to the point where its service is practically zero,
        ``max(a, E[X] - 10 sd(X)) - Q`` (a = 0 for non-negative demand, -inf for normal),
        which frees the value of negative safety stock for other SKUs.
    distribution, lead_time_std, columns
        As for :func:`invsl.optimize`.

    Returns
    -------
    PortfolioResult
        ``.skus``: the input rows (same order and index) with ``reorder_point``,
        ``safety_stock``, ``alpha``, ``beta``, ``gamma``, ``ready_rate``,
        ``expected_backorders``, ``expected_on_hand``, ``investment`` [currency],
        ``lead_time_distribution``, ``status`` and ``message``. Flagged rows are left out of
        the portfolio (no budget, no weight) and say so in ``message``.
        ``.summary`` (dict): ``investment_used`` [currency], ``aggregate_service`` (of the
        objective), ``aggregate_fill_rate``, ``aggregate_gamma``, ``backorder_value``,
        ``safety_stock_value``, ``on_hand_value``, ``multiplier`` (lambda [service per
        currency]), ``gap_bound`` (how much better the true optimum can be: aggregate service
        in budget mode, currency in target mode), ``blocking_step``, ``feasible``,
        ``binding``, ``skus``, ``rows_excluded``, ``passes``, ``message``.

    Notes
    -----
    With weights w_i and stock values K_i the problem ``max sum w_i m_i(s_i)`` subject to
    ``sum K_i(s_i) <= budget`` is separable. For a multiplier lambda each SKU maximises
    ``w_i m_i(s) - lambda K_i(s)``; the marginal ratio rho_i(s) = w_i m_i'(s) / K_i'(s)
    (integer demand: forward differences) first rises, then falls (the fill rate is
    S-shaped in s under a safety-stock budget; in the other cases rho only falls), so the
    SKU's best s is either its floor or the end of the stretch where rho >= lambda: both are
    compared, which is the upper concave envelope of Fox's marginal analysis. Bisection
    on lambda meets the budget; the SKUs whose choice differs between the two final
    multipliers are then added best ratio first while they fit. Because of integer steps
    and the jump over the convex stretch of the fill rate, a duality gap remains:
    ``gap_bound`` is computed by weak duality, ``min over lambda of sum_i max_s (w_i m_i -
    lambda K_i) + lambda budget - achieved``, and is no more than the gain of one SKU's
    next step (``blocking_step``).

    References: Fox (1966), Discrete optimization via marginal analysis, Management Science
    13(3); Everett (1963), Generalized Lagrange multiplier method, Operations Research 11(3).

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [100.0, 5.0], "demand_std": [30.0, 4.0],
    ...                    "lead_time": [2.0, 2.0], "order_quantity": [300.0, 10.0],
    ...                    "unit_cost": [1.0, 50.0]})
    >>> res = invsl.optimize_portfolio(df, budget=100.0)
    >>> res.summary["investment_used"] <= 100.0
    True
    """
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
    return optimize_prepared(prep, budget=budget, aggregate_target=aggregate_target)
