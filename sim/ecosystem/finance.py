"""Money (steps 6-7): sales, trade credit with payment terms, wages, the bank, defaults.

FinanceSystem orders the month's payments; the mechanisms live in their own modules: the
books and the stock-flow identity (accounts), payment terms (payment_terms), receivables on
the supply links (trade_credit), credit lines (credit) and the winding-up of failed firms
(insolvency).

Stock-flow consistency is structural: every movement below debits one holder and
credits another. Holders are the firms (cash, debt, trade receivables and payables)
and four sectors tracked by their net financial position: households (wages,
dividends, final purchases, owners' capital), the bank (loans, supply-chain-finance
claims, interest, write-offs), the government (policy costs) and the outside economy
(materials and overheads bought outside the ecosystem). `balance_sheet_gap()` must be
zero at every step; tests/test_finance.py checks it.
Values are in million yuan at base prices.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.ecosystem import accounts, arrears, trade_credit
from sim.ecosystem.accounts import MONTH_FIGURES, SECTORS, FinanceState
from sim.ecosystem.credit import CreditLines
from sim.ecosystem.insolvency import liquidate
from sim.ecosystem.keyed import KeyedDraws
from sim.ecosystem.network import LEADER, SUPPLIER, ProductionNetwork
from sim.ecosystem.payment_terms import PaymentTermBook, PaymentTerms
from sim.ecosystem.supply import DAYS_PER_MONTH, MarketFlows, SupplyState
from sim.ecosystem.trade_credit import row_sums
from sim.scenario import CreditCrunch, Scenario

__all__ = [
    "MONTH_FIGURES",
    "SECTORS",
    "FinanceModel",
    "FinanceState",
    "FinanceSystem",
    "PaymentTerms",
    "row_sums",
]


class FinanceModel(Protocol):
    """What finance reads of the model."""

    network: ProductionNetwork
    scenario: Scenario
    supply: SupplyState
    price: np.ndarray
    product_price: np.ndarray
    value_added_per_unit: np.ndarray
    normal_output: np.ndarray
    liquidity: np.ndarray
    draws: KeyedDraws
    month: int

    def noise(self, stream: str, t: int, size: int) -> np.ndarray: ...


class FinanceSystem:
    """Settles each month's trade in money and decides defaults."""

    def __init__(self, model: FinanceModel) -> None:
        self.model = model
        net, fin = model.network, model.scenario.finance
        self.cfg = fin
        self.policy = model.scenario.policy
        # per-firm constants of the firm kinds (kinds never change)
        leader = net.kind == LEADER
        self._is_supplier = net.kind == SUPPLIER
        self._cash_months = np.where(leader, fin.cash_months_leader, fin.cash_months)
        sigma = np.where(leader, fin.overhead_sigma_leader, fin.overhead_sigma)
        self._overhead_sigma, self._lognormal = sigma, fin.overhead_draw == "lognormal"
        # lognormal overhead share: mean overhead_share, SD sigma (log-SD from the CV)
        mean = fin.overhead_share
        self._overhead_log_sd = np.sqrt(np.log1p((sigma / mean) ** 2)) if mean > 0 else 0 * sigma
        # weight of this month's draw in the AR(1) overhead shock (unit stationary variance)
        self._overhead_innovation = np.sqrt(1.0 - fin.overhead_persistence**2)
        max_days = fin.payment_days * (1.0 + fin.leader_bargaining_power)
        self.ring = int(np.ceil(max(max_days, fin.payment_days) / DAYS_PER_MONTH)) + 2
        net.link_state["owed_seller"] = np.zeros((net.n_links, self.ring))
        self.terms = PaymentTermBook(net, fin, self.policy)
        self.crunches = [s for s in model.shock_specs if isinstance(s, CreditCrunch)]
        self.credit = CreditLines(fin, self.policy, self.crunches, leader)
        normal_revenue = model.price * model.normal_output
        self.state = FinanceState.opening(net.n_firms, self.ring, normal_revenue)
        self.state.cash = self.cash_target()
        if self._lognormal:  # the overhead shock starts in its stationary distribution (by slot)
            self.state.overhead_noise = model.draws["overhead_start"].normal(
                0, np.arange(net.n_firms)
            )
        trade_credit.book_past_trade(
            net, model.normal_output, model.product_price, self.payment_days(), self.ring
        )
        # working capital beyond the owners' capital is borrowed; owners pay in the rest
        st = self.state
        receivables, payables = self.trade_positions()
        equity = fin.equity_months * normal_revenue
        st.debt = np.maximum(st.cash + receivables - payables - equity, 0.0)
        st.sectors["households"] -= float((st.cash + receivables - payables - st.debt).sum())
        self.month: dict[str, float] = dict.fromkeys(MONTH_FIGURES, 0.0)
        self.initial_smes = np.flatnonzero(net.kind != LEADER)
        # hook: labour cost per unit (technology, digitalization lower it)
        self.wage_factor = np.ones(net.n_firms)
        # each firm's dividends last month (profit = change in net worth + these)
        self.dividends = np.zeros(net.n_firms)

    # ------------------------------------------------------------ positions, terms and rates
    def cash_target(self) -> np.ndarray:
        return self._cash_months * self.state.normal_revenue

    def trade_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Trade receivables and payables of each firm (bank-held claims are payables only)."""
        return trade_credit.trade_positions(self.model.network, self.state.owed_bank)

    def payment_days(self) -> np.ndarray:
        """Contract term of each link: leaders stretch terms to smaller sellers, up to the legal cap."""
        return self.terms.payment_days()

    @property
    def credit_factor(self) -> np.ndarray:
        """Hook: multiplies each firm's credit line (certified SMEs get longer lines)."""
        return self.credit.credit_factor

    @property
    def premium_factor(self) -> np.ndarray:
        """Hook: multiplies the SME risk premium (certificates cut it)."""
        return self.credit.premium_factor

    def annual_rate(self, t: int) -> np.ndarray:
        return self.credit.annual_rate(t)

    def credit_limit(self, t: int) -> np.ndarray:
        return self.credit.limit(t, self.state.normal_revenue)

    def start_recording(self) -> None:
        """At the end of the burn-in: the run's policy cost counts from here, and survival is
        of the firms at each place from here (an empty place's first entrant)."""
        self.state.policy_cost = 0.0
        self.state.ever_exited[:] = False

    def liquidity_factor(self, t: int) -> np.ndarray:
        """Share of capacity a firm can finance (see CreditLines.liquidity_factor)."""
        return self.credit.liquidity_factor(t, self.state)

    # ------------------------------------------------------------ the month
    def settle(self, t: int, flows: MarketFlows) -> dict[str, float]:
        """Book and pay the month's trade, pay costs, draw credit, decide defaults."""
        model, net, st = self.model, self.model.network, self.state
        month = dict.fromkeys(MONTH_FIGURES, 0.0)
        owed_seller = net.link_state["owed_seller"]
        terms = self.terms.current()
        # final sales: households pay the leaders at once
        leaders = net.firm_runs[LEADER]
        sales = model.price[leaders] * flows.output[leaders]
        st.cash[leaders] += sales
        st.sectors["households"] -= float(sales.sum())
        # trade between firms becomes receivables due after the payment term
        value = model.product_price[net.slot_product[net.link_slot]] * flows.link_delivered
        month["average_payment_days"] = trade_credit.book_sales(
            owed_seller, terms, value, t, self.ring
        )
        # supply-chain finance: SMEs sell part of what leaders owe them, at the leader's rate plus a spread
        scf = self.policy.supply_chain_finance
        if scf > 0:
            rate = self.annual_rate(t)[terms.buyer] + self.policy.scf_spread
            month["scf_discounted"] = trade_credit.discount_to_bank(
                net, st, terms, value, scf, rate, t, self.ring
            )
        arrears.pay_late(owed_seller, st, terms, t, self.ring)  # firms in arrears: suppliers wait
        trade_credit.pay_due(owed_seller, st, terms, t, self.ring)
        self._pay_costs(t, flows, month)
        insolvent, self.dividends = self.credit.balance_cash(t, st, self.cash_target())
        # insolvent firms exit; their creditors take the losses
        failed = insolvent.nonzero()[0]
        if len(failed):
            self._liquidate(t, failed, month)
        accounts.month_stocks(month, st, owed_seller)
        self.month = month
        return month

    def _pay_costs(self, t: int, flows: MarketFlows, month: dict[str, float]) -> None:
        """Wages, materials and overheads bought outside, interest."""
        model, st, cfg = self.model, self.state, self.cfg
        alive = st.alive
        prod = model.scenario.production
        normal_units = (
            prod.fixed_labor_share
            * model.supply.capacity
            * model.liquidity
            / (1.0 + model.scenario.ecosystem.capacity_slack)
        )
        wages = (
            cfg.labor_share
            * model.value_added_per_unit
            * (normal_units + (1.0 - prod.fixed_labor_share) * flows.output)
        )
        wages *= alive * self.wage_factor
        materials = (model.price - model.value_added_per_unit) * flows.output * self._is_supplier
        z = model.noise("costs", t, len(alive))
        st.overhead_noise = (
            cfg.overhead_persistence * st.overhead_noise + self._overhead_innovation * z
        )
        overhead = st.normal_revenue * self.overhead_shares() * alive
        interest = arrears.interest(st, self.annual_rate(t), cfg.arrears_penalty_markup)
        st.cash -= wages + materials + overhead + interest
        wage_bill, interest_paid = float(wages.sum()), float(interest.sum())
        st.sectors["households"] += wage_bill
        st.sectors["outside"] += float(materials.sum() + overhead.sum())
        st.sectors["bank"] += interest_paid
        month["wages"] = wage_bill
        month["interest_paid"] = interest_paid

    def overhead_shares(self) -> np.ndarray:
        """This month's overhead share of each firm: lognormal (mean overhead_share, SD
        overhead_sigma), or the clipped normal max(share + sigma z, 0) kept as the default."""
        if not self._lognormal:
            noise = self._overhead_sigma * self.state.overhead_noise
            return np.maximum(self.cfg.overhead_share + noise, 0.0)
        s = self._overhead_log_sd
        return self.cfg.overhead_share * np.exp(s * self.state.overhead_noise - 0.5 * s * s)

    def _liquidate(self, t: int, failed: np.ndarray, month: dict[str, float]) -> None:
        """Wind up failed firms (ascending ids); see insolvency."""
        liquidate(
            t,
            failed,
            month,
            self.model.network,
            self.state,
            self.cfg,
            self.policy.credit_guarantee,
            self.terms.current().buyer,
        )

    # ------------------------------------------------------------ entry
    def open_firm(self, firm: int, normal_revenue: float) -> None:
        """A new firm: its owners (households) pay in the starting cash buffer."""
        self.open_firms(np.array([firm]), np.array([normal_revenue]))

    def open_firms(self, firms: np.ndarray, normal_revenue: np.ndarray) -> None:
        """open_firm for several new firms, in their order."""
        st = self.state
        st.normal_revenue[firms] = normal_revenue
        st.cash[firms] = self._cash_months[firms] * normal_revenue
        households = st.sectors["households"]
        for cash in st.cash[firms].tolist():  # one by one, as the owners pay in
            households -= cash
        st.sectors["households"] = households
        st.debt[firms] = 0.0
        st.overhead_noise[firms] = (
            self.model.draws["overhead_entry"].normal(self.model.month, firms)
            if self._lognormal
            else 0.0
        )
        st.arrears_months[firms] = 0
        st.last_trade_loss[firms] = -(10**9)
        st.owed_bank[firms] = 0.0
        st.alive[firms] = True

    # ------------------------------------------------------------ transfers for other layers
    def pay_between_firms(
        self, payers: np.ndarray, payees: np.ndarray, amounts: np.ndarray
    ) -> None:
        """Firm-to-firm cash payments (royalties, licence fees, acquisition prices)."""
        n = self.model.network.n_firms
        self.state.cash -= np.bincount(payers, weights=amounts, minlength=n)
        self.state.cash += np.bincount(payees, weights=amounts, minlength=n)

    def _per_firm(self, firms: np.ndarray | None, amounts: np.ndarray) -> np.ndarray:
        """Amounts summed per firm; `firms` None: `amounts` is already one per firm."""
        if firms is None:
            return amounts
        return np.bincount(firms, weights=amounts, minlength=self.model.network.n_firms)

    def pay_to_sector(self, firms: np.ndarray | None, amounts: np.ndarray, sector: str) -> None:
        """Firms pay a sector (R&D staff to households, equipment to the outside economy);
        `firms` None: every firm, `amounts` one per firm.

        A shortfall shows as negative cash and is drawn on credit (or defaults) next month.
        """
        self.state.cash -= self._per_firm(firms, amounts)
        self.state.sectors[sector] += float(np.sum(amounts))

    def government_pays(self, firms: np.ndarray | None, amounts: np.ndarray) -> None:
        """Subsidies and funds: the government pays firms (None: every firm, one amount each);
        the sum enters policy_cost."""
        total = float(np.sum(amounts))
        self.state.cash += self._per_firm(firms, amounts)
        self.state.sectors["government"] -= total
        self.state.policy_cost += total
        self.month["policy_cost"] = self.month.get("policy_cost", 0.0) + total

    # ------------------------------------------------------------ accounting identity
    def net_worth(self) -> dict[str, float]:
        """Net financial position of every holder group; they must sum to zero."""
        return accounts.net_worth(self.state, *self.trade_positions())

    def balance_sheet_gap(self) -> float:
        """Sum of all net financial positions relative to the gross stocks: 0 when stock-flow consistent."""
        owed_seller = self.model.network.link_state["owed_seller"]
        return accounts.balance_sheet_gap(self.net_worth(), self.state, owed_seller)
