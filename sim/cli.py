"""The `rongtong` command line.

Bad input never shows a traceback: it prints one line naming the file, the field and
what was expected, exits with code 2 and writes nothing.
"""

from __future__ import annotations

import json
import math
import sys
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from sim.errors import InputError, one_line
from sim.experiments.folders import default_folder, locked_folder

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="rongtong: simulate ecosystems of chain leaders, specialized SMEs and suppliers.",
)
console = Console()
err_console = Console(stderr=True)


def one_line_errors(fn):
    """Turn InputError into `error: ...` on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err_console.print(
                f"error: {one_line(str(exc))}", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    from sim.scenario import parse_override

    return dict(parse_override(p) for p in pairs or [])


def outcomes_table(outcomes: dict[str, float], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    for name, value in outcomes.items():
        shown = "NaN" if isinstance(value, float) and math.isnan(value) else f"{value:,.4g}"
        table.add_row(name, shown)
    return table


@app.command()
@one_line_errors
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    seed: Annotated[
        int, typer.Option(min=0, help="Seed of the run (the counterfactual uses the same).")
    ] = 0,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Months to simulate (default: the scenario's).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a field: key=value (dotted, e.g. policy.standardization=0.8)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/<scenario name>).")
    ] = None,
    agent_data: Annotated[
        bool, typer.Option("--agent-data", help="Also write a per-firm panel (agents.parquet).")
    ] = False,
) -> None:
    """Run one scenario and its paired no-shock counterfactual; print and write the outcomes."""
    from sim.experiments.runs import run_scenario
    from sim.scenario import load_scenario, with_steps

    scn = load_scenario(scenario, parse_overrides(set_))
    scn = with_steps(scn, steps, str(scenario), "--steps")  # refused if it ends before a shock
    out = out or default_folder(scn.name)
    with locked_folder(out, "rongtong run"):
        result = run_scenario(scn, seed=seed, agent_data=agent_data)
        _write_run(out, scn, seed, result, agent_data)


def _write_run(out: Path, scn, seed: int, result, agent_data: bool) -> None:
    """Print a run's outcomes and write its files into `out` (held by the caller)."""
    from sim.io import write_json, write_parquet, write_text
    from sim.views.plots import output_vs_counterfactual

    console.print(
        outcomes_table(result.outcomes, f"{scn.name} (seed {seed}, {result.scenario.steps} months)")
    )
    write_parquet(out / "timeseries.parquet", result.timeseries)
    write_parquet(out / "counterfactual.parquet", result.counterfactual)
    if result.deals is not None:  # every technology deal of the run (innovation layer)
        write_parquet(out / "deals.parquet", result.deals)
    write_json(
        out / "outcomes.json",
        {"scenario": scn.name, "seed": seed, "outcomes": result.outcomes, **result.info},
    )
    write_text(
        out / "scenario.resolved.yaml",
        yaml.safe_dump(
            result.scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True
        ),
    )
    output_vs_counterfactual(
        result.timeseries,
        result.counterfactual,
        f"{scn.name}: final output with and without the shocks (seed {seed})",
        result.info["shock_start"],
        out / "output.png",
    )
    if agent_data and result.agents is not None:
        write_parquet(out / "agents.parquet", result.agents)
    console.print(f"wrote {out}/")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from sim.scenario import scenario_json_schema

    sys.stdout.write(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n")


def _run_and_report(exp, out: Path | None, workers, dask, fresh: bool, method: str) -> None:
    """Run (or resume) an experiment; print the comparison if it is one; exit 1 on failed runs."""
    from sim.experiments.compare import comparison_report, comparison_table, is_comparison
    from sim.experiments.runner import run_experiment
    from sim.views.comparison_figures import draw_comparison

    out = out or default_folder(exp.name)
    with locked_folder(out, f"rongtong {exp.name}"):
        try:
            table = run_experiment(exp, out, workers=workers, dask=dask, fresh=fresh)
        except KeyboardInterrupt:
            err_console.print(
                f"interrupted: finished runs are saved in {out}/; run the same command again to resume",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        if is_comparison(exp):
            result = comparison_report(exp, table, out, method=method)
            draw_comparison(exp, out)
            # a file or a pipe gets 140 columns (rich's default of 80 wraps the intervals)
            (console if console.is_terminal else Console(width=140)).print(
                comparison_table(
                    result, f"{exp.name}: {len(exp.seeds)} replicates, common random numbers"
                )
            )
        failed = table[table["error"].notna()]
        console.print(
            f"wrote {out}/ ({len(table) - len(failed)} of {len(table)} runs ok)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if len(failed):
            err_console.print(
                f"error: {len(failed)} of {len(table)} runs failed:", markup=False, highlight=False
            )
            for row in failed.head(20).itertuples(index=False):
                err_console.print(
                    f"  {row.run_id} (scenario {row.scenario}, seed {row.seed}): {row.error}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            if len(failed) > 20:
                err_console.print(
                    f"  ... and {len(failed) - 20} more (column 'error' of {out}/outcomes.parquet)",
                    markup=False,
                    soft_wrap=True,
                )
            raise typer.Exit(1)


# options shared by the commands that run experiments (sweep, compare, sensitivity, critical, validate)
WorkersOption = Annotated[
    int | None,
    typer.Option(min=0, help="Local worker processes (default: one per core; 0 = this process)."),
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address (tcp://host:port), or 'local' to start a LocalCluster."
    ),
]
FreshOption = Annotated[
    bool, typer.Option("--fresh", help="Discard the results already in the output folder.")
]


@app.command()
@one_line_errors
def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/<experiment name>).")
    ] = None,
    fresh: FreshOption = False,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Root seed (SeedSequence) instead of the file's.")
    ] = None,
) -> None:
    """Run an experiment file. Re-running the same command resumes: finished runs are kept."""
    from sim.experiments.designs import load_experiment

    exp = load_experiment(experiment, seed=seed)
    _run_and_report(exp, out, workers, dask, fresh, "t")


