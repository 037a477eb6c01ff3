"""What the innovation layer records each month (INNOVATION_SERIES, read by the model's recorder)."""

from __future__ import annotations

import math

import numpy as np

from sim.ecosystem.innovation.arrays import fast_dot, fast_sum
from sim.ecosystem.innovation.certification import CERTIFIED, LITTLE_GIANT
from sim.ecosystem.innovation.digital import DigitalLevels
from sim.ecosystem.innovation.firms import InnovatingFirms

INNOVATION_SERIES = (
    "innovations",
    "innovations_sme",
    "innovations_leader",
    "rd_spending",
    "rd_spending_sme",
    "rd_spending_leader",
    "rd_intensity_sme",
    "licenses",
    "patent_shares",
    "acquisitions",
    "killer_acquisitions",
    "imitations",
    "commercialized",
    "royalties",
    "pending_innovations",
    "tech_index",
    "tech_sme",
    "tech_leader",
    "digital_sme",
    "certified_smes",
    "little_giants",
    "joint_projects",
)


def tech_index(tech: np.ndarray, revenue: np.ndarray, R: slice | np.ndarray) -> float:
    """Revenue-weighted geometric mean technology of the living SMEs and leaders (R: them)."""
    w = revenue[R]  # exited firms have none
    total = fast_sum(w)
    return float(np.exp(fast_dot(np.log(tech[R]), w) / total)) if total > 0 else math.nan


def record_month(
    month: dict[str, float],
    revenue: np.ndarray,
    rd_own: np.ndarray,
    alive: np.ndarray,
    firms: InnovatingFirms,
    n_alive: int,
    digital: DigitalLevels,
    tier_counts: np.ndarray,
) -> None:
    """The month's R&D intensity, technology and digital levels and certificates, into `month`
    (n_alive: living SMEs; exited firms have no revenue and no certificate)."""
    smes = firms.S
    alive_smes = alive[smes]
    sales = fast_sum(revenue[smes])
    month["rd_intensity_sme"] = float(fast_sum(rd_own[smes]) / sales) if sales > 0 else math.nan
    month["tech_index"] = tech_index(firms.tech, revenue, firms.R)
    month["tech_sme"] = (
        float(fast_dot(firms.tech[smes], alive_smes) / n_alive) if n_alive else math.nan
    )
    month["tech_leader"] = float(fast_sum(firms.tech[: firms.n_leaders])) / firms.n_leaders
    month["digital_sme"] = digital.mean_of_living(alive_smes, n_alive)
    month["certified_smes"] = float(tier_counts[CERTIFIED] + tier_counts[LITTLE_GIANT])
    month["little_giants"] = float(tier_counts[LITTLE_GIANT])
