"""invsl.io and the file side of the command line: streaming, formats, hostile files.

Each hostile-file case of docs/cli.md ("Hostile files") is one test here; the table names
them. References are independent of invsl: Python's ``float`` for number parsing,
``scipy.stats`` for reorder points, ``invsl.optimize`` on the whole in-memory table for the
chunked pipeline (a different code path: no reader, no chunks, no writer).
"""

import errno
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from scipy import stats

import invsl
from invsl.tools import io
from invsl.tools.cli import main
from invsl.tools.io import TableError, TextFormat, csv_reader, formats, parse_numbers, writing

HEADER = "sku,demand_mean,demand_std,lead_time,order_quantity\n"
GOOD = HEADER + "007,100,30,1,200\n0042,50,10,2,100\n"
#: beta 0.95 reorder point of the first GOOD row, from scipy (normal lead-time demand):
#: (G1(s) - G1(s + Q)) / Q = 0.05 with G1(x) = sd * (pdf(z) - z * sf(z))


def _beta_reorder_point(mean, sd, q, target=0.95):
    from scipy.optimize import brentq

    def loss(x):
        z = (x - mean) / sd
        return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))

    return brentq(
        lambda s: 1 - (loss(s) - loss(s + q)) / q - target,
        mean - 10 * sd,
        mean + 10 * sd,
        xtol=1e-12,
    )


S_FIRST = _beta_reorder_point(100, 30, 200)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="invsl")


def read_csv_text(path, **kw):
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def only(tmp_path, *names):
    """The folder holds exactly these files (no temporary file left behind)."""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


# ---------------------------------------------------------------------------------------------
# parse_numbers: against Python's float
# ---------------------------------------------------------------------------------------------


def test_parse_numbers_plain_matches_python_float():
    cells = [
        "1.5",
        " 2 ",
        "1e3",
        "-0.25",
        "+3",
        ".5",
        "5.",
        "inf",
        "-Inf",
        "1E-300",
        "0.1",
        "123456789.123456789",
        "4.9e-324",
    ]
    values, bad = parse_numbers(pa.array(cells))
    assert bad is None
    np.testing.assert_array_equal(values, [float(c) for c in cells])


def test_parse_numbers_missing_spellings_and_text():
    values, bad = parse_numbers(pa.array(["", "NA", "N/A", "nan", None, "abc", "1,5", "12 %", "7"]))
    assert np.isnan(values[:8]).all() and values[8] == 7.0
    assert bad.tolist() == [False] * 5 + [True, True, True, False]


@pytest.mark.parametrize(
    "cell,text,expected",
    [
        ("1.234,5", TextFormat(sep=";", decimal=",", thousands="."), 1234.5),
        ("1.234.567", TextFormat(sep=";", decimal=",", thousands="."), 1234567.0),
        ("-0,001", TextFormat(sep=";", decimal=","), -0.001),
        ("1,234.5", TextFormat(thousands=","), 1234.5),
        ("1 234,5", TextFormat(sep=";", decimal=",", thousands=" "), 1234.5),
        ("1\u00a0234,5", TextFormat(sep=";", decimal=",", thousands=" "), 1234.5),
        ("1'234.5", TextFormat(thousands="'"), 1234.5),
        ("1,5e3", TextFormat(sep=";", decimal=","), 1500.0),
    ],
)
def test_parse_numbers_european_forms(cell, text, expected):
    values, bad = parse_numbers(pa.array([cell]), text)
    assert bad is None and values[0] == expected


@pytest.mark.parametrize(
    "cell,text",
    [
        ("1.500", TextFormat(sep=";", decimal=",")),  # a dot with a decimal comma: never 1.5
        ("1,500", TextFormat()),  # a comma with a decimal point and no --thousands
        ("1.23.4", TextFormat(sep=";", decimal=",", thousands=".")),  # not grouped by three
        ("12.34,5", TextFormat(sep=";", decimal=",", thousands=".")),
        ("1,2,3", TextFormat(sep=";", decimal=",")),
    ],
)
def test_parse_numbers_ambiguous_forms_are_flagged_not_guessed(cell, text):
    values, bad = parse_numbers(pa.array([cell, "2"]), text)
    assert bad.tolist() == [True, False] and np.isnan(values[0]) and values[1] == 2.0


