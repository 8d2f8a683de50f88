"""``invsl.io``: read and write SKU tables (CSV, Parquet, Excel) as the command line does.

The public home of :mod:`invsl.tools.io` (docs/reference.md, "Files").
"""

from invsl.tools.io import TableError, read_table, write_table

__all__ = ["TableError", "read_table", "write_table"]
