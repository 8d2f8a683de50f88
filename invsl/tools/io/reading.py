"""Opening a table: a chunked reader by file type (:func:`open_table`), or the whole table."""

from __future__ import annotations

import os

import pandas as pd

from invsl.tools.io.chunks import TableReader
from invsl.tools.io.csv_reader import CsvReader
from invsl.tools.io.formats import (
    TEXT_COLUMNS,
    TableError,
    TextFormat,
    check_input,
    detect_encoding,
    first_line,
    need_openpyxl,
    table_format,
)
from invsl.tools.io.parquet_excel import ExcelReader, ParquetReader


def open_table(
    path: str | os.PathLike, text: TextFormat = TextFormat(), encoding: str | None = None
) -> TableReader:
    """A chunked reader of a CSV, Parquet or .xlsx file (TableError when it cannot be read)."""
    path = check_input(path)
    fmt = table_format(path)
    if fmt == "parquet":
        return ParquetReader(path)
    if fmt == "xlsx":
        return ExcelReader(path, text)
    if path.stat().st_size == 0:
        raise TableError(f"{path}: the file is empty (not even a header line)")
    chosen = encoding or text.encoding
    if chosen:
        return CsvReader(path, text, chosen)
    return CsvReader(path, text, detect_encoding(path), detected=True)


def read_table(path: str | os.PathLike, text: TextFormat = TextFormat()) -> pd.DataFrame:
    """Read a whole CSV, Parquet or .xlsx table; ``sku``, ``distribution``, ``metric`` as text.

    For tables that fit in memory; the command line streams with :func:`run_file`.
    """
    path = check_input(path)
    fmt = table_format(path)
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        if fmt == "xlsx":
            need_openpyxl()
            return pd.read_excel(
                path, dtype={name: str for name in TEXT_COLUMNS}, engine="openpyxl"
            )
        return pd.read_csv(
            path,
            dtype={name: str for name in TEXT_COLUMNS},
            sep=text.sep,
            decimal=text.decimal,
            thousands=text.thousands,
            encoding=text.encoding or detect_encoding(path),
            keep_default_na=True,
        )
    except pd.errors.EmptyDataError:
        raise TableError(f"{path}: the file is empty (not even a header line)") from None
    except TableError:
        raise
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise TableError(f"{path}: cannot read the table: {first_line(exc)}") from None
