"""Throughput of sweeps by executor, and the memory of a worker over many runs.

    .venv/bin/python benchmarks/bench_experiments.py [--runs 60] [--memory-runs 1000]

Prints runs/s of the baseline scenario (120 months, each run with its counterfactual) with
one and two local worker processes and with a Dask LocalCluster of two workers, and the
resident memory of one worker process over `--memory-runs` runs. Targets (issue 5): two
workers >= 1.8x one worker; Dask within 15 % of local processes; a worker's resident
memory grows < 50 MB over 1,000 runs.

"steady" runs/s counts from the moment every worker has delivered its first run (start-up
of the processes and of the cluster excluded); "overall" includes it. On a shared machine
other processes take cores away: the workers' CPU time / wall time per run says how much
of the time they held a core, and "per full core share" divides that out (steady / share).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


def throughput(
    runs: int, workers: int, dask: str | None, steps: int | None
) -> tuple[float, float, float, float, float]:
    """One sweep of `runs` baseline runs: (steady, overall) runs/s, the workers' CPU share,
    and the CPU seconds per run of all processes (this one, the workers, Dask's nannies).

    The CPU share is CPU time / wall time of the runs inside the workers: below 1 the
    workers waited for a core (other processes on the machine, or more workers than cores).
    CPU per run hardly depends on other processes: it shows an executor's overhead; the
    workers' own CPU per run (all threads of the worker process) shows what it costs there.
    """
    from sim.experiments.designs import experiment_from_scenarios
    from sim.experiments.runner import run_experiment
    from sim.experiments.runstore import read_run_record

    exp = experiment_from_scenarios([BASELINE], runs, seed=1, steps=steps, name="bench")
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu_start = time.time(), cpu_seconds()
        table = run_experiment(exp, Path(tmp), workers=workers, dask=dask, progress=False)
        end, cpu_used = time.time(), cpu_seconds() - cpu_start
        assert table["error"].isna().all(), table["error"].dropna().iloc[0]
        # each run file is written by the parent the moment the run arrives
        files = list((Path(tmp) / "runs").glob("*.parquet"))
        done = sorted(p.stat().st_mtime for p in files)
        records = [read_run_record(p) for p in files]
    warm = done[workers - 1]
    steady = (len(done) - workers) / (done[-1] - warm)
    cpu_share = sum(r["cpu_seconds"] for r in records) / sum(r["seconds"] for r in records)
    worker_cpu = sum(r["cpu_seconds"] for r in records) / len(records)
    return steady, len(done) / (end - start), cpu_share, cpu_used / len(done), worker_cpu


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (and theirs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def memory_probe(runs: int, steps: int) -> list[tuple[int, float]]:
    """In a worker process: run the sweep task function `runs` times; RSS (MB) along the way."""
    import psutil

    from sim.experiments.designs import experiment_from_scenarios
    from sim.experiments.runstore import execute_run, tasks_for

    exp = experiment_from_scenarios([BASELINE], runs, seed=2, steps=steps, name="memory")
    proc = psutil.Process()
    marks = {1, 10, 100, runs // 2, runs}
    trace = []
    for i, task in enumerate(tasks_for(exp, exp.runs()), start=1):
        output = execute_run(task)
        assert output.error is None, output.error
        if i in marks:
            trace.append((i, proc.memory_info().rss / 2**20))
    return trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per executor")
    parser.add_argument("--steps", type=int, default=None, help="months per run (default 120)")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many sweeps each")
    parser.add_argument("--memory-runs", type=int, default=1000)
    parser.add_argument(
        "--memory-steps", type=int, default=24, help="months per run in the memory probe"
    )
    args = parser.parse_args()

    print(
        f"sweep throughput: baseline scenario ({args.steps or 120} months + counterfactual), "
        f"{args.runs} runs per executor, {os.cpu_count()} cores, "
        f"load average before: {os.getloadavg()[0]:.2f} (other processes compete for the cores)"
    )
    results = {}
    for label, workers, dask in (
        ("local processes, 1 worker", 1, None),
        ("local processes, 2 workers", 2, None),
        ("dask LocalCluster, 2 workers", 2, "local"),
    ):
        steady, overall, cpu, cpu_per_run, worker_cpu = max(
            (throughput(args.runs, workers, dask, args.steps) for _ in range(args.repeat)),
            key=lambda r: r[0],
        )
        results[label] = (steady, steady / cpu)
        print(
            f"  {label:<30} {steady:6.2f} runs/s steady  {overall:6.2f} overall  "
            f"cores held {cpu:4.0%} of the time  -> {steady / cpu:6.2f} runs/s per full core share  "
            f"CPU {cpu_per_run:.3f} s/run (all processes, start-up included), "
            f"{worker_cpu:.3f} s/run inside the worker processes"
        )
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    for i, kind in enumerate(("measured", "per full core share")):
        one, two, dask = (r[i] for r in results.values())
        speedup, dask_gap = two / one, dask / two - 1.0
        print(
            f"  {kind}: 2 workers / 1 worker {speedup:.2f}x (target >= 1.8x: "
            f"{'met' if speedup >= 1.8 else 'NOT met'}); dask vs local processes {dask_gap:+.1%} "
            f"(target within 15 %: {'met' if abs(dask_gap) <= 0.15 else 'NOT met'})"
        )

    if args.memory_runs < 10:
        return  # the memory probe needs at least 10 runs to measure growth from run 10
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        trace = pool.submit(memory_probe, args.memory_runs, args.memory_steps).result()
    print(
        f"worker memory over {args.memory_runs} runs (baseline, {args.memory_steps} months + counterfactual):"
    )
    for i, rss in trace:
        print(f"  after run {i:>5}: {rss:7.1f} MB resident")
    growth = trace[-1][1] - trace[1][1]
    print(
        f"  growth from run {trace[1][0]} to run {trace[-1][0]}: {growth:+.1f} MB "
        f"(target < 50 MB: {'met' if growth < 50 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
