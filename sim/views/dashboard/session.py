"""What the dashboard does, without the browser: settings -> scenario -> a paired run.

`Settings` holds the values of the page's controls. `build_scenario` turns them into a
validated `Scenario` (or raises `InputError` with one line, which the page shows).
`PairedRun` steps the shocked model and its no-shock counterfactual (same seed, common
random numbers) in lock-step, so the page can draw both series month by month and
compute the resilience outcomes on what has been simulated so far.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.outcomes import resilience_outcomes
from sim.ecosystem.model import EcosystemModel
from sim.ecosystem.shocks import intensity
from sim.errors import InputError
from sim.scenario import LeaderFailure, Scenario, load_scenario
from sim.views.dashboard.controls import (
    NO_SHOCK,
    lever_specs,
    parse_value,
    shock_size_field,
    shock_specs,
)

_RUN_IDS = itertools.count(1)
SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios"

# columns the later layers add to model.timeseries(); panels appear when they exist
EXIT_COLUMNS = ("sme_exits", "defaults_sme", "defaults_supplier", "defaults_leader")
CONTAGION_COLUMN = "defaults_by_contagion"
DEAL_COLUMNS = ("licenses", "patent_shares", "acquisitions", "killer_acquisitions", "imitations")
INNOVATION_COLUMN = "innovations"

RESILIENCE_ROWS: dict[str, str] = {
    "output_loss_pct": "cumulative output lost since the shock, % of the counterfactual",
    "peak_drop_pct": "largest monthly output gap, % of the counterfactual",
    "time_to_recover": "months until output stays >= 95 % of the counterfactual (within the window)",
    "resilience_triangle": "area between the two output paths, %-months",
    "unmet_demand_pct": "extra final demand left unmet, % of counterfactual demand",
    "employment_loss_pct": "cumulative jobs lost, % of the counterfactual",
}


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped in scenarios/ (what the page offers to pick from)."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


@dataclass(frozen=True)
class ShockSettings:
    """The one shock the page edits: its type (or `none`), size, start and duration."""

    kind: str = NO_SHOCK
    size: Any = None
    start: int = 24
    duration: int | None = 12


@dataclass(frozen=True)
class Settings:
    """Values of the page's controls."""

    scenario_file: Path
    levers: dict[str, Any] = field(default_factory=dict)
    shock: ShockSettings = ShockSettings()
    seed: int = 0
    extra_shocks: int = 0  # further shocks of the file, kept as they are

    def with_lever(self, name: str, value: Any) -> Settings:
        return replace(self, levers={**self.levers, name: value})

    def with_shock(self, **changes: Any) -> Settings:
        return replace(self, shock=replace(self.shock, **changes))


def settings_from_file(path: str | Path, seed: int = 0) -> Settings:
    """Controls set to what the scenario file says (its levers and its first shock)."""
    path = Path(path)
    scn = load_scenario(path)
    levers = {spec.name: getattr(scn.policy, spec.name) for spec in lever_specs()}
    if scn.shocks:
        first = scn.shocks[0]
        size = getattr(first, shock_size_field(first.type))
        shock = ShockSettings(first.type, size, first.start, first.duration)
    else:
        shock = ShockSettings(NO_SHOCK, None, min(24, scn.steps - 1), 12)
    extra = max(len(scn.shocks) - 1, 0)
    return Settings(path, levers, shock, seed, extra)


def switch_shock_type(settings: Settings, kind: str) -> Settings:
    """Pick another shock type: its size and duration start at the schema defaults."""
    if kind == NO_SHOCK:
        return settings.with_shock(kind=NO_SHOCK, size=None)
    specs = shock_specs(kind)
    return settings.with_shock(
        kind=kind, size=specs["size"].default, duration=specs["duration"].default
    )


def check_settings(settings: Settings) -> None:
    """Every control value within its schema bounds (raises ControlError naming the control)."""
    by_name = {spec.name: spec for spec in lever_specs()}
    for name, value in settings.levers.items():
        parse_value(by_name[name], value)
    if settings.shock.kind != NO_SHOCK:
        specs = shock_specs(settings.shock.kind)
        parse_value(specs["size"], settings.shock.size)
        parse_value(specs["start"], settings.shock.start)
        parse_value(specs["duration"], settings.shock.duration)


def build_scenario(settings: Settings) -> Scenario:
    """The scenario file with the page's levers and shock applied, validated as any file is.

    Raises InputError (one line: file, field, expectation) when the combination is not a
    valid scenario, e.g. a shock that starts after the last month.
    """
    path = settings.scenario_file
    base = load_scenario(path)
    overrides: dict[str, Any] = {f"policy.{k}": v for k, v in settings.levers.items()}
    shocks = [s.model_dump(mode="json") for s in base.shocks]
    sh = settings.shock
    if sh.kind == NO_SHOCK:
        shocks = []
    else:
        first = shocks[0] if shocks and shocks[0]["type"] == sh.kind else {"type": sh.kind}
        first = {
            **first,
            shock_size_field(sh.kind): sh.size,
            "start": sh.start,
            "duration": sh.duration,
        }
        shocks = [first, *shocks[1:]]
    overrides["shocks"] = shocks
    return load_scenario(path, overrides)


@dataclass
class FirmStatus:
    """Per firm, after the last simulated month."""

    disrupted: np.ndarray  # some capacity out of action (and not failed)
    failed: np.ndarray  # exited (finance layer) or a failed chain leader


