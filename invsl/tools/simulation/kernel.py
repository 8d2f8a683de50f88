"""The batch kernel of the simulator: every row in parallel, each on its own random stream."""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import rng as _rng
from invsl.scalar.jit import parallel_kernel, prange
from invsl.tools.simulation.batch_means import (
    BACK,
    CYCLES,
    DEMAND,
    GOOD,
    N_ACC,
    ONHAND,
    READY,
    SAMPLES,
    SHORT,
    ratio,
)
from invsl.tools.simulation.codes import COMPOUND_POISSON, EMPIRICAL, NEGBIN, POISSON, SQ
from invsl.tools.simulation.continuous import sq_event_row, sq_fluid_row, sq_units_row
from invsl.tools.simulation.periodic import periodic_row
from invsl.vocabulary import NO_ORDER_CYCLES, OK


@parallel_kernel
def simulate_kernel(
    policy,
    dist,
    demand_mean,
    demand_std,
    lead_time,
    review_period,
    reorder_point,
    order_quantity,
    order_up_to,
    warmup,
    substeps,
    clip,
    periods,
    n_batches,
    seed,
    t_quantile,
    status,
    out,
    counts,
    counts_start,
    counts_length,
):
    """Simulate every row whose status is OK; write metrics and half-widths into ``out``.

    ``out`` is (12, n): the six METRICS, then their half-widths. ``status`` is updated for
    rows that fail inside (too many outstanding orders, no order cycle in the horizon).
    Empirical rows sample from the cumulative period counts
    ``counts[counts_start[i] : counts_start[i] + counts_length[i]]`` (see ``draw_empirical``).
    """
    n = status.shape[0]
    for i in prange(n):
        if status[i] != OK:
            continue
        state = np.empty(4, dtype=np.uint64)
        _rng.seed_state(state, seed, i)
        spare = np.zeros(2)
        acc = np.zeros((n_batches, N_ACC))
        mu = demand_mean[i]
        pol = policy[i]
        if pol == SQ and dist[i] == EMPIRICAL:
            code = sq_units_row(
                state,
                mu,
                lead_time[i],
                reorder_point[i],
                order_quantity[i],
                warmup[i],
                periods,
                acc,
                counts[counts_start[i] : counts_start[i] + counts_length[i]],
            )
        elif pol == SQ:
            if dist[i] == POISSON or dist[i] == NEGBIN or dist[i] == COMPOUND_POISSON:
                code = sq_event_row(
                    state,
                    dist[i],
                    mu,
                    demand_std[i],
                    lead_time[i],
                    reorder_point[i],
                    order_quantity[i],
                    warmup[i],
                    periods,
                    substeps[i],
                    acc,
                )
            else:
                code = sq_fluid_row(
                    state,
                    spare,
                    dist[i],
                    mu,
                    demand_std[i],
                    lead_time[i],
                    reorder_point[i],
                    order_quantity[i],
                    clip,
                    warmup[i],
                    periods,
                    substeps[i],
                    acc,
                )
        else:
            code = periodic_row(
                state,
                spare,
                pol,
                dist[i],
                mu,
                demand_std[i],
                int(lead_time[i]),
                review_period[i],
                reorder_point[i],
                order_quantity[i],
                order_up_to[i],
                clip,
                warmup[i],
                periods,
                acc,
                counts[counts_start[i] : counts_start[i] + counts_length[i]],
            )
        if code != OK:
            status[i] = code
            continue
        a, a_ci = ratio(acc, GOOD, CYCLES, t_quantile)
        served, b_ci = ratio(acc, SHORT, DEMAND, t_quantile)
        eb, eb_ci = ratio(acc, BACK, SAMPLES, t_quantile)
        rr, rr_ci = ratio(acc, READY, SAMPLES, t_quantile)
        oh, oh_ci = ratio(acc, ONHAND, SAMPLES, t_quantile)
        out[0, i] = a
        out[1, i] = 1.0 - served
        out[2, i] = 1.0 - eb / mu
        out[3, i] = rr
        out[4, i] = eb
        out[5, i] = oh
        out[6, i] = a_ci
        out[7, i] = b_ci
        out[8, i] = eb_ci / mu
        out[9, i] = rr_ci
        out[10, i] = eb_ci
        out[11, i] = oh_ci
        if math.isnan(a):
            status[i] = NO_ORDER_CYCLES
