"""Money: sales, trade credit with payment terms, wages, the bank, defaults, contagion, entry.

Stock-flow consistency is structural: every movement below debits one holder and
credits another. Holders are the firms (cash, debt, trade receivables and payables)
and four sectors tracked by their net financial position: households (wages,
dividends, final purchases, owners' capital), the bank (loans, supply-chain-finance
claims, interest, write-offs), the government (policy costs) and the outside economy
(materials and overheads bought outside the ecosystem). `balance_sheet_gap()` must be
zero at every step; tests/test_finance.py checks it.

Trade credit lives on the supply links as two rings of due-month buckets:
`owed_seller[e, m % H]` is what link e's buyer owes its seller in month m, and
`owed_bank[i, m % H]` (per buyer firm, in FinanceState) what firm i owes the bank in
month m: receivables its sellers sold through supply-chain finance, or that the bank
took over when a seller failed. Held per firm, not per link, so links to failed
sellers can be dropped at once.
Values are in million yuan at base prices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.ecosystem.network import LEADER, SME, SUPPLIER, shares
from sim.ecosystem.shocks import intensity
from sim.ecosystem.supply import DAYS_PER_MONTH, MarketFlows
from sim.scenario import CreditCrunch

if TYPE_CHECKING:
    from sim.ecosystem.model import EcosystemModel

SECTORS = ("households", "bank", "government", "outside")
MONTH_FIGURES = (
    "cash",
    "credit_drawn",
    "receivables",
    "payables",
    "overdue_payables",
    "average_payment_days",
    "defaults_leader",
    "defaults_sme",
    "defaults_supplier",
    "defaults_by_contagion",
    "sme_exits",
    "entries",
    "interest_paid",
    "wages",
    "scf_discounted",
    "trade_credit_written_off",
    "policy_cost",
)


def row_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=1) bit for bit (numpy adds up to seven columns in order), without the slow
    row-by-row reduction of a narrow array such as the due-month rings."""
    if not 1 <= a.shape[1] < 8:
        return a.sum(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


@dataclass
class PaymentTerms:
    """Per-link payment terms of the current links (derived; see FinanceSystem._terms)."""

    seller: np.ndarray  # the link arrays they were derived from
    slot: np.ndarray
    buyer: np.ndarray  # (E,) buying firm
    days: np.ndarray  # (E,) contract term
    frac: np.ndarray  # (E,) share of a sale due a month after the whole months of its term
    rest: np.ndarray  # (E,) 1 - frac: the share due after the whole months
    runs: list[tuple[int, int, float]] | None  # (first link, end, days) of each run of one term
    groups: list[tuple[int, slice | np.ndarray]]  # (whole months, which links: a run or a mask)


@dataclass
class FinanceState:
    cash: np.ndarray  # (N,)
    debt: np.ndarray  # (N,) credit line drawn
    normal_revenue: np.ndarray  # (N,) monthly revenue at normal output
    alive: np.ndarray  # (N,) bool
    overhead_noise: np.ndarray  # (N,) AR(1) state of the idiosyncratic cost shock
    last_trade_loss: np.ndarray  # (N,) month of the last write-off from a failed customer
    exited_at: np.ndarray  # (N,) month of the last exit at this place, -1 if none
    ever_exited: np.ndarray  # (N,) bool: the firm first at this place has exited
    owed_bank: np.ndarray  # (N, H) what each firm owes the bank, by due month
    sectors: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SECTORS, 0.0))
    policy_cost: float = 0.0


