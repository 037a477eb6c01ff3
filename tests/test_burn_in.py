"""The burn-in: months simulated before the first recorded one (Scenario.burn_in)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import sim
from sim.experiments.runs import run_scenario
from sim.scenario import load_scenario

SHOCK = {"type": "supplier_disruption", "start": 6, "duration": 4}


def _scenario(burn_in: int, steps: int = 24, start: int = 6):
    return sim.scenario_from_flat(
        n_smes=60, n_suppliers=120, burn_in=burn_in, steps=steps, shocks=[{**SHOCK, "start": start}]
    )


def test_burn_in_is_simulated_not_recorded_and_shocks_count_from_its_end():
    """A burn-in of 12 then 24 recorded months with the shock at 6 is the last 24 months of a
    36-month run without burn-in and the shock at 18: same draws (the model's clock), same
    series, rows renumbered from 0."""
    with_burn_in = sim.EcosystemModel(_scenario(12), rng=3).run()
    plain = sim.EcosystemModel(_scenario(0, steps=36, start=18), rng=3).run()
    ts = with_burn_in.timeseries()
    tail = plain.timeseries().iloc[12:].reset_index(drop=True)
    tail["step"] -= 12
    assert len(ts) == 24 and ts["step"].tolist() == list(range(24))
    pd.testing.assert_frame_equal(ts, tail)
    assert with_burn_in.steps == 36 and with_burn_in.recorded_month == 23


def test_paired_run_forks_after_the_burn_in():
    """run_scenario forks the counterfactual at burn-in + shock start: the same results as both
    runs from scratch, and the counterfactual is the no-shock run with the same burn-in."""
    scn = _scenario(12)
    forked, scratch = run_scenario(scn, 5), run_scenario(scn, 5, fork=False)
    pd.testing.assert_frame_equal(forked.timeseries, scratch.timeseries)
    pd.testing.assert_frame_equal(forked.counterfactual, scratch.counterfactual)
    a, b = np.array(list(forked.outcomes.values())), np.array(list(scratch.outcomes.values()))
    assert np.array_equal(a, b, equal_nan=True)
    baseline = sim.EcosystemModel(scn.without_shocks(), rng=5).run()
    pd.testing.assert_frame_equal(baseline.timeseries(), forked.counterfactual)
    assert forked.info["window"][0] == 6


def test_run_totals_start_after_the_burn_in():
    """Outcomes summed over the run (exits, policy cost, deals, R&D) count recorded months only."""
    scn = load_scenario("scenarios/baseline.yaml", {"steps": 12, "burn_in": 24, "shocks": []})
    r = run_scenario(scn, 1)
    assert len(r.timeseries) == 12
    assert r.outcomes["sme_exits"] == r.timeseries["sme_exits"].sum()
    assert r.deals is None or r.deals.empty or r.deals["step"].between(0, 11).all()
