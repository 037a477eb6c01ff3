"""The plot gallery: every figure of a study, in one style, from tidy tables.

Each function takes plain data (a tidy DataFrame, arrays, a network) and a path, draws
one figure with labelled axes (units in brackets) and a title that says what is shown,
and writes PNG + SVG + the data behind it as CSV, atomically (sim.views.plots.save_figure).
sim.views.redraw rebuilds the figures of a results folder from what is stored there, so a
figure can be restyled without running the model again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.catalog import UNITS
from sim.analysis.statistics import tail_exponent
from sim.views.plots import STYLE, plt, save_figure, sns
from sim.views.plots import error_bar_lengths as _err

# units of the run-level outcomes, for axis labels (a name not here shows as it is)
OUTCOME_UNITS: dict[str, str] = {**UNITS, "time_to_survive": "months"}

TYPE_COLORS = {
    "leader": "#1f4e79",
    "sme": "#2e8b57",
    "supplier": "#d4a017",
    "foreign supplier": "#c0392b",
}


TIER_NAMES = {
    "leader": "chain leaders",
    "sme": "specialized SMEs",
    "supplier": "domestic suppliers",
    "foreign supplier": "foreign suppliers",
}


def outcome_label(name: str) -> str:
    unit = OUTCOME_UNITS.get(name)
    return f"{name} ({unit})" if unit else name


def parameter_label(name: str) -> str:
    """A dotted scenario parameter with its unit from the schema (e.g. 'production.inventory_days (days)')."""
    from sim.scenario import SECTIONS

    head, _, field = name.partition(".")
    section = SECTIONS.get(head)
    info = section.model_fields.get(field) if section is not None else None
    extra = info.json_schema_extra if info is not None else None
    unit = extra.get("unit") if isinstance(extra, dict) else None
    return f"{name} ({unit})" if unit and unit != "-" else name


def _panels(n: int, width: float = 4.6, height: float = 3.6, cols: int = 3):
    """A grid of n panels (extras hidden), flattened."""
    sns.set_theme(**STYLE)
    cols = min(cols, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


# ---------------------------------------------------------------- runs and scenarios


def output_paths_figure(timeseries: pd.DataFrame, path: Path, **kwargs) -> list[Path]:
    """Mean output path per scenario with a confidence band (see sim.views.plots.output_paths)."""
    from sim.views.plots import output_paths

    return output_paths(timeseries, path, **kwargs)


def resilience_triangle_figure(
    step: Sequence[int],
    output: Sequence[float],
    counterfactual: Sequence[float],
    start: int,
    path: Path,
    *,
    title: str | None = None,
    threshold: float = 0.95,
) -> list[Path]:
    """Output as a share of its counterfactual; the shaded area is the resilience triangle.

    The area, time to survive and time to recover are those of sim.analysis.outcomes, so the figure
    and the outcome tables agree.
    """
    from sim.analysis.outcomes import resilience_triangle, time_to_recover, time_to_survive

    step = np.asarray(step)
    y, cf = np.asarray(output, float), np.asarray(counterfactual, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(cf > 0, 100.0 * y / cf, np.nan)
    after = step >= step[start]
    gap = np.where(after, np.clip(100.0 - pct, 0.0, None), 0.0)
    area = resilience_triangle(y, cf, start)
    tts = time_to_survive(y, cf, start, threshold)
    ttr = time_to_recover(y, cf, start, threshold)
    data = pd.DataFrame(
        {
            "step": step,
            "output": y,
            "counterfactual": cf,
            "output_pct_of_counterfactual": pct,
            "triangle_gap_pct": gap,
        }
    )
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(step, pct, color=TYPE_COLORS["leader"], label="output, % of no-shock counterfactual")
    ax.axhline(100.0, color="grey", lw=1)
    ax.axhline(100.0 * threshold, color="grey", lw=0.8, ls="--", label=f"{threshold:.0%} threshold")
    ax.fill_between(
        step,
        pct,
        100.0,
        where=after & (pct < 100.0),
        color=TYPE_COLORS["foreign supplier"],
        alpha=0.3,
        label=f"resilience triangle: {area:.1f} %-months",
    )
    _shock_markers(ax, step[start], tts, ttr)
    ax.set_xlabel("month")
    ax.set_ylabel("final output (% of no-shock counterfactual)")
    ax.set_title(title or "Resilience triangle: output lost against the no-shock counterfactual")
    ax.legend(loc="lower right", fontsize=8)
    return save_figure(fig, path, data)


def _shock_markers(ax, start: int, tts: float, ttr: float) -> None:
    """Vertical lines at the shock's start and at its time to survive and to recover."""
    ax.axvline(start, color="black", ls=":", label=f"shock starts (month {start})")
    if math.isfinite(tts):
        ax.axvline(start + tts, color="#8e44ad", ls="-.", label=f"time to survive: {tts:g} months")
    if math.isfinite(ttr) and ttr > 0:
        ax.axvline(start + ttr, color="#27ae60", ls="-.", label=f"time to recover: {ttr:g} months")


