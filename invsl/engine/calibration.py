"""Calibrated targets: the nominal target a plan is solved for, so that it serves the target
asked for on real demand.

A calibration table (made by :func:`invsl.calibrate` from a backtest on an earlier part of
the history, docs/backtest.md) maps, per segment of SKUs, each *desired* target to the
*nominal* target that achieved it there. ``optimize(..., calibration=table)`` reads it here
and solves each row for its nominal target instead of its own.

The table, one row per segment, volume band and desired target:

- ``segment_by``: the column of the SKU table that names a SKU's segment (the same on every
  row; ``demand_class`` for calibrations by demand class);
- ``segment``: its value (``"*"``: the pooled row of all SKUs, the fallback);
- ``volume_band``, ``volume_from``, ``volume_to``: the band of mean demand per period
  [units/period], ``volume_from <= demand_mean < volume_to`` (band 0 of the pooled row covers
  every volume); the same bands in every segment;
- ``metric``: the service level calibrated (``beta`` ...);
- ``target``: the desired target; ``nominal_target``: the target to solve for.

Other columns (what the calibration measured) are ignored here. The same desired targets must
appear in every (segment, band). Between two of them the nominal target is interpolated
linearly in log-odds, log(p / (1 - p)); a target outside their range, a row whose metric is
not the table's, is flagged ``bad_target`` with a message saying so (nothing is
extrapolated). A row whose segment or band the table lacks, or without a volume, takes the
pooled row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from invsl.engine.reader import InputError
from invsl.vocabulary import (
    DEMAND_NEGBIN,
    DEMAND_POISSON,
    DISTRIBUTION_SPELLINGS,
    METRIC_NAMES,
    OK,
    PARAMETRIC_DISTRIBUTIONS,
    code_of,
    unknown_name,
)

#: the segment value of the pooled rows (all SKUs)
POOLED = "*"
#: the columns a calibration table must have
CALIBRATION_COLUMNS = (
    "segment_by",
    "segment",
    "volume_band",
    "volume_from",
    "volume_to",
    "metric",
    "target",
    "nominal_target",
)


class Calibration(NamedTuple):
    """A calibration table read for lookups (:func:`read_calibration`)."""

    #: the column of the SKU table that names the segment
    by: str
    #: the metric code calibrated
    metric: int
    #: the desired targets, ascending, shape (m,)
    targets: np.ndarray
    #: log-odds of the nominal target per group (segment, band) and desired target, (g, m)
    logit_nominal: np.ndarray
    #: (segment, band) -> group row of ``logit_nominal``
    groups: dict
    #: lower band edges [units/period], ascending, shape (b,); band i is [edges[i], edges[i+1])
    edges: np.ndarray
    #: the demand family code of each group's plans at each desired target (-1: the table
    #: names none), shape (g, m)
    families: np.ndarray


def read_calibration(table) -> Calibration:
    """Check a calibration table and index it (raises InputError with one readable line)."""
    if not isinstance(table, pd.DataFrame):
        raise InputError(
            f"calibration: expected the DataFrame invsl.calibrate returned, got "
            f"{type(table).__name__}"
        )
    absent = [c for c in CALIBRATION_COLUMNS if c not in table.columns]
    if absent:
        raise InputError(
            f"calibration has no column(s) {absent}: give the table invsl.calibrate returned"
        )
    if len(table) == 0:
        raise InputError("calibration is empty: give the table invsl.calibrate returned")
    by = table["segment_by"].astype(str).unique()
    metric = table["metric"].astype(str).unique()
    if len(by) != 1 or len(metric) != 1:
        raise InputError("calibration: segment_by and metric must be the same on every row")
    try:
        mcode = code_of("metric", metric[0])
    except ValueError as error:
        raise InputError(f"calibration: {error}") from None
    target = pd.to_numeric(table["target"], errors="coerce").to_numpy(float)
    nominal = pd.to_numeric(table["nominal_target"], errors="coerce").to_numpy(float)
    band = pd.to_numeric(table["volume_band"], errors="coerce").to_numpy(float)
    lo = pd.to_numeric(table["volume_from"], errors="coerce").to_numpy(float)
    bad = ~((target > 0) & (target < 1) & (nominal > 0) & (nominal < 1))
    if bad.any() or np.isnan(band).any() or np.isnan(lo).any():
        raise InputError(
            "calibration: target and nominal_target must lie in (0, 1) and the volume bands "
            f"be numbers (row {int(np.flatnonzero(bad | np.isnan(band) | np.isnan(lo))[0])})"
        )
    segment = table["segment"].astype(str).to_numpy()
    targets = np.unique(target)
    keys = pd.MultiIndex.from_arrays([segment, band.astype(np.int64)])
    groups = {key: i for i, key in enumerate(keys.unique())}
    if (POOLED, 0) not in groups:
        raise InputError(f"calibration has no pooled row (segment {POOLED!r}, volume_band 0)")
    grid = np.full((len(groups), len(targets)), np.nan)
    row = np.array([groups[key] for key in keys])
    col = np.searchsorted(targets, target)
    grid[row, col] = logit(nominal)
    if np.isnan(grid).any() or len(keys) != len(groups) * len(targets):
        raise InputError(
            "calibration: every segment and volume band needs one row per target "
            f"({', '.join(f'{t:g}' for t in targets)})"
        )
    banded = band > 0
    edges = np.unique(lo[banded]) if banded.any() else np.zeros(1)
    return Calibration(
        str(by[0]), mcode, targets, grid, groups, edges, _families(table, row, col, grid.shape)
    )


def _families(table: pd.DataFrame, row: np.ndarray, col: np.ndarray, shape) -> np.ndarray:
    """The family code of each group and target, from the optional distribution column."""
    families = np.full(shape, -1, dtype=np.int8)
    if "distribution" not in table.columns:
        return families
    cells = table["distribution"].astype(str).str.strip().str.lower().to_numpy()
    codes = np.array([DISTRIBUTION_SPELLINGS.get(cell, -1) for cell in cells], dtype=np.int8)
    unknown = np.flatnonzero(codes < 0)
    if unknown.size:
        raise InputError("calibration: " + unknown_name("distribution", cells[unknown[0]]))
    families[row, col] = codes
    return families


def _upper(cal: Calibration, target) -> np.ndarray:
    """Index of the table's desired target at or above each ``target`` (clipped to the
    table): a row between two targets planned with different families takes the upper's."""
    target = np.nan_to_num(np.asarray(target, dtype=float), nan=cal.targets[0])
    return np.clip(np.searchsorted(cal.targets, target, side="left"), 0, len(cal.targets) - 1)


