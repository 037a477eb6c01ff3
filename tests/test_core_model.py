"""What the core ecosystem model must show (issue 2): accounting, determinism, shocks,
buffers, amplification, the network's shape, rationing, re-sourcing and memory."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, small_scenario

import sim
import sim.ecosystem.model
from sim.ecosystem import supply
from sim.ecosystem.agents import ChainLeader, SpecializedSME, Supplier
from sim.ecosystem.network import LEADER, SME, SUPPLIER
from sim.ecosystem.shocks import intensity

SEEDS = range(6)  # replicates for comparisons of means


def mean_outcome(scn: sim.Scenario, name: str, seeds=SEEDS, censored: float | None = None) -> float:
    """Mean of an outcome over seeds; NaN (censored) values count as `censored` if given."""
    values = [sim.run_scenario(scn, seed=s).outcomes[name] for s in seeds]
    if censored is not None:
        values = [censored if math.isnan(v) else v for v in values]
    return float(np.mean(values))


def stressed(rationing: str = "proportional", steps: int = 40) -> sim.Scenario:
    """Shortages at every tier: a long foreign cut-off, a disrupted SME category, a demand jump."""
    return small_scenario(
        steps=steps,
        rationing=rationing,
        search_months=1.0,
        foreign_share=0.4,
        foreign_dependent_share=0.5,
        foreign_share_in_dependent=0.8,
        shocks=[
            {"type": "foreign_cutoff", "categories": "all", "start": 4, "duration": 20},
            {
                "type": "supplier_disruption",
                "target": "category",
                "tier": "sme",
                "category": 0,
                "capacity_loss": 0.7,
                "start": 6,
                "duration": 10,
            },
            {"type": "demand_shock", "change": 0.3, "start": 10, "duration": 6},
        ],
    )


class MarketLog:
    """Records every month's market clearing: the state going in and what came out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.months: list[dict] = []
        real = supply.clear_market

        def clear_market(net, state, final_demand, effective_capacity, rules):
            before = state.inventory.copy()
            flows = real(net, state, final_demand, effective_capacity, rules)
            self.months.append(
                {
                    "kind": net.kind.copy(),
                    "final_demand": np.array(final_demand, dtype=float),
                    "effective_capacity": np.array(effective_capacity, dtype=float),
                    "inventory_before": before,
                    "inventory_after": state.inventory.copy(),
                    "flows": flows,
                }
            )
            return flows

        monkeypatch.setattr(sim.ecosystem.model, "clear_market", clear_market)


# ---------------------------------------------------------------- goods accounting


