"""Drawing the dashboard's figures to PNG in worker processes.

Inside Solara's server matplotlib runs several times slower than on its own, because
Solara scopes `rcParams` per user session and every lookup goes through that layer.
The figures are therefore drawn in a small pool of spawned worker processes (which also
puts the second core to work); if the pool cannot be used, they are drawn in-process.
"""

from __future__ import annotations

import io
import os
import threading
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, TimeoutError
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from sim.views.dashboard import views

BUILDERS = {
    "output": views.output_figure,
    "demand": views.demand_met_figure,
    "exits": views.exits_figure,
    "innovation": views.innovation_figure,
    "network": views.network_figure,
}


def draw_png(builder: str, args: tuple) -> bytes | None:
    """PNG bytes of one figure, or None when its panel has nothing to show yet."""
    fig = BUILDERS[builder](*args)
    if fig is None:
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _ready() -> bool:
    return True


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the server is gone, however it ended (even SIGKILL)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Renderer:
    """Submits figures to the worker pool; falls back to drawing them here."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=get_context("spawn"),
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def warm_up(self) -> None:
        """Start the workers now, so the first page does not wait for them."""
        try:
            for _ in range(self.workers):
                self._get_pool().submit(_ready)
        except Exception:  # noqa: BLE001 - warming up is best effort
            pass

    def submit(self, builder: str, *args: Any) -> Future:
        try:
            return self._get_pool().submit(draw_png, builder, args)
        except Exception:  # broken or shut-down pool: draw here, start afresh next time
            self.reset()
            return self.inline(builder, *args)

    @staticmethod
    def inline(builder: str, *args: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(draw_png(builder, args))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def png(self, future: Future, builder: str, *args: Any) -> bytes | None:
        """The figure of `future`; if the worker failed for any reason, drawn here instead."""
        try:
            return future.result(timeout=60)
        except (BrokenProcessPool, CancelledError, TimeoutError):
            self.reset()
            return draw_png(builder, args)

    def reset(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


RENDERER = Renderer()