def row_groups(cal: Calibration, segment, volume) -> np.ndarray:
    """The group (segment and volume band) of each row: its segment cell (object array, or
    None) and band of its ``volume`` (mean demand per period [units/period]), else the pooled
    group of its band, else the pooled group."""
    volume = np.asarray(volume, dtype=float)
    n = len(volume)
    banded = any(b > 0 for _, b in cal.groups)
    band = np.searchsorted(cal.edges, np.nan_to_num(volume, nan=-1.0), side="right")
    band = np.where(banded & np.isfinite(volume) & (volume >= cal.edges[0]), band, 0)
    cells = pd.Series(segment if segment is not None else np.full(n, POOLED, dtype=object))
    text = np.where(cells.isna(), POOLED, cells.astype(str)).astype(object)
    lookup = pd.Series(cal.groups, dtype=float)
    # the row's segment and band, else the pooled row of its band, else the pooled row
    group = lookup.reindex(pd.MultiIndex.from_arrays([text, band])).to_numpy()
    pooled_band = lookup.reindex(pd.MultiIndex.from_arrays([np.full(n, POOLED), band])).to_numpy()
    group = np.where(np.isnan(group), pooled_band, group)
    return np.where(np.isnan(group), cal.groups[(POOLED, 0)], group).astype(np.int64)


