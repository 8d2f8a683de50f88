"""Plots (optional extra ``plot``: ``pip install invsl[plot]``, which brings matplotlib).

matplotlib is imported only when a plot is drawn, so ``import invsl`` never needs it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_LABELS = {
    "fill_rate": "aggregate fill rate (share of demand served from stock)",
    "gamma": "aggregate gamma (1 - mean wait per unit [periods])",
    "backorder_value": "value of expected backorders [currency]",
}


def pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install 'invsl[plot]' (or pip install matplotlib)"
        ) from exc
    return plt


def plot_exchange_curve(
    curve: pd.DataFrame,
    path: str | Path | None = None,
    *,
    objective: str = "fill_rate",
    title: str | None = None,
    ax=None,
):
    """Draw an exchange curve (from :func:`invsl.exchange_curve`) and optionally save it.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`invsl.exchange_curve`.
    path : str or Path, optional
        File to write; the format follows the suffix (``.png``, ``.svg``, ``.pdf``).
    objective : str
        Objective the curve was computed for (axis label only).
    title : str, optional
        Plot title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 4.5), dpi=120)
    else:
        fig = ax.figure
    styles: dict[object, dict[str, str]] = {
        "uniform": dict(marker="o", linestyle="--", color="tab:gray"),
        "optimised": dict(marker="s", linestyle="-", color="tab:blue"),
    }
    for name, part in curve.groupby("allocation", sort=False):
        part = part.sort_values("investment")
        ax.plot(
            part["investment"],
            part["aggregate_service"],
            label=f"{name} allocation",
            **styles.get(name, {}),
        )
        if name == "uniform":
            for _, row in part.iterrows():
                ax.annotate(
                    f"{row['target']:g}",
                    (row["investment"], row["aggregate_service"]),
                    textcoords="offset points",
                    xytext=(4, -10),
                    fontsize=7,
                    color="tab:gray",
                )
    ax.set_xlabel("investment: value of stock [currency]")
    ax.set_ylabel(_LABELS.get(objective, "aggregate service"))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
