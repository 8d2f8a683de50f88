"""Kernels over the SKUs of a portfolio: fitting and search ranges, one pass of per-SKU
maximisers at a multiplier, and the greedy completion.

The fit and the pass compute the SKUs ``start`` .. ``stop - 1``, each on its own, so that
``scalar.jit.run_rows`` can split the SKUs among threads (:data:`ROW_WEIGHT`)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from invsl.kernels import solvers
from invsl.scalar import distributions as dist
from invsl.scalar.jit import borrowed, kernel, run_rows
from invsl.tools.portfolio.marginal import (
    fill_rate_and_shortfall,
    steepest_fill_rate_point,
    marginal_ratio_continuous,
    marginal_ratio_integer,
    ratio_root_continuous,
    ratio_root_integer,
    score_and_cost,
)
from invsl.vocabulary import (
    CANNOT_FIT,
    NEGBIN_VARIANCE,
    NO_CONVERGENCE,
    OK,
    PRECISION_LIMIT,
)
from invsl.vocabulary import (
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POISSON,
    INVESTMENT_ON_HAND,
    INVESTMENT_SAFETY_STOCK,
    OBJECTIVE_FILL_RATE,
)

#: lower-tail cut: without a floor a SKU's reorder point stays at or above
#: max(a, E[X] - _LOW_SDS * sd(X)) - Q, a = 0 for non-negative demand, where beta is ~0
_LOW_SDS = 10.0


class SkuInputs(NamedTuple):
    """Per-SKU inputs of the fit, each of length n (read-only)."""

    distribution: np.ndarray  # distribution codes (int8)
    demand_mean: np.ndarray  # [units/period]
    demand_std: np.ndarray  # [units/period]
    lead_time: np.ndarray  # [periods]
    lead_time_std: np.ndarray  # [periods]
    order_quantity: np.ndarray  # [units]
    floor: np.ndarray  # service floor
    ceiling: np.ndarray  # service ceiling


class Fitted(NamedTuple):
    """What the fit writes: status (updated in place), kind, par (5, n), bounds (6, n)."""

    status: np.ndarray
    kind: np.ndarray
    par: np.ndarray
    bounds: np.ndarray


class Skus(NamedTuple):
    """The fitted SKUs one pass at a multiplier reads (see :func:`lagrangian_pass`)."""

    active: np.ndarray
    kind: np.ndarray
    par: np.ndarray
    q: np.ndarray  # order quantity [units]
    w: np.ndarray  # weight of the SKU's service in the objective
    c: np.ndarray  # unit cost [currency/unit]
    bounds: np.ndarray


class PassState(NamedTuple):
    """What passes at a multiplier carry over: warm starts (n) and the cache (5, n)."""

    warm: np.ndarray
    cache: np.ndarray


class PassOutputs(NamedTuple):
    """What one pass writes: each SKU's reorder point, score, cost and d cost / d log lam."""

    s: np.ndarray
    score: np.ndarray
    cost: np.ndarray
    dcost: np.ndarray


