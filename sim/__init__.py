"""rongtong: agent-based simulation of large-small firm ecosystems (import name `sim`)."""

from sim.ecosystem.model import EcosystemModel
from sim.errors import InputError
from sim.experiments import Experiment, load_experiment, run_experiment
from sim.experiments.runs import RunResult, run_scenario
from sim.scenario import Scenario, load_scenario, scenario_from_flat

__all__ = [
    "EcosystemModel",
    "Experiment",
    "InputError",
    "RunResult",
    "Scenario",
    "load_experiment",
    "load_scenario",
    "run_experiment",
    "run_scenario",
    "scenario_from_flat",
]
__version__ = "0.1.0"
