"""Trade credit: sales between firms become receivables due after their payment term, held on
the supply links as rings of due-month buckets, and paid when they fall due.

`owed_seller[e, m % H]` is what link e's buyer owes its seller in month m, and
`owed_bank[i, m % H]` (per buyer firm, in FinanceState) what firm i owes the bank in month
m: receivables its sellers sold through supply-chain finance, or that the bank took over
when a seller failed. Held per firm, not per link, so links to failed sellers can be
dropped at once.
"""

from __future__ import annotations

import numpy as np

from sim.ecosystem.accounts import FinanceState
from sim.ecosystem.network import LEADER, ProductionNetwork
from sim.ecosystem.payment_terms import PaymentTerms, whole_months
from sim.ecosystem.supply import DAYS_PER_MONTH


def row_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=1) bit for bit (numpy adds up to seven columns in order), without the slow
    row-by-row reduction of a narrow array such as the due-month rings."""
    if not 1 <= a.shape[1] < 8:
        return a.sum(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


def book_past_trade(
    net: ProductionNetwork,
    normal_output: np.ndarray,
    product_price: np.ndarray,
    payment_days: np.ndarray,
    ring: int,
) -> None:
    """Start in the steady state: the trade of the months before month 0 is still being paid.
    (The receivables are the sellers' and the payables the buyers': equal totals.)"""
    buyer_output = normal_output[net.slot_firm[net.link_slot]]
    units = net.link_weight * net.slot_coef[net.link_slot] * buyer_output
    value = product_price[net.slot_product[net.link_slot]] * units
    months = payment_days / DAYS_PER_MONTH
    m0 = np.floor(months).astype(np.int64)
    frac = months - m0
    rows = np.arange(net.n_links)
    owed = net.link_state["owed_seller"]
    for sale_month in range(-ring, 0):
        for due, share in ((sale_month + m0, 1.0 - frac), (sale_month + m0 + 1, frac)):
            ok = due >= 0
            owed[rows[ok], due[ok] % ring] += (value * share)[ok]


def trade_positions(net: ProductionNetwork, owed_bank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trade receivables and payables of each firm (bank-held claims are payables only)."""
    owed_seller = row_sums(net.link_state["owed_seller"])
    n = net.n_firms
    receivables = np.bincount(net.link_seller, weights=owed_seller, minlength=n)
    payables = np.bincount(net.slot_firm[net.link_slot], weights=owed_seller, minlength=n)
    return receivables, payables + row_sums(owed_bank)


def book_sales(
    owed_seller: np.ndarray, terms: PaymentTerms, value: np.ndarray, t: int, ring: int
) -> float:
    """Book month t's sales on each link as owed after its term; returns the average payment
    days weighted by value (NaN without sales)."""
    # links with the same whole months of term share their two due buckets: one column each
    now, later = value * terms.rest, value * terms.frac
    for whole, links in terms.groups:
        if isinstance(links, slice):  # a run of links (usually: those of leaders as buyers)
            owed_seller[links, (t + whole) % ring] += now[links]
            owed_seller[links, (t + whole + 1) % ring] += later[links]
        else:
            owed_seller[:, (t + whole) % ring] += np.where(links, now, 0.0)
            owed_seller[:, (t + whole + 1) % ring] += np.where(links, later, 0.0)
    total_value = value.sum()
    return float(np.multiply(terms.days, value).sum() / total_value) if total_value > 0 else np.nan


def discount_to_bank(
    net: ProductionNetwork,
    st: FinanceState,
    terms: PaymentTerms,
    value: np.ndarray,
    share: float,
    rate: np.ndarray,
    t: int,
    ring: int,
) -> float:
    """Supply-chain finance: borrowing SMEs sell `share` of what leaders owe them on this month's
    sales to the bank, discounted at `rate` (per link) for the term; their buyers now owe
    the bank. Returns the face value sold."""
    buyer, seller = terms.buyer, terms.seller
    owed_seller = net.link_state["owed_seller"]
    # an SME uses it when it is borrowing (it is cheaper than its credit line), not to pay dividends
    borrowing = st.debt > 0
    eligible = (net.kind[buyer] == LEADER) & (net.kind[seller] != LEADER) & borrowing[seller]
    sold = share * value * eligible
    discount = sold * rate / 12.0 * (terms.days / DAYS_PER_MONTH)
    rows = np.arange(net.n_links)
    m0 = whole_months(terms.days)
    for bucket, part in (((t + m0) % ring, terms.rest), ((t + m0 + 1) % ring, terms.frac)):
        owed_seller[rows, bucket] -= sold * part
        np.add.at(st.owed_bank, (buyer, bucket), sold * part)
    st.cash += np.bincount(seller, weights=sold - discount, minlength=net.n_firms)
    st.sectors["bank"] += float(discount.sum())
    return float(sold.sum())


def pay_due(
    owed_seller: np.ndarray, st: FinanceState, terms: PaymentTerms, t: int, ring: int
) -> None:
    """What falls due in month t is paid: buyers pay their sellers and the bank."""
    n, bucket = len(st.cash), t % ring
    to_seller = owed_seller[:, bucket].copy()
    owed_seller[:, bucket] = 0.0
    st.cash -= np.bincount(terms.buyer, weights=to_seller, minlength=n) + st.owed_bank[:, bucket]
    st.owed_bank[:, bucket] = 0.0
    st.cash += np.bincount(terms.seller, weights=to_seller, minlength=n)
