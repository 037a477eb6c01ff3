"""Forking at the shock: a shocked run and its counterfactual are the same run until the first
shock starts, so run_scenario simulates those months once and forks the counterfactual from
the shocked model there (sim.ecosystem.fork). The results are those of running both from
scratch, bit for bit: every series of both runs, the per-firm panel, the deals, every outcome.
"""

from __future__ import annotations

import gc
import math
import random
import types
import weakref

import mesa
import numpy as np
import pandas as pd
import pydantic
import pytest
from conftest import SCENARIOS, small_scenario
from golden import frame_digest

import sim
from sim.experiments.runs import RunResult
from sim.scenario.shocks import SHOCK_CLASSES, shock_type

SHOCKED_FILES = (
    "credit_crunch",
    "demand_drop",
    "foreign_cutoff",
    "leader_failure",
    "payment_cap_60d",
    "supplier_disruption",
    "supply_chain_finance",
)
# every shock type, random targets (drawn at build), several shocks starting apart, a shock in
# the first month, the innovation and finance levers on, and firms exiting and entering
CHURN = {"overhead_sigma": 0.25, "entry_rate": 0.5}
LEVERS = {"guided_fund": 600.0, "rd_subsidy_rate": 0.2, "consortium_funding": 480.0}
SMALL_CASES = {
    "obsolescence_random": [{"type": "tech_obsolescence", "start": 13, "count": 3}],
    "random_targets": [
        {"type": "supplier_disruption", "target": "random", "tier": "sme", "count": 6, "start": 9},
        {"type": "leader_failure", "target": "random", "start": 16, "duration": 6},
    ],
    "staggered": [
        {"type": "credit_crunch", "start": 7, "duration": 6},
        {"type": "foreign_cutoff", "categories": "all", "start": 11, "duration": 4},
        {"type": "demand_shock", "change": -0.3, "start": 12, "duration": 6},
        {"type": "tech_obsolescence", "categories": [1, 2], "start": 14},
    ],
    "from_the_first_month": [{"type": "supplier_disruption", "start": 0, "duration": 3}],
}


def small_case(name: str) -> sim.Scenario:
    return small_scenario(steps=30, shocks=SMALL_CASES[name], **CHURN, **LEVERS)


def bundled(name: str) -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / f"{name}.yaml", {"steps": 36})


def assert_same_result(forked: RunResult, scratch: RunResult) -> None:
    """Every frame bit for bit (the golden digests) and every outcome exactly."""
    for name in ("timeseries", "counterfactual", "agents", "deals"):
        a, b = getattr(forked, name), getattr(scratch, name)
        if b is None:
            assert a is None, name
            continue
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
        assert frame_digest(a) == frame_digest(b), name
    assert forked.outcomes.keys() == scratch.outcomes.keys()
    for name, value in scratch.outcomes.items():
        assert _bits(forked.outcomes[name]) == _bits(value), name
    assert forked.info == scratch.info


def _bits(x: float) -> str:
    return "nan" if math.isnan(x) else float(x).hex()


# ------------------------------------------------------------ the results do not change
@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("name", SHOCKED_FILES)
def test_forked_run_equals_both_runs_from_scratch(name, seed):
    scn = bundled(name)
    assert_same_result(sim.run_scenario(scn, seed), sim.run_scenario(scn, seed, fork=False))


@pytest.mark.parametrize("seed", [1, 4])
@pytest.mark.parametrize("name", SMALL_CASES)
def test_forked_run_equals_from_scratch_for_every_shock_type_and_churn(name, seed):
    scn = small_case(name)
    forked = sim.run_scenario(scn, seed, agent_data=True)
    assert_same_result(forked, sim.run_scenario(scn, seed, agent_data=True, fork=False))
    assert forked.timeseries["entries"].sum() > 0  # firms entered after the fork


def test_every_shock_type_is_covered():
    covered = {s.type for scn in map(small_case, SMALL_CASES) for s in scn.shocks}
    covered |= {s.type for scn in map(bundled, SHOCKED_FILES) for s in scn.shocks}
    assert covered == {shock_type(c) for c in SHOCK_CLASSES}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("name", SHOCKED_FILES)
def test_forked_full_length_run_equals_from_scratch(name, seed):
    scn = sim.load_scenario(SCENARIOS / f"{name}.yaml")
    forked = sim.run_scenario(scn, seed, agent_data=True)
    assert_same_result(forked, sim.run_scenario(scn, seed, agent_data=True, fork=False))


# ------------------------------------------------------------ the copy is the model, state by state
def test_counterfactual_fork_is_the_no_shock_model_at_that_month_and_after():
    """Attribute by attribute, at the fork and at the horizon: the copy with shocks removed is
    the model built without shocks (so nothing resolved from the shocks is left in it)."""
    scn = small_case("staggered")
    shocked = sim.EcosystemModel(scn, rng=2, agent_data=True, record_from=7).run(7)
    twin = shocked.fork(without_shocks=True, agent_data=False)
    plain = sim.EcosystemModel(scn.without_shocks(), rng=2, record_from=7).run(7)
    assert state_differences(twin, plain) == []
    assert state_differences(shocked, plain)  # the shocked model does differ (its shocks)
    twin.run()
    plain.run()
    assert state_differences(twin, plain) == []  # entrants' agent ids included
    for model in (shocked, twin, plain):
        model.release()