def initial_trade(model) -> pd.DataFrame:
    """Links of a freshly built model with their steady-state trade (value at base prices per month).

    Reads the model's public state only: network, steady-state output, prices.
    """
    from sim.ecosystem.network import KIND_NAMES

    net = model.network
    buyer = net.slot_firm[net.link_slot]
    qty = net.slot_coef[net.link_slot] * model.normal_output[buyer] * net.link_weight
    return pd.DataFrame(
        {
            "buyer": buyer,
            "seller": net.link_seller,
            "buyer_type": [KIND_NAMES[int(k)] for k in net.kind[buyer]],
            "seller_type": [KIND_NAMES[int(k)] for k in net.kind[net.link_seller]],
            "seller_foreign": net.foreign[net.link_seller],
            "product": net.slot_product[net.link_slot],
            "trade_value": qty * model.price[net.link_seller],
        }
    )


def firm_table(model) -> pd.DataFrame:
    """One row a firm of a freshly built model: type, product, foreign, steady-state sales."""
    from sim.ecosystem.network import KIND_NAMES

    net = model.network
    kind = np.array([KIND_NAMES[int(k)] for k in net.kind], dtype=object)
    kind[(net.kind == 2) & net.foreign] = "foreign supplier"
    return pd.DataFrame(
        {
            "firm_id": np.arange(net.n_firms),
            "type": kind,
            "product": net.product,
            "foreign": net.foreign,
            "sales": model.normal_output * model.price,
        }
    )


NETWORK_TIERS = ["leader", "sme", "supplier", "foreign supplier"]  # top row first


def _tier_positions(firms: pd.DataFrame, links: pd.DataFrame) -> np.ndarray:
    """(x, y) of each firm (in `firms` order): one row per tier, each tier spread over the full width."""
    import networkx as nx

    graph = nx.DiGraph()
    order = firms.sort_values(["tier", "product", "firm_id"])
    graph.add_nodes_from((int(r.firm_id), {"tier": int(r.tier)}) for r in order.itertuples())
    graph.add_weighted_edges_from(
        links[["seller", "buyer", "trade_value"]].itertuples(index=False, name=None)
    )
    layout = nx.multipartite_layout(graph, subset_key="tier", align="horizontal")
    pos = np.array([layout[int(i)] for i in firms["firm_id"]])
    tier = firms["tier"].to_numpy()
    for t in range(len(NETWORK_TIERS)):  # every tier spans the full width, whatever its size
        m = tier == t
        if m.any():
            lo, hi = pos[m, 0].min(), pos[m, 0].max()
            pos[m, 0] = 0.0 if hi <= lo else 2.0 * (pos[m, 0] - lo) / (hi - lo) - 1.0
    pos[:, 1] = -tier
    return pos


def _draw_links(ax, firms: pd.DataFrame, links: pd.DataFrame, pos: np.ndarray) -> None:
    """Supply links as lines between buyer and seller, width by trade value."""
    from matplotlib.collections import LineCollection

    index = {int(f): i for i, f in enumerate(firms["firm_id"])}
    b = np.array([index[int(x)] for x in links["buyer"]])
    s = np.array([index[int(x)] for x in links["seller"]])
    trade = links["trade_value"].to_numpy(float)
    width = (
        0.2 + 3.0 * trade / trade.max()
        if len(trade) and trade.max() > 0
        else np.full(len(trade), 0.3)
    )
    ax.add_collection(
        LineCollection(
            np.stack([pos[b], pos[s]], axis=1),
            linewidths=width,
            colors="#7f8c8d",
            alpha=0.25,
            zorder=0,
        )
    )


