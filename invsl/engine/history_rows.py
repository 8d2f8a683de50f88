"""The rows of the pmf-based distributions ``empirical`` and ``compound_poisson``.

``engine.table`` (and the simulator) call :func:`prepare` before validation: empirical rows
take their ``demand_mean`` and ``demand_std`` from the history, matched by SKU value
(:func:`match_skus`), so that validation sees them. The dispatcher's history route calls
:func:`compute_frame`, which flags what these families need (a fixed and, for empirical, a
whole lead time, a usable history, enough variance) and computes sQ rows
(:func:`compute_sq`, ``kernels.pmf``) and periodic rows (:func:`compute_periodic`,
``kernels.periodic.pmf``). Everything is vectorised numpy plus the row kernels, each call
on several threads when it has much work (``scalar.jit.run_rows``, ``kernels.units.run_on``,
with the row weights of the kernel modules).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from invsl.engine.history_table import HistoryGroups, history_moments
from invsl.engine.validate import RowFlags
from invsl.engine.reader import InputError
from invsl.kernels import lattice, pmf, units
from invsl.kernels.periodic import pmf as periodic_pmf
from invsl.vocabulary import (
    BAD_HISTORY,
    COMPOUND_POISSON_VARIANCE,
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    FIT_OK,
    FRACTIONAL_LEAD_TIME,
    NO_HISTORY,
    NOT_INTEGER,
    OK,
    PMF_TOO_LARGE,
    POLICY_RS,
    POLICY_RSQ,
    POLICY_RSS,
    POLICY_SQ,
    RANDOM_LEAD_TIME,
)

HISTORY_KEYS = ("sku", "period", "demand", "missing")


class Context:
    """What :func:`prepare` found out, for :func:`compute`."""

    rows: np.ndarray  # pmf rows (bool)
    empirical: np.ndarray  # empirical rows (bool)
    compound: np.ndarray  # compound_poisson rows (bool)
    sku_index: np.ndarray  # per row: SKU number in the history, -1 if none
    no_history: np.ndarray  # empirical rows without (usable) history: status code or 0
    groups: Any
    #: why some ids found no history although they may be meant to ("" if nothing to say)
    sku_note: str = ""


def prepare(
    df: pd.DataFrame, dcodes: np.ndarray, numbers: dict, history, history_options: Mapping | None
):
    """Context for the pmf rows, or None when there are none; fills empirical moments.

    Raises InputError when empirical rows exist but ``history`` is missing or the table has
    no SKU column to match it.
    """
    empirical = dcodes == DEMAND_EMPIRICAL
    compound = dcodes == DEMAND_COMPOUND_POISSON
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
    g = HistoryGroups(
        history,
        sku,
        options.get("period", "period"),
        options.get("demand", "demand"),
        options.get("missing", "zero"),
    )
    mean, var, _, _, _ = history_moments(g, 1)
    good = (g.status == FIT_OK) & g.integer & (g.periods > 1)
    index, ctx.sku_note = match_skus(df[sku], g.skus)
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


def _sku_key(value) -> object:
    """An id as it is matched across dtypes: a whole number (int, or float with an integer
    value) as its decimal text, text as written, anything else as itself."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value):
        return str(int(value))
    return value


def _kind(values) -> str:
    dtype = getattr(values, "dtype", None)
    if dtype is None or dtype == object or pd.api.types.is_string_dtype(dtype):
        return "text"
    return str(dtype)


def match_skus(table_skus: pd.Series, history_skus) -> tuple[np.ndarray, str]:
    """Position in ``history_skus`` of each id of the table (-1 where none), and a note for
    the message of unmatched rows ("" if there is nothing to add).

    Ids are matched by value: exactly first, then, for the ids left over, across dtypes
    (the integer 101, the float 101.0 and the text "101" are one id; "0101" is not 101).
    """
    history_index = pd.Index(history_skus)
    index = history_index.get_indexer(table_skus)
    missing = index < 0
    if not missing.any():
        return index, ""
    codes, distinct = pd.factorize(table_skus[missing], sort=False)
    keys = pd.Index([_sku_key(v) for v in history_index])
    if keys.has_duplicates:  # two ids of the history read as one: keep the exact match only
        found = np.full(len(distinct), -1)
    else:
        found = keys.get_indexer([_sku_key(v) for v in distinct])
    index = index.copy()
    index[np.flatnonzero(missing)] = np.where(codes >= 0, found[np.maximum(codes, 0)], -1)
    table_kind, history_kind = _kind(table_skus), _kind(history_index)
    note = ""
    if table_kind != history_kind:
        note = (
            f" (the table's sku column holds {table_kind}, the history's {history_kind}; ids are"
            " matched by value: 101 matches '101' but not '0101')"
        )
    return index, note


