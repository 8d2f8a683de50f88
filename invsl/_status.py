"""Row status codes: one per row, computed by validation and by the kernels.

The codes, their names (the ``status`` column) and what a planner should do about each are
listed in docs/cli.md ("Status codes"); ``describe`` turns a code into that text.
"""

from __future__ import annotations

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
UNKNOWN_POLICY = 14
BAD_REVIEW_PERIOD = 15
BAD_ORDER_UP_TO = 16

#: status code -> (name, what it means and how to fix it)
STATUS = {
    OK: ("ok", ""),
    MISSING: ("missing", "a required value is missing (empty or NaN); fill it in"),
    NOT_FINITE: ("not_finite", "a value is infinite; give a finite number"),
    NEGATIVE: ("negative", "a value that must be >= 0 is negative"),
    BAD_ORDER_QUANTITY: ("bad_order_quantity", "order_quantity must be > 0"),
    BAD_TARGET: ("bad_target", "target must lie strictly between 0 and 1, e.g. 0.95"),
    UNKNOWN_DISTRIBUTION: (
        "unknown_distribution",
        "distribution must be one of normal, gamma, poisson, negbin",
    ),
    UNKNOWN_METRIC: ("unknown_metric", "metric must be one of alpha, beta, gamma"),
    NEGBIN_VARIANCE: (
        "negbin_variance",
        "negbin needs a lead-time demand variance above its mean; use poisson "
        "(variance = mean) or a larger demand_std",
    ),
    NOT_INTEGER: (
        "not_integer",
        "poisson and negbin demand come in whole units: order_quantity and reorder_point "
        "must be whole numbers",
    ),
    ZERO_DEMAND: (
        "zero_demand",
        "demand_mean is 0: no service level is defined; no stock is needed "
        "(reorder point 0)",
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
    UNKNOWN_POLICY: ("unknown_policy", "policy must be one of sQ, RS, RsS, RsQ"),
    BAD_REVIEW_PERIOD: (
        "bad_review_period",
        "review_period must be a whole number of periods >= 1 (1 = review every period)",
    ),
    BAD_ORDER_UP_TO: (
        "bad_order_up_to",
        "order_up_to must be above reorder_point (min/max: max > min); for poisson and "
        "negbin it must be a whole number",
    ),
}

NAMES = tuple(STATUS[code][0] for code in sorted(STATUS))
