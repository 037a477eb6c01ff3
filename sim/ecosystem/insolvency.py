"""Insolvency: firms that cannot pay exit, and their creditors take the losses.

A failed firm is wound up in order: the bank buys its receivables at face value, the bank
is paid first (the guaranteed share of what is left unpaid falls on the state), trade
creditors are paid pro rata from what remains and write off the rest, and anything left
belongs to the owners. Creditors hurt by a large write-off are marked, so their own
failure within the contagion window counts as contagion; buyers stop ordering from the
failed sellers.

A handful of firms fail in a month: their own figures and links are worked on as short
arrays. Totals over firms are summed over all firms (zero elsewhere), as a sum's rounding
depends on where the values sit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ecosystem.accounts import FinanceState
from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork, shares
from sim.scenario import Finance


@dataclass
class _Estate:
    """The failed firms (ascending ids) and the trade credit on their links."""

    failed: np.ndarray  # (k,) the failed firms
    cash: np.ndarray  # (k,) their cash, as it is wound up
    seller: np.ndarray  # (L,) of each of their links, as sellers or buyers
    buyer: np.ndarray  # (L,)
    owed: np.ndarray  # (L, H) what was owed on the link, by due month
    owing: np.ndarray  # (L,) bool: the buyer failed


def liquidate(
    t: int,
    failed: np.ndarray,
    month: dict[str, float],
    net: ProductionNetwork,
    st: FinanceState,
    cfg: Finance,
    credit_guarantee: float,
    link_buyer: np.ndarray,
) -> None:
    """Wind up the failed firms (ascending ids); the month's default figures go to `month`."""
    is_failed = np.zeros(net.n_firms, dtype=bool)
    is_failed[failed] = True
    failed_seller = is_failed[net.link_seller]
    links = (failed_seller | is_failed[link_buyer]).nonzero()[0]
    owed_seller = net.link_state["owed_seller"]
    buyer = link_buyer[links]
    estate = _Estate(
        failed, st.cash[failed], net.link_seller[links], buyer, owed_seller[links], is_failed[buyer]
    )
    owed_seller[links] = 0.0
    small = net.kind[failed] != LEADER
    debt = _cover_overdrafts(estate, st)
    _sell_receivables(estate, st)
    unpaid = _repay_bank(estate, st, debt)
    guaranteed = credit_guarantee * unpaid * small
    written_off, bank_loss, total_claims = _pay_trade_creditors(t, estate, st, cfg)
    per_firm = np.zeros((4, net.n_firms))
    per_firm[:, failed] = (unpaid, guaranteed, bank_loss, total_claims)
    _book_losses(month, st, per_firm.sum(axis=1).tolist(), float(written_off.sum()))
    # what is left belongs to the owners
    st.sectors["households"] += float(st.cash[failed].sum())
    st.cash[failed] = 0.0
    _count_defaults(t, month, net, st, cfg, failed)
    st.alive[failed] = False
    st.exited_at[failed] = t
    st.ever_exited[failed] = True
    # buyers stop ordering from the failed sellers
    net.link_base_weight = np.where(failed_seller, 0.0, net.link_base_weight)
    weight = np.where(failed_seller, 0.0, net.link_weight)
    net.link_weight = shares(weight, net.per_slot_sum_for_links(weight))


def _cover_overdrafts(estate: _Estate, st: FinanceState) -> np.ndarray:
    """An overdraft the firm could not cover becomes part of its bank debt. Returns the debts."""
    debt = st.debt[estate.failed]
    overdraft = np.maximum(-estate.cash, 0.0)
    debt += overdraft
    estate.cash += overdraft
    return debt


def _sell_receivables(estate: _Estate, st: FinanceState) -> None:
    """The bank buys the failed firms' receivables at face value; customers now pay the bank
    (claims between two failed firms are settled with the trade creditors)."""
    sold = ~estate.owing
    receivables = estate.owed[sold]
    np.add.at(st.owed_bank, estate.buyer[sold], receivables)
    estate.cash += np.bincount(
        estate.failed.searchsorted(estate.seller[sold]),
        weights=receivables.sum(axis=1),
        minlength=len(estate.failed),
    )


