"""Compile units of the kernels that serve every two-moment demand family.

A kernel that branches over the demand families (the (s, Q) kernel of ``batch``) or over the
families and the periodic-review policies (the kernel of ``periodic.policies``) is compiled as
one copy per unit, made by ``scalar.jit.specialise``: in the copy of a unit the branches of
the other families and policies are gone before numba types them, so that a table compiles,
and loads from numba's cache, the code of its own cells only (docs/architecture.md, "Compile
units").
"""

from __future__ import annotations

import numpy as np

from invsl.scalar.jit import run_rows
from invsl.vocabulary import DEMAND_GAMMA, DEMAND_NORMAL, OK, POLICY_NAMES, POLICY_RS
from invsl.vocabulary import POLICY_RSQ, POLICY_RSS, SKIP

#: family unit -> the values of the family switches of ``scalar.jit`` in its copies: normal
#: (and deterministic, a normal with sd 0), gamma, and integer (poisson and negbin share one
#: unit: a Poisson demand with a random lead time is fitted by a negbin)
UNITS = {
    "normal": {"WITH_NORMAL": True, "WITH_GAMMA": False, "WITH_INTEGER": False},
    "gamma": {"WITH_NORMAL": False, "WITH_GAMMA": True, "WITH_INTEGER": False},
    "integer": {"WITH_NORMAL": False, "WITH_GAMMA": False, "WITH_INTEGER": True},
}
#: periodic-review policy -> the values of the policy switches in its copies
POLICY_UNITS = {
    POLICY_NAMES[POLICY_RS]: {"WITH_RS": True, "WITH_RSS": False, "WITH_RSQ": False},
    POLICY_NAMES[POLICY_RSS]: {"WITH_RS": False, "WITH_RSS": True, "WITH_RSQ": False},
    POLICY_NAMES[POLICY_RSQ]: {"WITH_RS": False, "WITH_RSS": False, "WITH_RSQ": True},
}

_NAMES = tuple(UNITS)
#: the unit of each demand family code (index: the code as uint8); every code other than
#: normal and gamma goes to "integer", as ``scalar.distributions.fit`` treats it
_UNIT_OF = np.full(256, _NAMES.index("integer"), dtype=np.int8)
_UNIT_OF[DEMAND_NORMAL] = _NAMES.index("normal")
_UNIT_OF[DEMAND_GAMMA] = _NAMES.index("gamma")
_POLICIES = len(POLICY_NAMES)


def name(family_unit: int, policy: int | None) -> str:
    """The name of a unit: ``normal`` (family only) or ``normal_RS`` (family x policy)."""
    if policy is None:
        return _NAMES[family_unit]
    return f"{_NAMES[family_unit]}_{POLICY_NAMES[policy]}"


def switches(unit: str) -> dict:
    """The switch values of the unit ``unit`` (a name made by :func:`name`)."""
    family, _, policy = unit.partition("_")
    return {**UNITS[family], **POLICY_UNITS.get(policy, {})}


def family_unit(distribution: int, policy: int | None = None) -> str:
    """The unit of one demand family code (as :func:`split` places its rows): its family
    unit, or with ``policy`` (a periodic-review policy code) its family x policy unit."""
    return name(int(_UNIT_OF[distribution & 0xFF]), policy)


def every_unit(policies: bool) -> list[str]:
    """Every unit of a kernel: per family, or per family x periodic-review policy."""
    if not policies:
        return list(_NAMES)
    return [f"{family}_{policy}" for family in _NAMES for policy in POLICY_UNITS]


def split(distribution: np.ndarray, status: np.ndarray, policy=None) -> dict:
    """The compile units of the rows to compute: ``{unit: rows}`` with ``rows`` a sorted
    index array, or ``{unit: None}`` when one unit holds every row to compute (the common
    case, found without a pass over the status). Units are per family, or with ``policy``
    (the policy codes of the rows, periodic review) per family x policy. Rows whose status
    is not OK are computed by no unit; ``{}`` when there is none to compute."""
    n = distribution.shape[0]
    if n == 0:
        return {}
    uniform = distribution.min() == distribution.max()
    if uniform and (policy is None or policy.min() == policy.max()):
        first = None if policy is None else int(policy[0])
        if first is None or 0 <= first < _POLICIES:
            return {name(int(_UNIT_OF[np.uint8(distribution[0])]), first): None}
    code = _UNIT_OF[distribution.view(np.uint8)].astype(np.int16)
    if policy is not None:
        code = code * _POLICIES + np.clip(policy, 0, _POLICIES - 1)
    code[status != OK] = -1
    present = np.flatnonzero(np.bincount(code + 1)[1:])

    def unit(c: int) -> str:
        return name(c, None) if policy is None else name(c // _POLICIES, c % _POLICIES)

    if present.shape[0] == 0:
        return {}
    if present.shape[0] == 1:
        return {unit(int(present[0])): None}
    return {unit(int(c)): np.flatnonzero(code == c) for c in present}


def run_on(
    kernel,
    rows,
    row_weight: float,
    status: np.ndarray,
    before: tuple,
    after: tuple,
    count: int | None = None,
) -> None:
    """``kernel(*before, status, *after, start, stop)`` (a unit's copy of a row kernel) over
    every row of the table through ``scalar.jit.run_rows``, computing only ``rows`` (an index
    array, as :func:`split` gives; None: every row whose status is OK, in place): the other
    rows are handed to the kernel with the status ``SKIP``, which it passes over, and the
    statuses of ``rows`` are written back. The call weighs ``row_weight`` times the rows it
    computes (``count``, when known and ``rows`` is None; the skipped rows cost next to
    nothing)."""
    n = status.shape[0]
    if count is None:
        count = n if rows is None else rows.shape[0]
    weight = row_weight * count / max(n, 1)
    if rows is None:
        run_rows(kernel, n, weight, *before, status, *after)
        return
    part = np.full_like(status, SKIP)
    part[rows] = status[rows]
    run_rows(kernel, n, weight, *before, part, *after)
    status[rows] = part[rows]


__all__ = [
    "UNITS",
    "POLICY_UNITS",
    "name",
    "switches",
    "family_unit",
    "every_unit",
    "split",
    "run_on",
]
