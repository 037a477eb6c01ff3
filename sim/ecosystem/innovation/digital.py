"""SMEs' digital levels (0..1; leaders and suppliers stay at 1): each quarter an SME invests a
step toward full digitalization (faster with the digital subsidy). A digital level raises the
SME's R&D productivity, its chance of reaching a leader at matchmaking, its efficiency and its
inventory turnover (a smaller input inventory target: less buffer)."""

from __future__ import annotations

import math

import numpy as np

from sim.ecosystem.innovation.arrays import fast_dot
from sim.ecosystem.keyed import beta_quantile
from sim.scenario import Innovation, Policy


class DigitalLevels:
    """Levels, what full digitalization costs each SME, and what depends on the levels (cached:
    the levels move only quarterly and on entry)."""

    def __init__(
        self,
        rules: Innovation,
        smes: np.ndarray,
        S: slice | np.ndarray,
        normal_revenue: np.ndarray,
        uniforms: np.ndarray,
    ) -> None:
        """`uniforms`: one keyed uniform per SME, turned into its Beta starting level."""
        self.rules, self.S = rules, S
        self.level = np.ones(len(normal_revenue))
        self.level[smes] = self.starting_level(uniforms)
        self.level0 = self.level.copy()
        self.cost = rules.digital_cost_months * normal_revenue  # of full digitalization
        self.rd_boost = 1.0 + rules.digital_rd_gain * self.level[S]  # of the SMEs' R&D
        self._stale = True  # levels moved since the trade factors were last set
        self._mean: float | None = None  # mean level of living SMEs, when known
        self._efficiency: np.ndarray | None = None

    def changed(self) -> None:
        """Levels moved (quarterly investment, entrants): refresh what depends on them."""
        self.rd_boost = 1.0 + self.rules.digital_rd_gain * self.level[self.S]
        self._stale = True
        self._mean = None

    def forget_mean(self) -> None:
        """SMEs entered or exited: the mean over the living ones is to be taken again."""
        self._mean = None

    def invest(self, smes_alive: np.ndarray, policy: Policy) -> np.ndarray:
        """A quarter's investment: each living SME closes a share of its gap to full digitalization.
        Returns what it costs each firm."""
        rules = self.rules
        speed = rules.digital_adoption * (
            1.0 + rules.digital_subsidy_uptake * policy.digital_subsidy
        )
        step = (1.0 - (1.0 - speed) ** 3) * (1.0 - self.level) * smes_alive
        cost = step * self.cost
        self.level += step
        self.changed()
        return cost

    def starting_level(self, uniforms: np.ndarray) -> np.ndarray:
        """Beta(digital_start) levels by inversion of keyed uniforms (one each)."""
        return beta_quantile(*self.rules.digital_start, uniforms)

    def enter(self, new: np.ndarray, uniforms: np.ndarray, normal_revenue: np.ndarray) -> None:
        """Entrant SMEs draw a starting level (one keyed uniform each)."""
        self.level[new] = self.starting_level(uniforms)
        self.level0[new] = self.level[new]
        self.cost[new] = self.rules.digital_cost_months * normal_revenue
        self.changed()

    def efficiency(self, inventory_factor: np.ndarray) -> np.ndarray:
        """The SMEs' efficiency relative to the start (seed 002: +30 % at full digitalization); when
        the levels moved, also their input inventory targets (turnover +50 % at full)."""
        if self._stale:
            d, g = self.rules.digital_efficiency, self.rules.digital_inventory_turnover
            digital, digital0 = self.level[self.S], self.level0[self.S]
            self._efficiency = (1.0 + d * digital) / (1.0 + d * digital0)
            # turnover = input use / inventory: a target divided by the turnover gain
            inventory_factor[self.S] = (1.0 + g * digital0) / (1.0 + g * digital)
            self._stale = False
        return self._efficiency

    def mean_of_living(self, alive_smes: np.ndarray, n_alive: int) -> float:
        """Mean level of the living SMEs (alive_smes: alive over the SMEs)."""
        if self._mean is None:
            self._mean = (
                float(fast_dot(self.level[self.S], alive_smes) / n_alive) if n_alive else math.nan
            )
        return self._mean
