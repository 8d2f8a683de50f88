"""Per-part demand parameters from Hyndman's car parts data.

The car parts data (``carparts_monthly.csv``, GPL-3, see ``datasets/README.md``) is a long
table with one row per part and month. :func:`demand_parameters` turns it into one row per
part with the columns that :func:`invsl.optimize` reads (``sku``, ``demand_mean``,
``demand_std``, ``lead_time``, ``order_quantity``, ``distribution``) plus a few descriptive
columns. Everything is vectorised with pandas group-bys; there is no Python loop over parts.

The planning columns (lead time, order quantity, distribution) are assumptions for the demo,
made by the documented rules below: the data set contains sales only.

Examples
--------
>>> from datasets import carparts
>>> params = carparts.carparts_parameters()
>>> len(params)
2674
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CSV_PATH",
    "LEAD_TIME_MONTHS",
    "MONTHS_OF_COVER",
    "FAST_MOVER_LEAD_TIME_DEMAND",
    "DISPERSION_TEST_LEVEL",
    "load_carparts",
    "demand_parameters",
    "carparts_parameters",
]

#: Path of the bundled data file (GPL-3 data, see datasets/README.md).
CSV_PATH = Path(__file__).with_name("carparts_monthly.csv")

#: Replenishment lead time assumed for every part [months].
LEAD_TIME_MONTHS = 2.0

#: An order covers this many months of mean demand [months].
MONTHS_OF_COVER = 3.0

#: Mean lead-time demand from which a part counts as a fast mover, modelled as normal [units].
FAST_MOVER_LEAD_TIME_DEMAND = 20.0

#: Significance level of the index-of-dispersion test that picks negbin over poisson [-].
DISPERSION_TEST_LEVEL = 0.05


def load_carparts(path: str | Path = CSV_PATH) -> pd.DataFrame:
    """Read the car parts long table.

    Parameters
    ----------
    path : str or Path, optional
        CSV file with columns ``part``, ``month``, ``demand``. Defaults to the bundled
        ``carparts_monthly.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``part`` (string, read untouched so ids keep any leading zeros), ``month``
        (string ``YYYY-MM``) and ``demand`` (units per month; int64 for the bundled file).
    """
    return pd.read_csv(
        path,
        dtype={"part": str, "month": str},
        keep_default_na=False,
        na_values={"demand": [""]},
    )


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5)


def demand_parameters(
    demand: pd.DataFrame,
    *,
    part_col: str = "part",
    demand_col: str = "demand",
    lead_time: float = LEAD_TIME_MONTHS,
    months_of_cover: float = MONTHS_OF_COVER,
    fast_mover_lead_time_demand: float = FAST_MOVER_LEAD_TIME_DEMAND,
    dispersion_test_level: float = DISPERSION_TEST_LEVEL,
) -> pd.DataFrame:
    """Derive one row of demand and planning parameters per part.

    Parameters
    ----------
    demand : pandas.DataFrame
        Long table, one row per part and period (month). It is not modified.
    part_col : str, default "part"
        Column with the part id. Its values are copied untouched into ``sku``.
    demand_col : str, default "demand"
        Column with the demand per period [units/period].
    lead_time : float, default 2.0
        Lead time given to every part [periods].
    months_of_cover : float, default 3.0
        Periods of mean demand that one order covers [periods].
    fast_mover_lead_time_demand : float, default 20.0
        Mean lead-time demand from which a part is modelled as ``normal`` [units].
    dispersion_test_level : float, default 0.05
        Significance level of the index-of-dispersion test for ``negbin`` [-].

    Returns
    -------
    pandas.DataFrame
        One row per part, in order of first appearance, with a default RangeIndex and columns

        - ``sku`` : part id (as in ``part_col``)
        - ``demand_mean`` : mean demand per period [units/period]
        - ``demand_std`` : sample standard deviation, ddof=1 [units/period]
          (NaN for a part with a single period)
        - ``n_months`` : number of periods with data [periods]
        - ``share_zero_months`` : share of periods with zero demand [-]
        - ``dispersion_index`` : variance / mean [units] (NaN when the mean is 0)
        - ``lead_time`` : ``lead_time`` [periods]
        - ``order_quantity`` : integer order quantity [units]
        - ``distribution`` : ``"normal"``, ``"poisson"`` or ``"negbin"``

    Notes
    -----
    Order quantity (months-of-cover rule), an integer so that the integer distributions work::

        order_quantity = max(1, floor(demand_mean * months_of_cover + 0.5))

    Distribution, first matching rule wins:

    1. ``normal`` if ``demand_mean * lead_time >= fast_mover_lead_time_demand`` (fast mover);
    2. ``negbin`` if the demand is significantly overdispersed, by the index-of-dispersion
       test ``(n - 1) * variance / mean > chi2.ppf(1 - dispersion_test_level, n - 1)``;
    3. ``poisson`` otherwise (including zero mean demand, which invsl flags ``zero_demand``,
       and parts with fewer than two periods).

    With a constant lead time the lead-time demand has the same variance-to-mean ratio as the
    per-period demand, so every ``negbin`` row has variance > mean, as that model requires.

    Raises
    ------
    KeyError
        If ``part_col`` or ``demand_col`` is missing.
    """
    missing = [c for c in (part_col, demand_col) if c not in demand.columns]
    if missing:
        raise KeyError(
            f"column(s) {missing} not found in the demand table (columns: "
            f"{list(demand.columns)}); pass part_col=... / demand_col=... to name them"
        )

    values = demand[demand_col].astype("float64")
    keys = demand[part_col]
    grouped = values.groupby(keys, sort=False)
    mean = grouped.mean()
    std = grouped.std(ddof=1)
    n = grouped.count()
    share_zero = values.eq(0).groupby(keys, sort=False).mean()

    mean_v = mean.to_numpy()
    var_v = std.to_numpy() ** 2
    n_v = n.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dispersion = np.where(mean_v > 0, var_v / mean_v, np.nan)
        df = np.maximum(n_v - 1, 1)
        critical = stats.chi2.ppf(1.0 - dispersion_test_level, df)
        overdispersed = (n_v >= 2) & (mean_v > 0) & ((n_v - 1) * dispersion > critical)

    fast = mean_v * lead_time >= fast_mover_lead_time_demand
    distribution = np.where(fast, "normal", np.where(overdispersed, "negbin", "poisson"))

    order_quantity = np.maximum(1, _round_half_up(mean_v * months_of_cover)).astype("int64")

    return pd.DataFrame(
        {
            "sku": mean.index.to_numpy(),
            "demand_mean": mean_v,
            "demand_std": std.to_numpy(),
            "n_months": n_v.astype("int64"),
            "share_zero_months": share_zero.to_numpy(),
            "dispersion_index": dispersion,
            "lead_time": np.full(len(mean_v), float(lead_time)),
            "order_quantity": order_quantity,
            "distribution": distribution,
        }
    )


def carparts_parameters(path: str | Path = CSV_PATH, **options) -> pd.DataFrame:
    """Read the car parts CSV and derive per-part parameters.

    Shorthand for ``demand_parameters(load_carparts(path), **options)``; see
    :func:`demand_parameters` for the options and the columns.
    """
    return demand_parameters(load_carparts(path), **options)
