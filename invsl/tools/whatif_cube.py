"""The what-if cube as an :class:`xarray.Dataset`: its variables, coordinates and attributes.

:func:`invsl.sensitivity` (``invsl.tools.whatif``) computes the cells; this module says what
they mean (units, long names, formulas, the conventions of the contract) and wraps them,
without copying, in the Dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from invsl._version import __version__
from invsl.engine.assemble import KIND_CATEGORIES
from invsl.vocabulary import NAMES

_FRACTION = "1"  # CF units of a dimensionless share

#: data variable -> (units, long name, description); order of the kernel outputs first
_VARIABLES = {
    "reorder_point": (
        "units",
        "reorder point s",
        "inventory position at which an order of order_quantity is placed; "
        "continuous demand: the root of metric(s) = target, integer demand "
        "(poisson, negbin): the smallest whole s with metric(s) >= target",
    ),
    "safety_stock": ("units", "safety stock", "reorder_point - E[X], X lead-time demand"),
    "alpha": (
        _FRACTION,
        "cycle service level",
        "P(no stockout in a replenishment cycle) = F(s) = P(X <= s)",
    ),
    "beta": (
        _FRACTION,
        "fill rate",
        "share of demand served at once from stock = 1 - (G1(s) - G1(s + Q)) / Q",
    ),
    "gamma": (
        _FRACTION,
        "gamma service level",
        "1 - E[B] / demand_mean = 1 - mean waiting time of a demand unit [periods]; "
        "depends on the period, may be negative",
    ),
    "ready_rate": (_FRACTION, "ready rate", "share of time with net stock > 0"),
    "expected_backorders": ("units", "expected backorders E[B]", "time-average backorder level"),
    "expected_on_hand": ("units", "expected on-hand stock", "time-average on-hand stock"),
}

_CONVENTIONS = (
    "Continuous review (s, Q) with backorders, as in invsl's contract docs/service-levels.md. "
    "A period is the time unit of demand_mean, demand_std and lead_time; gamma depends on it, "
    "alpha and beta do not. Lead-time demand X: E[X] = demand_mean * lead_time, "
    "Var[X] = lead_time * demand_std^2 + demand_mean^2 * lead_time_std^2, fitted by the "
    "row's distribution (two moments). G1, G2: first and second order loss functions of X. "
    "Cells that cannot be computed are NaN and their status is not 0 (ok)."
)


#: variables of the order quantity and lead time used -> their attributes
_USED = {
    "order_quantity": {
        "units": "units",
        "long_name": "order quantity Q used",
        "description": "order_quantity * order_quantity_factor, whole for poisson/negbin "
        "rows with a whole order quantity",
    },
    "lead_time": {
        "units": "periods",
        "long_name": "lead time L used",
        "description": "lead_time * lead_time_factor",
    },
}


class TableFacts(NamedTuple):
    """What the cube shows of its input table besides the computed cells."""

    sku_source: str  # where the SKU labels come from: "column 'sku'", "index of the input"
    sku: np.ndarray  # one label per row of the table, in its order
    unit_cost: np.ndarray | None  # float64 [currency/unit]; None: no unit-cost column
    unit_cost_column: str | None  # the name of that column
    metric_column: bool  # the table has a metric column (the metric is read per row)
    distribution_column: bool  # the table has a distribution column


class Cells(NamedTuple):
    """The computed cells: arrays of shape (SKUs, scenarios), the scenarios flattened in C
    order over the swept dimensions."""

    dims: tuple[str, ...]  # the swept dimensions, in the order of the cube's dimensions
    shape: tuple[int, ...]  # their sizes
    outputs: dict[str, np.ndarray]  # float64 per kernel output (kernels.batch.OUTPUTS order)
    status: np.ndarray  # uint8 row status code (invsl.vocabulary NAMES)
    kind: np.ndarray  # int8 code of the fitted lead-time demand distribution, -1 not fitted


def _flag_attrs(codes, names, what: str) -> dict:
    """CF attributes of a variable of codes: the codes, their names, the long name."""
    return {"flag_values": np.asarray(codes), "flag_meanings": " ".join(names), "long_name": what}


def _coordinates(facts: TableFacts, sweeps: Mapping[str, np.ndarray | None], metric: str):
    """The ``sku`` coordinate and one per swept parameter given: a dimension coordinate for
    a list, a scalar coordinate for a single value."""
    coords: dict[str, tuple] = {
        "sku": ("sku", facts.sku, {"long_name": f"SKU label ({facts.sku_source})"})
    }
    units = {
        "target": (_FRACTION, f"service target ({metric} unless a metric column says otherwise)"),
        "order_quantity_factor": (_FRACTION, "factor on each SKU's order quantity"),
        "lead_time_factor": (
            _FRACTION,
            "factor on each SKU's lead time and lead-time standard deviation",
        ),
    }
    for name, values in sweeps.items():
        if values is None:
            continue
        attrs = {"units": units[name][0], "long_name": units[name][1]}
        if values.ndim == 1:
            coords[name] = (name, values, attrs)
        else:
            coords[name] = ((), float(values), attrs)
    return coords


def _cell_variables(facts: TableFacts, cells: Cells) -> dict[str, tuple]:
    """The data variables over ``sku`` and the swept dimensions: the kernel outputs, the
    safety stock's value (when the table has a unit cost), the status and the fitted
    lead-time demand distribution. The arrays are reshaped views of ``cells``."""
    n = cells.status.shape[0]
    full_dims = ("sku", *cells.dims)
    full_shape = (n, *cells.shape)
    data = {}
    for name, values in cells.outputs.items():
        unit, long_name, description = _VARIABLES[name]
        data[name] = (
            full_dims,
            values.reshape(full_shape),
            {"units": unit, "long_name": long_name, "description": description},
        )
    if facts.unit_cost is not None:
        value = data["safety_stock"][1] * facts.unit_cost.reshape((n,) + (1,) * len(cells.dims))
        data["safety_stock_value"] = (
            full_dims,
            value,
            {
                "units": "currency",
                "long_name": "value of the safety stock",
                "description": f"safety_stock * {facts.unit_cost_column} (currency of the unit "
                "cost; negative where the safety stock is negative)",
            },
        )
    data["status"] = (
        full_dims,
        cells.status.reshape(full_shape),
        {
            **_flag_attrs(np.arange(len(NAMES), dtype=np.uint8), NAMES, "row status"),
            "description": "0 (ok) where computed; otherwise why the cell is NaN, as in the "
            "status column of invsl.optimize (docs/cli.md, Status codes)",
        },
    )
    data["lead_time_distribution"] = (
        full_dims,
        cells.kind.reshape(full_shape),
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
    return data


def _dataset_attrs(facts: TableFacts, metric: str, distribution: str) -> dict[str, str]:
    """The global attributes: what was computed, how, and by which version of invsl."""
    return {
        "title": "invsl what-if cube: continuous-review (s, Q) reorder points and service levels",
        "metric": f"{metric} (per row from the metric column)" if facts.metric_column else metric,
        "policy": "continuous review (s, Q), backorders",
        "distribution": (
            f"{distribution} (per row from the distribution column)"
            if facts.distribution_column
            else distribution
        ),
        "conventions": _CONVENTIONS,
        "period": "the time unit of demand_mean, demand_std and lead_time",
        "source": f"invsl {__version__}, invsl.sensitivity",
    }


def build_cube(
    facts: TableFacts,
    sweeps: Mapping[str, np.ndarray | None],
    cells: Cells,
    used: Mapping[str, tuple],
    *,
    metric: str,
    distribution: str,
):
    """The what-if cube of :func:`invsl.sensitivity` as an :class:`xarray.Dataset`.

    Parameters
    ----------
    facts : TableFacts
        What the cube shows of the input table (SKU labels, unit cost, per-row columns).
    sweeps : mapping of str to numpy.ndarray or None
        Swept parameter -> its values (1-d: a dimension, 0-d: a scalar coordinate, None: not
        given), in the order of the cube's dimensions.
    cells : Cells
        The computed cells.
    used : mapping of str to tuple
        ``order_quantity`` and/or ``lead_time`` used -> (dimensions, values).
    metric, distribution : str
        The call's metric and distribution (for the attributes).

    Returns
    -------
    xarray.Dataset
        The cube; see :func:`invsl.sensitivity`.
    """
    import xarray as xr  # heavy: imported when a cube is built, not with invsl

    data = _cell_variables(facts, cells)
    for name, (dims, values) in used.items():
        data[name] = (dims, values, dict(_USED[name]))
    coords = _coordinates(facts, sweeps, metric)
    return xr.Dataset(data, coords=coords, attrs=_dataset_attrs(facts, metric, distribution))
