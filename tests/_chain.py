"""The dense Markov-chain twin of the periodic policies with integer demand (tests only).

Nothing here imports invsl. The chain runs on the inventory positions just after a review:
RS always returns to S; (R, s, S) to S when the position falls to s or below; (R, s, nQ) by
the smallest multiple of Q that lifts it above s. Its stationary distribution is solved by
dense linear algebra, and every metric follows from it by the definitions of
docs/periodic.md, as plain sums over the demand pmfs. tests/test_periodic.py (parametric
demand) and tests/test_periodic_history.py (demand from history) feed it their own pmfs.
"""

from __future__ import annotations

import math

import numpy as np


def dense_chain_metrics(policy, p_r, pmfs, mu, R, x, gap):
    """Every metric of ``policy`` ("RS", "RsS", "RsQ") at level ``x`` (S for RS, s otherwise).

    ``p_r``: pmf of the demand over the review period on 0 .. hi; ``pmfs[j]``: pmf of the
    demand over L + j periods on 0 .. hi, j = 0 .. R; ``mu``: mean demand per period;
    ``gap``: S - s (RsS) or Q (RsQ). RS alpha is F_{L+R}(S) (every review cycle counts).
    """
    hi = len(p_r) - 1
    if policy == "RS":
        s, big_s = None, x
        pos = np.array([x])
    elif policy == "RsS":
        s, big_s = x, x + gap
        pos = np.arange(s + 1, big_s + 1)
    else:
        s = x
        pos = np.arange(s + 1, s + gap + 1)
    k = len(pos)
    P = np.zeros((k, k))
    for a, y in enumerate(pos):
        for d in range(hi + 1):
            z = y - d
            if policy == "RS":
                z = big_s
            elif z <= s:
                z = big_s if policy == "RsS" else z + gap * (math.floor((s - z) / gap) + 1)
            P[a, int(z - pos[0])] += p_r[d]
    A = np.vstack([P.T - np.eye(k), np.ones(k)])
    b = np.zeros(k + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(A, b, rcond=None)[0]
    xs = np.arange(hi + 1)

    def over(f):
        return sum(pi[a] * f(y) for a, y in enumerate(pos))

    g1 = {j: over(lambda y, j=j: np.sum(pmfs[j] * np.maximum(xs - y, 0))) for j in pmfs}
    backorders = np.mean([g1[j] for j in range(1, R + 1)])
    ready = np.mean([over(lambda y, j=j: np.sum(pmfs[j][xs < y])) for j in range(1, R + 1)])
    on_hand = np.mean(
        [over(lambda y, j=j: np.sum(pmfs[j] * np.maximum(y - xs, 0))) for j in range(1, R + 1)]
    )
    if policy == "RS":
        alpha = np.sum(pmfs[R][xs <= x])
    else:
        cdf_l = np.cumsum(pmfs[0])
        num = den = 0.0
        for a, y in enumerate(pos):
            for d in range(hi + 1):
                z = y - d
                if z <= s:  # this review orders; net stock before the arrival: z - D(L)
                    w = pi[a] * p_r[d]
                    den += w
                    num += w * (cdf_l[int(z)] if z >= 0 else 0.0)
        alpha = num / den  # P(D_L <= IP before the review | order), IP = y - D_R
    return {
        "alpha": alpha,
        "beta": 1 - (g1[R] - g1[0]) / (R * mu),
        "gamma": 1 - backorders / mu,
        "ready_rate": ready,
        "expected_backorders": backorders,
        "expected_on_hand": on_hand,
    }
