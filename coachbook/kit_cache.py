"""A content-addressed cache of rendered kits, so a rebuild renders only what changed."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .render import Job, render_jobs
from .files import write_atomically

PACKAGE_DIR = Path(__file__).resolve().parent
# Everything in the package that shapes a kit's bytes besides the model itself.
KIT_INPUTS = ("kits.py", "pack.py", "text.py", "branding.py", "i18n.py", "locales", "templates/kits", "assets")


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


def kit_key(job: Job) -> str:
    """Everything a kit's (or a pack's) bytes depend on: package inputs, the job, and the branding (logo by its bytes)."""
    parts = [kit_inputs_digest(), *job.cache_identity()]
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

    def render(self, jobs: list[Job], workers: int | None = None) -> Iterator[tuple[Job, bytes]]:
        """Every job with its PDF, in order, rendering only the jobs with no valid cache entry."""
        keys = [kit_key(job) for job in jobs]
        cached = {key: self.get(key) for key in keys}
        missing = {key: job for key, job in zip(keys, jobs) if cached[key] is None}
        self.hits, self.misses = len(jobs) - len(missing), len(missing)
        fresh = render_jobs(list(missing.values()), workers) if missing else iter(())
        for key, job in zip(keys, jobs):
            pdf = cached[key]
            if pdf is None:
                rendered_job, pdf = next(fresh)
                assert rendered_job is job
                self.put(key, pdf)
            yield job, pdf
