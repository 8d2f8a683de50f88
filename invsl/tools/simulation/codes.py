"""Codes of the simulator: policies, demand distributions, output columns and statuses."""

from __future__ import annotations

import numpy as np

from invsl.vocabulary import SIMULATE_STATUS, STATUS

# policy codes (the ``policy`` column)
SQ = 0
RS = 1
RSS = 2
RSQ = 3
POLICY_NAMES = ("sQ", "RS", "RsS", "RsQ")
#: accepted spellings of the ``policy`` column (lower case) -> policy code
POLICY_CODES = {name.lower(): code for code, name in enumerate(POLICY_NAMES)}
POLICY_CODES.update(
    {
        "s,q": SQ,
        "(s,q)": SQ,
        "r,s": RS,
        "(r,s)": RS,
        "r,s,s": RSS,
        "(r,s,s)": RSS,
        "min/max": RSS,
        "minmax": RSS,
        "r,s,nq": RSQ,
        "(r,s,nq)": RSQ,
    }
)

# per-period demand distributions of the simulator (the ``distribution`` column)
NORMAL = 0
GAMMA = 1
POISSON = 2
NEGBIN = 3
DETERMINISTIC = 4
EMPIRICAL = 5
COMPOUND_POISSON = 6
DISTRIBUTION_NAMES = (
    "normal",
    "gamma",
    "poisson",
    "negbin",
    "deterministic",
    "empirical",
    "compound_poisson",
)
#: spellings of the ``distribution`` column -> distribution code
DISTRIBUTION_CODES = {name: code for code, name in enumerate(DISTRIBUTION_NAMES)}

#: metric columns, in order; each gets a ``<name>_ci`` half-width column
METRICS = ("alpha", "beta", "gamma", "ready_rate", "expected_backorders", "expected_on_hand")
#: output columns added to the input, in order
OUTPUT_COLUMNS = (*METRICS, *(f"{m}_ci" for m in METRICS), "status", "message")

#: every status the simulator reports (evaluate's, then its own): code -> (name, text); the
#: categories of the ``status`` column (STATUS_NAMES) and STATUS_CATEGORY: code -> category
#: position
ALL_STATUS = {**STATUS, **SIMULATE_STATUS}
STATUS_NAMES = list(dict.fromkeys(ALL_STATUS[code][0] for code in sorted(ALL_STATUS)))
STATUS_CATEGORY = np.full(256, -1, dtype=np.int16)
for _code, (_name, _) in ALL_STATUS.items():
    STATUS_CATEGORY[_code] = STATUS_NAMES.index(_name)


def integer_demand(distribution: np.ndarray) -> np.ndarray:
    """Rows (by distribution code) whose demand comes in whole units: poisson, negbin and the
    history distributions."""
    return (
        (distribution == POISSON)
        | (distribution == NEGBIN)
        | ((distribution == EMPIRICAL) | (distribution == COMPOUND_POISSON))
    )
