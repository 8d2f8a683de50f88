"""Parquet files (by row group) and .xlsx sheets (whole, then sliced) read in chunks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from invsl.tools.io.chunks import TableReader, rechunk
from invsl.tools.io.formats import TableError, TextFormat, first_line, need_openpyxl


def _is_index_column(name: str) -> bool:
    return re.fullmatch(r"__index_level_\d+__", name) is not None


class ParquetReader(TableReader):
    """A Parquet file in chunks, row group by row group, with the columns' own types."""

    unit = "rows"

    def __init__(self, path: Path):
        try:
            self._file = pq.ParquetFile(path)
            schema = self._file.schema_arrow
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise TableError(f"{path}: not a readable Parquet file: {first_line(exc)}") from None
        self.path = path
        # pandas' unnamed index columns are dropped, as pandas.read_parquet + index=False did
        self.names = [n for n in schema.names if not _is_index_column(n)]
        self.schema = pa.schema([schema.field(n) for n in self.names])
        self.total = self._file.metadata.num_rows
        self._done = 0

    def _batches(self, rows):
        # one reader per row group: a reader over the whole file keeps the pre-buffered
        # column chunks of every row group read so far (memory grows with the file); row
        # groups larger than a few chunks are read without pre-buffering
        metadata = self._file.metadata
        largest = max(
            (metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)), default=0
        )
        file = self._file if largest <= 4 * rows else pq.ParquetFile(self.path, pre_buffer=False)
        try:
            for group in range(metadata.num_row_groups):
                for batch in file.iter_batches(
                    batch_size=rows, row_groups=[group], columns=self.names
                ):
                    self._done += batch.num_rows
                    yield batch
        finally:
            if file is not self._file:
                file.close()

    def chunks(self, rows):
        try:
            yield from rechunk(self._batches(rows), rows, self.schema)
        except (pa.ArrowException, OSError) as exc:
            raise TableError(f"{self.path}: cannot read the table: {first_line(exc)}") from None

    def position(self):
        return self._done

    def close(self):
        self._file.close()


def _excel_column(values: pd.Series, text: TextFormat) -> pa.Array:
    """An Excel column as a typed array: numbers stay numbers; mixed columns become text."""
    cells = values.to_numpy(dtype=object)
    present = [v for v in cells if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in present
    ):
        if present and all(isinstance(v, (int, np.integer)) for v in present):
            return pa.array(cells, type=pa.int64(), from_pandas=True)
        return pa.array(cells, type=pa.float64(), from_pandas=True)

    def show(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)):  # shortest exact text, in the file's notation
            return repr(float(v)).replace(".", text.decimal)
        return str(v)

    return pa.array([show(v) for v in cells], type=pa.string())


class ExcelReader(TableReader):
    """The first sheet of an .xlsx file, read whole, handed out in chunks."""

    unit = "rows"

    def __init__(self, path: Path, text: TextFormat):
        need_openpyxl()
        try:
            df = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise TableError(f"{path}: not a readable .xlsx file: {first_line(exc)}") from None
        df.columns = [str(c) for c in df.columns]
        self.names = list(df.columns)
        self._table = (
            pa.table({n: _excel_column(df[n], text) for n in self.names})
            if self.names
            else pa.table({})
        )
        self.schema = self._table.schema
        self.total = self._table.num_rows
        self._done = 0

    def chunks(self, rows):
        for start in range(0, self._table.num_rows, rows):
            part = self._table.slice(start, rows)
            self._done += part.num_rows
            yield part

    def position(self):
        return self._done
