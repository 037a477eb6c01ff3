"""Re-sourcing (step 9): how fast buyers shift orders and how long a search for a new seller
takes, which sellers a buyer qualifies when its search ends, and which links go with exited
firms.

Specific inputs are slower to re-weight and to re-source; standardization and matching
efficiency shorten both.
"""

from __future__ import annotations

import itertools
from typing import Protocol

import numpy as np

from sim.ecosystem.keyed import Stream
from sim.ecosystem.network import ProductionNetwork
from sim.ecosystem.supply import SupplyState
from sim.scenario import Adaptation, Policy


class Buyer(Protocol):
    """A buying firm's agent, which chooses among candidate sellers (see agents.Firm)."""

    def choose_new_seller(
        self, candidates: np.ndarray, spare_capacity: np.ndarray, uniforms: np.ndarray
    ) -> int | None: ...


def sourcing_speeds(
    net: ProductionNetwork, ada: Adaptation, pol: Policy
) -> tuple[np.ndarray, np.ndarray]:
    """Per slot: the speed at which its buyer re-weights orders, and the months a search takes."""
    spec = net.specificity[net.slot_product]
    softness = 1.0 - spec * (1.0 - ada.specific_reweight_factor) * (1.0 - pol.standardization)
    reweight_speed = ada.reweight_speed * softness
    search_months = (
        ada.search_months
        * (1.0 + ada.specificity_search_penalty * spec)
        * (1.0 - 0.5 * pol.standardization)
        * (1.0 - 0.5 * pol.matching_efficiency)
    )
    return reweight_speed, search_months


def drop_settled_links_of_exited_firms(net: ProductionNetwork, alive: np.ndarray) -> None:
    """Links to or from an exited firm go (liquidation has settled the trade credit on them)."""
    if alive.all():
        return
    dead = np.flatnonzero(~alive[net.link_seller] | ~alive[net.slot_firm[net.link_slot]])
    if len(dead):
        open_credit = net.link_state["owed_seller"][dead].sum(axis=1) > 0
        drop = np.zeros(net.n_links, dtype=bool)
        drop[dead[~open_credit]] = True
        net.remove_links(drop)


def qualify_new_sellers(
    net: ProductionNetwork,
    state: SupplyState,
    due: np.ndarray,
    alive: np.ndarray,
    available: np.ndarray,
    spare: np.ndarray,
    agents: list[Buyer],
    search_months: np.ndarray,
    new_links: tuple[list[int], list[int]],
    draws: Stream,
    t: int,
) -> None:
    """Buyers whose search ended (slots `due`) pick a new seller among available (alive, not
    disrupted), not yet used ones, by spare capacity (appended to `new_links`: slots, sellers).

    Each buyer's uniforms are keyed by (month t, its slot, the candidate seller) in `draws`: a
    pick never depends on which other buyers search this month or in which order."""
    # each slot's current sellers: links are sorted by slot
    bounds = np.searchsorted(net.link_slot, np.concatenate([due, due + 1])).tolist()
    used = np.zeros(net.n_firms, dtype=bool)  # marks one slot's current sellers at a time
    new_slots, new_sellers = new_links
    products = net.slot_product[due].tolist()
    # the uniforms of every (slot, seller of its input) pair at once (keyed: the same as one
    # slot at a time)
    makers = [net.sellers_of(p) for p in products]
    counts = [len(m) for m in makers]
    offsets = [0, *itertools.accumulate(counts)]
    u_all = draws.uniform(t, np.repeat(due, counts), np.concatenate(makers))
    for i, (k, buyer) in enumerate(zip(due.tolist(), net.slot_firm[due].tolist(), strict=True)):
        if not alive[buyer]:  # an exited buyer stops searching
            state.search_timer[k] = np.nan
            state.low_fill_months[k] = 0
            continue
        current = net.link_seller[bounds[i] : bounds[len(due) + i]]
        candidates = makers[i]
        used[current] = True
        open_ = available[candidates] & ~used[candidates]
        used[current] = False
        candidates, u = candidates[open_], u_all[offsets[i] : offsets[i + 1]][open_]
        choice = agents[buyer].choose_new_seller(candidates, spare[candidates], u)
        if choice is None:  # nobody to qualify: search again
            state.search_timer[k] = search_months[k]
            continue
        new_slots.append(k)
        new_sellers.append(choice)
        state.search_timer[k] = np.nan
        state.low_fill_months[k] = 0
