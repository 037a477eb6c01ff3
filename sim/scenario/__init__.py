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
            raise ValueError(
                "n_smes must be >= n_component_categories (every component needs a maker)"
            )
        if self.n_suppliers < self.n_raw_categories:
            raise ValueError(
                "n_suppliers must be >= n_raw_categories (every raw input needs a maker)"
            )
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
        0.4,
        "Suppliers' value added share of gross output; the rest is bought outside the ecosystem.",
        "share",
        gt=0.0,
        le=1.0,
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
        50.0,
        "Contractual payment term between firms of equal standing (SMEs paying suppliers).",
        "days",
        ge=0.0,
        le=300.0,
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
        0.031,
        "Rate on new corporate loans (leaders borrow at it).",
        "per year",
        source="PBoC, late 2025 (seed 002)",
        ge=0.0,
        le=0.5,
    )
    sme_risk_premium: float = param(
        0.0135,
        "Risk premium of SMEs and suppliers over the base rate (gives about 4.45 %).",
        "per year",
        source="PBoC small/micro loan rate, early 2024",
        ge=0.0,
        le=0.5,
    )
    credit_months_leader: float = param(
        4.0, "Leaders' credit line, in months of normal revenue.", "months", ge=0.0
    )
    credit_months_sme: float = param(
        2.0, "SMEs' and suppliers' credit line, in months of normal revenue.", "months", ge=0.0
    )
    cash_months: float = param(
        1.0,
        "Cash firms start with and keep as a buffer (above it they repay debt, then pay dividends).",
        "months of revenue",
        ge=0.0,
    )
    equity_months: float = param(
        1.5,
        "Owners' capital at the start, in months of normal revenue; working capital beyond it (cash plus "
        "receivables minus payables) is financed by the credit line, so longer payment terms mean more debt.",
        "months of revenue",
        ge=0.0,
    )
    cash_months_leader: float = param(
        3.0, "Cash buffer of leaders (large firms hold more).", "months of revenue", ge=0.0
    )
    dividend_payout: float = param(
        0.5,
        "Share of cash above the buffer paid out to owners each month.",
        "share/month",
        ge=0.0,
        le=1.0,
    )
    labor_share: float = param(
        0.75, "Wages as a share of value added at normal output.", "share", ge=0.0, le=1.0
    )
    overhead_share: float = param(
        0.03,
        "Mean overhead (rent, energy, services bought outside the ecosystem), share of normal revenue.",
        "share",
        ge=0.0,
        le=1.0,
    )
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
    overhead_persistence: float = param(
        0.9, "Monthly AR(1) persistence of the idiosyncratic cost shock.", "-", ge=0.0, lt=1.0
    )
    contagion_window: int = param(
        6,
        "A default counts as contagion when the firm lost trade credit to a failed customer within this many months.",
        "months",
        ge=1,
    )
    contagion_threshold: float = param(
        0.05,
        "Smallest such loss, as a share of the firm's normal monthly revenue.",
        "share",
        ge=0.0,
    )
    entry_rate: float = param(
        0.05,
        "Monthly probability that an exited firm's place is taken by an entrant, in the category short of supply.",
        "share/month",
        ge=0.0,
        le=1.0,
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
        "Matching platform (需求发布—能力对答 / 信息匹配): shortens the search for new sellers and raises how "
        "likely a fitting SME innovation reaches a leader that listed its category (SMEs with little "
        "digitalization reach fewer); the government pays the platform per SME served.",
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
    scf_spread: float = param(
        0.01,
        "Spread over the leader's rate charged for supply-chain finance.",
        "per year",
        ge=0.0,
        le=0.5,
    )
    credit_guarantee: float = param(
        0.0,
        "Government credit guarantee (融资担保) for SME loans: the share of a defaulted SME loan the government "
        "repays; the bank cuts the SME premium in proportion.",
        "share",
        ge=0.0,
        le=1.0,
    )
    ip_protection: float = param(
        0.5,
        "Intellectual-property protection (知识产权保护和运用): the chance an imitator is found liable and pays "
        "damages; weak protection makes leaders imitate SME innovations instead of licensing them. "
        "0 is none, 1 full; the default is a middle level.",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    antitrust_review: float = param(
        0.0,
        "Merger review of leaders' acquisitions of SMEs: a deal whose overlap with the acquirer's own line "
        "exceeds 1 - review is conditioned on commercializing the innovation (no shelving), and one above "
        "1 - review/2 is blocked. 0 is no review.",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    shared_equipment: float = param(
        0.0,
        "Shared research-equipment platform (科研设备共享服务平台，降低中小企业科技创新成本): share of the "
        "equipment and test-service part of SMEs' R&D cost the government pays; SMEs get more R&D per yuan.",
        "share",
        ge=0.0,
        le=1.0,
    )
    leader_openness: float = param(
        0.0,
        "How far chain leaders open their brand, design and R&D capacity, equipment and test sites to SMEs "
        "(大企业搭台、中小企业唱戏; 开放品牌、设计研发能力、仪器设备、试验场地), as under the chain-leader "
        "evaluation incentive (考核…带动中小企业): raises SMEs' R&D productivity and their access to "
        "leaders; leaders bear the cost (no fiscal cost).",
        "0-1",
        ge=0.0,
        le=1.0,
    )
    rd_subsidy_rate: float = param(
        0.0,
        "Share of certified SMEs' (专精特新 and little giants) R&D spending the government reimburses.",
        "share",
        ge=0.0,
        le=1.0,
    )
    digital_subsidy: float = param(
        0.0,
        "Share of SMEs' digital-transformation spending the government pays (数字化赋能, 小快轻准); cheaper "
        "digitalization is adopted faster.",
        "share",
        ge=0.0,
        le=1.0,
    )
    guided_fund: float = param(
        0.0,
        "Yearly budget of the industrial-chain innovation guided fund (产业链协同创新引导基金 / 投资孵化): "
        "equity invested each January in the most promising independent SMEs (selection rule in "
        "innovation.fund_ticket), mostly spent on R&D.",
        "million yuan/year",
        ge=0.0,
    )
    consortium_funding: float = param(
        0.0,
        "Yearly budget for joint leader+SME projects on leaders' key categories (揭榜挂帅 / 创新联合体 / "
        "联合申报): each January leaders post their key categories, the best SME of each takes the project; "
        "project members do more productive R&D and share the resulting patents.",
        "million yuan/year",
        ge=0.0,
    )


PositivePair = tuple[Annotated[float, Field(gt=0.0)], Annotated[float, Field(gt=0.0)]]
# (certified, little giant)
TierPair = tuple[Annotated[float, Field(ge=0.0)], Annotated[float, Field(ge=0.0)]]


class Innovation(Section):
    """R&D, innovations, matching, deals and certification: behavioural parameters (values in million yuan).

    Levers are in `policy`; these say how firms behave. Defaults cite their source where
    one exists; the others are calibrated so the baseline reproduces DESIGN section 9.
    """

    sme_rd_intensity: float = param(
        0.03,
        "Median R&D spending of specialized SMEs at the start, as a share of revenue (it then adapts to "
        "realized returns).",
        "share of revenue",
        source="MIIT: certification threshold 3 %; little giants about 7 %",
        ge=0.0,
        le=0.5,
    )
    sme_rd_dispersion: float = param(
        0.6, "Log-normal dispersion of SMEs' initial R&D intensity.", "log units", ge=0.0, le=3.0
    )
    leader_rd_intensity: float = param(
        0.02,
        "Chain leaders' R&D spending as a share of revenue, on their own product line only "
        "(细分领域往往无暇顾及: they do not research niche component categories).",
        "share of revenue",
        ge=0.0,
        le=0.5,
    )
    rd_productivity: float = param(
        0.04,
        "zeta in p = 1 - exp(-zeta * effective R&D / scale): monthly chance of an innovation per million yuan "
        "of effective monthly R&D of a median-sized SME (Dosi et al. Keynes+Schumpeter family).",
        "1/(million yuan)",
        source="Dosi, Fagiolo & Roventini 2010, K+S model",
        gt=0.0,
    )
    rd_scale_elasticity: float = param(
        0.5,
        "Elasticity of the R&D an innovation takes to the firm's scale (its normal revenue relative to the "
        "median SME's): bigger operations need bigger projects, so p = 1 - exp(-zeta * R&D / scale^e).",
        "-",
        ge=0.0,
        le=1.0,
    )
    leader_rd_productivity: float = param(
        0.5,
        "Leaders' R&D productivity relative to SMEs' per yuan (organizational inertia: 组织庞大复杂，有时创新活力不足).",
        "x",
        gt=0.0,
        le=1.0,
    )
    quality_beta: PositivePair = param(
        (2.0, 5.0),
        "Beta(a, b) parameters of an innovation's quality draw (scaled by the step sizes below).",
        "-",
        source="Dosi et al. 2010 draw productivity steps from a Beta distribution",
    )
    sme_tech_step: float = param(
        0.03,
        "Largest step an SME innovation adds to its niche technology (quality 1).",
        "share",
        gt=0.0,
        le=2.0,
    )
    leader_tech_step: float = param(
        0.01,
        "Largest step a leader's own innovation adds to its product technology.",
        "share",
        gt=0.0,
        le=2.0,
    )
    catch_up: float = param(
        0.2,
        "Largest share of its log gap to the category frontier an SME innovation closes (the share drawn "
        "uniformly up to it): laggards learn from the best practice (Dosi et al.'s imitation).",
        "share",
        ge=0.0,
        le=1.0,
    )
    tech_cost_elasticity: float = param(
        1.0,
        "Elasticity of a firm's labour cost per unit (falls) and effective capacity (rises) to its technology "
        "level relative to its start.",
        "-",
        ge=0.0,
        le=3.0,
    )
    leader_demand_elasticity: float = param(
        1.0,
        "Elasticity of a leader's share of final demand to its technology level (quality raises share).",
        "-",
        ge=0.0,
        le=10.0,
    )
    digital_efficiency: float = param(
        0.3,
        "Production-efficiency gain of a fully digitalized SME over a non-digital one (labour cost per unit "
        "falls, effective capacity rises).",
        "share",
        source="seed 002: digital transformation raised production efficiency by 30 %",
        ge=0.0,
        le=2.0,
    )
    digital_inventory_turnover: float = param(
        0.5,
        "Inventory-turnover gain of a fully digitalized SME over a non-digital one: its input inventory "
        "target (inventory_days) is divided by 1 + gain x digital level, relative to its start (less "
        "buffer against a supplier disruption).",
        "share",
        source="seed 002: warehouse inventory turnover rose by 50 % (仓库库存周转率提高50%)",
        ge=0.0,
        le=5.0,
    )
    digital_start: PositivePair = param(
        (2.0, 4.5),
        "Beta(a, b) of SMEs' digital level at the start and at entry (数字鸿沟: most SMEs lag).",
        "-",
    )
    digital_adoption: float = param(
        0.004,
        "Monthly share of the remaining digital gap an SME closes without subsidy.",
        "share/month",
        ge=0.0,
        le=1.0,
    )
    digital_subsidy_uptake: float = param(
        2.0,
        "Extra adoption speed at a full digital subsidy (speed x (1 + uptake x subsidy)).",
        "x",
        ge=0.0,
    )
    digital_cost_months: float = param(
        1.0,
        "Cost of going from no to full digitalization, in months of the SME's normal revenue.",
        "months of revenue",
        ge=0.0,
    )
    digital_rd_gain: float = param(
        0.5,
        "Effective-R&D gain of a fully digitalized SME (and its matching reach, see matching).",
        "share",
        ge=0.0,
    )
    equipment_share: float = param(
        0.4,
        "Share of SMEs' R&D cost that is equipment and test services (what shared_equipment subsidizes).",
        "share",
        ge=0.0,
        lt=1.0,
    )
    openness_rd_gain: float = param(
        0.5, "Effective-R&D gain of SMEs at full leader_openness.", "share", ge=0.0
    )
    openness_cost: float = param(
        0.002,
        "Leaders' cost of opening resources at full leader_openness, as a share of their revenue.",
        "share of revenue",
        ge=0.0,
        le=0.5,
    )
    consortium_rd_gain: float = param(
        0.5, "Effective-R&D gain of an SME in a joint project with a leader.", "share", ge=0.0
    )
    consortium_project_cost: float = param(
        24.0,
        "Grant of one joint project, paid to the SME over its duration.",
        "million yuan",
        gt=0.0,
    )
    consortium_months: int = param(24, "Duration of a joint project.", "months", ge=1)
    market_consortia: float = param(
        0.2,
        "Joint projects each leader starts per year at its own cost, without public money (市场化协作).",
        "projects/leader/year",
        ge=0.0,
    )
    fund_ticket: float = param(
        20.0,
        "Equity the guided fund puts into one SME; each January the budget buys tickets for the independent "
        "SMEs with the most innovations in the last two years (ties: higher technology), debt/assets <= 70 %.",
        "million yuan",
        gt=0.0,
    )
    fund_rd_share: float = param(
        0.7,
        "Share of a fund ticket the SME spends on R&D (over fund_months).",
        "share",
        ge=0.0,
        le=1.0,
    )
    fund_months: int = param(
        24, "Months over which fund money earmarked for R&D is spent.", "months", ge=1
    )
    royalty_rate: float = param(
        0.05,
        "Royalty as a share of the licensee's relevant sales.",
        "share",
        source="royalty-agreement surveys: median about 5 % of licensee net sales",
        ge=0.0,
        le=1.0,
    )
    licence_scope: float = param(
        0.02,
        "Share of the value of a component category in a leader's sales that one licensed innovation covers "
        "(the relevant sales royalties are paid on).",
        "share",
        gt=0.0,
        le=1.0,
    )
    licence_months: int = param(60, "Months royalties are paid.", "months", ge=1)
    value_horizon: int = param(
        60,
        "Months over which a leader values a technology gain when it decides a deal.",
        "months",
        ge=1,
    )
    integration_months: int = param(
        6,
        "Integration lag: months from a licence, acquisition or patent share to the technology in use.",
        "months",
        ge=0,
    )
    imitation_months: int = param(
        12, "Integration lag of an imitated technology (reverse engineering).", "months", ge=0
    )
    imitation_quality_loss: float = param(
        0.1, "Share of an innovation's value an imitator does not capture.", "share", ge=0.0, le=1.0
    )
    imitation_cost: float = param(
        0.5,
        "Cost of reverse engineering an innovation, in units of its licence value (on top of integration).",
        "licence values",
        ge=0.0,
    )
    infringement_damages: float = param(
        1.5,
        "Damages an imitator found liable pays the SME, as a multiple of the licence's royalties; liability "
        "has probability ip_protection.",
        "x",
        ge=0.0,
    )
    litigation_months: int = param(
        18, "Months from an imitation to the damages being paid.", "months", ge=0
    )
    overlap_probability: float = param(
        0.25,
        "Chance an SME innovation overlaps the leaders' own product line (Cunningham, Ederer & Ma 2021: "
        "about a quarter of acquired drug projects overlap the acquirer's).",
        "share",
        ge=0.0,
        le=1.0,
    )
    cannibalization: float = param(
        0.0011,
        "Monthly loss of a leader's existing line when it commercializes an innovation of full overlap, as "
        "a share of the component's value in its sales; a leader that owns such an innovation may shelve it.",
        "share",
        ge=0.0,
    )
    acquisition_premium: float = param(
        0.3,
        "Premium over the SME's book equity plus the innovation's licence value paid to its owners.",
        "share",
        ge=0.0,
    )
    pipeline_weight: float = param(
        0.1,
        "Weight an acquirer gives the SME's expected future innovations (each worth a licence value it "
        "will not pay), for their uncertainty and fit.",
        "-",
        ge=0.0,
    )
    patent_share_fee: float = param(
        0.5,
        "Share of a licence's value a leader pays its joint-project SME at once for a shared patent.",
        "share",
        ge=0.0,
    )
    leader_adoption_hurdle: float = param(
        0.26,
        "Smallest quality (0-1) of its own innovation a leader puts into its product; the rest stay "
        "defensive patents (CNIPA 2023: large firms commercialize 51.0 % of patents).",
        "0-1",
        source="CNIPA 2023 patent survey",
        ge=0.0,
        le=1.0,
    )
    acquisition_friction: float = param(
        0.6,
        "Integration cost and founders' reluctance to sell, in units of the innovation's licence value "
        "(alternative-specific constant of the acquisition option).",
        "licence values",
        ge=0.0,
    )
    integration_cost: float = param(
        0.3,
        "Cost to a leader of putting an outside technology into its product (licensed, imitated or "
        "acquired), in units of the innovation's licence value.",
        "licence values",
        ge=0.0,
    )
    demand_direction_gain: float = param(
        0.2,
        "Effective-R&D gain of SMEs at full matching_efficiency: demand lists that reach them give their "
        "R&D a clear direction (需求清单，为中小企业提供清晰的需求导向) and less of it is wasted.",
        "share",
        ge=0.0,
    )
    decision_noise: float = param(
        0.25,
        "Scale of the Gumbel taste shocks in leaders' deal choices (logit), in licence values.",
        "licence values",
        gt=0.0,
    )
    match_rate: float = param(
        0.06,
        "Monthly hazard that a pending SME innovation reaches a leader listing its category, with no "
        "matching platform and full digitalization.",
        "1/month",
        ge=0.0,
    )
    match_gain: float = param(
        2.0,
        "Extra matching hazard at full matching_efficiency (hazard x (1 + gain x efficiency)).",
        "x",
        ge=0.0,
    )
    match_every_months: int = param(
        3,
        "Months between matchmaking rounds (需求发布—能力对答 events) at which pending innovations meet the "
        "leaders' demand lists; the hazard per round covers the months in between.",
        "months",
        ge=1,
        le=12,
    )
    supplier_match_bonus: float = param(
        1.0,
        "Extra matching hazard when the SME already supplies the leader (hazard x (1 + bonus)).",
        "x",
        ge=0.0,
    )
    shelf_life_months: int = param(
        36, "Months an SME innovation can find a buyer before it is obsolete.", "months", ge=1
    )
    platform_fee: float = param(
        0.05,
        "Monthly cost of the matching platform per SME served at full matching_efficiency (paid by the government).",
        "million yuan/SME/month",
        ge=0.0,
    )
    rd_adaptation_months: float = param(
        24.0,
        "Memory of SMEs' R&D returns and speed of their R&D-intensity adjustment.",
        "months",
        gt=1.0,
    )
    rd_return_reference: float = param(
        0.6,
        "Ratio of innovation income (royalties, fees, damages, sale value, cost savings) to R&D spending at "
        "which an SME keeps its initial R&D intensity.",
        "-",
        gt=0.0,
    )
    secrecy_share: float = param(
        0.4,
        "Share of an innovation's own-use gains an SME expects to keep with no IP protection (secrecy, lead "
        "time); the rest is kept in proportion to ip_protection, the remainder copied away by competitors. "
        "Weighs the labour savings it counts as R&D returns (Cohen, Nelson & Walsh 2000: secrecy and lead "
        "time are the main appropriability means).",
        "share",
        ge=0.0,
        le=1.0,
    )
    rd_return_elasticity: float = param(
        1.0,
        "Elasticity of an SME's target R&D intensity to its realized return ratio.",
        "-",
        ge=0.0,
        le=5.0,
    )
    cert_rd_intensity: float = param(
        0.03,
        "Certification: R&D spending at least this share of revenue over the last year.",
        "share",
        source="MIIT criteria: R&D >= 3 % of revenue",
        ge=0.0,
        le=1.0,
    )
    cert_niche_share: float = param(
        0.10,
        "Little giant: at least this share of its niche's sales over the last year.",
        "share",
        source="MIIT criteria: niche market share >= 10 %",
        ge=0.0,
        le=1.0,
    )
    cert_debt_ratio: float = param(
        0.70,
        "Certification: liabilities (debt and payables) at most this share of financial assets plus book "
        "capital.",
        "share",
        source="MIIT criteria: debt/assets <= 70 %",
        ge=0.0,
        le=10.0,
    )
    cert_size_cap: float = param(
        7.0,
        "Specialized SMEs with yearly revenue above this multiple of the median SME's count as large "
        "enterprises (the statistical SME definition caps revenue and staff) and are not certified.",
        "x median",
        gt=0.0,
    )
    cert_innovations: int = param(
        1,
        "Certified specialized (专精特新): innovations in the last three years at least this.",
        "innovations",
        ge=0,
    )
    little_giant_innovations: int = param(
        2,
        "Little giant (小巨人): innovations in the last three years at least this.",
        "innovations",
        ge=0,
    )
    cert_credit_bonus: TierPair = param(
        (0.25, 0.5),
        "Longer credit lines of certified SMEs and little giants (credit line x (1 + bonus)).",
        "share",
    )
    cert_premium_cut: TierPair = param(
        (0.2, 0.4),
        "Cut of the SME loan risk premium for certified SMEs and little giants.",
        "share",
    )
    cert_order_pull: TierPair = param(
        (0.1, 0.25),
        "Leaders' sourcing preference (订单牵引): raise of the established order share of certified SMEs and "
        "little giants (before renormalization).",
        "share",
    )


Recovery = Literal["step", "linear", "exponential"]
SHOCK_TYPE_FIELD = Field(
    description="Shock type; selects which of the other fields apply.",
    json_schema_extra={"unit": "-"},
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
SHOCK_TYPES = (
    "supplier_disruption",
    "foreign_cutoff",
    "demand_shock",
    "leader_failure",
    "credit_crunch",
    "tech_obsolescence",
)

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


def tier_firm_ids(eco: Ecosystem, tier: str) -> tuple[int, int]:
    """[first, last + 1) firm ids of a tier: leaders come first, then SMEs, then suppliers."""
    first_sme = eco.n_leaders
    first_supplier = first_sme + eco.n_smes
    if tier == "sme":
        return first_sme, first_supplier
    return first_supplier, first_supplier + eco.n_suppliers


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
    return (
        SupplierDisruption,
        ForeignCutoff,
        DemandShock,
        LeaderFailure,
        CreditCrunch,
        TechObsolescence,
    )


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