@pytest.mark.parametrize("rationing", ["proportional", "smaller_first"])
def test_goods_are_accounted_for_every_month(monkeypatch, rationing):
    log = MarketLog(monkeypatch)
    model = sim.EcosystemModel(stressed(rationing), rng=3)
    capacities = []
    for _ in range(model.horizon):
        model.step()
        capacities.append(model.supply.capacity.copy())
    model.release()
    rationed = 0
    for m in log.months:
        f = m["flows"]
        n = len(m["kind"])
        shipped = np.bincount(f.link_seller, weights=f.link_delivered, minlength=n)
        received = np.bincount(f.link_slot, weights=f.link_delivered, minlength=len(f.slot_order))
        sellers = m["kind"] != LEADER
        # every unit an SME or supplier makes is shipped, and every unit shipped is received
        np.testing.assert_allclose(shipped[sellers], f.output[sellers], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(received, f.slot_received, rtol=1e-12, atol=1e-9)
        assert shipped.sum() == pytest.approx(f.slot_received.sum(), rel=1e-12)
        # inventory at the end = at the start + received - used
        np.testing.assert_allclose(
            m["inventory_after"],
            m["inventory_before"] + f.slot_received - f.slot_used,
            rtol=1e-12,
            atol=1e-9,
        )
        # nobody ships more than was ordered, produces more than it can or than it sells
        assert np.all(f.link_delivered >= 0) and np.all(
            f.link_delivered <= f.link_order * (1 + 1e-12)
        )
        assert np.all(f.output >= 0)
        assert np.all(f.output <= np.minimum(f.demand, m["effective_capacity"]) * (1 + 1e-12))
        assert np.all(f.output[~sellers] <= m["final_demand"] * (1 + 1e-12))
        assert np.all(m["inventory_after"] >= 0) and np.all(m["inventory_before"] >= 0)
        rationed += int(np.sum(f.output[sellers] < f.demand[sellers] * (1 - 1e-9)))
    assert all(np.all(c >= 0) for c in capacities)
    assert rationed > 0, "the scenario should make sellers ration"


def test_links_connect_buyers_to_makers_of_what_they_need():
    """After shocks, searches, exits and entries, every ordering link still points at a seller
    of the slot's product, no seller holds two ordering links on one slot, and each slot's
    order shares sum to one (or to zero when it has no seller left)."""
    model = sim.EcosystemModel(stressed(steps=60), rng=5)
    model.run()
    net = model.network
    model.release()
    active = net.link_weight > 0
    assert np.all(net.product[net.link_seller[active]] == net.slot_product[net.link_slot[active]])
    pairs = np.stack([net.link_slot[active], net.link_seller[active]], axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs), "duplicate ordering links"
    totals = np.bincount(net.link_slot, weights=net.link_weight, minlength=net.n_slots)
    has_seller = np.bincount(net.link_slot[active], minlength=net.n_slots) > 0
    np.testing.assert_allclose(totals[has_seller], 1.0, rtol=1e-9)
    assert np.all(totals[~has_seller] == 0)


def test_sellers_of_follows_firms_that_change_product():
    model = sim.EcosystemModel(small_scenario(steps=5), rng=0)
    net = model.network
    model.release()
    before = net.sellers_of(3)  # builds the index
    smes = net.firms_of_kind[SME]
    movers = [*smes[net.product[smes] == 3][:2], smes[net.product[smes] != 3][-1]]
    for firm in movers:
        net.change_product(int(firm), 5)
    for product in range(net.n_products):
        np.testing.assert_array_equal(
            net.sellers_of(product), np.flatnonzero(net.product == product)
        )
    assert len(net.sellers_of(3)) == len(before) - 2


# ---------------------------------------------------------------- determinism


def test_same_seed_same_numbers_and_different_seed_different_numbers():
    scn = small_scenario(
        steps=36,
        shocks=[{"type": "supplier_disruption", "target": "random", "count": 5, "start": 10}],
    )

    def series(seed):
        model = sim.EcosystemModel(scn, rng=seed)
        model.run()
        model.release()
        return model.timeseries()

    pd.testing.assert_frame_equal(series(7), series(7))
    a, b = sim.run_scenario(scn, seed=7), sim.run_scenario(scn, seed=7)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert a.outcomes == pytest.approx(b.outcomes, nan_ok=True)
    assert not series(7)["output"].equals(series(8)["output"])
    # a SeedSequence is as good as an int
    pd.testing.assert_frame_equal(series(np.random.SeedSequence(7)), series(7))


def test_shocked_run_and_counterfactual_share_everything_before_the_shock():
    scn = small_scenario(
        steps=30,
        shocks=[{"type": "supplier_disruption", "target": "largest", "count": 3, "start": 12}],
    )
    res = sim.run_scenario(scn, seed=2)
    pd.testing.assert_frame_equal(res.timeseries.iloc[:12], res.counterfactual.iloc[:12])
    assert not res.timeseries["output"].iloc[12:].equals(res.counterfactual["output"].iloc[12:])


def test_noise_is_exogenous_and_does_not_depend_on_the_run_length():
    """Demand, productivity and cost noise of a month come from the seed and the month alone."""
    shocked = small_scenario(
        steps=40,
        shocks=[{"type": "supplier_disruption", "target": "largest", "count": 3, "start": 5}],
    )
    calm = small_scenario(steps=17)
    a, b = sim.EcosystemModel(shocked, rng=3), sim.EcosystemModel(calm, rng=3)
    for t in (0, 11, 12, 16, 5, 0):  # any order, across a year's end
        for stream, size in (("demand", 4), ("productivity", a.network.n_firms), ("costs", 9)):
            np.testing.assert_array_equal(a.noise(stream, t, size), b.noise(stream, t, size))
        np.testing.assert_array_equal(a.productivity_now(t), b.productivity_now(t))
    assert not np.array_equal(a.noise("demand", 3, 4), a.noise("demand", 4, 4))
    assert not np.array_equal(a.noise("demand", 3, 4), a.noise("costs", 3, 4))
    a.release()
    b.release()
    short, long = (sim.EcosystemModel(small_scenario(steps=n), rng=3) for n in (17, 40))
    short.run()
    long.run()
    pd.testing.assert_frame_equal(short.timeseries(), long.timeseries().iloc[:17])
    short.release()
    long.release()


# ---------------------------------------------------------------- disruption and recovery


def test_disruption_lowers_output_and_output_recovers_after_it_ends():
    start, duration = 12, 6
    scn = small_scenario(
        steps=60,
        shocks=[
            {
                "type": "supplier_disruption",
                "target": "largest",
                "count": 5,
                "capacity_loss": 0.8,
                "start": start,
                "duration": duration,
            }
        ],
    )
    for seed in range(3):
        res = sim.run_scenario(scn, seed=seed)
        ratio = (res.timeseries["output"] / res.counterfactual["output"]).to_numpy()
        assert ratio[start : start + duration].min() < 0.95
        assert res.outcomes["output_loss_pct"] > 0
        # back at >= 95 % of the counterfactual for 3 months within half a year of the end
        assert res.outcomes["time_to_recover"] <= duration + 6


def test_larger_inventory_targets_give_smaller_losses():
    shocks = [
        {
            "type": "supplier_disruption",
            "target": "largest",
            "count": 5,
            "capacity_loss": 0.8,
            "start": 12,
            "duration": 6,
        }
    ]
    losses = [
        mean_outcome(
            small_scenario(steps=40, shocks=shocks, inventory_days=days), "output_loss_pct"
        )
        for days in (3, 15, 45)
    ]
    assert losses[0] > losses[1] > losses[2] > 0


def test_losses_spread_beyond_the_firms_hit_when_substitutes_are_scarce():
    """All suppliers of one raw category stop: their customers and the leaders lose too."""
    scn = small_scenario(
        steps=40,
        shocks=[
            {
                "type": "supplier_disruption",
                "target": "category",
                "category": 0,
                "capacity_loss": 1.0,
                "start": 12,
                "duration": 4,
            }
        ],
    )
    for seed in range(3):
        out = sim.run_scenario(scn, seed=seed).outcomes
        assert out["indirect_loss_pct"] > 0
        assert out["amplification"] > 1


# ---------------------------------------------------------------- building the model


def test_flat_keyword_construction_and_agent_classes():
    model = sim.EcosystemModel(n_smes=50, standardization=0.5, rng=1)
    assert model.scenario.ecosystem.n_smes == 50
    assert model.scenario.policy.standardization == 0.5
    by_type = model.agents_by_type
    assert set(by_type) == {ChainLeader, SpecializedSME, Supplier}
    assert len(by_type[ChainLeader]) == model.scenario.ecosystem.n_leaders
    assert len(by_type[SpecializedSME]) == 50
    assert len(by_type[Supplier]) == model.scenario.ecosystem.n_suppliers
    model.step()
    assert model.steps == 1
    model.release()
    with pytest.raises(sim.InputError, match="did you mean 'n_smes'"):
        sim.EcosystemModel(n_sme=50)


def test_leaders_multi_source_every_component():
    model = sim.EcosystemModel(sim.load_scenario(SCENARIOS / "baseline.yaml"), rng=0)
    net = model.network
    model.release()
    sellers_per_slot = np.bincount(net.link_slot, minlength=net.n_slots)
    leader_component_slots = (net.kind[net.slot_firm] == LEADER) & (
        net.slot_product < net.n_components
    )
    assert np.all(sellers_per_slot[leader_component_slots] > 1)
    # and every link connects a buyer to a maker of the input
    assert np.all(net.product[net.link_seller] == net.slot_product[net.link_slot])


def test_foreign_suppliers_have_the_set_share_and_cluster_in_dependent_categories():
    scn = sim.load_scenario(SCENARIOS / "baseline.yaml")
    eco = scn.ecosystem
    model = sim.EcosystemModel(scn, rng=0)
    net = model.network
    model.release()
    suppliers = net.firms_of_kind[SUPPLIER]
    assert net.foreign[suppliers].mean() == pytest.approx(
        eco.foreign_share, abs=1 / eco.n_suppliers
    )
    assert not net.foreign[net.kind != SUPPLIER].any()
    dependent = net.foreign_dependent[net.product[suppliers] - net.n_components]
    assert net.foreign[suppliers[dependent]].mean() == pytest.approx(
        eco.foreign_share_in_dependent, abs=0.05
    )
    assert net.foreign[suppliers[~dependent]].mean() < eco.foreign_share


def top_decile_share(scn: sim.Scenario, seed: int) -> float:
    """Share of all orders to SMEs and suppliers going to the top tenth of them."""
    model = sim.EcosystemModel(scn, rng=seed)
    sales = np.sort(model.normal_output[model.network.kind != LEADER])[::-1]
    model.release()
    return float(sales[: len(sales) // 10].sum() / sales.sum())


def test_higher_sourcing_concentration_gives_more_concentrated_seller_sizes():
    shares = {
        c: np.mean([top_decile_share(small_scenario(sourcing_concentration=c), s) for s in SEEDS])
        for c in (0.0, 0.5, 1.0)
    }
    assert shares[0.0] < shares[0.5] < shares[1.0]


@pytest.mark.parametrize(
    "bad, field",
    [({"n_smes": 5}, "n_component_categories"), ({"n_suppliers": 5}, "n_raw_categories")],
)
def test_every_category_needs_a_maker(bad, field):
    with pytest.raises(sim.InputError, match=field):
        sim.scenario_from_flat(**bad)


# ---------------------------------------------------------------- rationing


def test_smaller_first_serves_small_orders_in_full_first():
    # seller 0 has 6 units for orders 5, 1, 3: the 1 and the 3 in full, the 5 gets what is left
    # seller 1 has enough for both of its orders
    orders = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    sellers = np.array([0, 0, 0, 1, 1])
    output, demand = np.array([6.0, 6.0]), np.array([9.0, 6.0])
    delivered = supply.ration_smaller_first(orders, sellers, output, demand)
    np.testing.assert_array_equal(delivered, [2.0, 1.0, 3.0, 2.0, 4.0])
    proportional = supply.ration_proportional(orders, sellers, output, demand)
    np.testing.assert_allclose(proportional, [5 * 6 / 9, 1 * 6 / 9, 3 * 6 / 9, 2.0, 4.0])


@pytest.mark.parametrize("rationing", ["proportional", "smaller_first"])
def test_rationing_rule_in_the_model(monkeypatch, rationing):
    log = MarketLog(monkeypatch)
    model = sim.EcosystemModel(stressed(rationing, steps=24), rng=1)
    model.run()
    model.release()
    checked = 0
    for m in log.months:
        f = m["flows"]
        short = (m["kind"] != LEADER) & (f.output < f.demand * (1 - 1e-9))
        for seller in np.flatnonzero(short):
            links = np.flatnonzero((f.link_seller == seller) & (f.link_order > 0))
            fill = f.link_delivered[links] / f.link_order[links]
            if rationing == "proportional":
                np.testing.assert_allclose(fill, f.output[seller] / f.demand[seller], rtol=1e-9)
            else:
                full = fill >= 1 - 1e-9
                if full.any() and (~full).any():
                    assert f.link_order[links][full].max() <= f.link_order[links][~full].min()
                assert (fill < 1 - 1e-9).sum() >= 1
            checked += 1
    assert checked > 0


# ---------------------------------------------------------------- re-sourcing


def foreign_cutoff(**params) -> sim.Scenario:
    """Foreign suppliers of every raw category stop for good; domestic ones have spare capacity."""
    return small_scenario(
        steps=60,
        foreign_dependent_share=0.0,
        foreign_share=0.2,
        capacity_slack=0.5,
        shocks=[{"type": "foreign_cutoff", "categories": "all", "start": 12, "duration": None}],
        **params,
    )


def test_buyers_find_new_sellers_during_a_long_foreign_cutoff():
    res = sim.run_scenario(foreign_cutoff(), seed=0)
    ts = res.timeseries
    assert ts["searches_active"].iloc[12:].max() > 0
    assert ts["supply_links"].iloc[-1] > ts["supply_links"].iloc[11]
    assert ts["foreign_input_share"].iloc[-1] < 1e-9


@pytest.mark.parametrize("lever", ["standardization", "matching_efficiency"])
def test_standardization_and_matching_shorten_recovery(lever):
    horizon = 60 - 12  # a run that never recovers counts as recovering at the horizon
    without = foreign_cutoff()
    with_lever = foreign_cutoff(**{lever: 1.0})
    assert mean_outcome(with_lever, "output_loss_pct") < mean_outcome(without, "output_loss_pct")
    assert mean_outcome(with_lever, "time_to_recover", censored=horizon) < mean_outcome(
        without, "time_to_recover", censored=horizon
    )


# ---------------------------------------------------------------- shocks


SHOCK_EXAMPLES = {
    "supplier_disruption": {"type": "supplier_disruption", "target": "largest", "count": 5},
    "foreign_cutoff": {"type": "foreign_cutoff", "categories": "dependent"},
    "demand_shock": {"type": "demand_shock", "change": -0.3},
    "leader_failure": {"type": "leader_failure", "count": 1},
}


@pytest.mark.parametrize("kind", sorted(SHOCK_EXAMPLES))
def test_each_shock_type_changes_output(kind):
    shock = {**SHOCK_EXAMPLES[kind], "start": 12, "duration": 8}
    res = sim.run_scenario(small_scenario(steps=30, shocks=[shock]), seed=0)
    ts, cf = res.timeseries, res.counterfactual
    assert (ts["output"].iloc[12:20] < cf["output"].iloc[12:20] * 0.99).any()
    assert res.outcomes["output_loss_pct"] > 0
    pd.testing.assert_series_equal(ts["output"].iloc[:12], cf["output"].iloc[:12])


def test_recovery_profiles():
    base = {"type": "demand_shock", "start": 10, "duration": 4}
    step, linear, expo = (
        sim.scenario_from_flat(shocks=[{**base, "recovery": r}]).shocks[0]
        for r in ("step", "linear", "exponential")
    )
    assert [intensity(step, t) for t in (9, 10, 13, 14)] == [0, 1, 1, 0]
    assert [intensity(linear, t) for t in (9, 10, 11, 12, 13, 14)] == [0, 1, 0.75, 0.5, 0.25, 0]
    e = [intensity(expo, t) for t in range(10, 14)]
    assert e[0] == 1 and all(a > b for a, b in zip(e, e[1:], strict=False)) and e[-1] > 0
    assert intensity(expo, 14) == 0
    permanent = sim.scenario_from_flat(shocks=[{**base, "duration": None}]).shocks[0]
    assert intensity(permanent, 10_000) == 1


def test_shocks_combine():
    a = {
        "type": "supplier_disruption",
        "target": "category",
        "category": 1,
        "capacity_loss": 0.5,
        "start": 12,
        "duration": 8,
    }
    b = {**a, "capacity_loss": 0.4}
    demand = {"type": "demand_shock", "change": -0.2, "start": 14, "duration": 8}
    # two capacity shocks on the same firms: the capacity left multiplies
    model = sim.EcosystemModel(small_scenario(steps=30, shocks=[a, b]), rng=0)
    model.run(13)
    hit = model.shocks.directly_hit()
    np.testing.assert_allclose(model.capacity_loss[hit], 1 - (1 - 0.5) * (1 - 0.4))
    assert np.all(model.capacity_loss[~hit] == 0)
    model.release()
    # a supply and a demand shock together cost more than either alone
    loss = {
        name: sim.run_scenario(small_scenario(steps=30, shocks=shocks), seed=0).outcomes[
            "output_loss_pct"
        ]
        for name, shocks in {"a": [a], "demand": [demand], "both": [a, demand]}.items()
    }
    assert loss["both"] > max(loss["a"], loss["demand"]) > 0


def test_supplier_disruption_targets():
    def hit(**shock):
        scn = small_scenario(
            steps=30, shocks=[{"type": "supplier_disruption", "start": 1, **shock}]
        )
        model = sim.EcosystemModel(scn, rng=4)
        firms, net, cap = model.shocks.items[0].firms, model.network, model.supply.capacity.copy()
        model.release()
        return firms, net, cap

    firms, net, cap = hit(target="largest", count=3)
    suppliers = net.firms_of_kind[SUPPLIER]
    assert set(firms) == set(suppliers[np.argsort(-cap[suppliers])[:3]])
    firms, net, _ = hit(target="category", tier="sme", category=2)
    assert set(firms) == set(np.flatnonzero((net.kind == SME) & (net.product == 2)))
    firms, net, _ = hit(target="foreign", count=None, share=0.5)
    assert net.foreign[firms].all() and len(firms) == round(0.5 * net.foreign.sum())


# ---------------------------------------------------------------- memory


def test_released_model_is_garbage_collected():
    model = sim.EcosystemModel(small_scenario(steps=5), rng=0)
    model.run()
    ref = weakref.ref(model)
    model.release()
    assert len(model.agents) == 0
    del model
    gc.collect()
    assert ref() is None
