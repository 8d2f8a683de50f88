"""Batch-means statistics: per-batch sums of a simulated row and the 95% half-widths.

A row's measured horizon is cut into B consecutive batches; ``acc`` (B, N_ACC) holds each
batch's sums (order cycles, good cycles, demand, short demand, backorders, on-hand, ready
samples, samples), and every metric is a ratio of batch totals with a delta-method
half-width over the batches.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar.jit import scalar
from invsl.vocabulary import NO_ORDER_CYCLES, OK

#: accumulator columns per batch (the second index of ``acc``) and their number
CYCLES, GOOD, DEMAND, SHORT, BACK, ONHAND, READY, SAMPLES = range(8)
N_ACC = 8


@scalar
def flush(acc, b, cycles, good, demand, short, back, onhand, ready, samples):
    """Write the sums of batch b."""
    acc[b, CYCLES] = cycles
    acc[b, GOOD] = good
    acc[b, DEMAND] = demand
    acc[b, SHORT] = short
    acc[b, BACK] = back
    acc[b, ONHAND] = onhand
    acc[b, READY] = ready
    acc[b, SAMPLES] = samples


@scalar
def count_arrival(acc, b, net):
    """An order arrives in batch b with net stock ``net`` just before: one cycle, good if
    net >= 0 (alpha)."""
    acc[b, CYCLES] += 1.0
    if net >= 0.0:
        acc[b, GOOD] += 1.0


@scalar
def observe(acc, b, net, dt):
    """Net stock ``net`` held for ``dt`` (a step observed once: dt = 1) in batch b."""
    if net < 0.0:
        acc[b, BACK] -= net * dt
    else:
        acc[b, ONHAND] += net * dt
        if net > 0.0:
            acc[b, READY] += dt


@scalar
def batch_at(k, first, steps, n_batches, measured, b, cut):
    """Batch bookkeeping of the continuous-review rows at step k: measuring starts at step
    ``first``; batch b ends at step ``cut`` (batch b covers steps
    [first + b steps / B, first + (b + 1) steps / B)). Returns (measured, b, cut)."""
    if k == first:
        measured = True
    elif measured and k == cut:
        b += 1
        cut = first + (b + 1) * steps // n_batches
    return measured, b, cut


@scalar
def ratio(acc, num, den, t_quantile):
    """Ratio of batch totals sum(num)/sum(den) and its half-width (delta method over batches).

    With batch ratios near normal, the batch residuals z_b = num_b - r den_b have mean 0 and
    the standard error of r is sd(z) / (sqrt(B) mean(den)).
    """
    n_batches = acc.shape[0]
    total_num = 0.0
    total_den = 0.0
    for j in range(n_batches):
        total_num += acc[j, num]
        total_den += acc[j, den]
    if not total_den > 0.0:
        return np.nan, np.nan
    r = total_num / total_den
    ss = 0.0
    for j in range(n_batches):
        z = acc[j, num] - r * acc[j, den]
        ss += z * z
    se = math.sqrt(ss / (n_batches - 1) / n_batches) / (total_den / n_batches)
    return r, t_quantile * se


@scalar
def store_metrics(acc, mu, t_quantile, metrics, i):
    """Write row i's six metrics and their half-widths (``metrics``: (12, n), codes.METRICS
    then the half-widths) from its batch sums ``acc``; mu is its mean demand per period.
    Returns NO_ORDER_CYCLES if no order arrived in the horizon (alpha undefined), else OK."""
    a, a_ci = ratio(acc, GOOD, CYCLES, t_quantile)
    served, b_ci = ratio(acc, SHORT, DEMAND, t_quantile)
    eb, eb_ci = ratio(acc, BACK, SAMPLES, t_quantile)
    rr, rr_ci = ratio(acc, READY, SAMPLES, t_quantile)
    oh, oh_ci = ratio(acc, ONHAND, SAMPLES, t_quantile)
    metrics[0, i] = a
    metrics[1, i] = 1.0 - served
    metrics[2, i] = 1.0 - eb / mu
    metrics[3, i] = rr
    metrics[4, i] = eb
    metrics[5, i] = oh
    metrics[6, i] = a_ci
    metrics[7, i] = b_ci
    metrics[8, i] = eb_ci / mu
    metrics[9, i] = rr_ci
    metrics[10, i] = eb_ci
    metrics[11, i] = oh_ci
    if math.isnan(a):
        return NO_ORDER_CYCLES
    return OK
