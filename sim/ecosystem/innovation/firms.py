"""The firms as the innovation layer sees them: which firms do R&D, their technology, their
certification tier and who owns them. Every mechanism of the layer reads these arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ecosystem.innovation.streams import START_MONTH
from sim.ecosystem.keyed import Stream
from sim.ecosystem.network import LEADER, SME, ProductionNetwork, span


@dataclass
class InnovatingFirms:
    """Per-firm arrays shared by the mechanisms (leaders come first, then SMEs: the slices `S`
    and `R` index them without copying on the hot monthly paths)."""

    n_leaders: int
    n_categories: int
    is_sme: np.ndarray
    is_leader: np.ndarray
    smes: np.ndarray
    does_rd: np.ndarray  # SMEs and leaders; suppliers do no R&D
    rd_firms: np.ndarray
    S: slice | np.ndarray  # the SMEs
    R: slice | np.ndarray  # the R&D firms
    S_in_R: slice | np.ndarray  # the SMEs among the R&D firms
    tech: np.ndarray  # niche technology (SMEs) or product technology (leaders), about 1
    tech0: np.ndarray  # at the start (or on entry)
    frontier: np.ndarray  # best SME technology of each component category
    tier: np.ndarray  # certification tier (certification.ORDINARY ...)
    owner: np.ndarray  # the acquiring leader, -1 while independent
    killed: np.ndarray  # subsidiaries whose research the owner stopped
    income: np.ndarray  # this month's innovation income of each firm (for R&D adaptation)

    @staticmethod
    def start(net: ProductionNetwork, n_leaders: int, draws: Stream) -> InnovatingFirms:
        """Thin, heterogeneous technology stocks for SMEs (one normal each, keyed by
        (START_MONTH, the SME) in `draws`); 1 for leaders' lines."""
        n = net.n_firms
        is_sme, is_leader = net.kind == SME, net.kind == LEADER
        smes = np.flatnonzero(is_sme)
        does_rd = is_sme | is_leader
        rd_firms = np.flatnonzero(does_rd)
        tech = np.ones(n)
        tech[smes] = np.exp(0.05 * draws.normal(START_MONTH, smes))
        frontier = np.zeros(net.n_components)
        np.maximum.at(frontier, net.product[smes], tech[smes])
        return InnovatingFirms(
            n_leaders=n_leaders,
            n_categories=net.n_components,
            is_sme=is_sme,
            is_leader=is_leader,
            smes=smes,
            does_rd=does_rd,
            rd_firms=rd_firms,
            S=span(smes),
            R=span(rd_firms),
            S_in_R=span(np.searchsorted(rd_firms, smes)),
            tech=tech,
            tech0=tech.copy(),
            frontier=frontier,
            tier=np.zeros(n, dtype=np.int8),
            owner=np.full(n, -1, dtype=np.int64),
            killed=np.zeros(n, dtype=bool),
            income=np.zeros(n),
        )

    def enter(self, new: np.ndarray, incumbents: np.ndarray, product: np.ndarray) -> None:
        """Entrant SMEs start a tenth below the mean technology of their category's incumbents."""
        cat = product[incumbents]
        total = np.bincount(cat, weights=self.tech[incumbents], minlength=self.n_categories)
        count = np.bincount(cat, minlength=self.n_categories)
        mine = product[new]
        self.tech[new] = np.where(
            count[mine] > 0, 0.9 * total[mine] / np.maximum(count[mine], 1), 1.0
        )
        self.tech0[new] = self.tech[new]

    def forget(self, gone: np.ndarray, leaders: np.ndarray) -> np.ndarray:
        """Exited firms own nothing and are owned by no one; the subsidiaries of failed `leaders`
        are independent again. Returns those whose research had been stopped (they resume it)."""
        self.owner[gone] = -1
        self.killed[gone] = False
        if not len(leaders):
            return leaders
        orphans = np.flatnonzero(np.isin(self.owner, leaders))
        self.owner[orphans] = -1
        revived = orphans[self.killed[orphans]]
        self.killed[orphans] = False
        return revived
