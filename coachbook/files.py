"""Atomic file output (a reader never sees a half-written file), and the check that a path is Coachbook's own."""

from __future__ import annotations

import hashlib
import os
import stat
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import UnsafePath, display_path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    _replace_atomically(path, lambda handle: handle.write(data))


def copy_atomically(source: Path, path: Path) -> str:
    """Copy the file `source` to `path` the same way, streaming (never read whole into memory); its SHA-256."""
    digest = hashlib.sha256()

    def copy(handle: BinaryIO) -> None:
        with open(source, "rb") as original:
            while chunk := original.read(1 << 20):
                digest.update(chunk)
                handle.write(chunk)

    _replace_atomically(path, copy)
    return digest.hexdigest()


def file_digest(path: Path) -> str | None:
    """The SHA-256 of the regular file at `path`, read in chunks; None if it is no readable regular file."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW)) as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def own_path(root: Path, relative: str | Path) -> Path:
    """`root / relative`, checked to be Coachbook's to write or delete: inside `root`, and no part of it below `root`
    (the file itself included) a symlink. Else `UnsafePath`, naming the path.

    `root` itself may be a symlink: the user chose it. What lies below is Coachbook's only as real folders and
    files: a symlink there leads to files Coachbook did not write.
    """
    path = Path(root) / relative
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts:
        raise UnsafePath(f"{display_path(path)}: outside {display_path(root)}; nothing was written or deleted")
    current = Path(root)
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise UnsafePath(f"{display_path(current)}: a symlink inside {display_path(root)}, which Coachbook writes only "
                             f"real folders and files into; remove it. Nothing was written or deleted")
    return path


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
