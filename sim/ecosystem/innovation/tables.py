"""The layer's growing records: `Table` (columns appended to and filtered in bulk: pending
innovations, licences, damages) and `Registry` (every innovation, and when it was used)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.ecosystem.innovation.arrays import any_true


class Table:
    """Columns of equal length in preallocated arrays, appended to and filtered in bulk
    (pending innovations, licences, arrivals): a few rows change each month."""

    def __init__(self, **dtypes: Any) -> None:
        self.n = 0
        self.capacity = 64
        self.cols = {k: np.zeros(self.capacity, dtype=d) for k, d in dtypes.items()}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        """The column's rows (a view: assigning into it changes the table)."""
        return self.cols[name][: self.n]

    def append(self, **values: Any) -> None:
        """Append rows; a scalar value is repeated over them."""
        m = 1
        for v in values.values():
            if type(v) is np.ndarray:
                m = len(v)
                break
        if not m:
            return
        n = self.n
        if n + m > self.capacity:
            self.capacity = 2 * (n + m)
            for k, c in self.cols.items():
                grown = np.zeros(self.capacity, dtype=c.dtype)
                grown[:n] = c[:n]
                self.cols[k] = grown
        for k, c in self.cols.items():
            c[n : n + m] = values[k]
        self.n = n + m

    def drop(self, mask: np.ndarray) -> None:
        """Remove the rows where `mask` is true (cheap when there are none)."""
        if self.n and any_true(mask):
            self.keep(~mask)

    def keep(self, mask: np.ndarray) -> None:
        idx = mask.nonzero()[0]
        if len(idx) == self.n:
            return
        for c in self.cols.values():
            c[: len(idx)] = c[idx]
        self.n = len(idx)

    def drop_first(self, k: int) -> None:
        """Remove the first k rows (tables kept in order of expiry lose a prefix)."""
        if k:
            n = self.n
            for c in self.cols.values():
                c[: n - k] = c[k:n]
            self.n = n - k


class Registry:
    """Every innovation: who made it, when, and when (if ever) it was commercialized."""

    def __init__(self) -> None:
        self.n = 0
        self.born = np.zeros(1024, dtype=np.int64)
        self.firm = np.zeros(1024, dtype=np.int64)
        self.commercialized_at = np.full(1024, -1, dtype=np.int64)

    def add(self, t: int, firms: np.ndarray) -> np.ndarray:
        k = len(firms)
        while self.n + k > len(self.born):
            grow = len(self.born)
            self.born = np.concatenate([self.born, np.zeros(grow, dtype=np.int64)])
            self.firm = np.concatenate([self.firm, np.zeros(grow, dtype=np.int64)])
            self.commercialized_at = np.concatenate(
                [self.commercialized_at, np.full(grow, -1, dtype=np.int64)]
            )
        new = slice(self.n, self.n + k)
        self.born[new] = t
        self.firm[new] = firms
        self.n += k
        return np.arange(new.start, new.stop)
