"""Running one scenario with its paired no-shock counterfactual."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.outcomes import (
    EXTRA_OUTCOMES,
    OUTCOME_NAMES,
    ValueAddedLoss,
    excess_outcomes,
    resilience_outcomes,
)
from sim.ecosystem.model import EcosystemModel
from sim.ecosystem.network import SME
from sim.scenario import Scenario, with_steps


@dataclass
class RunResult:
    """A shocked run and its counterfactual (same seed, no shocks)."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    counterfactual: pd.DataFrame
    outcomes: dict[str, float]
    agents: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)
    deals: pd.DataFrame | None = None  # the shocked run's technology deals, one row each


def _run_pair(
    scn: Scenario, seed: Any, agent_data: bool, window: tuple[int, int] | None, fork: bool = True
) -> tuple[EcosystemModel, EcosystemModel | None]:
    """The shocked model and its counterfactual (None when there is no shock), both run to the
    horizon; value added is summed per firm over the resilience `window`.

    With `fork`, the months before the first shock (burn-in included) are simulated once: the two runs are
    identical until then (common random numbers), so the counterfactual is forked from the
    shocked model there (EcosystemModel.fork); the same results as both run from scratch.
    """
    start, end = window or (0, None)
    kept = {"record_from": start, "record_until": end}
    model = EcosystemModel(scn, rng=seed, agent_data=agent_data, **kept)
    if window is None:
        return model.run(), None
    if fork:
        model.run(model.burn_in + start)  # shock starts count from the end of the burn-in
        counterfactual = model.fork(without_shocks=True, agent_data=False)
    else:
        counterfactual = EcosystemModel(scn.without_shocks(), rng=seed, **kept)
    return model.run(), counterfactual.run()


def _finance_outcomes(model: EcosystemModel, ts: pd.DataFrame) -> dict[str, float]:
    """Outcomes of the finance layer, levels of the run itself over the whole run."""
    net, fin = model.network, model.finance.state
    smes = net.kind == SME
    return {
        "sme_exits": float(ts["sme_exits"].sum()),
        "supplier_exits": float(ts["supplier_exits"].sum()),
        "sme_survival_rate": float(1.0 - fin.ever_exited[smes].mean()),
        "defaults_by_contagion": float(ts["defaults_by_contagion"].sum()),
        "sme_value_added_share": float(ts["sme_value_added_share"].mean()),
        "sme_employment_share": float(ts["sme_employment_share"].mean()),
        "policy_cost": float(fin.policy_cost),
    }


def _innovation_outcomes(model: EcosystemModel, ts: pd.DataFrame) -> dict[str, float]:
    """Outcomes of the innovation layer for the run itself (innovations, deals, certification)."""
    return model.innovation.outcomes(ts)


def run_scenario(
    scn: Scenario,
    seed: int = 0,
    *,
    steps: int | None = None,
    agent_data: bool = False,
    fork: bool = True,
) -> RunResult:
    """Run `scn` and its no-shock counterfactual with the same seed; compute the outcomes.

    Common random numbers: the two runs share the network and every draw is keyed by
    (seed, purpose, month, entity) (sim.ecosystem.keyed), so a firm whose state the shock has
    not changed draws the same numbers in both runs; differences come from the shocks and
    from what they changed. The months before the first shock are simulated once and the
    counterfactual forked from there (`fork=False`: both from scratch, the same results).
    """
    scn = with_steps(scn, steps, scn.name)  # a run that ends before a shock starts is refused
    window = scn.resilience_window()
    model, cf_model = _run_pair(scn, seed, agent_data, window, fork)
    ts = model.timeseries()
    agents = model.agent_panel() if agent_data else None
    hit = model.shocks.directly_hit()
    finance_outcomes = _finance_outcomes(model, ts)
    innovation_outcomes = _innovation_outcomes(model, ts)
    deals = model.innovation.deals_frame()
    shocked_va = model.cum_value_added.copy()
    model.release()
    if cf_model is not None:
        cf = cf_model.timeseries()
        cf_va = cf_model.cum_value_added.copy()
        cf_model.release()
    else:
        cf, cf_va = ts.copy(), shocked_va
    outcomes = resilience_outcomes(ts, cf, window)
    outcomes.update(finance_outcomes)
    outcomes.update(innovation_outcomes)
    outcomes.update(excess_outcomes(ts, cf, window))
    outcomes.update(ValueAddedLoss(shocked_va, cf_va, hit).outcomes())
    outcomes = {name: outcomes[name] for name in (*OUTCOME_NAMES, *EXTRA_OUTCOMES)}
    return RunResult(
        scenario=scn,
        seed=int(seed) if isinstance(seed, int | np.integer) else -1,
        timeseries=ts,
        counterfactual=cf,
        outcomes=outcomes,
        agents=agents,
        info={
            "shock_start": window[0] if window else None,
            "window": window,
            "directly_hit_firms": int(hit.sum()),
        },
        deals=deals,
    )
