"""The firms as agents: the readable face of a firm and the decisions it takes.

A firm's numbers (capacity, inventories, output) live in the model's arrays, indexed
by `firm_id`; the properties below read them so a student can inspect one firm.
Decisions that are taken rarely and by one firm at a time live here as methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import mesa
import numpy as np

from sim.ecosystem.keyed import weighted_keys
from sim.ecosystem.network import ProductionNetwork
from sim.ecosystem.supply import MarketFlows, SupplyState
from sim.scenario import Innovation, Scenario


class InnovationArrays(Protocol):
    """The innovation layer's per-firm arrays an agent reads (the layer imports this module, so it
    is described here rather than imported)."""

    tech: np.ndarray
    rd_intensity: np.ndarray
    tier: np.ndarray
    owner: np.ndarray
    weight: np.ndarray  # leaders x component categories
    leader_revenue: np.ndarray


class FirmsModel(Protocol):
    """What a firm agent reads of the model it belongs to (a mesa.Model: the agents module does
    not import the model that builds them)."""

    scenario: Scenario
    network: ProductionNetwork
    supply: SupplyState
    flows: MarketFlows | None  # last month's market flows (None before the first month)
    innovation: InnovationArrays


def _seller_weights(spare_capacity: np.ndarray) -> np.ndarray:
    """Candidate sellers' weights: their spare capacity, and a little for those with none."""
    weight = np.maximum(spare_capacity, 0.0)
    weight += 1e-3 * max(float(np.maximum.reduce(spare_capacity)), 1e-9)  # .max(), less overhead
    return weight


class Firm(mesa.Agent):
    """Common face of all firms."""

    model: FirmsModel
    kind_name = "firm"

    def __init__(self, model: mesa.Model, firm_id: int) -> None:
        super().__init__(model)
        self.firm_id = int(firm_id)

    # ------------------------------------------------ state, read from the arrays
    @property
    def product(self) -> int:
        """Product category the firm makes (-1 for a leader's own final good)."""
        return int(self.model.network.product[self.firm_id])

    @property
    def is_foreign(self) -> bool:
        return bool(self.model.network.foreign[self.firm_id])

    @property
    def capacity(self) -> float:
        return float(self.model.supply.capacity[self.firm_id])

    @property
    def output(self) -> float:
        """Units produced last month."""
        return float(self.model.flows.output[self.firm_id]) if self.model.flows is not None else 0.0

    @property
    def orders_received(self) -> float:
        return float(self.model.flows.demand[self.firm_id]) if self.model.flows is not None else 0.0

    @property
    def input_inventory(self) -> dict[int, float]:
        """Input inventory by input product."""
        net = self.model.network
        slots = np.flatnonzero(net.slot_firm == self.firm_id)
        return {int(net.slot_product[k]): float(self.model.supply.inventory[k]) for k in slots}

    def sellers(self) -> dict[int, dict[int, float]]:
        """Current order shares: input product -> {seller firm id: share}."""
        net = self.model.network
        out: dict[int, dict[int, float]] = {}
        for e in np.flatnonzero(net.slot_firm[net.link_slot] == self.firm_id):
            out.setdefault(int(net.slot_product[net.link_slot[e]]), {})[int(net.link_seller[e])] = (
                float(net.link_weight[e])
            )
        return out

    # ------------------------------------------------ decisions
    def choose_new_seller(
        self, candidates: np.ndarray, spare_capacity: np.ndarray, uniforms: np.ndarray
    ) -> int | None:
        """After a search, qualify one new seller: likelier the more spare capacity it has.

        Firms with no spare capacity are still possible (they can expand), at a small weight.
        `uniforms` are the buyer's own keyed uniforms for this search, one per candidate: the
        choice is the candidate with the smallest key -log(u) / weight (Efraimidis-Spirakis),
        so it does not depend on the candidates' order, and a candidate added or removed
        changes it only if that candidate is (or becomes) the choice.
        """
        if len(candidates) == 0:
            return None
        return int(candidates[weighted_keys(uniforms, _seller_weights(spare_capacity)).argmin()])

    @staticmethod
    def choose_new_sellers(
        candidates: np.ndarray, spare_capacity: np.ndarray, uniforms: np.ndarray, k: int
    ) -> np.ndarray:
        """`k` new sellers without replacement by the same rule (the `k` smallest keys; the
        weights are those of the whole candidate list)."""
        if len(candidates) == 0 or k <= 0:
            return candidates[:0]
        keys = weighted_keys(uniforms, _seller_weights(spare_capacity))
        if k == 1:
            return candidates[[int(keys.argmin())]]
        return candidates[np.argsort(keys, kind="stable")[:k]]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(firm_id={self.firm_id}, product={self.product})"


