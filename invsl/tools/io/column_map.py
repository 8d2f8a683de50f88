"""The ``--columns`` file: a TOML table mapping invsl's column names to a file's names."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invsl.api import frame
from invsl.tools.io.formats import TableError, first_line, os_reason


def read_column_map(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``--columns`` TOML file: invsl name -> the file's column name.

    The file has one table, ``[columns]``, of ``invsl_name = "ERP field name"`` lines, for
    example ``demand_mean = "AVG_MONTHLY_SALES"``. The names are the input columns
    (``sku``, ``demand_mean``, ...) and the output columns (``reorder_point``, ``status``,
    ...); see docs/cli.md.
    """
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
        raise TableError(f"{path}: not valid TOML: {first_line(exc)}") from None
    except OSError as exc:
        raise TableError(f"{path}: cannot read the column-mapping file: {os_reason(exc)}") from None
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
