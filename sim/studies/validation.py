"""Validation against published results (DESIGN section 10): one registry of checks.

Each check is defined once, here: its experiment (arms = bundled scenarios with overrides,
run with the same replicate seeds: common random numbers), the per-run measurement, the
statistics it reports with their 95 % confidence intervals and the tolerance each must
meet. `rongtong validate` runs them all; tests/test_validation.py runs the same
definitions at fewer replicates.

Intervals: a mean or a paired difference (replicate r of every arm shares its seed) gets a
t interval over the replicates; a ratio of means gets a percentile bootstrap that resamples
replicates (paired). A tolerance is judged on the interval: a direction the literature
reports must hold for the whole interval (the right side of zero); a magnitude passes when the
interval overlaps the published band (see Tolerance).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from sim.analysis.outcomes import loss_pct
from sim.analysis.statistics import t_interval, tail_exponent
from sim.ecosystem.model import EcosystemModel
from sim.ecosystem.network import LEADER
from sim.errors import InputError
from sim.experiments.designs import replicate_seeds
from sim.experiments.runs import run_scenario
from sim.scenario import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_REPS = 30
LEVEL = 0.95

# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Arm:
    """One scenario of a check's experiment: a bundled scenario file with overrides."""

    label: str
    scenario: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Scenario:
        return load_scenario(SCENARIO_DIR / self.scenario, self.overrides)


@dataclass(frozen=True)
class Statistic:
    """A function of per-replicate columns (arm, metric), paired by replicate.

    `per_replicate`: `fn` maps the columns to one value per replicate (a mean or a paired
    difference: t interval); otherwise `fn` maps them to one number (a ratio of means:
    paired percentile bootstrap over replicates).
    """

    columns: tuple[tuple[str, str], ...]
    fn: Callable[..., Any]
    per_replicate: bool

    def estimate(self, wide: pd.DataFrame, level: float = LEVEL) -> tuple[float, float, float, int]:
        """(estimate, ci_low, ci_high, replicates) from a table of one row a replicate."""
        cols = [
            wide[c].to_numpy(float) if c in wide else np.full(len(wide), np.nan)
            for c in self.columns
        ]
        data = np.column_stack(cols) if cols else np.empty((0, 0))
        data = data[np.isfinite(data).all(axis=1)]  # pairs: replicates where every column exists
        n = len(data)
        if n == 0:
            return math.nan, math.nan, math.nan, 0
        samples = [data[:, i] for i in range(data.shape[1])]
        if self.per_replicate:
            values = np.asarray(self.fn(*samples), float)
            low, high = t_interval(values, level)
            return float(values.mean()), low, high, n
        with np.errstate(divide="ignore", invalid="ignore"):
            value = float(self.fn(*samples))
            if n < 2 or not math.isfinite(value):
                return value, math.nan, math.nan, n
            res = stats.bootstrap(
                samples,
                self.fn,
                paired=True,
                vectorized=False,
                confidence_level=level,
                n_resamples=1999,
                method="percentile",
                rng=np.random.default_rng(0),
            )
        return value, float(res.confidence_interval.low), float(res.confidence_interval.high), n


def mean(arm: str, metric: str) -> Statistic:
    return Statistic(((arm, metric),), lambda x: x, True)


def difference(a: tuple[str, str], b: tuple[str, str]) -> Statistic:
    """a - b within each replicate (the same seed): a paired t interval."""
    return Statistic((a, b), lambda x, y: x - y, True)


def ratio(a: tuple[str, str], b: tuple[str, str], scale: float = 1.0) -> Statistic:
    """scale * mean(a) / mean(b) (a pooled share when a counts part of b)."""
    return Statistic((a, b), lambda x, y: scale * np.mean(x) / np.mean(y), False)


def ratio_difference(
    a: tuple[tuple[str, str], tuple[str, str]],
    b: tuple[tuple[str, str], tuple[str, str]],
    scale: float = 1.0,
) -> Statistic:
    """scale * (mean(a0)/mean(a1) - mean(b0)/mean(b1)): how a pooled share changes between arms."""
    return Statistic(
        (*a, *b),
        lambda w, x, y, z: scale * (np.mean(w) / np.mean(x) - np.mean(y) / np.mean(z)),
        False,
    )


