"""Serving the dashboard: Solara's own server (Starlette + uvicorn) on a loopback port."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from sim.errors import InputError
from sim.scenario import load_scenario
from sim.views.dashboard import SCENARIO_ENV
from sim.views.dashboard.session import bundled_scenarios

APP_MODULE = "sim.views.dashboard.app"


def serve(scenario: Path | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Check the scenario file, then serve the page until interrupted (blocks).

    The scenario reaches the page through an environment variable because Solara
    imports the page module itself.
    """
    if scenario is not None:
        load_scenario(scenario)  # a bad file fails here with one line, before any server starts
        os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    elif not bundled_scenarios():
        raise InputError("--scenario: no bundled scenarios/ folder here; give a scenario file")
    run_solara(host, port)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(0)


def run_solara(host: str, port: int) -> None:
    """`solara run` in this process, in production mode, with nothing fetched from the internet:
    no telemetry, no version check (the page's assets come from the solara-assets package)."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    # SIGTERM ends the server like Ctrl-C, so exit handlers stop the figure workers
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    from solara.__main__ import cli as solara_cli

    args = ["run", APP_MODULE, "--host", host, "--port", str(port), "--production", "--no-open"]
    solara_cli.main([*args, "--no-check-version"], standalone_mode=False)
