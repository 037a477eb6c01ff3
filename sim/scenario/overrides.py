"""Changing a scenario from outside its file: `--set key=value`, dotted or bare-name overrides,
flat keyword parameters, and a run length set apart from the scenario (`--steps`)."""

from __future__ import annotations

import difflib
import json
from typing import Any

import yaml

from sim.errors import InputError
from sim.scenario.document import SECTIONS, Scenario
from sim.scenario.shocks import ShockBase
from sim.scenario.validation import validate_scenario


def _flat_index() -> dict[str, str]:
    """Map each section field's bare name to its dotted path (names are unique across sections)."""
    index: dict[str, str] = {}
    for section, cls in SECTIONS.items():
        for name in cls.model_fields:
            assert name not in index, f"field name {name} is not unique across sections"
            index[name] = f"{section}.{name}"
    return index


FLAT_INDEX = _flat_index()


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line `key=value`; the value is read as YAML (numbers, booleans, lists)."""
    if "=" not in text:
        raise InputError(f"--set {text}: expected key=value, e.g. policy.standardization=0.8")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict, overrides: dict[str, Any], source: str) -> dict:
    """Set dotted keys (`policy.standardization`, `shocks.0.duration`, or a bare field name)."""
    data = json.loads(json.dumps(data))  # deep copy of plain data
    for dotted, value in overrides.items():
        parts = dotted.split(".") if "." in dotted else FLAT_INDEX.get(dotted, dotted).split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise InputError(
                        f"{source}: override '{dotted}': '{part}' is not an index of {'.'.join(parts[:i])} (length {len(node)})"
                    )
                node = node[int(part)]
            else:
                if part not in node:
                    if part == "shocks":
                        raise InputError(
                            f"{source}: override '{dotted}': the scenario has no shocks to index"
                        )
                    node[part] = {}
                node = node[part]
                if not isinstance(node, dict | list):
                    raise InputError(
                        f"{source}: override '{dotted}': '{part}' is a value, not a section"
                    )
        last = parts[-1]
        if isinstance(node, list):
            if not last.isdigit() or int(last) >= len(node):
                raise InputError(f"{source}: override '{dotted}': '{last}' is not an index")
            node[int(last)] = value
        else:
            node[last] = value
    return data


def scenario_from_flat(**params: Any) -> Scenario:
    """Build a scenario from flat keyword parameters (`n_smes=300, standardization=0.5`).

    This is what generic drivers (mesa.batch_run, EMA Workbench, notebooks) use.
    """
    data: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("name", "description", "steps", "burn_in", "window", "shocks"):
            data[key] = value
            continue
        if key not in FLAT_INDEX:
            close = difflib.get_close_matches(
                key, [*FLAT_INDEX, "steps", "burn_in", "shocks", "name"], n=1
            )
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"keyword parameters: field '{key}': unknown parameter{hint}")
        section, name = FLAT_INDEX[key].split(".")
        data.setdefault(section, {})[name] = value
    return validate_scenario(data, "keyword parameters")


BASELINE_FIRMS = 910  # the bundled baseline: 10 leaders, 300 SMEs, 600 suppliers


def scaled_parameters(n_firms: int) -> dict[str, int]:
    """The baseline ecosystem's counts scaled to about `n_firms`, every count in proportion
    (flat parameters for `scenario_from_flat`): how benchmarks and the golden 10k-firm case
    build large ecosystems that keep the baseline's structure."""
    f = n_firms / BASELINE_FIRMS
    return {
        "n_leaders": max(1, round(10 * f)),
        "n_smes": round(300 * f),
        "n_suppliers": round(600 * f),
        "n_component_categories": max(8, round(30 * f)),
        "n_raw_categories": max(2, round(20 * f)),
    }


def check_steps(shocks: list[Any], steps: int, source: str, option: str = "steps") -> None:
    """Refuse a run length that ends before a shock starts: the one check of every way a run's
    length is set apart from its scenario (`rongtong run/compare --steps`, an experiment's
    `steps:`, run_scenario(steps=...)). Such a shock would silently never happen, and the
    outcomes measured from its start would be NaN.

    `shocks` are Shock models or shock data (mappings; a missing start is the default).
    """
    default = ShockBase.model_fields["start"].default
    starts = [
        shock.start if isinstance(shock, ShockBase) else shock.get("start", default)
        for shock in shocks
        if isinstance(shock, ShockBase | dict)
    ]
    late = [
        (i, start) for i, start in enumerate(starts) if isinstance(start, int) and start >= steps
    ]
    if late:
        i, start = late[0]
        need = max(start for _, start in late) + 1
        raise InputError(
            f"{source}: field '{option}': the run would end before shocks.{i} starts "
            f"(shocks.{i}.start = {start}); expected {option} >= {need}, got {steps}"
        )


def with_steps(scn: Scenario, steps: int | None, source: str, option: str = "steps") -> Scenario:
    """`scn` run for `steps` months instead of its own (None: unchanged), checked and validated."""
    if steps is None:
        return scn
    check_steps(scn.shocks, steps, source, option)
    return validate_scenario({**scn.model_dump(), "steps": steps}, source)
