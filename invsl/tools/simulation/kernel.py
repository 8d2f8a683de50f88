"""The batch kernel of the simulator: a range of rows, each on its own random stream, so that
``scalar.jit.run_rows`` can split the rows among threads and give the same bits on any number.

Its inputs come grouped in named tuples of arrays (numba takes them as arguments), built by
keyword so that two arrays cannot be swapped silently: :class:`Rows` (the parameters of each
row), :class:`Settings` (the run's scalars), :class:`HistoryCounts` (the empirical rows'
histories) and :class:`Outputs` (what the kernel writes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from invsl.scalar import rng as _rng
from invsl.scalar.jit import borrowed, kernel
from invsl.tools.simulation.batch_means import N_ACC, store_metrics
from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    DEMAND_NEGBIN,
    DEMAND_POISSON,
    POLICY_SQ,
)
from invsl.tools.simulation.continuous import sq_event_row, sq_fluid_row, sq_units_row
from invsl.tools.simulation.periodic import periodic_row
from invsl.vocabulary import OK


class Rows(NamedTuple):
    """Per-row parameters of the simulation: arrays of length n, one entry per SKU."""

    policy: np.ndarray  # int8 policy code (codes.SQ, RS, RSS, RSQ)
    distribution: np.ndarray  # int8 demand distribution code (codes.NORMAL, ...)
    demand_mean: np.ndarray  # float64, mu [units/period]
    demand_std: np.ndarray  # float64, sigma [units/period]
    lead_time: np.ndarray  # float64, L [periods]
    review_period: np.ndarray  # int64, R [periods] (1 for continuous review)
    reorder_point: np.ndarray  # float64, s [units]
    order_quantity: np.ndarray  # float64, Q [units]
    order_up_to: np.ndarray  # float64, S [units]
    warmup: np.ndarray  # int64, periods simulated before measuring
    substeps: np.ndarray  # int64, steps per period (continuous review)


class Settings(NamedTuple):
    """Scalars of one simulation run, the same for every row."""

    periods: int  # periods measured per row after the warm-up
    n_batches: int  # batches of the batch-means half-widths
    seed: np.uint64  # row i uses the random stream (seed, i)
    t_quantile: float  # t_{0.975, n_batches - 1}
    clip: bool  # a negative draw is zero demand (negative_demand="zero")


class HistoryCounts(NamedTuple):
    """Cumulative period counts of the empirical rows' histories (see
    sampling.draw_empirical): row i uses ``counts[start[i] : start[i] + length[i]]``."""

    counts: np.ndarray  # float64, every row's counts one after the other
    start: np.ndarray  # int64, first entry of row i
    length: np.ndarray  # int64, number of entries of row i (0: no history)


class Outputs(NamedTuple):
    """What the kernel writes: the status of each row and its metrics."""

    status: np.ndarray  # uint8 status codes, updated for rows that fail inside
    metrics: np.ndarray  # (12, n) float64: the six codes.METRICS, then their half-widths


#: cost of one simulated step (a period, or a sub-step of continuous review) of one row
#: [rows of the (s, Q) normal kernel, the unit of ``scalar.jit.run_rows``]: 60-130 ns against
#: 0.3 us a row, measured on one thread on the benchmark tables (sQ normal, sQ poisson, RS
#: normal, RsS poisson, RsQ gamma; benchmarks/test_bench_simulate.py)
STEP_WEIGHT = 0.3

#: the history of a row that has none (every row but the empirical ones): an empty view of a
#: constant array, which numba does not reference-count, unlike a view of the kernel's
#: argument ``history.counts``, whose count every draw would raise and lower (an atomic
#: operation, on one counter for all threads: 25-40 % of the time of an RS or RsS row on
#: normal or Poisson demand, measured on one thread; the former prange kernel got its
#: arguments without a count)
_NO_HISTORY = np.zeros(1)


def row_weight(rows: Rows, periods: int) -> float:
    """The mean cost of one row of :func:`simulate_kernel` [rows of the (s, Q) normal kernel]:
    its warm-up and ``periods`` measured periods, times its sub-steps."""
    if rows.warmup.shape[0] == 0:
        return 0.0
    steps = (periods + rows.warmup.astype(np.float64)) * rows.substeps
    return STEP_WEIGHT * float(steps.mean())


@kernel
def simulate_kernel(rows, settings, history, outputs, start, stop):
    """Simulate the rows ``start`` .. ``stop - 1`` whose status is OK; write metrics and
    half-widths into ``outputs``.

    ``rows`` is a :class:`Rows`, ``settings`` a :class:`Settings`, ``history`` a
    :class:`HistoryCounts` and ``outputs`` an :class:`Outputs`. ``outputs.metrics`` is
    (12, n): the six METRICS, then their half-widths. ``outputs.status`` is updated for
    rows that fail inside (too many outstanding orders, no order cycle in the horizon).
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    rows, settings, history, outputs = borrowed((rows, settings, history, outputs))
    status = outputs.status
    out = outputs.metrics
    # (i is int64 here, uint64 under the former prange: it is only an index, and the stream
    # number of rng.seed_state, which converts it to uint64: the same stream, the same bits)
    for i in range(start, stop):
        if status[i] != OK:
            continue
        state = np.empty(4, dtype=np.uint64)
        _rng.seed_state(state, settings.seed, i)
        spare = np.zeros(2)
        acc = np.zeros((settings.n_batches, N_ACC))
        pol = rows.policy[i]
        dist = rows.distribution[i]
        if dist == DEMAND_EMPIRICAL:
            counts = history.counts[history.start[i] : history.start[i] + history.length[i]]
        else:
            counts = _NO_HISTORY[:0]
        if pol == POLICY_SQ and dist == DEMAND_EMPIRICAL:
            code = sq_units_row(state, rows, i, settings, acc, counts)
        elif pol == POLICY_SQ:
            if dist == DEMAND_POISSON or dist == DEMAND_NEGBIN or dist == DEMAND_COMPOUND_POISSON:
                code = sq_event_row(state, rows, i, settings, acc)
            else:
                code = sq_fluid_row(state, spare, rows, i, settings, acc)
        else:
            code = periodic_row(state, spare, rows, i, settings, acc, counts)
        if code == OK:
            code = store_metrics(acc, rows.demand_mean[i], settings.t_quantile, out, i)
        if code != OK:
            status[i] = code
