"""The figure of each validation check, and the data behind it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.validation.definitions import ArmBars, Check, mean, ratio
from sim.studies.validation.measurements import TIERS, bullwhip_window
from sim.studies.validation.running import CheckResult, ValidationRun, wide_table
from sim.views import plots


def draw_validation(run: ValidationRun, out: Path) -> list[Path]:
    """One figure per check that has runs: `<key>.png` (+ SVG) and the data behind it, `<key>.csv`."""
    written: list[Path] = []
    for res in run.results:
        if res.runs.empty:
            continue
        fig, data = check_figure(res)
        written += plots.save_figure(fig, Path(out) / f"{res.check.key}.png", data)
    return written


def check_figure(result: CheckResult):
    """The figure of a check's result and its data, as the check's `figure` names it."""
    spec = result.check.figure
    if isinstance(spec, ArmBars):
        return arm_bars_figure(spec, result)
    draw = {
        "tier_bars": lambda r: _tier_bars(r.check, r.runs),
        "killer_bars": lambda r: _killer_bars(r.check, r.runs),
        "bullwhip": bullwhip_figure,
        "firm_sizes": firm_size_figure,
    }[spec]
    return draw(result)


def _style():
    """pyplot and seaborn in the project's figure style (imported when a figure is drawn)."""
    plots.sns.set_theme(**plots.STYLE)
    return plots.plt, plots.sns


def _arm_means(check: Check, runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = []
    for arm in check.arms:
        est, low, high, n = mean(arm.label, metric).estimate(wide_table(runs))
        rows.append(
            {
                "arm": arm.label,
                "metric": metric,
                "mean": est,
                "ci_low": low,
                "ci_high": high,
                "n": n,
            }
        )
    return pd.DataFrame(rows)


def arm_bars_figure(spec: ArmBars, result: CheckResult):
    """Mean of the spec's metric per arm with its 95 % t interval (the table's statistic)."""
    data = _arm_means(result.check, result.runs, spec.metric)
    fig = plots.ci_bar_figure(
        data, "arm", "mean", xlabel="scenario arm", ylabel=spec.ylabel,
        title=f"{result.check.title}: mean of {int(data['n'].max())} replicates, 95 % CI",
        figsize=(7.5, 4.2), band=spec.band, ref=spec.ref, tilt=True,
    )  # fmt: skip
    return fig, data


def bullwhip_figure(result: CheckResult):
    """Mean output of each tier relative to the counterfactual, with 95 % t bands."""
    from sim.analysis.statistics import mean_ci

    check, series = result.check, result.series
    plt, sns = _style()
    cols = ["final demand", *TIERS]
    long = series.melt(
        id_vars=["replicate", "step"], value_vars=cols, var_name="tier", value_name="pct"
    )
    data = mean_ci(long, "pct", ["tier", "step"])
    fig, ax = plt.subplots(figsize=(8, 4.2))
    palette = dict(zip(cols, sns.color_palette(n_colors=len(cols)), strict=True))
    sns.lineplot(data=data, x="step", y="mean", hue="tier", hue_order=cols, palette=palette, ax=ax)
    for tier, band in data.groupby("tier"):
        ax.fill_between(
            band["step"], band["ci_low"], band["ci_high"], color=palette[tier], alpha=0.2
        )
    start, end = bullwhip_window(result.scenario(check.arms[0]))
    ax.axvspan(start, end - 1, color="grey", alpha=0.08, label="window of the swing")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("month")
    ax.set_ylabel("output, % of the no-shock counterfactual")
    ax.set_title(f"{check.title}: 20 % final-demand drop at month 24 (mean, 95 % band)")
    return fig, data


def firm_size_figure(result: CheckResult):
    """Rank-size plot of firm revenue (first replicate), log-log, with the fitted Zipf slope."""
    check, runs, series = result.check, result.runs, result.series
    plt, sns = _style()
    first = series[series["replicate"] == series["replicate"].min()]
    row = runs[(runs["replicate"] == first["replicate"].iloc[0])].iloc[0]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    sns.scatterplot(data=first, x="rank", y="revenue", hue="type", s=14, linewidth=0, ax=ax)
    alpha, xmin = row["zipf_exponent"], row["zipf_threshold"]
    k = int(row["zipf_tail_firms"])
    if math.isfinite(alpha):
        ranks = np.arange(1, k + 1)
        ax.plot(ranks, xmin * (ranks / k) ** (-1.0 / alpha), color="black", lw=1.2,
                label=f"Pareto tail, exponent {alpha:.2f}")  # fmt: skip
    ax.axhline(xmin, color="grey", linestyle=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rank by revenue (1 = largest firm)")
    ax.set_ylabel("revenue (million yuan per month, base prices)")
    ax.set_title(f"{check.title}: rank-size plot, replicate {int(row['replicate'])}")
    ax.legend(loc="lower left", fontsize="small")
    return fig, first


def _tier_bars(check: Check, runs: pd.DataFrame):
    rows = []
    for t in TIERS:
        est, low, high, n = mean(check.arms[0].label, f"employment_loss_{t}").estimate(
            wide_table(runs)
        )
        rows.append({"tier": t, "mean": est, "ci_low": low, "ci_high": high, "n": n})
    data = pd.DataFrame(rows)
    fig = plots.ci_bar_figure(
        data, "tier", "mean", xlabel="tier",
        ylabel="employment loss, months 24-47 (% of counterfactual)",
        title=f"{check.title}: mean of {int(data['n'].max())} replicates, 95 % CI",
    )  # fmt: skip
    return fig, data


def _killer_bars(check: Check, runs: pd.DataFrame):
    wide = wide_table(runs)
    rows = []
    for arm in check.arms:
        stat = ratio((arm.label, "killer_acquisitions"), (arm.label, "acquisitions"), scale=100.0)
        est, low, high, n = stat.estimate(wide)
        rows.append(
            {"arm": arm.label, "killer_share_pct": est, "ci_low": low, "ci_high": high, "n": n}
        )
    data = pd.DataFrame(rows)
    fig = plots.ci_bar_figure(
        data, "arm", "killer_share_pct", xlabel="scenario arm",
        ylabel="killer acquisitions (% of acquisitions)",
        title=f"{check.title}: pooled over {int(data['n'].max())} replicates, 95 % bootstrap CI",
        band=(5.3, 7.4), band_label="Cunningham et al. 2021: 5.3-7.4 %",
    )  # fmt: skip
    return fig, data
