"""Numbers written as text: the cells of CSV files, parsed into float64."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from invsl.tools.io.formats import TextFormat

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


def as_text(array) -> pa.Array:
    """One pyarrow string array from any array, chunked or dictionary-encoded."""
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
    s = pc.utf8_trim_whitespace(as_text(array))
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
