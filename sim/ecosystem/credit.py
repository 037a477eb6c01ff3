"""The bank's credit lines: limits in months of normal revenue and annual rates (SMEs pay a
risk premium; credit crunches raise rates and cut limits), how much a firm can finance,
and the month's drawing, repayment and payout of cash."""

from __future__ import annotations

import numpy as np

from sim.ecosystem import arrears
from sim.ecosystem.accounts import FinanceState
from sim.ecosystem.shocks import intensity
from sim.scenario import CreditCrunch, Finance, Policy


class CreditLines:
    """Each firm's credit line; `credit_factor` and `premium_factor` are hooks (1 = no effect:
    certificates lengthen lines and cut the premium)."""

    def __init__(
        self, cfg: Finance, policy: Policy, crunches: list[CreditCrunch], is_leader: np.ndarray
    ) -> None:
        self.cfg, self.policy, self.crunches = cfg, policy, crunches
        self._is_leader = is_leader
        self._credit_months = np.where(is_leader, cfg.credit_months_leader, cfg.credit_months_sme)
        self.credit_factor = np.ones(len(is_leader))
        self.premium_factor = np.ones(len(is_leader))

    def annual_rate(self, t: int) -> np.ndarray:
        base = self.cfg.base_rate
        if self.crunches:
            base += sum(c.rate_increase * intensity(c, t) for c in self.crunches)
        premium = (
            self.cfg.sme_risk_premium * (1.0 - self.policy.credit_guarantee) * self.premium_factor
        )
        return np.where(self._is_leader, base, base + premium)

    def limit(self, t: int, normal_revenue: np.ndarray) -> np.ndarray:
        months = self._credit_months * self.credit_factor
        limit = months * normal_revenue
        if not self.crunches:
            return limit
        cut = 1.0
        for c in self.crunches:
            cut *= 1.0 - c.limit_cut * intensity(c, t)
        return limit * cut

    def liquidity_factor(self, t: int, st: FinanceState) -> np.ndarray:
        """Share of capacity a firm can finance: firms short of cash and credit cut production and staff.

        Liquidity (cash + undrawn credit) below one month of normal costs scales capacity down
        in proportion, to no less than a fifth.
        """
        liquidity = st.cash + np.maximum(self.limit(t, st.normal_revenue) - st.debt, 0.0)
        need = np.maximum(st.normal_revenue, 1e-12)
        return np.minimum(np.maximum(liquidity / need, 0.2), 1.0)  # np.clip, with less overhead

    def balance_cash(
        self, t: int, st: FinanceState, cash_target: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A cash shortfall is drawn on the credit line; above the buffer, repay then pay out.
        Returns the firms that exit (insolvent: in arrears for `arrears_months_to_exit` months,
        see arrears) and the dividends."""
        alive = st.alive
        limit = self.limit(t, st.normal_revenue)
        need = np.maximum(-st.cash, 0.0)
        # beyond the line a firm falls into arrears; it exits only after enough months of them
        insolvent, months = arrears.months_in_arrears(
            st, limit, need, self.cfg.arrears_months_to_exit
        )
        st.arrears_months = np.where(insolvent, 0, months)
        draw = np.where(insolvent, 0.0, need)
        st.debt += draw
        st.cash += draw
        excess = np.maximum(st.cash - cash_target, 0.0) * alive
        repay = np.minimum(excess, st.debt)
        st.cash -= repay
        st.debt -= repay
        dividends = self.cfg.dividend_payout * (excess - repay)
        st.cash -= dividends
        st.sectors["households"] += float(dividends.sum())
        return insolvent, dividends
