"""Reading and writing SKU tables: CSV, Parquet and (small) Excel files, in chunks.

:func:`run_file` is what ``invsl optimize`` and ``invsl evaluate`` run: the input is read in
chunks of rows (pyarrow's streaming CSV reader, ``ParquetFile.iter_batches``), each chunk
goes through :func:`invsl.optimize` or :func:`invsl.evaluate`, and is appended to the output
(``ParquetWriter``, ``CSVWriter``), so that memory stays flat whatever the row count.

The output is written to a temporary file beside the target and renamed onto it at the end
(``os.replace``): a failed run never leaves a partial file and never replaces a good one.

Rules (docs/cli.md lists them for users):

- CSV cells are read as text; the invsl numeric input columns (``demand_mean``,
  ``demand_std``, ``lead_time``, ``lead_time_std``, ``order_quantity``, and ``target`` for
  optimize or ``reorder_point`` for evaluate) are parsed with :func:`parse_numbers` and
  written out as numbers; every other column (ids such as ``007`` included) is passed
  through as text. Parquet columns keep their types.
- The output schema is fixed before the first chunk, from the input schema alone, so that
  every chunk has the same columns and types (status and lead_time_distribution are
  dictionary-encoded with fixed categories, results are float64).
- Floats in CSV output use the shortest text that reads back as the same float64 (as Python's
  ``repr``), so CSV round trips are exact.
"""

from __future__ import annotations

import codecs
from typing import Any
import concurrent.futures
import dataclasses
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

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

#: default rows per chunk (chosen from the measurement in benchmarks/streaming.py)
CHUNK_ROWS = 500_000

#: columns read as text whatever they hold (by :func:`read_table`), so ids keep leading zeros
TEXT_COLUMNS = ("sku", "distribution", "metric")

#: largest table written to .xlsx (Excel's sheet limit, 1,048,576 rows, minus the header)
XLSX_MAX_ROWS = 1_048_575

#: text read as an empty cell in a numeric column (pandas' default list)
NA_TEXT = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)

#: a plain number once the thousands separators are removed and the decimal mark is '.'
_FLOAT_RE = r"(?i)^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|inf|infinity|nan)$"

#: bytes sniffed for the encoding
_SNIFF_BYTES = 1 << 20
#: CSV reader block size [bytes]
_BLOCK_BYTES = 4 << 20

#: numeric input columns parsed from text: the columns invsl.api.frame reads as numbers
NUMERIC_INPUTS = ("demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity")


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


def _compression(path) -> str | None:
    """The pyarrow codec of a compressed CSV file name (``plan.csv.gz``), else None."""
    return COMPRESSION.get(Path(path).suffix.lower())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _os_reason(exc: OSError) -> str:
    """The system's words for an OSError, also for pyarrow's ("... Detail: [errno 28] ...")."""
    found = re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)
    if found:
        return os.strerror(int(found[1]))
    return exc.strerror or _first_line(exc)


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


# ---------------------------------------------------------------------------------------------
# encodings and numbers
# ---------------------------------------------------------------------------------------------


