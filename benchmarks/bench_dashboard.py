"""How long the dashboard takes to step and draw one month on the default ecosystem.

    .venv/bin/python benchmarks/bench_dashboard.py [--scenario scenarios/foreign_cutoff.yaml] [--months 60]

Prints, per month, the time to step the shocked model and its counterfactual, to build the
figures and to encode them as PNG (what the page sends), and the outcome table; mean,
median and the slowest month. The network figure is redrawn only when a firm's status
changes, so the figures are timed both with and without it. Last, the same months are
drawn the way the page draws them: all figures of a month sent at once to the two worker
processes of sim.views.dashboard.render (wall time per month). Target (issue 7): a step is drawn
in well under a second.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from sim.views.dashboard import views
from sim.views.dashboard.render import Renderer
from sim.views.dashboard.session import settings_from_file, start_run

REPO = Path(__file__).resolve().parent.parent


def png(fig) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return len(buf.getvalue())


def through_workers(scenario: Path, months: int) -> list[float]:
    """Seconds per month to step and draw every figure through the worker pool, as the page does."""
    renderer = Renderer(workers=2)
    renderer.warm_up()
    run = start_run(settings_from_file(scenario))
    network = views.NetworkView(run.shocked.network)
    renderer.png(renderer.submit("output", *run.series(), run.horizon, None), "output")
    out = []
    for _ in range(min(months, run.horizon)):
        t0 = time.perf_counter()
        run.step(1)
        ts, cf = run.series()
        window = run.shock_window()
        jobs = [
            ("output", (ts, cf, run.horizon, window)),
            ("demand", (ts, cf, run.horizon, window)),
            ("exits", (ts, cf, run.horizon, window)),
            ("network", (network.picture(run.firm_status(), run.month),)),
        ]
        futures = [(renderer.submit(name, *a), name, a) for name, a in jobs]
        for future, name, a in futures:
            renderer.png(future, name, *a)
        out.append(time.perf_counter() - t0)
    run.release()
    renderer.reset()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "foreign_cutoff.yaml")
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()

    run = start_run(settings_from_file(args.scenario))
    network = views.NetworkView(run.shocked.network)
    print(
        f"{run.scenario.name}: {run.shocked.network.n_firms} firms, "
        f"{run.shocked.network.n_links} links, {args.months} months"
    )
    timings: dict[str, list[float]] = {"step": [], "charts": [], "network": [], "table": []}
    for _ in range(min(args.months, run.horizon)):
        t0 = time.perf_counter()
        run.step(1)
        ts, cf = run.series()
        t1 = time.perf_counter()
        window = run.shock_window()
        png(views.output_figure(ts, cf, run.horizon, window))
        png(views.demand_met_figure(ts, cf, run.horizon, window))
        exits = views.exits_figure(ts, cf, run.horizon, window)
        if exits is not None:
            png(exits)
        deals = views.innovation_figure(ts, run.horizon, window)
        if deals is not None:
            png(deals)
        t2 = time.perf_counter()
        png(network.figure(run.firm_status(), run.month))
        t3 = time.perf_counter()
        run.outcome_table()
        t4 = time.perf_counter()
        for key, dt in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[key].append(dt)
    run.release()
    pooled = through_workers(args.scenario, args.months)
    totals = [sum(v) for v in zip(*timings.values(), strict=True)]
    without_network = [t - n for t, n in zip(totals, timings["network"], strict=True)]
    rows = {
        **timings,
        "total (network redrawn)": totals,
        "total (network cached)": without_network,
        "page: step + workers": pooled,
    }
    print(f"{'part':<26}{'mean ms':>10}{'median ms':>11}{'max ms':>9}")
    for name, values in rows.items():
        ms = [1000 * v for v in values]
        print(
            f"{name:<26}{statistics.mean(ms):>10.1f}{statistics.median(ms):>11.1f}{max(ms):>9.1f}"
        )


if __name__ == "__main__":
    main()
