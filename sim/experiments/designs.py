"""Experiments: read an experiment file and expand its design into a plan of validated scenarios.

An experiment file (sim.experiments.experiment_file) expands into a *plan*
(sim.experiments.plan): design points (one validated scenario each) times replicates.
Every run carries its paired no-shock counterfactual (`run_scenario`), so differences
between points are differences caused by the design, not by the dice.
`run_experiment` (sim.experiments.runner) writes each finished run at once and resumes an
interrupted experiment where it stopped.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.analysis.outcomes import EXTRA_OUTCOMES, OUTCOME_NAMES
from sim.errors import InputError, preview
from sim.experiments.experiment_file import (
    DESIGN_KINDS,
    ExecutorSettings,
    ExperimentFile,
    GridDesign,
    LatinDesign,
    MorrisDesign,
    ReplicatesDesign,
    SampleDesign,
    SobolDesign,
)
from sim.experiments.plan import DesignPoint, Experiment, design_seed, replicate_seeds
from sim.io import load_yaml
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

__all__ = ["build_experiment", "experiment_from_scenarios", "load_experiment"]


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
        data = load_yaml(raw.decode("utf-8"))
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
        return f"{source}: field '{loc}.kind': unknown design kind {preview(first['input'].get('kind'))}; expected one of: {', '.join(DESIGN_KINDS)}"
    if kind == "union_tag_not_found":
        return (
            f"{source}: field '{loc}': a design needs a 'kind', one of: {', '.join(DESIGN_KINDS)}"
        )
    is_scenario_ref = loc_parts[:1] == ["scenario"] or loc_parts[:2] == ["design", "scenarios"]
    if is_scenario_ref and kind in ("string_type", "dict_type"):
        return f"{source}: field '{loc}': expected a scenario file name or an inline scenario mapping (got {preview(first.get('input'))})"
    msg = first["msg"].removeprefix("Value error, ")
    got = first.get("input")
    got_text = "" if isinstance(got, dict) or kind == "missing" else f" (got {preview(got)})"
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
                f"{source}: field '{where}.extends': expected a file name, got {preview(extends)}"
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
