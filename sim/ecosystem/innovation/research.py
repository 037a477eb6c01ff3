"""R&D: what firms spend on it, what it brings, and how SMEs adapt how much they spend.

SMEs spend a share of revenue that adapts each quarter to what R&D returned, leaders a fixed
share on their own product line only; a firm short of cash and credit cuts R&D. The government
pays its levers' shares (R&D subsidy for certified SMEs, shared equipment, matching platform,
digitalization, joint-project grants); every yuan moves through the finance layer.
R&D succeeds with p = 1 - exp(-zeta * effective R&D / scale) and a Beta-distributed quality
(Dosi et al.'s Keynes+Schumpeter family); leaders' R&D is less productive per yuan. Effective
R&D rises with shared equipment, leaders' openness, demand lists reaching SMEs, digitalization
and joint projects. An SME innovation raises its niche technology at once (with catch-up
toward the category frontier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ecosystem.agents import SpecializedSME
from sim.ecosystem.innovation.arrays import any_true, cube, fast_sum
from sim.ecosystem.innovation.certification import CERTIFIED
from sim.ecosystem.innovation.context import EcosystemContext
from sim.ecosystem.innovation.digital import DigitalLevels
from sim.ecosystem.innovation.firms import InnovatingFirms
from sim.ecosystem.innovation.projects import RunningProjects
from sim.ecosystem.innovation.streams import InnovationDraws
from sim.ecosystem.keyed import beta_quantile, bits_of, fold, to_uniform

_FOUR = np.arange(4)[:, None]  # the components of an R&D firm's monthly draws


@dataclass
class RdBill:
    """Who pays what for a month's R&D beyond the firms' own wages to R&D staff (one amount per firm)."""

    government: np.ndarray
    to_outside: np.ndarray  # equipment, digital systems, opening costs
    boost: np.ndarray  # multiplier of each firm's effective R&D
    outside: bool = False  # whether any firm pays the outside economy this month


@dataclass
class Draws:
    """The month's successful R&D: the innovating firms (leaders first), quality, catch-up and
    overlap with leaders' own lines."""

    firms: np.ndarray
    quality: np.ndarray
    catch: np.ndarray
    overlap: np.ndarray


