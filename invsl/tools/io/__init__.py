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

Modules, each with one job (a module imports only those above it):

- ``formats``: file types, compression, :class:`TextFormat`, :class:`TableError`, the
  checks of an input path and the encoding of a CSV file;
- ``text_numbers``: numbers written as text parsed into float64 (:func:`parse_numbers`);
- ``chunks``: the reader interface, rows regrouped into chunks, the read-ahead thread;
- ``csv_reader``, ``parquet_excel``: the chunked readers of each format;
- ``reading``: :func:`open_table` (chunks) and :func:`read_table` (a whole table);
- ``writing``: :class:`AtomicWriter` and :func:`write_table`;
- ``column_map``: the ``--columns`` TOML file (:func:`read_column_map`);
- ``plan``: an input chunk through :mod:`invsl.api.frame` into an output chunk;
- ``runner``: :func:`run_file`, the pipeline that ties them together.
"""

from invsl.tools.io.column_map import read_column_map
from invsl.tools.io.formats import TableError, TextFormat, detect_encoding, table_format
from invsl.tools.io.reading import open_table, read_table
from invsl.tools.io.runner import CHUNK_ROWS, Summary, run_file
from invsl.tools.io.text_numbers import parse_numbers
from invsl.tools.io.writing import AtomicWriter, write_table

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
