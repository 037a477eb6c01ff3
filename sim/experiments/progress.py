"""Progress of a sweep: a rich bar with runs/s and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RunsPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- runs/s" if speed is None else f"{speed:.2f} runs/s")


class RunProgress:
    """Counts finished and failed runs; call `advance(ok)` after each one."""

    def __init__(
        self, label: str, total: int, enabled: bool = True, console: Console | None = None
    ):
        self.label, self.total, self.enabled = label, total, enabled
        self.console = console or Console(stderr=True)
        self.done = self.failed = 0
        self.bar: Progress | None = None
        self._start = self._last_line = time.monotonic()

    def __enter__(self) -> RunProgress:
        if self.enabled and self.console.is_terminal:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RunsPerSecond(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                speed_estimate_period=60.0,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total, failed=0)
        return self

    def advance(self, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if self.bar is not None:
            self.bar.update(self.task, advance=1, failed=self.failed)
        elif self.enabled:
            now = time.monotonic()
            if now - self._last_line >= 10.0 or self.done == self.total:
                self._last_line = now
                self.console.print(self.line(now), markup=False, highlight=False, soft_wrap=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (
            f"{self.label}: {self.done}/{self.total} runs, {self.failed} failed, "
            f"{rate:.2f} runs/s, elapsed {elapsed:.0f} s, ETA {eta:.0f} s"
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
