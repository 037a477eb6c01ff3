"""Experiments: a base scenario, a design over it, the outcomes to keep, and how to run it.

An experiment file expands into a *plan*: design points (one validated scenario each)
times replicates. Replicate r uses the same seed at every design point (common random
numbers), and every run carries its paired no-shock counterfactual (`run_scenario`), so
differences between points are differences caused by the design, not by the dice. All
seeds spawn from one `numpy.random.SeedSequence`, so results do not depend on the
executor or the number of workers. `run_experiment` writes each finished run at once
(sim.experiments.runstore) and resumes an interrupted experiment where it stopped.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.outcomes import EXTRA_OUTCOMES, OUTCOME_NAMES
from sim.errors import InputError
from sim.scenario import (
    FLAT_INDEX,
    SECTIONS,
    Scenario,
    apply_overrides,
    check_steps,
    deep_merge,
    load_scenario,
    validate_scenario,
)

# series kept per run when the file does not say (the shocked run and its counterfactual)
DEFAULT_SERIES: tuple[str, ...] = ("output", "final_demand", "unmet_demand", "employment")
DESIGN_KINDS = ("replicates", "grid", "sobol", "morris", "latin")


# ---------------------------------------------------------------- the file schema


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExecutorSettings(Strict):
    """Where runs execute. The command line (--workers, --dask) overrides these."""

    workers: int | None = Field(
        None,
        ge=0,
        description="Local worker processes (default: the number of cores; 0 runs in this process).",
    )
    dask: str | None = Field(
        None,
        description="Dask scheduler address (tcp://host:port), or 'local' for a LocalCluster.",
    )


class ReplicatesDesign(Strict):
    """The same seeds for each of a list of scenarios (the policy-comparison design)."""

    kind: Literal["replicates"]
    replicates: int = Field(
        ge=1, description="Runs per scenario; replicate r has the same seed everywhere."
    )
    scenarios: list[str | dict[str, Any]] | None = Field(
        None,
        min_length=1,
        description="Scenario files (relative to the experiment file) or inline scenarios layered on the "
        "base scenario (an inline `extends:` replaces the base). Default: the base scenario alone.",
    )


class GridDesign(Strict):
    """Every combination of the listed values of dotted parameters."""

    kind: Literal["grid"]
    replicates: int = Field(1, ge=1)
    parameters: dict[str, list[Any]] = Field(
        min_length=1, description="Dotted parameter -> list of values."
    )

    @model_validator(mode="after")
    def _values_given(self) -> GridDesign:
        for name, values in self.parameters.items():
            if not values:
                raise ValueError(f"parameter '{name}' needs at least one value")
        return self


class SampleDesign(Strict):
    replicates: int = Field(1, ge=1)
    samples: int = Field(ge=1, description="Base sample size (see the kind).")
    parameters: dict[str, tuple[float, float]] = Field(
        min_length=1, description="Dotted parameter -> [low, high]."
    )

    @model_validator(mode="after")
    def _bounds_ordered(self) -> SampleDesign:
        for name, (low, high) in self.parameters.items():
            if not low < high:
                raise ValueError(
                    f"parameter '{name}': low bound must be < high bound, got [{low}, {high}]"
                )
        return self


class SobolDesign(SampleDesign):
    """Saltelli sample for Sobol indices: samples * (D + 2) points (samples * (2D + 2) with second order)."""

    kind: Literal["sobol"]
    second_order: bool = False

    @model_validator(mode="after")
    def _power_of_two(self) -> SobolDesign:
        if self.samples & (self.samples - 1):
            raise ValueError(
                f"samples must be a power of 2 for a Sobol sequence, got {self.samples}"
            )
        return self


class MorrisDesign(SampleDesign):
    """Morris elementary effects: `samples` trajectories of D + 1 points on a grid of `levels`."""

    kind: Literal["morris"]
    levels: int = Field(4, ge=2)


class LatinDesign(SampleDesign):
    """Latin hypercube of `samples` points."""

    kind: Literal["latin"]


Design = Annotated[
    ReplicatesDesign | GridDesign | SobolDesign | MorrisDesign | LatinDesign,
    Field(discriminator="kind"),
]


class ExperimentFile(Strict):
    """One experiment file."""

    name: str | None = Field(
        None, description="Used for the results folder (default: the file name)."
    )
    description: str = ""
    scenario: str | dict[str, Any] | None = Field(
        None,
        description="The base scenario: a file (relative to the experiment file) or an inline scenario "
        "(`extends:` relative to the experiment file). Default: all scenario defaults.",
    )
    seed: int = Field(
        0, ge=0, description="Root of numpy.random.SeedSequence for every run's seed."
    )
    steps: int | None = Field(None, ge=1, description="Months per run (default: the scenario's).")
    design: Design
    outcomes: list[str] | None = Field(None, description="Outcomes to keep (default: all).")
    timeseries: list[str] | Literal["all"] = Field(
        list(DEFAULT_SERIES),
        description="Per-step series kept for each run, with their no-shock counterfactual (`<name>_cf`).",
    )
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)


# ---------------------------------------------------------------- the expanded plan


@dataclass(frozen=True)
class DesignPoint:
    """One scenario of the design; every replicate runs it."""

    index: int
    label: str
    params: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class RunSpec:
    """One run: a design point, a replicate and its seed (shared by all points)."""

    run_id: str
    point: int
    replicate: int
    seed: int


@dataclass
class Experiment:
    """A validated experiment: the design points, the seeds and what to keep."""

    # scenarios compared on the same seeds get the paired-difference report (compare.py);
    # an experiment that is not a policy comparison (e.g. the node study) sets it False
    comparison: ClassVar[bool] = True
    name: str
    source: str
    spec: ExperimentFile
    points: list[DesignPoint]
    seeds: list[int]
    outcomes: tuple[str, ...] | None
    series: tuple[str, ...]
    file_sha256: str | None = None
    problem: dict[str, Any] | None = None  # the SALib problem of a sampled design
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        return list(self.points[0].params) if self.points else []

    @property
    def root_seed(self) -> int:
        return self.spec.seed

    def runs(self) -> list[RunSpec]:
        """Replicate-major order: an interrupted experiment has balanced replicates."""
        return [
            RunSpec(run_id(p.index, r), p.index, r, seed)
            for r, seed in enumerate(self.seeds)
            for p in self.points
        ]

    def fingerprint(self) -> str:
        """What determines the results: scenarios, parameters, seeds, kept outcomes and series."""
        blob = {
            "points": [[p.label, p.params, p.scenario.fingerprint()] for p in self.points],
            "seeds": self.seeds,
            "outcomes": self.outcomes,
            "series": self.series,
        }
        text = json.dumps(blob, sort_keys=True, default=str).encode()
        return hashlib.sha256(text).hexdigest()[:16]


def run_id(point: int, replicate: int) -> str:
    return f"p{point:05d}-r{replicate:04d}"


# the columns of an outcomes table (run_experiment) that name a run rather than measure it
RUN_COLUMNS = ("run_id", "point", "scenario", "replicate", "seed", "error")


def outcome_columns(
    table: pd.DataFrame, parameters: Sequence[str], kept: Sequence[str] | None = None
) -> list[str]:
    """The outcome columns of an outcomes table (the layout of run_experiment).

    The `kept` outcomes when the experiment names them, every one in the table (an
    outcome never measured is then reported as such, not dropped); otherwise each column
    that is not a run's name, a design parameter or `error` and has a finite value.
    """
    from sim.analysis.statistics import measured_outcomes

    if kept is not None:
        return [c for c in kept if c in table.columns]
    skip = {*RUN_COLUMNS, *parameters}
    return measured_outcomes(table, [c for c in table.columns if c not in skip])


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """One integer seed per replicate, spawned from SeedSequence(root); `rongtong run --seed` reproduces a run."""
    children = np.random.SeedSequence(root).spawn(2)[1].spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def design_seed(root: int) -> int:
    """The seed of a sampled design (SALib), from its own stream of the same root."""
    return int(np.random.SeedSequence(root).spawn(2)[0].generate_state(1, np.uint32)[0])


# ---------------------------------------------------------------- loading


def load_experiment(
    path: str | Path,
    *,
    seed: int | None = None,
    steps: int | None = None,
    samples: int | None = None,
) -> Experiment:
    """Read and validate an experiment file; expand its design into validated scenarios.

    `samples` replaces the base sample size of a sampled design (a smaller study without
    editing the file). Any problem raises InputError with one line naming the file, the
    field and what was expected.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(f"{source}: experiment file not found")
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"{source}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: not a UTF-8 text file") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: expected a mapping of experiment fields at the top level, got {type(data).__name__}"
        )
    if seed is not None:
        data["seed"] = seed
    if steps is not None:
        data["steps"] = steps
    if samples is not None and isinstance(data.get("design"), dict):
        data["design"] = {**data["design"], "samples": samples}
    spec = _validate_file(data, source)
    exp = build_experiment(spec, source, base_dir=path.parent, default_name=path.stem)
    exp.file_sha256 = hashlib.sha256(raw).hexdigest()
    return exp


