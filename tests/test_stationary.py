"""A stationary start (slow): after the burn-in, the no-shock baseline's recorded 120 months
show no transient. Over 20 seeds, per year, mean unmet demand <= 0.5 % of final demand; and
no trend across the recorded months in output, exits per year, credit drawn and the number
of supply links: the 95 % confidence interval (over seeds) of each one's OLS slope, as the
change it makes over the 120 months relative to its mean level, lies within +-BAND.

    python tests/test_stationary.py [burn_in]     # prints the figures
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from sim.ecosystem.model import EcosystemModel
from sim.scenario import load_scenario

RECOMMENDED_BURN_IN = 180  # months: when the baseline's unmet demand has settled (see ODD)
SEEDS = 20
MAX_UNMET_PCT = 0.5
BAND = 0.05  # a trend over the record of at most 5 % of the level
TRENDS = ("output", "exits", "credit_drawn", "supply_links")


def baseline_years(burn_in: int, seed: int) -> pd.DataFrame:
    """The no-shock baseline's recorded months, with exits (SMEs and suppliers) per month."""
    scn = load_scenario("scenarios/baseline.yaml", {"shocks": [], "burn_in": burn_in})
    model = EcosystemModel(scn, rng=seed).run()
    ts = model.timeseries()
    model.release()
    ts["exits"] = ts["sme_exits"] + ts["supplier_exits"]
    return ts


def relative_trend(ts: pd.DataFrame, column: str) -> float:
    """OLS slope over the months times the record's length, over the mean level; exits as
    yearly sums (one point a year)."""
    if column == "exits":
        y = ts.groupby(ts["step"] // 12)["exits"].sum().to_numpy()
        x = 12.0 * np.arange(len(y))
    else:
        y, x = ts[column].to_numpy(), ts["step"].to_numpy(float)
    slope = np.polyfit(x, y, 1)[0]
    return float(slope * len(ts) / max(abs(y.mean()), 1e-12))


def stationarity(burn_in: int, seeds: int = SEEDS) -> dict:
    """Per-year unmet demand (% of final demand, mean over seeds) and each trend's mean and
    95 % confidence interval over seeds (relative change over the record)."""
    runs = [baseline_years(burn_in, seed) for seed in range(seeds)]
    frame = pd.concat(runs)
    by_year = frame.groupby(frame["step"] // 12)
    unmet = (100.0 * by_year["unmet_demand"].sum() / by_year["final_demand"].sum()).to_numpy()
    trends = {}
    for column in TRENDS:
        r = np.array([relative_trend(ts, column) for ts in runs])
        half = 1.96 * r.std(ddof=1) / np.sqrt(len(r))
        trends[column] = (float(r.mean()), float(r.mean() - half), float(r.mean() + half))
    return {"unmet_pct": unmet, "trends": trends}


def failures(figures: dict) -> list[str]:
    out = [
        f"year {y}: unmet demand {u:.2f} % > {MAX_UNMET_PCT} %"
        for y, u in enumerate(figures["unmet_pct"])
        if u > MAX_UNMET_PCT
    ]
    for column, (mean, lo, hi) in figures["trends"].items():
        if lo < -BAND or hi > BAND:
            out.append(
                f"{column}: trend {100 * mean:+.1f} % of the level over the record "
                f"(95 % CI {100 * lo:+.1f} .. {100 * hi:+.1f} %), band +-{100 * BAND:.0f} %"
            )
    return out


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured at burn_in 180, 20 seeds: output passes (-0.2 %, CI -1.1 .. +0.7 %); "
    "unmet demand is 0.60, 0.51, 0.54 % in years 4, 5, 7 (limit 0.5; others 0.22-0.49); exits "
    "per year fall -32 % over the record (CI -43 .. -21 %), credit drawn -47 % (CI -59 .. -36 %: "
    "firms keep paying the opening debt down), supply links rise +6.9 % (CI +5.8 .. +8.0 %: "
    "links are only added, none retired); band +-5 %. Burn-in 240 does not fix them (exits "
    "-34 %, credit -42 %, links +4.9 %, unmet 0.51/0.54 % in years 0/2): missing mechanisms "
    "(link turnover, graded insolvency, a steady-state opening debt). Revisit when it passes.",
)
@pytest.mark.parametrize("burn_in", [RECOMMENDED_BURN_IN])
def test_baseline_is_stationary_after_the_burn_in(burn_in):
    problems = failures(stationarity(burn_in))
    assert not problems, "; ".join(problems)


if __name__ == "__main__":
    b = int(sys.argv[1]) if len(sys.argv) > 1 else RECOMMENDED_BURN_IN
    n = int(sys.argv[2]) if len(sys.argv) > 2 else SEEDS
    fig = stationarity(b, n)
    print(f"burn_in {b}, {n} seeds")
    print("unmet % by year:", " ".join(f"{u:.2f}" for u in fig["unmet_pct"]))
    for column, (mean, lo, hi) in fig["trends"].items():
        print(f"{column:>13}: {100 * mean:+6.1f} %  CI {100 * lo:+6.1f} .. {100 * hi:+6.1f} %")
    print("failures:", failures(fig) or "none")
