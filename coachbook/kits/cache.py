"""A content-addressed cache of rendered kits, so a rebuild renders only what changed."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import math
import os
import re
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import RenderFailed, UsageError, display_path
from ..files import (copy_atomically, owned_folder_prefix, own_path, remove_stale_folders,
                     write_atomically)
from ..progress import Progress
from .fetcher import KIT_ASSETS
from .jobs import Job
from .render import WORKER_TEMPORARY, pango_version, render_jobs

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The folders every file of which shapes a kit's bytes: the kit code, its templates, the catalogs and the
# assets (CSS, fonts). The package's modules that the kit code imports (the schema, text, i18n) are found from it.
KIT_FOLDERS = ("kits", "templates/kits", "locales", *(f"assets/{name}" for name in KIT_ASSETS))
# The libraries a kit's bytes depend on: WeasyPrint and what it lays out and writes with, and ours
# for Markdown and templates, pypdf, which reads a large deck's chunks to join them, and segno, which draws the QR
# codes. (WeasyPrint 70 parses HTML with tinyhtml5, not html5lib.)
RENDERING_LIBRARIES = ("weasyprint", "pydyf", "tinyhtml5", "tinycss2", "cssselect2", "pyphen", "fonttools", "pillow",
                       "markdown-it-py", "jinja2", "markupsafe", "pypdf", "segno")


def kit_input_files() -> list[Path]:
    """Every file of KIT_FOLDERS, and every module of the package that the kit code imports, directly or not."""
    roots = [PACKAGE_DIR / folder for folder in KIT_FOLDERS]
    files = {path for root in roots for path in ([root] if root.is_file() else root.rglob("*"))
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

    The package inputs, the rendering libraries' versions, the job (its date included: a model file saved anew dates
    its kits anew), and the branding (the logo by its bytes).
    """

    parts = [kit_inputs_digest(), *dependency_versions(), *job.cache_identity()]
    if job.branding is not None:
        parts.append(job.branding.fingerprint())
    payload = "\0".join(parts)
    return hashlib.sha256(payload.encode()).hexdigest()


# Entries used within this long are never evicted: a build running beside this one may be about to copy them.
RECENT_SECONDS = 3600
CHECKSUM_SUFFIX = ".sha256"
_CHUNK = 1 << 20
# The standard mark of a cache folder (https://bford.info/cachedir/): backup tools skip it. The comment says whose
# it is: only a folder with Coachbook's tag, or with nothing but Coachbook's entries, is used as a kit cache.
CACHE_TAG = "CACHEDIR.TAG"
CACHE_TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
CACHE_TAG_TEXT = (f"{CACHE_TAG_SIGNATURE}\n# This file is a cache directory tag created by Coachbook (its kit cache).\n"
                  "# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n")
