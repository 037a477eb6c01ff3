"""The results folder of an experiment: manifest, one file per finished run, consolidated tables.

```
results/<experiment>/
  manifest.json        experiment file hash, scenario fingerprints, versions, root seed, sessions
  runs/<run_id>.parquet  one per finished run, written atomically the moment it arrives:
                         its time series, with the run record (seed, parameters, outcomes,
                         error) in the Parquet metadata
  outcomes.parquet     one row a run, in design order
  timeseries.parquet   one row a run and month
```

A run file exists only once it is complete (written to a temp file, then renamed), so
after a crash or a SIGKILL the folder holds finished runs and nothing else; re-running
the same command skips them. Runs that raised are kept with their error and run again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import re
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io import write_atomic, write_json, write_parquet
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.experiments.plan import Experiment, RunSpec

RUN_META_KEY = b"rongtong.run"
ID_COLUMNS = ("run_id", "point", "scenario", "replicate")
# files this module writes; --fresh removes these and nothing else
ARTIFACTS = ("manifest.json", "outcomes.parquet", "timeseries.parquet")
RUN_FILE = re.compile(r"p\d+-r\d+\.parquet")  # runs/<run_id>.parquet (plan.run_id)
TEMP_FILE = re.compile(r"\..+\.tmp")  # sim.io.write_atomic's temp file
VERSIONED = (
    "rongtong",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "SALib",
    "dask",
    "distributed",
)


# ---------------------------------------------------------------- the worker side


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable; travels to Dask workers too)."""

    run_id: str
    point: int
    label: str
    replicate: int
    seed: int
    params: dict[str, Any]
    scenario: Scenario
    outcomes: tuple[str, ...] | None
    series: tuple[str, ...]


@dataclass(frozen=True)
class RunOutput:
    """A finished run: its id, its error (None when it succeeded) and its run file's bytes."""

    run_id: str
    error: str | None
    payload: bytes


