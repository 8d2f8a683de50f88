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

#: Syntetos-Boylan-Croston cut-off on the mean interval between demands (ADI) [periods]
ADI_CUTOFF = 1.32
#: Syntetos-Boylan-Croston cut-off on the squared coefficient of variation of sizes [-]
CV2_CUTOFF = 0.49
#: per-period mean demand from which smooth and erratic SKUs are suggested ``normal``
NORMAL_FROM = 10.0

#: demand classes, in the order of the categorical ``demand_class`` column
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
#: suggested distributions, in the order of the categorical ``distribution`` column
SUGGESTIONS = ("normal", "poisson", "negbin", "empirical", "compound_poisson")

#: how absent (sku, period) pairs are read
MISSING_OPTIONS = ("zero", "skip")

# fit status codes, their names and messages (the ``fit_status`` / ``fit_message`` columns)
FIT_OK = 0
FIT_MISSING_DEMAND = 1
FIT_NEGATIVE_DEMAND = 2
FIT_DUPLICATE_PERIOD = 3
FIT_MISSING_PERIOD = 4
FIT_TOO_FEW_PERIODS = 5
FIT_STATUS = {
    FIT_OK: ("ok", ""),
    FIT_MISSING_DEMAND: (
        "missing_demand",
        "a demand value of this sku is missing or not a number; fill it in (0 for no demand)",
    ),
    FIT_NEGATIVE_DEMAND: (
        "negative_demand",
        "a demand value of this sku is negative (returns?); net them out of the history "
        "or set them to 0",
    ),
    FIT_DUPLICATE_PERIOD: (
        "duplicate_period",
        "a period appears more than once for this sku; add the rows up per period first",
    ),
    FIT_MISSING_PERIOD: (
        "missing_period",
        "a row of this sku has no period; fill in the period",
    ),
    FIT_TOO_FEW_PERIODS: (
        "too_few_periods",
        "not enough periods to estimate a standard deviation (need more than ddof)",
    ),
}
FIT_NAMES = tuple(FIT_STATUS[code][0] for code in sorted(FIT_STATUS))


class _Groups:
    """Per-SKU sums of a history table, shared by fit_demand and the empirical pmfs.

    Attributes (arrays over SKUs in order of first appearance unless said otherwise):
    ``skus`` (the ids, untouched), ``code`` (per history row: SKU number, -1 for rows
    without an id), ``value`` (per row: demand as float, NaN for text), ``periods``,
    ``rows`` (history rows), ``status`` (fit status code), ``integer`` (every demand a whole
    number).
    """

    def __init__(self, history, sku, period, demand, missing):
        from invsl.api.frame import InputError

        if not isinstance(history, pd.DataFrame):
            raise InputError(f"history: expected a pandas DataFrame, got {type(history).__name__}")
        absent = [c for c in (sku, period, demand) if c not in history.columns]
        if absent:
            raise InputError(
                f"history has no column(s) {absent} (columns: {list(history.columns)}); "
                f"name them with sku=..., period=..., demand=..."
            )
        if missing not in MISSING_OPTIONS:
            raise InputError(f"missing={missing!r}: use one of {MISSING_OPTIONS}")
        code, skus = pd.factorize(history[sku], sort=False)
        keep = code >= 0  # rows without a sku id cannot be assigned: ignored
        code = code[keep]
        raw = history[demand][keep]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            value = raw.to_numpy(dtype=float, na_value=np.nan)
        else:
            value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        pcode, pvalues = pd.factorize(history[period][keep], sort=False)
        n = len(skus)
        rows = np.bincount(code, minlength=n)

        status = np.zeros(n, dtype=np.int8)

        def flag(row_mask, status_code):
            bad = np.zeros(n, dtype=bool)
            bad[code[row_mask]] = True
            status[bad & (status == FIT_OK)] = status_code

        flag(~np.isfinite(value), FIT_MISSING_DEMAND)
        flag(value < 0, FIT_NEGATIVE_DEMAND)
        flag(pcode < 0, FIT_MISSING_PERIOD)
        pair = code.astype(np.int64) * (len(pvalues) + 1) + (pcode + 1)
        if n * (len(pvalues) + 1) <= 4 * len(pair) + 1024:  # dense: count every pair
            dup = np.bincount(pair, minlength=n * (len(pvalues) + 1))[pair] > 1
        else:
            dup = pd.Series(pair).duplicated(keep=False).to_numpy()
        flag(dup, FIT_DUPLICATE_PERIOD)

        if missing == "zero":
            periods = np.full(n, len(pvalues), dtype=np.int64)
        else:
            periods = rows.astype(np.int64)
        finite = np.isfinite(value)
        integer_row = ~finite | (value == np.floor(value))
        self.integer = np.bincount(code, weights=~integer_row, minlength=n) == 0
        self.skus = skus
        self.code = code
        self.value = np.where(finite, value, 0.0)
        self.periods = periods
        self.rows = rows
        self.status = status


def _moments(g: _Groups, ddof: float):
    """Per-SKU mean, std, nonzero count, size mean and size variance (ddof 0)."""
    n = len(g.skus)
    code, value = g.code, g.value
    periods = g.periods.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(code, weights=value, minlength=n) / periods
        dev = value - mean[code]
        ss = np.bincount(code, weights=dev * dev, minlength=n)
        ss += (periods - g.rows) * mean * mean  # absent periods read as zero demand
        var = np.where(periods > ddof, ss / (periods - ddof), np.nan)
        nonzero = value != 0
        k = np.bincount(code, weights=nonzero, minlength=n)
        size_mean = np.bincount(code, weights=value, minlength=n) / k
        sdev = np.where(nonzero, value - size_mean[code], 0.0)
        size_var = np.bincount(code, weights=sdev * sdev, minlength=n) / k
    return mean, var, k, size_mean, size_var


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
    g = _Groups(history, sku, period, demand, missing)
    mean, var, k, size_mean, size_var = _moments(g, ddof)
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

    code = {name: i for i, name in enumerate(SUGGESTIONS)}
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
            "demand_class": pd.Categorical.from_codes(klass, categories=pd.Index(list(CLASSES))),
            "periods": g.periods,
            "integer_demand": g.integer,
            "distribution": pd.Categorical.from_codes(dist, categories=pd.Index(list(SUGGESTIONS))),
            "fit_status": pd.Categorical.from_codes(status, categories=pd.Index(list(FIT_NAMES))),
            "fit_message": messages[status],
        },
        index=pd.RangeIndex(n),
    )


__all__ = ["fit_demand", "ADI_CUTOFF", "CV2_CUTOFF", "CLASSES", "SUGGESTIONS"]
