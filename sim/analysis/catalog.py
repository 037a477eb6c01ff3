"""What every run-level outcome means: its unit, its window, whether it is a paired difference
or a level of the shocked run, and the range its values must stay in.

One table, read by the outcome code, the figures (units), the comparison report (censoring),
docs/OUTCOMES.md (written from it: `python -m sim.analysis.catalog`) and the test that no
bundled scenario's outcome leaves its range. Windows:

- *resilience window*: months [first shock start, last shock end + `window`), cut at the end of
  the run (Scenario.resilience_window); with no shock the run is its own counterfactual;
- *whole run*, *end of run*, *last 12 months*, and *reviews* (the yearly certification reviews
  from month 23 on, pooled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf
WINDOW, RUN, END, LAST_YEAR, REVIEWS = (
    "resilience window",
    "whole run",
    "end of run",
    "last 12 months",
    "reviews from month 23",
)
PAIRED, LEVEL, RATIO = "paired difference", "level", "ratio of paired differences"


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome: what it measures, in what unit, over which months, and its range."""

    name: str
    unit: str
    kind: str
    window: str
    low: float
    high: float  # a bound written 'window' is the window's length in months
    meaning: str
    censored_by: str | None = None  # the 0/1 column that says a run's value was censored


def _spec(name, unit, kind, window, low, high, meaning, censored_by=None) -> OutcomeSpec:
    return OutcomeSpec(name, unit, kind, window, low, high, meaning, censored_by)


