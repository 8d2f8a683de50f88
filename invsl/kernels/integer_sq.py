"""(s, Q) with Poisson or negative binomial lead-time demand: solve and evaluate in one pass.

The generic solver (``solvers.solve_integer``) evaluates the loss functions afresh at every
trial reorder point, through the incomplete gamma or beta function, and ``metrics.sq_metrics``
then evaluates them once more at the answer. For integer demand most of that work is replaced
by the exact downward recurrences of ``_recurrence`` (sums of positive terms, no cancellation).

The solver therefore

1. evaluates the state (S, G1, G2, p) exactly at a trial point (``distributions.tail`` and the
   pmf) at the top of the order cycle, s + Q, and, when Q <= ``rec.RECURRENCE_Q``, gets the bottom
   s by Q down-steps (otherwise by a second exact evaluation);
2. moves towards the answer with the safeguarded integer Newton step of ``solvers`` while the
   answer is far, with exact evaluations;
3. once it holds a feasible s whose distance to the answer is at most ``WALK_MAX`` steps, walks
   down one integer at a time with the recurrences until the next point is infeasible: the
   last feasible point is the smallest integer s with metric(s) >= target;
4. reports every metric at that s from the state it holds (E[B] as the mean of G1 over the Q
   inventory positions s + 1 .. s + Q, a sum of positive terms, when Q <= ``rec.RECURRENCE_Q``).

Only beta and gamma targets come here; alpha targets and the rare answers with a negative
expected net stock (where the generic ``metrics.sq_metrics`` switches to lower-tail loss
functions) go through the generic path.
"""

from __future__ import annotations

import math

from invsl.scalar import recurrence as rec
from invsl.kernels import metrics
from invsl.kernels import solvers
from invsl.scalar.jit import scalar
from invsl.vocabulary import METRIC_BETA

#: the largest distance (in units) walked one integer at a time instead of a Newton jump
WALK_MAX = 48.0
_MAX_ITER = 200


@scalar
def _short(metric, q, mu, b_g1, b_g2, t_g1, t_g2, w):
    """Shortfall 1 - metric: beta (G1(s) - G1(s+Q))/Q, gamma E[B]/mu."""
    if metric == METRIC_BETA:
        return (b_g1 - t_g1) / q
    if math.isnan(w):
        return max((b_g2 - b_g1) - (t_g2 - t_g1), 0.0) / (q * mu)
    return w / (q * mu)


@scalar
def _slope(metric, q, mu, b_s, b_g1, t_s, t_g1):
    """Forward difference metric(s + 1) - metric(s), from the states at s and s + Q.

    beta: (F(s + Q) - F(s)) / Q; gamma: (G1(s + 1) - G1(s + Q + 1)) / (Q mu), with
    G1(x + 1) = G1(x) - S(x).
    """
    if metric == METRIC_BETA:
        return (b_s - t_s) / q
    return ((b_g1 - b_s) - (t_g1 - t_s)) / (q * mu)


@scalar
def solve(metric, kind, p1, p2, mean, sd, q, mu, target, quantile, log_limit):
    """Smallest integer s with metric(s) >= target, and every metric there.

    Returns ``(s, alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand)``;
    s is NaN when no answer was found. ``metric`` is ``METRIC_BETA`` or ``METRIC_GAMMA``.
    ``quantile`` = ndtri(target) and ``log_limit`` = log1p(-target), which the kernel
    computes once for the rows that share a target.
    """
    nan = math.nan
    limit = 1.0 - target
    lo = -math.inf  # largest s known infeasible
    step = max(1.0, math.floor(sd))
    # The normal-approximation start lies below the answer for skewed integer demand (by two
    # units in the median, ten at the 99th percentile on the benchmark's Poisson SKUs): start
    # a little above it, so that one exact evaluation and a short walk down usually suffice.
    s = math.floor(solvers.start_from_quantile(metric, mean, sd, q, mu, target, quantile))
    s += min(math.ceil(2.0 * sd) + 4.0, WALK_MAX)
    done = False
    for _ in range(_MAX_ITER):
        t_s, t_g1, t_g2, t_p, b_s, b_g1, b_g2, b_p, w = rec.window(kind, p1, p2, mean, s, q)
        short = _short(metric, q, mu, b_g1, b_g2, t_g1, t_g2, w)
        slope = _slope(metric, q, mu, b_s, b_g1, t_s, t_g1)
        newton = solvers.log_newton_step_from(short, slope, log_limit)
        if short > limit:
            # infeasible: jump up past the answer (a log-Newton step overshoots when the
            # shortfall is log-concave), at least one unit; doubling if the slope is no use
            lo = s
            if newton > 0.0 and newton < 1e15:
                s = s + max(1.0, math.ceil(newton))
            else:
                s = s + step
                step *= 2.0
            continue
        far = -newton if newton < 0.0 else 0.0
        if not (far < 1e15):
            far = 0.0
        if far > WALK_MAX and s - lo > WALK_MAX + 1.0:
            # feasible but far above the answer: jump down, staying (most likely) feasible
            nxt = s - (math.floor(far) - 1.0)
            if nxt <= lo:
                nxt = math.floor(0.5 * (lo + s))
            if nxt > lo and nxt < s:
                s = nxt
                continue
        if (t_p == 0.0 and s + q >= 0.0) or (b_p == 0.0 and s >= 0.0):
            # far in the upper tail the pmf underflowed to 0, and the recurrences would carry
            # that 0 down: halve the distance to the last infeasible point instead
            if math.isfinite(lo):
                nxt = math.floor(0.5 * (lo + s))
            else:
                nxt = s - step
                step *= 2.0
            if nxt > lo and nxt < s:
                s = nxt
                continue
        # walk down one integer at a time while s - 1 stays feasible
        walked = 0.0
        while True:
            if s - 1.0 <= lo:
                done = True
                break
            if walked >= 2.0 * WALK_MAX:
                break  # further than expected: jump again from here
            nb_p = b_p * rec.down_ratio(kind, p1, p2, s)
            nb_s = b_s + b_p
            nb_g1 = b_g1 + nb_s
            nb_g2 = b_g2 + nb_g1
            nt_p = t_p * rec.down_ratio(kind, p1, p2, s + q)
            nt_s = t_s + t_p
            nt_g1 = t_g1 + nt_s
            nt_g2 = t_g2 + nt_g1
            nw = w + (b_g1 - t_g1)  # NaN stays NaN (Q > rec.RECURRENCE_Q)
            if _short(metric, q, mu, nb_g1, nb_g2, nt_g1, nt_g2, nw) > limit:
                done = True
                break
            s -= 1.0
            walked += 1.0
            b_s, b_g1, b_g2, b_p = nb_s, nb_g1, nb_g2, nb_p
            t_s, t_g1, t_g2, t_p = nt_s, nt_g1, nt_g2, nt_p
            w = nw
        if done:
            break
        # walked further than the Newton estimate said: evaluate afresh here and jump
    if not done:
        return nan, nan, nan, nan, nan, nan, nan

    # every metric at s, from the states held
    a, b, g, rr, eb, oh = metrics.integer_report(
        kind, p1, p2, mean, s, q, mu, b_s, b_g1, b_g2, t_g1, t_g2, w
    )
    return s, a, b, g, rr, eb, oh
