"""The run's random numbers: the seed sequence, the keyed draws, and the exogenous noise.

Every draw made during the months is keyed (see keyed.py): a function of the root seed, its
purpose, the month and the entity it is for, never of how many other entities there are or
of the order they are visited in. A shocked run and its counterfactual therefore draw the same
numbers for every entity whose state (and so whose use of the draws) agrees in the two runs;
a shock changes the draws of an entity only by changing what happens to that entity (e.g. an
exit leaves a vacancy whose entry draws are used, a new seller changes the candidates of a
search). Two generators stay sequential, both used once while the model is built, before
any shock, and identical in the shocked run and its counterfactual: the network's and the
shock targets'. Mesa's `model.rng` is seeded from a stream of its own for Mesa's use only:
no model draw comes from it.

The exogenous noise (demand, productivity, overhead costs) is a standard normal keyed by
(month, entity): a leader for demand, a firm slot for productivity and costs. It never depends
on the run's length, on what happened before or on how many entities there are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.ecosystem.keyed import KeyedDraws

# the sequential generators, spawned from the root seed sequence in this order
STREAMS = ("network", "shock_targets", "mesa", "keyed")
NOISE_STREAMS = ("demand", "productivity", "costs")  # the keyed purposes of exogenous noise


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """The root of all of a run's random numbers."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(int(rng))


class ExogenousNoise:
    """Standard normals by purpose, month and entity (the entity's index: a leader or a firm),
    computed a year of months at a time (fewer calls; the same numbers as month by month)."""

    def __init__(self, draws: KeyedDraws) -> None:
        self._draws = draws
        self._blocks: dict[str, tuple[int, np.ndarray]] = {}  # purpose -> (year, 12 months)
        self._ids = np.arange(0, dtype=np.int64)
        self._productivity: tuple[int, float, np.ndarray] = (-1, 0.0, np.ones((12, 0)))

    def _entities(self, size: int) -> np.ndarray:
        if len(self._ids) < size:
            self._ids = np.arange(size, dtype=np.int64)
        return self._ids[:size]

    def month(self, purpose: str, t: int, size: int) -> np.ndarray:
        """Month t's standard normals of entities 0 .. size - 1 (entity i's never depends on size)."""
        year = t // 12
        kept = self._blocks.get(purpose)
        if kept is None or kept[0] != year or kept[1].shape[1] != size:
            kept = self._blocks[purpose] = (year, self.year(purpose, year, size))
        return kept[1][t % 12]

    def year(self, purpose: str, year: int, size: int) -> np.ndarray:
        """A year's standard normals, (12, size): row m is month 12 * year + m's."""
        months = np.arange(12 * year, 12 * year + 12)[:, None]
        return self._draws[purpose].normal(months, self._entities(size))

    def productivity(self, t: int, sigma: float, size: int) -> np.ndarray:
        """Month t's idiosyncratic productivity, lognormal with mean 1 (a year at a time)."""
        year, kept = t // 12, self._productivity
        if kept[0] != year or kept[1] != sigma or kept[2].shape[1] != size:
            z = self.year("productivity", year, size)
            kept = self._productivity = (year, sigma, np.exp(sigma * z - 0.5 * sigma**2))
        return kept[2][t % 12]
