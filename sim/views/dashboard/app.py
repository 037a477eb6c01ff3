"""The Solara page of `rongtong dashboard`.

Mesa 3.3's SolaraViz drives a single model built from `model_params` with plain
sliders; this page needs a paired counterfactual stepped in lock-step, controls built
from the scenario schema with units and explanations, and typed values refused with a
message, so it is made of plain Solara components around `sim.views.dashboard.session`.
Everything it computes lives in session.py / views.py and is tested without a browser.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any, cast

import solara

from sim.errors import InputError
from sim.views.dashboard import SCENARIO_ENV, views
from sim.views.dashboard.controls import (
    NO_SHOCK,
    SEED_SPEC,
    ControlError,
    ControlSpec,
    lever_specs,
    parse_value,
    shock_description,
    shock_specs,
    shock_type_label,
    shock_types,
)
from sim.views.dashboard.render import RENDERER
from sim.views.dashboard.session import (
    DEAL_COLUMNS,
    EXIT_COLUMNS,
    INNOVATION_COLUMN,
    PairedRun,
    Settings,
    bundled_scenarios,
    settings_from_file,
    start_run,
    switch_shock_type,
)

STRIDES = ["1", "3", "6", "12"]
RENDERER.warm_up()
FRAME_SECONDS = 0.4  # Run shows at most one step per this many seconds, so it can be watched

NOTE = {"font-size": "12px", "color": "#555", "line-height": "1.3"}
CARD = {"padding": "10px 14px", "margin-bottom": "10px"}


def scenario_choices() -> dict[str, Path]:
    """Bundled scenarios by name, plus the file given on the command line."""
    choices = {p.stem: p for p in bundled_scenarios()}
    given = os.environ.get(SCENARIO_ENV)
    if given:
        path = Path(given).resolve()
        if path not in choices.values():
            name = path.stem if path.stem not in choices else f"{path.stem} ({path})"
            choices[name] = path
    return choices


def initial_file() -> Path:
    given = os.environ.get(SCENARIO_ENV)
    if given:
        return Path(given).resolve()
    choices = scenario_choices()
    return choices.get("baseline", next(iter(choices.values())))


class FrameClock:
    """The last version of the views the page has drawn; Run waits on it before stepping on."""

    def __init__(self) -> None:
        self._drawn = -1
        self._changed = threading.Condition()

    def mark(self, version: int) -> None:
        with self._changed:
            self._drawn = max(self._drawn, version)
            self._changed.notify_all()

    def wait(self, version: int, cancel: threading.Event, timeout: float) -> bool:
        """Block until `version` is drawn, `cancel` is set or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._drawn < version and not cancel.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.2))
            return self._drawn >= version


# ---------------------------------------------------------------- controls


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _null_meaning(spec: ControlSpec) -> str:
    """What `null` means for a nullable field, as its schema description says."""
    text = spec.description
    key = "null means "
    if key in text:
        return text.split(key, 1)[1].rstrip(". ")
    return "not set"


@solara.component
def Labelled(spec: ControlSpec):
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<b>{escape(spec.label)}</b> <span style='color:#888'>[{escape(spec.unit)}]</span>"
            f"<div style='font-size:12px;color:#555;line-height:1.3'>{escape(spec.description)}</div>"
        ),
    )