# The cache's own names: `<2 hex>/` folders, `<64 hex>.pdf` entries with their `.sha256`, and the temporary files
# of their atomic writes. Nothing else in the folder is the cache's to evict.
SHARD = re.compile(r"[0-9a-f]{2}")
ENTRY = re.compile(r"[0-9a-f]{64}\.pdf")
SIDECAR = re.compile(r"[0-9a-f]{64}\.sha256")
TEMPORARY = re.compile(r"\.[0-9a-f]{64}\.(pdf|sha256)\.[A-Za-z0-9_]+\.tmp")
TAG_TEMPORARY = re.compile(r"\.CACHEDIR\.TAG\.[A-Za-z0-9_]+\.tmp")
# The temporary folder of an uncached build: `coachbook-kits-<pid>-*` in the system's temporary folder.
TEMPORARY_CACHE = "coachbook-kits-"


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
        """A persistent cache in `folder`, marked with CACHEDIR.TAG: a folder that holds other things is a UsageError."""
        self.persistent = bool(folder)
        for kind in (TEMPORARY_CACHE, WORKER_TEMPORARY):  # left by a build that was killed
            remove_stale_folders(Path(tempfile.gettempdir()), kind)
        if folder:
            self.folder = Path(folder)
            claim_cache_folder(self.folder)
        else:
            self.folder = Path(tempfile.mkdtemp(prefix=owned_folder_prefix(TEMPORARY_CACHE)))
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
        """The entry's path; UnsafePath if a symlink inside the cache leads to it (the cache writes only its own files)."""
        return own_path(self.folder, Path(key[:2]) / f"{key}.pdf")

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
               progress: Progress | None = None) -> list[tuple[Job, Path]]:
        """Every job with its PDF's cache entry, in order, rendering only the jobs with no valid entry.

        The workers write each PDF into its entry; the entries are to be copied, never read whole. A
        job repeated (the same key) is rendered and returned once, where it first appears. Every job is
        rendered before anything is returned: if any failed, RenderFailed lists each failure on one line,
        and the others are still cached. `progress` is told the total, the cached kits (done at once) and each
        kit as it is done.
        """
        unique: dict[str, Job] = {}
        for job in jobs:
            unique.setdefault(kit_key(job), job)
        entries = {key: self.entry(key) for key in unique}
        missing = [key for key in unique if not self._usable(entries[key])]
        self.hits, self.misses = len(unique) - len(missing), len(missing)
        progress = progress or Progress()
        progress.start(len(unique), cached=self.hits)
        failures = []
        try:
            rendering = [unique[key] for key in missing]
            for job, failure in render_jobs(rendering, [entries[key] for key in missing], store_entry, workers):
                if failure is not None:
                    failures.append(f"{job.label}: {failure}")
                progress.advance(job.path, failed=failure is not None)
        finally:
            progress.finish()
            self.evict(keep=set(entries.values()))
        if failures:
            raise RenderFailed(failures)
        return [(job, entries[key]) for key, job in unique.items()]

    def evict(self, keep: set[Path] = frozenset()) -> None:
        """While the cache is over its size limit, remove its least recently used entries, but never one in `keep`
        (this build's) or used within RECENT_SECONDS (maybe another build's, about to be copied).

        Also removes the temporary files of writes that were interrupted long ago. Only the cache's own names
        (`<2 hex>/<64 hex>.pdf`, its `.sha256`, their temporary files) are candidates, and only as real files in real
        folders: a symlink, a folder or any other name in the cache is never followed, counted or removed.
        """
        if not self.persistent or not self.folder.is_dir():
            return
        cutoff = time.time() - RECENT_SECONDS
        entries, total = [], 0
        for shard, name, status in _own_files(self.folder):
            path = self.folder / shard / name
            total += status.st_size
            if TEMPORARY.fullmatch(name):
                if status.st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    total -= status.st_size
            elif ENTRY.fullmatch(name):
                sidecar = path.with_suffix(CHECKSUM_SUFFIX)
                entries.append((status.st_mtime, path, status.st_size + _size(sidecar)))
        for used, path, size in sorted(entries):
            if total <= self.size_limit or used >= cutoff:
                break  # the rest were used more recently still
            # Asked again just before: another build may have used the entry since it was listed.
            if path in keep or _mtime(path) >= cutoff:
                continue
            path.unlink(missing_ok=True)
            sidecar = path.with_suffix(CHECKSUM_SUFFIX)
            if sidecar.is_file() and not sidecar.is_symlink():
                sidecar.unlink(missing_ok=True)
            total -= size


def _own_files(folder: Path) -> list[tuple[str, str, os.stat_result]]:
    """(shard, name, status) of each regular file of the cache's naming scheme in `folder`, following no symlink."""
    found = []
    try:
        shards = [entry for entry in os.scandir(folder) if SHARD.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return found
    for shard in shards:
        try:
            files = list(os.scandir(shard.path))
        except OSError:  # removed meanwhile
            continue
        for entry in files:
            name = entry.name
            if not (ENTRY.fullmatch(name) or SIDECAR.fullmatch(name) or TEMPORARY.fullmatch(name)):
                continue
            if ENTRY.fullmatch(name) and name[:2] != shard.name:
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    found.append((shard.name, name, entry.stat(follow_symlinks=False)))
            except OSError:  # removed meanwhile
                continue
    return found


def claim_cache_folder(folder: Path) -> None:
    """Make `folder` a kit cache, or refuse it (UsageError, one line) if it holds anything that is not the cache's.

    A missing or empty folder becomes one; a folder with Coachbook's CACHEDIR.TAG is one. A folder without the tag
    whose every entry has the cache's names (an earlier Coachbook's cache, which wrote no tag) is adopted: the tag is
    written. Anything else (a user's folder of documents, another tool's cache) is never written to or evicted from.
    """
    try:
        if _has_own_tag(folder):
            return
        if folder.exists() and not _holds_only_cache_entries(folder):
            raise UsageError(f"{display_path(folder)}: not a Coachbook kit cache (it holds other files and no CACHEDIR.TAG "
                             f"of Coachbook's); give an empty or new folder as the cache")
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / CACHE_TAG, CACHE_TAG_TEXT.encode("ascii"))
    except OSError as error:
        raise UsageError(f"{display_path(folder)}: cannot be used as the kit cache ({error.strerror or error})") from None


def is_cache_folder(folder: Path) -> bool:
    """Whether `folder` is a kit cache, read only: it has Coachbook's CACHEDIR.TAG, or holds nothing but cache entries."""
    try:
        return _has_own_tag(folder) or (folder.is_dir() and _holds_only_cache_entries(folder))
    except OSError:
        return False


