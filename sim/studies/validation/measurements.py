"""The per-run measurements of the validation checks (run in worker processes).

Each takes a scenario and a seed, runs the model (with its paired no-shock counterfactual
where the measurement needs one) and returns named numbers, plus an optional `series`
frame that a check's figure draws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.outcomes import loss_pct
from sim.analysis.statistics import tail_exponent
from sim.ecosystem.model import EcosystemModel
from sim.ecosystem.network import LEADER
from sim.experiments.runs import run_scenario
from sim.scenario import Scenario


def _window(scn: Scenario) -> tuple[int, int]:
    start = min((s.start for s in scn.shocks), default=0)
    return start, scn.steps


def _loss_pct(y: Any, cf: Any) -> float:
    """Loss over the whole of the given paths, % of the counterfactual (metrics.loss_pct)."""
    return loss_pct(np.asarray(y, float), np.asarray(cf, float), 0)


def measure_amplification(scn: Scenario, seed: int) -> dict[str, Any]:
    """Total value-added loss over the direct loss of the firms hit (run_scenario's decomposition)."""
    out = run_scenario(scn, seed=seed).outcomes
    keys = ("amplification", "direct_loss_pct", "indirect_loss_pct", "output_loss_pct")
    return {k: out[k] for k in keys}


def measure_customer_losses(scn: Scenario, seed: int) -> dict[str, Any]:
    """Sales loss of the direct customers of the disrupted firms, against the same-seed counterfactual.

    Customers: firms with an ordering link to a disrupted firm when the shock starts (the
    shocked run and its counterfactual are identical until then). Losses sum sales at
    base prices from the shock's start to the end of the run.
    """
    start, end = _window(scn)
    shocked, cf = EcosystemModel(scn, rng=seed), EcosystemModel(scn.without_shocks(), rng=seed)
    shocked.run(start)
    cf.run(start)
    net = shocked.network
    hit = shocked.shocks.directly_hit()
    linked = (net.link_weight > 0) & hit[net.link_seller]
    customers = np.zeros(net.n_firms, dtype=bool)
    customers[net.slot_firm[net.link_slot[linked]]] = True
    customers &= ~hit
    same_tier = np.isin(net.kind, np.unique(net.kind[customers])) & ~customers & ~hit
    sales_s, sales_c = np.zeros(net.n_firms), np.zeros(net.n_firms)
    for _ in range(start, end):
        shocked.step()
        cf.step()
        sales_s += shocked.flows.output * shocked.price
        sales_c += cf.flows.output * cf.price
    shocked.release()
    cf.release()
    return {
        "customer_loss_pct": _loss_pct(sales_s[customers], sales_c[customers]),
        "other_loss_pct": _loss_pct(sales_s[same_tier], sales_c[same_tier]),
        "customers": float(customers.sum()),
    }


def measure_sme_exits(scn: Scenario, seed: int) -> dict[str, Any]:
    """SME exits (specialized SMEs and domestic suppliers) from the shock's start to the end."""
    start, end = _window(scn)
    res = run_scenario(scn, seed=seed)
    ts, cf = res.timeseries, res.counterfactual
    small = ["sme_exits", "supplier_exits"]
    return {
        "sme_exits": float(ts[small].iloc[start:end].to_numpy().sum()),
        "sme_exits_cf": float(cf[small].iloc[start:end].to_numpy().sum()),
        "defaults_by_contagion": float(ts["defaults_by_contagion"].iloc[start:end].sum()),
    }


TIERS = ("leader", "sme", "supplier")


def measure_employment_by_tier(scn: Scenario, seed: int) -> dict[str, Any]:
    """Employment loss of each tier (% of its counterfactual) from the shock's start to the end."""
    start, end = _window(scn)
    res = run_scenario(scn, seed=seed)
    ts, cf = res.timeseries.iloc[start:end], res.counterfactual.iloc[start:end]
    return {
        f"employment_loss_{t}": _loss_pct(ts[f"employment_{t}"], cf[f"employment_{t}"])
        for t in TIERS
    }


def bullwhip_window(scn: Scenario) -> tuple[int, int]:
    """From the shock's start to 6 months after it ends."""
    start, _ = _window(scn)
    return start, min(scn.steps, start + (scn.shocks[0].duration or scn.steps) + 6)


def measure_bullwhip(scn: Scenario, seed: int) -> dict[str, Any]:
    """Peak-to-trough swing of each tier's output relative to the counterfactual, from the shock's
    start to 6 months after it ends (later the two runs drift apart for unrelated reasons)."""
    start, end = bullwhip_window(scn)
    res = run_scenario(scn, seed=seed)
    ts, cf = res.timeseries, res.counterfactual
    out: dict[str, Any] = {}
    paths = {"step": ts["step"].to_numpy()}
    for t in TIERS:
        rel = 100.0 * (ts[f"gross_output_{t}"] / cf[f"gross_output_{t}"]).to_numpy()
        paths[t] = rel
        window = rel[start:end]
        out[f"swing_{t}"] = float(window.max() - window.min())
    paths["final demand"] = 100.0 * (ts["final_demand"] / cf["final_demand"]).to_numpy()
    out["series"] = pd.DataFrame(paths)
    return out


def zipf_exponent(sizes: np.ndarray, min_tail: int = 50) -> tuple[float, float, int]:
    """Pareto tail exponent of firm sizes (sim.analysis.statistics.tail_exponent: Hill estimator above the
    KS-chosen threshold of Clauset, Shalizi & Newman 2009), keeping at least `min_tail` firms in
    the tail so that a handful of leaders cannot set it. Returns (exponent, threshold, firms in
    the tail); NaN with too few firms for a tail.
    """
    try:
        fit = tail_exponent(sizes, min_tail=min_tail)
    except ValueError:
        return math.nan, math.nan, 0
    return fit.alpha, fit.xmin, fit.n_tail


def measure_firm_sizes(scn: Scenario, seed: int) -> dict[str, Any]:
    """Firm revenue (mean of the last 12 months), its Zipf exponent, and the SME shares ("56789")."""
    model = EcosystemModel(scn, rng=seed)
    net = model.network
    sales = np.zeros(net.n_firms)
    last = min(12, scn.steps)
    for t in range(scn.steps):
        model.step()
        if t >= scn.steps - last:
            sales += model.flows.output * model.price / last
    ts = model.timeseries()
    alive = model.finance.state.alive.copy()
    innovation = model.innovation.outcomes(ts)
    model.release()
    domestic = alive & ~net.foreign
    firms = sales[alive & (sales > 0)]
    alpha, xmin, k = zipf_exponent(firms)
    innovations = innovation["innovations"]
    return {
        "zipf_exponent": alpha,
        "zipf_threshold": xmin,
        "zipf_tail_firms": float(k),
        "sme_firm_share": 100.0 * float((domestic & (net.kind != LEADER)).sum() / domestic.sum()),
        "sme_employment_share": 100.0 * float(ts["sme_employment_share"].mean()),
        "sme_value_added_share": 100.0 * float(ts["sme_value_added_share"].mean()),
        "sme_innovation_share": 100.0 * innovation["innovations_sme"] / innovations
        if innovations > 0
        else math.nan,
        "series": pd.DataFrame(
            {
                "revenue": np.sort(firms)[::-1],
                "rank": np.arange(1, len(firms) + 1),
                "type": np.array(["leader", "SME", "supplier"])[
                    net.kind[alive & (sales > 0)][np.argsort(-firms, kind="stable")]
                ],
            }
        ),
    }


def measure_acquisitions(scn: Scenario, seed: int) -> dict[str, Any]:
    out = run_scenario(scn, seed=seed).outcomes
    return {"acquisitions": out["acquisitions"], "killer_acquisitions": out["killer_acquisitions"]}
