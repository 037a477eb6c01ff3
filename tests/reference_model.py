"""The oracle: one month of the supply rules, firm by firm and link by link.

Written from the rules as documented in `sim/ecosystem/supply.py` (module and function
docstrings), in plain Python loops over lists, with no numpy vectorization, so that a
slip in the vectorized code (a wrong index, an aggregation over the wrong axis, a tier
done in the wrong order) shows up as a disagreement. It is slow on purpose: clarity
over speed.

The rules, as the oracle reads them:

Orders flow upstream, tier by tier (leaders, then SMEs, then suppliers).
  A firm's orders received are final demand (leaders) or the sum of the orders on the
  links where it is the seller. Expected demand is smoothed:
  expected <- (1 - theta) * expected + theta * orders received.
  Planned output = min(orders received, effective capacity).
  For each of its inputs (slots), with Leontief coefficient a:
  order = max(0, a * planned + adjustment * (inventory_months * f * a * min(expected, effective
  capacity) - inventory)), split over the slot's sellers by link weight; f is the buyer's
  own inventory factor (1 unless digitalization shortened its target).
Production flows downstream, tier by tier (suppliers, then SMEs, then leaders).
  Output = min(orders received, effective capacity, min over inputs of inventory / a),
  never negative. Each input's inventory falls by a * output. A seller whose output
  falls short of its orders rations it: 'proportional' gives every customer the same
  share output / orders received; 'smaller_first' serves orders in increasing size
  (ties in link order) in full until output runs out. Deliveries arrive in the buyers'
  inventories in the same month, before the next tier produces.
Adaptation (after the month):
  re-weighting: w' = w * (1 - speed * (1 - fill)), normalized over the slot; then
  w'' = (1 - reversion) * w' + reversion * base weight, normalized. (A slot whose
  sellers all delivered nothing at full speed keeps its weights: no seller is better;
  a slot with no weight left at all keeps zero weights and orders nothing.)
  searches: a slot's low-fill counter counts consecutive months with fill < trigger;
  running searches count down one month; an idle slot whose counter reached `patience`
  starts a search of `search_months`; a search whose timer is <= 0 is due.
  new sellers: each new link of a slot gets 1 / (links after) of the slot; old links
  (current and base weights) keep their shares scaled by (links before) / (links after).
  capacity: capacity += speed * (expected * (1 + slack) - capacity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KINDS = ("leader", "sme", "supplier")  # codes 0, 1, 2 of the model's `kind` array


@dataclass
class Link:
    seller: int
    weight: float
    base_weight: float


@dataclass
class Slot:
    """One input of one buyer."""

    buyer: int
    product: int
    coef: float
    inventory: float
    low_fill_months: int
    search_timer: float | None  # None when no search is running
    links: list[Link] = field(default_factory=list)


@dataclass
class Firm:
    kind: str
    capacity: float
    expected_demand: float
    inventory_factor: float = 1.0  # multiplies the inventory target of each of its inputs
    slots: list[int] = field(default_factory=list)


@dataclass
class Month:
    """What moved in one month; per-link lists follow the economy's link order."""

    demand: list[float]
    planned: list[float]
    output: list[float]
    slot_order: list[float]
    slot_received: list[float]
    slot_used: list[float]
    link_order: list[float]
    link_delivered: list[float]

    def link_fill(self) -> list[float]:
        return [
            d / o if o > 0 else 1.0
            for o, d in zip(self.link_order, self.link_delivered, strict=True)
        ]

    def slot_fill(self) -> list[float]:
        return [
            r / o if o > 0 else 1.0
            for o, r in zip(self.slot_order, self.slot_received, strict=True)
        ]


