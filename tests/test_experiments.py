"""Experiment files: validation, designs, common random numbers, storage, resume and failures.

Everything here runs in this process (`workers=0`) on a tiny ecosystem; the executors,
Dask and killing a sweep are in test_experiments_parallel.py.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import sim
import sim.experiments.runs
from sim.cli import app
from sim.experiments.designs import load_experiment
from sim.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parent.parent
TINY_ECOSYSTEM = {
    "n_leaders": 3,
    "n_smes": 24,
    "n_suppliers": 40,
    "n_component_categories": 6,
    "n_raw_categories": 5,
    "components_per_leader": 3,
}


def write_tiny_scenario(folder: Path, steps: int = 30) -> Path:
    """A foreign cut-off on a tiny ecosystem: a run takes a few hundredths of a second."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.yaml"
    data = {
        "extends": str(REPO / "scenarios" / "foreign_cutoff.yaml"),
        "name": "tiny_cutoff",
        "steps": steps,
        "ecosystem": TINY_ECOSYSTEM,
        "shocks": [
            {"type": "foreign_cutoff", "categories": "dependent", "capacity_loss": 0.8}
            | {"start": 10, "duration": 6}
        ],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def write_experiment(tmp: Path, design: dict, name: str = "tiny_grid", **fields) -> Path:
    """An experiment in tmp/experiments/ whose base scenario is ../scenarios/tiny.yaml."""
    write_tiny_scenario(tmp / "scenarios", fields.pop("scenario_steps", 30))
    path = tmp / "experiments" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "seed": 11, "scenario": "../scenarios/tiny.yaml", "design": design}
    data.update(fields)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


GRID = {
    "kind": "grid",
    "replicates": 2,
    "parameters": {"policy.standardization": [0.0, 1.0], "matching_efficiency": [0.0, 0.5]},
}


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


# ---------------------------------------------------------------- the bundled files


@pytest.mark.parametrize(
    "path", sorted((REPO / "experiments").glob("*.yaml")), ids=lambda p: p.name
)
def test_bundled_experiments_load(path):
    exp = load_experiment(path)
    assert exp.points and exp.seeds
    assert exp.name == path.stem


def test_policy_comparison_compares_baseline_cutoff_and_cutoff_with_a_policy_mix():
    exp = load_experiment(REPO / "experiments" / "policy_comparison.yaml")
    baseline, cutoff, mix = (p.scenario for p in exp.points)
    assert [p.label for p in exp.points] == ["baseline", "foreign_cutoff", "cutoff_policy_mix"]
    assert len(exp.seeds) == 20
    assert not baseline.shocks and cutoff.shocks == mix.shocks and cutoff.shocks
    assert cutoff.policy.standardization == 0 and mix.policy.standardization > 0
    assert mix.policy.matching_efficiency > 0


# ---------------------------------------------------------------- designs and seeds


def test_replicate_r_has_the_same_seed_at_every_design_point(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, GRID))
    runs = exp.runs()
    assert len(runs) == 4 * 2
    by_rep: dict[int, set[int]] = {}
    for run in runs:
        by_rep.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values())
    assert len({s for seeds in by_rep.values() for s in seeds}) == 2
    assert len({r.run_id for r in runs}) == len(runs)


def test_seeds_spawn_from_the_root_seed(tmp_path):
    path = write_experiment(tmp_path, GRID)
    assert load_experiment(path).seeds == load_experiment(path).seeds
    assert load_experiment(path, seed=12).seeds != load_experiment(path).seeds
    # more replicates add seeds without changing the first ones (SeedSequence.spawn)
    more = write_experiment(tmp_path, {**GRID, "replicates": 5}, name="more")
    assert load_experiment(more).seeds[:2] == load_experiment(path).seeds


def test_a_grid_is_every_combination_of_its_values_in_file_order(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, GRID))
    assert exp.parameters == ["policy.standardization", "policy.matching_efficiency"]
    combos = [tuple(p.params.values()) for p in exp.points]
    assert combos == [(0.0, 0.0), (0.0, 0.5), (1.0, 0.0), (1.0, 0.5)]
    for p in exp.points:
        assert p.scenario.policy.standardization == p.params["policy.standardization"]
        assert p.scenario.policy.matching_efficiency == p.params["policy.matching_efficiency"]


