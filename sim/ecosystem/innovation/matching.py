"""Demand lists and matchmaking: each January every living leader publishes a demand list
(需求清单: the component categories its product needs and the reward it expects to pay, see
`ChainLeader.publish_demand_list`). SME innovations wait in a pool for `shelf_life_months`; at
each matchmaking round (quarterly by default) some reach a leader that listed their category,
more with the platform (`matching_efficiency`), the SME's digital level and an existing supply
link. A leader that declined an innovation is not offered it again."""

from __future__ import annotations

import numpy as np

from sim.ecosystem.agents import ChainLeader
from sim.ecosystem.innovation.tables import Table
from sim.ecosystem.keyed import Stream
from sim.ecosystem.network import LEADER, ProductionNetwork
from sim.scenario import Innovation, Policy

_TWO = np.arange(2)[:, None]  # the components of a pending innovation's draws at a round


class Matchmaking:
    """The pool of pending SME innovations, the published demand lists, and who declined what."""

    def __init__(
        self, rules: Innovation, policy: Policy, n_leaders: int, n_categories: int
    ) -> None:
        self.rules, self.policy = rules, policy
        self.n_leaders, self.n_categories = n_leaders, n_categories
        self.pool = Table(
            id=np.int64,
            sme=np.int64,
            category=np.int64,
            quality=float,
            level=float,
            overlap=float,
            born=np.int64,
            declined=np.uint64,
        )
        self.listed = np.zeros((n_leaders, n_categories), dtype=bool)
        self.reward = np.zeros((n_leaders, n_categories))
        self._listers = (np.zeros(0, dtype=np.int64), np.zeros(n_categories + 1, dtype=np.int64))
        self._needs: tuple[np.ndarray, np.ndarray] | None = None
        # leaders that declined a pending innovation: a bit mask in the pool when there are at most 64
        # leaders (vectorized), else a set of (innovation, leader) pairs
        self.declined_bits = n_leaders <= 64
        self.rejected: set[tuple[int, int]] = set()
        # supply links leader <- SME as sorted keys, and the link array they were built from
        self._keys_of: np.ndarray | None = None
        self._keys = np.zeros(0, dtype=np.int64)

    def publish_demand_lists(
        self, alive: np.ndarray, weight: np.ndarray, leader_revenue: np.ndarray
    ) -> None:
        """Leaders publish their demand lists (需求清单); index the leaders listing each category."""
        if self._needs is None:  # (leader, category) where the category is in the leader's product
            self._needs = np.nonzero(weight)
        lead, cat = self._needs
        self.listed[lead, cat] = False  # nothing else is ever listed
        self.reward[lead, cat] = 0.0
        # every living leader publishes its list (ChainLeader.publish_demand_list)
        living = alive[lead]
        lead, cat = lead[living], cat[living]
        self.listed[lead, cat] = True
        self.reward[lead, cat] = ChainLeader.demand_list_rewards(
            weight[lead, cat], leader_revenue[lead], self.rules
        )
        by_category = np.lexsort((lead, cat))
        self._listers = (
            lead[by_category].astype(np.int64),
            np.searchsorted(cat[by_category], np.arange(self.n_categories + 1)),
        )

    def add(self, t: int, new: dict[str, np.ndarray]) -> None:
        """The month's independent SME innovations join the pool."""
        if new and len(new["id"]):
            self.pool.append(**new, born=t, declined=0)

    def match(
        self,
        t: int,
        alive: np.ndarray,
        digital: np.ndarray,
        net: ProductionNetwork,
        draws: Stream,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """A matchmaking round: expired innovations leave the pool; each pending one reaches one
        leader listing its category with some chance (two uniforms per pending innovation, keyed
        by (t, the innovation: its SME and birth month, 0-1)).
        Returns the pool rows that reached a leader who has not declined them, and the leaders."""
        pool, rules = self.pool, self.rules
        if not len(pool):
            return None
        expired = int(pool["born"].searchsorted(t - rules.shelf_life_months, side="right"))
        pool.drop_first(expired)  # rows are in order of birth: the expired ones are a prefix
        n_pool = len(pool)
        if not n_pool:
            return None
        cat, sme = pool["category"], pool["sme"]
        u_pick, u_hit = draws.uniform(t, sme, pool["born"], _TWO)
        leaders_flat, start = self._listers
        n_list = start[cat + 1] - start[cat]
        listed = n_list > 0
        leader = np.full(n_pool, -1, dtype=np.int64)
        pick = start[cat[listed]] + np.minimum(
            (u_pick[listed] * n_list[listed]).astype(np.int64), n_list[listed] - 1
        )
        leader[listed] = leaders_flat[pick]
        base = (
            rules.match_rate
            * (1.0 + rules.match_gain * self.policy.matching_efficiency)
            * (1.0 + rules.digital_rd_gain * digital[sme])
            / (1.0 + rules.digital_rd_gain)
        )
        # thinning: test against the largest hazard, then check the supplier bonus for those few
        base *= rules.match_every_months  # hazard over the months since the last round
        hit = listed & (u_hit < -np.expm1(-base * (1.0 + rules.supplier_match_bonus)))
        hit &= alive[np.maximum(leader, 0)]
        rows = hit.nonzero()[0]
        if len(rows):
            supplies = self._supplies(net, sme[rows], leader[rows])
            keep = u_hit[rows] < -np.expm1(
                -base[rows] * (1.0 + rules.supplier_match_bonus * supplies)
            )
            rows = rows[keep]
        rows = self._not_declined(rows, leader[rows])
        return (rows, leader[rows]) if len(rows) else None

    def _not_declined(self, rows: np.ndarray, leaders: np.ndarray) -> np.ndarray:
        pool = self.pool
        if len(rows) and self.declined_bits:
            mask = np.left_shift(np.uint64(1), leaders.astype(np.uint64))
            return rows[(pool["declined"][rows] & mask) == 0]
        if len(rows) and self.rejected:
            return rows[
                [
                    (int(i), int(lead)) not in self.rejected
                    for i, lead in zip(pool["id"][rows], leaders, strict=True)
                ]
            ]
        return rows

    def _supplies(
        self, net: ProductionNetwork, smes: np.ndarray, leaders: np.ndarray
    ) -> np.ndarray:
        """Whether each SME already sells to the leader (sorted keys, rebuilt when links change)."""
        if self._keys_of is not net.link_seller:
            links = net.links_of_buyer_kind[LEADER]
            self._keys = np.sort(
                net.link_seller[links] * self.n_leaders + net.slot_firm[net.link_slot[links]]
            )
            self._keys_of = net.link_seller
        if not len(self._keys):
            return np.zeros(len(smes), dtype=bool)
        query = smes * self.n_leaders + leaders
        pos = np.minimum(self._keys.searchsorted(query), len(self._keys) - 1)
        return self._keys[pos] == query

    def decline(self, rows: np.ndarray, leaders: np.ndarray) -> None:
        """The leaders declined the innovations in pool rows `rows`: not offered to them again."""
        pool = self.pool
        if self.declined_bits:
            pool["declined"][rows] |= np.left_shift(np.uint64(1), leaders.astype(np.uint64))
        else:
            self.rejected.update(zip(pool["id"][rows].tolist(), leaders.tolist(), strict=True))
