"""Write the kits of many models into an output folder, rendering only what the cache lacks."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..files import copy_all_atomically, write_atomically
from .cache import KitCache
from .jobs import Job

# Where `build_kits.py pack` writes by default, inside the kits folder; a build never prunes it.
PACKS_FOLDER = "packs"
# The kits the builds wrote into an output folder, relative to it: what a full build may remove.
MANIFEST = ".coachbook-kits.json"


def build_kits(
    jobs: list[Job],
    out_dir: Path,
    *,
    cache: KitCache | None = None,
    workers: int | None = None,
    full: bool = False,
    on_kit_done: Callable[[Job, Path], None] | None = None,
) -> list[Path]:
    """Render every job, then write the kits into `out_dir`, recording them in its manifest.

    Nothing is written unless every job rendered (else RenderFailed). A `full` build (every model,
    kit, paper and language) also removes the kits the previous full build wrote that this one did
    not: kits of models and translations that are gone. It never removes a file the manifest does
    not list, nor anything in the packs folder.
    """
    out_dir = Path(out_dir)

    def rendered_one(job: Job) -> None:
        if on_kit_done:
            on_kit_done(job, out_dir / job.path)

    with contextlib.ExitStack() as owned:
        if cache is None:  # an uncached build: entries in a temporary folder, removed once copied
            cache = owned.enter_context(KitCache(None))
        rendered = cache.render(jobs, workers, on_job_done=rendered_one)
        # All or none: a full disk or an unwritable folder leaves the previous kits as they were.
        copy_all_atomically([(entry, out_dir / job.path) for job, entry in rendered])
    written = {job.path for job, _ in rendered}
    listed = _read_manifest(out_dir)
    if full and listed is not None:
        _remove(out_dir, listed - written)
    # A subset build adds what it wrote and keeps the rest: it does not know whether those kits are still wanted.
    kept = written if full else written | (listed or set())
    write_atomically(out_dir / MANIFEST, (json.dumps(sorted(kept), indent=1) + "\n").encode())
    return [out_dir / job.path for job, _ in rendered]


def _read_manifest(out_dir: Path) -> set[str] | None:
    """The kits listed in `out_dir`'s manifest, keeping only paths safely inside it; None without a readable one."""
    try:
        listed = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(listed, list):
        return None
    # A hand-edited manifest must not reach outside the folder or into the packs.
    return {path for path in listed if isinstance(path, str) and _is_kit_path(PurePosixPath(path))}


def _is_kit_path(path: PurePosixPath) -> bool:
    return (not path.is_absolute() and ".." not in path.parts and len(path.parts) > 1
            and path.parts[0] != PACKS_FOLDER and path.suffix == ".pdf")


def _remove(out_dir: Path, paths: set[str]) -> None:
    """Remove the listed kits, then their folders if that left them empty (a user's file keeps its folder)."""
    for path in sorted(paths):
        target = out_dir / path
        if not target.is_dir():
            target.unlink(missing_ok=True)
        for folder in target.parents:
            if folder == out_dir:
                break
            try:
                os.rmdir(folder)
            except OSError:  # not empty, or already gone
                break
