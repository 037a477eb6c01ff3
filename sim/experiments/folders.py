"""Results folders the tool owns: a name is never a path, and one writer at a time.

A scenario's or experiment's `name:` becomes a folder under `results/` only as a slug (letters,
digits, '.', '-', '_'; nothing that climbs out, never hidden), so `name: ../..` or `/some/dir`
cannot write anywhere else. Every command that writes a results folder holds an exclusive lock
on it (`filelock`, a well-kept cross-platform library: an OS lock released when the process
dies, so a killed sweep leaves no stale lock) for as long as it writes; a second writer is
refused with one line naming the holder, instead of deleting or duplicating the first one's runs.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from sim.errors import InputError

RESULTS = Path("results")
LOCK_NAME, OWNER_NAME = ".rongtong.lock", ".rongtong.lock.owner"
_MAX_SLUG = 80
_held: dict[Path, int] = {}  # folders this process holds, with a nesting count


def slug(name: str) -> str:
    """`name` as one safe folder name: other characters become '_', no leading dot, at most 80."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"
    return text[:_MAX_SLUG]


def default_folder(name: str, suffix: str = "") -> Path:
    """results/<slug of name><suffix>: where a command writes when no --out is given."""
    return RESULTS / slug(f"{name}{suffix}")


class FolderBusy(InputError):
    """Another process is writing the results folder."""


def _holder(folder: Path) -> str:
    try:
        owner = json.loads((folder / OWNER_NAME).read_text(encoding="utf-8"))
        return f"pid {owner['pid']} on {owner['host']} ({owner['command']}, since {owner['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def locked_folder(folder: Path, command: str) -> Iterator[Path]:
    """Hold `folder` (created if missing) exclusively while the block writes it; refuse at once,
    with one line, when another process holds it. Nested calls in one process share the lock."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {folder}: exists and is not a folder")
    key = folder.resolve()
    if key in _held:
        _held[key] += 1
        try:
            yield folder
        finally:
            _held[key] -= 1
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {folder}: cannot create the folder ({exc.strerror})") from None
    lock = FileLock(folder / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise FolderBusy(
            f"--out {folder}: in use by {_holder(folder)}; wait for it to finish or use another --out"
        ) from None
    except OSError as exc:  # a folder this user cannot write: said before any work is done
        raise InputError(f"--out {folder}: not writable ({exc.strerror or exc})") from None
    _held[key] = 1
    try:
        _write_owner(folder, command)
        yield folder
    finally:
        del _held[key]
        (folder / OWNER_NAME).unlink(missing_ok=True)
        lock.release()  # the lock file stays: unlinking it would let two later writers in


def _write_owner(folder: Path, command: str) -> None:
    since = datetime.now(UTC).isoformat(timespec="seconds")
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": since}
    (folder / OWNER_NAME).write_text(json.dumps(owner), encoding="utf-8")
