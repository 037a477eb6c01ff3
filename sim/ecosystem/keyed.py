"""Random numbers keyed by what they are for.

A draw is a pure function of (root seed, purpose, month, the entity it is for): a firm slot,
a vacancy, a link slot, an innovation, an offer. It never depends on how many other entities
are drawn for in the same month or on the order they are visited in, so a shock that changes
one firm changes only the draws of the firms it changes, and a shocked run and its
counterfactual keep common random numbers wherever their states agree.

How: every key component is folded into a 64-bit state with the SplitMix64 finalizer
(Steele, Lea & Flood 2014: a bijective avalanche mixer, the one numpy uses to seed its
generators); the top 53 bits of the result are a uniform on (0, 1), never exactly 0 or 1.
This is a counter-based generator in the sense of Salmon et al. (2011): no state is carried
from draw to draw, and it is vectorized over the entities (about 10 ns a draw).
Other distributions are inverse transforms of these uniforms, so each draw of an entity
consumes exactly one uniform of its own key.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

_MASK = (1 << 64) - 1
_M1_INT, _M2_INT, _GOLDEN_INT = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15


def _u64(value: int) -> np.ndarray:
    return np.array(value, dtype=np.uint64)


# 0-d arrays, not numpy scalars: numpy's ufuncs take them with less overhead per call
_M1, _M2, _GOLDEN = _u64(_M1_INT), _u64(_M2_INT), _u64(_GOLDEN_INT)
_S30, _S27, _S31, _S11 = (_u64(s) for s in (30, 27, 31, 11))
_UNIT, _HALF_UNIT = np.array(2.0**-53), np.array(2.0**-54)
_BETA_GRID = 16385
_SMALL = 4  # up to this many entities, bits are computed in Python integers


def _mix_int(x: int) -> int:
    """SplitMix64's finalizer on one 64-bit value in Python integers: every input bit flips about
    half of the output bits (`_fold` applies it to arrays, in numpy)."""
    x ^= x >> 30
    x = (x * _M1_INT) & _MASK
    x ^= x >> 27
    x = (x * _M2_INT) & _MASK
    return x ^ (x >> 31)


def _as_u64(value: ArrayLike) -> np.ndarray:
    """Any integer array (negative months included) as its 64-bit two's-complement pattern."""
    if type(value) is np.ndarray and value.dtype.type is np.int64:
        return value.view(np.uint64)
    return np.asarray(value, dtype=np.int64).view(np.uint64)


def _is_scalar(value: ArrayLike) -> bool:
    t = type(value)
    return t is int or (t is not np.ndarray and np.ndim(value) == 0)


def _fold_int(h: int, value: int, first: bool) -> int:
    """One key component folded into `h` (the month is added to, entities multiplied)."""
    return _mix_int(h ^ ((value + _GOLDEN_INT if first else value * _GOLDEN_INT) & _MASK))


def _few(part: ArrayLike) -> bool:
    """Whether a key component is a short 1-d integer array."""
    return (
        type(part) is np.ndarray
        and part.ndim == 1
        and len(part) <= _SMALL
        and part.dtype.kind in "iu"
    )


def _fold_all(h: int, entity: list[int]) -> int:
    for value in entity:
        h = _fold_int(h, value, False)
    return h


@functools.lru_cache(maxsize=16)
def _beta_quantiles(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) quantiles on a grid of uniforms denser toward 0 and 1 (a Chebyshev grid:
    exact at the grid points, linear between)."""
    u = 0.5 * (1.0 - np.cos(np.pi * np.linspace(0.0, 1.0, _BETA_GRID)))
    return u, special.betaincinv(a, b, u)


def purpose_key(name: str) -> int:
    """A purpose's 64-bit key, from its name (stable across runs, machines and versions)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Stream:
    """The draws of one purpose: `uniform(month, entity, ...)` and transforms of it."""

    def __init__(self, root: int, purpose: str) -> None:
        self.purpose = purpose
        self._key = _mix_int((root & _MASK) ^ _mix_int(purpose_key(purpose)))
        self._month = (None, self._key)  # the last scalar month and the key folded with it

    def bits(self, month: ArrayLike, *entity: ArrayLike) -> np.ndarray:
        """64 random bits per entity: the key folded with the month and each entity component
        (components broadcast, e.g. an innovation as (its SME, its birth month)).

        Leading scalar components are folded in Python integers, the rest in numpy (or, for a
        few entities, in Python too); all give the same bits, so `bits(t, k, cands)` equals
        `bits(t, [k] * n, cands)`."""
        parts = (month, *entity)
        if not _is_scalar(month):
            return _fold(_u64(self._key), parts, 0)
        h = self._month[1] if self._month[0] == month else self.month_key(month)
        i, n = 1, len(parts)
        while i < n and type(parts[i]) is not np.ndarray and _is_scalar(parts[i]):
            h, i = _fold_int(h, int(parts[i]), False), i + 1
        if i == n:
            return _u64(h)
        few = parts[i]
        if _few(few) and all(map(_is_scalar, parts[i + 1 :])):
            # a few entities (and maybe scalars after them): numpy's overhead would dominate
            tail = [int(p) for p in parts[i + 1 :]]
            return _u64([_fold_all(_fold_int(h, v, False), tail) for v in few.tolist()])
        return _fold(_u64(h), parts, i)

    def month_key(self, month: int) -> int:
        """The key folded with a (scalar) month."""
        if self._month[0] != month:  # most calls of a month share its fold
            self._month = (month, _fold_int(self._key, int(month), True))
        return self._month[1]

    def uniform(self, month: int, *entity: ArrayLike) -> np.ndarray:
        """Uniforms on (0, 1), one per entity (`to_uniform` of the bits, inlined: a hot path)."""
        x = self.bits(month, *entity)
        x >>= _S11
        u = np.multiply(x, _UNIT)
        u += _HALF_UNIT
        return u

    def normal(self, month: int, *entity: ArrayLike) -> np.ndarray:
        return special.ndtri(self.uniform(month, *entity))

    def gumbel(self, scale: float, month: int, *entity: ArrayLike) -> np.ndarray:
        return gumbel(scale, self.uniform(month, *entity))

    def beta(self, a: float, b: float, month: int, *entity: ArrayLike) -> np.ndarray:
        """Beta(a, b) by inversion (quantiles tabulated once per (a, b), linear between)."""
        return beta_quantile(a, b, self.uniform(month, *entity))

    def poisson(self, lam: ArrayLike, month: int, *entity: ArrayLike) -> np.ndarray:
        """Poisson counts by inversion (a loop over the count, vectorized over entities)."""
        u = self.uniform(month, *entity)
        lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape)
        k = np.zeros(u.shape, dtype=np.int64)
        p = np.exp(-lam)
        cdf = p.copy()
        open_ = u > cdf
        while open_.any():
            k[open_] += 1
            p = np.where(open_, p * lam / np.maximum(k, 1), p)
            cdf = np.where(open_, cdf + p, cdf)
            open_ &= (u > cdf) & (p > 0)
        return k

    def pick(self, cdf: np.ndarray, month: int, *entity: ArrayLike) -> np.ndarray:
        """One index per entity from normalized cumulative weights `cdf` (as `Generator.choice`
        with probabilities does, but with each entity's own uniform)."""
        return np.minimum(
            cdf.searchsorted(self.uniform(month, *entity), side="right"), len(cdf) - 1
        )

    def smallest(
        self, k: int, month: int, candidates: np.ndarray, *entity: ArrayLike
    ) -> np.ndarray:
        """`k` of `candidates` without replacement: those with the smallest keyed uniforms.

        Each candidate's chance depends only on its own key, so adding or removing one
        candidate changes the sample only where that candidate enters or leaves it."""
        u = self.uniform(month, *entity, candidates)
        return candidates[np.argsort(u, kind="stable")[:k]]