class Research:
    """R&D intensities, scales and smoothed returns of the R&D firms."""

    def __init__(
        self, model: EcosystemContext, firms: InnovatingFirms, normals: np.ndarray
    ) -> None:
        """`normals`: one keyed standard normal per SME, for its base R&D intensity."""
        self.model, self.firms = model, firms
        scn = model.scenario
        self.rules = rules = scn.innovation
        self.policy = pol = scn.policy
        smes, n = firms.smes, len(firms.tech)
        self.rd_base = np.zeros(n)
        self.rd_base[smes] = np.minimum(
            rules.sme_rd_intensity * np.exp(rules.sme_rd_dispersion * normals),
            0.3,
        )
        self.rd_intensity = self.rd_base.copy()
        self.rd_intensity[firms.is_leader] = rules.leader_rd_intensity
        normal = model.finance.state.normal_revenue
        typical = float(np.median(normal[smes])) if len(smes) else 0.0
        self.typical_sme_revenue = typical if typical > 0 else 1.0
        self.rd_scale = np.ones(n)  # R&D an innovation takes grows with the firm's scale
        self.set_rd_scale(firms.rd_firms)
        self.rd_ema = self.rd_intensity * normal
        self.return_ema = rules.rd_return_reference * self.rd_ema
        # innovations per month, smoothed (for acquirers' valuation of an SME's pipeline)
        self.innovation_rate = -np.expm1(-rules.rd_productivity * self.rd_ema / self.rd_scale)
        # effective-R&D multipliers that do not change: leaders' inertia, leaders' openness for SMEs
        self.rd_boost = np.where(
            firms.is_sme,
            (1.0 + rules.openness_rd_gain * pol.leader_openness)
            * (1.0 + rules.demand_direction_gain * pol.matching_efficiency),
            rules.leader_rd_productivity,
        )
        self.rd_boost[~(firms.is_sme | firms.is_leader)] = 0.0
        # what a unit relative saving of labour is worth to an SME's owners
        self.labour_value = np.zeros(n)
        self.set_labour_value(smes)
        # innovation income and net R&D cost since the last adaptation of R&D intensities
        self.quarter_income = np.zeros(n)
        self.quarter_cost = np.zeros(n)
        self.totals = dict.fromkeys(("rd_sme", "rd_leader"), 0.0)

    def set_labour_value(self, firms: np.ndarray) -> None:
        """Monthly wage bill at normal output x valuation horizon x the share of own-use gains the owners
        expect to keep from competitors' copying (appropriability rises with IP protection)."""
        rules, model = self.rules, self.model
        keep = rules.secrecy_share + (1.0 - rules.secrecy_share) * self.policy.ip_protection
        wages = (
            model.scenario.finance.labor_share
            * model.value_added_per_unit[firms]
            * model.normal_output[firms]
        )
        self.labour_value[firms] = keep * wages * rules.value_horizon

    def set_rd_scale(self, firms: np.ndarray) -> None:
        normal = self.model.finance.state.normal_revenue[firms]
        self.rd_scale[firms] = (
            np.maximum(normal, 1e-12) / self.typical_sme_revenue
        ) ** self.rules.rd_scale_elasticity

    # ------------------------------------------------------------ spending
    def spend(
        self,
        t: int,
        revenue: np.ndarray,
        alive: np.ndarray,
        month: dict[str, float],
        earmark: np.ndarray | None,
        projects: RunningProjects | None,
        digital: DigitalLevels,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pay for R&D and the levers; return own R&D, its net cost to the firm, and the effective
        R&D of the R&D firms (what `draw` draws on). `earmark`: guided-fund money spent on R&D.

        A lever that is off costs no arithmetic: most of a baseline month is the R&D itself.
        """
        n, R = len(revenue), self.firms.R
        # a firm short of cash and credit cuts R&D with production, more than in proportion (资金短缺)
        # (a firm that failed this month pays none); only leaders and SMEs do R&D
        rd_own = np.zeros(n)
        rd_own[R] = self.rd_intensity[R] * revenue[R] * cube(self.model.liquidity[R]) * alive[R]
        bill = RdBill(government=np.zeros(n), to_outside=np.zeros(n), boost=self.rd_boost.copy())
        rd = rd_own if earmark is None else rd_own + earmark
        if projects is not None:
            rd = self._joint_project_grants(rd, rd_own, projects, bill)
        rd_effective, to_households, subsidy = self._levers(
            t, rd, rd_own, revenue, alive, bill, digital
        )
        fin, pol = self.model.finance, self.policy
        if any_true(bill.government):  # amounts one per firm (firms None)
            fin.government_pays(None, bill.government)
        fin.pay_to_sector(None, to_households, "households")  # R&D staff, platform staff
        if bill.outside or pol.shared_equipment > 0:  # equipment, digital systems, opening costs
            fin.pay_to_sector(None, bill.to_outside, "outside")
        rd_sme = float(fast_sum(rd[self.firms.S]))
        rd_leader = float(fast_sum(rd[: self.firms.n_leaders]))
        month["rd_spending_sme"] = rd_sme
        month["rd_spending_leader"] = rd_leader
        month["rd_spending"] = rd_sme + rd_leader
        self.totals["rd_sme"] += rd_sme
        self.totals["rd_leader"] += rd_leader
        net_cost = rd_own if pol.rd_subsidy_rate <= 0 else rd_own - subsidy
        return rd_own, net_cost, rd_effective[R] * bill.boost[R]

    def _joint_project_grants(
        self, rd: np.ndarray, rd_own: np.ndarray, projects: RunningProjects, bill: RdBill
    ) -> np.ndarray:
        """Joint projects' grants go to R&D (the few SMEs in one); sponsors of market projects pay theirs."""
        members, grant = projects.members, projects.grant
        rd = rd.copy() if rd is rd_own else rd
        rd[members] += grant
        bill.government[members] += projects.public_grant
        if len(projects.payers):
            self.model.finance.pay_between_firms(
                projects.sponsors, projects.payers, projects.private_grant
            )
        bill.boost[members] *= 1.0 + self.rules.consortium_rd_gain
        return rd

    def _levers(
        self,
        t: int,
        rd: np.ndarray,
        rd_own: np.ndarray,
        revenue: np.ndarray,
        alive: np.ndarray,
        bill: RdBill,
        digital: DigitalLevels,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | float]:
        """The levers' costs on `bill`, in a fixed order; returns effective R&D before the boost,
        what goes to households, and the R&D subsidy."""
        rules, pol, firms = self.rules, self.policy, self.firms
        government, to_outside = bill.government, bill.to_outside
        to_households = rd
        if pol.shared_equipment > 0:  # the government pays part of the equipment SMEs use
            e = rules.equipment_share * pol.shared_equipment
            equipment = np.where(firms.is_sme & alive, rd * e / (1.0 - e), 0.0)
            government += equipment
            to_outside += equipment
            rd_effective = rd + equipment
        else:
            rd_effective = rd
        subsidy = 0.0
        if pol.rd_subsidy_rate > 0:
            subsidy = pol.rd_subsidy_rate * rd_own * (firms.tier >= CERTIFIED)
            government += subsidy
        if pol.matching_efficiency > 0:  # the platform's cost per SME served
            platform = pol.matching_efficiency * rules.platform_fee * (firms.is_sme & alive)
            government += platform
            to_households = to_households + platform
        if t % 3 == 0:  # digital investment, a quarter at a time
            digital_cost = digital.invest(firms.is_sme & alive, pol)
            to_outside += digital_cost
            bill.outside = True
            if pol.digital_subsidy > 0:
                government += pol.digital_subsidy * digital_cost
        bill.boost[firms.S] *= digital.rd_boost
        if pol.leader_openness > 0:  # leaders bear the cost of opening their resources
            lead = slice(0, firms.n_leaders)
            to_outside[lead] += (
                pol.leader_openness * rules.openness_cost * revenue[lead] * alive[lead]
            )
            bill.outside = True
        return rd_effective, to_households, subsidy

    # ------------------------------------------------------------ results
    def draw(self, t: int, effective: np.ndarray, draws: InnovationDraws) -> Draws | None:
        """The R&D firms' draws in month t (`effective`: their effective R&D): one uniform for
        success, catch-up, overlap chance and overlap each, keyed by (t, the firm, 0-3); a
        quality for each success, keyed by the innovation: (t, its firm)."""
        rules, f, R = self.rules, self.firms.rd_firms, self.firms.R
        # both purposes' (t, firm) bits in one pass: the quality's are kept for the successes
        rd_bits, quality_bits = bits_of((draws.rd, draws.quality), t, f)
        u, catch, u_overlap, overlap = to_uniform(fold(rd_bits, _FOUR))
        p = -np.expm1(-rules.rd_productivity * effective / self.rd_scale[R])
        success = u < p  # exited firms spend nothing, so p = 0
        rate = self.innovation_rate[R]  # a view when R is a slice
        rate += (success - rate) / rules.rd_adaptation_months
        if not isinstance(R, slice):
            self.innovation_rate[R] = rate
        hits = success.nonzero()[0]
        if not len(hits):
            return None
        firms, catch = f[hits], catch[hits]
        q = beta_quantile(*rules.quality_beta, to_uniform(quality_bits[hits]))
        overlap = overlap[hits] * (u_overlap[hits] < rules.overlap_probability)  # else none
        return Draws(firms, q, catch, overlap)

    def raise_niche(
        self, smes: np.ndarray, q: np.ndarray, catch: np.ndarray, cat: np.ndarray
    ) -> np.ndarray:
        """SME innovations raise their niche technology, catching up toward the frontier; the owners
        count as the innovation's own return the labour it saves. Returns the new levels."""
        rules, firms = self.rules, self.firms
        before = firms.tech[smes]
        level = before * (1.0 + rules.sme_tech_step * q)
        level *= np.maximum(firms.frontier[cat] / level, 1.0) ** (rules.catch_up * catch)
        firms.tech[smes] = level
        np.maximum.at(firms.frontier, cat, level)
        saved = 1.0 - (before / level) ** rules.tech_cost_elasticity  # see labour_value
        firms.income[smes] += saved * self.labour_value[smes]
        return level

    # ------------------------------------------------------------ adaptation, entry
    def adapt(self, alive: np.ndarray) -> None:
        """Each quarter SMEs move their R&D intensity toward the target their realized returns give.

        Returns: money the innovations brought (royalties, fees, damages, the sale price) and,
        when an innovation succeeds, the labour it saves over the valuation horizon; both as
        monthly averages smoothed over `rd_adaptation_months`.
        """
        rules, firms = self.rules, self.firms
        step = 3.0 / rules.rd_adaptation_months
        sme, S = firms.smes, firms.S
        self.return_ema[S] += (self.quarter_income[S] / 3.0 - self.return_ema[S]) * step
        self.rd_ema[S] += (self.quarter_cost[S] / 3.0 - self.rd_ema[S]) * step
        self.quarter_income[:] = 0.0
        self.quarter_cost[:] = 0.0
        adaptive = sme[alive[S] & (firms.owner[S] < 0)]
        ratio = self.return_ema[adaptive] / np.maximum(self.rd_ema[adaptive], 1e-12)
        target = SpecializedSME.target_rd_intensity(
            self.rd_base[adaptive], ratio, rules.rd_return_reference, rules.rd_return_elasticity
        )
        self.rd_intensity[adaptive] += (target - self.rd_intensity[adaptive]) * step

    def enter(self, new: np.ndarray, normals: np.ndarray, normal: np.ndarray) -> None:
        """Entrant SMEs draw their base R&D intensity (one keyed normal each) and start fresh."""
        rules = self.rules
        self.rd_base[new] = np.minimum(
            rules.sme_rd_intensity * np.exp(rules.sme_rd_dispersion * normals),
            0.3,
        )
        self.rd_intensity[new] = self.rd_base[new]
        self.rd_ema[new] = self.rd_intensity[new] * normal
        self.return_ema[new] = rules.rd_return_reference * self.rd_ema[new]
        self.set_rd_scale(new)
        self.set_labour_value(new)
        self.innovation_rate[new] = -np.expm1(
            -rules.rd_productivity * self.rd_ema[new] / self.rd_scale[new]
        )
