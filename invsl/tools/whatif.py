"""What-if cubes: reorder points and service levels over a grid of scenarios.

:func:`sensitivity` answers "what if the target were 97 %, the lots half as big, the supplier
20 % slower?" for every SKU at once. It returns an :class:`xarray.Dataset` with one dimension
``sku`` and one per swept parameter, computed by the same row kernel as
:func:`invsl.optimize` (``invsl.kernels.batch.sq``) over the flattened grid (SKU x scenario),
in chunks so that memory stays bounded by the output plus one chunk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from invsl.engine.arguments import check_arguments, check_target
from invsl.engine.assemble import KIND_CODE
from invsl.engine.dispatch import apply_zero_demand
from invsl.engine.reader import check_frame, numeric, read_rows, resolve_columns
from invsl.engine.validate import unsupported_rows, validate
from invsl.kernels import batch
from invsl.kernels.periodic import policies as periodic
from invsl.tools.whatif_cube import Cells, TableFacts, build_cube
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_POISSON, NOT_A_NUMBER, POLICY_SQ

#: swept parameters, in the order of the dataset's dimensions after ``sku``
SWEEPS = ("target", "order_quantity_factor", "lead_time_factor")

#: grid cells per kernel call: bounds the temporary arrays (about 150 bytes per cell)
CHUNK_CELLS = 1 << 20

_DEFAULT_TARGET = 0.95  # the default of invsl.optimize


class SkuRows(NamedTuple):
    """The input table read into arrays, one entry per SKU (row), as invsl.optimize reads it."""

    n: int  # number of SKUs (rows of the table)
    #: float64 per name: demand_mean, demand_std, lead_time, lead_time_std, order_quantity,
    #: and target when the call does not sweep it (empty cells: the call's defaults)
    numbers: dict[str, np.ndarray]
    text: np.ndarray  # bool, True where a numeric cell holds text that is not a number
    distribution: np.ndarray  # int8 demand family code (invsl.vocabulary DEMAND_*)
    metric: np.ndarray | None  # int8 metric code (METRIC_*); always read here
    integer: np.ndarray  # bool, True for integer-valued demand (poisson, negbin)
    unsupported: np.ndarray  # uint8 status of rows sensitivity does not compute, 0 elsewhere
    facts: TableFacts  # what the cube shows of the table besides the cells


class ScenarioGrid(NamedTuple):
    """The scenarios of every SKU, flattened in C order over the swept dimensions."""

    dims: tuple[str, ...]  # swept dimensions (parameters given as lists), in SWEEPS order
    shape: tuple[int, ...]  # their sizes
    cells: int  # scenarios per SKU
    target: np.ndarray | None  # per scenario; None: not given (the table's targets)
    order_quantity_factor: np.ndarray | None  # per scenario [-]; None: not given
    lead_time_factor: np.ndarray | None  # per scenario [-]; None: not given


def _sweep(name: str, values) -> np.ndarray | None:
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


def _read_sweeps(target, order_quantity_factor, lead_time_factor) -> dict[str, np.ndarray | None]:
    """The swept parameters, checked (see :func:`_sweep`), by name in the order of SWEEPS;
    every target must lie strictly between 0 and 1."""
    sweeps = {
        "target": _sweep("target", target),
        "order_quantity_factor": _sweep("order_quantity_factor", order_quantity_factor),
        "lead_time_factor": _sweep("lead_time_factor", lead_time_factor),
    }
    if sweeps["target"] is not None:
        for value in np.atleast_1d(sweeps["target"]):
            check_target(value)
    return sweeps


def _sku_coordinate(df: pd.DataFrame, sku_column: str | None) -> tuple[str, np.ndarray]:
    """Where the SKU labels come from (for the coordinate's long name) and the labels."""
    if sku_column is not None and sku_column in df.columns:
        return f"column {sku_column!r}", df[sku_column].to_numpy()
    return "index of the input", df.index.to_numpy()


def _read_table(
    df: pd.DataFrame,
    *,
    target_swept: bool,
    columns: Mapping[str, str] | None,
    metric: str,
    distribution: str,
    lead_time_std: float,
    sku_column: str | None,
    unit_cost_column: str | None,
) -> SkuRows:
    """Read the table into per-SKU arrays: the only place where this module reads ``df``.

    The inputs are read as :func:`invsl.optimize` reads them (``invsl.engine.reader``): the
    columns by name, alias or ``columns=`` mapping, empty cells filled with the call's values
    (empty target cells: 0.95; the target column is not read when ``target_swept``).
    Periodic-review and history rows get the status unsupported (or unknown_policy) and are
    not computed. Raises :class:`InputError` if a required column is missing.
    """
    required = ["demand_mean", "demand_std", "lead_time", "order_quantity"]
    found = resolve_columns(df, columns, required)
    n = len(df)

    # per-SKU inputs, read as invsl.optimize reads them (empty target cells: 0.95)
    names = ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]
    if not target_swept:
        names.append("target")
    rows_read = read_rows(
        df,
        found,
        names,
        defaults={
            "lead_time_std": lead_time_std,
            "target": None if target_swept else _DEFAULT_TARGET,
        },
        distribution=distribution,
        metric=metric,
    )
    dcodes = rows_read.distribution
    # periodic-review and history rows: status unsupported (or unknown_policy), not computed
    unsupported, _, _ = unsupported_rows(
        n,
        df[found["distribution"]] if "distribution" in found else distribution,
        distribution,
        df[found["policy"]] if "policy" in found else None,
        "sensitivity",
    )
    sku_source, sku = _sku_coordinate(df, sku_column)
    unit_cost = None
    if unit_cost_column is not None and unit_cost_column in df.columns:
        unit_cost, _ = numeric(df[unit_cost_column])
    facts = TableFacts(
        sku_source=sku_source,
        sku=sku,
        unit_cost=unit_cost,
        unit_cost_column=unit_cost_column,
        metric_column="metric" in found,
        distribution_column="distribution" in found,
    )
    return SkuRows(
        n=n,
        numbers=rows_read.numbers,
        text=rows_read.text_mask,
        distribution=dcodes,
        metric=rows_read.metric,
        integer=(dcodes == DEMAND_POISSON) | (dcodes == DEMAND_NEGBIN),
        unsupported=unsupported,
        facts=facts,
    )


