"""The replay's checks and sums: the status of a SKU (:func:`check_sku`), its per-period
record, the running sums of its measured periods at the end of each batch (:func:`mark`) and
the metrics made of them, with batch-means standard errors (:func:`store`).

The checks, the measures and their definitions are those of the docstring of
invsl.tools.backtest.replay.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar.jit import scalar
from invsl.tools.simulation.batch_means import ratio
from invsl.vocabulary import (
    BAD_ORDER_QUANTITY,
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    FRACTIONAL_LEAD_TIME,
    MISSING,
    NEGATIVE,
    NOT_FINITE,
    OK,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
    POLICY_SQ,
    UNKNOWN_POLICY,
)

#: the rows of ``Outputs.metrics``, one entry per SKU each (see the docstring of
#: invsl.tools.backtest.replay)
METRICS = (
    "demand",
    "filled",
    "fill_rate",
    "cycle_service_level",
    "ready_rate",
    "mean_on_hand",
    "mean_backorders",
    "gamma",
    "orders",
    "cycles",
    "fill_rate_se",
    "gamma_se",
    "cycle_service_level_se",
    "ready_rate_se",
)
#: the number of METRICS (rows of ``Outputs.metrics``)
N_METRICS = len(METRICS)

# columns of a SKU's sums over its measured periods, summed in time order: ``acc`` (B, 9)
# holds them at the end of each batch (the last row: the totals, for the metrics), then, in
# ``store``, the sums of each batch (for the standard errors)
(_CYCLES, _GOOD, _DEMAND, _FILLED, _BACK, _ONHAND, _READY, _ORDERS, _SAMPLES) = range(9)
#: the number of those columns (the width of ``acc``)
N_SUMS = 9


@scalar
def check_sku(skus, plans, i):
    """The status of SKU i: OK, or the first failing check of the docstring of
    invsl.tools.backtest.replay."""
    pol = skus.policy[i]
    if pol != POLICY_SQ and pol != POLICY_RS and pol != POLICY_RSS and pol != POLICY_RSQ:
        return UNKNOWN_POLICY
    lead = skus.lead_time[i]
    if math.isnan(lead):
        return MISSING
    if math.isinf(lead):
        return NOT_FINITE
    if lead < 0.0:
        return NEGATIVE
    if lead != math.floor(lead):
        return FRACTIONAL_LEAD_TIME
    if pol != POLICY_SQ:
        review = skus.review_period[i]
        if not (math.isfinite(review) and review >= 1.0 and review == math.floor(review)):
            return BAD_REVIEW_PERIOD
    uses_s = pol != POLICY_RS
    uses_big_s = pol == POLICY_RS or pol == POLICY_RSS
    uses_q = pol == POLICY_SQ or pol == POLICY_RSQ
    for k in range(plans.origins.shape[0]):
        s = plans.reorder_point[i, k]
        big_s = plans.order_up_to[i, k]
        q = plans.order_quantity[i, k]
        if (uses_s and math.isnan(s)) or (uses_big_s and math.isnan(big_s)):
            return MISSING
        if uses_q and math.isnan(q):
            return MISSING
        if (uses_s and math.isinf(s)) or (uses_big_s and math.isinf(big_s)):
            return NOT_FINITE
        if uses_q and math.isinf(q):
            return NOT_FINITE
        if uses_q and not q > 0.0:
            return BAD_ORDER_QUANTITY
        if pol == POLICY_RSS and not big_s > s:
            return BAD_ORDER_UP_TO
    demand = skus.demand[i]
    for t in range(demand.shape[0]):
        d = demand[t]
        if math.isnan(d):
            return MISSING
        if math.isinf(d):
            return NOT_FINITE
        if d < 0.0:
            return NEGATIVE
    return OK


@scalar
def record_period(outputs, i, t, net, filled, ordered):
    """Write period t of SKU i into the per-period arrays."""
    outputs.on_hand[i, t] = max(net, 0.0)
    outputs.backorders[i, t] = -net if net < 0.0 else 0.0
    outputs.filled[i, t] = filled
    outputs.ordered[i, t] = ordered


@scalar
def mark(acc, b, cycles, good, demand, filled, back, on_hand, ready, orders, samples):
    """Row b of ``acc``: the running sums of the measured periods at the end of batch b
    (:func:`store` turns them into the sums of each batch)."""
    acc[b, _CYCLES] = cycles
    acc[b, _GOOD] = good
    acc[b, _DEMAND] = demand
    acc[b, _FILLED] = filled
    acc[b, _BACK] = back
    acc[b, _ONHAND] = on_hand
    acc[b, _READY] = ready
    acc[b, _ORDERS] = orders
    acc[b, _SAMPLES] = samples


@scalar
def store(acc, periods, metrics, i):
    """Write SKU i's metrics (rows of METRICS) from the running sums of its ``periods``
    measured periods at the end of each batch (``acc``, turned into the sums of each batch
    for the standard errors)."""
    n_batches = acc.shape[0]
    last = n_batches - 1
    p = float(periods)
    demand = acc[last, _DEMAND]
    filled = acc[last, _FILLED]
    cycles = acc[last, _CYCLES]
    mean_back = acc[last, _BACK] / p
    mean_demand = demand / p
    metrics[0, i] = demand
    metrics[1, i] = filled
    metrics[2, i] = filled / demand if demand > 0.0 else np.nan
    metrics[3, i] = acc[last, _GOOD] / cycles if cycles > 0.0 else np.nan
    metrics[4, i] = acc[last, _READY] / p
    metrics[5, i] = acc[last, _ONHAND] / p
    metrics[6, i] = mean_back
    metrics[7, i] = 1.0 - mean_back / mean_demand if mean_demand > 0.0 else np.nan
    metrics[8, i] = acc[last, _ORDERS]
    metrics[9, i] = cycles
    if n_batches >= 2:
        for j in range(last, 0, -1):
            for c in range(N_SUMS):
                acc[j, c] -= acc[j - 1, c]
        metrics[10, i] = ratio(acc, _FILLED, _DEMAND, 1.0)[1]
        metrics[11, i] = ratio(acc, _BACK, _DEMAND, 1.0)[1]
        metrics[12, i] = ratio(acc, _GOOD, _CYCLES, 1.0)[1]
        metrics[13, i] = ratio(acc, _READY, _SAMPLES, 1.0)[1]
