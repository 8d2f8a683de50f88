"""Continuous review (s, Q): one row simulated event by event or in sub-period steps.

Three row kernels, by the kind of demand: continuous demand flowing through sub-period steps
(``sq_fluid_row``), integer demand of customers arriving in continuous time
(``sq_event_row``), and a history's units spread over each period (``sq_units_row``).
Outstanding orders are kept in a ring buffer of arrival times.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.scalar import rng as _rng
from invsl.scalar.jit import scalar
from invsl.tools.simulation.batch_means import (
    DEMAND,
    SAMPLES,
    SHORT,
    batch_at,
    count_arrival,
    observe,
)
from invsl.vocabulary import DEMAND_COMPOUND_POISSON, DEMAND_POISSON
from invsl.tools.simulation.sampling import draw, draw_empirical, draw_geometric, fit_step
from invsl.vocabulary import OK, SIM_CAPACITY

#: continuous review: more events (orders, arrivals) than this in one step flag the row
_MAX_EVENTS_PER_STEP = 100_000


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
def sq_fluid_row(state, spare, rows, i, settings, acc):
    """Continuous review (s, Q) of row ``i`` of ``rows`` (a kernel.Rows), continuous demand,
    in steps of 1/substeps period.

    Each step's demand is drawn from the step distribution (mean mu h, variance sigma^2 h)
    and flows at a constant rate through the step. The order of Q is placed at the exact
    instant the inventory position reaches s and arrives L periods later, possibly inside a
    step. The position never drops below s, but the rest of the crossing step's demand
    follows the order: the undershoot of a lump (docs/simulate.md). Net stock is observed at step ends. Returns a status code.
    """
    dist = rows.distribution[i]
    mu = rows.demand_mean[i]
    sigma = rows.demand_std[i]
    lead = rows.lead_time[i]
    s = rows.reorder_point[i]
    q = rows.order_quantity[i]
    warmup = rows.warmup[i]
    substeps = rows.substeps[i]
    clip = settings.clip
    periods = settings.periods
    n_batches = acc.shape[0]
    h = 1.0 / substeps
    mean = mu * h
    sd = sigma * math.sqrt(h)
    p1, p2 = fit_step(dist, mean, sd)
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
        measured, b, cut = batch_at(k, first, n_steps, n_batches, measured, b, cut)
        t1 = (k + 1) * h
        cur = k * h
        d = draw(state, spare, dist, mean, sd, p1, p2)
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
                acc[b, DEMAND] += amount
                if amount > 0.0:
                    acc[b, SHORT] += amount - min(amount, max(net, 0.0))
            net -= amount
            ip -= amount
            cur = te
            if event == 0:
                break
            if event == 1:
                if measured:
                    count_arrival(acc, b, net)
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
            observe(acc, b, net, 1.0)
            acc[b, SAMPLES] += 1.0
    return OK


@scalar
def sq_event_row(state, rows, i, settings, acc):
    """Continuous review (s, Q) of row ``i`` of ``rows`` (a kernel.Rows), integer demand,
    event by event in continuous time.

    poisson: customers arrive as a Poisson process of rate mu per period and take one unit
    each. negbin: customers arrive at rate -r log(p) per period and take a logarithmic-series
    number of units (parameter 1 - p), so that the demand of any interval of length n is
    negative binomial (r n, p), the contract's per-period fit. compound_poisson: customers
    arrive at the order rate r per period and take a geometric number of units on {1, 2, ...}
    (ratio q; the stuttering Poisson of invsl.kernels.pmf). A customer whose demand takes
    the inventory position to or below s triggers the smallest multiple of Q that lifts it
    above s (with unit demand: exactly Q at IP = s). Net stock is observed at step ends.
    """
    dist = rows.distribution[i]
    mu = rows.demand_mean[i]
    sigma = rows.demand_std[i]
    lead = rows.lead_time[i]
    s = rows.reorder_point[i]
    q = rows.order_quantity[i]
    warmup = rows.warmup[i]
    substeps = rows.substeps[i]
    periods = settings.periods
    n_batches = acc.shape[0]
    h = 1.0 / substeps
    unit = dist == DEMAND_POISSON
    compound = dist == DEMAND_COMPOUND_POISSON
    rate = mu
    log_q = 0.0
    if compound:
        rate, log_q = fit_step(dist, mu, sigma)
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
        measured, b, cut = batch_at(k, first, n_steps, n_batches, measured, b, cut)
        t1 = (k + 1) * h
        while True:
            ta = times[head] if count > 0 else np.inf
            if ta >= t1 and next_customer >= t1:
                break
            if ta <= next_customer:
                if measured:
                    count_arrival(acc, b, net)
                net += sizes[head]
                head = (head + 1) & mask
                count -= 1
                continue
            if unit:
                y = 1.0
            elif compound:
                y = draw_geometric(state, log_q)
            else:
                y = _rng.logseries(state, log_q)
            if measured:
                acc[b, DEMAND] += y
                acc[b, SHORT] += y - min(y, max(net, 0.0))
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
            observe(acc, b, net, 1.0)
            acc[b, SAMPLES] += 1.0
    return OK


@scalar
def sq_units_row(state, rows, i, settings, acc, counts):
    """Continuous review (s, Q) of row ``i`` of ``rows`` (a kernel.Rows), ``empirical``
    demand: units spread over each period.

    Each period k draws its demand d from the history (``counts``, see ``draw_empirical``); its d
    units arrive one at a time at independent uniform times in [k, k + 1) (drawn in order:
    the next of m remaining units after time x comes at x + (k + 1 - x)(1 - V^(1/m))). The
    unit that takes the inventory position to s triggers an order of Q, which arrives exactly
    L periods later. Net stock is integrated over time between events, so E[B], the ready
    rate and on-hand are exact time averages (the process is periodic within a period, a
    grid of period ends would not do). Returns a status code.
    """
    mu = rows.demand_mean[i]
    lead = rows.lead_time[i]
    s = rows.reorder_point[i]
    q = rows.order_quantity[i]
    warmup = rows.warmup[i]
    periods = settings.periods
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
        measured, b, cut = batch_at(k, warmup, periods, n_batches, measured, b, cut)
        end = k + 1.0
        left = int(draw_empirical(state, counts))
        cur = float(k)
        unit = cur + (end - cur) * (1.0 - _rng.uniform(state) ** (1.0 / left)) if left else np.inf
        while True:
            ta = times[head] if count > 0 else np.inf
            te = min(ta, unit)
            if te >= end and left == 0:
                te = end
            if measured and te > cur:
                observe(acc, b, net, te - cur)
            cur = te
            if te == end and left == 0:
                break
            if ta <= unit:  # an arrival (before a unit at the same instant)
                if measured:
                    count_arrival(acc, b, net)
                net += q
                head = (head + 1) & mask
                count -= 1
                continue
            if measured:
                acc[b, DEMAND] += 1.0
                if net < 1.0:
                    acc[b, SHORT] += 1.0
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
            acc[b, SAMPLES] += 1.0
    return OK
