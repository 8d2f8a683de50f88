"""A table of SKUs through the engine: read, check, dispatch, assemble (evaluate/optimize).

:func:`run` is the one path of :func:`invsl.evaluate` and :func:`invsl.optimize` (and so of
the command line and of ``invsl.dask``, which call them):

1. the call-level arguments are checked (``engine.arguments``: a bad one raises);
2. the columns are resolved and read into arrays (``engine.reader``), the history rows
   prepared (``engine.history_rows``: empirical rows take their moments from the history);
3. every row is validated (``engine.validate.validate_table``, one documented order);
4. every row is computed by its route (``engine.dispatch``);
5. the results go back into the table (``engine.assemble``).

Two output layouts: a table of continuous-review rows only (no ``policy`` column, no
periodic ``policy=``, no review period) gets the (s, Q) columns (:data:`SQ_OUTPUTS`); any
other table the periodic ones (:data:`PERIODIC_OUTPUTS`, with ``order_up_to``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from invsl.engine import dispatch, history_rows
from invsl.engine.arguments import check_arguments
from invsl.engine.calibration import (
    Calibration,
    families,
    nominal_targets,
    read_calibration,
    row_groups,
    segment_column,
)
from invsl.engine.assemble import assemble, kind_column, messages, status_column
from invsl.engine.reader import (
    INPUT_COLUMNS,
    check_frame,
    has_column,
    read_rows,
    resolve_columns,
    sq_required_columns,
    without_history_optional,
)
from invsl.engine.validate import policy_codes, policy_inputs, validate_table
from invsl.kernels import batch
from invsl.kernels.periodic import policies as periodic
from invsl.vocabulary import (
    BAD_TARGET,
    NO_HISTORY,
    OK,
    POLICY_NOT_GIVEN,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
    POLICY_SQ,
    normalise_name,
)

#: output columns of an (s, Q) table, added to the input in order
SQ_OUTPUTS = (*batch.OUTPUTS, "lead_time_distribution", "status", "message")
#: output columns of a table with periodic review, added to the input in order
PERIODIC_OUTPUTS = (
    "reorder_point",
    "order_up_to",
    *batch.OUTPUTS[1:],
    "lead_time_distribution",
    "status",
    "message",
)


def is_periodic(df: pd.DataFrame, policy, review_period, columns) -> bool:
    """True when the table gets the periodic layout: it has a ``policy`` or a
    ``review_period`` column, or ``policy=`` names a periodic policy, or ``review_period=``
    is given without ``policy=``."""
    if has_column(df, columns, "policy"):
        return True
    if policy is not None:
        return normalise_name(policy) not in ("sq", "s,q", "(s,q)")
    return review_period is not None or has_column(df, columns, "review_period")


def row_policies(df, found, policy, review_period, n) -> np.ndarray:
    """The policy code of each row: its cell, else ``policy=``, else sQ, except that a row
    with a review period and neither is ``POLICY_NOT_GIVEN`` (flagged: never silently
    continuous review)."""
    if policy is not None:
        default = np.full(n, policy_codes(policy), dtype=np.int8)
    else:
        has_review = np.full(n, review_period is not None)
        if "review_period" in found and review_period is None:
            cells = df[found["review_period"]]
            has_review = cells.notna().to_numpy()
            if not pd.api.types.is_numeric_dtype(cells.dtype):  # (blank text is empty)
                has_review = has_review & (cells.astype(str).str.strip() != "").to_numpy()
        default = np.where(has_review, POLICY_NOT_GIVEN, POLICY_SQ).astype(np.int8)
    if "policy" not in found:
        return default
    cells = df[found["policy"]]
    empty = cells.isna().to_numpy()  # (blank text is an unknown name, as for distribution)
    codes = np.broadcast_to(policy_codes(cells, default="sQ"), (n,)).astype(np.int8)
    return np.where(empty, default, codes).astype(np.int8)


def required_inputs(solve, present: set[int], history) -> list[str]:
    """The columns a periodic-layout table needs, given the policies of its rows."""
    need = without_history_optional(list(_DEMAND_INPUTS), history)
    if present & {POLICY_SQ, POLICY_RSQ} or (solve and POLICY_RSS in present):
        need.append("order_quantity")
    if not solve and present & {POLICY_SQ, POLICY_RSS, POLICY_RSQ}:
        need.append("reorder_point")
    if not solve and present & {POLICY_RS, POLICY_RSS}:
        need.append("order_up_to")
    return [name for name in INPUT_COLUMNS if name in need]


#: the inputs every row reads, whatever its policy
_DEMAND_INPUTS = ("demand_mean", "demand_std", "lead_time")


def _policies(df, columns, history, policy, review_period):
    """The row policies of a periodic-layout table (its demand columns resolved first, so
    that a table without them fails on them) and the set of policies present."""
    found = resolve_columns(df, columns, without_history_optional(list(_DEMAND_INPUTS), history))
    pcodes = row_policies(df, found, policy, review_period, len(df))
    if len(df):
        present = set((np.flatnonzero(np.bincount(pcodes + 2, minlength=6)) - 2).tolist())
    else:
        present = {int(policy_codes(policy if policy is not None else "sQ"))}
    return pcodes, present


def required_columns(df, solve, policy=None, review_period=None, columns=None, history=None):
    """The columns ``df`` needs for evaluate (``solve`` False) or optimize with these
    arguments (raises InputError for a missing column it needs to decide)."""
    if not is_periodic(df, policy, review_period, columns):
        return sq_required_columns(solve, history)
    _, present = _policies(df, columns, history, policy, review_period)
    return required_inputs(solve, present, history)


def _resolve(df, solve, columns, history, policy, review_period, periodic_layout):
    """The columns of ``df`` (raises InputError for a missing one) and the row policies."""
    if not periodic_layout:
        found = resolve_columns(df, columns, sq_required_columns(solve, history))
        return found, np.full(len(df), POLICY_SQ, dtype=np.int8)
    pcodes, present = _policies(df, columns, history, policy, review_period)
    return resolve_columns(df, columns, required_inputs(solve, present, history)), pcodes


def run(
    df,
    solve: bool,
    *,
    metric,
    target,
    distribution,
    lead_time_std,
    columns: Mapping[str, str] | None,
    history=None,
    history_options=None,
    policy=None,
    review_period=None,
    calibration=None,
) -> pd.DataFrame:
    """Evaluate (``solve`` False) or optimize a table: the engine's whole path."""
    check_frame(df)
    cal = read_calibration(calibration) if solve and calibration is not None else None
    check_arguments(
        metric=metric if solve else None,
        target=target if solve else None,
        distribution=distribution,
        policy=policy,
        lead_time_std=lead_time_std,
        review_period=review_period,
    )
    periodic_layout = is_periodic(df, policy, review_period, columns)
    found, pcodes = _resolve(df, solve, columns, history, policy, review_period, periodic_layout)
    names = ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]
    if periodic_layout:
        names.append("review_period")
    names.append("target" if solve else "reorder_point")
    if periodic_layout:
        names.append("order_up_to")
    rows = read_rows(
        df,
        found,
        names,
        defaults={
            "lead_time_std": lead_time_std,
            "target": target if solve else None,
            "review_period": review_period if review_period is not None else 1.0,
        },
        distribution=distribution,
        metric=metric if solve else None,
    )
    numbers = rows.numbers
    if cal is not None:
        group = _calibrated_families(df, columns, cal, rows)
    ctx = history_rows.prepare(df, rows.distribution, numbers, history, history_options)
    if ctx is not None or periodic_layout:  # (the history and periodic code read every input)
        for name in ("review_period", "order_up_to", "target", "reorder_point"):
            numbers.setdefault(name, np.full(rows.n, np.nan))
    used = policy_inputs(solve, pcodes, numbers)
    status, field = validate_table(
        solve,
        pcodes,
        rows.distribution,
        rows.metric,
        numbers,
        rows.text_mask,
        rows.text_field,
        used=used,
    )
    if cal is not None:
        nominal, flagged, why = nominal_targets(cal, group, rows.metric, numbers["target"], status)
        numbers["target"] = np.where(np.isfinite(nominal), nominal, numbers["target"])
        status[flagged] = BAD_TARGET
        used["target"] = numbers["target"]
    out, kind = dispatch.compute(
        solve, pcodes, rows.distribution, rows.metric, numbers, status, field, ctx, used
    )
    text = messages(status, field, rows.raw, rows.defaults)
    if ctx is not None and ctx.sku_note:
        text = np.where(status == NO_HISTORY, text + ctx.sku_note, text)
    extra = {}
    if cal is not None:
        text = np.where(flagged, why, text)
        extra["nominal_target"] = np.where(status == OK, nominal, np.nan)
    return _assemble(df, solve, found, numbers, out, kind, status, text, periodic_layout, extra)


