"""The multi-tier production network: who needs which inputs, and who buys from whom.

Firms are numbered 0..N-1. Products are numbered 0..P-1: component categories first
(0..C-1, made by SMEs), then raw-input categories (C..C+R-1, made by suppliers).
Leaders make their own final product and sell to final demand.

Two flat tables carry the network, so every market operation is a vector operation:
- *slots*: one row per (buyer, input product) with its Leontief coefficient; the
  buyer's input inventory of that product lives on the slot.
- *links*: one row per (slot, seller) with the share of the slot's orders sent to that
  seller (weights sum to one over a slot's links).
Sums over a slot's or a seller's links are bincounts over the link table (sparse 0/1
matrices of the same maps are available as `link_to_slot` / `link_to_seller`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sim.scenario import Ecosystem

LEADER, SME, SUPPLIER = 0, 1, 2
KIND_NAMES = {LEADER: "leader", SME: "sme", SUPPLIER: "supplier"}


@dataclass
class ProductionNetwork:
    kind: np.ndarray  # (N,) LEADER / SME / SUPPLIER
    product: np.ndarray  # (N,) product a firm makes; -1 for leaders (own final good)
    foreign: np.ndarray  # (N,) bool
    n_components: int
    n_raw: int
    specificity: np.ndarray  # (P,) 0 generic .. 1 specific
    foreign_dependent: np.ndarray  # (R,) bool, raw categories depending mostly on foreign supply
    leader_share: np.ndarray  # (L,) share of final demand of each leader at the start
    slot_firm: np.ndarray  # (K,) buyer of the slot, sorted ascending
    slot_product: np.ndarray  # (K,)
    slot_coef: np.ndarray  # (K,) input units per unit of the buyer's output
    link_slot: np.ndarray  # (E,)
    link_seller: np.ndarray  # (E,)
    link_weight: np.ndarray  # (E,) current order shares, sum to one per slot
    link_base_weight: np.ndarray  # (E,) established relationship shares
    # (C, raw_inputs_per_component) raw categories per component
    component_recipe: np.ndarray | None = None
    # other per-link arrays, first axis E
    link_state: dict[str, np.ndarray] = field(default_factory=dict)
    # derived by reindex() (links_of_buyer_kind and links_of_seller_kind: properties below)
    firms_of_kind: dict[int, np.ndarray] = field(init=False, repr=False)
    slots_of_buyer_kind: dict[int, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sellers_index: list[np.ndarray] | None = None  # firms by product, built on demand
        self._slots_index: list[np.ndarray] | None = None  # slots by product, built on demand
        self._link_runs_of: np.ndarray | None = None  # the link_slot array link_runs belong to
        self._seller_kinds_of: np.ndarray | None = None  # the link_seller array indexed by kind
        self.reindex()

    # ------------------------------------------------------------ structure
    @property
    def n_firms(self) -> int:
        return len(self.kind)

    @property
    def n_products(self) -> int:
        return self.n_components + self.n_raw

    @property
    def n_slots(self) -> int:
        return len(self.slot_firm)

    @property
    def n_links(self) -> int:
        return len(self.link_slot)

    def reindex(self) -> None:
        """Build the index sets of firms and slots (kinds and slots never change); those of links
        are built lazily, again whenever the links have changed (many times a run)."""
        buyer_kind = self.kind[self.slot_firm]
        self.firms_of_kind = {t: np.flatnonzero(self.kind == t) for t in KIND_NAMES}
        self.slots_of_buyer_kind = {t: np.flatnonzero(buyer_kind == t) for t in KIND_NAMES}
        # firms are numbered tier by tier and slots by firm, so each tier's firms and slots are
        # one run; links being sorted by slot, so are each tier's links as buyers
        self.firm_runs = {t: _run(f) for t, f in self.firms_of_kind.items()}
        self.slot_runs = {t: _run(s) for t, s in self.slots_of_buyer_kind.items()}
        # per tier: where each of its buyers' slots start (slot_firm is sorted, so each firm's
        # slots are one run), relative to the tier's run of slots, and the buyers' place in
        # the tier's run of firms
        self._tier_slot_owners = {}
        for t, run in self.slot_runs.items():
            owners = self.slot_firm[run]
            new_owner = np.ones(len(owners), dtype=bool)
            new_owner[1:] = owners[1:] != owners[:-1]
            starts = np.flatnonzero(new_owner)
            self._tier_slot_owners[t] = (starts, owners[starts] - self.firm_runs[t].start)
        self._link_runs_of = self._seller_kinds_of = None  # links are indexed again at next use

    @property
    def links_of_buyer_kind(self) -> dict[int, np.ndarray]:
        """Links by the kind of their buyer, as ids (see link_runs for the runs themselves)."""
        return {t: np.arange(run.start, run.stop) for t, run in self.link_runs.items()}

    @property
    def links_of_seller_kind(self) -> dict[int, np.ndarray]:
        """Links by the kind of their seller; add_links and remove_links replace the link
        arrays, so this is indexed again at the next use, once for several changes."""
        if self._seller_kinds_of is not self.link_seller:
            self._seller_kinds_of = self.link_seller
            kind = self.kind[self.link_seller]
            self._links_of_seller_kind = {t: (kind == t).nonzero()[0] for t in KIND_NAMES}
        return self._links_of_seller_kind

    @property
    def link_runs(self) -> dict[int, slice]:
        """Links by the kind of their buyer, as runs of the link table (slices index as views);
        found again when the links have changed."""
        if self._link_runs_of is not self.link_slot:
            self._link_runs_of = self.link_slot
            bounds = self.link_slot.searchsorted(
                [b for run in self.slot_runs.values() for b in (run.start, run.stop)]
            ).tolist()
            self._link_runs = {
                t: slice(bounds[2 * i], bounds[2 * i + 1]) for i, t in enumerate(self.slot_runs)
            }
        return self._link_runs

    def min_per_buyer_of_tier(self, tier: int, slot_values: np.ndarray) -> np.ndarray:
        """Minimum of a quantity over each of the tier's firms' slots (values for the tier's slot
        run, result for its firm run; inf for a firm with no inputs)."""
        starts, owners = self._tier_slot_owners[tier]
        run = self.firm_runs[tier]
        out = np.full(run.stop - run.start, np.inf)
        if len(starts):
            out[owners] = np.minimum.reduceat(slot_values, starts)
        return out

    @property
    def link_to_slot(self) -> sp.csr_matrix:
        """(K, E) 0/1 matrix: which slot each link belongs to."""
        e = self.n_links
        return sp.csr_matrix((np.ones(e), (self.link_slot, np.arange(e))), shape=(self.n_slots, e))

    @property
    def link_to_seller(self) -> sp.csr_matrix:
        """(N, E) 0/1 matrix: which firm sells on each link."""
        e = self.n_links
        return sp.csr_matrix(
            (np.ones(e), (self.link_seller, np.arange(e))), shape=(self.n_firms, e)
        )

    def per_slot(self, link_values: np.ndarray) -> np.ndarray:
        """Sum a link quantity over each slot's links."""
        return np.bincount(self.link_slot, weights=link_values, minlength=self.n_slots)

    def per_seller(self, link_values: np.ndarray) -> np.ndarray:
        """Sum a link quantity over each seller's links."""
        return np.bincount(self.link_seller, weights=link_values, minlength=self.n_firms)

    def add_links(self, slots: np.ndarray, sellers: np.ndarray) -> None:
        """Add new supplier relationships; each new link gets an equal share of its slot.

        Per-link state registered in `link_state` (e.g. trade credit) follows the links;
        new links start with zeros there.
        """
        if len(slots) == 0:
            return
        # new links go after their slot's existing ones (links stay sorted by slot): the same
        # placement as np.insert at `at`, computed once for all the per-link arrays
        slots, sellers = np.asarray(slots), np.asarray(sellers)
        by_slot = slots.argsort(kind="stable")
        slots, sellers = slots[by_slot], sellers[by_slot]
        at = self.link_slot.searchsorted(slots, side="right")
        m, e = len(slots), self.n_links
        new_at = at + np.arange(m)
        old_at = np.empty(e + m, dtype=bool)
        old_at.fill(True)
        old_at[new_at] = False

        def merged(old: np.ndarray, new: np.ndarray) -> np.ndarray:
            out = np.empty(e + m, dtype=old.dtype)
            out[old_at] = old
            out[new_at] = new
            return out

        counts = np.bincount(self.link_slot, minlength=self.n_slots).astype(float)
        new_counts = counts + np.bincount(slots, minlength=self.n_slots)
        share = 1.0 / new_counts[slots]
        keep = (counts / np.maximum(new_counts, 1.0))[self.link_slot]
        self.link_weight = merged(self.link_weight * keep, share)
        self.link_base_weight = merged(self.link_base_weight * keep, share)
        self.link_slot = merged(self.link_slot, slots)
        self.link_seller = merged(self.link_seller, sellers)
        for name, values in self.link_state.items():  # new links start with zeros
            rows, row = _as_rows(values)
            out = np.zeros(e + m, dtype=row)
            out[old_at] = rows
            self.link_state[name] = out.view(values.dtype).reshape(e + m, *values.shape[1:])
        self.link_weight = shares(self.link_weight, self.per_slot_sum_for_links(self.link_weight))

    def remove_links(self, drop: np.ndarray) -> None:
        """Remove links (a boolean mask); the remaining weights of each slot are renormalized.

        A slot left with no link orders nothing until its buyer finds a new seller.
        """
        if not drop.any():
            return
        keep = (~drop).nonzero()[0]
        self.link_slot = self.link_slot[keep]
        self.link_seller = self.link_seller[keep]
        for name in ("link_weight", "link_base_weight"):
            w = getattr(self, name)[keep]
            setattr(self, name, shares(w, self.per_slot_sum_for_links(w)))
        for name, values in self.link_state.items():
            rows, _ = _as_rows(values)
            self.link_state[name] = rows[keep].view(values.dtype).reshape(-1, *values.shape[1:])

    def change_product(self, firm: int, product: int) -> None:
        """A firm (re)starts in another category: its input slots take that category's recipe.

        The caller removes the slots' old links first and gives the firm new sellers.
        """
        old = int(self.product[firm])
        self.product[firm] = product
        if self._sellers_index is not None:  # move the firm between the two lists only
            index = self._sellers_index
            if old >= 0:
                index[old] = index[old][index[old] != firm]
            if product >= 0:
                at = int(index[product].searchsorted(firm))
                index[product] = np.concatenate((index[product][:at], [firm], index[product][at:]))
        if self.kind[firm] == SME and self.component_recipe is not None:
            first, end = self.slot_range(firm)
            before = self.slot_product[first:end].tolist()
            self.slot_product[first:end] = self.component_recipe[product]
            if self._slots_index is not None:  # move the slots that changed product
                index = self._slots_index
                after = self.slot_product[first:end].tolist()
                for k, was, now in zip(range(first, end), before, after, strict=True):
                    if was != now:
                        index[was] = index[was][index[was] != k]
                        at = int(index[now].searchsorted(k))
                        index[now] = np.concatenate((index[now][:at], [k], index[now][at:]))
        # nothing reindex() derives depends on products: no rebuild needed

    def per_slot_sum_for_links(self, link_values: np.ndarray) -> np.ndarray:
        """Each link's slot total of a link quantity (for normalizing weights)."""
        totals = np.bincount(self.link_slot, weights=link_values, minlength=self.n_slots)
        return totals[self.link_slot]

    def sellers_of(self, product: int) -> np.ndarray:
        """Firms making `product`, by ascending id (indexed once and kept up to date by
        change_product: searches and entries ask this thousands of times a month)."""
        if self._sellers_index is None:
            order = np.argsort(self.product, kind="stable")
            bounds = np.searchsorted(self.product[order], np.arange(self.n_products + 1))
            self._sellers_index = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return self._sellers_index[product].copy()

    def slot_range(self, firm: int) -> tuple[int, int]:
        """[first, end) of the firm's slots (slots are sorted by firm)."""
        first, end = self.slot_firm.searchsorted([firm, firm + 1]).tolist()
        return first, end

    def slots_of_firms(self, firms: np.ndarray) -> np.ndarray:
        """All slots of the given firms, firm by firm."""
        first = self.slot_firm.searchsorted(firms)
        end = self.slot_firm.searchsorted(firms, side="right")
        counts = end - first
        starts = np.repeat(first - np.cumsum(counts) + counts, counts)
        return starts + np.arange(counts.sum())

    def slots_of(self, product: int) -> np.ndarray:
        """Slots (of any buyer) needing `product`, by ascending id (indexed once and kept up to
        date by change_product: each entrant looks for its first customers here)."""
        if self._slots_index is None:
            order = np.argsort(self.slot_product, kind="stable")
            bounds = np.searchsorted(self.slot_product[order], np.arange(self.n_products + 1))
            self._slots_index = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return self._slots_index[product]

    def link_category(self) -> np.ndarray:
        return self.slot_product[self.link_slot]


