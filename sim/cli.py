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

from sim.errors import InputError

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
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
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
    from sim.io import write_json, write_parquet, write_text
    from sim.plots import output_vs_counterfactual
    from sim.runs import run_scenario
    from sim.scenario import load_scenario

    scn = load_scenario(scenario, parse_overrides(set_))
    out = out or Path("results") / scn.name
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    result = run_scenario(scn, seed=seed, steps=steps, agent_data=agent_data)
    console.print(
        outcomes_table(result.outcomes, f"{scn.name} (seed {seed}, {result.scenario.steps} months)")
    )
    write_parquet(out / "timeseries.parquet", result.timeseries)
    write_parquet(out / "counterfactual.parquet", result.counterfactual)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
