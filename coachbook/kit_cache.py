"""A content-addressed cache of rendered kits, so a rebuild renders only what changed."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import RenderFailed
from .files import write_atomically
from .render import Job, render_jobs

PACKAGE_DIR = Path(__file__).resolve().parent
# Everything in the package that shapes a kit's bytes besides the model itself: the renderers and
# what they import (schema.py orders the cards; render.py says which renderer a job calls).
KIT_INPUTS = ("kits.py", "pack.py", "render.py", "schema.py", "text.py", "branding.py", "i18n.py", "locales",
              "templates/kits", "assets")
# The libraries a kit's bytes depend on: WeasyPrint and what it lays out and writes with, and ours
# for Markdown and templates. (WeasyPrint 70 parses HTML with tinyhtml5, not html5lib.)
RENDERING_LIBRARIES = ("weasyprint", "pydyf", "tinyhtml5", "tinycss2", "cssselect2", "pyphen", "fonttools", "pillow",
                       "markdown-it-py", "jinja2", "markupsafe")


DEFAULT_FOLDER = Path(".cache") / "coachbook"


def cache_folder(configured: Path | None) -> Path | None:
    """The cache folder: COACHBOOK_CACHE_DIR if set (empty turns the cache off), else `configured`."""
    override = os.environ.get("COACHBOOK_CACHE_DIR")
    if override is not None:
        return Path(override) if override else None
    return configured


@functools.cache
def kit_inputs_digest() -> str:
    """A hash of the kit code, templates, CSS and fonts: editing any of them invalidates every entry."""
    digest = hashlib.sha256(__version__.encode())
    for name in KIT_INPUTS:
        root = PACKAGE_DIR / name
        for path in sorted([root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())):
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def installed_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def pango_version() -> str:
    """The version of the pango library WeasyPrint loaded, which shapes the text."""
    from weasyprint.text.ffi import pango  # here, not at the top: loading WeasyPrint is slow and `check` needs none of it

    number = pango.pango_version()  # major * 10000 + minor * 100 + micro
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


@functools.cache
def dependency_versions() -> tuple[str, ...]:
    """`<name> <version>` of every rendering library: upgrading one can change a kit's bytes."""
    return (*(f"{name} {installed_version(name)}" for name in RENDERING_LIBRARIES), f"pango {pango_version()}")


def kit_key(job: Job) -> str:
    """A hash of everything a kit's (or a pack's) bytes depend on.

    The package inputs, the rendering libraries' versions, the build date, the job, and the branding
    (the logo by its bytes).
    """
    from .kits import build_date  # as the kits compute it (SOURCE_DATE_EPOCH); loads WeasyPrint, so not at the top

    parts = [kit_inputs_digest(), *dependency_versions(), build_date(), *job.cache_identity()]
    if job.branding is not None:
        parts.append(job.branding.fingerprint())
    payload = "\0".join(parts)
    return hashlib.sha256(payload.encode()).hexdigest()


class KitCache:
    """Rendered kits on disk, one file per key: the PDF behind a line holding its own SHA-256.

    The checksum line lets a truncated or corrupted entry be detected and rendered again.
    """

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        self.hits = self.misses = 0

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            checksum, _, pdf = self._entry(key).read_bytes().partition(b"\n")
        except OSError:
            return None
        return pdf if checksum == hashlib.sha256(pdf).hexdigest().encode() else None

    def put(self, key: str, pdf: bytes) -> None:
        if self.folder is not None:
            write_atomically(self._entry(key), hashlib.sha256(pdf).hexdigest().encode() + b"\n" + pdf)

    def render(self, jobs: list[Job], workers: int | None = None, *,
               on_job_done: Callable[[Job], None] | None = None) -> list[tuple[Job, bytes]]:
        """Every job with its PDF, in order, rendering only the jobs with no valid cache entry.

        A job repeated (the same key) is rendered and returned once, where it first appears. Every job is
        rendered before anything is returned: if any failed, RenderFailed lists each failure on one line,
        and the others are still cached. `on_job_done` is called as each PDF becomes available.
        """
        unique: dict[str, Job] = {}
        for job in jobs:
            unique.setdefault(kit_key(job), job)
        pdfs = {key: self.get(key) for key in unique}
        missing = [key for key, pdf in pdfs.items() if pdf is None]
        self.hits, self.misses = len(unique) - len(missing), len(missing)
        if on_job_done:
            for key, pdf in pdfs.items():
                if pdf is not None:
                    on_job_done(unique[key])
        failures = []
        for key, (job, outcome) in zip(missing, render_jobs([unique[key] for key in missing], workers)):
            if isinstance(outcome, str):
                failures.append(f"{job.label}: {outcome}")
                continue
            self.put(key, outcome)
            pdfs[key] = outcome
            if on_job_done:
                on_job_done(job)
        if failures:
            raise RenderFailed(failures)
        return [(job, pdfs[key]) for key, job in unique.items()]
