"""The month's record (step 10): the economy's series, summed over groups of firms and
slots, and optionally a per-firm panel; one row of values per month, a frame at the end."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.network import KIND_NAMES, LEADER, SME, SUPPLIER, ProductionNetwork
from sim.ecosystem.supply import DAYS_PER_MONTH, MarketFlows, SupplyState
from sim.scenario import Scenario

# the model's own series; the finance and innovation layers' series follow them
CORE_SERIES = (
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


class StepRecorder:
    """One row of values a month (a list: a month's values go in at once), made into
    columns when the frame is asked for."""

    def __init__(self, steps: int, columns: tuple[str, ...]):
        self.columns = columns
        self.rows: list[list[float]] = []

    @property
    def n(self) -> int:
        return len(self.rows)

    def record(self, values: dict[str, float]) -> None:
        self.rows.append([values[c] for c in self.columns])

    def frame(self) -> pd.DataFrame:
        data = np.array(self.rows, dtype=float).reshape(self.n, len(self.columns)).T
        df = pd.DataFrame(dict(zip(self.columns, data, strict=True)))
        df.insert(0, "step", np.arange(self.n))
        return df


class RecordedModel(Protocol):
    """What the month's record reads of the model (and the running totals it keeps there)."""

    network: ProductionNetwork
    scenario: Scenario
    supply: SupplyState
    finance: FinanceSystem
    price: np.ndarray
    value_added_per_unit: np.ndarray
    jobs_per_unit: np.ndarray
    liquidity: np.ndarray
    capacity_loss: np.ndarray
    entries: int
    layers: list
    month: int
    recorded_month: int
    record_from: int
    record_until: int
    cum_value_added: np.ndarray
    record_group_weights: tuple[np.ndarray, np.ndarray]


def record_groups(net: ProductionNetwork) -> tuple[np.ndarray, np.ndarray]:
    """0/1 weights of the groups the monthly record sums over (kinds and foreign ownership
    never change): firms (N, 5) by leaders, SMEs, suppliers, small domestic, domestic; slots
    (K, 2) by leaders' and SMEs'."""
    domestic = ~net.foreign
    firms = [net.kind == t for t in KIND_NAMES] + [(net.kind != LEADER) & domestic, domestic]
    slots = [net.kind[net.slot_firm] == t for t in (LEADER, SME)]
    return np.stack(firms, axis=1).astype(float), np.stack(slots, axis=1).astype(float)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """A 1-D dot product without BLAS threads (they cost more than they save on a busy 2-core machine)."""
    return float(np.multiply(a, b).sum())


def _ratio(a: float, b: float) -> float:
    """a / b, NaN when b is not positive (a share of nothing is undefined)."""
    return float(a / b) if b > 0 else np.nan


def _jobs(model: RecordedModel, output: np.ndarray) -> np.ndarray:
    """Each firm's jobs: a fixed share staffs its normal capacity (as far as it can pay), the
    rest follows output; exited firms employ no one."""
    prod, state = model.scenario.production, model.supply
    return (
        model.jobs_per_unit
        * model.finance.state.alive
        * (
            prod.fixed_labor_share
            * state.capacity
            * model.liquidity
            / (1.0 + model.scenario.ecosystem.capacity_slack)
            + (1.0 - prod.fixed_labor_share) * output
        )
    )


def month_values(
    model: RecordedModel, flows: MarketFlows, final_demand: np.ndarray
) -> dict[str, float]:
    """The month's values of the core series, the finance figures and the layers' series;
    adds the month's value added to the running total over months [record_from, record_until)."""
    net, state, price = model.network, model.supply, model.price
    out = flows.output
    va = model.value_added_per_unit * out
    jobs = _jobs(model, out)
    if model.record_from <= model.recorded_month < model.record_until:
        model.cum_value_added += va
    firm_groups, slot_groups = model.record_group_weights
    # per group of firms (leaders, SMEs, suppliers, small domestic, domestic) and of slots
    # (leaders', SMEs'): the sums of these firm and slot quantities, in one product each
    va_sum, sales, jobs_sum, orders, count_alive = (
        np.stack([va, out * price, jobs, flows.demand * price, model.finance.state.alive])
        @ firm_groups
    )
    expected_use = net.slot_coef * state.expected_demand[net.slot_firm]
    received, ordered, stock, use = (
        np.stack([flows.slot_received, flows.slot_order, state.inventory, expected_use])
        @ slot_groups
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
        **_network_values(model, flows),
        "sme_value_added_share": _ratio(va_sum[3], va_sum[4]),
        "sme_employment_share": _ratio(jobs_sum[3], jobs_sum[4]),
        "smes_alive": count_alive[SME],
    }
    values.update(model.finance.month)
    values["entries"] = float(model.entries)
    for layer in model.layers:  # each layer's own series (extra_series hook)
        values.update(layer.extra_series())
    for t, (va_name, sales_name, jobs_name) in TIER_SERIES.items():
        values[va_name] = va_sum[t]
        values[sales_name] = sales[t]
        values[jobs_name] = jobs_sum[t]
    for t, (fill_name, days_name) in BUYER_TIER_SERIES.items():
        values[fill_name] = _ratio(received[t], ordered[t])
        values[days_name] = DAYS_PER_MONTH * _ratio(stock[t], use[t])
    return values


def _network_values(model: RecordedModel, flows: MarketFlows) -> dict[str, float]:
    """The month's disruption and sourcing figures."""
    net, state, loss = model.network, model.supply, model.capacity_loss
    raw_links = net.slot_product[flows.link_slot] >= net.n_components
    raw_delivered = flows.link_delivered * raw_links
    slot_weight_sq = np.bincount(
        flows.link_slot, weights=flows.link_weight**2, minlength=net.n_slots
    )
    return {
        "capacity_lost_share": _ratio(_dot(loss, state.capacity), state.capacity.sum()),
        "disrupted_firms": float(np.count_nonzero(loss > 0)),
        "foreign_input_share": _ratio(
            _dot(raw_delivered, net.foreign[flows.link_seller]), raw_delivered.sum()
        ),
        "sourcing_hhi": _ratio(_dot(slot_weight_sq, flows.slot_order), flows.slot_order.sum()),
        "searches_active": float(np.count_nonzero(~np.isnan(state.search_timer))),
        "supply_links": float(len(flows.link_slot)),
    }


def agent_snapshot(model: RecordedModel, flows: MarketFlows) -> pd.DataFrame:
    """The month's row of every firm in the per-firm panel, with the layers' own columns."""
    net = model.network
    inventory = np.bincount(net.slot_firm, weights=model.supply.inventory, minlength=net.n_firms)
    columns = {
        "step": np.full(net.n_firms, model.recorded_month, dtype=np.int32),
        "firm_id": np.arange(net.n_firms, dtype=np.int32),
        "type": pd.Categorical.from_codes(net.kind, [KIND_NAMES[k] for k in sorted(KIND_NAMES)]),
        "product": net.product.astype(np.int32),
        "foreign": net.foreign,
        "orders_received": flows.demand,
        "output": flows.output,
        "sales": flows.output * model.price,
        "value_added": flows.output * model.value_added_per_unit,
        "capacity": model.supply.capacity.copy(),
        "capacity_lost": model.capacity_loss,
        "input_inventory": inventory,
    }
    for layer in model.layers:  # each layer's own per-firm columns (agent_columns hook)
        columns.update(layer.agent_columns())
    return pd.DataFrame(columns)
