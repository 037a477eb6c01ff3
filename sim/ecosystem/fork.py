"""Forking a run: an independent copy of a model in its current state, to continue on its own.

A shocked run and its counterfactual are the same run until the first shock starts: every
draw of the months is keyed by (seed, purpose, month, entity) (keyed.py), and the build's two
sequential generators (network, shock targets) are spawned streams of their own, so choosing
shock targets shifts nothing else; before its start a shock's intensity is 0 and changes no
number (capacity loss 0, demand factor 1, credit rate + 0 and limit x 1). So the prefix can
be simulated once and the counterfactual forked from it: the copy with its shocks removed,
continued, equals the counterfactual run from scratch bit for bit (tests/test_fork.py).

How the copy is made: `copy.deepcopy` of the whole model (numpy state, the layers, the
recorder, the caches, Mesa's generators), with a memo that

- shares what is never changed: the scenario's sections and shocks (for a counterfactual the
  scenario itself becomes the no-shock scenario wherever it is referred to) and the per-firm
  panel's frames already recorded (or drops them when the copy records no panel);
- holds the agents' copies, made ahead and faster than deepcopy makes them (their attributes
  are numbers), and Mesa's containers of them (the hard references, the agent sets);
- keeps what deepcopy keeps anyway: identities inside the model (an array referred to twice is
  copied once, so caches checked by `is` stay valid), and methods bound to the model (Mesa's
  wrapped `step`) rebind to the copy.

Then everything the model resolved from the shocks when it was built is reset (_remove_shocks).

Traps: Mesa numbers agents per model in the class-level `mesa.Agent._ids`, a counter keyed by
the model: the copy gets a counter at the original's position (an entrant in the copy gets
the id it would have had), and `release()` drops it. A numpy view is copied as an array of its
own, so two views of one buffer stop sharing it: the model holds none that it writes through
(per-link state is rebuilt on every change of the links, see network.add_links).
"""

from __future__ import annotations

import copy
import gc
import itertools
from typing import Any, Protocol

import mesa
import pandas as pd
import pydantic

from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.innovation import InnovationLayer
from sim.ecosystem.shocks import ShockSchedule
from sim.scenario import Scenario


class ForkedModel(Protocol):
    """What forking reads and resets of the model (an EcosystemModel, a mesa.Model)."""

    scenario: Scenario
    steps: int
    shocks: ShockSchedule
    shock_specs: list  # the scenario's shocks on the model's clock (after the burn-in)
    finance: FinanceSystem
    innovation: InnovationLayer
    agent_data: bool
    _agent_frames: list[pd.DataFrame]


def fork(model: Any, *, without_shocks: bool = False, agent_data: bool | None = None) -> Any:
    """An independent copy of `model` in its current state: stepping one does not change the
    other. `without_shocks`: the copy is the counterfactual (the scenario without its shocks),
    allowed only before the first shock starts. `agent_data`: whether the copy records the
    per-firm panel from now on (None: as the model; False also drops the months recorded)."""
    if without_shocks:
        _check_before_shocks(model)
    scenario = model.scenario.without_shocks() if without_shocks else model.scenario
    records_panel = model.agent_data if agent_data is None else agent_data
    twin = _deep_copy(model, _shared(model, scenario, records_panel))
    twin.agent_data = records_panel
    _count_agents_on(model, twin)
    if without_shocks:
        _remove_shocks(twin)
    return twin


def _deep_copy(model: Any, memo: dict[int, Any]) -> Any:
    """What copy.deepcopy(model, memo) does, with the agents copied ahead (_copy_agents)."""
    collecting = gc.isenabled()
    gc.disable()  # the copy makes many objects and frees none: collections would find nothing
    try:
        twin = object.__new__(type(model))
        memo[id(model)] = twin
        _copy_agents(model, twin, memo)
        twin.__dict__.update(copy.deepcopy(model.__dict__, memo))
    finally:
        if collecting:
            gc.enable()
    return twin


def _check_before_shocks(model: ForkedModel) -> None:
    first = min((s.start for s in model.shock_specs), default=None)
    if first is not None and model.steps > first:
        raise ValueError(
            f"cannot fork a counterfactual after month {model.steps}: the first shock "
            f"started in month {first}"
        )


def _shared(model: ForkedModel, scenario: Scenario, records_panel: bool) -> dict[int, Any]:
    """The deepcopy memo: objects the copy shares with the model (or replaces) instead of copying."""
    old = model.scenario
    memo: dict[int, Any] = {id(old): scenario}
    for name in type(old).model_fields:
        value = getattr(old, name)
        if isinstance(value, pydantic.BaseModel):  # a section, the same in both scenarios
            memo[id(value)] = getattr(scenario, name)
    for shock in (*old.shocks, *model.shock_specs):  # only the model's own schedules refer
        memo[id(shock)] = shock  # to them (reset below)
    frames = model._agent_frames
    memo[id(frames)] = list(frames) if records_panel else []
    memo.update((id(frame), frame) for frame in frames)  # recorded, never changed
    return memo


_NUMBERS = frozenset({int, float, str, bool, type(None)})


def _copy_agents(model: Any, twin: Any, memo: dict[int, Any]) -> None:
    """The agents' copies, and Mesa's containers of them, put in the memo for the deepcopy to
    use (copying agent by agent through deepcopy is most of a fork's time otherwise). An
    agent's attributes are numbers (its firm id, Mesa's id; the firm's state lives in the
    model's arrays), taken as they are; anything else it may hold is deep-copied."""
    memo[id(model.random)] = random = copy.deepcopy(model.random, memo)
    copies = {}
    for agent in model._agents:  # Mesa's hard references: every living agent
        state = vars(agent).copy()
        for name, value in state.items():
            if value is model:
                state[name] = twin
            elif type(value) not in _NUMBERS:
                state[name] = copy.deepcopy(value, memo)
        duplicate = copies[agent] = object.__new__(type(agent))
        duplicate.__dict__.update(state)
        memo[id(agent)] = duplicate
    memo[id(model._agents)] = dict.fromkeys(copies.values())
    memo[id(model.firm_agents)] = [copies[agent] for agent in model.firm_agents]
    for agent_set in (model._all_agents, *model._agents_by_type.values()):
        memo[id(agent_set)] = mesa.agent.AgentSet([copies[a] for a in agent_set], random=random)


def _count_agents_on(model: mesa.Model, twin: mesa.Model) -> None:
    """Give the copy Mesa's agent-id counter at the model's position (read without using an id)."""
    ids = mesa.Agent._ids
    next_id = next(ids[model])
    ids[model] = itertools.count(next_id)
    ids[twin] = itertools.count(next_id)


def _remove_shocks(twin: ForkedModel) -> None:
    """Everything the model resolved from the shocks when it was built, as without them: the
    shock schedule (capacity and demand shocks), the credit crunches of finance and its credit
    lines, the obsolescence shocks of the innovation layer."""
    twin.shocks.items = []
    twin.shock_specs = []
    twin.finance.crunches = []
    twin.finance.credit.crunches = twin.finance.crunches
    twin.innovation.obsolescence = []