def _has_own_tag(folder: Path) -> bool:
    """Whether `folder` holds Coachbook's CACHEDIR.TAG, as a real file."""
    tag = folder / CACHE_TAG
    if not tag.is_file() or tag.is_symlink():
        return False
    text = tag.read_text(encoding="utf-8", errors="replace")
    return text.startswith(CACHE_TAG_SIGNATURE) and "Coachbook" in text


@dataclass
class MergeReport:
    """What `merge_cache` did: entries copied in, entries this cache had already, and a line per thing skipped."""

    merged: int = 0
    present: int = 0
    skipped: list[str] = field(default_factory=list)


PDF_SIGNATURE = b"%PDF-"


def merge_cache(source: Path, cache: KitCache, report: MergeReport) -> None:
    """Copy into `cache` every valid entry of the kit cache `source` that it lacks, each PDF then its sidecar written
    atomically, so that a build reading the cache meanwhile finds an entry whole or not at all.

    An entry is valid when its PDF's SHA-256 is the one its sidecar holds and it is a PDF; anything else in `source`
    (a damaged entry, a sidecar alone, a file or symlink of another name) is skipped with a line in `report`, never
    merged. The temporary files of an interrupted write are passed over in silence. Nothing is deleted or replaced: an
    entry the cache already has valid stays as it is (kits are reproducible: the same key, the same bytes).
    """
    for shard, name, kind in _source_files(source):
        where = source / shard / name if shard else source / name
        if kind != "entry":
            report.skipped.append(f"{display_path(where)}: {kind}, not merged")
            continue
        target = cache.entry(name[:-len(".pdf")])
        if entry_is_valid(target):
            report.present += 1
            continue
        expected = _valid_checksum(where)
        if expected is None:
            report.skipped.append(f"{display_path(where)}: its SHA-256 is not the one its {CHECKSUM_SUFFIX} file holds "
                                  f"(a damaged or partial entry), not merged")
            continue
        # Changed between the check and the copy: the copy gets no sidecar, so a build takes it for a missing entry.
        if copy_atomically(where, target) != expected:
            report.skipped.append(f"{display_path(where)}: changed while it was copied, not merged")
            continue
        write_atomically(target.with_suffix(CHECKSUM_SUFFIX), expected.encode("ascii") + b"\n")
        report.merged += 1


def _valid_checksum(entry: Path) -> str | None:
    """The SHA-256 an entry's sidecar holds, if the entry is a PDF with that checksum; else None."""
    try:
        with open(entry, "rb") as handle:
            if handle.read(len(PDF_SIGNATURE)) != PDF_SIGNATURE:
                return None
    except OSError:
        return None
    if not entry_is_valid(entry):
        return None
    return entry.with_suffix(CHECKSUM_SUFFIX).read_text(encoding="ascii").strip()


def _source_files(source: Path) -> list[tuple[str, str, str]]:
    """(shard folder or "", name, kind) of everything in a kit cache to merge from, in name order: kind "entry" for a
    PDF of the cache's names in its own shard folder, as a real file; else what is wrong with it. Its tag, the sidecars
    of its entries and interrupted writes are left out."""
    found = []
    for top in sorted(os.scandir(source), key=lambda entry: entry.name):
        if top.name == CACHE_TAG or TAG_TEMPORARY.fullmatch(top.name):
            continue
        if not (SHARD.fullmatch(top.name) and top.is_dir(follow_symlinks=False)):
            found.append(("", top.name, "not a kit cache entry"))
            continue
        names = {inner.name: inner for inner in os.scandir(top.path)}
        for name in sorted(names):
            inner = names[name]
            regular = inner.is_file(follow_symlinks=False)
            if TEMPORARY.fullmatch(name) and regular:
                continue
            if ENTRY.fullmatch(name) and name[:2] == top.name and regular:
                found.append((top.name, name, "entry"))
            elif SIDECAR.fullmatch(name) and regular and name[:2] == top.name:
                if name[:-len(CHECKSUM_SUFFIX)] + ".pdf" not in names:
                    found.append((top.name, name, "a checksum without its PDF"))
            else:
                found.append((top.name, name, "not a kit cache entry"))
    return found


def _holds_only_cache_entries(folder: Path) -> bool:
    """Whether every entry of `folder` is a real `<2 hex>` folder holding only real files of the cache's names."""
    for entry in os.scandir(folder):
        if TAG_TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            continue  # another build writing the tag at this moment
        if not (SHARD.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
            return False
        for inner in os.scandir(entry.path):
            if not (any(pattern.fullmatch(inner.name) for pattern in (ENTRY, SIDECAR, TEMPORARY))
                    and inner.is_file(follow_symlinks=False)):
                return False
    return True


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
