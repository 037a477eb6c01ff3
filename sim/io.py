"""Atomic writing: a reader never sees a half-written result file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# the permissions a plain open() would give a new file (mkstemp makes it private to its owner)
FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write through `write(tmp_path)` into a temp file beside `path`, then rename over it.

    The result gets the permissions of any new file (umask), so results stay readable to the
    group that shares a results folder.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, FILE_MODE)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | Path, data: Any) -> Path:
    text = json.dumps(data, indent=2, sort_keys=False, default=_json_default, allow_nan=True)
    return write_atomic(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))


def write_parquet(path: str | Path, frame: pd.DataFrame) -> Path:
    return write_atomic(path, lambda p: frame.to_parquet(p, index=False))


def write_text(path: str | Path, text: str) -> Path:
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a mapping with the same key twice (the last would win)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {str(key)[:40]!r} (first at line {seen[key]})",
                key_node.start_mark,
            )  # fmt: skip
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, refusing duplicate keys (a repeated `policy:` block is an error, not lost)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
