"""From a chunk of the input file to invsl.api.frame and back: the columns' plan.

The only part of the package that knows :mod:`invsl.api.frame`: which input columns it
reads, how a pyarrow chunk becomes the DataFrame it takes, and where its output columns go
in the output schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invsl.api import frame
from invsl.engine.assemble import KIND_CATEGORIES
from invsl.engine.calibration import read_calibration, segment_column
from invsl.engine.reader import (
    INPUT_COLUMNS,
    InputError,
    resolve_columns,
    without_history_optional,
)
from invsl.engine.table import PERIODIC_OUTPUTS, SQ_OUTPUTS
from invsl.tools.io.formats import TableError, TextFormat
from invsl.tools.io.text_numbers import as_text, parse_numbers
from invsl.vocabulary import NAMES, NOT_A_NUMBER, STATUS

#: numeric input columns parsed from text: the columns invsl.api.frame reads as numbers
NUMERIC_INPUTS = ("demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity")


def _outputs(periodic: bool, calibrated: bool = False) -> tuple[str, ...]:
    """The output columns of the layout (a calibrated optimize adds ``nominal_target``)."""
    outputs = PERIODIC_OUTPUTS if periodic else SQ_OUTPUTS
    if calibrated:
        outputs = (*outputs[:-3], "nominal_target", *outputs[-3:])
    return outputs


def _output_fields(periodic: bool = False, calibrated: bool = False):
    """float64 result columns, dictionary-encoded columns (name -> categories), text column."""
    categories = _categories()
    outputs = _outputs(periodic, calibrated)
    fields = [pa.field(name, pa.float64()) for name in outputs[:-3]]
    for name in ("lead_time_distribution", "status"):
        fields.append(pa.field(name, pa.dictionary(pa.int8(), pa.string())))
    fields.append(pa.field("message", pa.string()))
    assert [f.name for f in fields] == list(outputs)
    return fields, categories


def _categories():
    return {
        "lead_time_distribution": pa.array(KIND_CATEGORIES, pa.string()),
        "status": pa.array(list(NAMES), pa.string()),
    }


#: input columns that are also output columns (solved by optimize, passed through by evaluate)
_LEVELS = ("reorder_point", "order_up_to")


def _output_plan(
    kind: str,
    names: list[str],
    found: dict[str, str],
    mapping: Mapping[str, str],
    outputs: tuple[str, ...] | None = None,
):
    """Where each output column goes: input name -> kept, output name -> placed after/over."""
    targets = {}
    for name in SQ_OUTPUTS if outputs is None else outputs:
        target = mapping.get(name, name)
        if kind == "evaluate" and name in _LEVELS and found.get(name) == target:
            continue  # evaluate passes the input reorder point (order-up-to level) through
        if target in found.values() and not (name in _LEVELS and found.get(name) == target):
            canonical = next(k for k, v in found.items() if v == target)
            raise TableError(
                f"the output column {name} would overwrite the input column "
                f"{target!r} ({canonical}); map it to another name"
            )
        targets[name] = target
    order = list(names)
    for name, target in targets.items():
        if target not in order:
            order.append(target)
    return targets, order


class Plan:
    """What happens to each column, decided once from the input's header and options.

    ``schema`` is the output schema (fixed before any row is read); :meth:`compute` turns an
    input chunk into an output chunk of that schema and the status code of each row.
    """

    def __init__(
        self,
        kind: str,
        schema: pa.Schema,
        mapping: Mapping[str, str],
        options: Mapping,
        text: TextFormat,
        periodic: bool = False,
    ):
        self.solve = kind == "optimize"
        self.function = frame.optimize if self.solve else frame.evaluate
        self.options, self.text = dict(options), text
        self.names = names = list(schema.names)
        self.periodic = periodic
        if periodic:
            # the columns a periodic table needs depend on the policies of its rows:
            # invsl.api.frame checks them chunk by chunk (a missing one stops the run, and
            # nothing is written)
            required = ["demand_mean", "demand_std", "lead_time"]
        else:
            required = [n for n, (ev, op, _) in INPUT_COLUMNS.items() if (op if self.solve else ev)]
        required = without_history_optional(required, self.options.get("history"))
        frame_map = {
            k: v for k, v in mapping.items() if k in INPUT_COLUMNS and (v in names or k in required)
        }
        try:
            found = resolve_columns(pd.DataFrame(columns=names), frame_map, required)
        except InputError as exc:
            message = re.sub(
                r"or from Python map it with columns=\{'(\w+)': 'your_name'\}",
                r'or map it in a --columns file: \1 = "YOUR_NAME"',
                str(exc),
            )
            raise InputError(message) from None
        #: canonical names of the numeric inputs, in invsl.api.frame's order, and column -> name
        numeric = [*NUMERIC_INPUTS, "target" if self.solve else "reorder_point"]
        if periodic:
            numeric += ["review_period", "order_up_to"]
        self.numeric = [n for n in numeric if n in found]
        self.numeric_cols = {found[n]: n for n in self.numeric}
        #: the other input columns invsl.api.frame reads (distribution, metric, and any column a
        #: later version adds to INPUT_COLUMNS): handed over as text or numbers, for
        #: invsl.api.frame to parse and validate
        self.other_inputs = [v for v in found.values() if v not in self.numeric_cols]
        if self.options.get("history") is not None:
            # empirical rows are matched to the demand history by their id: hand it over
            sku = mapping.get("sku", "sku")
            if sku in names and sku not in self.other_inputs:
                self.other_inputs.append(sku)
                self.options.setdefault("history_options", {"sku": sku})
        calibration = self.options.get("calibration") if self.solve else None
        if calibration is not None:
            # a calibrated optimize reads each row's segment (engine.calibration)
            by = segment_column(read_calibration(calibration), names)
            if by not in self.other_inputs:
                self.other_inputs.append(by)
        #: what invsl.api.frame gets: only the columns it reads (ids and the rest stay in arrow)
        self.frame_columns = dict(found)
        outputs = _outputs(periodic, calibration is not None)
        self.targets, self.order = _output_plan(kind, names, found, mapping, outputs)

        out_fields, self.categories = _output_fields(periodic, calibration is not None)
        fields = {}
        for field in schema:
            if field.name in self.numeric_cols and not _is_number(field.type):
                field = pa.field(field.name, pa.float64())  # numbers held as text
            fields[field.name] = field
        for field in out_fields:
            if field.name in self.targets:
                target = self.targets[field.name]
                fields[target] = pa.field(target, field.type)
        self.schema = pa.schema([fields[name] for name in self.order])

    def compute(self, chunk: pa.Table) -> tuple[pa.Table, np.ndarray]:
        """The output chunk and the status code of each row."""
        n = chunk.num_rows
        columns, frame_input, not_a_number = {}, {}, {}
        for name in self.names:
            column = chunk.column(name)
            if name in self.numeric_cols:
                if _is_number(column.type):
                    values = pc.cast(column, pa.float64()).to_numpy()
                else:
                    values, bad = parse_numbers(column, self.text)
                    if bad is not None:
                        not_a_number[self.numeric_cols[name]] = (bad, column)
                    column = pa.array(values, type=pa.float64(), from_pandas=True)
                frame_input[name] = values
            elif name in self.other_inputs:
                frame_input[name] = (
                    pc.cast(column, pa.float64()).to_numpy()
                    if _is_number(column.type)
                    else as_text(column).to_numpy(zero_copy_only=False)
                )
            columns[name] = column
        result = self.function(
            pd.DataFrame(frame_input, copy=False), columns=self.frame_columns, **self.options
        )
        status = result["status"].cat.codes.to_numpy().copy()
        message = None
        text_rows = np.zeros(n, dtype=bool)
        if not_a_number:
            # cells holding text, not numbers: reported as invsl.api.frame reports them (the
            # first numeric column in frame's order wins), with nothing computed for the row
            message = result["message"].to_numpy(dtype=object).copy()
            for name in self.numeric:
                if name in not_a_number:
                    bad, raw = not_a_number[name]
                    new = bad & ~text_rows
                    cells = as_text(raw).to_numpy(zero_copy_only=False)[new]
                    message[new] = [f"{name} = {v!r}: {STATUS[NOT_A_NUMBER][1]}" for v in cells]
                    text_rows |= bad
            status[text_rows] = NOT_A_NUMBER
        for name, target in self.targets.items():
            if name == "status":
                array = pa.DictionaryArray.from_arrays(
                    pa.array(status, pa.int8()), self.categories[name]
                )
            elif name == "lead_time_distribution":
                codes = np.where(text_rows, -1, result[name].cat.codes.to_numpy())
                array = pa.DictionaryArray.from_arrays(
                    pa.array(codes, pa.int8(), mask=codes < 0), self.categories[name]
                )
            elif name == "message":
                if message is None and not status.any():
                    array = pa.repeat("", n).cast(pa.string())
                else:
                    if message is None:
                        message = result["message"].to_numpy(dtype=object)
                    array = pa.array(message, type=pa.string())
            else:
                values = result[name].to_numpy(dtype=np.float64)
                if not_a_number and (self.solve or name not in _LEVELS):
                    values = np.where(text_rows, np.nan, values)
                array = pa.array(values, type=pa.float64(), from_pandas=True)
            columns[target] = array
        return pa.table([columns[name] for name in self.order], schema=self.schema), status


def _is_number(dtype: pa.DataType) -> bool:
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)
