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
#: (demand model, families, calibration): "auto" (invsl.calibrate's defaults on the months
#: before the test: the least stock for the total target, each segment's family chosen from
#: normal and negbin) is the recommended default; "equal" (each segment calibrated to the
#: target, three volume bands, negbin) the calibration of invsl 0.2's first version
PLANS = (
    ("sample", "normal", None),
    ("croston_sba", "normal", None),
    ("ses", "normal", None),
    ("tsb", "normal", None),
    ("sample", "negbin", None),
    ("croston_sba", "negbin", None),
    ("sample", "negbin", "equal"),
    ("sample", "normal,negbin", "auto"),
)
#: the targets of the reference curve: the normal plans of the sample moments
REFERENCE_TARGETS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999)
OPTIONS = {"sku": "part", "period": "month", "demand": "demand", "missing": "skip"}


def _skus(parts, mean, lead_time) -> pd.DataFrame:
    return pd.DataFrame(
        {"part": parts, "lead_time": lead_time, "policy": "RsQ", "review_period": 1,
         "order_quantity": np.maximum(1.0, np.round(3.0 * mean))}
    )  # fmt: skip


def reference(history, skus) -> tuple[np.ndarray, np.ndarray]:
    """Stock and achieved fill rate of the normal plans of the sample moments along
    REFERENCE_TARGETS (the curve the recommended plans must match or beat at equal stock)."""
    stock, achieved = [], []
    for target in REFERENCE_TARGETS:
        s = invsl.backtest(
            history, skus, target=target, start=-18, distribution="normal",
            history_options=OPTIONS,
        ).summary  # fmt: skip
        stock.append(s["mean_on_hand"])
        achieved.append(s["achieved_fill_rate"])
    return np.array(stock), np.array(achieved)


def run() -> tuple[pd.DataFrame, dict]:
    """One row per lead time, plan and target: achieved and predicted fill rate, stock, and
    the fill rate the normal sample plans achieve with the same stock; and per lead time
    that reference curve (stock, achieved)."""
    history = pd.read_csv(DATA)
    parts = history["part"].unique()
    mean = history.groupby("part")["demand"].mean().reindex(parts).fillna(0.0).to_numpy()
    rows, curves = [], {}
    for lead_time in (1, 3):
        skus = _skus(parts, mean, lead_time)
        ref_stock, ref_achieved = curves[lead_time] = reference(history, skus)
        for model, family, calibration in PLANS:
            given, families = calibration, family.split(",")
            if calibration == "equal":  # on the months before the test, as "auto" does
                given = invsl.calibrate(
                    history, skus, end=-18, demand_model=model, distribution=families,
                    allocate="equal", bands=3, history_options=OPTIONS,
                )  # fmt: skip
            for target in TARGETS:
                start = time.perf_counter()
                result = invsl.backtest(
                    history, skus, target=target, start=-18, demand_model=model,
                    distribution=families if calibration == "auto" else families[0],
                    history_options=OPTIONS, calibration=given,
                )  # fmt: skip
                s = result.summary
                rows.append(
                    {"lead_time": lead_time, "model": model, "family": family,
                     "calibration": calibration or "", "target": target,
                     "achieved": s["achieved_fill_rate"], "predicted": s["predicted_fill_rate"],
                     "share_meeting_target": s["share_meeting_target"],
                     "stock": s["mean_on_hand"],
                     "normal_at_equal_stock": float(
                         np.interp(s["mean_on_hand"], ref_stock, ref_achieved, right=np.nan)
                     ),
                     "skus": s["skus"], "seconds": time.perf_counter() - start}
                )  # fmt: skip
    return pd.DataFrame(rows), curves


def plot(table: pd.DataFrame, curves: dict, path: Path) -> None:
    """Achieved against target, and achieved against stock, per lead time and plan."""
    from invsl.tools.plot import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for row, lead_time in enumerate((1, 3)):
        left, right = axes[row]
        part = table[table["lead_time"] == lead_time]
        for (model, family, calibration), curve in part.groupby(
            ["model", "family", "calibration"], sort=False
        ):
            label = f"{model}, {family.replace(',', '/')}" + (
                f", calibrated ({'default' if calibration == 'auto' else calibration})"
                if calibration
                else ""
            )
            left.plot(curve["target"], curve["achieved"], marker="o", label=label)
            right.plot(curve["stock"], curve["achieved"], marker="o", label=label)
        left.plot(TARGETS, TARGETS, color="grey", lw=1, ls="--", label="achieved = target")
        stock, achieved = curves[lead_time]
        keep = achieved >= part["achieved"].min() - 0.02
        right.plot(stock[keep], achieved[keep], color="grey", lw=1, ls="--",
                   label="sample, normal, targets 0.5-0.9999")  # fmt: skip
        right.legend(fontsize=7)
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
    table, curves = run()
    with pd.option_context("display.width", 140, "display.max_rows", 100):
        print(table.round(4).to_string(index=False))
    plot(table, curves, args.plot)
    print(f"figure: {args.plot}")


if __name__ == "__main__":
    main()
