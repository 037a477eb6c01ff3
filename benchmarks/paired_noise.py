"""How much of a paired shock-minus-counterfactual difference is the shock, and how much drift.

Runs `supplier_disruption.yaml` at several capacity losses over many seeds, with this checkout
and with an earlier commit (loaded side by side, as bench_ab does), and prints per capacity loss
the mean and SD of output_loss_pct over this checkout's resilience window, computed the same
way from both versions' output series (so the window is not what differs), the share of seeds
with |loss| < 0.05 and with exits, entries and links equal to the counterfactual's.

    .venv/bin/python benchmarks/paired_noise.py --against c00fafd --seeds 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np

from sim.analysis.outcomes import loss_pct

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CAPACITY_LOSSES = (0.001, 0.01, 0.1, 0.4, 0.8)


def measure(version, capacity_loss: float, seed: int, window: tuple[int, int]) -> dict[str, float]:
    """output_loss_pct over `window` and over the rest of the run, and whether counts matched."""
    sim = version.sim
    scn = sim.load_scenario(version.root / "scenarios" / "supplier_disruption.yaml")
    shocks = [s.model_copy(update={"capacity_loss": capacity_loss}) for s in scn.shocks]
    res = sim.run_scenario(scn.model_copy(update={"shocks": shocks}), seed=seed)
    ts, cf = res.timeseries, res.counterfactual
    y, c = ts["output"].to_numpy(), cf["output"].to_numpy()
    counts = [
        col for col in ("sme_exits", "supplier_exits", "entries", "supply_links") if col in ts
    ]
    same = all(np.array_equal(ts[col].to_numpy(), cf[col].to_numpy()) for col in counts)
    return {
        "window": loss_pct(y, c, *window),
        "to_end": loss_pct(y, c, window[0]),
        "same_counts": float(same),
    }


def summary(values: list[dict[str, float]]) -> str:
    w = [v["window"] for v in values]
    small = np.mean([abs(x) < 0.05 for x in w])
    return (
        f"window mean {statistics.mean(w):+.4f} SD {statistics.stdev(w):.4f} "
        f"|loss|<0.05 {small:.0%}  counts equal {np.mean([v['same_counts'] for v in values]):.0%}  "
        f"to end mean {statistics.mean(v['to_end'] for v in values):+.4f} "
        f"SD {statistics.stdev(v['to_end'] for v in values):.4f}"
    )


def main() -> None:
    import sys

    sys.path.insert(0, str(BENCH))
    from bench_ab import Version, checkout

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD~1")
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        versions = [Version(f"A {args.against}", checkout(args.against, Path(tmp))),
                    Version("B this checkout", REPO)]  # fmt: skip
        with versions[1] as v:
            scn = v.sim.load_scenario(REPO / "scenarios" / "supplier_disruption.yaml")
            window = scn.resilience_window()
        print(f"load {os.getloadavg()[0]:.2f}; window months {window}; {args.seeds} seeds")
        for loss in CAPACITY_LOSSES:
            for v in versions:
                with v:
                    values = [measure(v, loss, s, window) for s in range(args.seeds)]
                print(f"capacity_loss {loss:<6} {v.label:<18} {summary(values)}")
        print(f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
