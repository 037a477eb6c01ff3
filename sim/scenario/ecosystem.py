"""The `ecosystem:` section: which firms exist and how the sourcing network is wired."""

from __future__ import annotations

from pydantic import model_validator

from sim.scenario.fields import Section, param

# The largest ecosystem one machine builds: 1,000,000 firms took 12.7 GB and 46 s to build on
# the 2-core reference machine (issue 21), so larger counts are refused before anything is built.
MAX_FIRMS = 1_000_000
MAX_CATEGORIES = 100_000


class Ecosystem(Section):
    """Who exists and how they are wired: firm counts, categories and the sourcing network."""

    n_leaders: int = param(
        10,
        "Chain-leader firms (链主), final assemblers facing final demand.",
        "firms",
        ge=1,
        le=MAX_FIRMS,
    )
    n_smes: int = param(
        300,
        "Specialized SMEs (专精特新中小企业), each making one component category.",
        "firms",
        ge=1,
        le=MAX_FIRMS,
    )
    n_suppliers: int = param(
        600, "Upstream suppliers of raw materials and basic parts.", "firms", ge=1, le=MAX_FIRMS
    )
    n_component_categories: int = param(
        30,
        "Component categories (niches) that SMEs make and leaders assemble.",
        "categories",
        ge=1,
        le=MAX_CATEGORIES,
    )
    n_raw_categories: int = param(
        20, "Raw-input categories that suppliers make.", "categories", ge=1, le=MAX_CATEGORIES
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
        total = self.n_leaders + self.n_smes + self.n_suppliers
        if total > MAX_FIRMS:
            raise ValueError(
                f"n_leaders + n_smes + n_suppliers must be <= {MAX_FIRMS:,} (the largest ecosystem "
                f"one machine builds), got {total:,}"
            )
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


def tier_firm_ids(eco: Ecosystem, tier: str) -> tuple[int, int]:
    """[first, last + 1) firm ids of a tier: leaders come first, then SMEs, then suppliers."""
    first_sme = eco.n_leaders
    first_supplier = first_sme + eco.n_smes
    if tier == "sme":
        return first_sme, first_supplier
    return first_supplier, first_supplier + eco.n_suppliers
