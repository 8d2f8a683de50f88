"""DataFrame layer of the periodic-review policies (used by ``invsl.evaluate``/``optimize``).

``frame._run`` hands a table over to ``run`` when it has a ``policy`` column or the
``policy`` keyword is not ``sQ``; a table of plain (s, Q) rows never comes here, so their
output stays exactly as before. Rows are mixed freely: sQ rows go through the continuous
review kernel (``batch.sq_kernel``), the others through ``periodic.periodic_kernel``.

Per policy, the inputs read (besides demand, lead time and ``distribution``):

======  ===========================================  ==========================================
policy  evaluate                                     optimize
======  ===========================================  ==========================================
sQ      reorder_point, order_quantity                order_quantity; solves reorder_point
RS      order_up_to, review_period                   review_period; solves order_up_to
RsS     reorder_point, order_up_to, review_period    order_quantity (= S - s), review_period;
                                                     solves reorder_point (order_up_to = s + gap)
RsQ     reorder_point, order_quantity, review_period order_quantity, review_period; solves
                                                     reorder_point
======  ===========================================  ==========================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from invsl.engine import history_rows as _pmf_frame
from invsl.kernels import batch
from invsl.kernels.periodic import policies as periodic
from invsl.kernels.periodic import pmf as periodic_pmf
from invsl.scalar import distributions as dist
from invsl.vocabulary import (
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    MISSING,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_INTEGER,
    OK,
    UNKNOWN_POLICY,
    ZERO_DEMAND,
)
from invsl.scalar.jit import readonly
from invsl.engine.validate import distribution_codes, metric_codes, policy_codes, validate

#: output columns added to the input in periodic mode, in order
OUTPUT_COLUMNS = (
    "reorder_point",
    "order_up_to",
    *batch.OUTPUTS[1:],
    "lead_time_distribution",
    "status",
    "message",
)

_SQ, _RS, _RSS, _RSQ = periodic.SQ, periodic.RS, periodic.RSS, periodic.RSQ


def is_periodic(df: pd.DataFrame, policy: str, columns) -> bool:
    """True when the table must go through the periodic layer."""
    from invsl.api.frame import _normalise

    if columns and "policy" in columns:
        return True
    if any(_normalise(c) == "policy" for c in df.columns):
        return True
    return str(policy).strip().lower() != "sq"


def required_columns(
    df: pd.DataFrame, solve: bool, policy: str, columns=None, history=None
) -> list[str]:
    """Columns a table needs, given the policies of its rows (raises for an unknown name);
    with a ``history``, demand_mean and demand_std may be left out."""
    from invsl.api.frame import INPUT_COLUMNS, _required, _resolve_columns

    base = _required(["demand_mean", "demand_std", "lead_time"], history)
    found = _resolve_columns(df, columns, base)
    codes = _row_policies(df, found, policy, len(df))
    present = set(np.unique(codes).tolist()) if len(df) else {int(policy_codes(policy))}
    need = list(base)
    if present & {_SQ, _RSQ} or (solve and _RSS in present):
        need.append("order_quantity")
    if not solve and present & {_SQ, _RSS, _RSQ}:
        need.append("reorder_point")
    if not solve and present & {_RS, _RSS}:
        need.append("order_up_to")
    return [name for name in INPUT_COLUMNS if name in need]


def _row_policies(df, found, policy, n):
    raw = df[found["policy"]] if "policy" in found else policy
    return np.broadcast_to(policy_codes(raw, default=policy), (n,)).astype(np.int8)


def run(
    df,
    solve,
    *,
    metric,
    target,
    distribution,
    lead_time_std,
    policy,
    review_period,
    columns,
    history=None,
    history_options=None,
):
    """Evaluate or optimize a table with a policy per row (see the module docstring)."""
    from invsl.api import frame

    n = len(df)
    required = required_columns(df, solve, policy, columns, history)
    found = frame._resolve_columns(df, columns, required)
    raw = {name: df[col] for name, col in found.items()}
    pcodes = _row_policies(df, found, policy, n)

    numbers = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = np.full(n, "", dtype=object)
    names = [
        "demand_mean",
        "demand_std",
        "lead_time",
        "lead_time_std",
        "order_quantity",
        "review_period",
        "target" if solve else "reorder_point",
        "order_up_to",
    ]
    for name in names:
        if name in raw:
            values, text = frame._numeric(raw[name])
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
        elif name == "lead_time_std":
            values = np.full(n, float(lead_time_std))
        elif name == "review_period":
            values = np.full(n, float(review_period))
        elif name == "target":
            values = np.full(n, float(target) if target is not None else np.nan)
        else:
            values = np.full(n, np.nan)
        numbers[name] = values
    if solve and "target" in raw and target is not None:
        numbers["target"] = np.where(
            np.isnan(numbers["target"]) & ~text_mask, float(target), numbers["target"]
        )
    for name, default in (("lead_time_std", lead_time_std), ("review_period", review_period)):
        if name in raw:
            numbers[name] = np.where(np.isnan(numbers[name]), float(default), numbers[name])

    dcodes = distribution_codes(
        raw["distribution"] if "distribution" in raw else distribution,
        default=distribution,
        pmf=True,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
    # empirical / compound_poisson rows (invsl.kernels.periodic.pmf for RS, RsS, RsQ)
    pmf_ctx = _pmf_frame.prepare(df, dcodes, numbers, history, history_options)
    mcodes = np.zeros(n, np.int8)
    if solve:
        mcodes = metric_codes(raw["metric"] if "metric" in raw else metric, default=metric)
        mcodes = np.broadcast_to(mcodes, (n,)).astype(np.int8)

    status, field, out, kind = compute(
        solve,
        pcodes,
        dcodes,
        mcodes,
        numbers,
        text_mask=text_mask,
        text_field=text_field,
        pmf_ctx=pmf_ctx,
    )

    result = df.copy(deep=False)
    columns_out = {"reorder_point": out[0], "order_up_to": out[8]}
    for i, name in enumerate(periodic.OUTPUTS[1:8], start=1):
        columns_out[name] = out[i]
    for name in OUTPUT_COLUMNS[:-3]:
        values = columns_out[name]
        if not solve and name in ("reorder_point", "order_up_to") and name in found:
            if found[name] == name:
                continue  # evaluate keeps the input column untouched, bad rows included
            values = numbers[name]
        result[name] = values
    result["lead_time_distribution"] = frame.kind_column(kind)
    result["status"] = frame.status_column(status)
    result["message"] = pd.Series(frame._messages(status, field, raw), index=df.index, dtype=object)
    return result


def compute(solve, pcodes, dcodes, mcodes, numbers, text_mask=None, text_field=None, pmf_ctx=None):
    """Validate and compute rows of any policy. ``numbers``: float arrays by input name
    (order_quantity, reorder_point, order_up_to, review_period may hold NaN where unused).
    ``pmf_ctx``: the ``_pmf_frame.prepare`` context of empirical / compound_poisson rows.
    Returns ``(status, field, out, kind)`` with ``out`` in the rows of ``periodic.OUTPUTS``."""
    n = pcodes.shape[0]
    # Each policy reads its own inputs; the others get a harmless stand-in so that the shared
    # checks (missing, finite, > 0, whole numbers) only see values that are used.
    is_rs = pcodes == _RS
    uses_q = (pcodes == _SQ) | (pcodes == _RSQ) | (bool(solve) & (pcodes == _RSS))
    uses_s = (not solve) & ((pcodes == _SQ) | (pcodes == _RSS) | (pcodes == _RSQ))
    uses_big_s = (not solve) & (is_rs | (pcodes == _RSS))
    q_eff = np.where(uses_q, numbers["order_quantity"], 1.0)
    s_eff = None if solve else np.where(uses_s, numbers["reorder_point"], 0.0)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=numbers["demand_std"],
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=q_eff,
        distribution=dcodes,
        reorder_point=s_eff,
        metric=mcodes if solve else None,
        target=numbers["target"] if solve else None,
    )

    def flag(mask, code, name):
        mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name

    # checks of the periodic inputs, ahead of zero_demand (which is not an input error)
    zero = status == ZERO_DEMAND
    status[zero] = OK
    periodic_rows = pcodes > 0
    rp = numbers["review_period"]
    flag(pcodes < 0, UNKNOWN_POLICY, "policy")
    flag(periodic_rows & np.isnan(rp), MISSING, "review_period")
    flag(periodic_rows & np.isinf(rp), NOT_FINITE, "review_period")
    flag(periodic_rows & ~((rp >= 1) & (rp == np.floor(rp))), BAD_REVIEW_PERIOD, "review_period")
    big_s = numbers["order_up_to"]
    flag(uses_big_s & np.isnan(big_s), MISSING, "order_up_to")
    flag(uses_big_s & np.isinf(big_s), NOT_FINITE, "order_up_to")
    integer = (dcodes == dist.POISSON) | (dcodes == dist.NEGBIN)
    flag(uses_big_s & integer & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    if not solve:
        flag((pcodes == _RSS) & ~(big_s > numbers["reorder_point"]), BAD_ORDER_UP_TO, "order_up_to")
    status[zero & (status == OK)] = ZERO_DEMAND
    if text_mask is not None:
        status[text_mask] = NOT_A_NUMBER
        field[text_mask] = text_field[text_mask]

    if pmf_ctx is not None:  # computed by invsl.kernels.pmf / invsl.kernels.periodic.pmf below
        pmf_status = status[pmf_ctx.rows]
        status[pmf_ctx.rows] = _pmf_frame.SKIP
    out, kind = periodic.allocate(n)  # rows: periodic.OUTPUTS
    sq_rows = pcodes == _SQ
    if sq_rows.any():
        sq_status = np.where(sq_rows, status, np.uint8(255)).astype(np.uint8)
        sq_out, sq_kind = batch.sq(
            solve,
            dcodes,
            mcodes,
            numbers["target"] if solve else np.full(n, np.nan),
            numbers["demand_mean"],
            numbers["demand_std"],
            numbers["lead_time"],
            numbers["lead_time_std"],
            q_eff,
            np.full(n, np.nan) if solve else s_eff,
            sq_status,
        )
        out[:8, sq_rows] = sq_out[:, sq_rows]
        kind[sq_rows] = sq_kind[sq_rows]
        status[sq_rows] = sq_status[sq_rows]
    per_status = np.where(periodic_rows, status, np.uint8(255)).astype(np.uint8)
    # inputs read-only, whatever their source (pandas views or numpy copies): one compiled
    # specialisation of the kernel (see invsl.scalar.jit.readonly)
    inputs = [
        pcodes,
        dcodes,
        mcodes,
        numbers["target"] if solve else np.full(n, np.nan),
        numbers["demand_mean"],
        numbers["demand_std"],
        numbers["lead_time"],
        numbers["lead_time_std"],
        rp,
        q_eff,
        np.full(n, np.nan) if solve else s_eff,
        np.where(uses_big_s, big_s, np.nan),
    ]
    periodic.periodic_kernel(solve, *map(readonly, inputs), per_status, out, kind)
    status[periodic_rows] = per_status[periodic_rows]
    if pmf_ctx is not None:
        status[pmf_ctx.rows] = pmf_status
        periodic_pmf.compute_frame(
            pmf_ctx, solve, pcodes, mcodes, numbers, status, field, out, kind
        )
    if solve:
        zero = status == ZERO_DEMAND
        out[0, zero & (pcodes != _RS)] = 0.0  # no stock needed
        out[1, zero] = 0.0
        out[8, zero & is_rs] = 0.0
        out[8, zero & (pcodes == _RSS)] = q_eff[zero & (pcodes == _RSS)]

    return status, field, out, kind