@pytest.mark.parametrize(
    ("design", "points"),
    [
        ({"kind": "sobol", "samples": 8}, 8 * (3 + 2)),
        ({"kind": "sobol", "samples": 8, "second_order": True}, 8 * (2 * 3 + 2)),
        ({"kind": "morris", "samples": 5, "levels": 4}, 5 * (3 + 1)),
        ({"kind": "latin", "samples": 7}, 7),
    ],
)
def test_sampled_designs_have_the_salib_sizes_and_stay_in_bounds(tmp_path, design, points):
    bounds = {
        "policy.standardization": [0.0, 1.0],
        "production.inventory_days": [5.0, 30.0],
        "ecosystem.smes_per_component": [1, 4],
    }
    exp = load_experiment(write_experiment(tmp_path, {**design, "parameters": bounds}))
    assert len(exp.points) == points
    assert exp.problem["names"] == list(bounds)
    for p in exp.points:
        for name, (low, high) in bounds.items():
            assert low <= p.params[name] <= high
        # an integer field gets an integer (rounded), and the scenario has it
        assert isinstance(p.params["ecosystem.smes_per_component"], int)
        assert p.scenario.ecosystem.smes_per_component == p.params["ecosystem.smes_per_component"]
    again = load_experiment(write_experiment(tmp_path, {**design, "parameters": bounds}))
    assert [p.params for p in again.points] == [p.params for p in exp.points]
    other = load_experiment(write_experiment(tmp_path, {**design, "parameters": bounds}), seed=99)
    assert [p.params for p in other.points] != [p.params for p in exp.points]


def test_scenarios_and_extends_resolve_relative_to_the_experiment_file(tmp_path, monkeypatch):
    write_tiny_scenario(tmp_path / "scenarios")
    path = tmp_path / "experiments" / "cmp.yaml"
    path.parent.mkdir()
    path.write_text(
        yaml.safe_dump(
            {
                "scenario": "../scenarios/tiny.yaml",
                "steps": 20,
                "design": {
                    "kind": "replicates",
                    "replicates": 2,
                    "scenarios": [
                        "../scenarios/tiny.yaml",
                        {"name": "on_base", "policy": {"standardization": 0.5}},
                        {"extends": "../scenarios/tiny.yaml", "name": "extended", "shocks": []},
                    ],
                },
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path / "scenarios")  # the working directory must not matter
    exp = load_experiment(path)
    tiny, on_base, extended = (p.scenario for p in exp.points)
    assert [p.label for p in exp.points] == ["tiny_cutoff", "on_base", "extended"]
    assert all(s.steps == 20 and s.ecosystem.n_smes == 24 for s in (tiny, on_base, extended))
    assert on_base.policy.standardization == 0.5 and on_base.shocks == tiny.shocks
    assert extended.shocks == []


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"desing": {}}, "field 'desing': unknown field; did you mean 'design'?"),
        ({"design": {**GRID, "kind": "grdi"}}, "field 'design.kind': unknown design kind 'grdi'"),
        (
            {"design": {**GRID, "parameters": {"policy.standardisation": [0.1]}}},
            "field 'design.parameters.policy.standardisation': unknown parameter; did you mean 'policy.standardization'?",
        ),
        (
            {"design": {"kind": "latin", "samples": 4, "parameters": {"standardization": [1, 0]}}},
            "low bound must be < high bound",
        ),
        (
            {
                "design": {
                    "kind": "sobol",
                    "samples": 100,
                    "parameters": {"standardization": [0, 1]},
                }
            },
            "samples must be a power of 2",
        ),
        (
            {"design": {**GRID, "parameters": {"policy.standardization": [0.5, 2.0]}}},
            "design point 1 (policy.standardization=2.0): field 'policy.standardization': Input should be less than or equal to 1",
        ),
        ({"scenario": "../scenarios/nowhere.yaml"}, "field 'scenario': scenario file not found"),
        (
            {
                "design": {
                    "kind": "replicates",
                    "replicates": 2,
                    "scenarios": [{"name": "a"}, {"name": "a"}],
                }
            },
            "two scenarios are named 'a'",
        ),
        (
            {"outcomes": ["output_loss"]},
            "field 'outcomes.0': unknown name 'output_loss'; did you mean 'output_loss_pct'?",
        ),
        (
            {"design": {**GRID, "replicates": 0}},
            "field 'design.replicates': Input should be greater than or equal to 1",
        ),
    ],
)
def test_bad_experiment_files_give_one_line_naming_file_and_field(tmp_path, change, expected):
    path = write_experiment(tmp_path, **{"design": GRID, **change})
    with pytest.raises(sim.InputError) as err:
        load_experiment(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_the_command_line_exits_2_and_writes_nothing_on_a_bad_file(tmp_path):
    path = write_experiment(tmp_path, {**GRID, "replicates": -1})
    out = tmp_path / "out"
    result = cli("sweep", str(path), "--out", str(out), "--workers", "0")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "design.replicates" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


# ---------------------------------------------------------------- running and storage


def test_a_sweep_writes_one_row_a_run_and_reproducible_runs(tmp_path):
    path = write_experiment(tmp_path, GRID)
    exp = sim.load_experiment(path)  # the public API
    out = tmp_path / "out"
    table = sim.run_experiment(exp, out=out, workers=0, progress=False)

    assert len(table) == 8
    assert list(table.columns[:7]) == [
        "run_id",
        "point",
        "scenario",
        "replicate",
        "seed",
        "policy.standardization",
        "policy.matching_efficiency",
    ]
    assert table["error"].isna().all()
    assert table[["point", "replicate"]].apply(tuple, axis=1).is_monotonic_increasing
    pd.testing.assert_frame_equal(pd.read_parquet(out / "outcomes.parquet"), table)
    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 8 * 30
    assert {"output", "output_cf", "final_demand_cf"} <= set(series.columns)

    # any run is reproduced exactly by run_scenario with its point's scenario and seed
    row = table.iloc[5]
    again = sim.run_scenario(exp.points[row["point"]].scenario, seed=int(row["seed"]))
    for name in ("output_loss_pct", "peak_drop_pct", "employment_loss_pct"):
        assert row[name] == again.outcomes[name] or (
            math.isnan(row[name]) and math.isnan(again.outcomes[name])
        )
    mine = series[series["run_id"] == row["run_id"]]
    np.testing.assert_array_equal(mine["output"], again.timeseries["output"])
    np.testing.assert_array_equal(mine["output_cf"], again.counterfactual["output"])

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment_file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p["scenario_fingerprint"] for p in manifest["points"]] == [
        p.scenario.fingerprint() for p in exp.points
    ]
    assert manifest["root_seed"] == 11 and manifest["replicate_seeds"] == exp.seeds
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["started"] and manifest["ended"] and manifest["status"] == "finished"


