"""A results folder belongs to the tool: a name is never a path, one writer at a time, and
--fresh removes only what the tool wrote (issue 16, defects 1 and 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.experiments.folders import FolderBusy, default_folder, locked_folder, slug
from tests.test_experiments import GRID, cli, write_experiment, write_tiny_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../..", "unnamed"),
        ("/some/dir", "some_dir"),
        ("..\\..\\x", "x"),
        (".hidden", "hidden"),
        ("政策 A/B", "A_B"),
        ("x" * 500, "x" * 80),
    ],
)
def test_a_name_becomes_one_folder_under_results(name, folder):
    assert slug(name) == folder
    path = default_folder(name)
    assert path.parent == Path("results") and path.name == folder


def test_a_scenario_named_like_a_path_writes_under_results_only(tmp_path, monkeypatch):
    scn = write_tiny_scenario(tmp_path / "scenarios", steps=20)
    data = yaml.safe_load(scn.read_text(encoding="utf-8")) | {"name": "../../escaped"}
    scn.write_text(yaml.safe_dump(data), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = cli("run", str(scn))
    assert result.exit_code == 0, result.output
    assert (work / "results" / "escaped" / "outcomes.json").exists()
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()


HOLD = """
import sys, time
from pathlib import Path
from sim.experiments.folders import locked_folder
with locked_folder(Path(sys.argv[1]), "test holder"):
    print("held", flush=True)
    time.sleep(60)
"""


def _hold(folder: Path) -> subprocess.Popen:
    """Another process holding `folder`'s lock until it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_with_one_line_naming_the_holder(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    holder = _hold(out)
    try:
        result = cli("sweep", str(path), "--out", str(out), "--workers", "0", "--fresh")
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "in use by pid" in lines[0] and "test holder" in lines[0]
        assert not (out / "runs").exists()  # nothing was deleted or written
        with pytest.raises(FolderBusy), locked_folder(out, "second"):
            pass
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with locked_folder(out, "after the holder died"):  # the OS released its lock
        pass


def test_fresh_removes_only_the_files_the_tool_wrote(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert cli("sweep", str(path), "--out", str(out), "--workers", "0").exit_code == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "runs" / "notes.txt").write_text("mine too", encoding="utf-8")
    assert cli("sweep", str(path), "--out", str(out), "--workers", "0", "--fresh").exit_code == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "runs" / "notes.txt").read_text(encoding="utf-8") == "mine too"
    assert len(list((out / "runs").glob("p*-r*.parquet"))) == 8


def test_nested_holds_in_one_process_share_the_lock(tmp_path):
    with locked_folder(tmp_path / "f", "outer"), locked_folder(tmp_path / "f", "inner"):
        assert (tmp_path / "f").is_dir()
    with locked_folder(tmp_path / "f", "again"):
        pass


# ------------------------------------------------------------ run identity by content (defect 3)
def _sweep(path: Path, out: Path):
    return cli("sweep", str(path), "--out", str(out), "--workers", "0")


def test_a_run_file_copied_over_another_is_detected_and_run_again(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert _sweep(path, out).exit_code == 0
    before = pd.read_parquet(out / "outcomes.parquet")
    runs = sorted((out / "runs").glob("p*-r*.parquet"))
    shutil.copyfile(runs[0], runs[1])  # same seed, another design point
    result = _sweep(path, out)
    assert result.exit_code == 0, result.output
    assert "1 run files did not verify" in result.output and runs[1].stem in result.output
    assert "another run's file" in result.output
    after = pd.read_parquet(out / "outcomes.parquet")
    pd.testing.assert_frame_equal(before, after)


def test_damage_inside_a_run_files_data_is_detected_and_run_again(tmp_path):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert _sweep(path, out).exit_code == 0
    before = pd.read_parquet(out / "outcomes.parquet")
    target = sorted((out / "runs").glob("p*-r*.parquet"))[2]
    chunk = pq.ParquetFile(target).metadata.row_group(0).column(5)  # a series' data page
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    data = bytearray(target.read_bytes())
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    target.write_bytes(bytes(data))
    result = _sweep(path, out)
    assert result.exit_code == 0, result.output
    assert "1 run files did not verify" in result.output and target.stem in result.output
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "outcomes.parquet"))


# ------------------------------------------------------------ a corrupt manifest (defect 5)
@pytest.mark.parametrize("manifest", ["[]", "null", '{"experiment": "x"}', "{torn", None])
def test_a_corrupt_or_missing_manifest_is_rebuilt_keeping_the_runs_that_verify(tmp_path, manifest):
    path = write_experiment(tmp_path, GRID)
    out = tmp_path / "out"
    assert _sweep(path, out).exit_code == 0
    before = pd.read_parquet(out / "outcomes.parquet")
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("p*-r*.parquet")}
    if manifest is None:
        (out / "manifest.json").unlink()
    else:
        (out / "manifest.json").write_text(manifest, encoding="utf-8")
    result = _sweep(path, out)
    assert result.exit_code == 0, result.output
    assert "rebuilt, keeping the 8 run files that verify" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("p*-r*.parquet")} == stamps
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "outcomes.parquet"))
    rebuilt = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert rebuilt["rebuilt"] and rebuilt["sessions"][-1]["status"] == "finished"


def test_an_unwritable_out_is_refused_before_the_run(tmp_path, monkeypatch):
    """(Simulated: the tests may run as root, who can write anywhere.)"""
    import filelock

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filelock.FileLock, "acquire", denied)
    ran = []
    monkeypatch.setattr("sim.experiments.runs.run_scenario", lambda *a, **k: ran.append(1))
    scn = write_tiny_scenario(tmp_path / "scenarios", steps=20)
    result = cli("run", str(scn), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "not writable (Permission denied)" in result.output and not ran
