"""The ``invsl`` command line.

Exit codes: 0 every row ok; 1 the output was written but some rows are flagged (a summary
line on stderr); 2 usage or structural error (missing column, unreadable file): one line on
stderr, no output file; 130 interrupted (Ctrl-C), no output file.
"""

from __future__ import annotations

import sys
import time

import click

import numpy as np
import pandas as pd
from tqdm import tqdm

from invsl.api import frame
from invsl.tools.backtest.calibrate import ALLOCATIONS, BANDS, CALIBRATION_ORIGINS, FAMILIES
from invsl.tools.backtest.public import backtest as run_backtest
from invsl.tools.backtest.public import calibrate as run_calibrate
from invsl.tools.curves import exchange_curve
from invsl.tools.plot import plot_exchange_curve
from invsl.tools.simulation import simulate as run_simulation
from invsl.tools.warmup import warmup as run_warmup
from invsl.vocabulary import BACKTEST_STAGES, DEMAND_MODELS, accepted
from invsl.tools.io import (
    CHUNK_ROWS,
    TableError,
    TextFormat,
    read_column_map,
    read_table,
    run_file,
    write_table,
)

EXIT_OK, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


def _fail(message: str) -> None:
    click.echo(f"invsl: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _text_format(sep: str, decimal: str, thousands: str | None, encoding: str | None):
    """The TextFormat of the --sep/--decimal/--thousands/--encoding options (exit 2 if bad)."""
    named = {
        "tab": "\t",
        "\\t": "\t",
        "semicolon": ";",
        "comma": ",",
        "space": " ",
        "apostrophe": "'",
        "dot": ".",
        "none": None,
        "": None,
    }
    try:
        return TextFormat(
            sep=named.get(sep, sep) or sep,
            decimal=named.get(decimal, decimal) or decimal,
            thousands=named.get(thousands, thousands) if thousands else None,
            encoding=encoding if encoding not in (None, "auto") else None,
        )
    except ValueError as exc:
        _fail(str(exc))


def _run(
    kind: str,
    input_path: str,
    output_path: str,
    quiet: bool,
    *,
    sep: str = ",",
    decimal: str = ".",
    thousands: str | None = None,
    encoding: str | None = None,
    columns_file: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    **options,
) -> None:
    """Stream IN through frame.optimize/evaluate into OUT; exit with the documented code."""
    text = _text_format(sep, decimal, thousands, encoding)
    try:
        history_path = options.pop("history_path", None)
        if history_path is not None:
            # the demand history is read whole (one row per SKU and period) and handed to
            # every chunk; only the rows with distribution empirical use it
            options["history"] = read_table(history_path)
        mapping = read_column_map(columns_file) if columns_file else {}
        # continuous and periodic review alike: streamed in chunks (periodic tables, with
        # --policy other than sQ or a policy column, get the order_up_to column)
        summary = run_file(
            kind,
            input_path,
            output_path,
            options=options,
            text=text,
            columns=mapping,
            chunk_rows=chunk_rows,
            progress=sys.stderr.isatty() and not quiet,
        )
    except (frame.InputError, TableError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        click.echo(f"invsl: interrupted; {output_path} was not written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if summary.flagged:
        detail = ", ".join(
            f"{name}: {count}" for name, count in summary.status_counts.items() if name != "ok"
        )
        click.echo(
            f"invsl: {summary.flagged} of {summary.rows} rows flagged ({detail}); "
            f"see the status and message columns of {output_path}",
            err=True,
        )
        sys.exit(EXIT_FLAGGED)
    if not quiet:
        click.echo(f"invsl: wrote {summary.rows} rows to {output_path}, all ok", err=True)
    sys.exit(EXIT_OK)


#: names are checked by invsl itself (the vocabulary), so that the command line accepts
#: exactly the spellings of the Python API and rejects others with the same one-line message
_DIST_HELP = f"({accepted('distribution')})"
_common = [
    click.argument("input_path", metavar="IN", type=click.Path(dir_okay=True)),
    click.option(
        "-o",
        "--output",
        "output_path",
        required=True,
        metavar="OUT",
        help="Output table, .csv, .parquet or .xlsx (written only if the run succeeds).",
    ),
    click.option(
        "--distribution",
        default="normal",
        show_default=True,
        help=f"Lead-time demand model for rows without a 'distribution' value {_DIST_HELP}.",
    ),
    click.option(
        "--lead-time-std",
        type=float,
        default=0.0,
        show_default=True,
        help="Lead-time standard deviation [periods] for rows without one.",
    ),
    click.option(
        "--policy",
        default=None,
        help="Policy for rows without a 'policy' value: sQ continuous review, RS "
        "order-up-to, RsS min/max, RsQ (R,s,nQ); see docs/periodic.md. Not given: sQ, "
        "except rows with a review period, which are flagged (say which policy).",
    ),
    click.option(
        "--review-period",
        type=int,
        default=None,
        help="Review period [whole periods >= 1] for periodic rows without one [default: 1].",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress bar, no success line."),
    click.option(
        "--history",
        "history_path",
        default=None,
        metavar="FILE",
        type=click.Path(dir_okay=True),
        help="Demand history (.csv or .parquet; columns sku, period, demand) for "
        "rows with distribution empirical; absent periods count as zero demand.",
    ),
    click.option(
        "--sep",
        default=",",
        show_default=True,
        metavar="CHAR",
        help="Field separator of CSV files (input and output): ',', ';', 'tab', ...",
    ),
    click.option(
        "--decimal",
        default=".",
        show_default=True,
        type=click.Choice([".", ","]),
        help="Decimal mark of numbers in CSV files (input and output).",
    ),
    click.option(
        "--thousands",
        default=None,
        metavar="CHAR",
        help="Thousands separator in input numbers: '.', ',', 'space', \"'\" "
        "(default: none; a number holding one is flagged not_a_number).",
    ),
    click.option(
        "--encoding",
        default=None,
        metavar="NAME",
        help="Encoding of CSV input, e.g. utf-8, latin-1, cp1252 (default: UTF-8 with "
        "or without BOM, else Latin-1). Output is UTF-8.",
    ),
    click.option(
        "--columns",
        "columns_file",
        default=None,
        metavar="MAP.toml",
        type=click.Path(dir_okay=True),
        help="TOML file mapping invsl column names to the file's names "
        '([columns] demand_mean = "AVG_SALES"), for input and output.',
    ),
    click.option(
        "--chunk-rows",
        type=click.IntRange(min=1),
        default=CHUNK_ROWS,
        show_default=True,
        help="Rows read, computed and written at a time.",
    ),
]


def _with_common(function):
    for decorator in reversed(_common):
        function = decorator(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="invsl")
def main() -> None:
    """Service levels and reorder points for inventory, one row per SKU.

    IN is a CSV, Parquet or .xlsx table with the columns demand_mean and demand_std (per
    period), lead_time (periods), order_quantity, and optionally sku, lead_time_std,
    distribution (normal, gamma, poisson, negbin, empirical, compound_poisson); files are
    streamed in chunks. OUT gets
    the same rows plus reorder_point, safety_stock, alpha (cycle service level), beta (fill
    rate), gamma, ready_rate, expected_backorders, expected_on_hand, status and message.

    Exit codes: 0 all rows ok, 1 output written but some rows flagged (see their status
    and message), 2 usage error or unusable input (nothing written), 130 interrupted.
    """


@main.command()
@_with_common
@click.option(
    "--metric",
    default="beta",
    show_default=True,
    help=f"Service level to reach ({accepted('metric')}): alpha = cycle service level (chance of no "
    "stockout per order cycle), beta = fill rate (share of demand served "
    "from stock), gamma = 1 - mean waiting time per unit in periods.",
)
@click.option(
    "--target",
    type=float,
    default=0.95,
    show_default=True,
    help="Target between 0 and 1 (a per-row 'target' column overrides it).",
)
@click.option(
    "--calibration", "calibration_path", default=None, type=click.Path(dir_okay=False),
    help="A table of 'invsl calibrate': each row is solved for its calibrated nominal "
    "target (IN needs the segment column, e.g. demand_class); adds nominal_target.",
)  # fmt: skip
def optimize(
    input_path,
    output_path,
    distribution,
    lead_time_std,
    policy,
    review_period,
    quiet,
    metric,
    target,
    calibration_path,
    **io_options,
):
    """Find the reorder point of every SKU that reaches the service target.

    Example: invsl optimize skus.csv -o plan.csv --metric beta --target 0.95
    """
    if calibration_path is not None:
        try:
            io_options["calibration"] = read_table(calibration_path)
        except (frame.InputError, TableError) as exc:
            _fail(str(exc))
    _run(
        "optimize",
        input_path,
        output_path,
        quiet,
        metric=metric,
        target=target,
        distribution=distribution,
        lead_time_std=lead_time_std,
        policy=policy,
        review_period=review_period,
        **io_options,
    )


@main.command()
@_with_common
def evaluate(
    input_path, output_path, distribution, lead_time_std, policy, review_period, quiet, **io_options
):
    """Compute every service level at each SKU's current reorder_point.

    Example: invsl evaluate current_policy.parquet -o levels.parquet
    """
    _run(
        "evaluate",
        input_path,
        output_path,
        quiet,
        distribution=distribution,
        lead_time_std=lead_time_std,
        policy=policy,
        review_period=review_period,
        **io_options,
    )


@main.command()
@_with_common
@click.option(
    "--periods",
    type=click.IntRange(min=2),
    default=20_000,
    show_default=True,
    help="Periods simulated per SKU after the warm-up.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed; the same seed and rows give the same output.",
)
def simulate(
    input_path,
    output_path,
    distribution,
    lead_time_std,
    quiet,
    periods,
    seed,
    policy,
    review_period,
    sep,
    decimal,
    thousands,
    encoding,
    columns_file,
    chunk_rows,
    history_path,
):
    """Simulate every SKU's policy and report the measured service levels.

    Each metric gets a 95% confidence half-width column (alpha_ci, ...).
    See docs/simulate.md. Example: invsl simulate plan.csv -o check.csv --periods 50000
    """
    if columns_file is not None:
        _fail("simulate does not take --columns yet; rename the columns of IN")
    text = _text_format(sep, decimal, thousands, encoding)
    try:
        df = read_table(input_path, text)  # whole table: every row's random stream is its own
        # empirical rows sample each period's demand from their history (--history)
        history = read_table(history_path) if history_path is not None else None
        result = run_simulation(
            df,
            periods=periods,
            seed=seed,
            policy=policy,
            review_period=review_period,
            distribution=distribution,
            lead_time_std=lead_time_std,
            history=history,
        )
        write_table(result, output_path)
    except (frame.InputError, TableError) as exc:
        _fail(str(exc))
    flagged = (result["status"] != "ok").to_numpy()
    n_flagged = int(np.count_nonzero(flagged))
    if n_flagged:
        counts = result.loc[flagged, "status"].astype(str).value_counts()
        detail = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
        click.echo(
            f"invsl: {n_flagged} of {len(result)} rows flagged ({detail}); see the "
            f"status and message columns of {output_path}",
            err=True,
        )
        sys.exit(EXIT_FLAGGED)
    if not quiet:
        click.echo(f"invsl: simulated {len(result)} rows into {output_path}, all ok", err=True)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("history_path", metavar="HISTORY", type=click.Path(dir_okay=True))
@click.argument("skus_path", metavar="SKUS", type=click.Path(dir_okay=True))
@click.option(
    "-o", "--output", "output_path", required=True, metavar="OUT",
    help="Per-SKU results, .csv, .parquet or .xlsx (written only if the run succeeds).",
)  # fmt: skip
@click.option("--metric", default="beta", show_default=True, help="Service level of the plans.")
@click.option("--target", type=float, default=0.95, show_default=True, help="Target in (0, 1).")
@click.option(
    "--start", default=None,
    help="First origin: a period of HISTORY (e.g. 2001-07) or an index (-18: the last 18 "
    "periods) [default: the last third].",
)  # fmt: skip
@click.option(
    "--replan-every", type=int, default=1, show_default=True, help="Periods between origins."
)
@click.option(
    "--demand-model", default="sample", show_default=True,
    help=f"{', '.join(DEMAND_MODELS)} (forecast: your own, --forecasts; docs/backtest.md).",
)  # fmt: skip
@click.option(
    "--distribution", default="normal", show_default=True,
    help="Family of the plans; several, comma-separated (normal,negbin: the recommended "
    "default), with --calibration auto, which chooses each segment's.",
)  # fmt: skip
@click.option("--policy", default=None, help="Policy for rows without one (as for optimize).")
@click.option("--review-period", type=int, default=None, help="Review period for rows without one.")
@click.option(
    "--history-columns", default=None, metavar="SKU,PERIOD,DEMAND",
    help="Column names of HISTORY when they are not sku,period,demand or unique_id,ds,y.",
)  # fmt: skip
@click.option(
    "--missing", type=click.Choice(["zero", "skip"]), default="zero", show_default=True,
    help="A period without a row: no demand (zero) or not observed (skip).",
)  # fmt: skip
@click.option(
    "--calibration", default=None, metavar="auto|FILE",
    help="Plan for calibrated targets: 'auto' calibrates on the periods before --start, "
    "FILE is a table of 'invsl calibrate'.",
)  # fmt: skip
@click.option(
    "--forecasts", "forecasts_path", default=None, metavar="FILE",
    type=click.Path(dir_okay=True),
    help="Your forecasts (sku, period, forecast; or statsforecast's unique_id, ds, <model>), "
    "with --demand-model forecast.",
)  # fmt: skip
@click.option(
    "--forecast-columns", default=None, metavar="SKU,PERIOD,FORECAST",
    help="Column names of --forecasts when they are not found by themselves.",
)  # fmt: skip
@click.option(
    "--vintage-column", default=None, metavar="NAME",
    help="Column of --forecasts with the origin each forecast was made for [default: vintage].",
)  # fmt: skip
@click.option(
    "--cutoff-column", default=None, metavar="NAME",
    help="Column of --forecasts with the last period each forecast saw [default: cutoff].",
)  # fmt: skip
@click.option(
    "--progress", is_flag=True,
    help="Show the progress bar on stderr even when it is not a terminal.",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary line.")
def backtest(
    history_path, skus_path, output_path, metric, target, start, replan_every, demand_model,
    distribution, policy, review_period, history_columns, missing, forecasts_path,
    forecast_columns, vintage_column, cutoff_column, progress, calibration, quiet,
):  # fmt: skip
    """Replay the demand history through rolling plans: the service they really achieve.

    A progress bar (stages read, forecast, solve, replay) goes to stderr when it is a
    terminal (or with --progress), never with --quiet.

    Example: invsl backtest history.csv skus.csv -o backtest.csv --target 0.95 --start -18
    """
    options = {"missing": missing, **_three_names("--history-columns", history_columns, "demand")}
    forecast_options = _three_names("--forecast-columns", forecast_columns, "forecast")
    if vintage_column is not None:
        forecast_options["vintage"] = vintage_column
    if cutoff_column is not None:
        forecast_options["cutoff"] = cutoff_column
    if start is not None and start.lstrip("-").isdigit():
        start = int(start)
    bar = tqdm(
        total=len(BACKTEST_STAGES),
        desc=f"backtest: {BACKTEST_STAGES[0]}",
        unit="stage",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=quiet or not (progress or sys.stderr.isatty()),
    )

    def stage(name: str) -> None:
        bar.update(BACKTEST_STAGES.index(name) - bar.n)
        bar.set_description_str(f"backtest: {name}")

    try:
        history = read_table(history_path)
        skus = read_table(skus_path)
        forecasts = read_table(forecasts_path) if forecasts_path is not None else None
        if start is not None and not isinstance(start, int):
            start = _period_label(history, options, start)
        if calibration is not None and calibration != "auto":
            calibration = read_table(calibration)
        result = run_backtest(
            history, skus, metric=metric, target=target, start=start,
            replan_every=replan_every, demand_model=demand_model,
            distribution=_families(distribution), policy=policy, review_period=review_period,
            history_options=options, forecasts=forecasts, forecast_options=forecast_options,
            progress=stage,
            calibration=calibration,
        )  # fmt: skip
        write_table(result.skus, output_path)
        bar.update(bar.total - bar.n)
    except (frame.InputError, TableError) as exc:
        bar.close()  # (before the error line)
        _fail(str(exc))
    finally:
        bar.close()
    s = result.summary
    if not quiet:
        click.echo(
            f"invsl: {s['skus']} SKUs backtested over {s['periods_measured']} periods from "
            f"{s['first_origin']}: fill rate achieved {s['achieved_fill_rate']:.4f}, predicted "
            f"{s['predicted_fill_rate']:.4f} (target {s['target']:g}); "
            f"{s['share_meeting_target']:.1%} of SKUs met it; mean on hand {s['mean_on_hand']:.1f}",
            err=True,
        )
    if s["skus_flagged"]:
        counts = result.skus["status"].astype(str).value_counts()
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items() if v and k != "ok")
        click.echo(f"invsl: {s['skus_flagged']} rows flagged ({detail})", err=True)
        sys.exit(EXIT_FLAGGED)
    sys.exit(EXIT_OK)


def _three_names(option: str, text: str | None, value: str) -> dict:
    """The column names of an option SKU,PERIOD,<value> as a mapping (exit 2 if not three)."""
    if text is None:
        return {}
    names = [name.strip() for name in text.split(",")]
    if len(names) != 3:
        _fail(f"{option} takes three names: SKU,PERIOD,{value.upper()}")
    return dict(zip(("sku", "period", value), names))


@main.command()
@click.argument("history_path", metavar="HISTORY", type=click.Path(dir_okay=True))
@click.argument("skus_path", metavar="SKUS", type=click.Path(dir_okay=True))
@click.option(
    "-o", "--output", "output_path", required=True, metavar="OUT",
    help="The calibration table, .csv, .parquet or .xlsx (for optimize --calibration and "
    "backtest --calibration).",
)  # fmt: skip
@click.option("--metric", default="beta", show_default=True, help="Service level calibrated.")
@click.option(
    "--targets", default=None, metavar="T1,T2,...",
    help="Desired targets the table covers [default: 0.8 to 0.99].",
)  # fmt: skip
@click.option(
    "--origins", type=click.IntRange(min=1), default=CALIBRATION_ORIGINS, show_default=True,
    help="Calibration origins: the last periods before --end.",
)  # fmt: skip
@click.option(
    "--end", default=None,
    help="First period not used (a period of HISTORY or an index) [default: use it all].",
)  # fmt: skip
@click.option(
    "--by", default="demand_class", show_default=True,
    help="Segments: demand_class, or a column of SKUS.",
)  # fmt: skip
@click.option("--bands", type=click.IntRange(min=1), default=BANDS, show_default=True,
              help="Volume bands per segment.")  # fmt: skip
@click.option(
    "--allocate", type=click.Choice(ALLOCATIONS), default=ALLOCATIONS[0], show_default=True,
    help="efficient: least stock for the total target; equal: each segment meets it.",
)  # fmt: skip
@click.option("--demand-model", default="sample", show_default=True, help="As for backtest.")
@click.option(
    "--distribution", default=",".join(FAMILIES), show_default=True,
    help="Family of the plans; several, comma-separated: each segment takes the best.",
)  # fmt: skip
@click.option("--policy", default=None, help="Policy for rows without one (as for optimize).")
@click.option("--review-period", type=int, default=None, help="Review period for rows without one.")
@click.option("--history-columns", default=None, metavar="SKU,PERIOD,DEMAND",
              help="Column names of HISTORY, as for backtest.")  # fmt: skip
@click.option("--missing", type=click.Choice(["zero", "skip"]), default="zero",
              show_default=True, help="As for backtest.")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def calibrate(
    history_path, skus_path, output_path, metric, targets, origins, end, by, bands, allocate,
    demand_model, distribution, policy, review_period, history_columns, missing, quiet,
):  # fmt: skip
    """Calibrated targets from a backtest: per segment, the target to ask for.

    Example: invsl calibrate history.csv skus.csv -o calibration.csv --end -12
    """
    options = {"missing": missing, **_three_names("--history-columns", history_columns, "demand")}
    if end is not None and end.lstrip("-").isdigit():
        end = int(end)
    wanted = {}
    if targets is not None:
        try:
            wanted["targets"] = [float(t) for t in targets.split(",")]
        except ValueError:
            _fail(f"--targets {targets!r}: give numbers separated by commas, e.g. 0.9,0.95")
    try:
        history = read_table(history_path)
        skus = read_table(skus_path)
        if end is not None and not isinstance(end, int):
            end = _period_label(history, options, end)
        table = run_calibrate(
            history, skus, metric=metric, origins=origins, end=end, by=by, bands=bands,
            allocate=allocate, demand_model=demand_model, distribution=_families(distribution),
            policy=policy, review_period=review_period, history_options=options, **wanted,
        )  # fmt: skip
        write_table(table, output_path)
    except (frame.InputError, TableError) as exc:
        _fail(str(exc))
    if not quiet:
        short = table[~table["reached"]]
        count = int(table["volume_band"].max())
        click.echo(
            f"invsl: calibration by {by} ({table['segment'].nunique() - 1} segments, "
            f"{count if count > 1 else 'no'} volume bands) written to {output_path}; "
            f"{len(short)} of {len(table)} rows not reached (planned at the top of the grid)",
            err=True,
        )
    sys.exit(EXIT_OK)


def _families(text: str) -> str | list[str]:
    """A --distribution value: one family, or several separated by commas."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    return names if len(names) > 1 else (names or [text])[0]


def _period_label(history, options, start: str):
    """A --start given as text, as the period labels of HISTORY are typed (a CSV file reads
    2001-07 as text, 200107 as a number)."""
    column = options.get("period", "period" if "period" in history.columns else "ds")
    if column in history.columns and pd.api.types.is_numeric_dtype(history[column].dtype):
        return pd.to_numeric(start)
    return start


@main.command()
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="Steps run at once, each in its own process [default: one per CPU].",
)
def warmup(quiet, processes):
    """Compile every kernel now, so that later jobs do not have to.

    numba compiles invsl's kernels at their first use in a fresh installation (tens of
    seconds) and caches them on disk; run this once after installing (for example when
    building a container image). Later processes load the kernels in about a second.
    Example: invsl warmup
    """

    def report(step, seconds):
        if not quiet:
            click.echo(f"invsl: {step}: {seconds:.1f} s", err=True)

    start = time.perf_counter()
    run_warmup(report, processes=processes)
    if not quiet:
        import numba

        where = numba.config.CACHE_DIR or "the __pycache__ folders of the invsl package"
        click.echo(
            f"invsl: warm-up done in {time.perf_counter() - start:.1f} s; kernels cached in "
            f"{where}",
            err=True,
        )
    sys.exit(EXIT_OK)


@main.group()
def plot() -> None:
    """Draw plots (needs the optional extra: pip install 'invsl[plot]')."""


@plot.command("exchange-curve")
@click.argument("input_path", metavar="IN", type=click.Path(dir_okay=True))
@click.option(
    "-o",
    "--output",
    "output_path",
    required=True,
    metavar="OUT",
    help="Image file, .png or .svg (the suffix picks the format).",
)
@click.option(
    "--table",
    "table_path",
    default=None,
    metavar="CSV",
    help="Also write the curve's numbers to this table (.csv or .parquet).",
)
@click.option(
    "--objective",
    type=click.Choice(["fill_rate", "gamma", "backorder_value"]),
    default="fill_rate",
    show_default=True,
    help="Aggregate service on the y axis.",
)
@click.option(
    "--investment",
    type=click.Choice(["safety_stock", "on_hand"]),
    default="safety_stock",
    show_default=True,
    help="What the x axis counts.",
)
@click.option(
    "--unit-cost",
    type=float,
    default=None,
    help="One unit cost for every SKU when IN has no unit_cost column.",
)
@click.option(
    "--distribution",
    default="normal",
    show_default=True,
    help=f"Lead-time demand model for rows without a 'distribution' value {_DIST_HELP}.",
)
def exchange_curve_command(
    input_path, output_path, table_path, objective, investment, unit_cost, distribution
):
    """Aggregate service against investment: uniform targets against the optimised allocation.

    Example: invsl plot exchange-curve skus.csv -o curve.png --unit-cost 1
    """
    try:
        df = read_table(input_path)
        curve = exchange_curve(
            df,
            objective=objective,
            investment=investment,
            unit_cost="unit_cost" if unit_cost is None else unit_cost,
            distribution=distribution,
        )
        plot_exchange_curve(curve, output_path, objective=objective)
        if table_path:
            write_table(curve, table_path)
    except (frame.InputError, TableError, ImportError) as exc:
        _fail(str(exc))
    click.echo(f"invsl: wrote the exchange curve to {output_path}", err=True)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
