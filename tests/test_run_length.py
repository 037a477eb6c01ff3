"""A run length that ends before a shock starts is bad input, wherever the length is set.

Such a run would never see its shock: it used to run silently without it and report NaN
outcomes. `rongtong run --steps`, `rongtong compare --steps`, an experiment's `steps:` and
run_scenario(steps=...) all go through sim.scenario.check_steps.
"""

from __future__ import annotations

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.errors import InputError
from sim.experiments.designs import load_experiment

CUTOFF = SCENARIOS / "foreign_cutoff.yaml"  # its shock starts in month 24


def one_line_naming(message: str, *parts: str) -> None:
    assert "\n" not in message.strip(), message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


@pytest.mark.parametrize("steps", ["10", "24"])
def test_run_refuses_steps_ending_before_the_shock_and_writes_nothing(tmp_path, steps):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(CUTOFF), "--steps", steps, "--out", str(out)])
    assert result.exit_code == 2, result.output
    one_line_naming(
        result.output, "error:", str(CUTOFF), "--steps", "shocks.0.start", ">= 25", f"got {steps}"
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_compare_refuses_steps_ending_before_the_shock_and_writes_nothing(tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app,
        ["compare", str(SCENARIOS / "baseline.yaml"), str(CUTOFF), "--steps", "12"]
        + ["--reps", "2", "--out", str(out), "--workers", "0"],
    )
    assert result.exit_code == 2, result.output
    one_line_naming(result.output, str(CUTOFF), "--steps", "shocks.0.start", "got 12")
    assert not out.exists()


def test_an_experiment_whose_steps_end_before_the_shock_is_refused(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(
        f"name: short\nscenario: {CUTOFF}\nsteps: 20\ndesign: {{kind: replicates, replicates: 2}}\n"
    )
    with pytest.raises(InputError) as err:
        load_experiment(path)
    one_line_naming(str(err.value), str(path), "'steps'", "shocks.0.start", "got 20")


def test_run_scenario_refuses_it_and_runs_a_long_enough_one():
    scn = sim.load_scenario(CUTOFF)
    with pytest.raises(InputError) as err:
        sim.run_scenario(scn, steps=24)
    one_line_naming(str(err.value), "'steps'", "shocks.0.start = 24", ">= 25")
    result = sim.run_scenario(scn, steps=25)  # the shock's first month is the last one
    assert len(result.timeseries) == 25
    assert result.outcomes["output_loss_pct"] > 0  # measured, not NaN
