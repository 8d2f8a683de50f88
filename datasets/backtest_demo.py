"""Car parts backtest: the table and the figure of docs/backtest.md.

Run from the project root::

    python -m datasets.backtest_demo [--plot docs/img/backtest_carparts.png]

Every car part as an (R, s, nQ) item reviewed monthly (R = 1) with Q = 3 months of its mean
demand, lead times 1 and 3 months; the last 18 months are the test, replanned every month
from the months before each origin (``missing="skip"``: the data dropped their missing
months). For each demand model and family the fill-rate targets 0.90, 0.95 and 0.98 are
planned, and the recorded demand is replayed through the plans: the achieved fill rate
(demand-weighted) against the target, and against the stock the plans held.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import invsl

DATA = Path(__file__).with_name("carparts_monthly.csv")
DEFAULT_PLOT = Path("docs") / "img" / "backtest_carparts.png"
TARGETS = (0.90, 0.95, 0.98)
PLANS = (
    ("sample", "normal"),
    ("croston_sba", "normal"),
    ("ses", "normal"),
    ("tsb", "normal"),
    ("sample", "negbin"),
    ("croston_sba", "negbin"),
)
OPTIONS = {"sku": "part", "period": "month", "demand": "demand", "missing": "skip"}


def run() -> pd.DataFrame:
    """One row per lead time, plan and target: achieved and predicted fill rate, stock."""
    history = pd.read_csv(DATA)
    parts = history["part"].unique()
    mean = history.groupby("part")["demand"].mean().reindex(parts).fillna(0.0).to_numpy()
    rows = []
    for lead_time in (1, 3):
        skus = pd.DataFrame(
            {"part": parts, "lead_time": lead_time, "policy": "RsQ", "review_period": 1,
             "order_quantity": np.maximum(1.0, np.round(3.0 * mean))}
        )  # fmt: skip
        for model, family in PLANS:
            for target in TARGETS:
                start = time.perf_counter()
                result = invsl.backtest(
                    history, skus, target=target, start=-18, demand_model=model,
                    distribution=family, history_options=OPTIONS,
                )  # fmt: skip
                s = result.summary
                rows.append(
                    {"lead_time": lead_time, "model": model, "family": family, "target": target,
                     "achieved": s["achieved_fill_rate"], "predicted": s["predicted_fill_rate"],
                     "share_meeting_target": s["share_meeting_target"],
                     "stock": s["mean_on_hand"], "skus": s["skus"],
                     "seconds": time.perf_counter() - start}
                )  # fmt: skip
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: Path) -> None:
    """Achieved against target, and achieved against stock, per lead time and plan."""
    from invsl.tools.plot import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for row, lead_time in enumerate((1, 3)):
        left, right = axes[row]
        part = table[table["lead_time"] == lead_time]
        for (model, family), curve in part.groupby(["model", "family"], sort=False):
            label = f"{model}, {family}"
            left.plot(curve["target"], curve["achieved"], marker="o", label=label)
            right.plot(curve["stock"], curve["achieved"], marker="o", label=label)
        left.plot(TARGETS, TARGETS, color="grey", lw=1, ls="--", label="achieved = target")
        left.set_xlabel("fill-rate target")
        left.set_ylabel("achieved fill rate (later demand)")
        left.set_title(f"lead time {lead_time}: target against achieved")
        right.set_xlabel("stock held [units, sum of mean on hand]")
        right.set_ylabel("achieved fill rate (later demand)")
        right.set_title(f"lead time {lead_time}: achieved against stock")
        left.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    args = parser.parse_args()
    table = run()
    with pd.option_context("display.width", 140, "display.max_rows", 100):
        print(table.round(4).to_string(index=False))
    plot(table, args.plot)
    print(f"figure: {args.plot}")


if __name__ == "__main__":
    main()
