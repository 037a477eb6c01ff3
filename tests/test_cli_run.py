"""`rongtong run` and `rongtong schema`: what they write, and how they refuse bad input."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SCENARIOS
from typer.testing import CliRunner

from sim.analysis.outcomes import INNOVATION_OUTCOMES, OUTCOME_NAMES
from sim.cli import app
from sim.ecosystem.agents import TIER_NAMES

STEPS = "40"
# outcomes of layers that are not built yet must be NaN, never a silent 0
LAYER_OUTCOMES = {"sim.ecosystem.innovation": INNOVATION_OUTCOMES}
PRODUCTION_OUTCOMES = (
    "output_loss_pct",
    "peak_drop_pct",
    "resilience_triangle",
    "unmet_demand_pct",
    "employment_loss_pct",
    "sourcing_hhi",
    "foreign_input_share",
)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def foreign_cutoff_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "fc"
    result = invoke(
        "run",
        str(SCENARIOS / "foreign_cutoff.yaml"),
        "--out",
        str(out),
        "--steps",
        STEPS,
        "--agent-data",
    )
    return result, out


def test_run_writes_series_outcomes_and_figure(foreign_cutoff_run):
    result, out = foreign_cutoff_run
    assert result.exit_code == 0, result.output
    for name in (
        "timeseries.parquet",
        "counterfactual.parquet",
        "outcomes.json",
        "output.png",
        "output.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    ts = pd.read_parquet(out / "timeseries.parquet")
    cf = pd.read_parquet(out / "counterfactual.parquet")
    assert len(ts) == len(cf) == int(STEPS)
    assert {"step", "output", "final_demand"} <= set(ts.columns)
    assert ts["output"].iloc[24:].sum() < cf["output"].iloc[24:].sum()  # the cut-off starts at 24
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


def test_outcomes_json_has_every_outcome_and_nan_for_unbuilt_layers(foreign_cutoff_run):
    _, out = foreign_cutoff_run
    report = json.loads((out / "outcomes.json").read_text())
    outcomes = report["outcomes"]
    assert report["seed"] == 0 and report["scenario"] == "foreign_cutoff"
    assert set(OUTCOME_NAMES) <= set(outcomes)
    assert all(isinstance(v, int | float) for v in outcomes.values()), "missing is NaN, not null"
    for name in PRODUCTION_OUTCOMES:
        assert math.isfinite(outcomes[name]), name
    assert outcomes["output_loss_pct"] > 0
    for module, names in LAYER_OUTCOMES.items():
        if importlib.util.find_spec(module) is None:
            for name in names:
                assert math.isnan(outcomes[name]), f"{name} should be NaN until {module} exists"


def test_agent_data_writes_a_panel_of_every_firm_and_month(foreign_cutoff_run):
    _, out = foreign_cutoff_run
    agents = pd.read_parquet(out / "agents.parquet")
    assert {"step", "firm_id", "type", "output"} <= set(agents.columns)
    n_firms = agents["firm_id"].nunique()
    assert len(agents) == n_firms * int(STEPS)
    assert set(agents["type"].astype(str)) == {"leader", "sme", "supplier"}


def test_agent_data_carries_each_firms_technology_certificate_owner_and_digital_level(
    foreign_cutoff_run,
):
    _, out = foreign_cutoff_run
    agents = pd.read_parquet(out / "agents.parquet")
    kind = agents["type"].astype(str)
    sme, leader = kind == "sme", kind == "leader"
    # tiers as the certification office names them, for SMEs only; some SMEs win a certificate
    tiers = agents["tier"].astype(str).where(agents["tier"].notna())
    assert set(tiers.dropna()) <= set(TIER_NAMES)
    assert "certified" in set(tiers.dropna())
    assert agents["tier"].notna().eq(sme).all(), "SMEs, and only SMEs, have a tier"
    assert (agents.loc[sme | leader, "tech_level"] > 0).all()
    assert agents.loc[~(sme | leader), "tech_level"].isna().all(), "suppliers do no R&D"
    assert agents.loc[sme, "digital_level"].between(0.0, 1.0).all()
    assert agents.loc[~sme, "digital_level"].isna().all()
    assert agents.loc[sme | leader, "rd_intensity"].between(0.0, 1.0).all()
    # an owner is the leader that acquired the SME (deals.parquet), from that month on
    owned = agents[agents["owner"].notna()]
    assert len(owned) > 0, "some SMEs were acquired in the run"
    assert set(owned["owner"]) <= set(agents.loc[leader, "firm_id"])
    assert (owned["type"].astype(str) == "sme").all()
    deals = pd.read_parquet(out / "deals.parquet")
    bought = deals.loc[deals["type"] == "acquisition", ["sme", "leader", "step"]]
    matched = owned.merge(
        bought, left_on=["firm_id", "owner"], right_on=["sme", "leader"], suffixes=("", "_deal")
    )
    matched = matched[matched["step_deal"] <= matched["step"]]
    assert len(matched.drop_duplicates(["firm_id", "step"])) == len(owned)


def test_no_agent_panel_unless_asked(tmp_path):
    out = tmp_path / "base"
    result = invoke("run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), "--steps", "12")
    assert result.exit_code == 0, result.output
    assert (out / "outcomes.json").exists()
    assert not (out / "agents.parquet").exists()


def test_schema_prints_json():
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"ecosystem", "production", "policy", "shocks"} <= set(schema["properties"])


# ---------------------------------------------------------------- bad input


BAD_FILES = {
    "misspelled field": (
        "policy:\n  standardisation: 0.5\n",
        ["standardisation", "standardization"],
    ),
    "wrong type": ("ecosystem:\n  n_smes: many\n", ["ecosystem.n_smes"]),
    "out of range": ("policy:\n  standardization: 1.5\n", ["policy.standardization"]),
    "unknown shock type": ("shocks:\n  - {type: earthquake}\n", ["shocks.0.type", "earthquake"]),
    "unparsable YAML": ("ecosystem: [1, 2\n", ["not valid YAML"]),
}


def assert_refused(result, out: Path, *parts: str) -> None:
    """Exit 2, one line on stderr naming what is wrong, no traceback, nothing written."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), "an error escaped as an exception"
    assert not out.exists() or not any(out.iterdir()), "nothing may be written on bad input"


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file(tmp_path, case):
    text, parts = BAD_FILES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = invoke("run", str(path), "--out", str(out), "--steps", STEPS)
    assert_refused(result, out, "bad.yaml", *parts)


