"""Payment terms: how long each supply link's buyer takes to pay. Leaders stretch their terms
to smaller sellers (up to the legal cap); everyone else pays on the scenario's term.

A sale in month t is due in month t + the term's whole months, and in part a month later;
the per-link figures are derived from the link arrays and kept while the links stay the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.ecosystem.network import LEADER, ProductionNetwork
from sim.ecosystem.supply import DAYS_PER_MONTH
from sim.scenario import Finance, Policy


@dataclass
class PaymentTerms:
    """Per-link payment terms of the current links (derived; see PaymentTermBook.current)."""

    seller: np.ndarray  # the link arrays they were derived from
    slot: np.ndarray
    buyer: np.ndarray  # (E,) buying firm
    days: np.ndarray  # (E,) contract term
    frac: np.ndarray  # (E,) share of a sale due a month after the whole months of its term
    rest: np.ndarray  # (E,) 1 - frac: the share due after the whole months
    runs: list[tuple[int, int, float]] | None  # (first link, end, days) of each run of one term
    groups: list[tuple[int, slice | np.ndarray]]  # (whole months, which links: a run or a mask)


def term_figures(days: float) -> np.ndarray:
    """A term's days, the share of a sale due a month after its whole months, and the rest
    (a column, to fill per-link rows)."""
    months = days / DAYS_PER_MONTH
    frac = months - math.floor(months)
    return np.array([[days], [frac], [1.0 - frac]])


def whole_months(days: float | np.ndarray) -> int | np.ndarray:
    """Whole months of a term: a sale is due in month t + this, and in part a month later."""
    if isinstance(days, np.ndarray):
        return np.floor(days / DAYS_PER_MONTH).astype(np.int64)
    return math.floor(days / DAYS_PER_MONTH)


class PaymentTermBook:
    """The terms of the network's current links, rebuilt when the link arrays change."""

    def __init__(self, net: ProductionNetwork, cfg: Finance, policy: Policy) -> None:
        self.net, self.cfg, self.policy = net, cfg, policy
        self._is_leader = net.kind == LEADER  # kinds never change
        self._cache: PaymentTerms | None = None

    def leader_days(self) -> float:
        """The term a leader imposes on smaller sellers, up to the legal cap."""
        fin = self.cfg
        leader_days = fin.payment_days * (1.0 + fin.leader_bargaining_power)
        if self.policy.payment_term_cap_days is not None:
            leader_days = min(leader_days, self.policy.payment_term_cap_days)
        return float(leader_days)

    def stretched(self, buyer: np.ndarray, seller: np.ndarray) -> np.ndarray:
        """Links on which a leader buys from a smaller firm."""
        return self._is_leader[buyer] & ~self._is_leader[seller]

    def payment_days(self) -> np.ndarray:
        """Contract term of each link."""
        net = self.net
        stretched = self.stretched(net.slot_firm[net.link_slot], net.link_seller)
        return np.where(stretched, self.leader_days(), float(self.cfg.payment_days))

    def current(self) -> PaymentTerms:
        """Each link's buyer and payment term, kept until the links change (new arrays then).

        There are two terms (leaders stretch theirs to smaller sellers), each on runs of links:
        the per-link figures are filled run by run, and kept while the runs stay the same.
        """
        net, terms = self.net, self._cache
        if terms is not None and terms.seller is net.link_seller and terms.slot is net.link_slot:
            return terms
        buyer = net.slot_firm[net.link_slot]
        leader, plain = self.leader_days(), float(self.cfg.payment_days)
        runs, stretched = self._term_runs(buyer, leader, plain)
        if runs is None:  # terms alternate too often: pick per link
            days, frac, rest = np.where(stretched, term_figures(leader), term_figures(plain))
            groups = [(whole_months(leader), stretched), (whole_months(plain), ~stretched)]
        else:
            if terms is not None and runs == terms.runs:  # the same terms link by link
                days, frac, rest = terms.days, terms.frac, terms.rest
            else:
                days, frac, rest = per_link = np.empty((3, len(buyer)))
                for first, end, term in runs:
                    per_link[:, first:end] = term_figures(term)
            groups = [(whole_months(term), slice(first, end)) for first, end, term in runs]
        self._cache = PaymentTerms(
            seller=net.link_seller,
            slot=net.link_slot,
            buyer=buyer,
            days=days,
            frac=frac,
            rest=rest,
            runs=runs,
            groups=groups,
        )
        return self._cache

    def _term_runs(
        self, buyer: np.ndarray, leader: float, plain: float
    ) -> tuple[list[tuple[int, int, float]] | None, np.ndarray | None]:
        """Runs of links on one term, as (first, end, days), None past eight runs; and, unless
        the runs were found without it, which links are on the leaders' term."""
        net = self.net
        n_links = len(buyer)
        # the leaders buy on one run of links (network.link_runs), usually from smaller firms only
        bought = net.link_runs[LEADER]
        first, end = bought.start, bought.stop
        if not self._is_leader[net.link_seller[bought]].any():
            runs = [(0, first, plain), (first, end, leader), (end, n_links, plain)]
            return [run for run in runs if run[0] < run[1]], None
        stretched = self.stretched(buyer, net.link_seller)
        if n_links == 0:
            return [], stretched
        starts = [0, *((stretched[1:] != stretched[:-1]).nonzero()[0] + 1).tolist()]
        if len(starts) > 8:
            return None, stretched
        ends = [*starts[1:], n_links]
        terms = [leader if on_leader_term else plain for on_leader_term in stretched[starts]]
        return list(zip(starts, ends, terms, strict=True)), stretched