def detect_encoding(path: str | os.PathLike) -> str:
    """Encoding of a CSV file: the rule used when ``--encoding`` is not given.

    A UTF-8 byte-order mark gives ``utf-8`` (the mark is skipped) and a UTF-16 one
    ``utf-16``. Otherwise the first MiB is decoded as UTF-8: if that works the file is read
    as ``utf-8``, else as ``latin-1`` (ISO-8859-1, which maps every byte to a character).
    :func:`run_file` also switches to ``latin-1`` (and starts over) when a later part of a
    file read as UTF-8 turns out not to be UTF-8.
    """
    try:
        with pa.input_stream(str(path), compression=_compression(path)) as f:
            head = f.read(_SNIFF_BYTES)
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"{path}: cannot read the file: {_first_line(exc)}") from None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _as_text(array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    return array


def parse_numbers(array, text: TextFormat = TextFormat()) -> tuple[np.ndarray, np.ndarray | None]:
    """Parse a text column into float64, and mark the cells that are not numbers.

    Parameters
    ----------
    array : pyarrow.Array or pyarrow.ChunkedArray
        Text cells (other types are cast to text first).
    text : TextFormat
        Decimal mark and thousands separator.

    Returns
    -------
    values : numpy.ndarray
        float64; NaN for empty cells, for the spellings of a missing value in
        :data:`NA_TEXT` and for cells that are not numbers.
    not_a_number : numpy.ndarray of bool or None
        True where a cell holds text that is not a number; None when there is none.

    Notes
    -----
    Surrounding blanks are ignored. With a thousands separator, a cell that holds one must
    group digits by three (``1.234.567,5``); the separator is then removed. With
    ``decimal=","`` the comma becomes the decimal point and a ``.`` (without
    ``thousands="."``) makes the cell not a number: ``1.500`` is never read as 1.5 or 1500 by
    guesswork. Numbers are then read as by ``float`` (``1e3``, ``inf`` and ``nan``
    included), exactly rounded.

    Examples
    --------
    >>> import pyarrow as pa
    >>> parse_numbers(pa.array(["1.234,5", " 7 ", "", "abc"]), TextFormat(sep=";", decimal=",",
    ...               thousands="."))
    (array([1234.5,    7. ,    nan,    nan]), array([False, False, False,  True]))
    """
    s = pc.utf8_trim_whitespace(_as_text(array))
    bad = None
    if text.thousands is not None:
        marks = [text.thousands] + (["\u00a0", "\u202f"] if text.thousands == " " else [])
        sep = "[" + "".join(re.escape(m) for m in marks) + "]"
        has = pc.match_substring_regex(s, sep)
        grouped = (
            rf"^[+-]?[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+(?:{re.escape(text.decimal)}[0-9]*)?"
            r"(?:[eE][+-]?[0-9]+)?$"
        )
        bad = pc.and_(has, pc.invert(pc.match_substring_regex(s, grouped)))
        s = pc.replace_substring_regex(s, sep, "")
    if text.decimal != ".":
        dot = pc.match_substring(s, ".")
        bad = dot if bad is None else pc.or_(bad, dot)
        s = pc.replace_substring(s, text.decimal, ".")
    if bad is None or not pc.any(bad).as_py():
        try:
            values = pc.cast(s, pa.float64())
            return values.to_numpy(zero_copy_only=False), None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    # some cell is not a plain number: find them, parse the others
    valid = pc.match_substring_regex(s, _FLOAT_RE)
    if bad is not None:
        valid = pc.and_(valid, pc.invert(bad))
    valid = pc.fill_null(valid, False)
    missing = pc.or_(pc.is_null(s), pc.fill_null(pc.is_in(s, value_set=pa.array(NA_TEXT)), True))
    values = pc.cast(pc.if_else(valid, s, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False)
    not_a_number = ~(valid.to_numpy(zero_copy_only=False) | missing.to_numpy(zero_copy_only=False))
    return values, (not_a_number if not_a_number.any() else None)


# ---------------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------------


class _NotUtf8(Exception):
    """A file read as UTF-8 has bytes that are not UTF-8 (auto-detection starts over)."""


class _Reader:
    """Chunks of an input table as pyarrow Tables, with progress information.

    ``names``: the column names; ``schema``: their types as read; ``total``/``unit``: the
    size for a progress bar (rows for Parquet and Excel, bytes for CSV); ``position()``:
    how much of it has been read.
    """

    names: list[str]
    schema: pa.Schema
    total: int | None
    unit: str

    def chunks(self, rows: int) -> Iterator[pa.Table]:  # pragma: no cover - abstract
        raise NotImplementedError

    def position(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


def _is_index_column(name: str) -> bool:
    return re.fullmatch(r"__index_level_\d+__", name) is not None


def _rechunk(batches, rows: int, schema: pa.Schema) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the last one shorter) from batches of any size."""
    pending, count = [], 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, schema=schema)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending, schema=schema)


class _ParquetReader(_Reader):
    unit = "rows"

    def __init__(self, path: Path):
        try:
            self._file = pq.ParquetFile(path)
            schema = self._file.schema_arrow
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise TableError(f"{path}: not a readable Parquet file: {_first_line(exc)}") from None
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
            yield from _rechunk(self._batches(rows), rows, self.schema)
        except (pa.ArrowException, OSError) as exc:
            raise TableError(f"{self.path}: cannot read the table: {_first_line(exc)}") from None

    def position(self):
        return self._done

    def close(self):
        self._file.close()


class _CsvReader(_Reader):
    unit = "bytes"

    def __init__(self, path: Path, text: TextFormat, encoding: str, detected: bool = False):
        self.path, self.text, self.encoding = path, text, encoding
        self.detected = detected  # the encoding was detected, not given: may fall back
        self.total = path.stat().st_size
        # first pass over the first block only: the column names (types are not inferred:
        # every column is read as text)
        reader, f = self._open(None)
        try:
            self.names = list(reader.schema.names)
        finally:
            f.close()
            self._raw.close()
        if len(set(self.names)) != len(self.names):
            dup = sorted({n for n in self.names if self.names.count(n) > 1})
            raise TableError(f"{path}: the header names a column twice: {', '.join(dup)}")
        self.schema = pa.schema([(n, pa.string()) for n in self.names])
        self._file = None

    def _open(self, names):
        # self._raw: the file itself (its position is the progress), f: what the parser reads
        self._raw = f = pa.OSFile(str(self.path), "rb")
        codec = _compression(self.path)
        if codec:
            f = pa.CompressedInputStream(f, codec)
        read = pcsv.ReadOptions(encoding=self.encoding, block_size=_BLOCK_BYTES)
        parse = pcsv.ParseOptions(delimiter=self.text.sep, newlines_in_values=True)
        convert = pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names} if names else None,
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        )
        try:
            return pcsv.open_csv(
                f, read_options=read, parse_options=parse, convert_options=convert
            ), f
        except (pa.ArrowInvalid, OSError) as exc:
            f.close()
            self._raw.close()
            raise self._error(exc) from None

    def _error(self, exc):
        message = _first_line(exc)
        if "Empty CSV file" in message:
            return TableError(f"{self.path}: the file is empty (not even a header line)")
        if "UTF8" in message and self.detected and self.encoding == "utf-8":
            return _NotUtf8(message)
        if "UTF8" in message:
            message += f" (decoding as {self.encoding}; try another --encoding)"
        return TableError(f"{self.path}: cannot read the table: {message}")

    def _batches(self, reader):
        while True:
            try:
                yield reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, OSError) as exc:
                raise self._error(exc) from None

    def chunks(self, rows):
        reader, stream = self._open(self.names)
        self._file = self._raw
        try:
            yield from _rechunk(self._batches(reader), rows, self.schema)
        finally:
            stream.close()
            self._raw.close()

    def position(self):
        try:
            return (
                self._file.tell()
                if self._file is not None and not self._file.closed
                else self.total
            )
        except (OSError, pa.ArrowException):
            # the read-ahead thread closed the file between the check and tell(): all read
            return self.total


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


class _ExcelReader(_Reader):
    unit = "rows"

    def __init__(self, path: Path, text: TextFormat):
        _need_openpyxl()
        try:
            df = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise TableError(f"{path}: not a readable .xlsx file: {_first_line(exc)}") from None
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


def _need_openpyxl():
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise TableError(
            ".xlsx files need the openpyxl package: pip install 'invsl[excel]'"
        ) from None


def open_table(
    path: str | os.PathLike, text: TextFormat = TextFormat(), encoding: str | None = None
) -> _Reader:
    """A chunked reader of a CSV, Parquet or .xlsx file (TableError when it cannot be read)."""
    path = check_input(path)
    fmt = table_format(path)
    if fmt == "parquet":
        return _ParquetReader(path)
    if fmt == "xlsx":
        return _ExcelReader(path, text)
    if path.stat().st_size == 0:
        raise TableError(f"{path}: the file is empty (not even a header line)")
    chosen = encoding or text.encoding
    if chosen:
        return _CsvReader(path, text, chosen)
    return _CsvReader(path, text, detect_encoding(path), detected=True)


# ---------------------------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------------------------


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
            _need_openpyxl()
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
                f"{self.path}: cannot write in the folder {directory}: {_os_reason(exc)}"
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
                codec = _compression(self.path)
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
                    f"{self.path}: cannot write the output: {_os_reason(exc)}"
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
            raise TableError(f"{self.path}: cannot write the output: {_os_reason(exc)}") from None
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
                    f"{self.path}: cannot write the output: {_os_reason(exc)}"
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


# ---------------------------------------------------------------------------------------------
# the chunked pipeline of the command line
# ---------------------------------------------------------------------------------------------


#: float64 result columns, dictionary-encoded columns (name -> categories), text column
def _output_fields(periodic: bool = False):
    from invsl.api import frame
    from invsl.engine import periodic_rows as periodic_frame

    categories = _categories()
    outputs = periodic_frame.OUTPUT_COLUMNS if periodic else frame.OUTPUT_COLUMNS
    fields = [pa.field(name, pa.float64()) for name in outputs[:-3]]
    for name in ("lead_time_distribution", "status"):
        fields.append(pa.field(name, pa.dictionary(pa.int8(), pa.string())))
    fields.append(pa.field("message", pa.string()))
    assert [f.name for f in fields] == list(outputs)
    return fields, categories


def _categories():
    from invsl.api import frame
    from invsl.vocabulary import NAMES

    return {
        "lead_time_distribution": pa.array(frame._KIND_CATEGORIES, pa.string()),
        "status": pa.array(list(NAMES), pa.string()),
    }


@dataclasses.dataclass
class Summary:
    """What a run did: rows written and the count of rows per status name."""

    rows: int
    status_counts: dict[str, int]

    @property
    def flagged(self) -> int:
        return sum(c for name, c in self.status_counts.items() if name != "ok")


def read_column_map(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``--columns`` TOML file: invsl name -> the file's column name.

    The file has one table, ``[columns]``, of ``invsl_name = "ERP field name"`` lines, for
    example ``demand_mean = "AVG_MONTHLY_SALES"``. The names are the input columns
    (``sku``, ``demand_mean``, ...) and the output columns (``reorder_point``, ``status``,
    ...); see docs/cli.md.
    """
    from invsl.api import frame

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found]
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise TableError(f"{path}: no such column-mapping file") from None
    except IsADirectoryError:
        raise TableError(f"{path}: is a directory, not a column-mapping file") from None
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"{path}: not valid TOML: {_first_line(exc)}") from None
    except OSError as exc:
        raise TableError(
            f"{path}: cannot read the column-mapping file: {_os_reason(exc)}"
        ) from None
    table = data.get("columns")
    extra = sorted(set(data) - {"columns"})
    if not isinstance(table, dict) or extra:
        raise TableError(
            f"{path}: expected one [columns] table of lines like "
            f'demand_mean = "AVG_SALES"' + (f"; found {extra}" if extra else "")
        )
    known = ["sku", *frame.INPUT_COLUMNS, *frame.OUTPUT_COLUMNS]
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise TableError(
            f"{path}: unknown invsl column names {unknown}; the names are "
            f"{', '.join(dict.fromkeys(known))}"
        )
    for key, value in table.items():
        if not isinstance(value, str) or not value:
            raise TableError(
                f'{path}: {key} must map to a column name in quotes, e.g. {key} = "YOUR_NAME"'
            )
    seen: dict[str, str] = {}
    for key, value in table.items():
        if value in seen:
            raise TableError(f"{path}: {seen[value]} and {key} both map to {value!r}")
        seen[value] = key
    return dict(table)


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
    from invsl.api import frame

    targets = {}
    for name in frame.OUTPUT_COLUMNS if outputs is None else outputs:
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