def experiment_from_scenarios(
    paths: list[str | Path],
    replicates: int,
    *,
    seed: int = 0,
    steps: int | None = None,
    name: str | None = None,
    outcomes: list[str] | None = None,
) -> Experiment:
    """The experiment behind `rongtong compare`: the same seeds for each scenario file."""
    spec = _validate_file(
        {
            "name": name,
            "seed": seed,
            "steps": steps,
            "design": {
                "kind": "replicates",
                "replicates": replicates,
                "scenarios": [str(Path(p).resolve()) for p in paths],
            },
            "outcomes": outcomes,
        },
        "compare",
    )
    default = "compare_" + "_vs_".join(Path(p).stem for p in paths)
    exp = build_experiment(spec, "compare", base_dir=Path.cwd(), default_name=default)
    exp.extra["scenario_files"] = {
        str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths
    }
    return exp


def _validate_file(data: dict, source: str) -> ExperimentFile:
    try:
        return ExperimentFile.model_validate(data)
    except ValidationError as err:
        raise InputError(_format_error(source, err)) from None


def _format_error(source: str, err: ValidationError) -> str:
    first = err.errors()[0]
    loc_parts = list(first["loc"])
    # pydantic puts the union member in the location: the design kind after 'design',
    # the type ('str', 'dict[str,any]') of a scenario given as a file or inline
    if loc_parts[:1] == ["design"] and len(loc_parts) > 1 and loc_parts[1] in DESIGN_KINDS:
        del loc_parts[1]
    loc_parts = [p for p in loc_parts if not (isinstance(p, str) and ("[" in p or p == "str"))]
    loc = ".".join(str(p) for p in loc_parts)
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_fields(first["loc"][:-1])
        close = difflib.get_close_matches(str(first["loc"][-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (
            f"{source}: field '{loc}': unknown field; {hint}expected one of: {', '.join(allowed)}"
        )
    if kind == "union_tag_invalid":
        return f"{source}: field '{loc}.kind': unknown design kind {first['input'].get('kind')!r}; expected one of: {', '.join(DESIGN_KINDS)}"
    if kind == "union_tag_not_found":
        return (
            f"{source}: field '{loc}': a design needs a 'kind', one of: {', '.join(DESIGN_KINDS)}"
        )
    is_scenario_ref = loc_parts[:1] == ["scenario"] or loc_parts[:2] == ["design", "scenarios"]
    if is_scenario_ref and kind in ("string_type", "dict_type"):
        return f"{source}: field '{loc}': expected a scenario file name or an inline scenario mapping (got {first.get('input')!r})"
    msg = first["msg"].removeprefix("Value error, ")
    got = first.get("input")
    got_text = "" if isinstance(got, dict) or kind == "missing" else f" (got {got!r})"
    return f"{source}: field '{loc or 'experiment'}': {msg}{got_text}"


def _allowed_fields(loc: tuple) -> list[str]:
    classes = {
        "replicates": ReplicatesDesign,
        "grid": GridDesign,
        "sobol": SobolDesign,
        "morris": MorrisDesign,
        "latin": LatinDesign,
    }
    cls: Any = ExperimentFile
    for i, part in enumerate(loc):
        if i == 1 and loc[0] == "design" and part in classes:
            cls = classes[part]
        elif part == "executor":
            cls = ExecutorSettings
    return sorted(cls.model_fields)


def build_experiment(
    spec: ExperimentFile, source: str, *, base_dir: Path, default_name: str
) -> Experiment:
    """Expand a validated experiment spec into design points and seeds."""
    base = _base_scenario_data(spec.scenario, source, base_dir, "scenario")
    design = spec.design
    problem = None
    if isinstance(design, ReplicatesDesign):
        points = _scenario_points(design, base, spec, source, base_dir)
    else:
        names = [_canonical_parameter(n, source, base) for n in design.parameters]
        if len(set(names)) != len(names):
            raise InputError(f"{source}: field 'design.parameters': a parameter is listed twice")
        if isinstance(design, GridDesign):
            combos = itertools.product(*design.parameters.values())
            rows = [dict(zip(names, combo, strict=True)) for combo in combos]
        else:
            problem = {
                "num_vars": len(names),
                "names": names,
                "bounds": [list(b) for b in design.parameters.values()],
            }
            rows = _sample(design, problem, spec.seed)
            rows = [_round_integers(row, base, source) for row in rows]
        points = [
            DesignPoint(
                i,
                base.get("name", "unnamed"),
                row,
                _point_scenario(base, row, spec.steps, f"{source}: design point {i} {_show(row)}"),
            )
            for i, row in enumerate(rows)
        ]
    outcomes = _check_names(spec.outcomes, (*OUTCOME_NAMES, *EXTRA_OUTCOMES), source, "outcomes")
    from sim.ecosystem.model import SERIES

    series = (
        tuple(SERIES)
        if spec.timeseries == "all"
        else _check_names(spec.timeseries, SERIES, source, "timeseries")
    )
    return Experiment(
        name=spec.name or default_name,
        source=source,
        spec=spec,
        points=points,
        seeds=replicate_seeds(spec.seed, design.replicates),
        outcomes=outcomes,
        series=series or (),
        problem=problem,
    )


def _show(row: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in row.items()) + ")"


def _check_names(
    names: list[str] | None, known: tuple[str, ...], source: str, where: str
) -> tuple[str, ...] | None:
    if names is None:
        return None
    for i, name in enumerate(names):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise InputError(
                f"{source}: field '{where}.{i}': unknown name {name!r}; {hint}expected one of: {', '.join(known)}"
            )
    if len(set(names)) != len(names):
        raise InputError(f"{source}: field '{where}': a name is listed twice")
    return tuple(names)


def _read_scenario_file(ref: str, source: str, base_dir: Path, where: str) -> dict:
    path = (base_dir / ref).resolve()
    if not path.is_file():
        raise InputError(f"{source}: field '{where}': scenario file not found: {path}")
    return load_scenario(path).model_dump(mode="json")


def _base_scenario_data(
    ref: str | dict | None, source: str, base_dir: Path, where: str, parent: dict | None = None
) -> dict:
    """Plain scenario data: a file, or an inline mapping on `parent` (or on its own `extends:`)."""
    if ref is None:
        return parent if parent is not None else Scenario().model_dump(mode="json")
    if isinstance(ref, str):
        return _read_scenario_file(ref, source, base_dir, where)
    inline = dict(ref)
    extends = inline.pop("extends", None)
    if extends is not None:
        if not isinstance(extends, str):
            raise InputError(
                f"{source}: field '{where}.extends': expected a file name, got {extends!r}"
            )
        parent = _read_scenario_file(extends, source, base_dir, f"{where}.extends")
    elif parent is None:
        parent = Scenario().model_dump(mode="json")
    data = deep_merge(parent, inline)
    validate_scenario(data, f"{source}: {where}")
    return data


def _scenario_points(
    design: ReplicatesDesign, base: dict, spec: ExperimentFile, source: str, base_dir: Path
) -> list[DesignPoint]:
    entries = design.scenarios or [None]
    points = []
    for i, entry in enumerate(entries):
        where = f"design.scenarios.{i}"
        data = base if entry is None else _base_scenario_data(entry, source, base_dir, where, base)
        scn = _point_scenario(data, {}, spec.steps, f"{source}: {where}")
        points.append(DesignPoint(i, scn.name, {}, scn))
    labels = [p.label for p in points]
    dup = next((x for x in labels if labels.count(x) > 1), None)
    if dup is not None:
        raise InputError(
            f"{source}: field 'design.scenarios': two scenarios are named {dup!r}; give each a distinct 'name'"
        )
    return points


def _point_scenario(base: dict, params: dict[str, Any], steps: int | None, source: str) -> Scenario:
    overrides = dict(params)
    if steps is not None:
        overrides["steps"] = steps
    data = apply_overrides(base, overrides, source) if overrides else base
    if steps is not None:  # the run must not end before a shock starts
        check_steps(data.get("shocks") or [], steps, source)
    return validate_scenario(data, source)


def _canonical_parameter(name: str, source: str, base: dict) -> str:
    """`standardization` -> `policy.standardization`; check that a dotted parameter exists."""
    where = f"{source}: field 'design.parameters.{name}'"
    if "." not in name:
        if name in FLAT_INDEX:
            return FLAT_INDEX[name]
        close = difflib.get_close_matches(name, list(FLAT_INDEX), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(f"{where}: unknown parameter{hint}")
    head, *rest = name.split(".")
    if head in SECTIONS and len(rest) == 1:
        fields = SECTIONS[head].model_fields
        if rest[0] not in fields:
            close = difflib.get_close_matches(rest[0], list(fields), n=1)
            hint = f"did you mean '{head}.{close[0]}'? " if close else ""
            raise InputError(
                f"{where}: unknown parameter; {hint}expected one of: {', '.join(f'{head}.{f}' for f in fields)}"
            )
        return name
    if head == "shocks" and len(rest) == 2 and rest[0].isdigit():
        shocks = base.get("shocks") or []
        if int(rest[0]) >= len(shocks):
            raise InputError(f"{where}: the base scenario has {len(shocks)} shock(s)")
        return name
    raise InputError(
        f"{where}: expected section.field (sections: {', '.join(SECTIONS)}) or shocks.<index>.<field>"
    )


def _is_integer_field(name: str, base: dict) -> bool:
    head, *rest = name.split(".")
    if head in SECTIONS:
        annotation = SECTIONS[head].model_fields[rest[0]].annotation
    else:  # shocks.<i>.<field>
        shock = validate_scenario(base, "base scenario").shocks[int(rest[0])]
        model_field = type(shock).model_fields.get(rest[1])
        if model_field is None:
            return False
        annotation = model_field.annotation
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return int in args and float not in args


def _round_integers(row: dict[str, Any], base: dict, source: str) -> dict[str, Any]:
    """Sampled values of integer fields (firm counts, months) are rounded to the nearest integer."""
    return {k: int(round(v)) if _is_integer_field(k, base) else float(v) for k, v in row.items()}


def _sample(design: SampleDesign, problem: dict, root: int) -> list[dict[str, float]]:
    from SALib.sample import latin, morris, sobol

    seed = design_seed(root)
    if isinstance(design, SobolDesign):
        matrix = sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=seed
        )
    elif isinstance(design, MorrisDesign):
        matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    else:
        matrix = latin.sample(problem, design.samples, seed=seed)
    return [dict(zip(problem["names"], map(float, row), strict=True)) for row in matrix]


# ---------------------------------------------------------------- running


def run_experiment(
    exp: Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    fresh: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every unfinished run of `exp`, write them under `out`, return the tidy outcomes table.

    One row a run, in design order: run_id, point, scenario, replicate, seed, the design
    parameters, the outcomes and `error` (None, or the message of a run that raised; its
    outcomes are NaN). A failing run does not stop the others. Re-running resumes: runs
    already written are not run again. `workers` (default: the file's, else one per
    core; 0 = this process) and `dask` (an address, 'local' or a distributed.Client)
    choose the executor; the results are the same whichever is used.
    """
    from rich.console import Console

    from sim.experiments.executors import make_executor
    from sim.experiments.progress import RunProgress
    from sim.experiments.runstore import RunStore, execute_run, tasks_for

    out = Path(out) if out is not None else Path("results") / exp.name
    workers = workers if workers is not None else exp.spec.executor.workers
    dask = dask if dask is not None else exp.spec.executor.dask
    store = RunStore(out)
    store.check(exp, fresh)  # refuses another experiment's folder before writing anything
    all_runs = exp.runs()
    done = set() if fresh else store.finished(exp)
    pending = [r for r in all_runs if r.run_id not in done]
    console = Console(stderr=True)
    if done and progress:
        console.print(
            f"{exp.name}: resuming, {len(done)} of {len(all_runs)} runs already in {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if done and store.code_changed:
        console.print(
            f"warning: {out}: the rongtong source changed since these runs were made; the finished "
            "runs are kept (use --fresh to run them all with this code)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not pending:  # all done: (re)consolidate only
        store.close(store.open(exp, fresh, "none: all runs were done", 0), "finished", 0, [])
        return store.consolidate(exp)
    with make_executor(workers, dask, len(pending)) as executor:
        manifest = store.open(exp, fresh, executor.description, len(pending))
        failed: list[str] = []
        status = "crashed"
        bar = RunProgress(exp.name, len(pending), progress, console)
        try:
            with bar:
                for output in executor.imap_unordered(execute_run, tasks_for(exp, pending)):
                    store.save(output)
                    if output.error is not None:
                        failed.append(output.run_id)
                    bar.advance(output.error is None)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            store.close(manifest, status, bar.done, failed)
    return store.consolidate(exp)