def network_figure(
    firms: pd.DataFrame, links: pd.DataFrame, path: Path, *, title: str | None = None
) -> list[Path]:
    """Firms in tiers (leaders on top, foreign suppliers in a row of their own); link width by trade.

    `firms`: firm_id, type (leader / sme / supplier / foreign supplier), product, sales;
    `links`: buyer, seller, trade_value.
    """
    firms = firms.copy()
    firms["tier"] = firms["type"].map({t: i for i, t in enumerate(NETWORK_TIERS)})
    pos = _tier_positions(firms, links)
    tier = firms["tier"].to_numpy()
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=(12, 5.5))
    _draw_links(ax, firms, links, pos)
    sales = firms["sales"].to_numpy(float)
    size = (
        8.0 + 300.0 * np.sqrt(sales / sales.max()) if sales.max() > 0 else np.full(len(sales), 10.0)
    )
    for t, name in enumerate(NETWORK_TIERS):
        m = tier == t
        ax.scatter(
            pos[m, 0],
            pos[m, 1],
            s=size[m],
            c=TYPE_COLORS[name],
            marker="X" if name == "foreign supplier" else "o",
            lw=0,
            label=f"{TIER_NAMES[name]} ({int(m.sum())})",
            zorder=2,
        )
    ax.set_yticks(-np.arange(len(NETWORK_TIERS)), [TIER_NAMES[t] for t in NETWORK_TIERS])
    ax.set_xticks([])
    ax.set_xlabel(
        "firms of a tier, side by side by product category (marker area ∝ sales; link width ∝ trade value per month)"
    )
    ax.set_ylabel("tier")
    ax.set_title(
        title
        or f"Production network: {len(firms)} firms, {len(links)} supply links (width by trade volume)"
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, markerscale=0.7)
    data = links.merge(
        firms[["firm_id", "type"]].rename(columns={"firm_id": "seller", "type": "seller_kind"}),
        on="seller",
        how="left",
    )
    return save_figure(fig, path, data)


def firm_size_figure(
    firms: pd.DataFrame, path: Path, *, value: str = "sales", title: str | None = None
) -> list[Path]:
    """Complementary CDF of firm sizes on log-log axes, with the fitted Pareto tail and its exponent."""
    sizes = firms[value].to_numpy(float)
    keep = np.isfinite(sizes) & (sizes > 0)
    data = (
        firms.loc[keep, ["type", value]].sort_values(value, ascending=False).reset_index(drop=True)
    )
    n = len(data)
    data["ccdf"] = np.arange(1, n + 1) / n  # share of firms at least this large
    tail = tail_exponent(data[value])
    in_tail = data[value] >= tail.xmin
    share_tail = tail.n_tail / n
    data["fitted_ccdf"] = np.where(
        in_tail, share_tail * (data[value] / tail.xmin) ** -tail.alpha, np.nan
    )
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=(7, 5))
    sns.scatterplot(
        data=data, x=value, y="ccdf", hue="type", palette=TYPE_COLORS, s=14, lw=0, ax=ax
    )
    fitted = data[in_tail]
    ax.plot(
        fitted[value],
        fitted["fitted_ccdf"],
        color="black",
        lw=1.5,
        label=f"Pareto tail: α = {tail.alpha:.2f} ± {tail.se:.2f} ({tail.n_tail} firms ≥ {tail.xmin:.3g})",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"firm {value} (value at base prices per month, log scale)")
    ax.set_ylabel("share of firms at least this large (log scale)")
    ax.set_title(
        f"{title or 'Firm-size distribution'}\ntail exponent α = {tail.alpha:.2f} "
        "(Hill/MLE above the KS-chosen xmin)"
    )
    ax.legend(fontsize=8, loc="lower left")
    data.attrs["tail"] = tail
    return save_figure(fig, path, data)


