"""What-if cubes: reorder points and service levels over a grid of scenarios.

:func:`sensitivity` answers "what if the target were 97 %, the lots half as big, the supplier
20 % slower?" for every SKU at once. It returns an :class:`xarray.Dataset` with one dimension
``sku`` and one per swept parameter, computed by the same row kernel as
:func:`invsl.optimize` (``invsl.kernels.batch.sq``) over the flattened grid (SKU x scenario),
in chunks so that memory stays bounded by the output plus one chunk.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from invsl._version import __version__
from invsl.engine.arguments import check_arguments, check_target
from invsl.engine.assemble import KIND_CATEGORIES, KIND_CODE
from invsl.engine.reader import check_frame, numeric, read_rows, resolve_columns
from invsl.engine.validate import unsupported_rows, validate
from invsl.kernels import batch
from invsl.tools.whatif_cube import _CONVENTIONS, _FRACTION, _VARIABLES, _flag_attrs
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_POISSON, NAMES, NOT_A_NUMBER, ZERO_DEMAND

#: swept parameters, in the order of the dataset's dimensions after ``sku``
SWEEPS = ("target", "order_quantity_factor", "lead_time_factor")

#: grid cells per kernel call: bounds the temporary arrays (about 150 bytes per cell)
CHUNK_CELLS = 1 << 20

_DEFAULT_TARGET = 0.95  # the default of invsl.optimize


def _sweep(name: str, values):
    """None, a scalar (applied, no dimension) or a 1-d array (a dimension)."""
    if values is None:
        return None
    array = np.asarray(values)
    if array.ndim > 1:
        raise ValueError(
            f"{name} must be a number or a 1-d list of numbers, got shape {array.shape}"
        )
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers, got {array.dtype} values: {values!r}")
    array = array.astype(np.float64)
    if array.ndim == 1:
        if array.size == 0:
            raise ValueError(f"{name} is an empty list; give at least one value or leave it out")
        if np.unique(array).size != array.size:
            raise ValueError(f"{name} holds a value twice ({values!r}); give each value once")
    return array


def _sku_coordinate(df: pd.DataFrame, sku_column: str | None) -> tuple[str, np.ndarray]:
    if sku_column is not None and sku_column in df.columns:
        return f"column {sku_column!r}", df[sku_column].to_numpy()
    return "index of the input", df.index.to_numpy()


def whole_order_quantity(order_quantity, factor, integer):
    """Order quantity of a scenario: ``order_quantity * factor``, whole for integer demand.

    For rows whose lead-time demand is integer-valued (``poisson``, ``negbin``) and whose own
    order quantity is a whole number, the product is rounded to the nearest whole number
    (halves to even, as :func:`numpy.round`) and at least 1; a non-whole order quantity of
    such a row is left as the product, so that the row keeps its ``not_integer`` status.
    Other rows get the plain product.

    Parameters
    ----------
    order_quantity, factor : array_like
        Order quantity [units] and the scenario's factor [-], broadcast together.
    integer : array_like of bool
        True where the row's demand is integer-valued.

    Returns
    -------
    numpy.ndarray
        The order quantity of the scenario [units].
    """
    order_quantity = np.asarray(order_quantity, dtype=np.float64)
    product = order_quantity * factor
    whole = np.asarray(integer) & (order_quantity == np.floor(order_quantity))
    return np.where(whole, np.maximum(1.0, np.round(product)), product)


def sensitivity(
    df: pd.DataFrame,
    *,
    target=None,
    order_quantity_factor=None,
    lead_time_factor=None,
    metric: str = "beta",
    distribution: str = "normal",
    lead_time_std: float = 0.0,
    columns: Mapping[str, str] | None = None,
    sku_column: str | None = "sku",
    unit_cost_column: str | None = "unit_cost",
    chunk_cells: int = CHUNK_CELLS,
):
    """What-if cube: reorder point, safety stock and every service level per SKU and scenario.

    Each swept parameter given as a list becomes a dimension of the result; a scalar is
    applied to every cell without adding a dimension (it is kept as a scalar coordinate);
    a parameter left out is not changed. Every cell is exactly what :func:`invsl.optimize`
    returns for the SKU's row with the scenario's changes applied (see Notes).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per SKU, as for :func:`invsl.optimize`: ``demand_mean``, ``demand_std``
        [units/period], ``lead_time`` [periods], ``order_quantity`` [units], optionally
        ``lead_time_std`` [periods], ``distribution``, ``metric``, ``target``, ``sku`` and
        ``unit_cost`` [currency/unit]. Not modified.
    target : float or sequence of float, optional
        Service target(s) strictly between 0 and 1, for every SKU. Left out: the ``target``
        column of ``df`` where it has a value, else 0.95 (as :func:`invsl.optimize`).
    order_quantity_factor : float or sequence of float, optional
        Factor(s) [-] applied to each SKU's order quantity (see Notes for integer demand).
    lead_time_factor : float or sequence of float, optional
        Factor(s) [-] applied to each SKU's lead time and lead-time standard deviation (the
        lead time's coefficient of variation stays fixed).
    metric : {"beta", "alpha", "gamma"}, optional
        Service level the targets refer to (default fill rate); long names accepted. A
        ``metric`` column in ``df`` overrides it per row.
    distribution, lead_time_std, columns
        As for :func:`invsl.optimize`.
    sku_column : str or None, optional
        Column whose values label the ``sku`` dimension (default ``"sku"``); when ``df`` has
        no such column, the index of ``df`` labels it. Duplicate labels are kept as they are
        (one entry per input row, input order); select such SKUs by position (``isel``).
    unit_cost_column : str or None, optional
        Column with the value of one unit [currency/unit] (default ``"unit_cost"``); when
        present, the result has ``safety_stock_value`` = safety_stock * unit_cost.
    chunk_cells : int, optional
        Grid cells (SKUs x scenarios) per kernel call; bounds the temporary memory to about
        150 bytes per cell (default 2**20 cells, about 160 MB).

    Returns
    -------
    xarray.Dataset
        Dimensions ``sku`` and the swept parameters, in the order ``target``,
        ``order_quantity_factor``, ``lead_time_factor``. Data variables (float64 unless
        said): ``reorder_point``, ``safety_stock`` [units], ``alpha``, ``beta``, ``gamma``,
        ``ready_rate`` [-], ``expected_backorders``, ``expected_on_hand`` [units],
        ``safety_stock_value`` [currency] when ``df`` has a unit cost, ``status`` (uint8
        code, 0 = ok; ``flag_values``/``flag_meanings`` attributes give the names, as in
        the ``status`` column of :func:`invsl.optimize`), ``lead_time_distribution`` (int8
        code of the fitted distribution, -1 where not fitted), and, when the factor
        is given, the ``order_quantity`` and ``lead_time`` used (by SKU and factor). Attributes give units, long names, formulas and
        the conventions of the contract.

    Raises
    ------
    InputError
        If a required column is missing.
    ValueError, TypeError
        If a swept parameter is not a number or a 1-d list of distinct numbers.

    Notes
    -----
    The scenario (t, f_Q, f_L) of a SKU with order quantity Q, lead time L and lead-time
    standard deviation sigma_L is the row with target t, order quantity Q * f_Q and lead time
    L * f_L, sigma_L * f_L. With ``poisson`` or ``negbin`` demand, reorder points and order
    quantities are whole numbers: a whole Q * f_Q is kept, any other is rounded to the
    nearest whole number (at least 1; see :func:`whole_order_quantity`), and the
    ``order_quantity`` variable shows the value used.

    Bad rows and bad scenario values are data, not errors: a cell that cannot be computed
    (a missing demand, a target of 1, a factor of 0) is NaN with a ``status`` code, the other
    cells are computed as usual. Rows with zero demand get reorder point and safety stock 0
    and status ``zero_demand``, as in :func:`invsl.optimize`.

    All cells go through the kernel of :func:`invsl.optimize` in one pass over the flattened
    grid, ``chunk_cells`` cells at a time; peak memory is the result (about 81 bytes per
    cell, 90 with ``safety_stock_value``) plus one chunk of temporaries.

    Examples
    --------
    >>> import pandas as pd, invsl
    >>> df = pd.DataFrame({"sku": ["A", "B"], "demand_mean": [100.0, 5.0],
    ...                    "demand_std": [30.0, 2.0], "lead_time": [2.0, 4.0],
    ...                    "order_quantity": [400.0, 20.0], "unit_cost": [2.0, 50.0]})
    >>> cube = invsl.sensitivity(df, target=[0.9, 0.95, 0.99],
    ...                          order_quantity_factor=[0.5, 1.0, 2.0])
    >>> cube["reorder_point"].dims
    ('sku', 'target', 'order_quantity_factor')
    >>> value = cube["safety_stock_value"].sum("sku")  # investment per scenario [currency]
    >>> bool((value.diff("target") > 0).all())
    True
    """
    import xarray as xr  # heavy: imported when a cube is built, not with invsl

    check_frame(df)
    check_arguments(metric=metric, distribution=distribution, lead_time_std=lead_time_std)
    chunk_cells = int(chunk_cells)
    if chunk_cells < 1:
        raise ValueError(f"chunk_cells must be >= 1, got {chunk_cells}")
    sweeps = {
        "target": _sweep("target", target),
        "order_quantity_factor": _sweep("order_quantity_factor", order_quantity_factor),
        "lead_time_factor": _sweep("lead_time_factor", lead_time_factor),
    }
    if sweeps["target"] is not None:
        for value in np.atleast_1d(sweeps["target"]):
            check_target(value)
    dims = [name for name in SWEEPS if sweeps[name] is not None and sweeps[name].ndim == 1]

    required = ["demand_mean", "demand_std", "lead_time", "order_quantity"]
    found = resolve_columns(df, columns, required)
    n = len(df)

    # per-SKU inputs, read as invsl.optimize reads them (empty target cells: 0.95)
    names = ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]
    if sweeps["target"] is None:
        names.append("target")
    rows_read = read_rows(
        df,
        found,
        names,
        defaults={
            "lead_time_std": lead_time_std,
            "target": _DEFAULT_TARGET if sweeps["target"] is None else None,
        },
        distribution=distribution,
        metric=metric,
    )
    numbers, text = rows_read.numbers, rows_read.text_mask
    dcodes, mcodes = rows_read.distribution, rows_read.metric
    integer = (dcodes == DEMAND_POISSON) | (dcodes == DEMAND_NEGBIN)
    # periodic-review and history rows: status unsupported (or unknown_policy), not computed
    unsupported, _, _ = unsupported_rows(
        n,
        df[found["distribution"]] if "distribution" in found else distribution,
        distribution,
        df[found["policy"]] if "policy" in found else None,
        "sensitivity",
    )

    # the scenario grid, flattened in C order over the swept dimensions
    shape = tuple(sweeps[name].size for name in dims)
    full = [sweeps[name] if sweeps[name] is not None else np.array([np.nan]) for name in SWEEPS]
    grid = [axis.ravel() for axis in np.meshgrid(*[np.atleast_1d(a) for a in full], indexing="ij")]
    g_target, g_qf, g_lf = grid
    cells_per_sku = g_target.size

    result = {name: np.empty((n, cells_per_sku)) for name in batch.OUTPUTS}
    status_all = np.empty((n, cells_per_sku), dtype=np.uint8)
    kind_all = np.empty((n, cells_per_sku), dtype=np.int8)

    per_chunk = max(1, chunk_cells // cells_per_sku)
    for start in range(0, n, per_chunk):
        stop = min(n, start + per_chunk)
        m = stop - start

        def rows(values):
            return np.repeat(values[start:stop], cells_per_sku)

        demand_mean = rows(numbers["demand_mean"])
        demand_std = rows(numbers["demand_std"])
        lead_time = rows(numbers["lead_time"])
        lt_std = rows(numbers["lead_time_std"])
        order_quantity = rows(numbers["order_quantity"])
        if sweeps["lead_time_factor"] is not None:
            factor = np.tile(g_lf, m)
            lead_time *= factor
            lt_std *= factor
        if sweeps["order_quantity_factor"] is not None:
            order_quantity = whole_order_quantity(order_quantity, np.tile(g_qf, m), rows(integer))
        if sweeps["target"] is not None:
            cell_target = np.tile(g_target, m)
        else:
            cell_target = rows(numbers["target"])
        distribution_cell = rows(dcodes)
        metric_cell = rows(mcodes)

        status, _ = validate(
            demand_mean=demand_mean,
            demand_std=demand_std,
            lead_time=lead_time,
            lead_time_std=lt_std,
            order_quantity=order_quantity,
            distribution=distribution_cell,
            metric=metric_cell,
            target=cell_target,
        )
        status[rows(text)] = NOT_A_NUMBER
        cell_unsupported = rows(unsupported)
        status[cell_unsupported != 0] = cell_unsupported[cell_unsupported != 0]
        out, kind = batch.sq(
            True,
            distribution_cell,
            metric_cell,
            cell_target,
            demand_mean,
            demand_std,
            lead_time,
            lt_std,
            order_quantity,
            np.full(m * cells_per_sku, np.nan),
            status,
        )
        zero = status == ZERO_DEMAND
        out[0, zero] = 0.0
        out[1, zero] = 0.0
        for i, name in enumerate(batch.OUTPUTS):
            result[name][start:stop] = out[i].reshape(m, cells_per_sku)
        status_all[start:stop] = status.reshape(m, cells_per_sku)
        kind_all[start:stop] = np.where(kind < 0, -1, KIND_CODE[np.maximum(kind, 0)]).reshape(
            m, cells_per_sku
        )
        del demand_mean, demand_std, lead_time, lt_std, order_quantity, cell_target, out, kind

    full_dims = ("sku", *dims)
    full_shape = (n, *shape)
    label, sku = _sku_coordinate(df, sku_column)
    coords: dict[str, tuple] = {"sku": ("sku", sku, {"long_name": f"SKU label ({label})"})}
    units = {
        "target": (_FRACTION, f"service target ({metric} unless a metric column says otherwise)"),
        "order_quantity_factor": (_FRACTION, "factor on each SKU's order quantity"),
        "lead_time_factor": (
            _FRACTION,
            "factor on each SKU's lead time and lead-time standard deviation",
        ),
    }
    for name in SWEEPS:
        if sweeps[name] is None:
            continue
        attrs = {"units": units[name][0], "long_name": units[name][1]}
        if sweeps[name].ndim == 1:
            coords[name] = (name, sweeps[name], attrs)
        else:
            coords[name] = ((), float(sweeps[name]), attrs)

    data = {}
    for name in batch.OUTPUTS:
        unit, long_name, description = _VARIABLES[name]
        data[name] = (
            full_dims,
            result.pop(name).reshape(full_shape),
            {"units": unit, "long_name": long_name, "description": description},
        )
    if unit_cost_column is not None and unit_cost_column in df.columns:
        unit_cost, _ = numeric(df[unit_cost_column])
        value = data["safety_stock"][1] * unit_cost.reshape((n,) + (1,) * len(dims))
        data["safety_stock_value"] = (
            full_dims,
            value,
            {
                "units": "currency",
                "long_name": "value of the safety stock",
                "description": f"safety_stock * {unit_cost_column} (currency of the unit cost; "
                "negative where the safety stock is negative)",
            },
        )
    data["status"] = (
        full_dims,
        status_all.reshape(full_shape),
        {
            **_flag_attrs(np.arange(len(NAMES), dtype=np.uint8), NAMES, "row status"),
            "description": "0 (ok) where computed; otherwise why the cell is NaN, as in the "
            "status column of invsl.optimize (docs/cli.md, Status codes)",
        },
    )
    data["lead_time_distribution"] = (
        full_dims,
        kind_all.reshape(full_shape),
        {
            **_flag_attrs(
                np.arange(-1, len(KIND_CATEGORIES), dtype=np.int8),
                ["not_fitted", *KIND_CATEGORIES],
                "fitted lead-time demand distribution",
            ),
            "description": "model of the lead-time demand X actually used (poisson with a random "
            "lead time becomes negbin)",
        },
    )
    if sweeps["order_quantity_factor"] is not None:
        factor = sweeps["order_quantity_factor"]
        swept = factor.ndim == 1
        used = whole_order_quantity(
            numbers["order_quantity"][:, None] if swept else numbers["order_quantity"],
            factor,
            integer[:, None] if swept else integer,
        )
        data["order_quantity"] = (
            ("sku", "order_quantity_factor") if swept else ("sku",),
            used,
            {
                "units": "units",
                "long_name": "order quantity Q used",
                "description": "order_quantity * order_quantity_factor, whole for poisson/negbin "
                "rows with a whole order quantity",
            },
        )
    if sweeps["lead_time_factor"] is not None:
        factor = sweeps["lead_time_factor"]
        swept = factor.ndim == 1
        used = (numbers["lead_time"][:, None] if swept else numbers["lead_time"]) * factor
        data["lead_time"] = (
            ("sku", "lead_time_factor") if swept else ("sku",),
            used,
            {
                "units": "periods",
                "long_name": "lead time L used",
                "description": "lead_time * lead_time_factor",
            },
        )

    attrs = {
        "title": "invsl what-if cube: continuous-review (s, Q) reorder points and service levels",
        "metric": f"{metric} (per row from the metric column)" if "metric" in found else metric,
        "policy": "continuous review (s, Q), backorders",
        "distribution": (
            f"{distribution} (per row from the distribution column)"
            if "distribution" in found
            else distribution
        ),
        "conventions": _CONVENTIONS,
        "period": "the time unit of demand_mean, demand_std and lead_time",
        "source": f"invsl {__version__}, invsl.sensitivity",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
