"""Finance layer: stock-flow consistency, defaults and contagion, and the literature's directions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.ecosystem.finance import FinanceSystem
from sim.ecosystem.network import LEADER
from sim.ecosystem.supply import DAYS_PER_MONTH


def small_scenario(**params):
    base = dict(
        n_leaders=3,
        n_smes=30,
        n_suppliers=40,
        n_component_categories=6,
        n_raw_categories=5,
        components_per_leader=3,
        steps=36,
    )
    base.update(params)
    return sim.scenario_from_flat(**base)


shock_lists = st.lists(
    st.sampled_from(
        [
            {
                "type": "supplier_disruption",
                "target": "largest",
                "count": 3,
                "start": 5,
                "duration": 6,
            },
            {"type": "foreign_cutoff", "categories": "all", "start": 8, "duration": 10},
            {"type": "demand_shock", "change": -0.4, "start": 4, "duration": 12},
            {"type": "leader_failure", "count": 1, "start": 10},
            {
                "type": "credit_crunch",
                "rate_increase": 0.05,
                "limit_cut": 0.9,
                "start": 6,
                "duration": 12,
            },
        ]
    ),
    max_size=3,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    shocks=shock_lists,
    cap=st.sampled_from([None, 30.0, 60.0]),
    scf=st.floats(0.0, 1.0),
    guarantee=st.floats(0.0, 1.0),
    sigma=st.floats(0.0, 0.4),
)
def test_every_yuan_paid_is_a_yuan_received(seed, shocks, cap, scf, guarantee, sigma):
    scn = small_scenario(
        shocks=shocks,
        payment_term_cap_days=cap,
        supply_chain_finance=scf,
        credit_guarantee=guarantee,
        overhead_sigma=sigma,
    )
    model = sim.EcosystemModel(scn, rng=seed)
    for _ in range(scn.steps):
        model.step()
        assert model.finance.balance_sheet_gap() < 1e-9
        receivables, payables = model.finance.trade_positions()
        bank_claims = model.finance.state.owed_bank.sum()
        assert receivables.sum() + bank_claims == pytest.approx(payables.sum(), rel=1e-12, abs=1e-9)
        assert (model.finance.state.debt >= -1e-9).all()
    model.release()


def test_a_broken_payment_breaks_the_identity(monkeypatch):
    original = FinanceSystem.settle

    def leaky_settle(self, t, flows):
        month = original(self, t, flows)
        self.state.cash[5] += 1.0  # money from nowhere
        return month

    monkeypatch.setattr(FinanceSystem, "settle", leaky_settle)
    model = sim.EcosystemModel(small_scenario(), rng=1)
    model.step()
    assert model.finance.balance_sheet_gap() > 1e-9


def test_failed_large_customer_passes_losses_to_its_suppliers():
    model = sim.EcosystemModel(small_scenario(overhead_sigma=0.0), rng=3)
    model.run(3)
    leader = 0
    net = model.network
    sellers = np.unique(net.link_seller[net.slot_firm[net.link_slot] == leader])
    # a huge fine paid to households (a consistent transfer) leaves the leader unable to pay
    fine = 1e9
    model.finance.state.cash[leader] -= fine
    model.finance.state.sectors["households"] += fine
    model.step()
    assert not model.finance.state.alive[leader]
    assert model.finance.month["trade_credit_written_off"] > 0
    assert (model.finance.state.last_trade_loss[sellers] == model.month).any()
    assert model.finance.balance_sheet_gap() < 1e-9


def test_exited_firms_produce_nothing_and_their_places_are_taken():
    scn = small_scenario(overhead_sigma=0.5, entry_rate=0.5, steps=60)
    model = sim.EcosystemModel(scn, rng=7)
    model.run(59)
    dead_before = ~model.finance.state.alive
    model.step()
    ts = model.timeseries()
    assert ts["sme_exits"].sum() > 0
    assert ts["entries"].sum() > 0
    assert dead_before.any()
    assert (model.flows.output[dead_before] == 0).all()


_runs: dict[tuple[str, int], sim.RunResult] = {}


def paired(names, seeds, statistic):
    """A statistic of each scenario over the same seeds (common random numbers); runs are cached."""
    values = {name: [] for name in names}
    for seed in seeds:
        for name in names:
            if (name, seed) not in _runs:
                _runs[name, seed] = sim.run_scenario(
                    sim.load_scenario(f"scenarios/{name}.yaml"), seed=seed
                )
            values[name].append(statistic(_runs[name, seed]))
    return {k: np.array(v) for k, v in values.items()}


def exits_after_shock(result):
    return result.timeseries["sme_exits"].iloc[24:60].sum()


def test_payment_cap_lowers_sme_defaults_after_a_demand_drop():
    """Barrot (2016): shorter payment terms lower small firms' default risk."""
    v = paired(["demand_drop", "payment_cap_60d"], range(8), exits_after_shock)
    assert v["payment_cap_60d"].mean() < v["demand_drop"].mean()


