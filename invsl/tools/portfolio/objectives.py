"""What a portfolio optimises (objectives) and what its budget counts (investments)."""

from __future__ import annotations

# objectives (what is maximised) and investments (what the budget limits)
FILL_RATE = 0
GAMMA = 1
BACKORDER_VALUE = 2
OBJECTIVES = {
    "beta": FILL_RATE,
    "fill_rate": FILL_RATE,
    "gamma": GAMMA,
    "gamma_service_level": GAMMA,
    "backorder_value": BACKORDER_VALUE,
    "backorders": BACKORDER_VALUE,
}
SAFETY_STOCK = 0
ON_HAND = 1
INVESTMENTS = {"safety_stock": SAFETY_STOCK, "on_hand": ON_HAND, "expected_on_hand": ON_HAND}
