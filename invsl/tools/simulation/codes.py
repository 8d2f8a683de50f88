"""The simulator's output columns and statuses (its codes are those of ``invsl.vocabulary``)."""

from __future__ import annotations

import numpy as np

from invsl.vocabulary import (
    DEMAND_COMPOUND_POISSON,
    DEMAND_EMPIRICAL,
    DEMAND_NEGBIN,
    DEMAND_POISSON,
    SIMULATE_STATUS,
    STATUS,
)

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
for code, (name, _) in ALL_STATUS.items():
    STATUS_CATEGORY[code] = STATUS_NAMES.index(name)
del code, name


def integer_demand(distribution: np.ndarray) -> np.ndarray:
    """Rows (by distribution code) whose demand comes in whole units: poisson, negbin and the
    history distributions."""
    return (
        (distribution == DEMAND_POISSON)
        | (distribution == DEMAND_NEGBIN)
        | ((distribution == DEMAND_EMPIRICAL) | (distribution == DEMAND_COMPOUND_POISSON))
    )
