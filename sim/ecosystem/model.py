"""EcosystemModel: builds the ecosystem, runs the monthly step order, records the numbers.

Step order (DESIGN section 3; this layer implements the production part):
1. shocks start or end; 3. final demand; 4. orders flow upstream; 5. production flows
downstream with rationing; 9. adaptation (re-weighting, search for new sellers,
capacity); 10. data collection.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.ecosystem.agents import ChainLeader, Firm, SpecializedSME, Supplier
from sim.ecosystem.draws import cdf_pick, normalized_cdf, sample
from sim.ecosystem.finance import MONTH_FIGURES, FinanceSystem
from sim.ecosystem.innovation import INNOVATION_SERIES, InnovationLayer
from sim.ecosystem.network import KIND_NAMES, LEADER, SME, SUPPLIER, generate_network
from sim.ecosystem.recording import StepRecorder
from sim.ecosystem.shocks import ShockSchedule
from sim.ecosystem.supply import (
    DAYS_PER_MONTH,
    MarketFlows,
    SupplyRules,
    SupplyState,
    adjust_capacity,
    clear_market,
    reweight_orders,
    searches_due,
    steady_state_demand,
)
from sim.scenario import Scenario, scenario_from_flat

# independent random streams, so a shock never shifts the draws of another process
STREAMS = ("network", "shock_targets", "demand", "productivity", "decisions", "costs")

SERIES = (
    "final_demand",
    "output",
    "unmet_demand",
    "value_added",
    "value_added_leader",
    "value_added_sme",
    "value_added_supplier",
    "gross_output_leader",
    "gross_output_sme",
    "gross_output_supplier",
    "orders_sme",
    "orders_supplier",
    "employment",
    "employment_leader",
    "employment_sme",
    "employment_supplier",
    "capacity_lost_share",
    "disrupted_firms",
    "fill_rate_leader",
    "fill_rate_sme",
    "inventory_days_leader",
    "inventory_days_sme",
    "foreign_input_share",
    "sourcing_hhi",
    "searches_active",
    "supply_links",
    "sme_value_added_share",
    "sme_employment_share",
    "smes_alive",
    *MONTH_FIGURES,
    *INNOVATION_SERIES,
)
# the per-tier series, by tier: those of every tier, and those of the tiers that buy inputs
TIER_SERIES = {
    t: (f"value_added_{name}", f"gross_output_{name}", f"employment_{name}")
    for t, name in KIND_NAMES.items()
}
BUYER_TIER_SERIES = {
    t: (f"fill_rate_{name}", f"inventory_days_{name}")
    for t, name in ((LEADER, "leader"), (SME, "sme"))
}
AGENT_CLASSES = {LEADER: ChainLeader, SME: SpecializedSME, SUPPLIER: Supplier}


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """A 1-D dot product without BLAS threads (they cost more than they save on a busy 2-core machine)."""
    return float(np.multiply(a, b).sum())


def _record_groups(net) -> tuple[np.ndarray, np.ndarray]:
    """0/1 weights of the groups the monthly record sums over (kinds and foreign ownership
    never change): firms (N, 5) by leaders, SMEs, suppliers, small domestic, domestic; slots
    (K, 2) by leaders' and SMEs'."""
    domestic = ~net.foreign
    firms = [net.kind == t for t in KIND_NAMES] + [(net.kind != LEADER) & domestic, domestic]
    slots = [net.kind[net.slot_firm] == t for t in (LEADER, SME)]
    return np.stack(firms, axis=1).astype(float), np.stack(slots, axis=1).astype(float)


def _ratio(a: float, b: float) -> float:
    """a / b, NaN when b is not positive (a share of nothing is undefined)."""
    return float(a / b) if b > 0 else np.nan


def _median(values: np.ndarray) -> float:
    """np.median of a non-empty array without NaN, bit for bit, at a fraction of its overhead."""
    v = np.sort(values)
    half = len(v) // 2
    return float(v[half]) if len(v) % 2 else float((v[half - 1] + v[half]) / 2.0)


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """The root of all of a run's random numbers."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(int(rng))