@solara.component
def NumberControl(spec: ControlSpec, value: Any, on_change, epoch: int = 0, slider: bool = True):
    """Slider plus a box to type a value; a refused value shows its message under the box.

    `on_change(value)` returns None when the value was taken, or a message why not. The
    typed text stays in the box, marked, until a value is taken or the run is reset
    (`epoch` changes).
    """
    text, set_text = solara.use_state(_fmt(value))
    error, set_error = solara.use_state(cast(str | None, None))
    last_set, set_last_set = solara.use_state(value)

    def sync() -> None:
        set_text(_fmt(value))
        set_error(None)
        if value is not None:
            set_last_set(value)

    solara.use_effect(sync, [value, epoch])

    def refuse(reason: str) -> None:
        set_error(f"{reason} — still {_fmt(value) if value is not None else 'off'}")

    def commit(new: Any) -> None:
        refusal = on_change(new)
        if refusal:
            refuse(refusal)
        else:
            set_error(None)

    def typed(raw: str) -> None:
        set_text(raw)
        try:
            new = parse_value(spec, raw)
        except ControlError as exc:
            refuse(str(exc))
            return
        commit(new)

    with solara.Column(
        gap="2px", style={"margin-bottom": "12px"}, classes=[f"rt-control-{spec.name}"]
    ):
        Labelled(spec)
        lo, hi = slider_bounds(spec)
        if spec.nullable:
            fallback = last_set if last_set is not None else lo + 0.2 * (hi - lo)
            if spec.kind == "integer":
                fallback = int(round(fallback))
            solara.Switch(
                label="on" if value is not None else f"off: {_null_meaning(spec)}",
                value=value is not None,
                on_value=lambda on: commit(fallback if on else None),
            )
        if value is not None or not spec.nullable:
            ValueRow(spec, value, (lo, hi), text, bool(error), typed, commit, slider)
        if error:
            solara.Text(
                error, style={"color": "#b71c1c", "font-size": "12px"}, classes=["rt-error"]
            )


def slider_bounds(spec: ControlSpec) -> tuple[float, float]:
    """The slider's range: the schema's, without a bound the schema excludes."""
    lo, hi = spec.slider_range
    if spec.exclusive_minimum:  # the slider never offers a value the schema refuses
        lo += spec.slider_step
    if spec.exclusive_maximum:
        hi -= spec.slider_step
    return lo, hi


@solara.component
def ValueRow(
    spec: ControlSpec,
    value: Any,
    bounds: tuple[float, float],
    text: str,
    refused: bool,
    typed,
    commit,
    slider: bool,
):
    """A number control's slider (when it has one) and the box to type a value in."""
    lo, hi = bounds
    with solara.Row(style={"align-items": "center", "padding-top": "14px"}):
        if slider:
            shown = min(max(float(value if value is not None else lo), lo), hi)
            if spec.kind == "integer":
                solara.SliderInt(
                    label="",
                    value=int(shown),
                    min=int(lo),
                    max=int(hi),
                    on_value=lambda v: commit(int(v)),
                )
            else:
                solara.SliderFloat(
                    label="",
                    value=shown,
                    min=lo,
                    max=hi,
                    step=spec.slider_step,
                    on_value=lambda v: commit(round(float(v), 10)),
                )
        solara.InputText(
            label=f"{spec.english} value",
            value=text,
            on_value=typed,
            error=refused,
            dense=True,
            style={"max-width": "150px" if slider else "220px"},
        )


@solara.component
def ChoiceControl(spec: ControlSpec, value: Any, on_change):
    with solara.Column(gap="2px", style={"margin-bottom": "10px"}):
        Labelled(spec)
        if spec.kind == "boolean":
            solara.Switch(label="on" if value else "off", value=bool(value), on_value=on_change)
        else:
            solara.Select(
                label=spec.english, values=list(spec.choices), value=value, on_value=on_change
            )


@solara.component
def Control(spec: ControlSpec, value: Any, on_change, epoch: int = 0, slider: bool = True):
    if spec.kind in ("number", "integer"):
        NumberControl(spec, value, on_change, epoch=epoch, slider=slider)
    else:
        ChoiceControl(spec, value, on_change)


# ---------------------------------------------------------------- panels


