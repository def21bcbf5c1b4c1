"""Write the kits of many models into an output folder, rendering only what the cache lacks."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path, PurePosixPath

from ..files import copy_all_atomically, file_digest, own_path, write_atomically
from ..progress import Progress
from .cache import KitCache
from .jobs import Job

# Where `build_kits.py pack` writes by default, inside the kits folder; a build never prunes it.
PACKS_FOLDER = "packs"
# The kits the builds wrote into an output folder, relative to it: what a full build may remove.
MANIFEST = ".coachbook-kits.json"
# The manifest's form: {"format": 2, "kits": {path: SHA-256}}. Format 1 was a list of paths.
MANIFEST_FORMAT = 2
SHA256 = re.compile(r"[0-9a-f]{64}")


def build_kits(
    jobs: list[Job],
    out_dir: Path,
    *,
    cache: KitCache | None = None,
    workers: int | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Render every job, then write the kits into `out_dir`, recording each with its SHA-256 in the manifest.

    Nothing is written unless every job rendered (else RenderFailed), and nothing at all if a path to write or
    remove is not Coachbook's (`own_path`: a symlink on the way; else UnsafePath). A `full` build (every model,
    kit, paper and language) also removes the kits the previous full build wrote that this one did not: kits of
    models and translations that are gone. It removes only a regular file that the manifest lists and whose
    bytes are still those the manifest recorded, never anything in the packs folder.
    """
    out_dir = Path(out_dir)
    listed = _read_manifest(out_dir)
    written = {job.path for job in jobs}
    unwanted = {path: digest for path, digest in listed.items() if path not in written} if full else {}
    for path in [*written, *unwanted, MANIFEST]:
        own_path(out_dir, path)  # before anything is rendered, written or removed

    with contextlib.ExitStack() as owned:
        if cache is None:  # an uncached build: entries in a temporary folder, removed once copied
            cache = owned.enter_context(KitCache(None))
        rendered = cache.render(jobs, workers, progress=progress)
        # All or none: a full disk or an unwritable folder leaves the previous kits as they were.
        targets = [(entry, own_path(out_dir, job.path)) for job, entry in rendered]
        recorded = {job.path: digest for (job, _), digest in zip(rendered, copy_all_atomically(targets), strict=True)}
    _remove(out_dir, unwanted)
    # A subset build adds what it wrote and keeps the rest: it does not know whether those kits are still wanted.
    kept = recorded if full else {**listed, **recorded}
    manifest = {"format": MANIFEST_FORMAT, "kits": dict(sorted(kept.items()))}
    write_atomically(own_path(out_dir, MANIFEST), (json.dumps(manifest, indent=1) + "\n").encode())
    return [out_dir / job.path for job, _ in rendered]


def _read_manifest(out_dir: Path) -> dict[str, str | None]:
    """The kits listed in `out_dir`'s manifest with their SHA-256, keeping only paths safely inside it; none without
    a readable one.

    An earlier Coachbook's manifest, a list of paths, recorded no checksums: its kits are known (None) but never
    removed, since a user's own file may have taken the place of one since.
    """
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if isinstance(manifest, list):
        listed = dict.fromkeys(manifest)
    elif isinstance(manifest, dict) and isinstance(manifest.get("kits"), dict):
        listed = {path: digest if isinstance(digest, str) and SHA256.fullmatch(digest) else None
                  for path, digest in manifest["kits"].items()}
    else:
        return {}
    # A hand-edited manifest must not reach outside the folder or into the packs.
    return {path: digest for path, digest in listed.items()
            if isinstance(path, str) and _is_kit_path(PurePosixPath(path))}


def _is_kit_path(path: PurePosixPath) -> bool:
    return (not path.is_absolute() and ".." not in path.parts and len(path.parts) > 1
            and path.parts[0] != PACKS_FOLDER and path.suffix == ".pdf")


def _remove(out_dir: Path, kits: dict[str, str | None]) -> None:
    """Remove each kit that is still the file written (a regular file with the recorded SHA-256), then its folders
    if that left them empty (a user's file keeps its folder, and a file changed since is a user's)."""
    for path, digest in sorted(kits.items()):
        target = own_path(out_dir, path)
        if digest is None or file_digest(target) != digest:
            continue
        target.unlink(missing_ok=True)
        for folder in target.parents:
            if folder == out_dir:
                break
            try:
                os.rmdir(folder)
            except OSError:  # not empty, or already gone
                break