def test_text_format_rejects_conflicts():
    with pytest.raises(ValueError, match="--sep ';' --decimal ','"):
        TextFormat(sep=",", decimal=",")
    with pytest.raises(ValueError, match="thousands"):
        TextFormat(decimal=".", thousands=".")
    with pytest.raises(ValueError, match="unknown encoding"):
        TextFormat(encoding="klingon")


# ---------------------------------------------------------------------------------------------
# hostile files (docs/cli.md, "Hostile files")
# ---------------------------------------------------------------------------------------------


def test_hostile_empty_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"")
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.output == f"invsl: error: {src}: the file is empty (not even a header line)\n"
    only(tmp_path, "in.csv")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_hostile_header_only_gives_empty_output_with_columns(tmp_path, suffix):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "\n")
    out = tmp_path / f"out{suffix}"
    result = run("optimize", src, "-o", out)
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert len(df) == 0
    assert list(df.columns) == HEADER.strip().split(",") + list(invsl.api.frame.OUTPUT_COLUMNS)
    if suffix == ".parquet":
        assert df["beta"].dtype == np.float64 and df["status"].dtype == "category"


def test_hostile_parquet_without_rows(tmp_path):
    src = tmp_path / "in.parquet"
    schema = pa.schema(
        [("sku", pa.string())] + [(n, pa.float64()) for n in HEADER.strip().split(",")[1:]]
    )
    pq.write_table(schema.empty_table(), src)
    out = tmp_path / "out.parquet"
    assert run("optimize", src, "-o", out).exit_code == 0
    got = pq.read_table(out)
    assert got.num_rows == 0 and got.schema.names[:5] == schema.names
    assert got.schema.field("status").type == pa.dictionary(pa.int8(), pa.string())


def test_hostile_utf8_with_bom(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("007", "caf\u00e9").encode("utf-8"))
    out = tmp_path / "out.csv"
    assert run("optimize", src, "-o", out).exit_code == 0
    df = read_csv_text(out)
    assert df.columns[0] == "sku"  # the BOM is not part of the first name
    assert df["sku"].tolist() == ["caf\u00e9", "0042"]


def test_hostile_latin1_detected(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(GOOD.replace("007", "Stra\u00dfe-\u00e9").encode("latin-1"))
    assert io.detect_encoding(src) == "latin-1"
    out = tmp_path / "out.csv"
    assert run("optimize", src, "-o", out).exit_code == 0
    assert read_csv_text(out, encoding="utf-8")["sku"].tolist() == ["Stra\u00dfe-\u00e9", "0042"]


def test_hostile_latin1_after_the_first_mib_restarts_as_latin1(tmp_path, monkeypatch):
    # the sniffed head is plain ASCII; the only non-UTF-8 byte comes in a later block
    monkeypatch.setattr(formats, "SNIFF_BYTES", 64)
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 256)
    rows = [f"{i:05d},100,30,1,200" for i in range(40)] + ["M\u00fcller,100,30,1,200"]
    src = tmp_path / "in.csv"
    src.write_bytes((HEADER + "\n".join(rows) + "\n").encode("latin-1"))
    assert io.detect_encoding(src) == "utf-8"
    out = tmp_path / "out.csv"
    summary = io.run_file("optimize", src, out, chunk_rows=10)
    assert summary.rows == 41 and summary.flagged == 0
    assert read_csv_text(out)["sku"].iloc[-1] == "M\u00fcller"
    only(tmp_path, "in.csv", "out.csv")


