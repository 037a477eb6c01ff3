"""Running many scenarios: designs, paired runs, executors, the results store and comparisons."""

from sim.experiments.designs import load_experiment
from sim.experiments.plan import Experiment
from sim.experiments.runner import run_experiment

__all__ = ["Experiment", "load_experiment", "run_experiment"]
