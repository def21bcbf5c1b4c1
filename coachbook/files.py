"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import errno
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
    copy_all_atomically([(source, path)])


def copy_all_atomically(copies: list[tuple[Path, Path]]) -> None:
    """Copy each (source, target), all or none: every copy is first written beside its target, and only when all of
    them are (a full disk stops it before that) are they renamed into place; on a failure the folders it made go too."""
    made: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for source, path in copies:
            with open(source, "rb") as original:
                staged.append((_temporary_beside(Path(path), lambda handle: shutil.copyfileobj(original, handle), made),
                               Path(path)))
        while staged:
            _rename(*staged[0])
            staged.pop(0)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty: a rename may already have put a file there
        raise


def _replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    path = Path(path)
    _rename(_temporary_beside(path, write), path)


def _rename(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OSError(error.errno, f"cannot write it ({error.strerror or error})", str(path)) from None


def _temporary_beside(path: Path, write: Callable[[BinaryIO], object], made: list[Path] | None = None) -> Path:
    """A temporary file in `path`'s folder (made, and listed in `made`, when missing) holding what `write` writes.

    Raises an OSError naming `path` (not the temporary file or a parent folder) and saying what could not be done.
    """
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file stands where a folder must be
        raise NotADirectoryError(errno.ENOTDIR, "cannot write it: a file is in the way of its folder", str(path)) from None
    except OSError as error:
        raise OSError(error.errno, f"cannot make its folder ({error.strerror or error})", str(path)) from None
    if made is not None:
        made.extend(reversed(missing))
    try:
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OSError(error.errno, f"cannot write it ({error.strerror or error})", str(path)) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OSError(error.errno, f"cannot write it ({error.strerror or error})", str(path)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