def _repay_bank(estate: _Estate, st: FinanceState, debt: np.ndarray) -> np.ndarray:
    """The bank is paid first; returns what is left unpaid (written off)."""
    paid = np.minimum(estate.cash, debt)
    estate.cash -= paid
    unpaid = debt - paid
    st.debt[estate.failed] = 0.0  # repaid or written off
    return unpaid


def _pay_trade_creditors(
    t: int, estate: _Estate, st: FinanceState, cfg: Finance
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trade creditors (sellers and the bank) are paid pro rata from what is left; the rest is
    written off, and sellers hurt beyond the contagion threshold are marked. Returns the
    write-offs per owing link and per failed firm's bank claims, and each firm's claims."""
    failed, cash, k = estate.failed, estate.cash, len(estate.failed)
    owing = estate.owing
    debtor = failed.searchsorted(estate.buyer[owing])  # each owing link's place in `failed`
    creditor = estate.seller[owing]
    claims_seller = estate.owed[owing].sum(axis=1)
    claims_bank = st.owed_bank[failed].sum(axis=1)
    st.owed_bank[failed] = 0.0
    total_claims = np.bincount(debtor, weights=claims_seller, minlength=k) + claims_bank
    ratio = np.minimum(np.divide(cash, total_claims, out=np.zeros(k), where=total_claims > 0), 1.0)
    r = ratio[debtor]
    paid_seller = r * claims_seller
    n = len(st.cash)
    st.cash[failed] = cash
    st.cash += np.bincount(creditor, weights=paid_seller, minlength=n)
    st.cash[failed] -= np.bincount(debtor, weights=paid_seller, minlength=k) + ratio * claims_bank
    written_off = (1.0 - r) * claims_seller
    bank_loss = (1.0 - ratio) * claims_bank
    loss = np.bincount(creditor, weights=written_off, minlength=n)
    hurt = loss > cfg.contagion_threshold * st.normal_revenue
    st.last_trade_loss[hurt] = t
    return written_off, bank_loss, total_claims


def _book_losses(
    month: dict[str, float], st: FinanceState, totals: list[float], written_off: float
) -> None:
    """The sector accounts, in the order of the steps: the bank's unpaid loans (the state
    pays the guaranteed share) and trade-credit losses."""
    unpaid_total, guaranteed_total, bank_loss_total, claims_total = totals
    st.sectors["bank"] -= unpaid_total
    st.sectors["government"] -= guaranteed_total
    st.sectors["bank"] += guaranteed_total
    st.policy_cost += guaranteed_total
    month["policy_cost"] += guaranteed_total
    st.sectors["bank"] -= bank_loss_total
    month["trade_credit_written_off"] = written_off + bank_loss_total
    month["overdue_payables"] = claims_total


def _count_defaults(
    t: int,
    month: dict[str, float],
    net: ProductionNetwork,
    st: FinanceState,
    cfg: Finance,
    failed: np.ndarray,
) -> None:
    """The month's defaults by kind, by contagion, and the exits of domestic small firms: specialized
    SMEs (sme_exits) apart from domestic suppliers (supplier_exits)."""
    contagion = st.last_trade_loss[failed] >= t - cfg.contagion_window
    month["defaults_by_contagion"] += float(np.count_nonzero(contagion))
    by_kind = np.bincount(net.kind[failed], minlength=3).tolist()
    for of_kind, name in ((LEADER, "leader"), (SME, "sme"), (SUPPLIER, "supplier")):
        month[f"defaults_{name}"] += float(by_kind[of_kind])
    domestic = ~net.foreign[failed]
    month["sme_exits"] += float(np.count_nonzero((net.kind[failed] == SME) & domestic))
    month["supplier_exits"] += float(np.count_nonzero((net.kind[failed] == SUPPLIER) & domestic))
