"""rongtong: agent-based simulation of large-small firm ecosystems (import name `sim`)."""

from sim.errors import InputError
from sim.model import EcosystemModel
from sim.runs import RunResult, run_scenario
from sim.scenario import Scenario, load_scenario, scenario_from_flat

__all__ = [
    "EcosystemModel",
    "InputError",
    "RunResult",
    "Scenario",
    "load_scenario",
    "run_scenario",
    "scenario_from_flat",
]
__version__ = "0.1.0"
