"""What the innovation layer costs: a baseline run with and without it, and where its month goes.

Prints
- seconds (CPU) for one baseline run (about 900 firms, 120 months) after import, with the
  innovation layer and with its monthly step switched off (min and median over repeats,
  alternating, so both see the same machine load);
- the layer's own share of a run, and of a run at about 10k firms.
Target (issue 4): the baseline with innovation on <= 0.3 s per run.

    .venv/bin/python benchmarks/bench_innovation.py            # 12 repeats
    .venv/bin/python benchmarks/bench_innovation.py --repeats 4
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import sim
from sim.ecosystem.innovation import InnovationLayer

REPO = Path(__file__).resolve().parents[1]
LAYER_STEP = InnovationLayer.step


def run_once(scn: sim.Scenario, layer_on: bool) -> tuple[float, float]:
    """CPU seconds of a whole run and of the layer's steps in it."""
    spent = [0.0]

    def timed(self, t, flows):
        start = time.process_time()
        LAYER_STEP(self, t, flows)
        spent[0] += time.process_time() - start

    InnovationLayer.step = timed if layer_on else (lambda self, t, flows: None)
    try:
        start = time.process_time()
        model = sim.EcosystemModel(scn, rng=1).run()
        total = time.process_time() - start
        model.release()
    finally:
        InnovationLayer.step = LAYER_STEP
    return total, spent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    args = parser.parse_args()
    baseline = sim.load_scenario(REPO / "scenarios" / "baseline.yaml")
    run_once(baseline, True)  # warm up imports and caches
    on, off, layer = [], [], []
    for _ in range(args.repeats):
        total, spent = run_once(baseline, True)
        on.append(total)
        layer.append(spent)
        off.append(run_once(baseline, False)[0])
    print("baseline (910 firms x 120 months), CPU seconds per run")
    print(
        f"  innovation on : min {min(on):.3f}  median {statistics.median(on):.3f}   (target <= 0.3)"
    )
    print(f"  innovation off: min {min(off):.3f}  median {statistics.median(off):.3f}")
    print(f"  layer's own steps: min {min(layer):.3f} s = {1e6 * min(layer) / 120:.0f} us/month")
    big = sim.scenario_from_flat(
        n_leaders=110,
        n_smes=3300,
        n_suppliers=6600,
        n_component_categories=330,
        n_raw_categories=220,
        steps=60,
    )
    total, spent = run_once(big, True)
    print(
        f"about 10k firms x 60 months: {total:.2f} s, of which the innovation layer {spent:.2f} s"
    )


if __name__ == "__main__":
    main()
