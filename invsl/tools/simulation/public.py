"""The public function :func:`simulate`: a table of SKUs in, their simulated service levels out.

It checks its arguments, reads the table (:mod:`~invsl.tools.simulation.table`), checks the
rows (:mod:`~invsl.tools.simulation.checks`), builds the kernel's inputs
(:mod:`~invsl.tools.simulation.rows`), runs the batch kernel
(:mod:`~invsl.tools.simulation.kernel`) and adds the metric, status and message columns to
the input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: that would cost 0.4 s at import

from invsl.engine.arguments import check_arguments
from invsl.engine.assemble import messages
from invsl.engine.reader import InputError, check_frame
from invsl.scalar.jit import run_rows
from invsl.tools.simulation.checks import check_rows
from invsl.tools.simulation.codes import ALL_STATUS, METRICS, STATUS_CATEGORY, STATUS_NAMES
from invsl.tools.simulation.kernel import Outputs, Settings, row_weight, simulate_kernel
from invsl.tools.simulation.rows import kernel_rows
from invsl.tools.simulation.table import Table, read_table
from invsl.vocabulary import NO_ORDER_CYCLES, SIM_CAPACITY, ZERO_DEMAND


def simulate(
    df: pd.DataFrame,
    *,
    periods: int = 20_000,
    seed: int = 0,
    warmup: int | None = None,
    n_batches: int = 20,
    substeps: int | None = None,
    policy: str | None = None,
    review_period: int | None = None,
    distribution: str = "normal",
    negative_demand: str = "return",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    history: pd.DataFrame | None = None,
    history_options: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Simulate each SKU's inventory policy and measure its service levels.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU: ``demand_mean`` and ``demand_std`` [units/period], ``lead_time``
        [periods] and, depending on the policy, ``reorder_point``, ``order_quantity``,
        ``order_up_to`` [units]; optionally ``policy`` (``sQ``, ``RS``, ``RsS``, ``RsQ``),
        ``review_period`` [periods], ``distribution`` (``normal``, ``gamma``, ``poisson``,
        ``negbin``, ``deterministic``, ``empirical``, ``compound_poisson``) and
        ``lead_time_std`` (must be 0: the simulated lead time is fixed). ``empirical`` rows
        need a ``sku`` column matching ``history``. Other columns are passed through
        untouched.

        ============  =========================================================
        policy        columns used
        ============  =========================================================
        ``sQ``        reorder_point s, order_quantity Q (continuous review)
        ``RS``        order_up_to S, review_period R
        ``RsS``       reorder_point s, order_up_to S > s, review_period R
        ``RsQ``       reorder_point s, order_quantity Q, review_period R
        ============  =========================================================
    periods : int, optional
        Periods simulated per SKU after the warm-up [periods], default 20,000.
    seed : int, optional
        Seed (0 <= seed < 2**64). Row i uses the stream (seed, i): same seed and same row
        positions give identical results, for any number of threads.
    warmup : int, optional
        Periods simulated before measuring [periods]. Default per row:
        ``10 * (L + R + cycle) + 100`` with cycle = Q/mu, (S - s)/mu or R.
    n_batches : int, optional
        Number of batches for the batch-means confidence intervals, default 20.
    substeps : int, optional
        Steps per period for continuous review (``sQ``). Default per row: the smallest m <= 16
        with m * lead_time whole (16 if there is none).
    policy, review_period, distribution : optional
        Values for rows without them (defaults ``sQ``, 1, ``normal``), read as
        :func:`invsl.evaluate` reads them: a row with a review period (cell or argument) and
        no policy is flagged ``missing`` on ``policy``, never simulated as continuous review.
        A bad argument raises :class:`invsl.InputError`.
    lead_time_std : float, optional
        Lead-time standard deviation for rows without one [periods], default 0. The
        simulator's lead time is fixed: rows with a value above 0 are flagged
        ``random_lead_time``, not simulated.
    negative_demand : {"return", "zero"}, optional
        What a negative normal draw means: units returned to stock (default; the normal model
        of the formulas), or zero demand.
    columns : mapping, optional
        Canonical name -> column name in ``df``.
    history : pandas.DataFrame, optional
        Demand history (one row per SKU and period), needed by ``empirical`` rows: each
        simulated period's demand is the demand of a uniformly chosen period of the SKU's
        history (``sQ``: its units at uniform times within the period) (its ``demand_mean`` and ``demand_std`` are taken from it, as in
        :func:`invsl.evaluate`). ``compound_poisson`` rows draw Poisson(r) customers of
        geometric size (docs/history.md) and need no history.
    history_options : mapping, optional
        Column names and reading of ``history`` (keys ``sku``, ``period``, ``demand``,
        ``missing``), as for :func:`invsl.evaluate`.

    Returns
    -------
    pandas.DataFrame
        The input columns, then ``alpha``, ``beta``, ``gamma``, ``ready_rate``,
        ``expected_backorders``, ``expected_on_hand``, their 95% confidence half-widths
        ``alpha_ci`` ... ``expected_on_hand_ci``, ``status`` and ``message``.

    Raises
    ------
    InputError
        If a column that some row needs is missing, or an argument is invalid.

    Notes
    -----
    Every metric is measured from the contract's general definitions:

    - alpha = (order arrivals with net stock >= 0 just before) / (order arrivals); for RS
      every review counts (also one that orders nothing), as in alpha = F_{L+R}(S);
    - beta = 1 - (demand not served from stock at once) / (demand);
    - E[B], ready rate (net stock > 0) and on-hand are averages over period ends (periodic
      review), step ends (continuous review) or time (continuous review with ``empirical``
      demand); gamma = 1 - E[B] / mu.

    ``sQ`` is continuous review (the order at the moment the position reaches s), not daily
    review. With lumpy demand (negbin customers, normal and gamma steps) its alpha and beta
    include the undershoot of the lump that crosses s, so they confirm the (s, Q) formulas
    only for Poisson unit demand; docs/simulate.md lists which formula agrees in which case.
    With ``empirical`` demand the units of each period arrive one at a time at independent
    uniform times within the period (exactly the (s, Q) model when the pmf is Poisson, an
    approximation otherwise).

    Half-widths are t_{0.975, B-1} times the batch-means standard error of B consecutive
    batches (ratio metrics by the delta method). See docs/simulate.md.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"demand_mean": [10.0], "demand_std": [0.0], "lead_time": [1],
    ...                    "order_up_to": [25.0], "policy": ["RS"], "review_period": [2],
    ...                    "distribution": ["deterministic"]})
    >>> out = invsl.simulate(df, periods=1000)
    >>> float(out["beta"].iloc[0]), float(out["expected_backorders"].iloc[0])
    (0.75, 2.5)
    """
    _check_arguments(df, periods, n_batches, seed, negative_demand, warmup, substeps)
    check_arguments(
        distribution=distribution,
        policy=policy,
        lead_time_std=lead_time_std,
        review_period=review_period,
    )
    table = read_table(
        df,
        columns=columns,
        history=history,
        history_options=history_options,
        policy=policy,
        distribution=distribution,
        review_period=review_period,
        lead_time_std=lead_time_std,
    )
    status, field = check_rows(table)
    rows, histories = kernel_rows(table, status, warmup=warmup, substeps=substeps)
    settings = Settings(
        periods=int(periods),
        n_batches=int(n_batches),
        seed=np.uint64(int(seed)),
        t_quantile=float(special.stdtrit(int(n_batches) - 1, 0.975)),
        clip=negative_demand == "zero",
    )
    metrics = np.full((2 * len(METRICS), table.n), np.nan)
    outputs = Outputs(status=status, metrics=metrics)
    weight = row_weight(rows, settings.periods)
    run_rows(simulate_kernel, table.n, weight, rows, settings, histories, outputs)
    return _result(df, table, status, field, metrics)


