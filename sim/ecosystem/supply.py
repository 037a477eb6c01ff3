"""Orders, production, rationing, inventories and re-sourcing, vectorized over the network.

One month clears in two sweeps over the tiers:
- orders flow upstream (leaders, then SMEs): each buyer plans output
  min(orders received, effective capacity), and orders per input
  a*planned + adjustment*(inventory target - inventory), split over its sellers by weight;
  the inventory target is inventory_months x the buyer's own inventory factor x expected use
  (the factor is 1 unless a layer changes it: digitalized firms turn inventory over faster);
- production flows downstream (suppliers, then SMEs, then leaders): output is
  min(orders received, effective capacity, Leontief limit of input inventories); a seller
  short of output rations its customers; what it ships arrives in the buyers' inventories
  in the same month, before the next tier produces.

`tests/reference_model.py` implements the same rules firm by firm; the two must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork, shares
from sim.scenario import Production

DAYS_PER_MONTH = 30.0


@dataclass
class SupplyState:
    """Per-firm and per-slot stocks that carry over from month to month, and each firm's
    inventory factor (a hook the innovation layer sets; 1 keeps the scenario's target)."""

    capacity: np.ndarray  # (N,) installed capacity, units/month
    expected_demand: np.ndarray  # (N,) smoothed orders received
    inventory: np.ndarray  # (K,) input inventory on each slot
    low_fill_months: np.ndarray  # (K,) consecutive months the slot's fill rate was low
    search_timer: np.ndarray  # (K,) months left in a search for a new seller; nan when idle
    inventory_factor: np.ndarray  # (N,) multiplies the firm's input inventory target

    def copy(self) -> SupplyState:
        return SupplyState(*(a.copy() for a in vars(self).values()))


@dataclass
class MarketFlows:
    """Everything that moved in one month (units)."""

    demand: np.ndarray  # (N,) orders received (leaders: final demand)
    planned: np.ndarray  # (N,)
    slot_order: np.ndarray  # (K,)
    link_order: np.ndarray  # (E,)
    output: np.ndarray  # (N,)
    link_delivered: np.ndarray  # (E,)
    slot_received: np.ndarray  # (K,)
    slot_used: np.ndarray  # (K,)
    link_slot: np.ndarray  # (E,) the links as they were when the month cleared
    link_seller: np.ndarray  # (E,)
    link_weight: np.ndarray  # (E,)

    @property
    def link_fill(self) -> np.ndarray:
        """Share of each link's order that was delivered (1 where nothing was ordered)."""
        return np.divide(
            self.link_delivered,
            self.link_order,
            out=np.ones(len(self.link_order)),
            where=self.link_order > 0,
        )

    @property
    def slot_fill(self) -> np.ndarray:
        return np.divide(
            self.slot_received,
            self.slot_order,
            out=np.ones(len(self.slot_order)),
            where=self.slot_order > 0,
        )


@dataclass(frozen=True)
class SupplyRules:
    inventory_months: float
    inventory_adjustment: float
    expectation_smoothing: float
    rationing: str  # "proportional" | "smaller_first"

    @classmethod
    def of(cls, prod: Production) -> SupplyRules:
        """The supply rules of a scenario's production section."""
        return cls(
            inventory_months=prod.inventory_days / DAYS_PER_MONTH,
            inventory_adjustment=prod.inventory_adjustment,
            expectation_smoothing=prod.expectation_smoothing,
            rationing=prod.rationing,
        )


def ration_proportional(
    orders: np.ndarray, sellers: np.ndarray, output: np.ndarray, demand: np.ndarray
) -> np.ndarray:
    """Each customer gets the same share of its order: output / orders received (Inoue & Todo 2019)."""
    fill = np.divide(output, demand, out=np.zeros(len(demand)), where=demand > 0)
    return orders * np.minimum(fill, 1.0)[sellers]


def ration_smaller_first(
    orders: np.ndarray, sellers: np.ndarray, output: np.ndarray, demand: np.ndarray
) -> np.ndarray:
    """Smaller orders are served in full first; the order that exhausts output gets the rest.

    Only sellers short of output are sorted: the others serve every order exactly, and the
    running sums stay small, so rounding does not shave full orders.
    """
    delivered = orders.copy()
    short = np.flatnonzero(output[sellers] < demand[sellers])
    if len(short) == 0:
        return delivered
    order = short[np.lexsort((orders[short], sellers[short]))]
    o, s = orders[order], sellers[order]
    cum = np.cumsum(o)
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    seg_start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    before = cum - o - (cum[seg_start] - o[seg_start])
    delivered[order] = np.clip(output[s] - before, 0.0, o)
    return delivered


RATIONING = {"proportional": ration_proportional, "smaller_first": ration_smaller_first}


def clear_market(
    net: ProductionNetwork,
    state: SupplyState,
    final_demand: np.ndarray,
    effective_capacity: np.ndarray,
    rules: SupplyRules,
) -> MarketFlows:
    """Run one month of ordering and production; updates inventories and expectations in place.

    Each tier's firms, slots and links as buyers are runs of their tables, so a tier's
    numbers are views.
    """
    demand, planned, slot_order, link_order = _place_orders(
        net, state, final_demand, effective_capacity, rules
    )
    output, link_delivered, slot_received, slot_used = _produce_and_ship(
        net, state, demand, link_order, effective_capacity, RATIONING[rules.rationing]
    )
    return MarketFlows(
        demand,
        planned,
        slot_order,
        link_order,
        output,
        link_delivered,
        slot_received,
        slot_used,
        net.link_slot,
        net.link_seller,
        net.link_weight,
    )


def _place_orders(
    net: ProductionNetwork,
    state: SupplyState,
    final_demand: np.ndarray,
    effective_capacity: np.ndarray,
    rules: SupplyRules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Orders flow upstream, tier by tier: each tier plans output from the orders it received
    and orders its inputs for that output and its inventory gap. Returns the orders each firm
    received, its planned output, and the orders per slot and per link."""
    coef = net.slot_coef
    firm_run, slot_run, link_run = net.firm_runs, net.slot_runs, net.link_runs
    demand = np.zeros(net.n_firms)
    demand[firm_run[LEADER]] = final_demand
    planned = np.zeros(net.n_firms)
    slot_order = np.zeros(net.n_slots)
    link_order = np.zeros(net.n_links)
    theta = rules.expectation_smoothing
    for tier in (LEADER, SME, SUPPLIER):
        f = firm_run[tier]
        if tier != LEADER:
            demand[f] = net.per_seller(link_order)[f]
        state.expected_demand[f] = (1 - theta) * state.expected_demand[f] + theta * demand[f]
        planned[f] = np.minimum(demand[f], effective_capacity[f])
        s = slot_run[tier]
        if s.start == s.stop:
            continue
        buyer = net.slot_firm[s]
        expected_use = coef[s] * np.minimum(state.expected_demand[buyer], effective_capacity[buyer])
        target_months = rules.inventory_months * state.inventory_factor[buyer]
        gap = target_months * expected_use - state.inventory[s]
        slot_order[s] = np.maximum(0.0, coef[s] * planned[buyer] + rules.inventory_adjustment * gap)
        bought = link_run[tier]
        link_order[bought] = net.link_weight[bought] * slot_order[net.link_slot[bought]]
    return demand, planned, slot_order, link_order


def _produce_and_ship(
    net: ProductionNetwork,
    state: SupplyState,
    demand: np.ndarray,
    link_order: np.ndarray,
    effective_capacity: np.ndarray,
    ration: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Production flows downstream, tier by tier: each tier makes what its orders, capacity and
    input stores allow, rations its customers, and its shipments arrive in the buyers' stores
    before the next tier produces. Returns output, deliveries per link, and inputs received
    and used per slot."""
    n, k, coef = net.n_firms, net.n_slots, net.slot_coef
    output = np.zeros(n)
    link_delivered = np.zeros(net.n_links)
    slot_received = np.zeros(k)
    slot_used = np.zeros(k)
    for tier in (SUPPLIER, SME, LEADER):
        f, s = net.firm_runs[tier], net.slot_runs[tier]
        buys_inputs = s.start != s.stop
        made = np.minimum(demand[f], effective_capacity[f])
        if buys_inputs:  # the Leontief limit of input inventories
            made = np.minimum(made, net.min_per_buyer_of_tier(tier, state.inventory[s] / coef[s]))
        output[f] = np.maximum(made, 0.0)
        if buys_inputs:
            used = coef[s] * output[net.slot_firm[s]]
            slot_used[s] = used
            state.inventory[s] = np.maximum(state.inventory[s] - used, 0.0)
        sold = net.links_of_seller_kind[tier]
        if len(sold) == 0:
            continue
        delivered = ration(link_order[sold], net.link_seller[sold], output, demand)
        link_delivered[sold] = delivered
        arrived = np.bincount(net.link_slot[sold], weights=delivered, minlength=k)
        slot_received += arrived
        state.inventory += arrived
    return output, link_delivered, slot_received, slot_used


# ---------------------------------------------------------------- adaptation


def reweight_orders(
    net: ProductionNetwork, link_fill: np.ndarray, speed_per_slot: np.ndarray, reversion: float
) -> None:
    """Shift order shares away from sellers that under-delivered, then drift back to established shares.

    w' = w * (1 - speed * (1 - fill)); w'' = (1 - reversion) * w' + reversion * w_base;
    normalized over each slot. Sellers that delivered in full gain what the others lose.
    A slot whose sellers all delivered nothing at full speed keeps its weights (no seller
    is better), instead of dividing by zero.
    """
    speed = speed_per_slot[net.link_slot]
    w = net.link_weight * (1.0 - speed * (1.0 - link_fill))
    total = net.per_slot_sum_for_links(w)
    w = np.divide(w, total, out=net.link_weight.copy(), where=total > 0)
    w = (1.0 - reversion) * w + reversion * net.link_base_weight
    net.link_weight = shares(w, net.per_slot_sum_for_links(w))


def adjust_capacity(state: SupplyState, slack: float, speed: float) -> None:
    """Capacity moves part of the way toward expected demand plus the usual slack."""
    target = state.expected_demand * (1.0 + slack)
    state.capacity += speed * (target - state.capacity)


def searches_due(
    state: SupplyState,
    slot_fill: np.ndarray,
    trigger: float,
    patience: int,
    search_months: np.ndarray,
) -> np.ndarray:
    """Advance search timers; start searches on slots starved for `patience` months.

    Returns the slots whose search ends this month (they pick a new seller now).
    """
    low = slot_fill < trigger
    state.low_fill_months = np.where(low, state.low_fill_months + 1, 0)
    searching = ~np.isnan(state.search_timer)
    state.search_timer[searching] -= 1.0
    start = ~searching & (state.low_fill_months >= patience)
    state.search_timer[start] = search_months[start]
    due = np.flatnonzero(~np.isnan(state.search_timer) & (state.search_timer <= 0.0))
    return due


def steady_state_demand(net: ProductionNetwork, final_demand: np.ndarray) -> np.ndarray:
    """Orders each firm receives when every buyer orders exactly what its output needs."""
    demand = np.zeros(net.n_firms)
    demand[net.firms_of_kind[LEADER]] = final_demand
    link_order = np.zeros(net.n_links)
    for tier in (LEADER, SME, SUPPLIER):
        firms = net.firms_of_kind[tier]
        if tier != LEADER:
            demand[firms] = net.per_seller(link_order)[firms]
        links = net.link_runs[tier]
        slot = net.link_slot[links]
        link_order[links] = (
            net.link_weight[links] * net.slot_coef[slot] * demand[net.slot_firm[slot]]
        )
    return demand


def steady_state_supply(
    net: ProductionNetwork, final_demand: np.ndarray, rules: SupplyRules, capacity_slack: float
) -> tuple[SupplyState, np.ndarray]:
    """The state the model starts in: every firm produces what its customers need, with the
    usual capacity slack and inventories on target. Returns it and each firm's normal output."""
    demand0 = steady_state_demand(net, final_demand)
    inventory0 = rules.inventory_months * net.slot_coef * demand0[net.slot_firm]
    state = SupplyState(
        capacity=np.maximum(demand0 * (1.0 + capacity_slack), 1e-9),
        expected_demand=demand0.copy(),
        inventory=inventory0,
        low_fill_months=np.zeros(net.n_slots, dtype=np.int64),
        search_timer=np.full(net.n_slots, np.nan),
        inventory_factor=np.ones(net.n_firms),
    )
    return state, demand0
