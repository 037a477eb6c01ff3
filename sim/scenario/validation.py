"""Validating plain data into a Scenario, with pydantic's errors turned into one line.

The line names the file, the field (dotted, shock kinds left out) and what was expected;
for a misspelled field it suggests the closest name and lists the allowed ones.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError, preview
from sim.scenario.document import Scenario
from sim.scenario.shocks import SHOCK_CLASSES, SHOCK_TYPES, ShockBase, shock_type


def validate_scenario(data: dict, source: str) -> Scenario:
    """Validate plain data into a Scenario, or raise InputError with one line."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise InputError(_format_validation_error(source, err, data)) from None


def _format_validation_error(source: str, err: ValidationError, data: Any) -> str:
    """The first of pydantic's errors as `source: field 'a.b': what is wrong (got value)`."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not (isinstance(p, str) and p in SHOCK_TYPES))
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        parent_loc = [p for p in first["loc"][:-1] if not (isinstance(p, str) and p in SHOCK_TYPES)]
        allowed = _allowed_fields(parent_loc, data)
        close = difflib.get_close_matches(str(first["loc"][-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (
            f"{source}: field '{loc}': unknown field; {hint}expected one of: {', '.join(allowed)}"
        )
    if first["type"] == "union_tag_invalid":
        return f"{source}: field '{loc}.type': unknown shock type {preview(first['input'].get('type'))}; expected one of: {', '.join(SHOCK_TYPES)}"
    if first["type"] == "union_tag_not_found":
        return f"{source}: field '{loc}': a shock needs a 'type', one of: {', '.join(SHOCK_TYPES)}"
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    got = first.get("input")
    got_text = "" if isinstance(got, dict) else f" (got {preview(got)})"
    where = f"field '{loc}'" if loc else "scenario"
    return f"{source}: {where}: {msg}{got_text}"


def _allowed_fields(loc: list, data: Any) -> list[str]:
    """The field names allowed where `loc` points (a shock's depend on its `type:`)."""
    cls: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if cls is Scenario and part == "shocks":
            shock = data
            for p in loc:
                shock = shock[p] if isinstance(shock, dict | list) else None
            kind = shock.get("type") if isinstance(shock, dict) else None
            by_type = {shock_type(c): c for c in SHOCK_CLASSES}
            cls = by_type.get(kind, ShockBase)
            continue
        field = cls.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type):
            break
        cls = field.annotation
    return sorted(cls.model_fields)
