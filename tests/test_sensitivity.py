"""Sensitivity indices on functions whose answers are known, and the `rongtong sensitivity` command.

The index functions take any tidy table of parameters and outcomes; here they are fed
standard test functions (Ishigami, linear and monotone functions) through SALib's own
samplers, exactly as an experiment's design would be.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import latin, morris, sobol
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from sim.analysis.statistics import t_interval
from sim.cli import app
from sim.io import write_parquet
from sim.studies.sensitivity_indices import (
    grid_means,
    morris_indices,
    prcc,
    sobol_indices,
    top_parameters,
    tornado_effects,
)
from sim.views.sensitivity_figures import draw_sensitivity

PI_BOUNDS = {f"x{i}": (-math.pi, math.pi) for i in (1, 2, 3)}


def problem(bounds):
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [list(b) for b in bounds.values()],
    }


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[tuple[str, str], float]:
    """The analytic Sobol indices of the Ishigami function (Ishigami & Homma 1990)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * math.pi**8 / 225
    v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5  # = v1 + v2 + v13
    return {
        ("S1", "x1"): v1 / v,
        ("S1", "x2"): v2 / v,
        ("S1", "x3"): 0.0,
        ("ST", "x1"): (v1 + v13) / v,
        ("ST", "x2"): v2 / v,
        ("ST", "x3"): v13 / v,
        ("S2", "x1-x2"): 0.0,
        ("S2", "x1-x3"): v13 / v,
        ("S2", "x2-x3"): 0.0,
    }


def test_the_sobol_pipeline_recovers_the_ishigami_indices_within_salibs_intervals():
    x = sobol.sample(problem(PI_BOUNDS), 1024, calc_second_order=True, seed=7)
    # a tidy table as an experiment writes it: two replicates a design point (deterministic
    # here, so their mean is the value)
    table = pd.DataFrame(np.repeat(x, 2, axis=0), columns=list(PI_BOUNDS))
    table.insert(0, "point", np.repeat(np.arange(len(x)), 2))
    table["y"] = Ishigami.evaluate(table[list(PI_BOUNDS)].to_numpy())
    result = sobol_indices(table, PI_BOUNDS, ["y"], second_order=True, seed=7)

    truth = ishigami_indices()
    assert len(result) == 3 + 3 + 3
    for row in result.itertuples(index=False):
        key = (
            row.index,
            row.parameter if row.index != "S2" else f"{row.parameter}-{row.parameter_2}",
        )
        assert row.ci_low <= truth[key] <= row.ci_high, (key, row.value, row.conf, truth[key])
        assert row.conf < (0.2 if row.index == "S2" else 0.1)  # narrow enough to mean something
    # x1 and x2 clearly matter, x3 only through its interaction with x1
    ranked = top_parameters(result, "sobol", k=3)
    assert list(ranked["parameter"]) == ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def ishigami_s2() -> pd.DataFrame:
    """Sobol indices with S2 of two outcomes: Ishigami (x1 and x3 interact) and an additive one."""
    x = sobol.sample(problem(PI_BOUNDS), 256, calc_second_order=True, seed=7)
    table = pd.DataFrame(x, columns=list(PI_BOUNDS))
    table["ishigami"] = Ishigami.evaluate(x)
    table["additive"] = np.sin(table["x1"]) + 7 * np.sin(table["x2"]) ** 2  # no interaction
    return sobol_indices(
        table, PI_BOUNDS, ["ishigami", "additive"], second_order=True, seed=7, point=None
    )


