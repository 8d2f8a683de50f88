"""Reading and writing SKU tables: CSV or Parquet, chosen by the file extension.

Outputs are written to a temporary file beside the target and renamed at the end, so that a
failed run never leaves a partial file and never replaces a good one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

#: columns read as text whatever they hold, so that ids keep leading zeros
TEXT_COLUMNS = ("sku", "distribution", "metric")

FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


class TableError(OSError):
    """A table cannot be read or written (missing file, unknown format, unreadable)."""


def table_format(path: str | os.PathLike) -> str:
    """'csv' or 'parquet' from the extension (``.csv.gz`` and the like count as CSV)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    for suffix in reversed(suffixes):
        if suffix in FORMATS:
            return FORMATS[suffix]
    raise TableError(
        f"{path}: unknown file type; use a .csv or .parquet file name"
    )


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet table; ``sku``, ``distribution`` and ``metric`` as text."""
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if path.is_dir():
        raise TableError(f"{path}: is a directory, not a table file")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype={name: str for name in TEXT_COLUMNS},
                           keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise TableError(f"{path}: the file is empty (not even a header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(f"{path}: cannot read the table: {first}") from None


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table atomically: to a temporary file, then renamed onto ``path``."""
    path = Path(path)
    fmt = table_format(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise TableError(f"{path}: the folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise TableError(f"{path}: cannot write the output: {exc.strerror or exc}") from None
        raise
