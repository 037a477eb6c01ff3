"""docs/tutorial.md is executable: its Python blocks run in order, in an empty folder, without error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def code_blocks(markdown: str) -> list[str]:
    """The ```python fenced blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.DOTALL | re.MULTILINE)


def test_code_blocks_are_found():
    blocks = code_blocks(
        "text\n```python\na = 1\n```\n```\nnot python\n```\n```python\nb = 2\n```\n"
    )
    assert blocks == ["a = 1\n", "b = 2\n"]


def test_the_tutorial_runs_from_start_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = code_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "the tutorial lost its code blocks"
    namespace: dict = {"__name__": "__tutorial__"}
    for i, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{TUTORIAL.name} block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            pytest.fail(f"{TUTORIAL.name}, code block {i} raised {type(exc).__name__}: {exc}")
    # what the student is told to look at exists
    for figure in ("cutoff.png", "sensitivity.png"):
        assert (tmp_path / figure).stat().st_size > 0
    diff = namespace["diff"]
    assert set(diff["scenario"]) == {"cutoff_small", "cutoff_standardized"}
    assert len(namespace["sample"]) == 24
