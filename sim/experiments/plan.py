"""The expanded plan of an experiment: design points, runs and their seeds.

Replicate r uses the same seed at every design point (common random numbers). All seeds
spawn from one `numpy.random.SeedSequence`, so results do not depend on the executor or
the number of workers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sim.experiments.experiment_file import ExperimentFile
from sim.scenario import Scenario


@dataclass(frozen=True)
class DesignPoint:
    """One scenario of the design; every replicate runs it."""

    index: int
    label: str
    params: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class RunSpec:
    """One run: a design point, a replicate and its seed (shared by all points)."""

    run_id: str
    point: int
    replicate: int
    seed: int


@dataclass
class Experiment:
    """A validated experiment: the design points, the seeds and what to keep."""

    # scenarios compared on the same seeds get the paired-difference report (compare.py);
    # an experiment that is not a policy comparison (e.g. the node study) sets it False
    comparison: ClassVar[bool] = True
    name: str
    source: str
    spec: ExperimentFile
    points: list[DesignPoint]
    seeds: list[int]
    outcomes: tuple[str, ...] | None
    series: tuple[str, ...]
    file_sha256: str | None = None
    problem: dict[str, Any] | None = None  # the SALib problem of a sampled design
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        return list(self.points[0].params) if self.points else []

    @property
    def root_seed(self) -> int:
        return self.spec.seed

    def runs(self) -> list[RunSpec]:
        """Replicate-major order: an interrupted experiment has balanced replicates."""
        return [
            RunSpec(run_id(p.index, r), p.index, r, seed)
            for r, seed in enumerate(self.seeds)
            for p in self.points
        ]

    def fingerprint(self) -> str:
        """What determines the results: scenarios, parameters, seeds, kept outcomes and series."""
        blob = {
            "points": [[p.label, p.params, p.scenario.fingerprint()] for p in self.points],
            "seeds": self.seeds,
            "outcomes": self.outcomes,
            "series": self.series,
        }
        text = json.dumps(blob, sort_keys=True, default=str).encode()
        return hashlib.sha256(text).hexdigest()[:16]


def run_id(point: int, replicate: int) -> str:
    return f"p{point:05d}-r{replicate:04d}"


# the columns of an outcomes table (run_experiment) that name a run rather than measure it
RUN_COLUMNS = ("run_id", "point", "scenario", "replicate", "seed", "error")


def outcome_columns(
    table: pd.DataFrame, parameters: Sequence[str], kept: Sequence[str] | None = None
) -> list[str]:
    """The outcome columns of an outcomes table (the layout of run_experiment).

    The `kept` outcomes when the experiment names them, every one in the table (an
    outcome never measured is then reported as such, not dropped); otherwise each column
    that is not a run's name, a design parameter or `error` and has a finite value.
    """
    from sim.analysis.statistics import measured_outcomes

    if kept is not None:
        return [c for c in kept if c in table.columns]
    skip = {*RUN_COLUMNS, *parameters}
    return measured_outcomes(table, [c for c in table.columns if c not in skip])


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """One integer seed per replicate, spawned from SeedSequence(root); `rongtong run --seed` reproduces a run."""
    children = np.random.SeedSequence(root).spawn(2)[1].spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def design_seed(root: int) -> int:
    """The seed of a sampled design (SALib), from its own stream of the same root."""
    return int(np.random.SeedSequence(root).spawn(2)[0].generate_state(1, np.uint32)[0])