@solara.component
def Chart(job: tuple, css_class: str):
    """One figure, drawn by the renderer's workers; `job` is (serial, future, builder, args)."""

    def resolve() -> bytes | str | None:
        _, future, builder, args = job
        try:
            return RENDERER.png(future, builder, *args)
        except Exception as exc:  # a figure that cannot be drawn must not take the page down
            return f"could not draw this panel: {type(exc).__name__}: {exc}"

    image = solara.use_memo(resolve, [job[0]])
    with solara.Column(classes=[css_class], style={"min-height": "120px"}):
        if isinstance(image, str):
            solara.Warning(image)
        elif image is not None:
            solara.Image(image)


@solara.component
def LayerNote(text: str, css_class: str):
    with solara.Card(style=CARD, classes=[css_class]):
        solara.Text(text, style=NOTE)


JOBS = itertools.count()


def submit(builder: str, *args: Any) -> tuple:
    """Send a figure to the workers; the serial number tells a new figure from an old one."""
    return next(JOBS), RENDERER.submit(builder, *args), builder, args


def chart_jobs(run: PairedRun, ts, cf) -> dict[str, tuple]:
    """All figures of the month, sent to the workers at once (then collected by the charts)."""
    window = run.shock_window()
    jobs = {
        "output": submit("output", ts, cf, run.horizon, window),
        "demand": submit("demand", ts, cf, run.horizon, window),
    }
    if any(c in ts.columns for c in EXIT_COLUMNS):
        jobs["exits"] = submit("exits", ts, cf, run.horizon, window)
    if any(c in ts.columns for c in (INNOVATION_COLUMN, *DEAL_COLUMNS)):
        jobs["innovation"] = submit("innovation", ts, run.horizon, window)
    return jobs


@solara.component
def Views(run: PairedRun, version: solara.Reactive, clock: FrameClock):
    drawing = version.value  # subscribe: redraw when the model steps
    solara.use_effect(lambda: clock.mark(drawing), [drawing])
    ts, cf = run.series()
    jobs = solara.use_memo(lambda: chart_jobs(run, ts, cf), [run.run_id, run.month])
    network_view = solara.use_memo(lambda: views.NetworkView(run.shocked.network), [run.run_id])
    status = run.firm_status()
    net = run.shocked.network
    # redrawn only when a firm's status or the links change
    network_key = [
        run.run_id,
        status.disrupted.tobytes(),
        status.failed.tobytes(),
        net.link_slot.tobytes(),
        net.link_seller.tobytes(),
    ]
    network_job = solara.use_memo(
        lambda: submit("network", network_view.picture(status, run.month)), network_key
    )
    SeriesCharts(jobs)
    Chart(network_job, "rt-network-chart")
    OutcomesCard(run, run.month)  # the month as a prop: redrawn as the run steps


@solara.component
def SeriesCharts(jobs: dict[str, tuple]):
    """Output and demand; exits and innovations, or a note saying which layer adds them."""
    with solara.Columns([1, 1]):
        Chart(jobs["output"], "rt-output-chart")
        Chart(jobs["demand"], "rt-demand-chart")
    with solara.Columns([1, 1]):
        if "exits" in jobs:
            Chart(jobs["exits"], "rt-exits-chart")
        else:
            LayerNote(
                "SME exits and defaults appear here once the finance layer adds "
                "sme_exits / defaults_* to model.timeseries().",
                "rt-exits-note",
            )
        if "innovation" in jobs:
            Chart(jobs["innovation"], "rt-innovation-chart")
        else:
            LayerNote(
                "Innovations and deals by type (licences, patent sharing, acquisitions, "
                "imitations) appear here once the innovation layer adds them to model.timeseries().",
                "rt-innovation-note",
            )


@solara.component
def OutcomesCard(run: PairedRun, month: int):
    table = run.outcome_table()
    with solara.Card("Outcomes so far", style=CARD, classes=["rt-outcomes"]):
        note = (
            "No shock: the run is its own counterfactual."
            if not run.paired
            else f"Measured against the no-shock run with the same seed, from month {run.shock_start}."
        )
        solara.Text(note, style=NOTE)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=table.to_html(index=False, border=0, classes="rt-table"),
            style="font-size:13px",
        )


