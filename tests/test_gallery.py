"""The plot gallery: figures exist as PNG and SVG, carry their data as CSV, and have labelled axes.

`rongtong plot` redraws them from stored results alone; the tail-exponent estimator
behind the firm-size figure is checked on samples with a known exponent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_experiments import write_experiment, write_tiny_scenario
from typer.testing import CliRunner

import sim
from sim.analysis.outcomes import resilience_triangle
from sim.cli import app
from sim.views.gallery import resilience_triangle_figure, tail_exponent


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_figure(folder, stem: str, labelled: dict) -> pd.DataFrame:
    for ext in ("png", "svg"):
        assert (folder / f"{stem}.{ext}").stat().st_size > 0, f"{stem}.{ext}"
    data = pd.read_csv(folder / f"{stem}.csv")
    assert len(data) > 0, f"{stem}.csv is empty"
    assert labelled[f"{stem}.png"] == [], labelled[f"{stem}.png"]
    return data


# ---------------------------------------------------------------- the tail exponent


def test_the_hill_estimate_with_a_known_xmin_is_the_closed_form_mle():
    x = stats.pareto.rvs(1.5, size=500, random_state=4) * 10.0  # scale 10
    fit = tail_exponent(x, xmin=10.0)
    assert fit.alpha == pytest.approx(len(x) / np.log(x / 10.0).sum())
    assert fit.n_tail == 500 and fit.se == pytest.approx(fit.alpha / np.sqrt(500))


@pytest.mark.parametrize("alpha", [0.9, 1.2])
def test_the_tail_exponent_is_recovered_above_a_lognormal_body(alpha):
    rng = np.random.default_rng(11)
    body = rng.lognormal(0.0, 0.4, 3000)  # mostly below 3
    tail = stats.pareto.rvs(alpha, size=1000, random_state=12) * 3.0
    fit = tail_exponent(np.concatenate([body[body < 3.0], tail]))
    assert abs(fit.alpha - alpha) < 3 * fit.se
    assert fit.xmin >= 2.0  # the KS criterion finds where the tail begins


def test_too_few_firms_for_a_tail_is_an_error():
    with pytest.raises(ValueError, match="at least 20"):
        tail_exponent([1.0, 2.0, 3.0])


# ---------------------------------------------------------------- figures of a run


def test_the_resilience_triangle_figure_shades_the_area_the_metric_measures(
    tmp_path, labelled_figures
):
    cf = np.full(24, 50.0)
    y = cf.copy()
    y[6:10] = [20.0, 30.0, 40.0, 45.0]
    resilience_triangle_figure(np.arange(24), y, cf, 6, tmp_path / "tri.png")
    data = assert_figure(tmp_path, "tri", labelled_figures)
    assert data["triangle_gap_pct"].sum() == pytest.approx(resilience_triangle(y, cf, 6))
    assert data["triangle_gap_pct"].sum() == pytest.approx(60 + 40 + 20 + 10)


def test_plot_redraws_a_run_folder_network_sizes_deals_and_triangle(tmp_path, labelled_figures):
    scenario = write_tiny_scenario(tmp_path)
    run = tmp_path / "run"
    result = cli("run", str(scenario), "--seed", "4", "--out", str(run), "--agent-data")
    assert result.exit_code == 0, result.output
    redrawn = cli("plot", str(run))
    assert redrawn.exit_code == 0, redrawn.output
    figures = run / "figures"
    for stem in ("output", "resilience_triangle", "deals_over_time", "network", "firm_sizes"):
        assert_figure(figures, stem, labelled_figures)

    scn = sim.load_scenario(scenario)
    model = sim.EcosystemModel(scn.without_shocks(), rng=4)
    links = pd.read_csv(figures / "network.csv")
    assert len(links) == model.network.n_links and (links["trade_value"] > 0).all()
    deals = pd.read_parquet(run / "deals.parquet")
    per_month = pd.read_csv(figures / "deals_over_time.csv")
    assert per_month["deals"].sum() == len(deals)
    assert set(per_month["type"]) == set(deals["type"])
    sizes = pd.read_csv(figures / "firm_sizes.csv")
    panel = pd.read_parquet(run / "agents.parquet")
    last = panel[panel["step"] == panel["step"].max()]
    assert len(sizes) == (last["sales"] > 0).sum()  # every firm selling in the last month
    assert sizes["fitted_ccdf"].notna().sum() >= 20


def test_plot_redraws_a_grid_sweep_with_lever_responses_and_a_heatmap(tmp_path, labelled_figures):
    design = {
        "kind": "grid",
        "replicates": 2,
        "parameters": {"policy.standardization": [0.0, 1.0], "matching_efficiency": [0.0, 1.0]},
    }
    path = write_experiment(tmp_path, design, timeseries=["output"], outcomes=["output_loss_pct"])
    out = tmp_path / "sweep"
    sim.run_experiment(sim.load_experiment(path), out=out, workers=0, progress=False)
    result = cli("plot", str(out), "--out", str(tmp_path / "figs"))
    assert result.exit_code == 0, result.output
    figs = tmp_path / "figs"
    paths = assert_figure(figs, "output_paths", labelled_figures)
    assert set(paths["point"]) == {0, 1, 2, 3}
    assert_figure(figs, "resilience_triangle", labelled_figures)
    response = assert_figure(figs, "lever_response", labelled_figures)
    assert (response["n"] == 2).all() and len(response) == 4
    assert_figure(figs, "grid_heatmap", labelled_figures)


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_plot_exits_2_with_one_line_when_there_is_nothing_to_draw(tmp_path, make):
    folder = tmp_path / "results"
    if make == "empty":
        folder.mkdir()
    result = cli("plot", str(folder))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {folder}") and result.stderr.count("\n") == 1
    assert not (folder / "figures").exists()


def test_index_figures_draw_intervals_at_the_bounds_or_missing_their_estimate(
    tmp_path, labelled_figures
):
    from sim.views.gallery import morris_figure, prcc_figure

    prcc_table = pd.DataFrame(
        {
            "outcome": ["loss", "loss"],
            "parameter": ["policy.a", "policy.b"],
            "prcc": [-1.0, 0.2],
            "ci_low": [-1.0 + 1e-16, np.nan],  # at the bound (rounding), and unknown
            "ci_high": [-1.0, np.nan],
        }
    )
    prcc_figure(prcc_table, tmp_path / "prcc.png")
    morris_table = pd.DataFrame(
        {
            "outcome": ["loss"],
            "parameter": ["policy.a"],
            "mu_star": [2.0],
            "mu_star_ci_low": [1.5],
            "mu_star_ci_high": [2.5],
            "sigma": [0.5],
            "sigma_ci_low": [0.6],  # a percentile bootstrap interval may miss the estimate
            "sigma_ci_high": [0.9],
        }
    )
    morris_figure(morris_table, tmp_path / "morris.png")
    assert_figure(tmp_path, "prcc", labelled_figures)
    assert_figure(tmp_path, "morris", labelled_figures)