def period_pmfs(g, needed: np.ndarray):
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


def period_tops(g) -> np.ndarray:
    """The largest per-period demand of each history SKU (0 for none)."""
    top = np.zeros(len(g.skus))
    np.maximum.at(top, g.code, g.value)
    return top


def period_values(g, needed: np.ndarray):
    """Per-period demand pmfs of the needed history SKUs as their distinct demands: (values,
    probs, start, length) per SKU, values ascending (absent periods: demand 0).

    Demands must be whole numbers below 2^31 (``pmf.MAX_SUPPORT`` is below): each history row
    is one int64 key (SKU << 32 | demand), sorted once.
    """
    use = needed[g.code]
    absent = np.where(needed, g.periods - g.rows, 0)
    key = np.concatenate(
        [
            (g.code[use].astype(np.int64) << 32) | g.value[use].astype(np.int64),
            np.repeat(np.arange(len(g.skus), dtype=np.int64) << 32, absent),
        ]
    )
    key.sort()
    first = np.ones(key.size, dtype=np.bool_)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, key.size))
    ucode = key[starts] >> 32
    probs = counts / g.periods[ucode].astype(float)
    length = np.bincount(ucode, minlength=len(g.skus)).astype(np.int64)
    start = pmf.offsets(length)[:-1]
    return (key[starts] & 0xFFFFFFFF).astype(float), probs, start, length


def lattice_rows(ctx, solve, idx, metric, target, numbers) -> lattice.LatticeSqRows:
    """The kernel inputs of the large rows ``idx`` (``pmf.needs_lattice``)."""
    emp = ctx.empirical[idx]
    mean = numbers["demand_mean"][idx]
    var = np.maximum(numbers["demand_std"][idx] ** 2, mean)
    lead = numbers["lead_time"][idx]
    values = probs = np.zeros(0)
    start = np.zeros(idx.size, dtype=np.int64)
    length = np.zeros(idx.size, dtype=np.int64)
    if emp.any():
        g = ctx.groups
        sku = ctx.sku_index[idx]
        needed = np.zeros(len(g.skus), dtype=np.bool_)
        needed[sku[emp]] = True
        values, probs, sku_start, sku_length = period_values(g, needed)
        take = np.maximum(sku, 0)
        start = np.where(emp, sku_start[take], 0)
        length = np.where(emp, sku_length[take], 0)
    with np.errstate(all="ignore"):  # the empirical rows' moments do not enter here
        m = 0.5 * (var / mean + 1.0)
        rate = np.where(emp, 0.0, mean / m * lead)
        ratio = np.where(emp, 0.0, 1.0 - 1.0 / m)
    return lattice.LatticeSqRows(
        metric=metric[idx],
        target=target[idx],
        empirical=emp,
        values=values,
        probs=probs,
        start=start.astype(np.int64),
        length=length.astype(np.int64),
        lead_time=np.where(emp, lead, 0).astype(np.int64),
        rate=rate,
        size_ratio=ratio,
        demand_mean=mean,
        order_quantity=numbers["order_quantity"][idx],
        reorder_point=numbers["reorder_point"][idx] if not solve else np.full(idx.size, np.nan),
    )


def compute_lattice(ctx, solve, idx, metric, target, numbers, status, out) -> None:
    """The large rows ``idx`` (``pmf.needs_lattice``) by ``lattice.lattice_sq_kernel``: each
    family's rows by the copy of its compile unit (``lattice.unit_kernel``; the other
    family's rows skipped), on several threads above ``scalar.jit.SERIAL_ROWS`` weighted
    rows."""
    sub = status[idx]
    emp = ctx.empirical[idx]
    rows = lattice_rows(ctx, solve, idx, metric, target, numbers)
    sub_out = np.full((out.shape[0], idx.size), np.nan)
    for unit, mine in (("empirical", emp), ("compound_poisson", ~emp)):
        count = int(np.count_nonzero(mine))
        if count == 0:
            continue
        which = None if count == idx.size else np.flatnonzero(mine)
        args = ((solve, rows, pmf.MAX_SUPPORT), (sub_out,))
        units.run_on(lattice.unit_kernel(unit), which, lattice.ROW_WEIGHT, sub, *args)
    out[:, idx] = sub_out
    status[idx] = sub


