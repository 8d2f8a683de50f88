"""Writing tables atomically: chunks appended to a temporary file renamed onto the target."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from invsl.tools.io.formats import (
    TableError,
    TextFormat,
    compression_codec,
    first_line,
    need_openpyxl,
    os_reason,
    table_format,
)

#: largest table written to .xlsx (Excel's sheet limit, 1,048,576 rows, minus the header)
XLSX_MAX_ROWS = 1_048_575


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicWriter:
    """Append chunks to a temporary file beside ``path``; :meth:`commit` renames it onto path.

    ``abort`` (or leaving a ``with`` block by an exception) deletes the temporary file and
    leaves ``path`` as it was. Errors are raised as :class:`TableError`.
    """

    def __init__(self, path: str | os.PathLike, schema: pa.Schema, text: TextFormat = TextFormat()):
        self.path = Path(path)
        self.format = table_format(self.path)
        self.text = text
        if self.format == "xlsx":
            need_openpyxl()
        directory = self.path.parent
        if not directory.is_dir():
            raise TableError(f"{self.path}: the folder {directory} does not exist")
        if self.path.is_dir():
            raise TableError(f"{self.path}: is a directory; give a file name for the output")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
            os.close(fd)
        except OSError as exc:
            raise TableError(
                f"{self.path}: cannot write in the folder {directory}: {os_reason(exc)}"
            ) from None
        self.tmp = Path(tmp)
        self.schema = schema
        self.rows = 0
        self._parts: list[pa.Table] = []
        self._writer: Any = None
        self._sink: Any = None  # the compressing stream under a CSVWriter of a .csv.gz file
        try:
            if self.format == "parquet":
                # dictionary pages only for text columns: trying them on float columns of
                # unique values costs a third of the write time for nothing
                text_columns = [
                    f.name
                    for f in schema
                    if pa.types.is_dictionary(f.type)
                    or pa.types.is_string(f.type)
                    or pa.types.is_large_string(f.type)
                ]
                self._writer = pq.ParquetWriter(
                    self.tmp, schema, compression="snappy", use_dictionary=text_columns
                )
            elif self.format == "csv":
                codec = compression_codec(self.path)
                sink = (
                    pa.output_stream(str(self.tmp), compression=codec) if codec else str(self.tmp)
                )
                self._sink = sink if codec else None
                self._writer = pcsv.CSVWriter(
                    sink,
                    self._csv_schema(schema),
                    write_options=pcsv.WriteOptions(delimiter=text.sep, quoting_style="needed"),
                )
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise TableError(
                    f"{self.path}: cannot write the output: {os_reason(exc)}"
                ) from None
            raise

    def _csv_schema(self, schema):
        if self.text.decimal == ".":
            return schema
        return pa.schema(
            [pa.field(f.name, pa.string()) if pa.types.is_floating(f.type) else f for f in schema]
        )

    def _csv_table(self, table: pa.Table) -> pa.Table:
        if self.text.decimal == ".":
            return table
        columns = []
        for field, column in zip(table.schema, table.columns):
            if pa.types.is_floating(field.type):
                column = pc.replace_substring(pc.cast(column, pa.string()), ".", self.text.decimal)
            columns.append(column)
        return pa.table(columns, schema=self._csv_schema(table.schema))

    def write(self, table: pa.Table) -> None:
        """Append a chunk (its schema must be the writer's)."""
        table = table.cast(self.schema) if table.schema != self.schema else table
        try:
            if self.format == "parquet":
                self._writer.write_table(table)
            elif self.format == "csv":
                self._writer.write_table(self._csv_table(table))
            else:
                if self.rows + table.num_rows > XLSX_MAX_ROWS:
                    raise TableError(
                        f"{self.path}: more than {XLSX_MAX_ROWS:,} rows do not fit "
                        "in an .xlsx sheet; write .csv or .parquet"
                    )
                self._parts.append(table)
        except TableError:
            self.abort()
            raise
        except OSError as exc:
            self.abort()
            raise TableError(f"{self.path}: cannot write the output: {os_reason(exc)}") from None
        self.rows += table.num_rows

    def commit(self) -> None:
        """Finish the file and rename it onto the target."""
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if self._sink is not None:
                self._sink.close()
                self._sink = None
            if self.format == "xlsx":
                table = pa.concat_tables(self._parts) if self._parts else self.schema.empty_table()
                table.to_pandas().to_excel(self.tmp, index=False, engine="openpyxl")
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, self.path)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise TableError(
                    f"{self.path}: cannot write the output: {os_reason(exc)}"
                ) from None
            raise

    def abort(self) -> None:
        """Delete the temporary file; the target is left as it was."""
        for closing in (self._writer, self._sink):
            if closing is not None:
                try:
                    closing.close()
                except Exception:
                    pass
        self._writer = self._sink = None
        try:
            os.unlink(self.tmp)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False


def write_table(df: pd.DataFrame, path: str | os.PathLike, text: TextFormat = TextFormat()) -> None:
    """Write a whole table atomically: to a temporary file, then renamed onto ``path``."""
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise TableError(f"{path}: cannot convert the table: {first_line(exc)}") from None
    with AtomicWriter(path, table.schema, text) as writer:
        writer.write(table)
        writer.commit()
