"""The `policy:` section: the levers a scenario pulls (each is 0 when off)."""

from __future__ import annotations

from sim.scenario.fields import Section, param


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
