"""The dashboard's figures: small matplotlib Figures built from a run's series.

Figures are made with `matplotlib.figure.Figure` (no pyplot state), so the page can
build them from its stepping thread. A panel whose columns a layer has not added yet
returns None and the page shows a note instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork  # noqa: E402
from sim.views.dashboard.session import (  # noqa: E402
    CONTAGION_COLUMN,
    DEAL_COLUMNS,
    EXIT_COLUMNS,
    INNOVATION_COLUMN,
    FirmStatus,
)

SHOCKED, COUNTERFACTUAL = "#c0392b", "#34495e"
CHART_SIZE = (5.4, 2.9)
DPI = 80


def _chart(title: str, ylabel: str, horizon: int, window: tuple[int, int] | None) -> tuple:
    fig = Figure(figsize=CHART_SIZE, dpi=DPI)
    fig.subplots_adjust(left=0.13, right=0.98, top=0.9, bottom=0.16)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10, loc="left", y=1.0, pad=4)  # fixed y: no layout search
    ax.set_xlabel("month", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_xlim(0, max(horizon - 1, 1))
    ax.grid(alpha=0.3)
    if window is not None:
        ax.axvspan(window[0], window[1], color="#f5b041", alpha=0.18, lw=0, label="shock")
    return fig, ax


def output_figure(
    ts: pd.DataFrame, cf: pd.DataFrame, horizon: int, window: tuple[int, int] | None
) -> Figure:
    """Final output of the shocked run against the no-shock counterfactual."""
    fig, ax = _chart("Final output vs no-shock counterfactual", "value / month", horizon, window)
    if len(ts):
        ax.plot(cf["step"], cf["output"], color=COUNTERFACTUAL, lw=1.4, ls="--", label="no shock")
        ax.plot(ts["step"], ts["output"], color=SHOCKED, lw=1.8, label="with shock")
        top = float(max(ts["output"].max(), cf["output"].max()))
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        ax.annotate(
            f"month {len(ts)}: {ts['output'].iloc[-1]:,.0f}",
            xy=(0.99, 0.04),
            xycoords="axes fraction",
            ha="right",
            fontsize=8,
        )
        ax.legend(fontsize=7, loc="lower left")
    return fig


def demand_met_figure(
    ts: pd.DataFrame, cf: pd.DataFrame, horizon: int, window: tuple[int, int] | None
) -> Figure:
    """Share of final demand that the leaders delivered."""
    fig, ax = _chart("Final demand met", "% of final demand", horizon, window)
    if len(ts):
        for frame, color, ls, label in (
            (cf, COUNTERFACTUAL, "--", "no shock"),
            (ts, SHOCKED, "-", "with shock"),
        ):
            met = 100.0 * frame["output"] / frame["final_demand"].where(frame["final_demand"] > 0)
            ax.plot(frame["step"], met, color=color, ls=ls, lw=1.6, label=label)
        ax.legend(fontsize=7, loc="lower left")
    ax.set_ylim(0, 105)
    return fig


def exits_figure(
    ts: pd.DataFrame, cf: pd.DataFrame, horizon: int, window: tuple[int, int] | None
) -> Figure | None:
    """Cumulative SME exits and defaults, shocked vs counterfactual (None before the finance layer)."""
    columns = [c for c in (*EXIT_COLUMNS, CONTAGION_COLUMN) if c in ts.columns]
    if not columns:
        return None
    fig, ax = _chart("SME exits and defaults (cumulative)", "firms", horizon, window)
    colors = dict(
        zip(columns, ("#8e44ad", "#d35400", "#16a085", "#2c3e50", "#7f8c8d"), strict=False)
    )
    drawn = [c for c in columns if len(ts) and (ts[c].sum() > 0 or cf[c].sum() > 0)]
    for column in drawn:
        ax.plot(ts["step"], ts[column].cumsum(), color=colors[column], lw=1.6, label=column)
        ax.plot(cf["step"], cf[column].cumsum(), color=colors[column], lw=1.0, ls="--")
    if drawn:
        ax.legend(fontsize=7, loc="best", title="solid: with shock, dashed: none", title_fontsize=7)
    else:
        ax.text(
            0.5, 0.5, "no exits or defaults yet", ha="center", transform=ax.transAxes, fontsize=9
        )
    return fig


def innovation_figure(
    ts: pd.DataFrame, horizon: int, window: tuple[int, int] | None
) -> Figure | None:
    """Cumulative technology deals by type, and innovations on their own axis (they are far more
    numerous); None before the innovation layer reports them."""
    deals = [c for c in DEAL_COLUMNS if c in ts.columns]
    if not deals and INNOVATION_COLUMN not in ts.columns:
        return None
    fig, ax = _chart("Innovations and deals by type (cumulative)", "deals", horizon, window)
    for column in deals:
        ax.plot(ts["step"], ts[column].cumsum(), lw=1.5, label=column)
    if INNOVATION_COLUMN in ts.columns:
        fig.subplots_adjust(right=0.87)  # room for the right axis
        right = ax.twinx()
        right.plot(
            ts["step"],
            ts[INNOVATION_COLUMN].cumsum(),
            color="#7f8c8d",
            lw=1.2,
            ls="--",
            label="innovations (right axis)",
        )
        right.set_ylabel("innovations", fontsize=8)
        right.tick_params(labelsize=7)
        right.set_ylim(bottom=0)
        if len(ts):
            right.legend(fontsize=7, loc="lower right")
    ax.set_ylim(bottom=0)
    if len(ts):
        ax.legend(fontsize=7, loc="upper left")
    return fig


# ---------------------------------------------------------------- network

TIERS = ("chain leaders", "specialized SMEs", "domestic suppliers", "foreign suppliers")
TIER_COLORS = ("#1f4e79", "#2e86c1", "#7f8c8d", "#a569bd")


@dataclass
class NetworkPicture:
    """What the network figure shows after one month (small and picklable, for a worker)."""

    pos: np.ndarray  # (N, 2) fixed layout
    tier: np.ndarray  # (N,) 0 leaders, 1 SMEs, 2 domestic suppliers, 3 foreign suppliers
    buyers: np.ndarray  # (E,) buyer of each supply link
    sellers: np.ndarray  # (E,) seller of each supply link
    disrupted: np.ndarray  # (N,) bool
    failed: np.ndarray  # (N,) bool
    month: int


class NetworkView:
    """The production network drawn in tiers; the layout is computed once per network."""

    def __init__(self, net: ProductionNetwork) -> None:
        self.tier = np.select(
            [net.kind == LEADER, net.kind == SME, (net.kind == SUPPLIER) & ~net.foreign],
            [0, 1, 2],
            3,
        )
        graph = nx.Graph()
        # within a tier, firms of one product category sit side by side
        order = np.lexsort((np.arange(net.n_firms), net.product, self.tier))
        graph.add_nodes_from((int(i), {"tier": int(self.tier[i])}) for i in order)
        layout = nx.multipartite_layout(graph, subset_key="tier", align="horizontal", scale=1.0)
        pos = np.array([layout[i] for i in range(net.n_firms)])
        for t in range(len(TIERS)):  # every tier spans the full width, whatever its size
            m = self.tier == t
            lo, hi = pos[m, 0].min(initial=0.0), pos[m, 0].max(initial=0.0)
            pos[m, 0] = 0.0 if hi <= lo else 0.9 * (2.0 * (pos[m, 0] - lo) / (hi - lo) - 1.0)
        pos[:, 1] = -self.tier  # leaders on top, raw materials at the bottom
        self.pos = pos
        self.net = net

    def picture(self, status: FirmStatus, month: int) -> NetworkPicture:
        """The current links and firm status on the fixed layout (links change as buyers re-source)."""
        net = self.net
        return NetworkPicture(
            self.pos,
            self.tier,
            net.slot_firm[net.link_slot],
            net.link_seller.copy(),
            status.disrupted,
            status.failed,
            month,
        )

    def figure(self, status: FirmStatus, month: int) -> Figure:
        return network_figure(self.picture(status, month))


def network_figure(p: NetworkPicture) -> Figure:
    """Firms in tiers (leaders on top), supply links behind them, disrupted and failed firms marked."""
    pos = p.pos
    fig = Figure(figsize=(11.0, 3.6), dpi=DPI)
    fig.subplots_adjust(left=0.01, right=0.82, top=0.92, bottom=0.02)
    ax = fig.add_subplot()
    segments = np.stack([pos[p.buyers], pos[p.sellers]], axis=1)
    links = LineCollection(segments, colors="#7f8c8d", linewidths=0.4, alpha=0.08, zorder=0)
    ax.add_collection(links)
    normal = ~p.disrupted & ~p.failed
    for t, (name, color) in enumerate(zip(TIERS, TIER_COLORS, strict=True)):
        m = normal & (p.tier == t)
        ax.scatter(pos[m, 0], pos[m, 1], s=40 if t == 0 else 9, c=color, lw=0, label=name)
    for mask, color, marker, name in (
        (p.disrupted, "#f39c12", "o", "disrupted"),
        (p.failed, "#c0392b", "X", "failed / exited"),
    ):
        ax.scatter(
            pos[mask, 0],
            pos[mask, 1],
            s=np.where(p.tier[mask] == 0, 60, 18),
            c=color,
            marker=marker,
            lw=0,
            label=f"{name} ({int(mask.sum())})",
        )
    ax.set_title(
        f"Production network after month {p.month}: {len(pos)} firms, {len(p.buyers)} supply links",
        fontsize=10,
        loc="left",
        y=1.0,
    )
    ax.set_axis_off()
    ax.margins(0.02, 0.12)
    ax.legend(
        fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, markerscale=1.6
    )
    return fig
