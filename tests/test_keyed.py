"""Keyed random numbers: a draw depends on (root seed, purpose, month, entity) and nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.ecosystem.keyed import KeyedDraws


def draws(seed: int = 2024) -> KeyedDraws:
    return KeyedDraws(np.random.SeedSequence(seed))


@settings(max_examples=50, deadline=None)
@given(
    ids=st.lists(st.integers(0, 10**6), min_size=2, max_size=40, unique=True),
    extra=st.integers(0, 10**6),
    month=st.integers(-5, 500),
)
def test_a_firms_draw_does_not_depend_on_which_other_firms_exist_or_their_order(ids, extra, month):
    s = draws()["overheads"]
    ids = np.array(ids)
    alone = s.uniform(month, ids)
    shuffled = ids[::-1]
    with_one_more = np.append(ids, extra)
    assert np.array_equal(s.uniform(month, shuffled)[::-1], alone)
    assert np.array_equal(s.uniform(month, with_one_more)[: len(ids)], alone)
    assert np.array_equal(s.uniform(month, ids[1:]), alone[1:])


def test_draws_differ_by_seed_purpose_month_and_entity():
    d, e = draws(1), draws(2)
    base = d["a"].uniform(3, np.arange(1000))
    for other in (
        e["a"].uniform(3, np.arange(1000)),
        d["b"].uniform(3, np.arange(1000)),
        d["a"].uniform(4, np.arange(1000)),
        d["a"].uniform(3, np.arange(1, 1001)),
        d["a"].uniform(3, np.arange(1000), 1),
    ):
        assert abs(np.corrcoef(base, other)[0, 1]) < 0.1
        assert not np.array_equal(base, other)


def test_same_seed_same_numbers():
    assert np.array_equal(
        draws(5)["x"].uniform(7, np.arange(50)), draws(5)["x"].uniform(7, np.arange(50))
    )


def test_uniforms_are_uniform_and_never_zero_or_one():
    u = draws()["u"].uniform(0, np.arange(200_000))
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # consecutive entities and consecutive months are not correlated
    v = draws()["u"].uniform(1, np.arange(200_000))
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01


@pytest.mark.parametrize(
    ("name", "sample", "dist"),
    [
        ("normal", lambda s, n: s.normal(0, n), stats.norm()),
        ("gumbel", lambda s, n: s.gumbel(0.5, 0, n), stats.gumbel_r(scale=0.5)),
        ("beta", lambda s, n: s.beta(2.0, 5.0, 0, n), stats.beta(2.0, 5.0)),
    ],
)
def test_transforms_have_their_distributions(name, sample, dist):
    x = sample(draws()[name], np.arange(50_000))
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3


def test_poisson_counts_have_mean_and_variance_lambda():
    for lam in (0.2, 3.0):
        k = draws()["p"].poisson(lam, 0, np.arange(100_000))
        assert k.mean() == pytest.approx(lam, rel=0.03)
        assert k.var() == pytest.approx(lam, rel=0.05)
    assert draws()["p"].poisson(0.0, 0, np.arange(10)).sum() == 0


def test_pick_follows_the_weights():
    cdf = np.cumsum([0.1, 0.6, 0.3])
    picks = draws()["pick"].pick(cdf, 0, np.arange(60_000))
    assert np.bincount(picks, minlength=3) / 60_000 == pytest.approx([0.1, 0.6, 0.3], abs=0.01)


def test_a_sample_changes_only_where_an_added_candidate_enters_it():
    s = draws()["sample"]
    cands = np.arange(100)
    chosen = set(s.smallest(5, 0, cands, 42).tolist())
    with_new = set(s.smallest(5, 0, np.append(cands, 1000), 42).tolist())
    assert len(chosen - with_new) <= 1
    assert with_new - chosen <= {1000}


def test_negative_months_are_keys_like_any_other():
    s = draws()["setup"]
    assert not np.array_equal(s.uniform(-2, np.arange(10)), s.uniform(-1, np.arange(10)))


def test_scalar_and_array_keys_give_the_same_bits():
    s = draws()["mixed"]
    cands = np.arange(20)
    full = s.uniform(np.full(20, 7), np.full(20, 3), cands)
    assert np.array_equal(s.uniform(7, 3, cands), full)
    assert np.array_equal(s.uniform(7, np.full(20, 3), cands), full)
    assert s.uniform(7, 3, 5) == full[5]
    assert np.array_equal(s.uniform(-3, cands), s.uniform(np.full(20, -3), cands))
    # broadcasting: a (months, entities) block is its months
    block = s.normal(np.arange(12)[:, None], cands)
    assert np.array_equal(block[4], s.normal(4, cands))


def test_weighted_keys_choose_in_proportion_to_the_weights():
    from sim.ecosystem.keyed import weighted_keys

    w = np.array([1.0, 2.0, 7.0])
    u = draws()["es"].uniform(0, np.arange(50_000)[:, None], np.arange(3))
    picks = weighted_keys(u, w).argmin(axis=1)
    assert np.bincount(picks, minlength=3) / 50_000 == pytest.approx(w / w.sum(), abs=0.01)


def test_shared_prefixes_and_several_purposes_give_the_same_bits():
    from sim.ecosystem.keyed import bits_of, fold, to_uniform

    d = draws()
    a, b = d["first"], d["second"]
    ids, more = np.array([5, 9, 2, 40, 7, 11]), np.arange(3)[:, None]
    both = bits_of((a, b), 4, ids)
    assert np.array_equal(both[0], a.bits(4, ids))
    assert np.array_equal(both[1], b.bits(4, ids))
    assert np.array_equal(fold(a.bits(4, ids), more), a.bits(4, ids, more))
    assert np.array_equal(to_uniform(a.bits(4, ids, more)), a.uniform(4, ids, more))
    # a few entities are folded in Python integers: the same bits as in numpy
    for few in (ids[:1], ids[:3], np.array([-4, 2**40])):
        assert np.array_equal(a.bits(4, few, 3), a.bits(4, np.repeat(few, 2), 3)[::2])
        assert np.array_equal(a.uniform(4, few), a.uniform(np.full(len(few), 4), few))
