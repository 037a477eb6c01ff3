"""Executors and crashes: the same results from any executor; a killed sweep resumes exactly.

These tests start worker processes and a Dask cluster, so they are kept few and small.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_experiments import GRID, cli, write_experiment

from sim.experiments.designs import load_experiment
from sim.experiments.runner import run_experiment


def rongtong_command() -> list[str]:
    script = Path(sys.executable).parent / "rongtong"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def test_results_do_not_depend_on_the_executor_or_the_worker_count(tmp_path):
    pytest.importorskip("distributed")
    exp = load_experiment(write_experiment(tmp_path, {**GRID, "replicates": 3}))
    settings = {
        "inline": {"workers": 0},
        "one_worker": {"workers": 1},
        "two_workers": {"workers": 2},
        "dask_local": {"workers": 2, "dask": "local"},
    }
    tables, series = {}, {}
    for name, kwargs in settings.items():
        out = tmp_path / name
        tables[name] = run_experiment(exp, out, progress=False, **kwargs)
        series[name] = pd.read_parquet(out / "timeseries.parquet")
        assert pd.read_parquet(out / "outcomes.parquet").equals(tables[name])
    reference = tables.pop("inline")
    assert len(reference) == 12 and reference["error"].isna().all()
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(series[name], series["inline"], check_exact=True, obj=name)


def test_a_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    # 60 months on the tiny ecosystem: long enough runs to kill the sweep half-way
    path = write_experiment(tmp_path, {**GRID, "replicates": 6}, name="killed", scenario_steps=60)
    exp = load_experiment(path)
    total = len(exp.runs())
    reference = run_experiment(exp, tmp_path / "uninterrupted", workers=0, progress=False)

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [*rongtong_command(), "sweep", str(path), "--out", str(out), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker dies with it
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "runs").glob("*.parquet"))) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep wrote no runs"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(list((out / "runs").glob("*.parquet")))
    assert 3 <= done < total, "the kill must land mid-way"
    assert not (out / "outcomes.parquet").exists()
    # what a kill in the middle of writing a run file leaves: a temp file, never a run file
    (out / "runs" / ".p00000-r0007.parquet.abc123.tmp").write_bytes(b"half a file")

    resumed = cli("sweep", str(path), "--out", str(out), "--workers", "0")
    assert resumed.exit_code == 0, resumed.output
    assert f"resuming, {done} of {total} runs already" in resumed.stderr

    table = pd.read_parquet(out / "outcomes.parquet")
    assert sorted(table["run_id"]) == sorted(r.run_id for r in exp.runs())
    assert table["run_id"].is_unique
    pd.testing.assert_frame_equal(table, reference, check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "timeseries.parquet"),
        pd.read_parquet(tmp_path / "uninterrupted" / "timeseries.parquet"),
        check_exact=True,
    )
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        f"{r.run_id}.parquet" for r in exp.runs()
    )
