"""Running many scenarios: designs, paired runs, executors, the results store and comparisons."""

from sim.experiments.designs import Experiment, load_experiment, run_experiment

__all__ = ["Experiment", "load_experiment", "run_experiment"]