def compute_sq(
    ctx: Context,
    solve: bool,
    mcodes,
    numbers: dict,
    status: np.ndarray,
    field: np.ndarray,
    out: np.ndarray,
    kind: np.ndarray,
) -> None:
    """Compute the sQ pmf rows into ``out``/``kind``, setting their ``status``/``field``."""

    flag = RowFlags(status, field)

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
    # large demands: the coarse lattice (empirical rows whose largest period is beyond
    # MAX_SUPPORT stay on the exact path, which flags them)
    top = np.zeros(len(status))
    if ctx.empirical.any():
        sku = ctx.sku_index
        top = np.where(ctx.empirical & (sku >= 0), period_tops(ctx.groups)[np.maximum(sku, 0)], 0)
    large = (
        rows
        & (status == OK)
        & (top < pmf.MAX_SUPPORT)
        & pmf.needs_lattice(ctx.empirical, top, lead, mean, var)
    )
    if large.any():
        idx = np.flatnonzero(large)
        before = status[idx].copy()
        compute_lattice(ctx, solve, idx, metric, target, numbers, status, out)
        field[idx[status[idx] != before]] = ""
        ok = status[idx] == OK
        kind[idx[ok]] = np.where(ctx.empirical[idx[ok]], DEMAND_EMPIRICAL, DEMAND_COMPOUND_POISSON)
    for which, code in ((ctx.empirical, DEMAND_EMPIRICAL), (ctx.compound, DEMAND_COMPOUND_POISSON)):
        idx = np.flatnonzero(which & ~large)
        if idx.size == 0:
            continue
        sub = status[idx].copy()
        if code == DEMAND_EMPIRICAL:
            g = ctx.groups
            needed = np.zeros(len(g.skus), dtype=np.bool_)
            sku = ctx.sku_index[idx]
            needed[sku[(sub == OK) & (sku >= 0)]] = True
            pv, ps, pl = period_pmfs(g, needed)
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
        kernel_rows = pmf.PmfSqRows(
            metric=metric[idx],
            target=target[idx],
            values=values,
            start=start,
            length=length,
            size_ratio=ratio,
            demand_mean=mean[idx],
            order_quantity=q[idx],
            reorder_point=reorder[idx],
        )
        pmf.sq(solve, kernel_rows, sub, sub_out)
        fitted = sub == OK  # after the kernel: rows it flags show no fitted distribution
        out[:, idx] = sub_out
        changed = sub != status[idx]
        status[idx] = sub
        field[idx[changed]] = ""
        kind[idx[fitted]] = code


def restrict(ctx, mask):
    """A copy of a :class:`Context` limited to the rows in ``mask``."""
    sub = Context()
    sub.rows = ctx.rows & mask
    sub.empirical = ctx.empirical & mask
    sub.compound = ctx.compound & mask
    sub.sku_index = ctx.sku_index
    sub.no_history = ctx.no_history
    sub.groups = ctx.groups
    return sub


def compute_frame(ctx, solve, pcodes, mcodes, numbers, status, field, out, kind) -> None:
    """Every empirical / compound_poisson row: sQ rows by :func:`compute_sq`, RS, RsS and
    RsQ rows by :func:`compute_periodic`. ``status``/``field`` hold the validation of every
    row and are updated for these rows; ``out`` (9, n) and ``kind`` are written for them.
    """
    sq = ctx.rows & (pcodes == POLICY_SQ)
    if sq.any():
        compute_sq(restrict(ctx, sq), solve, mcodes, numbers, status, field, out, kind)
    periodic_rows = ctx.rows & (pcodes > POLICY_SQ)
    if periodic_rows.any():
        compute_periodic(
            restrict(ctx, periodic_rows), solve, pcodes, mcodes, numbers, status, field, out, kind
        )


