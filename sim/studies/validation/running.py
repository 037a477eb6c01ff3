"""Running the validation checks: every run of every check on one executor, then their findings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.experiments.plan import replicate_seeds
from sim.scenario import Scenario
from sim.studies.validation.definitions import DEFAULT_REPS, Arm, Check
from sim.studies.validation.registry import CHECKS


@dataclass(frozen=True)
class ValidationTask:
    """One run of one arm of one check (picklable: travels to worker processes and Dask workers)."""

    check: str
    arm: str
    replicate: int
    seed: int
    scenario: Scenario


def execute_task(task: ValidationTask) -> dict[str, Any]:
    """Run and measure; an error is recorded, not raised (the other runs go on)."""
    started = time.perf_counter()
    try:
        values = CHECKS[task.check].measure(task.scenario, task.seed)
        error = None
    except Exception as exc:  # recorded with its seed; the check then lacks that replicate
        values, error = {}, f"{type(exc).__name__}: {exc}".replace("\n", " ")
    series = values.pop("series", None)
    return {
        "check": task.check,
        "arm": task.arm,
        "replicate": task.replicate,
        "seed": task.seed,
        "values": {k: float(v) for k, v in values.items()},
        "series": series,
        "error": error,
        "seconds": time.perf_counter() - started,
    }


def select_checks(names: Sequence[str] | None) -> list[Check]:
    if not names:
        return list(CHECKS.values())
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise InputError(
            f"--check {unknown[0]}: unknown check; expected one of: {', '.join(CHECKS)}"
        )
    return [CHECKS[n] for n in dict.fromkeys(names)]


def plan(checks: Sequence[Check], reps: int, seed: int = 0) -> list[ValidationTask]:
    """Every arm of every check runs replicates with the same seeds (common random numbers)."""
    seeds = replicate_seeds(seed, reps)
    tasks = []
    for check in checks:
        scenarios = {arm.label: arm.load() for arm in check.arms}
        for r, s in enumerate(seeds):
            tasks.extend(
                ValidationTask(check.key, label, r, s, scn) for label, scn in scenarios.items()
            )
    return tasks


def wide_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row a replicate, columns (arm, metric)."""
    if runs.empty:
        return pd.DataFrame()
    metrics = [
        c
        for c in runs.columns
        if c not in ("check", "arm", "replicate", "seed", "error", "seconds")
    ]
    wide = runs.pivot(index="replicate", columns="arm", values=metrics)
    return wide.swaplevel(axis=1)  # columns (arm, metric)


@dataclass
class CheckResult:
    check: Check
    rows: list[dict[str, Any]]
    runs: pd.DataFrame
    series: pd.DataFrame
    scenarios: dict[str, Scenario] = field(default_factory=dict)  # arm label -> as run

    @property
    def passed(self) -> bool:
        return all(r["pass"] for r in self.rows)

    def scenario(self, arm: Arm) -> Scenario:
        """The arm's scenario as it ran (loaded here only when the result came without it)."""
        if arm.label not in self.scenarios:
            self.scenarios[arm.label] = arm.load()
        return self.scenarios[arm.label]


def evaluate(
    check: Check,
    runs: pd.DataFrame,
    series: pd.DataFrame | None = None,
    scenarios: dict[str, Scenario] | None = None,
) -> CheckResult:
    """The check's findings from its per-run table (one row a run: arm, replicate, metrics)."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    wide = wide_table(ok.drop(columns=["check"], errors="ignore"))
    rows = []
    for f in check.findings:
        est, low, high, n = f.statistic.estimate(wide)
        passed = f.tolerance.passes(est, low, high)
        rows.append(
            {
                "check": check.title,
                "source": check.source,
                "claim": f.claim,
                "literature": f.literature,
                "estimate": est,
                "ci_low": low,
                "ci_high": high,
                "unit": f.unit,
                "replicates": n,
                "tolerance": f.tolerance.text(f.unit),
                "pass": passed,
                "miss": "" if passed else f.tolerance.miss(est, low, high, f.unit),
            }
        )
    series = series if series is not None else pd.DataFrame()
    return CheckResult(check, rows, runs, series, dict(scenarios or {}))


@dataclass
class ValidationRun:
    """The checks' results and how they were obtained (for the report)."""

    results: list[CheckResult]
    reps: int
    seed: int
    seconds: float
    executor: str

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def run_validation(
    checks: Sequence[Check] | None = None,
    *,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int | None = None,
    dask: Any = None,
    progress: bool = True,
) -> ValidationRun:
    """Run the checks' experiments on one executor (all runs of all checks at once) and evaluate them."""
    from rich.console import Console

    from sim.experiments.executors import make_executor
    from sim.experiments.progress import RunProgress

    started = time.perf_counter()
    checks = list(checks or CHECKS.values())
    tasks = plan(checks, reps, seed)
    records = []
    bar = RunProgress("validate", len(tasks), progress, Console(stderr=True))
    with make_executor(workers, dask, len(tasks)) as executor, bar:
        for record in executor.imap_unordered(execute_task, tasks):
            records.append(record)
            bar.advance(record["error"] is None)
    results = []
    for check in checks:
        mine = sorted(
            (r for r in records if r["check"] == check.key),
            key=lambda r: (r["replicate"], r["arm"]),
        )
        runs = pd.DataFrame(
            [
                {k: r[k] for k in ("check", "arm", "replicate", "seed", "error", "seconds")}
                | r["values"]
                for r in mine
            ]
        )
        frames = [
            r["series"].assign(arm=r["arm"], replicate=r["replicate"])
            for r in mine
            if r["series"] is not None
        ]
        series = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        scenarios = {t.arm: t.scenario for t in tasks if t.check == check.key}
        results.append(evaluate(check, runs, series, scenarios))
    return ValidationRun(results, reps, seed, time.perf_counter() - started, executor.description)