_TTR = "time_to_recover"
OUTCOMES: tuple[OutcomeSpec, ...] = (
    # -------------------------------------------------- resilience: shocked run minus counterfactual
    _spec("output_loss_pct", "% of counterfactual output", PAIRED, WINDOW, -INF, 100.0,
          "Output lost against the counterfactual, summed over the window, as a percent of the "
          "counterfactual's output there (negative: the shocked run produced more)."),
    _spec("peak_drop_pct", "% of counterfactual output", PAIRED, WINDOW, 0.0, 100.0,
          "Largest monthly shortfall of output below the counterfactual (0 if never below)."),
    _spec(_TTR, "months", PAIRED, WINDOW, 0.0, "window",
          "Months from the shock's start until output holds >= 95 % of the counterfactual for 3 "
          "months; a run that has not recovered within the window counts the window's length "
          "(censored), so its mean is the restricted mean time to recover.", "time_to_recover_censored"),
    _spec("time_to_recover_censored", "0/1", PAIRED, WINDOW, 0.0, 1.0,
          "1 when output had not recovered by the window's end (time_to_recover is then censored)."),
    _spec("resilience_triangle", "%-months", PAIRED, WINDOW, 0.0, "window100",
          "Area between the counterfactual and the shocked output path where it falls short, in "
          "percent-months of the counterfactual."),
    _spec("unmet_demand_pct", "% of counterfactual demand", PAIRED, WINDOW, -100.0, 100.0,
          "Final demand left unmet beyond the counterfactual's, as a percent of its final demand."),
    _spec("employment_loss_pct", "% of counterfactual employment", PAIRED, WINDOW, -INF, 100.0,
          "Employment lost against the counterfactual, summed over the window (percent)."),
    _spec("direct_loss_pct", "% of counterfactual value added", PAIRED, WINDOW, -INF, 100.0,
          "Value added the directly hit firms lost against the counterfactual, as a percent of "
          "the whole ecosystem's counterfactual value added in the window."),
    _spec("indirect_loss_pct", "% of counterfactual value added", PAIRED, WINDOW, -INF, 100.0,
          "Value added every other firm lost (negative: they gained, e.g. customers moved to them)."),
    _spec("amplification", "total / direct loss", RATIO, WINDOW, -INF, INF,
          "Total over direct value-added loss; NaN where the direct loss is below "
          "AMPLIFICATION_FLOOR_PCT of the window's value added (too small to divide by: the "
          "ratio would be noise). Above 1: the network amplified the loss; below 1: others gained."),
    _spec("output_loss_pct_to_end", "% of counterfactual output", PAIRED, RUN, -INF, 100.0,
          "output_loss_pct from the shock's start to the end of the run (a whole-run figure: it "
          "collects every later divergence, kept for comparison with earlier versions)."),
    _spec("excess_sme_exits", "firms", PAIRED, WINDOW, -INF, INF,
          "Specialized SMEs' exits in the window beyond the counterfactual's."),
    _spec("excess_supplier_exits", "firms", PAIRED, WINDOW, -INF, INF,
          "Domestic suppliers' exits in the window beyond the counterfactual's."),
    _spec("excess_defaults", "firms", PAIRED, WINDOW, -INF, INF,
          "Defaults of all firms in the window beyond the counterfactual's."),
    _spec("excess_policy_cost", "value at base prices", PAIRED, WINDOW, -INF, INF,
          "Public spending in the window beyond the counterfactual's (guarantees called, "
          "subsidies paid on more or less activity)."),
    # -------------------------------------------------------------------- levels of the shocked run
    _spec("sme_exits", "firms", LEVEL, RUN, 0.0, INF, "Exits of specialized SMEs."),
    _spec("supplier_exits", "firms", LEVEL, RUN, 0.0, INF, "Exits of domestic suppliers."),
    _spec("sme_survival_rate", "share of SMEs", LEVEL, RUN, 0.0, 1.0,
          "Share of the specialized SMEs at month 0 that never exited."),
    _spec("defaults_by_contagion", "firms", LEVEL, RUN, 0.0, INF,
          "Defaults within the contagion window of a write-off from a failed customer."),
    _spec("policy_cost", "value at base prices", LEVEL, RUN, 0.0, INF,
          "Public spending on the levers (see each lever's cost rule in the scenario schema)."),
    _spec("sme_value_added_share", "share", LEVEL, RUN, 0.0, 1.0,
          "Small domestic firms' (specialized SMEs' and domestic suppliers') share of domestic "
          "value added, monthly mean."),
    _spec("sme_employment_share", "share", LEVEL, RUN, 0.0, 1.0,
          "Small domestic firms' share of employment, monthly mean."),
    _spec("sourcing_hhi", "HHI, 0-1", LEVEL, END, 0.0, 1.0,
          "Mean Herfindahl index of buyers' sourcing shares per input."),
    _spec("foreign_input_share", "share of raw inputs", LEVEL, RUN, 0.0, 1.0,
          "Share of raw inputs bought from foreign suppliers, monthly mean."),
    # ----------------------------------------------------------------------- innovation (levels)
    _spec("innovations", "count", LEVEL, RUN, 0.0, INF, "Innovations made by all firms."),
    _spec("innovations_per_rd", "per unit of R&D", LEVEL, RUN, 0.0, INF,
          "Innovations per unit of R&D spending (NaN without R&D)."),
    _spec("commercialization_rate", "share", LEVEL, RUN, 0.0, 1.0,
          "Of the innovations old enough to have been used, the share commercialized."),
    _spec("commercialization_lag", "months", LEVEL, RUN, 0.0, INF,
          "Mean months from an innovation to its commercialization (NaN if none was)."),
    _spec("licenses", "count", LEVEL, RUN, 0.0, INF, "Licensing deals."),
    _spec("patent_shares", "count", LEVEL, RUN, 0.0, INF, "Patent-sharing deals."),
    _spec("acquisitions", "count", LEVEL, RUN, 0.0, INF, "Acquisitions of SMEs by leaders."),
    _spec("killer_acquisitions", "count", LEVEL, RUN, 0.0, INF,
          "Acquisitions whose technology was shelved."),
    _spec("imitations", "count", LEVEL, RUN, 0.0, INF, "Imitations of unprotected technology."),
    _spec("tech_growth", "% a year", LEVEL, RUN, -INF, INF,
          "Log growth of the technology index, percent a year."),
    _spec("certified_smes", "firms", LEVEL, END, 0.0, INF, "Certified SMEs (all tiers)."),
    _spec("innovations_sme", "count", LEVEL, RUN, 0.0, INF, "Innovations made by SMEs."),
    _spec("innovations_leader", "count", LEVEL, RUN, 0.0, INF, "Innovations made by leaders."),
    _spec("innovations_per_rd_sme", "per unit of R&D", LEVEL, RUN, 0.0, INF,
          "SMEs' innovations per unit of their R&D."),
    _spec("innovations_per_rd_leader", "per unit of R&D", LEVEL, RUN, 0.0, INF,
          "Leaders' innovations per unit of their R&D."),
    _spec("commercialization_rate_sme", "share", LEVEL, RUN, 0.0, 1.0,
          "commercialization_rate of SMEs' innovations."),
    _spec("commercialization_rate_leader", "share", LEVEL, RUN, 0.0, 1.0,
          "commercialization_rate of leaders' innovations."),
    _spec("commercialized", "count", LEVEL, RUN, 0.0, INF, "Innovations commercialized."),
    _spec("rd_intensity_sme", "share of revenue", LEVEL, LAST_YEAR, 0.0, INF,
          "SMEs' R&D over revenue."),
    _spec("royalties", "value at base prices", LEVEL, RUN, 0.0, INF, "Royalties paid."),
    _spec("joint_projects", "count", LEVEL, RUN, 0.0, INF, "Joint R&D projects started."),
    _spec("fund_investments", "count", LEVEL, RUN, 0.0, INF, "Guided-fund investments."),
    _spec("little_giants", "firms", LEVEL, END, 0.0, INF, "Little giants (the top tier)."),
    _spec("little_giant_share", "share of small firms", LEVEL, REVIEWS, 0.0, 1.0,
          "Little giants among the domestic small firms, mean over the reviews."),
    _spec("little_giant_revenue_share", "share", LEVEL, REVIEWS, 0.0, 1.0,
          "Little giants' share of small firms' revenue, pooled over the reviews."),
    _spec("little_giant_profit_share", "share", LEVEL, REVIEWS, 0.0, 1.0,
          "Little giants' share of the profits of the profitable small firms, pooled over the "
          "reviews (losses are left out of both sums: a signed total crosses zero)."),
    _spec("little_giant_margin_gap", "percentage points", LEVEL, REVIEWS, -INF, INF,
          "Little giants' pooled profit margin minus the other small firms'."),
)  # fmt: skip

