"""Calibrated targets from a backtest: per segment, the nominal target that served the target.

:func:`invsl.calibrate` backtests the plans of every SKU at a grid of nominal targets
(:data:`NOMINAL_GRID`) on an earlier part of the history; :func:`calibration_table` turns
what each plan achieved into the table that ``optimize(..., calibration=)`` reads
(``invsl.engine.calibration``).

Per segment (the SKU's demand class, or a column of the SKU table, crossed with a volume band
of its mean demand per period) the achieved fill rate of the backtest is a curve a(g) of the
nominal target g: the demand-weighted fill rate of the segment's SKUs, total units filled from
stock over total demand. It is made non-decreasing (a running maximum: a higher target never
holds less stock), and the nominal target for a desired target t is where the curve reaches
t, interpolated linearly between grid points in the log-odds of g. A curve that stays above t
gives the lowest grid value; one that never reaches t gives the highest, and the row says
``reached`` False. A segment with fewer than ``min_skus`` SKUs with demand takes the curve of
its volume band over all segments (``pooled`` True), and a band with too few that of all
SKUs, so that small segments do not get noisy targets.

This is the calibration of the nominal service level on a rolling-origin backtest, the
practice of judging a stock-control method by the service it achieves on later demand
(Teunter and Duncan [1]_, Syntetos and Boylan [2]_); targets far from 0.5 are interpolated in
log-odds, the scale on which service levels of different items are compared.

References
----------
.. [1] R. H. Teunter and L. Duncan, "Forecasting intermittent demand: a comparative study",
   Journal of the Operational Research Society 60(3), 321-329, 2009.
.. [2] A. A. Syntetos and J. E. Boylan, "On the stock control performance of intermittent
   demand estimators", International Journal of Production Economics 103(1), 36-47, 2006.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from invsl.engine.calibration import POOLED

#: the nominal targets every SKU's plans are backtested at
NOMINAL_GRID = (
    0.5,
    0.6,
    0.7,
    0.8,
    0.85,
    0.9,
    0.93,
    0.95,
    0.97,
    0.98,
    0.99,
    0.995,
    0.998,
    0.999,
    0.9995,
    0.9999,
)
#: the desired targets a calibration covers by default
TARGETS = (0.8, 0.85, 0.9, 0.925, 0.95, 0.96, 0.97, 0.98, 0.99)
#: how a calibration spreads the target over segments (``calibrate(allocate=)``); the
#: first is the default (docs/backtest.md, "The recommended default")
ALLOCATIONS = ("efficient", "equal")
#: fewest SKUs with demand for a segment of its own (below, the pooled curve of its band)
MIN_SKUS = 30
#: volume bands by default (1: the segments alone; fewer, larger segments give the
#: efficient allocation less noise to chase, docs/backtest.md)
BANDS = 1
#: the families a calibration chooses from by default (each segment takes one)
FAMILIES = ("normal", "negbin")
#: calibration origins by default: the most recent periods before the test, one per period
#: (recent enough to follow a drifting demand, docs/backtest.md; 12 and 18 did worse)
CALIBRATION_ORIGINS = 6


def family_names(distribution: str | Sequence[str]) -> list[str]:
    """The families of a ``distribution=`` argument: one name, or a sequence of them."""
    return [distribution] if isinstance(distribution, str) else list(distribution)


def volume_edges(volume: np.ndarray, bands: int) -> np.ndarray:
    """Lower edges of ``bands`` volume bands [units/period]: 0, then the quantiles 1/b, ...,
    (b-1)/b of the positive volumes (fewer bands when they coincide)."""
    positive = volume[np.isfinite(volume) & (volume > 0)]
    if bands <= 1 or positive.size == 0:
        return np.zeros(1)
    inner = np.quantile(positive, np.arange(1, bands) / bands)
    return np.unique(np.concatenate([[0.0], inner]))


def _curves(frame: pd.DataFrame, keys: list[str], k: int):
    """Per group of ``keys``: SKUs with demand, demand, and the achieved fill rate and stock
    at each grid value (arrays (groups, k))."""
    sums = frame.groupby([*keys, "grid"], sort=True, observed=True)[
        ["demand", "filled", "stock"]
    ].sum()
    skus = frame[frame["grid"] == 0].groupby(keys, sort=True, observed=True)["served"].sum()
    demand = sums["demand"].to_numpy().reshape(-1, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        achieved = sums["filled"].to_numpy().reshape(-1, k) / demand
    stock = sums["stock"].to_numpy().reshape(-1, k)
    return skus, demand[:, 0], np.maximum.accumulate(np.nan_to_num(achieved), axis=1), stock


def _solve(achieved: np.ndarray, stock: np.ndarray, grid: np.ndarray, targets: np.ndarray):
    """Nominal target, whether reached, achieved and stock there, and the achieved fill at
    nominal = desired, for one curve (k,) and every desired target (m,)."""
    lg = logit(grid)
    reached = targets <= achieved[-1]
    inside = reached & (targets > achieved[0])
    x = np.where(inside, np.interp(targets, achieved, lg), np.where(reached, lg[0], lg[-1]))
    nominal = expit(x)
    at = np.interp(x, lg, achieved)
    held = np.interp(x, lg, stock)
    plain = np.interp(logit(targets), lg, achieved)
    return nominal, reached, at, held, plain


def _hull(stock: np.ndarray, filled: np.ndarray) -> list[int]:
    """Grid indices of the upper concave hull of one group's (stock, filled) curve, from its
    first point on (stock and filled non-decreasing)."""
    hull = [0]
    for i in range(1, len(stock)):
        if stock[i] <= stock[hull[-1]]:
            if filled[i] > filled[hull[-1]]:
                hull[-1] = i
            continue
        hull.append(i)
        while len(hull) >= 3:
            a, b, c = hull[-3:]
            if (filled[b] - filled[a]) * (stock[c] - stock[a]) > (filled[c] - filled[a]) * (
                stock[b] - stock[a]
            ):
                break
            del hull[-2]
    return hull


def efficient_nominal(
    stock: np.ndarray, filled: np.ndarray, demand: float, grid: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per group (rows of ``stock``, ``filled``: sums over its SKUs at each grid value) the
    nominal target, shape (groups, m), at which the groups together fill ``targets`` of the
    total ``demand`` with the least stock, and whether each target was reached (m,): the
    one-family case of :func:`efficient_choice`."""
    nominal, _, reached = efficient_choice(stock[None], filled[None], demand, grid, targets)
    return nominal, reached


