"""Sensitivity indices of any tidy table of runs: Sobol, Morris, partial rank correlations, grids, tornado.

The index functions take any tidy table (one row a run; parameter columns and outcome
columns) plus the parameter names and bounds, so they serve any model, not only this
one. `point` names the design-point column: a point with several replicates counts once,
at the mean of its replicates. Outcomes that are not finite in every point (e.g. a time
to recover that is censored because output never recovered) or that do not vary are
left out and listed in the result's `attrs["skipped"]`, never silently zero-filled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.catalog import CENSORED_BY
from sim.analysis.statistics import mean_ci, paired_differences

SOBOL_COLUMNS = (
    "outcome",
    "index",
    "parameter",
    "parameter_2",
    "value",
    "conf",
    "ci_low",
    "ci_high",
)
MORRIS_COLUMNS = (
    "outcome", "parameter", "mu", "mu_star", "mu_star_conf", "mu_star_ci_low",
    "mu_star_ci_high", "sigma", "sigma_ci_low", "sigma_ci_high", "trajectories",
)  # fmt: skip


def _problem(bounds: dict[str, Sequence[float]]) -> dict[str, Any]:
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[float(lo), float(hi)] for lo, hi in bounds.values()],
    }


def _per_point(table: pd.DataFrame, columns: Sequence[str], point: str | None) -> pd.DataFrame:
    """One row a design point, in point order (replicates averaged), or the table as it is."""
    if point is None or point not in table.columns:
        return table.reset_index(drop=True)
    numeric = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    return numeric.groupby(table[point], sort=True).mean().reset_index(drop=True)


def _usable(y: np.ndarray, outcome: str, skipped: dict[str, str]) -> bool:
    bad = int((~np.isfinite(y)).sum())
    if bad:
        skipped[outcome] = (
            f"{bad} of {len(y)} design points not finite (NaN: not measured or censored)"
        )
        return False
    if np.ptp(y) == 0.0:
        skipped[outcome] = "constant over the design"
        return False
    return True


def sobol_indices(
    table: pd.DataFrame,
    bounds: dict[str, Sequence[float]],
    outcomes: Sequence[str],
    *,
    second_order: bool = False,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    point: str | None = "point",
) -> pd.DataFrame:
    """Sobol first-order (S1), total (ST) and optionally second-order (S2) indices with CIs (SALib).

    The rows (or design points) must be a Saltelli sample in SALib's order:
    N (D + 2) rows, or N (2 D + 2) with second order. Returns one row per outcome,
    index and parameter: outcome, index, parameter, parameter_2 (S2 only), value,
    conf (half-width of SALib's bootstrap interval), ci_low, ci_high.
    """
    from SALib.analyze import sobol

    problem = _problem(bounds)
    d = problem["num_vars"]
    data = _per_point(table, outcomes, point)
    block = 2 * d + 2 if second_order else d + 2
    if len(data) % block:
        raise ValueError(
            f"{len(data)} design points is not a Saltelli sample of {d} parameters "
            f"(a multiple of {block}{' with second order' if second_order else ''})"
        )
    rows, skipped = [], {}
    for outcome in outcomes:
        y = data[outcome].to_numpy(float)
        if not _usable(y, outcome, skipped):
            continue
        si = sobol.analyze(
            problem,
            y,
            calc_second_order=second_order,
            num_resamples=resamples,
            conf_level=level,
            seed=seed,
        )
        rows += _sobol_rows(outcome, si, problem["names"], second_order)
    out = pd.DataFrame(rows, columns=list(SOBOL_COLUMNS))
    out.attrs.update(level=level, skipped=skipped, method="sobol")
    return out


def _sobol_rows(outcome: str, si: dict, names: list[str], second_order: bool) -> list[dict]:
    """The S1 and ST rows of every parameter, then S2 of every pair (SALib's result `si`)."""
    rows = []
    for index in ("S1", "ST"):
        for i, name in enumerate(names):
            rows.append(
                _index_row(outcome, index, name, None, si[index][i], si[f"{index}_conf"][i])
            )
    if second_order:
        d = len(names)
        for i in range(d):
            for j in range(i + 1, d):
                rows.append(
                    _index_row(
                        outcome, "S2", names[i], names[j], si["S2"][i, j], si["S2_conf"][i, j]
                    )
                )
    return rows


def _index_row(
    outcome: str, index: str, name: str, other: str | None, value: float, conf: float
) -> dict:
    value, conf = float(value), float(conf)
    return {
        "outcome": outcome,
        "index": index,
        "parameter": name,
        "parameter_2": other,
        "value": value,
        "conf": conf,
        "ci_low": value - conf,
        "ci_high": value + conf,
    }


def morris_indices(
    table: pd.DataFrame,
    bounds: dict[str, Sequence[float]],
    outcomes: Sequence[str],
    *,
    levels: int = 4,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    point: str | None = "point",
) -> pd.DataFrame:
    """Morris elementary effects (SALib): mu, mu* and sigma, with confidence intervals.

    The rows (or design points) must be Morris trajectories of D + 1 points in SALib's
    order. mu*'s interval is SALib's bootstrap (mu* +- mu_star_conf); sigma's is a
    percentile bootstrap that resamples whole trajectories (the independent units of the
    design) and re-runs SALib's analysis on each resample.
    """
    from SALib.analyze import morris

    problem = _problem(bounds)
    names, d = problem["names"], problem["num_vars"]
    data = _per_point(table, [*names, *outcomes], point)
    if len(data) % (d + 1):
        raise ValueError(
            f"{len(data)} design points is not a set of Morris trajectories of {d + 1} points"
        )
    x = data[names].to_numpy(float)
    trajectories = len(data) // (d + 1)
    rng = np.random.default_rng(seed)
    draws = rng.integers(trajectories, size=(resamples, trajectories))
    rows, skipped = [], {}
    for outcome in outcomes:
        y = data[outcome].to_numpy(float)
        if not _usable(y, outcome, skipped):
            continue
        si = morris.analyze(
            problem, x, y, num_resamples=resamples, conf_level=level, num_levels=levels, seed=seed
        )
        low, high = _sigma_interval(problem, x, y, draws, levels=levels, seed=seed, level=level)
        rows += _morris_rows(outcome, names, si, low, high, trajectories)
    out = pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))
    out.attrs.update(level=level, skipped=skipped, method="morris")
    return out


