"""Demand parameters from a demand history: one row per SKU, ready for :func:`invsl.optimize`.

:func:`fit_demand` turns a long table (one row per SKU and period) into per-period demand
moments, the intermittence statistics of Syntetos, Boylan and Croston [1]_ and a suggested
lead-time demand distribution. Everything is vectorised (``pandas.factorize`` and
``numpy.bincount`` over all rows at once); there is no Python loop over SKUs.

References
----------
.. [1] A. A. Syntetos, J. E. Boylan and J. D. Croston, "On the categorization of demand
   patterns", Journal of the Operational Research Society 56(5), 495-503, 2005.
.. [2] A. A. Syntetos and J. E. Boylan, "The accuracy of intermittent demand estimates",
   International Journal of Forecasting 21(2), 303-314, 2005.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from invsl.engine.history_table import HistoryGroups, history_moments
from invsl.vocabulary import (
    DEMAND_CLASSES,
    FIT_NAMES,
    FIT_OK,
    FIT_STATUS,
    FIT_TOO_FEW_PERIODS,
    SUGGESTED_DISTRIBUTIONS,
)

#: Syntetos-Boylan-Croston cut-off on the mean interval between demands (ADI) [periods]
ADI_CUTOFF = 1.32
#: Syntetos-Boylan-Croston cut-off on the squared coefficient of variation of sizes [-]
CV2_CUTOFF = 0.49
#: per-period mean demand from which smooth and erratic SKUs are suggested ``normal``
NORMAL_FROM = 10.0


def fit_demand(
    history: pd.DataFrame,
    sku: str = "sku",
    period: str = "period",
    demand: str = "demand",
    *,
    missing: str = "zero",
    ddof: float = 1,
    normal_from: float = NORMAL_FROM,
) -> pd.DataFrame:
    """Per-period demand parameters of each SKU from its demand history.

    Parameters
    ----------
    history : pandas.DataFrame
        Long table, one row per SKU and period, with at least the three columns below. It is
        not modified. Rows without a SKU id are ignored.
    sku, period, demand : str, optional
        Column names of the SKU id (any type, copied untouched), the period label (any
        hashable value: ``"2024-03"``, a date, a week number) and the demand in that period
        [units/period]. Defaults ``"sku"``, ``"period"``, ``"demand"``.
    missing : {"zero", "skip"}, optional
        How a period without a row for a SKU is read. ``"zero"`` (default): every SKU is
        observed over every period that occurs anywhere in ``history``, and an absent
        (sku, period) pair is a period without demand (the usual shape of sales exports,
        which only list periods with sales). ``"skip"``: only the rows present count (absent
        pairs are unobserved, e.g. a part introduced late, or a data set whose missing values
        were dropped, like the car parts data).
    ddof : float, optional
        Delta degrees of freedom of ``demand_std`` (default 1, the sample standard deviation).
    normal_from : float, optional
        Mean demand per period from which smooth and erratic SKUs are suggested ``normal``
        [units/period], default 10.

    Returns
    -------
    pandas.DataFrame
        One row per SKU in order of first appearance in ``history``, default RangeIndex:

        - ``<sku>``: the id, untouched (column named as in ``history``)
        - ``demand_mean``, ``demand_std``: mean and standard deviation of the demand per
          period [units/period]
        - ``zero_share``: share of periods without demand [-]
        - ``mean_interval``: ADI, mean interval between demands, periods / number of
          periods with demand [periods] (NaN without any demand)
        - ``size_cv2``: squared coefficient of variation of the nonzero demand sizes,
          variance (ddof 0) / mean^2 [-] (0 with a single demand, NaN with none)
        - ``demand_class``: ``smooth``, ``erratic``, ``intermittent``, ``lumpy`` or
          ``no_demand`` (categorical)
        - ``periods``: number of periods observed [periods]
        - ``integer_demand``: every demand value is a whole number
        - ``distribution``: suggested distribution for :func:`invsl.optimize` (categorical)
        - ``fit_status``, ``fit_message``: ``ok`` and ``""``, or why the SKU cannot be used;
          a flagged SKU gets NaN moments, so that ``optimize`` flags it as well.

    Raises
    ------
    InputError
        If a column is missing or ``missing`` is not one of the options.

    Notes
    -----
    With n periods, demands d_1..d_n (absent periods 0 under ``missing="zero"``) and k of
    them nonzero:

    - demand_mean = sum(d) / n, demand_std^2 = sum((d - mean)^2) / (n - ddof)
    - zero_share = 1 - k / n; mean_interval (ADI) p = n / k
    - size_cv2 = Var(d_i | d_i > 0) / E[d_i | d_i > 0]^2 over the k nonzero demands
    - class [1]_: smooth (p <= 1.32, CV^2 <= 0.49), erratic (p <= 1.32, CV^2 > 0.49),
      intermittent (p > 1.32, CV^2 <= 0.49), lumpy (p > 1.32, CV^2 > 0.49);
      ``no_demand`` when k = 0.

    Suggested distribution, first matching rule wins:

    1. ``poisson`` when there is no demand at all (``optimize`` flags ``zero_demand`` and
       gives reorder point 0);
    2. ``normal`` when some demand is not a whole number (the integer models need units);
    3. smooth or erratic: ``normal`` if demand_mean >= ``normal_from``, else ``negbin`` if
       the variance exceeds the mean, else ``poisson``;
    4. intermittent or lumpy: ``compound_poisson`` (Poisson order arrivals, geometric
       order sizes) if the variance is at least the mean, else ``empirical`` (the SKU's
       own demand pmf; compound Poisson cannot be under-dispersed).

    The ADI here counts the periods before the first demand and after the last one; other
    authors average the gaps between consecutive demands, which differs by at most one
    interval.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> h = pd.DataFrame({"sku": ["A"] * 4 + ["B"] * 4, "period": [1, 2, 3, 4] * 2,
    ...                   "demand": [0, 3, 0, 5, 2, 2, 3, 1]})
    >>> fit = invsl.fit_demand(h)
    >>> fit[["sku", "demand_mean", "mean_interval", "demand_class"]]
      sku  demand_mean  mean_interval  demand_class
    0   A          2.0            2.0  intermittent
    1   B          2.0            1.0        smooth
    """
    g = HistoryGroups(history, sku, period, demand, missing)
    mean, var, k, size_mean, size_var = history_moments(g, ddof)
    n = len(g.skus)
    periods = g.periods.astype(float)
    status = g.status.copy()
    status[(status == FIT_OK) & ~(periods > ddof)] = FIT_TOO_FEW_PERIODS
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(k > 0, periods / k, np.nan)
        cv2 = np.where(k > 0, size_var / (size_mean * size_mean), np.nan)
    std = np.sqrt(var)
    bad = status != FIT_OK
    for arr in (mean, std, adi, cv2, size_mean):
        arr[bad] = np.nan
    zero_share = np.where(bad, np.nan, 1.0 - k / periods)

    frequent = adi <= ADI_CUTOFF
    variable = cv2 > CV2_CUTOFF
    klass = np.where(frequent, np.where(variable, 1, 0), np.where(variable, 3, 2))
    klass = np.where(k == 0, 4, klass)
    klass = np.where(bad, -1, klass)

    code = {name: i for i, name in enumerate(SUGGESTED_DISTRIBUTIONS)}
    dist = np.where(var > mean, code["negbin"], code["poisson"])
    dist = np.where(mean >= normal_from, code["normal"], dist)
    sparse = np.where(var >= mean, code["compound_poisson"], code["empirical"])
    dist = np.where(klass >= 2, sparse, dist)
    dist = np.where(~g.integer, code["normal"], dist)
    dist = np.where(k == 0, code["poisson"], dist)
    dist = np.where(bad, -1, dist)

    messages = np.array([FIT_STATUS[c][1] for c in sorted(FIT_STATUS)], dtype=object)
    return pd.DataFrame(
        {
            sku: g.skus,
            "demand_mean": mean,
            "demand_std": std,
            "zero_share": zero_share,
            "mean_interval": adi,
            "size_cv2": cv2,
            "demand_class": pd.Categorical.from_codes(
                klass, categories=pd.Index(list(DEMAND_CLASSES))
            ),
            "periods": g.periods,
            "integer_demand": g.integer,
            "distribution": pd.Categorical.from_codes(
                dist, categories=pd.Index(list(SUGGESTED_DISTRIBUTIONS))
            ),
            "fit_status": pd.Categorical.from_codes(status, categories=pd.Index(list(FIT_NAMES))),
            "fit_message": messages[status],
        },
        index=pd.RangeIndex(n),
    )


__all__ = ["fit_demand", "ADI_CUTOFF", "CV2_CUTOFF", "DEMAND_CLASSES", "SUGGESTED_DISTRIBUTIONS"]
