"""Seeded synthetic SKU tables for the benchmarks and the cold-start script.

The tables mimic a real assortment: a few fast movers and a long tail of slow ones
(lognormal mean demand over several orders of magnitude), a wide spread of variability and
of lead times, and order quantities of one to eight periods of demand.

Columns follow the invsl DataFrame layer: ``sku``, ``demand_mean``, ``demand_std``,
``lead_time``, ``order_quantity`` (all per period; see docs/api.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Seed of every benchmark table, so that runs on different machines solve the same rows.
SEED = 20240601


def make_sku_table(n: int, distribution: str = "normal", seed: int = SEED) -> pd.DataFrame:
    """Return ``n`` synthetic SKUs.

    Parameters
    ----------
    n : int
        Number of rows.
    distribution : {"normal", "poisson"}
        ``"normal"``: demand_mean lognormal, median 100, 95 % of rows between about 2.4
        and 4,200 [units/period] (extremes of a million rows: 1e-2 to 1e6),
        demand_std = cv * demand_mean with cv uniform in [0.2, 1.5], real order quantities.
        ``"poisson"``: demand_mean lognormal, about 95 % of rows between 0.1 and 50
        [units/period], demand_std = sqrt(demand_mean) (Poisson; invsl ignores it), integer
        order quantities >= 1.
    seed : int
        Seed of the numpy Generator.

    Notes
    -----
    lead_time is an integer from 1 to 12 [periods] in both cases; lead_time_std is not set
    (the DataFrame layer defaults it to 0).
    """
    rng = np.random.default_rng(seed)
    lead_time = rng.integers(1, 13, size=n).astype(np.float64)
    cover = rng.uniform(1.0, 8.0, size=n)  # order quantity in periods of demand
    if distribution == "normal":
        demand_mean = rng.lognormal(mean=np.log(100.0), sigma=1.9, size=n)
        cv = rng.uniform(0.2, 1.5, size=n)
        demand_std = cv * demand_mean
        order_quantity = demand_mean * cover
    elif distribution == "poisson":
        # ln(0.1) = -2.30 and ln(50) = 3.91: centre 0.80, 1.96 sigma = 3.11
        demand_mean = rng.lognormal(mean=0.80, sigma=1.585, size=n)
        demand_std = np.sqrt(demand_mean)
        order_quantity = np.maximum(1.0, np.round(demand_mean * cover))
    else:
        raise ValueError(f"distribution must be 'normal' or 'poisson', not {distribution!r}")
    return pd.DataFrame(
        {
            "sku": np.arange(n, dtype=np.int64),
            "demand_mean": demand_mean,
            "demand_std": demand_std,
            "lead_time": lead_time,
            "order_quantity": order_quantity,
        }
    )
