"""The books: every firm's cash, debt and claims, and the net positions of the four sectors
(households, the bank, the government, the outside economy).

Stock-flow consistency is structural: every movement debits one holder and credits another,
so all net financial positions sum to zero; `balance_sheet_gap` measures how far they miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    "supplier_exits",
    "entries",
    "interest_paid",
    "wages",
    "scf_discounted",
    "trade_credit_written_off",
    "policy_cost",
)


@dataclass
class FinanceState:
    cash: np.ndarray  # (N,)
    debt: np.ndarray  # (N,) credit line drawn
    normal_revenue: np.ndarray  # (N,) monthly revenue at normal output
    alive: np.ndarray  # (N,) bool
    overhead_noise: np.ndarray  # (N,) AR(1) state of the idiosyncratic cost shock
    arrears_months: np.ndarray  # (N,) consecutive months in arrears (0: not in arrears)
    last_trade_loss: np.ndarray  # (N,) month of the last write-off from a failed customer
    exited_at: np.ndarray  # (N,) month of the last exit at this place, -1 if none
    ever_exited: np.ndarray  # (N,) bool: the firm first at this place has exited
    owed_bank: np.ndarray  # (N, H) what each firm owes the bank, by due month
    sectors: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SECTORS, 0.0))
    policy_cost: float = 0.0

    @classmethod
    def opening(cls, n_firms: int, ring: int, normal_revenue: np.ndarray) -> FinanceState:
        """Every firm alive, with no debt, claims or history yet."""
        return cls(
            cash=np.zeros(n_firms),
            debt=np.zeros(n_firms),
            normal_revenue=normal_revenue,
            alive=np.ones(n_firms, dtype=bool),
            overhead_noise=np.zeros(n_firms),
            arrears_months=np.zeros(n_firms, dtype=np.int64),
            last_trade_loss=np.full(n_firms, -(10**9), dtype=np.int64),
            exited_at=np.full(n_firms, -1, dtype=np.int64),
            ever_exited=np.zeros(n_firms, dtype=bool),
            owed_bank=np.zeros((n_firms, ring)),
        )


def net_worth(st: FinanceState, receivables: np.ndarray, payables: np.ndarray) -> dict[str, float]:
    """Net financial position of every holder group; they must sum to zero."""
    firms = float((st.cash + receivables - payables - st.debt).sum())
    return {"firms": firms, **st.sectors}


def balance_sheet_gap(worth: dict[str, float], st: FinanceState, owed_seller: np.ndarray) -> float:
    """Sum of all net financial positions relative to the gross stocks: 0 when stock-flow consistent."""
    scale = (
        float(np.abs(st.cash).sum() + st.debt.sum())
        + float(owed_seller.sum() + st.owed_bank.sum())
        + sum(abs(v) for v in worth.values())
    )
    return abs(sum(worth.values())) / max(scale, 1.0)


def month_stocks(month: dict[str, float], st: FinanceState, owed_seller: np.ndarray) -> None:
    """The month's end-of-month stocks: cash, credit drawn, receivables and payables."""
    month["cash"] = float(st.cash.sum())
    month["credit_drawn"] = float(st.debt.sum())
    owed = owed_seller.sum()
    month["receivables"] = float(owed)
    month["payables"] = float(owed + st.owed_bank.sum())
