"""Time to survive, time to recover and the resilience triangle on synthetic paths with known answers.

Each path is output against a flat counterfactual of 100; the expected values follow
from the definitions by hand (DESIGN section 5; Simchi-Levi et al. 2014 for TTS).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.outcomes import resilience_triangle, time_to_recover, time_to_survive

CF = np.full(20, 100.0)


def path(values_from_start: list[float], start: int = 5) -> np.ndarray:
    """Output at 100 until `start`, then the given values, then 100 again."""
    y = CF.copy()
    y[start : start + len(values_from_start)] = values_from_start
    return y


def test_a_v_shaped_dip_survives_until_it_falls_and_recovers_when_it_holds_for_three_months():
    y = path([98.0, 96.0, 80.0, 60.0, 90.0, 97.0])  # months 5..10; back to 100 from 11
    # holds >= 95 % in months 5 and 6, first below at month 7 = start + 2
    assert time_to_survive(y, CF, start=5) == 2.0
    # back at >= 95 % from month 10 (97) for three months (10, 11, 12): 10 - 5 = 5
    assert time_to_recover(y, CF, start=5) == 5.0
    # gaps in % of the counterfactual: 2 + 4 + 20 + 40 + 10 + 3 = 79 %-months
    assert resilience_triangle(y, CF, start=5) == pytest.approx(79.0)


def test_a_linear_recovery_gives_the_area_of_a_triangle():
    y = path([60.0, 70.0, 80.0, 90.0])  # loses 40 %, recovers 10 points a month
    assert resilience_triangle(y, CF, start=5) == pytest.approx(40 + 30 + 20 + 10)
    assert time_to_survive(y, CF, start=5) == 0.0  # below the threshold at once


def test_exactly_at_the_threshold_counts_as_holding():
    y = path([95.0, 95.0, 94.0])
    assert time_to_survive(y, CF, start=5) == 2.0
    assert time_to_recover(y, CF, start=5) == 3.0


def test_a_path_that_never_falls_survives_the_window_and_needs_no_recovery():
    y = path([99.0, 97.0, 96.0])
    assert math.isnan(time_to_survive(y, CF, start=5))
    assert time_to_recover(y, CF, start=5) == 0.0
    assert resilience_triangle(y, CF, start=5) == pytest.approx(1 + 3 + 4)


def test_a_path_that_has_not_recovered_by_the_end_is_censored():
    never = path([50.0] * 15)  # low to the last month
    assert math.isnan(time_to_recover(never, CF, start=5))
    short = path([50.0] * 13)  # back for the last two months only: fewer than `hold`
    assert math.isnan(time_to_recover(short, CF, start=5))
    assert time_to_recover(short, CF, start=5, hold=2) == 13.0


def test_a_relapse_restarts_the_recovery_clock():
    y = path([80.0, 100.0, 100.0, 80.0, 100.0, 100.0, 100.0])
    # back at month 6 but low again at 8: the three-month hold starts at month 9
    assert time_to_recover(y, CF, start=5) == 4.0


def test_overshoot_does_not_pay_back_the_triangle_and_months_before_the_start_do_not_count():
    y = path([70.0, 130.0, 100.0])
    y[2] = 10.0  # a dip before the shock starts is not the shock's
    assert resilience_triangle(y, CF, start=5) == pytest.approx(30.0)
    assert time_to_survive(y, CF, start=5) == 0.0


def test_the_counterfactual_may_move_the_measures_are_relative_to_it():
    cf = np.linspace(100.0, 200.0, 20)
    y = cf.copy()
    y[5:8] = 0.5 * cf[5:8]
    assert time_to_survive(y, cf, start=5) == 0.0
    assert time_to_recover(y, cf, start=5) == 3.0
    assert resilience_triangle(y, cf, start=5) == pytest.approx(150.0)
