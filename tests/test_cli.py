"""Command line: exit codes, messages, formats, no output file on failure."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from invsl.tools.cli import main

GOOD = (
    "sku,demand_mean,demand_std,lead_time,order_quantity,distribution\n"
    "007,100,30,1,200,normal\n"
    "008,8,,1,10,poisson\n"
)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="invsl")


def test_optimize_csv_all_ok(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out, "--metric", "cycle_service_level", "--target", "0.95")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out, dtype={"sku": str})
    assert df["sku"].tolist() == ["007", "008"]  # ids untouched
    assert df["reorder_point"].iloc[0] == pytest.approx(stats.norm.ppf(0.95, 100, 30), abs=1e-7)
    assert df["reorder_point"].iloc[1] == stats.poisson.ppf(0.95, 8)
    assert (df["status"] == "ok").all()


def test_flagged_rows_exit_1_with_summary(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD + "009,-1,3,1,1,normal\n010,5,1,1,1,weibull\n")
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out)
    assert result.exit_code == 1
    assert "2 of 4 rows flagged" in result.output
    assert "negative: 1" in result.output and "unknown_distribution: 1" in result.output
    df = pd.read_csv(out, dtype={"sku": str}, keep_default_na=False)
    assert df["status"].tolist() == ["ok", "ok", "negative", "unknown_distribution"]


@pytest.mark.parametrize(
    "content,words",
    [
        ("sku,demand_mean\n1,2\n", "missing required columns: demand_std"),
        ("", "empty"),
    ],
)
def test_structural_errors_exit_2_and_write_nothing(tmp_path, content, words):
    src = tmp_path / "in.csv"
    src.write_text(content)
    out = tmp_path / "out.csv"
    result = run("optimize", src, "-o", out)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]  # no temporary files left either


def test_missing_file_directory_and_unknown_extension(tmp_path):
    assert run("optimize", tmp_path / "nope.csv", "-o", tmp_path / "o.csv").exit_code == 2
    assert run("optimize", tmp_path, "-o", tmp_path / "o.csv").exit_code == 2
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    result = run("optimize", src, "-o", tmp_path / "o.xyz")
    assert result.exit_code == 2 and "unknown file type" in result.output


def test_failed_run_keeps_existing_output(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    src = tmp_path / "in.csv"
    src.write_text("sku,demand_mean\n1,2\n")
    assert run("optimize", src, "-o", out).exit_code == 2
    assert out.read_text() == "precious\n"


def test_usage_errors_exit_2(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    assert run("optimize", src).exit_code == 2  # no -o
    assert run("optimize", src, "-o", tmp_path / "o.csv", "--metric", "delta").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_parquet_round_trip_and_evaluate(tmp_path):
    src = tmp_path / "in.parquet"
    pd.read_csv(pd.io.common.StringIO(GOOD), dtype={"sku": str}).to_parquet(src)
    plan = tmp_path / "plan.parquet"
    assert run("optimize", src, "-o", plan).exit_code == 0
    planned = pd.read_parquet(plan)
    levels_path = tmp_path / "levels.csv"
    assert run("evaluate", plan, "-o", levels_path).exit_code == 0
    levels = pd.read_csv(levels_path, dtype={"sku": str})
    np.testing.assert_allclose(levels["beta"], planned["beta"], rtol=1e-14)
    assert levels["beta"].iloc[0] == pytest.approx(0.95, abs=1e-9)


def test_help_explains_columns_and_exit_codes():
    result = run("--help")
    assert result.exit_code == 0
    for words in ("demand_mean", "fill rate", "Exit codes"):
        assert words in result.output
    text = " ".join(run("optimize", "--help").output.split())
    assert "--target" in text and "cycle service level" in text and "fill rate" in text


def test_console_script_is_installed(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    bindir = __import__("pathlib").Path(sys.executable).parent
    proc = subprocess.run(
        [str(bindir / "invsl"), "optimize", str(src), "-o", str(tmp_path / "o.csv"), "-q"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "options,words",
    [
        (["--sep", ",", "--decimal", ","], "European exports use --sep ';' --decimal ','"),
        (
            ["--sep", ";", "--decimal", ",", "--thousands", ","],
            "thousands separator and the decimal",
        ),
        (["--thousands", "5"], "thousands separator must be one character"),
        (["--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["--sep", ";;"], "separator must be one character"),
    ],
)
def test_bad_text_options_exit_2_in_one_line(tmp_path, options, words):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    result = run("optimize", src, "-o", tmp_path / "o.csv", *options)
    assert result.exit_code == 2
    assert result.output.startswith("invsl: error: ") and words in result.output
    assert len(result.output.splitlines()) == 1
    assert list(tmp_path.iterdir()) == [src]


def test_option_value_errors_from_click_exit_2(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    assert run("optimize", src, "-o", tmp_path / "o.csv", "--decimal", ":").exit_code == 2
    assert run("optimize", src, "-o", tmp_path / "o.csv", "--chunk-rows", "0").exit_code == 2


def test_named_separators_and_chunk_rows(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD.replace(",", "\t"))
    out = tmp_path / "o.csv"
    result = run("optimize", src, "-o", out, "--sep", "tab", "--chunk-rows", "1", "-q")
    assert result.exit_code == 0 and result.output == ""
    df = pd.read_csv(out, sep="\t", dtype={"sku": str})
    assert df["sku"].tolist() == ["007", "008"] and (df["status"] == "ok").all()
