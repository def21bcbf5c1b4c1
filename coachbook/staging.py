"""Build into a staging folder beside the output, and replace the output only when the build succeeded."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from .files import owned_folder_prefix, remove_stale_folders


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


class StagedFolder:
    """A fresh folder beside `target` (on the same file system, publishing is a rename per entry), named with this
    process's id (`.<target>.building-<pid>-*`) so that a later build removes it if this one is killed.

    Publishing replaces the target's content the way `mkdocs build` cleans it: entries whose names
    start with a dot (`.git`, a web server's `.htaccess`) are kept.
    """

    def __init__(self, target: Path, beside: Path | None = None):
        """`beside`: where to stage instead of the target's folder (a site engine may build only inside its project)."""
        self.target = Path(target).resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(beside) if beside else self.target.parent
        folder.mkdir(parents=True, exist_ok=True)
        kind = f".{self.target.name}.building-"
        remove_stale_folders(folder, kind)  # left by a build that was killed before it could publish or discard
        self.path = Path(tempfile.mkdtemp(prefix=owned_folder_prefix(kind), dir=folder))

    def publish(self) -> None:
        """Move the staged content into the target, replacing what a previous build left there."""
        self.target.mkdir(exist_ok=True)
        for entry in self.target.iterdir():
            if not entry.name.startswith("."):
                _remove(entry)
        for entry in sorted(self.path.iterdir()):
            destination = self.target / entry.name
            if destination.exists() or destination.is_symlink():
                _remove(destination)
            shutil.move(entry, destination)  # a rename, unless staged on another file system
        self.path.rmdir()

    def discard(self) -> None:
        """Forget the staged content: the target stays exactly as it was."""
        shutil.rmtree(self.path, ignore_errors=True)


class _Counter(logging.Handler):
    """Counts the records of warning level and above."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class StagedBuild(StagedFolder):
    """A site engine's build redirected into a staged folder, counting the warnings its logger reports meanwhile."""

    def __init__(self, target: Path, logger: str):
        super().__init__(target)
        self.logger, self._counter = logging.getLogger(logger), _Counter()
        self.logger.addHandler(self._counter)

    @property
    def warnings(self) -> int:
        return self._counter.count

    def finish(self, publish: bool) -> Path:
        """Publish or discard the staged build, stop counting; the target folder."""
        self.logger.removeHandler(self._counter)
        if publish:
            self.publish()
        else:
            self.discard()
        return self.target
