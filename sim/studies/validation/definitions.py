"""What a validation check is: arms (scenarios), statistics with intervals, tolerances, findings.

Intervals: a mean or a paired difference (replicate r of every arm shares its seed) gets a
t interval over the replicates; a ratio of means gets a percentile bootstrap that resamples
replicates (paired). A tolerance is judged on the interval: a direction the literature
reports must hold for the whole interval (the right side of zero); a magnitude passes when the
interval overlaps the published band (see Tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.statistics import t_interval
from sim.scenario import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios"
DEFAULT_REPS = 30
LEVEL = 0.95


@dataclass(frozen=True)
class Arm:
    """One scenario of a check's experiment: a bundled scenario file with overrides."""

    label: str
    scenario: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Scenario:
        return load_scenario(SCENARIO_DIR / self.scenario, self.overrides)


@dataclass(frozen=True)
class Statistic:
    """A function of per-replicate columns (arm, metric), paired by replicate.

    `per_replicate`: `fn` maps the columns to one value per replicate (a mean or a paired
    difference: t interval); otherwise `fn` maps them to one number (a ratio of means:
    paired percentile bootstrap over replicates).
    """

    columns: tuple[tuple[str, str], ...]
    fn: Callable[..., Any]
    per_replicate: bool

    def estimate(self, wide: pd.DataFrame, level: float = LEVEL) -> tuple[float, float, float, int]:
        """(estimate, ci_low, ci_high, replicates) from a table of one row a replicate."""
        cols = [
            wide[c].to_numpy(float) if c in wide else np.full(len(wide), np.nan)
            for c in self.columns
        ]
        data = np.column_stack(cols) if cols else np.empty((0, 0))
        data = data[np.isfinite(data).all(axis=1)]  # pairs: replicates where every column exists
        n = len(data)
        if n == 0:
            return math.nan, math.nan, math.nan, 0
        samples = [data[:, i] for i in range(data.shape[1])]
        if self.per_replicate:
            values = np.asarray(self.fn(*samples), float)
            low, high = t_interval(values, level)
            return float(values.mean()), low, high, n
        with np.errstate(divide="ignore", invalid="ignore"):
            value = float(self.fn(*samples))
            if n < 2 or not math.isfinite(value):
                return value, math.nan, math.nan, n
            res = stats.bootstrap(
                samples,
                self.fn,
                paired=True,
                vectorized=False,
                confidence_level=level,
                n_resamples=1999,
                method="percentile",
                rng=np.random.default_rng(0),
            )
        return value, float(res.confidence_interval.low), float(res.confidence_interval.high), n


def mean(arm: str, metric: str) -> Statistic:
    return Statistic(((arm, metric),), lambda x: x, True)


def difference(a: tuple[str, str], b: tuple[str, str]) -> Statistic:
    """a - b within each replicate (the same seed): a paired t interval."""
    return Statistic((a, b), lambda x, y: x - y, True)


def ratio(a: tuple[str, str], b: tuple[str, str], scale: float = 1.0) -> Statistic:
    """scale * mean(a) / mean(b) (a pooled share when a counts part of b)."""
    return Statistic((a, b), lambda x, y: scale * np.mean(x) / np.mean(y), False)


def ratio_difference(
    a: tuple[tuple[str, str], tuple[str, str]],
    b: tuple[tuple[str, str], tuple[str, str]],
    scale: float = 1.0,
) -> Statistic:
    """scale * (mean(a0)/mean(a1) - mean(b0)/mean(b1)): how a pooled share changes between arms."""
    return Statistic(
        (*a, *b),
        lambda w, x, y, z: scale * (np.mean(w) / np.mean(x) - np.mean(y) / np.mean(z)),
        False,
    )


def short_number(x: float) -> str:
    """A number as the tables show it: 3 significant figures or so, NaN and infinities spelled out."""
    if x is None or not math.isfinite(x):
        return "NaN" if x is None or math.isnan(x) else ("∞" if x > 0 else "-∞")
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


