"""Statistics on tidy result tables: paired comparisons and confidence intervals.

Every function takes a tidy table (one row an observation, one column a variable) and
column names, so it works on any experiment's outcomes, not only this model's.

Paired comparisons use common random numbers: replicate r of every scenario ran with
the same seed, so the difference of scenario B and the reference A is taken within each
replicate first (B_r - A_r), and the confidence interval is that of the mean of those
differences. Shared noise cancels, and the interval is much narrower than one comparing
two independent means.

`tail_exponent` fits the Pareto (Zipf) tail of a size distribution, for the firm-size
figure and the validation check alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """t-based confidence interval of the mean; (nan, nan) with fewer than two values."""
    values = np.asarray(values, float)
    n = len(values)
    if n < 2:
        return math.nan, math.nan
    mean, sem = float(values.mean()), float(stats.sem(values))
    if sem == 0.0:  # all values equal: the interval collapses to the mean
        return mean, mean
    low, high = stats.t.interval(level, df=n - 1, loc=mean, scale=sem)
    return float(low), float(high)


def bootstrap_interval(
    values: np.ndarray, level: float = 0.95, resamples: int = 9999, seed: int = 0
) -> tuple[float, float]:
    """BCa bootstrap confidence interval of the mean (no normality assumption)."""
    values = np.asarray(values, float)
    if len(values) < 2:
        return math.nan, math.nan
    if np.ptp(values) == 0.0:
        return float(values[0]), float(values[0])
    res = stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=level,
        n_resamples=resamples,
        method="BCa",
        rng=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_differences(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    by: str | Sequence[str] = "scenario",
    pair: str | Sequence[str] = "replicate",
    reference: Hashable | None = None,
    level: float = 0.95,
    method: str = "t",
    resamples: int = 9999,
    seed: int = 0,
    paired_means: bool = False,
    censored_by: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Mean of each outcome per group, and its paired difference against the reference group.

    `by` names the group (a scenario, a design point); `pair` names the unit shared across
    groups (the replicate, i.e. the seed). The reference is the first group in table order
    unless given (a tuple when `by` has several columns). A pair counts only where both
    values are finite; `pairs` says how many did (`n` counts the finite values behind
    `mean`). `method` is 't' (t-based interval of the
    mean paired difference) or 'bootstrap' (BCa). Returns one row per outcome and group:
    outcome, the group columns, n, mean, sd, pairs, difference, ci_low, ci_high (NaN for
    the reference itself), with the confidence level and the method in `attrs`.
    `paired_means` adds pair_mean and reference_pair_mean: both groups' means over the
    counted pairs only, so that difference = pair_mean - reference_pair_mean even where
    some values are missing.
    `censored_by` maps an outcome to its 0/1 censoring column (a time to recover censored at
    the window's length): `censored` then counts the group's censored values among its n
    (NaN for an outcome that cannot be censored). A censored value stays in the mean: it is
    the restricted mean, never a mean over the uncensored runs only.
    """
    if method not in ("t", "bootstrap"):
        raise ValueError(f"method must be 't' or 'bootstrap', got {method!r}")
    by_cols, pair_cols = _as_list(by), _as_list(pair)
    keys, reference, groups = _paired_groups(table, outcomes, by_cols, pair_cols, reference)
    interval = partial(t_interval, level=level)
    if method == "bootstrap":
        interval = partial(bootstrap_interval, level=level, resamples=resamples, seed=seed)
    rows = []
    for outcome in outcomes:
        ref = groups[reference][outcome]
        for key in keys:
            values = groups[key][outcome].astype(float)
            row = {**dict(zip(by_cols, key, strict=True)), **_group_summary(outcome, values)}
            row["censored"] = _censored(groups[key], outcome, censored_by)
            if key == reference:
                row.update(pairs=0, difference=math.nan, ci_low=math.nan, ci_high=math.nan)
                row.update(pair_mean=math.nan, reference_pair_mean=math.nan)
            else:
                row.update(_paired_difference(values, ref, interval))
            rows.append(row)
    stats_cols = ["n", "censored", "mean", "sd", "pairs", "difference", "ci_low", "ci_high"]
    extra = ["pair_mean", "reference_pair_mean"] if paired_means else []
    out = pd.DataFrame(rows, columns=["outcome", *by_cols, *stats_cols, *extra])
    out.attrs.update(level=level, method=method, reference=reference, by=by_cols)
    return out


