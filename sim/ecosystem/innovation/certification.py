"""专精特新 梯度培育: the yearly certification of SMEs and what a certificate brings.

Tiers: 0 ordinary SME, 1 certified specialized SME (专精特新), 2 little giant (小巨人).
Each December the office reviews every independent SME on last year's numbers, with the
MIIT-style thresholds of the scenario (`innovation.cert_*`):
- an SME: independent and not above the size cap (`cert_size_cap` x the median SME's revenue);
- not in arrears (a firm in arrears also loses its certificate at once: revoke_in_arrears);
- certified: R&D >= 3 % of revenue, >= 1 innovation in three years, liabilities <= 70 %
  of financial assets;
- little giant: certified the year before and now, niche share >= 10 %, >= 2 innovations
  in three years.
A subsidiary of a leader (an acquired SME) is not an SME and holds no certificate.
Certificates bring longer credit lines (`finance.credit_factor`), a lower risk premium
(`finance.premium_factor`), eligibility for the R&D subsidy and leaders' order pull
(订单牵引: certified sellers' established order shares rise).
"""

from __future__ import annotations

import numpy as np

from sim.ecosystem.finance import FinanceState
from sim.ecosystem.innovation.context import EcosystemContext
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.network import LEADER, SME, ProductionNetwork, shares
from sim.scenario import Innovation

ORDINARY, CERTIFIED, LITTLE_GIANT = 0, 1, 2


def raise_base_weights(net: ProductionNetwork, links: np.ndarray, ratio: np.ndarray) -> None:
    """Multiply the established order shares of `links` by `ratio`, then renormalize per slot."""
    if len(links) == 0:
        return
    w = net.link_base_weight.copy()
    w[links] *= ratio
    net.link_base_weight = shares(w, net.per_slot_sum_for_links(w))


