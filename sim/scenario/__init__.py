"""The scenario schema, loading with `extends:`, dotted overrides and one-line errors.

A scenario is one YAML file. Every field has a description, a unit and a default, and
where a default is calibrated the `source` says where it came from (DESIGN section 9).
`rongtong schema` prints the JSON Schema generated from these classes.

The package's modules, one job each: `fields` (what all sections share), the sections
`ecosystem`, `supply_chain` (production, demand, adaptation), `finance`, `policy` and
`innovation`, the `shocks`, the whole `document`, `validation` (one-line errors),
`overrides` and `loading`. Everything other code uses is importable from `sim.scenario`.
"""

from __future__ import annotations

from sim.scenario.document import SECTIONS, Scenario, scenario_json_schema
from sim.scenario.ecosystem import Ecosystem, tier_firm_ids
from sim.scenario.fields import PositivePair, Section, TierPair, param
from sim.scenario.finance import Finance
from sim.scenario.innovation import Innovation
from sim.scenario.loading import deep_merge, load_scenario
from sim.scenario.overrides import (
    BASELINE_FIRMS,
    FLAT_INDEX,
    apply_overrides,
    check_steps,
    parse_override,
    scaled_parameters,
    scenario_from_flat,
    with_steps,
)
from sim.scenario.policy import Policy
from sim.scenario.shocks import (
    SHOCK_CLASSES,
    SHOCK_TYPE_FIELD,
    SHOCK_TYPES,
    CreditCrunch,
    DemandShock,
    ForeignCutoff,
    LeaderFailure,
    Recovery,
    Shock,
    ShockBase,
    SupplierDisruption,
    TechObsolescence,
    shock_type,
)
from sim.scenario.supply_chain import Adaptation, Demand, Production
from sim.scenario.validation import validate_scenario


def _shock_classes() -> tuple[type[ShockBase], ...]:
    """The shock classes in SHOCK_TYPES order (the former module's name for SHOCK_CLASSES)."""
    return SHOCK_CLASSES


__all__ = [
    "BASELINE_FIRMS",
    "FLAT_INDEX",
    "SECTIONS",
    "SHOCK_CLASSES",
    "SHOCK_TYPES",
    "SHOCK_TYPE_FIELD",
    "Adaptation",
    "CreditCrunch",
    "Demand",
    "DemandShock",
    "Ecosystem",
    "Finance",
    "ForeignCutoff",
    "Innovation",
    "LeaderFailure",
    "Policy",
    "PositivePair",
    "Production",
    "Recovery",
    "Scenario",
    "Section",
    "Shock",
    "ShockBase",
    "SupplierDisruption",
    "TechObsolescence",
    "TierPair",
    "_shock_classes",
    "apply_overrides",
    "check_steps",
    "deep_merge",
    "load_scenario",
    "param",
    "parse_override",
    "scaled_parameters",
    "scenario_from_flat",
    "scenario_json_schema",
    "shock_type",
    "tier_firm_ids",
    "validate_scenario",
    "with_steps",
]
