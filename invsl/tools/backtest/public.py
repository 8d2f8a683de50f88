"""``invsl.backtest``: will the plan give the service asked for, on the planner's own history?

A rolling-origin, trace-driven backtest (docs/service-levels.md, "Backtest on a real
history"): at each origin from ``start`` on, every ``replan_every`` periods, each SKU's
demand model is fitted on the history strictly before the origin (``models``), the plan is
solved with :func:`invsl.optimize` from the SKU's own row (lead time, policy, review period,
order quantity, ...), and the recorded demand is replayed through the plans (``replay``).
What the plans achieved on the later, real demand is set against what they predicted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from invsl.api.frame import optimize
from invsl.api.history import fit_demand
from invsl.engine.arguments import check_arguments, check_name
from invsl.engine.assemble import FIELD_TEXTS
from invsl.engine.calibration import poisson_limit, read_calibration
from invsl.engine.history_rows import match_skus
from invsl.engine.reader import InputError, check_frame, read_rows, resolve_columns
from invsl.engine.table import row_policies
from invsl.tools.backtest.calibrate import (
    ALLOCATIONS,
    BANDS,
    CALIBRATION_ORIGINS,
    FAMILIES,
    MIN_SKUS,
    NOMINAL_GRID,
    TARGETS,
    calibration_table,
    family_names,
)
from invsl.tools.backtest.forecasts import read_forecasts
from invsl.tools.backtest.history import HistoryMatrix, read_history
from invsl.tools.backtest.models import DemandForecast, forecast_demand
from invsl.tools.backtest.replay import Replay, replay
from invsl.tools.plot import pyplot  # (matplotlib is imported when a plot is drawn)
from invsl.vocabulary import (
    BACKTEST_STAGES,
    DEMAND_EMPIRICAL,
    FORECAST_FEW_ERRORS,
    FORECAST_NAMES,
    FORECAST_STATUS,
    MISSING,
    NAMES,
    NO_HISTORY,
    OK,
    POLICY_NOT_GIVEN,
    POLICY_SQ,
    SIMULATE_STATUS,
    STATUS,
    UNKNOWN_POLICY,
    UNSUPPORTED,
    unknown_name,
)

#: the categories of the status column (evaluate's statuses, the simulator's, then the
#: demand forecast's)
STATUS_CATEGORIES = list(
    dict.fromkeys([*NAMES, *(name for name, _ in SIMULATE_STATUS.values()), *FORECAST_NAMES[1:]])
)

#: demand models whose demand the empirical plans can use: the observed periods before the
#: origin (all of them, or the last ``window``)
EMPIRICAL_MODELS = ("sample", "window")

#: the message of an empirical row with another demand model
EMPIRICAL_TEXT = (
    "empirical plans take the demand of the history before each origin itself: use "
    f"demand_model {' or '.join(EMPIRICAL_MODELS)}, or a two-moment family or "
    "compound_poisson with this demand model"
)

#: the column of the (SKU, origin) key of the plan rows, matching them to their history
PLAN_KEY = "backtest_plan_row"

#: per-SKU columns of BacktestResult.skus, after the SKU id
SKU_COLUMNS = (
    "demand",
    "filled",
    "fill_rate",
    "cycle_service_level",
    "ready_rate",
    "gamma",
    "mean_on_hand",
    "mean_backorders",
    "orders",
    "predicted_fill_rate",
    "predicted_cycle_service_level",
    "predicted_gamma",
    "fill_rate_se",
    "history_demand_mean",
    "demand_class",
    "status",
    "message",
)


@dataclasses.dataclass
class BacktestResult:
    """What a backtest measured.

    ``skus``: one row per row of the ``skus`` table (same order and index): the SKU id, the
    measured demand and units filled from stock at once [units], the achieved fill rate,
    cycle service level, ready rate and gamma, mean on-hand stock and backorders at period
    ends [units], orders placed, the mean predicted fill rate, cycle service level and gamma
    of its plans, the batch-means standard error of the fill rate, the mean demand per
    observed period of its history before ``start`` [units/period] and its demand class
    there (Syntetos-Boylan, as :func:`invsl.fit_demand`), ``status`` and
    ``message``. ``summary``: aggregates over the SKUs replayed (``achieved_fill_rate`` and
    ``predicted_fill_rate`` demand-weighted, ``share_meeting_target``, ``mean_on_hand`` (the
    sum over SKUs of their mean on-hand stock [units]), ``skus``, ...). ``plans``: the plan
    of every SKU at every origin. ``periods``: per SKU and period (warm-up included) the
    demand, stock, backorders, units filled and ordered (``record=True``).
    """

    skus: pd.DataFrame
    summary: dict
    plans: pd.DataFrame
    periods: object | None = None  # xarray.Dataset

    def plot(self, path=None):
        """Predicted against achieved fill rate, and achieved fill rate against stock, per SKU
        (dots) and per demand class (diamonds: demand-weighted, the stock summed over the
        class); matplotlib, the ``plot`` extra. Returns the figure; saved to ``path`` if
        given."""
        plt = pyplot()
        ok = self.skus["status"] == "ok"
        data = self.skus[ok]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.scatter(data["predicted_fill_rate"], data["fill_rate"], s=6, alpha=0.3)
        left.plot([0, 1], [0, 1], color="grey", lw=1)
        # per demand class: demand-weighted predicted and achieved fill rate, and its stock
        weight = data["demand"].where(data["predicted_fill_rate"].notna(), 0.0)
        grouped = (
            data.assign(
                w=weight,
                wp=weight * data["predicted_fill_rate"].fillna(0.0),
            )
            .groupby("demand_class", observed=True)[["demand", "filled", "w", "wp", "mean_on_hand"]]
            .sum()
        )
        grouped = grouped[grouped["demand"] > 0]
        for name, row in grouped.iterrows():
            achieved = row["filled"] / row["demand"]
            left.scatter(row["wp"] / row["w"], achieved, s=60, marker="D", label=str(name))
            right.scatter(row["mean_on_hand"], achieved, s=60, marker="D", label=str(name))
        left.set_xlabel("predicted fill rate")
        left.set_ylabel("achieved fill rate")
        left.legend(fontsize=7, title="demand class", title_fontsize=7)
        right.scatter(data["mean_on_hand"], data["fill_rate"], s=6, alpha=0.3)
        right.set_xscale("symlog")
        right.set_xlabel("mean on-hand stock [units] (class: sum over its SKUs)")
        right.set_ylabel("achieved fill rate")
        s = self.summary
        fig.suptitle(
            f"{s['demand_model']}: target {s['target']:g}, achieved {s['achieved_fill_rate']:.3f}"
            f" (predicted {s['predicted_fill_rate']:.3f}) over {s['skus']} SKUs"
        )
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
        return fig


def _id_column(skus: pd.DataFrame, hist: HistoryMatrix) -> str:
    for name in (hist.sku_column, "sku", "unique_id"):
        if name in skus.columns:
            return name
    raise InputError(
        f"the skus table needs a column with the SKU ids of the history ({hist.sku_column!r}); "
        f"it has {list(skus.columns)[:20]}"
    )


def _period_index(hist: HistoryMatrix, value, name: str) -> int:
    """A period given as an index (negative from the end) or a label, as an index."""
    t = len(hist.periods)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value) if value >= 0 else t + int(value)
    found = hist.periods.get_indexer(pd.Index([value]))[0]
    if found < 0:
        raise InputError(
            f"{name} = {value!r} is not a period of the history; periods run from "
            f"{hist.periods[0]!r} to {hist.periods[-1]!r}"
        )
    return int(found)


def before(hist: HistoryMatrix, end) -> HistoryMatrix:
    """The history before the period ``end`` (an index or a label; None: all of it)."""
    if end is None:
        return hist
    stop = _period_index(hist, end, "end")
    if not 2 <= stop <= len(hist.periods):
        raise InputError(f"end = {end!r} leaves fewer than two periods of history")
    return dataclasses.replace(
        hist,
        periods=hist.periods[:stop],
        demand=hist.demand[:, :stop],
        first=np.minimum(hist.first, stop),
    )


def _origins(hist: HistoryMatrix, start, replan_every: int) -> np.ndarray:
    """The origins: period indices from ``start`` (an index or a period label) on."""
    t = len(hist.periods)
    if t < 2:
        raise InputError("the history has fewer than two periods: nothing to backtest")
    first = t - t // 3 if start is None else _period_index(hist, start, "start")
    if not 1 <= first < t:
        raise InputError(
            f"start must leave history before it and periods after it (0 < start < {t})"
        )
    step = int(replan_every)
    if step < 1:
        raise InputError(f"replan_every = {replan_every!r}: give a whole number of periods >= 1")
    return np.arange(first, t, step, dtype=np.int64)


def _fill_plans(levels: np.ndarray) -> np.ndarray:
    """Each SKU's plans with a missing plan replaced by the one before it (or, before the
    first valid plan, by the first valid plan)."""
    out = levels.copy()
    n, k = out.shape
    idx = np.where(np.isfinite(out), np.arange(k)[None, :], -1)
    np.maximum.accumulate(idx, axis=1, out=idx)
    rows = np.arange(n)[:, None]
    filled = np.where(idx >= 0, out[rows, np.maximum(idx, 0)], np.nan)
    first_valid = np.where(np.isfinite(out).any(axis=1), np.isfinite(out).argmax(axis=1), 0)
    lead = out[np.arange(n), first_valid]
    return np.where(idx >= 0, filled, lead[:, None])


def backtest(
    history: pd.DataFrame,
    skus: pd.DataFrame,
    *,
    metric: str = "beta",
    target: float = 0.95,
    start=None,
    replan_every: int = 1,
    demand_model: str = "sample",
    distribution: str | Sequence[str] = "normal",
    policy: str | None = None,
    review_period: int | None = None,
    window: int | None = None,
    alpha: float = 0.2,
    correction: str | None = None,
    warmup: int | None = None,
    columns: Mapping[str, str] | None = None,
    history_options: Mapping[str, str] | None = None,
    forecasts: pd.DataFrame | None = None,
    forecast_options: Mapping[str, str] | None = None,
    record: bool = False,
    seed: int = 0,
    end=None,
    calibration=None,
    progress: Callable[[str], object] | None = None,
) -> BacktestResult:
    """Replay the planner's own demand history through rolling plans and measure the service.

    Parameters
    ----------
    history : pandas.DataFrame
        Long table, one row per SKU and period: ``sku, period, demand`` (as
        :func:`invsl.fit_demand`) or ``unique_id, ds, y`` (the layout of statsforecast);
        other names via ``history_options``. Periods are sorted by their labels.
    skus : pandas.DataFrame
        One row per SKU to backtest, with the SKU id column of the history and the columns
        of :func:`invsl.optimize` except the demand: ``lead_time`` [whole periods],
        ``order_quantity`` [units] (sQ and RsQ: Q; RsS: the gap S - s), optionally
        ``policy``, ``review_period``, ``distribution``, ``metric``, ``target``.
    metric, target : optional
        The service target of the plans (default fill rate 0.95), as for ``optimize``.
    start : int or period label, optional
        The first origin: a period index (negative counts from the end) or a label of the
        history's period column. Default: the last third of the periods is the test.
    replan_every : int, optional
        Periods between origins (default 1: replan every period).
    demand_model : {"sample", "window", "ses", "croston_sba", "tsb", "forecast"}, optional
        How the demand of the lead time plus review period is forecast at each origin from
        the history before it (invsl.tools.backtest.models; default ``"sample"``, the
        moments of :func:`invsl.fit_demand`); ``"forecast"``: your own ``forecasts``.
    distribution : str or sequence of str, optional
        The family of the plans for rows without a ``distribution`` (default ``normal``).
        Several families (e.g. ``["normal", "negbin"]``, the recommended default) only with
        ``calibration="auto"``: the calibration chooses each segment's family.
        ``empirical`` plans take the demand pmf of the lead time plus review period from the
        observed periods before each origin (the last ``window`` of them with
        ``demand_model="window"``), as ``optimize(history=...)`` builds it; they need
        ``demand_model`` ``sample`` or ``window`` (otherwise ``unsupported``).
        ``compound_poisson`` plans, like the two-moment families, take the demand model's
        moments.
    policy, review_period : optional
        As for ``optimize`` (a row with a review period and no policy is flagged).
    window, alpha, correction : optional
        Parameters of the demand model (``window``: periods; ``alpha``: smoothing constant;
        ``correction``: None, ``"mean"`` or ``"student"``, the short-history correction).
    warmup : int, optional
        Periods replayed before the first origin with the first plan, not measured; default
        the largest lead time plus review period times three (at most the periods before
        ``start``).
    columns, history_options : optional
        Column names of ``skus`` (as for ``optimize``) and of ``history`` (keys ``sku``,
        ``period``, ``demand``, ``missing``: ``"zero"`` (default) or ``"skip"``).
    forecasts : pandas.DataFrame, optional
        ``demand_model="forecast"`` only (required there): your forecasts from any tool, a
        long table ``sku, period, forecast`` [units/period] (or statsforecast's ``unique_id,
        ds, <model>``), periods labelled as in ``history`` (periods after its last one are
        taken in sorted order as the next ones). The mean at origin o is F[o] + ... +
        F[o + h - 1], h = L + R; the spread comes from the past errors of such sums against
        the demand (at least 12 of them, else the sample spread, ``few_errors``). Without
        a vintage column the forecasts are taken as given: you are responsible for their
        having been made before each origin. With a ``vintage`` column (the period label
        of the origin a forecast was made for, i.e. its first forecast period, from the
        history strictly before it) or statsforecast's ``cutoff`` (the last period of
        history it saw: vintage = the period after the cutoff), the forecast of period p at
        origin o is the one of the latest vintage <= o, and every past error at t uses the
        forecasts of vintage <= t: nothing is looked ahead. An origin whose horizon has a
        period without a forecast gets no plan (status ``no_forecast``, the plan before it
        is kept). SKUs not in ``skus`` are ignored.
    forecast_options : mapping, optional
        Column names of ``forecasts``: keys ``sku``, ``period``, ``forecast`` (e.g. the
        model column of statsforecast, found by itself when it is the only other one),
        ``vintage``, ``cutoff``.
    record : bool, optional
        Keep the per-period replay (``BacktestResult.periods``, an xarray Dataset).
    seed : int, optional
        Seed of the unit arrival times of sQ rows (see ``replay``).
    end : int or period label, optional
        The first period left out: the backtest sees only the history before it (an index,
        negative from the end, or a label). Default: all of it. (:func:`invsl.calibrate`
        backtests the part of the history before a test this way.)
    calibration : pandas.DataFrame or "auto", optional
        Plan for calibrated targets (:func:`invsl.calibrate`, applied as
        ``optimize(..., calibration=)``): a calibration table, or ``"auto"`` to calibrate on
        the history before ``start`` (the ``CALIBRATION_ORIGINS`` periods before it as
        origins, the same demand model, family and options), so that the backtest from
        ``start`` on measures the calibrated plans out of sample. A calibration by demand
        class uses the class of each SKU's history before ``start``.
    progress : callable, optional
        Called with the name of each stage as it starts: ``"read"``, ``"forecast"``,
        ``"solve"``, ``"replay"`` (the command line's progress bar).

    Returns
    -------
    BacktestResult

    Examples
    --------
    Three years of monthly demand of one part; the plans of the last 12 months (one per
    month, each from the months before it) are replayed on the demand that really came:

    >>> import pandas as pd, invsl
    >>> history = pd.DataFrame({"sku": ["A"] * 36, "period": range(36),
    ...                         "demand": [10, 12, 8, 11, 9, 10] * 6})
    >>> skus = pd.DataFrame({"sku": ["A"], "lead_time": [2], "order_quantity": [20],
    ...                      "policy": ["RsQ"], "review_period": [1]})
    >>> result = invsl.backtest(history, skus, target=0.95)
    >>> result.summary["origins"], result.summary["first_origin"]
    (12, 24)
    >>> row = result.skus.iloc[0]
    >>> row["sku"], row["status"], float(row["demand"]), round(float(row["predicted_fill_rate"]), 3)
    ('A', 'ok', 120.0, 0.95)

    Your own forecasts, one set per origin (a rolling cross-validation): the vintage is
    the origin each forecast was made for, from the months before it:

    >>> forecasts = pd.DataFrame({"sku": "A", "vintage": [o for o in range(24, 36)
    ...                                                   for p in range(o, o + 3)],
    ...                           "period": [p for o in range(24, 36) for p in range(o, o + 3)],
    ...                           "forecast": 10.0})
    >>> result = invsl.backtest(history, skus, demand_model="forecast", forecasts=forecasts)
    >>> result.plans["demand_mean"].tolist()[:2], str(result.skus["status"].iloc[0])
    ([10.0, 10.0], 'ok')
    """
    stage = progress if progress is not None else (lambda name: None)
    stage(BACKTEST_STAGES[0])
    check_frame(skus)
    families = family_names(distribution)
    if not families or (
        len(families) > 1 and not (isinstance(calibration, str) and calibration == "auto")
    ):
        raise InputError(
            f"distribution = {distribution!r}: several families need calibration='auto' "
            "(which chooses each segment's family); give one family otherwise"
        )
    for name in families:
        check_arguments(distribution=name)
    check_arguments(metric=metric, target=target, policy=policy, review_period=review_period)
    check_name("demand_model", demand_model)
    if (forecasts is None) == (demand_model == "forecast"):
        raise InputError(
            "demand_model='forecast' needs forecasts=, the table of your forecasts"
            if forecasts is None
            else f"forecasts= are used with demand_model='forecast' only, not {demand_model!r}"
        )
    hist = before(read_history(history, history_options), end)
    origins = _origins(hist, start, replan_every)
    if isinstance(calibration, str):
        if calibration != "auto":
            raise InputError(f"calibration = {calibration!r}: give a table or 'auto'")
        calibration = _auto_calibration(
            history, skus, int(origins[0]), hist, metric=metric, target=target,
            demand_model=demand_model, distribution=families, policy=policy,
            review_period=review_period, window=window, alpha=alpha, correction=correction,
            columns=columns, history_options=history_options, seed=seed,
            forecasts=forecasts, forecast_options=forecast_options,
        )  # fmt: skip
    family = families[0]  # rows the calibration does not plan (history-based families)
    n = len(skus)
    id_column = _id_column(skus, hist)
    index, note = match_skus(skus[id_column], hist.skus)
    cells = None
    if forecasts is not None:
        cells = read_forecasts(forecasts, hist, index, forecast_options)

    found = resolve_columns(skus, columns, ["lead_time"])
    rows = read_rows(
        skus,
        found,
        ["lead_time", "order_quantity", "review_period"],
        defaults={"review_period": review_period if review_period is not None else 1},
        distribution=family,
    )
    pcodes = row_policies(skus, found, policy, review_period, n)
    lead = rows.numbers["lead_time"]
    review = np.where(pcodes == POLICY_SQ, 0.0, rows.numbers["review_period"])
    horizon = np.where(np.isfinite(lead + review), lead + review, 0).astype(np.int64)

    demand = np.full((n, len(hist.periods)), np.nan)
    matched = index >= 0
    demand[matched] = hist.demand[index[matched]]
    first = np.where(matched, hist.first[np.maximum(index, 0)], len(hist.periods))
    stage(BACKTEST_STAGES[1])
    forecast = forecast_demand(
        demand,
        horizon,
        origins,
        demand_model,
        first=first,
        window=window,
        alpha=alpha,
        alpha_d=alpha,
        alpha_p=alpha,
        forecasts=cells,
        correction=correction,
    )

    empirical = rows.distribution == DEMAND_EMPIRICAL
    unsupported = empirical & (demand_model not in EMPIRICAL_MODELS)
    stage(BACKTEST_STAGES[2])
    classes = _demand_classes(hist, demand, int(origins[0]))
    plans = _plans(
        skus,
        forecast,
        origins,
        _empirical_history(demand, origins, window, empirical & ~unsupported),
        empirical,
        unsupported,
        found.get("distribution", "distribution"),
        dict(
            metric=metric,
            target=target,
            distribution=family,
            policy=policy,
            review_period=review_period,
            columns=columns,
            calibration=calibration,
        ),
        rows.distribution,
        classes,
    )

    stage(BACKTEST_STAGES[3])
    w0 = max(
        0, int(origins[0]) - (3 * int(horizon.max(initial=1)) if warmup is None else int(warmup))
    )
    replayed = replay(
        np.nan_to_num(demand[:, w0:], nan=0.0),
        pcodes,
        lead,
        np.where(pcodes == POLICY_SQ, 1.0, rows.numbers["review_period"]),
        origins - w0,
        _fill_plans(plans["reorder_point"]),
        _fill_plans(plans["order_up_to"]),
        _fill_plans(plans["order_quantity"]),
        measure_from=int(origins[0]) - w0,
        record=record,
        seed=seed,
    )
    status, message = _status(
        n,
        matched,
        unsupported,
        plans,
        replayed,
        note,
        pcodes,
        rows.raw.get("policy"),
        hist.periods[origins].to_numpy(),
    )
    table = _sku_table(skus, id_column, replayed, plans, status, message, classes, demand, origins)
    summary = _summary(table, metric, target, demand_model, origins, hist)
    periods = _periods(skus[id_column], hist, w0, replayed) if record else None
    return BacktestResult(
        table, summary, _plan_table(skus[id_column], hist, origins, plans), periods
    )


def calibrate(
    history: pd.DataFrame,
    skus: pd.DataFrame,
    *,
    metric: str = "beta",
    targets=TARGETS,
    origins: int = CALIBRATION_ORIGINS,
    end=None,
    by: str = "demand_class",
    bands: int = BANDS,
    min_skus: int = MIN_SKUS,
    allocate: str = ALLOCATIONS[0],
    demand_model: str = "sample",
    distribution: str | Sequence[str] = FAMILIES,
    **options,
) -> pd.DataFrame:
    """Calibrated targets: per segment, the nominal target whose plans served each target on
    a backtest of the planner's own history.

    The plans of every SKU are backtested (:func:`invsl.backtest`) at every nominal target of
    ``NOMINAL_GRID`` over the last ``origins`` periods before ``end``, and per segment (the
    SKU's ``by`` value crossed with a volume band) the nominal target whose plans achieved
    each desired target is read off (invsl.tools.backtest.calibrate; docs/backtest.md,
    "Calibrated targets"). ``optimize(..., calibration=table)`` and
    ``backtest(..., calibration=table)`` apply the table.

    Parameters
    ----------
    history, skus : pandas.DataFrame
        As for :func:`invsl.backtest` (``skus``: one row per SKU, the plan's inputs).
    metric : str, optional
        The service level calibrated (default the fill rate, ``beta``).
    targets : sequence of float, optional
        The desired targets the table covers (default 0.80 to 0.99); other targets are
        interpolated between them, none extrapolated.
    origins : int, optional
        Calibration origins: the last ``origins`` periods before ``end`` (default 6).
    end : int or period label, optional
        The first period not used (default: the whole history is the calibration; give the
        start of a test to keep the test untouched).
    by : str, optional
        ``"demand_class"`` (default: the Syntetos-Boylan class of each SKU's history before
        the first origin) or a column of ``skus`` naming each SKU's segment; ``optimize``
        then needs that column.
    bands : int, optional
        Volume bands (quantiles of the mean demand per period before the first origin,
        default 1: none).
    min_skus : int, optional
        Fewest SKUs with demand for a segment of its own (default 30).
    allocate : {"efficient", "equal"}, optional
        ``"efficient"`` (default): the nominal targets at which all segments together
        achieved the target with the least stock (more fill where a unit of stock buys more
        of it; the aggregate meets the target, not every segment). ``"equal"``: each
        segment's nominal target is the one at which the segment itself achieved the
        target (more SKUs meet their own target, with more stock).
    demand_model, **options
        The plans calibrated, as for :func:`invsl.backtest` (default: the sample moments).
        Calibrate the plans you will make.
    distribution : str or sequence of str, optional
        The family of the plans (default ``("normal", "negbin")``; a ``distribution`` column
        of ``skus`` is ignored). Several families: each is backtested; with ``"efficient"``
        each segment, band and target takes the family and nominal target of the least total
        stock (over every family's plans), with ``"equal"`` each segment and band the family
        that reached the most targets with the least stock (the table's ``distribution``
        column; ``optimize(..., calibration=)`` plans each row with it).

    Returns
    -------
    pandas.DataFrame
        One row per segment, volume band and target (``segment_by``, ``segment``,
        ``volume_band``, ``volume_from``, ``volume_to`` [units/period], ``metric``,
        ``target``, ``nominal_target``, and what the backtest measured: ``achieved``,
        ``achieved_uncalibrated``, ``stock`` [units], ``reached``, ``skus``, ``demand``
        [units], ``pooled``). The pooled rows (segment ``"*"``) come first.

    Examples
    --------
    >>> import numpy as np, pandas as pd, invsl
    >>> rng = np.random.default_rng(1)
    >>> history = pd.DataFrame({"sku": np.repeat(np.arange(40), 48),
    ...                         "period": np.tile(np.arange(48), 40),
    ...                         "demand": rng.poisson(4.0, 40 * 48)})
    >>> skus = pd.DataFrame({"sku": np.arange(40), "lead_time": 2, "order_quantity": 8})
    >>> table = invsl.calibrate(history, skus, targets=[0.9, 0.95], bands=1)
    >>> table[["segment", "target"]].head(2).to_dict("list")
    {'segment': ['*', '*'], 'target': [0.9, 0.95]}
    """
    if "calibration" in options:
        raise InputError("calibrate() makes a calibration: leave calibration= out")
    grid = np.asarray(NOMINAL_GRID)
    n = len(skus)
    check_frame(skus)
    if by != "demand_class" and by not in skus.columns:
        raise InputError(f"by = {by!r}: the skus table has no such column")
    if int(origins) < 1:
        raise InputError(f"origins = {origins!r}: give a whole number of periods >= 1")
    if allocate not in ALLOCATIONS:
        raise InputError(f"allocate = {allocate!r}: use one of {', '.join(ALLOCATIONS)}")
    names = family_names(distribution)
    for name in names:
        check_arguments(distribution=name)
    tiled = skus.iloc[np.tile(np.arange(n), len(grid))].reset_index(drop=True)
    tiled["target"] = np.repeat(grid, n)
    shape = (len(grid), n)
    runs = []
    for name in names:  # (one backtest per family: a handful of families at most)
        table = backtest(
            history, tiled.assign(distribution=name), metric=metric, start=-int(origins),
            end=end, demand_model=demand_model, distribution=name, **options,
        ).skus  # fmt: skip
        runs.append(table)
    ok = np.logical_and.reduce([(t["status"] == "ok").to_numpy().reshape(shape) for t in runs])
    first = runs[0]
    segment = first["demand_class"].to_numpy()[:n] if by == "demand_class" else skus[by].to_numpy()

    def per_grid(column):
        return np.stack(
            [np.nan_to_num(run[column].to_numpy(dtype=float).reshape(shape)) for run in runs]
        )

    return calibration_table(
        segment, first["history_demand_mean"].to_numpy()[:n], per_grid("demand")[0],
        per_grid("filled"), per_grid("mean_on_hand"), ok, by=by, metric=str(metric),
        targets=targets, bands=bands, min_skus=min_skus, allocate=allocate, distribution=names,
    )  # fmt: skip


def _auto_calibration(history, skus, first: int, hist: HistoryMatrix, *, target, **options):
    """The calibration of ``backtest(calibration="auto")``: on the history before the first
    origin, the ``CALIBRATION_ORIGINS`` periods before it (at most half of it) as origins."""
    origins = min(CALIBRATION_ORIGINS, first // 2)
    if origins < 1:
        raise InputError("calibration='auto' needs at least two periods before start")
    return calibrate(
        history,
        skus,
        targets=sorted({*TARGETS, float(target)}),
        origins=origins,
        end=hist.periods[first],
        **options,
    )


def _empirical_history(demand, origins, window, rows) -> pd.DataFrame | None:
    """The demand history of every (SKU, origin) plan of the empirical ``rows``: the
    observed periods before the origin (the last ``window`` of them for the window model),
    as a long table keyed by the plan row i * n_origins + j (``PLAN_KEY``) for
    ``optimize(history=..., history_options={"missing": "skip"})``. None if no row."""
    if not rows.any():
        return None
    k = len(origins)
    idx = np.flatnonzero(rows)
    part = demand[idx]
    t = np.arange(demand.shape[1])
    before = t[None, :] < origins[:, None]  # (k, T)
    if window is not None:
        before &= t[None, :] >= (origins - int(window))[:, None]
    r, j, p = np.nonzero(np.isfinite(part)[:, None, :] & before[None, :, :])
    return pd.DataFrame({PLAN_KEY: idx[r] * k + j, "period": p, "demand": part[r, p]})


def _plans(
    skus,
    forecast: DemandForecast,
    origins,
    history,
    empirical,
    unsupported,
    column,
    options,
    families,
    classes,
) -> dict:
    """Every SKU's plan at every origin, solved by :func:`invsl.optimize` in one call on the
    table of (SKU, origin) rows; the empirical rows take their demand from ``history`` (their
    own per plan row), the others the forecast's moments. ``column``: the name of the
    distribution column of ``skus``; ``families``: the family code of each SKU. With a
    calibration in ``options``, a calibration by demand class uses ``classes`` (of the
    history before the test)."""
    n, k = forecast.demand_mean.shape
    rows = skus.iloc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    fstatus = forecast.status.ravel()
    usable = fstatus <= FORECAST_FEW_ERRORS
    rows["demand_mean"] = np.where(usable, forecast.demand_mean.ravel(), np.nan)
    rows["demand_std"] = np.where(usable, forecast.demand_std.ravel(), np.nan)
    if unsupported.any():  # (flagged below; solved as a family without a history meanwhile)
        given = rows[column] if column in rows.columns else options["distribution"]
        rows[column] = np.where(np.repeat(unsupported, k), "normal", given)
    # a negative binomial needs a variance above the mean; at or below it the plan is
    # Poisson, the limit of the negative binomial as its variance falls to the mean
    mean, std = rows["demand_mean"].to_numpy(), rows["demand_std"].to_numpy()
    family = np.repeat(families, k)
    poisson = poisson_limit(family, mean, std * std) != family
    if poisson.any():
        given = rows[column] if column in rows.columns else options["distribution"]
        rows[column] = np.where(poisson, "poisson", given)
    calibration = options.get("calibration")
    if calibration is not None and read_calibration(calibration).by == "demand_class":
        rows["demand_class"] = np.repeat(classes, k)
    extra = {}
    if history is not None:
        rows[PLAN_KEY] = np.arange(n * k)
        extra = {
            "history": history,
            "history_options": {"sku": PLAN_KEY, "period": "period", "demand": "demand",
                                "missing": "skip"},
        }  # fmt: skip
    solved = optimize(rows, **options, **extra)
    shape = (n, k)

    def take(name):
        if name in solved.columns:
            return pd.to_numeric(solved[name], errors="coerce").to_numpy(float).reshape(shape)
        return np.full(shape, np.nan)

    status = solved["status"].astype(str).to_numpy(dtype=object).reshape(shape).copy()
    message = solved["message"].to_numpy(dtype=object).reshape(shape).copy()
    # a plan without a forecast says why (the forecast's status), unless its row has no
    # forecast to take (empirical rows use the history itself) or is flagged anyway
    no_forecast = (~usable).reshape(shape) & ~empirical[:, None] & (status != "ok")
    codes = forecast.status[no_forecast]
    status[no_forecast] = np.array(FORECAST_NAMES, dtype=object)[codes]
    message[no_forecast] = [FORECAST_STATUS[int(c)][1] for c in codes]
    status[unsupported] = NAMES[UNSUPPORTED]
    message[unsupported] = EMPIRICAL_TEXT
    q = take("order_quantity")
    return {
        "reorder_point": take("reorder_point"),
        "order_up_to": take("order_up_to"),
        "order_quantity": q,
        "fill_rate": take("beta"),
        "cycle_service_level": take("alpha"),
        "gamma": take("gamma"),
        "nominal_target": take("nominal_target"),
        "demand_mean": forecast.demand_mean,
        "demand_std": forecast.demand_std,
        "status": status,
        "message": message,
    }


def _status(n, matched, unsupported, plans, replayed: Replay, note, pcodes, policy_cells, labels):
    """One status and message per SKU: no history, unsupported row, no plan at any origin,
    or what the replay reports; an ok SKU some of whose origins gave no plan says which
    (``labels``: the period labels of the origins)."""
    texts = {**STATUS, **SIMULATE_STATUS}
    status = np.array([texts[code][0] for code in replayed.status], dtype=object)
    message = np.array([texts[code][1] for code in replayed.status], dtype=object)
    planned = (plans["status"] == "ok").any(axis=1)
    first_bad = plans["message"][np.arange(n), 0]
    no_plan = ~planned
    status[no_plan] = plans["status"][no_plan, 0]
    message[no_plan] = ["no origin gave a plan: " + str(text) for text in first_bad[no_plan]]
    gaps = planned & ~(plans["status"] == "ok").all(axis=1)
    at = np.argmin(plans["status"][gaps] == "ok", axis=1)
    rows = np.flatnonzero(gaps)
    count = (plans["status"][gaps] != "ok").sum(axis=1)
    message[gaps] = [
        f"{c} of {plans['status'].shape[1]} origins gave no plan and kept the plan before "
        f"(first at {labels[j]!r}: {plans['status'][i, j]}: {plans['message'][i, j]})"
        for i, j, c in zip(rows, at, count)
    ]
    status[unsupported] = NAMES[UNSUPPORTED]
    message[unsupported] = EMPIRICAL_TEXT
    status[~matched] = NAMES[NO_HISTORY]
    message[~matched] = "the history has no rows for this sku" + note
    # the policy checks of evaluate/optimize, with their words (engine.assemble, vocabulary)
    no_policy = matched & (pcodes == POLICY_NOT_GIVEN)
    status[no_policy] = NAMES[MISSING]
    message[no_policy] = "policy = empty: " + FIELD_TEXTS[(MISSING, "policy")]
    unknown = matched & (pcodes == -1)
    status[unknown] = NAMES[UNKNOWN_POLICY]
    cells = policy_cells.to_numpy(dtype=object) if policy_cells is not None else None
    message[unknown] = [
        unknown_name("policy", cells[i] if cells is not None else "")
        for i in np.flatnonzero(unknown)
    ]
    return status, message


def _sku_table(
    skus, id_column, replayed: Replay, plans, status, message, classes, demand, origins
) -> pd.DataFrame:
    ok = status == NAMES[OK]

    def measured(values):
        return np.where(ok, values, np.nan)

    planned = plans["status"] == "ok"
    count = planned.sum(axis=1)
    with np.errstate(all="ignore"):
        predicted = {
            name: np.where(planned, plans[name], 0.0).sum(axis=1) / count
            for name in ("fill_rate", "cycle_service_level", "gamma")
        }
    past = demand[:, : int(origins[0])]
    seen = np.isfinite(past).sum(axis=1)
    with np.errstate(all="ignore"):
        before_test = np.where(seen > 0, np.nansum(past, axis=1) / seen, np.nan)
    table = pd.DataFrame(
        {
            id_column: skus[id_column].to_numpy(),
            "demand": measured(replayed.demand),
            "filled": measured(replayed.filled),
            "fill_rate": measured(replayed.fill_rate),
            "cycle_service_level": measured(replayed.cycle_service_level),
            "ready_rate": measured(replayed.ready_rate),
            "gamma": measured(replayed.gamma),
            "mean_on_hand": measured(replayed.mean_on_hand),
            "mean_backorders": measured(replayed.mean_backorders),
            "orders": measured(replayed.orders),
            "predicted_fill_rate": predicted["fill_rate"],
            "predicted_cycle_service_level": predicted["cycle_service_level"],
            "predicted_gamma": predicted["gamma"],
            "fill_rate_se": measured(replayed.fill_rate_se),
            "history_demand_mean": before_test,
            "demand_class": classes,
            "status": pd.Categorical(status, categories=STATUS_CATEGORIES),
            "message": np.where(ok, np.where(planned.all(axis=1), "", message), message).astype(
                object
            ),
        },
        index=skus.index,
    )
    return table


def _demand_classes(hist: HistoryMatrix, demand: np.ndarray, start: int) -> np.ndarray:
    """The Syntetos-Boylan class of each SKU's history before ``start`` (fit_demand's)."""
    n = demand.shape[0]
    part = demand[:, :start]
    sku, period = np.nonzero(np.isfinite(part))
    if sku.size == 0:
        return np.full(n, "no_demand", dtype=object)
    long = pd.DataFrame({"sku": sku, "period": period, "demand": part[sku, period]})
    fitted = fit_demand(long, missing="skip")
    classes = np.full(n, "no_demand", dtype=object)
    classes[fitted["sku"].to_numpy()] = fitted["demand_class"].astype(str).to_numpy()
    return classes


def _summary(table: pd.DataFrame, metric, target, demand_model, origins, hist) -> dict:
    ok = table["status"] == "ok"
    data = table[ok]
    demand = data["demand"].sum()
    weights = data["demand"].to_numpy()
    predicted = data["predicted_fill_rate"].to_numpy()
    with np.errstate(all="ignore"):
        predicted_fill = float(
            np.nansum(weights * predicted) / np.nansum(weights[np.isfinite(predicted)])
        )
    served = data[data["demand"] > 0]
    return {
        "achieved_fill_rate": float(data["filled"].sum() / demand) if demand > 0 else float("nan"),
        "predicted_fill_rate": predicted_fill,
        "share_meeting_target": float((served["fill_rate"] >= target).mean())
        if len(served)
        else float("nan"),
        "mean_on_hand": float(data["mean_on_hand"].sum()),
        "mean_backorders": float(data["mean_backorders"].sum()),
        "skus": int(ok.sum()),
        "skus_flagged": int((~ok).sum()),
        "metric": metric,
        "target": float(target),
        "demand_model": demand_model,
        "origins": int(len(origins)),
        "first_origin": _plain(hist.periods[int(origins[0])]),
        "periods_measured": int(len(hist.periods) - int(origins[0])),
    }


def _plain(value):
    """A numpy scalar as the Python value (for the summary dict)."""
    return value.item() if hasattr(value, "item") else value


def _plan_table(ids, hist, origins, plans) -> pd.DataFrame:
    n, k = plans["reorder_point"].shape
    return pd.DataFrame(
        {
            "sku": np.repeat(ids.to_numpy(), k),
            "origin": np.tile(hist.periods[origins].to_numpy(), n),
            "demand_mean": plans["demand_mean"].ravel(),
            "demand_std": plans["demand_std"].ravel(),
            "reorder_point": plans["reorder_point"].ravel(),
            "order_up_to": plans["order_up_to"].ravel(),
            "order_quantity": plans["order_quantity"].ravel(),
            "predicted_fill_rate": plans["fill_rate"].ravel(),
            "nominal_target": plans["nominal_target"].ravel(),
            "status": plans["status"].ravel(),
        }
    )


def _periods(ids, hist, w0, replayed: Replay):
    import xarray as xr  # heavy: imported when the per-period replay is asked for

    p = replayed.periods
    assert p is not None  # (replayed with record=True)
    coords = {"sku": ids.to_numpy(), "period": hist.periods[w0:].to_numpy()}
    dims = ("sku", "period")
    return xr.Dataset(
        {
            "on_hand": (dims, p.on_hand),
            "backorders": (dims, p.backorders),
            "filled": (dims, p.filled),
            "ordered": (dims, p.ordered),
        },
        coords=coords,
    )