def _scenario_grid(sweeps: Mapping[str, np.ndarray | None]) -> ScenarioGrid:
    """Every combination of the swept values, flattened in C order (the last swept parameter
    varies fastest); a scalar parameter is the same in every scenario."""
    dims, shape, axes = [], [], []
    for name in SWEEPS:
        values = sweeps[name]
        if values is not None and values.ndim == 1:
            dims.append(name)
            shape.append(values.size)
        axes.append(np.atleast_1d(values) if values is not None else np.array([np.nan]))
    grid = [axis.ravel() for axis in np.meshgrid(*axes, indexing="ij")]
    given = {name: grid[i] if sweeps[name] is not None else None for i, name in enumerate(SWEEPS)}
    return ScenarioGrid(dims=tuple(dims), shape=tuple(shape), cells=grid[0].size, **given)


def _cell_inputs(skus: SkuRows, grid: ScenarioGrid, start: int, stop: int) -> batch.SqRows:
    """Kernel inputs of the cells of SKUs ``start:stop``: each SKU's row once per scenario
    (SKU-major), with the scenario's target, order quantity and lead time."""
    m = stop - start

    def rows(values):
        return np.repeat(values[start:stop], grid.cells)

    numbers = skus.numbers
    lead_time = rows(numbers["lead_time"])
    lead_time_std = rows(numbers["lead_time_std"])
    order_quantity = rows(numbers["order_quantity"])
    if grid.lead_time_factor is not None:
        factor = np.tile(grid.lead_time_factor, m)
        lead_time *= factor
        lead_time_std *= factor
    if grid.order_quantity_factor is not None:
        factor = np.tile(grid.order_quantity_factor, m)
        order_quantity = whole_order_quantity(order_quantity, factor, rows(skus.integer))
    if grid.target is not None:
        target = np.tile(grid.target, m)
    else:
        target = rows(numbers["target"])
    return batch.SqRows(
        distribution=rows(skus.distribution),
        metric=rows(skus.metric),
        target=target,
        demand_mean=rows(numbers["demand_mean"]),
        demand_std=rows(numbers["demand_std"]),
        lead_time=lead_time,
        lead_time_std=lead_time_std,
        order_quantity=order_quantity,
        reorder_point=np.full(m * grid.cells, np.nan),
    )


