"""DataFrame dispatch of the pmf-based distributions ``empirical`` and ``compound_poisson``.

``invsl.api.frame`` calls :func:`prepare` before validation (empirical rows take their
``demand_mean`` and ``demand_std`` from the history, so that validation sees them) and
:func:`compute` after the kernel of the two-moment distributions, which skips these rows.
Everything is vectorised numpy plus the prange kernels of ``invsl.kernels.pmf``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from invsl.kernels import pmf
from invsl.vocabulary import (
    BAD_HISTORY,
    COMPOUND_POISSON_VARIANCE,
    FRACTIONAL_LEAD_TIME,
    NO_HISTORY,
    NOT_INTEGER,
    OK,
    PMF_TOO_LARGE,
    RANDOM_LEAD_TIME,
)

#: status given to pmf rows while the two-moment kernel runs (it skips rows that are not OK)
SKIP = 255

HISTORY_KEYS = ("sku", "period", "demand", "missing")


class Context:
    """What :func:`prepare` found out, for :func:`compute`."""

    rows: np.ndarray  # pmf rows (bool)
    empirical: np.ndarray  # empirical rows (bool)
    compound: np.ndarray  # compound_poisson rows (bool)
    sku_index: np.ndarray  # per row: SKU number in the history, -1 if none
    no_history: np.ndarray  # empirical rows without (usable) history: status code or 0
    groups: Any


def prepare(
    df: pd.DataFrame, dcodes: np.ndarray, numbers: dict, history, history_options: Mapping | None
):
    """Context for the pmf rows, or None when there are none; fills empirical moments.

    Raises InputError when empirical rows exist but ``history`` is missing or the table has
    no SKU column to match it.
    """
    from invsl.api.frame import InputError
    from invsl.api.history import FIT_OK, _Groups, _moments

    empirical = dcodes == pmf.EMPIRICAL
    compound = dcodes == pmf.COMPOUND_POISSON
    rows = empirical | compound
    if not rows.any():
        return None
    ctx = Context()
    ctx.rows, ctx.empirical, ctx.compound = rows, empirical, compound
    n = len(dcodes)
    ctx.sku_index = np.full(n, -1, dtype=np.int64)
    ctx.no_history = np.zeros(n, dtype=np.uint8)
    ctx.groups = None
    if not empirical.any():
        return ctx
    options = dict(history_options or {})
    unknown = set(options) - set(HISTORY_KEYS)
    if unknown:
        raise InputError(f"history_options: unknown keys {sorted(unknown)}; use {HISTORY_KEYS}")
    if history is None:
        raise InputError(
            "distribution 'empirical' needs the demand history: pass history=<long table with "
            "columns sku, period, demand> (or use compound_poisson)"
        )
    sku = options.get("sku", "sku")
    if sku not in df.columns:
        raise InputError(
            f"distribution 'empirical' matches rows to the history by the column {sku!r}, "
            f"which the table does not have; name it with history_options={{'sku': ...}}"
        )
    g = _Groups(
        history,
        sku,
        options.get("period", "period"),
        options.get("demand", "demand"),
        options.get("missing", "zero"),
    )
    mean, var, _, _, _ = _moments(g, 1)
    good = (g.status == FIT_OK) & g.integer & (g.periods > 1)
    index = pd.Index(g.skus).get_indexer(df[sku])
    ctx.sku_index = np.where(empirical, index, -1)
    ctx.groups = g
    found = ctx.sku_index >= 0
    usable = found & good[np.maximum(ctx.sku_index, 0)]
    ctx.no_history[empirical & ~found] = NO_HISTORY
    ctx.no_history[empirical & found & ~usable] = BAD_HISTORY
    ctx.sku_index[~usable] = -1
    take = np.maximum(ctx.sku_index, 0)
    numbers["demand_mean"] = np.where(
        empirical, np.where(usable, mean[take], 1.0), numbers["demand_mean"]
    )
    numbers["demand_std"] = np.where(
        empirical, np.where(usable, np.sqrt(np.maximum(var[take], 0.0)), 1.0), numbers["demand_std"]
    )
    return ctx


def _period_pmfs(g, needed: np.ndarray):
    """Per-period demand pmfs (flat values, start, length) of the needed history SKUs."""
    n = len(g.skus)
    top = np.zeros(n)
    np.maximum.at(top, g.code, g.value)
    needed = needed & (top < pmf.MAX_SUPPORT)
    length = np.where(needed, top.astype(np.int64) + 1, 0)
    start = pmf.offsets(length)
    use = needed[g.code]
    counts = np.bincount(
        start[:-1][g.code[use]] + g.value[use].astype(np.int64), minlength=int(start[-1])
    ).astype(float)
    counts[start[:-1][needed]] += (g.periods - g.rows)[needed]  # absent periods: zero demand
    counts /= np.repeat(g.periods.astype(float), length)
    return counts, start[:-1], length


def compute(
    ctx: Context,
    solve: bool,
    mcodes,
    numbers: dict,
    status: np.ndarray,
    field: np.ndarray,
    out: np.ndarray,
    kind: np.ndarray,
) -> None:
    """Compute the pmf rows into ``out``/``kind``, setting their ``status``/``field``."""

    def flag(mask, code, name):
        mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name

    rows = ctx.rows
    for code in (NO_HISTORY, BAD_HISTORY):
        flag(rows & (ctx.no_history == code), code, "")
    q = numbers["order_quantity"]
    flag(rows & (numbers["lead_time_std"] > 0), RANDOM_LEAD_TIME, "lead_time_std")
    flag(rows & (q != np.floor(q)), NOT_INTEGER, "order_quantity")
    if not solve:
        s = numbers["reorder_point"]
        flag(rows & (s != np.floor(s)), NOT_INTEGER, "reorder_point")
    lead = numbers["lead_time"]
    flag(ctx.empirical & (lead != np.floor(lead)), FRACTIONAL_LEAD_TIME, "lead_time")
    mean = numbers["demand_mean"]
    var = numbers["demand_std"] ** 2
    # var == mean is allowed (Poisson); allow the round-off of a std given as sqrt(mean)
    flag(ctx.compound & (var < mean * (1.0 - 1e-12)), COMPOUND_POISSON_VARIANCE, "demand_std")

    metric = mcodes if solve else np.zeros(len(status), np.int8)
    target = numbers["target"] if solve else np.full(len(status), np.nan)
    reorder = np.full(len(status), np.nan) if solve else numbers["reorder_point"]
    for which, code in ((ctx.empirical, pmf.EMPIRICAL), (ctx.compound, pmf.COMPOUND_POISSON)):
        idx = np.flatnonzero(which)
        if idx.size == 0:
            continue
        sub = status[idx].copy()
        if code == pmf.EMPIRICAL:
            g = ctx.groups
            needed = np.zeros(len(g.skus), dtype=np.bool_)
            sku = ctx.sku_index[idx]
            needed[sku[(sub == OK) & (sku >= 0)]] = True
            pv, ps, pl = _period_pmfs(g, needed)
            sku = np.maximum(sku, 0)
            sub[(sub == OK) & (pl[sku] == 0)] = PMF_TOO_LARGE
            plen = np.where(sub == OK, pl[sku], 1)
            values, start, length = pmf.empirical_lead_time(
                pv, ps[sku], plen, np.where(sub == OK, lead[idx], 0).astype(np.int64), sub
            )
            ratio = np.zeros(idx.size)  # demand taken unit by unit: no undershoot
        else:
            values, start, length, ratio = pmf.compound_poisson_lead_time(
                mean[idx], np.sqrt(np.maximum(var[idx], mean[idx])), lead[idx], sub
            )
        sub_out = np.full((out.shape[0], idx.size), np.nan)
        pmf.pmf_sq_kernel(
            solve,
            metric[idx],
            target[idx],
            values,
            start,
            length,
            ratio,
            mean[idx],
            q[idx],
            reorder[idx],
            sub,
            sub_out,
        )
        fitted = sub == OK  # after the kernel: rows it flags show no fitted distribution
        out[:, idx] = sub_out
        changed = sub != status[idx]
        status[idx] = sub
        field[idx[changed]] = ""
        kind[idx[fitted]] = code