@app.command()
@one_line_errors
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files; the first is the reference.")
    ],
    reps: Annotated[
        int, typer.Option(min=2, help="Replicates per scenario (common random numbers).")
    ] = 20,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/compare_<A>_vs_<B>...).")
    ] = None,
    bootstrap: Annotated[
        bool,
        typer.Option(
            "--bootstrap",
            help="BCa bootstrap intervals instead of t-based ones (they undercover with fewer than about 30 replicates).",
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option(min=0, help="Root seed (SeedSequence) of the replicates.")
    ] = 0,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Months to simulate (default: each scenario's).")
    ] = None,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    fresh: FreshOption = False,
) -> None:
    """Run each scenario --reps times with common random numbers; paired differences against the first."""
    from sim.experiments.designs import experiment_from_scenarios
    from sim.scenario import load_scenario, with_steps

    if len(scenarios) < 2:
        raise InputError(
            "compare: expected two or more scenario files, the first being the reference"
        )
    for path in scenarios:
        if not path.is_file():
            raise InputError(f"{path}: scenario file not found")
        if steps is not None:  # refused if the runs would end before a shock starts
            with_steps(load_scenario(path), steps, str(path), "--steps")
    exp = experiment_from_scenarios(scenarios, reps, seed=seed, steps=steps)
    _run_and_report(exp, out, workers, dask, fresh, "bootstrap" if bootstrap else "t")


SecondOrderOption = Annotated[
    bool,
    typer.Option("--second-order", help="Also Sobol S2 (the design needs second_order: true)."),
]
TornadoRepsOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="Replicates of the one-at-a-time runs (tornado) around the base scenario; 0 skips them.",
    ),
]