def _compute_chunk(skus: SkuRows, grid: ScenarioGrid, start: int, stop: int, cells: Cells):
    """Compute the cells of SKUs ``start:stop`` with the (s, Q) kernel of invsl.optimize and
    write them into ``cells`` (rows ``start:stop``).

    Each cell gets the row checks of invsl.optimize (``engine.validate``), text in a numeric
    cell and unsupported rows overriding them; zero-demand cells get reorder point and
    safety stock 0 by the zero-demand rule of invsl.optimize (``engine.dispatch``).
    """
    m = stop - start
    cell = _cell_inputs(skus, grid, start, stop)
    status, _ = validate(
        demand_mean=cell.demand_mean,
        demand_std=cell.demand_std,
        lead_time=cell.lead_time,
        lead_time_std=cell.lead_time_std,
        order_quantity=cell.order_quantity,
        distribution=cell.distribution,
        metric=cell.metric,
        target=cell.target,
    )
    status[np.repeat(skus.text[start:stop], grid.cells)] = NOT_A_NUMBER
    unsupported = np.repeat(skus.unsupported[start:stop], grid.cells)
    status[unsupported != 0] = unsupported[unsupported != 0]
    # the rows of periodic.OUTPUTS, as apply_zero_demand expects: the kernel writes the first
    # eight, the last (order-up-to level) is neither written nor read for sQ rows
    out = np.empty((len(periodic.OUTPUTS), m * grid.cells))
    kind = np.empty(m * grid.cells, dtype=np.int8)
    batch.sq(
        True,
        cell.distribution,
        cell.metric,
        cell.target,
        cell.demand_mean,
        cell.demand_std,
        cell.lead_time,
        cell.lead_time_std,
        cell.order_quantity,
        cell.reorder_point,
        status,
        out[: len(batch.OUTPUTS)],
        kind,
    )
    policy = np.full(m * grid.cells, POLICY_SQ, dtype=np.int8)
    apply_zero_demand(out, status, policy, cell.order_quantity)
    for i, name in enumerate(batch.OUTPUTS):
        cells.outputs[name][start:stop] = out[i].reshape(m, grid.cells)
    cells.status[start:stop] = status.reshape(m, grid.cells)
    cells.kind[start:stop] = np.where(kind < 0, -1, KIND_CODE[np.maximum(kind, 0)]).reshape(
        m, grid.cells
    )


def _compute_cells(skus: SkuRows, grid: ScenarioGrid, chunk_cells: int) -> Cells:
    """Every cell (SKU x scenario), ``chunk_cells`` cells (whole SKUs, at least one) per
    kernel call, so that memory stays bounded by the result plus one chunk."""
    cells = Cells(
        dims=grid.dims,
        shape=grid.shape,
        outputs={name: np.empty((skus.n, grid.cells)) for name in batch.OUTPUTS},
        status=np.empty((skus.n, grid.cells), dtype=np.uint8),
        kind=np.empty((skus.n, grid.cells), dtype=np.int8),
    )
    per_chunk = max(1, chunk_cells // grid.cells)
    for start in range(0, skus.n, per_chunk):
        _compute_chunk(skus, grid, start, min(skus.n, start + per_chunk), cells)
    return cells


def _used_inputs(skus: SkuRows, sweeps: Mapping[str, np.ndarray | None]) -> dict[str, tuple]:
    """The order quantity and lead time used, by SKU (and factor when swept), for each factor
    that is given: variable name -> (dimensions, values)."""
    used: dict[str, tuple] = {}
    factor = sweeps["order_quantity_factor"]
    if factor is not None:
        swept = factor.ndim == 1
        order_quantity = skus.numbers["order_quantity"]
        used["order_quantity"] = (
            ("sku", "order_quantity_factor") if swept else ("sku",),
            whole_order_quantity(
                order_quantity[:, None] if swept else order_quantity,
                factor,
                skus.integer[:, None] if swept else skus.integer,
            ),
        )
    factor = sweeps["lead_time_factor"]
    if factor is not None:
        swept = factor.ndim == 1
        lead_time = skus.numbers["lead_time"]
        used["lead_time"] = (
            ("sku", "lead_time_factor") if swept else ("sku",),
            (lead_time[:, None] if swept else lead_time) * factor,
        )
    return used


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
    check_frame(df)
    check_arguments(metric=metric, distribution=distribution, lead_time_std=lead_time_std)
    chunk_cells = int(chunk_cells)
    if chunk_cells < 1:
        raise ValueError(f"chunk_cells must be >= 1, got {chunk_cells}")
    sweeps = _read_sweeps(target, order_quantity_factor, lead_time_factor)
    skus = _read_table(
        df,
        target_swept=sweeps["target"] is not None,
        columns=columns,
        metric=metric,
        distribution=distribution,
        lead_time_std=lead_time_std,
        sku_column=sku_column,
        unit_cost_column=unit_cost_column,
    )
    cells = _compute_cells(skus, _scenario_grid(sweeps), chunk_cells)
    used = _used_inputs(skus, sweeps)
    return build_cube(skus.facts, sweeps, cells, used, metric=metric, distribution=distribution)
