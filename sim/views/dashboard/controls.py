"""Dashboard controls built from the scenario JSON Schema, and the checks on typed values.

Labels, units, bounds and one-line explanations come from the schema (the pydantic
Field descriptions and `json_schema_extra["unit"]` in sim/scenario.py), so a lever
added to `Policy` later shows up in the dashboard without touching this file. Only the
Chinese policy terms (and a few friendlier English names) are kept here, keyed by field
name; a field without an entry is shown under its English title alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from sim.scenario import SHOCK_TYPES, Scenario

# field name -> (English name, Chinese policy term); either may be None
TERMS: dict[str, tuple[str | None, str | None]] = {
    "standardization": ("Standardization", "标准化/统一接口"),
    "matching_efficiency": ("Matching platform", "需求发布—能力对答"),
    "supply_chain_finance": ("Supply-chain finance", "供应链金融"),
    "scf_spread": ("Supply-chain finance spread", "供应链金融利差"),
    "payment_term_cap_days": ("Payment-term cap", "保障中小企业款项支付"),
    "credit_guarantee": ("Credit guarantee", "融资担保"),
    "ip_protection": ("IP protection", "知识产权保护"),
    "leader_openness": ("Leader openness", "大企业搭台、中小企业唱戏"),
    "shared_equipment": ("Shared equipment", "科研设备共享"),
    "guided_fund": ("Guided fund", "产业链协同创新引导基金"),
    "consortium_funding": ("Innovation consortia", "揭榜挂帅/创新联合体"),
    "digital_subsidy": ("Digital subsidy", "数字化转型"),
    "antitrust_review": ("Antitrust review", "反垄断审查"),
    "rd_subsidy_rate": ("R&D subsidy", "研发补贴"),
}

SHOCK_TERMS: dict[str, tuple[str, str | None]] = {
    "supplier_disruption": ("Supplier disruption", "供应中断"),
    "foreign_cutoff": ("Foreign cut-off", "海外断供"),
    "demand_shock": ("Demand shock", "需求冲击"),
    "leader_failure": ("Leader failure", "链主退出"),
    "credit_crunch": ("Credit crunch", "信贷紧缩"),
    "tech_obsolescence": ("Technology obsolescence", "技术迭代"),
}

# which field of a shock type is its "size"; a type not listed uses its first numeric field
SHOCK_SIZE_FIELD: dict[str, str] = {
    "supplier_disruption": "capacity_loss",
    "foreign_cutoff": "capacity_loss",
    "demand_shock": "change",
    "leader_failure": "count",
    "credit_crunch": "limit_cut",
    "tech_obsolescence": "frontier_jump",
}

NO_SHOCK = "none"
Kind = Literal["number", "integer", "boolean", "choice"]


class ControlError(ValueError):
    """A value typed into a control that the scenario schema does not allow."""


@dataclass(frozen=True)
class ControlSpec:
    """One control: what it sets, how it is labelled and which values it accepts."""

    path: str  # dotted scenario path, e.g. "policy.standardization" or "shock.capacity_loss"
    name: str  # field name
    english: str
    chinese: str | None
    description: str
    unit: str
    kind: Kind
    default: Any
    nullable: bool = False  # a switch turns it off (None)
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """English name with the Chinese policy term beside it."""
        return f"{self.english} {self.chinese}" if self.chinese else self.english

    @property
    def slider_range(self) -> tuple[float, float]:
        """Bounds of the slider: the schema's, or a readable span around the default when open."""
        lo = self.minimum if self.minimum is not None else 0.0
        if self.maximum is not None:
            hi = self.maximum
        else:
            ref = abs(self.default) if isinstance(self.default, int | float) else 0.0
            hi = max(lo + (10.0 if self.kind == "integer" else 1.0), 4.0 * ref)
        return float(lo), float(hi)

    @property
    def slider_step(self) -> float:
        if self.kind == "integer":
            return 1.0
        lo, hi = self.slider_range
        span = hi - lo
        return _nice(span / 100.0) if span > 10 else _nice(span / 20.0)

    def describe_range(self) -> str:
        lo = "(" if self.exclusive_minimum else "["
        hi = ")" if self.exclusive_maximum else "]"
        low = "-inf" if self.minimum is None else _fmt(self.minimum)
        high = "inf" if self.maximum is None else _fmt(self.maximum)
        return f"{lo}{low}, {high}{hi}"


def _nice(x: float) -> float:
    """Round a step to 1, 2 or 5 times a power of ten."""
    if x <= 0:
        return 0.01
    exp = math.floor(math.log10(x))
    frac = x / 10**exp
    base = 1 if frac < 1.5 else 2 if frac < 3.5 else 5
    return float(base * 10**exp)


