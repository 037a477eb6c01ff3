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
is reported beside it.

The plan is an experiment (sim.experiments.designs), so it runs through the same executors,
resumes after an interruption and takes every seed from one SeedSequence. The network
is drawn from the run's seed: each replicate is its own ecosystem, top-k firms are
chosen in each, and every node's profile (specificity, sellers, foreign share, exposure
of the leaders) is measured in the ecosystem of its replicate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiments.designs import DesignPoint, Experiment, RunSpec, replicate_seeds
from sim.io import write_atomic, write_parquet
from sim.scenario import Scenario, validate_scenario

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


# ---------------------------------------------------------------- node profiles


def _exposure(leader_share: np.ndarray, leaders: np.ndarray) -> tuple[int, float]:
    leaders = np.unique(leaders)
    return len(leaders), float(leader_share[leaders].sum())


def ecosystem_profile(model, top_k: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Profiles of every category and of the top-k upstream firms by sales; and those firms' ids.

    Reads the public state of a freshly built model (network, steady-state output, prices).
    """
    from sim.ecosystem.network import LEADER, SME, SUPPLIER

    net = model.network
    n_c = net.n_components
    sales = model.normal_output * model.price
    buyer = net.slot_firm[net.link_slot]
    link_product = net.slot_product[net.link_slot]
    leader_share = net.leader_share
    upstream = net.kind != LEADER
    total_upstream = float(sales[upstream].sum())
    recipe = net.component_recipe  # (C, k) raw products of each component

    def leaders_needing(product: int) -> np.ndarray:
        direct = net.slot_firm[(net.slot_product == product) & (net.kind[net.slot_firm] == LEADER)]
        if product < n_c:
            return direct
        comps = np.flatnonzero((recipe == product).any(axis=1))
        via = net.slot_firm[np.isin(net.slot_product, comps) & (net.kind[net.slot_firm] == LEADER)]
        return np.concatenate([direct, via])

    def category(product: int) -> tuple[dict[str, Any], float]:
        """The statistics a category node and each firm in it share; and the category's sales."""
        sellers = np.flatnonzero(net.product == product)
        cat_sales = float(sales[sellers].sum())
        foreign_sales = float(sales[sellers[net.foreign[sellers]]].sum())
        is_comp = product < n_c
        return {
            "category": f"component {product}" if is_comp else f"raw {product - n_c}",
            "specific": bool(net.specificity[product] > 0.5),
            "foreign_dependent": (not is_comp) and bool(net.foreign_dependent[product - n_c]),
            "sellers": len(sellers),
            "foreign_sellers": int(net.foreign[sellers].sum()),
            "foreign_sales_share": foreign_sales / cat_sales if cat_sales > 0 else math.nan,
        }, cat_sales

    categories = [category(product) for product in range(net.n_products)]
    rows = []
    for product, (cat, cat_sales) in enumerate(categories):
        n_leaders, exposed = _exposure(leader_share, leaders_needing(product))
        is_comp = product < n_c
        rows.append(
            {
                "node_type": "component" if is_comp else "raw",
                "node_id": product if is_comp else product - n_c,
                "node": cat["category"],
                **cat,
                "buyers": len(np.unique(buyer[link_product == product])),
                "leaders_exposed": n_leaders,
                "demand_exposed_share": exposed,
                "sales_share": cat_sales / total_upstream if total_upstream > 0 else math.nan,
                "alternatives": 0,  # the whole category is out
                "market_share": 1.0,
                "customer_dependence": math.nan,
            }
        )
    candidates = np.flatnonzero(upstream)
    top = candidates[np.argsort(-sales[candidates], kind="stable")[:top_k]]
    for firm in top:
        product = int(net.product[firm])
        mine = net.link_seller == firm
        customers = np.unique(buyer[mine])
        direct_leaders = customers[net.kind[customers] == LEADER]
        if net.kind[firm] == SUPPLIER:  # leaders reached through the SMEs it supplies
            smes = customers[net.kind[customers] == SME]
            via = np.isin(net.link_seller, smes) & (net.kind[buyer] == LEADER)
            reached = np.concatenate([direct_leaders, buyer[via]])
        else:
            reached = direct_leaders
        n_leaders, exposed = _exposure(leader_share, reached)
        cat, cat_sales = categories[product]
        kind = "sme" if net.kind[firm] == SME else "supplier"
        foreign = bool(net.foreign[firm])
        rows.append(
            {
                "node_type": kind,
                "node_id": int(firm),
                "node": f"{'foreign ' if foreign else ''}{kind} #{firm} ({cat['category']})",
                **cat,
                "buyers": len(customers),
                "leaders_exposed": n_leaders,
                "demand_exposed_share": exposed,
                "sales_share": float(sales[firm]) / total_upstream
                if total_upstream > 0
                else math.nan,
                "alternatives": cat["sellers"] - 1,
                "market_share": float(sales[firm]) / cat_sales if cat_sales > 0 else math.nan,
                "customer_dependence": float(net.link_weight[mine].mean())
                if mine.any()
                else math.nan,
            }
        )
    return pd.DataFrame(rows), top


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
    from sim.ecosystem.model import EcosystemModel
    from sim.experiments.designs import ExperimentFile, ReplicatesDesign

    base = scn.without_shocks()
    if steps is not None:
        base = base.model_copy(update={"steps": int(steps)})
    if start >= base.steps:
        raise InputError(
            f"--start {start}: must be before the end of the run ({base.steps} months)"
        )
    seeds = replicate_seeds(seed, reps)
    profiles, firms_of = [], []
    for r, s in enumerate(seeds):
        model = EcosystemModel(base, rng=s)
        profile, top = ecosystem_profile(model, top_k)
        model.release()
        profiles.append(profile.assign(replicate=r, seed=s))
        firms_of.append(profile[~profile["node_type"].isin(["component", "raw"])])
    data = base.model_dump(mode="json")
    points: list[DesignPoint] = []
    only: dict[int, int] = {}

    def add(row: pd.Series, replicate: int | None) -> None:
        i = len(points)
        node_data = {**data, "name": f"{scn.name}: {row['node']} disrupted"}
        node_data["shocks"] = [
            _shock(row["node_type"], int(row["node_id"]), capacity_loss, start, duration)
        ]
        scenario = validate_scenario(node_data, f"{source}: node {row['node']}")
        points.append(
            DesignPoint(
                i,
                row["node"],
                {"node_type": row["node_type"], "node_id": int(row["node_id"])},
                scenario,
            )
        )
        if replicate is not None:
            only[i] = replicate

    for _, row in profiles[0][profiles[0]["node_type"].isin(["component", "raw"])].iterrows():
        add(row, None)
    for r, firms in enumerate(firms_of):
        for _, row in firms.iterrows():
            add(row, r)
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


def draw_critical(
    folder: Path,
    out: Path | None = None,
    *,
    table: pd.DataFrame | None = None,
    series: pd.DataFrame | None = None,
) -> list[Path]:
    """The ranking figure, and the resilience triangle of the most damaging node.

    `table` (criticality_table) and `series` (the runs' output paths) are read from
    `folder` when not given.
    """
    from sim.views import gallery

    out = out or folder
    if table is None:
        table = pd.read_parquet(folder / CRITICAL_TABLE)
    ranked = table
    if len(table) and table.groupby("node")["replicate"].nunique().max() > 1:
        # several ecosystems per node: rank the nodes by their mean loss, with its interval
        ranked = node_summary(table).assign(critical=lambda d: d["critical_share"] > 0.5)
    written = gallery.critical_figure(ranked, out / "critical_ranking.png")
    series_path = folder / "timeseries.parquet"
    if len(table) and (series is not None or series_path.exists()):
        if series is None:
            series = pd.read_parquet(series_path)
        top = table.iloc[0]
        if "run_id" in table:
            rid = table["run_id"].iloc[:1]
        else:  # a table written before it kept run_id
            runs = pd.read_parquet(folder / "outcomes.parquet")
            rid = runs[(runs["scenario"] == top["node"]) & (runs["replicate"] == top["replicate"])][
                "run_id"
            ]
        run = series[series["run_id"] == rid.iloc[0]] if len(rid) else series.iloc[:0]
        if len(run):
            start = int(np.searchsorted(run["step"].to_numpy(), _start_of(folder)))
            written += gallery.resilience_triangle_figure(
                run["step"],
                run["output"],
                run["output_cf"],
                start,
                out / "critical_top_node_triangle.png",
                title=f"Most damaging node, {top['node']}: output against the no-shock counterfactual",
            )
    return written


def _start_of(folder: Path) -> int:
    import json

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest["critical"]["start"])


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
