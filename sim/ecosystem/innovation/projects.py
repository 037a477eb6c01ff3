"""揭榜挂帅 joint projects: each January leaders post key categories (the largest rewards on their
demand lists) and the most capable free SME of each takes the project. Publicly funded projects
(the consortium budget, spread over leaders by revenue) and market ones (leaders' own) pay the
SME a monthly grant for `consortium_months`; its innovations in the project's category are
patents shared with the leader."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.ecosystem.innovation.deal_log import DealLog
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.innovation.streams import InnovationDraws
from sim.ecosystem.keyed import weighted_keys
from sim.ecosystem.network import ProductionNetwork
from sim.scenario import Innovation, Policy


@dataclass
class RunningProjects:
    """SMEs in a running joint project and what their grants pay, valid until month `until`."""

    members: np.ndarray
    grant: np.ndarray  # monthly grant of each
    public_grant: np.ndarray  # the part the government pays
    payers: np.ndarray  # members of a market (leader-paid) project with a grant
    sponsors: np.ndarray  # their leaders
    private_grant: np.ndarray
    until: int  # the first month one of them ends

    @staticmethod
    def of(projects: JointProjects, members: np.ndarray) -> RunningProjects:
        """The projects of `members` (SMEs whose project runs this month)."""
        grant = projects.grant[members]
        public = projects.public[members]
        private = ~public & (grant != 0.0)
        payers = members[private]
        return RunningProjects(
            members=members,
            grant=grant,
            public_grant=grant * public,
            payers=payers,
            sponsors=projects.leader[payers],
            private_grant=grant[private],
            until=int(projects.until[members].min()),
        )

    @staticmethod
    def none() -> RunningProjects:
        empty = np.zeros(0, dtype=np.int64)
        return RunningProjects(empty, empty, empty, empty, empty, empty, until=1 << 62)


class JointProjects:
    """Each SME's project (at most one): its leader, category, end and grant."""

    def __init__(self, rules: Innovation, policy: Policy, n_firms: int) -> None:
        self.rules, self.policy = rules, policy
        self.leader = np.full(n_firms, -1, dtype=np.int64)
        self.category = np.full(n_firms, -1, dtype=np.int64)
        self.until = np.zeros(n_firms, dtype=np.int64)
        self.grant = np.zeros(n_firms)
        self.public = np.zeros(n_firms, dtype=bool)
        self.end = 0  # month the last joint project ends
        self._members = np.zeros(0, dtype=np.int64)  # SMEs whose project may still run
        self._running: RunningProjects | None = None  # see running()
        self.carry = 0.0  # budget not yet spent on a whole project, carried to the next year

    def running(self, t: int, alive: np.ndarray) -> RunningProjects | None:
        """The joint projects running this month (None: none), kept until one ends; starting projects
        and a member or leader entering or exiting clear it."""
        running = self._running
        if running is None or t >= running.until:
            members = self._members if t < self.end else self._members[:0]
            members = members[(self.until[members] > t) & alive[members]]
            if not len(members):
                self._running = RunningProjects.none()  # until projects start or firms change
                return None
            running = self._running = RunningProjects.of(self, members)
        return running if len(running.members) else None

    def firms_changed(self, changed: np.ndarray, n_leaders: int) -> None:
        """Firms entered or exited: if members left or a failed leader's projects ended, the
        running projects are to be found again."""
        if np.count_nonzero(changed[self._members]) or np.count_nonzero(changed[:n_leaders]):
            self._running = None

    def leave(self, gone: np.ndarray, leaders: np.ndarray) -> None:
        """Exited SMEs leave their projects; a failed leader's projects end."""
        self.until[gone] = 0
        self.leader[gone] = -1
        if len(leaders):
            self.until[np.isin(self.leader, leaders)] = 0

    def start(
        self,
        t: int,
        alive: np.ndarray,
        draws: InnovationDraws,
        firms: InnovatingFirms,
        digital: np.ndarray,
        leader_revenue: np.ndarray,
        reward: np.ndarray,
        net: ProductionNetwork,
        log: DealLog,
    ) -> None:
        """揭榜挂帅: leaders post key categories; the most capable free SME of each takes the project."""
        leaders = np.flatnonzero(alive[: firms.n_leaders])
        if not len(leaders):
            return
        sponsors = self._sponsors(t, leaders, leader_revenue, draws)
        free = alive & firms.is_sme & (firms.owner < 0) & (self.until <= t)
        score = firms.tech * (1.0 + digital)
        key_categories: dict[int, np.ndarray] = {}  # each sponsor's listed categories, by reward
        for k, (lead, is_public) in enumerate(sponsors):
            ranked = key_categories.get(lead)
            if ranked is None:
                listed = np.flatnonzero(reward[lead] > 0)
                ranked = listed[np.argsort(-reward[lead, listed], kind="stable")]
                key_categories[lead] = ranked
            if not len(ranked):
                continue
            c = int(ranked[k % min(len(ranked), 3)])  # rotate over its three key categories
            candidates = net.sellers_of(c)  # the SMEs making c, by id
            candidates = candidates[free[candidates]]
            if not len(candidates):
                continue
            s = int(candidates[np.argmax(score[candidates])])
            free[s] = False
            self._assign(t, s, lead, c, is_public, log)
        self._members = np.flatnonzero(self.until > t)
        self._running = None

    def _sponsors(
        self, t: int, leaders: np.ndarray, leader_revenue: np.ndarray, draws: InnovationDraws
    ) -> list[tuple[int, bool]]:
        """The year's projects as (sponsoring leader, publicly funded): whole projects the budget
        pays for, spread over leaders by revenue, then each leader's market projects (Poisson).

        Public project j goes to the living leader with the smallest Efraimidis-Spirakis key,
        uniforms keyed by (t, j, the leader) (a draw with probability by revenue, with
        replacement, that a leader's exit changes only for the projects it would have had);
        a leader's market projects are keyed by (t, the leader)."""
        rules = self.rules
        budget = self.carry + self.policy.consortium_funding
        n_public = int(budget // rules.consortium_project_cost)
        self.carry = budget - n_public * rules.consortium_project_cost
        if n_public:
            u = draws.public_sponsor.uniform(t, np.arange(n_public)[:, None], leaders)
            with np.errstate(divide="ignore"):
                keys = weighted_keys(u, leader_revenue[leaders])
            public = leaders[keys.argmin(axis=1)]
        else:
            public = np.zeros(0, dtype=np.int64)
        market = np.repeat(
            leaders, draws.market_projects.poisson(rules.market_consortia, t, leaders)
        )
        return [(int(x), True) for x in public] + [(int(x), False) for x in market]

    def _assign(self, t: int, s: int, lead: int, c: int, is_public: bool, log: DealLog) -> None:
        rules = self.rules
        self.leader[s] = lead
        self.category[s] = c
        self.until[s] = t + rules.consortium_months
        self.end = max(self.end, t + rules.consortium_months)
        self.grant[s] = rules.consortium_project_cost / rules.consortium_months
        self.public[s] = is_public
        cost = rules.consortium_project_cost
        log.record(t, "joint_project", lead, s, cost, 0.0, False, c, math.nan, -1, math.nan)

    def count_running(self, t: int) -> int:
        return int(np.count_nonzero(self.until > t))
