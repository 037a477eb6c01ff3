"""Supply-link turnover (step 9): relationships end at a constant monthly hazard; a buyer
that would be left short re-matches through the search's choice rule.

Each month every active link (an established share above zero, buyer and seller alive) is
drawn to end with the hazard h = 1 - 2^(-1/half_life) (DESIGN section 9: a supply-link
half-life of about 13 months). The draws are keyed by (month, the link's slot, its seller):
a link's fate never depends on where it sits in the link table or on which links exist.

- A slot with more active sellers than its multi-sourcing count (smes_per_component /
  suppliers_per_raw_input; extra sellers come from low-fill searches and entrants' first
  sales) lets drawn links go without replacement, down to that count: this is what keeps
  the number of links stationary.
- Any other drawn link ends only when its replacement is found: the buyer picks a new seller
  as at the end of a search (agents.Firm.choose_new_seller: available makers of the input
  it does not buy from yet, by spare capacity, with uniforms keyed by (month, slot,
  candidate)), and the new link takes over the old one's order shares. With no candidate the
  link goes on (it is drawn again next month). So a buyer never loses its last seller of an
  input, and the link count does not fall below the multi-sourcing counts.
- An ended link stops trading at once (its order shares go to zero); it leaves the link table
  once the trade credit on it is settled (`drop_settled_ended_links`), as links of exited
  firms do.
"""

from __future__ import annotations

import numpy as np

from sim.ecosystem.keyed import KeyedDraws, Stream
from sim.ecosystem.network import ProductionNetwork, shares
from sim.ecosystem.sourcing import Buyer
from sim.scenario import Ecosystem


def monthly_hazard(half_life: float) -> float:
    """The monthly probability that a link ends, for a half-life in months (0: never)."""
    return 0.0 if half_life <= 0 else 1.0 - 2.0 ** (-1.0 / half_life)


def active_links(net: ProductionNetwork, alive: np.ndarray) -> np.ndarray:
    """Links still trading: an established share above zero, buyer and seller alive."""
    buyer = net.slot_firm[net.link_slot]
    return (net.link_base_weight > 0) & alive[net.link_seller] & alive[buyer]


def sourcing_count(net: ProductionNetwork, eco: Ecosystem) -> np.ndarray:
    """Per slot, the number of sellers a buyer keeps (the scenario's multi-sourcing count)."""
    component = net.slot_product < net.n_components
    return np.where(component, eco.smes_per_component, eco.suppliers_per_raw_input)


def draw_ends(
    net: ProductionNetwork, live: np.ndarray, hazard: float, keep: np.ndarray, draws: Stream, t: int
) -> tuple[np.ndarray, np.ndarray]:
    """This month's drawn links among the active ones (`live`), by slot and uniform, and for
    each whether it may end outright: in a slot with more active sellers than `keep`, the
    drawn links with the smallest uniforms, as many as the slot has sellers above `keep`."""
    slot = net.link_slot[live]
    u = draws.uniform(t, slot, net.link_seller[live])
    hit = u < hazard
    drawn, slot, u = live[hit], slot[hit], u[hit]
    n_live = np.bincount(net.link_slot[live], minlength=net.n_slots)
    order = np.lexsort((u, slot))  # by slot, then uniform
    drawn, slot = drawn[order], slot[order]
    rank = np.arange(len(slot)) - np.searchsorted(slot, slot)  # rank within the slot
    return drawn, rank < np.maximum(n_live - keep, 0)[slot]


