"""One-step-ahead forecasts of the demand per period for the backtest's demand models:
simple exponential smoothing, Croston's method with the Syntetos-Boylan approximation and
Teunter-Syntetos-Babai, as numba kernels over SKUs.

The recursions, their initialisation and the references are documented in
:func:`invsl.tools.backtest.models.one_step_forecasts`, which checks the arguments and calls
these kernels. Each kernel computes the SKUs ``start`` .. ``stop - 1``, each on its own, so
that ``scalar.jit.run_rows`` can split the SKUs among threads (:data:`PERIOD_WEIGHTS`).
"""

from __future__ import annotations

import numpy as np

from invsl.scalar.jit import borrowed, kernel, tiny

#: cost of one period of one SKU in each kernel, by model [rows of the (s, Q) normal kernel,
#: the unit of ``scalar.jit.run_rows``]: about 3 ns (ses) and 8 ns (croston_sba, tsb) against
#: 0.3 us a row, measured on one thread on 2,000-20,000 intermittent SKUs x 60-500 periods
PERIOD_WEIGHTS = {"ses": 0.01, "croston_sba": 0.025, "tsb": 0.025}

# ---------------------------------------------------------------------------------------------
# scalar helper


@tiny
def smooth(previous, value, alpha, k):
    """The smoothed value after its k-th observation ``value`` (k >= 1), with the weight
    w = max(alpha, 1/k): ``value`` itself when w = 1 (k = 1 or alpha = 1), otherwise
    previous + w (value - previous) (which keeps a constant series exactly constant)."""
    w = 1.0 / k
    if w < alpha:
        w = alpha
    if w >= 1.0:
        return value
    return previous + w * (value - previous)


# ---------------------------------------------------------------------------------------------
# one-step-ahead forecasts: out[i, t] uses demand[i, first[i]:t] only, for t = 0 .. T


@kernel
def ses_kernel(demand, first, alpha, out, start, stop):
    """Simple exponential smoothing of the demand per period of the SKUs ``start`` ..
    ``stop - 1`` into ``out`` (see ``models.one_step_forecasts``)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    demand, first, alpha, out = borrowed((demand, first, alpha, out))
    periods = demand.shape[1]
    for i in range(start, stop):
        level = np.nan
        k = 0
        for t in range(periods):
            out[i, t] = level
            x = demand[i, t]
            if t < first[i] or np.isnan(x):
                continue
            k += 1
            level = smooth(level, x, alpha, k)
        out[i, periods] = level


@kernel
def croston_sba_kernel(demand, first, alpha, out, start, stop):
    """Croston's method with Syntetos-Boylan's correction, SKUs ``start`` .. ``stop - 1`` (see
    ``models.one_step_forecasts``)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    demand, first, alpha, out = borrowed((demand, first, alpha, out))
    periods = demand.shape[1]
    factor = 1.0 - 0.5 * alpha
    for i in range(start, stop):
        size = 0.0
        interval = 0.0
        since = 0
        k = 0
        seen = False
        for t in range(periods + 1):
            if not seen:
                out[i, t] = np.nan
            elif k == 0:
                out[i, t] = 0.0
            else:
                out[i, t] = factor * size / interval
            if t == periods:
                break
            x = demand[i, t]
            if t < first[i] or np.isnan(x):
                continue
            seen = True
            since += 1
            if x > 0.0:
                k += 1
                size = smooth(size, x, alpha, k)
                interval = smooth(interval, float(since), alpha, k)
                since = 0


@kernel
def tsb_kernel(demand, first, alpha_d, alpha_p, out, start, stop):
    """Teunter-Syntetos-Babai, SKUs ``start`` .. ``stop - 1`` (see ``models.one_step_forecasts``)."""
    # (the arguments without reference counts: scalar.jit.borrowed)
    demand, first, alpha_d, alpha_p, out = borrowed((demand, first, alpha_d, alpha_p, out))
    periods = demand.shape[1]
    for i in range(start, stop):
        prob = 0.0
        size = 0.0
        kp = 0
        kd = 0
        for t in range(periods + 1):
            if kp == 0:
                out[i, t] = np.nan
            elif kd == 0:
                out[i, t] = 0.0
            else:
                out[i, t] = prob * size
            if t == periods:
                break
            x = demand[i, t]
            if t < first[i] or np.isnan(x):
                continue
            kp += 1
            occurred = 1.0 if x > 0.0 else 0.0
            prob = smooth(prob, occurred, alpha_p, kp)
            if x > 0.0:
                kd += 1
                size = smooth(size, x, alpha_d, kd)


__all__ = ["PERIOD_WEIGHTS", "croston_sba_kernel", "ses_kernel", "smooth", "tsb_kernel"]