class PairedRun:
    """The shocked model and its no-shock counterfactual, stepped together month by month."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.run_id = next(_RUN_IDS)  # unlike id(), never reused: the page keys its caches on it
        self.scenario = scenario
        self.seed = int(seed)
        self.shocked = EcosystemModel(scenario, rng=self.seed)
        self.paired = bool(scenario.shocks)
        self.shocked.run(scenario.burn_in)  # the burn-in once, the counterfactual forked after it
        self.counterfactual = None
        if self.paired:
            self.counterfactual = (
                self.shocked.fork(without_shocks=True, agent_data=False)
                if scenario.burn_in
                else EcosystemModel(scenario.without_shocks(), rng=self.seed)
            )
        self.shock_start: int | None = min((s.start for s in scenario.shocks), default=None)
        self._lock = threading.Lock()

    # ------------------------------------------------------------ stepping
    @property
    def month(self) -> int:
        """Months recorded so far (the burn-in is simulated when the run is built)."""
        return int(self.shocked.steps) - self.shocked.burn_in

    @property
    def horizon(self) -> int:
        return int(self.scenario.steps)

    @property
    def finished(self) -> bool:
        return self.month >= self.horizon

    def step(self, months: int = 1) -> int:
        """Advance both models by up to `months` (never past the horizon); returns months done."""
        with self._lock:
            n = max(0, min(int(months), self.horizon - self.month))
            for _ in range(n):
                self.shocked.step()
                if self.counterfactual is not None:
                    self.counterfactual.step()
            return n

    # ------------------------------------------------------------ what to show
    def series(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per-month series of the shocked run and of its counterfactual, so far."""
        with self._lock:
            ts = self.shocked.timeseries()
            cf = self.counterfactual.timeseries() if self.counterfactual is not None else ts.copy()
        return ts, cf

    def shock_window(self) -> tuple[int, int] | None:
        """Months [start, end) during which a shock applies (for shading the charts)."""
        if not self.scenario.shocks:
            return None
        start = min(s.start for s in self.scenario.shocks)
        ends = [
            self.horizon if s.duration is None else s.start + s.duration
            for s in self.scenario.shocks
        ]
        return start, min(max(ends), self.horizon)

    def outcomes(self) -> dict[str, float]:
        """sim.analysis.outcomes.resilience_outcomes on the two series so far, over the resilience
        window cut at the current month (NaN before the shock starts)."""
        ts, cf = self.series()
        if len(ts) == 0 or (self.shock_start is not None and len(ts) <= self.shock_start):
            return {name: math.nan for name in RESILIENCE_ROWS}
        window = self.scenario.resilience_window()
        return resilience_outcomes(ts, cf, window and (window[0], min(window[1], len(ts))))

    def outcome_table(self) -> pd.DataFrame:
        """The small table of current outcomes the page shows (value as text, with meaning)."""
        ts, cf = self.series()
        outcomes = self.outcomes()
        rows = [
            (name, _shown(outcomes.get(name, math.nan)), meaning)
            for name, meaning in RESILIENCE_ROWS.items()
        ]
        if outcomes.get("time_to_recover_censored") == 1.0:  # not recovered yet: a lower bound
            months = _shown(outcomes["time_to_recover"])
            rows[list(RESILIENCE_ROWS).index("time_to_recover")] = (
                "time_to_recover",
                f"not yet (> {months})",
                RESILIENCE_ROWS["time_to_recover"],
            )
        for column, meaning in (
            ("sme_exits", "SMEs that exited so far"),
            (CONTAGION_COLUMN, "defaults caused by a failed customer, so far"),
            (INNOVATION_COLUMN, "innovations so far"),
        ):
            if column in ts.columns:
                shocked, base = float(ts[column].sum()), float(cf[column].sum())
                rows.append((column, f"{shocked:,.0f} (counterfactual {base:,.0f})", meaning))
        return pd.DataFrame(rows, columns=["outcome", "value", "meaning"])

    def firm_status(self) -> FirmStatus:
        model = self.shocked
        n = model.network.n_firms
        loss = getattr(model, "capacity_loss", None)
        loss = np.zeros(n) if loss is None or self.month == 0 else np.asarray(loss)
        finance = getattr(model, "finance", None)
        failed = ~finance.state.alive.copy() if finance is not None else np.zeros(n, dtype=bool)
        last = model.month  # on the model's clock, as its shocks' starts are
        if self.month > 0:
            for item in model.shocks.items:
                if isinstance(item.spec, LeaderFailure) and intensity(item.spec, last) > 0:
                    failed[item.firms] = True
        return FirmStatus(disrupted=(loss > 0) & ~failed, failed=failed)

    def release(self) -> None:
        """Free both models' agents (Mesa keeps them otherwise)."""
        with self._lock:
            self.shocked.release()
            if self.counterfactual is not None:
                self.counterfactual.release()


def _shown(value: float) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.3g}"
    )


def start_run(settings: Settings) -> PairedRun:
    """Check the controls, build the scenario and a fresh paired run at month 0."""
    check_settings(settings)
    return PairedRun(build_scenario(settings), settings.seed)


__all__ = [
    "InputError",
    "PairedRun",
    "Settings",
    "ShockSettings",
    "build_scenario",
    "bundled_scenarios",
    "check_settings",
    "settings_from_file",
    "start_run",
    "switch_shock_type",
]
