"""Critical nodes: disrupt one node at a time and see whether downstream output survives it.

A node is a component category (all SMEs making it), a raw-input category (all its
suppliers) or one of the top-k upstream firms by sales. Each is disrupted alone with a
`supplier_disruption` shock (full capacity loss for `duration` months by default) and
measured against the paired no-shock counterfactual of the same seed. Following
Simchi-Levi et al. (2014), the node's time to recover (TTR) is how long it is out, here
the disruption's duration, and the time to survive (TTS) is how many months final output
holds at >= 95 % of the counterfactual on inventories and alternative suppliers
(sim.analysis.outcomes.time_to_survive). A node is *critical* when TTS < TTR: the ecosystem
cannot ride out its outage. The output-based recovery time (sim.analysis.outcomes.time_to_recover)
is reported beside it. The figures are drawn by sim.views.critical_figures.

The plan is an experiment (sim.experiments.plan), so it runs through the same executors,
resumes after an interruption and takes every seed from one SeedSequence. The network
is drawn from the run's seed: each replicate is its own ecosystem, top-k firms are
chosen in each, and every node's profile (specificity, sellers, foreign share, exposure
of the leaders) is measured in the ecosystem of its replicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiments.experiment_file import ExperimentFile, ReplicatesDesign
from sim.experiments.plan import DesignPoint, Experiment, RunSpec, replicate_seeds
from sim.io import write_atomic, write_parquet
from sim.scenario import Scenario, validate_scenario
from sim.studies.node_profiles import ecosystem_profile

CRITICAL_TABLE = "critical.parquet"
KEPT_OUTCOMES = (
    "output_loss_pct",
    "peak_drop_pct",
    "time_to_recover",
    "resilience_triangle",
    "unmet_demand_pct",
    "direct_loss_pct",
    "indirect_loss_pct",
    "amplification",
    "sme_exits",
)


@dataclass
class CriticalExperiment(Experiment):
    """An experiment whose firm nodes belong to one replicate's ecosystem (ids differ between networks)."""

    comparison: ClassVar[bool] = False  # not a policy comparison: no paired-difference report
    only: dict[int, int] = field(default_factory=dict)  # point -> its replicate
    profiles: pd.DataFrame | None = (
        None  # node profiles per replicate (not part of the fingerprint)
    )

    def runs(self) -> list[RunSpec]:
        """The experiment's runs, each firm node only in the replicate whose top firm it is."""
        return [s for s in super().runs() if self.only.get(s.point, s.replicate) == s.replicate]


# ---------------------------------------------------------------- the plan


def _shock(
    node_type: str, node_id: int, capacity_loss: float, start: int, duration: int
) -> dict[str, Any]:
    common = {
        "type": "supplier_disruption",
        "capacity_loss": capacity_loss,
        "start": start,
        "duration": duration,
        "recovery": "step",
    }
    if node_type in ("component", "raw"):
        tier = "sme" if node_type == "component" else "supplier"
        return {**common, "target": "category", "tier": tier, "category": node_id}
    return {**common, "target": "firm", "tier": node_type, "firm": node_id}


def critical_experiment(
    scn: Scenario,
    *,
    source: str,
    top_k: int = 10,
    reps: int = 1,
    seed: int = 0,
    capacity_loss: float = 1.0,
    duration: int = 6,
    start: int = 24,
    steps: int | None = None,
) -> CriticalExperiment:
    """One design point per node (and replicate, for firms); every run also runs its no-shock counterfactual."""
    base = scn.without_shocks()
    if steps is not None:
        base = base.model_copy(update={"steps": int(steps)})
    if start >= base.steps:
        raise InputError(
            f"--start {start}: must be before the end of the run ({base.steps} months)"
        )
    seeds = replicate_seeds(seed, reps)
    profiles = _replicate_profiles(base, seeds, top_k)
    points, only = _node_points(
        scn.name, base, profiles, source, lambda row: _shock(
            row["node_type"], int(row["node_id"]), capacity_loss, start, duration
        ),
    )  # fmt: skip
    name = f"critical_{scn.name}"
    spec = ExperimentFile(
        name=name,
        seed=seed,
        steps=base.steps,
        design=ReplicatesDesign(kind="replicates", replicates=reps),
        outcomes=list(KEPT_OUTCOMES),
        timeseries=["output"],
    )
    exp = CriticalExperiment(
        name=name,
        source=source,
        spec=spec,
        points=points,
        seeds=seeds,
        outcomes=KEPT_OUTCOMES,
        series=("output",),
        only=only,
        profiles=pd.concat(profiles, ignore_index=True),
    )
    exp.extra.update(
        runs=len(exp.runs()),
        critical={
            "top_k": top_k,
            "capacity_loss": capacity_loss,
            "start": start,
            "ttr_months": duration,
        },
    )
    return exp


