"""The layer's run-level outcomes (DESIGN section 5): innovations per R&D yuan, how many were
commercialized and how fast, the deals struck, technology growth and certification; the public
ones (INNOVATION_OUTCOMES, in sim.analysis.outcomes.OUTCOME_NAMES) and more for calibration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.ecosystem.innovation.tables import Registry
from sim.scenario import Innovation

# the layer's outcomes in the public list (DESIGN section 8; sim.analysis.outcomes.OUTCOME_NAMES holds them)
INNOVATION_OUTCOMES = (
    "innovations",
    "innovations_per_rd",
    "commercialization_rate",
    "commercialization_lag",
    "licenses",
    "patent_shares",
    "acquisitions",
    "killer_acquisitions",
    "imitations",
    "tech_growth",
    "certified_smes",
)
INNOVATION_EXTRA_OUTCOMES = (
    "innovations_sme",
    "innovations_leader",
    "innovations_per_rd_sme",
    "innovations_per_rd_leader",
    "commercialization_rate_sme",
    "commercialization_rate_leader",
    "commercialized",
    "rd_intensity_sme",
    "royalties",
    "joint_projects",
    "fund_investments",
    "little_giants",
    "little_giant_share",
    "little_giant_revenue_share",
    "little_giant_profit_share",
    "little_giant_margin_gap",
)


def _per(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def _commercialization(
    registry: Registry, is_leader: np.ndarray, horizon: int, rules: Innovation, start: int = 0
) -> dict[str, float]:
    """Of the innovations old enough to have been used (the cohort), the share commercialized, by
    maker; and the mean lag of those that were. Innovations made from month `start` (the end
    of the burn-in, on the model's clock) over `horizon` recorded months."""
    reg = registry
    kept = reg.born[: reg.n] >= start
    born, firm = reg.born[: reg.n][kept] - start, reg.firm[: reg.n][kept]
    done = np.where(
        reg.commercialized_at[: reg.n][kept] >= 0, reg.commercialized_at[: reg.n][kept] - start, -1
    )
    window = rules.shelf_life_months + rules.integration_months
    cohort = born < horizon - window
    used = done >= 0
    leader = is_leader[firm]

    def rate(among: np.ndarray) -> float:
        return float(used[among].mean()) if among.any() else math.nan

    return {
        "commercialization_rate": rate(cohort),
        "commercialization_lag": float((done - born)[used].mean()) if used.any() else math.nan,
        "commercialization_rate_sme": rate(cohort & ~leader),
        "commercialization_rate_leader": rate(cohort & leader),
        "commercialized": float(used.sum()),
    }


def _reviews(ts: pd.DataFrame, reviews: list[dict[str, float]], start: int = 0) -> dict[str, float]:
    """Certification at the end, and the little giants' place among small firms, pooled over the
    reviews from the second year: shares of revenue and of the profits of profitable firms (both in
    [0, 1]), and the gap of their profit margin over the other small firms' (percentage points)."""
    horizon = len(ts)
    frame = pd.DataFrame(reviews)
    later = frame[frame["step"] >= start + 23] if len(frame) else frame

    def pooled(name: str) -> float:
        return float(later[name].sum()) if len(later) else math.nan

    rev_g, rev_s = pooled("revenue_giants"), pooled("revenue_small")
    prof_g, prof_s = pooled("profit_giants"), pooled("profit_small")
    margin_gap = math.nan
    if rev_g > 0 and rev_s - rev_g > 0:
        margin_gap = 100.0 * (prof_g / rev_g - (prof_s - prof_g) / (rev_s - rev_g))
    return {
        "certified_smes": float(ts["certified_smes"].iloc[-1]) if horizon else math.nan,
        "little_giants": float(ts["little_giants"].iloc[-1]) if horizon else math.nan,
        "little_giant_share": float(later["little_giant_share"].mean()) if len(later) else math.nan,
        "little_giant_revenue_share": _per(rev_g, rev_s),
        "little_giant_profit_share": _per(pooled("gains_giants"), pooled("gains_small")),
        "little_giant_margin_gap": margin_gap,
    }


def innovation_outcomes(
    ts: pd.DataFrame,
    rules: Innovation,
    registry: Registry,
    is_leader: np.ndarray,
    totals: dict[str, float],
    deal_counts: dict[str, float],
    tech_index_start: float,
    reviews: list[dict[str, float]],
    first_month: int = 0,
) -> dict[str, float]:
    """Run-level innovation outcomes, in the order of INNOVATION_OUTCOMES then INNOVATION_EXTRA_OUTCOMES.

    totals: R&D (rd_sme, rd_leader), innovations (innovations_sme, innovations_leader) and royalties
    of the run; ts: the run's monthly series; first_month: its first month on the model's clock (the
    registry's and the reviews' months are on that clock)."""
    horizon = len(ts)
    rd_sme, rd_leader = totals["rd_sme"], totals["rd_leader"]
    inn_sme, inn_leader = totals["innovations_sme"], totals["innovations_leader"]
    years = horizon / 12.0
    start, end = tech_index_start, float(ts["tech_index"].iloc[-1]) if horizon else math.nan
    growth = (
        100.0 * math.log(end / start) / years if years > 0 and start > 0 and end > 0 else math.nan
    )
    count = deal_counts
    found = {
        "innovations": inn_sme + inn_leader,
        "innovations_per_rd": _per(inn_sme + inn_leader, rd_sme + rd_leader),
        "licenses": count["license"],
        "patent_shares": count["patent_share"],
        "acquisitions": count["acquisition"],
        "killer_acquisitions": count["killer_acquisition"],
        "imitations": count["imitation"],
        "tech_growth": growth,
        "innovations_sme": inn_sme,
        "innovations_leader": inn_leader,
        "innovations_per_rd_sme": _per(inn_sme, rd_sme),
        "innovations_per_rd_leader": _per(inn_leader, rd_leader),
        "rd_intensity_sme": float(ts["rd_intensity_sme"].iloc[-12:].mean())
        if horizon
        else math.nan,
        "royalties": totals["royalties"],
        "joint_projects": count["joint_project"],
        "fund_investments": count["fund_investment"],
        **_commercialization(registry, is_leader, horizon, rules, first_month),
        **_reviews(ts, reviews, first_month),
    }
    return {name: found[name] for name in (*INNOVATION_OUTCOMES, *INNOVATION_EXTRA_OUTCOMES)}