@app.command()
@one_line_errors
def sensitivity(
    experiment: Annotated[
        Path,
        typer.Argument(help="Experiment YAML file with a sobol, morris, latin or grid design."),
    ],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default results/<experiment name>[_n<samples>])."),
    ] = None,
    fresh: FreshOption = False,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Root seed (SeedSequence) instead of the file's.")
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            min=1, help="Base sample size instead of the file's (a smaller or larger study)."
        ),
    ] = None,
    second_order: SecondOrderOption = False,
    tornado_reps: TornadoRepsOption = 5,
    level: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Confidence level of the intervals.")
    ] = 0.95,
) -> None:
    """Run (or resume) a design, then sensitivity indices with confidence intervals, tables and figures."""
    from sim.experiments.designs import load_experiment
    from sim.studies.sensitivity import (
        SENSITIVITY_DIR,
        check_request,
        report_tables,
        run_sensitivity,
    )
    from sim.views.sensitivity_figures import draw_sensitivity

    exp = load_experiment(experiment, seed=seed, samples=samples)
    check_request(exp, second_order)
    out = out or default_folder(exp.name, "" if samples is None else f"_n{samples}")
    with locked_folder(out, "rongtong sensitivity"):
        _run_and_report(exp, out, workers, dask, fresh, "t")
        results, written = run_sensitivity(
            exp, out, workers=workers, dask=dask, fresh=fresh, tornado_reps=tornado_reps,
            second_order=second_order, level=level,
        )  # fmt: skip
        written += draw_sensitivity(out / SENSITIVITY_DIR, tables=results)
        wide = console if console.is_terminal else Console(width=140)
        for table in report_tables(exp, results):
            wide.print(table)
        console.print(
            f"wrote {len(written)} files under {out}/sensitivity/", markup=False, highlight=False
        )


# the options of `rongtong critical`
CriticalScenario = Annotated[
    Path, typer.Argument(help="Scenario YAML file (its own shocks are ignored).")
]
TopKOption = Annotated[
    int, typer.Option(min=0, help="Also disrupt each of the K largest upstream firms by sales.")
]
EcosystemsOption = Annotated[
    int, typer.Option(min=1, help="Ecosystems (replicate seeds); each draws its own network.")
]
CriticalOutOption = Annotated[
    Path | None, typer.Option(help="Output folder (default results/critical_<scenario name>).")
]
DurationOption = Annotated[
    int, typer.Option(min=1, help="Months each node is out: its time to recover (TTR).")
]
CapacityLossOption = Annotated[
    float, typer.Option(min=0.01, max=1.0, help="Share of the node's capacity lost.")
]
StartOption = Annotated[int, typer.Option(min=0, help="Month the disruption starts.")]
ThresholdOption = Annotated[
    float,
    typer.Option(
        min=0.5, max=1.0, help="Output holds while >= this share of the counterfactual (TTS)."
    ),
]


@app.command()
@one_line_errors
def critical(
    scenario: CriticalScenario,
    top_k: TopKOption = 10,
    reps: EcosystemsOption = 1,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    out: CriticalOutOption = None,
    fresh: FreshOption = False,
    seed: Annotated[int, typer.Option(min=0, help="Root seed (SeedSequence).")] = 0,
    duration: DurationOption = 6,
    capacity_loss: CapacityLossOption = 1.0,
    start: StartOption = 24,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Months to simulate (default: the scenario's).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a scenario field: key=value.")
    ] = None,
    threshold: ThresholdOption = 0.95,
) -> None:
    """Disrupt each category and each top-k firm alone; rank nodes by output loss, flag TTS < TTR."""
    import pandas as pd

    from sim.scenario import load_scenario
    from sim.studies.critical import (
        critical_experiment,
        criticality_table,
        loss_drivers,
        summary_lines,
        write_critical,
    )
    from sim.views.critical_figures import draw_critical

    scn = load_scenario(scenario, parse_overrides(set_))
    exp = critical_experiment(
        scn, source=str(scenario), top_k=top_k, reps=reps, seed=seed, capacity_loss=capacity_loss,
        duration=duration, start=start, steps=steps,
    )  # fmt: skip
    out = out or default_folder(exp.name)
    with locked_folder(out, "rongtong critical"):
        _run_and_report(exp, out, workers, dask, fresh, "t")
        series = pd.read_parquet(out / "timeseries.parquet")
        table = criticality_table(
            exp, pd.read_parquet(out / "outcomes.parquet"), series, threshold=threshold
        )
        drivers = loss_drivers(table)
        written = write_critical(out, table, drivers)
        written += draw_critical(out, table=table, series=series)
        (console if console.is_terminal else Console(width=140)).print(
            _ranking_table(f"{exp.name}: nodes ranked by output loss", table)
        )
        for line in summary_lines(table, drivers=drivers):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        console.print(f"wrote {len(written)} files in {out}/", markup=False, highlight=False)


