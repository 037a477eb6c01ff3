"""The `shocks:` list: the kinds of shock, their fields and the `type:` that selects one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.fields import Section, param

Recovery = Literal["step", "linear", "exponential"]
SHOCK_TYPE_FIELD = Field(
    description="Shock type; selects which of the other fields apply.",
    json_schema_extra={"unit": "-"},
)


class ShockBase(Section):
    """What every shock has: when it starts, how long it lasts and how it recovers."""

    start: int = param(24, "Month the shock starts (0-based).", "month", ge=0)
    duration: int | None = param(
        6, "Months the shock lasts; null means until the end of the run.", "months", ge=1
    )
    recovery: Recovery = param(
        "step",
        "Recovery profile: 'step' (all back at the end), 'linear' (lost share falls linearly to zero at the end), "
        "'exponential' (lost share decays, 95 % recovered at the end).",
        "-",
    )


class SupplierDisruption(ShockBase):
    """Some firms lose part of their capacity (fire, flood, lockdown, sanctions on one firm)."""

    type: Literal["supplier_disruption"] = SHOCK_TYPE_FIELD
    target: Literal["random", "largest", "category", "foreign", "firm"] = param(
        "random",
        "Which firms: random ones, the largest by capacity, all of one category, foreign suppliers, "
        "or one firm by its id.",
        "-",
    )
    tier: Literal["supplier", "sme"] = param("supplier", "Tier of the disrupted firms.", "-")
    count: int | None = param(
        1, "Number of firms hit (random / largest / foreign); null uses `share`.", "firms", ge=1
    )
    share: float | None = param(
        None, "Share of the tier's firms hit, used when count is null.", "share", gt=0.0, le=1.0
    )
    category: int | None = param(
        None,
        "Category index hit, for target 'category' (raw category for suppliers, component for SMEs).",
        "index",
        ge=0,
    )
    firm: int | None = param(
        None,
        "Firm id hit, for target 'firm' (ids: leaders first, then SMEs, then suppliers, as firm_id in "
        "agents.parquet); it must be a firm of the tier. The network, hence who firm i is, is drawn "
        "from the run's seed.",
        "firm id",
        ge=0,
    )
    capacity_loss: float = param(
        1.0, "Share of capacity lost at the start.", "share", gt=0.0, le=1.0
    )

    @model_validator(mode="after")
    def _needs_target_detail(self) -> SupplierDisruption:
        if self.target == "category" and self.category is None:
            raise ValueError("target 'category' needs a category index")
        if self.target == "firm" and self.firm is None:
            raise ValueError("target 'firm' needs a firm id")
        if self.target != "category" and self.count is None and self.share is None:
            raise ValueError("give count or share")
        return self


class ForeignCutoff(ShockBase):
    """Foreign suppliers of given raw-input categories become unavailable (export controls, blockade)."""

    type: Literal["foreign_cutoff"] = SHOCK_TYPE_FIELD
    categories: list[int] | Literal["dependent", "all"] = param(
        "dependent",
        "Raw categories cut off: a list of indices, 'dependent' (the foreign-dependent ones) or 'all'.",
        "-",
    )
    capacity_loss: float = param(
        1.0, "Share of the foreign suppliers' capacity lost.", "share", gt=0.0, le=1.0
    )
    duration: int | None = param(
        12, "Months the cut-off lasts; null means until the end of the run.", "months", ge=1
    )


class DemandShock(ShockBase):
    """Final demand for leaders' products changes by a share."""

    type: Literal["demand_shock"] = SHOCK_TYPE_FIELD
    change: float = param(
        -0.2,
        "Relative change of final demand at the start (-0.2 is a 20 % drop).",
        "share",
        ge=-1.0,
        le=5.0,
    )
    leaders_share: float = param(
        1.0, "Share of leaders whose demand is hit (the largest first).", "share", gt=0.0, le=1.0
    )


class LeaderFailure(ShockBase):
    """Chain leaders stop producing; part of their final demand moves to the surviving leaders."""

    type: Literal["leader_failure"] = SHOCK_TYPE_FIELD
    target: Literal["largest", "random"] = param("largest", "Which leaders fail.", "-")
    count: int = param(1, "Leaders that fail.", "firms", ge=1)
    duration: int | None = param(
        None, "Months the leaders are out; null means for good.", "months", ge=1
    )
    demand_redirect: float = param(
        0.5,
        "Share of the failed leaders' final demand that buyers take to surviving leaders.",
        "share",
        ge=0.0,
        le=1.0,
    )


class CreditCrunch(ShockBase):
    """Banks raise rates and cut credit lines (Chodorow-Reich 2014)."""

    type: Literal["credit_crunch"] = SHOCK_TYPE_FIELD
    rate_increase: float = param(0.02, "Added to the base rate.", "per year", ge=0.0, le=0.5)
    limit_cut: float = param(
        0.5,
        "Share of every credit line withdrawn (debt above the new line must be repaid).",
        "share",
        ge=0.0,
        le=1.0,
    )
    duration: int | None = param(
        12, "Months the crunch lasts; null means until the end of the run.", "months", ge=1
    )


class TechObsolescence(ShockBase):
    """The technology frontier jumps in some component categories; old technology loses value."""

    type: Literal["tech_obsolescence"] = SHOCK_TYPE_FIELD
    categories: list[int] | Literal["random"] = param(
        "random", "Component categories hit: a list of indices, or 'random' (count of them).", "-"
    )
    count: int = param(3, "Categories hit when categories is 'random'.", "categories", ge=1)
    frontier_jump: float = param(
        0.3, "Rise of the technology frontier of the categories hit.", "share", gt=0.0, le=5.0
    )
    value_lost: float = param(
        0.2,
        "Share of their technology level that firms in the categories hit lose (leaders using the "
        "categories lose it in proportion to the component's weight).",
        "share",
        ge=0.0,
        lt=1.0,
    )
    duration: int | None = param(
        None, "Ignored: obsolescence is permanent; firms catch up by innovating.", "months", ge=1
    )


Shock = Annotated[
    SupplierDisruption
    | ForeignCutoff
    | DemandShock
    | LeaderFailure
    | CreditCrunch
    | TechObsolescence,
    Field(discriminator="type"),
]
SHOCK_CLASSES: tuple[type[ShockBase], ...] = (
    SupplierDisruption,
    ForeignCutoff,
    DemandShock,
    LeaderFailure,
    CreditCrunch,
    TechObsolescence,
)
SHOCK_TYPES = (
    "supplier_disruption",
    "foreign_cutoff",
    "demand_shock",
    "leader_failure",
    "credit_crunch",
    "tech_obsolescence",
)


def shock_type(cls: type[ShockBase]) -> str:
    """The `type:` value that selects a shock class in a scenario file."""
    return cls.model_fields["type"].annotation.__args__[0]