def test_re_running_resumes_without_running_finished_runs_again(tmp_path, monkeypatch):
    exp = load_experiment(write_experiment(tmp_path, GRID))
    out = tmp_path / "out"
    first = run_experiment(exp, out, workers=0, progress=False)
    for run_id in ("p00001-r0000", "p00003-r0001"):
        (out / "runs" / f"{run_id}.parquet").unlink()
    (out / "outcomes.parquet").unlink()

    calls = []
    real = sim.experiments.runs.run_scenario
    monkeypatch.setattr(
        sim.experiments.runs,
        "run_scenario",
        lambda scn, seed: calls.append(seed) or real(scn, seed=seed),
    )
    second = run_experiment(exp, out, workers=0, progress=False)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(second, first)
    run_experiment(exp, out, workers=0, progress=False)
    assert len(calls) == 2
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 3


def test_resuming_runs_made_by_other_code_warns(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert cli("sweep", str(path), "--out", str(out), "--workers", "0").exit_code == 0
    (out / "runs" / "p00000-r0000.parquet").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["code_sha256"] = "0" * 16
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = cli("sweep", str(path), "--out", str(out), "--workers", "0")
    assert result.exit_code == 0
    assert "the rongtong source changed" in result.stderr and "--fresh" in result.stderr


def test_a_changed_experiment_is_refused_unless_fresh(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert cli("sweep", str(path), "--out", str(out), "--workers", "0").exit_code == 0
    before = (out / "outcomes.parquet").read_bytes()

    write_experiment(tmp_path, {**GRID, "replicates": 3})
    refused = cli("sweep", str(path), "--out", str(out), "--workers", "0")
    assert refused.exit_code == 2
    assert "different experiment" in refused.stderr and "--fresh" in refused.stderr
    assert (out / "outcomes.parquet").read_bytes() == before
    assert (
        cli("sweep", str(path), "--out", str(out), "--workers", "0", "--seed", "5").exit_code == 2
    )

    fresh = cli("sweep", str(path), "--out", str(out), "--workers", "0", "--fresh")
    assert fresh.exit_code == 0
    assert len(pd.read_parquet(out / "outcomes.parquet")) == 4 * 3
    assert len(list((out / "runs").glob("*.parquet"))) == 4 * 3


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    path = write_experiment(tmp_path, GRID)
    exp = load_experiment(path)
    bad_seed = exp.seeds[1]
    real = sim.experiments.runs.run_scenario

    def flaky(scn, seed):
        if seed == bad_seed and scn.policy.standardization == 1.0:
            raise FloatingPointError("synthetic failure")
        return real(scn, seed=seed)

    monkeypatch.setattr(sim.experiments.runs, "run_scenario", flaky)
    out = tmp_path / "out"
    result = cli("sweep", str(path), "--out", str(out), "--workers", "0")
    assert result.exit_code == 1
    assert "2 of 8 runs failed" in result.stderr
    for run_id in ("p00002-r0001", "p00003-r0001"):
        assert (
            f"{run_id} (scenario tiny_cutoff, seed {bad_seed}): FloatingPointError: synthetic failure"
            in result.stderr
        )

    table = pd.read_parquet(out / "outcomes.parquet")
    assert len(table) == 8
    failed = table[table["error"].notna()]
    assert list(failed["run_id"]) == ["p00002-r0001", "p00003-r0001"]
    assert failed["output_loss_pct"].isna().all() and (failed["seed"] == bad_seed).all()
    assert table.loc[table["error"].isna(), "output_loss_pct"].notna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][-1]["runs_failed"] == 2

    # the failed runs are run again on the next attempt; the others are not
    calls = []
    monkeypatch.setattr(
        sim.experiments.runs,
        "run_scenario",
        lambda scn, seed: calls.append(seed) or real(scn, seed=seed),
    )
    assert cli("sweep", str(path), "--out", str(out), "--workers", "0").exit_code == 0
    assert calls == [bad_seed, bad_seed]
    assert pd.read_parquet(out / "outcomes.parquet")["error"].isna().all()


# ---------------------------------------------------------------- compare


def test_compare_prints_paired_differences_and_writes_tables_and_figure(tmp_path):
    tiny = write_tiny_scenario(tmp_path / "scenarios")
    policy = tmp_path / "scenarios" / "tiny_policy.yaml"
    policy.write_text(
        "extends: tiny.yaml\nname: tiny_policy\npolicy: {standardization: 1.0, matching_efficiency: 1.0}\n"
    )
    out = tmp_path / "cmp"
    result = cli(
        "compare", str(tiny), str(policy), "--reps", "4", "--out", str(out), "--workers", "0"
    )
    assert result.exit_code == 0, result.output
    assert "paired diff. vs tiny_cutoff" in result.stdout
    assert "output_loss_pct" in result.stdout and "tiny_policy" in result.stdout
    table = pd.read_csv(out / "comparison.csv")
    row = table[
        (table["outcome"] == "output_loss_pct") & (table["scenario"] == "tiny_policy")
    ].iloc[0]
    outcomes = pd.read_parquet(out / "outcomes.parquet").pivot(
        index="replicate", columns="scenario", values="output_loss_pct"
    )
    assert row["difference"] == pytest.approx(
        (outcomes["tiny_policy"] - outcomes["tiny_cutoff"]).mean()
    )
    assert row["pairs"] == 4 and row["ci_low"] <= row["difference"] <= row["ci_high"]
    assert (out / "output_paths.png").stat().st_size > 0
    assert (out / "output_paths.csv").exists()

    boot = cli(
        "compare",
        str(tiny),
        str(policy),
        "--reps",
        "4",
        "--out",
        str(out),
        "--workers",
        "0",
        "--bootstrap",
    )
    assert boot.exit_code == 0 and "BCa bootstrap" in boot.stdout


def test_compare_needs_two_scenarios(tmp_path):
    tiny = write_tiny_scenario(tmp_path)
    result = cli("compare", str(tiny), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "two or more scenario files" in result.stderr
    assert not (tmp_path / "o").exists()
