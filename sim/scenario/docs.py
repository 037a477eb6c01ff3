"""Generated parts of docs/ODD.md: the parameter table, built from the scenario schema.

`python -m sim.scenario.docs` rewrites the table between its markers; tests/test_docs.py fails
when the table and the schema disagree, so the documentation cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.scenario.document import SECTIONS, Scenario
from sim.scenario.shocks import SHOCK_CLASSES, shock_type

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"


def _row(name: str, field) -> str:
    extra = field.json_schema_extra or {}
    default = field.default if field.default is not None else "null"
    text = (field.description or "").replace("|", "/")
    return (
        f"| `{name}` | {text} | {extra.get('unit', '')} | {default} | {extra.get('source', '')} |"
    )


def parameter_table() -> str:
    lines = ["| field | meaning | unit | default | source |", "|---|---|---|---|---|"]
    lines += [_row(name, Scenario.model_fields[name]) for name in _top_level()]
    for section, cls in SECTIONS.items():
        lines += [_row(f"{section}.{name}", f) for name, f in cls.model_fields.items()]
    lines += ["", "Shock fields (`shocks:` list; `type` selects the kind):", ""]
    lines += ["| field | meaning | unit | default | source |", "|---|---|---|---|---|"]
    for cls in SHOCK_CLASSES:
        kind = shock_type(cls)
        lines += [
            _row(f"{kind}.{name}", f) for name, f in cls.model_fields.items() if name != "type"
        ]
    return "\n".join(lines)


def documented_fields(markdown: str) -> set[str]:
    """Field names in the first column of the generated tables."""
    body = markdown.split(START, 1)[1].split(END, 1)[0]
    return {line.split("`")[1] for line in body.splitlines() if line.startswith("| `")}


def _top_level() -> list[str]:
    """The scenario's own fields (name, steps, window), outside its sections and shocks."""
    return [n for n in Scenario.model_fields if n not in SECTIONS and n != "shocks"]


def schema_fields() -> set[str]:
    names = {f"{s}.{n}" for s, cls in SECTIONS.items() for n in cls.model_fields}
    names |= set(_top_level())
    for cls in SHOCK_CLASSES:
        kind = shock_type(cls)
        names |= {f"{kind}.{n}" for n in cls.model_fields if n != "type"}
    return names


def refresh(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{parameter_table()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    refresh(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ODD.md"))