@dataclass(frozen=True)
class Tolerance:
    """What a finding must meet, judged on its 95 % confidence interval.

    on="ci": a direction; the whole interval lies beyond the bound(s) (significant at 5 %).
    on="overlap": a magnitude; the interval overlaps the published band, i.e. the data do not
    put the model outside it (its estimate alone moves with the seeds: the killer-acquisition
    share of 30 replicates ranged over 4.6-8.6 % across three seed sets).
    """

    low: float = -math.inf
    high: float = math.inf
    on: str = "ci"

    def passes(self, est: float, low: float, high: float) -> bool:
        if not (math.isfinite(low) and math.isfinite(high)):
            return False
        if self.on == "overlap":
            return high >= self.low and low <= self.high
        return low > self.low and high < self.high

    def text(self, unit: str = "") -> str:
        u = f" {unit}" if unit and unit != "x" else ""
        if self.on == "overlap":
            if math.isinf(self.high):
                return f"95 % CI reaches ≥ {_num(self.low)}{u}"
            if math.isinf(self.low):
                return f"95 % CI reaches ≤ {_num(self.high)}{u}"
            return f"95 % CI overlaps [{_num(self.low)}, {_num(self.high)}]{u}"
        if math.isinf(self.high):
            return f"95 % CI > {_num(self.low)}{u}"
        if math.isinf(self.low):
            return f"95 % CI < {_num(self.high)}{u}"
        return f"95 % CI inside ({_num(self.low)}, {_num(self.high)}){u}"

    def miss(self, est: float, low: float, high: float, unit: str = "") -> str:
        """By how much a failing finding misses, in words."""
        u = f" {unit}" if unit and unit != "x" else ""
        if not math.isfinite(est):
            return "not measured (no finite value)"
        if not (math.isfinite(low) and math.isfinite(high)):
            return "no interval (too few replicates)"
        if self.on == "overlap":
            if high < self.low:
                return (
                    f"estimate {_num(est)}{u}, CI [{_num(low)}, {_num(high)}] lies {_num(self.low - high)}{u} "
                    f"below {_num(self.low)} (the estimate {_num(self.low - est)}{u} below)"
                )
            return (
                f"estimate {_num(est)}{u}, CI [{_num(low)}, {_num(high)}] lies {_num(low - self.high)}{u} "
                f"above {_num(self.high)} (the estimate {_num(est - self.high)}{u} above)"
            )
        if low <= self.low:
            return (
                f"CI reaches {_num(low)}{u}, not above {_num(self.low)} (by {_num(self.low - low)})"
            )
        return (
            f"CI reaches {_num(high)}{u}, not below {_num(self.high)} (by {_num(high - self.high)})"
        )


@dataclass(frozen=True)
class Finding:
    """One row of the validation table."""

    claim: str  # what the model gives, in words
    literature: str  # what the literature reports
    statistic: Statistic
    tolerance: Tolerance
    unit: str = ""


@dataclass(frozen=True)
class Check:
    """One published result: an experiment, a per-run measurement and the findings it must show."""

    key: str
    title: str
    source: str
    arms: tuple[Arm, ...]
    measure: Callable[[Scenario, int], dict[str, Any]]
    findings: tuple[Finding, ...]
    figure: Callable[[CheckResult], tuple[Any, pd.DataFrame]]  # the figure and its data
    design: str  # the experiment in words (report)
    overrides_note: str = ""  # check-specific settings and why they are honest
    if_fails: str = ""  # the model mechanism behind a miss, if it misses