def test_the_s2_heatmap_shows_each_pair_and_marks_those_whose_interval_includes_zero(
    tmp_path, labelled_figures, ishigami_s2
):
    written = draw_sensitivity(tmp_path, tables={"sobol_indices": ishigami_s2})
    for ext in ("png", "svg", "csv"):
        assert tmp_path / f"sobol_s2_heatmap.{ext}" in written
        assert (tmp_path / f"sobol_s2_heatmap.{ext}").stat().st_size > 0
    assert labelled_figures["sobol_s2_heatmap.png"] == []
    data = pd.read_csv(tmp_path / "sobol_s2_heatmap.csv")
    assert {"value", "conf", "ci_low", "ci_high", "ci_includes_zero"} <= set(data.columns)
    pairs = [("x1", "x2"), ("x1", "x3"), ("x2", "x3")]
    keys = list(zip(data["outcome"], data["parameter"], data["parameter_2"], strict=True))
    assert sorted(keys) == sorted((o, a, b) for o in ("ishigami", "additive") for a, b in pairs)
    s2 = ishigami_s2[ishigami_s2["index"] == "S2"]
    np.testing.assert_allclose(data["value"], s2["value"])
    np.testing.assert_allclose(data[["ci_low", "ci_high"]], s2[["ci_low", "ci_high"]])
    # only the interaction Ishigami has, x1 with x3, is clear of zero; the others are marked
    marked = data.set_index(["outcome", "parameter", "parameter_2"])["ci_includes_zero"]
    assert not marked[("ishigami", "x1", "x3")]
    assert marked.drop(("ishigami", "x1", "x3")).all()
    # the figure hatches exactly the marked cells (one hatch-filled patch each in the SVG)
    svg = (tmp_path / "sobol_s2_heatmap.svg").read_text(encoding="utf-8")
    assert svg.count("fill: url(#h") == int(marked.sum())


def test_the_s2_heatmap_is_redrawn_from_the_stored_table_and_only_when_s2_was_computed(
    tmp_path, ishigami_s2
):
    stored = tmp_path / "sensitivity"
    write_parquet(stored / "sobol_indices.parquet", ishigami_s2)
    written = draw_sensitivity(stored, tmp_path / "figs")
    assert tmp_path / "figs" / "sobol_s2_heatmap.png" in written
    redrawn = pd.read_csv(tmp_path / "figs" / "sobol_s2_heatmap.csv")
    s2 = ishigami_s2[ishigami_s2["index"] == "S2"].reset_index(drop=True)
    pd.testing.assert_frame_equal(redrawn[s2.columns.drop("index")], s2.drop(columns="index"))

    first_and_total = ishigami_s2[ishigami_s2["index"] != "S2"]
    write_parquet(stored / "sobol_indices.parquet", first_and_total)
    for out, tables in (
        (tmp_path / "plain_disk", None),
        (tmp_path / "plain_memory", {"sobol_indices": first_and_total}),
    ):
        written = draw_sensitivity(stored, out, tables=tables)
        assert out / "sobol_bars.png" in written
        assert not list(out.glob("sobol_s2_heatmap.*"))


def test_a_table_that_is_not_a_saltelli_sample_is_refused():
    table = pd.DataFrame({"x1": [0.0] * 7, "x2": [0.0] * 7, "x3": [0.0] * 7, "y": range(7)})
    with pytest.raises(ValueError, match="not a Saltelli sample"):
        sobol_indices(table, PI_BOUNDS, ["y"], point=None)


def test_outcomes_that_are_not_finite_everywhere_or_constant_are_left_out_not_zero_filled():
    x = sobol.sample(problem(PI_BOUNDS), 64, calc_second_order=False, seed=1)
    table = pd.DataFrame(x, columns=list(PI_BOUNDS))
    table["y"] = Ishigami.evaluate(x)
    table["censored"] = np.where(table["x1"] > 0, np.nan, 1.0) * table["y"]
    table["flat"] = 3.0
    result = sobol_indices(table, PI_BOUNDS, ["y", "censored", "flat"], point=None)
    assert set(result["outcome"]) == {"y"}
    assert set(result.attrs["skipped"]) == {"censored", "flat"}


def test_morris_on_a_linear_function_gives_its_slopes_over_the_range_and_no_spread():
    bounds = {"a": (0.0, 2.0), "b": (10.0, 20.0), "c": (-1.0, 1.0)}
    slopes = {"a": 3.0, "b": -0.5, "c": 0.0}
    x = morris.sample(problem(bounds), 20, num_levels=4, seed=3)
    table = pd.DataFrame(x, columns=list(bounds))
    table["y"] = sum(slopes[k] * table[k] for k in bounds)
    result = morris_indices(table, bounds, ["y"], levels=4, seed=3, point=None).set_index(
        "parameter"
    )
    for name, (low, high) in bounds.items():
        effect = slopes[name] * (high - low)  # the change across the whole range
        assert result.loc[name, "mu"] == pytest.approx(effect)
        assert result.loc[name, "mu_star"] == pytest.approx(abs(effect))
        assert result.loc[name, "sigma"] == pytest.approx(0.0, abs=1e-9)
        assert (
            result.loc[name, "sigma_ci_low"]
            <= result.loc[name, "sigma"]
            <= result.loc[name, "sigma_ci_high"] + 1e-9
        )
    assert result.loc["a", "trajectories"] == 20


