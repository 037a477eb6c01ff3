"""Firms come into being: the founding firms' agents when the model is built, and entrants
that take exited firms' places (step 9), in the categories most short of supply.

An entrant is half a typical firm of its category in size; it qualifies its own sellers
like any buyer does and meets a first customer or two, then opens its books with its
owners' capital.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from sim.ecosystem.agents import ChainLeader, Firm, SpecializedSME, Supplier
from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.keyed import KeyedDraws, bits_of, to_uniform
from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork
from sim.ecosystem.prices import BasePrices, reprice_entrants
from sim.ecosystem.supply import MarketFlows, SupplyState
from sim.scenario import Scenario

AGENT_CLASSES = {LEADER: ChainLeader, SME: SpecializedSME, SUPPLIER: Supplier}


class EntryModel(Protocol):
    """What entry reads and changes of the model."""

    network: ProductionNetwork
    scenario: Scenario
    finance: FinanceSystem
    supply: SupplyState
    flows: MarketFlows | None
    draws: KeyedDraws
    month: int
    capacity_loss: np.ndarray
    effective_capacity: np.ndarray
    normal_output: np.ndarray
    firm_agents: list[Firm]
    product_price: np.ndarray
    price: np.ndarray
    value_added_per_unit: np.ndarray
    jobs_per_unit: np.ndarray
    productivity_factor: np.ndarray


def create_agents(model: EntryModel, net: ProductionNetwork) -> list[Firm]:
    """The agents of all firms in firm order (firm_agents[i] is firm i), created in bulk as
    cls.create_agents does, without the AgentSet it returns (a third of the time)."""
    agents: list[Firm] = []
    for kind, cls in AGENT_CLASSES.items():
        agents.extend(cls(model, firm_id) for firm_id in net.firms_of_kind[kind].tolist())
    return agents


def _median(values: np.ndarray) -> float:
    """np.median of a non-empty array without NaN, bit for bit, at a fraction of its overhead."""
    v = np.sort(values)
    half = len(v) // 2
    return float(v[half]) if len(v) % 2 else float((v[half - 1] + v[half]) / 2.0)


def _category_cdfs(net: ProductionNetwork, flows: MarketFlows) -> dict[int, tuple[int, np.ndarray]]:
    """Per tier that can enter, its first category and the cumulative probabilities of the
    category draw: the share of each category's orders left unmet, plus a little."""
    p = net.n_products
    unmet = np.bincount(
        net.slot_product, weights=flows.slot_order - flows.slot_received, minlength=p
    )
    ordered = np.bincount(net.slot_product, weights=flows.slot_order, minlength=p)
    shortage = np.where(
        ordered > 0, np.maximum(unmet, 0.0) / np.where(ordered > 0, ordered, 1.0), 0.0
    )
    if not np.isfinite(shortage).all():
        shortage = np.nan_to_num(shortage, nan=0.0)
    category_cdf = {}
    for kind, (lo, hi) in ((SME, (0, net.n_components)), (SUPPLIER, (net.n_components, p))):
        cdf = (shortage[lo:hi] + 0.01).cumsum()
        cdf /= cdf[-1]
        category_cdf[kind] = (lo, cdf)
    return category_cdf


class Partners(NamedTuple):
    """An entrant's candidate partners, as they stand when it opens: the available sellers of
    each of its input slots, and the living buyer slots of its product."""

    firm: int
    slots: range
    sellers: list[np.ndarray]
    buyers: np.ndarray


def enter_firms(model: EntryModel, new_links: tuple[list[int], list[int]]) -> int:
    """Entrants take exited firms' places, in the categories most short of supply.

    One after another, each entrant picks its category and opens (so a later entrant can buy
    from it); then each, in the same order, qualifies its own sellers and meets a first
    customer or two (their choices change nothing a later entrant opens with: they only add
    links, to `new_links`, so all are drawn at once); then all of them get their books and
    capacities. Returns how many entered.

    The draws are keyed by the month and the vacancy (the firm slot): whether a vacancy is
    filled ("entry") and the entrant's category ("entry_category") do not depend on which
    other slots are vacant.
    """
    net, fin, t = model.network, model.finance.state, model.month
    rate = model.scenario.finance.entry_rate
    vacant = np.flatnonzero(~fin.alive & (net.kind != LEADER))
    if len(vacant) == 0 or rate == 0:
        return 0
    # both purposes' uniforms of every vacancy in one pass
    u_entry, u_category = to_uniform(
        bits_of((model.draws["entry"], model.draws["entry_category"]), t, vacant)
    )
    filled = u_entry < rate
    entrants = vacant[filled]
    if len(entrants) == 0:
        return 0
    flows = model.flows
    category_cdf = _category_cdfs(net, flows)
    # who can supply (alive and not disrupted), and how much they can spare
    available = fin.alive & (model.capacity_loss < 0.5)
    spare = model.effective_capacity - flows.demand
    products = np.empty(len(entrants), dtype=np.int64)
    sizes = np.empty(len(entrants))
    partners = []
    u = u_category[filled].tolist()
    for i, firm in enumerate(entrants.tolist()):
        lo, cdf = category_cdf[int(net.kind[firm])]
        products[i] = product = lo + min(int(cdf.searchsorted(u[i], side="right")), len(cdf) - 1)
        sizes[i], found = start_firm(model, firm, product, available)
        partners.append(found)
    _choose_partners(model, partners, spare, new_links)
    open_books(model, entrants, products, sizes)
    return len(entrants)


