"""The innovation layer's coordinator (DESIGN section 3, step 8): builds the mechanisms and runs
them each month, after payments and credit, in a fixed order. Its random draws are keyed by
purpose, month and entity (streams), so they do not depend on that order.

Each month: entries and exits, obsolescence shocks, in January the yearly round (demand lists,
joint projects, guided fund); R&D spending and its draws; at a matchmaking round the deals;
new SME innovations join the pool; quarterly royalties and damages; technology arriving in
leaders' products; quarterly R&D adaptation; technology's effects on trade; certification.

Technology in use changes trade: an SME's raises its effective capacity and lowers its labour
cost per unit; a leader's lowers its labour cost and raises its share of final demand
(`model.productivity_factor`, `finance.wage_factor`, `model.leader_demand_factor`). An SME's
digital level raises its efficiency the same way and its inventory turnover (a smaller input
inventory target, `model.inventory_factor`).
Values are million yuan at base prices; technology levels are relative (about 1 at the start).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.ecosystem.agents import TIER_NAMES
from sim.ecosystem.innovation.arrays import any_true
from sim.ecosystem.innovation.certification import CertificationOffice
from sim.ecosystem.innovation.context import EcosystemContext
from sim.ecosystem.innovation.deal_log import DealLog
from sim.ecosystem.innovation.deals import DealMaking
from sim.ecosystem.innovation.digital import DigitalLevels
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.innovation.fund import GuidedFund
from sim.ecosystem.innovation.matching import Matchmaking
from sim.ecosystem.innovation.obsolescence import make_obsolete, resolve_obsolescence
from sim.ecosystem.innovation.outcomes import innovation_outcomes
from sim.ecosystem.innovation.projects import JointProjects
from sim.ecosystem.innovation.research import Research
from sim.ecosystem.innovation.royalties import RoyaltiesAndDamages
from sim.ecosystem.innovation.series import INNOVATION_SERIES, record_month, tech_index
from sim.ecosystem.innovation.streams import START_MONTH, InnovationDraws
from sim.ecosystem.innovation.tables import Registry
from sim.ecosystem.innovation.technology import LeaderTechnology
from sim.ecosystem.supply import MarketFlows


def _shared(part: str, name: str) -> property:
    """An array of one of the layer's mechanisms, readable on the layer (agents, tests, the panel)."""
    return property(lambda self: getattr(getattr(self, part), name), doc=f"`{part}.{name}`")


