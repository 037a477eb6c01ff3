"""Critical nodes: one disruption at a time, TTS against TTR, ranking; and the single-firm shock target."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from test_experiments import write_tiny_scenario
from typer.testing import CliRunner

import sim
import sim.experiments.runs
from sim.analysis.outcomes import time_to_recover, time_to_survive
from sim.cli import app
from sim.scenario import tier_firm_ids
from sim.studies.critical import critical_experiment, node_summary
from sim.views.critical_figures import draw_critical
from sim.views.gallery import firm_table

START, TTR, TOP_K = 10, 4, 3


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


# ---------------------------------------------------------------- the single-firm target


def test_the_firm_target_disrupts_that_firm_and_no_other(scenario_factory):
    shock = {"type": "supplier_disruption", "target": "firm", "tier": "supplier", "start": 5}
    scn = scenario_factory(steps=12, shocks=[{**shock, "firm": 70, "capacity_loss": 0.6}])
    model = sim.EcosystemModel(scn, rng=3)
    loss = model.shocks.capacity_loss(5)
    assert np.flatnonzero(loss).tolist() == [70] and loss[70] == pytest.approx(0.6)
    assert not model.shocks.capacity_loss(4).any()
    assert sim.run_scenario(scn, seed=3).info["directly_hit_firms"] == 1


@pytest.mark.parametrize(
    "shock, expected",
    [
        ({"tier": "sme", "firm": 2}, "shocks.0.firm: ids of tier sme are"),  # a leader's id
        ({"tier": "supplier", "firm": 10_000}, "shocks.0.firm: ids of tier supplier are"),
        ({"tier": "sme"}, "target 'firm' needs a firm id"),
    ],
)
def test_a_firm_id_that_is_not_a_firm_of_the_tier_is_refused_in_one_line(tmp_path, shock, expected):
    path = tmp_path / "bad.yaml"
    shock = {"type": "supplier_disruption", "target": "firm", **shock}
    path.write_text(yaml.safe_dump({"name": "bad", "shocks": [shock]}))
    result = cli("run", str(path), "--out", str(tmp_path / "out"), "--steps", "5")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}") and expected in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_firm_ids_run_leaders_then_smes_then_suppliers():
    eco = sim.Scenario().ecosystem
    assert tier_firm_ids(eco, "sme") == (eco.n_leaders, eco.n_leaders + eco.n_smes)
    assert tier_firm_ids(eco, "supplier")[1] == eco.n_leaders + eco.n_smes + eco.n_suppliers


# ---------------------------------------------------------------- the study


@pytest.fixture(scope="module")
def tiny_critical(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("critical")
    scenario = write_tiny_scenario(tmp)
    out = tmp / "out"
    args = ["critical", str(scenario), "--out", str(out), "--workers", "0", "--top-k", str(TOP_K)]
    args += ["--start", str(START), "--duration", str(TTR)]
    return scenario, out, args, cli(*args)


def test_every_category_and_the_top_firms_are_disrupted_once_and_ranked_by_loss(tiny_critical):
    scenario, out, _, result = tiny_critical
    assert result.exit_code == 0, result.output
    scn = sim.load_scenario(scenario)
    eco = scn.ecosystem
    table = pd.read_parquet(out / "critical.parquet")
    assert len(table) == eco.n_component_categories + eco.n_raw_categories + TOP_K
    assert table["node"].is_unique
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["output_loss_pct"].is_monotonic_decreasing
    assert set(table["node_type"]) <= {"component", "raw", "sme", "supplier"}

    # the firms are the largest upstream firms by steady-state sales in the run's ecosystem
    seed = int(table["seed"].iloc[0])
    firms = firm_table(sim.EcosystemModel(scn.without_shocks(), rng=seed))
    upstream = firms[firms["type"] != "leader"].sort_values("sales", ascending=False, kind="stable")
    chosen = table[table["node_type"].isin(["sme", "supplier"])]["node_id"]
    assert set(chosen) == set(upstream["firm_id"].head(TOP_K))
    # a category is the whole category: it has no alternative seller left
    assert (table[table["node_type"].isin(["component", "raw"])]["alternatives"] == 0).all()


def test_tts_is_measured_on_the_stored_paths_and_critical_means_tts_below_ttr(tiny_critical):
    _, out, _, result = tiny_critical
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "critical.parquet")
    runs = pd.read_parquet(out / "outcomes.parquet")
    series = pd.read_parquet(out / "timeseries.parquet")
    for row in table.head(4).itertuples(index=False):
        run_id = runs[runs["scenario"] == row.node]["run_id"].iloc[0]
        path = series[series["run_id"] == run_id]
        expected = time_to_survive(path["output"].to_numpy(), path["output_cf"].to_numpy(), START)
        assert row.time_to_survive == expected or (
            math.isnan(row.time_to_survive) and math.isnan(expected)
        )
    assert (table["ttr_months"] == TTR).all()
    held = table["time_to_survive"].isna()
    assert (table["critical"] == (~held & (table["time_to_survive"] < TTR))).all()
    assert not table.loc[held, "critical"].any()
    assert "critical (time to survive < time to recover" in result.stdout


def test_each_row_names_its_run_and_reports_one_recovery_time(tiny_critical):
    _, out, _, result = tiny_critical
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "critical.parquet")
    runs = pd.read_parquet(out / "outcomes.parquet").set_index("run_id")
    assert (runs.loc[table["run_id"], "scenario"].to_numpy() == table["node"].to_numpy()).all()
    assert [c for c in table.columns if "recover" in c] == ["time_to_recover"]
    series = pd.read_parquet(out / "timeseries.parquet")
    for row in table.head(4).itertuples(index=False):
        path = series[series["run_id"] == row.run_id]
        expected = time_to_recover(path["output"].to_numpy(), path["output_cf"].to_numpy(), START)
        assert row.time_to_recover == expected or (
            math.isnan(row.time_to_recover) and math.isnan(expected)
        )


def test_the_study_writes_its_table_drivers_and_labelled_figures(tiny_critical, labelled_figures):
    _, out, _, result = tiny_critical
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "critical.csv")) == len(pd.read_parquet(out / "critical.parquet"))
    nodes = pd.read_csv(out / "critical_nodes.csv")  # one replicate: one row a node, no interval
    assert len(nodes) == len(pd.read_csv(out / "critical.csv"))
    assert (nodes["replicates"] == 1).all() and nodes["ci_low"].isna().all()
    drivers = pd.read_csv(out / "critical_drivers.csv")
    assert {"demand_exposed_share", "leaders_exposed"} & set(drivers["feature"])
    assert drivers["spearman_rho"].between(-1, 1).all()
    # redraw from the stored results alone
    redrawn = cli("plot", str(out), "--out", str(out / "again"))
    assert redrawn.exit_code == 0, redrawn.output
    for name in ("critical_ranking", "critical_top_node_triangle"):
        for ext in ("png", "svg", "csv"):
            assert (out / "again" / f"{name}.{ext}").stat().st_size > 0
        assert labelled_figures[f"{name}.png"] == []


def test_running_it_again_resumes_without_running_any_node_again(tiny_critical, monkeypatch):
    _, out, args, result = tiny_critical
    assert result.exit_code == 0
    calls = []
    monkeypatch.setattr(sim.experiments.runs, "run_scenario", lambda *a, **k: calls.append(a))
    again = cli(*args)
    assert again.exit_code == 0, again.output
    assert calls == []


def test_with_replicates_each_ecosystem_has_its_own_top_firms_run_only_there(scenario_factory):
    scn = scenario_factory(steps=30)
    exp = critical_experiment(scn, source="test", top_k=2, reps=2, start=10, duration=3)
    eco = scn.ecosystem
    categories = eco.n_component_categories + eco.n_raw_categories
    runs = exp.runs()
    assert len(runs) == 2 * categories + 2 * 2
    by_point = pd.DataFrame([(r.point, r.replicate) for r in runs], columns=["point", "replicate"])
    firm_points = by_point[by_point["point"] >= categories]
    assert firm_points.groupby("point")["replicate"].nunique().eq(1).all()
    assert sorted(firm_points["replicate"]) == [0, 0, 1, 1]
    assert len(set(exp.seeds)) == 2


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    missing = cli("critical", str(tmp_path / "nope.yaml"), "--out", str(out))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert "nope.yaml" in missing.stderr
    scenario = write_tiny_scenario(tmp_path)  # 30 months
    late = cli("critical", str(scenario), "--out", str(out), "--start", "30", "--workers", "0")
    assert late.exit_code == 2 and late.stderr.count("\n") == 1 and "--start 30" in late.stderr
    assert not out.exists()


def test_each_node_over_its_replicates_has_a_mean_loss_with_an_interval():
    """A category is disrupted in every replicate's ecosystem: its mean loss gets a t interval;
    a top firm exists in one replicate only and gets none."""
    rows = []
    for replicate, losses in enumerate(([4.0, 1.0, 0.5], [6.0, 2.0, 0.5], [5.0, 0.0, 0.5])):
        for node, loss in zip(("raw 1", "component 2", "component 3"), losses, strict=True):
            kind, node_id = node.split()
            rows.append((node, kind, int(node_id), replicate, loss, loss > 3, 2.0, 6.0))
    rows.append(("supplier 40", "supplier", 40, 0, 9.0, True, 1.0, 6.0))
    table = pd.DataFrame(
        rows,
        columns=[
            "node", "node_type", "node_id", "replicate", "output_loss_pct", "critical",
            "time_to_survive", "ttr_months",
        ],
    )  # fmt: skip
    nodes = node_summary(table)
    assert nodes["node"].tolist() == ["supplier 40", "raw 1", "component 2", "component 3"]
    assert nodes["rank"].tolist() == [1, 2, 3, 4]
    raw = nodes.set_index("node").loc["raw 1"]
    assert raw["replicates"] == 3 and raw["output_loss_pct"] == pytest.approx(5.0)
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # sample sd of (4, 6, 5) is 1
    assert (raw["ci_low"], raw["ci_high"]) == pytest.approx((5.0 - half, 5.0 + half))
    assert raw["critical_share"] == 1.0
    same = nodes.set_index("node").loc["component 3"]
    assert same["ci_low"] == same["ci_high"] == 0.5  # no spread, no width
    firm = nodes.set_index("node").loc["supplier 40"]
    assert firm["replicates"] == 1 and math.isnan(firm["ci_low"])


def test_the_ranking_with_replicates_draws_each_node_once_with_its_interval(
    tmp_path, labelled_figures
):
    rows = [
        (f"raw {c}", "raw", c, r, float(c + r), c > 1, 1.0, 3.0, f"p{c}-r{r}")
        for c in range(3)
        for r in range(2)
    ]
    columns = [
        "node", "node_type", "node_id", "replicate", "output_loss_pct", "critical",
        "time_to_survive", "ttr_months", "run_id",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    written = draw_critical(tmp_path, table=table)  # no stored paths: no triangle
    drawn = pd.read_csv(tmp_path / "critical_ranking.csv")
    assert sorted(drawn["node"]) == ["raw 0", "raw 1", "raw 2"]
    assert {"ci_low", "ci_high", "replicates"} <= set(drawn.columns)
    assert labelled_figures["critical_ranking.png"] == []
    assert tmp_path / "critical_ranking.png" in written