def start_firm(
    model: EntryModel, firm: int, product: int, available: np.ndarray
) -> tuple[float, Partners]:
    """A new firm in an exited firm's place, half a typical firm of its category in size: it
    opens (`available` follows). Returns its size and its candidate partners."""
    net, fin = model.network, model.finance.state
    net.change_product(firm, product)
    peers = net.sellers_of(product)
    peers = peers[fin.alive[peers]]
    size = 0.5 * (
        _median(model.normal_output[peers])
        if len(peers)
        else float(np.median(model.normal_output[net.kind == net.kind[firm]]))
    )
    model.normal_output[firm] = size
    fin.alive[firm] = True  # its books open in open_books
    available[firm] = model.capacity_loss[firm] < 0.5
    model.firm_agents[firm].remove()
    model.firm_agents[firm] = AGENT_CLASSES[int(net.kind[firm])](model, firm)
    first, end = net.slot_range(firm)
    sellers = [net.sellers_of(p) for p in net.slot_product[first:end].tolist()]
    buyers = net.slots_of(product)
    return size, Partners(
        firm,
        range(first, end),
        [c[available[c]] for c in sellers],
        buyers[fin.alive[net.slot_firm[buyers]]],
    )


def _choose_partners(
    model: EntryModel,
    partners: list[Partners],
    spare: np.ndarray,
    new_links: tuple[list[int], list[int]],
) -> None:
    """Each entrant's sellers on each of its inputs, chosen like any buyer qualifies sellers
    (uniforms keyed by (month, the input slot, the candidate seller)), then a first customer or
    two among the living buyers of its product, met through the usual channels: the two buyer
    slots with the smallest uniforms keyed by (month, the entrant's slot, the buyer slot)."""
    per_slot = model.scenario.ecosystem.suppliers_per_raw_input
    u_sellers, u_buyers = _partner_uniforms(model, partners)
    new_slots, new_sellers = new_links
    i = j = 0
    for firm, slots, sellers, buyers in partners:
        agent = model.firm_agents[firm]
        for k, candidates in zip(slots, sellers, strict=True):
            u, i = u_sellers[i : i + len(candidates)], i + len(candidates)
            for choice in agent.choose_new_sellers(candidates, spare[candidates], u, per_slot):
                new_slots.append(k)
                new_sellers.append(int(choice))
        u, j = u_buyers[j : j + len(buyers)], j + len(buyers)
        for k in buyers[np.argsort(u, kind="stable")[:2]].tolist():
            new_slots.append(k)
            new_sellers.append(firm)


def _partner_uniforms(model: EntryModel, partners: list[Partners]) -> tuple[np.ndarray, np.ndarray]:
    """The uniforms of all entrants' candidate sellers and buyers, in their order, each set in
    one pass (keyed: the same as entrant by entrant)."""
    t, empty = model.month, np.zeros(0, dtype=np.int64)
    counts = [len(c) for p in partners for c in p.sellers]
    slots = np.repeat(np.array([k for p in partners for k in p.slots], dtype=np.int64), counts)
    sellers = np.concatenate([empty, *(c for p in partners for c in p.sellers)])
    u_sellers = model.draws["entrant_sellers"].uniform(t, slots, sellers)
    buyers = np.concatenate([empty, *(p.buyers for p in partners)])
    entrants = np.repeat([p.firm for p in partners], [len(p.buyers) for p in partners])
    u_buyers = model.draws["first_customers"].uniform(t, entrants, buyers)
    return u_sellers, u_buyers


def open_books(
    model: EntryModel, firms: np.ndarray, products: np.ndarray, sizes: np.ndarray
) -> None:
    """Entrants' capacity, empty input stores, prices at their category's, neutral layer factors
    and fresh capital."""
    net, supply = model.network, model.supply
    supply.capacity[firms] = sizes * (1.0 + model.scenario.ecosystem.capacity_slack)
    supply.expected_demand[firms] = sizes
    slots = net.slots_of_firms(firms)
    supply.inventory[slots] = 0.0
    supply.low_fill_months[slots] = 0
    supply.search_timer[slots] = np.nan
    prices = BasePrices(
        model.product_price, model.price, model.value_added_per_unit, model.jobs_per_unit
    )
    price = reprice_entrants(prices, firms, products)
    # the layers' hooks start neutral: an entrant's technology and digital level are its own
    # and count from its start (the innovation layer sets the factors from its next step on)
    model.productivity_factor[firms] = 1.0
    supply.inventory_factor[firms] = 1.0
    model.finance.wage_factor[firms] = 1.0
    model.finance.open_firms(firms, price * sizes)
