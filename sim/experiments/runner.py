"""Running an experiment: every unfinished run on one executor, each saved the moment it ends.

Results are the same whichever executor runs them (seeds come from the plan); a run that
raises is recorded with its error and does not stop the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.experiments.plan import Experiment, RunSpec

if TYPE_CHECKING:
    from rich.console import Console

    from sim.experiments.runstore import RunStore


def run_experiment(
    exp: Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    fresh: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every unfinished run of `exp`, write them under `out`, return the tidy outcomes table.

    One row a run, in design order: run_id, point, scenario, replicate, seed, the design
    parameters, the outcomes and `error` (None, or the message of a run that raised; its
    outcomes are NaN). A failing run does not stop the others. Re-running resumes: runs
    already written are not run again. `workers` (default: the file's, else one per
    core; 0 = this process) and `dask` (an address, 'local' or a distributed.Client)
    choose the executor; the results are the same whichever is used.
    """
    from sim.experiments.folders import default_folder, locked_folder

    out = Path(out) if out is not None else default_folder(exp.name)
    with locked_folder(out, f"run_experiment {exp.name}"):
        return _run_locked(exp, out, workers, dask, fresh, progress)


def _run_locked(
    exp: Experiment, out: Path, workers: int | None, dask: Any, fresh: bool, progress: bool
) -> pd.DataFrame:
    """run_experiment's work, while this process holds the results folder."""
    from rich.console import Console

    from sim.experiments.runstore import RunStore

    workers = workers if workers is not None else exp.spec.executor.workers
    dask = dask if dask is not None else exp.spec.executor.dask
    store = RunStore(out)
    store.check(exp, fresh)  # refuses another experiment's folder before writing anything
    all_runs = exp.runs()
    done, rejected = (set(), {}) if fresh else store.finished(exp)
    pending = [r for r in all_runs if r.run_id not in done]
    console = Console(stderr=True)
    if store.rebuilt:
        console.print(
            f"warning: {store.manifest_path}: not a readable manifest; it is rebuilt, keeping the "
            f"{len(done)} run files that verify",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    _announce_rejected(console, out, rejected)
    if done:
        _announce_resume(console, exp, store, out, len(done), len(all_runs), progress)
    if not pending:  # all done: (re)consolidate only
        store.close(store.open(exp, fresh, "none: all runs were done", 0), "finished", 0, [])
    else:
        _run_pending(exp, store, pending, workers, dask, fresh, progress, console)
    return store.consolidate(exp)


def _announce_rejected(console: Console, out: Path, rejected: dict[str, str]) -> None:
    """Say which run files did not verify (they are run again), so nothing is replaced silently."""
    if not rejected:
        return
    shown = "; ".join(f"{run_id}: {why}" for run_id, why in list(rejected.items())[:5])
    more = f" and {len(rejected) - 5} more" if len(rejected) > 5 else ""
    console.print(
        f"warning: {out}: {len(rejected)} run files did not verify and are run again ({shown}{more})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _announce_resume(
    console: Console,
    exp: Experiment,
    store: RunStore,
    out: Path,
    done: int,
    total: int,
    progress: bool,
) -> None:
    """Say what is resumed, and warn when the source changed since the finished runs were made."""
    if progress:
        console.print(
            f"{exp.name}: resuming, {done} of {total} runs already in {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if store.code_changed:
        console.print(
            f"warning: {out}: the rongtong source changed since these runs were made; the finished "
            "runs are kept (use --fresh to run them all with this code)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _run_pending(
    exp: Experiment,
    store: RunStore,
    pending: list[RunSpec],
    workers: int | None,
    dask: Any,
    fresh: bool,
    progress: bool,
    console: Console,
) -> None:
    """Run `pending` on one executor, saving each run as it arrives; the manifest records how it ended."""
    from sim.experiments.executors import make_executor
    from sim.experiments.progress import RunProgress
    from sim.experiments.runstore import execute_run, tasks_for

    with make_executor(workers, dask, len(pending)) as executor:
        manifest = store.open(exp, fresh, executor.description, len(pending))
        failed: list[str] = []
        status = "crashed"
        bar = RunProgress(exp.name, len(pending), progress, console)
        try:
            with bar:
                for output in executor.imap_unordered(execute_run, tasks_for(exp, pending)):
                    store.save(output)
                    if output.error is not None:
                        failed.append(output.run_id)
                    bar.advance(output.error is None)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            store.close(manifest, status, bar.done, failed)
