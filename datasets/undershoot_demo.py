"""The undershoot trap of docs/periodic.md, drawn: the figure docs/img/undershoot_daily_review.png.

Run from the project root::

    python -m datasets.undershoot_demo [--plot docs/img/undershoot_daily_review.png]
                                       [--periods 400000] [--seed 1]

Daily demand is normal with mean 100 and sd 40, the lead time is 1 day, orders come in lots
of Q = 200 and the fill-rate target is 0.95 (the worked case of issue 3). The figure draws the
fill rate beta as a function of the reorder point s

- under continuous review, (s, Q): :func:`invsl.fill_rate`;
- under daily review, (R, s, nQ) with R = 1: :func:`invsl.periodic_service_levels`;

both with invsl's array API, the 0.95 target, the continuous-review answer (s = 113.79), the
fill rate that s really gives under daily review (0.7475) and the daily-review answer
(s = 191.82, :func:`invsl.periodic_policy`). Points with 95 % confidence bars are
:func:`invsl.simulate` runs of the daily-review system at several s: they lie on the daily-review
curve, not on the continuous-review one. It prints the numbers it marks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_PLOT = Path("docs") / "img" / "undershoot_daily_review.png"

#: the worked case: daily demand mean and sd [units/day], lead time [days], lot size [units]
DEMAND_MEAN, DEMAND_STD, LEAD_TIME, ORDER_QUANTITY = 100.0, 40.0, 1.0, 200.0
TARGET = 0.95
#: reorder points [units] simulated under daily review, besides the two answers
SIMULATED_S = (60.0, 90.0, 140.0, 165.0, 220.0, 250.0)


def key_numbers() -> dict[str, float]:
    """The numbers the figure marks, computed by invsl.

    Returns
    -------
    dict
        ``s_continuous``: the (s, Q) reorder point for beta = 0.95 [units];
        ``beta_daily_at_s_continuous``: the fill rate of that s under daily review (R, s, nQ);
        ``s_daily``: the (R, s, nQ), R = 1, reorder point for beta = 0.95 [units];
        ``beta_continuous_at_s_daily``: the (s, Q) fill rate of that s.
    """
    import invsl

    s_cont = float(invsl.reorder_point(TARGET, ORDER_QUANTITY, DEMAND_MEAN, DEMAND_STD, LEAD_TIME))
    s_daily, _ = invsl.periodic_policy(
        TARGET,
        "RsQ",
        DEMAND_MEAN,
        DEMAND_STD,
        LEAD_TIME,
        review_period=1,
        order_quantity=ORDER_QUANTITY,
    )
    s_daily = float(s_daily)
    beta_daily = invsl.periodic_service_levels(
        "RsQ",
        DEMAND_MEAN,
        DEMAND_STD,
        LEAD_TIME,
        review_period=1,
        reorder_point=s_cont,
        order_quantity=ORDER_QUANTITY,
    )["beta"]
    beta_cont = invsl.fill_rate(s_daily, ORDER_QUANTITY, DEMAND_MEAN, DEMAND_STD, LEAD_TIME)
    return {
        "s_continuous": s_cont,
        "beta_daily_at_s_continuous": float(beta_daily),
        "s_daily": s_daily,
        "beta_continuous_at_s_daily": float(beta_cont),
    }


def curves(reorder_points) -> pd.DataFrame:
    """beta(s) under continuous review and under daily review, one row per s [units]."""
    import invsl

    s = np.asarray(reorder_points, dtype=float)
    continuous = invsl.fill_rate(s, ORDER_QUANTITY, DEMAND_MEAN, DEMAND_STD, LEAD_TIME)
    daily = invsl.periodic_service_levels(
        "RsQ",
        DEMAND_MEAN,
        DEMAND_STD,
        LEAD_TIME,
        review_period=1,
        reorder_point=s,
        order_quantity=ORDER_QUANTITY,
    )["beta"]
    return pd.DataFrame({"reorder_point": s, "beta_continuous": continuous, "beta_daily": daily})


def simulated(reorder_points, *, periods: int = 400_000, seed: int = 1) -> pd.DataFrame:
    """invsl.simulate of the daily-review (R, s, nQ) system at the given s: beta and its 95 %
    half-width ``beta_ci`` (and every other simulated column)."""
    import invsl

    s = np.asarray(reorder_points, dtype=float)
    df = pd.DataFrame(
        {
            "demand_mean": DEMAND_MEAN,
            "demand_std": DEMAND_STD,
            "lead_time": LEAD_TIME,
            "order_quantity": ORDER_QUANTITY,
            "reorder_point": s,
            "policy": "RsQ",
            "review_period": 1,
        }
    )
    return invsl.simulate(df, periods=periods, seed=seed)


def draw(path: str | Path | None = None, *, periods: int = 400_000, seed: int = 1) -> dict:
    """Draw the figure (and save it to ``path``); return what it marks.

    Returns
    -------
    dict
        The :func:`key_numbers`, plus ``curves`` (:func:`curves` on the plotted grid),
        ``simulation`` (:func:`simulated` at the simulated points) and ``figure``.
    """
    from invsl.tools.plot import pyplot

    plt = pyplot()
    marks = key_numbers()
    s_cont, s_daily = marks["s_continuous"], marks["s_daily"]
    beta_daily = marks["beta_daily_at_s_continuous"]
    grid = curves(np.linspace(40.0, 270.0, 231))
    points = sorted([*SIMULATED_S, s_cont, s_daily])
    sim = simulated(points, periods=periods, seed=seed)

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    ax.plot(
        grid["reorder_point"],
        grid["beta_continuous"],
        color="tab:blue",
        label="continuous review (s, Q): invsl.fill_rate",
    )
    ax.plot(
        grid["reorder_point"],
        grid["beta_daily"],
        color="tab:orange",
        label="daily review (R, s, nQ), R = 1: invsl.periodic_service_levels",
    )
    ax.errorbar(
        sim["reorder_point"],
        sim["beta"],
        yerr=sim["beta_ci"],
        fmt="o",
        color="black",
        markersize=3.5,
        capsize=3,
        label=f"daily review simulated (invsl.simulate, {periods:,} days, 95 % bars)",
    )
    ax.axhline(TARGET, color="tab:gray", linestyle="--", linewidth=1)
    ax.text(42.0, TARGET + 0.004, f"target {TARGET:g}", color="tab:gray", fontsize=8)
    for s, color in ((s_cont, "tab:blue"), (s_daily, "tab:orange")):
        ax.axvline(s, color=color, linestyle=":", linewidth=1)
    ax.plot([s_cont], [TARGET], "s", color="tab:blue", markersize=6)
    ax.plot([s_cont], [beta_daily], "s", color="tab:orange", markersize=6)
    ax.plot([s_daily], [TARGET], "D", color="tab:orange", markersize=6)
    ax.annotate(
        f"continuous-review answer\ns = {s_cont:.2f}",
        (s_cont, TARGET),
        textcoords="offset points",
        xytext=(-112, 12),
        fontsize=8,
        color="tab:blue",
        arrowprops=dict(arrowstyle="-", color="tab:blue", lw=0.6),
    )
    ax.annotate(
        f"under daily review it gives\nbeta = {beta_daily:.4f}",
        (s_cont, beta_daily),
        textcoords="offset points",
        xytext=(10, -30),
        fontsize=8,
        color="tab:orange",
        arrowprops=dict(arrowstyle="-", color="tab:orange", lw=0.6),
    )
    ax.annotate(
        f"daily-review answer\ns = {s_daily:.2f}",
        (s_daily, TARGET),
        textcoords="offset points",
        xytext=(14, -42),
        fontsize=8,
        color="tab:orange",
        arrowprops=dict(arrowstyle="-", color="tab:orange", lw=0.6),
    )
    ax.set_xlim(40.0, 270.0)
    ax.set_ylim(0.45, 1.005)
    ax.set_xlabel("reorder point s [units]")
    ax.set_ylabel("fill rate beta (share of demand served from stock)")
    ax.set_title(
        "Daily demand N(100, 40^2), lead time 1 day, Q = 200: the undershoot trap", fontsize=10
    )
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=7.5)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return {**marks, "curves": grid, "simulation": sim, "figure": fig}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m datasets.undershoot_demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--plot", type=Path, default=DEFAULT_PLOT, help="image to write (default: %(default)s)"
    )
    parser.add_argument(
        "--periods",
        type=int,
        default=400_000,
        help="days simulated per point (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=1, help="simulation seed (default: 1)")
    args = parser.parse_args(argv)
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    out = draw(args.plot, periods=args.periods, seed=args.seed)
    for key in (
        "s_continuous",
        "beta_daily_at_s_continuous",
        "s_daily",
        "beta_continuous_at_s_daily",
    ):
        print(f"{key:<28} {out[key]:.5f}")
    sim = out["simulation"]
    print(f"{'s':>8} {'beta simulated':>15} {'half-width':>11}")
    for s, b, ci in zip(sim["reorder_point"], sim["beta"], sim["beta_ci"]):
        print(f"{s:8.2f} {b:15.5f} {ci:11.5f}")
    print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
