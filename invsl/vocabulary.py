"""One vocabulary: every code and every spelling invsl reads or writes.

This module is the only place that defines

- the integer codes the kernels use: demand families (``DEMAND_*``), metrics (``METRIC_*``),
  policies (``POLICY_*``), portfolio objectives and investments, row statuses;
- the names a table or a call may use for them, with their other spellings (``*_SPELLINGS``:
  lower case, blanks trimmed), and the names written back (``*_NAMES``);
- the input columns and the other names accepted for each (``COLUMN_ALIASES``);
- the message of an unknown name, the same wherever the name is read (:func:`unknown_name`),
  and the check of a call-level argument, which raises (:func:`code_of`).

It imports nothing from invsl, so every layer may use it (the kernels write its status
codes). Codes are plain ``int`` constants: numba freezes them into compiled code.
docs/architecture.md says where each kind of name is used; docs/nomenclature.md explains
them to planners.
"""

from __future__ import annotations

from collections.abc import Mapping

# ---------------------------------------------------------------------------------------------
# Demand families (the ``distribution`` column) and fitted lead-time demand kinds (the
# ``lead_time_distribution`` column). 0-3 are two-moment families, 4-5 are demand without
# variance (continuous, integer), 6-7 come from a demand history (kernels.pmf).
DEMAND_NORMAL = 0
DEMAND_GAMMA = 1
DEMAND_POISSON = 2
DEMAND_NEGBIN = 3
DEMAND_POINT = 4
DEMAND_POINT_INT = 5
DEMAND_EMPIRICAL = 6
DEMAND_COMPOUND_POISSON = 7

#: the distribution names a table or call may use, and their codes. ``deterministic`` is
#: demand without variance: read as ``normal`` with demand_std 0 (the simulator draws it as
#: such).
DISTRIBUTION_SPELLINGS: dict[str, int] = {
    "normal": DEMAND_NORMAL,
    "gamma": DEMAND_GAMMA,
    "poisson": DEMAND_POISSON,
    "negbin": DEMAND_NEGBIN,
    "deterministic": DEMAND_POINT,
    "empirical": DEMAND_EMPIRICAL,
    "compound_poisson": DEMAND_COMPOUND_POISSON,
}
#: the two-moment families of the array functions (no history, no deterministic)
PARAMETRIC_DISTRIBUTIONS = ("normal", "gamma", "poisson", "negbin")
#: the families fitted from a demand history (kernels.pmf)
HISTORY_DISTRIBUTIONS = ("empirical", "compound_poisson")
#: kind code -> name in the ``lead_time_distribution`` column
KIND_NAMES = (
    "normal",
    "gamma",
    "poisson",
    "negbin",
    "deterministic",
    "deterministic",
    "empirical",
    "compound_poisson",
)

# ---------------------------------------------------------------------------------------------
# Service-level metrics (the ``metric`` column and argument)
METRIC_ALPHA = 0
METRIC_BETA = 1
METRIC_GAMMA = 2
METRIC_NAMES = ("alpha", "beta", "gamma")
METRIC_SPELLINGS: dict[str, int] = {
    "alpha": METRIC_ALPHA,
    "cycle_service_level": METRIC_ALPHA,
    "csl": METRIC_ALPHA,
    "beta": METRIC_BETA,
    "fill_rate": METRIC_BETA,
    "gamma": METRIC_GAMMA,
    "gamma_service_level": METRIC_GAMMA,
}

# ---------------------------------------------------------------------------------------------
# Inventory policies (the ``policy`` column and argument)
POLICY_SQ = 0
POLICY_RS = 1
POLICY_RSS = 2
POLICY_RSQ = 3
POLICY_NAMES = ("sQ", "RS", "RsS", "RsQ")
#: the engine's code for a row with a review period and no policy (flagged ``missing``);
#: -1 is an unknown name, as for every kind of name
POLICY_NOT_GIVEN = -2
POLICY_SPELLINGS: dict[str, int] = {
    "sq": POLICY_SQ,
    "s,q": POLICY_SQ,
    "(s,q)": POLICY_SQ,
    "rs": POLICY_RS,
    "r,s": POLICY_RS,
    "(r,s)": POLICY_RS,
    "rss": POLICY_RSS,
    "r,s,s": POLICY_RSS,
    "(r,s,s)": POLICY_RSS,
    "min/max": POLICY_RSS,
    "minmax": POLICY_RSS,
    "rsq": POLICY_RSQ,
    "r,s,nq": POLICY_RSQ,
    "(r,s,nq)": POLICY_RSQ,
}

