"""The innovation layer (DESIGN section 3, step 8): R&D, innovations, demand lists, matching, deals.

Each month, after payments and credit:
1. Firms spend on R&D: SMEs a share of revenue that adapts each quarter to what R&D
   returned, leaders a fixed share on their own product line only; a firm short of cash
   and credit cuts R&D. The government pays its levers' shares (R&D subsidy for certified
   SMEs, shared equipment, matching platform, digitalization, joint-project grants). Every
   yuan moves through the finance layer's transfer methods, so balance sheets stay consistent.
2. R&D succeeds with p = 1 - exp(-zeta * effective R&D / scale) and a Beta-distributed
   quality (Dosi et al.'s Keynes+Schumpeter family). Leaders' R&D is less productive per
   yuan. Effective R&D rises with shared equipment, leaders' openness, demand lists reaching
   SMEs (matching), digitalization and joint projects. An SME innovation raises its niche
   technology at once (with catch-up toward the category frontier); a leader's own innovation
   enters its product line after an integration lag when good enough (the rest stay
   defensive patents).
3. SME innovations wait in a pool; at each matchmaking round (quarterly by default) some reach
   a leader that listed their category (需求清单); `matching_efficiency` and the SME's digital
   level set how many. The leaders decide (`ChainLeader.choose_deals`, a random-utility rule):
   license (royalty about 5 % of the relevant sales, paid monthly to the SME), acquire (the
   price goes to the SME's owners, the households; the SME becomes a subsidiary that keeps
   its own books; an overlapping innovation may be shelved: a killer acquisition), imitate
   (the SME gets nothing unless a court awards damages, chance `ip_protection`) or nothing.
   Innovations of an SME in a joint project with a leader are patents shared with it; those
   of a subsidiary go to its owner. Adopted technology raises the leader's level of that
   component up to the SME's level (never beyond what SMEs achieved).
4. Technology in use changes trade: an SME's raises its effective capacity and lowers its
   labour cost per unit; a leader's lowers its labour cost and raises its share of final
   demand (`model.productivity_factor`, `finance.wage_factor`, `model.leader_demand_factor`).
   An SME's digital level raises its efficiency the same way and its inventory turnover: it
   holds a smaller input inventory target (`model.inventory_factor`), so less buffer.
5. Each December SMEs are certified (sim/ecosystem/innovation/certification.py); each January leaders publish
   demand lists, joint projects (揭榜挂帅) start and the guided fund invests.
Values are million yuan at base prices; technology levels are relative (about 1 at the start).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.ecosystem.agents import DEAL_OPTIONS, TIER_NAMES, ChainLeader, DealOffers, SpecializedSME
from sim.ecosystem.innovation.certification import (
    CERTIFIED,
    LITTLE_GIANT,
    CertificationOffice,
    raise_base_weights,
)
from sim.ecosystem.network import LEADER, SME, span
from sim.ecosystem.supply import MarketFlows
from sim.scenario import TechObsolescence

if TYPE_CHECKING:
    from sim.ecosystem.model import EcosystemModel

INNOVATION_SERIES = (
    "innovations",
    "innovations_sme",
    "innovations_leader",
    "rd_spending",
    "rd_spending_sme",
    "rd_spending_leader",
    "rd_intensity_sme",
    "licenses",
    "patent_shares",
    "acquisitions",
    "killer_acquisitions",
    "imitations",
    "commercialized",
    "royalties",
    "pending_innovations",
    "tech_index",
    "tech_sme",
    "tech_leader",
    "digital_sme",
    "certified_smes",
    "little_giants",
    "joint_projects",
)
TECH_DEALS = ("license", "patent_share", "acquisition", "imitation")
DEAL_TYPES = (*TECH_DEALS, "joint_project", "fund_investment")
DEAL_COLUMNS = {
    "step": np.int32,
    "type": object,  # license, patent_share, acquisition, imitation; joint_project, fund_investment
    "leader": np.int32,  # -1 for the guided fund
    "sme": np.int32,
    "value": np.float64,  # expected royalties, price, fee or grant (million yuan)
    "overlap": np.float64,
    "shelved": bool,
    "category": np.int32,
    "quality": np.float64,
    "innovation": np.int32,  # -1 when the deal is not about one innovation
    "lag": np.float64,  # months from the innovation to the deal
}


def _sum(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """x.sum(axis), bit for bit, without the Python-level wrapper of ndarray.sum (the monthly path
    sums small arrays often)."""
    return np.add.reduce(x, axis=axis)


def _some(mask: np.ndarray) -> bool:
    """mask.any(), cheaper on small arrays (count_nonzero skips the reduction machinery); the
    monthly path asks it often."""
    return np.count_nonzero(mask) > 0


def _cube(x: np.ndarray) -> np.ndarray:
    """x**3, bit for bit, computing the power only where x != 1 (most firms are not squeezed)."""
    out = np.ones(len(x))
    off = x != 1.0
    out[off] = x[off] ** 3
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """A 1-D dot product without BLAS threads (they cost more than they save on a busy small machine)."""
    return float(_sum(np.multiply(a, b)))


def _join(chunks: list[tuple]) -> list[Any]:
    """Chunks of equal-length columns joined column by column. A single value stands for all the
    rows of its chunk; a column whose chunks all hold the same single value stays that value."""
    columns: list[Any] = []
    for values in zip(*chunks, strict=True):
        first = values[0]
        if len(values) == 1 or (
            type(first) is not np.ndarray
            and all(type(v) is not np.ndarray and v == first for v in values)
        ):
            columns.append(first)
            continue
        sizes = [len(chunk[0]) for chunk in chunks]
        if not any(type(v) is np.ndarray for v in values):  # single values only
            columns.append(np.repeat(values, sizes))
            continue
        parts = [
            v if type(v) is np.ndarray else np.full(k, v)
            for v, k in zip(values, sizes, strict=True)
        ]
        columns.append(np.concatenate(parts))
    return columns


def _rows(chunk: tuple, keep: np.ndarray | np.bool_) -> tuple:
    """The rows of a chunk where `keep` holds (one value for a single-valued column)."""
    if type(keep) is not np.ndarray:
        keep = np.full(len(chunk[0]), keep)
    return tuple(c[keep] if type(c) is np.ndarray else c for c in chunk)


class Table:
    """Columns of equal length in preallocated arrays, appended to and filtered in bulk
    (pending innovations, licences, arrivals): a few rows change each month."""

    def __init__(self, **dtypes: Any) -> None:
        self.n = 0
        self.capacity = 64
        self.cols = {k: np.zeros(self.capacity, dtype=d) for k, d in dtypes.items()}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        """The column's rows (a view: assigning into it changes the table)."""
        return self.cols[name][: self.n]

    def append(self, **values: Any) -> None:
        """Append rows; a scalar value is repeated over them."""
        m = 1
        for v in values.values():
            if type(v) is np.ndarray:
                m = len(v)
                break
        if not m:
            return
        n = self.n
        if n + m > self.capacity:
            self.capacity = 2 * (n + m)
            for k, c in self.cols.items():
                grown = np.zeros(self.capacity, dtype=c.dtype)
                grown[:n] = c[:n]
                self.cols[k] = grown
        for k, c in self.cols.items():
            c[n : n + m] = values[k]
        self.n = n + m

    def drop(self, mask: np.ndarray) -> None:
        """Remove the rows where `mask` is true (cheap when there are none)."""
        if self.n and _some(mask):
            self.keep(~mask)

    def keep(self, mask: np.ndarray) -> None:
        idx = mask.nonzero()[0]
        if len(idx) == self.n:
            return
        for c in self.cols.values():
            c[: len(idx)] = c[idx]
        self.n = len(idx)

    def drop_first(self, k: int) -> None:
        """Remove the first k rows (tables kept in order of expiry lose a prefix)."""
        if k:
            n = self.n
            for c in self.cols.values():
                c[: n - k] = c[k:n]
            self.n = n - k


