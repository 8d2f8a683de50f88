"""Checking the rows of the simulator's table: a status code and the field at fault per row.

The core checks are those of :func:`invsl.evaluate` (invsl.engine.validate); the simulator
adds its own (policy columns, review period, fixed and whole lead times, the variance a
distribution needs, the history). A row's first failing check decides its status; an
unknown policy and a text cell override the others, since they decide which checks apply.
"""

from __future__ import annotations

import numpy as np

from invsl.engine.validate import RowFlags, validate
from invsl.tools.simulation.codes import integer_demand
from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    DEMAND_NEGBIN,
    DEMAND_NORMAL,
    DEMAND_POINT,
    POLICY_RSS,
    POLICY_SQ,
)
from invsl.tools.simulation.table import Table, columns_used
from invsl.vocabulary import (
    POLICY_NOT_GIVEN,
    BAD_HISTORY,
    BAD_ORDER_UP_TO,
    BAD_REVIEW_PERIOD,
    COMPOUND_POISSON_VARIANCE,
    FRACTIONAL_LEAD_TIME,
    MISSING,
    NEGBIN_VARIANCE,
    NO_HISTORY,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_INTEGER,
    PERIODIC_LEAD_TIME,
    RANDOM_LEAD_TIME,
    UNKNOWN_POLICY,
)


def check_rows(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Status code (OK: simulate the row) and the name of the field at fault of every row."""
    status, field = _core_checks(table)

    flag = RowFlags(status, field)

    _check_policy(table, flag)
    _check_demand(table, flag)
    # the policy decides which columns matter: an unknown or missing policy is reported first
    bad_policy = table.policy == -1
    status[bad_policy] = UNKNOWN_POLICY
    field[bad_policy] = "policy"
    no_policy = table.policy == POLICY_NOT_GIVEN
    status[no_policy] = MISSING
    field[no_policy] = "policy"
    status[table.text_mask] = NOT_A_NUMBER
    if table.text_field is not None:
        field[table.text_mask] = table.text_field[table.text_mask]
    return status, field


def _core_checks(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """The checks shared with evaluate, with the columns a row does not use filled with
    harmless values so that they are not reported."""
    numbers, dcodes = table.numbers, table.distribution
    used = columns_used(table.policy)
    history_dist = (dcodes == DEMAND_EMPIRICAL) | (dcodes == DEMAND_COMPOUND_POISSON)
    deterministic = dcodes == DEMAND_POINT
    q_check = np.where(used["order_quantity"], numbers["order_quantity"], 1.0)
    s_check = np.where(used["reorder_point"], numbers["reorder_point"], 0.0)
    # history distributions are checked as an integer distribution with a demand_std
    core_dist = np.where(
        deterministic, DEMAND_NORMAL, np.where(history_dist, DEMAND_NEGBIN, dcodes)
    )
    core_dist = core_dist.astype(np.int8)
    return validate(
        demand_mean=numbers["demand_mean"],
        demand_std=np.where(deterministic, 0.0, numbers["demand_std"]),
        lead_time=numbers["lead_time"],
        lead_time_std=numbers["lead_time_std"],
        order_quantity=q_check,
        distribution=core_dist,
        reorder_point=s_check,
    )


def _check_policy(table: Table, flag) -> None:
    """The policy's own columns: order-up-to level, review period, a whole lead time."""
    numbers, pcodes = table.numbers, table.policy
    uses_big_s = columns_used(pcodes)["order_up_to"]
    big_s = numbers["order_up_to"]
    review = numbers["review_period"]
    periodic = pcodes != POLICY_SQ
    flag(uses_big_s & np.isnan(big_s), MISSING, "order_up_to")
    flag(uses_big_s & np.isinf(big_s), NOT_FINITE, "order_up_to")
    integer = integer_demand(table.distribution)
    flag(integer & uses_big_s & (big_s != np.floor(big_s)), NOT_INTEGER, "order_up_to")
    flag(
        (pcodes == POLICY_RSS) & ~(big_s > numbers["reorder_point"]), BAD_ORDER_UP_TO, "order_up_to"
    )
    flag(
        periodic & ~((review >= 1) & (review == np.floor(review)) & np.isfinite(review)),
        BAD_REVIEW_PERIOD,
        "review_period",
    )
    lead = numbers["lead_time"]
    flag(periodic & (lead != np.floor(lead)), PERIODIC_LEAD_TIME, "lead_time")


def _check_demand(table: Table, flag) -> None:
    """What the simulator needs of lead time and demand: a fixed lead time, the variance of
    negbin and compound Poisson demand, a usable history and a whole lead time for it."""
    numbers, dcodes = table.numbers, table.distribution
    lead = numbers["lead_time"]
    flag(numbers["lead_time_std"] > 0, RANDOM_LEAD_TIME, "lead_time_std")
    flag(
        (dcodes == DEMAND_NEGBIN) & ~(numbers["demand_std"] ** 2 > numbers["demand_mean"]),
        NEGBIN_VARIANCE,
        "demand_std",
    )
    if table.history is not None:
        for code in (NO_HISTORY, BAD_HISTORY):
            flag(table.history.no_history == code, code, "")
        mean, var = numbers["demand_mean"], numbers["demand_std"] ** 2
        compound = dcodes == DEMAND_COMPOUND_POISSON
        flag(compound & (var < mean * (1.0 - 1e-12)), COMPOUND_POISSON_VARIANCE, "demand_std")
        flag(
            (dcodes == DEMAND_EMPIRICAL) & (lead != np.floor(lead)),
            FRACTIONAL_LEAD_TIME,
            "lead_time",
        )
