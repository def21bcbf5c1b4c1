"""An in-memory cache of rendered kits, so a live-reload re-renders only the models that changed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from . import __version__
from .build import KitJob, render_jobs


def kit_key(job: KitJob) -> str:
    """Everything a kit's bytes depend on that changes while a site is being edited."""
    payload = "\0".join((__version__, job.kit, job.paper, job.model.model_dump_json()))
    return hashlib.sha256(payload.encode()).hexdigest()


class MemoryKitCache:
    def __init__(self) -> None:
        self._pdfs: dict[str, bytes] = {}

    def render(self, jobs: list[KitJob], workers: int | None = None) -> Iterator[tuple[KitJob, bytes]]:
        """Every job with its PDF, rendering only those not rendered before; drops stale entries."""
        keys = [kit_key(job) for job in jobs]
        missing = {key: job for key, job in zip(keys, jobs) if key not in self._pdfs}
        rendered = render_jobs(list(missing.values()), workers) if missing else []
        fresh = {key: pdf for key, (_, pdf) in zip(missing, rendered)}
        self._pdfs = {key: fresh[key] if key in fresh else self._pdfs[key] for key in keys}
        for key, job in zip(keys, jobs):
            yield job, self._pdfs[key]