@dataclass
class RunningProjects:
    """SMEs in a running joint project and what their grants pay, valid until month `until`."""

    members: np.ndarray
    grant: np.ndarray  # monthly grant of each
    public_grant: np.ndarray  # the part the government pays
    payers: np.ndarray  # members of a market (leader-paid) project with a grant
    sponsors: np.ndarray  # their leaders
    private_grant: np.ndarray
    until: int  # the first month one of them ends

    @staticmethod
    def of(layer: InnovationLayer, members: np.ndarray) -> RunningProjects:
        """The projects of `members` (SMEs whose project runs this month)."""
        grant = layer.project_grant[members]
        public = layer.project_public[members]
        private = ~public & (grant != 0.0)
        payers = members[private]
        return RunningProjects(
            members=members,
            grant=grant,
            public_grant=grant * public,
            payers=payers,
            sponsors=layer.project_leader[payers],
            private_grant=grant[private],
            until=int(layer.project_until[members].min()),
        )

    @staticmethod
    def none() -> RunningProjects:
        empty = np.zeros(0, dtype=np.int64)
        return RunningProjects(empty, empty, empty, empty, empty, empty, until=1 << 62)


class Registry:
    """Every innovation: who made it, when, and when (if ever) it was commercialized."""

    def __init__(self) -> None:
        self.n = 0
        self.born = np.zeros(1024, dtype=np.int64)
        self.firm = np.zeros(1024, dtype=np.int64)
        self.commercialized_at = np.full(1024, -1, dtype=np.int64)

    def add(self, t: int, firms: np.ndarray) -> np.ndarray:
        k = len(firms)
        while self.n + k > len(self.born):
            grow = len(self.born)
            self.born = np.concatenate([self.born, np.zeros(grow, dtype=np.int64)])
            self.firm = np.concatenate([self.firm, np.zeros(grow, dtype=np.int64)])
            self.commercialized_at = np.concatenate(
                [self.commercialized_at, np.full(grow, -1, dtype=np.int64)]
            )
        new = slice(self.n, self.n + k)
        self.born[new] = t
        self.firm[new] = firms
        self.n += k
        return np.arange(new.start, new.stop)