def test_supply_chain_finance_lowers_defaults_and_contagion():
    v = paired(["demand_drop", "supply_chain_finance"], range(8), exits_after_shock)
    assert v["supply_chain_finance"].mean() < v["demand_drop"].mean()
    c = paired(
        ["demand_drop", "supply_chain_finance"],
        range(8),
        lambda r: r.outcomes["defaults_by_contagion"],
    )
    assert c["supply_chain_finance"].mean() <= c["demand_drop"].mean()


def test_credit_crunch_cuts_sme_employment_more_than_leader_employment():
    """Chodorow-Reich (2014): firms that depend on bank credit cut employment most."""
    scn = sim.load_scenario("scenarios/credit_crunch.yaml")
    sme, leader = [], []
    for seed in range(6):
        r = sim.run_scenario(scn, seed=seed)
        w = slice(24, 48)

        def loss(col, r=r, w=w):
            return 1 - r.timeseries[col].iloc[w].sum() / r.counterfactual[col].iloc[w].sum()

        sme.append(loss("employment_sme"))
        leader.append(loss("employment_leader"))
    assert np.mean(sme) > 1.5 * np.mean(leader) > 0


def test_baseline_calibration():
    scn = sim.load_scenario("scenarios/baseline.yaml")
    rates = []
    for seed in range(3):
        r = sim.run_scenario(scn, seed=seed)
        model_firms = scn.ecosystem.n_leaders + scn.ecosystem.n_smes + scn.ecosystem.n_suppliers
        assert (model_firms - scn.ecosystem.n_leaders) / model_firms > 0.9
        assert r.outcomes["sme_employment_share"] > 0.5
        assert r.outcomes["sme_value_added_share"] > 0.5
        small = scn.ecosystem.n_smes + scn.ecosystem.n_suppliers * (1 - scn.ecosystem.foreign_share)
        exits = r.outcomes["sme_exits"] + r.outcomes["supplier_exits"]  # all small domestic firms
        rates.append(exits / (scn.steps / 12) / small)
        assert 55 < r.timeseries["average_payment_days"].mean() < 75
    assert 0.005 < np.mean(rates) < 0.08


def test_leaders_are_the_ones_stretching_terms():
    model = sim.EcosystemModel(small_scenario(), rng=0)
    days = model.finance.payment_days()
    net = model.network
    from_leaders = net.kind[net.slot_firm[net.link_slot]] == LEADER
    assert days[from_leaders].min() > days[~from_leaders].max()
    capped = sim.EcosystemModel(
        small_scenario(payment_term_cap_days=60), rng=0
    ).finance.payment_days()
    assert capped.max() <= 60


def test_kept_payment_terms_are_each_links_term():
    """The terms kept between months (filled run by run, or picked link by link when the
    leaders also buy from leaders) are each link's contract term and its due-month split."""
    model = sim.EcosystemModel(small_scenario(), rng=1)
    for _ in range(12):  # the links change along the way
        model.step()
    fin, net = model.finance, model.network

    def assert_terms_fit_the_links() -> None:
        terms = fin.terms.current()
        days = fin.payment_days()
        months = days / DAYS_PER_MONTH
        whole = np.floor(months)
        np.testing.assert_array_equal(terms.buyer, net.slot_firm[net.link_slot])
        np.testing.assert_array_equal(terms.days, days)
        np.testing.assert_array_equal(terms.frac, months - whole)
        np.testing.assert_array_equal(terms.rest, 1.0 - (months - whole))
        booked = np.zeros(net.n_links, dtype=int)
        due = np.full(net.n_links, -1.0)
        for whole_months, links in terms.groups:
            booked[links] += 1
            due[links] = whole_months
        np.testing.assert_array_equal(booked, 1)
        np.testing.assert_array_equal(due, whole)

    assert_terms_fit_the_links()
    leaders = net.firms_of_kind[LEADER]
    bought_by_leaders = np.flatnonzero(net.kind[net.slot_firm[net.link_slot]] == LEADER)
    for every in (len(bought_by_leaders), 2):  # one link, then every other: past eight runs
        seller = net.link_seller.copy()
        changed = bought_by_leaders[::every]
        buyer = net.slot_firm[net.link_slot[changed]]
        seller[changed] = np.where(buyer == leaders[0], leaders[1], leaders[0])
        net.link_seller = seller
        assert_terms_fit_the_links()
        assert (fin.terms.current().runs is None) == (every == 2)
