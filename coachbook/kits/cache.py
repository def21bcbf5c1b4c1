"""A content-addressed cache of rendered kits, so a rebuild renders only what changed."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import math
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import RenderFailed
from ..files import write_atomically
from .catalog import build_date
from .jobs import Job
from .render import pango_version, render_jobs

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The folders every file of which shapes a kit's bytes: the kit code, its templates, the catalogs and the
# assets (CSS, fonts). The package's modules that the kit code imports (the schema, text, i18n) are found from it.
KIT_FOLDERS = ("kits", "templates/kits", "locales", "assets")
# The libraries a kit's bytes depend on: WeasyPrint and what it lays out and writes with, and ours
# for Markdown and templates. (WeasyPrint 70 parses HTML with tinyhtml5, not html5lib.)
RENDERING_LIBRARIES = ("weasyprint", "pydyf", "tinyhtml5", "tinycss2", "cssselect2", "pyphen", "fonttools", "pillow",
                       "markdown-it-py", "jinja2", "markupsafe")


def kit_input_files() -> list[Path]:
    """Every file of KIT_FOLDERS, and every module of the package that the kit code imports, directly or not."""
    files = {path for folder in KIT_FOLDERS for path in (PACKAGE_DIR / folder).rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    unread = [path for path in files if path.suffix == ".py"]
    while unread:
        for module in _imported_modules(unread.pop()):
            if module not in files:
                files.add(module)
                unread.append(module)
    return sorted(files, key=lambda path: path.relative_to(PACKAGE_DIR).as_posix())


def _imported_modules(path: Path) -> list[Path]:
    """The package's modules that the module at `path` imports, anywhere in it (the package imports relatively)."""
    found = []
    for node in ast.walk(ast.parse(path.read_bytes())):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = path.parents[node.level - 1].joinpath(*(node.module.split(".") if node.module else ()))
        candidates = [base.with_suffix(".py"), base / "__init__.py", *(base / f"{alias.name}.py" for alias in node.names)]
        found += [candidate for candidate in candidates if candidate.is_file()]
    return found


@functools.cache
def kit_inputs_digest() -> str:
    """A hash of the kit code and what it imports, templates, catalogs, CSS and fonts: editing, adding or removing
    any of them invalidates every entry."""
    digest = hashlib.sha256(__version__.encode())
    for path in kit_input_files():
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def installed_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def dependency_versions() -> tuple[str, ...]:
    """`<name> <version>` of every rendering library: upgrading one can change a kit's bytes."""
    return (*(f"{name} {installed_version(name)}" for name in RENDERING_LIBRARIES), f"pango {pango_version()}")


def kit_key(job: Job) -> str:
    """A hash of everything a kit's (or a pack's) bytes depend on.

    The package inputs, the rendering libraries' versions, the build date, the job, and the branding
    (the logo by its bytes).
    """

    parts = [kit_inputs_digest(), *dependency_versions(), build_date(), *job.cache_identity()]
    if job.branding is not None:
        parts.append(job.branding.fingerprint())
    payload = "\0".join(parts)
    return hashlib.sha256(payload.encode()).hexdigest()


# Entries used within this long are never evicted: a build running beside this one may be about to copy them.
RECENT_SECONDS = 3600
CHECKSUM_SUFFIX = ".sha256"
_CHUNK = 1 << 20


def store_entry(entry: Path, pdf: bytes) -> None:
    """Write a rendered PDF as a cache entry: the PDF file, then beside it a sidecar holding its SHA-256.

    Each file is written atomically. Two builds may write one entry at once: both write the same
    bytes (kits are reproducible, and the key covers all they depend on) and each rename replaces a
    whole file, so a reader finds either file complete; a PDF and a sidecar from different writers
    still agree. A reader that meets a PDF renamed before its sidecar sees a mismatch and renders
    again, never a wrong PDF.
    """
    write_atomically(entry, pdf)
    write_atomically(entry.with_suffix(CHECKSUM_SUFFIX), hashlib.sha256(pdf).hexdigest().encode() + b"\n")


