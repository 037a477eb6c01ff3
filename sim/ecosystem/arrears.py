"""Graded insolvency: a firm short of cash draws its credit line, then falls into arrears,
and exits only after `finance.arrears_months_to_exit` consecutive months in arrears.

A month's shortfall the line cannot cover is still drawn, beyond the limit (the overdue part
of the loan). A firm in arrears (`FinanceState.arrears_months` > 0)
- pays the trade payables falling due a month late (they roll to next month's bucket; its
  suppliers wait, and lose them if it exits);
- pays penalty interest on its debt (the loan rate raised by `arrears_penalty_markup`, paid to
  the bank like any interest);
- loses its certificate (the innovation layer's CertificationOffice.revoke_in_arrears) and
  cannot be certified while in arrears;
- has all its cash swept to the overdue part of its loan.
It leaves arrears in the first month its debt is back within its line with no shortfall;
it exits in the month its count of consecutive months in arrears reaches the rule's
(that month it draws nothing, and is wound up by insolvency). With 1 month the rule is the
former one: a firm exits in the first month it cannot pay.
"""

from __future__ import annotations

import numpy as np

from sim.ecosystem.accounts import FinanceState
from sim.ecosystem.payment_terms import PaymentTerms

TOLERANCE = 1e-9  # a debt this far above the limit is within it


def pay_late(
    owed_seller: np.ndarray, st: FinanceState, terms: PaymentTerms, t: int, ring: int
) -> None:
    """Firms in arrears pay the trade payables due this month next month instead."""
    late = st.arrears_months > 0
    if not late.any():
        return
    links = late[terms.buyer].nonzero()[0]
    bucket, following = t % ring, (t + 1) % ring
    owed_seller[links, following] += owed_seller[links, bucket]
    owed_seller[links, bucket] = 0.0


def interest(st: FinanceState, annual_rate: np.ndarray, markup: float) -> np.ndarray:
    """The month's interest on each firm's debt; firms in arrears pay the penalty markup."""
    rate = annual_rate
    if markup > 0 and st.arrears_months.any():
        rate = annual_rate * (1.0 + markup * (st.arrears_months > 0))
    return st.debt * rate / 12.0


def months_in_arrears(
    st: FinanceState, limit: np.ndarray, need: np.ndarray, months_to_exit: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep the cash of firms in arrears to their overdue debt, then count this month.

    Returns (insolvent, months): the firms whose arrears reach the rule (they exit) and every
    firm's consecutive months in arrears including this one (0: not in arrears)."""
    alive, before = st.alive, st.arrears_months
    short = alive & (need > 0) & (st.debt + need > limit + TOLERANCE)
    if before.any():
        was = alive & (before > 0)
        sweep = np.where(
            was, np.minimum(np.maximum(st.cash, 0.0), np.maximum(st.debt - limit, 0.0)), 0.0
        )
        st.cash -= sweep
        st.debt -= sweep
        in_arrears = short | (was & (st.debt > limit + TOLERANCE))
    else:
        in_arrears = short
    months = np.where(in_arrears, before + 1, 0)
    insolvent = in_arrears & (months >= months_to_exit)
    return insolvent, months
