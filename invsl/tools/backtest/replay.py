"""Trace-driven replay: a SKU's recorded demand, period by period, through its plans.

:func:`replay` runs every SKU's real demand history through the sequence of plans made for
it (one plan per origin) with the timeline of docs/service-levels.md ("Periodic review" and
"Backtest on a real history"), and measures what the plans achieved: demand, units filled
from stock at once, fill rate, cycle service, ready rate, on-hand stock, backorders, gamma,
orders, with batch-means standard errors. All SKUs run in one compiled kernel
(:func:`replay_kernel`, over a range of SKUs: ``scalar.jit.run_rows`` splits the SKUs among
threads); a SKU that cannot be replayed gets a status code and NaN results, the others are
replayed. The rows are replayed in invsl.tools.backtest.replay_periodic (RS, RsS, RsQ) and
replay_sq (sQ); the checks, the sums and the metrics are in replay_sums.

Conventions
-----------
**Plans.** ``origins`` are increasing period indices; the plan in force in period t is that
of the last origin <= t. Periods before the first origin use the first plan (warm-up).

**Start state.** At the start of period 0 the net stock (= inventory position) is the
first plan's order-up-to level S (RS, RsS) or s + Q (sQ, RsQ); nothing is on order and
nothing is backordered. This is the simulator's start (invsl.simulate); the periods before
``measure_from`` wash it out.

**Periodic review** (RS, RsS, RsQ), in every period t:

1. orders due at t arrive (backorders are served first: net stock rises by the order);
2. if t is a review period (t = 0, R, 2R, ...), the plan in force is applied to the
   inventory position IP = net stock + on order: RS orders S - IP (nothing if IP >= S);
   RsS orders S - IP if IP <= s; RsQ orders the smallest multiple n Q with IP + n Q > s if
   IP <= s. The order arrives at the start of period t + L (L = 0: at once, now);
3. d[t] is served from the on-hand stock max(net, 0): filled = min(d[t], max(net, 0)); the
   rest is backordered (net -= d[t]);
4. on hand max(net, 0) and backorders max(-net, 0) are observed at the end of the period.

An order due at or after the last period (t + L >= T) stays on order.

**Continuous review** (sQ). The order is placed the moment the inventory position falls to
or below s: n Q, the smallest multiple that lifts IP above s. It arrives exactly L periods
later, at the same point of its period (so it can arrive inside a period, before the later
demand of that period). Within period t, after the receipts due at its start:

- the plan in force is applied at the start of the period (IP <= s: order n Q now). This
  orders after a change of plan, or when a flow took IP exactly to s at the end of the
  previous period;
- a SKU whose demand is whole in every period (and below 2**31) is replayed in **units**:
  the d units of period t arrive one at a time, and the unit that takes IP to or below s
  places the order, which arrives L periods after that unit. A unit meeting net stock n is
  filled min(1, max(n, 0)). A history does not say when within a period its units came;
  two conventions (``unit_times``):

  - ``"uniform"`` (default), as ``invsl.simulate`` replays an ``empirical`` history: the
    units come at independent uniform times within the period, drawn in order as order
    statistics (the next of m units left after the fraction x of the period comes at
    x + (1 - x)(1 - V^(1/m)), V uniform on (0, 1) from the SKU's random stream (seed, i),
    xoshiro256** as in invsl.scalar.rng; at most the last double below 1). With Poisson
    period demand this is a Poisson process, the (s, Q) model, so the replay of a fixed
    plan reproduces the (s, Q) alpha and beta; the result depends a little on the seed.
  - ``"even"``: the units come at the evenly spaced times t + j / (d + 1), j = 1..d (the
    expected times of d uniform arrivals); deterministic, but an order then meets a less
    variable lead-time demand than a Poisson process gives: with Poisson demand the fill
    rate and alpha come out above the (s, Q) formulas (e.g. beta about 0.88 for 0.827 at mean
    2, L = 1, s = 2, Q = 3), while the period-end measures (backorders, gamma, ready rate,
    on hand) still agree with them.
- a SKU with a fractional demand in some period is replayed as a **flow**: d[t] flows at the
  constant rate d[t] through the period (``invsl.simulate``'s continuous demand with one
  step a period). IP reaches s at the time cur + (IP - s) / d[t] (cur: the time of the
  previous event in the period, as a fraction of the period; at most 1 - 2**-53) if the
  demand left in the period, d[t] minus what has flowed, exceeds IP - s; an order of Q is
  placed then. The demand that flows between two events of a period is d[t] (f1 - f0) up
  to an arrival (f0, f1 the fractions of the period at the two events; at most what is
  left and at most IP - s, so that rounding never takes IP below s), IP - s up to a
  crossing, and what is left of d[t] up to the period end; each piece is filled
  min(piece, max(net, 0)).
- an arrival and a unit (or a crossing) at the same instant: the arrival comes first;
- on hand and backorders are observed at the end of the period, as for periodic review.

**Measured** over the periods t >= ``measure_from`` (the periods before them are replayed,
not counted), per SKU, with P the number of measured periods:

- ``demand`` and ``filled`` (units served from stock at once), ``fill_rate`` = filled /
  demand (beta);
- ``cycle_service_level`` (alpha) = share of order arrivals in the measured periods with net
  stock >= 0 just before the arrival (a replenishment cycle, arrival to next arrival, that ends
  without backorders). For RS every review counts, also one that orders nothing (it
  "arrives" L periods later), as in alpha = F_{L+R}(S) and in invsl.simulate; for sQ, RsS
  and RsQ every order placed. NaN if no order arrives in the measured periods.
- ``ready_rate`` = share of measured period ends with net stock > 0; ``mean_on_hand`` and
  ``mean_backorders`` = sum of the period-end values / P;
- ``gamma`` = 1 - mean_backorders / mean demand (mean demand = demand / P);
- ``orders`` = orders placed (quantity > 0) in the measured periods; ``cycles`` = order
  arrivals counted by alpha;
- standard errors of fill rate, gamma, alpha and ready rate by batch means, as invsl.simulate
  computes them: the P measured periods are cut into B = min(n_batches, P) consecutive
  batches, batch b covering [m + b P // B, m + (b + 1) P // B), and each metric, a ratio of
  batch totals, gets the delta-method standard error sd(z) / (sqrt(B) mean(den)) with
  z_b = num_b - r den_b (:func:`invsl.tools.simulation.batch_means.ratio`); gamma as the
  ratio backorders / demand. NaN when B < 2.

With ``record=True`` the kernel also writes, per SKU and period (warm-up included): on hand
and backorders at the period end, units filled from stock and the quantity ordered.

Statuses (``invsl.vocabulary`` codes), first failing check wins: ``unknown_policy`` (a code
that is not POLICY_SQ/RS/RSS/RSQ); ``lead_time`` missing (NaN), ``not_finite``, ``negative``
or ``fractional_lead_time``; ``bad_review_period`` (periodic review: not a whole number
>= 1); a plan value the policy uses (at any origin) ``missing`` or ``not_finite``,
``bad_order_quantity`` (Q <= 0), ``bad_order_up_to`` (RsS with S <= s); a demand value
``missing``, ``not_finite`` or ``negative``; ``sim_capacity`` (sQ: more than a million
orders and arrivals in one period (the even units and the flow: events), or more than 4
million orders outstanding: an order quantity tiny against the demand).

References
----------
1. Silver, E. A., Pyke, D. F. and Thomas, D. J. (2017). Inventory and Production Management
   in Supply Chains, 4th ed., CRC Press (trace-driven evaluation of inventory policies).
2. Teunter, R. H. and Duncan, L. (2009). Forecasting intermittent demand: a comparative
   study. Journal of the Operational Research Society 60, 321-329.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from invsl.scalar.jit import borrowed, kernel, readonly, run_rows
from invsl.tools.backtest.replay_periodic import periodic_row
from invsl.tools.backtest.replay_sq import sq_row
from invsl.tools.backtest.replay_sums import METRICS, N_METRICS, N_SUMS, check_sku, store
from invsl.vocabulary import OK, POLICY_SPELLINGS, POLICY_SQ, normalise_name


class Skus(NamedTuple):
    """Per-SKU inputs of the kernel: n SKUs, T periods."""

    demand: np.ndarray  # float64 (n, T), recorded demand per period [units]
    policy: np.ndarray  # int8 (n,), POLICY_SQ, POLICY_RS, POLICY_RSS or POLICY_RSQ
    lead_time: np.ndarray  # float64 (n,), L [periods], whole >= 0
    review_period: np.ndarray  # float64 (n,), R [periods], whole >= 1 (not read for sQ)


class Plans(NamedTuple):
    """The plans: one per SKU and origin; NaN where a policy does not use a value."""

    origins: np.ndarray  # int64 (K,), increasing period indices
    reorder_point: np.ndarray  # float64 (n, K), s [units]
    order_up_to: np.ndarray  # float64 (n, K), S [units]
    order_quantity: np.ndarray  # float64 (n, K), Q [units]


class Settings(NamedTuple):
    """Scalars of one replay, the same for every SKU."""

    measure_from: int  # first measured period m, 0 <= m < T
    n_batches: int  # B, batches of the standard errors (1 <= B <= T - m)
    record: bool  # write the per-period arrays of Outputs
    even_units: bool  # sQ units at t + j / (d + 1) (True) or at uniform random times
    seed: np.uint64  # sQ units at random times: SKU i uses the random stream (seed, i)


class Outputs(NamedTuple):
    """What the kernel writes (preallocated; NaN where nothing is written)."""

    status: np.ndarray  # uint8 (n,), invsl.vocabulary status code
    metrics: np.ndarray  # float64 (N_METRICS, n), rows named by METRICS
    on_hand: np.ndarray  # float64 (n, T) at period ends (record), else (0, 0)
    backorders: np.ndarray  # float64 (n, T) at period ends (record), else (0, 0)
    filled: np.ndarray  # float64 (n, T), units filled from stock (record), else (0, 0)
    ordered: np.ndarray  # float64 (n, T), quantity ordered (record), else (0, 0)


class Periods(NamedTuple):
    """Per SKU and period (warm-up included), from ``replay(..., record=True)``."""

    on_hand: np.ndarray  # float64 (n, T), on hand at the period end [units]
    backorders: np.ndarray  # float64 (n, T), backorders at the period end [units]
    filled: np.ndarray  # float64 (n, T), units served from stock at once [units]
    ordered: np.ndarray  # float64 (n, T), quantity ordered in the period [units]


class Replay(NamedTuple):
    """The result of :func:`replay`: one entry per SKU (NaN where the status is not ok)."""

    status: np.ndarray  # uint8, invsl.vocabulary status code (OK = 0)
    demand: np.ndarray  # measured demand [units]
    filled: np.ndarray  # units served from stock at once [units]
    fill_rate: np.ndarray  # beta = filled / demand
    cycle_service_level: np.ndarray  # alpha: share of order arrivals without backorders
    ready_rate: np.ndarray  # share of period ends with net stock > 0
    mean_on_hand: np.ndarray  # mean on hand at period ends [units]
    mean_backorders: np.ndarray  # mean backorders at period ends [units]
    gamma: np.ndarray  # 1 - mean_backorders / mean demand
    orders: np.ndarray  # orders placed
    cycles: np.ndarray  # order arrivals counted by alpha
    fill_rate_se: np.ndarray  # batch-means standard errors
    gamma_se: np.ndarray
    cycle_service_level_se: np.ndarray
    ready_rate_se: np.ndarray
    periods: Periods | None  # per SKU and period, with record=True


# ---------------------------------------------------------------------------------------------
# compiled: the kernel over a range of SKUs (the rows in replay_periodic and replay_sq)

#: cost of one period of one SKU in the replay [rows of the (s, Q) normal kernel, the unit of
#: ``scalar.jit.run_rows``]: 15-20 ns (periodic review) to about 100 ns (sQ, whole demand
#: unit by unit, a few units a period) against 0.3 us a row, measured on one thread on 20,000
#: intermittent SKUs x 60 periods
PERIOD_WEIGHT = 0.1


@kernel
def replay_kernel(skus, plans, settings, outputs, start, stop):
    """Replay the SKUs ``start`` .. ``stop - 1``: ``skus`` a :class:`Skus`, ``plans`` a
    :class:`Plans`, ``settings`` a :class:`Settings`; writes ``outputs`` (an
    :class:`Outputs`): the status of each SKU and, for those that are OK, their metrics (and
    per-period arrays if recorded)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    skus, plans, settings, outputs = borrowed((skus, plans, settings, outputs))
    status = outputs.status
    # (i is int64 here, uint64 under the former prange: only an index, and the stream number
    # that sq_row passes to rng.seed_state, which converts it to uint64: the same bits)
    for i in range(start, stop):
        code = check_sku(skus, plans, i)
        if code == OK:
            acc = np.zeros((settings.n_batches, N_SUMS))
            if skus.policy[i] == POLICY_SQ:
                code = sq_row(skus, plans, settings, outputs, i, acc)
            else:
                code = periodic_row(skus, plans, settings, outputs, i, acc)
            if code == OK:
                store(acc, skus.demand.shape[1] - settings.measure_from, outputs.metrics, i)
        status[i] = code


