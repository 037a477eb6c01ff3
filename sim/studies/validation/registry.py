"""The registry of validation checks (DESIGN section 10): each published result, defined once.

A check names its experiment (arms = bundled scenarios with overrides, run with the same
replicate seeds: common random numbers), the per-run measurement, the statistics it
reports with their 95 % confidence intervals, the tolerance each must meet and its figure.
"""

from __future__ import annotations

from typing import Any

from sim.studies.validation.definitions import (
    Arm,
    ArmBars,
    Check,
    Finding,
    Tolerance,
    difference,
    mean,
    ratio,
    ratio_difference,
)
from sim.studies.validation.measurements import (
    measure_acquisitions,
    measure_amplification,
    measure_bullwhip,
    measure_customer_losses,
    measure_employment_by_tier,
    measure_firm_sizes,
    measure_sme_exits,
)

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
        figure=ArmBars("amplification", "total / direct value-added loss (ratio)", ref=1.0),
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
        figure=ArmBars(
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
        figure=ArmBars(
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
        figure=ArmBars("sme_exits", "SME exits, months 24-59 (firms)"),
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
        figure="tier_bars",
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
        figure="bullwhip",
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
        figure="firm_sizes",
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
        figure="killer_bars",
        design="scenarios/baseline.yaml, 120 months, with and without merger review (antitrust_review "
        "0.5); the share of leaders' acquisitions of SMEs that shelve an innovation overlapping the "
        "acquirer's own line, pooled over replicates (about 23 acquisitions a run).",
        overrides_note="A run has only a few killer acquisitions, so the pooled share of 30 replicates "
        "is known to about +-1.5 points and its estimate moves with the seed set; the tolerance is "
        "judged on the interval (--reps 100 narrows it to about +-0.8).",
    )
)
