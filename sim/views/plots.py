"""Seaborn figures, one consistent style; every figure writes the data behind it as CSV."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from sim.io import write_atomic  # noqa: E402

STYLE = {"style": "whitegrid", "context": "notebook"}


def error_bar_lengths(center, low, high) -> np.ndarray:
    """Error-bar lengths below and above; an interval that misses its estimate (a percentile
    bootstrap can) or is NaN draws no bar on that side instead of failing."""
    center, low, high = (np.asarray(v, float) for v in (center, low, high))
    return np.nan_to_num(np.clip([center - low, high - center], 0.0, None), nan=0.0)


def ci_bar_figure(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    figsize: tuple[float, float] = (6.5, 4.2),
    band: tuple[float, float] | None = None,
    band_label: str = "published range",
    ref: float | None = None,
    tilt: bool = False,
) -> plt.Figure:
    """Bars of the estimates `y` per `x` with their own intervals (columns ci_low, ci_high) as
    error bars, not seaborn's; optionally a shaded band (a published range) and a reference line."""
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=figsize)
    sns.barplot(data=data, x=x, y=y, color=sns.color_palette()[0], errorbar=None, ax=ax)
    ax.errorbar(
        np.arange(len(data)),
        data[y],
        yerr=error_bar_lengths(data[y], data["ci_low"], data["ci_high"]),
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    if band is not None:
        ax.axhspan(*band, color="tab:green", alpha=0.15, label=band_label)
        ax.legend(loc="upper right")
    if ref is not None:
        ax.axhline(ref, color="grey", linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if tilt:
        ax.tick_params(axis="x", labelrotation=15)
    return fig


def save_figure(fig: plt.Figure, path: Path, data: pd.DataFrame) -> list[Path]:
    """Write PNG and SVG (and the data behind the figure as CSV beside them), atomically."""
    path = Path(path)
    written = [
        write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=120, bbox_inches="tight")),
        write_atomic(
            path.with_suffix(".svg"), lambda p: fig.savefig(p, format="svg", bbox_inches="tight")
        ),
    ]
    written.append(write_atomic(path.with_suffix(".csv"), lambda p: data.to_csv(p, index=False)))
    plt.close(fig)
    return written


def output_vs_counterfactual(
    ts: pd.DataFrame, cf: pd.DataFrame, title: str, shock_start: int | None, path: Path
) -> list[Path]:
    """Final output of the shocked run against its no-shock counterfactual."""
    sns.set_theme(**STYLE)
    data = pd.concat(
        [
            ts[["step", "output", "final_demand"]].assign(run="with shocks"),
            cf[["step", "output", "final_demand"]].assign(run="no-shock counterfactual"),
        ]
    )
    fig, ax = plt.subplots(figsize=(8, 4.2))
    sns.lineplot(data=data, x="step", y="output", hue="run", ax=ax)
    if shock_start is not None:
        ax.axvline(shock_start, color="grey", linestyle=":", label="shock starts")
    ax.set_xlabel("month")
    ax.set_ylabel("final output (value at base prices per month)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return save_figure(fig, path, data)


def output_paths(
    timeseries: pd.DataFrame,
    path: Path,
    *,
    by: str = "scenario",
    y: str = "output",
    level: float = 0.95,
    title: str | None = None,
    shock_start: int | None = None,
) -> list[Path]:
    """Mean path of `y` per group (scenario) over the replicates, with a t-based confidence band."""
    from sim.analysis.statistics import mean_ci

    sns.set_theme(**STYLE)
    data = mean_ci(timeseries, y, [by, "step"], level)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    groups = list(dict.fromkeys(data[by]))
    palette = dict(zip(groups, sns.color_palette(n_colors=len(groups)), strict=True))
    sns.lineplot(data=data, x="step", y="mean", hue=by, hue_order=groups, palette=palette, ax=ax)
    for group, band in data.groupby(by, sort=False):
        ax.fill_between(
            band["step"], band["ci_low"], band["ci_high"], color=palette[group], alpha=0.25
        )
    if shock_start is not None:
        ax.axvline(shock_start, color="grey", linestyle=":")
    ax.set_xlabel("month")
    ax.set_ylabel(f"{y} (mean, {level:.0%} confidence band)")
    n = int(data["n"].max()) if len(data) else 0
    ax.set_title(title or f"{y}: mean of {n} replicates per {by}")
    return save_figure(fig, path, data)
