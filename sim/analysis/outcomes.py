"""Run-level outcomes: what a shocked run lost against its counterfactual.

Resilience outcomes always compare a shocked run with its paired no-shock counterfactual
(same seed, common random numbers). A value that cannot be measured is NaN, never 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.ecosystem.innovation import INNOVATION_EXTRA_OUTCOMES, INNOVATION_OUTCOMES

# the outcome names of the public interface (DESIGN section 8), in order
OUTCOME_NAMES: tuple[str, ...] = (
    "output_loss_pct",
    "peak_drop_pct",
    "time_to_recover",
    "resilience_triangle",
    "unmet_demand_pct",
    "employment_loss_pct",
    "sme_exits",
    "sme_survival_rate",
    *INNOVATION_OUTCOMES,
    "sme_value_added_share",
    "sme_employment_share",
    "sourcing_hhi",
    "foreign_input_share",
    "defaults_by_contagion",
    "policy_cost",
)

# outcomes of the core layer beyond the public list: how the loss splits
EXTRA_OUTCOMES: tuple[str, ...] = (
    "direct_loss_pct",
    "indirect_loss_pct",
    "amplification",
    *INNOVATION_EXTRA_OUTCOMES,
)


# ---------------------------------------------------------------- resilience measures


def time_to_recover(
    y: np.ndarray, cf: np.ndarray, start: int, threshold: float = 0.95, hold: int = 3
) -> float:
    """Months from `start` until output is back at >= threshold of the counterfactual for `hold` months.

    0 when output never falls below the threshold after `start`; NaN when it has not
    recovered by the end of the series (censored).
    """
    y, cf = np.asarray(y, float)[start:], np.asarray(cf, float)[start:]
    ok = y >= threshold * cf
    if ok.all():
        return 0.0
    first_low = int(np.argmin(ok))
    for t in range(first_low + 1, len(ok) - hold + 1):
        if ok[t : t + hold].all():
            return float(t)
    return math.nan


def time_to_survive(y: np.ndarray, cf: np.ndarray, start: int, threshold: float = 0.95) -> float:
    """Months from `start` during which output holds at >= threshold of the counterfactual.

    NaN when it never falls below the threshold (survives the whole observed window).
    """
    y, cf = np.asarray(y, float)[start:], np.asarray(cf, float)[start:]
    low = y < threshold * cf
    if not low.any():
        return math.nan
    return float(np.argmax(low))


def resilience_triangle(y: np.ndarray, cf: np.ndarray, start: int, end: int | None = None) -> float:
    """Area between the counterfactual and the shocked path, in percent-months of the counterfactual."""
    y, cf = np.asarray(y, float)[start:end], np.asarray(cf, float)[start:end]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(cf > 0, np.clip(1.0 - y / cf, 0.0, None), 0.0)
    return float(100.0 * gap.sum())


def loss_pct(y: np.ndarray, cf: np.ndarray, start: int, end: int | None = None) -> float:
    """Cumulative loss over the window as a percent of the counterfactual total."""
    total = float(np.sum(cf[start:end]))
    return math.nan if total <= 0 else 100.0 * float(np.sum(cf[start:end] - y[start:end])) / total


def peak_drop_pct(y: np.ndarray, cf: np.ndarray, start: int, end: int | None = None) -> float:
    y, cf = np.asarray(y, float)[start:end], np.asarray(cf, float)[start:end]
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = np.where(cf > 0, 1.0 - y / cf, 0.0)
    return float(100.0 * max(drop.max(initial=0.0), 0.0))


def resilience_outcomes(ts: pd.DataFrame, cf: pd.DataFrame, start: int | None) -> dict[str, float]:
    """Outcomes of the production layer for a shocked run against its counterfactual."""
    out = {name: math.nan for name in OUTCOME_NAMES}
    out["sourcing_hhi"] = float(ts["sourcing_hhi"].iloc[-1])
    out["foreign_input_share"] = float(ts["foreign_input_share"].mean())
    if start is None:  # no shock: the run is its own counterfactual
        start = 0
    y, c = ts["output"].to_numpy(), cf["output"].to_numpy()
    out["output_loss_pct"] = loss_pct(y, c, start)
    out["peak_drop_pct"] = peak_drop_pct(y, c, start)
    out["time_to_recover"] = time_to_recover(y, c, start)
    out["resilience_triangle"] = resilience_triangle(y, c, start)
    demand_cf = float(cf["final_demand"].iloc[start:].sum())
    unmet = float(ts["unmet_demand"].iloc[start:].sum()) - float(
        cf["unmet_demand"].iloc[start:].sum()
    )
    out["unmet_demand_pct"] = math.nan if demand_cf <= 0 else 100.0 * unmet / demand_cf
    out["employment_loss_pct"] = loss_pct(
        ts["employment"].to_numpy(), cf["employment"].to_numpy(), start
    )
    return out
