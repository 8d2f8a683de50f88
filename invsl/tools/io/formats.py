"""File formats and paths: extensions, compression, the text format of CSV files, errors.

What a path says about a table (:func:`table_format`), the checks made before reading it
(:func:`check_input`), the encoding of a CSV file (:func:`detect_encoding`), and the one
error type of the package (:class:`TableError`).
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
from pathlib import Path

import pyarrow as pa

#: file extension -> format (``.csv.gz`` and the like count as CSV)
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}

#: compressed CSV files, by their last extension: pyarrow codec
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}


#: columns read as text whatever they hold (by :func:`read_table`), so ids keep leading zeros
TEXT_COLUMNS = ("sku", "distribution", "metric")


#: bytes sniffed for the encoding
SNIFF_BYTES = 1 << 20

#: bytes read for the header line of a CSV file (when its separator is in doubt)
HEADER_BYTES = 1 << 16

#: field separators a header line can give away: character -> (its name, how to pass it)
SEPARATORS = {";": ("semicolon", "';'"), "\t": ("tab", "tab"), ",": ("comma", "','")}


class TableError(OSError):
    """A table cannot be read or written (missing file, unknown format, unreadable, disk full)."""


@dataclasses.dataclass(frozen=True)
class TextFormat:
    """How numbers and fields are written in text files (CSV), for input and output.

    Parameters
    ----------
    sep : str
        Field separator, one character (``","``, ``";"``, ``"\\t"``).
    decimal : str
        Decimal mark, ``"."`` or ``","``; must differ from ``sep``.
    thousands : str or None
        Thousands separator in numbers (``"."``, ``","``, ``" "``, ``"'"``) or None. With
        ``" "``, the no-break spaces U+00A0 and U+202F count as well.
    encoding : str or None
        Encoding of CSV input; None: detect (see :func:`detect_encoding`). Output is UTF-8.
    """

    sep: str = ","
    decimal: str = "."
    thousands: str | None = None
    encoding: str | None = None

    def __post_init__(self):
        if len(self.sep) != 1 or self.sep in '\r\n"':
            raise ValueError(
                f"the separator must be one character other than a quote or a "
                f"line break, not {self.sep!r}"
            )
        if self.decimal not in (".", ","):
            raise ValueError(f"the decimal mark must be '.' or ',', not {self.decimal!r}")
        if self.decimal == self.sep:
            raise ValueError(
                f"the decimal mark and the separator are both {self.sep!r}; "
                "European exports use --sep ';' --decimal ','"
            )
        if self.thousands is not None:
            if len(self.thousands) != 1 or self.thousands.isdigit() or self.thousands in "+-eE":
                raise ValueError(
                    f"the thousands separator must be one character such as "
                    f"'.', ',', ' ' or \"'\", not {self.thousands!r}"
                )
            if self.thousands == self.decimal:
                raise ValueError(
                    f"the thousands separator and the decimal mark are both {self.decimal!r}"
                )
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {self.encoding!r}; for example utf-8, latin-1, cp1252"
                ) from None


def table_format(path: str | os.PathLike) -> str:
    """'csv', 'parquet' or 'xlsx' from the file extension."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    for suffix in reversed(suffixes):
        if suffix in FORMATS:
            return FORMATS[suffix]
    raise TableError(f"{path}: unknown file type; use a .csv, .parquet or .xlsx file name")


def compression_codec(path) -> str | None:
    """The pyarrow codec of a compressed CSV file name (``plan.csv.gz``), else None."""
    return COMPRESSION.get(Path(path).suffix.lower())


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def os_reason(exc: OSError) -> str:
    """The system's words for an OSError, also for pyarrow's ("... Detail: [errno 28] ...")."""
    found = re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)
    if found:
        return os.strerror(int(found[1]))
    return exc.strerror or first_line(exc)


def check_input(path: str | os.PathLike) -> Path:
    """The input path, or TableError when it is missing, a folder or of unknown type."""
    path = Path(path)
    table_format(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if path.is_dir():
        raise TableError(f"{path}: is a directory, not a table file")
    if not os.access(path, os.R_OK):
        raise TableError(f"{path}: permission denied (cannot read the file)")
    return path


def detect_encoding(path: str | os.PathLike) -> str:
    """Encoding of a CSV file: the rule used when ``--encoding`` is not given.

    A UTF-8 byte-order mark gives ``utf-8`` (the mark is skipped) and a UTF-16 one
    ``utf-16``. Otherwise the first MiB is decoded as UTF-8: if that works the file is read
    as ``utf-8``, else as ``latin-1`` (ISO-8859-1, which maps every byte to a character).
    :func:`run_file` also switches to ``latin-1`` (and starts over) when a later part of a
    file read as UTF-8 turns out not to be UTF-8.
    """
    try:
        with pa.input_stream(str(path), compression=compression_codec(path)) as f:
            head = f.read(SNIFF_BYTES)
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"{path}: cannot read the file: {first_line(exc)}") from None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def header_line(path: str | os.PathLike, encoding: str) -> str:
    """The first line of a CSV file (within its first 64 KiB), decoded; '' if unreadable."""
    try:
        with pa.input_stream(str(path), compression=compression_codec(path)) as f:
            head = f.read(HEADER_BYTES)
    except (pa.ArrowException, OSError):
        return ""
    line = head.decode(encoding, errors="replace").lstrip("\ufeff").partition("\n")[0]
    return line.rstrip("\r")


def separator_hint(path: str | os.PathLike, header: str, text: TextFormat) -> str | None:
    """The message for a CSV header line that looks separated by another character.

    A header looks ``;``-separated (or tab-, comma-separated) when it holds that character
    more often than ``text.sep``: read with the wrong separator, such a file has a single
    column named after the whole header. None when no other separator fits better.

    Examples
    --------
    >>> separator_hint("skus.csv", "sku;demand_mean;demand_std;lead_time", TextFormat())
    "the header of skus.csv looks semicolon-separated (sku;demand_mean;demand_std;...): pass --sep ';'"
    >>> separator_hint("skus.csv", "sku,demand_mean;demand_std", TextFormat()) is None
    True
    """
    counts = {c: header.count(c) for c in SEPARATORS if c != text.sep}
    best = max(counts, key=lambda c: counts[c])
    if counts[best] <= header.count(text.sep):
        return None
    name, option = SEPARATORS[best]
    fields = header.split(best)
    shown = best.join(fields[:3]) + (best + "..." if len(fields) > 3 else "")
    return f"the header of {path} looks {name}-separated ({shown}): pass --sep {option}"


def need_openpyxl():
    """Raise TableError, saying how to install it, when openpyxl (for .xlsx) is missing."""
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise TableError(
            ".xlsx files need the openpyxl package: pip install 'invsl[excel]'"
        ) from None