class EcosystemModel(mesa.Model):
    """An ecosystem of chain leaders, specialized SMEs and suppliers; one step is one month.

    Build it from a validated scenario, or from flat keyword parameters
    (`EcosystemModel(n_smes=300, standardization=0.5, rng=1)`) for generic drivers.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        rng: Any = None,
        *,
        agent_data: bool = False,
        record_from: int = 0,
        **params: Any,
    ) -> None:
        if scenario is None:
            scenario = scenario_from_flat(**params)
        elif params:
            raise TypeError("give a scenario or keyword parameters, not both")
        self.scenario = scenario
        self.seed_seq = seed_sequence(rng)
        streams = dict(zip(STREAMS, self.seed_seq.spawn(len(STREAMS)), strict=True))
        super().__init__(rng=np.random.default_rng(streams["decisions"]))
        self._noise_roots = {name: streams[name] for name in ("demand", "productivity", "costs")}
        self._noise_blocks: dict[str, tuple[int, np.ndarray]] = {}  # stream -> (year, 12 months)
        self._productivity: tuple[int, np.ndarray] = (-1, np.ones(0))  # (year, 12 months)

        eco, prod, dem, ada, pol = (
            scenario.ecosystem,
            scenario.production,
            scenario.demand,
            scenario.adaptation,
            scenario.policy,
        )
        self.network = net = generate_network(eco, np.random.default_rng(streams["network"]))
        assert np.array_equal(net.firms_of_kind[LEADER], np.arange(eco.n_leaders)), (
            "leaders come first"
        )
        self.rules = SupplyRules(
            inventory_months=prod.inventory_days / DAYS_PER_MONTH,
            inventory_adjustment=prod.inventory_adjustment,
            expectation_smoothing=prod.expectation_smoothing,
            rationing=prod.rationing,
        )

        # the steady state: every firm produces what its customers need, inventories on target
        self.base_final_demand = dem.final_demand * net.leader_share
        demand0 = steady_state_demand(net, self.base_final_demand)
        inventory0 = self.rules.inventory_months * net.slot_coef * demand0[net.slot_firm]
        self.supply = SupplyState(
            capacity=np.maximum(demand0 * (1.0 + eco.capacity_slack), 1e-9),
            expected_demand=demand0.copy(),
            inventory=inventory0,
            low_fill_months=np.zeros(net.n_slots, dtype=np.int64),
            search_timer=np.full(net.n_slots, np.nan),
            inventory_factor=np.ones(net.n_firms),
        )
        self.normal_output = demand0
        self._set_prices()
        self.finance = FinanceSystem(self)
        # hooks through which later layers (innovation) act on trade; 1 = no effect
        self.productivity_factor = np.ones(net.n_firms)  # multiplies effective capacity
        # (and self.inventory_factor, in the supply state: multiplies inventory targets)
        self.leader_demand_factor = np.ones(eco.n_leaders)  # relative pull of each leader's product
        # objects with .step(t, flows), run after finance each month, and the data hooks
        # .extra_series() (their monthly series) and .agent_columns() (their per-firm columns)
        self.layers: list = []
        self.innovation = InnovationLayer(self)  # R&D, deals, certification (step 8)
        self.layers.append(self.innovation)

        spec = net.specificity[net.slot_product]
        softness = 1.0 - spec * (1.0 - ada.specific_reweight_factor) * (1.0 - pol.standardization)
        self.reweight_speed = ada.reweight_speed * softness
        self.search_months = (
            ada.search_months
            * (1.0 + ada.specificity_search_penalty * spec)
            * (1.0 - 0.5 * pol.standardization)
            * (1.0 - 0.5 * pol.matching_efficiency)
        )

        self.shocks = ShockSchedule(
            scenario.shocks,
            net,
            self.supply.capacity,
            np.random.default_rng(streams["shock_targets"]),
        )
        self._demand_noise = np.zeros(eco.n_leaders)
        self.flows: MarketFlows | None = None
        self.horizon = scenario.steps
        self.recorder = StepRecorder(scenario.steps, SERIES)
        self.record_from = record_from
        self.cum_value_added = np.zeros(net.n_firms)  # per firm, from month `record_from` on
        self.agent_data = agent_data
        self._agent_frames: list[pd.DataFrame] = []
        self._record_groups = _record_groups(net)

        # agents: the readable face of every firm, created in bulk; firm_agents[i] is firm i
        self.firm_agents: list[Firm] = []
        for kind, cls in AGENT_CLASSES.items():
            # as cls.create_agents does, without the AgentSet it returns (a third of the time)
            self.firm_agents.extend(
                cls(self, firm_id) for firm_id in net.firms_of_kind[kind].tolist()
            )
        self.running = True

    # ------------------------------------------------------------ prices and value
    def _set_prices(self) -> None:
        """Base prices: raw inputs cost 1; each tier prices at input cost / (1 - value-added share)."""
        net, prod = self.network, self.scenario.production
        n_c = net.n_components
        product_price = np.ones(net.n_products)
        sme_slots = net.kind[net.slot_firm] == SME
        cost = np.zeros(net.n_firms)
        np.add.at(
            cost,
            net.slot_firm[sme_slots],
            net.slot_coef[sme_slots] * product_price[net.slot_product[sme_slots]],
        )
        sme = net.firms_of_kind[SME]
        comp_cost = np.zeros(n_c)
        comp_cost[net.product[sme]] = cost[sme]  # every SME of a category has the same recipe
        product_price[:n_c] = comp_cost / (1.0 - prod.value_added_share_sme)
        leader_slots = net.kind[net.slot_firm] == LEADER
        leader_cost = np.zeros(net.n_firms)
        np.add.at(
            leader_cost,
            net.slot_firm[leader_slots],
            net.slot_coef[leader_slots] * product_price[net.slot_product[leader_slots]],
        )
        self.product_price = product_price
        self.price = np.where(
            net.kind == LEADER, leader_cost / (1.0 - prod.value_added_share_leader), 0.0
        )
        self.price[net.kind != LEADER] = product_price[net.product[net.kind != LEADER]]
        va_share = np.select(
            [net.kind == LEADER, net.kind == SME],
            [prod.value_added_share_leader, prod.value_added_share_sme],
            prod.value_added_share_supplier,
        )
        self.value_added_per_unit = va_share * self.price
        jobs = np.select(
            [net.kind == LEADER, net.kind == SME],
            [prod.jobs_per_value_added_leader, prod.jobs_per_value_added_sme],
            prod.jobs_per_value_added_supplier,
        )
        self.jobs_per_unit = jobs * self.value_added_per_unit

    # ------------------------------------------------------------ exogenous noise
    def noise(self, stream: str, t: int, size: int) -> np.ndarray:
        """Month t's `size` standard normals of a stream (see noise_year)."""
        return self.noise_year(stream, t // 12, size)[t % 12]

    def noise_year(self, stream: str, year: int, size: int) -> np.ndarray:
        """A year's standard normals of a stream, (12, size). They are drawn from a generator of
        the stream and year alone, so they never depend on what happened before (nor on the
        run's length): a shock run and its counterfactual see the same noise."""
        block = self._noise_blocks.get(stream)
        if block is None or block[0] != year:
            root = self._noise_roots[stream]
            rng = np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, year))
            )
            block = self._noise_blocks[stream] = (year, rng.standard_normal((12, size)))
        return block[1]

    def final_demand_now(self, t: int) -> np.ndarray:
        dem = self.scenario.demand
        rho, sigma = dem.noise_persistence, dem.noise_sigma
        shock = self.noise("demand", t, len(self.base_final_demand))
        self._demand_noise = rho * self._demand_noise + sigma * np.sqrt(1.0 - rho**2) * shock
        trend = (1.0 + dem.growth_per_year) ** (t / 12.0)
        shares = self.leader_demand_factor / (self.leader_demand_factor @ self.network.leader_share)
        return self.shocks.final_demand(
            self.base_final_demand * shares * trend * np.exp(self._demand_noise), t
        )

    def productivity_now(self, t: int) -> np.ndarray:
        """Idiosyncratic productivity, lognormal with mean 1 (computed a year at a time)."""
        year = t // 12
        if self._productivity[0] != year:
            sigma = self.scenario.production.productivity_sigma
            z = self.noise_year("productivity", year, self.network.n_firms)
            self._productivity = (year, np.exp(sigma * z - 0.5 * sigma**2))
        return self._productivity[1][t % 12]

    # ------------------------------------------------------------ the month
    @property
    def month(self) -> int:
        """0-based month being (or last) simulated."""
        return self.steps - 1

    @property
    def inventory_factor(self) -> np.ndarray:
        """Hook: multiplies each firm's input inventory target (1 = the scenario's
        inventory_days; digitalization lowers it). It lives in the supply state."""
        return self.supply.inventory_factor

    def step(self) -> None:
        t = self.month
        net, state, finance = self.network, self.supply, self.finance
        # 1. shocks
        self.capacity_loss = self.shocks.capacity_loss(t)
        # 3. demand
        final_demand = self.final_demand_now(t)
        self.liquidity = finance.liquidity_factor(t)
        # 4-5. orders upstream, production downstream; exited firms produce nothing and
        # firms short of cash and credit cut production
        effective = (
            state.capacity
            * (1.0 - self.capacity_loss)
            * self.productivity_now(t)
            * finance.state.alive
            * self.liquidity
            * self.productivity_factor
        )
        self.effective_capacity = effective
        flows = clear_market(net, state, final_demand, effective, self.rules)
        self.flows = flows
        # 6-7. payments, credit, defaults and contagion
        finance.settle(t, flows)
        # 8. innovation (R&D, demand lists, deals) when the layer is present
        for layer in self.layers:
            layer.step(t, flows)
        # 9. adaptation
        self._adapt(flows)
        # 10. data
        self._record(flows, final_demand)
        if self.steps >= self.horizon:
            self.running = False

    def _adapt(self, flows: MarketFlows) -> None:
        net, state, ada = self.network, self.supply, self.scenario.adaptation
        reweight_orders(net, flows.link_fill, self.reweight_speed, ada.weight_reversion)
        self._drop_settled_links_of_exited_firms()
        due = searches_due(
            state, flows.slot_fill, ada.search_trigger_fill, ada.search_patience, self.search_months
        )
        # the month's new links (slots, sellers), added at once when searches and entries are done
        new_links: tuple[list[int], list[int]] = ([], [])
        if len(due):
            self._qualify_new_sellers(due, new_links)
        adjust_capacity(
            state,
            self.scenario.ecosystem.capacity_slack,
            self.scenario.production.capacity_adjustment,
        )
        self.entries = self._enter_firms(new_links)
        net.add_links(*(np.asarray(x, dtype=np.int64) for x in new_links))

    def _drop_settled_links_of_exited_firms(self) -> None:
        """Links to or from an exited firm go (liquidation has settled the trade credit on them)."""
        net, alive = self.network, self.finance.state.alive
        if alive.all():
            return
        dead = np.flatnonzero(~alive[net.link_seller] | ~alive[net.slot_firm[net.link_slot]])
        if len(dead):
            open_credit = net.link_state["owed_seller"][dead].sum(axis=1) > 0
            drop = np.zeros(net.n_links, dtype=bool)
            drop[dead[~open_credit]] = True
            net.remove_links(drop)

    def _qualify_new_sellers(self, due: np.ndarray, new_links: tuple[list, list]) -> None:
        """Buyers whose search ended pick a new seller among available, not yet used ones
        (appended to `new_links`: slots, sellers)."""
        net, state, alive = self.network, self.supply, self.finance.state.alive
        available = (self.capacity_loss < 0.5) & alive
        spare = self.effective_capacity - self.flows.demand
        # each slot's current sellers: links are sorted by slot
        bounds = np.searchsorted(net.link_slot, np.concatenate([due, due + 1])).tolist()
        used = np.zeros(net.n_firms, dtype=bool)  # marks one slot's current sellers at a time
        new_slots, new_sellers = new_links
        for i, (k, buyer, product) in enumerate(
            zip(
                due.tolist(),
                net.slot_firm[due].tolist(),
                net.slot_product[due].tolist(),
                strict=True,
            )
        ):
            if not alive[buyer]:  # an exited buyer stops searching
                state.search_timer[k] = np.nan
                state.low_fill_months[k] = 0
                continue
            current = net.link_seller[bounds[i] : bounds[len(due) + i]]
            candidates = net.sellers_of(product)
            used[current] = True
            candidates = candidates[available[candidates] & ~used[candidates]]
            used[current] = False
            choice = self.firm_agents[buyer].choose_new_seller(candidates, spare[candidates])
            if choice is None:  # nobody to qualify: search again
                state.search_timer[k] = self.search_months[k]
                continue
            new_slots.append(k)
            new_sellers.append(choice)
            state.search_timer[k] = np.nan
            state.low_fill_months[k] = 0

    # ------------------------------------------------------------ entry
    def _enter_firms(self, new_links: tuple[list, list]) -> int:
        """Entrants take exited firms' places, in the categories most short of supply.

        One after another, each entrant picks its category, opens (so a later entrant can buy
        from it), qualifies its own sellers and meets a first customer or two; then all of
        them get their books and capacities at once. Their links go to `new_links`.
        """
        net, fin = self.network, self.finance.state
        rate = self.scenario.finance.entry_rate
        vacant = np.flatnonzero(~fin.alive & (net.kind != LEADER))
        if len(vacant) == 0 or rate == 0:
            return 0
        entrants = vacant[self.rng.random(len(vacant)) < rate]
        if len(entrants) == 0:
            return 0
        flows = self.flows
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
        # the category draw's probabilities, per tier; who can supply (alive and not disrupted)
        category_cdf = {}
        for kind, (lo, hi) in ((SME, (0, net.n_components)), (SUPPLIER, (net.n_components, p))):
            weight = shortage[lo:hi] + 0.01
            category_cdf[kind] = (lo, normalized_cdf(weight / weight.sum()))
        available = fin.alive & (self.capacity_loss < 0.5)
        spare = self.effective_capacity - flows.demand
        products = np.empty(len(entrants), dtype=np.int64)
        sizes = np.empty(len(entrants))
        new_slots, new_sellers = new_links
        for i, firm in enumerate(entrants.tolist()):
            lo, cdf = category_cdf[int(net.kind[firm])]
            products[i] = product = lo + cdf_pick(self.rng, cdf)
            sizes[i] = self._start_firm(firm, product, available, spare, new_slots, new_sellers)
        self._open_books(entrants, products, sizes)
        return len(entrants)

    def _start_firm(
        self,
        firm: int,
        product: int,
        available: np.ndarray,
        spare: np.ndarray,
        new_slots: list[int],
        new_sellers: list[int],
    ) -> float:
        """A new firm in an exited firm's place, half a typical firm of its category in size: it
        opens (`available` follows) and chooses new partners. Returns its size."""
        net, fin = self.network, self.finance.state
        net.change_product(firm, product)
        peers = net.sellers_of(product)
        peers = peers[fin.alive[peers]]
        size = 0.5 * (
            _median(self.normal_output[peers])
            if len(peers)
            else float(np.median(self.normal_output[net.kind == net.kind[firm]]))
        )
        self.normal_output[firm] = size
        fin.alive[firm] = True  # its books open in _open_books
        available[firm] = self.capacity_loss[firm] < 0.5
        self.firm_agents[firm].remove()
        agent = AGENT_CLASSES[int(net.kind[firm])](self, firm)
        self.firm_agents[firm] = agent
        # its own sellers, chosen like any buyer qualifies sellers
        per_slot = self.scenario.ecosystem.suppliers_per_raw_input
        first, end = net.slot_range(firm)
        for k, input_product in zip(
            range(first, end), net.slot_product[first:end].tolist(), strict=True
        ):
            candidates = net.sellers_of(input_product)
            candidates = candidates[available[candidates]]
            for _ in range(min(per_slot, len(candidates))):
                choice = agent.choose_new_seller(candidates, spare[candidates])
                new_slots.append(k)
                new_sellers.append(choice)
                candidates = candidates[candidates != choice]
        # and a first customer or two, met through the usual channels
        buyer_slots = net.slots_of(product)
        buyer_slots = buyer_slots[fin.alive[net.slot_firm[buyer_slots]]]
        for k in sample(self.rng, len(buyer_slots), min(2, len(buyer_slots))):
            new_slots.append(int(buyer_slots[k]))
            new_sellers.append(firm)
        return size

    def _open_books(self, firms: np.ndarray, products: np.ndarray, sizes: np.ndarray) -> None:
        """Entrants' capacity, empty input stores, prices at their category's, neutral layer factors
        and fresh capital."""
        net, supply = self.network, self.supply
        supply.capacity[firms] = sizes * (1.0 + self.scenario.ecosystem.capacity_slack)
        supply.expected_demand[firms] = sizes
        slots = net.slots_of_firms(firms)
        supply.inventory[slots] = 0.0
        supply.low_fill_months[slots] = 0
        supply.search_timer[slots] = np.nan
        price, va = self.price[firms], self.value_added_per_unit[firms]
        va_share = np.divide(va, price, out=np.ones(len(firms)), where=price > 0)
        jobs_per_va = np.divide(
            self.jobs_per_unit[firms], va, out=np.zeros(len(firms)), where=va > 0
        )
        price = self.product_price[products]
        va = va_share * price
        self.price[firms] = price
        self.value_added_per_unit[firms] = va
        self.jobs_per_unit[firms] = jobs_per_va * va
        # the layers' hooks start neutral: an entrant's technology and digital level are its own
        # and count from its start (the innovation layer sets the factors from its next step on)
        self.productivity_factor[firms] = 1.0
        supply.inventory_factor[firms] = 1.0
        self.finance.wage_factor[firms] = 1.0
        self.finance.open_firms(firms, price * sizes)

    # ------------------------------------------------------------ data collection
    def _record(self, flows: MarketFlows, final_demand: np.ndarray) -> None:
        net, state, alive = self.network, self.supply, self.finance.state.alive
        out, price = flows.output, self.price
        va = self.value_added_per_unit * out
        jobs = (
            self.jobs_per_unit
            * alive
            * (
                self.scenario.production.fixed_labor_share
                * state.capacity
                * self.liquidity
                / (1.0 + self.scenario.ecosystem.capacity_slack)
                + (1.0 - self.scenario.production.fixed_labor_share) * out
            )
        )
        if self.month >= self.record_from:
            self.cum_value_added += va
        firm_groups, slot_groups = self._record_groups
        # per group of firms (leaders, SMEs, suppliers, small domestic, domestic) and of slots
        # (leaders', SMEs'): the sums of these firm and slot quantities, in one product each
        va_sum, sales, jobs_sum, orders, count_alive = (
            np.stack([va, out * price, jobs, flows.demand * price, alive]) @ firm_groups
        )
        expected_use = net.slot_coef * state.expected_demand[net.slot_firm]
        received, ordered, stock, use = (
            np.stack([flows.slot_received, flows.slot_order, state.inventory, expected_use])
            @ slot_groups
        )
        raw_links = net.slot_product[flows.link_slot] >= net.n_components
        raw_delivered = flows.link_delivered * raw_links
        slot_weight_sq = np.bincount(
            flows.link_slot, weights=flows.link_weight**2, minlength=net.n_slots
        )
        leaders = slice(0, len(final_demand))  # leaders come first
        values = {
            "final_demand": _dot(final_demand, price[leaders]),
            "output": sales[LEADER],
            "unmet_demand": _dot(final_demand - out[leaders], price[leaders]),
            "value_added": va_sum[:3].sum(),
            "orders_sme": orders[SME],
            "orders_supplier": orders[SUPPLIER],
            "employment": jobs_sum[:3].sum(),
            "capacity_lost_share": _ratio(
                _dot(self.capacity_loss, state.capacity), state.capacity.sum()
            ),
            "disrupted_firms": float(np.count_nonzero(self.capacity_loss > 0)),
            "foreign_input_share": _ratio(
                _dot(raw_delivered, net.foreign[flows.link_seller]), raw_delivered.sum()
            ),
            "sourcing_hhi": _ratio(_dot(slot_weight_sq, flows.slot_order), flows.slot_order.sum()),
            "searches_active": float(np.count_nonzero(~np.isnan(state.search_timer))),
            "supply_links": float(len(flows.link_slot)),
            "sme_value_added_share": _ratio(va_sum[3], va_sum[4]),
            "sme_employment_share": _ratio(jobs_sum[3], jobs_sum[4]),
            "smes_alive": count_alive[SME],
        }
        values.update(self.finance.month)
        values["entries"] = float(self.entries)
        for layer in self.layers:  # each layer's own series (extra_series hook)
            values.update(layer.extra_series())
        for t, (va_name, sales_name, jobs_name) in TIER_SERIES.items():
            values[va_name] = va_sum[t]
            values[sales_name] = sales[t]
            values[jobs_name] = jobs_sum[t]
        for t, (fill_name, days_name) in BUYER_TIER_SERIES.items():
            values[fill_name] = _ratio(received[t], ordered[t])
            values[days_name] = DAYS_PER_MONTH * _ratio(stock[t], use[t])
        self.recorder.record(values)
        if self.agent_data:
            self._agent_frames.append(self._agent_snapshot(flows))

    def _agent_snapshot(self, flows: MarketFlows) -> pd.DataFrame:
        net = self.network
        inventory = np.bincount(net.slot_firm, weights=self.supply.inventory, minlength=net.n_firms)
        columns = {
            "step": np.full(net.n_firms, self.month, dtype=np.int32),
            "firm_id": np.arange(net.n_firms, dtype=np.int32),
            "type": pd.Categorical.from_codes(
                net.kind, [KIND_NAMES[k] for k in sorted(KIND_NAMES)]
            ),
            "product": net.product.astype(np.int32),
            "foreign": net.foreign,
            "orders_received": flows.demand,
            "output": flows.output,
            "sales": flows.output * self.price,
            "value_added": flows.output * self.value_added_per_unit,
            "capacity": self.supply.capacity.copy(),
            "capacity_lost": self.capacity_loss,
            "input_inventory": inventory,
        }
        for layer in self.layers:  # each layer's own per-firm columns (agent_columns hook)
            columns.update(layer.agent_columns())
        return pd.DataFrame(columns)

    # ------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        """One row a month: the per-step series (values at base prices)."""
        return self.recorder.frame()

    def agent_panel(self) -> pd.DataFrame:
        """Per-firm panel, one row per firm and month (only with agent_data=True)."""
        if not self._agent_frames:
            return pd.DataFrame()
        return pd.concat(self._agent_frames, ignore_index=True)

    def run(self, steps: int | None = None) -> EcosystemModel:
        """Step to the horizon (or `steps` more months)."""
        for _ in range(self.horizon - self.steps if steps is None else steps):
            self.step()
        return self

    def release(self) -> None:
        """Drop the agents so a finished model can be freed (Mesa 3.3 keeps them otherwise)."""
        self.remove_all_agents()
        self.firm_agents = []
        mesa.Agent._ids.pop(self, None)
