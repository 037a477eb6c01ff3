"""The firms as agents: the readable face of a firm and the decisions it takes.

A firm's numbers (capacity, inventories, output) live in the model's arrays, indexed
by `firm_id`; the properties below read them so a student can inspect one firm.
Decisions that are taken rarely and by one firm at a time live here as methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import EcosystemModel


class Firm(mesa.Agent):
    """Common face of all firms."""

    model: EcosystemModel
    kind_name = "firm"

    def __init__(self, model: EcosystemModel, firm_id: int) -> None:
        super().__init__(model)
        self.firm_id = int(firm_id)

    # ------------------------------------------------ state, read from the arrays
    @property
    def product(self) -> int:
        """Product category the firm makes (-1 for a leader's own final good)."""
        return int(self.model.network.product[self.firm_id])

    @property
    def is_foreign(self) -> bool:
        return bool(self.model.network.foreign[self.firm_id])

    @property
    def capacity(self) -> float:
        return float(self.model.supply.capacity[self.firm_id])

    @property
    def output(self) -> float:
        """Units produced last month."""
        return float(self.model.flows.output[self.firm_id]) if self.model.flows is not None else 0.0

    @property
    def orders_received(self) -> float:
        return float(self.model.flows.demand[self.firm_id]) if self.model.flows is not None else 0.0

    @property
    def input_inventory(self) -> dict[int, float]:
        """Input inventory by input product."""
        net = self.model.network
        slots = np.flatnonzero(net.slot_firm == self.firm_id)
        return {int(net.slot_product[k]): float(self.model.supply.inventory[k]) for k in slots}

    def sellers(self) -> dict[int, dict[int, float]]:
        """Current order shares: input product -> {seller firm id: share}."""
        net = self.model.network
        out: dict[int, dict[int, float]] = {}
        for e in np.flatnonzero(net.slot_firm[net.link_slot] == self.firm_id):
            out.setdefault(int(net.slot_product[net.link_slot[e]]), {})[int(net.link_seller[e])] = (
                float(net.link_weight[e])
            )
        return out

    # ------------------------------------------------ decisions
    def choose_new_seller(self, candidates: np.ndarray, spare_capacity: np.ndarray) -> int | None:
        """After a search, qualify one new seller: likelier the more spare capacity it has.

        Firms with no spare capacity are still possible (they can expand), at a small weight.
        """
        if len(candidates) == 0:
            return None
        weight = np.maximum(spare_capacity, 0.0) + 1e-3 * max(float(np.max(spare_capacity)), 1e-9)
        return int(self.model.rng.choice(candidates, p=weight / weight.sum()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(firm_id={self.firm_id}, product={self.product})"


class ChainLeader(Firm):
    """链主: a final assembler facing final demand; multi-sources components from SMEs."""

    kind_name = "leader"

    @property
    def final_demand(self) -> float:
        return self.orders_received

    @property
    def unmet_demand(self) -> float:
        return max(self.orders_received - self.output, 0.0)


class SpecializedSME(Firm):
    """专精特新中小企业: makes components of one niche category for the leaders."""

    kind_name = "sme"


class Supplier(Firm):
    """An upstream producer of one raw input; some are foreign (海外供应商)."""

    kind_name = "supplier"
