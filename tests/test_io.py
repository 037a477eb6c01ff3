"""Results are written atomically, with the permissions any new file gets."""

from __future__ import annotations

import stat

import pytest

from sim.io import write_atomic, write_json, write_text


def test_a_result_file_gets_the_permissions_of_any_new_file(tmp_path):
    """Not the owner-only mode of a temp file: a results folder can be shared with a group."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    written = write_text(tmp_path / "result.txt", "x")
    assert stat.S_IMODE(written.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_failed_write_leaves_neither_the_file_nor_a_temp_file(tmp_path):
    def fail(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.json", fail)
    assert list(tmp_path.iterdir()) == []


def test_a_rewrite_replaces_the_whole_file(tmp_path):
    target = write_json(tmp_path / "out.json", {"a": 1, "b": [1, 2, 3]})
    write_json(target, {"a": 2})
    assert target.read_text() == '{\n  "a": 2\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
