"""Errors that reach the user as one line (the CLI turns them into exit code 2)."""

from __future__ import annotations

import reprlib


class InputError(Exception):
    """Bad input: a scenario or experiment file, a field, an override or a path.

    The message is complete on one line: it names the file, the field and what was
    expected, so the CLI prints it as is, without a traceback.
    """


_PREVIEW = reprlib.Repr()  # Python 3.11: the limits are attributes
_PREVIEW.maxlevel, _PREVIEW.maxstring, _PREVIEW.maxother = 2, 40, 40
_PREVIEW.maxdict = _PREVIEW.maxlist = _PREVIEW.maxtuple = _PREVIEW.maxset = 4
_MESSAGE_LIMIT = 600


def preview(value: object) -> str:
    """A short repr of a user's value for a message: nested and long values are elided before
    they are built (an alias bomb or a 100,000-character name costs nothing to show)."""
    return _PREVIEW.repr(value)


def one_line(message: str) -> str:
    """A message as one safe terminal line: control characters escaped, at most 600 characters."""
    safe = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in message)
    return safe if len(safe) <= _MESSAGE_LIMIT else safe[: _MESSAGE_LIMIT - 1] + "…"
