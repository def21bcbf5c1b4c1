"""Render the kits of many models, in worker processes, into an output folder."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .files import write_atomically
from .schema import ConversationModel


@dataclass(frozen=True)
class KitJob:
    """One kit of one model on one paper size."""

    model: ConversationModel
    kit: str
    paper: str

    @property
    def path(self) -> str:
        """Where the kit lives below a kits folder: `<id>/<id>-<kit>-<paper>.pdf`."""
        from .kits import kit_filename

        return f"{self.model.id}/{kit_filename(self.model.id, self.kit, self.paper)}"


def kit_jobs(models: Iterable[ConversationModel], kits: Iterable[str], papers: Iterable[str]) -> list[KitJob]:
    return [KitJob(model, kit, paper) for model in models for kit in kits for paper in papers]


def _render(job: KitJob) -> bytes:
    from .kits import render_kit

    return render_kit(job.model, job.kit, job.paper)


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


def build_kits(
    jobs: list[KitJob],
    out_dir: Path,
    *,
    workers: int | None = None,
    prune_other_models: bool = False,
    on_kit_done: Callable[[KitJob, Path], None] | None = None,
) -> list[Path]:
    """Write every job's kit into `out_dir`; with `prune_other_models`, drop folders of models no longer built."""
    out_dir = Path(out_dir)
    written = []
    for job, pdf in render_jobs(jobs, workers):
        target = out_dir / job.path
        write_atomically(target, pdf)
        written.append(target)
        if on_kit_done:
            on_kit_done(job, target)
    if prune_other_models and out_dir.is_dir():
        keep = {job.model.id for job in jobs}
        for folder in out_dir.iterdir():
            if folder.is_dir() and folder.name not in keep and all(p.suffix == ".pdf" for p in folder.iterdir()):
                shutil.rmtree(folder)
    return written