def trade_positions(net: ProductionNetwork, st: FinanceState) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's trade receivables and payables: the finance layer's trade_positions, with a
    row sum over the due-month buckets by einsum (faster)."""
    owed = net.link_state["owed_seller"]
    per_link = np.einsum("ij->i", owed)
    n = net.n_firms
    receivables = np.bincount(net.link_seller, weights=per_link, minlength=n)
    payables = np.bincount(net.slot_firm[net.link_slot], weights=per_link, minlength=n)
    payables += np.einsum("ij->i", st.owed_bank)
    return receivables, payables


class CertificationOffice:
    """Keeps last year's figures of every firm and reviews the SMEs each December."""

    def __init__(self, model: EcosystemContext, rules: Innovation, firms: InnovatingFirms) -> None:
        self.model, self.rules, self.innovators = model, rules, firms
        n = model.network.n_firms
        self.revenue_year = np.zeros(n)
        self.rd_year = np.zeros(n)
        self.dividends_year = np.zeros(n)
        self.innovations_by_year = np.zeros((n, 3))  # ring over the last three years
        self.whole_year = np.ones(n, dtype=bool)  # in business since the last review
        self.net_worth_start = self.net_worth()
        self.reviews: list[dict[str, float]] = []
        self.tier_counts = np.bincount(firms.tier, minlength=3)  # firms per tier, kept by set_tiers
        # what each tier brings: credit-line bonus, risk-premium cut, leaders' order pull
        self._benefits = tuple(
            np.array([0.0, *bonus])
            for bonus in (rules.cert_credit_bonus, rules.cert_premium_cut, rules.cert_order_pull)
        )

    # ------------------------------------------------------------ bookkeeping
    def trade_positions(self) -> tuple[np.ndarray, np.ndarray]:
        return trade_positions(self.model.network, self.model.finance.state)

    def net_worth(self) -> np.ndarray:
        """Each firm's book equity: cash + trade receivables - payables - bank debt."""
        st = self.model.finance.state
        receivables, payables = self.trade_positions()
        return st.cash + receivables - payables - st.debt

    def debt_ratio(self, positions: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Liabilities (bank debt and trade payables) over financial assets (cash and receivables)."""
        st = self.model.finance.state
        receivables, payables = positions if positions is not None else self.trade_positions()
        assets = np.maximum(st.cash, 0.0) + receivables
        return np.where(
            assets > 0, (st.debt + payables) / np.where(assets > 0, assets, 1.0), np.inf
        )

    def record_month(self, revenue: np.ndarray, rd: np.ndarray, dividends: np.ndarray) -> None:
        self.revenue_year += revenue
        self.rd_year += rd
        self.dividends_year += dividends

    def count_innovations(self, firms: np.ndarray, t: int) -> None:
        """Count a month's innovations (a firm innovates at most once a month: no repeated index)."""
        this_year = self.innovations_by_year[:, (t // 12) % 3]  # a view
        this_year[firms] += 1.0

    def recent_innovations(self, years: int = 3) -> np.ndarray:
        """Innovations in the current and the `years - 1` previous calendar years."""
        t = self.model.month
        cols = [((t // 12) - k) % 3 for k in range(years)]
        return self.innovations_by_year[:, cols].sum(axis=1)

    def restart(self, firms: np.ndarray) -> None:
        """Firms that entered or exited: no full year of figures, no certificate."""
        self.whole_year[firms] = False
        self.innovations_by_year[firms] = 0.0
        st = self.model.finance.state
        # a new firm's opening accounts
        self.net_worth_start[firms] = st.cash[firms] - st.debt[firms]
        held = firms[self.innovators.tier[firms] > 0]
        if len(held):
            self.set_tiers(held, np.zeros(len(held), dtype=np.int8))

    def revoke_in_arrears(self) -> None:
        """Firms in arrears (see finance's arrears) lose their certificates."""
        late = self.model.finance.state.arrears_months > 0
        if not late.any():
            return
        firms = (late & (self.innovators.tier > 0)).nonzero()[0]
        if len(firms):
            self.set_tiers(firms, np.zeros(len(firms), dtype=np.int8))

    # ------------------------------------------------------------ the review
    def review(self, t: int) -> None:
        rules, smes = self.rules, self.innovators.smes
        net, fin = self.model.network, self.model.finance
        alive = fin.state.alive
        revenue = self.revenue_year
        intensity = np.where(revenue > 0, self.rd_year / np.where(revenue > 0, revenue, 1.0), 0.0)
        niche_sales = np.bincount(
            net.product[smes], weights=revenue[smes], minlength=net.n_components
        )
        niche_share = np.zeros(net.n_firms)
        cat = net.product[smes]
        niche_share[smes] = np.where(
            niche_sales[cat] > 0, revenue[smes] / np.maximum(niche_sales[cat], 1e-12), 0.0
        )
        innovations = self.recent_innovations()
        positions = self.trade_positions()
        st = fin.state
        net_worth = st.cash + positions[0] - positions[1] - st.debt
        sme_revenue = revenue[smes][alive[smes]]
        cap = rules.cert_size_cap * float(np.median(sme_revenue)) if len(sme_revenue) else np.inf
        eligible = (
            (net.kind == SME)
            & alive
            & (self.innovators.owner < 0)
            & self.whole_year
            & (revenue <= cap)
            & (st.arrears_months == 0)
        )
        certified = (
            eligible
            & (intensity >= rules.cert_rd_intensity)
            & (innovations >= rules.cert_innovations)
            & (self.debt_ratio(positions) <= rules.cert_debt_ratio)
        )
        giant = (
            certified
            & (self.innovators.tier >= CERTIFIED)
            & (niche_share >= rules.cert_niche_share)
            & (innovations >= rules.little_giant_innovations)
        )
        new_tier = np.where(giant, LITTLE_GIANT, np.where(certified, CERTIFIED, ORDINARY)).astype(
            np.int8
        )
        self.set_tiers(smes, new_tier[smes])
        self._record_review(t, revenue, net_worth)
        # a new year of figures
        self.revenue_year[:] = 0.0
        self.rd_year[:] = 0.0
        self.dividends_year[:] = 0.0
        self.innovations_by_year[:, (t // 12 + 1) % 3] = 0.0
        self.net_worth_start = net_worth
        self.whole_year[:] = True

    def set_tiers(self, firms: np.ndarray, tiers: np.ndarray) -> None:
        """Give `firms` their tiers and the benefits that come with them (only firms whose tier
        changes have anything to change)."""
        fin, net = self.model.finance, self.model.network
        old = self.innovators.tier[firms]
        moved = (old != tiers).nonzero()[0]
        if not len(moved):
            return
        firms, tiers, old = firms[moved], tiers[moved], old[moved]
        self.innovators.tier[firms] = tiers
        self.tier_counts = np.bincount(self.innovators.tier, minlength=3)
        credit, cut, pull = self._benefits
        fin.credit_factor[firms] = 1.0 + credit[tiers]
        fin.premium_factor[firms] = np.maximum(1.0 - cut[tiers], 0.0)
        ratio = np.ones(net.n_firms)
        ratio[firms] = (1.0 + pull[tiers]) / (1.0 + pull[old])
        is_moved = np.zeros(net.n_firms, dtype=bool)
        is_moved[firms] = True
        from_leaders = net.links_of_buyer_kind[LEADER]
        links = from_leaders[is_moved[net.link_seller[from_leaders]]]
        raise_base_weights(net, links, ratio[net.link_seller[links]])

    def _record_review(self, t: int, revenue: np.ndarray, net_worth: np.ndarray) -> None:
        """Little giants against all domestic small firms (specialized SMEs and domestic suppliers).

        The year's sums are kept, not a ratio: the outcomes pool them over the reviews, and a
        share of profits is taken over the profitable firms only (a signed total crosses zero)."""
        model = self.model
        net, alive = model.network, model.finance.state.alive
        small = (net.kind != LEADER) & ~net.foreign & alive
        full = small & self.whole_year
        giant = (self.innovators.tier == LITTLE_GIANT) & small
        profit = net_worth - self.net_worth_start + self.dividends_year
        gains = np.maximum(profit, 0.0)
        self.reviews.append(
            {
                "step": float(t),
                "certified": float((self.innovators.tier >= CERTIFIED).sum()),
                "little_giants": float(giant.sum()),
                "little_giant_share": float(giant.sum() / max(small.sum(), 1)),
                "revenue_giants": float(revenue[giant & full].sum()),
                "revenue_small": float(revenue[full].sum()),
                "profit_giants": float(profit[giant & full].sum()),
                "profit_small": float(profit[full].sum()),
                "gains_giants": float(gains[giant & full].sum()),
                "gains_small": float(gains[full].sum()),
            }
        )
