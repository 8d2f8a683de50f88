"""Compile units of the kernels that serve every two-moment demand family.

A kernel that branches over the demand families (the (s, Q) kernel of ``batch``, the
periodic-review kernel of ``periodic.policies``) is compiled as one copy per unit, made by
``scalar.jit.specialise``: in the copy of a unit the branches of the other families are gone
before numba types them, so that a table compiles, and loads from numba's cache, the code of
its own families only (docs/architecture.md, "Compile units").
"""

from __future__ import annotations

import numpy as np

from invsl.vocabulary import DEMAND_GAMMA, DEMAND_NORMAL, OK

#: unit -> the values of the family switches of ``scalar.jit`` in its copies: normal (and
#: deterministic, a normal with sd 0), gamma, and integer (poisson and negbin share one unit:
#: a Poisson demand with a random lead time is fitted by a negbin)
UNITS = {
    "normal": {"WITH_NORMAL": True, "WITH_GAMMA": False, "WITH_INTEGER": False},
    "gamma": {"WITH_NORMAL": False, "WITH_GAMMA": True, "WITH_INTEGER": False},
    "integer": {"WITH_NORMAL": False, "WITH_GAMMA": False, "WITH_INTEGER": True},
}

_NAMES = tuple(UNITS)
#: the unit of each demand family code (index: the code as uint8); every code other than
#: normal and gamma goes to "integer", as ``scalar.distributions.fit`` treats it
_UNIT_OF = np.full(256, _NAMES.index("integer"), dtype=np.int8)
_UNIT_OF[DEMAND_NORMAL] = _NAMES.index("normal")
_UNIT_OF[DEMAND_GAMMA] = _NAMES.index("gamma")


def split(distribution: np.ndarray, status: np.ndarray) -> dict:
    """The compile units of the rows to compute: ``{unit: rows}`` with ``rows`` a sorted
    index array, or ``{unit: None}`` when one unit holds every row to compute (the common
    case, found without a pass over the status). Rows whose status is not OK are computed by
    no unit; ``{}`` when there is none to compute."""
    n = distribution.shape[0]
    if n == 0:
        return {}
    if distribution.min() == distribution.max():
        return {_NAMES[_UNIT_OF[np.uint8(distribution[0])]]: None}
    code = _UNIT_OF[distribution.view(np.uint8)]
    code[status != OK] = -1
    present = np.flatnonzero(np.bincount(code + 1, minlength=len(_NAMES) + 1)[1:])
    if present.shape[0] == 0:
        return {}
    if present.shape[0] == 1:
        return {_NAMES[present[0]]: None}
    return {_NAMES[u]: np.flatnonzero(code == u) for u in present}


__all__ = ["UNITS", "split"]
