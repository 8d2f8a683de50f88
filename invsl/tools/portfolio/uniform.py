"""Uniform-target safeguard: the best equal service level for every SKU, returned when it
beats the multiplier's allocation."""

from __future__ import annotations

import math

import numpy as np

from invsl.tools.portfolio.output import aggregates, evaluate_at
from invsl.vocabulary import OK
from invsl.vocabulary import INVESTMENT_SAFETY_STOCK, OBJECTIVE_BACKORDER_VALUE, OBJECTIVE_FILL_RATE

#: the uniform-target safeguard runs when the duality gap exceeds this (aggregate service,
#: or relative investment in the inverse mode): a few SKUs' leaps, not rounding; and only
#: up to this many SKUs (80 uniform solves; one SKU's step is tiny in larger portfolios)
_UNIFORM_CHECK_GAP = 1e-4
_UNIFORM_CHECK_MAX_SKUS = 200_000


def _uniform_point(prep, t):
    """Reorder points of the uniform target t, their aggregate service and investment."""
    s, failed = prep.uniform(t)
    if failed.any():
        return s, math.nan, math.nan
    # within each SKU's allowed range (min_reorder_point, service floor and ceiling)
    s = np.where(prep.active, np.clip(s, prep.bounds[0], prep.bounds[1]), np.nan)
    out, _ = evaluate_at(prep, s, np.where(prep.active, OK, 1).astype(np.uint8))
    fill, gamma, _, ss_value, oh_value = aggregates(prep, out)
    service = fill if prep.obj == OBJECTIVE_FILL_RATE else gamma
    return s, service, ss_value if prep.inv == INVESTMENT_SAFETY_STOCK else oh_value


def _bisect_uniform(prep, ok, ok_low):
    """The uniform point (s, service, investment) at the boundary of ``ok`` found by
    bisection on the target in (1e-9, 1 - 1e-12), 40 steps: the last point that is ok.
    ``ok_low``: ok holds below the boundary (a budget), else above it (an aggregate)."""
    lo, hi = 1e-9, 1.0 - 1e-12
    best = _uniform_point(prep, lo if ok_low else hi)
    if not ok(best):
        return None
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        point = _uniform_point(prep, mid)
        if ok(point):
            best = point
        if ok(point) == ok_low:
            lo = mid
        else:
            hi = mid
    return best


def uniform_safeguard(prep, s, service, invested, gap, budget, target):
    """The better of the answer and the best uniform target with the same budget (or
    reaching the same aggregate), when the duality gap leaves room for it.

    Near a non-concave stretch (a fill rate's leap from the floor) the multiplier plus greedy
    completion can leave whole SKUs at their floor where an equal level for all SKUs does
    better, most visibly for a few hundred identical SKUs. The uniform target is found by
    bisection (40 evaluations). Returns (s, replaced).
    """
    if prep.obj == OBJECTIVE_BACKORDER_VALUE or prep.custom_weight or not prep.active.any():
        return s, False
    if prep.active.sum() > _UNIFORM_CHECK_MAX_SKUS:
        return s, False
    if budget is not None:
        if not gap > _UNIFORM_CHECK_GAP:
            return s, False
        ok = lambda point: point[2] <= budget  # noqa: E731
    else:
        if not gap > _UNIFORM_CHECK_GAP * max(abs(invested), 1.0):
            return s, False
        ok = lambda point: point[1] >= target  # noqa: E731
    # the largest uniform target within the budget, or the smallest reaching the aggregate
    best = _bisect_uniform(prep, ok, ok_low=budget is not None)
    if best is None:
        return s, False
    better = best[1] > service if budget is not None else best[2] < invested
    if not better:
        return s, False
    return best[0], True
