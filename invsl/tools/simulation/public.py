"""The public function :func:`simulate`: a table of SKUs in, their simulated service levels out."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: that would cost 0.4 s at import

from invsl.api import frame as _frame
from invsl.engine import history_rows
from invsl.engine.validate import _codes, validate
from invsl.kernels import pmf
from invsl.tools.simulation.codes import (
    ALL_STATUS,
    COMPOUND_POISSON,
    DETERMINISTIC,
    DISTRIBUTION_CODES,
    EMPIRICAL,
    GAMMA,
    METRICS,
    NEGBIN,
    NORMAL,
    POISSON,
    POLICY_CODES,
    POLICY_NAMES,
    RS,
    RSQ,
    RSS,
    SQ,
    STATUS_CATEGORY,
    STATUS_NAMES,
)
from invsl.tools.simulation.kernel import Outputs, Rows, Settings, simulate_kernel
from invsl.tools.simulation.rows import auto_substeps, history_counts
from invsl.tools.simulation.table import EXTRA_COLUMNS, resolve_extra_columns
from invsl.vocabulary import (
    BAD_HISTORY,
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    COMPOUND_POISSON_VARIANCE,
    FRACTIONAL_LEAD_TIME,
    MISSING,
    NEGBIN_VARIANCE,
    NO_HISTORY,
    NO_ORDER_CYCLES,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_INTEGER,
    OK,
    PERIODIC_LEAD_TIME,
    RANDOM_LEAD_TIME,
    SIM_CAPACITY,
    UNKNOWN_POLICY,
    ZERO_DEMAND,
)


def simulate(
    df: pd.DataFrame,
    *,
    periods: int = 20_000,
    seed: int = 0,
    warmup: int | None = None,
    n_batches: int = 20,
    substeps: int | None = None,
    policy: str = "sQ",
    review_period: int = 1,
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
        Values for rows without them (defaults ``sQ``, 1, ``normal``).
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
    if not isinstance(df, pd.DataFrame):
        raise _frame.InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    periods = int(periods)
    n_batches = int(n_batches)
    if n_batches < 2:
        raise _frame.InputError("n_batches must be at least 2")
    if periods < n_batches:
        raise _frame.InputError(f"periods must be at least n_batches ({n_batches})")
    if not 0 <= int(seed) < 2**64:
        raise _frame.InputError("seed must be an integer in [0, 2**64)")
    if negative_demand not in ("return", "zero"):
        raise _frame.InputError("negative_demand must be 'return' or 'zero'")
    if warmup is not None and int(warmup) < 0:
        raise _frame.InputError("warmup must be >= 0")
    if substeps is not None and int(substeps) < 1:
        raise _frame.InputError("substeps must be >= 1")
    columns = dict(columns or {})
    core = {k: v for k, v in columns.items() if k in _frame.INPUT_COLUMNS}
    unknown = set(columns) - set(core) - set(EXTRA_COLUMNS)
    if unknown:
        raise _frame.InputError(f"columns= maps unknown names {sorted(unknown)}")
    found = _frame._resolve_columns(
        df, core, _frame._required(["demand_mean", "demand_std", "lead_time"], history)
    )
    found.update(resolve_extra_columns(df, columns))
    n = len(df)
    raw = {name: df[col] for name, col in found.items()}

    # per-row policy and distribution codes (empty cells take the defaults)
    pcodes = _codes(raw["policy"] if "policy" in raw else policy, POLICY_CODES, str(policy).lower())
    pcodes = np.broadcast_to(pcodes, (n,)).astype(np.int8)
    dcodes = _codes(
        raw["distribution"] if "distribution" in raw else distribution,
        DISTRIBUTION_CODES,
        distribution,
    )
    dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)

    numbers = {}
    text_mask = np.zeros(n, dtype=bool)
    text_field = np.full(n, "", dtype=object)
    for name in (
        "demand_mean",
        "demand_std",
        "lead_time",
        "lead_time_std",
        "order_quantity",
        "reorder_point",
        "order_up_to",
        "review_period",
    ):
        if name in raw:
            values, text = _frame._numeric(raw[name])
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask |= text
        else:
            values = np.full(n, np.nan)
        numbers[name] = values
    numbers["lead_time_std"] = np.where(
        np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
    )
    numbers["review_period"] = np.where(
        np.isnan(numbers["review_period"]), float(review_period), numbers["review_period"]
    )

    # which columns each row needs
    uses_s = (pcodes == SQ) | (pcodes == RSS) | (pcodes == RSQ)
    uses_q = (pcodes == SQ) | (pcodes == RSQ)
    uses_big_s = (pcodes == RS) | (pcodes == RSS)
    for name, needed in (
        ("reorder_point", uses_s),
        ("order_quantity", uses_q),
        ("order_up_to", uses_big_s),
    ):
        if name not in raw and needed.any():
            kinds = sorted({POLICY_NAMES[c] for c in pcodes[needed]})
            raise _frame.InputError(
                f"missing column {name}, needed by the {', '.join(kinds)} rows; "
                f"from Python map it with columns={{'{name}': 'your_name'}}"
            )

    # core checks (shared with evaluate): fill the columns a row does not use with harmless
    # values so that they are not reported
    # demand from history (invsl.kernels.pmf): empirical rows take demand_mean, demand_std and the
    # per-period pmf from the history, as in invsl.evaluate
    history_dist = (dcodes == EMPIRICAL) | (dcodes == COMPOUND_POISSON)
    pmf_ctx = history_rows.prepare(
        df,
        np.select(
            [dcodes == EMPIRICAL, dcodes == COMPOUND_POISSON],
            [pmf.EMPIRICAL, pmf.COMPOUND_POISSON],
            -1,
        ),
        numbers,
        history,
        history_options,
    )
    integer = (dcodes == POISSON) | (dcodes == NEGBIN) | history_dist
    deterministic = dcodes == DETERMINISTIC
    q_check = np.where(uses_q, numbers["order_quantity"], 1.0)
    s_check = np.where(uses_s, numbers["reorder_point"], 0.0)
    # history distributions are checked as an integer distribution with a demand_std
    core_dist = np.where(deterministic, NORMAL, np.where(history_dist, NEGBIN, dcodes))
    core_dist = core_dist.astype(np.int8)
    status, field = validate(
        demand_mean=numbers["demand_mean"],
        demand_std=np.where(deterministic, 0.0, numbers["demand_std"]),
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=q_check,
        distribution=core_dist,
        reorder_point=s_check,
    )

    def flag(mask, code, name):
        mask = mask & (status == OK)
        status[mask] = code
        field[mask] = name

    big_s = numbers["order_up_to"]
    review = numbers["review_period"]
    periodic = pcodes != SQ
    flag(uses_big_s & np.isnan(big_s), MISSING, "order_up_to")
    flag(uses_big_s & np.isinf(big_s), NOT_FINITE, "order_up_to")
    flag(integer & uses_big_s & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    flag((pcodes == RSS) & ~(big_s > numbers["reorder_point"]), BAD_ORDER_UP_TO, "order_up_to")
    flag(
        periodic & ~((review >= 1) & (review == np.floor(review)) & np.isfinite(review)),
        BAD_REVIEW_PERIOD,
        "review_period",
    )
    lead = numbers["lead_time"]
    flag(periodic & (lead != np.floor(lead)), PERIODIC_LEAD_TIME, "lead_time")
    flag(numbers["lead_time_std"] > 0, RANDOM_LEAD_TIME, "lead_time_std")
    flag(
        (dcodes == NEGBIN) & ~(numbers["demand_std"] ** 2 > numbers["demand_mean"]),
        NEGBIN_VARIANCE,
        "demand_std",
    )
    if pmf_ctx is not None:
        for code in (NO_HISTORY, BAD_HISTORY):
            flag(pmf_ctx.no_history == code, code, "")
        mean, var = numbers["demand_mean"], numbers["demand_std"] ** 2
        compound = dcodes == COMPOUND_POISSON
        flag(compound & (var < mean * (1.0 - 1e-12)), COMPOUND_POISSON_VARIANCE, "demand_std")
        flag((dcodes == EMPIRICAL) & (lead != np.floor(lead)), FRACTIONAL_LEAD_TIME, "lead_time")
    # the policy decides which columns matter: an unknown policy is reported first
    bad_policy = pcodes < 0
    status[bad_policy] = UNKNOWN_POLICY
    field[bad_policy] = "policy"
    status[text_mask] = NOT_A_NUMBER
    field[text_mask] = text_field[text_mask]
    ok = status == OK

    # normal/gamma with sd 0 are deterministic
    sim_dist = np.where(
        (dcodes == NORMAL) | (dcodes == GAMMA),
        np.where(numbers["demand_std"] == 0, DETERMINISTIC, dcodes),
        dcodes,
    ).astype(np.int8)
    mu = numbers["demand_mean"]
    review_int = np.where(ok & periodic, review, 1).astype(np.int64)
    lead_clean = np.where(ok, lead, 0.0)
    if substeps is None:
        steps = np.where(ok & ~periodic & ~integer, auto_substeps(lead_clean), 1)
    else:
        steps = np.full(n, int(substeps))
    steps = steps.astype(np.int64)
    if warmup is None:
        with np.errstate(all="ignore"):
            cycle = np.select(
                [pcodes == RS, pcodes == RSS],
                [review, (big_s - numbers["reorder_point"]) / mu],
                numbers["order_quantity"] / mu,
            )
            w = 10.0 * (lead + np.where(periodic, review, 0.0) + cycle) + 100.0
        w = np.where(ok & np.isfinite(w), np.minimum(np.ceil(w), 1e9), 0.0)
        warm = w.astype(np.int64)
    else:
        warm = np.full(n, int(warmup), dtype=np.int64)

    histories = history_counts(pmf_ctx, dcodes == EMPIRICAL, status)
    ok = status == OK

    out = np.full((2 * len(METRICS), n), np.nan)
    t_quantile = float(special.stdtrit(n_batches - 1, 0.975))

    def clean(values, fill):
        return np.where(ok, values, fill).astype(np.float64)

    rows = Rows(
        policy=pcodes,
        distribution=sim_dist,
        demand_mean=clean(mu, 1.0),
        demand_std=clean(numbers["demand_std"], 1.0),
        lead_time=clean(lead, 0.0),
        review_period=review_int,
        reorder_point=clean(numbers["reorder_point"], 0.0),
        order_quantity=clean(numbers["order_quantity"], 1.0),
        order_up_to=clean(big_s, 1.0),
        warmup=warm,
        substeps=steps,
    )
    settings = Settings(
        periods=periods,
        n_batches=n_batches,
        seed=np.uint64(int(seed)),
        t_quantile=t_quantile,
        clip=negative_demand == "zero",
    )
    simulate_kernel(rows, settings, histories, Outputs(status=status, metrics=out))

    result = df.copy(deep=False)
    for j, name in enumerate(METRICS):
        result[name] = out[j]
    for j, name in enumerate(METRICS):
        result[f"{name}_ci"] = out[len(METRICS) + j]
    result["status"] = pd.Categorical.from_codes(
        STATUS_CATEGORY[status], categories=pd.Index(STATUS_NAMES)
    )
    result["message"] = pd.Series(
        _frame._messages(
            status,
            field,
            raw,
            texts=ALL_STATUS,
            plain=(ZERO_DEMAND, NO_ORDER_CYCLES, SIM_CAPACITY),
        ),
        index=df.index,
        dtype=object,
    )
    return result
