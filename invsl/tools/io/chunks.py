"""Chunked reading: the reader interface, rows regrouped into chunks, the read-ahead thread."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa


class TableReader:
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

    def wrong_separator(self) -> str | None:
        """The message when the header looks separated by another character (CSV), else None."""
        return None


def rechunk(batches, rows: int, schema: pa.Schema) -> Iterator[pa.Table]:
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


def prefetch(chunks: Iterator[pa.Table], pool) -> Iterator[pa.Table]:
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
