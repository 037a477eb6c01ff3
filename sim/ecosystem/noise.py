"""The run's independent random streams, and the exogenous noise drawn from them a year at a time.

Each process (network, shock targets, demand, productivity, decisions, costs) has a stream of
its own, so a shock never shifts the draws of another process. The exogenous noise of a
year comes from a generator of its stream and that year alone: it never depends on what
happened before (nor on the run's length), so a shock run and its counterfactual see the
same noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STREAMS = ("network", "shock_targets", "demand", "productivity", "decisions", "costs")
NOISE_STREAMS = ("demand", "productivity", "costs")  # those drawn a year at a time


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
    """Standard normals by stream, year and month, drawn a year at a time and kept for the year."""

    def __init__(self, roots: dict[str, np.random.SeedSequence]) -> None:
        self._roots = roots
        self._blocks: dict[str, tuple[int, np.ndarray]] = {}  # stream -> (year, 12 months)
        self._productivity: tuple[int, np.ndarray] = (-1, np.ones(0))  # (year, 12 months)

    def month(self, stream: str, t: int, size: int) -> np.ndarray:
        """Month t's `size` standard normals of a stream."""
        return self.year(stream, t // 12, size)[t % 12]

    def year(self, stream: str, year: int, size: int) -> np.ndarray:
        """A year's standard normals of a stream, (12, size)."""
        block = self._blocks.get(stream)
        if block is None or block[0] != year:
            root = self._roots[stream]
            rng = np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, year))
            )
            block = self._blocks[stream] = (year, rng.standard_normal((12, size)))
        return block[1]

    def productivity(self, t: int, sigma: float, size: int) -> np.ndarray:
        """Month t's idiosyncratic productivity, lognormal with mean 1 (computed a year at a time)."""
        year = t // 12
        if self._productivity[0] != year:
            z = self.year("productivity", year, size)
            self._productivity = (year, np.exp(sigma * z - 0.5 * sigma**2))
        return self._productivity[1][t % 12]
