"""The scenario comparison report: paired differences against the first scenario.

Used by `rongtong compare` and by `rongtong sweep` on a replicates design of two or more
scenarios (the policy comparison of `make run`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from rich import box
from rich.table import Table

from sim.analysis.catalog import CENSORED_BY
from sim.analysis.statistics import paired_differences
from sim.experiments.experiment_file import ReplicatesDesign
from sim.experiments.plan import Experiment, outcome_columns
from sim.io import write_atomic


def is_comparison(exp: Experiment) -> bool:
    """Two or more scenarios on the same seeds (an experiment may opt out: `Experiment.comparison`)."""
    return isinstance(exp.spec.design, ReplicatesDesign) and len(exp.points) >= 2 and exp.comparison


def comparison_report(
    exp: Experiment, table: pd.DataFrame, out: Path, *, method: str = "t", level: float = 0.95
) -> pd.DataFrame:
    """Write comparison.csv under `out`; return the comparison table.

    Failed runs are left out (their replicate is then unpaired for that scenario). The
    figure of the output paths is drawn by sim.views.comparison_figures.
    """
    ok = table[table["error"].isna()]
    outcomes = outcome_columns(ok, exp.parameters)  # the measured ones: NaN has no difference
    result = paired_differences(
        ok, outcomes, by="scenario", pair="replicate", level=level, method=method,
        censored_by=CENSORED_BY,
    )  # fmt: skip
    write_atomic(out / "comparison.csv", lambda p: result.to_csv(p, index=False))
    return result


def comparison_table(result: pd.DataFrame, title: str) -> Table:
    """The comparison as a rich table: per outcome, each scenario's n (finite values; censored
    ones among them), mean and paired difference."""
    level, method = result.attrs.get("level", 0.95), result.attrs.get("method", "t")
    reference = result.attrs.get("reference", ("first",))[0]
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify in (
        ("outcome", "left"),
        ("scenario", "left"),
        ("n", "right"),
        ("mean", "right"),
        (f"paired diff. vs {reference}", "right"),
        (f"{level:.0%} CI ({'BCa bootstrap' if method == 'bootstrap' else 't'})", "right"),
        ("pairs", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=name in ("outcome", "scenario"))
    outcomes = list(dict.fromkeys(result["outcome"]))
    notes = []
    short = result[(result["pairs"] > 0) & (result["pairs"] < result["pairs"].max())]
    if len(short):
        notes.append(
            f"pairs < {result['pairs'].max()}: {', '.join(dict.fromkeys(short['outcome']))} NaN in some "
            "runs (see docs/OUTCOMES.md); those pairs are left out, so the difference describes only "
            "the replicates where both values exist"
        )
    if "censored" in result.columns and (result["censored"] > 0).any():
        notes.append(
            "n (c cens.): c runs had not recovered within the window and count its length, so "
            "the mean is the restricted mean"
        )
    table.caption = "\n".join(notes) or None
    for i, outcome in enumerate(outcomes):
        rows = result[result["outcome"] == outcome]
        for j, row in enumerate(rows.itertuples(index=False)):
            is_ref = math.isnan(row.difference) and row.scenario == reference
            table.add_row(
                outcome if j == 0 else "",
                str(row.scenario),
                _count(row),
                _fmt(row.mean),
                "reference" if is_ref else _fmt(row.difference),
                "" if is_ref else f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]",
                "" if is_ref else str(row.pairs),
                end_section=j == len(rows) - 1 and i < len(outcomes) - 1,
            )
    return table


def _count(row) -> str:
    """n, with the censored values among them where the outcome can be censored."""
    censored = getattr(row, "censored", math.nan)
    if censored is None or math.isnan(censored):
        return str(row.n)
    return f"{row.n} ({censored:g} cens.)"


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    return f"{value:.4g}"
