"""Kit jobs, and rendering many of them in worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from .i18n import DEFAULT_LANGUAGE
from .schema import ConversationModel


@dataclass(frozen=True)
class KitJob:
    """One kit of one model (or of a translation, in `language`) on one paper size."""

    model: ConversationModel
    kit: str
    paper: str
    language: str = DEFAULT_LANGUAGE

    @property
    def path(self) -> str:
        """Where the kit lives below a kits folder: `<id>/<id>-<kit>-<paper>.pdf` (`.<lang>.pdf` for a translation)."""
        from .kits import kit_filename

        return f"{self.model.id}/{kit_filename(self.model.id, self.kit, self.paper, self.language)}"


def kit_jobs(models: Iterable[ConversationModel], kits: Iterable[str], papers: Iterable[str],
             language: str = DEFAULT_LANGUAGE) -> list[KitJob]:
    return [KitJob(model, kit, paper, language) for model in models for kit in kits for paper in papers]


def _render(job: KitJob) -> bytes:
    from .kits import render_kit

    return render_kit(job.model, job.kit, job.paper, job.language)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_jobs(jobs: list[KitJob], workers: int | None = None) -> Iterator[tuple[KitJob, bytes]]:
    """Render every job, yielding each with its PDF bytes in the order of `jobs`."""
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        for job in jobs:
            yield job, _render(job)
        return
    # "spawn": forking a process that already loaded fontconfig and pango is not safe.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from zip(jobs, pool.map(_render, jobs, chunksize=1))
