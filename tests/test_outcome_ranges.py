"""Every run-level outcome is documented (sim.analysis.catalog, docs/OUTCOMES.md) and stays in
its documented range: over 30 seeds of every bundled scenario and 30 runs spread over the design
points of every bundled experiment (slow), and over a few seeds in the quick suite."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import sim
from sim.analysis.catalog import CATALOG, CENSORED_BY, bounds, markdown
from sim.analysis.outcomes import EXTRA_OUTCOMES, OUTCOME_NAMES
from sim.experiments.designs import load_experiment

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))
EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))


def out_of_range(result: sim.RunResult) -> list[str]:
    """The outcomes of one run outside their documented range (NaN is 'not measured': allowed)."""
    scn = result.scenario
    start, end = scn.resilience_window() or (0, scn.steps)
    bad = []
    for name, value in result.outcomes.items():
        low, high = bounds(CATALOG[name], end - start)
        if not math.isnan(value) and not low <= value <= high:
            bad.append(
                f"{scn.name} seed {result.seed}: {name} = {value:.6g} not in [{low}, {high}]"
            )
    return bad


def test_every_outcome_is_documented_once():
    names = [*OUTCOME_NAMES, *EXTRA_OUTCOMES]
    assert len(set(names)) == len(names)
    assert set(names) == set(CATALOG)
    assert set(CENSORED_BY.values()) <= set(CATALOG)


def test_the_outcome_document_is_up_to_date():
    written = (REPO / "docs" / "OUTCOMES.md").read_text(encoding="utf-8")
    assert written == markdown(), "run: python -m sim.analysis.catalog > docs/OUTCOMES.md"


def test_a_censored_time_to_recover_counts_the_window_and_is_flagged():
    scn = sim.load_scenario(REPO / "scenarios" / "foreign_cutoff.yaml")
    scn = scn.model_copy(update={"window": 1})  # too short for anyone to recover
    result = sim.run_scenario(scn, seed=0, steps=48)
    start, end = scn.resilience_window()
    assert result.outcomes["time_to_recover_censored"] == 1.0
    assert result.outcomes["time_to_recover"] == end - start


@pytest.mark.parametrize("path", SCENARIOS[::4], ids=lambda p: p.stem)
def test_outcomes_stay_in_range_quick(path):
    scn = sim.load_scenario(path)
    bad = [b for seed in (0, 1) for b in out_of_range(sim.run_scenario(scn, seed=seed))]
    assert not bad, "\n".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_outcomes_of_bundled_scenarios_stay_in_range_over_30_seeds(path):
    scn = sim.load_scenario(path)
    bad = [b for seed in range(30) for b in out_of_range(sim.run_scenario(scn, seed=seed))]
    assert not bad, "\n".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_outcomes_of_bundled_experiments_stay_in_range_over_30_runs(path):
    """30 runs, each on its own seed, spread evenly over the experiment's design points."""
    exp = load_experiment(path)
    step = max(len(exp.points) / 30, 1.0)
    picks = [exp.points[int(i * step) % len(exp.points)] for i in range(30)]
    bad = []
    for seed, point in enumerate(picks):
        bad += out_of_range(sim.run_scenario(point.scenario, seed=seed))
    assert not bad, "\n".join(bad)