def compute_periodic(ctx, solve, pcodes, mcodes, numbers, status, field, out, kind) -> None:
    """Compute the periodic rows (RS, RsS, RsQ) of pmf distributions (``ctx.rows``)."""
    rows = ctx.rows

    flag = RowFlags(status, field, rows)

    for code in (NO_HISTORY, BAD_HISTORY):
        flag(ctx.no_history == code, code, "")
    flag(numbers["lead_time_std"] > 0, RANDOM_LEAD_TIME, "lead_time_std")
    q = numbers["order_quantity"]
    uses_q = (pcodes == POLICY_RSQ) | (bool(solve) & (pcodes == POLICY_RSS))
    flag(uses_q & (q != np.floor(q)), NOT_INTEGER, "order_quantity")
    if not solve:
        s = numbers["reorder_point"]
        big_s = numbers["order_up_to"]
        flag((pcodes != POLICY_RS) & (s != np.floor(s)), NOT_INTEGER, "reorder_point")
        flag((pcodes != POLICY_RSQ) & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    lead = numbers["lead_time"]
    flag(ctx.empirical & (lead != np.floor(lead)), FRACTIONAL_LEAD_TIME, "lead_time")
    mean = numbers["demand_mean"]
    var = numbers["demand_std"] ** 2
    flag(ctx.compound & (var < mean * (1.0 - 1e-12)), COMPOUND_POISSON_VARIANCE, "demand_std")

    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return
    sub = status[idx].copy()
    ok = sub == OK
    review = np.where(ok, numbers["review_period"][idx], 1.0)
    lead_ok = np.where(ok, lead[idx], 0.0)
    # per-period pmfs of the empirical rows, from the history
    p_values = np.zeros(0)
    p_start = np.zeros(idx.size, dtype=np.int64)
    p_length = np.zeros(idx.size, dtype=np.int64)
    emp = ctx.empirical[idx]
    if emp.any():
        g = ctx.groups
        sku = ctx.sku_index[idx]
        needed = np.zeros(len(g.skus), dtype=np.bool_)
        needed[sku[(sub == OK) & emp & (sku >= 0)]] = True
        p_values, ps, pl = period_pmfs(g, needed)
        take = np.maximum(sku, 0)
        length = np.where(emp & (sub == OK), pl[take], 0)
        sub[emp & (sub == OK) & (length == 0)] = PMF_TOO_LARGE
        longest = (length - 1) * (lead_ok + review) + 1
        sub[emp & (sub == OK) & (longest > pmf.MAX_SUPPORT)] = PMF_TOO_LARGE
        p_start = np.where(emp & (sub == OK), ps[take], 0).astype(np.int64)
        p_length = np.where(emp & (sub == OK), length, 0).astype(np.int64)
    rate, ratio = periodic_pmf.stuttering(mean[idx], numbers["demand_std"][idx])
    comp = ctx.compound[idx]
    rate = np.where(comp & (sub == OK), rate, 0.0)
    ratio = np.where(comp & (sub == OK), ratio, 0.0)
    codes = np.where(emp, DEMAND_EMPIRICAL, DEMAND_COMPOUND_POISSON).astype(np.int8)
    sub_out = np.full((out.shape[0], idx.size), np.nan)
    nan = np.full(idx.size, np.nan)
    ok = sub == OK
    rows = periodic_pmf.PmfPeriodicRows(
        policy=pcodes[idx].astype(np.int8),
        kind=codes,
        metric=mcodes[idx].astype(np.int8) if solve else np.zeros(idx.size, np.int8),
        target=numbers["target"][idx] if solve else nan,
        period_values=np.ascontiguousarray(p_values, dtype=np.float64),
        period_start=p_start,
        period_length=p_length,
        rate=rate,
        ratio=ratio,
        demand_mean=np.where(ok, mean[idx], 1.0),
        lead_time=np.where(ok, lead[idx], 0.0),
        review_period=np.where(ok, review, 1.0),
        order_quantity=np.where(ok, q[idx], 1.0),
        reorder_point=nan if solve else np.where(ok, numbers["reorder_point"][idx], 0.0),
        order_up_to=nan if solve else np.where(ok, numbers["order_up_to"][idx], 1.0),
    )
    periodic_pmf.run(bool(solve), rows, sub, sub_out)
    out[:, idx] = sub_out
    changed = sub != status[idx]
    status[idx] = sub
    field[idx[changed]] = ""
    kind[idx[sub == OK]] = codes[sub == OK]
