"""The goods side of the chain: `production:` (planning, inventories, rationing, jobs),
`demand:` (final demand on the leaders) and `adaptation:` (re-sourcing after a shortfall)."""

from __future__ import annotations

from typing import Literal

from sim.scenario.fields import Section, param


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
    link_half_life: float = param(
        0.0,
        "Half-life of a supply link: each month every link is drawn to end with hazard "
        "1 - 2^(-1/half_life); a drawn link ends outright only above the buyer's multi-sourcing "
        "count, else when a new seller with room for its orders is found by the search's choice "
        "rule (sim.ecosystem.link_turnover). 0 turns turnover off (the default: at 13 months the "
        "capacity-bound switches realize a half-life of about 23 months).",
        "months",
        source="DESIGN section 9: supply-link half-life about 13 months (Hungarian firm network)",
        ge=0.0,
        le=1200.0,
    )
