"""Service levels of a continuous-review (s, Q) policy with backorders.

The formulas are those of the contract (docs/service-levels.md, "Continuous review"):

- alpha = F(s) = P(X <= s)
- beta = 1 - (G1(s) - G1(s + Q)) / Q
- E[B] = (G2(s) - G2(s + Q)) / Q; integer demand (G2(s + 1) - G2(s + Q + 1)) / Q
- gamma = 1 - E[B] / mu, mu the mean demand per period
- ready_rate = P(net stock > 0) = beta
- expected_on_hand = E[IN] + E[B], E[IN] = s + Q/2 - E[X]; integer s + (Q + 1)/2 - E[X]

X is the lead-time demand, described by ``(kind, p1, p2, mean)`` (see ``distributions``).
"""

from __future__ import annotations

from invsl import distributions as dist
from invsl._jit import scalar

ALPHA = 0
BETA = 1
GAMMA = 2
METRIC_NAMES = ("alpha", "beta", "gamma")
#: names accepted for the metric, mapped to the codes above
METRIC_ALIASES = {
    "alpha": ALPHA,
    "cycle_service_level": ALPHA,
    "csl": ALPHA,
    "beta": BETA,
    "fill_rate": BETA,
    "gamma": GAMMA,
    "gamma_service_level": GAMMA,
}


@scalar
def sq_metrics(kind, p1, p2, mean, s, q, mu):
    """All service levels of (s, Q) at reorder point s.

    Returns ``(alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand)``.
    """
    alpha = dist.cdf(kind, p1, p2, s)
    if dist.is_integer_kind(kind):
        _, g1a, _ = dist.tail(kind, p1, p2, mean, s)
        _, g1b, _ = dist.tail(kind, p1, p2, mean, s + q)
        _, _, g2a = dist.tail(kind, p1, p2, mean, s + 1.0)
        _, _, g2b = dist.tail(kind, p1, p2, mean, s + q + 1.0)
        net = s + 0.5 * (q + 1.0) - mean
    else:
        _, g1a, g2a = dist.tail(kind, p1, p2, mean, s)
        _, g1b, g2b = dist.tail(kind, p1, p2, mean, s + q)
        net = s + 0.5 * q - mean
    beta = 1.0 - (g1a - g1b) / q
    backorders = (g2a - g2b) / q
    gamma = 1.0 - backorders / mu
    return alpha, beta, gamma, beta, backorders, net + backorders


@scalar
def metric_and_slope(metric, kind, p1, p2, mean, s, q, mu):
    """One metric at s and its slope in s.

    Continuous X: the derivative. Integer X: the forward difference metric(s + 1) - metric(s),
    which the formulas give exactly:

    - alpha: f(s) (continuous), P(X = s + 1) (integer)
    - beta: (F(s + Q) - F(s)) / Q for both
    - gamma: (1 - beta(s)) / mu (continuous), (1 - beta(s + 1)) / mu (integer)
    """
    integer = dist.is_integer_kind(kind)
    if metric == ALPHA:
        value = dist.cdf(kind, p1, p2, s)
        if integer:
            return value, dist.density(kind, p1, p2, s + 1.0)
        return value, dist.density(kind, p1, p2, s)
    if metric == BETA:
        sa, g1a, _ = dist.tail(kind, p1, p2, mean, s)
        sb, g1b, _ = dist.tail(kind, p1, p2, mean, s + q)
        return 1.0 - (g1a - g1b) / q, (sa - sb) / q
    # gamma
    shift = 1.0 if integer else 0.0
    _, g1a, g2a = dist.tail(kind, p1, p2, mean, s + shift)
    _, g1b, g2b = dist.tail(kind, p1, p2, mean, s + q + shift)
    return 1.0 - (g2a - g2b) / (q * mu), (g1a - g1b) / (q * mu)


@scalar
def metric_value(metric, kind, p1, p2, mean, s, q, mu):
    """One metric at s."""
    value, _ = metric_and_slope(metric, kind, p1, p2, mean, s, q, mu)
    return value
