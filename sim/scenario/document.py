"""The whole scenario document: its sections, its shocks and the checks that span them."""

from __future__ import annotations

import hashlib
import json

from pydantic import Field, model_validator

from sim.scenario.ecosystem import Ecosystem, tier_firm_ids
from sim.scenario.fields import Section, param
from sim.scenario.finance import Finance
from sim.scenario.innovation import Innovation
from sim.scenario.policy import Policy
from sim.scenario.shocks import (
    SHOCK_TYPES,
    ForeignCutoff,
    LeaderFailure,
    Shock,
    SupplierDisruption,
    TechObsolescence,
)
from sim.scenario.supply_chain import Adaptation, Demand, Production

SECTIONS: dict[str, type[Section]] = {
    "ecosystem": Ecosystem,
    "production": Production,
    "demand": Demand,
    "adaptation": Adaptation,
    "finance": Finance,
    "policy": Policy,
    "innovation": Innovation,
}


class Scenario(Section):
    """One scenario: the ecosystem, its behaviour, the policy levers and the shocks."""

    def resilience_window(self) -> tuple[int, int] | None:
        """Months [first shock start, last shock end + window) cut at the run's end; None without shocks."""
        if not self.shocks:
            return None
        start = min(s.start for s in self.shocks)
        ends = [self.steps if s.duration is None else s.start + s.duration for s in self.shocks]
        return start, min(max(ends) + self.window, self.steps)

    name: str = param("unnamed", "Short name used in tables and figures.", "-")
    description: str = param(
        "", "What the scenario represents and where its numbers come from.", "-"
    )
    steps: int = param(120, "Months recorded (after the burn-in).", "months", ge=1, le=10_000)
    burn_in: int = param(
        0,
        "Months simulated before the first recorded month and not recorded: the books and "
        "inventories settle to what the behavioural rules keep them at. Month 0 of the series "
        "and of every shock's `start` is the first month after the burn-in; a paired run "
        "simulates the burn-in once (the counterfactual is forked at the first shock). 0: "
        "record from the opening books (docs/ODD.md, Initialization: about 180 months until unmet "
        "demand settles; credit drawn, exits and links trend longer).",
        "months",
        ge=0,
        le=10_000,
    )
    window: int = param(
        24,
        "Months after the last shock ends that the resilience outcomes still count: their window "
        "runs from the first shock's start to here (cut at the end of the run). 24: two years "
        "covers the ripple of a half-year shock up the tiers and the re-sourcing that follows it "
        "(searches of a few months); later months mostly add divergence the shock did not cause.",
        "months",
        ge=1,
        le=10_000,
    )
    ecosystem: Ecosystem = Field(
        default_factory=Ecosystem, description="Firms and the production network."
    )
    production: Production = Field(
        default_factory=Production, description="Planning, inventories, production, rationing."
    )
    demand: Demand = Field(default_factory=Demand, description="Final demand.")
    adaptation: Adaptation = Field(default_factory=Adaptation, description="Re-sourcing behaviour.")
    finance: Finance = Field(
        default_factory=Finance, description="Money, credit, defaults and entry."
    )
    policy: Policy = Field(default_factory=Policy, description="Policy levers.")
    innovation: Innovation = Field(
        default_factory=Innovation,
        description="R&D, deals and certification behaviour.",
        json_schema_extra={"unit": "-"},
    )
    shocks: list[Shock] = Field(
        default_factory=list, description=f"Shocks, any of: {', '.join(SHOCK_TYPES)}."
    )

    @model_validator(mode="after")
    def _shocks_fit_the_ecosystem(self) -> Scenario:
        eco = self.ecosystem
        for i, shock in enumerate(self.shocks):
            if shock.start >= self.steps:
                raise ValueError(
                    f"shocks.{i}.start: must be < steps ({self.steps}), got {shock.start}"
                )
            if isinstance(shock, SupplierDisruption) and shock.category is not None:
                n = eco.n_raw_categories if shock.tier == "supplier" else eco.n_component_categories
                if shock.category >= n:
                    raise ValueError(
                        f"shocks.{i}.category: must be < {n} for tier {shock.tier}, got {shock.category}"
                    )
            if isinstance(shock, SupplierDisruption) and shock.target != "category":
                _check_disrupted_count(i, shock, eco)
            if isinstance(shock, SupplierDisruption) and shock.firm is not None:
                lo, hi = tier_firm_ids(eco, shock.tier)
                if not lo <= shock.firm < hi:
                    raise ValueError(
                        f"shocks.{i}.firm: ids of tier {shock.tier} are {lo}..{hi - 1}, got {shock.firm}"
                    )
            if isinstance(shock, ForeignCutoff) and isinstance(shock.categories, list):
                bad = [c for c in shock.categories if not 0 <= c < eco.n_raw_categories]
                if bad:
                    raise ValueError(
                        f"shocks.{i}.categories: raw categories must be in 0..{eco.n_raw_categories - 1}, got {bad}"
                    )
            if isinstance(shock, TechObsolescence):
                n_c = eco.n_component_categories
                if isinstance(shock.categories, list):
                    bad = [c for c in shock.categories if not 0 <= c < n_c]
                    if bad:
                        raise ValueError(
                            f"shocks.{i}.categories: component categories must be in 0..{n_c - 1}, got {bad}"
                        )
                elif shock.count > n_c:
                    raise ValueError(
                        f"shocks.{i}.count: must be <= n_component_categories ({n_c}), got {shock.count}"
                    )
            if isinstance(shock, LeaderFailure) and shock.count >= eco.n_leaders:
                raise ValueError(
                    f"shocks.{i}.count: must be < n_leaders ({eco.n_leaders}), got {shock.count}"
                )
        return self

    def without_shocks(self) -> Scenario:
        """The paired counterfactual: the same scenario with no shock."""
        return self.model_copy(update={"shocks": []})

    def fingerprint(self) -> str:
        """A stable hash of the validated content (name and description included)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _check_disrupted_count(i: int, shock: SupplierDisruption, eco: Ecosystem) -> None:
    """A disruption cannot hit more firms than its tier has (it was silently clipped)."""
    lo, hi = tier_firm_ids(eco, shock.tier)
    if shock.count is not None and shock.count > hi - lo:
        raise ValueError(
            f"shocks.{i}.count: tier {shock.tier} has {hi - lo} firms, got {shock.count}"
        )


def scenario_json_schema() -> dict:
    """The JSON Schema of a scenario file (what `rongtong schema` prints)."""
    return Scenario.model_json_schema()
