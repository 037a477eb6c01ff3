"""How fast and how big: the core model from 1k to 100k firms.

Prints (with the load average of the machine, which is shared: figures are noisy)
- seconds for one baseline run (build + 120 months, about 900 firms, finance and innovation
  layers on), after import: median and min of several runs, wall clock and CPU;
- firm-steps per second at about 1k, 10k and 100k firms (firm and category counts
  scaled in proportion to the baseline);
- time and peak RSS of 100k firms x 120 months, each in a subprocess of its own (so the
  RSS is the run's), with the BLAS thread pool as inherited and pinned to one thread;
- market-clearing time against the number of supply links (should grow linearly);
- where a month goes at 10k firms (which step of the model takes the time, including the
  innovation layer and the churn: exits, entries, searches, link changes);
- the speed-up of the vectorized supply rules over the per-agent oracle
  (tests/reference_model.py) at 10k firms.
Targets (issue 2): baseline <= 0.3 s/run; 100k x 120 <= 15 s and <= 2 GB; >= 30x the oracle.

    .venv/bin/python benchmarks/bench_scale.py            # everything (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --quick    # skip the 100k runs
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # this checkout's sim; the oracle lives in tests

import sim  # noqa: E402
from sim.ecosystem import supply  # noqa: E402
from sim.scenario import BASELINE_FIRMS, Scenario, scaled_parameters  # noqa: E402


def scaled(n_firms: int, steps: int = 120, **params) -> Scenario:
    """The baseline ecosystem scaled to about `n_firms`, every count in proportion."""
    return sim.scenario_from_flat(**scaled_parameters(n_firms), steps=steps, **params)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ---------------------------------------------------------------- sections


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def baseline_seconds(reps: int = 7) -> None:
    scn = sim.load_scenario(REPO / "scenarios" / "baseline.yaml")
    times, cpu = [], []
    for seed in range(reps + 1):
        t, c = time.perf_counter(), time.process_time()
        model = sim.EcosystemModel(scn, rng=seed)
        model.run()
        model.release()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times, cpu = times[1:], cpu[1:]  # the first run warms caches
    print(
        f"baseline run (build + {scn.steps} months, {BASELINE_FIRMS} firms, {reps} seeds): "
        f"median {statistics.median(times):.3f} s, min {min(times):.3f} s "
        f"(CPU median {statistics.median(cpu):.3f} s)   [target <= 0.3 s]   {load()}"
    )


def throughput(n_firms: int, steps: int) -> dict:
    scn = scaled(n_firms, steps)
    t = time.perf_counter()
    model = sim.EcosystemModel(scn, rng=0)
    build = time.perf_counter() - t
    t = time.perf_counter()
    model.run()
    run = time.perf_counter() - t
    out = {
        "firms": model.network.n_firms,
        "links": model.network.n_links,
        "steps": steps,
        "build_s": build,
        "run_s": run,
        "firm_steps_per_s": model.network.n_firms * steps / run,
    }
    model.release()
    return out


def print_throughput(r: dict) -> None:
    print(
        f"  {r['firms']:>7,} firms {r['links']:>8,} links x {r['steps']:>3} months: "
        f"build {r['build_s']:6.2f} s, steps {r['run_s']:7.2f} s "
        f"({1000 * r['run_s'] / r['steps']:7.1f} ms/month) -> "
        f"{r['firm_steps_per_s'] / 1e6:6.2f} M firm-steps/s"
    )


def child(n_firms: int, steps: int) -> None:
    """Run in a subprocess: one big run, report time and peak RSS as JSON."""
    r = throughput(n_firms, steps)
    r["total_s"] = r["build_s"] + r["run_s"]
    r["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(r))


def big_run(n_firms: int, steps: int, blas_threads: str | None) -> None:
    env = dict(os.environ)
    label = "BLAS threads as inherited"
    if blas_threads is not None:
        env.update(OPENBLAS_NUM_THREADS=blas_threads, OMP_NUM_THREADS=blas_threads)
        label = f"OPENBLAS_NUM_THREADS={blas_threads}"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(n_firms), str(steps)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{label}:")
    print_throughput(r)
    print(
        f"  total {r['total_s']:.1f} s [target <= 15 s], peak RSS {r['peak_rss_mb']:.0f} MB "
        f"[target <= 2048 MB] (interpreter and imports included)   {load()}"
    )


def clearing_vs_links(n_firms: int = 30_000, reps: int = 15) -> None:
    """Same firms, more sourcing links: market clearing time per month (best of `reps`)."""
    rows = []
    for per_slot in (1, 2, 3, 5, 8):
        scn = scaled(n_firms, 24, smes_per_component=per_slot, suppliers_per_raw_input=per_slot)
        model = sim.EcosystemModel(scn, rng=0)
        net, rules = model.network, model.rules
        demand = model.base_final_demand
        capacity = model.supply.capacity.copy()
        state = model.supply.copy()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            supply.clear_market(net, state, demand, capacity, rules)
            times.append(time.perf_counter() - t)
        rows.append((net.n_links, min(times)))
        model.release()
    links = np.array([r[0] for r in rows], float)
    clear = np.array([r[1] for r in rows])
    slope, intercept = np.polyfit(links, clear, 1)
    r2 = 1 - np.sum((clear - (slope * links + intercept)) ** 2) / np.sum(
        (clear - clear.mean()) ** 2
    )
    print(f"market clearing against supply links ({n_firms:,} firms, best of {reps}):")
    for n, c in rows:
        print(
            f"  {int(n):>8,} links: clear_market {1000 * c:6.2f} ms/month ({1e9 * c / n:5.1f} ns/link)"
        )
    print(
        f"  linear fit: {1e9 * slope:.1f} ns per link + {1000 * intercept:.2f} ms, R^2 = {r2:.3f}"
    )


def month_breakdown(n_firms: int = 10_000, steps: int = 120) -> None:
    """Where a month goes in the whole model (methods timed by wrapping them)."""
    from collections import defaultdict

    import sim.ecosystem.entry
    import sim.ecosystem.finance
    import sim.ecosystem.innovation
    import sim.ecosystem.model
    import sim.ecosystem.network

    spent: dict[str, float] = defaultdict(float)

    def timed(owner, name: str, label: str):
        real = getattr(owner, name, None)
        if real is None:
            return

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t

        setattr(owner, name, wrapper)
        undo.append((owner, name, real))

    undo: list = []
    # functions are wrapped where their callers look them up (the module that imports them)
    model_module, model_class = sim.ecosystem.model, sim.ecosystem.model.EcosystemModel
    timed(model_module, "clear_market", "supply.clear_market")
    for name in ("_adapt", "_record"):
        timed(model_class, name, f"model.{name}")
    for name, mechanism in (
        ("qualify_new_sellers", "sourcing"),
        ("drop_settled_links_of_exited_firms", "sourcing"),
        ("enter_firms", "entry"),
        ("month_values", "recording"),
    ):
        timed(model_module, name, f"{mechanism}.{name}")
    timed(sim.ecosystem.entry, "start_firm", "entry.start_firm")
    timed(sim.ecosystem.finance.FinanceSystem, "settle", "finance.settle")
    timed(sim.ecosystem.finance.FinanceSystem, "_pay_costs", "finance._pay_costs")
    timed(sim.ecosystem.finance, "liquidate", "insolvency.liquidate")
    timed(sim.ecosystem.innovation.InnovationLayer, "step", "innovation.step")
    for name in ("add_links", "remove_links"):
        timed(sim.ecosystem.network.ProductionNetwork, name, f"network.{name}")
    try:
        model = sim.EcosystemModel(scaled(n_firms, steps), rng=0)
        t = time.perf_counter()
        model.run()
        total = time.perf_counter() - t
        model.release()
    finally:
        for owner, name, real in undo:
            setattr(owner, name, real)
    print(
        f"where a month goes at {n_firms:,} firms over {steps} months ({1000 * total / steps:.1f} "
        f"ms/month; nested calls are counted in their callers too):   {load()}"
    )
    for label, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:44s} {1000 * sec / steps:7.2f} ms/month")


def speedup_over_oracle(n_firms: int = 10_000, months: int = 3, reps: int = 20) -> None:
    """The supply rules of a month (clearing + re-weighting + searches + capacity), both ways."""
    from reference_model import ReferenceEconomy

    scn = scaled(n_firms, 24)
    model = sim.EcosystemModel(scn, rng=0)
    model.run(2)
    ada, eco, rules = scn.adaptation, scn.ecosystem, model.rules
    demand = model.base_final_demand
    capacity = model.effective_capacity.copy()
    speed = model.reweight_speed
    search = model.search_months

    net, state = copy.deepcopy(model.network), model.supply.copy()

    def vectorized_month() -> None:
        flows = supply.clear_market(net, state, demand, capacity, rules)
        supply.reweight_orders(net, flows.link_fill, speed, ada.weight_reversion)
        supply.searches_due(
            state, flows.slot_fill, ada.search_trigger_fill, ada.search_patience, search
        )
        supply.adjust_capacity(state, eco.capacity_slack, scn.production.capacity_adjustment)

    vectorized_month()  # warm up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        vectorized_month()
        times.append(time.perf_counter() - t)
    vectorized = statistics.median(times)

    ref = ReferenceEconomy.from_model(model)
    demand_l, capacity_l = demand.tolist(), capacity.tolist()
    speed_l, search_l = speed.tolist(), search.tolist()
    times = []
    for _ in range(months):
        t = time.perf_counter()
        month = ref.clear_month(
            demand_l,
            capacity_l,
            rules.inventory_months,
            rules.inventory_adjustment,
            rules.expectation_smoothing,
            rules.rationing,
        )
        ref.reweight_orders(month.link_fill(), speed_l, ada.weight_reversion)
        ref.searches_due(month.slot_fill(), ada.search_trigger_fill, ada.search_patience, search_l)
        ref.adjust_capacity(eco.capacity_slack, scn.production.capacity_adjustment)
        times.append(time.perf_counter() - t)
    oracle = statistics.median(times)
    model.release()
    print(
        f"supply rules of one month at {net.n_firms:,} firms / {net.n_links:,} links "
        f"(median of {reps} vectorized, {months} oracle months): "
        f"vectorized {1000 * vectorized:.2f} ms, oracle {1000 * oracle:.0f} ms -> "
        f"{oracle / vectorized:.0f}x   [target >= 30x]   {load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100k-firm runs")
    parser.add_argument(
        "--child", nargs=2, type=int, metavar=("FIRMS", "STEPS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(
        f"rongtong {sim.__version__}, numpy {np.__version__}, load average {os.getloadavg()[0]:.2f}"
    )
    baseline_seconds()
    print(f"firm-steps per second:   {load()}")
    for n, steps in ((1_000, 120), (10_000, 120)):
        print_throughput(throughput(n, steps))
    if not args.quick:
        print("100k firms x 120 months, each in its own process:")
        big_run(100_000, 120, None)
        big_run(100_000, 120, "1")
    clearing_vs_links()
    speedup_over_oracle()
    month_breakdown()


if __name__ == "__main__":
    main()