def deals_figure(
    deals: pd.DataFrame, path: Path, *, steps: int | None = None, title: str | None = None
) -> list[Path]:
    """Technology deals per month by type (licences, patent shares, acquisitions, ...)."""
    last = int(steps) if steps is not None else int(deals["step"].max()) + 1 if len(deals) else 1
    types = sorted(deals["type"].unique()) if len(deals) else []
    counts = (
        deals.groupby(["step", "type"])
        .size()
        .rename("deals")
        .reindex(
            pd.MultiIndex.from_product([range(last), types], names=["step", "type"]), fill_value=0
        )
        .reset_index()
    )
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    if len(counts):
        sns.lineplot(data=counts, x="step", y="deals", hue="type", ax=ax, lw=1.2)
    ax.set_xlabel("month")
    ax.set_ylabel("deals per month (count)")
    ax.set_title(title or f"Technology deals per month by type ({len(deals)} deals in all)")
    return save_figure(fig, path, counts)


# ---------------------------------------------------------------- designs and sensitivity


def lever_response_figure(
    means: pd.DataFrame,
    parameters: Sequence[str],
    path: Path,
    *,
    level: float = 0.95,
    title: str | None = None,
) -> list[Path]:
    """Mean outcome against the first grid parameter (one line per value of the second), with CIs.

    `means`: outcome, the parameter columns, n, mean, ci_low, ci_high (sim.studies.sensitivity_indices.grid_means).
    """
    x = parameters[0]
    hue = parameters[1] if len(parameters) > 1 else None
    outcomes = list(dict.fromkeys(means["outcome"]))
    fig, axes = _panels(len(outcomes))
    categorical = means[x].dtype == object
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = means[means["outcome"] == outcome]
        groups = part.groupby(hue, sort=False) if hue else [(None, part)]
        palette = sns.color_palette("viridis", n_colors=max(len(groups), 1))
        for color, (value, g) in zip(palette, groups, strict=False):
            xs = np.arange(len(g)) if categorical else g[x].to_numpy(float)
            label = f"{hue} = {value}" if hue else None
            ax.errorbar(
                xs,
                g["mean"],
                yerr=_err(g["mean"], g["ci_low"], g["ci_high"]),
                color=color,
                marker="o",
                ms=4,
                capsize=3,
                label=label,
            )
            if categorical:
                ax.set_xticks(np.arange(len(g)), [str(v) for v in g[x]])
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(outcome_label(outcome))
        ax.set_title(f"{outcome}: mean, {level:.0%} CI{_censored_note(part)}")
        if hue and outcome == outcomes[0]:
            ax.legend(fontsize=7, title=None)
    fig.suptitle(title or f"Lever response: outcomes against {x}", y=1.0)
    fig.tight_layout()
    return save_figure(fig, path, means)


def _censored_note(part: pd.DataFrame) -> str:
    """', k of n censored' for an outcome whose runs were censored at the window (a restricted mean)."""
    if "censored" not in part.columns or not (part["censored"] > 0).any():
        return ""
    return f"\n{part['censored'].sum():g} of {part['n'].sum():g} runs censored (restricted mean)"


def heatmap_figure(
    means: pd.DataFrame, x: str, y: str, path: Path, *, title: str | None = None
) -> list[Path]:
    """Mean of each outcome over a two-parameter grid, one heatmap per outcome."""
    outcomes = list(dict.fromkeys(means["outcome"]))
    fig, axes = _panels(len(outcomes), width=5.0, height=4.2)
    for ax, outcome in zip(axes, outcomes, strict=True):
        table = means[means["outcome"] == outcome].pivot(index=y, columns=x, values="mean")
        table = table.sort_index(ascending=False)
        sns.heatmap(
            table,
            ax=ax,
            annot=table.size <= 49,
            fmt=".3g",
            cmap="rocket_r",
            cbar_kws={"label": outcome_label(outcome)},
            annot_kws={"fontsize": 7},
        )
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y))
        part = means[means["outcome"] == outcome]
        ax.set_title(f"{outcome} (mean over replicates){_censored_note(part)}")
    fig.suptitle(title or f"Grid heatmaps: {y} x {x}", y=1.0)
    fig.tight_layout()
    return save_figure(fig, path, means)