def _calibrated_families(df, columns, cal: Calibration, rows) -> np.ndarray:
    """The calibration group of each row (``engine.calibration``); the rows take the family
    the calibration was made with (``rows.distribution`` is replaced)."""
    name = segment_column(cal, df.columns, columns)
    n = rows.numbers
    group = row_groups(cal, df[name].to_numpy(dtype=object), n["demand_mean"])
    mean = n["demand_mean"] * n["lead_time"]
    variance = (
        n["demand_std"] ** 2 * n["lead_time"]
        + n["demand_mean"] ** 2 * np.nan_to_num(n.get("lead_time_std", 0.0)) ** 2
    )
    rows.distribution = families(cal, group, rows.distribution, mean, variance, n["target"])
    return group


def _assemble(df, solve, found, numbers, out, kind, status, text, periodic_layout, extra):
    """The output table: the input, then the computed columns of the layout (then
    ``extra``, e.g. the nominal targets of a calibrated optimize)."""
    if periodic_layout:
        computed = {"reorder_point": out[0], "order_up_to": out[8]}
        for i, name in enumerate(periodic.OUTPUTS[1:8], start=1):
            computed[name] = out[i]
        names = PERIODIC_OUTPUTS[:-3]
    else:
        computed = {name: out[i] for i, name in enumerate(batch.OUTPUTS)}
        names = SQ_OUTPUTS[:-3]
    added = {}
    for name in names:
        values = computed[name]
        if not solve and name in ("reorder_point", "order_up_to") and name in found:
            if found[name] == name:
                continue  # evaluate keeps the input column untouched, bad rows included
            values = numbers[name]
        added[name] = values
    added.update(extra)
    added["lead_time_distribution"] = kind_column(kind)
    added["status"] = status_column(status)
    added["message"] = text
    return assemble(df, added)