@dataclass(frozen=True)
class Tolerance:
    """What a finding must meet, judged on its 95 % confidence interval.

    on="ci": a direction; the whole interval lies beyond the bound(s) (significant at 5 %).
    on="overlap": a magnitude; the interval overlaps the published band, i.e. the data do not
    put the model outside it (its estimate alone moves with the seeds: the killer-acquisition
    share of 30 replicates ranged over 4.6-8.6 % across three seed sets).
    """

    low: float = -math.inf
    high: float = math.inf
    on: str = "ci"

    def passes(self, est: float, low: float, high: float) -> bool:
        if not (math.isfinite(low) and math.isfinite(high)):
            return False
        if self.on == "overlap":
            return high >= self.low and low <= self.high
        return low > self.low and high < self.high

    def text(self, unit: str = "") -> str:
        u = f" {unit}" if unit and unit != "x" else ""
        if self.on == "overlap":
            if math.isinf(self.high):
                return f"95 % CI reaches ≥ {short_number(self.low)}{u}"
            if math.isinf(self.low):
                return f"95 % CI reaches ≤ {short_number(self.high)}{u}"
            return f"95 % CI overlaps [{short_number(self.low)}, {short_number(self.high)}]{u}"
        if math.isinf(self.high):
            return f"95 % CI > {short_number(self.low)}{u}"
        if math.isinf(self.low):
            return f"95 % CI < {short_number(self.high)}{u}"
        return f"95 % CI inside ({short_number(self.low)}, {short_number(self.high)}){u}"

    def miss(self, est: float, low: float, high: float, unit: str = "") -> str:
        """By how much a failing finding misses, in words."""
        u = f" {unit}" if unit and unit != "x" else ""
        if not math.isfinite(est):
            return "not measured (no finite value)"
        if not (math.isfinite(low) and math.isfinite(high)):
            return "no interval (too few replicates)"
        if self.on == "overlap":
            if high < self.low:
                return (
                    f"estimate {short_number(est)}{u}, CI [{short_number(low)}, {short_number(high)}] lies {short_number(self.low - high)}{u} "
                    f"below {short_number(self.low)} (the estimate {short_number(self.low - est)}{u} below)"
                )
            return (
                f"estimate {short_number(est)}{u}, CI [{short_number(low)}, {short_number(high)}] lies {short_number(low - self.high)}{u} "
                f"above {short_number(self.high)} (the estimate {short_number(est - self.high)}{u} above)"
            )
        if low <= self.low:
            return f"CI reaches {short_number(low)}{u}, not above {short_number(self.low)} (by {short_number(self.low - low)})"
        return f"CI reaches {short_number(high)}{u}, not below {short_number(self.high)} (by {short_number(high - self.high)})"


@dataclass(frozen=True)
class ArmBars:
    """The figure of a check: the mean of `metric` per arm with its 95 % t interval (the table's statistic)."""

    metric: str
    ylabel: str
    band: tuple[float, float] | None = None  # a published range, shaded
    ref: float | None = None  # a reference line


# figures particular to one check, drawn by sim.views.validation_figures
FIGURES = ("tier_bars", "bullwhip", "firm_sizes", "killer_bars")


@dataclass(frozen=True)
class Finding:
    """One row of the validation table."""

    claim: str  # what the model gives, in words
    literature: str  # what the literature reports
    statistic: Statistic
    tolerance: Tolerance
    unit: str = ""


@dataclass(frozen=True)
class Check:
    """One published result: an experiment, a per-run measurement and the findings it must show."""

    key: str
    title: str
    source: str
    arms: tuple[Arm, ...]
    measure: Callable[[Scenario, int], dict[str, Any]]
    findings: tuple[Finding, ...]
    figure: ArmBars | str  # ArmBars, or the name of a check's own figure (FIGURES)
    design: str  # the experiment in words (report)
    overrides_note: str = ""  # check-specific settings and why they are honest
    if_fails: str = ""  # the model mechanism behind a miss, if it misses
