"""Rendering kit and pack jobs, group by group, in worker processes: where a job meets WeasyPrint."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from weasyprint import Document
from weasyprint.text.ffi import pango

from ..branding import Branding
from ..files import owned_folder_prefix
from ..model.schema import ConversationModel
from .cards import Deck
from .document import kit_pdf
from .jobs import Job, KitLinks, PackJob, layout_groups
from .layouts import kit_layout
from .pack import KitLayout, render_pack

# Writes a rendered PDF to its place (a cache entry), in the worker that rendered it.
Store = Callable[[Path, bytes], None]


def render_job(job: Job, layout: KitLayout) -> bytes:
    """The job's PDF: a kit from its layout as `layout` gives it, a pack with its kits' layouts from `layout`."""
    if isinstance(job, PackJob):
        return render_pack(job.models, job.paper, job.copies, job.language, branding=job.branding, layout=layout,
                           date=job.date, links=job.links, session=job.session, practice=job.practice)
    return kit_pdf(layout(job.model, job.kit), job.model, job.kit, job.paper, job.language, branding=job.branding,
                   date=job.date, links=job.links)


def pango_version() -> str:
    """The version of the pango library WeasyPrint loaded, which shapes the text."""
    number = pango.pango_version()  # major * 10000 + minor * 100 + micro
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


class _Layouts:
    """Each kit laid out once, on first use, for the jobs of one group (whose paper, language and branding it takes),
    with its model's QR code addresses (`links`: by model id, from the group's jobs).

    A large deck of cards is kept fitted but not laid out (a `cards.Deck`): the cards kit and the pack that holds
    them each lay it out again, a chunk at a time, so the group never holds the whole deck's layout.
    """

    def __init__(self, paper: str, language: str, branding: Branding | None, links: dict[str, KitLinks]):
        self.paper, self.language, self.branding, self.links = paper, language, branding, links
        self.documents: dict[tuple[str, str], Document | Deck] = {}

    def __call__(self, model: ConversationModel, kit: str) -> Document | Deck:
        key = (model.model_dump_json(), kit)
        if key not in self.documents:
            self.documents[key] = kit_layout(model, kit, self.paper, self.language, branding=self.branding,
                                             links=self.links.get(model.id))
        return self.documents[key]


def _render_group(jobs: list[Job], targets: list[Path], store: Store) -> list[str | None]:
    """Render the jobs of one layout group, storing each PDF at its target: None for each success, else what went
    wrong as one line.

    Only these lines cross the process boundary, never a PDF or a pickled traceback; a failed job
    leaves the others of its group to go on.
    """
    links = {model.id: job.links_of(model) if isinstance(job, PackJob) else job.links
             for job in jobs for model in (job.models if isinstance(job, PackJob) else [job.model])}
    layouts = _Layouts(jobs[0].paper, jobs[0].language, jobs[0].branding,
                       {model_id: found for model_id, found in links.items() if found})
    outcomes: list[str | None] = []
    for job, target in zip(jobs, targets, strict=True):
        try:
            store(target, render_job(job, layouts))
            outcomes.append(None)
        except Exception as error:
            outcomes.append(describe(error))
    return outcomes


def describe(error: BaseException) -> str:
    """An exception as one line: its type (which says what kind of thing failed) and its message."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


# How often a worker looks whether its build still runs.
PARENT_CHECK_SECONDS = 0.5
# A worker's own temporary folder (`coachbook-worker-<pid>-*`), where WeasyPrint keeps the fonts it loads: a worker
# that is killed leaves it to the next build to remove (files.remove_stale_folders).
WORKER_TEMPORARY = "coachbook-worker-"


def start_worker(parent: int) -> None:
    """In a worker: temporary files go into a folder of its own, and the worker ends as soon as the build that started
    it is gone (killed with SIGKILL, say) instead of rendering on for nobody. A killed parent cannot shut its pool down;
    its workers are then handed to another parent."""
    folder = tempfile.mkdtemp(prefix=owned_folder_prefix(WORKER_TEMPORARY))
    tempfile.tempdir = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, name="coachbook-parent-watch", daemon=True).start()


# What one worker may hold at its peak: a group's kit layouts, one chunk of a large deck's cards (a deck is laid out,
# written and let go a chunk at a time: 358 MB at the peak for the cards of a 6,350-question model, the largest under
# the 1 MB file limit) and the interpreter with WeasyPrint and its fonts (about 0.1 GB): 1 GiB covers the cards of
# any valid model. A build starts no more workers than the memory the machine has
# free (MemAvailable) holds at that, so parallel renders never push it into swap or the OOM killer.
WORKER_MEMORY = 1024 ** 3
MEMINFO = Path("/proc/meminfo")


def available_memory(meminfo: Path = MEMINFO) -> int | None:
    """The bytes of memory the system can give new work without swapping (Linux's MemAvailable), or None if unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "MemAvailable":
                return int(value.split()[0]) * 1024  # given in kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_workers(meminfo: Path = MEMINFO) -> int:
    """One worker per usable core, at most as many as the available memory holds (WORKER_MEMORY each), at least one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    available = available_memory(meminfo)
    return cores if available is None else max(1, min(cores, available // WORKER_MEMORY))


def render_jobs(jobs: list[Job], targets: list[Path], store: Store,
                workers: int | None = None) -> Iterator[tuple[Job, str | None]]:
    """Render every job into its target with `store(target, pdf)` (in the worker), group by group (`layout_groups`).

    Yields each job as its group finishes, with None or with what went wrong as text. `store` must be
    a module-level function: it is sent to the worker processes.
    """
    target_of = {id(job): target for job, target in zip(jobs, targets, strict=True)}
    groups = layout_groups(jobs)
    workers = min(workers or default_workers(), len(groups))
    if workers <= 1:
        for group in groups:
            yield from zip(group, _render_group(group, [target_of[id(job)] for job in group], store), strict=True)
        return
    # "spawn": forking a process that already loaded fontconfig and pango is not safe.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=start_worker, initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(_render_group, group, [target_of[id(job)] for job in group], store) for group in groups]
        for group, future in zip(groups, futures, strict=True):
            try:
                outcomes = future.result()
            except Exception as error:  # the worker itself died, or the jobs could not be sent to it
                outcomes = [describe(error)] * len(group)
            yield from zip(group, outcomes, strict=True)
