"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    _replace_atomically(path, lambda handle: handle.write(data))


def copy_atomically(source: Path, path: Path) -> None:
    """Copy the file `source` to `path` the same way, streaming: the file is never read whole into memory."""
    with open(source, "rb") as original:
        _replace_atomically(path, lambda handle: shutil.copyfileobj(original, handle))


def _replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