def efficient_choice(
    stock: np.ndarray, filled: np.ndarray, demand: float, grid: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group the family and nominal target at which the groups together fill ``targets``
    of the total ``demand`` with the least stock.

    ``stock`` and ``filled`` have shape (families, groups, k): the sums over each group's
    SKUs of the plans of each family at each grid value. Returns the nominal target and the
    family index, both (groups, m), and whether each target was reached (m,).

    The least stock for a total fill is found on the upper concave hulls of the groups'
    (stock, filled) points, every family's together, taking their segments in decreasing
    order of fill per unit of stock (the greedy solution of the Lagrangian relaxation, as for
    exchange curves). The segment that crosses the target is taken in part, interpolated in
    log-odds, when both its ends are plans of one family, and whole (a little more fill than
    the target) when they are of two.
    """
    lg = logit(grid)
    stock = np.maximum.accumulate(stock, axis=2)
    filled = np.maximum.accumulate(filled, axis=2)
    families, groups, k = stock.shape
    steps = []  # (fill per stock, group, from, to, fill gained); points are f * k + i
    start = np.empty(groups, dtype=np.int64)
    base = 0.0
    for g in range(groups):
        # the group's points of every family, by stock (then most fill first), keeping those
        # that fill more than every point of less stock
        order = np.lexsort((-filled[:, g].ravel(), stock[:, g].ravel()))
        ahead = filled[:, g].ravel()[order]
        best = np.maximum.accumulate(ahead)
        keep = order[np.r_[True, ahead[1:] > best[:-1]]]
        s, f = stock[:, g].ravel()[keep], filled[:, g].ravel()[keep]
        hull = _hull(s, f)
        start[g] = keep[hull[0]]
        base += f[hull[0]]
        for a, b in zip(hull[:-1], hull[1:]):
            gain = f[b] - f[a]
            steps.append((gain / (s[b] - s[a]), g, keep[a], keep[b], gain))
    steps.sort(key=lambda step: -step[0])
    position = np.empty((groups, len(targets)))
    family = np.empty((groups, len(targets)), dtype=np.int64)
    reached = np.empty(len(targets), dtype=bool)
    for j, target in enumerate(targets):
        x, fam = lg[start % k].copy(), start // k
        need = target * demand - base
        for _, g, a, b, gain in steps:
            if need <= 0:
                break
            fam[g] = b // k
            if gain >= need and a // k == b // k:
                x[g] = lg[a % k] + need / gain * (lg[b % k] - lg[a % k])
                need = 0.0
                break
            need -= gain
            x[g] = lg[b % k]
        position[:, j], family[:, j] = x, fam
        reached[j] = need <= 1e-9 * max(demand, 1.0)
    return expit(position), family, reached


def calibration_table(
    segment: np.ndarray,
    volume: np.ndarray,
    demand: np.ndarray,
    filled: np.ndarray,
    stock: np.ndarray,
    ok: np.ndarray,
    *,
    by: str,
    metric: str,
    targets=TARGETS,
    grid=NOMINAL_GRID,
    bands: int = BANDS,
    min_skus: int = MIN_SKUS,
    allocate: str = "equal",
    distribution: str | Sequence[str] = "",
) -> pd.DataFrame:
    """The calibration table from a backtest of every SKU at every nominal target of ``grid``.

    ``segment`` and ``volume`` (mean demand per period [units/period]) have one entry per
    SKU (n); ``demand``, ``filled`` (units filled from stock at once), ``stock`` (mean on
    hand [units]) and ``ok`` (the backtest measured it) have shape (k, n), one row per grid
    value; with several families (``distribution`` a sequence) ``filled`` and ``stock`` have
    shape (families, k, n), the plans of each. A SKU counts if it was measured at every grid
    value, had demand before the first origin, and its stock differs between the grid values
    (the plans of a SKU without demand history hold no stock at first whatever the target,
    and say little about the target to ask for). Returns one row per segment, volume band
    and desired target, pooled rows first (module docstring; the columns of
    ``engine.calibration`` and what was measured: ``skus``, ``demand`` [units],
    ``achieved`` (in the backtest, at the nominal target), ``achieved_uncalibrated`` (at
    nominal = target), ``stock`` (sum of mean on hand at the nominal target [units]),
    ``reached`` and ``pooled``). With several families, ``equal`` gives each segment and
    band the family of :func:`choose_families`, ``efficient`` each segment, band and target
    the family and nominal target of :func:`efficient_choice`.
    """
    names = family_names(distribution)
    filled = np.asarray(filled, dtype=float).reshape(len(names), *np.shape(demand))
    stock = np.asarray(stock, dtype=float).reshape(len(names), *np.shape(demand))
    grid = np.asarray(grid, dtype=float)
    targets = np.unique(np.asarray(targets, dtype=float))
    k, n = demand.shape
    # a SKU without demand before the origins starts from plans of zero stock whatever the
    # target, and one whose plans the target does not change cannot inform the calibration
    use = ok.all(axis=0) & (volume > 0) & (stock.max(axis=1) > stock.min(axis=1)).all(axis=0)
    edges = volume_edges(volume[use], bands)
    band = np.searchsorted(edges, np.nan_to_num(volume, nan=0.0), side="right")
    if len(edges) == 1:
        band[:] = 1
    upper = np.append(edges[1:], np.inf)
    frames = [
        pd.DataFrame(
            {
                "segment": np.tile(np.asarray(segment, dtype=object).astype(str), k)[
                    np.tile(use, k)
                ],
                "band": np.tile(band, k)[np.tile(use, k)],
                "grid": np.repeat(np.arange(k), use.sum()),
                "demand": demand[:, use].ravel(),
                "filled": filled[f][:, use].ravel(),
                "stock": stock[f][:, use].ravel(),
                "served": (demand[:, use] > 0).ravel(),
            }
        )
        for f in range(len(names))
    ]
    tables = [
        _segment_rows(frame, k, grid, targets, edges, upper, by, metric, min_skus, name)
        for frame, name in zip(frames, names)
    ]
    table = choose_families(tables)
    if allocate == "efficient":
        _allocate_efficiently(table, frames, names, k, grid, targets)
    return table


def _segment_rows(frame, k, grid, targets, edges, upper, by, metric, min_skus, name):
    """The rows of one family's table, each segment calibrated on its own curve (``equal``):
    the pooled row, the pooled row of each band, then each segment and band."""
    rows = []

    def add(segment, b, curve, count, total, pooled):
        nominal, reached, at, held, plain = _solve(curve[0], curve[1], grid, targets)
        rows.append(
            pd.DataFrame(
                {
                    "segment_by": by,
                    "segment": segment,
                    "volume_band": b,
                    "volume_from": edges[b - 1] if b > 0 else 0.0,
                    "volume_to": upper[b - 1] if b > 0 else np.inf,
                    "metric": metric,
                    "target": targets,
                    "nominal_target": nominal,
                    "achieved": at,
                    "achieved_uncalibrated": plain,
                    "stock": held,
                    "reached": reached,
                    "skus": count,
                    "demand": total,
                    "pooled": pooled,
                    "distribution": name,
                }
            )
        )

    frame["all"] = POOLED
    skus, total, achieved, held = _curves(frame, ["all"], k)
    pooled_curve = (achieved[0], held[0])
    add(POOLED, 0, pooled_curve, int(skus.iloc[0]) if len(skus) else 0, float(total[0]), False)
    by_band = {}
    skus, total, achieved, held = _curves(frame, ["band"], k)
    for i, b in enumerate(skus.index):
        own = skus.iloc[i] >= min_skus
        by_band[b] = (achieved[i], held[i]) if own else pooled_curve
        add(POOLED, int(b), by_band[b], int(skus.iloc[i]), float(total[i]), not own)
    skus, total, achieved, held = _curves(frame, ["segment", "band"], k)
    for i, (segment, b) in enumerate(skus.index):
        own = skus.iloc[i] >= min_skus
        curve = (achieved[i], held[i]) if own else by_band[b]
        add(segment, int(b), curve, int(skus.iloc[i]), float(total[i]), not own)
    return pd.concat(rows, ignore_index=True)


def choose_families(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """One calibration from the tables of several families (same segments, bands and
    targets, in the same order): each segment and volume band takes the family that reached
    the most of the desired targets, then held the least stock over them."""
    if len(tables) == 1:
        return tables[0]
    keys = ["segment", "volume_band"]
    score = pd.DataFrame(
        {
            f"{i}_{what}": value
            for i, table in enumerate(tables)
            for what, value in (
                ("reached", table.groupby(keys, sort=False)["reached"].sum()),
                ("stock", table.groupby(keys, sort=False)["stock"].sum()),
            )
        }
    )
    reached = score[[f"{i}_reached" for i in range(len(tables))]].to_numpy()
    stock = score[[f"{i}_stock" for i in range(len(tables))]].to_numpy()
    rank = np.where(reached == reached.max(axis=1, keepdims=True), stock, np.inf)
    best = pd.Series(rank.argmin(axis=1), index=score.index)
    pick = best.reindex(pd.MultiIndex.from_frame(tables[0][keys])).to_numpy()
    out = tables[0].copy()
    for i, table in enumerate(tables[1:], start=1):
        out.loc[pick == i, :] = table.loc[pick == i, :]
    return out


def _allocate_efficiently(table: pd.DataFrame, frames, names, k, grid, targets) -> None:
    """Replace the nominal targets (and families) of the segment rows, and of the pooled
    rows of each band, which then stand for the SKUs of its small segments, by those of the
    least stock for the total fill over every family's plans (:func:`efficient_choice`);
    the pooled row of all SKUs stays."""
    own = table.loc[(table["segment"] != POOLED) & ~table["pooled"], ["segment", "volume_band"]]
    own_keys = set(zip(own["segment"], own["volume_band"]))
    sums = []
    for frame in frames:
        is_own = pd.Series(list(zip(frame["segment"], frame["band"]))).isin(own_keys).to_numpy()
        frame["group"] = (
            np.where(is_own, frame["segment"], POOLED) + "|" + frame["band"].astype(str)
        )
        sums.append(
            frame.groupby(["group", "grid"], sort=True)[["demand", "filled", "stock"]].sum()
        )
    names_of_groups = sums[0].index.get_level_values(0)[::k]
    filled = np.stack([part["filled"].to_numpy().reshape(-1, k) for part in sums])
    stock = np.stack([part["stock"].to_numpy().reshape(-1, k) for part in sums])
    demand = sums[0]["demand"].to_numpy().reshape(-1, k)[:, 0]
    nominal, family, reached = efficient_choice(stock, filled, demand.sum(), grid, targets)
    lg = logit(grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        achieved = np.maximum.accumulate(np.nan_to_num(filled / demand[None, :, None]), axis=2)
    stock = np.maximum.accumulate(stock, axis=2)
    where = {name: g for g, name in enumerate(names_of_groups)}
    segment = table["segment"].to_numpy()
    band = table["volume_band"].to_numpy()
    group = np.where(table["pooled"] | (segment == POOLED), POOLED, segment)
    key = pd.Series(group).astype(str) + "|" + pd.Series(band).astype(str)
    g = key.map(where).to_numpy(dtype=float)
    change = np.isfinite(g) & (band > 0)
    gi = g[change].astype(np.int64)
    ti = np.searchsorted(targets, table["target"].to_numpy()[change])
    fi = family[gi, ti]
    x = logit(nominal[gi, ti])
    table.loc[change, "nominal_target"] = nominal[gi, ti]
    table.loc[change, "distribution"] = np.asarray(names, dtype=object)[fi]
    table.loc[change, "achieved"] = [np.interp(v, lg, achieved[f, i]) for v, f, i in zip(x, fi, gi)]
    table.loc[change, "stock"] = [np.interp(v, lg, stock[f, i]) for v, f, i in zip(x, fi, gi)]
    table.loc[change, "reached"] = reached[ti]


__all__ = [
    "ALLOCATIONS",
    "BANDS",
    "CALIBRATION_ORIGINS",
    "FAMILIES",
    "MIN_SKUS",
    "NOMINAL_GRID",
    "TARGETS",
    "calibration_table",
    "choose_families",
    "efficient_choice",
    "efficient_nominal",
    "family_names",
    "volume_edges",
]