class ChainLeader(Firm):
    """链主: a final assembler facing final demand; multi-sources components from SMEs.

    In the innovation layer it publishes a technology demand list (需求清单) and decides,
    one offer at a time, whether to license, acquire or imitate an SME innovation.
    """

    kind_name = "leader"

    @property
    def final_demand(self) -> float:
        return self.orders_received

    @property
    def unmet_demand(self) -> float:
        return max(self.orders_received - self.output, 0.0)

    @property
    def tech(self) -> float:
        """Technology level of its product line (1 at the start)."""
        return float(self.model.innovation.tech[self.firm_id])

    # ------------------------------------------------ innovation decisions
    def publish_demand_list(self) -> dict[int, float]:
        """需求清单: the component categories it wants better technology for, and the reward.

        It lists every component category its product needs (it does not research them
        itself); the reward is what it expects to pay in royalties for a typical licence:
        royalty rate x relevant sales (the category's value in its sales x licence scope)
        x licence months. Key categories (for joint projects) are those with the largest reward.
        """
        layer = self.model.innovation
        weights = layer.weight[self.firm_id]
        rewards = self.demand_list_rewards(
            weights, layer.leader_revenue[self.firm_id], self.model.scenario.innovation
        )
        return {int(c): float(rewards[c]) for c in np.flatnonzero(weights > 0)}

    @staticmethod
    def demand_list_rewards(
        weights: np.ndarray, revenue: np.ndarray, rules: Innovation
    ) -> np.ndarray:
        """The rule of publish_demand_list, for any number of leaders at once: the reward of each
        category value weight, given the leader's revenue (the two broadcast together); a
        category is listed when its weight is positive."""
        per_value = rules.royalty_rate * rules.licence_scope * rules.licence_months * revenue
        return np.where(weights > 0, per_value * weights, 0.0)

    @staticmethod
    def choose_deals(offers: DealOffers, rules: Innovation, ip_protection: float) -> np.ndarray:
        """Each leader's choice for the SME innovation that reached it: an index into DEAL_OPTIONS.

        The rule every leader follows, applied to all of a matchmaking round's offers at once
        (one row, one leader's decision). Values over the planning horizon H, relative to doing
        nothing, in a random-utility logit (value in units of the innovation's licence
        value, plus a Gumbel taste shock):
        - license: (gain - cannibalization) x H - royalties - integration cost;
        - imitation: (gain x (1 - quality loss) - cannibalization) x H - expected damages
          (liability has probability ip_protection) - reverse-engineering and integration costs;
        - acquisition: the technology royalty-free (or shelved, when that is worth more and
          the merger review allows it), the threat of a rival using an overlapping
          innovation removed, the SME's future innovations royalty-free, minus the premium
          over book value, minus integration frictions and founders' reluctance.
        """
        horizon = rules.value_horizon
        licence_value = offers.royalty * rules.licence_months
        scale = np.maximum(licence_value, 1e-12)
        use = (offers.gain - offers.cannibalization) * horizon
        imitate = (
            offers.gain * (1.0 - rules.imitation_quality_loss) - offers.cannibalization
        ) * horizon - (
            ip_protection * rules.infringement_damages + rules.imitation_cost
        ) * licence_value
        keep = np.where(offers.conditioned, use, np.maximum(use, 0.0))
        threat = 0.5 * offers.cannibalization * horizon  # a rival leader may adopt it otherwise
        acquire = (
            keep
            + threat
            + (offers.pipeline - 1.0 - rules.acquisition_premium - rules.acquisition_friction)
            * licence_value
            - rules.acquisition_premium * offers.book_value
        )
        acquire = np.where(offers.can_acquire, acquire, -np.inf)
        integrate = rules.integration_cost * licence_value
        acquire = acquire - np.where(offers.conditioned | (use > 0), integrate, 0.0)
        values = np.zeros((len(use), len(DEAL_OPTIONS)))  # one column per option, none = 0
        values[:, 1] = use - licence_value - integrate  # license
        values[:, 2] = acquire
        values[:, 3] = imitate - integrate
        values /= scale[:, None]
        values += offers.taste
        return values.argmax(axis=1)

    @staticmethod
    def shelves(offers: DealOffers) -> np.ndarray:
        """After acquiring: shelve the innovation when using it costs its own line more than it gains
        (a killer acquisition, Cunningham, Ederer & Ma 2021), unless the merger review forbids it."""
        return ~offers.conditioned & (offers.cannibalization > offers.gain)


