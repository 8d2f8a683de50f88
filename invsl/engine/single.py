"""One row of Python numbers: the fast path of the array functions.

``invsl.fill_rate(95, 50, 10, 3, 2)`` (every number a Python ``float`` or ``int``, or a
numpy ``float64``; the names plain strings) needs none of the array machinery: no
broadcasting, no validation kernel, no messages. :func:`sq` checks such a row with plain
Python comparisons (the checks of ``validate``, which it must agree with: tests/
test_scalar_fast_path.py compares the two over a grid of good and bad rows) and computes it
with ``kernels.batch.sq_one``, the row of the (s, Q) kernel compiled alone (per compile
unit, at its first call), so that its results are those of the array path bit for bit. A
call it does not take (arrays, other types, an unknown name) returns None: the caller takes
the array path. :func:`periodic` does the same for the periodic-review array functions,
with the row function of the periodic kernel (``kernels.periodic.policies.one``); it takes only rows that pass every check,
and leaves the others to the array path, which reports them.
"""

from __future__ import annotations

import math

import numpy as np

from invsl.engine.validate import distribution_codes, metric_codes, policy_codes
from invsl.kernels import batch
from invsl.kernels.periodic import policies
from invsl.vocabulary import DEMAND_COMPOUND_POISSON, DEMAND_EMPIRICAL, DEMAND_NEGBIN
from invsl.vocabulary import DEMAND_NORMAL, DEMAND_POINT, DEMAND_POISSON, OK, POLICY_RS
from invsl.vocabulary import POLICY_RSQ, POLICY_RSS

#: the types of the numbers the fast path takes (bool is not among them: numpy reads it as
#: 0/1, and such a call is rare enough for the array path)
_NUMBERS = frozenset((float, int, np.float64))
#: names seen so far -> their codes (-1: unknown), for distribution and metric
_DISTRIBUTIONS: dict[str, int] = {}
_METRICS: dict[str, int] = {}
_POLICIES: dict[str, int] = {}
#: at most this many names are remembered per kind (typos must not grow the tables forever)
_MAX_NAMES = 64
_INF = math.inf
_NAN_ROW = (math.nan,) * len(batch.OUTPUTS)
_NAN_PERIODIC = (math.nan,) * len(policies.OUTPUTS)


def _code(value, known: dict[str, int], lookup) -> int:
    """The code of a name (a str: the caller checked), -1 if unknown (as in the arrays)."""
    code = known.get(value)
    if code is None:
        code = int(lookup(value))
        if len(known) < _MAX_NAMES:
            known[value] = code
    return code


def _integer(dcode: int) -> bool:
    """Whether the family comes in whole units (poisson, negbin)."""
    return dcode == DEMAND_POISSON or dcode == DEMAND_NEGBIN


def _valid_demand(dcode: int, mu, sigma, lt, lt_std, q) -> bool:
    """``validate``'s checks of a row's family, demand, lead time and order quantity, each
    passed (a demand_mean of 0 is zero_demand: not taken either)."""
    poisson = dcode == DEMAND_POISSON
    return (
        dcode >= 0
        and 0.0 < mu < _INF
        and (poisson or 0.0 <= sigma < _INF)
        and 0.0 <= lt < _INF
        and 0.0 <= lt_std < _INF
        and 0.0 < q < _INF
        and (not _integer(dcode) or q.is_integer())
    )


def _valid_level(dcode: int, x: float) -> bool:
    """A reorder point or order-up-to level passes ``validate``: finite, and whole for
    integer demand."""
    return -_INF < x < _INF and (not _integer(dcode) or x.is_integer())


def sq(
    solve,
    distribution,
    metric,
    target,
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std,
    order_quantity,
    reorder_point,
):
    """One (s, Q) row given as Python scalars: ``(ok, outputs)``, or None for the array path.

    The arguments are those of ``api.arrays`` (``target`` and ``metric`` read only when
    solving, ``reorder_point`` only when evaluating). ``outputs`` are the 8 floats of
    ``batch.OUTPUTS``; ``ok`` is False for a row that the array path gives a status other
    than OK (its outputs are then all NaN, as there). None when a number is not a Python
    ``float``/``int`` or numpy ``float64`` (arrays, ``bool``, ``None``, ...) or a name is not
    a ``str``: those calls take the array path, which also raises what it raises.
    """
    numbers = _NUMBERS
    if (
        type(demand_mean) not in numbers
        or type(demand_std) not in numbers
        or type(lead_time) not in numbers
        or type(lead_time_std) not in numbers
        or type(order_quantity) not in numbers
        or type(distribution) is not str
    ):
        return None
    if solve:
        if type(target) not in numbers or type(metric) is not str:
            return None
        t = float(target)
        s = math.nan
        mcode = _code(metric, _METRICS, metric_codes)
    else:
        if type(reorder_point) not in numbers:
            return None
        t = math.nan
        s = float(reorder_point)
        mcode = 0
    try:  # (an int too large for a float: the array path raises its own error)
        mu = float(demand_mean)
        sigma = float(demand_std)
        lt = float(lead_time)
        lt_std = float(lead_time_std)
        q = float(order_quantity)
    except OverflowError:
        return None
    dcode = _code(distribution, _DISTRIBUTIONS, distribution_codes)
    if dcode == DEMAND_POINT:  # as fold_deterministic: normal demand without variance
        dcode = DEMAND_NORMAL
        sigma = 0.0
    # validate's checks, each passed (any failure: NaN, whatever the failing check)
    if not (
        _valid_demand(dcode, mu, sigma, lt, lt_std, q)
        and (
            (mcode >= 0 and 0.0 < t < 1.0)
            if solve
            else -_INF < s < _INF and (not _integer(dcode) or s.is_integer())
        )
    ):
        return False, _NAN_ROW
    code, outputs = batch.one(dcode)(solve, dcode, mcode, t, mu, sigma, lt, lt_std, q, s)
    return code == OK, outputs