@kernel
def _prepare_kernel(obj, inv, service, inputs, min_s, fitted, start, stop):
    """Fit each SKU ``start`` .. ``stop - 1`` and find its search range, the mode of rho and
    the values at the floor.

    par (5, n): p1, p2, mean, sd, mu. bounds (6, n): s_lo, s_hi, s_mode, rho(s_mode),
    score(s_lo), cost(s_lo) (score and cost with weight 1 and unit cost 1: the caller
    rescales).
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    obj, inv, service, inputs, min_s, fitted = borrowed((obj, inv, service, inputs, min_s, fitted))
    distribution = inputs.distribution
    demand_mean = inputs.demand_mean
    demand_std = inputs.demand_std
    lead_time = inputs.lead_time
    lead_time_std = inputs.lead_time_std
    order_quantity = inputs.order_quantity
    floor = inputs.floor
    ceiling = inputs.ceiling
    status = fitted.status
    kind_out = fitted.kind
    par = fitted.par
    bounds = fitted.bounds
    for i in range(start, stop):
        if status[i] != OK:
            continue
        mu = demand_mean[i]
        kind, p1, p2, mean, sd = dist.fit(
            distribution[i], mu, demand_std[i], lead_time[i], lead_time_std[i]
        )
        if kind < 0:
            if distribution[i] == DEMAND_NEGBIN or distribution[i] == DEMAND_POISSON:
                status[i] = NEGBIN_VARIANCE if mean > 0.0 else CANNOT_FIT
            else:
                status[i] = CANNOT_FIT
            continue
        kind_out[i] = kind
        q = order_quantity[i]
        integer = dist.is_integer_kind(kind)
        low = mean - _LOW_SDS * sd
        if kind != DEMAND_NORMAL:
            low = max(low, 0.0)
        s_lo = low - q
        if integer:
            s_lo = math.floor(s_lo)
        if min_s > s_lo:
            s_lo = math.ceil(min_s) if integer else min_s
        if floor[i] > 0.0:
            sf = solvers.solve(service, kind, p1, p2, mean, sd, q, mu, floor[i])
            if math.isnan(sf) or sf == solvers.LOST:
                status[i] = NO_CONVERGENCE if math.isnan(sf) else PRECISION_LIMIT
                continue
            s_lo = max(s_lo, sf)
        s_hi = math.inf
        if ceiling[i] < 1.0:
            sc = solvers.solve(service, kind, p1, p2, mean, sd, q, mu, ceiling[i])
            if math.isnan(sc) or sc == solvers.LOST:
                status[i] = NO_CONVERGENCE if math.isnan(sc) else PRECISION_LIMIT
                continue
            s_hi = max(sc, s_lo)
        if obj == OBJECTIVE_FILL_RATE and inv == INVESTMENT_SAFETY_STOCK:
            s_mode = steepest_fill_rate_point(kind, p1, p2, mean, q)
            if integer:
                s_mode = math.floor(s_mode)
            s_mode = min(max(s_mode, s_lo), s_hi)
        else:
            s_mode = s_lo
        if integer:
            rho = marginal_ratio_integer(obj, inv, kind, p1, p2, mean, s_mode, q, mu, 1.0, 1.0)
        else:
            rho, _ = marginal_ratio_continuous(
                obj, inv, kind, p1, p2, mean, s_mode, q, mu, 1.0, 1.0
            )
        score, cost = score_and_cost(obj, inv, kind, p1, p2, mean, s_lo, q, mu, 1.0, 1.0)
        par[0, i] = p1
        par[1, i] = p2
        par[2, i] = mean
        par[3, i] = sd
        par[4, i] = mu
        bounds[0, i] = s_lo
        bounds[1, i] = s_hi
        bounds[2, i] = s_mode
        bounds[3, i] = rho
        bounds[4, i] = score
        bounds[5, i] = cost


@kernel
def _pass_kernel(obj, inv, lam, skus, state, out, start, stop):
    """The maximiser of w m(s) - lam K(s) over [s_lo, s_hi] of each SKU ``start`` ..
    ``stop - 1``.

    rho is increasing up to s_mode and decreasing after it, so w m - lam K falls, rises,
    then falls again: its maximum is at s_lo or at the end r of the rise (the largest s with
    rho >= lam); both are compared. ``warm`` holds the last r and is updated.

    ``dcost_out``: d K(r) / d log(lam) of continuous SKUs at their r (0 elsewhere), for the
    Newton steps of the outer search. Integer SKUs keep in ``cache`` (5, n) the multipliers
    [lam_min, lam_max) for which their last r stays the answer, its score and cost, and r:
    later passes of the outer search then cost nothing for SKUs whose r does not move.
    """
    # (the arguments without reference counts: scalar.jit.borrowed)
    obj, inv, lam, skus, state, out = borrowed((obj, inv, lam, skus, state, out))
    active = skus.active
    kind = skus.kind
    par = skus.par
    q = skus.q
    w = skus.w
    c = skus.c
    bounds = skus.bounds
    warm = state.warm
    cache = state.cache
    s_out = out.s
    score_out = out.score
    cost_out = out.cost
    dcost_out = out.dcost
    for i in range(start, stop):
        if not active[i]:
            continue
        s_lo = bounds[0, i]
        score_lo = w[i] * bounds[4, i]
        cost_lo = c[i] * bounds[5, i]
        best_s = s_lo
        best_score = score_lo
        best_cost = cost_lo
        # rho at the mode scales with w / c
        if bounds[3, i] * w[i] / c[i] > lam:
            k = kind[i]
            p1 = par[0, i]
            p2 = par[1, i]
            mean = par[2, i]
            mu = par[4, i]
            if dist.is_integer_kind(k):
                if lam >= cache[0, i] and lam < cache[1, i]:
                    r = cache[4, i]
                    score = cache[2, i]
                    cost = cache[3, i]
                else:
                    lo = bounds[2, i]
                    hi = bounds[1, i]
                    r, rho_below, rho_at = ratio_root_integer(
                        obj, inv, k, p1, p2, mean, q[i], mu, w[i], c[i], lam, lo, hi, warm[i]
                    )
                    score, cost = score_and_cost(obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i])
                    warm[i] = r
                    # r stays the answer for lam in [rho(r), rho(r - 1)) (values the search
                    # evaluated are reused)
                    lam_min = 0.0
                    if r < hi:
                        lam_min = rho_at
                        if math.isnan(lam_min):
                            lam_min = marginal_ratio_integer(
                                obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i]
                            )
                    lam_max = math.inf
                    if r - 1.0 > lo:
                        lam_max = rho_below
                        if math.isnan(lam_max):
                            lam_max = marginal_ratio_integer(
                                obj, inv, k, p1, p2, mean, r - 1.0, q[i], mu, w[i], c[i]
                            )
                    cache[0, i] = lam_min
                    cache[1, i] = lam_max
                    cache[2, i] = score
                    cache[3, i] = cost
                    cache[4, i] = r
            else:
                r, dlog = ratio_root_continuous(
                    obj,
                    inv,
                    k,
                    p1,
                    p2,
                    mean,
                    par[3, i],
                    q[i],
                    mu,
                    w[i],
                    c[i],
                    lam,
                    bounds[2, i],
                    bounds[1, i],
                    warm[i],
                )
                score = math.nan
                cost = math.nan
                if math.isfinite(r):
                    warm[i] = r
                    score, cost = score_and_cost(obj, inv, k, p1, p2, mean, r, q[i], mu, w[i], c[i])
            if math.isfinite(r) and score - lam * cost > score_lo - lam * cost_lo:
                best_s = r
                best_score = score
                best_cost = cost
                if not dist.is_integer_kind(k) and r < bounds[1, i]:
                    # rho(r) = lam: dr/dlog(lam) = 1 / (dlog rho / ds), dK = K'(r) dr
                    kp = c[i]
                    if inv == INVESTMENT_ON_HAND:
                        kp = c[i] * fill_rate_and_shortfall(k, p1, p2, mean, r, q[i])[0]
                    if dlog < 0.0:
                        dcost_out[i] = kp / dlog
        s_out[i] = best_s
        score_out[i] = best_score
        cost_out[i] = best_cost


#: cost of one SKU in the fit or in one pass [rows of the (s, Q) normal kernel, the unit of
#: ``scalar.jit.run_rows``]: 0.3-0.4 us on normal demand against 0.3 us a row, measured on one
#: thread on 10,000 SKUs of benchmarks/_skus.py (budget and target mode); integer demand costs
#: 2-3 times more, so that such a table splits later than it could
ROW_WEIGHT = 1.0


def fit_skus(obj, inv, service, inputs: SkuInputs, min_s, fitted: Fitted) -> None:
    """Fit every SKU whose status is OK into ``fitted`` (on several threads above
    ``scalar.jit.SERIAL_ROWS`` weighted SKUs)."""
    n = fitted.status.shape[0]
    run_rows(_prepare_kernel, n, ROW_WEIGHT, obj, inv, service, inputs, min_s, fitted)


def lagrangian_pass(obj, inv, lam, skus: Skus, state: PassState, out: PassOutputs) -> None:
    """Each active SKU's maximiser of w m(s) - lam K(s) into ``out`` (see the kernel; on
    several threads above ``scalar.jit.SERIAL_ROWS`` weighted SKUs)."""
    n = out.s.shape[0]
    run_rows(_pass_kernel, n, ROW_WEIGHT, obj, inv, lam, skus, state, out)


@kernel
def greedy_upgrades(order, d_score, d_cost, room, budget_mode, need):
    """Take upgrades in the given order (best ratio first).

    Budget mode: every upgrade that still fits into ``room`` (later, cheaper ones may fill
    a gap). Target mode: upgrades until the score gain reaches ``need``.
    Returns the boolean mask of upgrades taken and the index (into order) of the first
    upgrade left out, -1 if none.
    """
    take = np.zeros(order.shape[0], dtype=np.bool_)
    first_left = -1
    gained = 0.0
    for j in range(order.shape[0]):
        k = order[j]
        if budget_mode:
            if d_cost[k] <= room:
                take[k] = True
                room -= d_cost[k]
            elif first_left < 0:
                first_left = j
        else:
            if gained >= need:
                if first_left < 0:
                    first_left = j
                break
            take[k] = True
            gained += d_score[k]
    return take, first_left