def plan_turnover(
    net: ProductionNetwork,
    drawn: np.ndarray,
    may_go: np.ndarray,
    active: np.ndarray,
    market: tuple[np.ndarray, np.ndarray, np.ndarray],
    agents: list[Buyer],
    draws: Stream,
    t: int,
) -> tuple[list[int], list[int], list[int]]:
    """Which drawn links end, one after another (by slot, then uniform): outright (`may_go`)
    if the slot's other active sellers have the spare capacity to take its orders, else
    replaced by a new seller, chosen as at the end of a search among the available makers of
    the input the buyer does not buy from, whose spare capacity covers the link's orders;
    with no such maker the link goes on. `market`: (available, spare capacity, the link's
    orders); each end moves the orders' worth of spare capacity between the sellers.
    Returns (links ended outright, links replaced, their new sellers)."""
    available, spare, volume = market[0], market[1].copy(), market[2]
    active = active.copy()
    slots = net.link_slot[drawn]
    first = np.searchsorted(net.link_slot, slots).tolist()
    end = np.searchsorted(net.link_slot, slots, side="right").tolist()
    used = np.zeros(net.n_firms, dtype=bool)
    outright: list[int] = []
    replaced: list[int] = []
    sellers: list[int] = []
    for i, (e, k) in enumerate(zip(drawn.tolist(), slots.tolist(), strict=True)):
        old, vol = int(net.link_seller[e]), float(volume[i])
        links = np.arange(first[i], end[i])
        others = links[active[links] & (links != e)]
        w = net.link_weight[others]
        part = vol * w / w.sum() if w.sum() > 0 else w
        if may_go[i] and len(w) and w.sum() > 0 and (spare[net.link_seller[others]] >= part).all():
            np.subtract.at(spare, net.link_seller[others], part)
            outright.append(e)
        else:
            makers = net.sellers_of(int(net.slot_product[k]))
            u = draws.uniform(t, np.full(len(makers), k), makers)
            used[net.link_seller[links]] = True
            used[[s for s, r in zip(sellers, replaced, strict=True) if net.link_slot[r] == k]] = (
                True
            )
            ok = available[makers] & ~used[makers] & (spare[makers] >= vol)
            used[:] = False
            choice = agents[int(net.slot_firm[k])].choose_new_seller(
                makers[ok], spare[makers[ok]], u[ok]
            )
            if choice is None:
                continue
            spare[choice] -= vol
            replaced.append(e)
            sellers.append(choice)
        spare[old] += vol
        active[e] = False
    return outright, replaced, sellers


def end_links(
    net: ProductionNetwork,
    alive: np.ndarray,
    market: tuple[np.ndarray, np.ndarray, np.ndarray],
    agents: list[Buyer],
    hazard: float,
    keep: np.ndarray,
    draws: KeyedDraws,
    t: int,
) -> int:
    """This month's turnover (see the module doc). `market`: (which firms are available as
    new sellers, each firm's spare capacity, each slot's orders this month). Returns the
    number of links ended."""
    live = np.flatnonzero(active_links(net, alive))
    if hazard <= 0 or len(live) == 0:
        return 0
    drawn, may_go = draw_ends(net, live, hazard, keep, draws["link_turnover"], t)
    active = np.zeros(net.n_links, dtype=bool)
    active[live] = True
    volume = market[2][net.link_slot[drawn]] * net.link_weight[drawn]
    outright, replaced, sellers = plan_turnover(
        net, drawn, may_go, active, (*market[:2], volume), agents, draws["link_replacement"], t
    )
    ended = np.asarray(outright + replaced, dtype=np.int64)
    if len(ended) == 0:
        return 0
    replaced_ = np.asarray(replaced, dtype=np.int64)
    slots, new_sellers = net.link_slot[replaced_], np.asarray(sellers, dtype=np.int64)
    w, b = net.link_weight.copy(), net.link_base_weight.copy()
    new_w, new_b = w[replaced_], b[replaced_]  # the new links take over the old ones' shares
    w[ended] = b[ended] = 0.0
    net.link_weight, net.link_base_weight = w, b
    if len(replaced_):
        net.add_links(slots, new_sellers)
        at = find_links(net, slots, new_sellers)
        old = np.ones(net.n_links, dtype=bool)
        old[at] = False
        for name, before, new in (("link_weight", w, new_w), ("link_base_weight", b, new_b)):
            values = np.empty(net.n_links)
            values[old], values[at] = before, new
            setattr(net, name, values)
    # the outright ends' shares go to the slot's other sellers
    net.link_weight = shares(net.link_weight, net.per_slot_sum_for_links(net.link_weight))
    b = net.link_base_weight
    net.link_base_weight = shares(b, net.per_slot_sum_for_links(b))
    return len(ended)


def find_links(net: ProductionNetwork, slots: np.ndarray, sellers: np.ndarray) -> np.ndarray:
    """Ids of the links (slot, seller) (each pair is in the table once)."""
    key = net.link_slot * net.n_firms + net.link_seller
    order = np.argsort(key, kind="stable")
    return order[np.searchsorted(key[order], slots * net.n_firms + sellers)]


def drop_settled_ended_links(net: ProductionNetwork, alive: np.ndarray) -> None:
    """Ended links between live firms leave the table once no trade credit is open on them."""
    buyer = net.slot_firm[net.link_slot]
    ended = (net.link_base_weight == 0) & alive[net.link_seller] & alive[buyer]
    if not ended.any():
        return
    idx = np.flatnonzero(ended)
    settled = ~(net.link_state["owed_seller"][idx] != 0).any(axis=1)
    if settled.any():
        drop = np.zeros(net.n_links, dtype=bool)
        drop[idx[settled]] = True
        net.remove_links(drop)