class ReferenceEconomy:
    """Firms, their input slots and supplier links as plain Python objects."""

    def __init__(self, firms: list[Firm], slots: list[Slot]):
        self.firms = firms
        self.slots = slots

    # ------------------------------------------------------------ building
    @classmethod
    def from_model(cls, model) -> ReferenceEconomy:
        return cls.from_arrays(model.network, model.supply)

    @classmethod
    def from_arrays(cls, net, state=None) -> ReferenceEconomy:
        """Copy a network (and supply state) into plain objects; nothing is shared with them.

        Without a state, stocks are zero (enough for rules that only touch the links).
        """
        n, k = int(net.n_firms), int(net.n_slots)
        capacity = [0.0] * n if state is None else [float(x) for x in state.capacity]
        expected = [0.0] * n if state is None else [float(x) for x in state.expected_demand]
        inventory = [0.0] * k if state is None else [float(x) for x in state.inventory]
        low = [0] * k if state is None else [int(x) for x in state.low_fill_months]
        timers = [math.nan] * k if state is None else [float(x) for x in state.search_timer]
        factor = [1.0] * n if state is None else [float(x) for x in state.inventory_factor]
        firms = [
            Firm(KINDS[int(net.kind[i])], capacity[i], expected[i], factor[i]) for i in range(n)
        ]
        slots = []
        for j in range(k):
            buyer = int(net.slot_firm[j])
            slots.append(
                Slot(
                    buyer=buyer,
                    product=int(net.slot_product[j]),
                    coef=float(net.slot_coef[j]),
                    inventory=inventory[j],
                    low_fill_months=low[j],
                    search_timer=None if math.isnan(timers[j]) else timers[j],
                )
            )
            firms[buyer].slots.append(j)
        for e in range(int(net.n_links)):
            slots[int(net.link_slot[e])].links.append(
                Link(
                    int(net.link_seller[e]),
                    float(net.link_weight[e]),
                    float(net.link_base_weight[e]),
                )
            )
        return cls(firms, slots)

    # ------------------------------------------------------------ views
    def links(self) -> list[tuple[int, Link]]:
        """All links as (slot, link), slot by slot, in each slot's order."""
        return [(k, link) for k, slot in enumerate(self.slots) for link in slot.links]

    def firms_of(self, kind: str) -> list[int]:
        return [i for i, f in enumerate(self.firms) if f.kind == kind]

    # ------------------------------------------------------------ the month
    def clear_month(
        self,
        final_demand: list[float],
        effective_capacity: list[float],
        inventory_months: float,
        adjustment: float,
        smoothing: float,
        rationing: str,
    ) -> Month:
        """Orders upstream, then production and deliveries downstream; updates stocks."""
        n = len(self.firms)
        all_links = self.links()
        link_index = {id(link): e for e, (_, link) in enumerate(all_links)}
        customers: list[list[int]] = [[] for _ in range(n)]  # links on which firm i sells
        for e, (_, link) in enumerate(all_links):
            customers[link.seller].append(e)
        demand = [0.0] * n
        planned = [0.0] * n
        slot_order = [0.0] * len(self.slots)
        link_order = [0.0] * len(all_links)

        # orders flow upstream
        leaders = self.firms_of("leader")
        for j, i in enumerate(leaders):
            demand[i] = final_demand[j]
        for kind in KINDS:
            for i in self.firms_of(kind):
                if kind != "leader":
                    demand[i] = sum(link_order[e] for e in customers[i])
                firm = self.firms[i]
                firm.expected_demand = (1 - smoothing) * firm.expected_demand + smoothing * demand[
                    i
                ]
                planned[i] = min(demand[i], effective_capacity[i])
                for k in firm.slots:
                    slot = self.slots[k]
                    target = (
                        inventory_months
                        * firm.inventory_factor
                        * slot.coef
                        * min(firm.expected_demand, effective_capacity[i])
                    )
                    order = slot.coef * planned[i] + adjustment * (target - slot.inventory)
                    slot_order[k] = max(0.0, order)
                    for link in slot.links:
                        link_order[link_index[id(link)]] = link.weight * slot_order[k]

        # production flows downstream
        output = [0.0] * n
        link_delivered = [0.0] * len(all_links)
        slot_received = [0.0] * len(self.slots)
        slot_used = [0.0] * len(self.slots)
        for kind in reversed(KINDS):
            for i in self.firms_of(kind):
                firm = self.firms[i]
                limit = min(demand[i], effective_capacity[i])
                for k in firm.slots:
                    slot = self.slots[k]
                    limit = min(limit, slot.inventory / slot.coef)
                output[i] = max(limit, 0.0)
                for k in firm.slots:
                    slot = self.slots[k]
                    slot_used[k] = slot.coef * output[i]
                    slot.inventory = max(slot.inventory - slot_used[k], 0.0)
            # every firm of the tier has produced: ship to customers
            for i in self.firms_of(kind):
                shipped = ration(
                    [link_order[e] for e in customers[i]], output[i], demand[i], rationing
                )
                for e, amount in zip(customers[i], shipped, strict=True):
                    k = all_links[e][0]
                    link_delivered[e] = amount
                    slot_received[k] += amount
                    self.slots[k].inventory += amount

        return Month(
            demand,
            planned,
            output,
            slot_order,
            slot_received,
            slot_used,
            link_order,
            link_delivered,
        )

    # ------------------------------------------------------------ adaptation
    def reweight_orders(self, fill: list[float], speed: list[float], reversion: float) -> None:
        """`fill` per link (in link order), `speed` per slot."""
        e = 0
        for k, slot in enumerate(self.slots):
            shifted = []
            for link in slot.links:
                shifted.append(link.weight * (1.0 - speed[k] * (1.0 - fill[e])))
                e += 1
            total = sum(shifted)
            if total > 0:
                shifted = [w / total for w in shifted]
            else:  # every seller failed completely: no reason to prefer any
                shifted = [link.weight for link in slot.links]
            mixed = [
                (1.0 - reversion) * w + reversion * link.base_weight
                for w, link in zip(shifted, slot.links, strict=True)
            ]
            total = sum(mixed)
            for link, w in zip(slot.links, mixed, strict=True):
                link.weight = w / total if total > 0 else 0.0  # no weight left: orders nothing

    def searches_due(
        self, fill: list[float], trigger: float, patience: int, search_months: list[float]
    ) -> list[int]:
        """`fill` and `search_months` per slot; returns the slots whose search ends now."""
        due = []
        for k, slot in enumerate(self.slots):
            slot.low_fill_months = slot.low_fill_months + 1 if fill[k] < trigger else 0
            if slot.search_timer is not None:
                slot.search_timer -= 1.0
            elif slot.low_fill_months >= patience:
                slot.search_timer = search_months[k]
            if slot.search_timer is not None and slot.search_timer <= 0.0:
                due.append(k)
        return due

    def add_links(self, new: list[tuple[int, int]]) -> None:
        """New (slot, seller) relationships, each with an equal share of its slot."""
        added: dict[int, list[int]] = {}
        for k, seller in new:
            added.setdefault(k, []).append(seller)
        for k, sellers in added.items():
            slot = self.slots[k]
            before = len(slot.links)
            after = before + len(sellers)
            for link in slot.links:
                link.weight *= before / after
                link.base_weight *= before / after
            for seller in sellers:
                slot.links.append(Link(seller, 1.0 / after, 1.0 / after))
            total = sum(link.weight for link in slot.links)
            for link in slot.links:
                link.weight /= total

    def adjust_capacity(self, slack: float, speed: float) -> None:
        for firm in self.firms:
            target = firm.expected_demand * (1.0 + slack)
            firm.capacity += speed * (target - firm.capacity)


def ration(orders: list[float], output: float, demand: float, rule: str) -> list[float]:
    """Split one seller's output over its customers' orders."""
    if rule == "proportional":
        share = min(output / demand, 1.0) if demand > 0 else 0.0
        return [o * share for o in orders]
    if rule == "smaller_first":
        shipped = [0.0] * len(orders)
        left = output
        for j in sorted(range(len(orders)), key=lambda j: (orders[j], j)):
            shipped[j] = min(orders[j], max(left, 0.0))
            left -= orders[j]
        return shipped
    raise ValueError(f"unknown rationing rule {rule!r}")


def link_table(economy: ReferenceEconomy) -> tuple[list[int], list[int], list[float], list[float]]:
    """The links as flat lists (slot, seller, weight, base weight), in the economy's link order."""
    pairs = economy.links()
    return (
        [k for k, _ in pairs],
        [link.seller for _, link in pairs],
        [link.weight for _, link in pairs],
        [link.base_weight for _, link in pairs],
    )
