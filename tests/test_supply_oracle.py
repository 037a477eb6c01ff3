"""The vectorized supply rules agree with the per-agent oracle (tests/reference_model.py).

The real EcosystemModel is stepped month by month. Every call it makes into the supply
rules (clear_market, reweight_orders, searches_due, adjust_capacity, add_links) is
intercepted: the oracle is built from the same pre-call state, applies the rule firm by
firm, and the two results must agree to rtol 1e-12 (with an absolute tolerance of 1e-12
times the quantity's scale, for entries that should be exactly zero).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from conftest import small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_model import Month, ReferenceEconomy, link_table

import sim
import sim.ecosystem.model
from sim.ecosystem import supply
from sim.ecosystem.innovation import InnovationLayer
from sim.ecosystem.network import ProductionNetwork

RTOL = 1e-12


def assert_agree(name: str, actual, expected, scale: float | None = None) -> None:
    """Agree to rtol 1e-12; entries that should be zero may be off by 1e-12 of `scale`.

    `scale` is the size of the quantities the entry is computed from (default: the
    largest expected entry), so a residue like (a + b) - b that is exactly 0 in one
    summation order and 1 ulp of a in another does not count as a disagreement.
    """
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    if scale is None:
        finite = expected[np.isfinite(expected)]
        scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    np.testing.assert_allclose(
        actual, expected, rtol=RTOL, atol=RTOL * scale, equal_nan=True, err_msg=name
    )


def _largest(*arrays) -> float:
    return max((float(np.max(np.abs(a))) for a in map(np.asarray, arrays) if a.size), default=0.0)


class OracleSpy:
    """Intercepts the model's calls into the supply rules and checks each against the oracle.

    The functions wrapped are whatever `sim.ecosystem.supply` / `ProductionNetwork` hold when the spy
    is created, so a test can plant a deliberately wrong rule first and watch it fail.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.counts: Counter[str] = Counter()
        real_clear = supply.clear_market
        real_reweight = supply.reweight_orders
        real_searches = supply.searches_due
        real_capacity = supply.adjust_capacity
        real_add_links = ProductionNetwork.add_links

        def clear_market(net, state, final_demand, effective_capacity, rules):
            ref = ReferenceEconomy.from_arrays(net, state)
            flows = real_clear(net, state, final_demand, effective_capacity, rules)
            month = ref.clear_month(
                [float(x) for x in final_demand],
                [float(x) for x in effective_capacity],
                rules.inventory_months,
                rules.inventory_adjustment,
                rules.expectation_smoothing,
                rules.rationing,
            )
            units = _largest(month.demand, month.slot_order, month.slot_received, state.inventory)
            for field in (
                "demand",
                "planned",
                "output",
                "slot_order",
                "slot_received",
                "slot_used",
                "link_order",
                "link_delivered",
            ):
                assert_agree(field, getattr(flows, field), getattr(month, field), units)
            # fill rates as defined (delivered / ordered, 1 when nothing was ordered); a ratio
            # of two tiny numbers is ill-conditioned, so it is checked on the model's own flows
            own = Month(**{f.name: getattr(flows, f.name) for f in dataclasses.fields(Month)})
            assert_agree("link_fill", flows.link_fill, own.link_fill(), 1.0)
            assert_agree("slot_fill", flows.slot_fill, own.slot_fill(), 1.0)
            assert_agree("inventory", state.inventory, [s.inventory for s in ref.slots], units)
            assert_agree(
                "expected_demand",
                state.expected_demand,
                [f.expected_demand for f in ref.firms],
                units,
            )
            slots, sellers, weights, _ = link_table(ref)
            np.testing.assert_array_equal(flows.link_slot, slots)
            np.testing.assert_array_equal(flows.link_seller, sellers)
            assert_agree("flows.link_weight", flows.link_weight, weights, 1.0)
            self.counts["months"] += 1
            short = np.asarray(month.output) < np.asarray(month.demand) * (1 - 1e-9)
            self.counts["rationing_sellers"] += int(
                sum(short[i] for i in range(len(short)) if ref.firms[i].kind != "leader")
            )
            return flows

        def reweight_orders(net, link_fill, speed_per_slot, reversion):
            ref = ReferenceEconomy.from_arrays(net)
            real_reweight(net, link_fill, speed_per_slot, reversion)
            ref.reweight_orders(
                [float(x) for x in link_fill], [float(x) for x in speed_per_slot], reversion
            )
            assert_agree("reweighted link_weight", net.link_weight, link_table(ref)[2], 1.0)
            self.counts["reweights"] += 1

        def searches_due(state, slot_fill, trigger, patience, search_months):
            ref = ReferenceEconomy.from_arrays(_net_of(state), state)
            due = real_searches(state, slot_fill, trigger, patience, search_months)
            expected_due = ref.searches_due(
                [float(x) for x in slot_fill], trigger, patience, [float(x) for x in search_months]
            )
            np.testing.assert_array_equal(np.sort(due), expected_due, err_msg="due searches")
            np.testing.assert_array_equal(
                state.low_fill_months, [s.low_fill_months for s in ref.slots], "low_fill_months"
            )
            timers = [np.nan if s.search_timer is None else s.search_timer for s in ref.slots]
            assert_agree("search_timer", state.search_timer, timers)
            self.counts["searches_due"] += len(due)
            return due

        def adjust_capacity(state, slack, speed):
            ref = ReferenceEconomy.from_arrays(_net_of(state), state)
            real_capacity(state, slack, speed)
            ref.adjust_capacity(slack, speed)
            expected = [f.capacity for f in ref.firms]
            scale = _largest(expected, state.expected_demand)
            assert_agree("capacity", state.capacity, expected, scale)

        def add_links(net, slots, sellers):
            ref = ReferenceEconomy.from_arrays(net)
            for k, seller in zip(slots, sellers, strict=True):
                assert net.product[seller] == ref.slots[int(k)].product, "new seller, wrong product"
            real_add_links(net, slots, sellers)
            ref.add_links([(int(k), int(s)) for k, s in zip(slots, sellers, strict=True)])
            exp_slots, exp_sellers, exp_w, exp_base = link_table(ref)
            np.testing.assert_array_equal(net.link_slot, exp_slots)
            np.testing.assert_array_equal(net.link_seller, exp_sellers)
            assert_agree("link_weight after add_links", net.link_weight, exp_w, 1.0)
            assert_agree("link_base_weight after add_links", net.link_base_weight, exp_base, 1.0)
            self.counts["links_added"] += len(slots)

        def _net_of(state):
            return self.model.network

        self.model: sim.EcosystemModel | None = None
        monkeypatch.setattr(sim.ecosystem.model, "clear_market", clear_market)
        monkeypatch.setattr(sim.ecosystem.model, "reweight_orders", reweight_orders)
        monkeypatch.setattr(sim.ecosystem.model, "searches_due", searches_due)
        monkeypatch.setattr(sim.ecosystem.model, "adjust_capacity", adjust_capacity)
        monkeypatch.setattr(ProductionNetwork, "add_links", add_links)

    def run(self, scn: sim.Scenario, seed: int) -> sim.EcosystemModel:
        self.model = sim.EcosystemModel(scn, rng=seed)
        try:
            self.model.run()
        finally:
            self.model.release()
        return self.model