def test_morris_sigma_sees_an_interaction_and_its_interval_excludes_zero():
    bounds = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    x = morris.sample(problem(bounds), 30, num_levels=4, seed=5)
    table = pd.DataFrame(x, columns=list(bounds))
    table["y"] = table["a"] * table["b"] * 10
    result = morris_indices(table, bounds, ["y"], seed=5, point=None)
    assert (result["sigma"] > 0).all()
    assert (result["sigma_ci_low"] > 0).all()
    assert (result["sigma_ci_low"] <= result["sigma"]).all() and (
        result["sigma"] <= result["sigma_ci_high"]
    ).all()


def test_prcc_is_one_for_a_monotone_function_and_signs_follow_the_effects():
    bounds = {"up": (0.0, 1.0), "down": (0.0, 1.0), "inert": (0.0, 1.0)}
    x = latin.sample(problem(bounds), 400, seed=2)
    table = pd.DataFrame(x, columns=list(bounds))
    table["mono"] = np.exp(5 * table["up"])  # a rank-monotone function of `up` alone
    noise = np.random.default_rng(0).normal(0, 0.3, len(table))
    table["mixed"] = 2 * table["up"] - 3 * table["down"] ** 3 + noise
    result = prcc(table, list(bounds), ["mono", "mixed"], point=None).set_index(
        ["outcome", "parameter"]
    )
    assert result.loc[("mono", "up"), "prcc"] == pytest.approx(1.0)
    assert result.loc[("mixed", "up"), "ci_low"] > 0
    assert result.loc[("mixed", "down"), "ci_high"] < 0
    inert = result.loc[("mixed", "inert")]
    assert inert["ci_low"] < 0 < inert["ci_high"]
    assert (result["n"] == 400).all()


def test_tornado_effects_are_paired_differences_against_the_base_run_of_the_same_replicate():
    rows = []
    base_values = [10.0, 20.0, 30.0]
    for r, base in enumerate(base_values):
        rows.append({"varied": "base", "side": "base", "value": None, "replicate": r, "loss": base})
        rows.append(
            {"varied": "p", "side": "low", "value": 0.0, "replicate": r, "loss": base + 1 + r}
        )
        rows.append({"varied": "p", "side": "high", "value": 1.0, "replicate": r, "loss": base - 5})
    table = pd.DataFrame(rows)
    result = tornado_effects(table, ["loss"]).set_index("side")
    assert result.loc["low", "effect"] == pytest.approx(2.0)  # mean of 1, 2, 3
    assert (result.loc["low", "ci_low"], result.loc["low", "ci_high"]) == pytest.approx(
        t_interval(np.array([1.0, 2.0, 3.0]))
    )
    assert result.loc["high", "effect"] == pytest.approx(-5.0)
    assert result.loc["high", "base_mean"] == pytest.approx(20.0)
    assert (result["pairs"] == 3).all()
    # a run without a value drops its replicate's pair, and both means are over the pairs left
    table.loc[(table["side"] == "low") & (table["replicate"] == 2), "loss"] = np.nan
    low = tornado_effects(table, ["loss"]).set_index("side").loc["low"]
    assert low["pairs"] == 2 and low["effect"] == pytest.approx(1.5)
    assert (low["base_mean"], low["mean"]) == pytest.approx((15.0, 16.5))


def test_grid_means_keep_a_none_value_as_its_own_level():
    table = pd.DataFrame(
        {"cap": [None, None, 60.0, 60.0], "replicate": [0, 1, 0, 1], "exits": [4.0, 6.0, 1.0, 3.0]}
    )
    result = grid_means(table, ["cap"], ["exits"]).set_index("cap")
    assert result.loc["none", "mean"] == 5.0 and result.loc[60.0, "mean"] == 2.0
    assert result.loc["none", "n"] == 2


# ---------------------------------------------------------------- the command


def write_tiny_design(tmp_path, design: dict) -> str:
    from test_experiments import write_experiment

    return str(
        write_experiment(
            tmp_path,
            design,
            name="tiny_sa",
            outcomes=["output_loss_pct", "peak_drop_pct", "time_to_recover"],
            timeseries=["output"],
        )
    )