def _paired_groups(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    by_cols: list[str],
    pair_cols: list[str],
    reference: Hashable | None,
) -> tuple[list[tuple], tuple, dict[tuple, pd.DataFrame]]:
    """The groups in table order, the reference group's key, and each group indexed by its pairs.

    Refuses missing columns, an unknown reference and two rows of one group for the same pair.
    """
    missing = [c for c in (*by_cols, *pair_cols, *outcomes) if c not in table.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    keys = list(dict.fromkeys(table[by_cols].itertuples(index=False, name=None)))
    if reference is None:
        reference = keys[0]
    elif not isinstance(reference, tuple):
        reference = (reference,)
    if reference not in keys:
        raise KeyError(f"reference group {reference} not in the table")
    if table.duplicated([*by_cols, *pair_cols]).any():
        raise ValueError(f"more than one row per group and {pair_cols}: cannot pair")
    groups = {k: g.set_index(pair_cols) for k, g in table.groupby(by_cols, sort=False)}
    groups = {(k if isinstance(k, tuple) else (k,)): g for k, g in groups.items()}
    return keys, reference, groups


def _group_summary(outcome: str, values: pd.Series) -> dict:
    """The outcome's n, mean and sd over a group's finite values."""
    finite = values[np.isfinite(values)]
    return {
        "outcome": outcome,
        "n": len(finite),
        "mean": float(finite.mean()) if len(finite) else math.nan,
        "sd": float(finite.std(ddof=1)) if len(finite) > 1 else math.nan,
    }


def _censored(group: pd.DataFrame, outcome: str, censored_by: Mapping[str, str] | None) -> float:
    """How many of the group's finite values of `outcome` are censored (NaN if it cannot be)."""
    column = (censored_by or {}).get(outcome)
    if column is None or column not in group.columns:
        return math.nan
    finite = np.isfinite(group[outcome].to_numpy(float))
    return float(np.nansum(group[column].to_numpy(float)[finite]))


def _paired_difference(
    values: pd.Series, ref: pd.Series, interval: Callable[[np.ndarray], tuple[float, float]]
) -> dict:
    """Mean difference against the reference over the pairs where both values are finite."""
    both = pd.concat([values, ref.astype(float)], axis=1, join="inner").to_numpy()
    both = both[np.isfinite(both).all(axis=1)]
    d = both[:, 0] - both[:, 1]
    low, high = interval(d)
    return {
        "pairs": len(d),
        "difference": float(d.mean()) if len(d) else math.nan,
        "ci_low": low,
        "ci_high": high,
        "pair_mean": float(both[:, 0].mean()) if len(d) else math.nan,
        "reference_pair_mean": float(both[:, 1].mean()) if len(d) else math.nan,
    }


def mean_ci(
    table: pd.DataFrame,
    value: str,
    by: str | Sequence[str],
    level: float = 0.95,
    censored_by: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Mean of `value` per group with a t-based confidence interval (e.g. per scenario and month);
    `censored` counts the group's censored values where `censored_by` names a column for `value`."""
    by_cols = _as_list(by)
    rows = []
    for key, group in table.groupby(by_cols, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        values = group[value].to_numpy(float)
        values = values[np.isfinite(values)]
        low, high = t_interval(values, level)
        rows.append(
            {
                **dict(zip(by_cols, key, strict=True)),
                "n": len(values),
                "censored": _censored(group, value, censored_by),
                "mean": float(values.mean()) if len(values) else math.nan,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=[*by_cols, "n", "censored", "mean", "ci_low", "ci_high"])


def measured_outcomes(table: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The candidate outcome columns with at least one finite value (the rest the model does not measure)."""
    return [
        c
        for c in candidates
        if c in table.columns and np.isfinite(pd.to_numeric(table[c], errors="coerce")).any()
    ]


@dataclass(frozen=True)
class TailFit:
    """A Pareto tail P(S > s) = P(S > xmin) (s / xmin)^-alpha fitted above xmin by maximum likelihood."""

    alpha: float  # tail (Zipf) exponent of the survival function
    se: float  # asymptotic standard error, alpha / sqrt(n_tail)
    xmin: float
    n_tail: int
    ks: float  # Kolmogorov-Smirnov distance of the tail to the fitted Pareto


def tail_exponent(sizes: Sequence[float], xmin: float | None = None, min_tail: int = 20) -> TailFit:
    """Hill / maximum-likelihood tail exponent; xmin by the KS criterion of Clauset et al. (2009).

    The MLE of a Pareto shape with known scale is scipy's `pareto.fit` with loc and scale
    fixed (it is the Hill estimator). Without `xmin`, every observed size that leaves at
    least `min_tail` firms in the tail is tried and the one whose fit is closest to the
    data (smallest KS distance) is kept.
    """
    x = np.sort(np.asarray(sizes, float))
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < min_tail:
        raise ValueError(f"need at least {min_tail} positive sizes, got {len(x)}")

    def fit(lo: float) -> TailFit:
        tail = x[x >= lo]
        alpha = float(stats.pareto.fit(tail, floc=0.0, fscale=lo)[0])
        ks = float(stats.kstest(tail, stats.pareto(alpha, scale=lo).cdf).statistic)
        return TailFit(alpha, alpha / math.sqrt(len(tail)), float(lo), len(tail), ks)

    if xmin is not None:
        return fit(float(xmin))
    candidates = np.unique(x[: len(x) - min_tail + 1])
    if len(candidates) > 200:  # enough resolution for the KS criterion
        candidates = np.unique(np.quantile(candidates, np.linspace(0, 1, 200), method="lower"))
    return min((fit(c) for c in candidates), key=lambda f: f.ks)