def test_a_fork_shares_no_memory_and_continues_on_its_own():
    model = sim.EcosystemModel(small_case("staggered"), rng=5).run(10)
    twin = model.fork()
    buffers = {id(root(a)) for a in arrays(model)}
    assert buffers and buffers.isdisjoint(id(root(a)) for a in arrays(twin))
    twin.run()
    assert model.steps == 10 and twin.steps == 30
    model.run()
    scratch = sim.EcosystemModel(small_case("staggered"), rng=5).run()
    for run in (model, twin):
        pd.testing.assert_frame_equal(run.timeseries(), scratch.timeseries(), check_exact=True)
    for run in (model, twin, scratch):
        run.release()


def test_a_counterfactual_cannot_be_forked_after_a_shock_started():
    model = sim.EcosystemModel(small_case("staggered"), rng=0).run(8)  # the crunch began at 7
    with pytest.raises(ValueError, match="first shock"):
        model.fork(without_shocks=True)
    model.release()


def test_released_fork_and_model_are_garbage_collected():
    model = sim.EcosystemModel(small_case("staggered"), rng=0).run(7)
    twin = model.fork(without_shocks=True)
    twin.run()
    refs = [weakref.ref(model), weakref.ref(twin)]
    for m in (model, twin):
        m.release()
        assert m not in mesa.Agent._ids
    del model, twin, m
    gc.collect()
    assert all(ref() is None for ref in refs)


# ------------------------------------------------------------ helpers: walking a model's state
def arrays(obj) -> list[np.ndarray]:
    """Every numpy array reachable from `obj` through attributes and containers."""
    found: list[np.ndarray] = []
    state_differences(obj, obj, found)
    return found


def root(a: np.ndarray) -> object:
    """The buffer an array's data lives in (the end of its chain of bases)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a if a.base is None else a.base


def state_differences(a, b, found: list | None = None) -> list[str]:
    """Where two objects' state differs, attribute path by path: arrays bit for bit, generators by
    state, Mesa's agent sets by their agents; an object is followed once."""
    out: list[str] = []
    seen: set[int] = set()
    stack = [(a, b, "model")]
    while stack:
        x, y, path = stack.pop()
        if id(x) in seen or isinstance(x, type | types.ModuleType | types.FunctionType):
            continue
        seen.add(id(x))
        if type(x) is not type(y):
            out.append(f"{path}: {type(x).__name__} vs {type(y).__name__}")
        elif isinstance(x, np.ndarray):
            if found is not None:
                found.append(x)
            if x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                out.append(path)
        elif (leaf := _leaf_equal(x, y)) is not None:
            if not leaf:
                out.append(path)
        else:
            stack.extend(_children(x, y, path, out))
    return out


def _leaf_equal(x, y) -> bool | None:
    """Whether two leaves (values compared as a whole) are equal; None if they are not leaves."""
    if isinstance(x, float):
        return x == y or (math.isnan(x) and math.isnan(y))
    if isinstance(x, int | str | bytes | type(None) | np.generic | slice | range | frozenset):
        return x == y
    if isinstance(x, np.random.Generator):
        return x.bit_generator.state == y.bit_generator.state
    if isinstance(x, random.Random):
        return x.getstate() == y.getstate()
    if isinstance(x, pd.DataFrame | pydantic.BaseModel):
        return x.equals(y) if isinstance(x, pd.DataFrame) else x == y
    return None


def _children(x, y, path: str, out: list[str]) -> list[tuple]:
    """The pairs of parts of two containers or objects to compare next."""
    if isinstance(x, mesa.agent.AgentSet):
        return [(list(x), list(y), f"{path}.agents")]
    if isinstance(x, types.MethodType):
        return [(x.__self__, y.__self__, f"{path}.__self__")]
    if isinstance(x, list | tuple):
        if len(x) != len(y):
            out.append(f"{path}: length {len(x)} vs {len(y)}")
            return []
        return [(u, v, f"{path}[{i}]") for i, (u, v) in enumerate(zip(x, y, strict=True))]
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):  # attributes, in any order
            if x.keys() != y.keys():
                out.append(f"{path}: keys {sorted(x.keys() ^ y.keys())}")
                return []
            return [(x[k], y[k], f"{path}.{k}") for k in x]
        return [(list(x.items()), list(y.items()), f"{path}.items()")]
    if hasattr(x, "__dict__"):
        return [(vars(x), vars(y), path)]
    slots = [s for c in type(x).__mro__ for s in getattr(c, "__slots__", ()) if hasattr(x, s)]
    return [(getattr(x, s), getattr(y, s), f"{path}.{s}") for s in slots]
