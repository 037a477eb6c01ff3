"""The guided fund (政府引导基金): each January it buys equity, one ticket each, in the independent,
not over-indebted SMEs with the most recent innovations; a share of each ticket is earmarked
for R&D and spent over `fund_months`."""

from __future__ import annotations

import math

import numpy as np

from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.innovation.arrays import any_true
from sim.ecosystem.innovation.certification import CertificationOffice
from sim.ecosystem.innovation.deal_log import DealLog
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.scenario import Innovation, Policy


class GuidedFund:
    """The fund's budget left over and the money each SME still has to spend on R&D."""

    def __init__(self, rules: Innovation, policy: Policy, n_firms: int) -> None:
        self.rules, self.policy = rules, policy
        self.earmarked = np.zeros(n_firms)  # guided-fund money still to spend on R&D
        self.earmark_rate = np.zeros(n_firms)
        self.carry = 0.0  # budget not yet spent on a whole ticket, carried to the next year

    def invest(
        self,
        t: int,
        alive: np.ndarray,
        firms: InnovatingFirms,
        certification: CertificationOffice,
        fin: FinanceSystem,
        product: np.ndarray,
        log: DealLog,
    ) -> None:
        """The guided fund buys equity in the independent SMEs with the most recent innovations."""
        rules = self.rules
        budget = self.carry + self.policy.guided_fund
        n = int(budget // rules.fund_ticket)
        self.carry = budget - n * rules.fund_ticket
        if n == 0:
            return
        candidates = np.flatnonzero(
            alive
            & firms.is_sme
            & (firms.owner < 0)
            & (certification.debt_ratio() <= rules.cert_debt_ratio)
        )
        if not len(candidates):
            return
        recent = certification.recent_innovations(years=2)[candidates]
        order = np.lexsort((-firms.tech[candidates], -recent))
        chosen = candidates[order[:n]]
        ticket = np.full(len(chosen), rules.fund_ticket)
        fin.government_pays(chosen, ticket)
        self.earmarked[chosen] += rules.fund_rd_share * rules.fund_ticket
        self.earmark_rate[chosen] = self.earmarked[chosen] / rules.fund_months
        log.record(
            t,
            "fund_investment",
            -1,
            chosen,
            rules.fund_ticket,
            0.0,
            False,
            product[chosen],
            math.nan,
            -1,
            math.nan,
        )

    def spend(self, alive: np.ndarray) -> np.ndarray | None:
        """This month's earmarked R&D of each firm (None when no money is earmarked)."""
        if not any_true(self.earmarked):
            return None
        earmark = np.minimum(self.earmarked, self.earmark_rate) * alive
        self.earmarked -= earmark
        return earmark

    def enter(self, new: np.ndarray) -> None:
        self.earmarked[new] = 0.0
        self.earmark_rate[new] = 0.0
