"""The deal choice at a matchmaking round: the leaders reached decide (`ChainLeader.choose_deals`,
a random-utility rule) to license (royalties to the SME), acquire (the price goes to the SME's
owners, the households; the SME becomes a subsidiary that keeps its own books; an overlapping
innovation may be shelved: a killer acquisition), imitate (the SME gets nothing unless a court
awards damages, chance `ip_protection`) or do nothing. Innovations of an SME in a joint project
with a leader are patents shared with it. Adopted technology enters the leader's product after
an integration lag (`LeaderTechnology.schedule`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.ecosystem.agents import DEAL_OPTIONS, ChainLeader, DealOffers
from sim.ecosystem.innovation.arrays import any_true
from sim.ecosystem.innovation.certification import CertificationOffice, raise_base_weights
from sim.ecosystem.innovation.context import EcosystemContext
from sim.ecosystem.innovation.deal_log import DealLog
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.innovation.matching import Matchmaking
from sim.ecosystem.innovation.projects import JointProjects
from sim.ecosystem.innovation.research import Research
from sim.ecosystem.innovation.royalties import RoyaltiesAndDamages
from sim.ecosystem.innovation.streams import InnovationDraws
from sim.ecosystem.innovation.technology import LeaderTechnology
from sim.ecosystem.keyed import bits_of, fold, gumbel, to_uniform
from sim.ecosystem.network import LEADER

_OPTIONS = np.arange(len(DEAL_OPTIONS))  # an offer's options, the last component of its tastes


@dataclass
class Round:
    """The offers of a matchmaking round, one row per pool row reached (rows), and what they cost."""

    t: int
    rows: np.ndarray
    ids: np.ndarray
    leaders: np.ndarray
    smes: np.ndarray
    cats: np.ndarray
    levels: np.ndarray
    overlap: np.ndarray
    quality: np.ndarray
    lag: np.ndarray  # months since the innovation
    royalty: np.ndarray  # monthly royalty of a licence
    price: np.ndarray  # of acquiring the SME
    limit: np.ndarray  # each firm's credit limit this month

    def record(self, log: DealLog, kind: str, k: Any, value: Any, shelved: Any = False) -> None:
        """Log the deals struck on offer row(s) k."""
        log.record(
            self.t,
            kind,
            self.leaders[k],
            self.smes[k],
            value,
            self.overlap[k],
            shelved,
            self.cats[k],
            self.quality[k],
            self.ids[k],
            self.lag[k],
        )


class DealMaking:
    """Carries out the leaders' choices on the parts of the layer they change."""

    def __init__(
        self,
        model: EcosystemContext,
        firms: InnovatingFirms,
        research: Research,
        technology: LeaderTechnology,
        projects: JointProjects,
        matching: Matchmaking,
        royalties: RoyaltiesAndDamages,
        certification: CertificationOffice,
        log: DealLog,
    ) -> None:
        self.model, self.firms, self.research, self.technology = model, firms, research, technology
        self.projects, self.matching, self.royalties = projects, matching, royalties
        self.certification, self.log = certification, log
        self.rules, self.policy = model.scenario.innovation, model.scenario.policy

    def decide(
        self,
        t: int,
        rows: np.ndarray,
        leaders: np.ndarray,
        draws: InnovationDraws,
        month: dict[str, float],
    ) -> None:
        """The leaders reached decide (vectorized rule); acquisitions are then carried out one by one.

        An offer's draws are keyed by (t, its leader, the innovation: its SME and birth month):
        the taste shock of each option and whether an imitation would be found liable."""
        rules, pol, pool = self.rules, self.policy, self.matching.pool
        # both purposes' bits in one pass; the taste's go on to one per option
        liable_bits, taste_bits = bits_of(
            (draws.liable, draws.taste), t, leaders, pool["sme"][rows], pool["born"][rows]
        )
        taste = gumbel(rules.decision_noise, to_uniform(fold(taste_bits[:, None], _OPTIONS)))
        offer, offers = self._offers(t, rows, leaders, taste)
        liable = to_uniform(liable_bits) < pol.ip_protection
        choice = ChainLeader.choose_deals(offers, rules, pol.ip_protection)
        none, lic, acq, imi = (choice == k for k in range(len(DEAL_OPTIONS)))
        done = np.zeros(len(pool), dtype=bool)
        if any_true(acq):
            done |= self._acquisitions(offer, acq, ChainLeader.shelves(offers), month)
        if any_true(acq):
            # the SME was acquired in this round: its patents moved to the acquirer
            moved = (self.firms.owner[offer.smes] >= 0) & ~acq
            lic &= ~moved
            imi &= ~moved
        if any_true(lic):
            self._license(offer, lic.nonzero()[0], month)
        if any_true(imi):
            self._imitate(offer, imi.nonzero()[0], liable, month)
        self.matching.decline(rows[none], leaders[none])
        done[rows[lic | imi | acq]] = True
        pool.keep(~done)

    def _offers(
        self, t: int, rows: np.ndarray, leaders: np.ndarray, taste: np.ndarray
    ) -> tuple[Round, DealOffers]:
        """What each offer is worth to its leader, with its Gumbel taste shock per option."""
        rules, pol, fin, pool = self.rules, self.policy, self.model.finance, self.matching.pool
        st, tech = fin.state, self.technology
        ids, smes, cats = pool["id"][rows], pool["sme"][rows], pool["category"][rows]
        levels, overlap, born = pool["level"][rows], pool["overlap"][rows], pool["born"][rows]
        relevant = tech.leader_revenue[leaders] * tech.weight_of(leaders, cats)
        royalty = rules.royalty_rate * rules.licence_scope * relevant
        # an acquirer looks at the SME's equity in its last annual accounts
        book = np.maximum(self.certification.net_worth_start[smes], 0.0)
        price = (1.0 + rules.acquisition_premium) * (book + royalty * rules.licence_months)
        limit = fin.credit_limit(t)  # acquisitions below change no leader's credit line
        room = (st.cash + np.maximum(limit - st.debt, 0.0))[leaders]
        review = pol.antitrust_review
        can_acquire = (self.projects.until[smes] <= t) & (room >= price)
        if review > 0:  # the merger review blocks close overlaps and forbids shelving some
            can_acquire &= ~(overlap >= 1.0 - review / 2.0)
            conditioned = overlap >= 1.0 - review
        else:
            conditioned = np.zeros(len(rows), dtype=bool)
        offers = DealOffers(
            leader=leaders,
            sme=smes,
            gain=tech.kappa * relevant * tech.improvement(leaders, cats, levels),
            royalty=royalty,
            cannibalization=overlap * rules.cannibalization * relevant,
            book_value=book,
            pipeline=rules.pipeline_weight
            * self.research.innovation_rate[smes]
            * rules.value_horizon,
            can_acquire=can_acquire,
            conditioned=conditioned,
            taste=taste,
        )
        offer = Round(
            t=t,
            rows=rows,
            ids=ids,
            leaders=leaders,
            smes=smes,
            cats=cats,
            levels=levels,
            overlap=overlap,
            quality=pool["quality"][rows],
            lag=(t - born).astype(float),
            royalty=royalty,
            price=price,
            limit=limit,
        )
        return offer, offers

    def _acquisitions(
        self, offer: Round, acq: np.ndarray, shelves: np.ndarray, month: dict[str, float]
    ) -> np.ndarray:
        """Rare: ownership and cash change as they happen, so an SME is bought once and a leader
        whose room the earlier ones used up buys no more (acq loses those rows). Returns the pool
        rows that leave the pool."""
        st = self.model.finance.state
        limit, price = offer.limit, offer.price
        done = np.zeros(len(self.matching.pool), dtype=bool)
        for k in acq.nonzero()[0]:
            s, lead = int(offer.smes[k]), int(offer.leaders[k])
            if (
                self.firms.owner[s] >= 0
                or st.cash[lead] + max(limit[lead] - st.debt[lead], 0.0) < price[k]
            ):
                acq[k] = False
                continue
            done |= self.acquire(
                offer.t,
                lead,
                s,
                int(offer.ids[k]),
                int(offer.cats[k]),
                float(offer.levels[k]),
                float(price[k]),
                bool(shelves[k]),
            )
            offer.record(self.log, "acquisition", k, price[k], shelves[k])
            month["acquisitions"] += 1
            month["killer_acquisitions"] += float(shelves[k])
        return done

    def _license(self, offer: Round, k: np.ndarray, month: dict[str, float]) -> None:
        rules, t = self.rules, offer.t
        leaders, cats = offer.leaders[k], offer.cats[k]
        coef = rules.royalty_rate * rules.licence_scope * self.technology.weight_of(leaders, cats)
        self.royalties.license(offer.ids[k], leaders, offer.smes[k], coef, t)
        self.technology.schedule(
            offer.ids[k], leaders, cats, offer.levels[k], 1.0, t + rules.integration_months
        )
        offer.record(self.log, "license", k, offer.royalty[k] * rules.licence_months)
        month["licenses"] += float(len(k))

    def _imitate(
        self, offer: Round, k: np.ndarray, liable: np.ndarray, month: dict[str, float]
    ) -> None:
        rules, t = self.rules, offer.t
        self.technology.schedule(
            offer.ids[k],
            offer.leaders[k],
            offer.cats[k],
            offer.levels[k],
            1.0 - rules.imitation_quality_loss,
            t + rules.imitation_months,
        )
        sued = k[liable[k]]
        if len(sued):
            amount = rules.infringement_damages * offer.royalty[sued] * rules.licence_months
            self.royalties.sue(offer.leaders[sued], offer.smes[sued], amount, t)
        offer.record(self.log, "imitation", k, 0.0)
        month["imitations"] += float(len(k))

    def acquire(
        self,
        t: int,
        lead: int,
        sme: int,
        inv: int,
        cat: int,
        level: float,
        price: float,
        shelved: bool,
    ) -> np.ndarray:
        """The leader pays the SME's owners (households); the SME becomes its subsidiary.

        Its cash, debt and trade credit stay on its own books; its pending patents go to
        the new owner, who shelves them with the innovation (the project is stopped) or puts
        them into use. Returns the pool rows that leave the pool.
        """
        fin, rules, pool, firms = self.model.finance, self.rules, self.matching.pool, self.firms
        fin.pay_to_sector(np.array([lead]), np.array([price]), "households")
        firms.income[sme] += price
        firms.owner[sme] = lead
        self.certification.set_tiers(np.array([sme]), np.zeros(1, dtype=np.int8))
        mine = pool["sme"] == sme
        if shelved:
            firms.killed[sme] = True
            self.research.rd_intensity[sme] = 0.0
        elif any_true(mine):
            self.technology.schedule(
                pool["id"][mine],
                lead,
                pool["category"][mine],
                pool["level"][mine],
                1.0,
                t + rules.integration_months,
            )
        # the owner sources more from its subsidiary (vertical integration)
        net = self.model.network
        links = net.links_of_buyer_kind[LEADER]
        own = links[(net.link_seller[links] == sme) & (net.slot_firm[net.link_slot[links]] == lead)]
        raise_base_weights(net, own, np.full(len(own), 2.0))
        return mine

    def share_patents(self, t, ids, smes, cats, quality, levels, overlap, month) -> None:
        """Joint-project innovations: the leader uses them without royalties and pays the SME a fee."""
        rules, tech = self.rules, self.technology
        leaders = self.projects.leader[smes]
        relevant = tech.leader_revenue[leaders] * tech.weight_of(leaders, cats)
        fee = (
            rules.patent_share_fee
            * rules.royalty_rate
            * rules.licence_scope
            * relevant
            * rules.licence_months
        )
        self.model.finance.pay_between_firms(leaders, smes, fee)
        self.firms.income[smes] += fee  # an SME innovates at most once a month: no repeated index
        tech.schedule(ids, leaders, cats, levels, 1.0, t + rules.integration_months // 2)
        self.log.record(
            t, "patent_share", leaders, smes, fee, overlap, False, cats, quality, ids, 0.0
        )
        month["patent_shares"] += float(len(ids))