def _sigma_interval(
    problem: dict,
    x: np.ndarray,
    y: np.ndarray,
    draws: np.ndarray,
    *,
    levels: int,
    seed: int,
    level: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap of sigma: each row of `draws` picks whole trajectories, SALib re-analyses them."""
    from SALib.analyze import morris

    d = problem["num_vars"]
    alpha = 1.0 - level
    sigmas = np.empty((len(draws), d))
    for b, pick in enumerate(draws):
        idx = (pick[:, None] * (d + 1) + np.arange(d + 1)).ravel()
        sigmas[b] = morris.analyze(
            problem, x[idx], y[idx], num_resamples=2, num_levels=levels, seed=seed
        )["sigma"]
    low, high = np.nanquantile(sigmas, [alpha / 2, 1 - alpha / 2], axis=0)
    return low, high


def _morris_rows(
    outcome: str, names: list[str], si: dict, low: np.ndarray, high: np.ndarray, trajectories: int
) -> list[dict]:
    rows = []
    for i, name in enumerate(names):
        mu_star, conf = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
        rows.append(
            {
                "outcome": outcome,
                "parameter": name,
                "mu": float(si["mu"][i]),
                "mu_star": mu_star,
                "mu_star_conf": conf,
                "mu_star_ci_low": max(mu_star - conf, 0.0),
                "mu_star_ci_high": mu_star + conf,
                "sigma": float(si["sigma"][i]),
                "sigma_ci_low": float(low[i]),
                "sigma_ci_high": float(high[i]),
                "trajectories": trajectories,
            }
        )
    return rows


def prcc(
    table: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    *,
    level: float = 0.95,
    point: str | None = "point",
) -> pd.DataFrame:
    """Partial rank correlation coefficients (Marino et al. 2008), for Latin hypercube or any sample.

    Ranks every column; for each parameter, the residuals of its rank and of the outcome's
    rank after a linear regression on the other parameters' ranks are correlated. The
    interval is Fisher's z with n - 3 - (D - 1) degrees of freedom, the p-value the t-test
    of a partial correlation. Rows where the outcome is not finite are dropped (n says how
    many remain). SALib has no PRCC, so it is computed here with scipy and numpy.
    """
    names = list(parameters)
    data = _per_point(table, [*names, *outcomes], point)
    d = len(names)
    q = stats.norm.ppf(0.5 + level / 2)
    rows, skipped = [], {}
    for outcome in outcomes:
        sub = data[[*names, outcome]].apply(pd.to_numeric, errors="coerce")
        sub = sub[np.isfinite(sub[outcome])]
        n = len(sub)
        if n < d + 3 or np.ptp(sub[outcome].to_numpy()) == 0.0:
            skipped[outcome] = f"{n} finite design points" + (" (constant)" if n >= d + 3 else "")
            continue
        ranks = np.column_stack([stats.rankdata(sub[c]) for c in [*names, outcome]])
        for i, name in enumerate(names):
            r, low, high, p = _partial_rank_correlation(ranks, i, q)
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "prcc": r,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": p,
                    "n": n,
                }
            )
    out = pd.DataFrame(
        rows, columns=["outcome", "parameter", "prcc", "ci_low", "ci_high", "p_value", "n"]
    )
    out.attrs.update(level=level, skipped=skipped, method="prcc")
    return out


def _partial_rank_correlation(
    ranks: np.ndarray, i: int, q: float
) -> tuple[float, float, float, float]:
    """PRCC of parameter column `i` with the outcome (the last column of `ranks`): r, its interval, p.

    Both ranks are regressed on the other parameters' ranks; the residuals are correlated.
    """
    n, d = ranks.shape[0], ranks.shape[1] - 1
    ry = ranks[:, -1]
    others = np.column_stack([np.ones(n), np.delete(ranks[:, :d], i, axis=1)])
    rx = ranks[:, i]
    res_x = rx - others @ np.linalg.lstsq(others, rx, rcond=None)[0]
    res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
    if np.ptp(res_x) == 0.0 or np.ptp(res_y) == 0.0:
        return math.nan, math.nan, math.nan, math.nan
    r = float(np.clip(np.corrcoef(res_x, res_y)[0, 1], -1.0, 1.0))
    dof = n - 2 - (d - 1)
    r_c = min(max(r, -1 + 1e-12), 1 - 1e-12)
    t = r_c * math.sqrt(dof / (1.0 - r_c**2))
    p = float(2.0 * stats.t.sf(abs(t), dof))
    z, se = math.atanh(r_c), 1.0 / math.sqrt(max(n - 3 - (d - 1), 1))
    low, high = min(math.tanh(z - q * se), r), max(math.tanh(z + q * se), r)
    return r, low, high, p


def grid_means(
    table: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], *, level: float = 0.95
) -> pd.DataFrame:
    """Mean of each outcome per grid point with a t-based CI over the replicates, n and the
    censored runs among them (a censored time to recover counts the window: a restricted mean).

    A parameter value of None/NaN (e.g. 'no payment cap') becomes the label 'none', so it
    keeps its own row; such a column is then categorical (object).
    """
    data = table.copy()
    for p in parameters:
        if data[p].isna().any():
            data[p] = data[p].astype(object).where(data[p].notna(), "none")
    frames = [
        mean_ci(data, o, list(parameters), level, CENSORED_BY).assign(outcome=o) for o in outcomes
    ]
    columns = ["outcome", *parameters, "n", "censored", "mean", "ci_low", "ci_high"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def tornado_effects(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    varied: str = "varied",
    side: str = "side",
    value: str = "value",
    pair: str = "replicate",
    level: float = 0.95,
) -> pd.DataFrame:
    """One-at-a-time effects: each parameter at its low and high value minus the base, paired by replicate.

    `table` has one row a run: `varied` (the parameter moved, or 'base'), `side`
    ('low' / 'high' / 'base'), `value` (the parameter's value), the pairing column and
    the outcomes. The effect is the mean over replicates of (run - base run of the same
    replicate), with a t-based CI (sim.analysis.statistics.paired_differences); replicates where
    either value is not finite are left out (`pairs` says how many remain, and `mean`
    and `base_mean` are taken over them).
    """
    if not (table[side] == "base").any():  # every base run failed: effects NaN, no pairs
        table = pd.concat([table, pd.DataFrame({varied: ["base"], side: ["base"]})])
    reference = tuple(table.loc[table[side] == "base", [varied, side]].iloc[0])
    diffs = paired_differences(
        table, outcomes, by=[varied, side], pair=pair, reference=reference, level=level,
        paired_means=True,
    )  # fmt: skip
    diffs = diffs[diffs[side] != "base"]
    first = table.drop_duplicates([varied, side]).set_index([varied, side])[value]
    out = pd.DataFrame(
        {
            "outcome": diffs["outcome"],
            "parameter": diffs[varied],
            "side": diffs[side],
            "value": [first[key] for key in zip(diffs[varied], diffs[side], strict=True)],
            "base_mean": diffs["reference_pair_mean"],
            "mean": diffs["pair_mean"],
            "effect": diffs["difference"],
            "ci_low": diffs["ci_low"],
            "ci_high": diffs["ci_high"],
            "pairs": diffs["pairs"],
        }
    ).reset_index(drop=True)
    out.attrs.update(level=level)
    return out


def top_parameters(indices: pd.DataFrame, method: str, k: int = 3) -> pd.DataFrame:
    """The k most influential parameters per outcome (by ST, mu*, |PRCC| or tornado range)."""
    if method == "sobol":
        score = indices[indices["index"] == "ST"].assign(score=lambda t: t["value"])
    elif method == "morris":
        score = indices.assign(score=indices["mu_star"])
    elif method == "prcc":
        score = indices.assign(score=indices["prcc"].abs())
    else:  # tornado: the range between the low and the high effect
        score = (
            indices.groupby(["outcome", "parameter"], sort=False)["effect"]
            .agg(lambda e: float(e.max() - e.min()) if len(e) > 1 else float(abs(e.iloc[0])))
            .rename("score")
            .reset_index()
        )
    score = score.sort_values(["outcome", "score"], ascending=[True, False], kind="stable")
    score = score.groupby("outcome", sort=False).head(k)
    score["rank"] = score.groupby("outcome").cumcount() + 1
    return score[["outcome", "rank", "parameter", "score"]].reset_index(drop=True)
