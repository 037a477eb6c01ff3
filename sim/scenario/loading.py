"""Reading scenario files: YAML, the `extends:` chain and `load_scenario`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError, preview
from sim.io import load_yaml
from sim.scenario.document import Scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.validation import validate_scenario


def _read_yaml(path: Path, chain: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and resolve its `extends:` chain (relative to the file)."""
    if path in chain:
        raise InputError(
            f"{path}: field 'extends': circular extends chain ({' -> '.join(str(p) for p in (*chain, path))})"
        )
    if not path.is_file():
        where = f"{chain[-1]}: field 'extends'" if chain else str(path)
        raise InputError(f"{where}: scenario file not found: {path}")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    if data is None or data == {}:  # every default, almost always a mistake (a wrong file)
        raise InputError(
            f"{path}: the scenario file is empty; give at least `extends:` or one field "
            "(an all-defaults scenario is `name: default`)"
        )
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a mapping of scenario fields at the top level, got {type(data).__name__}"
        )
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(f"{path}: field 'extends': expected a file name, got {preview(parent)}")
    base = _read_yaml((path.parent / parent).resolve(), (*chain, path))
    return deep_merge(base, data)


def deep_merge(base: dict, over: dict) -> dict:
    """Mappings merge key by key; anything else (lists of shocks included) is replaced whole."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario file, resolve `extends:`, apply dotted overrides and validate."""
    path = Path(path)
    data = _read_yaml(path.resolve() if path.exists() else path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    return validate_scenario(data, str(path))
