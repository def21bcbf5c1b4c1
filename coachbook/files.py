"""Atomic file output (a reader never sees a half-written file), and the check that a path is Coachbook's own."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
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
    return copy_all_atomically([(source, path)])[0]


def copy_all_atomically(copies: list[tuple[Path, Path]]) -> list[str]:
    """Copy each (source, target), all or none, and give each copy's SHA-256: every copy is first written beside its
    target, and only when all of them are (a full disk stops it before that) are they renamed into place; on a failure
    the folders it made go too."""
    made: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    digests: list[str] = []
    try:
        for source, path in copies:
            digest = hashlib.sha256()

            def copy(handle: BinaryIO, source: Path = source, digest=digest) -> None:
                with open(source, "rb") as original:
                    while chunk := original.read(1 << 20):
                        digest.update(chunk)
                        handle.write(chunk)

            staged.append((_temporary_beside(Path(path), copy, made), Path(path)))
            digests.append(digest.hexdigest())
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
    return digests


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


def owned_folder_prefix(kind: str) -> str:
    """The name's start of a scratch folder this process makes (`<kind><pid>-`): the pid says whose it is, so a later
    build can tell a folder left by a build that was killed from one still in use."""
    return f"{kind}{os.getpid()}-"


def remove_stale_folders(parent: Path, kind: str) -> None:
    """Remove the folders `<kind><pid>-*` in `parent` that a process which no longer runs left behind (killed before it
    could clean up). Only real folders of this user are removed, never a symlink or what one points to."""
    pattern = re.compile(re.escape(kind) + r"(\d+)-[^/]+")
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        try:
            if not match or not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
        except OSError:
            continue
        if not _running(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process, or no pid at all: not ours to judge
        return True
    return True
