"""Sensitivity analysis of a design: Sobol, Morris, partial rank correlations, grids, tornado.

The index functions take any tidy table (one row a run; parameter columns and outcome
columns) plus the parameter names and bounds, so they serve any model, not only this
one. `point` names the design-point column: a point with several replicates counts once,
at the mean of its replicates. Outcomes that are not finite in every point (e.g. a time
to recover that is censored because output never recovered) or that do not vary are
left out and listed in the result's `attrs["skipped"]`, never silently zero-filled.

`rongtong sensitivity EXPERIMENT` runs (or resumes) the design through sim.experiments.designs,
adds a one-at-a-time (tornado) study around the base scenario run by the same runner,
writes the indices as Parquet + CSV under `<results>/sensitivity/` and draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.statistics import mean_ci, paired_differences
from sim.errors import InputError
from sim.io import write_atomic, write_json, write_parquet

SENSITIVITY_DIR = "sensitivity"
TABLES = ("sobol_indices", "morris_indices", "prcc_indices", "grid_means", "tornado_effects")


# ---------------------------------------------------------------- generic index functions


def _problem(bounds: dict[str, Sequence[float]]) -> dict[str, Any]:
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[float(lo), float(hi)] for lo, hi in bounds.values()],
    }


def _per_point(table: pd.DataFrame, columns: Sequence[str], point: str | None) -> pd.DataFrame:
    """One row a design point, in point order (replicates averaged), or the table as it is."""
    if point is None or point not in table.columns:
        return table.reset_index(drop=True)
    numeric = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    return numeric.groupby(table[point], sort=True).mean().reset_index(drop=True)


def _usable(y: np.ndarray, outcome: str, skipped: dict[str, str]) -> bool:
    bad = int((~np.isfinite(y)).sum())
    if bad:
        skipped[outcome] = (
            f"{bad} of {len(y)} design points not finite (NaN: not measured or censored)"
        )
        return False
    if np.ptp(y) == 0.0:
        skipped[outcome] = "constant over the design"
        return False
    return True


def sobol_indices(
    table: pd.DataFrame,
    bounds: dict[str, Sequence[float]],
    outcomes: Sequence[str],
    *,
    second_order: bool = False,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    point: str | None = "point",
) -> pd.DataFrame:
    """Sobol first-order (S1), total (ST) and optionally second-order (S2) indices with CIs (SALib).

    The rows (or design points) must be a Saltelli sample in SALib's order:
    N (D + 2) rows, or N (2 D + 2) with second order. Returns one row per outcome,
    index and parameter: outcome, index, parameter, parameter_2 (S2 only), value,
    conf (half-width of SALib's bootstrap interval), ci_low, ci_high.
    """
    from SALib.analyze import sobol

    problem = _problem(bounds)
    d = problem["num_vars"]
    data = _per_point(table, outcomes, point)
    block = 2 * d + 2 if second_order else d + 2
    if len(data) % block:
        raise ValueError(
            f"{len(data)} design points is not a Saltelli sample of {d} parameters "
            f"(a multiple of {block}{' with second order' if second_order else ''})"
        )
    rows, skipped = [], {}
    for outcome in outcomes:
        y = data[outcome].to_numpy(float)
        if not _usable(y, outcome, skipped):
            continue
        si = sobol.analyze(
            problem,
            y,
            calc_second_order=second_order,
            num_resamples=resamples,
            conf_level=level,
            seed=seed,
        )
        for index in ("S1", "ST"):
            for i, name in enumerate(problem["names"]):
                rows.append(
                    _index_row(outcome, index, name, None, si[index][i], si[f"{index}_conf"][i])
                )
        if second_order:
            for i in range(d):
                for j in range(i + 1, d):
                    rows.append(
                        _index_row(
                            outcome,
                            "S2",
                            problem["names"][i],
                            problem["names"][j],
                            si["S2"][i, j],
                            si["S2_conf"][i, j],
                        )
                    )
    out = pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "index",
            "parameter",
            "parameter_2",
            "value",
            "conf",
            "ci_low",
            "ci_high",
        ],
    )
    out.attrs.update(level=level, skipped=skipped, method="sobol")
    return out


def _index_row(
    outcome: str, index: str, name: str, other: str | None, value: float, conf: float
) -> dict:
    value, conf = float(value), float(conf)
    return {
        "outcome": outcome,
        "index": index,
        "parameter": name,
        "parameter_2": other,
        "value": value,
        "conf": conf,
        "ci_low": value - conf,
        "ci_high": value + conf,
    }


def morris_indices(
    table: pd.DataFrame,
    bounds: dict[str, Sequence[float]],
    outcomes: Sequence[str],
    *,
    levels: int = 4,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    point: str | None = "point",
) -> pd.DataFrame:
    """Morris elementary effects (SALib): mu, mu* and sigma, with confidence intervals.

    The rows (or design points) must be Morris trajectories of D + 1 points in SALib's
    order. mu*'s interval is SALib's bootstrap (mu* +- mu_star_conf); sigma's is a
    percentile bootstrap that resamples whole trajectories (the independent units of the
    design) and re-runs SALib's analysis on each resample.
    """
    from SALib.analyze import morris

    problem = _problem(bounds)
    names, d = problem["names"], problem["num_vars"]
    data = _per_point(table, [*names, *outcomes], point)
    if len(data) % (d + 1):
        raise ValueError(
            f"{len(data)} design points is not a set of Morris trajectories of {d + 1} points"
        )
    x = data[names].to_numpy(float)
    trajectories = len(data) // (d + 1)
    rng = np.random.default_rng(seed)
    draws = rng.integers(trajectories, size=(resamples, trajectories))
    alpha = 1.0 - level
    rows, skipped = [], {}
    for outcome in outcomes:
        y = data[outcome].to_numpy(float)
        if not _usable(y, outcome, skipped):
            continue
        si = morris.analyze(
            problem, x, y, num_resamples=resamples, conf_level=level, num_levels=levels, seed=seed
        )
        sigmas = np.empty((resamples, d))
        for b, pick in enumerate(draws):
            idx = (pick[:, None] * (d + 1) + np.arange(d + 1)).ravel()
            sigmas[b] = morris.analyze(
                problem, x[idx], y[idx], num_resamples=2, num_levels=levels, seed=seed
            )["sigma"]
        low, high = np.nanquantile(sigmas, [alpha / 2, 1 - alpha / 2], axis=0)
        for i, name in enumerate(names):
            mu_star, conf = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "mu": float(si["mu"][i]),
                    "mu_star": mu_star,
                    "mu_star_conf": conf,
                    "mu_star_ci_low": max(mu_star - conf, 0.0),
                    "mu_star_ci_high": mu_star + conf,
                    "sigma": float(si["sigma"][i]),
                    "sigma_ci_low": float(low[i]),
                    "sigma_ci_high": float(high[i]),
                    "trajectories": trajectories,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "outcome", "parameter", "mu", "mu_star", "mu_star_conf", "mu_star_ci_low",
            "mu_star_ci_high", "sigma", "sigma_ci_low", "sigma_ci_high", "trajectories",
        ],
    )  # fmt: skip
    out.attrs.update(level=level, skipped=skipped, method="morris")
    return out


def prcc(
    table: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    *,
    level: float = 0.95,
    point: str | None = "point",
) -> pd.DataFrame:
    """Partial rank correlation coefficients (Marino et al. 2008), for Latin hypercube or any sample.

    Ranks every column; for each parameter, the residuals of its rank and of the outcome's
    rank after a linear regression on the other parameters' ranks are correlated. The
    interval is Fisher's z with n - 3 - (D - 1) degrees of freedom, the p-value the t-test
    of a partial correlation. Rows where the outcome is not finite are dropped (n says how
    many remain). SALib has no PRCC, so it is computed here with scipy and numpy.
    """
    names = list(parameters)
    data = _per_point(table, [*names, *outcomes], point)
    d = len(names)
    q = stats.norm.ppf(0.5 + level / 2)
    rows, skipped = [], {}
    for outcome in outcomes:
        sub = data[[*names, outcome]].apply(pd.to_numeric, errors="coerce")
        sub = sub[np.isfinite(sub[outcome])]
        n = len(sub)
        if n < d + 3 or np.ptp(sub[outcome].to_numpy()) == 0.0:
            skipped[outcome] = f"{n} finite design points" + (" (constant)" if n >= d + 3 else "")
            continue
        ranks = np.column_stack([stats.rankdata(sub[c]) for c in [*names, outcome]])
        ry = ranks[:, -1]
        for i, name in enumerate(names):
            others = np.column_stack([np.ones(n), np.delete(ranks[:, :d], i, axis=1)])
            rx = ranks[:, i]
            res_x = rx - others @ np.linalg.lstsq(others, rx, rcond=None)[0]
            res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
            if np.ptp(res_x) == 0.0 or np.ptp(res_y) == 0.0:
                r = p = low = high = math.nan
            else:
                r = float(np.clip(np.corrcoef(res_x, res_y)[0, 1], -1.0, 1.0))
                dof = n - 2 - (d - 1)
                r_c = min(max(r, -1 + 1e-12), 1 - 1e-12)
                t = r_c * math.sqrt(dof / (1.0 - r_c**2))
                p = float(2.0 * stats.t.sf(abs(t), dof))
                z, se = math.atanh(r_c), 1.0 / math.sqrt(max(n - 3 - (d - 1), 1))
                low, high = min(math.tanh(z - q * se), r), max(math.tanh(z + q * se), r)
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "prcc": r,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": p,
                    "n": n,
                }
            )
    out = pd.DataFrame(
        rows, columns=["outcome", "parameter", "prcc", "ci_low", "ci_high", "p_value", "n"]
    )
    out.attrs.update(level=level, skipped=skipped, method="prcc")
    return out


def grid_means(
    table: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], *, level: float = 0.95
) -> pd.DataFrame:
    """Mean of each outcome per grid point with a t-based CI over the replicates.

    A parameter value of None/NaN (e.g. 'no payment cap') becomes the label 'none', so it
    keeps its own row; such a column is then categorical (object).
    """
    data = table.copy()
    for p in parameters:
        if data[p].isna().any():
            data[p] = data[p].astype(object).where(data[p].notna(), "none")
    frames = [mean_ci(data, o, list(parameters), level).assign(outcome=o) for o in outcomes]
    if not frames:
        return pd.DataFrame(columns=["outcome", *parameters, "n", "mean", "ci_low", "ci_high"])
    out = pd.concat(frames, ignore_index=True)
    return out[["outcome", *parameters, "n", "mean", "ci_low", "ci_high"]]


def tornado_effects(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    varied: str = "varied",
    side: str = "side",
    value: str = "value",
    pair: str = "replicate",
    level: float = 0.95,
) -> pd.DataFrame:
    """One-at-a-time effects: each parameter at its low and high value minus the base, paired by replicate.

    `table` has one row a run: `varied` (the parameter moved, or 'base'), `side`
    ('low' / 'high' / 'base'), `value` (the parameter's value), the pairing column and
    the outcomes. The effect is the mean over replicates of (run - base run of the same
    replicate), with a t-based CI (sim.analysis.statistics.paired_differences); replicates where
    either value is not finite are left out (`pairs` says how many remain, and `mean`
    and `base_mean` are taken over them).
    """
    if not (table[side] == "base").any():  # every base run failed: effects NaN, no pairs
        table = pd.concat([table, pd.DataFrame({varied: ["base"], side: ["base"]})])
    reference = tuple(table.loc[table[side] == "base", [varied, side]].iloc[0])
    diffs = paired_differences(
        table, outcomes, by=[varied, side], pair=pair, reference=reference, level=level,
        paired_means=True,
    )  # fmt: skip
    diffs = diffs[diffs[side] != "base"]
    first = table.drop_duplicates([varied, side]).set_index([varied, side])[value]
    out = pd.DataFrame(
        {
            "outcome": diffs["outcome"],
            "parameter": diffs[varied],
            "side": diffs[side],
            "value": [first[key] for key in zip(diffs[varied], diffs[side], strict=True)],
            "base_mean": diffs["reference_pair_mean"],
            "mean": diffs["pair_mean"],
            "effect": diffs["difference"],
            "ci_low": diffs["ci_low"],
            "ci_high": diffs["ci_high"],
            "pairs": diffs["pairs"],
        }
    ).reset_index(drop=True)
    out.attrs.update(level=level)
    return out


def top_parameters(indices: pd.DataFrame, method: str, k: int = 3) -> pd.DataFrame:
    """The k most influential parameters per outcome (by ST, mu*, |PRCC| or tornado range)."""
    if method == "sobol":
        score = indices[indices["index"] == "ST"].assign(score=lambda t: t["value"])
    elif method == "morris":
        score = indices.assign(score=indices["mu_star"])
    elif method == "prcc":
        score = indices.assign(score=indices["prcc"].abs())
    else:  # tornado: the range between the low and the high effect
        score = (
            indices.groupby(["outcome", "parameter"], sort=False)["effect"]
            .agg(lambda e: float(e.max() - e.min()) if len(e) > 1 else float(abs(e.iloc[0])))
            .rename("score")
            .reset_index()
        )
    score = score.sort_values(["outcome", "score"], ascending=[True, False], kind="stable")
    score = score.groupby("outcome", sort=False).head(k)
    score["rank"] = score.groupby("outcome").cumcount() + 1
    return score[["outcome", "rank", "parameter", "score"]].reset_index(drop=True)


# ---------------------------------------------------------------- experiments


def design_bounds(exp) -> dict[str, tuple[float, float]]:
    """Parameter bounds of a design: the sampled ranges, or a grid's lowest and highest numeric values."""
    from sim.experiments.designs import GridDesign

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
    from sim.experiments.designs import (
        DesignPoint,
        Experiment,
        ReplicatesDesign,
        _base_scenario_data,
        _point_scenario,
        _round_integers,
        replicate_seeds,
    )
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
    from sim.experiments.designs import (
        GridDesign,
        LatinDesign,
        MorrisDesign,
        SobolDesign,
        outcome_columns,
    )

    design = exp.spec.design
    ok = table[table["error"].isna()]
    outcomes = outcome_columns(ok, exp.parameters, exp.outcomes)
    results: dict[str, pd.DataFrame] = {}
    bounds = design_bounds(exp)
    if isinstance(design, SobolDesign):
        results["sobol_indices"] = sobol_indices(
            ok, bounds, outcomes, second_order=second_order, level=level, seed=seed
        )
    elif isinstance(design, MorrisDesign):
        results["morris_indices"] = morris_indices(
            ok, bounds, outcomes, levels=design.levels, level=level, seed=seed
        )
    elif isinstance(design, LatinDesign):
        results["prcc_indices"] = prcc(ok, exp.parameters, outcomes, level=level)
    elif isinstance(design, GridDesign):
        results["grid_means"] = grid_means(ok, exp.parameters, outcomes, level=level)
    if tornado is not None:
        results["tornado_effects"] = tornado_effects(
            tornado[tornado["error"].isna()],
            [o for o in outcomes if o in tornado.columns],
            level=level,
        )
    skipped = {}
    for name, frame in results.items():
        write_parquet(folder / f"{name}.parquet", frame)
        write_atomic(folder / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        skipped.update({f"{name}: {k}": v for k, v in frame.attrs.get("skipped", {}).items()})
    method = {
        SobolDesign: "sobol",
        MorrisDesign: "morris",
        LatinDesign: "prcc",
        GridDesign: "grid",
    }[type(design)]
    write_json(
        folder / "sensitivity.json",
        {
            "experiment": exp.name,
            "method": method,
            "parameters": exp.parameters,
            "bounds": bounds,
            "level": level,
            "second_order": second_order,
            "skipped": skipped,
        },
    )
    return results


def draw_sensitivity(
    folder: Path, out: Path | None = None, tables: dict[str, pd.DataFrame] | None = None
) -> list[Path]:
    """Draw the figures of the index tables of `folder` (written by `analyse`).

    `tables` are those tables as `analyse` returned them; without them they are read
    from `folder`.
    """
    import json

    from sim.views import gallery

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


def check_request(exp, second_order: bool) -> None:
    """Refuse, before anything runs, what this design cannot give."""
    from sim.experiments.designs import ReplicatesDesign, SobolDesign

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
    """After the design has run into `out`: the tornado runs, the index tables and their figures."""
    from sim.experiments.designs import run_experiment

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
    written += draw_sensitivity(folder, tables=results)
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
        skipped = frame.attrs.get("skipped") or {}
        if skipped:
            table.caption = "left out: " + "; ".join(f"{o} ({why})" for o, why in skipped.items())
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
