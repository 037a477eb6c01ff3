"""Small numpy helpers of the innovation layer's monthly path: bit-identical shortcuts for
reductions on small arrays, and the joining of column chunks (deals, arriving technology)
whose columns may be single values standing for every row."""

from __future__ import annotations

from typing import Any

import numpy as np


def fast_sum(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """x.sum(axis), bit for bit, without the Python-level wrapper of ndarray.sum (the monthly path
    sums small arrays often)."""
    return np.add.reduce(x, axis=axis)


def any_true(mask: np.ndarray) -> bool:
    """mask.any(), cheaper on small arrays (count_nonzero skips the reduction machinery); the
    monthly path asks it often."""
    return np.count_nonzero(mask) > 0


def cube(x: np.ndarray) -> np.ndarray:
    """x**3, bit for bit, computing the power only where x != 1 (most firms are not squeezed)."""
    out = np.ones(len(x))
    off = x != 1.0
    out[off] = x[off] ** 3
    return out


def fast_dot(a: np.ndarray, b: np.ndarray) -> float:
    """A 1-D dot product without BLAS threads (they cost more than they save on a busy small machine)."""
    return float(fast_sum(np.multiply(a, b)))


def join_chunks(chunks: list[tuple]) -> list[Any]:
    """Chunks of equal-length columns joined column by column. A single value stands for all the
    rows of its chunk; a column whose chunks all hold the same single value stays that value."""
    columns: list[Any] = []
    for values in zip(*chunks, strict=True):
        first = values[0]
        if len(values) == 1 or (
            type(first) is not np.ndarray
            and all(type(v) is not np.ndarray and v == first for v in values)
        ):
            columns.append(first)
            continue
        sizes = [len(chunk[0]) for chunk in chunks]
        if not any(type(v) is np.ndarray for v in values):  # single values only
            columns.append(np.repeat(values, sizes))
            continue
        parts = [
            v if type(v) is np.ndarray else np.full(k, v)
            for v, k in zip(values, sizes, strict=True)
        ]
        columns.append(np.concatenate(parts))
    return columns


def chunk_rows(chunk: tuple, keep: np.ndarray | np.bool_) -> tuple:
    """The rows of a chunk where `keep` holds (one value for a single-valued column)."""
    if type(keep) is not np.ndarray:
        keep = np.full(len(chunk[0]), keep)
    return tuple(c[keep] if type(c) is np.ndarray else c for c in chunk)
