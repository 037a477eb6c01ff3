"""`rongtong plot`: redraw the figures of a results folder from what is stored there.

A figure can be restyled without running the model again: a run folder, an experiment
folder, its sensitivity tables and a critical-node study each keep the data their
figures need (the network of month 0 is rebuilt from the scenario and the seed).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.studies.critical import CRITICAL_TABLE
from sim.studies.sensitivity import SENSITIVITY_DIR, grid_means
from sim.views import gallery
from sim.views.critical_figures import draw_critical
from sim.views.sensitivity_figures import draw_sensitivity


def redraw(folder: Path, out: Path | None = None) -> list[Path]:
    """Redraw every figure the stored results of `folder` allow, without running the model.

    Recognizes a `rongtong run --out` folder (timeseries / counterfactual / outcomes.json),
    an experiment folder (manifest.json, outcomes.parquet, timeseries.parquet), its
    `sensitivity/` tables and a `rongtong critical` folder (critical.parquet).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: results folder not found")
    out = Path(out) if out is not None else folder / "figures"
    written: list[Path] = []
    if (folder / CRITICAL_TABLE).exists():  # one run per node: the ranking says it all
        written += draw_critical(folder, out)
    elif (folder / "timeseries.parquet").exists() and (folder / "counterfactual.parquet").exists():
        written += _redraw_run(folder, out)
    elif (folder / "manifest.json").exists() and (folder / "outcomes.parquet").exists():
        written += _redraw_experiment(folder, out)
    if (folder / SENSITIVITY_DIR).is_dir():
        written += draw_sensitivity(folder / SENSITIVITY_DIR, out / SENSITIVITY_DIR)
    if not written:
        raise InputError(
            f"{folder}: no stored results found; expected a `rongtong run --out` folder (timeseries.parquet, "
            "counterfactual.parquet), an experiment folder (manifest.json, outcomes.parquet) or a "
            "`rongtong critical` folder (critical.parquet)"
        )
    return written


# ---------------------------------------------------------------- a run folder


def _redraw_run(folder: Path, out: Path) -> list[Path]:
    """The figures of `rongtong run`, its triangle and deals, and the network and firm sizes."""
    from sim.views.plots import output_vs_counterfactual

    ts = pd.read_parquet(folder / "timeseries.parquet")
    cf = pd.read_parquet(folder / "counterfactual.parquet")
    info = (
        json.loads((folder / "outcomes.json").read_text())
        if (folder / "outcomes.json").exists()
        else {}
    )
    name, seed, start = info.get("scenario", folder.name), info.get("seed"), info.get("shock_start")
    written = output_vs_counterfactual(
        ts,
        cf,
        f"{name}: final output with and without the shocks (seed {seed})",
        start,
        out / "output.png",
    )
    if start is not None:
        written += gallery.resilience_triangle_figure(
            ts["step"],
            ts["output"],
            cf["output"],
            int(start),
            out / "resilience_triangle.png",
            title=f"{name} (seed {seed}): resilience triangle of final output",
        )
    if (folder / "deals.parquet").exists():
        written += gallery.deals_figure(
            pd.read_parquet(folder / "deals.parquet"),
            out / "deals_over_time.png",
            steps=len(ts),
            title=f"{name} (seed {seed}): technology deals per month by type",
        )
    if (folder / "scenario.resolved.yaml").exists() and seed is not None:
        written += _redraw_ecosystem(folder, out, name, int(seed))
    return written