def sobol_figure(indices: pd.DataFrame, path: Path, *, title: str | None = None) -> list[Path]:
    """First-order (S1) and total (ST) Sobol indices per parameter with their confidence intervals."""
    data = indices[indices["index"].isin(["S1", "ST"])]
    outcomes = list(dict.fromkeys(data["outcome"]))
    fig, axes = _panels(len(outcomes))
    colors = {"S1": "#4c72b0", "ST": "#dd8452"}
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = data[data["outcome"] == outcome]
        params = list(dict.fromkeys(part["parameter"]))
        pos = np.arange(len(params))
        for name, offset in (("S1", -0.2), ("ST", 0.2)):
            rows = part[part["index"] == name].set_index("parameter").reindex(params)
            ax.bar(
                pos + offset,
                rows["value"],
                width=0.4,
                color=colors[name],
                label=name,
            )
            ax.errorbar(
                pos + offset,
                rows["value"],
                yerr=rows["conf"],
                fmt="none",
                ecolor="black",
                capsize=3,
                lw=1,
            )
        ax.set_xticks(pos, [p.split(".")[-1] for p in params], rotation=30, ha="right", fontsize=8)
        ax.set_xlabel("parameter")
        ax.set_ylabel("Sobol index (share of variance)")
        ax.set_title(outcome)
        ax.legend(fontsize=7)
    level = indices.attrs.get("level", 0.95)
    fig.suptitle(title or f"Sobol indices S1 and ST with {level:.0%} confidence intervals", y=1.0)
    fig.tight_layout()
    return save_figure(fig, path, data)


def sobol_s2_figure(indices: pd.DataFrame, path: Path, *, title: str | None = None) -> list[Path]:
    """Second-order Sobol indices (S2) over parameter pairs, one upper-triangle heatmap per outcome.

    An interaction is only worth reading when its interval excludes 0: cells whose interval
    includes 0 (or is unknown) are hatched with grey text, so the eye goes to the others.
    The CSV holds one row per outcome and pair with the value, its interval and that mark.
    """
    data = indices.loc[
        indices["index"] == "S2",
        ["outcome", "parameter", "parameter_2", "value", "conf", "ci_low", "ci_high"],
    ].reset_index(drop=True)
    # NaN bounds count as including 0: nothing says the interaction differs from none
    data["ci_includes_zero"] = ~((data["ci_low"] > 0) | (data["ci_high"] < 0))
    outcomes = list(dict.fromkeys(data["outcome"]))
    params = list(dict.fromkeys([*data["parameter"], *data["parameter_2"]]))
    rows, cols = params[:-1], params[1:]  # pair (i, j), i < j: row i, column j
    side = 1.2 + 0.9 * len(cols)
    fig, axes = _panels(len(outcomes), width=side + 1.8, height=side + 0.8)
    short = [p.split(".")[-1] for p in params]
    # one symmetric scale for every panel (S2 is a share of variance): panels compare, and
    # an estimate that is noise around 0 stays pale instead of filling the colour range
    values = data["value"].abs()
    vmax = max(0.1, float(values.max())) if values.notna().any() else 1.0
    for ax, outcome in zip(axes, outcomes, strict=True):
        _s2_panel(ax, data[data["outcome"] == outcome], rows, cols, vmax)
        ax.set_xticks(np.arange(len(cols)) + 0.5, short[1:], rotation=30, ha="right", fontsize=8)
        ax.set_yticks(np.arange(len(rows)) + 0.5, short[:-1], rotation=0, fontsize=8)
        ax.grid(False)
        ax.set_xlabel("second parameter of the pair")
        ax.set_ylabel("first parameter of the pair")
        ax.set_title(outcome)
    level = indices.attrs.get("level", 0.95)
    fig.suptitle(
        title or f"Sobol second-order indices S2 (hatched, grey: {level:.0%} CI includes 0)",
        y=1.0,
    )
    fig.tight_layout()
    return save_figure(fig, path, data)