def loss(x, mean, std, distribution):
    """The checked inputs of a loss-function call given as Python scalars: ``(distribution
    code, mean, std, x)`` (floats), False for inputs that the array path gives NaN without
    computing, None for the array path (as :func:`sq`).

    The checks are those of the array path: ``validate`` with lead time 1, no lead-time
    variance, Q = 1 and x as the reorder point, zero demand allowed.
    """
    numbers = _NUMBERS
    if (
        type(x) not in numbers
        or type(mean) not in numbers
        or type(std) not in numbers
        or type(distribution) is not str
    ):
        return None
    try:
        x = float(x)
        mean = float(mean)
        std = float(std)
    except OverflowError:
        return None
    dcode = _code(distribution, _DISTRIBUTIONS, distribution_codes)
    if dcode == DEMAND_POINT:
        dcode = DEMAND_NORMAL
        std = 0.0
    poisson = dcode == DEMAND_POISSON
    if not (
        dcode >= 0
        and 0.0 <= mean < _INF
        and (poisson or 0.0 <= std < _INF)
        and -_INF < x < _INF
        and (not (poisson or dcode == DEMAND_NEGBIN) or x.is_integer())
    ):
        return False
    return dcode, mean, std, x


def periodic(
    solve,
    policy,
    distribution,
    metric,
    target,
    demand_mean,
    demand_std,
    lead_time,
    review_period,
    lead_time_std,
    order_quantity,
    reorder_point,
    order_up_to,
):
    """One periodic-review row (RS, RsS, RsQ) given as Python scalars: the 9 outputs of
    ``kernels.periodic.policies.OUTPUTS`` (NaN where the row fails inside the kernel, as
    in the array path), or None for the array path.

    The arguments are those of ``api.periodic_arrays`` (``target`` and ``metric`` read only
    when solving; ``order_quantity``, ``reorder_point`` and ``order_up_to`` only where the
    policy reads them, as ``validate.policy_inputs`` says). Only a row that passes every
    check of ``validate.validate_table`` is computed here; any other (a bad value, a name
    not known, a history family, a number that is not a ``float``/``int``/numpy
    ``float64``) takes the array path, which says what is wrong with it.
    """
    numbers = _NUMBERS
    if (
        type(policy) is not str
        or type(distribution) is not str
        or type(demand_mean) not in numbers
        or type(demand_std) not in numbers
        or type(lead_time) not in numbers
        or type(review_period) not in numbers
        or type(lead_time_std) not in numbers
    ):
        return None
    pcode = _code(policy, _POLICIES, policy_codes)
    dcode = _code(distribution, _DISTRIBUTIONS, distribution_codes)
    if pcode not in (POLICY_RS, POLICY_RSS, POLICY_RSQ) or dcode < 0:
        return None
    if dcode == DEMAND_EMPIRICAL or dcode == DEMAND_COMPOUND_POISSON:
        return None
    # the inputs the policy reads (validate.policy_inputs), each a number
    uses_q = pcode == POLICY_RSQ or (solve and pcode == POLICY_RSS)
    uses_s = not solve and pcode != POLICY_RS
    uses_big_s = not solve and pcode != POLICY_RSQ
    if (
        (uses_q and type(order_quantity) not in numbers)
        or (uses_s and type(reorder_point) not in numbers)
        or (uses_big_s and type(order_up_to) not in numbers)
        or (solve and (type(target) not in numbers or type(metric) is not str))
    ):
        return None
    try:  # (an int too large for a float: the array path raises its own error)
        mu = float(demand_mean)
        sigma = float(demand_std)
        lt = float(lead_time)
        r = float(review_period)
        lt_std = float(lead_time_std)
        q = float(order_quantity) if uses_q else 1.0
        s = float(reorder_point) if uses_s else 0.0
        big_s = float(order_up_to) if uses_big_s else math.nan
        t = float(target) if solve else math.nan
    except OverflowError:
        return None
    mcode = _code(metric, _METRICS, metric_codes) if solve else 0
    if dcode == DEMAND_POINT:  # as fold_deterministic: normal demand without variance
        dcode = DEMAND_NORMAL
        sigma = 0.0
    if not (
        _valid_demand(dcode, mu, sigma, lt, lt_std, q)
        and 1.0 <= r < _INF
        and r.is_integer()
        and _valid_level(dcode, s)
        and (not uses_big_s or _valid_level(dcode, big_s))
        and (pcode != POLICY_RSS or solve or big_s > s)
        and (not solve or (mcode >= 0 and 0.0 < t < 1.0))
    ):
        return None
    row = policies.one(pcode, dcode)
    i8 = np.int8
    code, _, outputs = row(
        solve, i8(pcode), i8(dcode), i8(mcode), t, mu, sigma, lt, lt_std, r, q, s, big_s
    )
    return outputs if code == OK else _NAN_PERIODIC


__all__ = ["sq", "loss", "periodic"]
