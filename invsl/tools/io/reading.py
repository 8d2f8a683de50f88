"""Opening a table: a chunked reader by file type (:func:`open_table`), or the whole table."""

from __future__ import annotations

import os
from pathlib import Path

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
    header_line,
    need_openpyxl,
    separator_hint,
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

    For tables that fit in memory; the command line streams with :func:`run_file`. A CSV
    file read as one column whose header looks separated by another character than
    ``text.sep`` raises :class:`TableError` naming the separator to pass.
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
        return _read_csv(path, text)
    except pd.errors.EmptyDataError:
        raise TableError(f"{path}: the file is empty (not even a header line)") from None
    except TableError:
        raise
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise TableError(f"{path}: cannot read the table: {first_line(exc)}") from None


def _read_csv(path: Path, text: TextFormat) -> pd.DataFrame:
    """A whole CSV file by pandas; TableError when it reads as one column (or fails at its
    second field) and its header line looks separated by another character."""
    encoding = text.encoding or detect_encoding(path)
    try:
        df = pd.read_csv(
            path,
            dtype={name: str for name in TEXT_COLUMNS},
            sep=text.sep,
            decimal=text.decimal,
            thousands=text.thousands,
            encoding=encoding,
            keep_default_na=True,
        )
    except pd.errors.ParserError as exc:
        if "Expected 1 fields" in str(exc):
            _check_separator(path, encoding, text)
        raise
    if len(df.columns) == 1:
        _check_separator(path, encoding, text)
    return df


def _check_separator(path: Path, encoding: str, text: TextFormat) -> None:
    """Raise TableError when the header line of a CSV file looks separated by another character."""
    hint = separator_hint(path, header_line(path, encoding), text)
    if hint is not None:
        raise TableError(hint) from None