def _ranking_table(title: str, table) -> Table:
    """The 12 most damaging nodes of a criticality table, as printed by `rongtong critical`."""
    shown = Table(title=title, box=None)
    for name in (
        "rank",
        "node",
        "loss %",
        "TTS",
        "TTR",
        "critical",
        "sellers",
        "specific",
        "foreign %",
    ):
        shown.add_column(name, justify="left" if name == "node" else "right")
    for row in table.head(12).itertuples(index=False):
        shown.add_row(
            str(row.rank), row.node, f"{row.output_loss_pct:.2f}",
            "held" if math.isnan(row.time_to_survive) else f"{row.time_to_survive:g}",
            f"{row.ttr_months:g}", "yes" if row.critical else "", str(row.sellers),
            "yes" if row.specific else "", f"{100 * row.foreign_sales_share:.0f}",
        )  # fmt: skip
    return shown


@app.command()
@one_line_errors
def plot(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder: run --out, sweep, sensitivity or critical.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder for the figures (default RESULTS_DIR/figures).")
    ] = None,
) -> None:
    """Redraw the figures of stored results without running the model again (PNG, SVG and CSV)."""
    from sim.views.redraw import redraw

    written = redraw(results_dir, out)
    for path in written:
        console.print(str(path), markup=False, highlight=False, soft_wrap=True)
    console.print(f"wrote {len(written)} files", markup=False, highlight=False)


@app.command()
@one_line_errors
def validate(
    out: Annotated[
        Path, typer.Option(help="Output folder for report.md, the figures and their data.")
    ] = Path("results/validation"),
    reps: Annotated[
        int, typer.Option(min=2, help="Replicates per arm of each check (common random numbers).")
    ] = 30,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    seed: Annotated[
        int, typer.Option(min=0, help="Root seed (SeedSequence) of the replicates.")
    ] = 0,
    check: Annotated[
        list[str] | None,
        typer.Option(
            "--check", help="Run only this check (repeatable), e.g. --check bullwhip; default all."
        ),
    ] = None,
) -> None:
    """Run every check of DESIGN section 10 against published results; exit 1 if one fails."""
    from sim.studies.validation import rich_table, run_validation, select_checks, write_report
    from sim.views.validation_figures import draw_validation

    checks = select_checks(check)
    with locked_folder(out, "rongtong validate"):
        result = run_validation(checks, reps=reps, seed=seed, workers=workers, dask=dask)
        (console if console.is_terminal else Console(width=160)).print(rich_table(result))
        written = draw_validation(result, out) + write_report(result, out)
    failed = [r.check.key for r in result.results if not r.passed]
    console.print(
        f"wrote {len(written)} files in {out}/ (report.md); {len(result.results) - len(failed)} of "
        f"{len(result.results)} checks pass"
        + (f"; failing: {', '.join(failed)}" if failed else ""),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if failed:
        raise typer.Exit(1)


@app.command()
@one_line_errors
def dashboard(
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario YAML to open (default scenarios/baseline.yaml; any bundled one can be picked)."
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to bind; the default keeps the page on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Serve the interactive dashboard (Solara) for exploring a scenario month by month."""
    from sim.views.dashboard.server import serve

    serve(scenario, host=host, port=port)


def main(argv: list[str] | None = None) -> None:
    """The console entry point. A usage error (`--steps 0`, an unknown option) is one line and
    exit 2, like every other bad input, instead of click's multi-line box."""
    try:  # typer >= 0.29 carries its own copy of click
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover - an older typer on plain click
        from click.exceptions import UsageError

    try:
        code = app(args=argv, standalone_mode=False)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "rongtong"
        err_console.print(
            f"error: {where}: {one_line(exc.format_message())}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(2)
    except typer.Abort:
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
