"""EcosystemModel: builds the ecosystem and orders the month; the mechanisms live in modules
of their own.

Step order (DESIGN section 3): 1. shocks start or end (shocks); 3. final demand; 4-5. orders
flow upstream, production downstream with rationing (supply); 6-7. payments, credit,
defaults (finance); 8. innovation and policy (the layers); 9. adaptation: re-weighting and
search for new sellers (sourcing), capacity (supply), entry (entry); 10. data collection
(recording).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.ecosystem.agents import Firm
from sim.ecosystem.entry import AGENT_CLASSES, create_agents, enter_firms
from sim.ecosystem.finance import MONTH_FIGURES, FinanceSystem
from sim.ecosystem.fork import fork
from sim.ecosystem.innovation import INNOVATION_SERIES, InnovationLayer
from sim.ecosystem.keyed import KeyedDraws
from sim.ecosystem.link_turnover import (
    drop_settled_ended_links,
    end_links,
    monthly_hazard,
    sourcing_count,
)
from sim.ecosystem.network import LEADER, generate_network
from sim.ecosystem.noise import STREAMS, ExogenousNoise, seed_sequence
from sim.ecosystem.prices import base_prices
from sim.ecosystem.recording import (
    CORE_SERIES,
    StepRecorder,
    agent_snapshot,
    month_values,
    record_groups,
)
from sim.ecosystem.shocks import ShockSchedule, on_model_clock
from sim.ecosystem.sourcing import (
    drop_settled_links_of_exited_firms,
    qualify_new_sellers,
    sourcing_speeds,
)
from sim.ecosystem.supply import (
    MarketFlows,
    SupplyRules,
    adjust_capacity,
    clear_market,
    reweight_orders,
    searches_due,
    steady_state_supply,
)
from sim.scenario import Scenario, scenario_from_flat

__all__ = ["AGENT_CLASSES", "SERIES", "STREAMS", "EcosystemModel", "seed_sequence"]

SERIES = (*CORE_SERIES, *MONTH_FIGURES, *INNOVATION_SERIES)


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
        record_until: int | None = None,
        **params: Any,
    ) -> None:
        if scenario is None:
            scenario = scenario_from_flat(**params)
        elif params:
            raise TypeError("give a scenario or keyword parameters, not both")
        self._set_clock(scenario)
        self.seed_seq = seed_sequence(rng)
        # Mesa's generator is for Mesa alone: month draws are keyed by (purpose, month, entity);
        # the network and the shock targets are drawn once, sequentially, at build (noise.py)
        streams = dict(zip(STREAMS, self.seed_seq.spawn(len(STREAMS)), strict=True))
        super().__init__(rng=np.random.default_rng(streams["mesa"]))
        self.draws = KeyedDraws(streams["keyed"])
        self._noise = ExogenousNoise(self.draws)
        eco = scenario.ecosystem
        self.network = net = generate_network(eco, np.random.default_rng(streams["network"]))
        assert np.array_equal(net.firms_of_kind[LEADER], np.arange(eco.n_leaders)), (
            "leaders come first"
        )
        self.rules = SupplyRules.of(scenario.production)
        # the steady state: every firm produces what its customers need, inventories on target
        self.base_final_demand = scenario.demand.final_demand * net.leader_share
        self.supply, self.normal_output = steady_state_supply(
            net, self.base_final_demand, self.rules, eco.capacity_slack
        )
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
        self.reweight_speed, self.search_months = sourcing_speeds(
            net, scenario.adaptation, scenario.policy
        )
        self.shocks = ShockSchedule(
            self.shock_specs,
            net,
            self.supply.capacity,
            np.random.default_rng(streams["shock_targets"]),
        )
        self._demand_noise = np.zeros(eco.n_leaders)
        self.flows: MarketFlows | None = None
        self.horizon = self.burn_in + scenario.steps
        self._start_records(agent_data, record_from, record_until)
        # agents: the readable face of every firm, created in bulk; firm_agents[i] is firm i
        self.firm_agents: list[Firm] = create_agents(self, net)
        self.running = True

    def _set_clock(self, scenario: Scenario) -> None:
        """The scenario, its burn-in (months simulated before the first recorded one) and its
        shocks on the model's clock: that clock (self.month, every keyed draw, the yearly
        reviews) counts from the first simulated month; the series, record_from/record_until
        and the scenario's shock starts count from the end of the burn-in."""
        self.scenario = scenario
        self.burn_in = scenario.burn_in
        self.shock_specs = on_model_clock(scenario.shocks, self.burn_in)

    def _start_records(self, agent_data: bool, record_from: int, record_until: int | None) -> None:
        """The recorder of the series, the per-firm panel (with agent_data) and value added
        summed per firm over months [record_from, record_until) (a resilience window)."""
        net = self.network
        self.recorder = StepRecorder(self.scenario.steps, SERIES)
        self.record_from = record_from
        self.record_until = 2**62 if record_until is None else record_until
        self.cum_value_added = np.zeros(net.n_firms)
        self.agent_data = agent_data
        self._agent_frames: list[pd.DataFrame] = []
        self.record_group_weights = record_groups(net)

    def _set_prices(self) -> None:
        """Base prices, value added and jobs per unit (see prices)."""
        prices = base_prices(self.network, self.scenario.production)
        self.product_price, self.price = prices.product_price, prices.price
        self.value_added_per_unit = prices.value_added_per_unit
        self.jobs_per_unit = prices.jobs_per_unit

    # ------------------------------------------------------------ exogenous noise
    def noise(self, stream: str, t: int, size: int) -> np.ndarray:
        """Month t's standard normals of entities 0 .. size - 1 of a noise purpose (demand: per
        leader; productivity, costs: per firm slot), keyed by (purpose, month, entity): they
        never depend on what happened before, on the run's length or on `size`."""
        return self._noise.month(stream, t, size)

    def noise_year(self, stream: str, year: int, size: int) -> np.ndarray:
        """A year's standard normals of a noise purpose, (12, size): the months' `noise`."""
        return self._noise.year(stream, year, size)

    def final_demand_now(self, t: int) -> np.ndarray:
        """Final demand per leader: trend, AR(1) noise, the leaders' relative pull and shocks."""
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
        sigma = self.scenario.production.productivity_sigma
        return self._noise.productivity(t, sigma, self.network.n_firms)

    # ------------------------------------------------------------ the month
    @property
    def month(self) -> int:
        """0-based month being (or last) simulated, burn-in included (the keyed draws' month)."""
        return self.steps - 1

    @property
    def recorded_month(self) -> int:
        """The month's row in the series: `month` less the burn-in (negative during it)."""
        return self.steps - 1 - self.burn_in

    @property
    def inventory_factor(self) -> np.ndarray:
        """Hook: multiplies each firm's input inventory target (1 = the scenario's
        inventory_days; digitalization lowers it). It lives in the supply state."""
        return self.supply.inventory_factor

    def step(self) -> None:
        t = self.month
        finance = self.finance
        # 1. shocks
        self.capacity_loss = self.shocks.capacity_loss(t)
        # 3. demand
        final_demand = self.final_demand_now(t)
        self.liquidity = finance.liquidity_factor(t)
        # 4-5. orders upstream, production downstream; exited firms produce nothing and
        # firms short of cash and credit cut production
        self.effective_capacity = (
            self.supply.capacity
            * (1.0 - self.capacity_loss)
            * self.productivity_now(t)
            * finance.state.alive
            * self.liquidity
            * self.productivity_factor
        )
        flows = clear_market(
            self.network, self.supply, final_demand, self.effective_capacity, self.rules
        )
        self.flows = flows
        # 6-7. payments, credit, defaults and contagion
        finance.settle(t, flows)
        # 8. innovation (R&D, demand lists, deals) when the layer is present
        for layer in self.layers:
            layer.step(t, flows)
        # 9. adaptation
        self._adapt(flows)
        # 10. data (none during the burn-in; the run's totals start after it)
        if t >= self.burn_in:
            self._record(flows, final_demand)
        elif t == self.burn_in - 1:
            self._end_burn_in()
        if self.steps >= self.horizon:
            self.running = False

    def _adapt(self, flows: MarketFlows) -> None:
        """Re-weight orders, drop exited firms' links, end searches with new sellers, adjust
        capacity, let firms enter; the month's new links are added at once at the end."""
        net, state, ada = self.network, self.supply, self.scenario.adaptation
        alive = self.finance.state.alive
        reweight_orders(net, flows.link_fill, self.reweight_speed, ada.weight_reversion)
        drop_settled_links_of_exited_firms(net, alive)
        self._turn_over_links(alive)
        due = searches_due(
            state, flows.slot_fill, ada.search_trigger_fill, ada.search_patience, self.search_months
        )
        new_links: tuple[list[int], list[int]] = ([], [])  # slots, sellers
        if len(due):
            available = (self.capacity_loss < 0.5) & alive
            spare = self.effective_capacity - self.flows.demand
            qualify_new_sellers(
                net,
                state,
                due,
                alive,
                available,
                spare,
                self.firm_agents,
                self.search_months,
                new_links,
                self.draws["new_seller"],
                self.month,
            )
        adjust_capacity(
            state,
            self.scenario.ecosystem.capacity_slack,
            self.scenario.production.capacity_adjustment,
        )
        self.entries = enter_firms(self, new_links)
        net.add_links(*(np.asarray(x, dtype=np.int64) for x in new_links))

    def _turn_over_links(self, alive: np.ndarray) -> None:
        """Links end at the scenario's half-life; short buyers re-match (link_turnover)."""
        hazard = monthly_hazard(self.scenario.adaptation.link_half_life)
        if hazard > 0:
            net = self.network
            drop_settled_ended_links(net, alive)
            market = (
                (self.capacity_loss < 0.5) & alive,
                self.effective_capacity - self.flows.demand,
                self.flows.slot_order,
            )
            self.links_ended = end_links(
                net,
                alive,
                market,
                self.firm_agents,
                hazard,
                sourcing_count(net, self.scenario.ecosystem),
                self.draws,
                self.month,
            )

    def _end_burn_in(self) -> None:
        """The run's totals (outcomes over the recorded months) start from here."""
        self.finance.start_recording()
        for layer in self.layers:
            layer.start_recording()

    def _record(self, flows: MarketFlows, final_demand: np.ndarray) -> None:
        """The month's row of series, and its per-firm rows with agent_data."""
        self.recorder.record(month_values(self, flows, final_demand))
        if self.agent_data:
            self._agent_frames.append(agent_snapshot(self, flows))

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
        """Step to the horizon, the burn-in then the recorded months (or `steps` more months)."""
        for _ in range(self.horizon - self.steps if steps is None else steps):
            self.step()
        return self

    def fork(
        self, *, without_shocks: bool = False, agent_data: bool | None = None
    ) -> EcosystemModel:
        """An independent copy in the current state (see fork.py); `without_shocks`: the
        counterfactual, forked before the first shock starts. Release both when done."""
        return fork(self, without_shocks=without_shocks, agent_data=agent_data)

    def release(self) -> None:
        """Drop the agents so a finished model can be freed (Mesa 3.3 keeps them otherwise)."""
        self.remove_all_agents()
        self.firm_agents = []
        mesa.Agent._ids.pop(self, None)
