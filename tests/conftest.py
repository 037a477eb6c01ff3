"""Shared helpers: small ecosystems that run in milliseconds, and a deterministic hypothesis profile."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import sim

TESTS = Path(__file__).parent
REPO = TESTS.parent
SCENARIOS = REPO / "scenarios"
if str(TESTS) not in sys.path:  # reference_model.py is imported by tests and benchmarks alike
    sys.path.insert(0, str(TESTS))

# the same examples on every run: a failure seen once is seen again
settings.register_profile(
    "rongtong",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("rongtong")

# a tenth of the baseline ecosystem, same proportions: fast, yet with multi-sourcing everywhere
SMALL_ECOSYSTEM: dict[str, Any] = {
    "n_leaders": 4,
    "n_smes": 60,
    "n_suppliers": 90,
    "n_component_categories": 10,
    "n_raw_categories": 8,
    "components_per_leader": 5,
}


def small_scenario(
    steps: int = 60, shocks: list[dict] | None = None, **params: Any
) -> sim.Scenario:
    """A small scenario from flat keyword parameters (they override SMALL_ECOSYSTEM)."""
    return sim.scenario_from_flat(
        **{**SMALL_ECOSYSTEM, **params}, steps=steps, shocks=list(shocks or [])
    )


@pytest.fixture
def scenario_factory():
    return small_scenario


@pytest.fixture
def labelled_figures(monkeypatch):
    """Every figure saved through sim.views.plots.save_figure, by file name, with what is missing from it.

    A figure passes when each visible panel has both axis labels, it has a title (its
    own or the figure's) and the data written beside it is not empty.
    """
    import sim.views.gallery
    import sim.views.plots

    problems: dict[str, list[str]] = {}
    real = sim.views.plots.save_figure

    def checked(fig, path, data):
        missing = []
        title = fig.get_suptitle()
        for ax in fig.axes:
            if not ax.get_visible() or ax.get_label() == "<colorbar>":
                continue
            if not ax.get_xlabel() or not ax.get_ylabel():
                missing.append(f"axis label of panel '{ax.get_title()}'")
            if not (ax.get_title() or title):
                missing.append("title")
        if len(data) == 0:
            missing.append("data")
        problems[Path(path).name] = missing
        return real(fig, path, data)

    monkeypatch.setattr(sim.views.plots, "save_figure", checked)
    monkeypatch.setattr(sim.views.gallery, "save_figure", checked)
    return problems
