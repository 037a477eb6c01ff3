"""Scenario files: `extends:`, dotted overrides, the JSON schema and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS

import sim
from sim.scenario import FLAT_INDEX, SHOCK_TYPES, innovation, parse_override, scenario_json_schema


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- extends and overrides


def test_extends_merges_sections_key_by_key_and_replaces_lists(tmp_path):
    write(
        tmp_path / "common" / "base.yaml",
        """
name: base
ecosystem: {n_smes: 40, n_leaders: 4}
production: {inventory_days: 10}
shocks:
  - {type: demand_shock, change: -0.1, start: 5}
""",
    )
    write(
        tmp_path / "common" / "mid.yaml",
        "extends: base.yaml\necosystem: {n_leaders: 5}\npolicy: {standardization: 0.3}\n",
    )
    child = write(
        tmp_path / "child.yaml",
        """
extends: common/mid.yaml          # relative to this file
name: child
shocks:
  - {type: foreign_cutoff, categories: all, start: 7}
""",
    )
    scn = sim.load_scenario(child)
    assert scn.name == "child"
    assert scn.ecosystem.n_smes == 40  # from the grandparent
    assert scn.ecosystem.n_leaders == 5  # the parent overrides the grandparent
    assert scn.production.inventory_days == 10
    assert scn.policy.standardization == 0.3
    assert [s.type for s in scn.shocks] == ["foreign_cutoff"]  # lists are replaced whole
    assert scn.shocks[0].start == 7


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_load_and_extend_the_baseline(path):
    scn = sim.load_scenario(path)
    baseline = sim.load_scenario(SCENARIOS / "baseline.yaml")
    assert scn.name == path.stem
    assert scn.ecosystem == baseline.ecosystem
    assert scn.description, "a shipped scenario says what it represents"


def test_dotted_and_bare_overrides():
    scn = sim.load_scenario(
        SCENARIOS / "foreign_cutoff.yaml",
        overrides={
            "shocks.0.duration": 3,
            "standardization": 0.7,  # a bare field name finds its section
            "production.rationing": "smaller_first",
            "ecosystem.n_smes": 120,
        },
    )
    assert scn.shocks[0].duration == 3
    assert scn.shocks[0].capacity_loss == 0.8  # the rest of the shock stays
    assert scn.policy.standardization == 0.7
    assert scn.production.rationing == "smaller_first"
    assert scn.ecosystem.n_smes == 120
    assert scn.ecosystem.n_leaders == 10


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("shocks.0.duration=3", "shocks.0.duration", 3),
        ("policy.standardization=0.8", "policy.standardization", 0.8),
        ("rationing=smaller_first", "rationing", "smaller_first"),
        ("shocks.0.categories=[1, 2]", "shocks.0.categories", [1, 2]),
        ("shocks.0.duration=null", "shocks.0.duration", None),
    ],
)
def test_command_line_values_are_read_as_yaml(text, key, value):
    assert parse_override(text) == (key, value)


def test_bare_names_are_unique_across_sections():
    for name, dotted in FLAT_INDEX.items():
        assert dotted.endswith("." + name)


def test_fingerprint_follows_content():
    a = sim.load_scenario(SCENARIOS / "baseline.yaml")
    b = sim.load_scenario(SCENARIOS / "baseline.yaml")
    c = sim.load_scenario(SCENARIOS / "baseline.yaml", overrides={"standardization": 0.1})
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


# ---------------------------------------------------------------- the schema


def _fields(schema: dict):
    """(where, name, property) for every property of the scenario and of every section."""
    yield from (("Scenario", n, p) for n, p in schema["properties"].items())
    for cls, definition in schema.get("$defs", {}).items():
        yield from ((cls, n, p) for n, p in definition.get("properties", {}).items())


def test_schema_gives_every_field_a_description_and_every_value_a_unit():
    schema = scenario_json_schema()
    sections = {"ecosystem", "production", "demand", "adaptation", "finance", "policy", "shocks"}
    checked = 0
    for where, name, prop in _fields(schema):
        assert prop.get("description"), f"{where}.{name} has no description"
        if not (where == "Scenario" and name in sections):
            assert prop.get("unit"), f"{where}.{name} has no unit"
        checked += 1
    assert checked > 50
    shock_defs = {
        d for d in schema["$defs"] if schema["$defs"][d].get("properties", {}).get("type")
    }
    assert len(shock_defs) == len(SHOCK_TYPES)


def test_innovation_fields_come_mechanism_by_mechanism():
    """`Innovation` combines one field group per mechanism; the flat `innovation:` section, its
    JSON Schema and the ODD table list the groups' fields in the order of sim/scenario/innovation.py."""
    groups = [
        innovation.ResearchAndTechnology,
        innovation.Digitalization,
        innovation.ResearchSupport,
        innovation.Deals,
        innovation.Matching,
        innovation.ResearchReturns,
        innovation.Certification,
    ]
    expected = [name for group in groups for name in group.model_fields]
    assert len(set(expected)) == len(expected)
    assert list(innovation.Innovation.model_fields) == expected
    assert list(scenario_json_schema()["$defs"]["Innovation"]["properties"]) == expected


