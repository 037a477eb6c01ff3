"""Sensitivity analysis of an experiment's design: the indices its design allows, and a tornado.

`rongtong sensitivity EXPERIMENT` runs (or resumes) the design through sim.experiments.runner,
adds a one-at-a-time (tornado) study around the base scenario run by the same runner and
writes the indices (sim.studies.sensitivity_indices) as Parquet + CSV under
`<results>/sensitivity/`; sim.views.sensitivity_figures draws them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.catalog import CENSORED_BY
from sim.errors import InputError
from sim.experiments.experiment_file import (
    GridDesign,
    LatinDesign,
    MorrisDesign,
    ReplicatesDesign,
    SobolDesign,
)
from sim.experiments.plan import DesignPoint, Experiment, outcome_columns, replicate_seeds
from sim.io import write_atomic, write_json, write_parquet
from sim.studies.sensitivity_indices import (
    grid_means,
    morris_indices,
    prcc,
    sobol_indices,
    top_parameters,
    tornado_effects,
)

SENSITIVITY_DIR = "sensitivity"
TABLES = ("sobol_indices", "morris_indices", "prcc_indices", "grid_means", "tornado_effects")


# ---------------------------------------------------------------- experiments


def design_bounds(exp) -> dict[str, tuple[float, float]]:
    """Parameter bounds of a design: the sampled ranges, or a grid's lowest and highest numeric values."""
    design = exp.spec.design
    names = exp.parameters
    if isinstance(design, GridDesign):
        bounds = {}
        for name, values in zip(names, design.parameters.values(), strict=True):
            numeric = [
                float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            if len(set(numeric)) >= 2:
                bounds[name] = (min(numeric), max(numeric))
        return bounds
    return dict(zip(names, (tuple(b) for b in exp.problem["bounds"]), strict=True))


def tornado_experiment(exp, replicates: int):
    """The one-at-a-time study around the base scenario of `exp`: base, then each parameter at each bound.

    Every point runs the same `replicates` seeds (spawned from the experiment's root seed),
    so low - base and high - base are paired differences.
    """
    from sim.experiments.designs import _base_scenario_data, _point_scenario, _round_integers
    from sim.scenario import validate_scenario

    source = exp.source
    base = _base_scenario_data(exp.spec.scenario, source, Path(source).parent, "scenario")
    base = validate_scenario(base, source).model_dump(mode="json")
    bounds = design_bounds(exp)
    base_values = {name: _get(base, name) for name in bounds}
    specs: list[tuple[str, str, Any]] = [("base", "base", None)]
    for name, (low, high) in bounds.items():
        for side, v in (("low", low), ("high", high)):
            specs.append((name, side, _round_integers({name: v}, base, source)[name]))
    points = []
    for i, (name, side, v) in enumerate(specs):
        row = dict(base_values)
        label = "base"
        if side != "base":
            row[name] = v
            label = f"{name} {side}"
        where = f"{source}: tornado point {i} ({label})"
        points.append(DesignPoint(i, label, row, _point_scenario(base, row, exp.spec.steps, where)))
    spec = exp.spec.model_copy(
        update={
            "name": f"{exp.name}_tornado",
            "design": ReplicatesDesign(kind="replicates", replicates=replicates),
            "timeseries": ["output"],
        }
    )
    return Experiment(
        name=f"{exp.name}_tornado",
        source=source,
        spec=spec,
        points=points,
        seeds=replicate_seeds(exp.root_seed, replicates),
        outcomes=exp.outcomes,
        series=("output",),
        file_sha256=exp.file_sha256,
        extra={
            "oat": [
                {"point": i, "varied": n, "side": s, "value": v}
                for i, (n, s, v) in enumerate(specs)
            ]
        },
    )


def _get(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def analyse(
    exp,
    table: pd.DataFrame,
    folder: Path,
    *,
    tornado: pd.DataFrame | None = None,
    second_order: bool = False,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Compute the indices of the design (and the tornado), write them to `folder` as Parquet + CSV."""
    design = exp.spec.design
    ok = table[table["error"].isna()]
    outcomes = outcome_columns(ok, exp.parameters, exp.outcomes)
    bounds = design_bounds(exp)
    results = _design_indices(exp, ok, outcomes, bounds, second_order, level, seed)
    if tornado is not None:
        results["tornado_effects"] = tornado_effects(
            tornado[tornado["error"].isna()],
            [o for o in outcomes if o in tornado.columns],
            level=level,
        )
    skipped, censored = {}, censored_counts(ok, outcomes)
    for name, frame in results.items():
        frame.attrs["censored"] = censored
        write_parquet(folder / f"{name}.parquet", frame)
        write_atomic(folder / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        skipped.update({f"{name}: {k}": v for k, v in frame.attrs.get("skipped", {}).items()})
    write_json(
        folder / "sensitivity.json",
        {
            "experiment": exp.name,
            "method": METHODS[type(design)],
            "parameters": exp.parameters,
            "bounds": bounds,
            "level": level,
            "second_order": second_order,
            "skipped": skipped,
            "censored": censored,
        },
    )
    return results


def censored_counts(table: pd.DataFrame, outcomes: list[str]) -> dict[str, str]:
    """For each censorable outcome, how many runs were censored at the window's length (their
    restricted values enter the indices)."""
    counts = {}
    for outcome in outcomes:
        column = CENSORED_BY.get(outcome)
        if column in table.columns:
            counts[outcome] = f"{int(table[column].sum())} of {len(table)} runs"
    return counts


METHODS = {SobolDesign: "sobol", MorrisDesign: "morris", LatinDesign: "prcc", GridDesign: "grid"}


def _design_indices(
    exp,
    ok: pd.DataFrame,
    outcomes: list[str],
    bounds: dict,
    second_order: bool,
    level: float,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """The one index table the design's kind allows (Sobol, Morris, PRCC or grid means)."""
    design = exp.spec.design
    if isinstance(design, SobolDesign):
        indices = sobol_indices(
            ok, bounds, outcomes, second_order=second_order, level=level, seed=seed
        )
        return {"sobol_indices": indices}
    if isinstance(design, MorrisDesign):
        indices = morris_indices(ok, bounds, outcomes, levels=design.levels, level=level, seed=seed)
        return {"morris_indices": indices}
    if isinstance(design, LatinDesign):
        return {"prcc_indices": prcc(ok, exp.parameters, outcomes, level=level)}
    if isinstance(design, GridDesign):
        return {"grid_means": grid_means(ok, exp.parameters, outcomes, level=level)}
    return {}


def check_request(exp, second_order: bool) -> None:
    """Refuse, before anything runs, what this design cannot give."""
    design = exp.spec.design
    if isinstance(design, ReplicatesDesign):
        raise InputError(
            f"{exp.source}: field 'design.kind': sensitivity needs a grid, sobol, morris or latin design, got 'replicates'"
        )
    if second_order and not (isinstance(design, SobolDesign) and design.second_order):
        raise InputError(
            f"{exp.source}: field 'design.second_order': --second-order needs a sobol design sampled with "
            "second_order: true (the Saltelli sample differs)"
        )


def run_sensitivity(
    exp,
    out: Path,
    *,
    workers: int | None = None,
    dask: Any = None,
    fresh: bool = False,
    tornado_reps: int = 5,
    second_order: bool = False,
    level: float = 0.95,
) -> tuple[dict[str, pd.DataFrame], list[Path]]:
    """After the design has run into `out`: the tornado runs and the index tables (and their paths).

    The figures are drawn by sim.views.sensitivity_figures.draw_sensitivity.
    """
    from sim.experiments.runner import run_experiment

    table = pd.read_parquet(Path(out) / "outcomes.parquet")
    tornado = None
    if tornado_reps and design_bounds(exp):
        texp = tornado_experiment(exp, tornado_reps)
        runs = run_experiment(
            texp, Path(out) / f"tornado_r{tornado_reps}", workers=workers, dask=dask, fresh=fresh
        )
        tornado = runs.merge(pd.DataFrame(texp.extra["oat"]), on="point", how="left")
    folder = Path(out) / SENSITIVITY_DIR
    results = analyse(
        exp,
        table,
        folder,
        tornado=tornado,
        second_order=second_order,
        level=level,
        seed=exp.root_seed,
    )
    written = [folder / f"{name}.{ext}" for name in results for ext in ("parquet", "csv")]
    return results, written


def report_tables(exp, results: dict[str, pd.DataFrame], k: int = 3) -> list:
    """Rich tables: the k most influential parameters per outcome, with their intervals."""
    from rich import box
    from rich.table import Table

    tables = []
    for name, frame in results.items():
        method = {
            "sobol_indices": "sobol",
            "morris_indices": "morris",
            "prcc_indices": "prcc",
            "tornado_effects": "tornado",
        }.get(name)
        if method is None or not len(frame):
            continue
        what = {
            "sobol": "total Sobol index ST [CI]",
            "morris": "mu* [CI]",
            "prcc": "|PRCC| [CI]",
            "tornado": "range of the one-at-a-time effect (low..high)",
        }[method]
        table = Table(
            title=f"{exp.name}: top parameters per outcome by {what}", box=box.SIMPLE_HEAD
        )
        table.add_column("outcome", no_wrap=True)
        for i in range(1, k + 1):
            table.add_column(f"#{i}")
        top = top_parameters(frame, method, k)
        for outcome, group in top.groupby("outcome", sort=False):
            cells = [
                _cell(frame, method, outcome, row.parameter, row.score)
                for row in group.itertuples()
            ]
            table.add_row(outcome, *cells, *[""] * (k - len(cells)))
        notes = []
        if skipped := frame.attrs.get("skipped") or {}:
            notes.append("left out: " + "; ".join(f"{o} ({why})" for o, why in skipped.items()))
        if censored := frame.attrs.get("censored") or {}:
            notes.append(
                "censored at the window's length (restricted values): "
                + "; ".join(f"{o} ({n})" for o, n in censored.items())
            )
        table.caption = "\n".join(notes) or None
        tables.append(table)
    return tables


def _cell(frame: pd.DataFrame, method: str, outcome: str, parameter: str, score: float) -> str:
    short = parameter.split(".")[-1]
    part = frame[(frame["outcome"] == outcome) & (frame["parameter"] == parameter)]
    if method == "sobol":
        row = part[part["index"] == "ST"].iloc[0]
        return f"{short} {row['value']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
    if method == "morris":
        row = part.iloc[0]
        return f"{short} {row['mu_star']:.3g} [{row['mu_star_ci_low']:.3g}, {row['mu_star_ci_high']:.3g}]"
    if method == "prcc":
        row = part.iloc[0]
        return f"{short} {row['prcc']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"
    effects = part.set_index("side")["effect"]
    return f"{short} {effects.get('low', math.nan):+.3g}..{effects.get('high', math.nan):+.3g}"