def execute_run(task: RunTask) -> RunOutput:
    """Run one scenario with its counterfactual; never raises: an error is part of the record."""
    from sim.experiments.runs import run_scenario

    started, cpu_started = time.perf_counter(), time.process_time()
    error = trace = None
    frame = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("step", *task.series, *_cf(task.series))}
    )
    try:
        result = run_scenario(task.scenario, seed=task.seed)
        outcomes = (
            {k: float(result.outcomes.get(k, math.nan)) for k in task.outcomes}
            if task.outcomes is not None
            else {k: float(v) for k, v in result.outcomes.items()}
        )
        series = list(task.series)
        frame = pd.concat(
            [
                result.timeseries[["step", *series]].reset_index(drop=True),
                result.counterfactual[series]
                .rename(columns=dict(zip(series, _cf(series), strict=True)))
                .reset_index(drop=True),
            ],
            axis=1,
        )
        del result
    except Exception as exc:  # a failing run is recorded; the sweep goes on
        outcomes = {k: math.nan for k in task.outcomes or ()}
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        trace = traceback.format_exc()
    record = {
        "identity": run_identity(task),
        "data_sha256": data_checksum(frame_with_ids(frame, task)),
        "run_id": task.run_id,
        "point": task.point,
        "scenario": task.label,
        "replicate": task.replicate,
        "seed": task.seed,
        "params": task.params,
        "outcomes": outcomes,
        "error": error,
        "traceback": trace,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,  # < seconds: the worker waited for a core
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    table = pa.Table.from_pandas(frame_with_ids(frame, task), preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), RUN_META_KEY: json.dumps(record).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return RunOutput(task.run_id, error, sink.getvalue().to_pybytes())


def frame_with_ids(frame: pd.DataFrame, task: RunTask) -> pd.DataFrame:
    """The run's series as stored: its ids first, `step` as an integer."""
    frame = frame.copy()
    frame.insert(0, "run_id", task.run_id)
    frame.insert(1, "point", task.point)
    frame.insert(2, "scenario", task.label)
    frame.insert(3, "replicate", task.replicate)
    frame["step"] = frame["step"].astype("int64")
    return frame


def run_identity(task: RunTask) -> str:
    """What the run is, by content: its design point (label, parameters, scenario fingerprint),
    its seed and what it keeps. A run file whose identity differs is another run's."""
    blob = {
        "scenario": task.label,
        "params": task.params,
        "scenario_fingerprint": task.scenario.fingerprint(),
        "seed": task.seed,
        "outcomes": list(task.outcomes) if task.outcomes is not None else "all",
        "series": list(task.series),
    }
    text = json.dumps(blob, sort_keys=True, default=str).encode()
    return hashlib.sha256(text).hexdigest()[:32]


def data_checksum(frame: pd.DataFrame) -> str:
    """A checksum of a run's stored series (row hashes of every column, names included)."""
    digest = hashlib.sha256(json.dumps(list(frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _cf(series: tuple[str, ...] | list[str]) -> list[str]:
    return [f"{s}_cf" for s in series]


def tasks_for(exp: Experiment, runs: list[RunSpec]):
    points = {p.index: p for p in exp.points}
    for run in runs:
        p = points[run.point]
        yield RunTask(
            run.run_id,
            p.index,
            p.label,
            run.replicate,
            run.seed,
            p.params,
            p.scenario,
            exp.outcomes,
            exp.series,
        )


# ---------------------------------------------------------------- the folder


def read_run_record(path: Path) -> dict[str, Any] | None:
    """The run record stored in a run file's metadata; None if the file is unreadable."""
    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[RUN_META_KEY])
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def code_hash() -> str:
    """A hash of the package's source: a resumed experiment warns when the code has changed."""
    digest = hashlib.sha256()
    root = Path(__file__).parents[1]  # the whole sim package
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunStore:
    """One experiment's results folder."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.manifest_path = self.out / "manifest.json"
        self.code_changed = False  # set by check(): the finished runs were made by other code
        self.rebuilt = False  # set by check(): the manifest was unreadable and is written anew

    # ------------------------------------------------------------ opening
    def check(self, exp: Experiment, fresh: bool) -> None:
        """Refuse a folder holding another experiment's results (before anything is written)."""
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"--out {self.out}: exists and is not a folder")
        if fresh:
            return
        if self.manifest_path.exists():
            old = self.read_manifest()
            if old is None:  # torn or not a manifest: rebuilt from the run files that verify
                self.rebuilt = True
                return
            if old.get("fingerprint") != exp.fingerprint():
                raise InputError(
                    f"{self.out}: holds results of a different experiment ({old.get('experiment_file') or old.get('experiment')}, "
                    f"fingerprint {old.get('fingerprint')}; now {exp.fingerprint()}): the design, scenarios, seed or kept "
                    "outputs changed; use --fresh to discard those results, or another --out"
                )
            self.code_changed = old.get("code_sha256") not in (None, code_hash())
        elif self.runs_dir.is_dir() and any(self.runs_dir.glob("p*-r*.parquet")):
            self.rebuilt = True  # run files without a manifest: kept where they verify

    def open(self, exp: Experiment, fresh: bool, executor: str, pending: int) -> dict:
        """Clear it if `fresh`, write the manifest with a new session; return the manifest."""
        if fresh:
            self.clear()
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.runs_dir.glob(".*.tmp"):  # a temp file of a run killed mid-write
            stale.unlink(missing_ok=True)
        manifest = self.read_manifest() or self.new_manifest(exp)
        if self.rebuilt:
            manifest["rebuilt"] = now()  # the earlier sessions were lost with the old manifest
        manifest["sessions"].append(
            {
                "started": now(),
                "ended": None,
                "status": "running",
                "executor": executor,
                "runs_pending": pending,
                "experiment_file_sha256": exp.file_sha256,  # comments may change between sessions
                "versions": versions(),
                "code_sha256": code_hash(),
            }
        )
        manifest["status"] = "running"
        write_json(self.manifest_path, manifest)
        return manifest

    def clear(self) -> None:
        """--fresh: remove the files this tool writes (run files by their names, temp files of
        killed writes, the artifacts) and nothing else; runs/ goes only once it is empty."""
        if self.runs_dir.is_dir():
            for path in self.runs_dir.iterdir():
                if path.is_file() and (
                    RUN_FILE.fullmatch(path.name) or TEMP_FILE.fullmatch(path.name)
                ):
                    path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.runs_dir.rmdir()
        for name in ARTIFACTS:
            (self.out / name).unlink(missing_ok=True)

    def read_manifest(self) -> dict | None:
        """The manifest, or None when there is none or it is not one (torn, `[]`, no sessions)."""
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("sessions"), list):
            return None
        return manifest

    def new_manifest(self, exp: Experiment) -> dict:
        spec = exp.spec
        return {
            "experiment": exp.name,
            "experiment_file": exp.source,
            "experiment_file_sha256": exp.file_sha256,
            "fingerprint": exp.fingerprint(),
            "root_seed": exp.root_seed,
            "replicate_seeds": exp.seeds,
            "design": spec.design.model_dump(mode="json", exclude={"scenarios"}),
            "salib_problem": exp.problem,
            "outcomes": list(exp.outcomes) if exp.outcomes is not None else "all",
            "timeseries": list(exp.series),
            "runs": len(exp.points) * len(exp.seeds),
            "points": [
                {
                    "point": p.index,
                    "scenario": p.label,
                    "params": p.params,
                    "scenario_fingerprint": p.scenario.fingerprint(),
                    "steps": p.scenario.steps,
                }
                for p in exp.points
            ],
            **exp.extra,
            "versions": versions(),
            "code_sha256": code_hash(),
            "started": now(),
            "ended": None,
            "status": "running",
            "sessions": [],
        }

    def close(self, manifest: dict, status: str, ran: int, failed: list[str]) -> None:
        session = manifest["sessions"][-1]
        session.update(ended=now(), status=status, runs_done=ran, runs_failed=len(failed))
        manifest["status"] = status
        if status == "finished":
            manifest["ended"] = session["ended"]
        write_json(self.manifest_path, manifest)

    # ------------------------------------------------------------ runs
    def run_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.parquet"

    def save(self, output: RunOutput) -> None:
        write_atomic(self.run_path(output.run_id), lambda p: p.write_bytes(output.payload))

    def finished(self, exp: Experiment) -> tuple[set[str], dict[str, str]]:
        """Runs already written without an error whose file verifies (not run again), and the
        run files that did not verify, with why (they are run again)."""
        done, rejected = set(), {}
        for task in tasks_for(exp, exp.runs()):
            path = self.run_path(task.run_id)
            if not path.exists():
                continue
            why = self._verify(path, task)
            if why is None:
                done.add(task.run_id)
            elif why != "failed":
                rejected[task.run_id] = why
        return done, rejected

    @staticmethod
    def _verify(path: Path, task: RunTask) -> str | None:
        """None when the file holds this run, finished and intact; else what is wrong."""
        try:
            table = pq.read_table(path)
            record = json.loads(table.schema.metadata[RUN_META_KEY])
            frame = table.replace_schema_metadata(None).to_pandas()
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
            return "unreadable"
        if record.get("identity") != run_identity(task):
            return "another run's file (its design point, scenario or seed differ)"
        if record.get("data_sha256") != data_checksum(frame):
            return "its data do not match their checksum"
        return "failed" if record.get("error") is not None else None

    def consolidate(self, exp: Experiment) -> pd.DataFrame:
        """Write outcomes.parquet and timeseries.parquet from the run files, in design order."""
        runs = sorted(exp.runs(), key=lambda r: (r.point, r.replicate))
        records, frames = [], []
        for run in runs:
            path = self.run_path(run.run_id)
            if not path.exists():
                continue
            table = pq.read_table(path)
            record = json.loads(table.schema.metadata[RUN_META_KEY])
            records.append(record)
            if table.num_rows:
                frames.append(table.replace_schema_metadata(None).to_pandas())
        names = list(exp.outcomes or ())
        if exp.outcomes is None:  # all: the union, in the order of first appearance
            for record in records:
                names.extend(k for k in record["outcomes"] if k not in names)
        params = exp.parameters
        rows = [
            {
                **{k: r[k] for k in ("run_id", "point", "scenario", "replicate", "seed")},
                **{p: r["params"].get(p) for p in params},
                **{k: r["outcomes"].get(k, math.nan) for k in names},
                "error": r["error"],
            }
            for r in records
        ]
        columns = ["run_id", "point", "scenario", "replicate", "seed", *params, *names, "error"]
        table = pd.DataFrame(rows, columns=columns)
        table[["point", "replicate", "seed"]] = table[["point", "replicate", "seed"]].astype(
            "int64"
        )
        table[names] = table[names].astype("float64")
        table["error"] = table["error"].astype("object")
        write_parquet(self.out / "outcomes.parquet", table)
        series = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=[*ID_COLUMNS, "step", *exp.series, *_cf(exp.series)])
        )
        write_parquet(self.out / "timeseries.parquet", series)
        return table
