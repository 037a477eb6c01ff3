"""The figures of a sensitivity study, from its index tables (sim.studies.sensitivity.analyse)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.views import gallery


def draw_sensitivity(
    folder: Path, out: Path | None = None, tables: dict[str, pd.DataFrame] | None = None
) -> list[Path]:
    """Draw the figures of the index tables of `folder` (written by `analyse`).

    `tables` are those tables as `analyse` returned them; without them they are read
    from `folder`.
    """
    out = out or folder
    meta_path = folder / "sensitivity.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    level = meta.get("level", 0.95)
    written: list[Path] = []

    def read(name: str) -> pd.DataFrame | None:
        path = folder / f"{name}.parquet"
        if tables is not None:
            frame = tables.get(name)
        elif path.exists():
            frame = pd.read_parquet(path)
            frame.attrs["level"] = level
        else:
            frame = None
        return frame if frame is not None and len(frame) else None

    if (t := read("sobol_indices")) is not None:
        written += gallery.sobol_figure(t, out / "sobol_bars.png")
        if (t["index"] == "S2").any():  # only with --second-order
            written += gallery.sobol_s2_figure(t, out / "sobol_s2_heatmap.png")
    if (t := read("morris_indices")) is not None:
        written += gallery.morris_figure(t, out / "morris_scatter.png")
    if (t := read("prcc_indices")) is not None:
        written += gallery.prcc_figure(t, out / "prcc_bars.png")
    if (t := read("grid_means")) is not None:
        params = meta.get("parameters") or [c for c in t.columns if "." in c]
        written += gallery.lever_response_figure(t, params, out / "lever_response.png", level=level)
        if len(params) == 2:
            written += gallery.heatmap_figure(t, params[0], params[1], out / "grid_heatmap.png")
    if (t := read("tornado_effects")) is not None:
        written += gallery.tornado_figure(t, out / "tornado.png")
    return written
