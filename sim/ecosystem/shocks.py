"""Shock schedule: which firms a shock hits, and how hard it bites in a given month.

Targets are chosen once, when the model is built, from a sequential generator of their own
(not keyed: the draw happens once, before any shock; the counterfactual has no shocks and
draws none). Every draw of the months is keyed (keyed.py), so choosing targets shifts none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ecosystem.network import LEADER, SME, SUPPLIER, ProductionNetwork
from sim.scenario import DemandShock, ForeignCutoff, LeaderFailure, ShockBase, SupplierDisruption


def intensity(shock: ShockBase, t: int) -> float:
    """How much of the shock's full size applies in month t (0 before and after)."""
    if t < shock.start:
        return 0.0
    if shock.duration is None:
        return 1.0
    age = t - shock.start
    if age >= shock.duration:
        return 0.0
    if shock.recovery == "linear":
        return 1.0 - age / shock.duration
    if shock.recovery == "exponential":
        return float(np.exp(-3.0 * age / shock.duration))
    return 1.0


def on_model_clock(shocks: list, burn_in: int) -> list:
    """The scenario's shocks with `start` on the model's clock: a scenario counts months from
    the end of the burn-in, the model from its first simulated month (the same objects
    without a burn-in)."""
    if not burn_in:
        return list(shocks)
    return [s.model_copy(update={"start": s.start + burn_in}) for s in shocks]


@dataclass
class ScheduledShock:
    spec: ShockBase
    firms: np.ndarray  # firm ids hit (capacity shocks, leader failures) or leader ids (demand)
    size: float  # share of capacity lost, or relative demand change


class ShockSchedule:
    """All shocks of a scenario, resolved to firms."""

    def __init__(
        self,
        shocks: list[ShockBase],
        net: ProductionNetwork,
        capacity: np.ndarray,
        rng: np.random.Generator,
    ):
        self.net = net
        self.items = [self._resolve(s, net, capacity, rng) for s in shocks]

    @staticmethod
    def _resolve(
        s: ShockBase, net: ProductionNetwork, capacity: np.ndarray, rng: np.random.Generator
    ) -> ScheduledShock:
        if isinstance(s, SupplierDisruption):
            tier = SUPPLIER if s.tier == "supplier" else SME
            pool = net.firms_of_kind[tier]
            if s.target == "firm":  # the scenario checked that the id is a firm of the tier
                firms = np.array([s.firm], dtype=np.int64)
            elif s.target == "category":
                offset = net.n_components if tier == SUPPLIER else 0
                firms = pool[net.product[pool] == offset + s.category]
            else:
                if s.target == "foreign":
                    pool = pool[net.foreign[pool]]
                n = s.count if s.count is not None else max(1, int(round(s.share * len(pool))))
                n = min(n, len(pool))
                if s.target == "largest":
                    firms = pool[np.argsort(-capacity[pool], kind="stable")[:n]]
                else:
                    firms = rng.choice(pool, n, replace=False)
            return ScheduledShock(s, np.sort(firms), s.capacity_loss)
        if isinstance(s, ForeignCutoff):
            sup = net.firms_of_kind[SUPPLIER]
            raw = net.product[sup] - net.n_components
            if s.categories == "all":
                hit = np.ones(len(sup), dtype=bool)
            elif s.categories == "dependent":
                hit = net.foreign_dependent[raw]
            else:
                hit = np.isin(raw, s.categories)
            return ScheduledShock(s, sup[hit & net.foreign[sup]], s.capacity_loss)
        if isinstance(s, DemandShock):
            n_l = len(net.leader_share)
            n = max(1, int(round(s.leaders_share * n_l)))
            leaders = np.argsort(-net.leader_share, kind="stable")[:n]
            return ScheduledShock(s, np.sort(leaders), s.change)
        if isinstance(s, LeaderFailure):
            leaders = net.firms_of_kind[LEADER]
            if s.target == "largest":
                firms = leaders[np.argsort(-net.leader_share, kind="stable")[: s.count]]
            else:
                firms = rng.choice(leaders, s.count, replace=False)
            return ScheduledShock(s, np.sort(firms), 1.0)
        # shocks acting on money (credit_crunch) are applied by the finance layer, on technology
        # (tech_obsolescence) by the innovation layer: no capacity effect here
        return ScheduledShock(s, np.zeros(0, dtype=np.int64), 0.0)

    def capacity_loss(self, t: int) -> np.ndarray:
        """Share of each firm's capacity out of action in month t (shocks combine multiplicatively)."""
        remaining = np.ones(self.net.n_firms)
        for item in self.items:
            if isinstance(item.spec, SupplierDisruption | ForeignCutoff | LeaderFailure):
                x = intensity(item.spec, t)
                if x > 0:
                    remaining[item.firms] *= 1.0 - item.size * x
        return 1.0 - remaining

    def final_demand(self, base: np.ndarray, t: int) -> np.ndarray:
        """Final demand per leader after demand shocks and the demand that leaves failed leaders."""
        demand = base.copy()
        for item in self.items:
            if isinstance(item.spec, DemandShock):
                x = intensity(item.spec, t)
                if x > 0:
                    demand[item.firms] *= 1.0 + item.size * x
        for item in self.items:
            if isinstance(item.spec, LeaderFailure) and intensity(item.spec, t) > 0:
                failed = np.zeros(len(demand), dtype=bool)
                failed[item.firms] = True
                moved = item.spec.demand_redirect * demand[failed].sum()
                survivors = demand[~failed].sum()
                if survivors > 0:
                    # buyers who switch leave the failed leaders; the rest stay, unserved
                    demand[failed] *= 1.0 - item.spec.demand_redirect
                    demand[~failed] *= 1.0 + moved / survivors
        return demand

    def disrupted(self, t: int) -> np.ndarray:
        """Firms with any capacity out of action in month t."""
        return self.capacity_loss(t) > 0

    @property
    def first_start(self) -> int | None:
        return min((item.spec.start for item in self.items), default=None)

    def directly_hit(self) -> np.ndarray:
        """Firms whose own capacity any shock hits (for direct vs indirect losses)."""
        hit = np.zeros(self.net.n_firms, dtype=bool)
        for item in self.items:
            if not isinstance(item.spec, DemandShock):
                hit[item.firms] = True
        return hit