def _s2_panel(ax, part: pd.DataFrame, rows: list[str], cols: list[str], vmax: float) -> None:
    """One outcome's S2 heatmap; cells whose interval includes 0 hatched, their value in grey."""
    from matplotlib.patches import Rectangle

    grid = part.pivot(index="parameter", columns="parameter_2", values="value")
    grid = grid.reindex(index=rows, columns=cols)
    lower = np.tril(np.ones(grid.shape, bool), k=-1)  # pairs (i, j) with j <= i
    sns.heatmap(
        grid,
        ax=ax,
        mask=lower,
        cmap="vlag",
        vmin=-vmax,
        vmax=vmax,
        square=True,
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "S2 (share of variance)"},
    )
    fontsize = 8 if len(cols) <= 6 else 6
    for row in part.itertuples(index=False):
        i, j = rows.index(row.parameter), cols.index(row.parameter_2)
        if row.ci_includes_zero:
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, hatch="///", edgecolor="0.6", lw=0))
        if math.isfinite(row.value):
            ax.text(
                j + 0.5,
                i + 0.5,
                f"{row.value:.2f}",
                ha="center",
                va="center",
                fontsize=fontsize,
                color="0.45" if row.ci_includes_zero else "black",
                fontweight="normal" if row.ci_includes_zero else "bold",
            )


