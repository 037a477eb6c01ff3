"""The dashboard's logic without a browser: controls from the schema, refusing bad values,
building the scenario from control values, the paired run, the outcome table, the figures
and the `rongtong dashboard` command."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import SCENARIOS, SMALL_ECOSYSTEM
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.scenario import Policy
from sim.views.dashboard import controls, views
from sim.views.dashboard.controls import (
    NO_SHOCK,
    ControlError,
    lever_specs,
    parse_value,
    shock_specs,
)
from sim.views.dashboard.session import (
    RESILIENCE_ROWS,
    build_scenario,
    bundled_scenarios,
    check_settings,
    settings_from_file,
    start_run,
    switch_shock_type,
)


@pytest.fixture
def small_file(tmp_path):
    """The bundled foreign cut-off on a small ecosystem and a short horizon."""

    def make(base: str = "foreign_cutoff.yaml", steps: int = 40, **extra) -> object:
        path = tmp_path / f"small_{base}"
        data = {"extends": str(SCENARIOS / base), "steps": steps, "ecosystem": SMALL_ECOSYSTEM}
        data.update(extra)
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    return make


# ---------------------------------------------------------------- controls


def test_every_policy_field_gets_a_control_labelled_from_the_schema():
    specs = {s.name: s for s in lever_specs()}
    assert list(specs) == list(Policy.model_fields)
    for name, field in Policy.model_fields.items():
        spec = specs[name]
        assert spec.path == f"policy.{name}"
        assert spec.description == field.description
        assert spec.unit == field.json_schema_extra["unit"]
        assert spec.default == field.default


def test_known_levers_show_the_chinese_term_beside_the_english_name():
    specs = {s.name: s for s in lever_specs()}
    assert specs["standardization"].label == "Standardization 标准化/统一接口"
    assert specs["matching_efficiency"].label == "Matching platform 需求发布—能力对答"
    if "supply_chain_finance" in specs:
        assert specs["supply_chain_finance"].label == "Supply-chain finance 供应链金融"


def test_a_lever_added_to_the_schema_later_appears_without_dashboard_changes(monkeypatch):
    schema = sim.Scenario.model_json_schema()
    schema["$defs"]["Policy"]["properties"]["future_lever"] = {
        "default": 0.25,
        "description": "A lever a later layer adds.",
        "maximum": 2.0,
        "minimum": 0.0,
        "title": "Future Lever",
        "type": "number",
        "unit": "x",
    }
    monkeypatch.setattr(controls, "_schema", lambda: schema)
    spec = {s.name: s for s in lever_specs()}["future_lever"]
    assert spec.label == "Future Lever"  # no Chinese term known: English only
    assert (spec.unit, spec.description, spec.slider_range) == (
        "x",
        "A lever a later layer adds.",
        (0.0, 2.0),
    )
    assert parse_value(spec, "1.5") == 1.5
    with pytest.raises(ControlError, match="Future Lever"):
        parse_value(spec, "3")


def test_shock_controls_cover_size_start_and_duration_of_every_shock_type():
    for kind in controls.shock_types():
        specs = shock_specs(kind)
        assert set(specs) == {"size", "start", "duration"}
        assert specs["size"].kind in ("number", "integer")
        assert specs["duration"].nullable  # null: until the end of the run
    cut = shock_specs("foreign_cutoff")
    assert cut["size"].name == "capacity_loss"
    assert cut["size"].exclusive_minimum  # a cut-off of size 0 is not a shock


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_lever_accepts_exactly_the_values_its_schema_allows(x):
    spec = {s.name: s for s in lever_specs()}["standardization"]
    if 0.0 <= x <= 1.0:
        assert parse_value(spec, repr(x)) == x
    else:
        with pytest.raises(ControlError, match=r"must be in \[0, 1\]"):
            parse_value(spec, repr(x))


@pytest.mark.parametrize(
    ("kind", "field", "raw", "expected"),
    [
        ("size", "capacity_loss", "0", r"must be in \(0, 1\]"),
        ("size", "capacity_loss", "abc", "expected a number"),
        ("size", "capacity_loss", "nan", "expected a finite number"),
        ("size", "capacity_loss", "", "a value is needed"),
        ("start", "start", "2.5", "expected a whole number"),
        ("start", "start", "-1", r"must be in \[0, inf\]"),
    ],
)
def test_bad_typed_values_are_refused_with_a_message_naming_the_control(kind, field, raw, expected):
    spec = shock_specs("foreign_cutoff")[kind]
    with pytest.raises(ControlError, match=expected) as err:
        parse_value(spec, raw)
    assert str(err.value).startswith(spec.english)


def test_nullable_controls_take_off_as_none_and_others_do_not():
    duration = shock_specs("foreign_cutoff")["duration"]
    assert parse_value(duration, "") is None
    assert parse_value(duration, "7") == 7 and isinstance(parse_value(duration, "7"), int)
    with pytest.raises(ControlError):
        parse_value(shock_specs("foreign_cutoff")["start"], None)


def test_seed_accepts_non_negative_whole_numbers_only():
    assert parse_value(controls.SEED_SPEC, " 42 ") == 42
    for bad in ("-3", "1.5", "seed"):
        with pytest.raises(ControlError, match="Seed"):
            parse_value(controls.SEED_SPEC, bad)


# ---------------------------------------------------------------- settings -> scenario


def test_the_page_offers_the_bundled_scenarios():
    names = {p.stem for p in bundled_scenarios()}
    assert {"baseline", "foreign_cutoff"} <= names


def test_controls_start_at_the_values_of_the_file():
    s = settings_from_file(SCENARIOS / "foreign_cutoff.yaml", seed=3)
    scn = sim.load_scenario(SCENARIOS / "foreign_cutoff.yaml")
    assert s.seed == 3
    assert (s.shock.kind, s.shock.size, s.shock.start, s.shock.duration) == (
        "foreign_cutoff",
        scn.shocks[0].capacity_loss,
        scn.shocks[0].start,
        scn.shocks[0].duration,
    )
    assert s.levers == {name: getattr(scn.policy, name) for name in Policy.model_fields}
    assert build_scenario(s) == scn  # untouched controls give back the file


def test_control_values_become_the_scenario_and_the_rest_of_the_file_is_kept():
    s = settings_from_file(SCENARIOS / "foreign_cutoff.yaml")
    s = s.with_lever("standardization", 0.7).with_shock(size=0.5, start=30, duration=None)
    scn = build_scenario(s)
    file = sim.load_scenario(SCENARIOS / "foreign_cutoff.yaml")
    assert scn.policy.standardization == 0.7
    shock = scn.shocks[0]
    assert (shock.capacity_loss, shock.start, shock.duration) == (0.5, 30, None)
    assert shock.categories == file.shocks[0].categories  # fields without a control stay
    assert scn.ecosystem == file.ecosystem


def test_switching_shock_type_starts_from_the_schema_defaults():
    s = switch_shock_type(settings_from_file(SCENARIOS / "baseline.yaml"), "demand_shock")
    default = sim.scenario.DemandShock.model_fields["change"].default
    assert (s.shock.kind, s.shock.size) == ("demand_shock", default)
    scn = build_scenario(s)
    assert [x.type for x in scn.shocks] == ["demand_shock"]
    assert scn.shocks[0].change == default
    assert build_scenario(switch_shock_type(s, NO_SHOCK)).shocks == []


def test_combinations_the_scenario_refuses_are_refused_with_one_line(small_file):
    s = settings_from_file(small_file(steps=40))
    with pytest.raises(sim.InputError, match=r"shocks\.0\.start") as err:
        build_scenario(s.with_shock(start=40))
    assert "\n" not in str(err.value)
    leaders = SMALL_ECOSYSTEM["n_leaders"]
    failure = switch_shock_type(s, "leader_failure").with_shock(size=leaders)
    with pytest.raises(sim.InputError, match=r"shocks\.0\.count"):
        build_scenario(failure)


def test_out_of_range_control_values_never_reach_the_model():
    s = settings_from_file(SCENARIOS / "baseline.yaml").with_lever("standardization", 1.5)
    with pytest.raises(ControlError, match="Standardization"):
        check_settings(s)
    with pytest.raises(ControlError):
        start_run(s)


# ---------------------------------------------------------------- the paired run


def test_both_models_step_in_lock_step_and_never_past_the_horizon(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    try:
        assert run.paired
        assert run.step(5) == 5
        assert (run.shocked.steps, run.counterfactual.steps) == (5, 5)
        ts, cf = run.series()
        assert len(ts) == len(cf) == 5
        assert run.step(100) == 25 and run.finished
        assert run.step() == 0
    finally:
        run.release()


def test_before_the_shock_the_two_runs_are_the_same_numbers(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    start = run.shock_start
    run.step(start + 3)
    ts, cf = run.series()
    pd.testing.assert_frame_equal(ts.iloc[:start], cf.iloc[:start])
    assert (ts["output"].iloc[start:] < cf["output"].iloc[start:]).any()
    run.release()


def test_outcomes_at_the_horizon_are_those_of_run_scenario(small_file):
    settings = settings_from_file(small_file(steps=40), seed=7)
    run = start_run(settings)
    run.step(run.horizon)
    live = run.outcomes()
    batch = sim.run_scenario(build_scenario(settings), seed=7).outcomes
    for name in RESILIENCE_ROWS:
        assert live[name] == pytest.approx(batch[name], nan_ok=True), name
    run.release()


def test_outcomes_are_not_measured_before_the_shock_starts(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    run.step(run.shock_start)
    assert all(math.isnan(v) for v in run.outcomes().values())
    table = run.outcome_table()
    assert set(RESILIENCE_ROWS) <= set(table["outcome"])
    assert (table.set_index("outcome").loc[list(RESILIENCE_ROWS), "value"] == "—").all()
    run.step(4)
    assert run.outcomes()["output_loss_pct"] > 0
    run.release()


def test_without_a_shock_the_run_is_its_own_counterfactual(small_file):
    run = start_run(switch_shock_type(settings_from_file(small_file(steps=30)), NO_SHOCK))
    run.step(6)
    ts, cf = run.series()
    assert not run.paired and run.counterfactual is None
    pd.testing.assert_frame_equal(ts, cf)
    assert run.outcomes()["output_loss_pct"] == 0
    run.release()


def test_the_table_counts_exits_for_both_runs_when_the_finance_layer_reports_them(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    run.step(30)
    ts, cf = run.series()
    table = run.outcome_table().set_index("outcome")
    if "sme_exits" not in ts.columns:
        assert "sme_exits" not in table.index
    else:
        expected = f"{ts['sme_exits'].sum():,.0f} (counterfactual {cf['sme_exits'].sum():,.0f})"
        assert table.loc["sme_exits", "value"] == expected
    run.release()


def test_firms_hit_by_a_cutoff_are_marked_disrupted_while_it_lasts(small_file):
    run = start_run(settings_from_file(small_file(steps=40)))
    hit = run.shocked.shocks.items[0].firms
    assert len(hit) > 0
    run.step(run.shock_start)
    assert not run.firm_status().disrupted.any()
    run.step(1)
    status = run.firm_status()
    assert set(np.flatnonzero(status.disrupted)) == set(hit) - set(np.flatnonzero(status.failed))
    run.release()


def test_a_failed_chain_leader_is_marked_failed(small_file):
    s = switch_shock_type(settings_from_file(small_file(steps=30)), "leader_failure")
    s = s.with_shock(size=1, start=5, duration=None)
    run = start_run(s)
    leader = run.shocked.shocks.items[0].firms
    run.step(6)
    status = run.firm_status()
    assert status.failed[leader].all()
    assert not status.disrupted[leader].any()
    run.release()


# ---------------------------------------------------------------- figures


def test_the_output_chart_draws_both_series_so_far(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    run.step(12)
    ts, cf = run.series()
    fig = views.output_figure(ts, cf, run.horizon, run.shock_window())
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    np.testing.assert_array_equal(lines["with shock"].get_ydata(), ts["output"])
    np.testing.assert_array_equal(lines["no shock"].get_ydata(), cf["output"])
    assert fig.axes[0].get_xlim() == (0, run.horizon - 1)
    run.release()


def test_layer_panels_wait_for_their_columns():
    ts = pd.DataFrame({"step": [0, 1], "output": [1.0, 1.0], "final_demand": [1.0, 1.0]})
    assert views.exits_figure(ts, ts, 10, None) is None
    assert views.innovation_figure(ts, 10, None) is None
    later = ts.assign(sme_exits=[0.0, 2.0], licenses=[1.0, 0.0], acquisitions=[0.0, 1.0])
    exits = views.exits_figure(later, ts.assign(sme_exits=[0.0, 0.0]), 10, None)
    assert {line.get_label() for line in exits.axes[0].get_lines()} >= {"sme_exits"}
    deals = views.innovation_figure(later, 10, None)
    assert {line.get_label() for line in deals.axes[0].get_lines()} == {"licenses", "acquisitions"}
    # innovations outnumber deals by far: they get their own axis
    both = views.innovation_figure(later.assign(innovations=[3.0, 4.0]), 10, None)
    right = both.axes[1].get_lines()
    assert [line.get_label() for line in right] == ["innovations (right axis)"]
    np.testing.assert_array_equal(right[0].get_ydata(), [3.0, 7.0])


def test_the_network_is_laid_out_in_tiers_leaders_on_top(small_file):
    run = start_run(settings_from_file(small_file(steps=30)))
    net = run.shocked.network
    view = views.NetworkView(net)
    assert view.pos.shape == (net.n_firms, 2)
    leaders = net.kind == 0
    assert (view.pos[leaders, 1] > view.pos[~leaders, 1].max()).all()
    assert (view.pos[net.foreign, 1] == view.pos[:, 1].min()).all()
    run.step(run.shock_start + 1)
    fig = view.figure(run.firm_status(), run.month)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    disrupted = int(run.firm_status().disrupted.sum())
    assert f"disrupted ({disrupted})" in labels and disrupted > 0
    run.release()


# ---------------------------------------------------------------- the command


def test_dashboard_command_serves_on_loopback_by_default(monkeypatch):
    from sim import cli
    from sim.views.dashboard import server

    calls = []
    monkeypatch.setattr(server, "run_solara", lambda host, port: calls.append((host, port)))
    result = CliRunner().invoke(cli.app, ["dashboard", "--port", "9001"])
    assert result.exit_code == 0, result.output
    assert calls == [("127.0.0.1", 9001)]


def test_dashboard_command_refuses_a_bad_scenario_in_one_line_before_serving(tmp_path, monkeypatch):
    from sim import cli
    from sim.views.dashboard import server

    started = []
    monkeypatch.setattr(server, "run_solara", lambda host, port: started.append(port))
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy:\n  standardization: 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["dashboard", "--scenario", str(bad)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "policy.standardization" in lines[0], result.output
    assert started == []
