"""Car parts portfolio demo: the figures of docs/portfolio.md.

Run from the project root::

    python -m datasets.portfolio_demo [--unit-cost 1.0] [--plot docs/img/exchange_curve_carparts.png]

It derives the per-part parameters of the 2,674 car parts (:mod:`datasets.carparts`), gives
every part the same unit cost (the data have no prices: by default 1 per unit, so money is
counted in units of stock), and compares the uniform fill-rate target of 95 % with the
optimised allocation of :func:`invsl.optimize_portfolio`:

1. the optimised allocation's aggregate fill rate at the uniform-95 % budget;
2. the budget the optimised allocation needs to match the uniform-95 % aggregate fill rate;
3. the exchange curve (table and plot).

Budgets are values of safety stock (sum of unit_cost * (s - E[X])); parts with zero demand
are flagged ``zero_demand`` and left out of both allocations. Reorder points may not go
below 0 in the optimised allocation (``min_reorder_point=0``, the default).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from datasets import carparts

DEFAULT_PLOT = Path("docs") / "img" / "exchange_curve_carparts.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m datasets.portfolio_demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--unit-cost",
        type=float,
        default=1.0,
        help="value of one unit of every part (default: %(default)s)",
    )
    parser.add_argument(
        "--target",
        type=float,
        default=0.95,
        help="uniform fill-rate target to compare with (default: %(default)s)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        default=DEFAULT_PLOT,
        help="exchange-curve image (default: %(default)s)",
    )
    parser.add_argument(
        "--table",
        type=Path,
        default=None,
        help="also write the exchange curve's numbers to this CSV file",
    )
    args = parser.parse_args(argv)

    import invsl
    from invsl.tools.curves import investment_to_match

    df = carparts.carparts_parameters().assign(unit_cost=args.unit_cost)
    t0 = time.perf_counter()
    uniform = invsl.optimize(df, metric="beta", target=args.target)
    ok = uniform["status"] == "ok"
    w = df.loc[ok, "demand_mean"]
    uniform_fill = float((w * uniform.loc[ok, "beta"]).sum() / w.sum())
    budget = float((df.loc[ok, "unit_cost"] * uniform.loc[ok, "safety_stock"]).sum())
    same_budget = invsl.optimize_portfolio(df, budget=budget)
    same_service = invsl.optimize_portfolio(df, aggregate_target=uniform_fill)
    t1 = time.perf_counter()
    sb, ss = same_budget.summary, same_service.summary
    saving = budget - ss["investment_used"]
    # budgets as values of on-hand stock too (the money really tied up)
    on_hand_uniform = float((df.loc[ok, "unit_cost"] * uniform.loc[ok, "expected_on_hand"]).sum())
    rows = [
        ("parts in the portfolio", f"{sb['skus']} (flagged and left out: {sb['rows_excluded']})"),
        (f"uniform {args.target:g} target: aggregate fill rate", f"{uniform_fill:.5f}"),
        (f"uniform {args.target:g} target: safety stock value", f"{budget:,.1f}"),
        (f"uniform {args.target:g} target: on-hand stock value", f"{on_hand_uniform:,.1f}"),
        ("optimised, same budget: aggregate fill rate", f"{sb['aggregate_fill_rate']:.5f}"),
        ("optimised, same budget: safety stock value used", f"{sb['investment_used']:,.1f}"),
        ("optimised, same budget: gap bound", f"{sb['gap_bound']:.2e}"),
        ("optimised, same fill rate: safety stock value", f"{ss['investment_used']:,.1f}"),
        ("optimised, same fill rate: aggregate fill rate", f"{ss['aggregate_fill_rate']:.5f}"),
        ("optimised, same fill rate: on-hand stock value", f"{ss['on_hand_value']:,.1f}"),
        ("optimised, same fill rate: gap bound [value]", f"{ss['gap_bound']:.2f}"),
        ("safety stock value saved", f"{saving:,.1f}"),
        (
            "on-hand stock value saved",
            f"{on_hand_uniform - ss['on_hand_value']:,.1f} "
            f"({(on_hand_uniform - ss['on_hand_value']) / on_hand_uniform:.1%} of the on-hand value)",
        ),
        ("time for the three optimisations [s]", f"{t1 - t0:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")

    curve = invsl.exchange_curve(df)
    print()
    print(
        curve[["allocation", "target", "investment", "aggregate_fill_rate"]].to_string(index=False)
    )
    need = investment_to_match(curve, uniform_fill)
    print(f"read off the curve at fill rate {uniform_fill:.4f}: {need}")
    if args.table:
        curve.to_csv(args.table, index=False)
    try:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        invsl.plot_exchange_curve(
            curve,
            args.plot,
            title=f"Car parts ({sb['skus']} parts), unit cost {args.unit_cost:g}: "
            "uniform targets vs optimised",
        )
        print(f"plot: {args.plot}")
    except ImportError as exc:
        print(f"no plot: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
