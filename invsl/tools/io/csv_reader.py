"""CSV files read in chunks by pyarrow's streaming reader, every column as text."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

from invsl.tools.io.chunks import TableReader, rechunk
from invsl.tools.io.formats import (
    TableError,
    TextFormat,
    compression_codec,
    first_line,
    header_line,
    separator_hint,
)

#: CSV reader block size [bytes]
BLOCK_BYTES = 4 << 20


class NotUtf8(Exception):
    """A file read as UTF-8 has bytes that are not UTF-8 (auto-detection starts over)."""


class CsvReader(TableReader):
    """A CSV file in chunks, every column as text; progress in bytes of the file."""

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
        codec = compression_codec(self.path)
        if codec:
            f = pa.CompressedInputStream(f, codec)
        read = pcsv.ReadOptions(encoding=self.encoding, block_size=BLOCK_BYTES)
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
        message = first_line(exc)
        if "Empty CSV file" in message:
            return TableError(f"{self.path}: the file is empty (not even a header line)")
        if "UTF8" in message and self.detected and self.encoding == "utf-8":
            return NotUtf8(message)
        if "UTF8" in message:
            message += f" (decoding as {self.encoding}; try another --encoding)"
        if "Expected 1 columns, got" in message:  # a header of one column: wrong --sep?
            hint = self.wrong_separator()
            if hint is not None:
                return TableError(hint)
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
            yield from rechunk(self._batches(reader), rows, self.schema)
        finally:
            stream.close()
            self._raw.close()

    def wrong_separator(self):
        return separator_hint(self.path, header_line(self.path, self.encoding), self.text)

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