DEAL_OPTIONS = ("none", "license", "acquisition", "imitation")


@dataclass
class DealOffers:
    """SME innovations that reached leaders at a matchmaking round, one row each (million yuan/month)."""

    leader: np.ndarray
    sme: np.ndarray
    gain: np.ndarray  # the leader's monthly profit gain from using the technology
    royalty: np.ndarray  # monthly royalty a licence costs
    cannibalization: np.ndarray  # monthly loss of the leader's own line if the technology is used
    book_value: np.ndarray  # the SME's book equity (what an acquirer also gets)
    # the SME's expected innovations over the horizon, weighted, in licence values
    pipeline: np.ndarray
    can_acquire: np.ndarray  # independent SME, affordable, not blocked by the merger review
    conditioned: np.ndarray  # the merger review forbids shelving
    taste: np.ndarray  # (rows, len(DEAL_OPTIONS)) Gumbel taste shocks


class SpecializedSME(Firm):
    """专精特新中小企业: makes components of one niche category for the leaders.

    It spends a share of revenue on R&D that adapts to what its innovations earned
    (`target_rd_intensity`); certification tiers: ordinary, certified specialized, little giant.
    """

    kind_name = "sme"

    @property
    def tech(self) -> float:
        return float(self.model.innovation.tech[self.firm_id])

    @property
    def rd_intensity(self) -> float:
        return float(self.model.innovation.rd_intensity[self.firm_id])

    @property
    def tier(self) -> str:
        return TIER_NAMES[int(self.model.innovation.tier[self.firm_id])]

    @property
    def owner(self) -> int | None:
        """Firm id of the leader that acquired it (None while independent)."""
        owner = int(self.model.innovation.owner[self.firm_id])
        return None if owner < 0 else owner

    @staticmethod
    def target_rd_intensity(
        initial: np.ndarray, return_ratio: np.ndarray, reference: float, elasticity: float
    ) -> np.ndarray:
        """R&D intensity an SME aims for, given what R&D returned (vectorized over SMEs).

        Innovation income (royalties, fees, damages, sale value, cost savings) per yuan of
        R&D above the reference pushes the intensity up, below it down: initial x
        (ratio / reference)^elasticity, within a quarter and four times the initial one.
        """
        ratio = np.maximum(return_ratio, 0.0) / reference
        return initial * np.minimum(np.maximum(ratio**elasticity, 0.25), 4.0)  # np.clip, cheaper


TIER_NAMES = ("ordinary", "certified", "little_giant")


class Supplier(Firm):
    """An upstream producer of one raw input; some are foreign (海外供应商)."""

    kind_name = "supplier"
