"""The ``invsl`` command line.

Exit codes: 0 every row ok; 1 the output was written but some rows are flagged (a summary
line on stderr); 2 usage or structural error (missing column, unreadable file): one line on
stderr, no output file.
"""

from __future__ import annotations

import sys

import click
import numpy as np
import pandas as pd

from invsl import frame
from invsl.io import TableError, read_table, write_table

#: rows per chunk for the progress bar on large tables
CHUNK_ROWS = 250_000

EXIT_OK, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(f"invsl: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _run(kind: str, input_path: str, output_path: str, quiet: bool, **options) -> None:
    try:
        df = read_table(input_path)
        function = frame.optimize if kind == "optimize" else frame.evaluate
        # structural checks run once on the whole table (cheap: no rows are computed)
        frame._resolve_columns(df, None, [
            n for n, (ev, op, _) in frame.INPUT_COLUMNS.items() if (op if kind == "optimize" else ev)
        ])
        n = len(df)
        show = sys.stderr.isatty() and not quiet and n > CHUNK_ROWS
        if n <= CHUNK_ROWS:
            result = function(df, **options)
        else:
            from tqdm import tqdm

            parts = []
            with tqdm(total=n, unit="rows", unit_scale=True, disable=not show,
                      file=sys.stderr, desc=kind) as bar:
                for start in range(0, n, CHUNK_ROWS):
                    parts.append(function(df.iloc[start:start + CHUNK_ROWS], **options))
                    bar.update(len(parts[-1]))
            result = pd.concat(parts)
        write_table(result, output_path)
    except (frame.InputError, TableError) as exc:
        _fail(str(exc))
    flagged = (result["status"] != "ok").to_numpy()
    n_flagged = int(np.count_nonzero(flagged))
    if n_flagged:
        counts = result.loc[flagged, "status"].astype(str).value_counts()
        detail = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
        click.echo(
            f"invsl: {n_flagged} of {len(result)} rows flagged ({detail}); "
            f"see the status and message columns of {output_path}",
            err=True,
        )
        sys.exit(EXIT_FLAGGED)
    if not quiet:
        click.echo(f"invsl: wrote {len(result)} rows to {output_path}, all ok", err=True)
    sys.exit(EXIT_OK)


_DIST = click.Choice(["normal", "gamma", "poisson", "negbin"], case_sensitive=False)
_common = [
    click.argument("input_path", metavar="IN", type=click.Path(dir_okay=True)),
    click.option("-o", "--output", "output_path", required=True, metavar="OUT",
                 help="Output table, .csv or .parquet (written only if the run succeeds)."),
    click.option("--distribution", type=_DIST, default="normal", show_default=True,
                 help="Lead-time demand model for rows without a 'distribution' value."),
    click.option("--lead-time-std", type=float, default=0.0, show_default=True,
                 help="Lead-time standard deviation [periods] for rows without one."),
    click.option("-q", "--quiet", is_flag=True, help="No progress bar, no success line."),
]


def _with_common(function):
    for decorator in reversed(_common):
        function = decorator(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="invsl")
def main() -> None:
    """Service levels and reorder points for inventory, one row per SKU.

    IN is a CSV or Parquet table with the columns demand_mean and demand_std (per period),
    lead_time (periods), order_quantity, and optionally sku, lead_time_std, distribution
    (normal, gamma, poisson, negbin). OUT gets the same rows plus reorder_point,
    safety_stock, alpha (cycle service level), beta (fill rate), gamma, ready_rate,
    expected_backorders, expected_on_hand, status and message.

    Exit codes: 0 all rows ok, 1 output written but some rows flagged (see their status
    and message), 2 usage error or unusable input (nothing written).
    """


@main.command()
@_with_common
@click.option("--metric", type=click.Choice(["alpha", "beta", "gamma", "cycle_service_level",
                                            "fill_rate", "gamma_service_level"],
                                           case_sensitive=False),
              default="beta", show_default=True,
              help="Service level to reach: alpha = cycle service level (chance of no "
                   "stockout per order cycle), beta = fill rate (share of demand served "
                   "from stock), gamma = 1 - mean waiting time per unit in periods.")
@click.option("--target", type=float, default=0.95, show_default=True,
              help="Target between 0 and 1 (a per-row 'target' column overrides it).")
def optimize(input_path, output_path, distribution, lead_time_std, quiet, metric, target):
    """Find the reorder point of every SKU that reaches the service target.

    Example: invsl optimize skus.csv -o plan.csv --metric beta --target 0.95
    """
    _run("optimize", input_path, output_path, quiet, metric=metric, target=target,
         distribution=distribution, lead_time_std=lead_time_std)


@main.command()
@_with_common
def evaluate(input_path, output_path, distribution, lead_time_std, quiet):
    """Compute every service level at each SKU's current reorder_point.

    Example: invsl evaluate current_policy.parquet -o levels.parquet
    """
    _run("evaluate", input_path, output_path, quiet, distribution=distribution,
         lead_time_std=lead_time_std)


@main.group()
def plot() -> None:
    """Draw plots (needs the optional extra: pip install 'invsl[plot]')."""


@plot.command("exchange-curve")
@click.argument("input_path", metavar="IN", type=click.Path(dir_okay=True))
@click.option("-o", "--output", "output_path", required=True, metavar="OUT",
              help="Image file, .png or .svg (the suffix picks the format).")
@click.option("--table", "table_path", default=None, metavar="CSV",
              help="Also write the curve's numbers to this table (.csv or .parquet).")
@click.option("--objective", type=click.Choice(["fill_rate", "gamma", "backorder_value"]),
              default="fill_rate", show_default=True, help="Aggregate service on the y axis.")
@click.option("--investment", type=click.Choice(["safety_stock", "on_hand"]),
              default="safety_stock", show_default=True, help="What the x axis counts.")
@click.option("--unit-cost", type=float, default=None,
              help="One unit cost for every SKU when IN has no unit_cost column.")
@click.option("--distribution", type=_DIST, default="normal", show_default=True,
              help="Lead-time demand model for rows without a 'distribution' value.")
def exchange_curve_command(input_path, output_path, table_path, objective, investment,
                           unit_cost, distribution):
    """Aggregate service against investment: uniform targets against the optimised allocation.

    Example: invsl plot exchange-curve skus.csv -o curve.png --unit-cost 1
    """
    from invsl.curves import exchange_curve
    from invsl.plot import plot_exchange_curve

    try:
        df = read_table(input_path)
        curve = exchange_curve(df, objective=objective, investment=investment,
                               unit_cost="unit_cost" if unit_cost is None else unit_cost,
                               distribution=distribution)
        plot_exchange_curve(curve, output_path, objective=objective)
        if table_path:
            write_table(curve, table_path)
    except (frame.InputError, TableError, ImportError) as exc:
        _fail(str(exc))
    click.echo(f"invsl: wrote the exchange curve to {output_path}", err=True)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
