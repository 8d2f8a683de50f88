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
        "distribution must be one of normal, gamma, poisson, negbin, empirical, compound_poisson",
    ),
    UNKNOWN_METRIC: ("unknown_metric", "metric must be one of alpha, beta, gamma"),
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
    UNKNOWN_POLICY: ("unknown_policy", "policy must be one of sQ, RS, RsS, RsQ"),
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
