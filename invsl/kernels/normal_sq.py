"""(s, Q) with normal lead-time demand: solve a beta or gamma target and evaluate in one pass.

The generic solver (``solvers.solve_continuous``) runs Newton on log(1 - metric) and then
``metrics.sq_metrics`` evaluates every metric afresh at the answer. For normal demand both
derivatives of the shortfall are available from the quantities each evaluation computes
anyway (z, Phi-bar(z) and phi(z) at both ends of the order cycle), so this module

- runs Halley's method (cubically convergent) on g(s) = log(shortfall(s)) - log(1 - target),
  safeguarded by the same bracket and bisection as the generic solver;
- stops at an evaluated point as soon as Halley's correction there is below the tolerance
  (its error estimate is then good to O(correction^2)), and
- reports every metric from that last evaluation, exactly as ``metrics.sq_metrics`` would
  (except where s + Q/2 lies below the mean: NaN metrics there, which the caller computes
  with ``metrics.sq_metrics``).

With X ~ N(m, sd^2), z = (s - m) / sd, z' = (s + Q - m) / sd, the standard loss functions
L1 = phi - z Phi-bar, L2 = ((z^2 + 1) Phi-bar - z phi) / 2 (contract: G1 = sd L1, G2 = sd^2 L2):

- beta shortfall   u = sd (L1(z) - L1(z')) / Q,  u' = -(Phi-bar(z) - Phi-bar(z')) / Q,
  u'' = (phi(z) - phi(z')) / (sd Q)
- gamma shortfall  u = sd^2 (L2(z) - L2(z')) / (Q mu),  u' = -sd (L1(z) - L1(z')) / (Q mu),
  u'' = (Phi-bar(z) - Phi-bar(z')) / (Q mu)
- g' = u'/u, g'' = u''/u - g'^2, Halley step -2 g g' / (2 g'^2 - g g'').

The iteration uses the closed forms; at the answer, upper tails (z > 3) are evaluated again
through the Laplace continued fraction as in ``distributions``, so the reported G1 and G2
keep full relative precision.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.kernels import normal_start
from invsl.scalar import special as sp
from invsl.scalar import distributions as dist
from invsl.kernels import solvers
from invsl.scalar.jit import kernel, run_rows, scalar
from invsl.vocabulary import METRIC_BETA

_MAX_ITER = 200


#: (Phi-bar, phi, L1, L2) of the standard normal at z (``exact``: continued-fraction tail)
_standard = dist.standard_normal_tail


#: Halley's last step is taken without a new evaluation when |h| max(1, |z|) is below this
#: (h the step in units of sd): the root is then within about |h|^3, and the Taylor series
#: below carry the loss functions over with a relative error of about (|z| h)^4 / 24
_TAYLOR = 1e-4


@scalar
def _shift(z, qz, pz, l1, l2, cdf, h):
    """(Phi-bar, L1, L2, Phi) at z + h from their values at z, by Taylor series in h.

    Derivatives: Phi-bar' = -phi, phi' = -z phi, L1' = -Phi-bar, L2' = -L1, so
    Phi-bar(z+h) = Phi-bar - phi h + z phi h^2/2 + (1 - z^2) phi h^3/6,
    L1(z+h) = L1 - Phi-bar h + phi h^2/2 - z phi h^3/6 + (z^2 - 1) phi h^4/24,
    L2(z+h) = L2 - L1 h + Phi-bar h^2/2 - phi h^3/6 + z phi h^4/24, and Phi the mirror of
    Phi-bar (``cdf`` NaN: not needed).
    """
    h2 = h * h
    h3 = h2 * h
    ph = pz * h
    dq = -ph + 0.5 * z * pz * h2 + (1.0 - z * z) * pz * h3 / 6.0
    q1 = qz + dq
    l1n = l1 - qz * h + 0.5 * pz * h2 - z * pz * h3 / 6.0 + (z * z - 1.0) * pz * h3 * h / 24.0
    l2n = l2 - l1 * h + 0.5 * qz * h2 - pz * h3 / 6.0 + z * pz * h3 * h / 24.0
    return q1, l1n, l2n, cdf - dq


@scalar
def solve(metric, mean, sd, q, mu, target, tab, quantile, log_limit):
    """The s with metric(s) = target (``METRIC_BETA`` or ``METRIC_GAMMA``), and every metric.

    Returns ``(s, alpha, beta, gamma, ready_rate, expected_backorders, expected_on_hand)``;
    s is NaN when the iteration does not converge. The metrics are NaN where s + Q/2 lies
    below the mean: the cycle averages there need the quadrature of ``metrics.sq_metrics``,
    which the caller runs (``kernels.batch.sq_row``). Absolute tolerance on s:
    ``solvers.REL_TOL * max(1, sd)``, ten times tighter than the contract's. ``tab`` is the
    start table of ``normal_start`` (beta targets start from it where it covers them),
    ``quantile`` the standard normal quantile of the target (``ndtri(target)``) and
    ``log_limit`` = log1p(-target) (the kernel computes both once for the rows that share a
    target).
    """
    s = math.nan
    if metric == METRIC_BETA:
        s = mean + sd * normal_start.start(tab, q / sd, quantile)
    if math.isnan(s):
        s = solvers.start_from_quantile(metric, mean, sd, q, mu, target, quantile)
    return _solve(metric, mean, sd, q, mu, target, s, log_limit)


@scalar
def solve_plain(metric, mean, sd, q, mu, target):
    """Only the reorder point, from the analytic start (used to build the start table)."""
    s = solvers.start_point(metric, mean, sd, q, mu, target)
    return _solve(metric, mean, sd, q, mu, target, s, math.log1p(-target))[0]


@kernel
def build_start_table(xs, ys, out, start, stop):
    """``normal_start``'s table: f = (z* + q/2) / sqrt(1 + q^2/12) at q = e^x, t = Phi(y),
    rows ``start`` .. ``stop - 1`` (of x)."""
    for i in range(start, stop):
        q = math.exp(xs[i])
        for j in range(ys.shape[0]):
            t = 0.5 * math.erfc(-ys[j] / math.sqrt(2.0))
            z = solve_plain(METRIC_BETA, 0.0, 1.0, q, 1.0, t)
            out[i, j] = (z + 0.5 * q) / math.sqrt(1.0 + q * q / 12.0)


@scalar
def _solve(metric, mean, sd, q, mu, target, s, log_limit):
    """``solve`` from the start s (``log_limit`` = log1p(-target))."""
    nan = math.nan
    tol = solvers.REL_TOL * max(1.0, sd)
    step = max(sd, 0.5 * q, 1e-6 * max(1.0, abs(mean)))
    lo = -math.inf
    hi = math.inf
    done = False
    taylor = False
    h = 0.0
    corr = nan
    cdf_a = nan
    za = zb = pb = nan
    qa = pa = l1a = l2a = qb = l1b = l2b = nan
    for _ in range(_MAX_ITER):
        za = (s - mean) / sd
        zb = (s + q - mean) / sd
        qa, pa, l1a, l2a = _standard(za, False)
        qb, pb, l1b, l2b = _standard(zb, False)
        if metric == METRIC_BETA:
            u = sd * (l1a - l1b) / q
            d1 = -(qa - qb) / q
            d2 = (pa - pb) / (sd * q)
        else:
            u = sd * sd * (l2a - l2b) / (q * mu)
            d1 = -sd * (l1a - l1b) / (q * mu)
            d2 = (qa - qb) / (q * mu)
        g = math.log(u) - log_limit if u > 0.0 else -math.inf
        if g > 0.0:
            lo = s
        else:
            hi = s
        if hi - lo <= tol:
            done = True
            break
        corr = nan
        if u > 0.0 and d1 < 0.0:
            g1 = d1 / u
            g2 = d2 / u - g1 * g1
            den = 2.0 * g1 * g1 - g * g2
            corr = -2.0 * g * g1 / den if den > 0.0 else -g / g1
            if abs(corr) <= tol:
                done = True
                break
            h = corr / sd
            if abs(h) * max(1.0, abs(za), abs(zb)) <= _TAYLOR and s + corr > lo and s + corr < hi:
                # Halley's step lands within about |h|^3 of the root: take it, and carry the
                # loss functions over by their Taylor series instead of evaluating them again
                taylor = True
                break
        nxt = s + corr
        if not (nxt > lo and nxt < hi):
            if math.isfinite(lo) and math.isfinite(hi):
                nxt = 0.5 * (lo + hi)
            elif math.isfinite(lo):
                nxt = lo + step
                step *= 2.0
            else:
                nxt = hi - step
                step *= 2.0
        s = nxt
    if taylor:
        if za > 3.0:
            qa, pa, l1a, l2a = _standard(za, True)
            qb, pb, l1b, l2b = _standard(zb, True)
        base_cdf = sp.norm_cdf(za) if za + h < 0.5 else nan
        qa, l1a, l2a, cdf_a = _shift(za, qa, pa, l1a, l2a, base_cdf, h)
        qb, l1b, l2b, _ = _shift(zb, qb, pb, l1b, l2b, nan, h)
        s = s + corr
        done = True
    if not done:
        return nan, nan, nan, nan, nan, nan, nan

    # every metric at s from its evaluation (as metrics.sq_metrics, normal branch)
    net = s + 0.5 * q - mean
    if net < 0.0:
        return s, nan, nan, nan, nan, nan, nan  # (the caller runs metrics.sq_metrics)
    za = (s - mean) / sd
    if za > 3.0 and not taylor:
        # far upper tail: the loss functions again, without cancellation (if only the top of
        # the cycle is beyond z = 3, its closed-form error is far below the bottom's value)
        qa, pa, l1a, l2a = _standard(za, True)
        qb, pb, l1b, l2b = _standard((s + q - mean) / sd, True)
    if za >= 0.0:
        alpha = 1.0 - qa
    elif taylor:
        alpha = cdf_a
    else:
        alpha = sp.norm_cdf(za)
    beta = min(max(1.0 - sd * (l1a - l1b) / q, 0.0), 1.0)
    backorders = max(sd * sd * (l2a - l2b) / q, 0.0)
    on_hand = max(net + backorders, 0.0)
    return s, alpha, beta, 1.0 - backorders / mu, beta, backorders, on_hand


def build_table() -> np.ndarray:
    """The start table of ``normal_start``, f(x, y) on its grid (float64), computed with
    this module's solver from the analytic start (``build_start_table``)."""
    xs, ys = normal_start.grid()
    out = np.empty((xs.size, ys.size))
    run_rows(build_start_table, xs.size, float(ys.size), xs, ys, out)
    return out


if __name__ == "__main__":  # pragma: no cover - maintainers regenerate the table with this
    normal_start.FILE.parent.mkdir(exist_ok=True)
    tab = build_table()
    if not np.isfinite(tab).all():
        raise SystemExit("the table has non-finite entries")
    # float32: 2e-7 relative, far below the 1e-4 aimed at
    np.save(normal_start.FILE, tab.astype(np.float32))
    print(f"wrote {normal_start.FILE} {tab.shape}")