# ---------------------------------------------------------------------------------------------
# optimize_portfolio: the objective (what is maximised) and the investment (what the budget
# limits)
OBJECTIVE_FILL_RATE = 0
OBJECTIVE_GAMMA = 1
OBJECTIVE_BACKORDER_VALUE = 2
OBJECTIVE_SPELLINGS: dict[str, int] = {
    "beta": OBJECTIVE_FILL_RATE,
    "fill_rate": OBJECTIVE_FILL_RATE,
    "gamma": OBJECTIVE_GAMMA,
    "gamma_service_level": OBJECTIVE_GAMMA,
    "backorder_value": OBJECTIVE_BACKORDER_VALUE,
    "backorders": OBJECTIVE_BACKORDER_VALUE,
}
INVESTMENT_SAFETY_STOCK = 0
INVESTMENT_ON_HAND = 1
INVESTMENT_SPELLINGS: dict[str, int] = {
    "safety_stock": INVESTMENT_SAFETY_STOCK,
    "on_hand": INVESTMENT_ON_HAND,
    "expected_on_hand": INVESTMENT_ON_HAND,
}

# ---------------------------------------------------------------------------------------------
# fit_demand: Syntetos-Boylan demand classes and the distribution suggested for each SKU
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
SUGGESTED_DISTRIBUTIONS = ("normal", "poisson", "negbin", "empirical", "compound_poisson")

#: how absent (sku, period) pairs of a demand history are read
HISTORY_MISSING_OPTIONS = ("zero", "skip")

# fit_demand's status per SKU, its name and message (the ``fit_status`` / ``fit_message`` columns)
FIT_OK = 0
FIT_MISSING_DEMAND = 1
FIT_NEGATIVE_DEMAND = 2
FIT_DUPLICATE_PERIOD = 3
FIT_MISSING_PERIOD = 4
FIT_TOO_FEW_PERIODS = 5
FIT_STATUS = {
    FIT_OK: ("ok", ""),
    FIT_MISSING_DEMAND: (
        "missing_demand",
        "a demand value of this sku is missing or not a number; fill it in (0 for no demand)",
    ),
    FIT_NEGATIVE_DEMAND: (
        "negative_demand",
        "a demand value of this sku is negative (returns?); net them out of the history "
        "or set them to 0",
    ),
    FIT_DUPLICATE_PERIOD: (
        "duplicate_period",
        "a period appears more than once for this sku; add the rows up per period first",
    ),
    FIT_MISSING_PERIOD: (
        "missing_period",
        "a row of this sku has no period; fill in the period",
    ),
    FIT_TOO_FEW_PERIODS: (
        "too_few_periods",
        "not enough periods to estimate a standard deviation (need more than ddof)",
    ),
}
FIT_NAMES = tuple(FIT_STATUS[code][0] for code in sorted(FIT_STATUS))


# ---------------------------------------------------------------------------------------------
# Backtest: demand models, short-history corrections of their spread, forecast statuses
#: the demand models of the backtest (tools/backtest/models.py), in the order of its docstring
DEMAND_MODELS = ("sample", "window", "ses", "croston_sba", "tsb", "forecast")
#: the short-history corrections of the spread (``correction=None`` is the plug-in value)
CORRECTIONS = ("mean", "student")

CORRECTION_NONE = 0
CORRECTION_MEAN = 1
CORRECTION_STUDENT = 2