def entry_is_valid(entry: Path) -> bool:
    """Whether the PDF's SHA-256 is the one its sidecar holds, read in chunks (an entry may be large)."""
    try:
        expected = entry.with_suffix(CHECKSUM_SUFFIX).read_text(encoding="ascii").strip()
        digest = hashlib.sha256()
        with open(entry, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except (OSError, ValueError):
        return False
    return digest.hexdigest() == expected


class KitCache:
    """Rendered kits on disk: `<key[:2]>/<key>.pdf`, each with a `.sha256` sidecar that detects a damaged entry.

    Without a folder (the cache turned off) it renders into a private temporary folder, removed by
    `close()`: outputs are copied from entries, so even an uncached build needs them on disk until
    then. A persistent cache is kept under `size_mb` (the project's `cache_size_mb`; None: no limit) by evicting
    the least recently used entries after each build.
    """

    def __init__(self, folder: Path | None, *, size_mb: int | None = None):
        self.persistent = bool(folder)
        if folder:
            self.folder = Path(folder)
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="coachbook-kits-"))
        # Removes the temporary folder when closed, or at the latest when the cache is collected or Python exits.
        self._remove = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True) if not folder else None
        self.size_limit = math.inf if size_mb is None else size_mb * 1024 * 1024
        self.hits = self.misses = 0

    def close(self) -> None:
        """Remove the temporary folder of an uncached build (its entries with it); a persistent cache stays."""
        if self._remove is not None:
            self._remove()

    def __enter__(self) -> KitCache:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pdf"

    def _usable(self, entry: Path) -> bool:
        """A valid entry, marked as just used (its mtime) for eviction; False if missing or damaged."""
        if not entry_is_valid(entry):
            return False
        try:
            os.utime(entry)
        except OSError:  # evicted meanwhile by another build
            return False
        return True

    def missing(self, jobs: list[Job]) -> list[Job]:
        """The jobs with no valid entry: what `render` would render."""
        return [job for job in jobs if not entry_is_valid(self.entry(kit_key(job)))]

    def render(self, jobs: list[Job], workers: int | None = None, *,
               on_job_done: Callable[[Job], None] | None = None) -> list[tuple[Job, Path]]:
        """Every job with its PDF's cache entry, in order, rendering only the jobs with no valid entry.

        The workers write each PDF into its entry; the entries are to be copied, never read whole. A
        job repeated (the same key) is rendered and returned once, where it first appears. Every job is
        rendered before anything is returned: if any failed, RenderFailed lists each failure on one line,
        and the others are still cached. `on_job_done` is called as each PDF becomes available.
        """
        unique: dict[str, Job] = {}
        for job in jobs:
            unique.setdefault(kit_key(job), job)
        entries = {key: self.entry(key) for key in unique}
        missing = [key for key in unique if not self._usable(entries[key])]
        self.hits, self.misses = len(unique) - len(missing), len(missing)
        if on_job_done:
            for key, job in unique.items():
                if key not in missing:
                    on_job_done(job)
        failures = []
        try:
            rendering = [unique[key] for key in missing]
            for job, failure in render_jobs(rendering, [entries[key] for key in missing], store_entry, workers):
                if failure is not None:
                    failures.append(f"{job.label}: {failure}")
                elif on_job_done:
                    on_job_done(job)
        finally:
            self.evict(keep=set(entries.values()))
        if failures:
            raise RenderFailed(failures)
        return [(job, entries[key]) for key, job in unique.items()]

    def evict(self, keep: set[Path] = frozenset()) -> None:
        """While the cache is over its size limit, remove its least recently used entries, but never one in `keep`
        (this build's) or used within RECENT_SECONDS (maybe another build's, about to be copied).

        Also removes the temporary files of writes that were interrupted long ago.
        """
        if not self.persistent or not self.folder.is_dir():
            return
        cutoff = time.time() - RECENT_SECONDS
        entries, total = [], 0
        for path in self.folder.glob("??/*"):
            try:
                status = path.stat()
            except OSError:  # removed meanwhile
                continue
            total += status.st_size
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                if status.st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    total -= status.st_size
            elif path.suffix == ".pdf":
                sidecar = path.with_suffix(CHECKSUM_SUFFIX)
                entries.append((status.st_mtime, path, status.st_size + _size(sidecar)))
        for used, path, size in sorted(entries):
            if total <= self.size_limit or used >= cutoff:
                break  # the rest were used more recently still
            # Asked again just before: another build may have used the entry since it was listed.
            if path in keep or _mtime(path) >= cutoff:
                continue
            path.unlink(missing_ok=True)
            path.with_suffix(CHECKSUM_SUFFIX).unlink(missing_ok=True)
            total -= size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