# ---------------------------------------------------------------- page


def play(current, playing, stride, version, message, clock: FrameClock, cancel) -> None:
    """The Run button's loop: step the current run until paused, finished or replaced."""
    if not playing.value:
        return
    mine = current.current
    while not cancel.is_set() and playing.value and mine is current.current and not mine.finished:
        started = time.monotonic()
        try:
            mine.step(int(stride.value))
        except Exception as exc:
            message.set(f"Step failed: {type(exc).__name__}: {exc}")
            break
        shown = version.value + 1
        version.set(shown)
        # never step ahead of the page: on a busy machine renders would pile up unseen
        clock.wait(shown, cancel, timeout=30.0)
        cancel.wait(max(0.0, FRAME_SECONDS - (time.monotonic() - started)))
    if mine is current.current:
        playing.set(False)


def build_run(new: Settings, message) -> PairedRun | str:
    """A fresh run of `new`, or why it cannot be built (also shown on the page)."""
    try:
        return start_run(new)
    except (ControlError, InputError) as exc:
        message.set(f"Refused: {exc}")
        return str(exc)
    except Exception as exc:  # keep the page alive whatever the model says
        message.set(f"Could not build the run: {type(exc).__name__}: {exc}")
        return str(exc)


@solara.component
def PageHeader():
    solara.Title("rongtong dashboard")
    solara.Style(
        ".rt-table td, .rt-table th {padding: 2px 8px; text-align: left} "
        ".rt-table td:nth-child(2) {text-align: right; font-variant-numeric: tabular-nums}"
    )


@solara.component
def Page():
    choices = solara.use_memo(scenario_choices, [])
    first = solara.use_memo(lambda: settings_from_file(initial_file()), [])
    settings, set_settings = solara.use_state(first)
    run, set_run = solara.use_state(solara.use_memo(lambda: start_run(first), []))
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    stride = solara.use_reactive("1")
    message = solara.use_reactive("")
    generation = solara.use_reactive(0)  # runs started: a reset clears refused values
    current = solara.use_ref(run)
    current.current = run
    clock = solara.use_memo(FrameClock, [])

    def apply(new: Settings) -> str | None:
        """Restart at month 0 with new control values; on refusal keep the old run and say why."""
        playing.set(False)
        fresh = build_run(new, message)
        if isinstance(fresh, str):
            return fresh
        old = current.current
        current.current = fresh
        set_settings(new)
        set_run(fresh)
        generation.set(generation.value + 1)
        message.set("")
        if old is not None and old is not fresh:
            old.release()
        return None

    def step_once() -> None:
        try:
            run.step(int(stride.value))
        except Exception as exc:
            message.set(f"Step failed: {type(exc).__name__}: {exc}")
        version.set(version.value + 1)

    def loop(cancel: threading.Event) -> None:
        play(current, playing, stride, version, message, clock, cancel)

    solara.use_thread(loop, dependencies=[playing.value, run.run_id], intrusive_cancel=False)

    PageHeader()
    with solara.Column(style={"padding": "8px 16px"}):
        solara.HTML(
            tag="h2",
            unsafe_innerHTML="rongtong 融通 — large and small firms after a shock",
            style="margin:4px 0",
        )
        with solara.Columns([4, 9]):
            with solara.Column(classes=["rt-controls"]):
                ScenarioCard(choices, settings, run, apply, message, generation.value)
                RunCard(run, version, playing, stride, step_once, lambda: apply(settings))
                ShockAndLevers(settings, run.horizon, apply, generation.value)
            with solara.Column():
                if message.value:
                    solara.Error(message.value, classes=["rt-message"])
                Views(run, version, clock)


