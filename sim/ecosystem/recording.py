"""The month's record: one row of values per month, a frame at the end of the run."""

from __future__ import annotations

import numpy as np
import pandas as pd


class StepRecorder:
    """One row of values a month (a list: a month's values go in at once), made into
    columns when the frame is asked for."""

    def __init__(self, steps: int, columns: tuple[str, ...]):
        self.columns = columns
        self.rows: list[list[float]] = []

    @property
    def n(self) -> int:
        return len(self.rows)

    def record(self, values: dict[str, float]) -> None:
        self.rows.append([values[c] for c in self.columns])

    def frame(self) -> pd.DataFrame:
        data = np.array(self.rows, dtype=float).reshape(self.n, len(self.columns)).T
        df = pd.DataFrame(dict(zip(self.columns, data, strict=True)))
        df.insert(0, "step", np.arange(self.n))
        return df
