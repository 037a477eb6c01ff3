"""The `finance:` section: payment terms, the bank, firms' costs, defaults and entry."""

from __future__ import annotations

from typing import Literal

from sim.scenario.fields import Section, param

EXIT_RATE_SOURCE = (
    "SAIC (国家工商总局) 2013, 全国内资企业生存时间分析报告: 68.9 % of domestic firms survive five years "
    "(about 7 %/yr exits of young firms of every size; the hazard falls after year 7). Not reached: with "
    "the documented overhead mean the baseline's domestic small firms exit at about 1 %/yr (3 months: "
    "0.95 %, 1 month: 1.1 %; overhead_sigma hardly raises it, the lognormal's median falling as its SD rises)"
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
        "Mean overhead (rent, energy, services bought outside the ecosystem), share of normal revenue: "
        "each firm's overhead share is lognormal with this mean and SD overhead_sigma (its log an AR(1) "
        "with persistence overhead_persistence, started in its stationary distribution).",
        "share",
        ge=0.0,
        le=1.0,
    )
    overhead_sigma: float = param(
        0.11,
        "SD of an SME's or supplier's overhead share (its persistent idiosyncratic cost shock), share of normal "
        "revenue; with arrears_months_to_exit it sets the yearly exit rate of small firms.",
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
    overhead_draw: Literal["clipped_normal", "lognormal"] = param(
        "clipped_normal",
        "How each firm's overhead share is drawn. 'clipped_normal' (the default, kept so results do not "
        "move before the exit rate is recalibrated, issue 15): max(overhead_share + overhead_sigma z, 0), "
        "whose mean is above overhead_share (6.05 % instead of 3 % at the defaults) and whose AR(1) starts "
        "at 0. 'lognormal': mean exactly overhead_share and SD overhead_sigma, started in its stationary "
        "distribution; to become the default once exits are recalibrated.",
        "-",
    )
    arrears_months_to_exit: int = param(
        1,
        "Graded insolvency: a firm that cannot cover a month's shortfall within its credit line draws beyond "
        "it and falls into arrears (it pays its suppliers a month late, pays penalty interest on its debt and "
        "loses its certificate); it leaves arrears once its debt is back within its line, and exits after this "
        "many consecutive months in arrears. Default 1: a firm exits in the first month it cannot pay (the "
        "rule so far, kept until the exit rate is recalibrated); 3 is the candidate value (with lognormal "
        "overheads the baseline's small firms then exit at 0.95 %/yr, below the source's figure).",
        "months",
        source=EXIT_RATE_SOURCE,
        ge=1,
        le=120,
    )
    arrears_penalty_markup: float = param(
        0.5,
        "Penalty interest of a firm in arrears: its loan rate is raised by this share (paid to the bank).",
        "share of the loan rate",
        source="PBoC, 关于人民币贷款利率有关问题的通知 (2003, 银发[2003]251号): overdue loans pay 30-50 % above "
        "the contract rate",
        ge=0.0,
        le=5.0,
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