def test_hostile_explicit_encoding(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(GOOD.replace("007", "\u20ac5").encode("cp1252"))  # the euro sign: 0x80
    out = tmp_path / "out.csv"
    assert run("optimize", src, "-o", out, "--encoding", "cp1252").exit_code == 0
    assert read_csv_text(out)["sku"].iloc[0] == "\u20ac5"


def test_hostile_quoted_numbers(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + '"007","100","30"," 1 ","200"\n')
    out = tmp_path / "out.csv"
    assert run("optimize", src, "-o", out).exit_code == 0
    assert pd.read_csv(out)["reorder_point"].iloc[0] == pytest.approx(S_FIRST, abs=1e-6)


def test_hostile_thousands_separators(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + '007,"1,000","300",1,"2,000"\n008,"1,0,0",30,1,200\n')
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--thousands", ",")
    assert result.exit_code == 1 and "not_a_number: 1" in result.output
    df = read_csv_text(out)
    assert float(df["reorder_point"][0]) == pytest.approx(
        _beta_reorder_point(1000, 300, 2000), abs=1e-6
    )
    assert df["status"].tolist() == ["ok", "not_a_number"]
    assert df["message"][1].startswith("demand_mean = '1,0,0': ")


def test_hostile_decimal_commas_european_export(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "sku;demand_mean;demand_std;lead_time;order_quantity;name\n"
        '007;"100,0";30;1;200;Teil A\n0042;1.000,5;10,25;2;100;Teil B\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--sep", ";", "--decimal", ",", "--thousands", ".")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.splitlines()[0].startswith('"sku";"demand_mean"')  # the same separator
    df = read_csv_text(out, sep=";")
    assert df["demand_mean"].tolist() == ["100", "1000,5"]  # decimal comma on output too
    assert df["name"].tolist() == ["Teil A", "Teil B"]
    s = float(df["reorder_point"][0].replace(",", "."))
    assert s == pytest.approx(S_FIRST, abs=1e-6)
    s2 = float(df["reorder_point"][1].replace(",", "."))
    assert s2 == pytest.approx(_beta_reorder_point(2001, 10.25 * 2**0.5, 100), abs=1e-6)


def test_hostile_directory_as_input(tmp_path):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    result = run("optimize", folder, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.output == f"invsl: error: {folder}: is a directory, not a table file\n"


def test_hostile_missing_input(tmp_path):
    result = run("optimize", tmp_path / "nope.csv", "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.output == f"invsl: error: {tmp_path / 'nope.csv'}: no such file\n"
    only(tmp_path)


def test_hostile_output_folder_missing(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    out = tmp_path / "no" / "such" / "out.csv"
    result = run("optimize", src, "-o", out)
    assert result.exit_code == 2
    assert result.output == f"invsl: error: {out}: the folder {out.parent} does not exist\n"
    only(tmp_path, "in.csv")


def test_hostile_output_folder_not_writable(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: refuse as the kernel would

            def refuse(*args, **kwargs):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

            monkeypatch.setattr(writing.tempfile, "mkstemp", refuse)
        result = run("optimize", src, "-o", folder / "out.csv")
        assert result.exit_code == 2
        assert result.output == (
            f"invsl: error: {folder / 'out.csv'}: cannot write in the "
            f"folder {folder}: Permission denied\n"
        )
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_hostile_output_is_a_directory(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    (tmp_path / "out.csv").mkdir()
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2 and "is a directory" in result.output


class _FillsUp:
    """A writer that writes its first chunk, then fails as a full disk does."""

    def __init__(self, real, *args, **kwargs):
        self._real = real(*args, **kwargs)
        self.calls = 0

    def write_table(self, table, *args, **kwargs):
        self.calls += 1
        if self.calls >= 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._real.write_table(table, *args, **kwargs)

    def close(self):
        self._real.close()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_hostile_disk_fills_mid_write(tmp_path, monkeypatch, suffix):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "".join(f"{i},100,30,1,200\n" for i in range(10)))
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"the good output of yesterday")
    if suffix == ".csv":
        real = pcsv.CSVWriter
        monkeypatch.setattr(writing.pcsv, "CSVWriter", lambda *a, **k: _FillsUp(real, *a, **k))
    else:
        real = pq.ParquetWriter
        monkeypatch.setattr(writing.pq, "ParquetWriter", lambda *a, **k: _FillsUp(real, *a, **k))
    result = run("optimize", src, "-o", out, "--chunk-rows", "3")
    assert result.exit_code == 2
    assert result.output == (
        f"invsl: error: {out}: cannot write the output: No space left on device\n"
    )
    assert out.read_bytes() == b"the good output of yesterday"
    only(tmp_path, "in.csv", f"out{suffix}")


def test_hostile_broken_row_mid_file_keeps_good_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "".join(f"{i},100,30,1,200\n" for i in range(10)) + "11,1,2\n")
    out = tmp_path / "out.parquet"
    out.write_bytes(b"good")
    result = run("optimize", src, "-o", out, "--chunk-rows", "3")
    assert result.exit_code == 2
    assert "Expected 5 columns, got 3" in result.output and "Traceback" not in result.output
    assert len(result.output.splitlines()) == 1
    assert out.read_bytes() == b"good"
    only(tmp_path, "in.csv", "out.parquet")


def test_hostile_not_a_parquet_file(tmp_path):
    src = tmp_path / "in.parquet"
    src.write_text(GOOD)
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2 and "not a readable Parquet file" in result.output


def test_hostile_text_in_numeric_columns(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER + "007,100,30,1,200\n008,n/a,30,1,200\n009,lots,30,1,200\n"
        "010,100,30,one,200\n011,100,30,1,1.500\n"
    )
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--lead-time-std", "0.5")
    assert result.exit_code == 1
    df = read_csv_text(out)
    assert df["status"].tolist() == ["ok", "missing", "not_a_number", "not_a_number", "ok"]
    assert df["message"][2] == (
        "demand_mean = 'lots': a numeric column holds text; give a plain number"
    )
    assert df["message"][3].startswith("lead_time = 'one': ")
    assert (df.loc[2:3, ["reorder_point", "beta", "lead_time_distribution"]] == "").all().all()
    assert float(df["order_quantity"][4]) == 1.5  # '.' is the decimal mark by default


def test_hostile_text_in_defaulted_column_is_not_replaced_by_the_default(tmp_path):
    # lead_time_std and target have defaults for empty cells; text must not fall back to them
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER.strip() + ",lead_time_std,target\n1,100,30,1,200,x,0.9\n"
        "2,100,30,1,200,0,high\n3,100,30,1,200,,\n"
    )
    out = tmp_path / "out.csv"
    assert run("optimize", src, "-o", out).exit_code == 1
    df = read_csv_text(out)
    assert df["status"].tolist() == ["not_a_number", "not_a_number", "ok"]
    assert df["reorder_point"].tolist()[:2] == ["", ""]
    assert df["message"][1].startswith("target = 'high': ")


def test_hostile_ids_with_leading_zeros_kept_as_text(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER.replace("sku", "sku,plant") + "007,0010,100,30,1,200\n1e3,0020,50,10,2,100\n"
    )
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        assert run("optimize", src, "-o", out).exit_code == 0
        df = read_csv_text(out) if suffix == ".csv" else pd.read_parquet(out)
        assert df["sku"].tolist() == ["007", "1e3"] and df["plant"].tolist() == ["0010", "0020"]


def test_hostile_duplicate_header_names(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER.strip() + ",sku\n1,100,30,1,200,2\n")
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2 and "names a column twice: sku" in result.output


def test_hostile_missing_required_column_names_the_mapping_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("sku,demand_mean\n1,2\n")
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert "missing required columns: demand_std" in result.output
    assert 'map it in a --columns file: demand_std = "YOUR_NAME"' in result.output


@pytest.mark.parametrize("command", ["optimize", "evaluate", "simulate"])
def test_cli_semicolon_file_without_sep_points_at_the_separator(tmp_path, command):
    """Old: exit 2 with "missing required columns: demand_mean ..." and no word about the
    separator. Intended: exit 2, one line that names the separator problem and ``--sep``."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "sku;demand_mean;demand_std;lead_time;order_quantity;reorder_point\n"
        "A;100;30;1;200;120\n"
        "B;50;10;2;100;110\n"
    )
    result = run(command, src, "-o", out)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "--sep" in lines[0], lines[0]
    assert re.search(r"semicolon|separat", lines[0], re.IGNORECASE), lines[0]
    assert not out.exists()


def test_hostile_wrong_separator_named_by_read_table_and_european_exports(tmp_path):
    """read_table raises the command line's message; a European export (decimal commas, so
    the rows do not even parse as one column) gets it too; one-column files stay tables."""
    semicolons = tmp_path / "skus.csv"
    semicolons.write_text("sku;demand_mean;demand_std;lead_time\nA;100;30;1\n")
    expected = (
        f"the header of {semicolons} looks semicolon-separated "
        "(sku;demand_mean;demand_std;...): pass --sep ';'"
    )
    with pytest.raises(TableError) as caught:
        io.read_table(semicolons)
    assert str(caught.value) == expected
    assert io.read_table(semicolons, TextFormat(sep=";"))["demand_mean"].tolist() == [100]
    tabs = tmp_path / "tabs.csv.gz"
    pd.DataFrame({"sku": ["A"], "lead_time": [1]}).to_csv(tabs, sep="\t", index=False)
    with pytest.raises(TableError, match=r"tab-separated \(sku\tlead_time\): pass --sep tab"):
        io.read_table(tabs)
    single = tmp_path / "one.csv"
    single.write_text("demand\n1\n2\n")
    assert io.read_table(single)["demand"].tolist() == [1, 2]

    european = tmp_path / "eu.csv"
    european.write_text(HEADER.replace(",", ";") + "007;100,5;30;1;200\n")
    for command in ("optimize", "simulate"):
        result = run(command, european, "-o", tmp_path / "out.csv")
        assert result.exit_code == 2, result.output
        assert result.output == (
            f"invsl: error: the header of {european} looks semicolon-separated "
            "(sku;demand_mean;demand_std;...): pass --sep ';'\n"
        )
    only(tmp_path, "skus.csv", "tabs.csv.gz", "one.csv", "eu.csv")


# ---------------------------------------------------------------------------------------------
# streaming: chunks, schema, agreement with the in-memory API
# ---------------------------------------------------------------------------------------------


def _mixed_table(n=60, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "sku": [f"{i:06d}" for i in range(n)],
            "demand_mean": rng.lognormal(2.0, 1.0, n).round(3),
            "demand_std": rng.uniform(0.5, 5.0, n).round(3),
            "lead_time": rng.integers(1, 6, n).astype(float),
            "order_quantity": rng.integers(1, 40, n).astype(float),
            "distribution": rng.choice(["normal", "gamma", "poisson", "negbin"], n),
            "note": rng.choice(["a", "b;c", 'q"uote'], n),
        }
    )
    df.loc[5, "demand_mean"] = -1.0  # negative
    df.loc[9, "distribution"] = "weibull"  # unknown distribution
    df.loc[13, "order_quantity"] = 2.5  # not_integer when poisson/negbin
    return df


def test_chunks_agree_with_the_in_memory_api_and_schema_is_stable(tmp_path):
    df = _mixed_table()
    # a later chunk where every result column is empty: rows 40.. flagged
    df.loc[40:, "demand_std"] = np.nan
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), src)
    out = tmp_path / "out.parquet"
    summary = io.run_file(
        "optimize", src, out, chunk_rows=7, options=dict(metric="alpha", target=0.9)
    )
    expected = invsl.optimize(df, metric="alpha", target=0.9)
    got = pd.read_parquet(out)
    assert summary.rows == len(df)
    assert summary.status_counts == expected["status"].astype(str).value_counts().to_dict()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_categorical=False)
    schema = pq.read_schema(out)
    assert schema.field("beta").type == pa.float64()
    assert pq.ParquetFile(out).metadata.num_row_groups == 9  # really written in chunks


def test_csv_chunks_give_the_bytes_of_one_chunk(tmp_path):
    df = _mixed_table()
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    outs = []
    for rows in (1, 7, 1000):
        out = tmp_path / f"out{rows}.csv"
        io.run_file("optimize", src, out, chunk_rows=rows)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]


def test_evaluate_streams_and_keeps_the_reorder_point_column(tmp_path):
    df = _mixed_table().assign(reorder_point=lambda d: (d["demand_mean"] * 2).round())
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    io.run_file("evaluate", src, out, chunk_rows=11)
    got = pd.read_parquet(out)
    expected = invsl.evaluate(pd.read_csv(src, dtype={"sku": str}))
    assert got["reorder_point"].tolist() == df["reorder_point"].tolist()
    for name in ("alpha", "beta", "gamma", "expected_on_hand"):
        np.testing.assert_array_equal(got[name].to_numpy(), expected[name].to_numpy())
    assert got["status"].astype(str).tolist() == expected["status"].astype(str).tolist()


def test_csv_position_when_the_read_ahead_closed_the_file(tmp_path):
    """The progress bar asks the CSV reader for its byte position while the read-ahead
    thread may close the file between the reader's closed check and tell() (a fresh-clone
    CI run hit this: pyarrow's "Invalid operation on closed file"). The reader then
    reports the whole file as read instead of raising."""

    class ClosedUnderneath:
        closed = False  # the check still saw it open ...

        def tell(self):  # ... and then the other thread closed it
            raise pa.ArrowInvalid("Invalid operation on closed file")

    src = tmp_path / "in.csv"
    _mixed_table().to_csv(src, index=False)
    reader = io.open_table(src)
    reader._file = ClosedUnderneath()
    assert reader.position() == src.stat().st_size


def test_progress_bar_on_stderr(tmp_path, capsys):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pandas(_mixed_table(), preserve_index=False), src)
    io.run_file("optimize", src, tmp_path / "out.csv", chunk_rows=20, progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "60.0/60.0" in err and "rows/s" in err
    src_csv = tmp_path / "in.csv"
    _mixed_table().to_csv(src_csv, index=False)
    io.run_file("optimize", src_csv, tmp_path / "out2.csv", chunk_rows=20, progress=True)
    err = capsys.readouterr().err
    assert "60 rows" in err and "rows/s" in err and "B/s" in err


# ---------------------------------------------------------------------------------------------
# .xlsx and the column map
# ---------------------------------------------------------------------------------------------


def test_xlsx_in_and_out(tmp_path):
    pytest.importorskip("openpyxl")
    df = pd.DataFrame(
        {
            "sku": ["007", "008"],
            "demand_mean": [100.0, "1,5"],
            "demand_std": [30, 1],
            "lead_time": [1, 1],
            "order_quantity": [200, 10],
        }
    )
    src = tmp_path / "in.xlsx"
    df.to_excel(src, index=False)
    out = tmp_path / "out.xlsx"
    result = run("optimize", src, "-o", out, "--sep", ";", "--decimal", ",")
    assert result.exit_code == 0, result.output
    got = pd.read_excel(out, dtype={"sku": str})
    assert got["sku"].tolist() == ["007", "008"]
    assert got["demand_mean"].tolist() == [100.0, 1.5]  # a text cell in decimal-comma notation
    assert got["reorder_point"].iloc[0] == pytest.approx(S_FIRST, abs=1e-6)


def test_xlsx_too_many_rows(tmp_path, monkeypatch):
    pytest.importorskip("openpyxl")
    monkeypatch.setattr(writing, "XLSX_MAX_ROWS", 3)
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "".join(f"{i},100,30,1,200\n" for i in range(5)))
    result = run("optimize", src, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "do not fit in an .xlsx sheet" in result.output
    only(tmp_path, "in.csv")


ERP = "MATNR;AVG_SALES;SD_SALES;WBZ;LOSGR;MINBE\nA-1;100;30;1;200;5\n"
MAP = """# invsl name = "ERP field name"
[columns]
sku = "MATNR"
demand_mean = "AVG_SALES"
demand_std = "SD_SALES"
lead_time = "WBZ"
order_quantity = "LOSGR"
reorder_point = "MINBE"
safety_stock = "EISBE"
"""


def test_column_map_for_input_and_output(tmp_path):
    src = tmp_path / "erp.csv"
    src.write_text(ERP)
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP)
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--sep", ";", "--columns", mapping)
    assert result.exit_code == 0, result.output
    df = read_csv_text(out, sep=";")
    # MINBE (the old reorder point) is replaced in place by the solved one; EISBE added
    assert list(df.columns[:6]) == ["MATNR", "AVG_SALES", "SD_SALES", "WBZ", "LOSGR", "MINBE"]
    assert "EISBE" in df.columns and "reorder_point" not in df.columns
    assert float(df["MINBE"][0]) == pytest.approx(S_FIRST, abs=1e-6)
    assert float(df["EISBE"][0]) == pytest.approx(S_FIRST - 100, abs=1e-6)
    # evaluate reads MINBE as the reorder point and passes it through
    out2 = tmp_path / "levels.csv"
    assert run("evaluate", src, "-o", out2, "--sep", ";", "--columns", mapping).exit_code == 0
    levels = read_csv_text(out2, sep=";")
    assert levels["MINBE"].tolist() == ["5"] and "reorder_point" not in levels.columns


@pytest.mark.parametrize(
    "content,words",
    [
        ("[columns]\ndemand_men = 'X'\n", "unknown invsl column names ['demand_men']"),
        ("demand_mean = 'X'\n", "expected one [columns] table"),
        ("[columns]\ndemand_mean = 3\n", "demand_mean must map to a column name in quotes"),
        ("[columns]\ndemand_mean = 'X'\ndemand_std = 'X'\n", "both map to 'X'"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_column_map_errors(tmp_path, content, words):
    src = tmp_path / "erp.csv"
    src.write_text(ERP)
    mapping = tmp_path / "map.toml"
    mapping.write_text(content)
    result = run("optimize", src, "-o", tmp_path / "out.csv", "--columns", mapping)
    assert result.exit_code == 2 and words in result.output
    assert len(result.output.splitlines()) == 1


def test_column_map_output_cannot_overwrite_an_input(tmp_path):
    src = tmp_path / "erp.csv"
    src.write_text(ERP.replace("WBZ", "lead_time"))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP.replace('lead_time = "WBZ"\n', 'status = "lead_time"\n'))
    result = run("optimize", src, "-o", tmp_path / "out.csv", "--sep", ";", "--columns", mapping)
    assert result.exit_code == 2
    assert "the output column status would overwrite the input column 'lead_time'" in result.output


def test_column_map_missing_erp_column(tmp_path):
    src = tmp_path / "erp.csv"
    src.write_text(ERP.replace("SD_SALES", "SIGMA_X"))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP)
    result = run("optimize", src, "-o", tmp_path / "out.csv", "--sep", ";", "--columns", mapping)
    assert result.exit_code == 2
    assert "column 'SD_SALES' (given for demand_std) is not in the input" in result.output


# ---------------------------------------------------------------------------------------------
# whole-table helpers
# ---------------------------------------------------------------------------------------------


def test_read_and_write_table_helpers(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("sku;demand_mean\n007;1.234,5\n", encoding="latin-1")
    df = io.read_table(src, TextFormat(sep=";", decimal=",", thousands="."))
    assert df["sku"].tolist() == ["007"] and df["demand_mean"].tolist() == [1234.5]
    out = tmp_path / "copy.parquet"
    io.write_table(df, out)
    pd.testing.assert_frame_equal(pd.read_parquet(out), df, check_dtype=False)
    only(tmp_path, "in.csv", "copy.parquet")


def test_unknown_extension(tmp_path):
    with pytest.raises(TableError, match="unknown file type"):
        io.table_format(Path("a.json"))


# ---------------------------------------------------------------------------------------------
# docs/cli.md stays true
# ---------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_docs_hostile_table_names_existing_tests():
    import re

    text = DOCS.read_text()
    table = text[text.index("## Hostile files") : text.index("## Input columns")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "test_" in line]
    assert len(rows) >= 25
    here = Path(__file__).read_text()
    cli_tests = (Path(__file__).parent / "test_cli.py").read_text()
    for row in rows:
        source = cli_tests if "*cli*" in row else here
        for name in re.findall(r"`(test_\w+)`", row):
            assert f"def {name}(" in source, row


def test_docs_european_recipe_runs(tmp_path):
    import re
    import shlex

    text = DOCS.read_text()
    recipe = text[text.index("### Recipe") : text.index("## Hostile files")]
    blocks = re.findall(
        r"```(?:toml)?\n(.*?)```", recipe + text[text.index("## Column mapping") :], re.S
    )
    export, command, mapping = blocks[0], blocks[1], blocks[2]
    (tmp_path / "export.csv").write_bytes(export.encode("cp1252"))
    (tmp_path / "sap.toml").write_text(mapping, encoding="utf-8")
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:2] == ["invsl", "optimize"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run(*args[1:])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    df = pd.read_csv(tmp_path / "plan.csv", sep=";", dtype=str, encoding="utf-8")
    assert df["Material"].tolist() == ["000123", "000124"]
    assert df["Bezeichnung"].tolist() == ["Schraube M8", "Mutter"]
    assert "Meldebestand" in df.columns and "Sicherheitsbestand" in df.columns
    s = float(df["Meldebestand"][0].replace(",", "."))
    assert s == pytest.approx(_beta_reorder_point(1234.5, 300, 2000), abs=1e-6)


def test_hostile_not_utf8_with_explicit_utf8_is_an_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(GOOD.replace("007", "M\u00fcller").encode("latin-1"))
    result = run("optimize", src, "-o", tmp_path / "out.csv", "--encoding", "utf-8")
    assert result.exit_code == 2
    assert "invalid UTF8 data (decoding as utf-8; try another --encoding)" in result.output
    only(tmp_path, "in.csv")


def test_hostile_utf16_excel_unicode_text(tmp_path):
    # Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab-separated
    src = tmp_path / "in.txt"
    src.write_bytes(GOOD.replace(",", "\t").replace("007", "\u00c5-7").encode("utf-16"))
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--sep", "tab")
    assert result.exit_code == 0, result.output
    assert read_csv_text(out, sep="\t")["sku"].tolist() == ["\u00c5-7", "0042"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (needs root and mount rights; skipped elsewhere)."""
    import shutil
    import subprocess

    folder = tmp_path / "tiny"
    folder.mkdir()
    mount = shutil.which("mount")
    if (
        os.geteuid() != 0
        or mount is None
        or subprocess.run(
            [mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_hostile_disk_really_full(tmp_path, tiny_disk, suffix):
    src = tmp_path / "in.csv"
    rng = np.random.default_rng(0)
    src.write_text(
        HEADER
        + "".join(f"{i},{m},{m / 3},2,{3 * m}\n" for i, m in enumerate(rng.uniform(1, 100, 20_000)))
    )
    out = tiny_disk / f"out{suffix}"
    out.write_text("good")
    result = run("optimize", src, "-o", out, "--chunk-rows", "2000")
    assert result.exit_code == 2
    assert result.output == (
        f"invsl: error: {out}: cannot write the output: No space left on device\n"
    )
    assert out.read_text() == "good"
    assert [p.name for p in tiny_disk.iterdir()] == [out.name]


def test_interrupted_run_writes_nothing(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "".join(f"{i},100,30,1,200\n" for i in range(10)))
    out = tmp_path / "out.parquet"
    out.write_bytes(b"good")
    real, calls = invsl.api.frame.optimize, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(invsl.api.frame, "optimize", interrupted)
    result = run("optimize", src, "-o", out, "--chunk-rows", "2")
    assert result.exit_code == 130
    assert result.output == f"invsl: interrupted; {out} was not written\n"
    assert out.read_bytes() == b"good"
    only(tmp_path, "in.csv", "out.parquet")


def test_compressed_csv_in_and_out(tmp_path):
    import gzip

    src = tmp_path / "in.csv.gz"
    src.write_bytes(gzip.compress(GOOD.encode()))
    out = tmp_path / "out.csv.gz"
    assert run("optimize", src, "-o", out).exit_code == 0
    df = pd.read_csv(out, dtype={"sku": str})  # pandas decompresses by the extension
    assert df["sku"].tolist() == ["007", "0042"]
    assert df["reorder_point"].iloc[0] == pytest.approx(S_FIRST, abs=1e-6)


def test_hostile_corrupt_gzip(tmp_path):
    src = tmp_path / "in.csv.gz"
    src.write_text(GOOD)  # not compressed at all
    result = run("optimize", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.output.startswith(f"invsl: error: {src}: cannot read the file: ")
    only(tmp_path, "in.csv.gz")


def test_every_frame_input_column_reaches_the_dataframe_layer(tmp_path, monkeypatch):
    # a column that a later invsl.api.frame reads (here a made-up "unit_cost") must be handed
    # over by the streaming pipeline, not dropped with the pass-through columns
    monkeypatch.setitem(invsl.api.frame.INPUT_COLUMNS, "unit_cost", (False, False, None))
    seen = []
    real = invsl.api.frame.optimize

    def spy(df, *args, **kwargs):
        seen.append(df.copy())
        return real(df, *args, **kwargs)

    monkeypatch.setattr(invsl.api.frame, "optimize", spy)
    src = tmp_path / "in.csv"
    src.write_text(HEADER.strip() + ",unit_cost,note\n007,100,30,1,200,2.5,x\n")
    assert run("optimize", src, "-o", tmp_path / "out.csv").exit_code == 0
    assert "unit_cost" in seen[0].columns and seen[0]["unit_cost"].tolist() == ["2.5"]
    assert "note" not in seen[0].columns and "sku" not in seen[0].columns
