"""The innovation layer's random numbers, apart from the model's: a generator per rare purpose
(the start, yearly decisions, entrants, shock targets) and one stream jumped to each month, so
the shocked run and its counterfactual share them and every run of a seed draws the same."""

from __future__ import annotations

import numpy as np

# purposes of the rare draws (`InnovationStreams.rare`)
START, YEARLY, ENTRANTS = 0, 2, 3
START_MONTH, SHOCK_TARGETS = -1, -2  # the month arguments of the start and the shock targets


class InnovationStreams:
    """Spawned from the model's seed sequence, under keys of their own."""

    def __init__(self, root: np.random.SeedSequence) -> None:
        self._root = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0x1A0))
        self._bits = np.random.PCG64(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0x1A1))
        )
        self._bits_start = self._bits.state
        self._month_generator = np.random.Generator(self._bits)

    def rare(self, t: int, purpose: int) -> np.random.Generator:
        """A generator of its own for rare draws: the start (t = -1), yearly decisions (2), entrants
        (3), shock targets (t = -2). The shocked run and its counterfactual share them."""
        root = self._root
        return np.random.default_rng(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, t + 1, purpose))
        )

    def month(self, t: int) -> np.random.Generator:
        """The month's generator: one bit generator jumped to month t's own stretch (cheaper than
        seeding a new one each month; the same numbers for the same month in every run of a seed)."""
        self._bits.state = self._bits_start
        self._bits.advance((t + 1) << 80)
        return self._month_generator
