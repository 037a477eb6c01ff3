"""sim.ecosystem.draws gives what numpy.random.Generator.choice gives, draw for draw.

Entry and re-sourcing use these instead of Generator.choice (whose argument checks cost more
than the draw); a run's numbers must not depend on which of the two was called, so each
function is held to Generator.choice on the same generator state, interleaved with the other
draws a month makes (the generator buffers half of a 64-bit word between 32-bit draws).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.ecosystem.draws import cdf_pick, normalized_cdf, sample, weighted_pick


def twin_generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.default_rng(seed), np.random.default_rng(seed)


@pytest.mark.parametrize("seed", range(20))
def test_sample_matches_choice_without_replacement(seed):
    plan = np.random.default_rng(1000 + seed)
    numpy_rng, ours = twin_generators(seed)
    for _ in range(60):
        n = int(plan.choice([1, 2, 3, 7, 40, 999, 12_000, 3_000_000]))
        size = int(plan.integers(0, min(n, 5) + 1))
        if plan.random() < 0.5:  # a double in between moves the generator by a whole word
            assert numpy_rng.random() == ours.random()
        assert numpy_rng.choice(n, size, replace=False).tolist() == sample(ours, n, size)
    assert numpy_rng.random() == ours.random(), "both generators end in the same state"


def test_sample_of_an_empty_population_draws_nothing():
    numpy_rng, ours = twin_generators(7)
    assert sample(ours, 0, 0) == []
    assert numpy_rng.random() == ours.random()


@pytest.mark.parametrize("seed", range(10))
def test_weighted_picks_match_choice_with_probabilities(seed):
    plan = np.random.default_rng(2000 + seed)
    numpy_rng, ours = twin_generators(seed)
    for _ in range(100):
        k = int(plan.integers(1, 60))
        weight = plan.random(k) * plan.choice([1e-9, 1.0, 1e9], k)
        p = weight / weight.sum()
        expected = int(numpy_rng.choice(k, p=p))
        got = weighted_pick(ours, p) if plan.random() < 0.5 else cdf_pick(ours, normalized_cdf(p))
        assert got == expected
    assert numpy_rng.random() == ours.random()