def test_sensitivity_runs_the_design_and_a_tornado_and_writes_indices_and_figures(
    tmp_path, labelled_figures
):
    path = write_tiny_design(
        tmp_path,
        {
            "kind": "sobol",
            "samples": 4,
            "parameters": {
                "policy.standardization": [0.0, 1.0],
                "production.inventory_days": [5.0, 30.0],
            },
        },
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["sensitivity", path, "--out", str(out), "--workers", "0", "--tornado-reps", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "top parameters per outcome" in result.stdout
    indices = pd.read_parquet(out / "sensitivity" / "sobol_indices.parquet")
    pd.testing.assert_frame_equal(
        indices.drop(columns="parameter_2"),  # all None (no S2): empty cells in the CSV
        pd.read_csv(out / "sensitivity" / "sobol_indices.csv").drop(columns="parameter_2"),
    )
    measured = set(indices["outcome"])
    assert measured and measured <= {"output_loss_pct", "peak_drop_pct", "time_to_recover"}
    assert len(indices) == len(measured) * 2 * 2  # S1 and ST of two parameters
    tornado = pd.read_parquet(out / "sensitivity" / "tornado_effects.parquet")
    assert set(tornado["side"]) == {"low", "high"} and (tornado["pairs"] <= 2).all()
    assert len(pd.read_parquet(out / "tornado_r2" / "outcomes.parquet")) == (1 + 2 * 2) * 2
    for stem in ("sobol_bars", "tornado"):
        for ext in ("png", "svg"):
            assert (out / "sensitivity" / f"{stem}.{ext}").stat().st_size > 0
        assert len(pd.read_csv(out / "sensitivity" / f"{stem}.csv")) > 0
    assert {"sobol_bars.png", "tornado.png"} <= set(labelled_figures)
    assert not any(labelled_figures.values()), labelled_figures

    # running it again resumes: nothing is run twice, the same indices come out
    again = CliRunner().invoke(
        app, ["sensitivity", path, "--out", str(out), "--workers", "0", "--tornado-reps", "2"]
    )
    assert again.exit_code == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "sensitivity" / "sobol_indices.parquet"), indices
    )


def test_a_grid_gives_response_curves_and_a_heatmap(tmp_path, labelled_figures):
    path = write_tiny_design(
        tmp_path,
        {
            "kind": "grid",
            "replicates": 2,
            "parameters": {
                "policy.standardization": [0.0, 1.0],
                "policy.matching_efficiency": [0.0, 1.0],
            },
        },
    )
    out = tmp_path / "grid"
    result = CliRunner().invoke(
        app, ["sensitivity", path, "--out", str(out), "--workers", "0", "--tornado-reps", "0"]
    )
    assert result.exit_code == 0, result.output
    means = pd.read_csv(out / "sensitivity" / "grid_means.csv")
    assert len(means) == len(set(means["outcome"])) * 4 and (means["n"] == 2).all()
    assert {"lever_response.png", "grid_heatmap.png"} <= set(labelled_figures)
    assert not any(labelled_figures.values()), labelled_figures
    assert not (out / "tornado_r0").exists()
    # redrawn from the stored results, the grid's figures come once: from its sensitivity tables
    redrawn = CliRunner().invoke(app, ["plot", str(out), "--out", str(tmp_path / "figs")])
    assert redrawn.exit_code == 0, redrawn.output
    drawn = sorted(p.relative_to(tmp_path / "figs") for p in (tmp_path / "figs").rglob("*.png"))
    assert [p for p in drawn if p.stem in ("lever_response", "grid_heatmap")] == [
        Path("sensitivity/grid_heatmap.png"),
        Path("sensitivity/lever_response.png"),
    ]


@pytest.mark.parametrize(
    "design, flag, expected",
    [
        (
            {"kind": "replicates", "replicates": 2},
            [],
            "sensitivity needs a grid, sobol, morris or latin design",
        ),
        (
            {"kind": "sobol", "samples": 4, "parameters": {"policy.standardization": [0.0, 1.0]}},
            ["--second-order"],
            "design.second_order",
        ),
        (
            {"kind": "sobol", "samples": 3, "parameters": {"policy.standardization": [0.0, 1.0]}},
            [],
            "power of 2",
        ),
    ],
    ids=["replicates", "second-order", "bad-samples"],
)
def test_bad_requests_exit_2_with_one_line_and_write_nothing(tmp_path, design, flag, expected):
    path = write_tiny_design(tmp_path, design)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["sensitivity", path, "--out", str(out), "--workers", "0", *flag]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert not out.exists()