def _fmt(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------- from the schema


@cache
def _schema() -> dict:
    return Scenario.model_json_schema()


def _spec(path: str, name: str, prop: dict) -> ControlSpec | None:
    """A control for one schema property, or None when it is not a scalar a control can set."""
    options = prop.get("anyOf", [prop])
    nullable = any(o.get("type") == "null" for o in options)
    scalar = [o for o in options if o.get("type") != "null"]
    if len(scalar) != 1:
        return None
    body = scalar[0]
    english, chinese = TERMS.get(name, (None, None))
    common = {
        "path": path,
        "name": name,
        "english": english or prop.get("title") or name.replace("_", " ").capitalize(),
        "chinese": chinese,
        "description": prop.get("description", ""),
        "unit": prop.get("unit", "-"),
        "default": prop.get("default"),
        "nullable": nullable,
    }
    if "enum" in body:
        return ControlSpec(kind="choice", choices=tuple(body["enum"]), **common)
    kind = body.get("type")
    if kind == "boolean":
        return ControlSpec(kind="boolean", **common)
    if kind not in ("number", "integer"):
        return None
    lo = body.get("minimum", body.get("exclusiveMinimum"))
    hi = body.get("maximum", body.get("exclusiveMaximum"))
    return ControlSpec(
        kind=kind,
        minimum=lo,
        maximum=hi,
        exclusive_minimum="exclusiveMinimum" in body,
        exclusive_maximum="exclusiveMaximum" in body,
        **common,
    )


def _section_properties(def_name: str) -> dict[str, dict]:
    return _schema()["$defs"][def_name]["properties"]


def lever_specs() -> list[ControlSpec]:
    """One control per field of the `Policy` section, in schema order."""
    specs = []
    for name, prop in _section_properties("Policy").items():
        spec = _spec(f"policy.{name}", name, prop)
        if spec is not None:
            specs.append(spec)
    return specs


def shock_types() -> list[str]:
    """The shock types the schema knows, in the order the scenario module lists them."""
    mapping = _schema()["properties"]["shocks"]["items"]["discriminator"]["mapping"]
    listed = [kind for kind in SHOCK_TYPES if kind in mapping]
    return listed + sorted(set(mapping) - set(listed))


def shock_type_label(kind: str) -> str:
    if kind == NO_SHOCK:
        return "No shock 无冲击"
    english, chinese = SHOCK_TERMS.get(kind, (kind.replace("_", " ").capitalize(), None))
    return f"{english} {chinese}" if chinese else english


def _shock_properties(kind: str) -> dict[str, dict]:
    ref = _schema()["properties"]["shocks"]["items"]["discriminator"]["mapping"][kind]
    return _section_properties(ref.rsplit("/", 1)[-1])


def shock_description(kind: str) -> str:
    ref = _schema()["properties"]["shocks"]["items"]["discriminator"]["mapping"][kind]
    return _schema()["$defs"][ref.rsplit("/", 1)[-1]].get("description", "")


def shock_size_field(kind: str) -> str:
    if kind in SHOCK_SIZE_FIELD:
        return SHOCK_SIZE_FIELD[kind]
    for name, prop in _shock_properties(kind).items():
        spec = _spec(name, name, prop)
        if spec and spec.kind in ("number", "integer") and name not in ("start", "duration"):
            return name
    raise KeyError(f"shock type {kind} has no numeric field to use as its size")


def shock_specs(kind: str) -> dict[str, ControlSpec]:
    """Controls of a shock type: its size, start and duration (labels from its schema)."""
    props = _shock_properties(kind)
    size = shock_size_field(kind)
    out: dict[str, ControlSpec] = {}
    for role, name in (("size", size), ("start", "start"), ("duration", "duration")):
        spec = _spec(f"shock.{name}", name, props[name])
        assert spec is not None, f"{kind}.{name} is not a scalar"
        if role == "size":
            spec = _replace(spec, english=f"Size: {spec.english.lower()}")
        out[role] = spec
    return out


def _replace(spec: ControlSpec, **changes: Any) -> ControlSpec:
    from dataclasses import replace

    return replace(spec, **changes)


# ---------------------------------------------------------------- typed values


def parse_value(spec: ControlSpec, raw: Any) -> Any:
    """Check a value typed or picked for `spec`; return it in its proper type or raise ControlError.

    The message names the control, what it accepts and what was given, so the page can
    show it beside the field.
    """
    where = spec.english
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "none", "null", "off")):
        if spec.nullable:
            return None
        raise ControlError(f"{where}: a value is needed")
    if spec.kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "on", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ControlError(f"{where}: expected on or off, got {raw!r}")
    if spec.kind == "choice":
        if raw in spec.choices:
            return raw
        raise ControlError(f"{where}: expected one of {', '.join(spec.choices)}, got {raw!r}")
    value = _number(raw, where)
    if spec.kind == "integer":
        if value != math.floor(value):
            raise ControlError(f"{where}: expected a whole number ({spec.unit}), got {raw!r}")
        value = int(value)
    low_bad = spec.minimum is not None and (
        value <= spec.minimum if spec.exclusive_minimum else value < spec.minimum
    )
    high_bad = spec.maximum is not None and (
        value >= spec.maximum if spec.exclusive_maximum else value > spec.maximum
    )
    if low_bad or high_bad:
        raise ControlError(
            f"{where}: must be in {spec.describe_range()} ({spec.unit}), got {_fmt(value)}"
        )
    return value


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool):
        raise ControlError(f"{where}: expected a number, got {raw!r}")
    try:
        value = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ControlError(f"{where}: expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ControlError(f"{where}: expected a finite number, got {raw!r}")
    return value


SEED_SPEC = ControlSpec(
    path="seed",
    name="seed",
    english="Seed",
    chinese="随机种子",
    description="Seed of the run; the no-shock counterfactual uses the same one (common random numbers).",
    unit="-",
    kind="integer",
    default=0,
    minimum=0,
    maximum=2**63 - 1,
)
