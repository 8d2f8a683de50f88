"""Period-by-period simulation of periodic-review policies (test referee; imports no invsl).

The timing is the contract's (docs/service-levels.md, "Periodic review"): in every period,
first the receipts, then (every R-th period) the review, whose order arrives L periods later
at the start of a period, before its demand (L = 0: at once), then the period's demand; net
stock is observed at the end of the period. The service levels are counted from their general
definitions, not from any formula:

- alpha: share of order arrivals with net stock >= 0 just before the receipt (RS: every
  review counts as an order, also an order of 0, as the contract's F_{L+R}(S) does)
- beta: 1 - demand not served from stock at once / demand
- gamma: 1 - (mean backorders at period ends) / mu
- ready_rate: share of period ends with net stock > 0
- expected_backorders, expected_on_hand: means at period ends

Per-period demand: 0 normal (negative draws count as 0), 1 gamma (shape a, scale b),
2 poisson (mean a), 3 negative binomial (size a, success probability b).
"""

from __future__ import annotations

import math

import numba
import numpy as np

RS, RSS, RSQ = 1, 2, 3
NAMES = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")


@numba.njit(cache=True)
def _draw(kind, a, b):  # pragma: no cover - compiled
    if kind == 0:
        return max(np.random.normal(a, b), 0.0)
    if kind == 1:
        return np.random.gamma(a, b)
    if kind == 2:
        return float(np.random.poisson(a))
    return float(np.random.negative_binomial(a, b))


@numba.njit(cache=True)
def _simulate(policy, s, big_s, q, r, lt, kind, a, b, warmup, per_batch, n_batches, seed):  # pragma: no cover
    np.random.seed(seed)
    out = np.zeros((n_batches, 8))
    ring = lt + 1
    pipe = np.zeros(ring)
    flag = np.zeros(ring, dtype=np.bool_)
    start = big_s if policy != RSQ else s + q
    net = start
    ip = start
    total = warmup + per_batch * n_batches
    for t in range(total):
        batch = (t - warmup) // per_batch
        rec = t >= warmup
        slot = t % ring
        if flag[slot]:
            if rec:
                out[batch, 0] += 1.0
                if net >= 0.0:
                    out[batch, 1] += 1.0
            net += pipe[slot]
            pipe[slot] = 0.0
            flag[slot] = False
        if t % r == 0:
            order = -1.0
            if policy == RS:
                order = big_s - ip
            elif ip <= s:
                if policy == RSS:
                    order = big_s - ip
                else:
                    order = (math.floor((s - ip) / q) + 1.0) * q
            if order >= 0.0:
                ip += order
                if lt == 0:
                    if rec:
                        out[batch, 0] += 1.0
                        if net >= 0.0:
                            out[batch, 1] += 1.0
                    net += order
                else:
                    due = (t + lt) % ring
                    pipe[due] += order
                    flag[due] = True
        d = _draw(kind, a, b)
        if rec:
            served = min(d, max(net, 0.0))
            out[batch, 2] += d
            out[batch, 3] += d - served
        net -= d
        ip -= d
        if rec:
            out[batch, 4] += max(-net, 0.0)
            out[batch, 5] += max(net, 0.0)
            if net > 0.0:
                out[batch, 6] += 1.0
            out[batch, 7] += 1.0
    return out


def simulate(policy, *, mu, kind, a, b, lead_time, review_period, s=math.nan,
             order_up_to=math.nan, q=math.nan, periods=2_000_000, n_batches=20, seed=1):
    """Batch-means estimates and standard errors: (mean dict, se dict)."""
    per_batch = periods // n_batches
    raw = _simulate(policy, float(s), float(order_up_to), float(q), int(review_period),
                    int(lead_time), int(kind), float(a), float(b), 20_000, per_batch,
                    n_batches, int(seed))
    per = {
        "alpha": raw[:, 1] / raw[:, 0],
        "beta": 1.0 - raw[:, 3] / raw[:, 2],
        "gamma": 1.0 - raw[:, 4] / raw[:, 7] / mu,
        "ready_rate": raw[:, 6] / raw[:, 7],
        "expected_backorders": raw[:, 4] / raw[:, 7],
        "expected_on_hand": raw[:, 5] / raw[:, 7],
    }
    mean = {k: float(np.mean(v)) for k, v in per.items()}
    se = {k: float(np.std(v, ddof=1) / math.sqrt(n_batches)) for k, v in per.items()}
    return mean, se
