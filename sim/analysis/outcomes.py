"""Run-level outcomes: what a shocked run lost against its counterfactual, over its window.

Resilience outcomes compare a shocked run with its paired no-shock counterfactual (same seed,
common random numbers) over the resilience window, months [first shock start, last shock end
+ `window`) (Scenario.resilience_window); what each outcome means, its kind (paired difference
or level), window and range are in sim.analysis.catalog. A value that cannot be measured is
NaN, never 0; a time to recover that runs past the window is censored at the window's length
and flagged, never dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.catalog import AMPLIFICATION_FLOOR_PCT
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

# outcomes beyond the public list: censoring, how the loss splits, differences of the levels
EXTRA_OUTCOMES: tuple[str, ...] = (
    "time_to_recover_censored",
    "direct_loss_pct",
    "indirect_loss_pct",
    "amplification",
    "output_loss_pct_to_end",
    "supplier_exits",
    "excess_sme_exits",
    "excess_supplier_exits",
    "excess_defaults",
    "excess_policy_cost",
    *INNOVATION_EXTRA_OUTCOMES,
)
DEFAULT_SERIES = ("defaults_leader", "defaults_sme", "defaults_supplier")


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


def resilience_outcomes(
    ts: pd.DataFrame, cf: pd.DataFrame, window: tuple[int, int] | None
) -> dict[str, float]:
    """Outcomes of the production layer over the window (no shock: the whole run against itself)."""
    out = {name: math.nan for name in OUTCOME_NAMES}
    out["sourcing_hhi"] = float(ts["sourcing_hhi"].iloc[-1])
    out["foreign_input_share"] = float(ts["foreign_input_share"].mean())
    start, end = (0, len(ts)) if window is None else window
    y, c = ts["output"].to_numpy(), cf["output"].to_numpy()
    out["output_loss_pct"] = loss_pct(y, c, start, end)
    out["output_loss_pct_to_end"] = loss_pct(y, c, start)
    out["peak_drop_pct"] = peak_drop_pct(y, c, start, end)
    recover = time_to_recover(y[:end], c[:end], start)
    out["time_to_recover_censored"] = float(math.isnan(recover))
    out["time_to_recover"] = float(end - start) if math.isnan(recover) else recover
    out["resilience_triangle"] = resilience_triangle(y, c, start, end)
    demand_cf = float(cf["final_demand"].iloc[start:end].sum())
    unmet = float(
        ts["unmet_demand"].iloc[start:end].sum() - cf["unmet_demand"].iloc[start:end].sum()
    )
    out["unmet_demand_pct"] = math.nan if demand_cf <= 0 else 100.0 * unmet / demand_cf
    out["employment_loss_pct"] = loss_pct(
        ts["employment"].to_numpy(), cf["employment"].to_numpy(), start, end
    )
    return out


def excess_outcomes(
    ts: pd.DataFrame, cf: pd.DataFrame, window: tuple[int, int] | None
) -> dict[str, float]:
    """Exits, defaults and public spending in the window beyond the counterfactual's."""
    start, end = (0, len(ts)) if window is None else window

    def excess(*columns: str) -> float:
        cols = [c for c in columns if c in ts.columns]
        if not cols:
            return math.nan
        shocked, paired = ts[cols].iloc[start:end], cf[cols].iloc[start:end]
        return float(shocked.to_numpy().sum() - paired.to_numpy().sum())

    return {
        "excess_sme_exits": excess("sme_exits"),
        "excess_supplier_exits": excess("supplier_exits"),
        "excess_defaults": excess(*DEFAULT_SERIES),
        "excess_policy_cost": excess("policy_cost"),
    }


@dataclass(frozen=True)
class ValueAddedLoss:
    """Per-firm value added over the window in the shocked run and the counterfactual, and who was hit."""

    shocked: np.ndarray
    counterfactual: np.ndarray
    hit: np.ndarray  # bool: directly hit by a shock

    def outcomes(self) -> dict[str, float]:
        """Direct and indirect loss (% of the window's counterfactual value added), and their ratio
        where the direct loss exceeds AMPLIFICATION_FLOOR_PCT (NaN below: noise over noise)."""
        total_cf = float(self.counterfactual.sum())
        if total_cf <= 0:
            return dict.fromkeys(
                ("direct_loss_pct", "indirect_loss_pct", "amplification"), math.nan
            )
        lost = self.counterfactual - self.shocked
        direct, total = float(lost[self.hit].sum()), float(lost.sum())
        direct_pct = 100.0 * direct / total_cf
        return {
            "direct_loss_pct": direct_pct,
            "indirect_loss_pct": 100.0 * (total - direct) / total_cf,
            "amplification": total / direct if direct_pct >= AMPLIFICATION_FLOOR_PCT else math.nan,
        }