class InnovationLayer:
    """Technology, R&D, innovations and deals of every firm, vectorized over numpy arrays."""

    tech = _shared("firms", "tech")
    frontier = _shared("firms", "frontier")
    smes = _shared("firms", "smes")
    tier = _shared("firms", "tier")
    owner = _shared("firms", "owner")
    killed = _shared("firms", "killed")
    rd_intensity = _shared("research", "rd_intensity")
    digital = _shared("digital_levels", "level")
    digital0 = _shared("digital_levels", "level0")
    weight = _shared("technology", "weight")
    leader_revenue = _shared("technology", "leader_revenue")
    listed = _shared("matching", "listed")
    licences = _shared("royalties", "licences")

    def __init__(self, model: EcosystemContext) -> None:
        self.model = model
        scn = model.scenario
        self.rules = rules = scn.innovation
        policy, net, fin = scn.policy, model.network, model.finance
        normal = fin.state.normal_revenue
        self.draws = draws = InnovationDraws(model.draws)
        # the start's draws, keyed by (START_MONTH, the SME): technology, digital level, R&D
        self.firms = firms = InnovatingFirms.start(net, scn.ecosystem.n_leaders, draws.start_tech)
        self.digital_levels = DigitalLevels(
            rules, firms.smes, firms.S, normal, draws.start_digital.uniform(START_MONTH, firms.smes)
        )
        self.research = Research(model, firms, draws.start_rd.normal(START_MONTH, firms.smes))
        self.technology = LeaderTechnology(scn, net, model.product_price, model.price, normal)
        self.projects = JointProjects(rules, policy, net.n_firms)
        self.fund = GuidedFund(rules, policy, net.n_firms)
        self.matching = Matchmaking(rules, policy, firms.n_leaders, firms.n_categories)
        self.royalties = RoyaltiesAndDamages(rules, firms.n_leaders)
        self.registry = Registry()
        self.deal_log = DealLog()
        self.certification = CertificationOffice(model, rules, firms)
        self.deal_making = DealMaking(
            model,
            firms,
            self.research,
            self.technology,
            self.projects,
            self.matching,
            self.royalties,
            self.certification,
            self.deal_log,
        )
        self.alive_before = fin.state.alive.copy()
        self._living_smes = int(np.count_nonzero(fin.state.alive[firms.S]))
        self.innovations = dict.fromkeys(("innovations_sme", "innovations_leader"), 0.0)
        self.tech_index_start = tech_index(firms.tech, normal, firms.R)
        self.obsolescence = resolve_obsolescence(
            model.shock_specs, firms.n_categories, draws.obsolete_categories
        )
        self.series: dict[str, float] = dict.fromkeys(INNOVATION_SERIES, 0.0)
        self.recorded_from = 0  # the first recorded month on the model's clock (start_recording)

    # ------------------------------------------------------------ the month
    def step(self, t: int, flows: MarketFlows) -> None:
        model, fin, firms = self.model, self.model.finance, self.firms
        alive = fin.state.alive
        changed = alive != self.alive_before
        entry_or_exit = any_true(changed)
        if entry_or_exit:
            self._entries_and_exits(t, alive, changed)
        self.certification.revoke_in_arrears()
        for shock, cats in self.obsolescence:
            if shock.start == t:
                product = model.network.product
                make_obsolete(shock, cats, firms, product, self.technology, self.matching.pool)
        revenue = model.price * flows.output
        leader_revenue = self.technology.leader_revenue
        leader_revenue += (revenue[: firms.n_leaders] - leader_revenue) / 12.0
        if t % 12 == 0:
            self._new_year(t, alive)
        firms.income[:] = 0.0
        draws = self.draws
        month = dict.fromkeys(INNOVATION_SERIES, 0.0)
        earmark, projects = self.fund.spend(alive), self.projects.running(t, alive)
        rd_own, net_cost, effective = self.research.spend(
            t, revenue, alive, month, earmark, projects, self.digital_levels
        )
        new = self._innovate(t, effective, month)
        every = self.rules.match_every_months
        if t % every == every - 1:
            matched = self.matching.match(
                t, alive, self.digital_levels.level, model.network, draws.match
            )
            if matched is not None:
                self.deal_making.decide(t, *matched, draws, month)
        self.matching.add(t, new)
        self.royalties.quarter_sales += revenue[: firms.n_leaders]
        if t % 3 == 2:  # royalties are settled quarterly
            self._pay_royalties_and_damages(t, self.royalties.quarter_sales, alive, month)
            self.royalties.quarter_sales[:] = 0.0
        arrived = self.technology.arrive(t, alive, firms.tech, self.registry)
        if arrived is not None:
            month["commercialized"] = arrived
        self.research.quarter_income += firms.income
        self.research.quarter_cost += net_cost
        if t % 3 == 2:
            self.research.adapt(alive)
        self._set_trade_factors()
        self.certification.record_month(revenue, rd_own, fin.dividends)
        if t % 12 == 11:
            self.certification.review(t)
        if entry_or_exit:
            self.alive_before = alive.copy()
        self._month_series(revenue, rd_own, alive, month)

    def _innovate(
        self, t: int, effective: np.ndarray, month: dict[str, float]
    ) -> dict[str, np.ndarray]:
        """R&D draws of the R&D firms (`effective`: their effective R&D); a leader's own innovation
        enters its product line after an integration lag when good enough (the rest stay defensive
        patents), an SME's raises its niche technology. Returns those that go to the pool."""
        rules = self.rules
        drawn = self.research.draw(t, effective, self.draws)
        if drawn is None:
            return {}
        firms, q = drawn.firms, drawn.quality
        ids = self.registry.add(t, firms)
        self.certification.count_innovations(firms, t)
        # leaders are the firms numbered below n_leaders: their innovations come first
        n_lead = int(firms.searchsorted(self.firms.n_leaders))
        month["innovations_leader"] = float(n_lead)
        month["innovations_sme"] = float(len(firms) - n_lead)
        month["innovations"] = float(len(firms))
        self.innovations["innovations_leader"] += month["innovations_leader"]
        self.innovations["innovations_sme"] += month["innovations_sme"]
        if n_lead:
            adopt = (q[:n_lead] >= rules.leader_adoption_hurdle).nonzero()[0]
            if len(adopt):
                self.technology.schedule(
                    ids[adopt],
                    firms[adopt],
                    -1,
                    1.0 + rules.leader_tech_step * q[adopt],
                    1.0,
                    t + rules.integration_months,
                )
        s = slice(n_lead, None)
        smes, q, ids = firms[s], q[s], ids[s]
        if not len(smes):
            return {}
        cat = self.model.network.product[smes]
        level = self.research.raise_niche(smes, q, drawn.catch[s], cat)
        return self._route(t, ids, smes, cat, q, level, drawn.overlap[s], month)

    def _route(self, t, ids, smes, cat, q, level, overlap, month) -> dict[str, np.ndarray]:
        """Where SME innovations go: to the owner of a subsidiary (unless it stopped the research),
        to the leader of the SME's joint project (shared patents), or to the pool."""
        owner, projects = self.firms.owner[smes], self.projects
        independent = owner < 0
        if np.count_nonzero(independent) < len(smes):  # some are subsidiaries
            internal = ~independent & ~self.firms.killed[smes]
            if any_true(internal):
                self.technology.schedule(
                    ids[internal],
                    owner[internal],
                    cat[internal],
                    level[internal],
                    1.0,
                    t + self.rules.integration_months,
                )
        new = independent
        if t < projects.end:
            project = independent & (projects.until[smes] > t) & (projects.category[smes] == cat)
            if any_true(project):
                p = project
                self.deal_making.share_patents(
                    t, ids[p], smes[p], cat[p], q[p], level[p], overlap[p], month
                )
                new = independent & ~project
        return {
            "id": ids[new],
            "sme": smes[new],
            "category": cat[new],
            "quality": q[new],
            "level": level[new],
            "overlap": overlap[new],
        }

    def _pay_royalties_and_damages(
        self, t: int, sales: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> None:
        """Quarterly settlement of licences and court awards (`RoyaltiesAndDamages.settle`)."""
        self.royalties.settle(t, sales, alive, month, self.model.finance, self.firms.income)

    def _acquire(self, t, lead, sme, inv, cat, level, price, shelved) -> np.ndarray:
        """An acquisition carried out at once (`DealMaking.acquire`); returns the pool rows it empties."""
        return self.deal_making.acquire(t, lead, sme, inv, cat, level, price, shelved)

    def _set_trade_factors(self) -> None:
        """Technology and digitalization in use: capacity, labour cost per unit, demand share, and
        SMEs' input inventory targets (seed 002: efficiency +30 %, inventory turnover +50 % at full
        digitalization; both relative to the start, whose levels the calibration already holds)."""
        rules, model, firms = self.rules, self.model, self.firms
        R, S = firms.R, firms.S_in_R  # suppliers' technology never moves: their factors stay 1
        relative = firms.tech[R] / firms.tech0[R]
        efficiency = relative**rules.tech_cost_elasticity
        efficiency[S] *= self.digital_levels.efficiency(model.inventory_factor)
        model.productivity_factor[firms.S] = efficiency[S]
        model.finance.wage_factor[R] = 1.0 / efficiency
        model.leader_demand_factor[:] = (
            relative[: firms.n_leaders] ** rules.leader_demand_elasticity
        )

    def _new_year(self, t: int, alive: np.ndarray) -> None:
        """January: demand lists are published, joint projects start, the guided fund invests."""
        tech, net = self.technology, self.model.network
        self.matching.publish_demand_lists(alive, tech.weight, tech.leader_revenue)
        self.projects.start(
            t,
            alive,
            self.draws,
            self.firms,
            self.digital_levels.level,
            tech.leader_revenue,
            self.matching.reward,
            net,
            self.deal_log,
        )
        fin = self.model.finance
        self.fund.invest(t, alive, self.firms, self.certification, fin, net.product, self.deal_log)

    # ------------------------------------------------------------ entry and exit
    def _entries_and_exits(self, t: int, alive: np.ndarray, changed: np.ndarray) -> None:
        """Exited firms leave their deals, projects and subsidiaries; entrants start fresh."""
        firms = self.firms
        changing = changed.nonzero()[0]
        now_alive = alive[changing]
        gone = changing[~now_alive]
        # suppliers hold no innovations, deals, projects or subsidiaries: only R&D firms leave those
        gone = gone[firms.does_rd[gone]]
        if len(gone):
            self._leave(gone, len(alive))
        entered = changing[now_alive]
        new = entered[firms.is_sme[entered]]
        if len(new):
            self._enter(t, new, alive, changed)
        # firms that entered or exited start their certification record afresh
        self.certification.restart(changing)
        self.projects.firms_changed(changed, firms.n_leaders)
        if any_true(changed[firms.S]):
            self._living_smes = int(np.count_nonzero(alive[firms.S]))
            self.digital_levels.forget_mean()

    def _leave(self, gone: np.ndarray, n: int) -> None:
        """Exited R&D firms leave the pool, their licences, claims, projects and subsidiaries; a
        failed leader takes up no more technology and its subsidiaries are free again."""
        is_gone = np.zeros(n, dtype=bool)
        is_gone[gone] = True
        pool = self.matching.pool
        pool.drop(is_gone[pool["sme"]])
        self.royalties.leave(is_gone)
        leaders = gone[gone < self.firms.n_leaders]
        self.projects.leave(gone, leaders)
        if len(leaders):
            self.technology.cancel_for(is_gone)
        revived = self.firms.forget(gone, leaders)
        research = self.research
        research.rd_intensity[revived] = research.rd_base[revived]

    def _enter(self, t: int, new: np.ndarray, alive: np.ndarray, changed: np.ndarray) -> None:
        """Entrant SMEs: technology from their category's incumbents, then one draw each for the
        digital level and the base R&D intensity, keyed by (month, the entrant's slot)."""
        firms, draws = self.firms, self.draws
        incumbents = firms.smes[alive[firms.S] & ~changed[firms.S]]
        firms.enter(new, incumbents, self.model.network.product)
        normal = self.model.finance.state.normal_revenue[new]
        self.digital_levels.enter(new, draws.entrant_digital.uniform(t, new), normal)
        self.research.enter(new, draws.entrant_rd.normal(t, new), normal)
        self.fund.enter(new)

    # ------------------------------------------------------------ data
    def _month_series(
        self, revenue: np.ndarray, rd_own: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> None:
        tiers = self.certification.tier_counts
        record_month(
            month, revenue, rd_own, alive, self.firms, self._living_smes, self.digital_levels, tiers
        )
        month["pending_innovations"] = float(len(self.matching.pool))
        month["joint_projects"] = float(self.projects.count_running(self.model.month))
        self.series = month

    def extra_series(self) -> dict[str, float]:
        """This month's values of INNOVATION_SERIES (the model's recorder reads them)."""
        return self.series

    def agent_columns(self) -> dict[str, Any]:
        """Each firm's innovation state for the agent panel (`--agent-data`).

        tech_level: niche technology (SMEs) or product technology (leaders), about 1 at the start;
        tier: ordinary / certified / little_giant (SMEs only); owner: the acquiring leader's id,
        missing while independent; digital_level (SMEs only); rd_intensity: R&D aimed for as a
        share of revenue (a firm short of cash spends less). Missing where the layer models
        nothing: suppliers do no R&D, leaders hold no certificate and no digital level.
        """
        firms = self.firms
        researches = firms.is_sme | firms.is_leader
        return {
            "tech_level": np.where(researches, firms.tech, np.nan),
            "tier": pd.Categorical.from_codes(np.where(firms.is_sme, firms.tier, -1), TIER_NAMES),
            "owner": pd.arrays.IntegerArray(firms.owner.astype(np.int32), firms.owner < 0),
            "digital_level": np.where(firms.is_sme, self.digital_levels.level, np.nan),
            "rd_intensity": np.where(researches, self.research.rd_intensity, np.nan),
        }

    def start_recording(self) -> None:
        """At the end of the burn-in: the run's totals, deals and reviews count from here, the
        technology index grows from its level now."""
        self.recorded_from = self.model.month + 1
        self.research.totals = dict.fromkeys(self.research.totals, 0.0)
        self.innovations = dict.fromkeys(self.innovations, 0.0)
        self.royalties.total = 0.0
        self.deal_log.deals = []
        self.deal_log.counts = dict.fromkeys(self.deal_log.counts, 0.0)
        self.certification.reviews = []
        normal = self.model.normal_output
        self.tech_index_start = tech_index(self.firms.tech, normal, self.firms.R)

    def deals_frame(self) -> pd.DataFrame:
        """Every deal of the recorded months, one row each (written as deals.parquet); `step`
        is the month's row in the series."""
        frame = self.deal_log.frame()
        if self.recorded_from:
            frame["step"] -= self.recorded_from
        return frame

    def outcomes(self, ts: pd.DataFrame) -> dict[str, float]:
        """Run-level innovation outcomes (DESIGN section 5) and a few more for calibration."""
        totals = {**self.research.totals, **self.innovations, "royalties": self.royalties.total}
        return innovation_outcomes(
            ts,
            self.rules,
            self.registry,
            self.firms.is_leader,
            totals,
            self.deal_log.counts,
            self.tech_index_start,
            self.certification.reviews,
            self.recorded_from,
        )