def test_missing_file(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", str(tmp_path / "absent.yaml"), "--out", str(out))
    assert_refused(result, out, "absent.yaml", "not found")


def test_circular_extends(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    out = tmp_path / "out"
    result = invoke("run", str(tmp_path / "a.yaml"), "--out", str(out))
    assert_refused(result, out, "a.yaml", "extends", "circular")


@pytest.mark.parametrize(
    "setting, parts",
    [
        ("nonsense", ["--set nonsense", "key=value"]),
        (
            "policy.standardisation=0.5",
            ["foreign_cutoff.yaml", "policy.standardisation", "standardization"],
        ),
        ("shocks.4.duration=2", ["foreign_cutoff.yaml", "shocks.4.duration"]),
        ("standardization=2", ["foreign_cutoff.yaml", "policy.standardization"]),
    ],
)
def test_bad_set(tmp_path, setting, parts):
    out = tmp_path / "out"
    result = invoke(
        "run",
        str(SCENARIOS / "foreign_cutoff.yaml"),
        "--set",
        setting,
        "--out",
        str(out),
        "--steps",
        STEPS,
    )
    assert_refused(result, out, *parts)


SCRIPT = Path(sys.executable).parent / "rongtong"
ROUTE = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sim.cli"]


def test_a_real_process_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "extends: " + str(SCENARIOS / "baseline.yaml") + "\npolicy: {standardisation: 1}\n"
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [*ROUTE, "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.yaml" in lines[0] and "policy.standardisation" in lines[0]
    assert not out.exists()
