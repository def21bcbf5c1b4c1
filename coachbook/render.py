"""Kit and pack jobs, and rendering many of them in worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import ClassVar

from .branding import Branding
from .errors import UsageError
from .i18n import DEFAULT_LANGUAGE
from .schema import ConversationModel


@dataclass(frozen=True)
class KitJob:
    """One kit of one model on one paper size, rendered in `language`, with the organization's branding if any.

    `section`: the models subfolder of a translation (its language tag), which names its files; None for
    the originals, whatever their language.
    """

    model: ConversationModel
    kit: str
    paper: str
    language: str = DEFAULT_LANGUAGE
    section: str | None = None
    branding: Branding | None = None

    @property
    def path(self) -> str:
        """Where the kit lives below a kits folder: `<id>/<id>-<kit>-<paper>.pdf` (`.<section>.pdf` for a translation)."""
        from .kits import kit_filename

        return f"{self.model.id}/{kit_filename(self.model.id, self.kit, self.paper, self.section)}"

    @property
    def label(self) -> str:
        """How a failure names the kit: `<id>, <kit>, <paper>`, with ` (<section>)` for a translation."""
        return _label(f"{self.model.id}, {self.kit}, {self.paper}", self.section)

    def cache_identity(self) -> tuple[str, ...]:
        """Everything besides the kit code and the branding that the PDF's bytes (and its place) depend on."""
        # The section does not change the bytes, but the cache returns one job per identity: two jobs
        # written to two places must not be taken for one.
        return (self.kit, self.paper, self.language, self.model.model_dump_json(), *[self.section] * bool(self.section))

    def render(self) -> bytes:
        from .kits import render_kit

        return render_kit(self.model, self.kit, self.paper, self.language, branding=self.branding)


def _label(where: str, section: str | None) -> str:
    return f"{where} ({section})" if section else where


# Worksheets per model in a pack: a workshop, not a print run.
MAX_COPIES = 100


def pack_filename(model_ids: Sequence[str], paper: str, section: str | None = None) -> str:
    """`<first-id>-pack-<paper>.pdf`, or `<first-id>-plus-<N>-more-pack-<paper>.pdf` for N further models;
    a translation's ends in `.<section>.pdf`."""
    more = f"-plus-{len(model_ids) - 1}-more" if len(model_ids) > 1 else ""
    suffix = f".{section}" if section else ""
    return f"{model_ids[0]}{more}-pack-{paper}{suffix}.pdf"


@dataclass(frozen=True)
class PackJob:
    """A workshop pack: several models (worksheets x copies, cards, checklist) in one PDF, cover and agenda included,
    in `language`; `section` as for a `KitJob`."""

    models: tuple[ConversationModel, ...]
    paper: str
    copies: int = 1
    language: str = DEFAULT_LANGUAGE
    section: str | None = None
    branding: Branding | None = None
    kit: ClassVar[str] = "pack"  # lets a pack be listed beside the kits

    @property
    def model(self) -> ConversationModel:
        return self.models[0]

    @property
    def filename(self) -> str:
        return pack_filename([model.id for model in self.models], self.paper, self.section)

    @property
    def path(self) -> str:
        """Where the pack lives below a kits folder, beside its first model's kits."""
        return f"{self.model.id}/{self.filename}"

    @property
    def label(self) -> str:
        return _label(f"{self.model.id}, pack, {self.paper}", self.section)

    def cache_identity(self) -> tuple[str, ...]:
        return ("pack", self.paper, str(self.copies), self.language, *[self.section] * bool(self.section),
                *(model.model_dump_json() for model in self.models))

    def render(self) -> bytes:
        from .pack import render_pack

        return render_pack(self.models, self.paper, self.copies, self.language, branding=self.branding)


Job = KitJob | PackJob


def kit_jobs(models: Iterable[ConversationModel], kits: Iterable[str], papers: Iterable[str],
             language: str = DEFAULT_LANGUAGE, *, section: str | None = None,
             branding: Branding | None = None) -> list[KitJob]:
    """Every kit of the models on every paper, in `language`; `section`: a translation's subfolder (None: originals)."""
    kits, papers = list(kits), list(papers)
    return [KitJob(model, kit, paper, language, section, branding) for model in models for kit in kits for paper in papers]


def pack_jobs(models: Iterable[ConversationModel], papers: Iterable[str], language: str = DEFAULT_LANGUAGE, *,
              section: str | None = None, branding: Branding | None = None) -> list[PackJob]:
    """One pack per model and paper, with one copy of the worksheet: what the site offers."""
    return [PackJob((model,), paper, language=language, section=section, branding=branding)
            for model in models for paper in papers]


def check_output_paths(jobs: Iterable[Job]) -> None:
    """Raise `UsageError` naming two different jobs that would be written to the same file, before anything is."""
    seen: dict[str, Job] = {}
    for job in jobs:
        first = seen.setdefault(job.path, job)
        if first is not job and first != job:
            raise UsageError(f"{first.label} and {job.label} would both be written to {job.path}")


def _render(job: Job) -> bytes | str:
    """The job's PDF, or what went wrong as one line.

    Caught here, in the worker, so a failure crosses the process boundary as text rather than as a
    pickled traceback, and the other jobs go on rendering.
    """
    try:
        return job.render()
    except Exception as error:
        return describe(error)


def describe(error: BaseException) -> str:
    """An exception as one line: its type (which says what kind of thing failed) and its message."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_jobs(jobs: list[Job], workers: int | None = None) -> Iterator[tuple[Job, bytes | str]]:
    """Render every job, yielding each in the order of `jobs` with its PDF bytes, or with what went wrong as text."""
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        for job in jobs:
            yield job, _render(job)
        return
    # "spawn": forking a process that already loaded fontconfig and pango is not safe.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_render, job) for job in jobs]
        for job, future in zip(jobs, futures):
            try:
                yield job, future.result()
            except Exception as error:  # the worker itself died, or the job could not be sent to it
                yield job, describe(error)