def _fold(x: np.ndarray, parts: tuple[ArrayLike, ...], i: int) -> np.ndarray:
    """Bits `x` folded with parts[i:] in numpy, broadcasting them (part 0 is the month)."""
    for j in range(i, len(parts)):
        p = parts[j]
        if type(p) is np.ndarray and p.dtype.type is np.int64 and j:  # the usual case
            v = np.multiply(p.view(np.uint64), _GOLDEN)
        elif j and _is_scalar(p):
            v = _u64((int(p) * _GOLDEN_INT) & _MASK)
        else:
            v = _as_u64(p)
            v = v + _GOLDEN if j == 0 else v * _GOLDEN
        if x.shape == v.shape:
            v ^= x  # in place: v is a new array, already of the result's shape
        else:
            v = v ^ x  # broadcast (e.g. months x entities, or a trailing scalar)
        # SplitMix64's finalizer, in place (as _mix_int)
        t = np.right_shift(v, _S30)
        v ^= t
        v *= _M1
        np.right_shift(v, _S27, out=t)
        v ^= t
        v *= _M2
        np.right_shift(v, _S31, out=t)
        v ^= t
        x = v
    return x


def fold(bits: np.ndarray, *entity: ArrayLike) -> np.ndarray:
    """The bits of a longer key from those of its prefix: `fold(s.bits(t, a), b)` is
    `s.bits(t, a, b)` (so draws that share a prefix share its folding)."""
    return _fold(bits, (None, *entity), 1)


def bits_of(streams: Sequence[Stream], month: int, *entity: np.ndarray) -> np.ndarray:
    """Several purposes' bits for the same 1-d entities in one pass (fewer numpy calls): row i
    is `streams[i].bits(month, *entity)`."""
    keys = _u64([s.month_key(month) for s in streams])
    return _fold(keys[:, None], (None, *entity), 1)


def to_uniform(bits: np.ndarray) -> np.ndarray:
    """Uniforms on (0, 1) from bits (changed in place): their top 53 bits, plus half a unit."""
    bits >>= _S11
    u = np.multiply(bits, _UNIT)  # uint64 x float: float64
    u += _HALF_UNIT
    return u


def gumbel(scale: float, u: np.ndarray) -> np.ndarray:
    """Gumbel(0, scale) variates by inversion of uniforms `u`."""
    return -scale * np.log(-np.log(u))


def beta_quantile(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """The Beta(a, b) quantile of uniforms `u`, interpolated in a table of exact quantiles
    (scipy's betaincinv costs microseconds a value; for Beta(2, 5) the table's error is at
    most 2e-4 and below 1e-7 for 99.9 % of uniforms)."""
    grid, q = _beta_quantiles(float(a), float(b))
    return np.interp(u, grid, q)


def weighted_keys(u: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Efraimidis & Spirakis (2006) keys, -log(u) / w: the candidate with the smallest key is a
    choice with probability proportional to its weight w, and the k smallest are a weighted
    sample without replacement. A candidate's key depends only on its own uniform and weight,
    so the choice does not depend on the order of the candidates, and adding or removing one
    changes it only when that one is (or becomes) the smallest."""
    keys = np.log(u)
    np.negative(keys, out=keys)
    keys /= weight
    return keys


class KeyedDraws:
    """All purposes of one run, from the run's root seed sequence."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.root = int(seed.generate_state(1, np.uint64)[0])
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, purpose: str) -> Stream:
        stream = self._streams.get(purpose)
        if stream is None:
            stream = self._streams[purpose] = Stream(self.root, purpose)
        return stream
