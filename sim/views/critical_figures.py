"""The figures of a critical-node study: the ranking of nodes by output loss, and the worst node's triangle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.critical import CRITICAL_TABLE, node_summary
from sim.views import gallery


def draw_critical(
    folder: Path,
    out: Path | None = None,
    *,
    table: pd.DataFrame | None = None,
    series: pd.DataFrame | None = None,
) -> list[Path]:
    """The ranking figure, and the resilience triangle of the most damaging node.

    `table` (criticality_table) and `series` (the runs' output paths) are read from
    `folder` when not given.
    """
    out = out or folder
    if table is None:
        table = pd.read_parquet(folder / CRITICAL_TABLE)
    ranked = table
    if len(table) and table.groupby("node")["replicate"].nunique().max() > 1:
        # several ecosystems per node: rank the nodes by their mean loss, with its interval
        ranked = node_summary(table).assign(critical=lambda d: d["critical_share"] > 0.5)
    written = gallery.critical_figure(ranked, out / "critical_ranking.png")
    series_path = folder / "timeseries.parquet"
    if len(table) and (series is not None or series_path.exists()):
        if series is None:
            series = pd.read_parquet(series_path)
        written += _top_node_triangle(folder, out, table, series)
    return written


def _top_node_triangle(
    folder: Path, out: Path, table: pd.DataFrame, series: pd.DataFrame
) -> list[Path]:
    """The resilience triangle of the first-ranked node's run (none when its path is not stored)."""
    top = table.iloc[0]
    if "run_id" in table:
        rid = table["run_id"].iloc[:1]
    else:  # a table written before it kept run_id
        runs = pd.read_parquet(folder / "outcomes.parquet")
        rid = runs[(runs["scenario"] == top["node"]) & (runs["replicate"] == top["replicate"])][
            "run_id"
        ]
    run = series[series["run_id"] == rid.iloc[0]] if len(rid) else series.iloc[:0]
    if not len(run):
        return []
    start = int(np.searchsorted(run["step"].to_numpy(), _start_of(folder)))
    return gallery.resilience_triangle_figure(
        run["step"],
        run["output"],
        run["output_cf"],
        start,
        out / "critical_top_node_triangle.png",
        title=f"Most damaging node, {top['node']}: output against the no-shock counterfactual",
    )


def _start_of(folder: Path) -> int:
    """The month the disruptions started, from the study's manifest."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest["critical"]["start"])
