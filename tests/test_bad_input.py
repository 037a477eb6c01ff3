"""Bad input gets one line naming the file, the field and the expectation, exit 2, and nothing
written (issue 16, defect 4: values that used to be accepted with exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.test_experiments import GRID, cli, write_experiment, write_tiny_scenario


def _scenario(tmp_path: Path, text: str) -> Path:
    write_tiny_scenario(tmp_path / "scenarios", steps=20)
    path = tmp_path / "scenarios" / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("extends: tiny.yaml\ndemand: {final_demand: .inf}\n", ["final_demand", "finite"]),
        ("extends: tiny.yaml\ndemand: {final_demand: .nan}\n", ["final_demand", "finite"]),
        (
            "extends: tiny.yaml\npolicy: {standardization: 0.5}\npolicy: {matching_efficiency: 0.2}\n",
            ["duplicate key 'policy'", "line"],
        ),
        ("", ["empty"]),
        ("# only a comment\n", ["empty"]),
        (
            "extends: tiny.yaml\nshocks: [{type: supplier_disruption, count: 100000, start: 5}]\n",
            ["shocks.0.count", "has 40 firms"],
        ),
    ],
    ids=["inf", "nan", "duplicate-key", "empty", "comment-only", "oversized-disruption"],
)
def test_a_bad_scenario_is_refused_with_one_line_and_nothing_written(tmp_path, text, words):
    path = _scenario(tmp_path, text)
    out = tmp_path / "out"
    line = _refused(cli("run", str(path), "--out", str(out)), *words)
    assert "bad.yaml" in line
    assert not out.exists()


def test_infinite_experiment_bounds_are_refused(tmp_path):
    design = {"kind": "latin", "samples": 8, "parameters": {"policy.standardization": [0, ".inf"]}}
    path = write_experiment(tmp_path, design, name="inf_bounds")
    text = path.read_text(encoding="utf-8").replace("'.inf'", ".inf")
    path.write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["design"]["parameters"]["policy.standardization"][1] == float("inf")
    out = tmp_path / "out"
    _refused(cli("sweep", str(path), "--out", str(out), "--workers", "0"), "inf_bounds.yaml")
    assert not out.exists()


def test_a_duplicate_key_in_an_experiment_is_refused(tmp_path):
    path = write_experiment(tmp_path, GRID)
    path.write_text(path.read_text(encoding="utf-8") + "seed: 12\n", encoding="utf-8")
    _refused(
        cli("sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "0"),
        "duplicate key 'seed'",
    )


def test_an_alias_bomb_in_a_field_is_refused_quickly_with_a_short_line(tmp_path):
    levels = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    text = "extends: tiny.yaml\nx-anchors:\n" + "\n".join(f"  {line}" for line in levels)
    text += "\ndemand: {final_demand: *l8}\n"  # 9^9 = 387 million numbers if expanded
    path = _scenario(tmp_path, text)
    line = _refused(cli("run", str(path), "--out", str(tmp_path / "out")))
    assert len(line) < 700


def test_control_characters_and_huge_values_never_reach_the_terminal(tmp_path):
    name = "evil\x1b[31m" + "x" * 100_000
    path = _scenario(tmp_path, yaml.safe_dump({"extends": "tiny.yaml", "steps": name}))
    line = _refused(cli("run", str(path), "--out", str(tmp_path / "out")), "steps")
    assert "\x1b" not in line and len(line) <= 600


def test_local_workers_are_capped_at_the_cores_unless_allowed(monkeypatch, capsys):
    from sim.experiments.executors import available_cores, make_executor

    monkeypatch.delenv("RONGTONG_MAX_WORKERS", raising=False)
    with make_executor(1000, None, 20) as executor:
        assert executor.workers == min(available_cores(), 20)
    assert "capped at" in capsys.readouterr().err
    monkeypatch.setenv("RONGTONG_MAX_WORKERS", "3")
    with make_executor(1000, None, 20) as executor:
        assert executor.workers == 3


@pytest.mark.parametrize(
    ("ecosystem", "words"),
    [
        ("{n_smes: 10000000}", ["n_smes", "1000000"]),
        ("{n_suppliers: 1e8}", ["n_suppliers"]),
        ("{n_smes: 1e20}", ["n_smes"]),
        ("{n_smes: 600000, n_suppliers: 600000}", ["must be <= 1,000,000", "1,200,003"]),
    ],
)
def test_an_ecosystem_too_large_for_one_machine_is_refused_before_it_is_built(
    tmp_path, ecosystem, words
):
    path = _scenario(tmp_path, f"extends: tiny.yaml\necosystem: {ecosystem}\n")
    _refused(cli("run", str(path), "--out", str(tmp_path / "out")), *words)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["run", "scenarios/baseline.yaml", "--steps", "0"],
            ["--steps", "greater than or equal to 1"],
        ),
        (["run", "scenarios/baseline.yaml", "--seed", "-1"], ["--seed"]),
        (["sweep"], ["Missing argument"]),
        (["bogus"], ["No such command 'bogus'"]),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(argv, words, capsys, tmp_path):
    from sim.cli import main

    with pytest.raises(SystemExit) as ended:
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] == "run" else argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert ended.value.code == 2 and len(err) == 1, err
    assert all(word in err[0] for word in words), err[0]
    assert not (tmp_path / "out").exists()
