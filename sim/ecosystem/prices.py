"""Base prices and value added: raw inputs cost 1 and each tier prices its product at input
cost / (1 - its value-added share), so every firm's value added and jobs per unit follow
from the recipes. Values throughout the model are at these base prices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ecosystem.network import LEADER, SME, ProductionNetwork
from sim.scenario import Production


@dataclass
class BasePrices:
    product_price: np.ndarray  # (P,) price of each product category
    price: np.ndarray  # (N,) each firm's selling price
    value_added_per_unit: np.ndarray  # (N,)
    jobs_per_unit: np.ndarray  # (N,)


def _input_cost(net: ProductionNetwork, buyer_kind: int, product_price: np.ndarray) -> np.ndarray:
    """Each firm's cost of the inputs of one unit, summed over the slots of firms of a kind."""
    slots = net.kind[net.slot_firm] == buyer_kind
    cost = np.zeros(net.n_firms)
    np.add.at(
        cost, net.slot_firm[slots], net.slot_coef[slots] * product_price[net.slot_product[slots]]
    )
    return cost


def base_prices(net: ProductionNetwork, prod: Production) -> BasePrices:
    """Prices tier by tier from the raw inputs up; value added and jobs per unit at those prices."""
    n_c = net.n_components
    product_price = np.ones(net.n_products)
    cost = _input_cost(net, SME, product_price)
    sme = net.firms_of_kind[SME]
    comp_cost = np.zeros(n_c)
    comp_cost[net.product[sme]] = cost[sme]  # every SME of a category has the same recipe
    product_price[:n_c] = comp_cost / (1.0 - prod.value_added_share_sme)
    leader_cost = _input_cost(net, LEADER, product_price)
    price = np.where(net.kind == LEADER, leader_cost / (1.0 - prod.value_added_share_leader), 0.0)
    price[net.kind != LEADER] = product_price[net.product[net.kind != LEADER]]
    va_share = np.select(
        [net.kind == LEADER, net.kind == SME],
        [prod.value_added_share_leader, prod.value_added_share_sme],
        prod.value_added_share_supplier,
    )
    value_added_per_unit = va_share * price
    jobs = np.select(
        [net.kind == LEADER, net.kind == SME],
        [prod.jobs_per_value_added_leader, prod.jobs_per_value_added_sme],
        prod.jobs_per_value_added_supplier,
    )
    return BasePrices(product_price, price, value_added_per_unit, jobs * value_added_per_unit)


def reprice_entrants(prices: BasePrices, firms: np.ndarray, products: np.ndarray) -> np.ndarray:
    """Entrants sell at their new category's price, with their place's value-added share and
    jobs per value added (arrays updated in place). Returns their prices."""
    price, va = prices.price[firms], prices.value_added_per_unit[firms]
    va_share = np.divide(va, price, out=np.ones(len(firms)), where=price > 0)
    jobs_per_va = np.divide(prices.jobs_per_unit[firms], va, out=np.zeros(len(firms)), where=va > 0)
    price = prices.product_price[products]
    va = va_share * price
    prices.price[firms] = price
    prices.value_added_per_unit[firms] = va
    prices.jobs_per_unit[firms] = jobs_per_va * va
    return price