class FinanceSystem:
    """Settles each month's trade in money and decides defaults and entry."""

    def __init__(self, model: EcosystemModel) -> None:
        self.model = model
        net, fin = model.network, model.scenario.finance
        self.cfg = fin
        self.policy = model.scenario.policy
        # per-firm constants of the firm kinds (kinds never change)
        leader = net.kind == LEADER
        self._is_leader, self._is_supplier = leader, net.kind == SUPPLIER
        self._cash_months = np.where(leader, fin.cash_months_leader, fin.cash_months)
        self._credit_months = np.where(leader, fin.credit_months_leader, fin.credit_months_sme)
        self._overhead_sigma = np.where(leader, fin.overhead_sigma_leader, fin.overhead_sigma)
        # weight of this month's draw in the AR(1) overhead shock
        self._overhead_innovation = np.sqrt(1.0 - fin.overhead_persistence**2)
        max_days = fin.payment_days * (1.0 + fin.leader_bargaining_power)
        self.ring = int(np.ceil(max(max_days, fin.payment_days) / DAYS_PER_MONTH)) + 2
        net.link_state["owed_seller"] = np.zeros((net.n_links, self.ring))
        normal_revenue = model.price * model.normal_output
        self.state = FinanceState(
            cash=fin.cash_months * normal_revenue,
            debt=np.zeros(net.n_firms),
            normal_revenue=normal_revenue,
            alive=np.ones(net.n_firms, dtype=bool),
            overhead_noise=np.zeros(net.n_firms),
            last_trade_loss=np.full(net.n_firms, -(10**9), dtype=np.int64),
            exited_at=np.full(net.n_firms, -1, dtype=np.int64),
            ever_exited=np.zeros(net.n_firms, dtype=bool),
            owed_bank=np.zeros((net.n_firms, self.ring)),
        )
        self.state.cash = self.cash_target()
        self._book_past_trade(model)
        # working capital beyond the owners' capital is borrowed; owners pay in the rest
        st = self.state
        receivables, payables = self.trade_positions()
        equity = fin.equity_months * normal_revenue
        st.debt = np.maximum(st.cash + receivables - payables - equity, 0.0)
        st.sectors["households"] -= float((st.cash + receivables - payables - st.debt).sum())
        self.crunches = [s for s in model.scenario.shocks if isinstance(s, CreditCrunch)]
        self.month: dict[str, float] = dict.fromkeys(MONTH_FIGURES, 0.0)
        self.initial_smes = np.flatnonzero(net.kind != LEADER)
        self.credit_factor = np.ones(net.n_firms)  # hook: e.g. certified SMEs get longer lines
        # hook: multiplies the SME risk premium (certificates cut it)
        self.premium_factor = np.ones(net.n_firms)
        # hook: labour cost per unit (technology, digitalization lower it)
        self.wage_factor = np.ones(net.n_firms)
        # each firm's dividends last month (profit = change in net worth + these)
        self.dividends = np.zeros(net.n_firms)
        self._terms_cache: PaymentTerms | None = None

    def _book_past_trade(self, model: EcosystemModel) -> None:
        """Start in the steady state: the trade of the months before month 0 is still being paid."""
        net = model.network
        buyer_output = model.normal_output[net.slot_firm[net.link_slot]]
        units = net.link_weight * net.slot_coef[net.link_slot] * buyer_output
        value = model.product_price[net.slot_product[net.link_slot]] * units
        months = self.payment_days() / DAYS_PER_MONTH
        m0 = np.floor(months).astype(np.int64)
        frac = months - m0
        rows = np.arange(net.n_links)
        owed = net.link_state["owed_seller"]
        for sale_month in range(-self.ring, 0):
            for due, share in ((sale_month + m0, 1.0 - frac), (sale_month + m0 + 1, frac)):
                ok = due >= 0
                owed[rows[ok], due[ok] % self.ring] += (value * share)[ok]
        # the receivables are the sellers' and the payables the buyers' (equal totals)

    def cash_target(self) -> np.ndarray:
        return self._cash_months * self.state.normal_revenue

    def trade_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Trade receivables and payables of each firm (bank-held claims are payables only)."""
        net = self.model.network
        owed_seller = row_sums(net.link_state["owed_seller"])
        n = net.n_firms
        receivables = np.bincount(net.link_seller, weights=owed_seller, minlength=n)
        payables = np.bincount(net.slot_firm[net.link_slot], weights=owed_seller, minlength=n)
        return receivables, payables + row_sums(self.state.owed_bank)

    # ------------------------------------------------------------ terms and rates
    def _terms(self) -> PaymentTerms:
        """Each link's buyer and payment term, kept until the links change (new arrays then).

        There are two terms (leaders stretch theirs to smaller sellers), each on runs of links:
        the per-link figures are filled run by run, and kept while the runs stay the same.
        """
        net = self.model.network
        terms = self._terms_cache
        if terms is not None and terms.seller is net.link_seller and terms.slot is net.link_slot:
            return terms
        buyer = net.slot_firm[net.link_slot]
        leader, plain = self._leader_days(), float(self.cfg.payment_days)
        runs, stretched = self._term_runs(buyer, leader, plain)
        if runs is None:  # terms alternate too often: pick per link
            days, frac, rest = np.where(
                stretched, self._term_figures(leader), self._term_figures(plain)
            )
            groups = [
                (self._whole_months(leader), stretched),
                (self._whole_months(plain), ~stretched),
            ]
        else:
            if terms is not None and runs == terms.runs:  # the same terms link by link
                days, frac, rest = terms.days, terms.frac, terms.rest
            else:
                days, frac, rest = per_link = np.empty((3, len(buyer)))
                for first, end, term in runs:
                    per_link[:, first:end] = self._term_figures(term)
            groups = [(self._whole_months(term), slice(first, end)) for first, end, term in runs]
        self._terms_cache = PaymentTerms(
            seller=net.link_seller,
            slot=net.link_slot,
            buyer=buyer,
            days=days,
            frac=frac,
            rest=rest,
            runs=runs,
            groups=groups,
        )
        return self._terms_cache

    def _term_runs(
        self, buyer: np.ndarray, leader: float, plain: float
    ) -> tuple[list[tuple[int, int, float]] | None, np.ndarray | None]:
        """Runs of links on one term, as (first, end, days), None past eight runs; and, unless
        the runs were found without it, which links are on the leaders' term."""
        net = self.model.network
        n_links = len(buyer)
        # the leaders buy on one run of links (network.link_runs), usually from smaller firms only
        bought = net.link_runs[LEADER]
        first, end = bought.start, bought.stop
        if not self._is_leader[net.link_seller[bought]].any():
            runs = [(0, first, plain), (first, end, leader), (end, n_links, plain)]
            return [run for run in runs if run[0] < run[1]], None
        stretched = self._stretched(buyer, net.link_seller)
        if n_links == 0:
            return [], stretched
        starts = [0, *((stretched[1:] != stretched[:-1]).nonzero()[0] + 1).tolist()]
        if len(starts) > 8:
            return None, stretched
        ends = [*starts[1:], n_links]
        terms = [leader if on_leader_term else plain for on_leader_term in stretched[starts]]
        return list(zip(starts, ends, terms, strict=True)), stretched

    @staticmethod
    def _term_figures(days: float) -> np.ndarray:
        """A term's days, the share of a sale due a month after its whole months, and the rest
        (a column, to fill per-link rows)."""
        months = days / DAYS_PER_MONTH
        frac = months - math.floor(months)
        return np.array([[days], [frac], [1.0 - frac]])

    @staticmethod
    def _whole_months(days: float | np.ndarray) -> int | np.ndarray:
        """Whole months of a term: a sale is due in month t + this, and in part a month later."""
        if isinstance(days, np.ndarray):
            return np.floor(days / DAYS_PER_MONTH).astype(np.int64)
        return math.floor(days / DAYS_PER_MONTH)

    def _stretched(self, buyer: np.ndarray, seller: np.ndarray) -> np.ndarray:
        """Links on which a leader buys from a smaller firm (kinds never change)."""
        return self._is_leader[buyer] & ~self._is_leader[seller]

    def _leader_days(self) -> float:
        """The term a leader imposes on smaller sellers, up to the legal cap."""
        fin = self.cfg
        leader_days = fin.payment_days * (1.0 + fin.leader_bargaining_power)
        if self.policy.payment_term_cap_days is not None:
            leader_days = min(leader_days, self.policy.payment_term_cap_days)
        return float(leader_days)

    def payment_days(self) -> np.ndarray:
        """Contract term of each link: leaders stretch terms to smaller sellers, up to the legal cap."""
        net = self.model.network
        stretched = self._stretched(net.slot_firm[net.link_slot], net.link_seller)
        return np.where(stretched, self._leader_days(), float(self.cfg.payment_days))

    def annual_rate(self, t: int) -> np.ndarray:
        base = self.cfg.base_rate
        if self.crunches:
            base += sum(c.rate_increase * intensity(c, t) for c in self.crunches)
        premium = (
            self.cfg.sme_risk_premium * (1.0 - self.policy.credit_guarantee) * self.premium_factor
        )
        return np.where(self._is_leader, base, base + premium)

    def credit_limit(self, t: int) -> np.ndarray:
        months = self._credit_months * self.credit_factor
        limit = months * self.state.normal_revenue
        if not self.crunches:
            return limit
        cut = 1.0
        for c in self.crunches:
            cut *= 1.0 - c.limit_cut * intensity(c, t)
        return limit * cut

    def liquidity_factor(self, t: int) -> np.ndarray:
        """Share of capacity a firm can finance: firms short of cash and credit cut production and staff.

        Liquidity (cash + undrawn credit) below one month of normal costs scales capacity down
        in proportion, to no less than a fifth.
        """
        st = self.state
        liquidity = st.cash + np.maximum(self.credit_limit(t) - st.debt, 0.0)
        need = np.maximum(st.normal_revenue, 1e-12)
        return np.minimum(np.maximum(liquidity / need, 0.2), 1.0)  # np.clip, with less overhead

    # ------------------------------------------------------------ the month
    def settle(self, t: int, flows: MarketFlows) -> dict[str, float]:
        """Book and pay the month's trade, pay costs, draw credit, decide defaults."""
        model, net, st, cfg = self.model, self.model.network, self.state, self.cfg
        month = dict.fromkeys(MONTH_FIGURES, 0.0)
        owed_seller, owed_bank = net.link_state["owed_seller"], st.owed_bank
        terms = self._terms()
        buyer, seller, frac = terms.buyer, terms.seller, terms.frac
        n, ring = net.n_firms, self.ring

        # final sales: households pay the leaders at once
        leaders = net.firm_runs[LEADER]
        sales = model.price[leaders] * flows.output[leaders]
        st.cash[leaders] += sales
        st.sectors["households"] -= float(sales.sum())

        # trade between firms becomes receivables due after the payment term
        value = model.product_price[net.slot_product[net.link_slot]] * flows.link_delivered
        # links with the same whole months of term share their two due buckets: one column each
        now, later = value * terms.rest, value * frac
        for whole, links in terms.groups:
            if isinstance(links, slice):  # a run of links (usually: those of leaders as buyers)
                owed_seller[links, (t + whole) % ring] += now[links]
                owed_seller[links, (t + whole + 1) % ring] += later[links]
            else:
                owed_seller[:, (t + whole) % ring] += np.where(links, now, 0.0)
                owed_seller[:, (t + whole + 1) % ring] += np.where(links, later, 0.0)
        total_value = value.sum()
        month["average_payment_days"] = (
            float(np.multiply(terms.days, value).sum() / total_value) if total_value > 0 else np.nan
        )

        # supply-chain finance: SMEs sell part of what leaders owe them, at the leader's rate plus a spread
        scf = self.policy.supply_chain_finance
        if scf > 0:
            # an SME uses it when it is borrowing (it is cheaper than its credit line), not to pay dividends
            borrowing = st.debt > 0
            eligible = (
                (net.kind[buyer] == LEADER) & (net.kind[seller] != LEADER) & borrowing[seller]
            )
            sold = scf * value * eligible
            rate = self.annual_rate(t)[buyer] + self.policy.scf_spread
            discount = sold * rate / 12.0 * (terms.days / DAYS_PER_MONTH)
            rows = np.arange(net.n_links)
            m0 = self._whole_months(terms.days)
            for bucket, share in (((t + m0) % ring, terms.rest), ((t + m0 + 1) % ring, frac)):
                owed_seller[rows, bucket] -= sold * share
                np.add.at(owed_bank, (buyer, bucket), sold * share)
            st.cash += np.bincount(seller, weights=sold - discount, minlength=n)
            st.sectors["bank"] += float(discount.sum())
            month["scf_discounted"] = float(sold.sum())

        # what falls due this month is paid
        bucket = t % ring
        to_seller = owed_seller[:, bucket].copy()
        owed_seller[:, bucket] = 0.0
        st.cash -= np.bincount(buyer, weights=to_seller, minlength=n) + owed_bank[:, bucket]
        owed_bank[:, bucket] = 0.0
        st.cash += np.bincount(seller, weights=to_seller, minlength=n)

        # wages, materials and overheads bought outside, interest
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
        z = model.noise("costs", t, n)
        st.overhead_noise = (
            cfg.overhead_persistence * st.overhead_noise + self._overhead_innovation * z
        )
        overhead = (
            st.normal_revenue
            * np.maximum(cfg.overhead_share + self._overhead_sigma * st.overhead_noise, 0.0)
            * alive
        )
        interest = st.debt * self.annual_rate(t) / 12.0
        st.cash -= wages + materials + overhead + interest
        wage_bill, interest_paid = float(wages.sum()), float(interest.sum())
        st.sectors["households"] += wage_bill
        st.sectors["outside"] += float(materials.sum() + overhead.sum())
        st.sectors["bank"] += interest_paid
        month["wages"] = wage_bill
        month["interest_paid"] = interest_paid

        # credit: a cash shortfall is drawn on the credit line; above the buffer, repay then pay out
        limit = self.credit_limit(t)
        need = np.maximum(-st.cash, 0.0)
        insolvent = alive & (need > 0) & (st.debt + need > limit + 1e-9)
        draw = np.where(insolvent, 0.0, need)
        st.debt += draw
        st.cash += draw
        excess = np.maximum(st.cash - self.cash_target(), 0.0) * alive
        repay = np.minimum(excess, st.debt)
        st.cash -= repay
        st.debt -= repay
        dividends = cfg.dividend_payout * (excess - repay)
        st.cash -= dividends
        self.dividends = dividends
        st.sectors["households"] += float(dividends.sum())

        # insolvent firms exit; their creditors take the losses
        failed = insolvent.nonzero()[0]
        if len(failed):
            self._liquidate(t, failed, month)
        self._month_stocks(month)
        self.month = month
        return month

    def _liquidate(self, t: int, failed: np.ndarray, month: dict[str, float]) -> None:
        """Wind up failed firms (ascending ids): the bank takes their receivables, then creditors
        are paid in order.

        A handful of firms fail in a month: their own figures and links are worked on as short
        arrays. Totals over firms are summed over all firms (zero elsewhere), as a sum's
        rounding depends on where the values sit.
        """
        net, st, cfg = self.model.network, self.state, self.cfg
        n, k = net.n_firms, len(failed)
        owed_seller, owed_bank = net.link_state["owed_seller"], st.owed_bank
        is_failed = np.zeros(n, dtype=bool)
        is_failed[failed] = True
        link_buyer = self._terms().buyer
        failed_seller = is_failed[net.link_seller]
        # the links of the failed firms, as sellers or buyers, and what is owed on them
        links = (failed_seller | is_failed[link_buyer]).nonzero()[0]
        seller, buyer = net.link_seller[links], link_buyer[links]
        owed = owed_seller[links]
        owed_seller[links] = 0.0
        owing = is_failed[buyer]  # of these links, those with a failed buyer
        kind = net.kind[failed]
        small = kind != LEADER

        # 0. an overdraft the firm could not cover becomes part of its bank debt
        cash, debt = st.cash[failed], st.debt[failed]
        overdraft = np.maximum(-cash, 0.0)
        debt += overdraft
        cash += overdraft

        # 1. the bank buys the failed firms' receivables at face value; customers now pay the bank
        #    (claims between two failed firms are settled in step 3)
        sold = ~owing
        receivables = owed[sold]
        np.add.at(owed_bank, buyer[sold], receivables)
        cash += np.bincount(
            failed.searchsorted(seller[sold]), weights=receivables.sum(axis=1), minlength=k
        )

        # 2. the bank is paid first; what is left unpaid is written off (guaranteed share by the state)
        paid = np.minimum(cash, debt)
        cash -= paid
        unpaid = debt - paid
        guaranteed = self.policy.credit_guarantee * unpaid * small
        st.debt[failed] = 0.0  # repaid or written off

        # 3. trade creditors are paid pro rata from what is left; the rest is written off
        debtor = failed.searchsorted(buyer[owing])  # each owing link's place in `failed`
        creditor = seller[owing]
        claims_seller = owed[owing].sum(axis=1)
        claims_bank = owed_bank[failed].sum(axis=1)
        owed_bank[failed] = 0.0
        total_claims = np.bincount(debtor, weights=claims_seller, minlength=k) + claims_bank
        ratio = np.minimum(
            np.divide(cash, total_claims, out=np.zeros(k), where=total_claims > 0), 1.0
        )
        r = ratio[debtor]
        paid_seller = r * claims_seller
        st.cash[failed] = cash
        st.cash += np.bincount(creditor, weights=paid_seller, minlength=n)
        st.cash[failed] -= (
            np.bincount(debtor, weights=paid_seller, minlength=k) + ratio * claims_bank
        )
        written_off = (1.0 - r) * claims_seller
        bank_loss = (1.0 - ratio) * claims_bank
        loss = np.bincount(creditor, weights=written_off, minlength=n)
        hurt = loss > cfg.contagion_threshold * st.normal_revenue
        st.last_trade_loss[hurt] = t

        # the sector accounts, in the order of the steps
        per_firm = np.zeros((4, n))
        per_firm[:, failed] = (unpaid, guaranteed, bank_loss, total_claims)
        totals = per_firm.sum(axis=1).tolist()  # each row adds up as its own sum would
        unpaid_total, guaranteed_total, bank_loss_total, claims_total = totals
        st.sectors["bank"] -= unpaid_total
        st.sectors["government"] -= guaranteed_total
        st.sectors["bank"] += guaranteed_total
        st.policy_cost += guaranteed_total
        month["policy_cost"] += guaranteed_total
        st.sectors["bank"] -= bank_loss_total
        month["trade_credit_written_off"] = float(written_off.sum()) + bank_loss_total
        month["overdue_payables"] = claims_total

        # 4. what is left belongs to the owners
        st.sectors["households"] += float(st.cash[failed].sum())
        st.cash[failed] = 0.0

        contagion = st.last_trade_loss[failed] >= t - cfg.contagion_window
        month["defaults_by_contagion"] += float(np.count_nonzero(contagion))
        by_kind = np.bincount(kind, minlength=3).tolist()
        for of_kind, name in ((LEADER, "leader"), (SME, "sme"), (SUPPLIER, "supplier")):
            month[f"defaults_{name}"] += float(by_kind[of_kind])
        month["sme_exits"] += float(np.count_nonzero(small & ~net.foreign[failed]))
        st.alive[failed] = False
        st.exited_at[failed] = t
        st.ever_exited[failed] = True
        # buyers stop ordering from the failed sellers
        net.link_base_weight = np.where(failed_seller, 0.0, net.link_base_weight)
        weight = np.where(failed_seller, 0.0, net.link_weight)
        net.link_weight = shares(weight, net.per_slot_sum_for_links(weight))

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
        st.overhead_noise[firms] = 0.0
        st.last_trade_loss[firms] = -(10**9)
        st.owed_bank[firms] = 0.0
        st.alive[firms] = True

    def _month_stocks(self, month: dict[str, float]) -> None:
        net, st = self.model.network, self.state
        month["cash"] = float(st.cash.sum())
        month["credit_drawn"] = float(st.debt.sum())
        owed = net.link_state["owed_seller"].sum()
        month["receivables"] = float(owed)
        month["payables"] = float(owed + st.owed_bank.sum())

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
        st = self.state
        receivables, payables = self.trade_positions()
        firms = float((st.cash + receivables - payables - st.debt).sum())
        return {"firms": firms, **st.sectors}

    def balance_sheet_gap(self) -> float:
        """Sum of all net financial positions relative to the gross stocks: 0 when stock-flow consistent."""
        worth = self.net_worth()
        net = self.model.network
        scale = (
            float(np.abs(self.state.cash).sum() + self.state.debt.sum())
            + float(net.link_state["owed_seller"].sum() + self.state.owed_bank.sum())
            + sum(abs(v) for v in worth.values())
        )
        return abs(sum(worth.values())) / max(scale, 1.0)