def _check_arguments(df, periods, n_batches, seed, negative_demand, warmup, substeps) -> None:
    """Raise InputError for an argument of :func:`simulate` that is not valid."""
    check_frame(df)
    periods = int(periods)
    n_batches = int(n_batches)
    if n_batches < 2:
        raise InputError("n_batches must be at least 2")
    if periods < n_batches:
        raise InputError(f"periods must be at least n_batches ({n_batches})")
    if not 0 <= int(seed) < 2**64:
        raise InputError("seed must be an integer in [0, 2**64)")
    if negative_demand not in ("return", "zero"):
        raise InputError("negative_demand must be 'return' or 'zero'")
    if warmup is not None and int(warmup) < 0:
        raise InputError("warmup must be >= 0")
    if substeps is not None and int(substeps) < 1:
        raise InputError("substeps must be >= 1")


def _result(
    df: pd.DataFrame, table: Table, status: np.ndarray, field: np.ndarray, metrics: np.ndarray
) -> pd.DataFrame:
    """The input columns, then the metrics, their half-widths, status and message."""
    result = df.copy(deep=False)
    for j, name in enumerate(METRICS):
        result[name] = metrics[j]
    for j, name in enumerate(METRICS):
        result[f"{name}_ci"] = metrics[len(METRICS) + j]
    result["status"] = pd.Categorical.from_codes(
        STATUS_CATEGORY[status], categories=pd.Index(STATUS_NAMES)
    )
    result["message"] = pd.Series(
        messages(
            status,
            field,
            table.raw,
            table.defaults,
            texts=ALL_STATUS,
            plain=(ZERO_DEMAND, NO_ORDER_CYCLES, SIM_CAPACITY),
        ),
        index=df.index,
        dtype=object,
    )
    return result