# ---------------------------------------------------------------- measurements (run in workers)


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
    ts = res.timeseries
    return {
        "sme_exits": float(ts["sme_exits"].iloc[start:end].sum()),
        "sme_exits_cf": float(res.counterfactual["sme_exits"].iloc[start:end].sum()),
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


# ---------------------------------------------------------------- figures


def _style():
    """pyplot and seaborn in the project's figure style (imported when a figure is drawn)."""
    from sim.views.plots import STYLE, plt, sns

    sns.set_theme(**STYLE)
    return plt, sns


def _arm_means(check: Check, runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = []
    for arm in check.arms:
        est, low, high, n = mean(arm.label, metric).estimate(_wide(runs))
        rows.append(
            {
                "arm": arm.label,
                "metric": metric,
                "mean": est,
                "ci_low": low,
                "ci_high": high,
                "n": n,
            }
        )
    return pd.DataFrame(rows)


def bar_figure(
    metric: str, ylabel: str, band: tuple[float, float] | None = None, ref: float | None = None
):
    """Mean of `metric` per arm with its 95 % t interval (the table's statistic)."""

    def draw(result: CheckResult):
        from sim.views.plots import ci_bar_figure

        data = _arm_means(result.check, result.runs, metric)
        fig = ci_bar_figure(
            data, "arm", "mean", xlabel="scenario arm", ylabel=ylabel,
            title=f"{result.check.title}: mean of {int(data['n'].max())} replicates, 95 % CI",
            figsize=(7.5, 4.2), band=band, ref=ref, tilt=True,
        )  # fmt: skip
        return fig, data

    return draw


def bullwhip_figure(result: CheckResult):
    """Mean output of each tier relative to the counterfactual, with 95 % t bands."""
    from sim.analysis.statistics import mean_ci

    check, series = result.check, result.series
    plt, sns = _style()
    cols = ["final demand", *TIERS]
    long = series.melt(
        id_vars=["replicate", "step"], value_vars=cols, var_name="tier", value_name="pct"
    )
    data = mean_ci(long, "pct", ["tier", "step"])
    fig, ax = plt.subplots(figsize=(8, 4.2))
    palette = dict(zip(cols, sns.color_palette(n_colors=len(cols)), strict=True))
    sns.lineplot(data=data, x="step", y="mean", hue="tier", hue_order=cols, palette=palette, ax=ax)
    for tier, band in data.groupby("tier"):
        ax.fill_between(
            band["step"], band["ci_low"], band["ci_high"], color=palette[tier], alpha=0.2
        )
    start, end = bullwhip_window(result.scenario(check.arms[0]))
    ax.axvspan(start, end - 1, color="grey", alpha=0.08, label="window of the swing")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("month")
    ax.set_ylabel("output, % of the no-shock counterfactual")
    ax.set_title(f"{check.title}: 20 % final-demand drop at month 24 (mean, 95 % band)")
    return fig, data


def firm_size_figure(result: CheckResult):
    """Rank-size plot of firm revenue (first replicate), log-log, with the fitted Zipf slope."""
    check, runs, series = result.check, result.runs, result.series
    plt, sns = _style()
    first = series[series["replicate"] == series["replicate"].min()]
    row = runs[(runs["replicate"] == first["replicate"].iloc[0])].iloc[0]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    sns.scatterplot(data=first, x="rank", y="revenue", hue="type", s=14, linewidth=0, ax=ax)
    alpha, xmin = row["zipf_exponent"], row["zipf_threshold"]
    k = int(row["zipf_tail_firms"])
    if math.isfinite(alpha):
        ranks = np.arange(1, k + 1)
        ax.plot(ranks, xmin * (ranks / k) ** (-1.0 / alpha), color="black", lw=1.2,
                label=f"Pareto tail, exponent {alpha:.2f}")  # fmt: skip
    ax.axhline(xmin, color="grey", linestyle=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rank by revenue (1 = largest firm)")
    ax.set_ylabel("revenue (million yuan per month, base prices)")
    ax.set_title(f"{check.title}: rank-size plot, replicate {int(row['replicate'])}")
    ax.legend(loc="lower left", fontsize="small")
    return fig, first


# ---------------------------------------------------------------- the registry

_DISRUPT_10PCT = [
    {
        "type": "supplier_disruption",
        "target": "random",
        "tier": "supplier",
        "count": None,
        "share": 0.1,
        "capacity_loss": 1.0,
        "start": 24,
        "duration": 6,
    }
]


def _ten_suppliers(months: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "supplier_disruption",
            "target": "random",
            "tier": "supplier",
            "count": 10,
            "capacity_loss": 1.0,
            "start": 24,
            "duration": months,
        }
    ]


_SPEC = [
    ("all inputs generic", {"ecosystem.specific_share": 0.0}),
    ("all inputs specific", {"ecosystem.specific_share": 1.0}),
]

CHECKS: dict[str, Check] = {}


def register(check: Check) -> Check:
    CHECKS[check.key] = check
    return check


register(
    Check(
        key="amplification",
        title="Amplification",
        source="Inoue & Todo 2019; Hallegatte 2008",
        arms=(
            Arm("15 days (default)", "baseline.yaml", {"steps": 42, "shocks": _DISRUPT_10PCT}),
            Arm(
                "5 days",
                "baseline.yaml",
                {"steps": 42, "shocks": _DISRUPT_10PCT, "production.inventory_days": 5},
            ),
            Arm(
                "30 days",
                "baseline.yaml",
                {"steps": 42, "shocks": _DISRUPT_10PCT, "production.inventory_days": 30},
            ),
            *(
                Arm(label, "baseline.yaml", {"steps": 42, "shocks": _DISRUPT_10PCT, **o})
                for label, o in _SPEC
            ),
        ),  # fmt: skip
        measure=measure_amplification,
        findings=(
            Finding(
                "total / direct value-added loss",
                "indirect losses far exceed direct ones (Nankai scenario: 10.6 % vs 0.5 % of GDP)",
                mean("15 days (default)", "amplification"),
                Tolerance(low=1.0),
                "x",
            ),
            Finding(
                "ratio with 5 minus with 30 days of inventory",
                "the ratio rises as inventories shrink",
                difference(("5 days", "amplification"), ("30 days", "amplification")),
                Tolerance(low=0.0),
            ),
            Finding(
                "ratio, all inputs specific minus all generic",
                "larger when inputs are hard to substitute",
                difference(
                    ("all inputs specific", "amplification"),
                    ("all inputs generic", "amplification"),
                ),
                Tolerance(low=0.0),
            ),
        ),
        figure=bar_figure("amplification", "total / direct value-added loss (ratio)", ref=1.0),
        design="10 % of suppliers (random) lose all capacity for 6 months from month 24; value-added "
        "losses of all firms against the paired no-shock run, months 24-41; the direct loss is that "
        "of the firms hit. Arms: inventory target 5 / 15 / 30 days; all inputs generic or specific.",
        overrides_note="Runs end at month 42 (18 months after the shock starts), so that the ratio is "
        "not swamped by later, unrelated divergence of the two runs (exits, entry, R&D draws); a "
        "random tenth of suppliers is hit instead of the five largest (scenarios/supplier_disruption.yaml), "
        "whose customers re-source at once and make the direct loss a small, noisy denominator.",
        if_fails="",
    )
)

register(
    Check(
        key="input_specificity",
        title="Input specificity",
        source="Barrot & Sauvagnat 2016",
        arms=(
            *(
                Arm(label, "baseline.yaml", {"steps": 48, "shocks": _ten_suppliers(12), **o})
                for label, o in _SPEC
            ),
            Arm(
                "specific + standardization",
                "baseline.yaml",
                {
                    "steps": 48,
                    "shocks": _ten_suppliers(12),
                    "ecosystem.specific_share": 1.0,
                    "policy.standardization": 1.0,
                },
            ),
        ),  # fmt: skip
        measure=measure_customer_losses,
        findings=(
            Finding(
                "customers' sales loss, specific minus generic inputs",
                "customers lose sales when the input is specific",
                difference(
                    ("all inputs specific", "customer_loss_pct"),
                    ("all inputs generic", "customer_loss_pct"),
                ),
                Tolerance(low=0.0),
                "pp",
            ),
            Finding(
                "customers' loss, generic / specific inputs",
                "hardly any loss when the input is generic",
                ratio(
                    ("all inputs generic", "customer_loss_pct"),
                    ("all inputs specific", "customer_loss_pct"),
                ),
                Tolerance(high=1 / 3, on="overlap"),
                "x",
            ),
            Finding(
                "customers' loss, standardization 1 minus 0 (specific inputs)",
                "standardization shrinks customer losses (DESIGN §10.2)",
                difference(
                    ("specific + standardization", "customer_loss_pct"),
                    ("all inputs specific", "customer_loss_pct"),
                ),
                Tolerance(high=0.0),
                "pp",
            ),
        ),
        figure=bar_figure(
            "customer_loss_pct", "customers' sales loss, months 24-47 (% of counterfactual)"
        ),
        design="10 random suppliers lose all capacity for 12 months from month 24; the sales of their "
        "direct customers (firms ordering from them at month 24) against the paired no-shock run, "
        "months 24-47. Arms: all input categories generic, all specific, all specific with "
        "standardization 1.",
        overrides_note="All categories generic or all specific (specific_share 0 / 1) instead of the "
        "baseline's half-half, so that every customer's input has the property compared. The "
        "disruption lasts 12 months, not the 6 of the other checks: re-sourcing takes months in the "
        "model (2 months' patience, then a 3-month search for a generic input, 9 for a specific "
        "one), so after a 6-month disruption most searches of either kind end when the supplier is "
        "back, and the two kinds of input differ little.",
        if_fails="A customer of a generic input still loses in the model: its remaining seller of the "
        "input has only 20 % spare capacity (capacity_slack) and new sellers are found only after "
        "search_patience (2 months) plus search_months (3 months). Barrot & Sauvagnat's generic inputs "
        "come from thick markets. The mechanism that would close the gap is spot re-sourcing of "
        "generic inputs: orders for a generic category that its usual sellers cannot fill going the "
        "same month to any seller of the category with spare capacity (no search). A diagnostic run "
        "at the time of writing (8 replicates) approximated it with parameters: a 0.5-month search for "
        "generic inputs (specific ones kept at 9 months), 1 month of patience, full re-weighting of "
        "generic inputs, 100 % spare capacity everywhere: the ratio fell to 0.35 [0.21, 0.47]. What remains is "
        "the monthly step: a customer cannot react within the month its supplier fails.",
    )
)

register(
    Check(
        key="inventory_buffers",
        title="Inventory buffers",
        source="Barrot & Sauvagnat 2016; Lafrogne-Joussier, Martin & Méjean 2022",
        arms=tuple(
            Arm(
                f"{days} days",
                "baseline.yaml",
                {"steps": 42, "shocks": _ten_suppliers(6), "production.inventory_days": days},
            )
            for days in (5, 15, 30)
        ),  # fmt: skip
        measure=measure_customer_losses,
        findings=(
            Finding(
                "customers' sales loss, 5 minus 15 days of inventory",
                "customers holding more input inventory lose less",
                difference(("5 days", "customer_loss_pct"), ("15 days", "customer_loss_pct")),
                Tolerance(low=0.0),
                "pp",
            ),
            Finding(
                "customers' sales loss, 15 minus 30 days of inventory",
                "(the same, further up the range)",
                difference(("15 days", "customer_loss_pct"), ("30 days", "customer_loss_pct")),
                Tolerance(low=0.0),
                "pp",
            ),
        ),
        figure=bar_figure(
            "customer_loss_pct", "customers' sales loss, months 24-41 (% of counterfactual)"
        ),
        design="10 random suppliers lose all capacity for 6 months from month 24; sales of their direct "
        "customers against the paired no-shock run, months 24-41. Arms: inventory target 5 / 15 / 30 "
        "days of input use (Inoue & Todo use 9-15, DisruptSC 30).",
        overrides_note="Runs end at month 42 (the window of the loss).",
    )
)

register(
    Check(
        key="payment_terms",
        title="Payment terms",
        source="Barrot 2016",
        arms=(
            Arm("no cap", "demand_drop.yaml", {"steps": 60}),
            Arm("60-day cap", "payment_cap_60d.yaml", {"steps": 60}),
        ),
        measure=measure_sme_exits,
        findings=(
            Finding(
                "SME exits, months 24-59: 60-day cap minus no cap",
                "capping payment terms lowers small firms' default rates",
                difference(("60-day cap", "sme_exits"), ("no cap", "sme_exits")),
                Tolerance(high=0.0),
                "firms",
            ),
        ),
        figure=bar_figure("sme_exits", "SME exits, months 24-59 (firms)"),
        design="scenarios/demand_drop.yaml (final demand -20 % from month 24, linear recovery over 12 "
        "months) against scenarios/payment_cap_60d.yaml (the same with leaders' payment terms to "
        "smaller firms capped at 60 days); exits of specialized SMEs and domestic suppliers, months 24-59.",
        overrides_note="Runs end at month 60 (the window of the count).",
    )
)

register(
    Check(
        key="credit_crunch",
        title="Credit crunch",
        source="Chodorow-Reich 2014",
        arms=(Arm("credit crunch", "credit_crunch.yaml", {"steps": 48}),),
        measure=measure_employment_by_tier,
        findings=(
            Finding(
                "employment loss, SMEs minus leaders",
                "bank-dependent small firms cut employment, the largest firms hardly",
                difference(
                    ("credit crunch", "employment_loss_sme"),
                    ("credit crunch", "employment_loss_leader"),
                ),
                Tolerance(low=0.0),
                "pp",
            ),
            Finding(
                "employment loss, SMEs / leaders",
                "clearly more at SMEs",
                ratio(
                    ("credit crunch", "employment_loss_sme"),
                    ("credit crunch", "employment_loss_leader"),
                ),
                Tolerance(low=1.5, on="overlap"),
                "x",
            ),
        ),
        figure=lambda result: _tier_bars(result.check, result.runs),
        design="scenarios/credit_crunch.yaml: base rate +2 pp and credit lines -50 % for 12 months from "
        "month 24; employment of specialized SMEs and of leaders against the paired no-shock run, "
        "months 24-47 (% of the counterfactual).",
        overrides_note="Runs end at month 48 (the window of the loss).",
    )
)

register(
    Check(
        key="bullwhip",
        title="Bullwhip",
        source="Lee, Padmanabhan & Whang 1997",
        arms=(Arm("demand drop", "demand_drop.yaml", {"steps": 60}),),
        measure=measure_bullwhip,
        findings=(
            Finding(
                "output swing, SMEs minus leaders",
                "swings grow with distance from final demand",
                difference(("demand drop", "swing_sme"), ("demand drop", "swing_leader")),
                Tolerance(low=0.0),
                "pp",
            ),
            Finding(
                "output swing, suppliers minus SMEs",
                "(one tier further up)",
                difference(("demand drop", "swing_supplier"), ("demand drop", "swing_sme")),
                Tolerance(low=0.0),
                "pp",
            ),
        ),
        figure=bullwhip_figure,
        design="scenarios/demand_drop.yaml: final demand -20 % from month 24, linear recovery over 12 "
        "months; each tier's gross output relative to the paired no-shock run; the swing is its "
        "peak-to-trough range over months 24-41, the drop and recovery plus 6 months (percentage "
        "points of the counterfactual).",
        overrides_note="Runs end at month 60 (the figure shows the months after the window too).",
    )
)

register(
    Check(
        key="firm_sizes",
        title="Firm sizes",
        source='Axtell 2001; MIIT / China Association of SMEs ("56789")',
        arms=(Arm("baseline", "baseline.yaml"),),
        measure=measure_firm_sizes,
        findings=(
            Finding(
                "Zipf tail exponent of firm revenue",
                "Zipf: exponent about 1 (DESIGN: 0.8-1.3)",
                mean("baseline", "zipf_exponent"),
                Tolerance(0.8, 1.3, on="overlap"),
            ),
            Finding(
                "SME share of firms",
                "> 90 % of firms",
                mean("baseline", "sme_firm_share"),
                Tolerance(low=85.0, on="overlap"),
                "%",
            ),
            Finding(
                "SME share of employment",
                "> 80 % of urban jobs",
                mean("baseline", "sme_employment_share"),
                Tolerance(low=75.0, on="overlap"),
                "%",
            ),
            Finding(
                "SME share of value added",
                "> 60 % of GDP",
                mean("baseline", "sme_value_added_share"),
                Tolerance(low=55.0, on="overlap"),
                "%",
            ),
            Finding(
                "SME share of innovations",
                "> 70 % of innovation",
                mean("baseline", "sme_innovation_share"),
                Tolerance(low=65.0, on="overlap"),
                "%",
            ),
        ),
        figure=firm_size_figure,
        design="scenarios/baseline.yaml, 120 months, no shock. Firm size: revenue at base prices, mean "
        "of the last 12 months, all firms alive. Zipf exponent: maximum-likelihood Pareto exponent "
        "(Hill) above the threshold that minimizes the Kolmogorov-Smirnov distance (Clauset, Shalizi "
        "& Newman 2009), at least 50 firms in the tail. Shares: domestic firms; SMEs are specialized "
        "SMEs and domestic suppliers; employment and value added are run means.",
        overrides_note='The "56789" figures are national lower bounds for all Chinese SMEs; a share '
        'passes within 5 points below the figure (tax, the "5", has no counterpart in the model).',
    )
)

register(
    Check(
        key="killer_acquisitions",
        title="Killer acquisitions",
        source="Cunningham, Ederer & Ma 2021",
        arms=(
            Arm("no review", "baseline.yaml"),
            Arm("antitrust review 0.5", "baseline.yaml", {"policy.antitrust_review": 0.5}),
        ),
        measure=measure_acquisitions,
        findings=(
            Finding(
                "killer acquisitions, % of acquisitions (pooled)",
                "5.3-7.4 % of acquisitions (pharmaceuticals)",
                ratio(
                    ("no review", "killer_acquisitions"), ("no review", "acquisitions"), scale=100.0
                ),
                Tolerance(5.3, 7.4, on="overlap"),
                "%",
            ),
            Finding(
                "killer share, review 0.5 minus none",
                "fewer when mergers are reviewed",
                ratio_difference(
                    (
                        ("antitrust review 0.5", "killer_acquisitions"),
                        ("antitrust review 0.5", "acquisitions"),
                    ),
                    (("no review", "killer_acquisitions"), ("no review", "acquisitions")),
                    scale=100.0,
                ),
                Tolerance(high=0.0),
                "pp",
            ),
        ),
        figure=lambda result: _killer_bars(result.check, result.runs),
        design="scenarios/baseline.yaml, 120 months, with and without merger review (antitrust_review "
        "0.5); the share of leaders' acquisitions of SMEs that shelve an innovation overlapping the "
        "acquirer's own line, pooled over replicates (about 23 acquisitions a run).",
        overrides_note="A run has only a few killer acquisitions, so the pooled share of 30 replicates "
        "is known to about +-1.5 points and its estimate moves with the seed set; the tolerance is "
        "judged on the interval (--reps 100 narrows it to about +-0.8).",
    )
)


def _tier_bars(check: Check, runs: pd.DataFrame):
    from sim.views.plots import ci_bar_figure

    rows = []
    for t in TIERS:
        est, low, high, n = mean(check.arms[0].label, f"employment_loss_{t}").estimate(_wide(runs))
        rows.append({"tier": t, "mean": est, "ci_low": low, "ci_high": high, "n": n})
    data = pd.DataFrame(rows)
    fig = ci_bar_figure(
        data, "tier", "mean", xlabel="tier",
        ylabel="employment loss, months 24-47 (% of counterfactual)",
        title=f"{check.title}: mean of {int(data['n'].max())} replicates, 95 % CI",
    )  # fmt: skip
    return fig, data


def _killer_bars(check: Check, runs: pd.DataFrame):
    from sim.views.plots import ci_bar_figure

    wide = _wide(runs)
    rows = []
    for arm in check.arms:
        stat = ratio((arm.label, "killer_acquisitions"), (arm.label, "acquisitions"), scale=100.0)
        est, low, high, n = stat.estimate(wide)
        rows.append(
            {"arm": arm.label, "killer_share_pct": est, "ci_low": low, "ci_high": high, "n": n}
        )
    data = pd.DataFrame(rows)
    fig = ci_bar_figure(
        data, "arm", "killer_share_pct", xlabel="scenario arm",
        ylabel="killer acquisitions (% of acquisitions)",
        title=f"{check.title}: pooled over {int(data['n'].max())} replicates, 95 % bootstrap CI",
        band=(5.3, 7.4), band_label="Cunningham et al. 2021: 5.3-7.4 %",
    )  # fmt: skip
    return fig, data


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class ValidationTask:
    """One run of one arm of one check (picklable: travels to worker processes and Dask workers)."""

    check: str
    arm: str
    replicate: int
    seed: int
    scenario: Scenario


def execute_task(task: ValidationTask) -> dict[str, Any]:
    """Run and measure; an error is recorded, not raised (the other runs go on)."""
    started = time.perf_counter()
    try:
        values = CHECKS[task.check].measure(task.scenario, task.seed)
        error = None
    except Exception as exc:  # recorded with its seed; the check then lacks that replicate
        values, error = {}, f"{type(exc).__name__}: {exc}".replace("\n", " ")
    series = values.pop("series", None)
    return {
        "check": task.check,
        "arm": task.arm,
        "replicate": task.replicate,
        "seed": task.seed,
        "values": {k: float(v) for k, v in values.items()},
        "series": series,
        "error": error,
        "seconds": time.perf_counter() - started,
    }


def select_checks(names: Sequence[str] | None) -> list[Check]:
    if not names:
        return list(CHECKS.values())
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise InputError(
            f"--check {unknown[0]}: unknown check; expected one of: {', '.join(CHECKS)}"
        )
    return [CHECKS[n] for n in dict.fromkeys(names)]


def plan(checks: Sequence[Check], reps: int, seed: int = 0) -> list[ValidationTask]:
    """Every arm of every check runs replicates with the same seeds (common random numbers)."""
    seeds = replicate_seeds(seed, reps)
    tasks = []
    for check in checks:
        scenarios = {arm.label: arm.load() for arm in check.arms}
        for r, s in enumerate(seeds):
            tasks.extend(
                ValidationTask(check.key, label, r, s, scn) for label, scn in scenarios.items()
            )
    return tasks


def _wide(runs: pd.DataFrame) -> pd.DataFrame:
    """One row a replicate, columns (arm, metric)."""
    if runs.empty:
        return pd.DataFrame()
    metrics = [
        c
        for c in runs.columns
        if c not in ("check", "arm", "replicate", "seed", "error", "seconds")
    ]
    wide = runs.pivot(index="replicate", columns="arm", values=metrics)
    return wide.swaplevel(axis=1)  # columns (arm, metric)


@dataclass
class CheckResult:
    check: Check
    rows: list[dict[str, Any]]
    runs: pd.DataFrame
    series: pd.DataFrame
    scenarios: dict[str, Scenario] = field(default_factory=dict)  # arm label -> as run

    @property
    def passed(self) -> bool:
        return all(r["pass"] for r in self.rows)

    def scenario(self, arm: Arm) -> Scenario:
        """The arm's scenario as it ran (loaded here only when the result came without it)."""
        if arm.label not in self.scenarios:
            self.scenarios[arm.label] = arm.load()
        return self.scenarios[arm.label]


def evaluate(
    check: Check,
    runs: pd.DataFrame,
    series: pd.DataFrame | None = None,
    scenarios: dict[str, Scenario] | None = None,
) -> CheckResult:
    """The check's findings from its per-run table (one row a run: arm, replicate, metrics)."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    wide = _wide(ok.drop(columns=["check"], errors="ignore"))
    rows = []
    for f in check.findings:
        est, low, high, n = f.statistic.estimate(wide)
        passed = f.tolerance.passes(est, low, high)
        rows.append(
            {
                "check": check.title,
                "source": check.source,
                "claim": f.claim,
                "literature": f.literature,
                "estimate": est,
                "ci_low": low,
                "ci_high": high,
                "unit": f.unit,
                "replicates": n,
                "tolerance": f.tolerance.text(f.unit),
                "pass": passed,
                "miss": "" if passed else f.tolerance.miss(est, low, high, f.unit),
            }
        )
    series = series if series is not None else pd.DataFrame()
    return CheckResult(check, rows, runs, series, dict(scenarios or {}))


@dataclass
class ValidationRun:
    """The checks' results and how they were obtained (for the report)."""

    results: list[CheckResult]
    reps: int
    seed: int
    seconds: float
    executor: str

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def run_validation(
    checks: Sequence[Check] | None = None,
    *,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int | None = None,
    dask: Any = None,
    progress: bool = True,
) -> ValidationRun:
    """Run the checks' experiments on one executor (all runs of all checks at once) and evaluate them."""
    from rich.console import Console

    from sim.experiments.executors import make_executor
    from sim.experiments.progress import RunProgress

    started = time.perf_counter()
    checks = list(checks or CHECKS.values())
    tasks = plan(checks, reps, seed)
    records = []
    bar = RunProgress("validate", len(tasks), progress, Console(stderr=True))
    with make_executor(workers, dask, len(tasks)) as executor, bar:
        for record in executor.imap_unordered(execute_task, tasks):
            records.append(record)
            bar.advance(record["error"] is None)
    results = []
    for check in checks:
        mine = sorted(
            (r for r in records if r["check"] == check.key),
            key=lambda r: (r["replicate"], r["arm"]),
        )
        runs = pd.DataFrame(
            [
                {k: r[k] for k in ("check", "arm", "replicate", "seed", "error", "seconds")}
                | r["values"]
                for r in mine
            ]
        )
        frames = [
            r["series"].assign(arm=r["arm"], replicate=r["replicate"])
            for r in mine
            if r["series"] is not None
        ]
        series = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        scenarios = {t.arm: t.scenario for t in tasks if t.check == check.key}
        results.append(evaluate(check, runs, series, scenarios))
    return ValidationRun(results, reps, seed, time.perf_counter() - started, executor.description)


# ---------------------------------------------------------------- reporting


def _num(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "NaN" if x is None or math.isnan(x) else ("∞" if x > 0 else "-∞")
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def model_cell(row: dict[str, Any]) -> str:
    unit = "" if row["unit"] in ("", "x") else f" {row['unit']}"
    ci = f" [{_num(row['ci_low'])}, {_num(row['ci_high'])}]" if math.isfinite(row["ci_low"]) else ""
    return f"{_num(row['estimate'])}{unit}{ci}"


def arm_file(check: Check, arm: Arm) -> str:
    slug = "".join(c if c.isalnum() else "_" for c in arm.label.lower()).strip("_")
    return f"{check.key}__{slug}.yaml"


def table_frame(results: Sequence[CheckResult]) -> pd.DataFrame:
    return pd.DataFrame([row for res in results for row in res.rows])


def rich_table(run: ValidationRun):
    from rich import box
    from rich.table import Table

    results, reps = run.results, run.reps
    table = Table(
        title=f"Validation against published results ({reps} replicates, common random numbers)",
        box=box.SIMPLE_HEAD,
        show_lines=False,
        caption="model: estimate [95 % CI]; differences are paired by replicate (t), ratios use a paired bootstrap",
    )
    for name in (
        "check",
        "source",
        "literature reports",
        "model gives",
        "95 % CI",
        "tolerance",
        "result",
    ):
        table.add_column(name, overflow="fold")
    for i, res in enumerate(results):
        for j, row in enumerate(res.rows):
            unit = "" if row["unit"] in ("", "x") else f" {row['unit']}"
            table.add_row(
                row["check"] if j == 0 else "",
                row["source"] if j == 0 else "",
                row["literature"],
                f"{row['claim']}: {_num(row['estimate'])}{unit}",
                f"[{_num(row['ci_low'])}, {_num(row['ci_high'])}]",
                row["tolerance"],
                "[green]pass[/green]" if row["pass"] else "[red]FAIL[/red]",
                end_section=j == len(res.rows) - 1 and i < len(results) - 1,
            )
    return table


def markdown_table(results: Sequence[CheckResult]) -> str:
    lines = [
        "| check | source | literature reports | model gives (95 % CI) | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for res in results:
        for j, row in enumerate(res.rows):
            cells = [
                f"**{row['check']}**" if j == 0 else "",
                row["source"] if j == 0 else "",
                row["literature"],
                f"{row['claim']}: {model_cell(row)}",
                row["tolerance"],
                "pass" if row["pass"] else "**FAIL**",
            ]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def write_report(run: ValidationRun, out: Path) -> list[Path]:
    """report.md (table, design, figures, misses), findings.csv, runs.csv and one figure per check."""
    import os

    from sim.io import write_atomic, write_text
    from sim.views.plots import save_figure

    results, reps, seed = run.results, run.reps, run.seed
    out = Path(out)
    written: list[Path] = []
    for res in results:
        if res.runs.empty:
            continue
        fig, data = res.check.figure(res)
        written += save_figure(fig, out / f"{res.check.key}.png", data)
    table = table_frame(results)
    written.append(write_atomic(out / "findings.csv", lambda p: table.to_csv(p, index=False)))
    for res in (
        results
    ):  # the resolved scenario of every arm: `rongtong run FILE --seed S` reproduces a run
        for arm in res.check.arms:
            data = res.scenario(arm).model_dump(mode="json")
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            written.append(write_text(out / "scenarios" / arm_file(res.check, arm), text))
    runs = (
        pd.concat(
            [
                r.runs.assign(
                    scenario_file=r.runs["arm"].map(
                        {a.label: arm_file(r.check, a) for a in r.check.arms}
                    )
                )
                for r in results
                if not r.runs.empty
            ],
            ignore_index=True,
        )
        if any(not r.runs.empty for r in results)
        else pd.DataFrame()
    )
    written.append(write_atomic(out / "runs.csv", lambda p: runs.to_csv(p, index=False)))
    n_pass = sum(r.passed for r in results)
    lines = [
        "# Validation against published results",
        "",
        f"`rongtong validate --reps {reps} --seed {seed}`: {len(results)} checks of DESIGN.md section 10, "
        f"{n_pass} pass, {len(results) - n_pass} fail. {reps} replicates per arm; replicate r has the same "
        f"seed in every arm of every check (common random numbers). Every run is reproduced by "
        f"`rongtong run scenarios/<check>__<arm>.yaml --seed <seed>` with the files of this folder and "
        f"the seeds in runs.csv. Wall time {run.seconds:.0f} s on {run.executor}; load average "
        f"{os.getloadavg()[0]:.1f} when it ended.",
        "",
        "Model: estimate [95 % confidence interval]. A difference is paired within replicates (t "
        "interval); a ratio of means uses a percentile bootstrap that resamples replicates. A "
        "direction must hold for the whole interval; a magnitude passes when the interval overlaps the "
        "published band (the data do not put the model outside it).",
        "",
        markdown_table(results),
        "",
    ]
    for res in results:
        c = res.check
        lines += [
            f"## {c.title} ({c.source}): {'pass' if res.passed else 'FAIL'}",
            "",
            f"**Design.** {c.design}",
            "",
        ]
        if c.overrides_note:
            lines += [f"**Check-specific settings.** {c.overrides_note}", ""]
        errors = res.runs["error"].notna().sum() if "error" in res.runs else 0
        if errors:
            lines += [f"**Failed runs:** {errors} (left out; see runs.csv).", ""]
        for row in res.rows:
            if not row["pass"]:
                lines += [
                    f"**Misses:** {row['claim']}: {row['miss']} (tolerance: {row['tolerance']}).",
                    "",
                ]
        if not res.passed and c.if_fails:
            lines += [f"**Why.** {c.if_fails}", ""]
        if not res.runs.empty:
            lines += [
                f"![{c.title}]({c.key}.png)",
                "",
                f"Data behind the figure: `{c.key}.csv`.",
                "",
            ]
    written.append(write_text(out / "report.md", "\n".join(lines)))
    return written