def morris_figure(indices: pd.DataFrame, path: Path, *, title: str | None = None) -> list[Path]:
    """Morris screening: mu* (importance) against sigma (non-linearity, interactions), with CIs."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _panels(len(outcomes), width=5.2, height=4.2)
    palette = dict(
        zip(
            dict.fromkeys(indices["parameter"]),
            sns.color_palette(n_colors=indices["parameter"].nunique()),
            strict=True,
        )
    )
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = indices[indices["outcome"] == outcome]
        for row in part.itertuples(index=False):
            ax.errorbar(
                row.mu_star,
                row.sigma,
                xerr=_err([row.mu_star], [row.mu_star_ci_low], [row.mu_star_ci_high]),
                yerr=_err([row.sigma], [row.sigma_ci_low], [row.sigma_ci_high]),
                fmt="o",
                color=palette[row.parameter],
                capsize=2,
                label=row.parameter.split(".")[-1],
            )
        top = (
            float(np.nanmax(part[["mu_star_ci_high", "sigma_ci_high"]].to_numpy()))
            if len(part)
            else 1.0
        )
        ax.plot([0, top], [0, top], color="grey", ls=":", lw=1, label="σ = μ*")
        unit = OUTCOME_UNITS.get(outcome, "outcome units")
        ax.set_xlabel(f"μ*, mean |elementary effect|\n({unit} per parameter range)")
        ax.set_ylabel("σ, sd of elementary effects\n(same units)")
        ax.set_title(outcome)
        if outcome == outcomes[0]:
            ax.legend(fontsize=7)
    level = indices.attrs.get("level", 0.95)
    fig.suptitle(
        title or f"Morris screening: μ* against σ with {level:.0%} bootstrap intervals", y=1.0
    )
    fig.tight_layout()
    return save_figure(fig, path, indices)


def prcc_figure(indices: pd.DataFrame, path: Path, *, title: str | None = None) -> list[Path]:
    """Partial rank correlation of each parameter with each outcome, with Fisher-z intervals."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _panels(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = indices[indices["outcome"] == outcome]
        pos = np.arange(len(part))
        ax.barh(pos, part["prcc"], color=np.where(part["prcc"] >= 0, "#4c72b0", "#c44e52"))
        ax.errorbar(
            part["prcc"],
            pos,
            xerr=_err(part["prcc"], part["ci_low"], part["ci_high"]),
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.set_yticks(pos, [p.split(".")[-1] for p in part["parameter"]], fontsize=8)
        ax.axvline(0, color="grey", lw=1)
        ax.set_xlim(-1, 1)
        ax.set_xlabel("partial rank correlation coefficient (-1 to 1)")
        ax.set_ylabel("parameter")
        ax.set_title(outcome)
    level = indices.attrs.get("level", 0.95)
    fig.suptitle(
        title or f"Partial rank correlations (Latin hypercube) with {level:.0%} CIs", y=1.0
    )
    fig.tight_layout()
    return save_figure(fig, path, indices)


def tornado_figure(effects: pd.DataFrame, path: Path, *, title: str | None = None) -> list[Path]:
    """One-at-a-time effects: each parameter at its low and high bound, others at the base scenario."""
    outcomes = list(dict.fromkeys(effects["outcome"]))
    fig, axes = _panels(len(outcomes), width=5.2)
    colors = {"low": "#4c72b0", "high": "#dd8452"}
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = effects[effects["outcome"] == outcome]
        wide = part.pivot(index="parameter", columns="side", values="effect")
        order = (wide.max(axis=1) - wide.min(axis=1)).fillna(0.0).sort_values().index
        pos = {p: i for i, p in enumerate(order)}
        for side in ("low", "high"):
            rows = part[part["side"] == side]
            y = rows["parameter"].map(pos).to_numpy()
            ax.barh(y, rows["effect"], color=colors[side], alpha=0.85, label=f"at {side} bound")
            ax.errorbar(
                rows["effect"],
                y,
                xerr=_err(rows["effect"], rows["ci_low"], rows["ci_high"]),
                fmt="none",
                ecolor="black",
                capsize=2,
                lw=1,
            )
        ax.set_yticks(list(pos.values()), [p.split(".")[-1] for p in pos], fontsize=8)
        ax.axvline(0, color="black", lw=1)
        ax.set_xlabel(
            f"change from the base scenario ({OUTCOME_UNITS.get(outcome, 'outcome units')})"
        )
        ax.set_ylabel("parameter")
        ax.set_title(outcome)
        if outcome == outcomes[0]:
            ax.legend(fontsize=7)
    fig.suptitle(
        title or "Tornado: one-at-a-time effects around the base scenario (paired, 95 % CI)", y=1.0
    )
    fig.tight_layout()
    return save_figure(fig, path, effects)


def critical_figure(
    table: pd.DataFrame, path: Path, *, top: int = 40, title: str | None = None
) -> list[Path]:
    """Nodes ranked by the output loss their disruption causes; critical ones (TTS < TTR) in red.

    Given a node summary (`critical.node_summary`: mean loss over replicates with ci_low /
    ci_high), the bars are the means with their intervals, red where the node was critical in
    most replicates, and the time to survive is the median.
    """
    data = table.sort_values("output_loss_pct", ascending=False).head(top).iloc[::-1]
    labels = (
        data["node"]
        if "replicate" not in data or data["replicate"].nunique() == 1
        else (data["node"] + " (r" + data["replicate"].astype(str) + ")")
    )
    sns.set_theme(**STYLE)
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(data) + 1.6))
    colors = np.where(data["critical"], "#c0392b", "#7f8c8d")
    xerr = (
        _err(data["output_loss_pct"], data["ci_low"], data["ci_high"]) if "ci_low" in data else None
    )
    ax.barh(np.arange(len(data)), data["output_loss_pct"], color=colors, xerr=xerr, ecolor="0.3")
    ends = data["output_loss_pct"].to_numpy(float) + (xerr[1] if xerr is not None else 0.0)
    for i, (row, end) in enumerate(zip(data.itertuples(index=False), ends, strict=True)):
        tts = "held" if not math.isfinite(row.time_to_survive) else f"TTS {row.time_to_survive:g}"
        ax.text(end, i, f"  {tts}", va="center", fontsize=7)  # beyond the bar and its interval
    ax.set_yticks(np.arange(len(data)), labels, fontsize=7)
    ax.set_xlabel(
        "cumulative output loss after the disruption (% of counterfactual output)"
        + (", mean over replicates with 95 % CI" if xerr is not None else "")
    )
    ax.set_ylabel("disrupted node")
    ttr = table["ttr_months"].iloc[0] if len(table) else math.nan
    ax.set_title(
        title
        or "Critical nodes: loss from disrupting each node alone (red: time to survive < time to "
        f"recover = {ttr:g} months{' in most replicates' if xerr is not None else ''})",
        fontsize=10,
    )
    return save_figure(fig, path, data.iloc[::-1])
