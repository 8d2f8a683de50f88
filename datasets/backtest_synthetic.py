"""A second history for the backtest: synthetic, drifting, intermittent demand.

Run from the project root::

    python -m datasets.backtest_synthetic [--seed 11]

2,000 SKUs over 60 periods: in each period an order arrives with a chance that drifts as a
geometric random walk (steps of sd 0.08 in log), its size is 1 plus a geometric number of
units (mean size 1.5 to 8 per SKU), and 15 % of the SKUs die out at a random period from the
30th on. Every SKU is an (R, s, nQ) item, R = 1 and Q = 3 periods of mean demand; the last 18
periods are the test. Printed: the achieved fill rate and the stock (sum of mean on hand) of
the normal and negative binomial plans of the sample moments and of the calibrated plans
(docs/backtest.md), at targets 0.90, 0.95 and 0.98 and lead times 1 and 3, and the fill the
normal plans achieve with the same stock.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import invsl
from datasets.backtest_demo import REFERENCE_TARGETS

TARGETS = (0.90, 0.95, 0.98)


def history(seed: int = 11, n: int = 2000, periods: int = 60) -> pd.DataFrame:
    """The synthetic history, ``sku, period, demand``."""
    rng = np.random.default_rng(seed)
    chance = rng.uniform(0.1, 0.9, n)
    size = rng.gamma(1.5, 2.0, n) + 1.0
    walk = np.exp(np.cumsum(rng.normal(0.0, 0.08, (n, periods)), axis=1))
    dies = rng.random(n) < 0.15
    end = rng.integers(30, periods, n)
    alive = ~(dies[:, None] & (np.arange(periods)[None, :] >= end[:, None]))
    order = rng.random((n, periods)) < np.clip(chance[:, None] * walk, 0.0, 1.0)
    units = 1 + rng.negative_binomial(1, 1.0 / size[:, None], (n, periods))
    demand = np.where(order & alive, units, 0)
    return pd.DataFrame(
        {"sku": np.repeat(np.arange(n), periods), "period": np.tile(np.arange(periods), n),
         "demand": demand.ravel()}
    )  # fmt: skip


def run(seed: int = 11) -> pd.DataFrame:
    """One row per lead time, plan and target: achieved fill rate and stock, and the fill
    rate the normal plans of the sample moments achieve with the same stock (their curve
    over targets 0.5 to 0.9999; NaN where they never hold that much)."""
    data = history(seed)
    mean = data.groupby("sku")["demand"].mean().to_numpy()
    rows = []
    for lead_time in (1, 3):
        skus = pd.DataFrame(
            {"sku": np.arange(len(mean)), "lead_time": lead_time, "policy": "RsQ",
             "review_period": 1, "order_quantity": np.maximum(1.0, np.round(3.0 * mean))}
        )  # fmt: skip
        curve = [
            invsl.backtest(data, skus, target=t, start=-18, distribution="normal").summary
            for t in REFERENCE_TARGETS
        ]
        ref_stock = np.array([c["mean_on_hand"] for c in curve])
        ref_achieved = np.array([c["achieved_fill_rate"] for c in curve])
        equal = invsl.calibrate(data, skus, end=-18, distribution="negbin", allocate="equal",
                                bands=3)  # fmt: skip
        plans = {
            "sample, normal": {"distribution": "normal"},
            "sample, negbin": {"distribution": "negbin"},
            "negbin, calibrated (equal)": {"distribution": "negbin", "calibration": equal},
            "normal/negbin, calibrated (default)": {
                "distribution": ["normal", "negbin"], "calibration": "auto",
            },
        }  # fmt: skip
        for name, options in plans.items():
            for target in TARGETS:
                s = invsl.backtest(data, skus, target=target, start=-18, **options).summary
                rows.append(
                    {"lead_time": lead_time, "plans": name, "target": target,
                     "achieved": s["achieved_fill_rate"], "stock": s["mean_on_hand"],
                     "share_meeting_target": s["share_meeting_target"],
                     "normal_at_equal_stock": float(
                         np.interp(s["mean_on_hand"], ref_stock, ref_achieved, right=np.nan)
                     )}
                )  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with pd.option_context("display.width", 140, "display.max_rows", 100):
        print(run(args.seed).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
