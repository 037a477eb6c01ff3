"""What the innovation layer needs of the model it runs in (a Protocol, so the layer does not
import the model that builds it): the network, the finance layer, prices, the month, the seed,
and the hooks through which technology acts on trade."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.keyed import KeyedDraws
from sim.ecosystem.network import ProductionNetwork
from sim.scenario import Scenario


class EcosystemContext(Protocol):
    """The parts of `EcosystemModel` the innovation layer reads or sets."""

    scenario: Scenario
    network: ProductionNetwork
    finance: FinanceSystem
    draws: KeyedDraws  # the run's keyed random numbers (the layer's purposes: streams)
    price: np.ndarray  # each firm's price
    product_price: np.ndarray  # each product's price
    value_added_per_unit: np.ndarray
    normal_output: np.ndarray
    liquidity: np.ndarray  # this month's liquidity factor of each firm (1: not short of cash)
    # hooks the layer sets each month (1 = no effect)
    productivity_factor: np.ndarray
    leader_demand_factor: np.ndarray

    @property
    def month(self) -> int:
        """0-based month being simulated."""
        ...

    @property
    def inventory_factor(self) -> np.ndarray:
        """Hook multiplying each firm's input inventory target."""
        ...