# ---------------------------------------------------------------- random small networks


@st.composite
def capacity_shocks(draw, eco: dict, steps: int) -> list[dict]:
    timing = {
        "start": draw(st.integers(0, steps // 2)),
        "duration": draw(st.one_of(st.none(), st.integers(1, steps))),
        "recovery": draw(st.sampled_from(["step", "linear", "exponential"])),
    }
    kind = draw(
        st.sampled_from(
            ["supplier_disruption", "foreign_cutoff", "demand_shock"]
            + (["leader_failure"] if eco["n_leaders"] > 1 else [])
        )
    )
    if kind == "supplier_disruption":
        tier = draw(st.sampled_from(["supplier", "sme"]))
        target = draw(st.sampled_from(["random", "largest", "category", "foreign"]))
        n_cat = eco["n_raw_categories"] if tier == "supplier" else eco["n_component_categories"]
        detail = (
            {"category": draw(st.integers(0, n_cat - 1))}
            if target == "category"
            else {"count": draw(st.integers(1, min(4, eco[f"n_{tier}s"])))}  # no more than exist
        )
        return {
            "type": kind,
            "tier": tier,
            "target": target,
            "capacity_loss": draw(st.floats(0.2, 1.0)),
            **detail,
            **timing,
        }
    if kind == "foreign_cutoff":
        categories = draw(
            st.one_of(
                st.sampled_from(["all", "dependent"]),
                st.lists(st.integers(0, eco["n_raw_categories"] - 1), min_size=1, unique=True),
            )
        )
        return {
            "type": kind,
            "categories": categories,
            "capacity_loss": draw(st.floats(0.3, 1.0)),
            **timing,
        }
    if kind == "demand_shock":
        return {"type": kind, "change": draw(st.floats(-0.8, 0.6)), **timing}
    return {
        "type": kind,
        "count": draw(st.integers(1, eco["n_leaders"] - 1)),
        "demand_redirect": draw(st.floats(0.0, 1.0)),
        **timing,
    }


@st.composite
def small_networks(draw) -> sim.Scenario:
    """A random small ecosystem with random behaviour, adaptation and 1-3 shocks."""
    n_c, n_r = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dependent = draw(st.floats(0.0, 1.0))
    in_dependent = draw(st.floats(0.0, 1.0))
    eco = {
        "n_leaders": draw(st.integers(1, 4)),
        "n_smes": draw(st.integers(n_c, n_c + 12)),
        "n_suppliers": draw(st.integers(n_r, n_r + 15)),
        "n_component_categories": n_c,
        "n_raw_categories": n_r,
        "components_per_leader": draw(st.integers(1, n_c)),
        "raw_inputs_per_component": draw(st.integers(1, n_r)),
        "raw_inputs_per_leader": draw(st.integers(0, min(2, n_r))),
        "smes_per_component": draw(st.integers(1, 4)),
        "suppliers_per_raw_input": draw(st.integers(1, 4)),
        "sourcing_concentration": draw(st.floats(0.0, 1.0)),
        "foreign_dependent_share": dependent,
        "foreign_share_in_dependent": in_dependent,
        "foreign_share": draw(st.floats(min(dependent * in_dependent + 1e-9, 1.0), 1.0)),
        "specific_share": draw(st.floats(0.0, 1.0)),
        "capacity_slack": draw(st.floats(0.0, 0.5)),
    }
    steps = 16
    params = {
        **eco,
        "inventory_days": draw(st.floats(0.0, 45.0)),
        "inventory_adjustment": draw(st.floats(0.05, 1.0)),
        "expectation_smoothing": draw(st.floats(0.05, 1.0)),
        "productivity_sigma": draw(st.sampled_from([0.0, 0.1])),
        "rationing": draw(st.sampled_from(["proportional", "smaller_first"])),
        "capacity_adjustment": draw(st.floats(0.0, 0.3)),
        "reweight_speed": draw(st.floats(0.0, 1.0)),
        "weight_reversion": draw(st.floats(0.0, 0.3)),
        "search_months": draw(st.floats(0.0, 4.0)),
        "search_patience": draw(st.integers(1, 3)),
        "search_trigger_fill": draw(st.floats(0.3, 1.0)),
        "standardization": draw(st.floats(0.0, 1.0)),
        "matching_efficiency": draw(st.floats(0.0, 1.0)),
    }
    shocks = draw(st.lists(capacity_shocks(eco, steps), min_size=1, max_size=3))
    return sim.scenario_from_flat(**params, steps=steps, shocks=shocks)


@settings(max_examples=100)
@given(scn=small_networks(), seed=st.integers(0, 2**32 - 1))
def test_model_matches_oracle_on_random_small_networks(scn, seed):
    with pytest.MonkeyPatch.context() as mp:
        spy = OracleSpy(mp)
        spy.run(scn, seed)
    assert spy.counts["months"] == scn.steps


# ---------------------------------------------------------------- a fixed stress case


def stress_scenario(rationing: str, steps: int = 36) -> sim.Scenario:
    """Shortages everywhere: a long foreign cut-off, a disrupted category, a demand swing."""
    return small_scenario(
        steps=steps,
        rationing=rationing,
        search_months=1.0,
        search_patience=1,
        foreign_share=0.4,
        foreign_dependent_share=0.5,
        foreign_share_in_dependent=0.8,
        shocks=[
            {"type": "foreign_cutoff", "categories": "all", "capacity_loss": 1.0, "start": 3},
            {
                "type": "supplier_disruption",
                "target": "category",
                "tier": "sme",
                "category": 0,
                "capacity_loss": 0.7,
                "start": 5,
                "duration": 10,
                "recovery": "linear",
            },
            {"type": "demand_shock", "change": 0.3, "start": 8, "duration": 6},
        ],
    )


@pytest.mark.parametrize("rationing", ["proportional", "smaller_first"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_matches_oracle_under_stress(monkeypatch, rationing, seed):
    spy = OracleSpy(monkeypatch)
    scn = stress_scenario(rationing)
    spy.run(scn, seed)
    # the comparison was not vacuous: sellers rationed, searches ended, new links were added
    assert spy.counts["months"] == scn.steps
    assert spy.counts["rationing_sellers"] > 0
    assert spy.counts["searches_due"] > 0
    assert spy.counts["links_added"] > 0


# ---------------------------------------------------------------- per-firm inventory targets

UNEVEN_TARGETS = np.random.default_rng(7).uniform(0.2, 2.5, 10_000)


def uneven_inventory_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """From month 1 on, every firm (leaders and suppliers too) holds its own inventory target:
    inventory_days x a factor between 0.2 and 2.5, set where the innovation layer sets its hook."""
    real = InnovationLayer._set_trade_factors

    def set_trade_factors(self):
        real(self)
        factor = self.model.inventory_factor
        factor[:] = UNEVEN_TARGETS[: len(factor)]

    monkeypatch.setattr(InnovationLayer, "_set_trade_factors", set_trade_factors)


@pytest.mark.parametrize("rationing", ["proportional", "smaller_first"])
def test_model_matches_oracle_with_unequal_inventory_targets(monkeypatch, rationing):
    uneven_inventory_targets(monkeypatch)
    spy = OracleSpy(monkeypatch)
    scn = stress_scenario(rationing)
    model = spy.run(scn, seed=1)
    assert spy.counts["months"] == scn.steps
    factor = model.inventory_factor
    assert factor.min() < 0.5 and factor.max() > 2.0, "the targets really differ between firms"
    assert spy.counts["rationing_sellers"] > 0


# ---------------------------------------------------------------- the oracle can fail

# the correct rules, kept before any test plants a wrong one
REAL = {
    name: getattr(supply, name)
    for name in ("clear_market", "reweight_orders", "searches_due", "adjust_capacity")
}


def _rules_changed(**change):
    def clear_market(net, state, final_demand, effective_capacity, rules):
        rules = dataclasses.replace(rules, **change)
        return REAL["clear_market"](net, state, final_demand, effective_capacity, rules)

    return clear_market


def _deliveries_next_month(net, state, final_demand, effective_capacity, rules):
    """Production may only use the inventory held at the start of the month."""
    start = state.inventory.copy()
    real_min = net.min_per_buyer_of_tier
    net.min_per_buyer_of_tier = lambda tier, values: real_min(
        tier, (start / net.slot_coef)[net.slot_runs[tier]]
    )
    try:
        return REAL["clear_market"](net, state, final_demand, effective_capacity, rules)
    finally:
        del net.min_per_buyer_of_tier


def _leontief_takes_max(self, tier, slot_values):
    starts, owners = self._tier_slot_owners[tier]
    run = self.firm_runs[tier]
    out = np.full(run.stop - run.start, np.inf)
    out[owners] = np.maximum.reduceat(slot_values, starts)
    return out


MUTANTS = {
    "expectations not smoothed": ("clear_market", _rules_changed(expectation_smoothing=1.0)),
    "inventory gap closed at half speed": (
        "clear_market",
        _rules_changed(inventory_adjustment=0.25),
    ),
    "deliveries arrive next month": ("clear_market", _deliveries_next_month),
    "proportional rationing serves small orders first": (
        "RATIONING",
        {**supply.RATIONING, "proportional": supply.ration_smaller_first},
    ),
    "no reversion to base weights": (
        "reweight_orders",
        lambda net, fill, speed, reversion: REAL["reweight_orders"](net, fill, speed, 0.0),
    ),
    "one more month of patience": (
        "searches_due",
        lambda state, fill, trigger, patience, months: REAL["searches_due"](
            state, fill, trigger, patience + 1, months
        ),
    ),
    "capacity adjusts twice as fast": (
        "adjust_capacity",
        lambda state, slack, speed: REAL["adjust_capacity"](state, slack, 2 * speed),
    ),
}


@pytest.mark.parametrize("mutant", [*sorted(MUTANTS), "Leontief limit takes the max"])
def test_a_changed_rule_fails_the_comparison(monkeypatch, mutant):
    if mutant in MUTANTS:
        where, wrong = MUTANTS[mutant]
        monkeypatch.setattr(supply, where, wrong)
    else:
        monkeypatch.setattr(ProductionNetwork, "min_per_buyer_of_tier", _leontief_takes_max)
    spy = OracleSpy(monkeypatch)
    with pytest.raises(AssertionError):
        spy.run(stress_scenario("proportional", steps=24), seed=0)


def _one_target_for_all(net, state, final_demand, effective_capacity, rules):
    """Every firm holds the scenario's inventory target, whatever its own factor says."""
    own = state.inventory_factor
    state.inventory_factor = np.ones_like(own)
    try:
        return REAL["clear_market"](net, state, final_demand, effective_capacity, rules)
    finally:
        state.inventory_factor = own


def test_ignoring_the_firms_own_inventory_target_fails_the_comparison(monkeypatch):
    uneven_inventory_targets(monkeypatch)
    monkeypatch.setattr(supply, "clear_market", _one_target_for_all)
    spy = OracleSpy(monkeypatch)
    with pytest.raises(AssertionError):
        spy.run(stress_scenario("proportional", steps=12), seed=0)