def _replicate_profiles(base: Scenario, seeds: list[int], top_k: int) -> list[pd.DataFrame]:
    """The node profiles of each replicate's ecosystem (each seed draws its own network)."""
    from sim.ecosystem.model import EcosystemModel

    profiles = []
    for r, s in enumerate(seeds):
        model = EcosystemModel(base, rng=s)
        profile, _top = ecosystem_profile(model, top_k)
        model.release()
        profiles.append(profile.assign(replicate=r, seed=s))
    return profiles


def _node_points(
    name: str,
    base: Scenario,
    profiles: list[pd.DataFrame],
    source: str,
    shock: Callable[[pd.Series], dict[str, Any]],
) -> tuple[list[DesignPoint], dict[int, int]]:
    """A design point per category (run in every replicate), then per top firm of each replicate.

    Returns the points and, for each firm point, the replicate whose ecosystem it belongs to.
    """
    data = base.model_dump(mode="json")
    points: list[DesignPoint] = []
    only: dict[int, int] = {}
    is_category = [p["node_type"].isin(["component", "raw"]) for p in profiles]
    nodes = [(row, None) for _, row in profiles[0][is_category[0]].iterrows()]
    for r, (profile, cat) in enumerate(zip(profiles, is_category, strict=True)):
        nodes += [(row, r) for _, row in profile[~cat].iterrows()]
    for i, (row, replicate) in enumerate(nodes):
        node_data = {**data, "name": f"{name}: {row['node']} disrupted", "shocks": [shock(row)]}
        scenario = validate_scenario(node_data, f"{source}: node {row['node']}")
        params = {"node_type": row["node_type"], "node_id": int(row["node_id"])}
        points.append(DesignPoint(i, row["node"], params, scenario))
        if replicate is not None:
            only[i] = replicate
    return points, only


# ---------------------------------------------------------------- the table


def criticality_table(
    exp: CriticalExperiment, table: pd.DataFrame, series: pd.DataFrame, *, threshold: float = 0.95
) -> pd.DataFrame:
    """One row a disrupted node and replicate: loss, TTS, TTR, the critical flag and the node's profile; ranked by loss.

    `run_id` names the row's run (its path in timeseries.parquet); `time_to_recover` is
    measured at `threshold`, like the time to survive.
    """
    from sim.analysis.outcomes import time_to_recover, time_to_survive

    settings = exp.extra["critical"]
    start, ttr = settings["start"], settings["ttr_months"]
    tts, recovery = {}, {}
    for rid, run in series.groupby("run_id", sort=False):
        y, cf = run["output"].to_numpy(float), run["output_cf"].to_numpy(float)
        tts[rid] = time_to_survive(y, cf, start, threshold)
        recovery[rid] = time_to_recover(y, cf, start, threshold)
    ok = table[table["error"].isna()].copy()
    ok["time_to_survive"] = ok["run_id"].map(tts).astype(float)
    # at the threshold of TTS (the run's own outcome is at 0.95, the default)
    ok["time_to_recover"] = ok["run_id"].map(recovery).astype(float)
    ok["ttr_months"] = float(ttr)
    # TTS is NaN when output never fell below the threshold: it held through the outage
    ok["critical"] = ok["time_to_survive"].notna() & (ok["time_to_survive"] < ttr)
    merged = ok.merge(
        exp.profiles,
        on=["replicate", "node_type", "node_id"],
        how="left",
        suffixes=("", "_profile"),
    )
    merged = merged.sort_values(["output_loss_pct", "node"], ascending=[False, True], kind="stable")
    merged.insert(0, "rank", np.arange(1, len(merged) + 1))
    front = [
        "rank", "node", "node_type", "node_id", "replicate", "seed", "run_id", "output_loss_pct",
        "peak_drop_pct", "time_to_survive", "ttr_months", "critical", "time_to_recover",
    ]  # fmt: skip
    profile_cols = [
        c
        for c in exp.profiles.columns
        if c not in ("node", "node_type", "node_id", "replicate", "seed")
    ]
    rest = [
        c
        for c in merged.columns
        if c not in front
        and c not in profile_cols
        and c not in ("point", "scenario", "error", "seed_profile")
    ]
    return merged[[*front, *profile_cols, *rest]].reset_index(drop=True)