class InnovationLayer:
    """Technology, R&D, innovations and deals of every firm, vectorized over numpy arrays."""

    def __init__(self, model: EcosystemModel) -> None:
        self.model = model
        scn = model.scenario
        self.rules = rules = scn.innovation
        self.policy = scn.policy
        net, fin = model.network, model.finance
        n = net.n_firms
        self.n_leaders = n_l = scn.ecosystem.n_leaders
        self.n_categories = n_c = net.n_components
        self.is_sme = net.kind == SME
        self.is_leader = net.kind == LEADER
        self.smes = np.flatnonzero(self.is_sme)
        self.does_rd = self.is_sme | self.is_leader
        self.rd_firms = np.flatnonzero(self.does_rd)
        # leaders come first, then SMEs: slices index them without copying (hot monthly paths)
        self.S = span(self.smes)
        self.R = span(self.rd_firms)
        self.S_in_R = span(np.searchsorted(self.rd_firms, self.smes))  # SMEs among the R&D firms
        root = model.seed_seq
        self._root = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0x1A0))
        start = self._rng(-1, 0)
        self._bits = np.random.PCG64(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0x1A1))
        )
        self._bits_start = self._bits.state
        self._month_generator = np.random.Generator(self._bits)

        # technology: thin, heterogeneous stocks for SMEs; 1 for leaders' lines
        self.tech = np.ones(n)
        self.tech[self.smes] = np.exp(0.05 * start.standard_normal(len(self.smes)))
        self.tech0 = self.tech.copy()
        self.frontier = np.zeros(n_c)
        np.maximum.at(self.frontier, net.product[self.smes], self.tech[self.smes])
        a, b = rules.digital_start
        self.digital = np.ones(n)
        self.digital[self.smes] = start.beta(a, b, len(self.smes))
        self.digital0 = self.digital.copy()
        # R&D: SMEs' intensity adapts to realized returns, leaders' is fixed
        self.rd_base = np.zeros(n)
        self.rd_base[self.smes] = np.minimum(
            rules.sme_rd_intensity
            * np.exp(rules.sme_rd_dispersion * start.standard_normal(len(self.smes))),
            0.3,
        )
        self.rd_intensity = self.rd_base.copy()
        self.rd_intensity[self.is_leader] = rules.leader_rd_intensity
        normal = fin.state.normal_revenue
        typical = float(np.median(normal[self.smes])) if len(self.smes) else 0.0
        self.typical_sme_revenue = typical if typical > 0 else 1.0
        self.rd_scale = np.ones(n)  # R&D an innovation takes grows with the firm's scale
        self._set_rd_scale(self.rd_firms)
        self.rd_ema = self.rd_intensity * normal
        self.return_ema = rules.rd_return_reference * self.rd_ema
        # innovations per month, smoothed (for acquirers' valuation of an SME's pipeline)
        self.innovation_rate = -np.expm1(-rules.rd_productivity * self.rd_ema / self.rd_scale)
        self.tier = np.zeros(n, dtype=np.int8)
        self.owner = np.full(n, -1, dtype=np.int64)
        self.killed = np.zeros(n, dtype=bool)  # subsidiaries whose research the owner stopped
        self.earmarked = np.zeros(n)  # guided-fund money still to spend on R&D
        self.earmark_rate = np.zeros(n)
        self.project_leader = np.full(n, -1, dtype=np.int64)
        self.project_category = np.full(n, -1, dtype=np.int64)
        self.project_until = np.zeros(n, dtype=np.int64)
        self.project_grant = np.zeros(n)
        self.project_public = np.zeros(n, dtype=bool)

        # leaders' products: value share of each component category in the leader's price
        self.weight = np.zeros((n_l, n_c))
        slots = np.flatnonzero((net.kind[net.slot_firm] == LEADER) & (net.slot_product < n_c))
        buyer, product = net.slot_firm[slots], net.slot_product[slots]
        np.add.at(
            self.weight,
            (buyer, product),
            model.product_price[product] * net.slot_coef[slots] / model.price[buyer],
        )
        # a leader's monthly profit gain per unit relative rise of its product technology, share of
        # revenue: labour saved (tech_cost_elasticity) + margin on the demand won (leader_demand_elasticity)
        prod, fcfg = scn.production, scn.finance
        labour = fcfg.labor_share * prod.value_added_share_leader
        margin = prod.value_added_share_leader - (1.0 - prod.fixed_labor_share) * labour
        self.kappa = rules.tech_cost_elasticity * labour + rules.leader_demand_elasticity * margin
        self.leader_revenue = normal[:n_l].copy()  # smoothed, for valuations and demand lists
        self.listed = np.zeros((n_l, n_c), dtype=bool)
        self.reward = np.zeros((n_l, n_c))
        self._listers = (np.zeros(0, dtype=np.int64), np.zeros(n_c + 1, dtype=np.int64))
        self._needs: tuple[np.ndarray, np.ndarray] | None = None
        self.all_firms = np.arange(n)
        # effective-R&D multipliers that do not change: leaders' inertia, leaders' openness for SMEs
        self.rd_boost = np.where(
            self.is_sme,
            (1.0 + rules.openness_rd_gain * scn.policy.leader_openness)
            * (1.0 + rules.demand_direction_gain * scn.policy.matching_efficiency),
            rules.leader_rd_productivity,
        )
        self.rd_boost[~(self.is_sme | self.is_leader)] = 0.0
        self.digital_cost = rules.digital_cost_months * normal  # of full digitalization
        # what a unit relative saving of labour is worth to an SME's owners
        self.labour_value = np.zeros(n)
        self._set_labour_value(self.smes)
        self.digital_boost = 1.0 + rules.digital_rd_gain * self.digital[self.S]
        self._digital_stale = True  # digital levels moved since the trade factors were last set
        self._digital_sme: float | None = None  # mean digital level of living SMEs, when known
        self._living_smes = int(np.count_nonzero(fin.state.alive[self.S]))
        self.projects_end = 0  # month the last joint project ends
        self._project_members = np.zeros(0, dtype=np.int64)  # SMEs whose project may still run
        self._running: RunningProjects | None = None  # see _running_projects
        # innovation income and net R&D cost since the last adaptation of R&D intensities
        self._quarter_income = np.zeros(n)
        self._quarter_cost = np.zeros(n)
        self._quarter_sales = np.zeros(n_l)  # leaders' sales since the last royalty settlement
        # supply links leader <- SME as sorted keys, and the link array they were built from
        self._keys_of: np.ndarray | None = None
        self._keys = np.zeros(0, dtype=np.int64)

        # leaders' technology: of each component in their product (bounded by what SMEs achieved) and
        # of their own line; product technology = own line x prod(component ** value weight)
        self.log_component = np.zeros((n_l, n_c))
        self.own_line = np.ones(n_l)

        self.pool = Table(
            id=np.int64,
            sme=np.int64,
            category=np.int64,
            quality=float,
            level=float,
            overlap=float,
            born=np.int64,
            declined=np.uint64,
        )
        self.licences = Table(id=np.int64, leader=np.int64, sme=np.int64, coef=float, end=np.int64)
        # technology on its way into leaders' products, by the month it arrives: chunks of
        # (innovation ids, leaders, categories, levels, share) in the order they were scheduled
        self.arriving: dict[int, list[tuple]] = {}
        self.damages = Table(leader=np.int64, sme=np.int64, amount=float, due=np.int64)
        # leaders that declined a pending innovation: a bit mask in the pool when there are at most 64
        # leaders (vectorized), else a set of (innovation, leader) pairs
        self.declined_bits = n_l <= 64
        self.rejected: set[tuple[int, int]] = set()
        self.registry = Registry()
        self.deals: list[tuple] = []  # chunks of deal columns, one tuple per _record call
        self.deal_counts = dict.fromkeys((*DEAL_TYPES, "killer_acquisition"), 0.0)
        self.certification = CertificationOffice(self)
        # budget not yet spent on a whole ticket or project, carried to the next year
        self.carry = {"fund": 0.0, "projects": 0.0}
        self.alive_before = fin.state.alive.copy()
        self.totals = dict.fromkeys(
            ("rd_sme", "rd_leader", "innovations_sme", "innovations_leader", "royalties"), 0.0
        )
        self.tech_index_start = self._tech_index(normal)
        self.obsolescence = self._resolve_obsolescence(scn.shocks)
        self._income = np.zeros(n)
        self.series: dict[str, float] = dict.fromkeys(INNOVATION_SERIES, 0.0)

    def _leader_tech(self) -> None:
        """A leader's product technology: own line x prod over components of level ** value weight
        (all leaders at once: cheaper than picking the few whose technology changed)."""
        lead = slice(0, self.n_leaders)
        self.tech[lead] = self.own_line * np.exp(_sum(self.log_component * self.weight, axis=1))

    def _running_projects(self, t: int, alive: np.ndarray) -> RunningProjects | None:
        """The joint projects running this month (None: none), kept until one ends; starting projects
        and a member or leader entering or exiting clear it."""
        running = self._running
        if running is None or t >= running.until:
            members = self._project_members if t < self.projects_end else self._project_members[:0]
            members = members[(self.project_until[members] > t) & alive[members]]
            if not len(members):
                self._running = RunningProjects.none()  # until projects start or firms change
                return None
            running = self._running = RunningProjects.of(self, members)
        return running if len(running.members) else None

    def _digital_changed(self) -> None:
        """Digital levels moved (quarterly investment, entrants): refresh what depends on them."""
        self.digital_boost = 1.0 + self.rules.digital_rd_gain * self.digital[self.S]
        self._digital_stale = True
        self._digital_sme = None

    def trade_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Each firm's trade receivables and payables: the finance layer's trade_positions, with a
        row sum over the due-month buckets by einsum (faster)."""
        net, st = self.model.network, self.model.finance.state
        owed = net.link_state["owed_seller"]
        per_link = np.einsum("ij->i", owed)
        n = net.n_firms
        receivables = np.bincount(net.link_seller, weights=per_link, minlength=n)
        payables = np.bincount(net.slot_firm[net.link_slot], weights=per_link, minlength=n)
        payables += np.einsum("ij->i", st.owed_bank)
        return receivables, payables

    def net_worth(self) -> np.ndarray:
        """Each firm's book equity: cash + trade receivables - payables - bank debt."""
        st = self.model.finance.state
        receivables, payables = self.trade_positions()
        return st.cash + receivables - payables - st.debt

    def _set_labour_value(self, firms: np.ndarray) -> None:
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

    def _set_rd_scale(self, firms: np.ndarray) -> None:
        normal = self.model.finance.state.normal_revenue[firms]
        self.rd_scale[firms] = (
            np.maximum(normal, 1e-12) / self.typical_sme_revenue
        ) ** self.rules.rd_scale_elasticity

    # ------------------------------------------------------------ random numbers
    def _rng(self, t: int, purpose: int) -> np.random.Generator:
        """A generator of its own for rare draws: the start (t = -1), yearly decisions (2), entrants
        (3), shock targets (t = -2). The shocked run and its counterfactual share them."""
        root = self._root
        return np.random.default_rng(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, t + 1, purpose))
        )

    def _month_stream(self, t: int) -> np.random.Generator:
        """The month's generator: one bit generator jumped to month t's own stretch (cheaper than
        seeding a new one each month; the same numbers for the same month in every run of a seed)."""
        self._bits.state = self._bits_start
        self._bits.advance((t + 1) << 80)
        return self._month_generator

    def _resolve_obsolescence(self, shocks: list) -> list[tuple[TechObsolescence, np.ndarray]]:
        """Categories hit by each tech_obsolescence shock, drawn from a stream of their own."""
        out = []
        for i, s in enumerate(shocks):
            if isinstance(s, TechObsolescence):
                if s.categories == "random":
                    cats = self._rng(-2, 100 + i).choice(self.n_categories, s.count, replace=False)
                else:
                    cats = np.asarray(s.categories, dtype=np.int64)
                out.append((s, np.sort(cats)))
        return out

    # ------------------------------------------------------------ the month
    def step(self, t: int, flows: MarketFlows) -> None:
        model, fin = self.model, self.model.finance
        alive = fin.state.alive
        changed = alive != self.alive_before
        entry_or_exit = _some(changed)
        if entry_or_exit:
            self._entries_and_exits(t, alive, changed)
            if _some(changed[self._project_members]) or _some(changed[: self.n_leaders]):
                self._running = None  # members left, or a failed leader's projects ended
            if _some(changed[self.S]):
                self._living_smes = int(np.count_nonzero(alive[self.S]))
                self._digital_sme = None
        for shock, cats in self.obsolescence:
            if shock.start == t:
                self._obsolete(shock, cats)
        revenue = model.price * flows.output
        self.leader_revenue += (revenue[: self.n_leaders] - self.leader_revenue) / 12.0
        if t % 12 == 0:
            self._new_year(t, alive)
        self._income[:] = 0.0
        # the month's random numbers: fixed-size draws first (R&D), then state-dependent ones
        self._month_rng = self._month_stream(t)
        month = dict.fromkeys(INNOVATION_SERIES, 0.0)
        rd_own, net_cost, effective = self._spend_on_rd(t, revenue, alive, month)
        new = self._innovate(t, effective, alive, month)
        if t % self.rules.match_every_months == self.rules.match_every_months - 1:
            self._match_and_decide(t, alive, month)
        self._add_to_pool(t, new)
        self._quarter_sales += revenue[: self.n_leaders]
        if t % 3 == 2:  # royalties are settled quarterly
            self._pay_royalties_and_damages(t, self._quarter_sales, alive, month)
            self._quarter_sales[:] = 0.0
        self._arrive(t, alive, month)
        self._quarter_income += self._income
        self._quarter_cost += net_cost
        if t % 3 == 2:
            self._adapt_rd(alive)
        self._set_trade_factors()
        self.certification.record_month(revenue, rd_own, fin.dividends)
        if t % 12 == 11:
            self.certification.review(t)
        if entry_or_exit:
            self.alive_before = alive.copy()
        self._month_series(revenue, rd_own, alive, month)

    # ------------------------------------------------------------ 1. R&D spending
    def _spend_on_rd(
        self, t: int, revenue: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pay for R&D and the levers; return own R&D, its net cost to the firm, and effective R&D.

        A lever that is off costs no arithmetic: most of a baseline month is the R&D itself.
        """
        rules, pol, fin = self.rules, self.policy, self.model.finance
        n, R = len(revenue), self.R
        # a firm short of cash and credit cuts R&D with production, more than in proportion (资金短缺)
        # (a firm that failed this month pays none); only leaders and SMEs do R&D
        rd_own = np.zeros(n)
        rd_own[R] = self.rd_intensity[R] * revenue[R] * _cube(self.model.liquidity[R]) * alive[R]
        rd = rd_own
        to_outside = np.zeros(n)
        government = np.zeros(n)
        boost = self.rd_boost.copy()
        if _some(self.earmarked):  # guided-fund money
            earmark = np.minimum(self.earmarked, self.earmark_rate) * alive
            self.earmarked -= earmark
            rd = rd + earmark
        projects = self._running_projects(t, alive)
        if projects is not None:  # joint projects' grants go to R&D (the few SMEs in one)
            members, grant = projects.members, projects.grant
            rd = rd.copy() if rd is rd_own else rd
            rd[members] += grant
            government[members] += projects.public_grant
            if len(projects.payers):
                fin.pay_between_firms(projects.sponsors, projects.payers, projects.private_grant)
            boost[members] *= 1.0 + rules.consortium_rd_gain
        to_households = rd
        if pol.shared_equipment > 0:  # the government pays part of the equipment SMEs use
            e = rules.equipment_share * pol.shared_equipment
            equipment = np.where(self.is_sme & alive, rd * e / (1.0 - e), 0.0)
            government += equipment
            to_outside += equipment
            rd_effective = rd + equipment
        else:
            rd_effective = rd
        subsidy = 0.0
        if pol.rd_subsidy_rate > 0:
            subsidy = pol.rd_subsidy_rate * rd_own * (self.tier >= CERTIFIED)
            government += subsidy
        if pol.matching_efficiency > 0:  # the platform's cost per SME served
            platform = pol.matching_efficiency * rules.platform_fee * (self.is_sme & alive)
            government += platform
            to_households = to_households + platform
        outside = False  # whether any firm pays the outside economy this month
        if t % 3 == 0:  # digital investment, a quarter at a time
            speed = rules.digital_adoption * (
                1.0 + rules.digital_subsidy_uptake * pol.digital_subsidy
            )
            digital_step = (1.0 - (1.0 - speed) ** 3) * (1.0 - self.digital) * (self.is_sme & alive)
            digital_cost = digital_step * self.digital_cost
            self.digital += digital_step
            self._digital_changed()
            to_outside += digital_cost
            outside = True
            if pol.digital_subsidy > 0:
                government += pol.digital_subsidy * digital_cost
        boost[self.S] *= self.digital_boost
        if pol.leader_openness > 0:  # leaders bear the cost of opening their resources
            lead = slice(0, self.n_leaders)
            to_outside[lead] += (
                pol.leader_openness * rules.openness_cost * revenue[lead] * alive[lead]
            )
            outside = True
        if _some(government):  # amounts one per firm (firms None)
            fin.government_pays(None, government)
        fin.pay_to_sector(None, to_households, "households")  # R&D staff, platform staff
        if outside or pol.shared_equipment > 0:  # equipment, digital systems, opening costs
            fin.pay_to_sector(None, to_outside, "outside")
        rd_sme = float(_sum(rd[self.S]))
        rd_leader = float(_sum(rd[: self.n_leaders]))
        month["rd_spending_sme"] = rd_sme
        month["rd_spending_leader"] = rd_leader
        month["rd_spending"] = rd_sme + rd_leader
        self.totals["rd_sme"] += rd_sme
        self.totals["rd_leader"] += rd_leader
        # effective R&D of the R&D firms only (what _innovate draws on)
        net_cost = rd_own if pol.rd_subsidy_rate <= 0 else rd_own - subsidy
        return rd_own, net_cost, rd_effective[R] * boost[R]

    # ------------------------------------------------------------ 2. innovations
    def _innovate(
        self, t: int, effective: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> dict[str, np.ndarray]:
        """R&D draws of the R&D firms (`effective`: their effective R&D); returns the SME
        innovations that go to the pool."""
        rules, net = self.rules, self.model.network
        f, R = self.rd_firms, self.R
        rng = self._month_rng
        u, catch, u_overlap, overlap = rng.random((4, len(f)))
        p = -np.expm1(-rules.rd_productivity * effective / self.rd_scale[R])
        success = u < p  # exited firms spend nothing, so p = 0
        rate = self.innovation_rate[R]  # a view when R is a slice
        rate += (success - rate) / rules.rd_adaptation_months
        if not isinstance(R, slice):
            self.innovation_rate[R] = rate
        hits = success.nonzero()[0]
        if not len(hits):
            return {}
        firms, catch = f[hits], catch[hits]
        q = rng.beta(*rules.quality_beta, len(firms))
        overlap = overlap[hits] * (u_overlap[hits] < rules.overlap_probability)  # else none
        ids = self.registry.add(t, firms)
        self.certification.count_innovations(firms, t)
        # leaders are the firms numbered below n_leaders: their innovations come first
        n_lead = int(firms.searchsorted(self.n_leaders))
        month["innovations_leader"] = float(n_lead)
        month["innovations_sme"] = float(len(firms) - n_lead)
        month["innovations"] = float(len(firms))
        self.totals["innovations_leader"] += month["innovations_leader"]
        self.totals["innovations_sme"] += month["innovations_sme"]

        # a leader's own innovation enters its product line when good enough
        if n_lead:
            adopt = (q[:n_lead] >= rules.leader_adoption_hurdle).nonzero()[0]
            if len(adopt):
                self._schedule(
                    ids[adopt],
                    firms[adopt],
                    -1,
                    1.0 + rules.leader_tech_step * q[adopt],
                    1.0,
                    t + rules.integration_months,
                )
        # an SME innovation raises its niche technology, catching up toward the frontier
        s = slice(n_lead, None)
        smes, q, ids, catch, overlap = firms[s], q[s], ids[s], catch[s], overlap[s]
        if not len(smes):
            return {}
        cat = net.product[smes]
        before = self.tech[smes]
        level = before * (1.0 + rules.sme_tech_step * q)
        level *= np.maximum(self.frontier[cat] / level, 1.0) ** (rules.catch_up * catch)
        self.tech[smes] = level
        np.maximum.at(self.frontier, cat, level)
        # the owners count as this innovation's own return the labour it saves (see labour_value)
        saved = 1.0 - (before / level) ** rules.tech_cost_elasticity
        self._income[smes] += saved * self.labour_value[smes]

        # where the innovation goes: its owner, its joint-project leader, or the pool
        owner = self.owner[smes]
        independent = owner < 0
        if np.count_nonzero(independent) < len(smes):  # some are subsidiaries
            internal = ~independent & ~self.killed[smes]
            if _some(internal):
                self._schedule(
                    ids[internal],
                    owner[internal],
                    cat[internal],
                    level[internal],
                    1.0,
                    t + rules.integration_months,
                )
        new = independent
        if t < self.projects_end:
            project = (
                independent & (self.project_until[smes] > t) & (self.project_category[smes] == cat)
            )
            if _some(project):
                self._share_patents(
                    t,
                    ids[project],
                    smes[project],
                    cat[project],
                    q[project],
                    level[project],
                    overlap[project],
                    month,
                )
                new = independent & ~project
        return {
            "id": ids[new],
            "sme": smes[new],
            "category": cat[new],
            "quality": q[new],
            "level": level[new],
            "overlap": overlap[new],
        }

    def _add_to_pool(self, t: int, new: dict[str, np.ndarray]) -> None:
        if new and len(new["id"]):
            self.pool.append(**new, born=t, declined=0)

    def _schedule(self, ids, leaders, categories, levels, share, due) -> None:
        """Technology that enters leaders' products after a lag: a component level (category >= 0),
        reached in `share` of the log gap, or a multiplier of the own line (category -1). Any of
        leaders, categories and share may be one value for all the ids."""
        self.arriving.setdefault(due, []).append((ids, leaders, categories, levels, share))

    def _weight_of(self, leaders: np.ndarray, categories: np.ndarray) -> np.ndarray:
        """weight[leaders, categories] through the flat array (a cheaper kind of fancy indexing)."""
        return self.weight.ravel()[leaders * self.n_categories + categories]

    def improvement(
        self, leaders: np.ndarray, categories: np.ndarray, levels: np.ndarray
    ) -> np.ndarray:
        """Log rise of a leader's component technology if it took up `levels` (0 when it is ahead)."""
        current = self.log_component.ravel()[leaders * self.n_categories + categories]
        return np.maximum(np.log(levels) - current, 0.0)

    # ------------------------------------------------------------ 3. matching and deals
    def demand_lists(self) -> None:
        """Leaders publish their demand lists (需求清单); index the leaders listing each category."""
        if self._needs is None:  # (leader, category) where the category is in the leader's product
            self._needs = np.nonzero(self.weight)
        lead, cat = self._needs
        self.listed[lead, cat] = False  # nothing else is ever listed
        self.reward[lead, cat] = 0.0
        # every living leader publishes its list (ChainLeader.publish_demand_list)
        living = self.model.finance.state.alive[lead]
        lead, cat = lead[living], cat[living]
        self.listed[lead, cat] = True
        self.reward[lead, cat] = ChainLeader.demand_list_rewards(
            self.weight[lead, cat], self.leader_revenue[lead], self.rules
        )
        by_category = np.lexsort((lead, cat))
        self._listers = (
            lead[by_category].astype(np.int64),
            np.searchsorted(cat[by_category], np.arange(self.n_categories + 1)),
        )

    def _match_and_decide(self, t: int, alive: np.ndarray, month: dict[str, float]) -> None:
        """Pending innovations reach a leader listing their category; that leader decides."""
        pool, rules, pol = self.pool, self.rules, self.policy
        if not len(pool):
            return
        expired = int(pool["born"].searchsorted(t - rules.shelf_life_months, side="right"))
        pool.drop_first(expired)  # rows are in order of birth: the expired ones are a prefix
        n_pool = len(pool)
        if not n_pool:
            return
        rng = self._month_rng
        u_pick, u_hit = rng.random((2, n_pool))
        cat, sme = pool["category"], pool["sme"]
        leaders_flat, start = self._listers
        n_list = start[cat + 1] - start[cat]
        listed = n_list > 0
        leader = np.full(n_pool, -1, dtype=np.int64)
        pick = start[cat[listed]] + np.minimum(
            (u_pick[listed] * n_list[listed]).astype(np.int64), n_list[listed] - 1
        )
        leader[listed] = leaders_flat[pick]
        base = (
            rules.match_rate
            * (1.0 + rules.match_gain * pol.matching_efficiency)
            * (1.0 + rules.digital_rd_gain * self.digital[sme])
            / (1.0 + rules.digital_rd_gain)
        )
        # thinning: test against the largest hazard, then check the supplier bonus for those few
        base *= rules.match_every_months  # hazard over the months since the last round
        hit = listed & (u_hit < -np.expm1(-base * (1.0 + rules.supplier_match_bonus)))
        hit &= alive[np.maximum(leader, 0)]
        rows = hit.nonzero()[0]
        if len(rows):
            supplies = self._supplies(sme[rows], leader[rows])
            keep = u_hit[rows] < -np.expm1(
                -base[rows] * (1.0 + rules.supplier_match_bonus * supplies)
            )
            rows = rows[keep]
        if len(rows) and self.declined_bits:
            mask = np.left_shift(np.uint64(1), leader[rows].astype(np.uint64))
            rows = rows[(pool["declined"][rows] & mask) == 0]
        elif len(rows) and self.rejected:
            rows = rows[
                [
                    (int(i), int(lead)) not in self.rejected
                    for i, lead in zip(pool["id"][rows], leader[rows], strict=True)
                ]
            ]
        if len(rows):
            self._decide(t, rows, leader[rows], rng, month)

    def _supplies(self, smes: np.ndarray, leaders: np.ndarray) -> np.ndarray:
        """Whether each SME already sells to the leader (sorted keys, rebuilt when links change)."""
        net = self.model.network
        if self._keys_of is not net.link_seller:
            links = net.links_of_buyer_kind[LEADER]
            self._keys = np.sort(
                net.link_seller[links] * self.n_leaders + net.slot_firm[net.link_slot[links]]
            )
            self._keys_of = net.link_seller
        if not len(self._keys):
            return np.zeros(len(smes), dtype=bool)
        query = smes * self.n_leaders + leaders
        pos = np.minimum(self._keys.searchsorted(query), len(self._keys) - 1)
        return self._keys[pos] == query

    def _decide(
        self,
        t: int,
        rows: np.ndarray,
        leaders: np.ndarray,
        rng: np.random.Generator,
        month: dict[str, float],
    ) -> None:
        """The leaders reached decide (vectorized rule); acquisitions are then carried out one by one."""
        rules, pol, fin, pool = self.rules, self.policy, self.model.finance, self.pool
        st = fin.state
        ids, smes, cats = pool["id"][rows], pool["sme"][rows], pool["category"][rows]
        levels, overlap, born = pool["level"][rows], pool["overlap"][rows], pool["born"][rows]
        relevant = self.leader_revenue[leaders] * self._weight_of(leaders, cats)
        royalty = rules.royalty_rate * rules.licence_scope * relevant
        # an acquirer looks at the SME's equity in its last annual accounts
        book = np.maximum(self.certification.net_worth_start[smes], 0.0)
        price = (1.0 + rules.acquisition_premium) * (book + royalty * rules.licence_months)
        limit = fin.credit_limit(t)  # acquisitions below change no leader's credit line
        room = (st.cash + np.maximum(limit - st.debt, 0.0))[leaders]
        review = pol.antitrust_review
        can_acquire = (self.project_until[smes] <= t) & (room >= price)
        if review > 0:  # the merger review blocks close overlaps and forbids shelving some
            can_acquire &= ~(overlap >= 1.0 - review / 2.0)
            conditioned = overlap >= 1.0 - review
        else:
            conditioned = np.zeros(len(rows), dtype=bool)
        offers = DealOffers(
            leader=leaders,
            sme=smes,
            gain=self.kappa * relevant * self.improvement(leaders, cats, levels),
            royalty=royalty,
            cannibalization=overlap * rules.cannibalization * relevant,
            book_value=book,
            pipeline=rules.pipeline_weight * self.innovation_rate[smes] * rules.value_horizon,
            can_acquire=can_acquire,
            conditioned=conditioned,
            taste=rng.gumbel(0.0, rules.decision_noise, (len(rows), len(DEAL_OPTIONS))),
        )
        liable = rng.random(len(rows)) < pol.ip_protection
        choice = ChainLeader.choose_deals(offers, rules, pol.ip_protection)
        none, lic, acq, imi = (choice == k for k in range(len(DEAL_OPTIONS)))
        lag = (t - born).astype(float)
        quality = pool["quality"][rows]

        def record(kind: str, k: Any, value: Any, shelved: Any = False) -> None:
            """Log the deals struck on offer row(s) k."""
            self._record(
                t,
                kind,
                leaders[k],
                smes[k],
                value,
                overlap[k],
                shelved,
                cats[k],
                quality[k],
                ids[k],
                lag[k],
            )

        done = np.zeros(len(pool), dtype=bool)
        shelves = ChainLeader.shelves(offers) if _some(acq) else None
        for k in acq.nonzero()[0]:  # rare: ownership and cash change as they happen
            s, lead = int(smes[k]), int(leaders[k])
            if (
                self.owner[s] >= 0
                or st.cash[lead] + max(limit[lead] - st.debt[lead], 0.0) < price[k]
            ):
                acq[k] = False
                continue
            done |= self._acquire(
                t,
                lead,
                s,
                int(ids[k]),
                int(cats[k]),
                float(levels[k]),
                float(price[k]),
                bool(shelves[k]),
            )
            record("acquisition", k, price[k], shelves[k])
            month["acquisitions"] += 1
            month["killer_acquisitions"] += float(shelves[k])
        if _some(acq):
            # the SME was acquired in this round: its patents moved to the acquirer
            moved = (self.owner[smes] >= 0) & ~acq
            lic &= ~moved
            imi &= ~moved
        if _some(lic):
            k = lic.nonzero()[0]
            self.licences.append(
                id=ids[k],
                leader=leaders[k],
                sme=smes[k],
                coef=rules.royalty_rate
                * rules.licence_scope
                * self._weight_of(leaders[k], cats[k]),
                end=t + rules.licence_months,
            )
            self._schedule(
                ids[k], leaders[k], cats[k], levels[k], 1.0, t + rules.integration_months
            )
            record("license", k, royalty[k] * rules.licence_months)
            month["licenses"] += float(len(k))
        if _some(imi):
            k = imi.nonzero()[0]
            self._schedule(
                ids[k],
                leaders[k],
                cats[k],
                levels[k],
                1.0 - rules.imitation_quality_loss,
                t + rules.imitation_months,
            )
            sued = k[liable[k]]
            if len(sued):
                self.damages.append(
                    leader=leaders[sued],
                    sme=smes[sued],
                    amount=rules.infringement_damages * royalty[sued] * rules.licence_months,
                    due=t + rules.litigation_months,
                )
            record("imitation", k, 0.0)
            month["imitations"] += float(len(k))
        if self.declined_bits:
            declined = pool["declined"]
            declined[rows[none]] |= np.left_shift(np.uint64(1), leaders[none].astype(np.uint64))
        else:
            self.rejected.update(zip(ids[none].tolist(), leaders[none].tolist(), strict=True))
        done[rows[lic | imi | acq]] = True
        pool.keep(~done)

    def _acquire(
        self,
        t: int,
        lead: int,
        sme: int,
        inv: int,
        cat: int,
        level: float,
        price: float,
        shelved: bool,
    ) -> np.ndarray:
        """The leader pays the SME's owners (households); the SME becomes its subsidiary.

        Its cash, debt and trade credit stay on its own books; its pending patents go to
        the new owner, who shelves them with the innovation (the project is stopped) or puts
        them into use. Returns the pool rows that leave the pool.
        """
        fin, rules, pool = self.model.finance, self.rules, self.pool
        fin.pay_to_sector(np.array([lead]), np.array([price]), "households")
        self._income[sme] += price
        self.owner[sme] = lead
        self.certification.set_tiers(np.array([sme]), np.zeros(1, dtype=np.int8))
        mine = pool["sme"] == sme
        if shelved:
            self.killed[sme] = True
            self.rd_intensity[sme] = 0.0
        elif _some(mine):
            self._schedule(
                pool["id"][mine],
                lead,
                pool["category"][mine],
                pool["level"][mine],
                1.0,
                t + rules.integration_months,
            )
        # the owner sources more from its subsidiary (vertical integration)
        net = self.model.network
        links = net.links_of_buyer_kind[LEADER]
        own = links[(net.link_seller[links] == sme) & (net.slot_firm[net.link_slot[links]] == lead)]
        raise_base_weights(net, own, np.full(len(own), 2.0))
        return mine

    def _share_patents(self, t, ids, smes, cats, quality, levels, overlap, month) -> None:
        """Joint-project innovations: the leader uses them without royalties and pays the SME a fee."""
        rules = self.rules
        leaders = self.project_leader[smes]
        relevant = self.leader_revenue[leaders] * self._weight_of(leaders, cats)
        fee = (
            rules.patent_share_fee
            * rules.royalty_rate
            * rules.licence_scope
            * relevant
            * rules.licence_months
        )
        self.model.finance.pay_between_firms(leaders, smes, fee)
        self._income[smes] += fee  # an SME innovates at most once a month: no repeated index
        self._schedule(ids, leaders, cats, levels, 1.0, t + rules.integration_months // 2)
        self._record(t, "patent_share", leaders, smes, fee, overlap, False, cats, quality, ids, 0.0)
        month["patent_shares"] += float(len(ids))

    def _record(
        self, t, kind, leader, sme, value, overlap, shelved, category, quality, innovation, lag
    ) -> None:
        """Log deals (scalars or arrays of equal length); the frame is built once, at the end."""
        self.deals.append(
            (t, kind, leader, sme, value, overlap, shelved, category, quality, innovation, lag)
        )
        n = len(sme) if type(sme) is np.ndarray else 1
        self.deal_counts[kind] += n
        if kind == "acquisition" and shelved:
            self.deal_counts["killer_acquisition"] += 1

    # ------------------------------------------------------------ 4. money and technology arriving
    def _pay_royalties_and_damages(
        self, t: int, sales: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> None:
        """Quarterly settlement: royalties on each licensee's sales of the quarter (for the months the
        licence ran), and damages courts awarded."""
        fin, n = self.model.finance, len(alive)
        lic = self.licences
        if len(lic):
            lead, sme, end = lic["leader"], lic["sme"], lic["end"]
            start = end - self.rules.licence_months
            months = np.minimum(t, end - 1) - np.maximum(t - 2, start) + 1
            amount = (
                lic["coef"]
                * sales[lead]
                * np.minimum(np.maximum(months, 0), 3)  # np.clip, with less overhead
                / 3.0
                * alive[lead]
                * alive[sme]
            )
            fin.pay_between_firms(lead, sme, amount)
            self._income += np.bincount(sme, weights=amount, minlength=n)
            month["royalties"] = float(_sum(amount))
            self.totals["royalties"] += month["royalties"]
            # rows are in order of their end: the ended ones are a prefix
            lic.drop_first(int(end.searchsorted(t + 1, side="right")))
        dmg = self.damages
        if len(dmg):
            due = dmg["due"] <= t
            if _some(due):
                lead, sme = dmg["leader"][due], dmg["sme"][due]
                amount = dmg["amount"][due] * alive[lead] * alive[sme]
                fin.pay_between_firms(lead, sme, amount)
                self._income += np.bincount(sme, weights=amount, minlength=n)
                dmg.keep(~due)

    def _arrive(self, t: int, alive: np.ndarray, month: dict[str, float]) -> None:
        """Technology whose integration lag is over enters the leaders' products: commercialized."""
        chunks = self.arriving.pop(t, None)
        if chunks is None:
            return
        arrived = 0
        # a failed leader commercializes nothing
        for ids, lead, category, multiplier, _ in chunks:
            if type(category) is not np.ndarray:  # the leader's own line (category -1)
                ok = alive[lead]
                if np.count_nonzero(ok) < len(ok):
                    ids, lead, multiplier = ids[ok], lead[ok], multiplier[ok]
                np.multiply.at(self.own_line, lead, multiplier)
                self.registry.commercialized_at[ids] = t
                arrived += len(ids)
        components = [chunk for chunk in chunks if type(chunk[2]) is np.ndarray]
        if components:
            ids, lead, cat, level, share = _join(components)
            if type(lead) is not np.ndarray:  # all from one acquirer
                lead = np.full(len(ids), lead)
            ok = alive[lead]
            if np.count_nonzero(ok) < len(ok):
                ids, lead, cat, level = ids[ok], lead[ok], cat[ok], level[ok]
                share = share[ok] if type(share) is np.ndarray else share
            component = lead * self.n_categories + cat  # index into the flat log_component
            log_component = self.log_component.ravel()
            gap = np.maximum(np.log(level) - log_component[component], 0.0)  # improvement()
            np.maximum.at(log_component, component, log_component[component] + share * gap)
            self.registry.commercialized_at[ids] = t
            arrived += len(ids)
        self._leader_tech()
        month["commercialized"] = float(arrived)

    # ------------------------------------------------------------ 5. adaptation and effects on trade
    def _adapt_rd(self, alive: np.ndarray) -> None:
        """Each quarter SMEs move their R&D intensity toward the target their realized returns give.

        Returns: money the innovations brought (royalties, fees, damages, the sale price) and,
        when an innovation succeeds, the labour it saves over the valuation horizon; both as
        monthly averages smoothed over `rd_adaptation_months`.
        """
        rules = self.rules
        step = 3.0 / rules.rd_adaptation_months
        sme, S = self.smes, self.S
        self.return_ema[S] += (self._quarter_income[S] / 3.0 - self.return_ema[S]) * step
        self.rd_ema[S] += (self._quarter_cost[S] / 3.0 - self.rd_ema[S]) * step
        self._quarter_income[:] = 0.0
        self._quarter_cost[:] = 0.0
        adaptive = sme[alive[S] & (self.owner[S] < 0)]
        ratio = self.return_ema[adaptive] / np.maximum(self.rd_ema[adaptive], 1e-12)
        target = SpecializedSME.target_rd_intensity(
            self.rd_base[adaptive], ratio, rules.rd_return_reference, rules.rd_return_elasticity
        )
        self.rd_intensity[adaptive] += (target - self.rd_intensity[adaptive]) * step

    def _set_trade_factors(self) -> None:
        """Technology and digitalization in use: capacity, labour cost per unit, demand share, and
        SMEs' input inventory targets (seed 002: efficiency +30 %, inventory turnover +50 % at full
        digitalization; both relative to the start, whose levels the calibration already holds)."""
        rules, model = self.rules, self.model
        R, S = self.R, self.S_in_R  # suppliers' technology never moves: their factors stay 1
        relative = self.tech[R] / self.tech0[R]
        efficiency = relative**rules.tech_cost_elasticity
        if self._digital_stale:  # digital levels move quarterly and on entry
            d, g = rules.digital_efficiency, rules.digital_inventory_turnover
            digital, digital0 = self.digital[self.S], self.digital0[self.S]
            self._digital_efficiency = (1.0 + d * digital) / (1.0 + d * digital0)
            # turnover = input use / inventory: a target divided by the turnover gain
            model.inventory_factor[self.S] = (1.0 + g * digital0) / (1.0 + g * digital)
            self._digital_stale = False
        efficiency[S] *= self._digital_efficiency
        model.productivity_factor[self.S] = efficiency[S]
        model.finance.wage_factor[R] = 1.0 / efficiency
        model.leader_demand_factor[:] = relative[: self.n_leaders] ** rules.leader_demand_elasticity

    # ------------------------------------------------------------ yearly: lists, projects, fund
    def _new_year(self, t: int, alive: np.ndarray) -> None:
        self.demand_lists()
        rng = self._rng(t, 2)
        self._start_projects(t, alive, rng)
        self._invest_fund(t, alive)

    def _start_projects(self, t: int, alive: np.ndarray, rng: np.random.Generator) -> None:
        """揭榜挂帅: leaders post key categories; the most capable free SME of each takes the project."""
        rules = self.rules
        net = self.model.network
        leaders = np.flatnonzero(alive[: self.n_leaders])
        if not len(leaders):
            return
        budget = self.carry["projects"] + self.policy.consortium_funding
        n_public = int(budget // rules.consortium_project_cost)
        self.carry["projects"] = budget - n_public * rules.consortium_project_cost
        weights = self.leader_revenue[leaders] / self.leader_revenue[leaders].sum()
        public = (
            rng.choice(leaders, n_public, p=weights) if n_public else np.zeros(0, dtype=np.int64)
        )
        market = np.repeat(leaders, rng.poisson(rules.market_consortia, len(leaders)))
        sponsors = [(int(x), True) for x in public] + [(int(x), False) for x in market]
        free = alive & self.is_sme & (self.owner < 0) & (self.project_until <= t)
        score = self.tech * (1.0 + self.digital)
        key_categories: dict[int, np.ndarray] = {}  # each sponsor's listed categories, by reward
        for k, (lead, is_public) in enumerate(sponsors):
            ranked = key_categories.get(lead)
            if ranked is None:
                listed = np.flatnonzero(self.reward[lead] > 0)
                ranked = listed[np.argsort(-self.reward[lead, listed], kind="stable")]
                key_categories[lead] = ranked
            if not len(ranked):
                continue
            c = int(ranked[k % min(len(ranked), 3)])  # rotate over its three key categories
            candidates = net.sellers_of(c)  # the SMEs making c, by id
            candidates = candidates[free[candidates]]
            if not len(candidates):
                continue
            s = int(candidates[np.argmax(score[candidates])])
            free[s] = False
            self.project_leader[s] = lead
            self.project_category[s] = c
            self.project_until[s] = t + rules.consortium_months
            self.projects_end = max(self.projects_end, t + rules.consortium_months)
            self.project_grant[s] = rules.consortium_project_cost / rules.consortium_months
            self.project_public[s] = is_public
            self._record(
                t,
                "joint_project",
                lead,
                s,
                rules.consortium_project_cost,
                0.0,
                False,
                c,
                math.nan,
                -1,
                math.nan,
            )
        self._project_members = np.flatnonzero(self.project_until > t)
        self._running = None

    def _invest_fund(self, t: int, alive: np.ndarray) -> None:
        """The guided fund buys equity in the independent SMEs with the most recent innovations."""
        rules = self.rules
        budget = self.carry["fund"] + self.policy.guided_fund
        n = int(budget // rules.fund_ticket)
        self.carry["fund"] = budget - n * rules.fund_ticket
        if n == 0:
            return
        candidates = np.flatnonzero(
            alive
            & self.is_sme
            & (self.owner < 0)
            & (self.certification.debt_ratio() <= rules.cert_debt_ratio)
        )
        if not len(candidates):
            return
        recent = self.certification.recent_innovations(years=2)[candidates]
        order = np.lexsort((-self.tech[candidates], -recent))
        chosen = candidates[order[:n]]
        ticket = np.full(len(chosen), rules.fund_ticket)
        self.model.finance.government_pays(chosen, ticket)
        self.earmarked[chosen] += rules.fund_rd_share * rules.fund_ticket
        self.earmark_rate[chosen] = self.earmarked[chosen] / rules.fund_months
        self._record(
            t,
            "fund_investment",
            -1,
            chosen,
            rules.fund_ticket,
            0.0,
            False,
            self.model.network.product[chosen],
            math.nan,
            -1,
            math.nan,
        )

    # ------------------------------------------------------------ shocks, entry and exit
    def _obsolete(self, shock: TechObsolescence, cats: np.ndarray) -> None:
        """The frontier jumps; old technology in the categories loses value, also inside leaders' products."""
        net = self.model.network
        hit = self.is_sme & np.isin(net.product, cats)
        self.tech[hit] *= 1.0 - shock.value_lost
        self.frontier[cats] *= 1.0 + shock.frontier_jump
        self.log_component[:, cats] += np.log1p(-shock.value_lost)
        self._leader_tech()
        if len(self.pool):
            self.pool["level"][np.isin(self.pool["category"], cats)] *= 1.0 - shock.value_lost

    def _entries_and_exits(self, t: int, alive: np.ndarray, changed: np.ndarray) -> None:
        """Exited firms leave their deals, projects and subsidiaries; entrants start fresh."""
        rules, net = self.rules, self.model.network
        firms = changed.nonzero()[0]
        now_alive = alive[firms]
        gone = firms[~now_alive]
        # suppliers hold no innovations, deals, projects or subsidiaries: only R&D firms leave those
        gone = gone[self.does_rd[gone]]
        if len(gone):
            is_gone = np.zeros(len(alive), dtype=bool)
            is_gone[gone] = True
            self.pool.drop(is_gone[self.pool["sme"]])
            for table in (self.licences, self.damages):
                table.drop(is_gone[table["leader"]] | is_gone[table["sme"]])
            self.project_until[gone] = 0
            self.project_leader[gone] = -1
            self.owner[gone] = -1
            self.killed[gone] = False
            leaders = gone[gone < self.n_leaders]
            if len(leaders):  # a failed leader's projects end and its subsidiaries are free again
                for due, chunks in self.arriving.items():  # and it takes up no more technology
                    self.arriving[due] = [_rows(chunk, ~is_gone[chunk[1]]) for chunk in chunks]
                self.project_until[np.isin(self.project_leader, leaders)] = 0
                orphans = np.flatnonzero(np.isin(self.owner, leaders))
                self.owner[orphans] = -1
                revived = orphans[self.killed[orphans]]
                self.rd_intensity[revived] = self.rd_base[revived]
                self.killed[orphans] = False
        entered = firms[now_alive]
        new = entered[self.is_sme[entered]]
        if len(new):
            rng = self._rng(t, 3)
            # an entrant starts a tenth below the mean technology of its category's incumbents
            incumbents = self.smes[alive[self.S] & ~changed[self.S]]
            cat = net.product[incumbents]
            total = np.bincount(cat, weights=self.tech[incumbents], minlength=self.n_categories)
            count = np.bincount(cat, minlength=self.n_categories)
            mine = net.product[new]
            self.tech[new] = np.where(
                count[mine] > 0, 0.9 * total[mine] / np.maximum(count[mine], 1), 1.0
            )
            self.tech0[new] = self.tech[new]
            self.digital[new] = rng.beta(*rules.digital_start, len(new))
            self.digital0[new] = self.digital[new]
            normal = self.model.finance.state.normal_revenue[new]
            self.digital_cost[new] = rules.digital_cost_months * normal
            self._digital_changed()
            self.rd_base[new] = np.minimum(
                rules.sme_rd_intensity
                * np.exp(rules.sme_rd_dispersion * rng.standard_normal(len(new))),
                0.3,
            )
            self.rd_intensity[new] = self.rd_base[new]
            self.rd_ema[new] = self.rd_intensity[new] * normal
            self.return_ema[new] = rules.rd_return_reference * self.rd_ema[new]
            self._set_rd_scale(new)
            self._set_labour_value(new)
            self.innovation_rate[new] = -np.expm1(
                -rules.rd_productivity * self.rd_ema[new] / self.rd_scale[new]
            )
            self.earmarked[new] = 0.0
            self.earmark_rate[new] = 0.0
        # firms that entered or exited start their certification record afresh
        self.certification.restart(firms)

    # ------------------------------------------------------------ data
    def _tech_index(self, revenue: np.ndarray) -> float:
        """Revenue-weighted geometric mean technology of the living SMEs and leaders."""
        R = self.R
        w = revenue[R]  # exited firms have none
        total = _sum(w)
        return float(np.exp(_dot(np.log(self.tech[R]), w) / total)) if total > 0 else math.nan

    def _month_series(
        self, revenue: np.ndarray, rd_own: np.ndarray, alive: np.ndarray, month: dict[str, float]
    ) -> None:
        smes = self.S  # exited firms have no revenue and no certificate
        alive_smes = alive[smes]
        n_alive = self._living_smes
        sales = _sum(revenue[smes])
        month["rd_intensity_sme"] = float(_sum(rd_own[smes]) / sales) if sales > 0 else math.nan
        month["pending_innovations"] = float(len(self.pool))
        month["tech_index"] = self._tech_index(revenue)
        month["tech_sme"] = (
            float(_dot(self.tech[smes], alive_smes) / n_alive) if n_alive else math.nan
        )
        month["tech_leader"] = float(_sum(self.tech[: self.n_leaders])) / self.n_leaders
        if self._digital_sme is None:  # digital levels move quarterly and on entry
            self._digital_sme = (
                float(_dot(self.digital[smes], alive_smes) / n_alive) if n_alive else math.nan
            )
        month["digital_sme"] = self._digital_sme
        tiers = self.certification.tier_counts
        month["certified_smes"] = float(tiers[CERTIFIED] + tiers[LITTLE_GIANT])
        month["little_giants"] = float(tiers[LITTLE_GIANT])
        month["joint_projects"] = float(np.count_nonzero(self.project_until > self.model.month))
        self.series = month

    def extra_series(self) -> dict[str, float]:
        """This month's values of INNOVATION_SERIES (the model's recorder reads them)."""
        return self.series

    def agent_columns(self) -> dict[str, Any]:
        """Each firm's innovation state for the agent panel (`--agent-data`).

        tech_level: niche technology (SMEs) or product technology (leaders), about 1 at the start;
        tier: ordinary / certified / little_giant (SMEs only); owner: the acquiring leader's id,
        missing while independent; digital_level (SMEs only); rd_intensity: R&D aimed for as a
        share of revenue (a firm short of cash spends less). Missing where the layer models
        nothing: suppliers do no R&D, leaders hold no certificate and no digital level.
        """
        researches = self.is_sme | self.is_leader
        return {
            "tech_level": np.where(researches, self.tech, np.nan),
            "tier": pd.Categorical.from_codes(np.where(self.is_sme, self.tier, -1), TIER_NAMES),
            "owner": pd.arrays.IntegerArray(self.owner.astype(np.int32), self.owner < 0),
            "digital_level": np.where(self.is_sme, self.digital, np.nan),
            "rd_intensity": np.where(researches, self.rd_intensity, np.nan),
        }

    def deals_frame(self) -> pd.DataFrame:
        """Every deal of the run, one row each (written as deals.parquet)."""
        columns: dict[str, list] = {name: [] for name in DEAL_COLUMNS}
        for chunk in self.deals:
            n = max((len(v) for v in chunk if type(v) is np.ndarray), default=1)
            for name, value in zip(DEAL_COLUMNS, chunk, strict=True):
                columns[name].append(np.broadcast_to(np.asarray(value), (n,)))
        data = {
            name: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
            for (name, parts), dtype in zip(columns.items(), DEAL_COLUMNS.values(), strict=True)
        }
        return pd.DataFrame(data)

    def outcomes(self, ts: pd.DataFrame) -> dict[str, float]:
        """Run-level innovation outcomes (DESIGN section 5) and a few more for calibration."""
        rules = self.rules
        reg = self.registry
        born, firm, done = reg.born[: reg.n], reg.firm[: reg.n], reg.commercialized_at[: reg.n]
        horizon = len(ts)
        window = rules.shelf_life_months + rules.integration_months
        cohort = born < horizon - window
        used = done >= 0
        count = self.deal_counts
        killers = count["killer_acquisition"]
        rd_sme, rd_leader = self.totals["rd_sme"], self.totals["rd_leader"]
        inn_sme, inn_leader = self.totals["innovations_sme"], self.totals["innovations_leader"]
        years = horizon / 12.0
        start, end = (
            self.tech_index_start,
            float(ts["tech_index"].iloc[-1]) if horizon else math.nan,
        )

        def per(a: float, b: float) -> float:
            return a / b if b > 0 else math.nan

        reviews = pd.DataFrame(self.certification.reviews)
        later = reviews[reviews["step"] >= 23] if len(reviews) else reviews

        def review_mean(name: str) -> float:
            return float(later[name].mean()) if len(later) else math.nan

        is_leader = self.is_leader[firm]
        return {
            "innovations": inn_sme + inn_leader,
            "innovations_per_rd": per(inn_sme + inn_leader, rd_sme + rd_leader),
            "commercialization_rate": float(used[cohort].mean()) if cohort.any() else math.nan,
            "commercialization_lag": float((done - born)[used].mean()) if used.any() else math.nan,
            "licenses": count["license"],
            "patent_shares": count["patent_share"],
            "acquisitions": count["acquisition"],
            "killer_acquisitions": killers,
            "imitations": count["imitation"],
            "tech_growth": 100.0 * math.log(end / start) / years
            if years > 0 and start > 0 and end > 0
            else math.nan,
            "certified_smes": float(ts["certified_smes"].iloc[-1]) if horizon else math.nan,
            # beyond the public list
            "innovations_sme": inn_sme,
            "innovations_leader": inn_leader,
            "innovations_per_rd_sme": per(inn_sme, rd_sme),
            "innovations_per_rd_leader": per(inn_leader, rd_leader),
            "commercialization_rate_sme": float(used[cohort & ~is_leader].mean())
            if (cohort & ~is_leader).any()
            else math.nan,
            "commercialization_rate_leader": float(used[cohort & is_leader].mean())
            if (cohort & is_leader).any()
            else math.nan,
            "commercialized": float(used.sum()),
            "rd_intensity_sme": float(ts["rd_intensity_sme"].iloc[-12:].mean())
            if horizon
            else math.nan,
            "royalties": self.totals["royalties"],
            "joint_projects": count["joint_project"],
            "fund_investments": count["fund_investment"],
            "little_giants": float(ts["little_giants"].iloc[-1]) if horizon else math.nan,
            "little_giant_share": review_mean("little_giant_share"),
            "little_giant_revenue_share": review_mean("little_giant_revenue_share"),
            "little_giant_profit_share": review_mean("little_giant_profit_share"),
        }


# the layer's outcomes in the public list (DESIGN section 8; sim.analysis.outcomes.OUTCOME_NAMES holds them)
INNOVATION_OUTCOMES = (
    "innovations",
    "innovations_per_rd",
    "commercialization_rate",
    "commercialization_lag",
    "licenses",
    "patent_shares",
    "acquisitions",
    "killer_acquisitions",
    "imitations",
    "tech_growth",
    "certified_smes",
)
INNOVATION_EXTRA_OUTCOMES = (
    "innovations_sme",
    "innovations_leader",
    "innovations_per_rd_sme",
    "innovations_per_rd_leader",
    "commercialization_rate_sme",
    "commercialization_rate_leader",
    "commercialized",
    "rd_intensity_sme",
    "royalties",
    "joint_projects",
    "fund_investments",
    "little_giants",
    "little_giant_share",
    "little_giant_revenue_share",
    "little_giant_profit_share",
)