@solara.component
def ShockAndLevers(settings: Settings, horizon: int, apply, epoch: int):
    """The shock's controls and the policy levers; a change restarts the run (`apply`)."""

    def set_lever(name: str):
        return lambda value: apply(settings.with_lever(name, value))

    def set_shock(field: str):
        return lambda value: apply(settings.with_shock(**{field: value}))

    ShockControls(settings, horizon, apply, set_shock, epoch)
    LeverControls(settings, set_lever, epoch)


@solara.component
def ScenarioCard(
    choices: dict[str, Path], settings: Settings, run: PairedRun, apply, message, epoch
):
    """The scenario file, its description and the seed; a change restarts the run (`apply`)."""

    def pick(name: str) -> None:
        try:
            new = settings_from_file(choices[name], seed=settings.seed)
        except InputError as exc:
            message.set(f"Refused: {exc}")
            return
        apply(new)

    with solara.Card("Scenario 情景", style=CARD):
        name = next((k for k, v in choices.items() if v == settings.scenario_file), None)
        solara.Select(label="scenario file", values=list(choices), value=name, on_value=pick)
        solara.Text(run.scenario.description, style=NOTE)
        Control(
            SEED_SPEC,
            settings.seed,
            lambda s: apply(replace(settings, seed=s)),
            epoch=epoch,
            slider=False,
        )


@solara.component
def LeverControls(settings: Settings, set_lever, epoch: int):
    with solara.Card("Policy levers 政策工具", style=CARD, classes=["rt-levers"]):
        solara.Text("Changing any control restarts the run at month 0.", style=NOTE)
        for spec in lever_specs():
            Control(
                spec,
                settings.levers.get(spec.name, spec.default),
                set_lever(spec.name),
                epoch=epoch,
            )


@solara.component
def RunCard(run: PairedRun, version: solara.Reactive, playing, stride, on_step, on_reset):
    """Month counter and the step / run / pause / reset buttons (redrawn on every step)."""
    _ = version.value  # subscribe: only this card and the views redraw when the model steps
    with solara.Card("Run 运行", style=CARD, classes=["rt-run"]):
        solara.Text(
            f"month {run.month} of {run.horizon}"
            + (" — finished, press Reset" if run.finished else ""),
            classes=["rt-month"],
        )
        with solara.Row():
            busy = playing.value or run.finished
            solara.Button("Step", on_click=on_step, disabled=busy, color="primary")
            solara.Button("Run", on_click=lambda: playing.set(True), disabled=busy)
            solara.Button("Pause", on_click=lambda: playing.set(False), disabled=not playing.value)
            solara.Button("Reset", on_click=on_reset)
        solara.ToggleButtonsSingle(value=stride, values=STRIDES)
        solara.Text("months per step", style=NOTE)


@solara.component
def ShockControls(settings: Settings, horizon: int, apply, set_shock, epoch: int):
    sh = settings.shock
    kinds = [NO_SHOCK, *shock_types()]
    labels = {shock_type_label(k): k for k in kinds}
    with solara.Card("Shock 冲击", style=CARD, classes=["rt-shock"]):
        solara.Select(
            label="shock type",
            values=list(labels),
            value=shock_type_label(sh.kind),
            on_value=lambda label: apply(switch_shock_type(settings, labels[label])),
        )
        if sh.kind == NO_SHOCK:
            solara.Text("No shock: a single run, nothing to compare.", style=NOTE)
            return
        solara.Text(shock_description(sh.kind), style=NOTE)
        specs = shock_specs(sh.kind)
        start = replace(specs["start"], maximum=horizon - 1)
        duration = replace(specs["duration"], maximum=horizon)
        Control(specs["size"], sh.size, set_shock("size"), epoch).key(f"{sh.kind}-size")
        Control(start, sh.start, set_shock("start"), epoch).key(f"{sh.kind}-start")
        Control(duration, sh.duration, set_shock("duration"), epoch).key(f"{sh.kind}-duration")
        if settings.extra_shocks:
            solara.Text(
                f"The file has {settings.extra_shocks} more shock(s); they are kept as they are.",
                style=NOTE,
            )
