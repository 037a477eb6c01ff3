"""What a paired run costs: a shocked run and its counterfactual, forked at the first shock
(sim.ecosystem.fork), against one unpaired run of the same length and against the pair run
from scratch (`run_scenario(..., fork=False)`).

With the fork the months before the first shock are simulated once, so a pair costs one run
plus the months from the shock on, plus the copy: the later the shock (a burn-in), the closer
to one run. Prints, per case, median and min seconds over interleaved repetitions (after one
warm-up of each), wall clock with the CPU time beside it, the pair's cost in unpaired runs,
the copy alone, and the load average before and after (the machine is shared: figures are
noisy).

    .venv/bin/python benchmarks/bench_paired.py              # baseline size and 10k firms
    .venv/bin/python benchmarks/bench_paired.py --quick      # baseline size only
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's sim

import sim  # noqa: E402
from sim.scenario import Scenario, scaled_parameters  # noqa: E402

BURN_IN = 180  # the recommended burn-in (tests/test_stationary.py)


def cases(quick: bool) -> dict[str, Scenario]:
    """Bundled supplier disruption (shock at month 24 of 120), the same with the shock at 60,
    the same after a burn-in (its pair is also set against one 120-month run without burn-in),
    and a 10k-firm ecosystem."""
    file = REPO / "scenarios" / "supplier_disruption.yaml"
    out = {
        "supplier_disruption, 910 firms, shock 24 of 120": sim.load_scenario(file),
        "supplier_disruption, 910 firms, shock 60 of 120": sim.load_scenario(
            file, {"shocks.0.start": 60}
        ),
    }
    burn_in = f"supplier_disruption, 910 firms, burn-in {BURN_IN} then shock 24 of 120"
    out[burn_in] = sim.load_scenario(file, {"burn_in": BURN_IN})
    if not quick:
        shock = {"type": "supplier_disruption", "start": 24, "duration": 6}
        out["10k firms, shock 24 of 60"] = sim.scenario_from_flat(
            **scaled_parameters(10_000), steps=60, shocks=[shock]
        )
    return out


def unpaired(scn: Scenario, seed: int) -> None:
    model = sim.EcosystemModel(scn, rng=seed)
    model.run()
    model.release()


def fork_only(scn: Scenario, seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the copy alone, at the first shock."""
    model = sim.EcosystemModel(scn, rng=seed).run(min(s.start for s in scn.shocks))
    t, c = time.perf_counter(), time.process_time()
    twin = model.fork(without_shocks=True)
    seconds = (time.perf_counter() - t, time.process_time() - c)
    twin.release()
    model.release()
    return seconds


def timings(scn: Scenario, reps: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each way, repetitions interleaved (each way's first call is a
    warm-up)."""
    ways: dict[str, Callable[[int], object]] = {
        "unpaired run": lambda seed: unpaired(scn, seed),
        "pair, forked": lambda seed: sim.run_scenario(scn, seed),
        "pair, from scratch": lambda seed: sim.run_scenario(scn, seed, fork=False),
    }
    if scn.burn_in:
        plain = scn.model_copy(update={"burn_in": 0, "shocks": []})
        ways["unpaired, no burn-in"] = lambda seed: unpaired(plain, seed)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for rep in range(reps + 1):
        for name, way in ways.items():
            t, c = time.perf_counter(), time.process_time()
            way(rep)
            if rep:
                times[name].append((time.perf_counter() - t, time.process_time() - c))
    times["copy at the shock"] = [fork_only(scn, rep) for rep in range(reps)]
    return times


def report(name: str, times: dict[str, list[tuple[float, float]]]) -> None:
    wall = {way: [w for w, _ in seconds] for way, seconds in times.items()}
    one = statistics.median(wall["unpaired run"])
    print(name)
    for way, seconds in times.items():
        median = statistics.median(wall[way])
        cpu = statistics.median(c for _, c in seconds)
        print(
            f"  {way:20s} median {median:7.3f} s  min {min(wall[way]):7.3f} s"
            f"  (CPU median {cpu:7.3f} s)  = {median / one:4.2f} unpaired runs"
        )
    saved = 1 - statistics.median(wall["pair, forked"]) / statistics.median(
        wall["pair, from scratch"]
    )
    print(f"  the fork saves {100 * saved:.0f} % of the pair from scratch (medians)")
    if "unpaired, no burn-in" in wall:
        ratio = statistics.median(wall["pair, forked"]) / statistics.median(
            wall["unpaired, no burn-in"]
        )
        print(f"  the pair with burn-in = {ratio:.2f} unpaired 120-month runs without burn-in")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="skip the 10k-firm case")
    args = parser.parse_args()
    print(f"load average before {os.getloadavg()[0]:.2f}; {args.reps} repetitions, interleaved")
    for name, scn in cases(args.quick).items():
        report(name, timings(scn, args.reps if "10k" not in name else max(2, args.reps // 3)))
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
