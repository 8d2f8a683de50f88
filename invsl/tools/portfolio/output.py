"""Every metric of a portfolio at given reorder points, its aggregates, and the per-SKU
output table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from invsl.engine.assemble import kind_column, status_column
from invsl.kernels import batch
from invsl.engine.dispatch import apply_zero_demand
from invsl.vocabulary import OK, POLICY_SQ, ZERO_DEMAND
from invsl.vocabulary import INVESTMENT_SAFETY_STOCK


def aggregates(prep, out):
    """Demand-weighted aggregate fill rate and gamma, and the value of backorders."""
    act = prep.active
    mu = prep.numbers["demand_mean"][act]
    total = mu.sum()
    fill = float((mu * out[3, act]).sum() / total) if total > 0 else math.nan
    gamma = float(1.0 - (out[6, act]).sum() / total) if total > 0 else math.nan
    backorder_value = float((prep.c[act] * out[6, act]).sum())
    ss_value = float((prep.c[act] * out[1, act]).sum())
    oh_value = float((prep.c[act] * out[7, act]).sum())
    return fill, gamma, backorder_value, ss_value, oh_value


def evaluate_at(prep, s, status):
    """Every metric (batch.OUTPUTS rows) and the fitted kinds at reorder points s."""
    n_ = prep.numbers
    return batch.sq(
        False,
        prep.dcodes,
        np.zeros(prep.n, np.int8),
        np.full(prep.n, np.nan),
        n_["demand_mean"],
        n_["demand_std"],
        n_["lead_time"],
        n_["lead_time_std"],
        prep.q,
        np.where(prep.active, s, np.nan),
        status,
    )


def sku_frame(prep, s):
    """Per-SKU output frame at reorder points s, through the batch evaluation kernel."""
    status = prep.status.copy()
    out, kind = evaluate_at(prep, s, np.where(prep.active, OK, status).astype(np.uint8))
    zero = status == ZERO_DEMAND
    apply_zero_demand(out, status, np.full(status.shape[0], POLICY_SQ, np.int8), prep.q)
    result = prep.df.copy(deep=False)
    for i, name in enumerate(batch.OUTPUTS):
        result[name] = out[i]
    invest = out[1] if prep.inv == INVESTMENT_SAFETY_STOCK else out[7]
    result["investment"] = np.where(prep.active, prep.c * invest, np.where(zero, 0.0, np.nan))
    result["lead_time_distribution"] = kind_column(kind)
    result["status"] = status_column(status)
    result["message"] = pd.Series(prep.message, index=prep.df.index, dtype=object)
    return result, out
