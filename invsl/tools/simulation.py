"""Simulation of the real inventory system, one SKU per row: check a policy before rollout.

:func:`simulate` runs each row's policy period by period (continuous review: event by event,
or in sub-period steps) with the review and arrival timing of the contract
(docs/service-levels.md, "General definitions" and "Periodic review"), measures every service
level straight from its general definition, and attaches a 95% confidence half-width to each
by batch means. docs/simulate.md explains what is simulated and how to use it.

Rows run in parallel (``prange``); each row has its own random stream derived from ``seed``
and the row's position, so the result is the same for any number of threads. A row that
cannot be simulated gets a ``status`` and a ``message``; the other rows are simulated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from invsl.scalar import rng as _rng
from invsl.api import frame as _frame
from invsl.scalar.jit import parallel_kernel, prange, scalar
from invsl.vocabulary import (
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    MISSING,
    BAD_HISTORY,
    COMPOUND_POISSON_VARIANCE,
    FRACTIONAL_LEAD_TIME,
    NEGBIN_VARIANCE,
    NO_HISTORY,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_INTEGER,
    NO_ORDER_CYCLES,
    OK,
    PERIODIC_LEAD_TIME,
    RANDOM_LEAD_TIME,
    PMF_TOO_LARGE,
    SIM_CAPACITY,
    SIMULATE_STATUS,
    STATUS,
    UNKNOWN_POLICY,
    ZERO_DEMAND,
)
from invsl.engine.validate import _codes, validate

# policy codes (the ``policy`` column)
SQ = 0
RS = 1
RSS = 2
RSQ = 3
POLICY_NAMES = ("sQ", "RS", "RsS", "RsQ")
_POLICY_CODES = {name.lower(): code for code, name in enumerate(POLICY_NAMES)}
_POLICY_CODES.update(
    {
        "s,q": SQ,
        "(s,q)": SQ,
        "r,s": RS,
        "(r,s)": RS,
        "r,s,s": RSS,
        "(r,s,s)": RSS,
        "min/max": RSS,
        "minmax": RSS,
        "r,s,nq": RSQ,
        "(r,s,nq)": RSQ,
    }
)

# per-period demand distributions of the simulator (the ``distribution`` column)
NORMAL = 0
GAMMA = 1
POISSON = 2
NEGBIN = 3
DETERMINISTIC = 4
EMPIRICAL = 5
COMPOUND_POISSON = 6
DISTRIBUTION_NAMES = (
    "normal",
    "gamma",
    "poisson",
    "negbin",
    "deterministic",
    "empirical",
    "compound_poisson",
)
_DISTRIBUTION_CODES = {name: code for code, name in enumerate(DISTRIBUTION_NAMES)}

#: metric columns, in order; each gets a ``<name>_ci`` half-width column
METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")
#: output columns added to the input, in order
OUTPUT_COLUMNS = (*METRICS, *(f"{m}_ci" for m in METRICS), "status", "message")

#: every status the simulator reports (evaluate's, then its own) and the categories of the
#: ``status`` column; code -> category position
_ALL_STATUS = {**STATUS, **SIMULATE_STATUS}
STATUS_NAMES = list(dict.fromkeys(_ALL_STATUS[code][0] for code in sorted(_ALL_STATUS)))
_CATEGORY = np.full(256, -1, dtype=np.int16)
for _code, (_name, _) in _ALL_STATUS.items():
    _CATEGORY[_code] = STATUS_NAMES.index(_name)

#: accumulator columns per batch
_CYCLES, _GOOD, _DEMAND, _SHORT, _BACK, _ONHAND, _READY, _SAMPLES = range(8)
_N_ACC = 8

#: continuous review: more events (orders, arrivals) than this in one step flag the row
_MAX_EVENTS_PER_STEP = 100_000

#: largest number of sub-period steps chosen automatically for continuous review
MAX_AUTO_SUBSTEPS = 16


# ---------------------------------------------------------------------------------------------
# compiled core


@scalar
def _empirical(state, counts):
    """A draw from a history pmf given by cumulative period counts ``counts`` (counts[k]:
    periods with demand <= k; the last entry is the number of periods): a uniformly chosen
    period m, and the smallest k with counts[k] > m (binary search; exact integers)."""
    top = counts.shape[0] - 1
    m = math.floor(_rng.uniform(state) * counts[top])
    lo = 0
    hi = top
    while lo < hi:
        mid = (lo + hi) >> 1
        if counts[mid] > m:
            hi = mid
        else:
            lo = mid + 1
    return float(lo)


@scalar
def _stuttering(state, spare, rate, q):
    """Stuttering Poisson demand of one period: N ~ Poisson(rate) customers with geometric
    sizes on {1, 2, ...} of ratio q; their sum is N + NegBin(N, 1 - q) failures."""
    n = _rng.poisson(state, rate)
    if n == 0.0 or q <= 0.0:
        return n
    return n + _rng.negbin(state, spare, n, 1.0 - q)


@scalar
def _geometric(state, q):
    """Geometric size on {1, 2, ...} with P(K > k) = q^k (inversion)."""
    if q <= 0.0:
        return 1.0
    return 1.0 + math.floor(math.log(_rng.uniform(state)) / math.log(q))


@scalar
def _draw_period(state, spare, dist, mean, sd, p1, p2, counts):
    """One period's demand under any distribution (``counts``: cumulative history counts of
    empirical demand, see ``_empirical``)."""
    if dist == EMPIRICAL:
        return _empirical(state, counts)
    if dist == COMPOUND_POISSON:
        return _stuttering(state, spare, p1, p2)
    return _draw(state, spare, dist, mean, sd, p1, p2)


@scalar
def _draw(state, spare, dist, mean, sd, p1, p2):
    """One demand amount of a period or step with the given mean and sd (p1, p2: fitted)."""
    if dist == NORMAL:
        return mean + sd * _rng.normal(state, spare)
    if dist == GAMMA:
        return _rng.gamma(state, spare, p1, p2)
    if dist == POISSON:
        return _rng.poisson(state, mean)
    if dist == NEGBIN:
        return _rng.negbin(state, spare, p1, p2)
    return mean


@scalar
def _fit_step(dist, mean, sd):
    """Parameters (p1, p2) of one period's or step's demand: gamma (shape, scale), negbin
    (size, success probability); unused otherwise."""
    if dist == GAMMA:
        var = sd * sd
        return mean * mean / var, var / mean
    if dist == NEGBIN:
        var = sd * sd
        return mean * mean / (var - mean), mean / var
    if dist == COMPOUND_POISSON:  # (order rate, geometric ratio), as invsl.kernels.pmf
        m = 0.5 * (sd * sd / mean + 1.0)
        return mean / m, max(1.0 - 1.0 / m, 0.0)
    return 0.0, 0.0


@scalar
def _flush(acc, b, cycles, good, demand, short, back, onhand, ready, samples):
    """Write the sums of batch b."""
    acc[b, _CYCLES] = cycles
    acc[b, _GOOD] = good
    acc[b, _DEMAND] = demand
    acc[b, _SHORT] = short
    acc[b, _BACK] = back
    acc[b, _ONHAND] = onhand
    acc[b, _READY] = ready
    acc[b, _SAMPLES] = samples


@scalar
def _periodic_row(
    state,
    spare,
    policy,
    dist,
    mu,
    sigma,
    lead,
    review,
    s,
    q,
    big_s,
    clip,
    warmup,
    periods,
    acc,
    counts,
):
    """Periodic review (RS, RsS, RsQ), period by period. Returns a status code.

    Timing (contract, "Periodic review"): at the start of period t the orders due arrive;
    then, if t is a review period, the inventory position IP is reviewed and an order placed,
    arriving at the start of period t + L before that period's demand (L = 0: at once); then
    the period's demand is met from stock on hand or backordered; net stock is observed at
    the end of the period.
    """
    n_batches = acc.shape[0]
    p1, p2 = _fit_step(dist, mu, sigma)
    start = big_s if policy != RSQ else s + q
    net = start
    ip = start
    pipe = np.zeros(lead + 1)
    due = np.zeros(lead + 1, dtype=np.bool_)
    total = warmup + periods
    # counters instead of divisions in the loop: slot = t % (L + 1), countdown to the next
    # review; batch b covers the measured periods [b P / B, (b + 1) P / B). The sums of the
    # current batch are kept in local variables and written to acc when the batch ends.
    slot = 0
    countdown = 0
    b = -1
    cut = warmup
    t_start = warmup
    cycles = good = demand = short = back = onhand = ready = 0.0
    for t in range(total):
        if t == cut:
            if b >= 0:
                _flush(acc, b, cycles, good, demand, short, back, onhand, ready, cut - t_start)
            cycles = good = demand = short = back = onhand = ready = 0.0
            b += 1
            t_start = t
            cut = warmup + (b + 1) * periods // n_batches
        if lead > 0 and due[slot]:
            cycles += 1.0
            if net >= 0.0:
                good += 1.0
            net += pipe[slot]
            pipe[slot] = 0.0
            due[slot] = False
        if countdown == 0:
            countdown = review
            order = 0.0
            if policy == RS:
                order = max(big_s - ip, 0.0)
            elif ip <= s:
                if policy == RSS:
                    order = big_s - ip
                else:
                    order = (math.floor((s - ip) / q) + 1.0) * q
            if order > 0.0 or policy == RS:
                ip += order
                if lead == 0:
                    cycles += 1.0
                    if net >= 0.0:
                        good += 1.0
                    net += order
                else:
                    arrive = slot - 1 if slot > 0 else lead  # (t + L) % (L + 1)
                    pipe[arrive] = order
                    due[arrive] = True
        d = _draw_period(state, spare, dist, mu, sigma, p1, p2, counts)
        if clip and d < 0.0:
            d = 0.0
        demand += d
        if d > 0.0:
            short += d - min(d, max(net, 0.0))
        net -= d
        ip -= d
        if net < 0.0:
            back -= net
        else:
            onhand += net
            if net > 0.0:
                ready += 1.0
        countdown -= 1
        slot = slot + 1 if slot < lead else 0
    _flush(acc, b, cycles, good, demand, short, back, onhand, ready, total - t_start)
    return OK


@scalar
def _capacity(mu, lead, q):
    """Ring-buffer size for outstanding continuous-review orders (a power of two)."""
    need = mu * lead / q
    need = 4.0 * need + 10.0 * math.sqrt(need) + 64.0
    cap = 64
    while cap < need and cap < (1 << 26):
        cap *= 2
    return cap


@scalar
def _count_arrival(acc, b, net):
    """An order arrives in batch b with net stock ``net`` just before: one cycle, good if
    net >= 0 (alpha)."""
    acc[b, _CYCLES] += 1.0
    if net >= 0.0:
        acc[b, _GOOD] += 1.0


@scalar
def _observe(acc, b, net, dt):
    """Net stock ``net`` held for ``dt`` (a step observed once: dt = 1) in batch b."""
    if net < 0.0:
        acc[b, _BACK] -= net * dt
    else:
        acc[b, _ONHAND] += net * dt
        if net > 0.0:
            acc[b, _READY] += dt


@scalar
def _batch_at(k, first, steps, n_batches, measured, b, cut):
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
def _sq_fluid_row(state, spare, dist, mu, sigma, lead, s, q, clip, warmup, periods, substeps, acc):
    """Continuous review (s, Q), continuous demand, in steps of 1/substeps period.

    Each step's demand is drawn from the step distribution (mean mu h, variance sigma^2 h)
    and flows at a constant rate through the step. The order of Q is placed at the exact
    instant the inventory position reaches s and arrives L periods later, possibly inside a
    step. The position never drops below s, but the rest of the crossing step's demand
    follows the order: the undershoot of a lump (docs/simulate.md). Net stock is observed at step ends. Returns a status code.
    """
    n_batches = acc.shape[0]
    h = 1.0 / substeps
    mean = mu * h
    sd = sigma * math.sqrt(h)
    p1, p2 = _fit_step(dist, mean, sd)
    cap = _capacity(mu, lead, q)
    mask = cap - 1
    times = np.empty(cap)
    head = 0
    count = 0
    net = s + q
    ip = s + q
    n_steps = periods * substeps
    total = (warmup + periods) * substeps
    first = warmup * substeps
    measured = False
    b = 0
    cut = first + n_steps // n_batches
    for k in range(total):
        measured, b, cut = _batch_at(k, first, n_steps, n_batches, measured, b, cut)
        t1 = (k + 1) * h
        cur = k * h
        d = _draw(state, spare, dist, mean, sd, p1, p2)
        if clip and d < 0.0:
            d = 0.0
        rate = d / h
        events = 0
        while True:
            events += 1
            if events > _MAX_EVENTS_PER_STEP:
                return SIM_CAPACITY
            ta = times[head] if count > 0 else np.inf
            tc = cur + (ip - s) / rate if rate > 0.0 else np.inf
            te = t1
            event = 0
            if ta < te:
                te = ta
                event = 1
            if tc < te:
                te = tc
                event = 2
            amount = ip - s if event == 2 else rate * (te - cur)
            if measured:
                acc[b, _DEMAND] += amount
                if amount > 0.0:
                    acc[b, _SHORT] += amount - min(amount, max(net, 0.0))
            net -= amount
            ip -= amount
            cur = te
            if event == 0:
                break
            if event == 1:
                if measured:
                    _count_arrival(acc, b, net)
                net += q
                head = (head + 1) & mask
                count -= 1
            else:
                ip = s + q
                if count == cap:
                    return SIM_CAPACITY
                times[(head + count) & mask] = te + lead
                count += 1
        if measured:
            _observe(acc, b, net, 1.0)
            acc[b, _SAMPLES] += 1.0
    return OK


@scalar
def _sq_event_row(state, dist, mu, sigma, lead, s, q, warmup, periods, substeps, acc):
    """Continuous review (s, Q), integer demand, event by event in continuous time.

    poisson: customers arrive as a Poisson process of rate mu per period and take one unit
    each. negbin: customers arrive at rate -r log(p) per period and take a logarithmic-series
    number of units (parameter 1 - p), so that the demand of any interval of length n is
    negative binomial (r n, p), the contract's per-period fit. compound_poisson: customers
    arrive at the order rate r per period and take a geometric number of units on {1, 2, ...}
    (ratio q; the stuttering Poisson of invsl.kernels.pmf). A customer whose demand takes
    the inventory position to or below s triggers the smallest multiple of Q that lifts it
    above s (with unit demand: exactly Q at IP = s). Net stock is observed at step ends.
    """
    n_batches = acc.shape[0]
    h = 1.0 / substeps
    unit = dist == POISSON
    compound = dist == COMPOUND_POISSON
    rate = mu
    log_q = 0.0
    if compound:
        rate, log_q = _fit_step(dist, mu, sigma)
    elif not unit:
        var = sigma * sigma
        r = mu * mu / (var - mu)
        p = mu / var
        rate = -r * math.log(p)
        log_q = 1.0 - p
    cap = _capacity(mu, lead, q)
    mask = cap - 1
    times = np.empty(cap)
    sizes = np.empty(cap)
    head = 0
    count = 0
    net = s + q
    ip = s + q
    n_steps = periods * substeps
    total = (warmup + periods) * substeps
    first = warmup * substeps
    next_customer = _rng.exponential(state) / rate
    measured = False
    b = 0
    cut = first + n_steps // n_batches
    for k in range(total):
        measured, b, cut = _batch_at(k, first, n_steps, n_batches, measured, b, cut)
        t1 = (k + 1) * h
        while True:
            ta = times[head] if count > 0 else np.inf
            if ta >= t1 and next_customer >= t1:
                break
            if ta <= next_customer:
                if measured:
                    _count_arrival(acc, b, net)
                net += sizes[head]
                head = (head + 1) & mask
                count -= 1
                continue
            if unit:
                y = 1.0
            elif compound:
                y = _geometric(state, log_q)
            else:
                y = _rng.logseries(state, log_q)
            if measured:
                acc[b, _DEMAND] += y
                acc[b, _SHORT] += y - min(y, max(net, 0.0))
            net -= y
            ip -= y
            if ip <= s:
                order = (math.floor((s - ip) / q) + 1.0) * q
                ip += order
                if count == cap:
                    return SIM_CAPACITY
                times[(head + count) & mask] = next_customer + lead
                sizes[(head + count) & mask] = order
                count += 1
            next_customer += _rng.exponential(state) / rate
        if measured:
            _observe(acc, b, net, 1.0)
            acc[b, _SAMPLES] += 1.0
    return OK


@scalar
def _sq_units_row(state, mu, lead, s, q, warmup, periods, acc, counts):
    """Continuous review (s, Q), ``empirical`` demand: units spread over each period.

    Each period k draws its demand d from the history (``counts``, see ``_empirical``); its d
    units arrive one at a time at independent uniform times in [k, k + 1) (drawn in order:
    the next of m remaining units after time x comes at x + (k + 1 - x)(1 - V^(1/m))). The
    unit that takes the inventory position to s triggers an order of Q, which arrives exactly
    L periods later. Net stock is integrated over time between events, so E[B], the ready
    rate and on-hand are exact time averages (the process is periodic within a period, a
    grid of period ends would not do). Returns a status code.
    """
    n_batches = acc.shape[0]
    top = counts.shape[0] - 1  # the largest demand of a period in the history
    cap = _capacity(mu + top / max(lead, 1.0), lead, q)
    mask = cap - 1
    times = np.empty(cap)
    head = 0
    count = 0
    net = s + q
    ip = s + q
    total = warmup + periods
    measured = False
    b = 0
    cut = warmup + periods // n_batches
    for k in range(total):
        measured, b, cut = _batch_at(k, warmup, periods, n_batches, measured, b, cut)
        end = k + 1.0
        left = int(_empirical(state, counts))
        cur = float(k)
        unit = cur + (end - cur) * (1.0 - _rng.uniform(state) ** (1.0 / left)) if left else np.inf
        while True:
            ta = times[head] if count > 0 else np.inf
            te = min(ta, unit)
            if te >= end and left == 0:
                te = end
            if measured and te > cur:
                _observe(acc, b, net, te - cur)
            cur = te
            if te == end and left == 0:
                break
            if ta <= unit:  # an arrival (before a unit at the same instant)
                if measured:
                    _count_arrival(acc, b, net)
                net += q
                head = (head + 1) & mask
                count -= 1
                continue
            if measured:
                acc[b, _DEMAND] += 1.0
                if net < 1.0:
                    acc[b, _SHORT] += 1.0
            net -= 1.0
            ip -= 1.0
            if ip <= s:
                ip += q
                if count == cap:
                    return SIM_CAPACITY
                times[(head + count) & mask] = te + lead
                count += 1
            left -= 1
            if left > 0:
                unit = te + (end - te) * (1.0 - _rng.uniform(state) ** (1.0 / left))
            else:
                unit = np.inf
        if measured:
            acc[b, _SAMPLES] += 1.0
    return OK


@scalar
def _ratio(acc, num, den, t_quantile):
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
    ``counts[counts_start[i] : counts_start[i] + counts_length[i]]`` (see ``_empirical``).
    """
    n = status.shape[0]
    for i in prange(n):
        if status[i] != OK:
            continue
        state = np.empty(4, dtype=np.uint64)
        _rng.seed_state(state, seed, i)
        spare = np.zeros(2)
        acc = np.zeros((n_batches, _N_ACC))
        mu = demand_mean[i]
        pol = policy[i]
        if pol == SQ and dist[i] == EMPIRICAL:
            code = _sq_units_row(
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
                code = _sq_event_row(
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
                code = _sq_fluid_row(
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
            code = _periodic_row(
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
        a, a_ci = _ratio(acc, _GOOD, _CYCLES, t_quantile)
        served, b_ci = _ratio(acc, _SHORT, _DEMAND, t_quantile)
        eb, eb_ci = _ratio(acc, _BACK, _SAMPLES, t_quantile)
        rr, rr_ci = _ratio(acc, _READY, _SAMPLES, t_quantile)
        oh, oh_ci = _ratio(acc, _ONHAND, _SAMPLES, t_quantile)
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


# ---------------------------------------------------------------------------------------------
# Python layer

#: extra input columns of the simulator: name -> (aliases)
_EXTRA_COLUMNS = {
    "policy": ("policy_type", "inventory_policy"),
    "review_period": ("review", "r", "review_interval"),
    "order_up_to": ("s_max", "max_level", "order_up_to_level", "max_stock"),
}


def _resolve_extra(df: pd.DataFrame, columns: Mapping[str, str]) -> dict[str, str]:
    by_normal: dict[str, str] = {}
    for col in df.columns:
        by_normal.setdefault(_frame._normalise(col), col)
    found = {}
    for name, aliases in _EXTRA_COLUMNS.items():
        if name in columns:
            if columns[name] not in df.columns:
                raise _frame.InputError(
                    f"column {columns[name]!r} (given for {name}) is not in the input"
                )
            found[name] = columns[name]
            continue
        for candidate in (name, *aliases):
            if candidate in by_normal:
                found[name] = by_normal[candidate]
                break
    return found


def _auto_substeps(lead_time: np.ndarray) -> np.ndarray:
    """Smallest m <= MAX_AUTO_SUBSTEPS with m * lead_time whole; MAX_AUTO_SUBSTEPS if none."""
    m = np.full(lead_time.shape, MAX_AUTO_SUBSTEPS, dtype=np.int64)
    done = np.zeros(lead_time.shape, dtype=bool)
    finite = np.isfinite(lead_time)
    for k in range(1, MAX_AUTO_SUBSTEPS + 1):
        x = k * np.where(finite, lead_time, 0.0)
        whole = finite & (np.abs(x - np.round(x)) <= 1e-9 * np.maximum(1.0, x)) & ~done
        m[whole] = k
        done |= whole
    return m


def simulate(
    df: pd.DataFrame,
    *,
    periods: int = 20_000,
    seed: int = 0,
    warmup: int | None = None,
    n_batches: int = 20,
    substeps: int | None = None,
    policy: str = "sQ",
    review_period: int = 1,
    distribution: str = "normal",
    negative_demand: str = "return",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    history: pd.DataFrame | None = None,
    history_options: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Simulate each SKU's inventory policy and measure its service levels.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU: ``demand_mean`` and ``demand_std`` [units/period], ``lead_time``
        [periods] and, depending on the policy, ``reorder_point``, ``order_quantity``,
        ``order_up_to`` [units]; optionally ``policy`` (``sQ``, ``RS``, ``RsS``, ``RsQ``),
        ``review_period`` [periods], ``distribution`` (``normal``, ``gamma``, ``poisson``,
        ``negbin``, ``deterministic``, ``empirical``, ``compound_poisson``) and
        ``lead_time_std`` (must be 0: the simulated lead time is fixed). ``empirical`` rows
        need a ``sku`` column matching ``history``. Other columns are passed through
        untouched.

        ============  =========================================================
        policy        columns used
        ============  =========================================================
        ``sQ``        reorder_point s, order_quantity Q (continuous review)
        ``RS``        order_up_to S, review_period R
        ``RsS``       reorder_point s, order_up_to S > s, review_period R
        ``RsQ``       reorder_point s, order_quantity Q, review_period R
        ============  =========================================================
    periods : int, optional
        Periods simulated per SKU after the warm-up [periods], default 20,000.
    seed : int, optional
        Seed (0 <= seed < 2**64). Row i uses the stream (seed, i): same seed and same row
        positions give identical results, for any number of threads.
    warmup : int, optional
        Periods simulated before measuring [periods]. Default per row:
        ``10 * (L + R + cycle) + 100`` with cycle = Q/mu, (S - s)/mu or R.
    n_batches : int, optional
        Number of batches for the batch-means confidence intervals, default 20.
    substeps : int, optional
        Steps per period for continuous review (``sQ``). Default per row: the smallest m <= 16
        with m * lead_time whole (16 if there is none).
    policy, review_period, distribution : optional
        Values for rows without them (defaults ``sQ``, 1, ``normal``).
    lead_time_std : float, optional
        Lead-time standard deviation for rows without one [periods], default 0. The
        simulator's lead time is fixed: rows with a value above 0 are flagged
        ``random_lead_time``, not simulated.
    negative_demand : {"return", "zero"}, optional
        What a negative normal draw means: units returned to stock (default; the normal model
        of the formulas), or zero demand.
    columns : mapping, optional
        Canonical name -> column name in ``df``.
    history : pandas.DataFrame, optional
        Demand history (one row per SKU and period), needed by ``empirical`` rows: each
        simulated period's demand is the demand of a uniformly chosen period of the SKU's
        history (``sQ``: its units at uniform times within the period) (its ``demand_mean`` and ``demand_std`` are taken from it, as in
        :func:`invsl.evaluate`). ``compound_poisson`` rows draw Poisson(r) customers of
        geometric size (docs/history.md) and need no history.
    history_options : mapping, optional
        Column names and reading of ``history`` (keys ``sku``, ``period``, ``demand``,
        ``missing``), as for :func:`invsl.evaluate`.

    Returns
    -------
    pandas.DataFrame
        The input columns, then ``alpha``, ``beta``, ``gamma``, ``ready_rate``,
        ``expected_backorders``, ``expected_on_hand``, their 95% confidence half-widths
        ``alpha_ci`` ... ``expected_on_hand_ci``, ``status`` and ``message``.

    Raises
    ------
    InputError
        If a column that some row needs is missing, or an argument is invalid.

    Notes
    -----
    Every metric is measured from the contract's general definitions:

    - alpha = (order arrivals with net stock >= 0 just before) / (order arrivals); for RS
      every review counts (also one that orders nothing), as in alpha = F_{L+R}(S);
    - beta = 1 - (demand not served from stock at once) / (demand);
    - E[B], ready rate (net stock > 0) and on-hand are averages over period ends (periodic
      review), step ends (continuous review) or time (continuous review with ``empirical``
      demand); gamma = 1 - E[B] / mu.

    ``sQ`` is continuous review (the order at the moment the position reaches s), not daily
    review. With lumpy demand (negbin customers, normal and gamma steps) its alpha and beta
    include the undershoot of the lump that crosses s, so they confirm the (s, Q) formulas
    only for Poisson unit demand; docs/simulate.md lists which formula agrees in which case.
    With ``empirical`` demand the units of each period arrive one at a time at independent
    uniform times within the period (exactly the (s, Q) model when the pmf is Poisson, an
    approximation otherwise).

    Half-widths are t_{0.975, B-1} times the batch-means standard error of B consecutive
    batches (ratio metrics by the delta method). See docs/simulate.md.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [10.0], "demand_std": [0.0], "lead_time": [1],
    ...                    "order_up_to": [25.0], "policy": ["RS"], "review_period": [2],
    ...                    "distribution": ["deterministic"]})
    >>> out = invsl.simulate(df, periods=1000)
    >>> float(out["beta"].iloc[0]), float(out["expected_backorders"].iloc[0])
    (0.75, 2.5)
    """
    if not isinstance(df, pd.DataFrame):
        raise _frame.InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    periods = int(periods)
    n_batches = int(n_batches)
    if n_batches < 2:
        raise _frame.InputError("n_batches must be at least 2")
    if periods < n_batches:
        raise _frame.InputError(f"periods must be at least n_batches ({n_batches})")
    if not 0 <= int(seed) < 2**64:
        raise _frame.InputError("seed must be an integer in [0, 2**64)")
    if negative_demand not in ("return", "zero"):
        raise _frame.InputError("negative_demand must be 'return' or 'zero'")
    if warmup is not None and int(warmup) < 0:
        raise _frame.InputError("warmup must be >= 0")
    if substeps is not None and int(substeps) < 1:
        raise _frame.InputError("substeps must be >= 1")
    columns = dict(columns or {})
    core = {k: v for k, v in columns.items() if k in _frame.INPUT_COLUMNS}
    unknown = set(columns) - set(core) - set(_EXTRA_COLUMNS)
    if unknown:
        raise _frame.InputError(f"columns= maps unknown names {sorted(unknown)}")
    found = _frame._resolve_columns(
        df, core, _frame._required(["demand_mean", "demand_std", "lead_time"], history)
    )
    found.update(_resolve_extra(df, columns))
    n = len(df)
    raw = {name: df[col] for name, col in found.items()}

    # per-row policy and distribution codes (empty cells take the defaults)
    pcodes = _codes(
        raw["policy"] if "policy" in raw else policy, _POLICY_CODES, str(policy).lower()
    )
    pcodes = np.broadcast_to(pcodes, (n,)).astype(np.int8)
    dcodes = _codes(
        raw["distribution"] if "distribution" in raw else distribution,
        _DISTRIBUTION_CODES,
        distribution,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)

    numbers = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = np.full(n, "", dtype=object)
    for name in (
        "demand_mean",
        "demand_std",
        "lead_time",
        "lead_time_std",
        "order_quantity",
        "reorder_point",
        "order_up_to",
        "review_period",
    ):
        if name in raw:
            values, text = _frame._numeric(raw[name])
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
        else:
            values = np.full(n, np.nan)
        numbers[name] = values
    numbers["lead_time_std"] = np.where(
        np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
    )
    numbers["review_period"] = np.where(
        np.isnan(numbers["review_period"]), float(review_period), numbers["review_period"]
    )

    # which columns each row needs
    uses_s = (pcodes == SQ) | (pcodes == RSS) | (pcodes == RSQ)
    uses_q = (pcodes == SQ) | (pcodes == RSQ)
    uses_big_s = (pcodes == RS) | (pcodes == RSS)
    for name, needed in (
        ("reorder_point", uses_s),
        ("order_quantity", uses_q),
        ("order_up_to", uses_big_s),
    ):
        if name not in raw and needed.any():
            kinds = sorted({POLICY_NAMES[c] for c in pcodes[needed]})
            raise _frame.InputError(
                f"missing column {name}, needed by the {', '.join(kinds)} rows; "
                f"from Python map it with columns={{'{name}': 'your_name'}}"
            )

    # core checks (shared with evaluate): fill the columns a row does not use with harmless
    # values so that they are not reported
    # demand from history (invsl.kernels.pmf): empirical rows take demand_mean, demand_std and the
    # per-period pmf from the history, as in invsl.evaluate
    from invsl.engine import history_rows as _pmf_frame
    from invsl.kernels import pmf

    history_dist = (dcodes == EMPIRICAL) | (dcodes == COMPOUND_POISSON)
    pmf_ctx = _pmf_frame.prepare(
        df,
        np.select(
            [dcodes == EMPIRICAL, dcodes == COMPOUND_POISSON],
            [pmf.EMPIRICAL, pmf.COMPOUND_POISSON],
            -1,
        ),
        numbers,
        history,
        history_options,
    )
    integer = (dcodes == POISSON) | (dcodes == NEGBIN) | history_dist
    deterministic = dcodes == DETERMINISTIC
    q_check = np.where(uses_q, numbers["order_quantity"], 1.0)
    s_check = np.where(uses_s, numbers["reorder_point"], 0.0)
    # history distributions are checked as an integer distribution with a demand_std
    core_dist = np.where(deterministic, NORMAL, np.where(history_dist, NEGBIN, dcodes))
    core_dist = core_dist.astype(np.int8)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=np.where(deterministic, 0.0, numbers["demand_std"]),
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=q_check,
        distribution=core_dist,
        reorder_point=s_check,
    )

    def flag(mask, code, name):
        mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name

    big_s = numbers["order_up_to"]
    review = numbers["review_period"]
    periodic = pcodes != SQ
    flag(uses_big_s & np.isnan(big_s), MISSING, "order_up_to")
    flag(uses_big_s & np.isinf(big_s), NOT_FINITE, "order_up_to")
    flag(integer & uses_big_s & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    flag((pcodes == RSS) & ~(big_s > numbers["reorder_point"]), BAD_ORDER_UP_TO, "order_up_to")
    flag(
        periodic & ~((review >= 1) & (review == np.floor(review)) & np.isfinite(review)),
        BAD_REVIEW_PERIOD,
        "review_period",
    )
    lead = numbers["lead_time"]
    flag(periodic & (lead != np.floor(lead)), PERIODIC_LEAD_TIME, "lead_time")
    flag(numbers["lead_time_std"] > 0, RANDOM_LEAD_TIME, "lead_time_std")
    flag(
        (dcodes == NEGBIN) & ~(numbers["demand_std"] ** 2 > numbers["demand_mean"]),
        NEGBIN_VARIANCE,
        "demand_std",
    )
    if pmf_ctx is not None:
        for code in (NO_HISTORY, BAD_HISTORY):
            flag(pmf_ctx.no_history == code, code, "")
        mean, var = numbers["demand_mean"], numbers["demand_std"] ** 2
        compound = dcodes == COMPOUND_POISSON
        flag(compound & (var < mean * (1.0 - 1e-12)), COMPOUND_POISSON_VARIANCE, "demand_std")
        flag((dcodes == EMPIRICAL) & (lead != np.floor(lead)), FRACTIONAL_LEAD_TIME, "lead_time")
    # the policy decides which columns matter: an unknown policy is reported first
    bad_policy = pcodes < 0
    status[bad_policy] = UNKNOWN_POLICY
    field[bad_policy] = "policy"
    status[text_mask] = NOT_A_NUMBER
    field[text_mask] = text_field[text_mask]
    ok = status == OK

    # normal/gamma with sd 0 are deterministic
    sim_dist = np.where(
        (dcodes == NORMAL) | (dcodes == GAMMA),
        np.where(numbers["demand_std"] == 0, DETERMINISTIC, dcodes),
        dcodes,
    ).astype(np.int8)
    mu = numbers["demand_mean"]
    review_int = np.where(ok & periodic, review, 1).astype(np.int64)
    lead_clean = np.where(ok, lead, 0.0)
    if substeps is None:
        steps = np.where(ok & ~periodic & ~integer, _auto_substeps(lead_clean), 1)
    else:
        steps = np.full(n, int(substeps))
    steps = steps.astype(np.int64)
    if warmup is None:
        with np.errstate(all="ignore"):
            cycle = np.select(
                [pcodes == RS, pcodes == RSS],
                [review, (big_s - numbers["reorder_point"]) / mu],
                numbers["order_quantity"] / mu,
            )
            w = 10.0 * (lead + np.where(periodic, review, 0.0) + cycle) + 100.0
        w = np.where(ok & np.isfinite(w), np.minimum(np.ceil(w), 1e9), 0.0)
        warm = w.astype(np.int64)
    else:
        warm = np.full(n, int(warmup), dtype=np.int64)

    counts, counts_start, counts_length = _history_counts(pmf_ctx, dcodes == EMPIRICAL, status)
    ok = status == OK

    out = np.full((2 * len(METRICS), n), np.nan)
    from scipy import special  # scipy.stats would cost 0.4 s at import

    t_quantile = float(special.stdtrit(n_batches - 1, 0.975))

    def clean(values, fill):
        return np.where(ok, values, fill).astype(np.float64)

    simulate_kernel(
        pcodes,
        sim_dist,
        clean(mu, 1.0),
        clean(numbers["demand_std"], 1.0),
        clean(lead, 0.0),
        review_int,
        clean(numbers["reorder_point"], 0.0),
        clean(numbers["order_quantity"], 1.0),
        clean(big_s, 1.0),
        warm,
        steps,
        negative_demand == "zero",
        periods,
        n_batches,
        np.uint64(int(seed)),
        t_quantile,
        status,
        out,
        counts,
        counts_start,
        counts_length,
    )

    result = df.copy(deep=False)
    for j, name in enumerate(METRICS):
        result[name] = out[j]
    for j, name in enumerate(METRICS):
        result[f"{name}_ci"] = out[len(METRICS) + j]
    result["status"] = pd.Categorical.from_codes(
        _CATEGORY[status], categories=pd.Index(STATUS_NAMES)
    )
    result["message"] = pd.Series(
        _frame._messages(
            status,
            field,
            raw,
            texts=_ALL_STATUS,
            plain=(ZERO_DEMAND, NO_ORDER_CYCLES, SIM_CAPACITY),
        ),
        index=df.index,
        dtype=object,
    )
    return result


def _history_counts(ctx, empirical: np.ndarray, status: np.ndarray):
    """Cumulative period counts of each empirical row's history (flat float64 array, start
    and length per row; see ``_empirical``). Rows whose pmf would be too long get
    PMF_TOO_LARGE in ``status``."""
    n = status.shape[0]
    start = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    rows = empirical & (status == OK)
    if ctx is None or not rows.any():
        return np.zeros(0), start, length
    from invsl.engine import history_rows as _pmf_frame

    g = ctx.groups
    sku = ctx.sku_index
    needed = np.zeros(len(g.skus), dtype=np.bool_)
    needed[sku[rows & (sku >= 0)]] = True
    values, sku_start, sku_length = _pmf_frame._period_pmfs(g, needed)
    periods = np.repeat(g.periods.astype(float), sku_length)
    raw_counts = np.rint(values * periods)  # whole numbers of periods
    total = np.cumsum(raw_counts)
    used = sku_length > 0
    before = np.zeros(len(g.skus))
    before[used] = total[sku_start[used]] - raw_counts[sku_start[used]]
    counts = total - np.repeat(before, sku_length)
    take = np.maximum(sku, 0)
    too_long = rows & (sku_length[take] == 0)
    status[too_long] = PMF_TOO_LARGE
    rows &= ~too_long
    start[rows] = sku_start[take[rows]]
    length[rows] = sku_length[take[rows]]
    return counts, start, length
