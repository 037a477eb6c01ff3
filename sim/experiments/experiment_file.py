"""The schema of an experiment file: a base scenario, a design over it, what to keep, where to run.

Validated with pydantic (unknown fields are refused); sim.experiments.designs reads a file
into these models and expands them into a plan (sim.experiments.plan).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# series kept per run when the file does not say (the shocked run and its counterfactual)
DEFAULT_SERIES: tuple[str, ...] = ("output", "final_demand", "unmet_demand", "employment")
DESIGN_KINDS = ("replicates", "grid", "sobol", "morris", "latin")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExecutorSettings(Strict):
    """Where runs execute. The command line (--workers, --dask) overrides these."""

    workers: int | None = Field(
        None,
        ge=0,
        description="Local worker processes (default: the number of cores; 0 runs in this process).",
    )
    dask: str | None = Field(
        None,
        description="Dask scheduler address (tcp://host:port), or 'local' for a LocalCluster.",
    )


class ReplicatesDesign(Strict):
    """The same seeds for each of a list of scenarios (the policy-comparison design)."""

    kind: Literal["replicates"]
    replicates: int = Field(
        ge=1, description="Runs per scenario; replicate r has the same seed everywhere."
    )
    scenarios: list[str | dict[str, Any]] | None = Field(
        None,
        min_length=1,
        description="Scenario files (relative to the experiment file) or inline scenarios layered on the "
        "base scenario (an inline `extends:` replaces the base). Default: the base scenario alone.",
    )


class GridDesign(Strict):
    """Every combination of the listed values of dotted parameters."""

    kind: Literal["grid"]
    replicates: int = Field(1, ge=1)
    parameters: dict[str, list[Any]] = Field(
        min_length=1, description="Dotted parameter -> list of values."
    )

    @model_validator(mode="after")
    def _values_given(self) -> GridDesign:
        for name, values in self.parameters.items():
            if not values:
                raise ValueError(f"parameter '{name}' needs at least one value")
        return self


class SampleDesign(Strict):
    replicates: int = Field(1, ge=1)
    samples: int = Field(ge=1, description="Base sample size (see the kind).")
    parameters: dict[str, tuple[float, float]] = Field(
        min_length=1, description="Dotted parameter -> [low, high]."
    )

    @model_validator(mode="after")
    def _bounds_ordered(self) -> SampleDesign:
        for name, (low, high) in self.parameters.items():
            if not low < high:
                raise ValueError(
                    f"parameter '{name}': low bound must be < high bound, got [{low}, {high}]"
                )
        return self


class SobolDesign(SampleDesign):
    """Saltelli sample for Sobol indices: samples * (D + 2) points (samples * (2D + 2) with second order)."""

    kind: Literal["sobol"]
    second_order: bool = False

    @model_validator(mode="after")
    def _power_of_two(self) -> SobolDesign:
        if self.samples & (self.samples - 1):
            raise ValueError(
                f"samples must be a power of 2 for a Sobol sequence, got {self.samples}"
            )
        return self


class MorrisDesign(SampleDesign):
    """Morris elementary effects: `samples` trajectories of D + 1 points on a grid of `levels`."""

    kind: Literal["morris"]
    levels: int = Field(4, ge=2)


class LatinDesign(SampleDesign):
    """Latin hypercube of `samples` points."""

    kind: Literal["latin"]


Design = Annotated[
    ReplicatesDesign | GridDesign | SobolDesign | MorrisDesign | LatinDesign,
    Field(discriminator="kind"),
]


class ExperimentFile(Strict):
    """One experiment file."""

    name: str | None = Field(
        None, description="Used for the results folder (default: the file name)."
    )
    description: str = ""
    scenario: str | dict[str, Any] | None = Field(
        None,
        description="The base scenario: a file (relative to the experiment file) or an inline scenario "
        "(`extends:` relative to the experiment file). Default: all scenario defaults.",
    )
    seed: int = Field(
        0, ge=0, description="Root of numpy.random.SeedSequence for every run's seed."
    )
    steps: int | None = Field(None, ge=1, description="Months per run (default: the scenario's).")
    design: Design
    outcomes: list[str] | None = Field(None, description="Outcomes to keep (default: all).")
    timeseries: list[str] | Literal["all"] = Field(
        list(DEFAULT_SERIES),
        description="Per-step series kept for each run, with their no-shock counterfactual (`<name>_cf`).",
    )
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