# ---------------------------------------------------------------- bad input


BAD_FILES = {
    "misspelled field": (
        "policy:\n  standardisation: 0.5\n",
        ["policy.standardisation", "did you mean 'standardization'"],
    ),
    "misspelled shock field": (
        "shocks:\n  - {type: foreign_cutoff, categoriess: all}\n",
        ["shocks.0.categoriess", "did you mean 'categories'"],
    ),
    "wrong type": ("ecosystem:\n  n_smes: many\n", ["ecosystem.n_smes", "'many'"]),
    "out of range": ("policy:\n  standardization: 1.5\n", ["policy.standardization", "1.5"]),
    "unknown shock type": (
        "shocks:\n  - {type: earthquake, start: 3}\n",
        ["shocks.0.type", "earthquake", "supplier_disruption"],
    ),
    "shock after the end": (
        "steps: 12\nshocks:\n  - {type: demand_shock, start: 20}\n",
        ["shocks.0.start", "12"],
    ),
    "unparsable YAML": ("ecosystem: [1, 2\n", ["not valid YAML", "line"]),
    "not a mapping": ("- 1\n- 2\n", ["mapping"]),
    "missing parent": ("extends: nowhere.yaml\n", ["extends", "nowhere.yaml"]),
    "infeasible wiring": (
        "ecosystem:\n  n_component_categories: 4\n  components_per_leader: 6\n",
        ["ecosystem", "components_per_leader"],
    ),
}


def assert_one_line(message: str, *parts: str) -> None:
    assert "\n" not in message.strip(), message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_files_give_one_line_naming_file_and_field(tmp_path, case):
    text, parts = BAD_FILES[case]
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(path)
    assert_one_line(str(err.value), "bad.yaml", *parts)


def test_missing_file(tmp_path):
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(tmp_path / "absent.yaml")
    assert_one_line(str(err.value), "absent.yaml", "not found")


def test_circular_extends(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(tmp_path / "a.yaml")
    assert_one_line(str(err.value), "a.yaml", "b.yaml", "extends", "circular")


@pytest.mark.parametrize(
    "overrides, parts",
    [
        (
            {"policy.standardisation": 0.5},
            ["policy.standardisation", "did you mean 'standardization'"],
        ),
        ({"shocks.3.duration": 2}, ["shocks.3.duration", "'3' is not an index"]),
        ({"standardization": "high"}, ["policy.standardization", "'high'"]),
        ({"policy.standardization.level": 1}, ["policy.standardization.level", "not a section"]),
    ],
)
def test_bad_overrides_name_the_file_and_the_key(overrides, parts):
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(SCENARIOS / "foreign_cutoff.yaml", overrides=overrides)
    assert_one_line(str(err.value), "foreign_cutoff.yaml", *parts)


def test_override_without_equals_sign():
    with pytest.raises(sim.InputError) as err:
        parse_override("standardization")
    assert_one_line(str(err.value), "--set standardization", "key=value")


def test_scaled_parameters_keep_the_baselines_proportions():
    from sim.scenario import BASELINE_FIRMS, scaled_parameters

    base = sim.load_scenario(SCENARIOS / "baseline.yaml").ecosystem
    at_baseline = scaled_parameters(BASELINE_FIRMS)
    assert at_baseline == {name: getattr(base, name) for name in at_baseline}
    big = scaled_parameters(10 * BASELINE_FIRMS)
    assert big["n_smes"] == 10 * base.n_smes and big["n_suppliers"] == 10 * base.n_suppliers
    tiny = scaled_parameters(10)
    assert tiny["n_leaders"] >= 1 and tiny["n_component_categories"] >= 8