# The backtest's demand forecast: status per SKU and origin (tools/backtest/models.py)
FORECAST_OK = 0
FORECAST_FEW_ERRORS = 1
FORECAST_SHORT_HISTORY = 2
FORECAST_NO_HISTORY = 3
FORECAST_BAD_HORIZON = 4
FORECAST_NO_FORECAST = 5
#: status code -> (name, what it means)
FORECAST_STATUS = {
    FORECAST_OK: ("ok", ""),
    FORECAST_FEW_ERRORS: (
        "few_errors",
        "fewer past forecast errors than min_errors before this origin (with "
        "correction='student': too few for a finite predictive variance): the spread is the "
        "sample one, sqrt(h) times the standard deviation per period",
    ),
    FORECAST_SHORT_HISTORY: (
        "short_history",
        "too few observed periods before this origin to estimate a standard deviation "
        "(2 needed, 4 with correction='student')",
    ),
    FORECAST_NO_HISTORY: ("no_history", "no observed period before this origin"),
    FORECAST_BAD_HORIZON: ("bad_horizon", "the horizon h = L + R is not a whole number >= 1"),
    FORECAST_NO_FORECAST: (
        "no_forecast",
        "a user forecast of a period in the horizon is missing (NaN or beyond the table)",
    ),
}
FORECAST_NAMES = tuple(FORECAST_STATUS[code][0] for code in sorted(FORECAST_STATUS))
#: keys of the backtest's ``forecast_options``: the column names of the user's forecasts
#: (``vintage``: the origin a forecast was made for; ``cutoff``: the last period it saw)
FORECAST_OPTIONS = ("sku", "period", "forecast", "vintage", "cutoff")
#: the stages of a backtest, in order, as its ``progress`` callback and the command line's
#: progress bar name them
BACKTEST_STAGES = ("read", "forecast", "solve", "replay")


# ---------------------------------------------------------------------------------------------
# Input columns: canonical name -> other names accepted (compared after normalise_column)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "demand_mean": ("mean_demand", "mu", "avg_demand", "average_demand"),
    "demand_std": ("std_demand", "sigma", "demand_sd", "sd_demand"),
    "lead_time": ("leadtime", "lt", "lead_time_periods"),
    "lead_time_std": ("leadtime_std", "lead_time_sd", "sigma_l"),
    "order_quantity": ("q", "lot_size", "order_qty", "eoq"),
    "distribution": (),
    "reorder_point": ("s", "rop", "reorder_level"),
    "metric": (),
    "target": (),
    "policy": ("policy_type", "inventory_policy"),
    "review_period": ("review_interval", "review", "r"),
    "order_up_to": ("order_up_to_level", "max_level", "s_max", "max_stock"),
}
INPUT_COLUMNS = tuple(COLUMN_ALIASES)


def normalise_column(name: object) -> str:
    """A column name as it is matched: lower case, blanks trimmed, inner blanks and dashes
    as underscores (``"Lead Time"`` -> ``"lead_time"``)."""
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def normalise_name(value: object) -> str:
    """A name (distribution, metric, policy, ...) as it is looked up: lower case, trimmed."""
    return str(value).strip().lower()


# ---------------------------------------------------------------------------------------------
# What each kind of name is called in messages, and the names listed as accepted
#: kind -> (spellings, canonical names listed in messages)
NAME_KINDS: dict[str, tuple[Mapping[str, int], tuple[str, ...]]] = {
    "distribution": (DISTRIBUTION_SPELLINGS, tuple(DISTRIBUTION_SPELLINGS)),
    "metric": (METRIC_SPELLINGS, tuple(METRIC_SPELLINGS)),
    "policy": (POLICY_SPELLINGS, POLICY_NAMES),
    "objective": (OBJECTIVE_SPELLINGS, tuple(OBJECTIVE_SPELLINGS)),
    "investment": (INVESTMENT_SPELLINGS, tuple(INVESTMENT_SPELLINGS)),
    "demand_model": (
        {name: code for code, name in enumerate(DEMAND_MODELS)},
        DEMAND_MODELS,
    ),
}


def accepted(kind: str) -> str:
    """The names of one kind as messages list them, e.g. ``'sQ, RS, RsS, RsQ'``."""
    text = ", ".join(NAME_KINDS[kind][1])
    if kind == "policy":
        text += " (also (s,q), (r,s), min/max, (r,s,nq))"
    return text


def unknown_text(kind: str) -> str:
    """What to do about an unknown name of one kind (the text after ``column = value: ``)."""
    return f"not a known {kind}; use one of {accepted(kind)}"


def unknown_name(kind: str, value: object) -> str:
    """The one message for a name that is not in the vocabulary: a cell's message and a bad
    argument's ValueError read the same."""
    return f"{kind} = {str(value)!r}: {unknown_text(kind)}"


