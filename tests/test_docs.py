"""The ODD document's parameter table names exactly the scenario schema's fields."""

from pathlib import Path

from sim.scenario.docs import documented_fields, schema_fields

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def test_every_scenario_field_is_documented_and_no_stale_field_remains():
    documented = documented_fields(ODD.read_text(encoding="utf-8"))
    schema = schema_fields()
    missing, stale = schema - documented, documented - schema
    assert not missing, f"add to docs/ODD.md (python -m sim.scenario.docs): {sorted(missing)}"
    assert not stale, f"remove from docs/ODD.md (python -m sim.scenario.docs): {sorted(stale)}"


def test_the_check_notices_a_missing_row():
    text = ODD.read_text(encoding="utf-8")
    first_row = next(line for line in text.splitlines() if line.startswith("| `"))
    assert documented_fields(text.replace(first_row + "\n", "")) != schema_fields()
