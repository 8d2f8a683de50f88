"""The chunked pipeline of ``invsl optimize`` and ``invsl evaluate``: :func:`run_file`."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import sys
from collections.abc import Mapping

import numpy as np
import pandas as pd
from tqdm import tqdm

from invsl.api.frame import InputError
from invsl.engine.table import is_periodic
from invsl.tools.io.chunks import TableReader, prefetch
from invsl.tools.io.csv_reader import NotUtf8
from invsl.tools.io.formats import TableError, TextFormat, check_input, table_format
from invsl.tools.io.plan import Plan
from invsl.tools.io.reading import open_table
from invsl.tools.io.writing import AtomicWriter
from invsl.vocabulary import NAMES

#: default rows per chunk (chosen from the measurement in benchmarks/streaming.py)
CHUNK_ROWS = 500_000


@dataclasses.dataclass
class Summary:
    """What a run did: rows written and the count of rows per status name."""

    rows: int
    status_counts: dict[str, int]

    @property
    def flagged(self) -> int:
        return sum(c for name, c in self.status_counts.items() if name != "ok")


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
        except NotUtf8:
            encoding = "latin-1"  # the documented fall-back: start over


def _plan(
    kind: str,
    reader: TableReader,
    mapping: Mapping[str, str],
    options: Mapping,
    text: TextFormat,
    periodic: bool,
) -> Plan:
    """The Plan of the input; missing columns of a CSV file read with the wrong separator
    raise TableError saying which ``--sep`` to pass instead."""
    try:
        return Plan(kind, reader.schema, mapping, options, text, periodic)
    except InputError:
        hint = reader.wrong_separator()
        if hint is None:
            raise
        raise TableError(hint) from None


def _run_file(
    kind, input_path, output_path, options, text, mapping, chunk_rows, progress, encoding, periodic
):
    reader = open_table(input_path, text, encoding)
    bar = None
    try:
        if periodic is None:
            columns = {
                k: v
                for k, v in mapping.items()
                if k in ("policy", "review_period") and v in reader.names
            }
            periodic = is_periodic(
                pd.DataFrame(columns=reader.names),
                options.get("policy"),
                options.get("review_period"),
                columns,
            )
        plan = _plan(kind, reader, mapping, options, text, periodic)
        counts = np.zeros(len(NAMES), dtype=np.int64)
        if progress:
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
            for chunk in prefetch(reader.chunks(chunk_rows), read_pool):
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
