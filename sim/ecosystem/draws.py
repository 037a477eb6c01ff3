"""Random draws that give exactly what `numpy.random.Generator.choice` gives, draw for draw.

Entry and re-sourcing draw one seller or customer at a time, thousands of times a month
at scale; `Generator.choice` checks its arguments at every call, which costs more than the
draw. These functions do the same arithmetic on the same generator, so a run's numbers do
not change (tests/test_draws.py holds them to `Generator.choice`).
"""

from __future__ import annotations

import numpy as np


def weighted_pick(rng: np.random.Generator, p: np.ndarray) -> int:
    """`rng.choice(len(p), p=p)`: the index whose cumulative probability first exceeds a uniform.

    `p` may be weights of any positive total: they are normalized here.
    """
    return cdf_pick(rng, normalized_cdf(p))


def cdf_pick(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """weighted_pick with the normalized cumulative probabilities computed once for many draws."""
    return int(cdf.searchsorted(rng.random(), side="right"))


def normalized_cdf(p: np.ndarray) -> np.ndarray:
    """The cumulative probabilities weighted_pick uses."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf


def sample(rng: np.random.Generator, n: int, size: int) -> list[int]:
    """`rng.choice(n, size, replace=False)` for a small `size` (Floyd's algorithm, then a shuffle).

    numpy draws Floyd's integers and the shuffle's with Lemire's method, as `rng.integers`
    does; for a large sample of a large population it uses another method, left to numpy.
    """
    if n > 10_000 and size > n // 50:
        return rng.choice(n, size, replace=False).tolist()
    picks: list[int] = []
    for j in range(n - size, n):
        value = int(rng.integers(0, j + 1)) if j > 0 else 0  # no draw when only 0 is possible
        picks.append(j if value in picks else value)
    for i in range(size - 1, 0, -1):  # Fisher-Yates on the picks, from the last one down
        j = int(rng.integers(0, i + 1))
        picks[i], picks[j] = picks[j], picks[i]
    return picks