def shares(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """values / totals where the total is positive, else 0 (order shares of a slot's links)."""
    return np.divide(values, totals, out=np.zeros(len(values)), where=totals > 0)


_ROW_DTYPES: dict[int, np.dtype] = {}


def _run(ids: np.ndarray) -> slice:
    """The slice of sorted ids that must be consecutive (empty at 0 when there are none)."""
    if len(ids) == 0:
        return slice(0, 0)
    assert ids[-1] - ids[0] + 1 == len(ids), "firms must be numbered tier by tier"
    return slice(int(ids[0]), int(ids[-1]) + 1)


def span(ids: np.ndarray) -> slice | np.ndarray:
    """A slice when the ids are consecutive (indexing with it is a view, no copy), else the ids."""
    if len(ids) and ids[-1] - ids[0] + 1 == len(ids) and np.all(np.diff(ids) == 1):
        return slice(int(ids[0]), int(ids[0]) + len(ids))
    return ids


def _as_rows(a: np.ndarray) -> tuple[np.ndarray, np.dtype]:
    """A per-link array as a 1-D array of opaque rows (a view), and the row dtype: numpy
    selects and scatters whole rows of a narrow 2-D array far faster this way."""
    if a.ndim == 1:
        return a, a.dtype
    a = np.ascontiguousarray(a).reshape(len(a), math.prod(a.shape[1:]))
    size = a.dtype.itemsize * a.shape[1]
    row = _ROW_DTYPES.get(size)
    if row is None:
        row = _ROW_DTYPES[size] = np.dtype((np.void, size))
    return a.view(row)[:, 0], row


# ---------------------------------------------------------------- generation


def _smallest_in_key_order(keys: np.ndarray, m: int) -> np.ndarray:
    """Columns of the m smallest keys of each row, smallest first (argsort(keys)[:, :m]).

    Uniform keys: the m smallest are almost surely among the few below a threshold that
    holds about 8 m a row, so only those are sorted; a row with fewer than m below it is
    partitioned whole.
    """
    n_rows, n_cols = keys.shape

    def partitioned(block: np.ndarray) -> np.ndarray:
        part = np.argpartition(block, m - 1, axis=1)[:, :m]
        by_key = np.argsort(np.take_along_axis(block, part, axis=1), axis=1)
        return np.take_along_axis(part, by_key, axis=1)

    threshold = 8.0 * m / n_cols
    if threshold >= 0.25:  # few columns: nothing to gain
        return partitioned(keys)
    rows, cols = (keys < threshold).nonzero()
    order = np.lexsort((keys[rows, cols], rows))  # by row, then by key
    count = np.bincount(rows, minlength=n_rows)
    start = np.cumsum(count) - count
    full = count >= m
    picks = np.empty((n_rows, m), dtype=np.int64)
    picks[full] = cols[order][(start[full, None] + np.arange(m)).ravel()].reshape(-1, m)
    if not full.all():
        picks[~full] = partitioned(keys[~full])
    return picks


def _covering_choice(
    rng: np.random.Generator, n_owners: int, per_owner: int, n_items: int
) -> np.ndarray:
    """Each owner picks `per_owner` distinct items; every item is picked by someone if possible."""
    keys = rng.random((n_owners, n_items))
    # the per_owner smallest keys, in key order (= argsort[:, :per_owner])
    if 0 < per_owner < n_items:
        picks = _smallest_in_key_order(keys, per_owner)
    else:
        picks = np.argsort(keys, axis=1)[:, :per_owner]
    if n_owners * per_owner >= n_items:
        counts = np.bincount(picks.ravel(), minlength=n_items)
        for item in np.flatnonzero(counts == 0):
            # replace, at a random owner not holding `item`, one of its items that others also hold
            for owner in rng.permutation(n_owners):
                row = picks[owner]
                spare = np.flatnonzero(counts[row] > 1)
                if len(spare) and item not in row:
                    j = spare[rng.integers(len(spare))]
                    counts[row[j]] -= 1
                    row[j] = item
                    counts[item] += 1
                    break
    return np.sort(picks, axis=1)


def _draw_sellers(
    rng: np.random.Generator,
    slot_product: np.ndarray,
    sellers_by_product: np.ndarray,
    product_start: np.ndarray,
    fitness_cum: np.ndarray,
    per_slot: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw `per_slot` distinct sellers of each slot's product, with probability ∝ fitness.

    Returns flat (slot, seller) arrays. Slots of products with fewer sellers than
    `per_slot` get all of them.
    """
    k = len(slot_product)
    lo = product_start[slot_product]
    hi = product_start[slot_product + 1]
    base = np.where(lo > 0, fitness_cum[np.maximum(lo - 1, 0)], 0.0)
    total = fitness_cum[hi - 1] - base

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        u = rng.random(shape)
        target = base.reshape(-1, *([1] * (len(shape) - 1))) + u * total.reshape(
            -1, *([1] * (len(shape) - 1))
        )
        idx = np.searchsorted(fitness_cum, target, side="right")
        return np.clip(idx, lo.reshape(-1, 1), (hi - 1).reshape(-1, 1))

    picks = draw((k, per_slot))
    enough = (hi - lo) >= per_slot
    for _ in range(30):
        picks.sort(axis=1)
        dup = np.zeros_like(picks, dtype=bool)
        dup[:, 1:] = picks[:, 1:] == picks[:, :-1]
        dup &= enough[:, None]
        if not dup.any():
            break
        # draw a whole block again (the stream moves as it always did), use it where duplicated
        u = rng.random((k, per_slot))
        rows, cols = dup.nonzero()
        target = base[rows] + u[rows, cols] * total[rows]
        idx = np.searchsorted(fitness_cum, target, side="right")
        picks[rows, cols] = np.clip(idx, lo[rows], hi[rows] - 1)
    slots = np.repeat(np.arange(k), per_slot)
    sellers = sellers_by_product[picks.ravel()]
    # distinct (slot, seller) pairs, by slot then seller (as np.unique of the pairs' rows)
    n = int(sellers.max()) + 1 if len(sellers) else 1
    pairs = np.unique(slots * n + sellers)
    return pairs // n, pairs % n


def generate_network(eco: Ecosystem, rng: np.random.Generator) -> ProductionNetwork:
    """Build firms, their input needs and their initial supplier relationships (the draws
    come from `rng` in this order: products, foreign ownership, specificity, recipes,
    sellers, sourcing weights, leader sizes). This generator is sequential, not keyed: the
    network is drawn once, at month 0 before any shock, and is the same in a shocked run and
    its counterfactual."""
    n_c = eco.n_component_categories
    kind, product = _firms_and_products(eco, rng)
    foreign, foreign_dependent = _foreign_suppliers(eco, rng, product)
    specificity = (rng.random(n_c + eco.n_raw_categories) < eco.specific_share).astype(float)
    slot_firm, slot_product, comp_raw = _input_slots(eco, rng, product)
    link_slot, link_seller = _initial_links(eco, rng, kind, product, slot_product)
    order = np.lexsort((link_seller, link_slot))
    link_slot, link_seller = link_slot[order], link_seller[order]
    raw_w = rng.gamma(eco.sourcing_weight_alpha, 1.0, len(link_slot))
    totals = np.bincount(link_slot, weights=raw_w, minlength=len(slot_firm))
    weight = raw_w / totals[link_slot]
    leader_share = rng.lognormal(0.0, eco.leader_size_sigma, eco.n_leaders)
    leader_share /= leader_share.sum()
    return ProductionNetwork(
        kind=kind,
        product=product,
        foreign=foreign,
        n_components=n_c,
        n_raw=eco.n_raw_categories,
        specificity=specificity,
        foreign_dependent=foreign_dependent,
        leader_share=leader_share,
        slot_firm=slot_firm,
        slot_product=slot_product,
        slot_coef=np.ones(len(slot_firm)),
        link_slot=link_slot,
        link_seller=link_seller,
        link_weight=weight,
        link_base_weight=weight.copy(),
        component_recipe=n_c + comp_raw,
    )


def _firms_and_products(eco: Ecosystem, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's kind (leaders, then SMEs, then suppliers) and what it makes: SMEs spread
    over component categories, suppliers over raw ones, every category made by someone."""
    n_l, n_s, n_u = eco.n_leaders, eco.n_smes, eco.n_suppliers
    n_c, n_r = eco.n_component_categories, eco.n_raw_categories
    kind = np.concatenate([np.full(n_l, LEADER), np.full(n_s, SME), np.full(n_u, SUPPLIER)]).astype(
        np.int8
    )
    sme_cat = np.concatenate([np.arange(n_c), rng.integers(0, n_c, max(n_s - n_c, 0))])[:n_s]
    sup_cat = np.concatenate([np.arange(n_r), rng.integers(0, n_r, max(n_u - n_r, 0))])[:n_u]
    product = np.concatenate(
        [np.full(n_l, -1), rng.permutation(sme_cat), n_c + rng.permutation(sup_cat)]
    ).astype(np.int64)
    return kind, product


def _foreign_suppliers(
    eco: Ecosystem, rng: np.random.Generator, product: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Foreign suppliers, concentrated in the foreign-dependent raw categories. Returns which
    firms are foreign and which raw categories are foreign-dependent."""
    n_l, n_s, n_u = eco.n_leaders, eco.n_smes, eco.n_suppliers
    n_c, n_r = eco.n_component_categories, eco.n_raw_categories
    n_dep = int(round(eco.foreign_dependent_share * n_r))
    foreign_dependent = np.zeros(n_r, dtype=bool)
    foreign_dependent[rng.choice(n_r, n_dep, replace=False)] = True
    sup_is_dep = foreign_dependent[product[n_l + n_s :] - n_c]
    n_dep_sup = int(sup_is_dep.sum())
    p_dep = eco.foreign_share_in_dependent
    n_foreign_total = int(round(eco.foreign_share * n_u))
    n_foreign_dep = min(int(round(p_dep * n_dep_sup)), n_foreign_total)
    n_foreign_rest = min(n_foreign_total - n_foreign_dep, n_u - n_dep_sup)
    foreign = np.zeros(n_l + n_s + n_u, dtype=bool)
    dep_ids = n_l + n_s + np.flatnonzero(sup_is_dep)
    rest_ids = n_l + n_s + np.flatnonzero(~sup_is_dep)
    foreign[rng.choice(dep_ids, n_foreign_dep, replace=False)] = True
    foreign[rng.choice(rest_ids, n_foreign_rest, replace=False)] = True
    return foreign, foreign_dependent


def _input_slots(
    eco: Ecosystem, rng: np.random.Generator, product: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input needs: leaders need components (and direct raw inputs), components need raw
    inputs. Returns the slots (buyer, input product), leaders' first, and each component's
    raw inputs."""
    n_l, n_s = eco.n_leaders, eco.n_smes
    n_c, n_r = eco.n_component_categories, eco.n_raw_categories
    leader_comps = _covering_choice(rng, n_l, eco.components_per_leader, n_c)
    comp_raw = _covering_choice(rng, n_c, eco.raw_inputs_per_component, n_r)
    leader_raw = (
        _covering_choice(rng, n_l, eco.raw_inputs_per_leader, n_r)
        if eco.raw_inputs_per_leader
        else np.zeros((n_l, 0), int)
    )
    slot_firm_l = np.repeat(np.arange(n_l), eco.components_per_leader + eco.raw_inputs_per_leader)
    slot_prod_l = np.concatenate([leader_comps, n_c + leader_raw], axis=1).ravel()
    sme_ids = np.arange(n_l, n_l + n_s)
    slot_firm_s = np.repeat(sme_ids, eco.raw_inputs_per_component)
    slot_prod_s = (n_c + comp_raw[product[sme_ids]]).ravel()
    return (
        np.concatenate([slot_firm_l, slot_firm_s]),
        np.concatenate([slot_prod_l, slot_prod_s]),
        comp_raw,
    )


def _initial_links(
    eco: Ecosystem,
    rng: np.random.Generator,
    kind: np.ndarray,
    product: np.ndarray,
    slot_product: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each slot's sellers, drawn by fitness (Pareto(1) raised to the concentration knob;
    0 -> uniform); then every seller without a customer attaches to a random slot of its
    product. Returns the links (slot, seller), unsorted."""
    n, n_products = len(kind), eco.n_component_categories + eco.n_raw_categories
    fitness = (1.0 / (1.0 - rng.random(n))) ** eco.sourcing_concentration
    sellers = np.flatnonzero(kind != LEADER)
    order = np.argsort(product[sellers], kind="stable")
    sellers_by_product = sellers[order]
    product_start = np.searchsorted(product[sellers_by_product], np.arange(n_products + 1))
    fitness_cum = np.cumsum(fitness[sellers_by_product])
    per_slot = np.where(
        slot_product < eco.n_component_categories,
        eco.smes_per_component,
        eco.suppliers_per_raw_input,
    )
    link_slot_parts, link_seller_parts = [], []
    for m in np.unique(per_slot):
        idx = np.flatnonzero(per_slot == m)
        s, sel = _draw_sellers(
            rng, slot_product[idx], sellers_by_product, product_start, fitness_cum, int(m)
        )
        link_slot_parts.append(idx[s])
        link_seller_parts.append(sel)
    link_slot = np.concatenate(link_slot_parts)
    link_seller = np.concatenate(link_seller_parts)
    # every seller gets at least one customer: orphans attach to a random slot of their product
    has_customer = np.zeros(n, dtype=bool)
    has_customer[link_seller] = True
    orphans = sellers[~has_customer[sellers]]
    if len(orphans):
        slot_order = np.argsort(slot_product, kind="stable")
        slot_start = np.searchsorted(slot_product[slot_order], np.arange(n_products + 1))
        prod = product[orphans]
        count = slot_start[prod + 1] - slot_start[prod]
        ok = count > 0
        pick = slot_start[prod[ok]] + (rng.random(ok.sum()) * count[ok]).astype(int)
        link_slot = np.concatenate([link_slot, slot_order[pick]])
        link_seller = np.concatenate([link_seller, orphans[ok]])
    return link_slot, link_seller
