"""Greedy completion between the two multipliers that bracket the budget, the duality
bound, and the repair rounds that spend what the greedy step left."""

from __future__ import annotations

import math

import numpy as np

from invsl.tools.portfolio.kernels import greedy_upgrades
from invsl.tools.portfolio.search import SLACK_REL_TOL, search_multiplier

#: rounds of the repair step (fix the SKU whose step did not fit, re-solve the others)
_REPAIR_ROUNDS = 2
#: ... run only while the gap bound exceeds this share of the objective
_REPAIR_GAP = 1e-6


def greedy_completion(prep, big, small, run, budget, target, info):
    """Greedy completion between the two bracket solutions and the duality bound."""
    budget_mode = budget is not None
    dual_at = []
    s = big["s"].copy()
    score = big["score"].copy()
    cost = big["cost"].copy()
    blocking = 0.0
    if small is not None:
        diff = np.flatnonzero(prep.active & (small["s"] != big["s"]))
        d_score = small["score"][diff] - big["score"][diff]
        d_cost = small["cost"][diff] - big["cost"][diff]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d_cost > 0, d_score / d_cost, np.inf)
        order = np.argsort(-ratio, kind="stable")
        if budget_mode:
            room = budget - float(cost.sum())
            need = 0.0
        else:
            room = 0.0
            need = target - float(score.sum())
        take, first_left = greedy_upgrades(order, d_score, d_cost, room, budget_mode, need)
        idx = diff[take]
        s[idx] = small["s"][idx]
        score[idx] = small["score"][idx]
        cost[idx] = small["cost"][idx]
        edge = -1
        if budget_mode and first_left >= 0:
            edge = order[first_left]
            blocking = float(d_score[edge])
        elif not budget_mode and take.any():
            # the last upgrade taken: the one that crossed the target
            edge = order[np.flatnonzero(take[order])[-1]]
            blocking = float(d_cost[edge])
        if edge >= 0 and math.isfinite(ratio[edge]) and small["lam"] < ratio[edge] < big["lam"]:
            # the multiplier of the LP relaxation: the ratio of the step at the edge
            dual_at.append(run(float(ratio[edge])))
    total_score = float(score.sum())
    total_cost = float(cost.sum())
    gap = 0.0
    if small is not None:
        bounds = []
        for sol in (big, small, *dual_at):
            lagr = sol["total_score"] - sol["lam"] * sol["total_cost"]
            if budget_mode:
                bounds.append(lagr + sol["lam"] * budget)
            else:
                bounds.append((target - lagr) / sol["lam"])
        if budget_mode:
            gap = max(min(bounds) - total_score, 0.0)
        else:
            gap = max(total_cost - max(bounds), 0.0)
    info["blocking_step"] = blocking
    info["edge_sku"] = int(diff[edge]) if small is not None and edge >= 0 else -1
    info["score"] = score
    info["cost"] = cost
    return s, total_score, total_cost, gap, big["lam"]


def repair(prep, s, total_score, total_cost, gap, budget, info, passes, lam):
    """Spend what the greedy step left: fix the SKU whose step did not fit, re-solve the rest.

    Up to ``_REPAIR_ROUNDS`` rounds, each kept only if it improves the objective. The
    duality bound of the first solve stays valid for the whole problem, so the gap is
    recomputed against it.
    """
    upper = total_score + gap
    score, cost = info["score"].copy(), info["cost"].copy()
    active = prep.active
    fixed = np.zeros(prep.n, dtype=bool)
    try:
        for _ in range(_REPAIR_ROUNDS):
            j = info.get("edge_sku", -1)
            if j < 0 or budget - total_cost <= SLACK_REL_TOL * (abs(budget) + 1.0):
                break
            if upper - total_score <= _REPAIR_GAP * (abs(total_score) + 1.0):
                break
            fixed[j] = True
            prep.active = active & ~fixed
            if not prep.active.any():
                break
            fixed_cost = float(cost[fixed].sum())
            fixed_score = float(score[fixed].sum())
            big, small, run, info2, p2 = search_multiplier(
                prep, budget - fixed_cost, None, lam0=lam
            )
            passes += p2
            if not info2["feasible"]:
                break
            s2, sc2, co2, _, _ = greedy_completion(
                prep, big, small, run, budget - fixed_cost, None, info2
            )
            if sc2 + fixed_score <= total_score or co2 + fixed_cost > budget:
                break
            s2[fixed] = s[fixed]
            s = s2
            info2["score"][fixed] = score[fixed]
            info2["cost"][fixed] = cost[fixed]
            score, cost = info2["score"], info2["cost"]
            total_score, total_cost = sc2 + fixed_score, co2 + fixed_cost
            info["blocking_step"] = info2["blocking_step"]
            info["edge_sku"] = info2["edge_sku"]
    finally:
        prep.active = active
    return s, total_score, total_cost, max(upper - total_score, 0.0), passes