def _redraw_ecosystem(folder: Path, out: Path, name: str, seed: int) -> list[Path]:
    """The network of month 0 and the firm sizes (at the end of the run when the panel was kept).

    The network and firm sizes of month 0 follow from the scenario and the seed alone:
    building the model (not running it) gives them back.
    """
    import yaml

    from sim.ecosystem.model import EcosystemModel
    from sim.scenario import validate_scenario

    scenario_file = folder / "scenario.resolved.yaml"
    scn = validate_scenario(
        yaml.safe_load(scenario_file.read_text(encoding="utf-8")), str(scenario_file)
    )
    model = EcosystemModel(scn.without_shocks(), rng=seed)
    firms, links = gallery.firm_table(model), gallery.initial_trade(model)
    model.release()
    written = gallery.network_figure(
        firms,
        links,
        out / "network.png",
        title=f"{name} (seed {seed}): production network at month 0, link width by trade volume",
    )
    sizes, when = firms, "month 0 (steady state)"
    if (folder / "agents.parquet").exists():  # the sizes at the end of the run
        panel = pd.read_parquet(folder / "agents.parquet")
        last = panel[panel["step"] == panel["step"].max()]
        sizes = last.assign(
            type=np.where(last["foreign"], "foreign supplier", last["type"].astype(str))
        )
        when = f"month {int(last['step'].iloc[0])}"
    return written + gallery.firm_size_figure(
        sizes, out / "firm_sizes.png", title=f"{name} (seed {seed}): firm sales at {when}"
    )


# ---------------------------------------------------------------- an experiment folder


def _redraw_experiment(folder: Path, out: Path) -> list[Path]:
    """The output paths and a triangle of the first run; a grid's lever responses."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    table = pd.read_parquet(folder / "outcomes.parquet")
    series = pd.read_parquet(folder / "timeseries.parquet")
    written: list[Path] = []
    if "output" in series.columns and len(series):
        written += _redraw_paths(out, series, manifest.get("experiment", folder.name))
    design = manifest.get("design", {})
    points = manifest.get("points") or [{}]
    params = [p for p in points[0].get("params", {}) if p in table.columns]  # canonical names
    # a sensitivity study of the grid has its own grid means: redraw draws those, once
    drawn = (folder / SENSITIVITY_DIR / "grid_means.parquet").exists()
    if design.get("kind") == "grid" and params and not drawn:
        written += _redraw_grid(out, manifest, table, params)
    return written


def _redraw_paths(out: Path, series: pd.DataFrame, name: str) -> list[Path]:
    by = "scenario"
    if series["scenario"].nunique() == 1 and series["point"].nunique() <= 12:
        by = "point"
    written = gallery.output_paths_figure(
        series,
        out / "output_paths.png",
        by=by,
        y="output",
        title=f"{name}: final output, mean over replicates per {by} (95 % confidence band)",
    )
    if "output_cf" in series.columns:
        first = series[series["run_id"] == series["run_id"].iloc[0]]
        start = _divergence(first["output"].to_numpy(), first["output_cf"].to_numpy())
        if start is not None:
            written += gallery.resilience_triangle_figure(
                first["step"],
                first["output"],
                first["output_cf"],
                start,
                out / "resilience_triangle.png",
                title=f"{name}, run {first['run_id'].iloc[0]}: resilience triangle of final output",
            )
    return written


def _redraw_grid(out: Path, manifest: dict, table: pd.DataFrame, params: list[str]) -> list[Path]:
    from sim.experiments.plan import outcome_columns

    points = manifest.get("points") or [{}]
    ok = table[table["error"].isna()]
    kept = manifest.get("outcomes")  # a list, or "all"
    names = outcome_columns(
        ok, list(points[0].get("params", {})), kept if isinstance(kept, list) else None
    )
    outcomes = [c for c in names if np.isfinite(ok[c]).any()]
    means = grid_means(ok, params, outcomes)
    written = gallery.lever_response_figure(means, params, out / "lever_response.png")
    if len(params) == 2:
        written += gallery.heatmap_figure(means, params[0], params[1], out / "grid_heatmap.png")
    return written


def _divergence(y: np.ndarray, cf: np.ndarray) -> int | None:
    """First month the shocked path leaves its counterfactual (where the shock began to bite)."""
    differs = ~np.isclose(y, cf, rtol=1e-12, atol=0.0)
    return int(np.argmax(differs)) if differs.any() else None