CATALOG: dict[str, OutcomeSpec] = {o.name: o for o in OUTCOMES}
UNITS: dict[str, str] = {o.name: o.unit for o in OUTCOMES}
# outcome -> its censoring indicator column (the comparison and the grid means count them)
CENSORED_BY: dict[str, str] = {o.name: o.censored_by for o in OUTCOMES if o.censored_by}
AMPLIFICATION_FLOOR_PCT = 0.05  # % of the window's counterfactual value added


def bounds(spec: OutcomeSpec, window_months: int) -> tuple[float, float]:
    """The range of the outcome's values for a run with the given window length."""
    high = {"window": float(window_months), "window100": 100.0 * window_months}.get(
        spec.high, spec.high
    )
    return float(spec.low), float(high)


def _show(bound: float | str) -> str:
    if isinstance(bound, str):
        return {"window": "window length", "window100": "100 x window length"}[bound]
    return {INF: "+inf", -INF: "-inf"}.get(bound, f"{bound:g}")


def markdown() -> str:
    """docs/OUTCOMES.md: the catalog as a table."""
    lines = [
        "# Run-level outcomes",
        "",
        "Written by `python -m sim.analysis.catalog` from `sim/analysis/catalog.py`; do not edit.",
        "",
        *[line.strip() for line in (__doc__ or "").splitlines()[6:12]],
        "",
        f"`amplification` is NaN where the direct loss is below {AMPLIFICATION_FLOOR_PCT} % of the "
        "window's counterfactual value added. NaN never means 0: `n` beside every mean counts "
        "the finite values.",
        "",
        "| outcome | unit | kind | window | range | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for o in OUTCOMES:
        rng = f"[{_show(o.low)}, {_show(o.high)}]"
        lines.append(f"| `{o.name}` | {o.unit} | {o.kind} | {o.window} | {rng} | {o.meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