def code_of(kind: str, value: object) -> int:
    """The code of a call-level name; raises ValueError naming it and what is accepted.

    >>> code_of("metric", "fill_rate")
    1
    >>> code_of("policy", "xyz")
    Traceback (most recent call last):
    ...
    ValueError: policy = 'xyz': not a known policy; use one of sQ, RS, RsS, RsQ (also (s,q), (r,s), min/max, (r,s,nq))
    """
    spellings = NAME_KINDS[kind][0]
    code = spellings.get(normalise_name(value)) if isinstance(value, str) else None
    if code is None:
        raise ValueError(unknown_name(kind, value))
    return code


# ---------------------------------------------------------------------------------------------
# Row statuses: one code per row, set by validation and by the kernels. The names (the
# ``status`` column) and what a planner should do about each are listed in docs/cli.md
# ("Status codes") and docs/troubleshooting.md.
OK = 0
MISSING = 1
NOT_FINITE = 2
NEGATIVE = 3
BAD_ORDER_QUANTITY = 4
BAD_TARGET = 5
UNKNOWN_DISTRIBUTION = 6
UNKNOWN_METRIC = 7
NEGBIN_VARIANCE = 8
NOT_INTEGER = 9
ZERO_DEMAND = 10
NO_CONVERGENCE = 11
CANNOT_FIT = 12
NOT_A_NUMBER = 13
# demand from history (invsl.kernels.pmf, invsl.engine.history_rows)
NO_HISTORY = 14
BAD_HISTORY = 15
FRACTIONAL_LEAD_TIME = 16
COMPOUND_POISSON_VARIANCE = 17
PMF_TOO_LARGE = 18
RANDOM_LEAD_TIME = 19
# numeric extremes (docs/extremes.md)
PRECISION_LIMIT = 20
# periodic review (invsl.engine.periodic_rows)
UNKNOWN_POLICY = 21
BAD_REVIEW_PERIOD = 22
BAD_ORDER_UP_TO = 23
#: optimize_portfolio and sensitivity: a periodic-review or history-based row
UNSUPPORTED = 24
#: a row a kernel must skip while it computes others (another route's or another compile
#: unit's rows; any code other than OK makes a kernel skip a row): never shown, not in STATUS
SKIP = 255
#: a row the lean compile unit of the (s, Q) kernel leaves to the full unit (a row off the
#: fused solvers' path, kernels.batch): never shown, not in STATUS
DEFERRED = 254

