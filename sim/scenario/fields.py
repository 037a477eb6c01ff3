"""What every scenario section shares: strict models and fields that carry their unit and source.

The unit and source travel in each field's JSON-schema extras, so the JSON Schema
(`rongtong schema`) and the ODD parameter table (sim.scenario.docs) are generated from them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


def param(default: Any, description: str, unit: str, source: str | None = None, **bounds: Any):
    """A scenario field: default, one-line meaning, unit and (optional) calibration source."""
    extra: dict[str, Any] = {"unit": unit}
    if source:
        extra["source"] = source
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """Strict: a misspelled field is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


# Beta(a, b) parameters
PositivePair = tuple[Annotated[float, Field(gt=0.0)], Annotated[float, Field(gt=0.0)]]
# (certified, little giant)
TierPair = tuple[Annotated[float, Field(ge=0.0)], Annotated[float, Field(ge=0.0)]]
