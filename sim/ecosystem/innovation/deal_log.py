"""The record of every deal of the run (licences, shared patents, acquisitions, imitations, joint
projects, guided-fund investments): logged in chunks as they happen, counted by type, and
turned into one frame at the end (deals.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TECH_DEALS = ("license", "patent_share", "acquisition", "imitation")
DEAL_TYPES = (*TECH_DEALS, "joint_project", "fund_investment")
DEAL_COLUMNS = {
    "step": np.int32,
    "type": object,  # license, patent_share, acquisition, imitation; joint_project, fund_investment
    "leader": np.int32,  # -1 for the guided fund
    "sme": np.int32,
    "value": np.float64,  # expected royalties, price, fee or grant (million yuan)
    "overlap": np.float64,
    "shelved": bool,
    "category": np.int32,
    "quality": np.float64,
    "innovation": np.int32,  # -1 when the deal is not about one innovation
    "lag": np.float64,  # months from the innovation to the deal
}


class DealLog:
    """Chunks of deal columns, one tuple per `record` call, and the count of each type."""

    def __init__(self) -> None:
        self.deals: list[tuple] = []
        self.counts = dict.fromkeys((*DEAL_TYPES, "killer_acquisition"), 0.0)

    def record(
        self, t, kind, leader, sme, value, overlap, shelved, category, quality, innovation, lag
    ) -> None:
        """Log deals (scalars or arrays of equal length); the frame is built once, at the end."""
        self.deals.append(
            (t, kind, leader, sme, value, overlap, shelved, category, quality, innovation, lag)
        )
        n = len(sme) if type(sme) is np.ndarray else 1
        self.counts[kind] += n
        if kind == "acquisition" and shelved:
            self.counts["killer_acquisition"] += 1

    def frame(self) -> pd.DataFrame:
        """Every deal of the run, one row each."""
        columns: dict[str, list] = {name: [] for name in DEAL_COLUMNS}
        for chunk in self.deals:
            n = max((len(v) for v in chunk if type(v) is np.ndarray), default=1)
            for name, value in zip(DEAL_COLUMNS, chunk, strict=True):
                columns[name].append(np.broadcast_to(np.asarray(value), (n,)))
        data = {
            name: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
            for (name, parts), dtype in zip(columns.items(), DEAL_COLUMNS.values(), strict=True)
        }
        return pd.DataFrame(data)
