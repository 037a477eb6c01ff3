"""A/B: this checkout against an earlier commit, timed in one process, interleaved.

Both versions of the `sim` package are loaded side by side (each with its own module table,
swapped in before each of its runs, so imports made inside functions find their own version)
and run alternately, so a change of machine load hits both alike. Prints, per workload and
version, the median and minimum wall time over the repetitions, the ratio of medians and
the load average before and after.

    .venv/bin/python benchmarks/bench_ab.py                 # against HEAD~1
    .venv/bin/python benchmarks/bench_ab.py --against main --reps 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
BASELINE_FIRMS = 910
# scaled_run repeats sim.scenario.scaled_parameters on purpose: the commit compared against may
# predate it, and both versions must build the same ecosystem


class Version:
    """One source tree of `sim`, importable on demand without disturbing the other."""

    def __init__(self, label: str, root: Path) -> None:
        self.label, self.root = label, root
        self.modules: dict[str, ModuleType] = {}
        with self:
            import sim

            self.sim = sim

    def __enter__(self) -> Version:
        for name in [m for m in sys.modules if m == "sim" or m.startswith("sim.")]:
            del sys.modules[name]
        sys.modules.update(self.modules)
        sys.path.insert(0, str(self.root))
        return self

    def __exit__(self, *exc: object) -> None:
        sys.path.remove(str(self.root))
        self.modules = {m: v for m, v in sys.modules.items() if m == "sim" or m.startswith("sim.")}


def checkout(rev: str, into: Path) -> Path:
    """The tree of `rev` (only sim/ and scenarios/ are needed) extracted under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "sim", "scenarios"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "x", "-C", str(into)], input=archive, check=True)
    return into


def baseline_run(v: Version, seed: int) -> None:
    scn = v.sim.load_scenario(v.root / "scenarios" / "baseline.yaml")
    model = v.sim.EcosystemModel(scn, rng=seed)
    model.run()
    model.release()


def scaled_run(n_firms: int, steps: int) -> Callable[[Version, int], None]:
    def run(v: Version, seed: int) -> None:
        f = n_firms / BASELINE_FIRMS
        scn = v.sim.scenario_from_flat(
            n_leaders=max(1, round(10 * f)),
            n_smes=round(300 * f),
            n_suppliers=round(600 * f),
            n_component_categories=max(8, round(30 * f)),
            n_raw_categories=max(2, round(20 * f)),
            steps=steps,
        )
        model = v.sim.EcosystemModel(scn, rng=seed)
        model.run()
        model.release()

    return run


def paired_run(v: Version, seed: int) -> None:
    v.sim.run_scenario(v.sim.load_scenario(v.root / "scenarios" / "foreign_cutoff.yaml"), seed=seed)


WORKLOADS: dict[str, Callable[[Version, int], None]] = {
    "baseline (910 firms x 120 months)": baseline_run,
    "paired foreign_cutoff (shock + counterfactual)": paired_run,
    "10k firms x 60 months": scaled_run(10_000, 60),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD~1", help="the earlier commit (default HEAD~1)")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a = Version(f"A {args.against}", checkout(args.against, Path(tmp)))
        b = Version("B this checkout", REPO)
        print(f"load average before {os.getloadavg()[0]:.2f}; {args.reps} runs each, interleaved")
        for name, work in WORKLOADS.items():
            times: dict[str, list[float]] = {a.label: [], b.label: []}
            for rep in range(args.reps + 1):
                for v in (a, b) if rep % 2 else (b, a):
                    with v:
                        t = time.perf_counter()
                        work(v, rep)
                        if rep:  # the first round warms caches
                            times[v.label].append(time.perf_counter() - t)
            med = {k: statistics.median(x) for k, x in times.items()}
            print(name)
            for label, x in times.items():
                print(f"  {label:<22} median {med[label]:.3f} s   min {min(x):.3f} s")
            print(f"  B / A (medians) {med[b.label] / med[a.label]:.3f}")
        print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