#: status code -> (name, what it means and how to fix it)
STATUS = {
    OK: ("ok", ""),
    MISSING: ("missing", "a required value is missing (empty or NaN); fill it in"),
    NOT_FINITE: ("not_finite", "a value is infinite; give a finite number"),
    NEGATIVE: ("negative", "a value that must be >= 0 is negative"),
    BAD_ORDER_QUANTITY: ("bad_order_quantity", "order_quantity must be > 0"),
    BAD_TARGET: ("bad_target", "target must lie strictly between 0 and 1, e.g. 0.95"),
    UNKNOWN_DISTRIBUTION: ("unknown_distribution", unknown_text("distribution")),
    UNKNOWN_METRIC: ("unknown_metric", unknown_text("metric")),
    NEGBIN_VARIANCE: (
        "negbin_variance",
        "negbin needs a lead-time demand variance above its mean; use poisson "
        "(variance = mean) or a larger demand_std",
    ),
    NOT_INTEGER: (
        "not_integer",
        "poisson, negbin, empirical and compound_poisson demand come in whole units: "
        "order_quantity and reorder_point must be whole numbers",
    ),
    ZERO_DEMAND: (
        "zero_demand",
        "demand_mean is 0: no service level is defined; no stock is needed (reorder point 0)",
    ),
    NO_CONVERGENCE: (
        "no_convergence",
        "the solver did not converge; please report this row",
    ),
    CANNOT_FIT: (
        "cannot_fit",
        "lead-time demand has mean 0 but a positive variance (lead_time 0 with "
        "lead_time_std > 0); gamma/poisson/negbin cannot represent it: use normal",
    ),
    NOT_A_NUMBER: ("not_a_number", "a numeric column holds text; give a plain number"),
    NO_HISTORY: (
        "no_history",
        "distribution empirical needs this sku's demand history, and history= has no rows "
        "for it; add them or use compound_poisson/poisson with demand_mean and demand_std",
    ),
    BAD_HISTORY: (
        "bad_history",
        "the demand history of this sku cannot give an empirical pmf (a missing, negative "
        "or fractional demand, a period listed twice, or too few periods); "
        "invsl.fit_demand(history) says which",
    ),
    FRACTIONAL_LEAD_TIME: (
        "fractional_lead_time",
        "empirical demand is a pmf per whole period: lead_time must be a whole number of "
        "periods; round it, or use compound_poisson (any lead time)",
    ),
    COMPOUND_POISSON_VARIANCE: (
        "compound_poisson_variance",
        "compound_poisson needs demand_std^2 >= demand_mean (variance at least the mean); "
        "use poisson or empirical",
    ),
    PMF_TOO_LARGE: (
        "pmf_too_large",
        "the lead-time demand pmf would have more than 16.7 million values (a very fast "
        "mover, or a huge variance-to-mean ratio); use normal or gamma",
    ),
    RANDOM_LEAD_TIME: (
        "random_lead_time",
        "empirical and compound_poisson need a fixed lead time: set lead_time_std to 0 or "
        "use normal, gamma, poisson or negbin",
    ),
    PRECISION_LIMIT: (
        "precision_limit",
        "the service levels of this row cannot be computed to full accuracy in double "
        "precision (for example an order_quantity below 1e-6 of the lead-time demand or "
        "reorder point, or a reorder point hundreds of standard deviations from the mean); "
        "check the units or rescale the row (see docs/extremes.md)",
    ),
    UNKNOWN_POLICY: ("unknown_policy", unknown_text("policy")),
    BAD_REVIEW_PERIOD: (
        "bad_review_period",
        "review_period must be a whole number of periods >= 1 (1 = review every period)",
    ),
    BAD_ORDER_UP_TO: (
        "bad_order_up_to",
        "order_up_to must be above reorder_point (min/max: max > min); for poisson and "
        "negbin it must be a whole number",
    ),
    UNSUPPORTED: (
        "unsupported",
        "optimize_portfolio and sensitivity handle continuous review (policy sQ) with normal, "
        "gamma, poisson or negbin demand; compute periodic-review (RS, RsS, RsQ), empirical "
        "and compound_poisson rows with invsl.optimize or invsl.evaluate",
    ),
}

NAMES = tuple(STATUS[code][0] for code in sorted(STATUS))


# Codes of the simulator (invsl.simulate) only, numbered from 100 so that codes added to
# STATUS for evaluate/optimize never collide with them; listed in docs/simulate.md. The
# simulator shares unknown_policy, bad_review_period, bad_order_up_to and random_lead_time
# with STATUS (same codes), with messages of its own below.
PERIODIC_LEAD_TIME = 100
NO_ORDER_CYCLES = 101
SIM_CAPACITY = 102
# 103 was sq_empirical (sQ with empirical demand, simulated now; do not reuse)

#: simulator status code -> (name, what it means and how to fix it); overrides STATUS's
#: messages for the shared codes
SIMULATE_STATUS = {
    BAD_REVIEW_PERIOD: (
        "bad_review_period",
        "review_period must be a whole number of periods, at least 1",
    ),
    BAD_ORDER_UP_TO: (
        "bad_order_up_to",
        "order_up_to must be above reorder_point for RsS (min/max)",
    ),
    PERIODIC_LEAD_TIME: (
        "periodic_lead_time",
        "periodic review (RS, RsS, RsQ) needs lead_time in whole periods; round it, or "
        "give demand and lead time in a shorter period",
    ),
    RANDOM_LEAD_TIME: (
        "random_lead_time",
        "the simulator uses a fixed lead time; lead_time_std > 0 is not simulated: set it "
        "to 0 (or leave it empty) to simulate the fixed lead time",
    ),
    NO_ORDER_CYCLES: (
        "no_order_cycles",
        "no order arrived in the simulated periods, so alpha is undefined (the other "
        "metrics are given); simulate more periods",
    ),
    SIM_CAPACITY: (
        "sim_capacity",
        "too many orders at once for the simulator (order_quantity tiny against the "
        "demand of a period or a lead time); simulate it with a larger order_quantity",
    ),
}