def poisson_limit(family: np.ndarray, mean, variance) -> np.ndarray:
    """``family`` with Poisson in place of a negative binomial whose ``variance`` does not
    exceed its ``mean`` (> 0): the limit of the negative binomial as its variance falls to the
    mean, which it cannot represent (the rule of calibrated rows and of the backtest's plans).
    """
    with np.errstate(invalid="ignore"):
        limit = (family == DEMAND_NEGBIN) & (variance <= mean) & (mean > 0)
    return np.where(limit, DEMAND_POISSON, family)


def segment_column(cal: Calibration, present, columns=None) -> str:
    """The name of the calibration's segment column in a table to plan (``columns``: a
    mapping of invsl names to the table's); raises InputError if ``present`` (the table's
    column names) lacks it."""
    name = (columns or {}).get(cal.by, cal.by)
    if name not in present:
        raise InputError(
            f"calibration by {cal.by!r} needs a {name!r} column in the table"
            + (" (invsl.fit_demand gives demand_class)" if cal.by == "demand_class" else "")
        )
    return name


def families(cal: Calibration, group: np.ndarray, given, mean, variance, target) -> np.ndarray:
    """The family code of each row: its group's at its ``target`` (between two desired
    targets of the table, the upper's; a negative binomial row whose lead-time demand
    ``variance`` does not exceed its ``mean`` is Poisson, the negative binomial's limit, as
    in the backtest), or ``given`` where the table names none, the row's own family is
    unknown (negative codes, flagged by validation), or either is not a two-moment family
    (normal, gamma, poisson, negbin)."""
    family = poisson_limit(cal.families[group, _upper(cal, target)], mean, variance)
    # only between the two-moment families: a row planned from its history (empirical,
    # compound_poisson) stays so, and a table of such plans does not change the others
    parametric = np.array([DISTRIBUTION_SPELLINGS[name] for name in PARAMETRIC_DISTRIBUTIONS])
    swap = np.isin(family, parametric) & np.isin(given, parametric)
    return np.where(swap, family, given).astype(np.int8)


def nominal_targets(
    cal: Calibration, group, metric, target, status
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nominal target of every row with status ``ok``.

    ``group`` (:func:`row_groups`), ``metric`` (codes), ``target`` (the desired targets) and
    ``status`` have one entry per row. Returns ``(nominal, flagged, message)``: the nominal
    target (NaN where not calibrated), the rows to flag ``bad_target`` and their messages.
    """
    n = len(target)
    ok = np.asarray(status) == OK
    lo, hi = cal.targets[0], cal.targets[-1]
    wrong_metric = ok & (metric != cal.metric)
    outside = ok & ~wrong_metric & ~((target >= lo) & (target <= hi))
    use = ok & ~wrong_metric & ~outside
    nominal = np.full(n, np.nan)
    if use.any():
        t = logit(target[use])
        x = logit(cal.targets)
        j = np.clip(np.searchsorted(x, t, side="right") - 1, 0, max(len(x) - 2, 0))
        g = group[use]
        if len(x) == 1:
            y = cal.logit_nominal[g, 0]
        else:
            w = (t - x[j]) / (x[j + 1] - x[j])
            y = (1.0 - w) * cal.logit_nominal[g, j] + w * cal.logit_nominal[g, j + 1]
            # no interpolation between the plans of two families: the upper target's
            apart = cal.families[g, j] != cal.families[g, j + 1]
            y = np.where(apart, cal.logit_nominal[g, _upper(cal, target[use])], y)
        nominal[use] = expit(y)
    message = np.full(n, "", dtype=object)
    message[wrong_metric] = (
        f"the calibration is for {METRIC_NAMES[cal.metric]} targets; this row's metric is "
        "another: calibrate that metric, or leave calibration= out"
    )
    if outside.any():
        message[outside] = [
            f"target = {t:g}: outside the targets the calibration covers ({lo:g} to {hi:g}); "
            "calibrate with that target among targets="
            for t in target[outside]
        ]
    return nominal, wrong_metric | outside, message


__all__ = [
    "CALIBRATION_COLUMNS",
    "Calibration",
    "POOLED",
    "segment_column",
    "families",
    "nominal_targets",
    "poisson_limit",
    "read_calibration",
    "row_groups",
]
