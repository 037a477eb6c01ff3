"""The `innovation:` section: how firms do R&D, digitalize, trade innovations and get certified.

The section is one flat mapping in a scenario file; its fields are grouped here by mechanism,
one base class each, and `Innovation` combines them. Pydantic orders inherited fields from the
last base to the first, so the bases are listed in reverse: the fields (and the JSON Schema
and documentation built from them) come mechanism by mechanism, in the order of this file.
"""

from __future__ import annotations

from sim.scenario.fields import PositivePair, Section, TierPair, param


class ResearchAndTechnology(Section):
    """Firms' R&D spending, the chance it yields an innovation and what an innovation adds to technology."""

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


class Digitalization(Section):
    """SMEs' digital level: where it starts, how fast it is adopted and what it gains."""

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


class ResearchSupport(Section):
    """How the support programmes reach SMEs' R&D: shared equipment, leader openness, joint projects
    with leaders and the guided fund (their budgets are levers in `policy`)."""

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


class Deals(Section):
    """What a leader does with an outside innovation: licence, imitation (and the damages it risks),
    acquisition or shelving, and adoption of its own innovations."""

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


class Matching(Section):
    """How pending SME innovations reach leaders' demand lists, and the noise in the leader's choice
    when one does."""

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


class ResearchReturns(Section):
    """How SMEs adapt their R&D intensity to the returns it realized."""

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


class Certification(Section):
    """Certification as specialized SME (专精特新) and little giant (小巨人), and what it brings."""

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


class Innovation(
    Certification,
    ResearchReturns,
    Matching,
    Deals,
    ResearchSupport,
    Digitalization,
    ResearchAndTechnology,
):
    """R&D, innovations, matching, deals and certification: behavioural parameters (values in million yuan).

    Levers are in `policy`; these say how firms behave. Defaults cite their source where
    one exists; the others are calibrated so the baseline reproduces DESIGN section 9.
    """
