"""The validation report: the table of findings (rich, Markdown), report.md and the data behind it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.studies.validation.definitions import Arm, Check, short_number
from sim.studies.validation.running import CheckResult, ValidationRun


def model_cell(row: dict[str, Any]) -> str:
    unit = "" if row["unit"] in ("", "x") else f" {row['unit']}"
    ci = (
        f" [{short_number(row['ci_low'])}, {short_number(row['ci_high'])}]"
        if math.isfinite(row["ci_low"])
        else ""
    )
    return f"{short_number(row['estimate'])}{unit}{ci}"


def arm_file(check: Check, arm: Arm) -> str:
    slug = "".join(c if c.isalnum() else "_" for c in arm.label.lower()).strip("_")
    return f"{check.key}__{slug}.yaml"


def table_frame(results: Sequence[CheckResult]) -> pd.DataFrame:
    return pd.DataFrame([row for res in results for row in res.rows])


def rich_table(run: ValidationRun):
    from rich import box
    from rich.table import Table

    results, reps = run.results, run.reps
    table = Table(
        title=f"Validation against published results ({reps} replicates, common random numbers)",
        box=box.SIMPLE_HEAD,
        show_lines=False,
        caption="model: estimate [95 % CI]; differences are paired by replicate (t), ratios use a paired bootstrap",
    )
    for name in (
        "check",
        "source",
        "literature reports",
        "model gives",
        "95 % CI",
        "tolerance",
        "result",
    ):
        table.add_column(name, overflow="fold")
    for i, res in enumerate(results):
        for j, row in enumerate(res.rows):
            unit = "" if row["unit"] in ("", "x") else f" {row['unit']}"
            table.add_row(
                row["check"] if j == 0 else "",
                row["source"] if j == 0 else "",
                row["literature"],
                f"{row['claim']}: {short_number(row['estimate'])}{unit}",
                f"[{short_number(row['ci_low'])}, {short_number(row['ci_high'])}]",
                row["tolerance"],
                "[green]pass[/green]" if row["pass"] else "[red]FAIL[/red]",
                end_section=j == len(res.rows) - 1 and i < len(results) - 1,
            )
    return table


def markdown_table(results: Sequence[CheckResult]) -> str:
    lines = [
        "| check | source | literature reports | model gives (95 % CI) | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for res in results:
        for j, row in enumerate(res.rows):
            cells = [
                f"**{row['check']}**" if j == 0 else "",
                row["source"] if j == 0 else "",
                row["literature"],
                f"{row['claim']}: {model_cell(row)}",
                row["tolerance"],
                "pass" if row["pass"] else "**FAIL**",
            ]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def write_report(run: ValidationRun, out: Path) -> list[Path]:
    """report.md (table, design, figures, misses), findings.csv, runs.csv and each arm's scenario.

    The figures report.md shows (`<check>.png`, with their data `<check>.csv`) are drawn by
    sim.views.validation_figures.draw_validation.
    """
    from sim.io import write_atomic, write_text

    results = run.results
    out = Path(out)
    table = table_frame(results)
    written = [write_atomic(out / "findings.csv", lambda p: table.to_csv(p, index=False))]
    for res in (
        results
    ):  # the resolved scenario of every arm: `rongtong run FILE --seed S` reproduces a run
        for arm in res.check.arms:
            data = res.scenario(arm).model_dump(mode="json")
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            written.append(write_text(out / "scenarios" / arm_file(res.check, arm), text))
    runs = runs_frame(results)
    written.append(write_atomic(out / "runs.csv", lambda p: runs.to_csv(p, index=False)))
    lines = _report_head(run) + [line for res in results for line in _check_section(res)]
    written.append(write_text(out / "report.md", "\n".join(lines)))
    return written


def runs_frame(results: Sequence[CheckResult]) -> pd.DataFrame:
    """Every run of every check, with the file of its arm's scenario (runs.csv)."""
    if not any(not r.runs.empty for r in results):
        return pd.DataFrame()
    return pd.concat(
        [
            r.runs.assign(
                scenario_file=r.runs["arm"].map(
                    {a.label: arm_file(r.check, a) for a in r.check.arms}
                )
            )
            for r in results
            if not r.runs.empty
        ],
        ignore_index=True,
    )


def _report_head(run: ValidationRun) -> list[str]:
    """The report's title, how it was made and the table of findings."""
    import os

    results, reps, seed = run.results, run.reps, run.seed
    n_pass = sum(r.passed for r in results)
    return [
        "# Validation against published results",
        "",
        f"`rongtong validate --reps {reps} --seed {seed}`: {len(results)} checks of DESIGN.md section 10, "
        f"{n_pass} pass, {len(results) - n_pass} fail. {reps} replicates per arm; replicate r has the same "
        f"seed in every arm of every check (common random numbers). Every run is reproduced by "
        f"`rongtong run scenarios/<check>__<arm>.yaml --seed <seed>` with the files of this folder and "
        f"the seeds in runs.csv. Wall time {run.seconds:.0f} s on {run.executor}; load average "
        f"{os.getloadavg()[0]:.1f} when it ended.",
        "",
        "Model: estimate [95 % confidence interval]. A difference is paired within replicates (t "
        "interval); a ratio of means uses a percentile bootstrap that resamples replicates. A "
        "direction must hold for the whole interval; a magnitude passes when the interval overlaps the "
        "published band (the data do not put the model outside it).",
        "",
        markdown_table(results),
        "",
    ]


def _check_section(res: CheckResult) -> list[str]:
    """A check's section of report.md: design, settings, failed runs, misses and its figure."""
    c = res.check
    lines = [
        f"## {c.title} ({c.source}): {'pass' if res.passed else 'FAIL'}",
        "",
        f"**Design.** {c.design}",
        "",
    ]
    if c.overrides_note:
        lines += [f"**Check-specific settings.** {c.overrides_note}", ""]
    errors = res.runs["error"].notna().sum() if "error" in res.runs else 0
    if errors:
        lines += [f"**Failed runs:** {errors} (left out; see runs.csv).", ""]
    for row in res.rows:
        if not row["pass"]:
            lines += [
                f"**Misses:** {row['claim']}: {row['miss']} (tolerance: {row['tolerance']}).",
                "",
            ]
    if not res.passed and c.if_fails:
        lines += [f"**Why.** {c.if_fails}", ""]
    if not res.runs.empty:
        lines += [
            f"![{c.title}]({c.key}.png)",
            "",
            f"Data behind the figure: `{c.key}.csv`.",
            "",
        ]
    return lines
