"""Common random numbers: a shocked run and its counterfactual draw the same numbers for every
entity whose state agrees in the two runs.

Every draw of the months is keyed by (root seed, purpose, month, entity) (sim.ecosystem.keyed):
an entity's draws do not change when another, unrelated entity is added or removed. Hence a
shock too small to change any discrete event leaves the two runs identical, and one that
changes an event changes only what follows from that event.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.ecosystem.entry import enter_firms
from sim.ecosystem.innovation.research import _FOUR
from sim.ecosystem.network import SME, SUPPLIER
from sim.scenario.shocks import SHOCK_CLASSES, shock_type

SCENARIO = "scenarios/supplier_disruption.yaml"
LOSSES = (0.001, 0.01, 0.1, 0.4, 0.8)


def small(**update) -> sim.Scenario:
    scn = sim.load_scenario(
        "scenarios/baseline.yaml",
        {"n_leaders": 4, "n_smes": 60, "n_suppliers": 120, "n_component_categories": 10},
    )
    return scn.model_copy(update=update)


# ------------------------------------------------------------ (a) keyed by entity
def test_a_firms_noise_does_not_depend_on_how_many_firms_there_are():
    big = sim.EcosystemModel(sim.load_scenario("scenarios/baseline.yaml"), rng=3)
    few = sim.EcosystemModel(small(), rng=3)
    n = few.network.n_firms
    for purpose in ("costs", "productivity", "demand"):
        for t in (0, 5, 37):
            assert np.array_equal(
                big.noise(purpose, t, big.network.n_firms)[:n], few.noise(purpose, t, n)
            )
    # and a year's block is its months
    assert np.array_equal(few.noise_year("costs", 2, n)[3], few.noise("costs", 27, n))


def _entry_after_exits(dead: list[int], seed: int = 4):
    """A model one month in, with firms `dead` exited, after entry: who entered, in which
    category, with which sellers (by slot) and which first customers."""
    scn = small()
    scn = scn.model_copy(update={"finance": scn.finance.model_copy(update={"entry_rate": 0.5})})
    model = sim.EcosystemModel(scn, rng=seed)
    model.step()
    model.finance.state.alive[dead] = False
    model.capacity_loss = np.zeros(model.network.n_firms)
    new_links: tuple[list[int], list[int]] = ([], [])
    enter_firms(model, new_links)
    net = model.network
    entered = [f for f in dead if model.finance.state.alive[f]]
    links: dict[int, set[int]] = {}
    for k, seller in zip(*new_links, strict=True):
        links.setdefault(k, set()).add(seller)
    return model, entered, {f: int(net.product[f]) for f in entered}, links


def test_entry_draws_of_a_vacancy_do_not_depend_on_the_other_vacancies():
    model, _, _, _ = _entry_after_exits([])
    net = model.network
    smes = net.firms_of_kind[SME].tolist()
    vacancies = smes[:25]
    # an unrelated extra vacancy: a supplier (SME entrants' sellers are suppliers, so it may be
    # a candidate seller; then only the links where it would have been chosen may change)
    extra = int(net.firms_of_kind[SUPPLIER][7])
    _, entered, products, links = _entry_after_exits(vacancies)
    _, entered_more, products_more, links_more = _entry_after_exits([*vacancies, extra])
    assert [f for f in entered_more if f != extra] == entered
    assert {f: p for f, p in products_more.items() if f != extra} == products
    for k, sellers in links.items():
        if net.slot_firm[k] == extra:
            continue
        # same sellers and first customers, but for the extra vacancy itself
        assert sellers - {extra} <= links_more[k]
    assert 0 < len(entered) < len(vacancies)  # the test means something


def test_rd_draws_of_a_firm_do_not_depend_on_another_firms_rd():
    model = sim.EcosystemModel(small(), rng=5)
    research, draws = model.innovation.research, model.innovation.draws
    f = model.innovation.firms.rd_firms
    effective = np.full(len(f), 50.0)
    one = research.draw(7, effective, draws)
    other = effective.copy()
    gone = int(one.firms[0])
    other[np.searchsorted(f, gone)] = 0.0  # as if that firm had exited
    two = research.draw(7, other, draws)
    keep = one.firms != gone
    assert np.array_equal(two.firms, one.firms[keep])
    assert np.array_equal(two.quality, one.quality[keep])
    assert np.array_equal(two.catch, one.catch[keep])
    # a firm's uniforms are its own whichever firms are drawn for
    u = draws.rd.uniform(7, f, _FOUR)
    assert np.array_equal(draws.rd.uniform(7, f[::3], _FOUR), u[:, ::3])


def test_a_sellers_choice_is_order_free_and_changes_only_for_the_candidate_added():
    model = sim.EcosystemModel(small(), rng=6)
    agent, stream = model.firm_agents[0], model.draws["new_seller"]
    rng = np.random.default_rng(0)
    for trial in range(200):
        cands = np.sort(rng.choice(500, 12, replace=False))
        spare = rng.random(12)
        choice = agent.choose_new_seller(cands, spare, stream.uniform(trial, 3, cands))
        order = rng.permutation(12)
        assert (
            agent.choose_new_seller(
                cands[order], spare[order], stream.uniform(trial, 3, cands[order])
            )
            == choice
        )
        more = np.append(cands, 1000)
        spare_more = np.append(spare, rng.random())
        new = agent.choose_new_seller(more, spare_more, stream.uniform(trial, 3, more))
        assert new in (choice, 1000)


# ------------------------------------------------------------ (b) paired continuity
def _paired(loss: float, seed: int, steps: int | None = None) -> tuple[float, bool]:
    scn = sim.load_scenario(SCENARIO, {"shocks.0.capacity_loss": loss})
    r = sim.run_scenario(scn, seed, steps=steps)

    def counts(df):
        exits = df[["defaults_leader", "defaults_sme", "defaults_supplier"]].to_numpy().sum()
        return float(exits), float(df["entries"].sum()), float(df["supply_links"].iloc[-1])

    return r.outcomes["output_loss_pct"], counts(r.timeseries) == counts(r.counterfactual)


def test_a_tiny_disruption_leaves_a_tiny_paired_difference():
    """capacity_loss 0.001 (five suppliers lose 0.1 % for 6 months), 6 seeds, 72 months."""
    results = [_paired(0.001, seed, steps=72) for seed in range(6)]
    loss = np.array([r[0] for r in results])
    assert np.all(np.abs(loss) < 0.05), loss
    assert np.abs(loss).mean() < 0.01
    assert sum(same for _, same in results) >= 5


@pytest.mark.slow
def test_a_tiny_disruption_over_30_seeds():
    results = [_paired(0.001, seed) for seed in range(30)]
    loss = np.array([r[0] for r in results])
    assert np.count_nonzero(np.abs(loss) < 0.05) >= 29, loss
    assert np.abs(loss).mean() < 0.01
    assert sum(same for _, same in results) >= 27


@pytest.mark.slow
def test_mean_output_loss_rises_with_the_capacity_lost():
    """Over the resilience window (30 seeds): 0.0000, 0.0005, 0.060, 0.130, 1.12 when written."""
    means = [np.mean([_paired(loss, seed)[0] for seed in range(30)]) for loss in LOSSES]
    assert all(a <= b for a, b in zip(means, means[1:], strict=False)), means


# ------------------------------------------------------------ every shock with its defaults
@pytest.mark.parametrize("cls", SHOCK_CLASSES, ids=shock_type)
def test_every_shock_type_runs_with_its_default_fields(cls):
    """A scenario's shock written as its `type:` alone (e.g. tech_obsolescence with
    `categories: random`) runs, shocked and paired with its counterfactual."""
    data = small().model_dump()
    data["shocks"] = [{"type": shock_type(cls)}]
    data["steps"] = cls.model_fields["start"].default + 12
    scn = sim.Scenario.model_validate(data)
    assert isinstance(scn.shocks[0], cls)
    r = sim.run_scenario(scn, 1)
    assert len(r.timeseries) == scn.steps
    assert np.isfinite(r.timeseries["output"]).all()
    assert np.isfinite(r.outcomes["output_loss_pct"])
