"""The scenario schema, loading with `extends:`, dotted overrides and one-line errors.

A scenario is one YAML file. Every field has a description, a unit and a default, and
where a default is calibrated the `source` says where it came from (DESIGN section 9).
`rongtong schema` prints the JSON Schema generated from these classes.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import InputError


def param(default: Any, description: str, unit: str, source: str | None = None, **bounds: Any):
    """A scenario field: default, one-line meaning, unit and (optional) calibration source."""
    extra: dict[str, Any] = {"unit": unit}
    if source:
        extra["source"] = source
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """Strict: a misspelled field is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Ecosystem(Section):
    """Who exists and how they are wired: firm counts, categories and the sourcing network."""

    n_leaders: int = param(
        10, "Chain-leader firms (链主), final assemblers facing final demand.", "firms", ge=1
    )
    n_smes: int = param(
        300,
        "Specialized SMEs (专精特新中小企业), each making one component category.",
        "firms",
        ge=1,
    )
    n_suppliers: int = param(
        600, "Upstream suppliers of raw materials and basic parts.", "firms", ge=1
    )
    n_component_categories: int = param(
        30, "Component categories (niches) that SMEs make and leaders assemble.", "categories", ge=1
    )
    n_raw_categories: int = param(
        20, "Raw-input categories that suppliers make.", "categories", ge=1
    )
    components_per_leader: int = param(
        8, "Component categories each leader's product needs.", "categories", ge=1
    )
    raw_inputs_per_leader: int = param(
        1, "Raw-input categories each leader buys directly from suppliers.", "categories", ge=0
    )
    raw_inputs_per_component: int = param(
        2, "Raw-input categories each component category needs.", "categories", ge=1
    )
    smes_per_component: int = param(
        3, "Multi-sourcing: SMEs a leader draws on for each component category.", "firms", ge=1
    )
    suppliers_per_raw_input: int = param(
        2, "Multi-sourcing: suppliers a buyer draws on for each raw input.", "firms", ge=1
    )
    sourcing_concentration: float = param(
        0.5,
        "How concentrated sourcing is: 0 picks sellers uniformly, 1 in proportion to a Pareto(1) fitness "
        "(the fitness form of preferential attachment), which gives a few very large sellers.",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    sourcing_weight_alpha: float = param(
        2.0,
        "Dirichlet concentration of a buyer's order split among its sellers of one input (large = even split).",
        "-",
        gt=0.0,
    )
    foreign_share: float = param(
        0.2,
        "Share of suppliers that are foreign (海外供应商).",
        "share",
        source="DESIGN section 2 default",
        ge=0.0,
        le=1.0,
    )
    foreign_dependent_share: float = param(
        0.2,
        "Share of raw-input categories that depend mostly on foreign supply (核心环节过度依赖海外供应商).",
        "share",
        ge=0.0,
        le=1.0,
    )
    foreign_share_in_dependent: float = param(
        0.7,
        "Share of foreign suppliers within a foreign-dependent category.",
        "share",
        ge=0.0,
        le=1.0,
    )
    specific_share: float = param(
        0.5,
        "Share of input categories that are specific (non-standard, hard to substitute); the rest are generic.",
        "share",
        ge=0.0,
        le=1.0,
    )
    leader_size_sigma: float = param(
        0.8, "Log-normal dispersion of leaders' shares of final demand.", "log units", ge=0.0
    )
    capacity_slack: float = param(
        0.2, "Spare capacity above the steady-state demand of each firm.", "share", ge=0.0, le=5.0
    )

    @model_validator(mode="after")
    def _wiring_is_feasible(self) -> Ecosystem:
        if self.components_per_leader > self.n_component_categories:
            raise ValueError("components_per_leader must be <= n_component_categories")
        if self.raw_inputs_per_component > self.n_raw_categories:
            raise ValueError("raw_inputs_per_component must be <= n_raw_categories")
        if self.raw_inputs_per_leader > self.n_raw_categories:
            raise ValueError("raw_inputs_per_leader must be <= n_raw_categories")
        if self.n_smes < self.n_component_categories:
            raise ValueError("n_smes must be >= n_component_categories (every component needs a maker)")
        if self.n_suppliers < self.n_raw_categories:
            raise ValueError("n_suppliers must be >= n_raw_categories (every raw input needs a maker)")
        dependent = self.foreign_dependent_share * self.foreign_share_in_dependent
        if dependent > self.foreign_share + 1e-12:
            raise ValueError(
                "foreign_dependent_share * foreign_share_in_dependent must be <= foreign_share "
                f"(got {dependent:.3f} > {self.foreign_share:.3f})"
            )
        return self


class Production(Section):
    """How firms plan, hold inventories, produce and ration."""

    inventory_days: float = param(
        15.0,
        "Target input inventory, in days of input use.",
        "days",
        source="Inoue & Todo 2019 use 9-15 days; DisruptSC uses 30",
        ge=0.0,
        le=365.0,
    )
    inventory_adjustment: float = param(
        0.5,
        "Share of the gap to the inventory target that a firm closes by its orders in one month.",
        "share/month",
        gt=0.0,
        le=1.0,
    )
    expectation_smoothing: float = param(
        0.5,
        "Weight of the newest month in firms' expected demand (exponential smoothing).",
        "share",
        gt=0.0,
        le=1.0,
    )
    productivity_sigma: float = param(
        0.03,
        "Idiosyncratic monthly productivity noise on capacity (log-normal sigma, mean one; 0 turns it off).",
        "log units",
        ge=0.0,
        le=1.0,
    )
    rationing: Literal["proportional", "smaller_first"] = param(
        "proportional",
        "How a seller short of output splits it: in proportion to orders (Inoue & Todo 2019) or smaller orders first.",
        "-",
    )
    capacity_adjustment: float = param(
        0.03,
        "Share of the gap between capacity and expected demand plus slack closed per month.",
        "share/month",
        ge=0.0,
        le=1.0,
    )
    value_added_share_leader: float = param(
        0.25, "Leaders' value added as a share of their gross output.", "share", gt=0.0, lt=1.0
    )
    value_added_share_sme: float = param(
        0.35, "SMEs' value added as a share of their gross output.", "share", gt=0.0, lt=1.0
    )
    value_added_share_supplier: float = param(
        0.4, "Suppliers' value added share of gross output; the rest is bought outside the ecosystem.", "share", gt=0.0, le=1.0
    )
    jobs_per_value_added_leader: float = param(
        1.0,
        "Leader jobs per unit of monthly value added at base prices.",
        "jobs/(value/month)",
        ge=0.0,
    )
    jobs_per_value_added_sme: float = param(
        2.5,
        "SME jobs per unit of monthly value added (SMEs are labour intensive).",
        "jobs/(value/month)",
        ge=0.0,
    )
    jobs_per_value_added_supplier: float = param(
        1.5, "Supplier jobs per unit of monthly value added.", "jobs/(value/month)", ge=0.0
    )
    fixed_labor_share: float = param(
        0.5,
        "Share of a firm's workforce tied to its capacity rather than its current output (kept through a slump).",
        "share",
        ge=0.0,
        le=1.0,
    )


class Demand(Section):
    """Final demand faced by the chain leaders."""

    final_demand: float = param(
        1000.0,
        "Total final demand for leaders' products per month at the start.",
        "units/month",
        gt=0.0,
    )
    growth_per_year: float = param(
        0.0, "Trend growth of final demand.", "share/year", ge=-0.5, le=1.0
    )
    noise_sigma: float = param(
        0.02, "Sigma of the AR(1) log-noise on each leader's demand.", "log units", ge=0.0, le=1.0
    )
    noise_persistence: float = param(
        0.7, "AR(1) persistence of the demand noise.", "-", ge=0.0, lt=1.0
    )


class Adaptation(Section):
    """Re-sourcing: shifting orders among existing sellers, then searching for new ones."""

    reweight_speed: float = param(
        0.5,
        "Share of an under-delivering seller's order weight that a buyer moves to its other sellers of the same "
        "input per month, for a fully generic input (specific inputs move slower unless standardized).",
        "share/month",
        ge=0.0,
        le=1.0,
    )
    weight_reversion: float = param(
        0.05,
        "Monthly pull of order weights back toward the established relationship weights.",
        "share/month",
        ge=0.0,
        le=1.0,
    )
    search_months: float = param(
        3.0,
        "Months to find and qualify a new seller of a generic input with no standardization or matching help.",
        "months",
        ge=0.0,
        le=120.0,
    )
    specificity_search_penalty: float = param(
        2.0,
        "Extra search time for a fully specific input, as a multiple of search_months.",
        "x",
        ge=0.0,
    )
    specific_reweight_factor: float = param(
        0.2,
        "Re-weighting speed for a fully specific input relative to a generic one, before standardization "
        "(Barrot & Sauvagnat 2016: specific inputs are hard to switch).",
        "x",
        ge=0.0,
        le=1.0,
    )
    search_trigger_fill: float = param(
        0.8,
        "A buyer starts searching when an input's fill rate stays below this.",
        "share",
        ge=0.0,
        le=1.0,
    )
    search_patience: int = param(
        2, "Months of low fill rate before a buyer starts to search.", "months", ge=1
    )


class Finance(Section):
    """Money: payment terms, the bank, firms' costs, defaults and entry. Values in million yuan at base prices."""

    payment_days: float = param(
        50.0, "Contractual payment term between firms of equal standing (SMEs paying suppliers).", "days", ge=0.0, le=300.0
    )
    leader_bargaining_power: float = param(
        0.55,
        "How far leaders stretch payment terms to smaller sellers (滥用优势地位、设置不合理交易条件): "
        "their term is payment_days * (1 + power). With the defaults the volume-weighted average term is near "
        "the observed 66.7-70.3 days.",
        "x",
        source="NBS receivables collection period of industrial firms, Oct 2024 / Apr 2025",
        ge=0.0,
        le=5.0,
    )
    base_rate: float = param(
        0.031, "Rate on new corporate loans (leaders borrow at it).", "per year", source="PBoC, late 2025 (seed 002)", ge=0.0, le=0.5
    )
    sme_risk_premium: float = param(
        0.0135, "Risk premium of SMEs and suppliers over the base rate (gives about 4.45 %).", "per year", source="PBoC small/micro loan rate, early 2024", ge=0.0, le=0.5
    )
    credit_months_leader: float = param(4.0, "Leaders' credit line, in months of normal revenue.", "months", ge=0.0)
    credit_months_sme: float = param(2.0, "SMEs' and suppliers' credit line, in months of normal revenue.", "months", ge=0.0)
    cash_months: float = param(1.0, "Cash firms start with and keep as a buffer (above it they repay debt, then pay dividends).", "months of revenue", ge=0.0)
    equity_months: float = param(
        1.5,
        "Owners' capital at the start, in months of normal revenue; working capital beyond it (cash plus "
        "receivables minus payables) is financed by the credit line, so longer payment terms mean more debt.",
        "months of revenue",
        ge=0.0,
    )
    cash_months_leader: float = param(3.0, "Cash buffer of leaders (large firms hold more).", "months of revenue", ge=0.0)
    dividend_payout: float = param(0.5, "Share of cash above the buffer paid out to owners each month.", "share/month", ge=0.0, le=1.0)
    labor_share: float = param(0.75, "Wages as a share of value added at normal output.", "share", ge=0.0, le=1.0)
    overhead_share: float = param(0.03, "Mean overhead (rent, energy, services bought outside the ecosystem), share of normal revenue.", "share", ge=0.0, le=1.0)
    overhead_sigma: float = param(
        0.11,
        "Sigma of an SME's or supplier's persistent idiosyncratic cost shock, share of normal revenue (gives a few % yearly exits).",
        "share",
        ge=0.0,
        le=2.0,
    )
    overhead_sigma_leader: float = param(
        0.01, "The same for leaders (large, diversified firms).", "share", ge=0.0, le=2.0
    )
    overhead_persistence: float = param(0.9, "Monthly AR(1) persistence of the idiosyncratic cost shock.", "-", ge=0.0, lt=1.0)
    contagion_window: int = param(6, "A default counts as contagion when the firm lost trade credit to a failed customer within this many months.", "months", ge=1)
    contagion_threshold: float = param(0.05, "Smallest such loss, as a share of the firm's normal monthly revenue.", "share", ge=0.0)
    entry_rate: float = param(
        0.05, "Monthly probability that an exited firm's place is taken by an entrant, in the category short of supply.", "share/month", ge=0.0, le=1.0
    )


class Policy(Section):
    """Policy levers (the seeds' measures). Each is 0 when off."""

    standardization: float = param(
        0.0,
        "Common product standards and data interfaces set by chain leaders (链长 制定产品标准、统一接口): "
        "specific inputs become easier to re-source.",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    matching_efficiency: float = param(
        0.0,
        "Matching platform (需求发布—能力对答 / 信息匹配): shortens the search for new sellers.",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    payment_term_cap_days: float | None = param(
        None,
        "Cap on the payment term large firms give SMEs (保障中小企业款项支付条例: 60 days); null means no cap.",
        "days",
        source="Regulations on Ensuring Payments to SMEs, revised, effective 2025-06-01",
        ge=0.0,
        le=300.0,
    )
    supply_chain_finance: float = param(
        0.0,
        "Supply-chain finance (供应链金融, 应收账款融资): share of an SME's receivables owed by leaders it can "
        "discount at once, at the leader's rate plus a spread.",
        "share",
        ge=0.0,
        le=1.0,
    )
    scf_spread: float = param(0.01, "Spread over the leader's rate charged for supply-chain finance.", "per year", ge=0.0, le=0.5)
    credit_guarantee: float = param(
        0.0,
        "Government credit guarantee (融资担保) for SME loans: the share of a defaulted SME loan the government "
        "repays; the bank cuts the SME premium in proportion.",
        "share",
        ge=0.0,
        le=1.0,
    )


Recovery = Literal["step", "linear", "exponential"]
SHOCK_TYPE_FIELD = Field(
    description="Shock type; selects which of the other fields apply.", json_schema_extra={"unit": "-"}
)


class ShockBase(Section):
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
    target: Literal["random", "largest", "category", "foreign"] = param(
        "random",
        "Which firms: random ones, the largest by capacity, all of one category, or foreign suppliers.",
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
    capacity_loss: float = param(
        1.0, "Share of capacity lost at the start.", "share", gt=0.0, le=1.0
    )

    @model_validator(mode="after")
    def _needs_target_detail(self) -> SupplierDisruption:
        if self.target == "category" and self.category is None:
            raise ValueError("target 'category' needs a category index")
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
    limit_cut: float = param(0.5, "Share of every credit line withdrawn (debt above the new line must be repaid).", "share", ge=0.0, le=1.0)
    duration: int | None = param(12, "Months the crunch lasts; null means until the end of the run.", "months", ge=1)


Shock = Annotated[
    SupplierDisruption | ForeignCutoff | DemandShock | LeaderFailure | CreditCrunch,
    Field(discriminator="type"),
]
SHOCK_TYPES = ("supplier_disruption", "foreign_cutoff", "demand_shock", "leader_failure", "credit_crunch")

SECTIONS: dict[str, type[Section]] = {
    "ecosystem": Ecosystem,
    "production": Production,
    "demand": Demand,
    "adaptation": Adaptation,
    "finance": Finance,
    "policy": Policy,
}


class Scenario(Section):
    """One scenario: the ecosystem, its behaviour, the policy levers and the shocks."""

    name: str = param("unnamed", "Short name used in tables and figures.", "-")
    description: str = param(
        "", "What the scenario represents and where its numbers come from.", "-"
    )
    steps: int = param(120, "Months simulated.", "months", ge=1, le=10_000)
    ecosystem: Ecosystem = Field(
        default_factory=Ecosystem, description="Firms and the production network."
    )
    production: Production = Field(
        default_factory=Production, description="Planning, inventories, production, rationing."
    )
    demand: Demand = Field(default_factory=Demand, description="Final demand.")
    adaptation: Adaptation = Field(default_factory=Adaptation, description="Re-sourcing behaviour.")
    finance: Finance = Field(default_factory=Finance, description="Money, credit, defaults and entry.")
    policy: Policy = Field(default_factory=Policy, description="Policy levers.")
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
            if isinstance(shock, ForeignCutoff) and isinstance(shock.categories, list):
                bad = [c for c in shock.categories if not 0 <= c < eco.n_raw_categories]
                if bad:
                    raise ValueError(
                        f"shocks.{i}.categories: raw categories must be in 0..{eco.n_raw_categories - 1}, got {bad}"
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


def _flat_index() -> dict[str, str]:
    """Map each section field's bare name to its dotted path (names are unique across sections)."""
    index: dict[str, str] = {}
    for section, cls in SECTIONS.items():
        for name in cls.model_fields:
            assert name not in index, f"field name {name} is not unique across sections"
            index[name] = f"{section}.{name}"
    return index


FLAT_INDEX = _flat_index()


# ---------------------------------------------------------------- loading


def _format_validation_error(source: str, err: ValidationError, data: Any) -> str:
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
        return f"{source}: field '{loc}.type': unknown shock type {first['input'].get('type')!r}; expected one of: {', '.join(SHOCK_TYPES)}"
    if first["type"] == "union_tag_not_found":
        return f"{source}: field '{loc}': a shock needs a 'type', one of: {', '.join(SHOCK_TYPES)}"
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    got = first.get("input")
    got_text = "" if isinstance(got, dict) else f" (got {got!r})"
    where = f"field '{loc}'" if loc else "scenario"
    return f"{source}: {where}: {msg}{got_text}"


def _allowed_fields(loc: list, data: Any) -> list[str]:
    cls: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if cls is Scenario and part == "shocks":
            shock = data
            for p in loc:
                shock = shock[p] if isinstance(shock, dict | list) else None
            kind = shock.get("type") if isinstance(shock, dict) else None
            by_type = {c.model_fields["type"].annotation.__args__[0]: c for c in _shock_classes()}
            cls = by_type.get(kind, ShockBase)
            continue
        field = cls.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type):
            break
        cls = field.annotation
    return sorted(cls.model_fields)


def _shock_classes() -> tuple[type[ShockBase], ...]:
    return (SupplierDisruption, ForeignCutoff, DemandShock, LeaderFailure, CreditCrunch)


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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a mapping of scenario fields at the top level, got {type(data).__name__}"
        )
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(f"{path}: field 'extends': expected a file name, got {parent!r}")
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


def validate_scenario(data: dict, source: str) -> Scenario:
    """Validate plain data into a Scenario, or raise InputError with one line."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise InputError(_format_validation_error(source, err, data)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario file, resolve `extends:`, apply dotted overrides and validate."""
    path = Path(path)
    data = _read_yaml(path.resolve() if path.exists() else path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    return validate_scenario(data, str(path))


def scenario_from_flat(**params: Any) -> Scenario:
    """Build a scenario from flat keyword parameters (`n_smes=300, standardization=0.5`).

    This is what generic drivers (mesa.batch_run, EMA Workbench, notebooks) use.
    """
    data: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("name", "description", "steps", "shocks"):
            data[key] = value
            continue
        if key not in FLAT_INDEX:
            close = difflib.get_close_matches(key, [*FLAT_INDEX, "steps", "shocks", "name"], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"keyword parameters: field '{key}': unknown parameter{hint}")
        section, name = FLAT_INDEX[key].split(".")
        data.setdefault(section, {})[name] = value
    return validate_scenario(data, "keyword parameters")


def scenario_json_schema() -> dict:
    """The JSON Schema of a scenario file (what `rongtong schema` prints)."""
    return Scenario.model_json_schema()
