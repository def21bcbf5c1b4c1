"""Write the kits of many models into an output folder, rendering only what the cache lacks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from .files import write_atomically
from .kit_cache import KitCache
from .render import Job

# Where `build_kits.py pack` writes by default, inside the kits folder; a full build keeps it.
PACKS_FOLDER = "packs"


def build_kits(
    jobs: list[Job],
    out_dir: Path,
    *,
    cache: KitCache | None = None,
    workers: int | None = None,
    prune_other_models: bool = False,
    on_kit_done: Callable[[Job, Path], None] | None = None,
) -> list[Path]:
    """Write every job's kit into `out_dir`; with `prune_other_models`, drop kits of models and translations no longer built.

    The packs folder is never dropped: it holds what `build_kits.py pack` wrote, not a model's kits.
    """
    out_dir = Path(out_dir)
    written = []
    for job, pdf in (cache or KitCache(None)).render(jobs, workers):
        target = out_dir / job.path
        write_atomically(target, pdf)
        written.append(target)
        if on_kit_done:
            on_kit_done(job, target)
    if prune_other_models and out_dir.is_dir():
        keep = {job.model.id for job in jobs} | {PACKS_FOLDER}
        translated = {(job.model.id, job.language) for job in jobs}
        for folder in out_dir.iterdir():
            if folder.is_dir() and folder.name not in keep and all(p.suffix == ".pdf" for p in folder.iterdir()):
                shutil.rmtree(folder)
            elif folder.is_dir():
                # A translation's kits (<id>-<kit>-<paper>.<lang>.pdf) go with the translation.
                for pdf in folder.glob(f"{folder.name}-*.*.pdf"):
                    if (folder.name, pdf.name.split(".")[-2]) not in translated:
                        pdf.unlink()
    return written
