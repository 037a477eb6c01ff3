"""The figure of a scenario comparison: each scenario's mean output path with its confidence band."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.experiments.plan import Experiment
from sim.views.plots import output_paths


def draw_comparison(exp: Experiment, out: Path, *, level: float = 0.95) -> list[Path]:
    """output_paths.png (with its SVG and CSV) under `out`, from the runs' timeseries.parquet."""
    series = pd.read_parquet(out / "timeseries.parquet")
    if "output" not in series.columns or not len(series):
        return []
    starts = [s.start for p in exp.points for s in p.scenario.shocks]
    return output_paths(
        series,
        out / "output_paths.png",
        by="scenario",
        y="output",
        level=level,
        title=f"{exp.name}: final output, mean of {len(exp.seeds)} replicates "
        f"({level:.0%} confidence band)",
        shock_start=min(starts) if starts else None,
    )