# ---------------------------------------------------------------------------------------------
# the Python entry point


def policy_codes(policy, n: int) -> np.ndarray:
    """Policy codes (int8) of n SKUs from codes or names (``"sQ"``, ``"RS"``, ``"RsS"``,
    ``"RsQ"`` and their spellings in invsl.vocabulary); an unknown name becomes -1, which
    the kernel flags ``unknown_policy``."""
    values = np.asarray(policy)
    if values.dtype.kind in "USO":
        flat = [POLICY_SPELLINGS.get(normalise_name(v), -1) for v in values.ravel()]
        values = np.asarray(flat, dtype=np.int64).reshape(values.shape)
    elif values.dtype.kind not in "iu":
        raise ValueError("policy must be policy codes (integers) or names such as 'RsQ'")
    values = np.broadcast_to(values, (n,))
    return np.where((values >= -128) & (values <= 127), values, -1).astype(np.int8)


def _per_sku(values, n: int, name: str) -> np.ndarray:
    """A float64 value per SKU (a scalar is repeated)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 1 or (array.ndim == 1 and array.shape[0] not in (1, n)):
        raise ValueError(f"{name} must be a scalar or one value per SKU ({n})")
    return np.broadcast_to(array, (n,))


def _per_plan(values, n: int, n_plans: int, name: str) -> np.ndarray:
    """A float64 value per SKU and origin, NaN when not given; a scalar or a vector of one
    value per SKU is the same at every origin."""
    if values is None:
        return np.full((n, n_plans), np.nan)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1 and array.shape[0] == n:
        array = array[:, None]
    try:
        return np.broadcast_to(array, (n, n_plans))
    except ValueError:
        raise ValueError(
            f"{name} must be (n_skus, n_origins) = ({n}, {n_plans}), one value per SKU or a "
            f"scalar; got shape {array.shape}"
        ) from None


def replay(
    demand,
    policy,
    lead_time,
    review_period,
    origins,
    reorder_point=None,
    order_up_to=None,
    order_quantity=None,
    *,
    measure_from: int,
    n_batches: int = 20,
    record: bool = False,
    unit_times: str = "uniform",
    seed: int = 0,
) -> Replay:
    """Replay each SKU's recorded demand through its plans and measure the service achieved.

    Parameters
    ----------
    demand : array_like, (n_skus, T)
        Recorded demand per SKU and period [units/period], >= 0 (whole numbers for SKUs sold
        in units; sQ SKUs with whole demand are replayed unit by unit, others as a flow).
    policy : array_like of int or str, (n_skus,) or scalar
        ``invsl.vocabulary.POLICY_SQ``, ``POLICY_RS``, ``POLICY_RSS``, ``POLICY_RSQ`` or
        their names (``"sQ"``, ``"RS"``, ``"RsS"``, ``"RsQ"``).
    lead_time : array_like, (n_skus,) or scalar
        L [periods], a whole number >= 0.
    review_period : array_like, (n_skus,) or scalar
        R [periods], a whole number >= 1; not read for sQ (continuous review).
    origins : array_like of int, (K,)
        Increasing period indices >= 0 at which a plan takes over; the plan of the last
        origin <= t is in force in period t, the first plan before the first origin.
    reorder_point, order_up_to, order_quantity : array_like, (n_skus, K), optional
        s, S and Q of each SKU's plan at each origin [units]; NaN (or None) where the
        policy does not use one. A vector of n_skus values or a scalar holds at every
        origin.
    measure_from : int
        First measured period m, 0 <= m < T; periods before it are replayed (warm-up), not
        counted.
    n_batches : int, optional
        Batches of the batch-means standard errors (default 20; fewer if fewer periods are
        measured).
    record : bool, optional
        Also return the per-period arrays (:class:`Periods`), default False.
    unit_times : {"uniform", "even"}, optional
        sQ SKUs with whole demand: when within a period its units come, at independent
        uniform times (default, as in invsl.simulate; SKU i uses the random stream
        (seed, i)) or at the evenly spaced times t + j / (d + 1). Not used by other SKUs.
    seed : int, optional
        Seed of the random unit times (0 <= seed < 2**64), default 0.

    Returns
    -------
    Replay
        Per SKU: ``status`` (invsl.vocabulary code, 0 = ok), ``demand``, ``filled``,
        ``fill_rate``, ``cycle_service_level``, ``ready_rate``, ``mean_on_hand``,
        ``mean_backorders``, ``gamma``, ``orders``, ``cycles``, the standard errors
        ``fill_rate_se``, ``gamma_se``, ``cycle_service_level_se``, ``ready_rate_se``, and
        ``periods`` (with ``record=True``). NaN where the status is not ok.

    Raises
    ------
    ValueError
        If the shapes do not fit, ``origins`` is not increasing, or ``measure_from`` or
        ``n_batches`` is out of range. A SKU's bad values give its status, never an error.

    Notes
    -----
    The timeline, the start state, the sQ unit times and the definitions of the metrics are
    those of the module docstring (docs/service-levels.md, "Backtest on a real history").

    Examples
    --------
    Constant demand 10, order up to S = 35 every R = 2 periods, lead time 1: on hand at the
    period ends cycles 5, 15 (the order of 20 placed at each review arrives after one
    period), and every unit is served from stock:

    >>> import numpy as np
    >>> from invsl.tools.backtest.replay import replay
    >>> out = replay(np.full((1, 12), 10.0), "RS", 1, 2, [0], order_up_to=35.0,
    ...              measure_from=4, record=True)
    >>> out.periods.on_hand[0, 4:8].tolist(), float(out.fill_rate[0])
    ([5.0, 15.0, 5.0, 15.0], 1.0)
    """
    demand = np.asarray(demand, dtype=np.float64)
    if demand.ndim != 2:
        raise ValueError(f"demand must be (n_skus, periods); got shape {demand.shape}")
    n, n_t = demand.shape
    origin_array = np.asarray(origins)
    if origin_array.ndim != 1 or origin_array.shape[0] == 0:
        raise ValueError("origins must be a non-empty vector of period indices")
    if origin_array.dtype.kind not in "iu" and not np.array_equal(
        origin_array, np.floor(origin_array)
    ):
        raise ValueError("origins must be whole period indices")
    origin_array = origin_array.astype(np.int64)
    if origin_array[0] < 0 or np.any(np.diff(origin_array) <= 0):
        raise ValueError("origins must be increasing period indices >= 0")
    measure_from = int(measure_from)
    if not 0 <= measure_from < n_t:
        raise ValueError(f"measure_from must lie in [0, {n_t}) (the periods of demand)")
    if int(n_batches) < 1:
        raise ValueError("n_batches must be at least 1")
    if unit_times not in ("uniform", "even"):
        raise ValueError(f"unit_times must be 'uniform' or 'even', not {unit_times!r}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError("seed must be an integer in [0, 2**64)")
    n_plans = origin_array.shape[0]
    skus = Skus(
        demand=readonly(demand),
        policy=readonly(policy_codes(policy, n)),
        lead_time=readonly(_per_sku(lead_time, n, "lead_time")),
        review_period=readonly(_per_sku(review_period, n, "review_period")),
    )
    plans = Plans(
        origins=readonly(origin_array),
        reorder_point=readonly(_per_plan(reorder_point, n, n_plans, "reorder_point")),
        order_up_to=readonly(_per_plan(order_up_to, n, n_plans, "order_up_to")),
        order_quantity=readonly(_per_plan(order_quantity, n, n_plans, "order_quantity")),
    )
    settings = Settings(
        measure_from=measure_from,
        n_batches=min(int(n_batches), n_t - measure_from),
        record=bool(record),
        even_units=unit_times == "even",
        seed=np.uint64(int(seed)),
    )
    shape = (n, n_t) if record else (0, 0)
    outputs = Outputs(
        status=np.zeros(n, dtype=np.uint8),
        metrics=np.full((N_METRICS, n), np.nan),
        on_hand=np.full(shape, np.nan),
        backorders=np.full(shape, np.nan),
        filled=np.full(shape, np.nan),
        ordered=np.full(shape, np.nan),
    )
    run_rows(replay_kernel, n, PERIOD_WEIGHT * n_t, skus, plans, settings, outputs)
    metrics = dict(zip(METRICS, outputs.metrics))
    periods = (
        Periods(outputs.on_hand, outputs.backorders, outputs.filled, outputs.ordered)
        if record
        else None
    )
    return Replay(status=outputs.status, periods=periods, **metrics)
