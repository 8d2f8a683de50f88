"""Storing and comparing golden outputs exactly (used by make_golden.py and test_golden.py).

A case's output is a dict of named pandas DataFrames ("parts"). Each part is stored as one
Parquet file ``data/<case>__<part>.parquet`` whose schema metadata (key ``invsl_golden``)
records, as JSON, what Parquet alone would not keep exactly: the column names and their
order, every column's dtype (``str(dtype)``), the categories of categorical columns, and
the index (a RangeIndex by start/stop/step, any other index by its levels, stored as
leading columns ``__index_<i>__``).

Values:

- numpy float, int, uint and bool columns are stored natively. Floats are compared bit for
  bit (``.view(np.int64)``), so -0.0 differs from 0.0 and a NaN differs from every number;
  NaNs are compared by position only (their sign and payload bits are not output: Parquet
  itself stores NaN as a null, and pandas shows every NaN alike).
- every other column (object, str, categorical, extension dtypes) is stored as text, one
  tagged string per cell: ``str:<text>``, ``float:<float.hex()>``, ``None``, ``int:5``,
  ``bytes:b'...'``, ``ndarray[int8]:[...]``; so mixed-type object columns (text in a
  numeric column) are kept exactly and compared by type and value.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

META_KEY = b"invsl_golden"
NATIVE_KINDS = "fiub"  # numpy float, int, uint, bool: stored as they are


def encode_value(value) -> str:
    """One cell as an exact, readable tagged string."""
    if value is None:
        return "None"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    if isinstance(value, str):
        return "str:" + value
    if isinstance(value, (float, np.floating)):
        number = float(value)
        text = "nan" if np.isnan(number) else number.hex()
        return f"{type(value).__name__}:{text}"
    if isinstance(value, np.ndarray):
        return f"ndarray[{value.dtype}]:{value.tolist()!r}"
    return f"{type(value).__name__}:{value!r}"


def _encode_column(values) -> list[str]:
    return [encode_value(v) for v in np.asarray(values, dtype=object)]


def _is_native(dtype) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in NATIVE_KINDS


def _column_names(names) -> list[str]:
    out = []
    for name in names:
        if not isinstance(name, str) or name.startswith("__index_"):
            raise ValueError(f"golden parts need plain string column names, got {name!r}")
        out.append(name)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate column names: {out}")
    return out


def flatten(df: pd.DataFrame) -> tuple[dict[str, object], dict]:
    """``df`` as {stored column: numpy array or list of tagged strings} plus its metadata."""
    names = _column_names(df.columns)
    meta: dict = {
        "columns": names,
        "columns_dtype": str(df.columns.dtype),
        "dtypes": [str(df[c].dtype) for c in names],
        "categories": {},
    }
    data: dict[str, object] = {}
    index = df.index
    if type(index) is pd.RangeIndex:
        meta["index"] = {
            "kind": "range",
            "start": index.start,
            "stop": index.stop,
            "step": index.step,
            "name": index.name,
        }
    else:
        levels = [index.get_level_values(i) for i in range(index.nlevels)]
        meta["index"] = {
            "kind": type(index).__name__,
            "names": [None if n is None else str(n) for n in index.names],
            "dtypes": [str(level.dtype) for level in levels],
        }
        for i, level in enumerate(levels):
            data[f"__index_{i}__"] = _store(level, f"__index_{i}__", meta)
    for name in names:
        data[name] = _store(df[name], name, meta)
    return data, meta


def _store(values, name: str, meta: dict):
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        meta["categories"][name] = {
            "categories": _encode_column(dtype.categories),
            "categories_dtype": str(dtype.categories.dtype),
            "ordered": bool(dtype.ordered),
        }
    if _is_native(dtype):
        return np.asarray(values)
    return _encode_column(values)


def write_part(path: Path, df: pd.DataFrame) -> None:
    data, meta = flatten(df)
    arrays = {}
    for name, values in data.items():
        if isinstance(values, np.ndarray):
            arrays[name] = pa.array(values, from_pandas=False)
        else:
            arrays[name] = pa.array(values, type=pa.string())
    table = pa.table(arrays) if arrays else pa.table({"__empty__": pa.array([], pa.int8())})
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
    pq.write_table(table, path, compression="zstd")


def read_part(path: Path) -> tuple[dict[str, object], dict]:
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[META_KEY])
    data: dict[str, object] = {}
    for name in table.column_names:
        if name == "__empty__":
            continue
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            data[name] = column.to_pylist()
        else:
            data[name] = column.to_numpy()
    return data, meta


def _float_bits(values: np.ndarray) -> np.ndarray:
    values = np.array(values, dtype=np.float64)  # a copy
    values[np.isnan(values)] = np.nan  # one NaN: position counts, payload bits do not
    return values.view(np.int64)


def _show(values, i: int) -> str:
    value = values[i]
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return f"{float(value)!r} ({float(value).hex()})"
    return repr(value if isinstance(value, str) else value.item())


def compare(
    expected: tuple[dict[str, object], dict],
    actual_df: pd.DataFrame,
    *,
    skip_message_for: frozenset[str] = frozenset(),
    max_rows: int = 5,
) -> list[str]:
    """The differences between a stored part and a freshly computed DataFrame, in words.

    ``skip_message_for``: status names whose rows' ``message`` cell is not compared (the
    ``status`` column itself still is, exactly).
    """
    want_data, want_meta = expected
    got_data, got_meta = flatten(actual_df)
    problems = []
    for key in ("columns", "columns_dtype", "dtypes", "index", "categories"):
        if want_meta.get(key) != got_meta.get(key):
            if key == "dtypes" and want_meta["columns"] == got_meta["columns"]:
                diff = [
                    f"{c}: {a} -> {b}"
                    for c, a, b in zip(want_meta["columns"], want_meta[key], got_meta[key])
                    if a != b
                ]
                problems.append(f"dtypes differ (expected -> actual): {diff}")
            else:
                problems.append(
                    f"{key} differ:\n  expected {want_meta.get(key)!r}\n  actual   "
                    f"{got_meta.get(key)!r}"
                )
    if problems:
        return problems
    labels = actual_df.index
    skip = np.zeros(len(actual_df), dtype=bool)
    if skip_message_for and "status" in actual_df.columns and "message" in actual_df.columns:
        skip = actual_df["status"].astype(object).isin(list(skip_message_for)).to_numpy()
    for name in want_data:
        want, got = want_data[name], got_data[name]
        if len(want) != len(got):
            problems.append(f"{name}: {len(want)} rows expected, {len(got)} computed")
            continue
        if isinstance(got, np.ndarray):
            want = np.asarray(want)
            if got.dtype.kind == "f":
                differ = _float_bits(want) != _float_bits(got)
            else:
                differ = want != got
        else:
            differ = np.array([a != b for a, b in zip(want, got)], dtype=bool)
            if name == "message":
                differ &= ~skip
        rows = np.flatnonzero(differ)
        if rows.size:
            lines = [f"column {name!r}: {rows.size} of {len(got)} rows differ; first rows:"]
            for i in rows[:max_rows]:
                lines.append(
                    f"  row {i} (index {labels[i]!r}): expected {_show(want, i)}, "
                    f"computed {_show(got, i)}"
                )
            problems.append("\n".join(lines))
    return problems
