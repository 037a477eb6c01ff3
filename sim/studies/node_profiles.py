"""What a node of the production network is: its sellers, buyers, foreign share and the leaders exposed to it.

A node is a product category (all firms making it) or one upstream firm. Its profile is
read from the public state of a freshly built model (network, steady-state output and
prices), so it describes the ecosystem before any shock; sim.studies.critical relates the
output loss of each node's disruption to these features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork


@dataclass(frozen=True)
class _Market:
    """The arrays every profile reads: the network, each firm's sales and each link's buyer and product."""

    net: ProductionNetwork
    sales: np.ndarray
    buyer: np.ndarray
    link_product: np.ndarray
    total_upstream: float


def _exposure(leader_share: np.ndarray, leaders: np.ndarray) -> tuple[int, float]:
    leaders = np.unique(leaders)
    return len(leaders), float(leader_share[leaders].sum())


def _leaders_needing(net: ProductionNetwork, product: int) -> np.ndarray:
    """Leaders that buy `product` directly or, for a raw input, through a component made of it."""
    direct = net.slot_firm[(net.slot_product == product) & (net.kind[net.slot_firm] == LEADER)]
    if product < net.n_components:
        return direct
    comps = np.flatnonzero((net.component_recipe == product).any(axis=1))
    via = net.slot_firm[np.isin(net.slot_product, comps) & (net.kind[net.slot_firm] == LEADER)]
    return np.concatenate([direct, via])


def _category(m: _Market, product: int) -> tuple[dict[str, Any], float]:
    """The statistics a category node and each firm in it share; and the category's sales."""
    net, sales = m.net, m.sales
    n_c = net.n_components
    sellers = np.flatnonzero(net.product == product)
    cat_sales = float(sales[sellers].sum())
    foreign_sales = float(sales[sellers[net.foreign[sellers]]].sum())
    is_comp = product < n_c
    return {
        "category": f"component {product}" if is_comp else f"raw {product - n_c}",
        "specific": bool(net.specificity[product] > 0.5),
        "foreign_dependent": (not is_comp) and bool(net.foreign_dependent[product - n_c]),
        "sellers": len(sellers),
        "foreign_sellers": int(net.foreign[sellers].sum()),
        "foreign_sales_share": foreign_sales / cat_sales if cat_sales > 0 else math.nan,
    }, cat_sales


def _category_row(m: _Market, product: int, cat: dict[str, Any], cat_sales: float) -> dict:
    """The profile of a whole category disrupted at once."""
    net = m.net
    n_leaders, exposed = _exposure(net.leader_share, _leaders_needing(net, product))
    is_comp = product < net.n_components
    return {
        "node_type": "component" if is_comp else "raw",
        "node_id": product if is_comp else product - net.n_components,
        "node": cat["category"],
        **cat,
        "buyers": len(np.unique(m.buyer[m.link_product == product])),
        "leaders_exposed": n_leaders,
        "demand_exposed_share": exposed,
        "sales_share": cat_sales / m.total_upstream if m.total_upstream > 0 else math.nan,
        "alternatives": 0,  # the whole category is out
        "market_share": 1.0,
        "customer_dependence": math.nan,
    }


def _firm_row(m: _Market, firm: int, cat: dict[str, Any], cat_sales: float) -> dict:
    """The profile of one upstream firm: its customers, the leaders it reaches and its weight in its market."""
    net, sales, buyer = m.net, m.sales, m.buyer
    mine = net.link_seller == firm
    customers = np.unique(buyer[mine])
    direct_leaders = customers[net.kind[customers] == LEADER]
    if net.kind[firm] == SUPPLIER:  # leaders reached through the SMEs it supplies
        smes = customers[net.kind[customers] == SME]
        via = np.isin(net.link_seller, smes) & (net.kind[buyer] == LEADER)
        reached = np.concatenate([direct_leaders, buyer[via]])
    else:
        reached = direct_leaders
    n_leaders, exposed = _exposure(net.leader_share, reached)
    kind = "sme" if net.kind[firm] == SME else "supplier"
    foreign = bool(net.foreign[firm])
    return {
        "node_type": kind,
        "node_id": int(firm),
        "node": f"{'foreign ' if foreign else ''}{kind} #{firm} ({cat['category']})",
        **cat,
        "buyers": len(customers),
        "leaders_exposed": n_leaders,
        "demand_exposed_share": exposed,
        "sales_share": float(sales[firm]) / m.total_upstream if m.total_upstream > 0 else math.nan,
        "alternatives": cat["sellers"] - 1,
        "market_share": float(sales[firm]) / cat_sales if cat_sales > 0 else math.nan,
        "customer_dependence": float(net.link_weight[mine].mean()) if mine.any() else math.nan,
    }


def ecosystem_profile(model, top_k: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Profiles of every category and of the top-k upstream firms by sales; and those firms' ids.

    Reads the public state of a freshly built model (network, steady-state output, prices).
    """
    net = model.network
    sales = model.normal_output * model.price
    upstream = net.kind != LEADER
    m = _Market(
        net=net,
        sales=sales,
        buyer=net.slot_firm[net.link_slot],
        link_product=net.slot_product[net.link_slot],
        total_upstream=float(sales[upstream].sum()),
    )
    categories = [_category(m, product) for product in range(net.n_products)]
    rows = [_category_row(m, p, cat, cat_sales) for p, (cat, cat_sales) in enumerate(categories)]
    candidates = np.flatnonzero(upstream)
    top = candidates[np.argsort(-sales[candidates], kind="stable")[:top_k]]
    for firm in top:
        rows.append(_firm_row(m, firm, *categories[int(net.product[firm])]))
    return pd.DataFrame(rows), top
