"""Leaders' technology: the value weight of each component in a leader's product, the level of
each component it uses and of its own line, and technology on its way into the products (an
integration lag after a deal or an own innovation; when it arrives it is commercialized).

A leader's product technology = own line x prod over components of level ** value weight;
component levels are bounded by what SMEs achieved (a leader takes up an SME's level, never more).
"""

from __future__ import annotations

import numpy as np

from sim.ecosystem.innovation.arrays import chunk_rows, fast_sum, join_chunks
from sim.ecosystem.innovation.tables import Registry
from sim.ecosystem.network import LEADER, ProductionNetwork
from sim.scenario import Scenario


class LeaderTechnology:
    """What leaders' products are made of and how good each part is."""

    def __init__(
        self,
        scn: Scenario,
        net: ProductionNetwork,
        product_price: np.ndarray,
        price: np.ndarray,
        normal_revenue: np.ndarray,
    ) -> None:
        n_l, n_c = scn.ecosystem.n_leaders, net.n_components
        self.n_leaders, self.n_categories = n_l, n_c
        # value share of each component category in the leader's price
        self.weight = np.zeros((n_l, n_c))
        slots = np.flatnonzero((net.kind[net.slot_firm] == LEADER) & (net.slot_product < n_c))
        buyer, product = net.slot_firm[slots], net.slot_product[slots]
        np.add.at(
            self.weight,
            (buyer, product),
            product_price[product] * net.slot_coef[slots] / price[buyer],
        )
        # a leader's monthly profit gain per unit relative rise of its product technology, share of
        # revenue: labour saved (tech_cost_elasticity) + margin on the demand won (leader_demand_elasticity)
        rules, prod, fcfg = scn.innovation, scn.production, scn.finance
        labour = fcfg.labor_share * prod.value_added_share_leader
        margin = prod.value_added_share_leader - (1.0 - prod.fixed_labor_share) * labour
        self.kappa = rules.tech_cost_elasticity * labour + rules.leader_demand_elasticity * margin
        self.leader_revenue = normal_revenue[
            :n_l
        ].copy()  # smoothed, for valuations and demand lists
        self.log_component = np.zeros((n_l, n_c))
        self.own_line = np.ones(n_l)
        # technology on its way into leaders' products, by the month it arrives: chunks of
        # (innovation ids, leaders, categories, levels, share) in the order they were scheduled
        self.arriving: dict[int, list[tuple]] = {}

    def product_tech(self, tech: np.ndarray) -> None:
        """Set the leaders' product technology in `tech` (all leaders at once: cheaper than picking
        the few whose technology changed)."""
        lead = slice(0, self.n_leaders)
        tech[lead] = self.own_line * np.exp(fast_sum(self.log_component * self.weight, axis=1))

    def weight_of(self, leaders: np.ndarray, categories: np.ndarray) -> np.ndarray:
        """weight[leaders, categories] through the flat array (a cheaper kind of fancy indexing)."""
        return self.weight.ravel()[leaders * self.n_categories + categories]

    def improvement(
        self, leaders: np.ndarray, categories: np.ndarray, levels: np.ndarray
    ) -> np.ndarray:
        """Log rise of a leader's component technology if it took up `levels` (0 when it is ahead)."""
        current = self.log_component.ravel()[leaders * self.n_categories + categories]
        return np.maximum(np.log(levels) - current, 0.0)

    def schedule(self, ids, leaders, categories, levels, share, due) -> None:
        """Technology that enters leaders' products after a lag: a component level (category >= 0),
        reached in `share` of the log gap, or a multiplier of the own line (category -1). Any of
        leaders, categories and share may be one value for all the ids."""
        self.arriving.setdefault(due, []).append((ids, leaders, categories, levels, share))

    def cancel_for(self, is_gone: np.ndarray) -> None:
        """Failed leaders take up no more technology."""
        for due, chunks in self.arriving.items():
            self.arriving[due] = [chunk_rows(chunk, ~is_gone[chunk[1]]) for chunk in chunks]

    def arrive(
        self, t: int, alive: np.ndarray, tech: np.ndarray, registry: Registry
    ) -> float | None:
        """Technology whose integration lag is over enters the leaders' products: commercialized.
        Returns how many innovations arrived (None when nothing was due)."""
        chunks = self.arriving.pop(t, None)
        if chunks is None:
            return None
        arrived = 0
        # a failed leader commercializes nothing
        for ids, lead, category, multiplier, _ in chunks:
            if type(category) is not np.ndarray:  # the leader's own line (category -1)
                ok = alive[lead]
                if np.count_nonzero(ok) < len(ok):
                    ids, lead, multiplier = ids[ok], lead[ok], multiplier[ok]
                np.multiply.at(self.own_line, lead, multiplier)
                registry.commercialized_at[ids] = t
                arrived += len(ids)
        components = [chunk for chunk in chunks if type(chunk[2]) is np.ndarray]
        if components:
            arrived += self._take_up(t, alive, components, registry)
        self.product_tech(tech)
        return float(arrived)

    def _take_up(
        self, t: int, alive: np.ndarray, components: list[tuple], registry: Registry
    ) -> int:
        """Component levels arriving: each closes `share` of its log gap (improvement())."""
        ids, lead, cat, level, share = join_chunks(components)
        if type(lead) is not np.ndarray:  # all from one acquirer
            lead = np.full(len(ids), lead)
        ok = alive[lead]
        if np.count_nonzero(ok) < len(ok):
            ids, lead, cat, level = ids[ok], lead[ok], cat[ok], level[ok]
            share = share[ok] if type(share) is np.ndarray else share
        component = lead * self.n_categories + cat  # index into the flat log_component
        log_component = self.log_component.ravel()
        gap = np.maximum(np.log(level) - log_component[component], 0.0)  # improvement()
        np.maximum.at(log_component, component, log_component[component] + share * gap)
        registry.commercialized_at[ids] = t
        return len(ids)
