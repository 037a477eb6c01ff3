"""Errors that reach the user as one line (the CLI turns them into exit code 2)."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a scenario or experiment file, a field, an override or a path.

    The message is complete on one line: it names the file, the field and what was
    expected, so the CLI prints it as is, without a traceback.
    """
