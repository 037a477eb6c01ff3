"""Licences and litigation: a licensee pays the SME a royalty (about 5 % of the relevant sales)
for `licence_months`, settled quarterly on its sales of the quarter; a leader that imitated and
was found liable (chance `ip_protection`) pays the damages a court awards `litigation_months` later."""

from __future__ import annotations

import numpy as np

from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.innovation.arrays import any_true, fast_sum
from sim.ecosystem.innovation.tables import Table
from sim.scenario import Innovation


class RoyaltiesAndDamages:
    """Running licences (in order of their end) and damages awarded but not yet paid."""

    def __init__(self, rules: Innovation, n_leaders: int) -> None:
        self.rules = rules
        self.licences = Table(id=np.int64, leader=np.int64, sme=np.int64, coef=float, end=np.int64)
        self.damages = Table(leader=np.int64, sme=np.int64, amount=float, due=np.int64)
        self.quarter_sales = np.zeros(n_leaders)  # leaders' sales since the last settlement
        self.total = 0.0  # royalties paid in the run

    def license(self, ids, leaders, smes, coef, t: int) -> None:
        """New licences from month t: royalty `coef` x the licensee's sales."""
        self.licences.append(
            id=ids, leader=leaders, sme=smes, coef=coef, end=t + self.rules.licence_months
        )

    def sue(self, leaders: np.ndarray, smes: np.ndarray, amount: np.ndarray, t: int) -> None:
        """Damages courts award the SMEs, paid `litigation_months` from month t."""
        self.damages.append(
            leader=leaders, sme=smes, amount=amount, due=t + self.rules.litigation_months
        )

    def leave(self, is_gone: np.ndarray) -> None:
        """Licences and claims of exited firms lapse."""
        for table in (self.licences, self.damages):
            table.drop(is_gone[table["leader"]] | is_gone[table["sme"]])

    def settle(
        self,
        t: int,
        sales: np.ndarray,
        alive: np.ndarray,
        month: dict[str, float],
        fin: FinanceSystem,
        income: np.ndarray,
    ) -> None:
        """Quarterly settlement: royalties on each licensee's sales of the quarter (for the months the
        licence ran), and damages courts awarded; what the SMEs receive is added to `income`."""
        n = len(alive)
        lic = self.licences
        if len(lic):
            lead, sme, end = lic["leader"], lic["sme"], lic["end"]
            start = end - self.rules.licence_months
            months = np.minimum(t, end - 1) - np.maximum(t - 2, start) + 1
            amount = (
                lic["coef"]
                * sales[lead]
                * np.minimum(np.maximum(months, 0), 3)  # np.clip, with less overhead
                / 3.0
                * alive[lead]
                * alive[sme]
            )
            fin.pay_between_firms(lead, sme, amount)
            income += np.bincount(sme, weights=amount, minlength=n)
            month["royalties"] = float(fast_sum(amount))
            self.total += month["royalties"]
            # rows are in order of their end: the ended ones are a prefix
            lic.drop_first(int(end.searchsorted(t + 1, side="right")))
        dmg = self.damages
        if len(dmg):
            due = dmg["due"] <= t
            if any_true(due):
                lead, sme = dmg["leader"][due], dmg["sme"][due]
                amount = dmg["amount"][due] * alive[lead] * alive[sme]
                fin.pay_between_firms(lead, sme, amount)
                income += np.bincount(sme, weights=amount, minlength=n)
                dmg.keep(~due)
