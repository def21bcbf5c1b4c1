"""User-facing content errors: one `file:line:col: field: message` line each."""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working folder when inside it."""
    # The folder is resolved, not the file: a link is shown by its own name, not by where it leads.
    try:
        where = Path(path).parent.resolve() / Path(path).name
        return os.path.relpath(where) if where.is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)


def unknown_model_hint(name: str, model_ids: Collection[str]) -> str:
    """What to tell of a model id that names no model: the id it was most likely meant to be, else every id there is."""
    close = difflib.get_close_matches(name, sorted(model_ids), n=1)
    return f"did you mean '{close[0]}'?" if close else "known: " + (", ".join(sorted(model_ids)) or "none")


FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}  # faults of where a file is written


def os_error_line(error: OSError) -> str:
    """A file-system fault a user can meet (unreadable, unwritable, a full disk), as one line: `<path>: <reason>`."""
    reason = error.strerror or str(error)
    # A copy or a move that fails for lack of room names its source first: the place that is full is its target.
    path = error.filename2 if error.filename2 and error.errno in FULL else error.filename
    return f"{display_path(Path(path))}: {reason}" if path else reason


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one model file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InvalidContent(Exception):
    """Raised with every problem found, so a user fixes all of them in one round."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class UsageError(Exception):
    """A bad command-line or configuration choice (unknown model, kit or paper)."""


class ConfigError(UsageError):
    """Problems in a configuration file (mkdocs.yml): one `file:line:col: option: message` line each."""

    def __init__(self, lines: list[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class RenderFailed(Exception):
    """Kits or packs that could not be rendered: one `model id, kit, paper: what went wrong` line each."""

    def __init__(self, lines: list[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class ZensicalFailed(Exception):
    """`zensical build` reported a problem (it printed it); the previous site is left as it was."""


class UnsafePath(Exception):
    """A path Coachbook was about to write or delete is not its own: outside its folder, or reached through a symlink.

    Nothing was written or deleted; the message is one line naming the path.
    """
