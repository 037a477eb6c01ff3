"""Technology obsolescence shocks (`tech_obsolescence`): the frontier of some component categories
jumps, and old technology in them loses value: SMEs' niche technology, the components inside
leaders' products and the innovations still pending in the pool."""

from __future__ import annotations

import numpy as np

from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.innovation.tables import Table
from sim.ecosystem.innovation.technology import LeaderTechnology
from sim.ecosystem.keyed import Stream
from sim.scenario import TechObsolescence


def resolve_obsolescence(
    shocks: list, n_categories: int, draws: Stream
) -> list[tuple[TechObsolescence, np.ndarray]]:
    """Categories hit by each tech_obsolescence shock: those listed, or with `categories:
    random` the `count` categories with the smallest uniforms keyed by (the shock's start,
    its index among the scenario's shocks, the category). Resolved at build (the
    counterfactual has no shocks, so it draws none)."""
    out = []
    for i, s in enumerate(shocks):
        if isinstance(s, TechObsolescence):
            if s.categories == "random":
                count = min(s.count, n_categories)
                cats = draws.smallest(count, s.start, np.arange(n_categories), i)
            else:
                cats = np.asarray(s.categories, dtype=np.int64)
            out.append((s, np.sort(cats)))
    return out


def make_obsolete(
    shock: TechObsolescence,
    cats: np.ndarray,
    firms: InnovatingFirms,
    product: np.ndarray,
    technology: LeaderTechnology,
    pool: Table,
) -> None:
    """The frontier jumps; old technology in the categories loses value, also inside leaders' products."""
    hit = firms.is_sme & np.isin(product, cats)
    firms.tech[hit] *= 1.0 - shock.value_lost
    firms.frontier[cats] *= 1.0 + shock.frontier_jump
    technology.log_component[:, cats] += np.log1p(-shock.value_lost)
    technology.product_tech(firms.tech)
    if len(pool):
        pool["level"][np.isin(pool["category"], cats)] *= 1.0 - shock.value_lost