def node_summary(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Each node over its replicates, ranked by mean output loss: the mean with a t interval,
    the share of replicates in which it was critical and the median time to survive.

    A category exists in every replicate's ecosystem, so with `--reps` > 1 its interval covers
    both the noise and the ecosystem drawn from the scenario; a top firm exists in one
    replicate only (1 replicate, no interval).
    """
    from sim.analysis.statistics import mean_ci

    keys = ["node", "node_type", "node_id"]
    loss = mean_ci(table, "output_loss_pct", keys, level).rename(
        columns={"n": "replicates", "mean": "output_loss_pct"}
    )
    rest = (
        table.assign(critical=table["critical"].astype(float))
        .groupby(keys, sort=False)
        .agg(
            critical_share=("critical", "mean"),
            time_to_survive=("time_to_survive", "median"),
            ttr_months=("ttr_months", "first"),
        )
        .reset_index()
    )
    out = loss.merge(rest, on=keys).sort_values(
        ["output_loss_pct", "node"], ascending=[False, True], kind="stable"
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def write_critical(folder: Path, table: pd.DataFrame, drivers: pd.DataFrame) -> list[Path]:
    """The ranked table (Parquet + CSV), each node over its replicates (`node_summary`:
    critical_nodes.csv) and the loss drivers (`loss_drivers`: critical_drivers.csv)."""
    written = [write_parquet(folder / CRITICAL_TABLE, table)]
    written.append(write_atomic(folder / "critical.csv", lambda p: table.to_csv(p, index=False)))
    nodes = node_summary(table)
    written.append(
        write_atomic(folder / "critical_nodes.csv", lambda p: nodes.to_csv(p, index=False))
    )
    written.append(
        write_atomic(folder / "critical_drivers.csv", lambda p: drivers.to_csv(p, index=False))
    )
    return written


def summary_lines(
    table: pd.DataFrame, small: float = 1.0, drivers: pd.DataFrame | None = None
) -> list[str]:
    """A few sentences on how concentrated criticality is, and what the damaging nodes share."""
    n = len(table)
    if not n:
        return ["no finished runs"]
    loss = table["output_loss_pct"].to_numpy(float)
    little = int((loss < small).sum())
    total = float(np.nansum(np.clip(loss, 0, None)))
    top5 = float(np.nansum(np.clip(np.sort(loss)[::-1][:5], 0, None)))
    return [
        f"{little} of {n} single-node disruptions cost less than {small:g} % of output; "
        f"median loss {np.nanmedian(loss):.2f} %, largest {np.nanmax(loss):.2f} %",
        f"the 5 most damaging nodes account for {100 * top5 / total:.0f} % of the summed losses"
        if total > 0
        else "no node causes any loss",
        f"{int(table['critical'].sum())} node(s) critical (time to survive < time to recover = "
        f"{table['ttr_months'].iloc[0]:g} months)",
        *(
            f"loss against node features ({group}, Spearman rho, strongest first): "
            + ", ".join(f"{r.feature} {r.spearman_rho:+.2f}" for r in part.head(4).itertuples())
            for group, part in (drivers.groupby("nodes") if drivers is not None else [])
        ),
    ]


PROFILE_FEATURES = (
    "demand_exposed_share",
    "leaders_exposed",
    "buyers",
    "sales_share",
    "sellers",
    "alternatives",
    "market_share",
    "customer_dependence",
    "specific",
    "foreign_dependent",
    "foreign_sales_share",
)


def loss_drivers(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlation of the output loss with each node feature, for categories and firms apart.

    Descriptive, not causal: which features the damaging nodes share.
    """
    from scipy import stats

    groups = {
        "categories": table[table["node_type"].isin(["component", "raw"])],
        "firms": table[~table["node_type"].isin(["component", "raw"])],
    }
    rows = []
    for group, part in groups.items():
        for feature in PROFILE_FEATURES:
            x = part[feature].astype(float).to_numpy()
            y = part["output_loss_pct"].astype(float).to_numpy()
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.sum() < 4 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
                continue
            res = stats.spearmanr(x[ok], y[ok])
            rows.append(
                {
                    "nodes": group,
                    "feature": feature,
                    "spearman_rho": float(res.statistic),
                    "p_value": float(res.pvalue),
                    "n": int(ok.sum()),
                }
            )
    out = pd.DataFrame(rows, columns=["nodes", "feature", "spearman_rho", "p_value", "n"])
    return out.sort_values(
        ["nodes", "spearman_rho"], key=lambda c: c.abs() if c.name == "spearman_rho" else c,
        ascending=[True, False],
    ).reset_index(drop=True)  # fmt: skip
