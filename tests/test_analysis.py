"""Paired comparisons and confidence intervals, on synthetic tidy tables where the truth is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.statistics import mean_ci, measured_outcomes, paired_differences

TRUE_EFFECT = 1.5


def synthetic_experiment(rng: np.random.Generator, units: int = 12) -> pd.DataFrame:
    """Two arms sharing a large per-unit effect (the seed), plus small own noise; arm B adds TRUE_EFFECT.

    Column names differ from the model's on purpose: the analysis must work on any tidy table.
    """
    shared = rng.normal(0.0, 10.0, units)
    rows = []
    for arm, effect in (("A", 0.0), ("B", TRUE_EFFECT)):
        own = rng.standard_t(df=5, size=units)
        for u in range(units):
            rows.append({"arm": arm, "unit": u, "y": 50.0 + shared[u] + effect + own[u]})
    return pd.DataFrame(rows)


def coverage(method: str, trials: int, units: int = 12, resamples: int = 9999) -> float:
    rng = np.random.default_rng(12345)
    hits = 0
    for trial in range(trials):
        table = synthetic_experiment(rng, units)
        res = paired_differences(
            table, ["y"], by="arm", pair="unit", method=method, resamples=resamples, seed=trial
        )
        b = res[res["arm"] == "B"].iloc[0]
        hits += b["ci_low"] <= TRUE_EFFECT <= b["ci_high"]
    return hits / trials


def binomial_band(p: float, trials: int) -> tuple[float, float]:
    """Where the observed coverage of a correct p-interval falls with probability 0.999."""
    low, high = stats.binom.interval(0.999, trials, p)
    return low / trials, high / trials


def test_t_intervals_contain_the_true_paired_difference_at_their_nominal_rate():
    trials = 600
    low, high = binomial_band(0.95, trials)
    assert low <= coverage("t", trials) <= high


def test_bootstrap_intervals_contain_the_true_paired_difference_given_enough_pairs():
    # with 40 pairs BCa is near its nominal rate; with 12 it undercovers (about 86 % here),
    # which is why the t-interval is the default and --bootstrap asks for more replicates
    trials = 200
    low, high = binomial_band(0.95, trials)
    assert low <= coverage("bootstrap", trials, units=40, resamples=1999) <= high


def test_pairing_removes_the_shared_noise():
    rng = np.random.default_rng(7)
    table = synthetic_experiment(rng, units=20)
    paired = paired_differences(table, ["y"], by="arm", pair="unit").set_index("arm").loc["B"]
    a = table.loc[table["arm"] == "A", "y"].to_numpy()
    b = table.loc[table["arm"] == "B", "y"].to_numpy()
    unpaired = stats.ttest_ind(b, a).confidence_interval(0.95)
    assert paired["ci_high"] - paired["ci_low"] < 0.25 * (unpaired.high - unpaired.low)
    assert paired["difference"] == pytest.approx(float(np.mean(b - a)))


def test_the_reference_row_has_a_mean_but_no_difference():
    table = synthetic_experiment(np.random.default_rng(1))
    res = paired_differences(table, ["y"], by="arm", pair="unit")
    ref = res[res["arm"] == "A"].iloc[0]
    assert ref["mean"] == pytest.approx(table.loc[table["arm"] == "A", "y"].mean())
    assert math.isnan(ref["difference"]) and math.isnan(ref["ci_low"])
    assert res.attrs["reference"] == ("A",)


def test_an_explicit_reference_flips_the_sign():
    table = synthetic_experiment(np.random.default_rng(2))
    first = paired_differences(table, ["y"], by="arm", pair="unit").set_index("arm")
    flipped = paired_differences(table, ["y"], by="arm", pair="unit", reference="B").set_index(
        "arm"
    )
    assert flipped.loc["A", "difference"] == pytest.approx(-first.loc["B", "difference"])
    assert flipped.loc["A", "ci_low"] == pytest.approx(-first.loc["B", "ci_high"])


def test_pairs_with_a_missing_value_are_left_out_and_counted():
    table = synthetic_experiment(np.random.default_rng(3), units=10)
    table.loc[(table["arm"] == "B") & (table["unit"] == 4), "y"] = np.nan
    table.loc[(table["arm"] == "A") & (table["unit"] == 7), "y"] = np.nan
    res = paired_differences(table, ["y"], by="arm", pair="unit").set_index("arm")
    assert res.loc["B", "pairs"] == 8
    assert res.loc["B", "n"] == 9
    kept = table[~table["unit"].isin([4, 7])].pivot(index="unit", columns="arm", values="y")
    assert res.loc["B", "difference"] == pytest.approx(float((kept["B"] - kept["A"]).mean()))
    assert "pair_mean" not in res.columns  # only on request: the comparison table stays as it is
    # on request, both groups' means over the counted pairs, whose difference is the difference
    paired = paired_differences(table, ["y"], by="arm", pair="unit", paired_means=True)
    b = paired.set_index("arm").loc["B"]
    assert b["pair_mean"] == pytest.approx(float(kept["B"].mean()))
    assert b["reference_pair_mean"] == pytest.approx(float(kept["A"].mean()))
    assert b["pair_mean"] - b["reference_pair_mean"] == pytest.approx(b["difference"])


def test_groups_may_span_several_columns():
    rng = np.random.default_rng(4)
    rows = []
    for u in range(8):
        base = rng.normal(0, 5)
        for a in (0, 1):
            for b in (0, 1):
                rows.append({"a": a, "b": b, "seed": u, "z": base + 2 * a + 3 * b})
    res = paired_differences(pd.DataFrame(rows), ["z"], by=["a", "b"], pair="seed")
    got = {(r.a, r.b): r.difference for r in res.itertuples()}
    assert got[(1, 1)] == pytest.approx(5.0)
    assert got[(0, 1)] == pytest.approx(3.0)
    # no noise in the differences: the interval collapses onto the difference
    assert res.set_index(["a", "b"]).loc[(1, 0), "ci_low"] == pytest.approx(2.0)


def test_two_rows_for_one_group_and_unit_cannot_be_paired():
    table = synthetic_experiment(np.random.default_rng(5))
    with pytest.raises(ValueError, match="cannot pair"):
        paired_differences(pd.concat([table, table.head(1)]), ["y"], by="arm", pair="unit")


def test_mean_ci_contains_the_true_mean_at_the_nominal_rate():
    rng = np.random.default_rng(6)
    trials = 400
    table = pd.DataFrame(
        {"trial": np.repeat(np.arange(trials), 10), "v": rng.exponential(2.0, trials * 10)}
    )
    ci = mean_ci(table, "v", "trial")
    hits = ((ci["ci_low"] <= 2.0) & (ci["ci_high"] >= 2.0)).mean()
    low, high = binomial_band(0.95, trials)
    # the exponential is skewed: the t-interval undercovers a little with n = 10
    assert low - 0.04 <= hits <= high
    assert (ci["n"] == 10).all()


def test_outcomes_that_are_never_measured_are_not_reported():
    table = pd.DataFrame({"x": [1.0, np.nan], "never": [np.nan, np.nan], "label": ["a", "b"]})
    assert measured_outcomes(table, ["x", "never", "missing"]) == ["x"]