def run_file(
    kind: str,
    input_path,
    output_path,
    *,
    options: Mapping | None = None,
    text: TextFormat = TextFormat(),
    columns: Mapping[str, str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool = False,
    periodic: bool | None = None,
) -> Summary:
    """Run ``optimize`` or ``evaluate`` over a file, chunk by chunk, into an output file.

    Parameters
    ----------
    kind : {"optimize", "evaluate"}
    input_path, output_path : path
        .csv, .parquet or .xlsx files (by extension). The output is written atomically.
    options : mapping
        Keyword arguments of :func:`invsl.optimize` / :func:`invsl.evaluate` (metric,
        target, distribution, lead_time_std).
    text : TextFormat
        Separator, decimal mark, thousands separator and encoding of CSV files.
    columns : mapping
        invsl name -> column name in the files (see :func:`read_column_map`); applies to
        input and output columns.
    chunk_rows : int
        Rows per chunk.
    progress : bool
        Show a tqdm progress bar on stderr.
    periodic : bool, optional
        Whether the table goes through the periodic-review layer (output with the
        ``order_up_to`` column, see :mod:`invsl.engine.periodic_rows`). Default: when
        ``options["policy"]`` is not ``sQ`` or the input has a ``policy`` column (as
        :func:`invsl.optimize` decides for a whole table).

    Returns
    -------
    Summary

    Raises
    ------
    TableError, invsl.InputError
        Unreadable input, unwritable output, missing required columns; nothing is written.
    """
    if kind not in ("optimize", "evaluate"):
        raise ValueError(f"kind must be 'optimize' or 'evaluate', not {kind!r}")
    input_path = check_input(input_path)
    table_format(output_path)
    encoding = None
    while True:
        try:
            return _run_file(
                kind,
                input_path,
                output_path,
                dict(options or {}),
                text,
                dict(columns or {}),
                int(chunk_rows),
                progress,
                encoding,
                periodic,
            )
        except _NotUtf8:
            encoding = "latin-1"  # the documented fall-back: start over


class _Plan:
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
        from invsl.api import frame
        from invsl.engine import periodic_rows as periodic_frame

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
            required = [
                n for n, (ev, op, _) in frame.INPUT_COLUMNS.items() if (op if self.solve else ev)
            ]
        required = frame._required(required, self.options.get("history"))
        frame_map = {
            k: v
            for k, v in mapping.items()
            if k in frame.INPUT_COLUMNS and (v in names or k in required)
        }
        try:
            found = frame._resolve_columns(pd.DataFrame(columns=names), frame_map, required)
        except frame.InputError as exc:
            message = re.sub(
                r"or from Python map it with columns=\{'(\w+)': 'your_name'\}",
                r'or map it in a --columns file: \1 = "YOUR_NAME"',
                str(exc),
            )
            raise frame.InputError(message) from None
        #: canonical names of the numeric inputs, in invsl.api.frame's order, and column -> name
        numeric = [*NUMERIC_INPUTS, "target" if self.solve else "reorder_point"]
        if periodic:
            numeric += ["review_period", "order_up_to"]
        self.numeric = [n for n in numeric if n in found]
        self.numeric_cols = {found[n]: n for n in self.numeric}
        #: the other input columns invsl.api.frame reads (distribution, metric, and any column a
        #: later version adds to frame.INPUT_COLUMNS): handed over as text or numbers, for
        #: invsl.api.frame to parse and validate
        self.other_inputs = [v for v in found.values() if v not in self.numeric_cols]
        if self.options.get("history") is not None:
            # empirical rows are matched to the demand history by their id: hand it over
            sku = mapping.get("sku", "sku")
            if sku in names and sku not in self.other_inputs:
                self.other_inputs.append(sku)
                self.options.setdefault("history_options", {"sku": sku})
        #: what invsl.api.frame gets: only the columns it reads (ids and the rest stay in arrow)
        self.frame_columns = dict(found)
        outputs = periodic_frame.OUTPUT_COLUMNS if periodic else frame.OUTPUT_COLUMNS
        self.targets, self.order = _output_plan(kind, names, found, mapping, outputs)

        out_fields, self.categories = _output_fields(periodic)
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
        from invsl.vocabulary import NOT_A_NUMBER, STATUS

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
                    else _as_text(column).to_numpy(zero_copy_only=False)
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
                    cells = _as_text(raw).to_numpy(zero_copy_only=False)[new]
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


def _prefetch(chunks: Iterator[pa.Table], pool) -> Iterator[pa.Table]:
    """The items of ``chunks``, each one read in ``pool`` while the caller uses the last.

    Exceptions of the reader come out where the chunk would have; the iterator is only
    ever advanced by one thread at a time (each read waits for the one before).
    """
    sentinel = object()

    def advance():
        return next(chunks, sentinel)

    future = pool.submit(advance)
    try:
        while True:
            chunk = future.result()
            if chunk is sentinel:
                return
            future = pool.submit(advance)
            yield chunk
    finally:
        future.cancel()


def _run_file(
    kind, input_path, output_path, options, text, mapping, chunk_rows, progress, encoding, periodic
):
    from invsl.engine import periodic_rows as periodic_frame
    from invsl.vocabulary import NAMES

    reader = open_table(input_path, text, encoding)
    bar = None
    try:
        if periodic is None:
            columns = {k: v for k, v in mapping.items() if k == "policy" and v in reader.names}
            periodic = periodic_frame.is_periodic(
                pd.DataFrame(columns=reader.names), options.get("policy", "sQ"), columns
            )
        plan = _Plan(kind, reader.schema, mapping, options, text, periodic)
        counts = np.zeros(len(NAMES), dtype=np.int64)
        if progress:
            from tqdm import tqdm

            bar = tqdm(
                total=reader.total,
                unit="B" if reader.unit == "bytes" else " rows",
                unit_scale=True,
                file=sys.stderr,
                desc=kind,
                dynamic_ncols=True,
            )
        # three stages overlap: the next chunk is read (in a thread) and the previous one
        # written (in another thread) while this one is computed; pyarrow and the numba
        # kernels release the GIL. At most three input and two output chunks are in memory.
        # The pools are left first: a failed run waits for the read and the write in
        # flight, then the writer deletes its temporary file.
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        read_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        pending, done = None, 0
        with AtomicWriter(output_path, plan.schema, text) as writer, pool, read_pool:
            for chunk in _prefetch(reader.chunks(chunk_rows), read_pool):
                table, status = plan.compute(chunk)
                done += table.num_rows
                counts += np.bincount(status, minlength=len(NAMES))
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write, table)
                if bar is not None:
                    bar.update(reader.position() - bar.n)
                    if reader.unit == "bytes":
                        rate = done / max(bar.format_dict["elapsed"], 1e-9)
                        bar.set_postfix_str(f"{done:,} rows, {rate:,.0f} rows/s", refresh=False)
            if pending is not None:
                pending.result()
            writer.commit()
        return Summary(
            rows=writer.rows, status_counts={NAMES[i]: int(c) for i, c in enumerate(counts) if c}
        )
    finally:
        if bar is not None:
            bar.close()
        reader.close()


# ---------------------------------------------------------------------------------------------
# whole tables (small files, Python use)
# ---------------------------------------------------------------------------------------------


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
            _need_openpyxl()
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
        raise TableError(f"{path}: cannot read the table: {_first_line(exc)}") from None


def write_table(df: pd.DataFrame, path: str | os.PathLike, text: TextFormat = TextFormat()) -> None:
    """Write a whole table atomically: to a temporary file, then renamed onto ``path``."""
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise TableError(f"{path}: cannot convert the table: {_first_line(exc)}") from None
    with AtomicWriter(path, table.schema, text) as writer:
        writer.write(table)
        writer.commit()


__all__ = [
    "AtomicWriter",
    "CHUNK_ROWS",
    "Summary",
    "TableError",
    "TextFormat",
    "detect_encoding",
    "open_table",
    "parse_numbers",
    "read_column_map",
    "read_table",
    "run_file",
    "table_format",
    "write_table",
]
