"""Kit and pack jobs: what to render and where it goes, planned without loading WeasyPrint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from ..branding import Branding
from ..errors import UsageError
from ..i18n import DEFAULT_LANGUAGE
from ..model.schema import ConversationModel
from .catalog import DEFAULT_DECK_SIZE, has_kit, kit_date, kit_filename, kit_papers, pack_filename

@dataclass(frozen=True)
class KitLinks:
    """Where a kit's QR codes lead on the published site, as full addresses: the model's page and its conversation
    mode (a step of it: `step`). Planned by the site plan from the site's address; a kit without one carries no code."""

    model_page: str
    conversation: str

    def step(self, step_id: str) -> str:
        """A step in the conversation mode, which opens at the step its address names."""
        return f"{self.conversation}#{step_id}"

    def identity(self) -> tuple[str, ...]:
        """What a kit's bytes take from its links (its cache key and PDF identifier)."""
        return ("links", self.model_page, self.conversation)


@dataclass(frozen=True)
class Session:
    """How a workshop pack plans its session: its `title` (None: built from its models), its `start` in minutes after
    midnight (None: the agenda counts from 0:00), and the minutes of an introduction, a break between two models and
    a debrief (0: none), each an item of the agenda."""

    title: str | None = None
    start: int | None = None
    intro: int = 0
    break_minutes: int = 0
    debrief: int = 0

    def identity(self) -> tuple[str, ...]:
        """What a pack's bytes take from its session; nothing for the default session, whose packs the site makes."""
        if self == Session():
            return ()
        return ("session", self.title or "", "" if self.start is None else str(self.start), str(self.intro),
                str(self.break_minutes), str(self.debrief))


def _links_identity(links: KitLinks | None) -> tuple[str, ...]:
    return links.identity() if links else ()


@dataclass(frozen=True)
class KitJob:
    """One kit of one model on one paper size, rendered in `language`, with the organization's branding if any.

    The deck has no paper: its `paper` is its card size (catalog.DECK_SIZES), which its page is made of, so that
    its layout, cache identity and PDF identifier depend on it as the other kits' do on their paper.

    `section`: the models subfolder of a translation (its language tag), which names its files; None for
    the originals, whatever their language. `date`: the PDF's creation and modification date (`kit_date`; the site
    plan gives the newest modification time of the files the kit is made from). `links`: where its QR codes lead
    (None: it carries none).
    """

    model: ConversationModel
    kit: str
    paper: str
    language: str = DEFAULT_LANGUAGE
    section: str | None = None
    branding: Branding | None = None
    date: str = field(default_factory=kit_date)
    links: KitLinks | None = None

    @property
    def path(self) -> str:
        """Where the kit lives below a kits folder: `<id>/<id>-<kit>-<paper>.pdf` (`.<section>.pdf` for a translation)."""
        return f"{self.model.id}/{kit_filename(self.model.id, self.kit, self.paper, self.section)}"

    @property
    def label(self) -> str:
        """How a failure names the kit: `<id>, <kit>, <paper>`, with ` (<section>)` for a translation."""
        return _label(f"{self.model.id}, {self.kit}, {self.paper}", self.section)

    def cache_identity(self) -> tuple[str, ...]:
        """Everything besides the kit code and the branding that the PDF's bytes (and its place) depend on."""
        # The section does not change the bytes, but the cache returns one job per identity: two jobs
        # written to two places must not be taken for one.
        return (self.kit, self.paper, self.language, self.date, self.model.model_dump_json(),
                *[self.section] * bool(self.section), *_links_identity(self.links))

    def layout_group(self) -> tuple:
        """What the kit's layout depends on besides the kit: jobs alike here share their layouts."""
        return _layout_group(self.model, self.paper, self.language, self.branding, self.links)


def _layout_group(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                  links: KitLinks | None) -> tuple:
    return ("model", model.model_dump_json(), paper, language, branding.fingerprint() if branding else None,
            _links_identity(links))


def _label(where: str, section: str | None) -> str:
    return f"{where} ({section})" if section else where


@dataclass(frozen=True)
class PackJob:
    """A workshop pack: several models (worksheets x copies, cards, checklist) in one PDF, cover and agenda included,
    in `language`; `section` and `date` as for a `KitJob` (the date: the newest of every model's files); `links`:
    each model's `KitLinks`, in the order of `models` (empty: no QR codes); `session`: its title and agenda plan;
    `practice`: with each model's practice kit, one set per three of the `copies` (none for a model without
    scenarios)."""

    models: tuple[ConversationModel, ...]
    paper: str
    copies: int = 1
    language: str = DEFAULT_LANGUAGE
    section: str | None = None
    branding: Branding | None = None
    date: str = field(default_factory=kit_date)
    links: tuple[KitLinks, ...] = ()
    session: Session = Session()
    practice: bool = False
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
        return ("pack", self.paper, str(self.copies), *["practice"] * self.practice, self.language, self.date, *[self.section] * bool(self.section),
                *(model.model_dump_json() for model in self.models), *(part for links in self.links
                                                                       for part in links.identity()),
                *self.session.identity())

    def links_of(self, model: ConversationModel) -> KitLinks | None:
        """Where the QR codes of one of the pack's models lead (None: nowhere)."""
        return dict(zip((m.id for m in self.models), self.links)).get(model.id)

    def layout_group(self) -> tuple:
        """A one-model pack joins its model's kits (it reuses their layouts); a pack of several stands alone."""
        if len(self.models) == 1:
            return _layout_group(self.model, self.paper, self.language, self.branding, self.links_of(self.model))
        return ("pack", *self.cache_identity(), self.branding.fingerprint() if self.branding else None)


Job = KitJob | PackJob


def kit_jobs(models: Iterable[ConversationModel], kits: Iterable[str], papers: Iterable[str],
             language: str = DEFAULT_LANGUAGE, *, section: str | None = None,
             branding: Branding | None = None, dates: Mapping[str, str] | None = None,
             links: Mapping[str, KitLinks] | None = None, deck_size: str = DEFAULT_DECK_SIZE) -> list[KitJob]:
    """Every kit of the models on every paper that the model has (`has_kit`: the practice kit only for a model with
    scenarios; the deck once, in `deck_size`), in `language`; `section`: a
    translation's subfolder (None: originals); `dates`: each model's kit date by id (default: `kit_date()`); `links`:
    each model's `KitLinks` by id (None: no QR codes)."""
    kits, papers = list(kits), list(papers)
    return [KitJob(model, kit, paper, language, section, branding, _date(dates, model), (links or {}).get(model.id))
            for model in models for kit in kits if has_kit(model, kit) for paper in kit_papers(kit, papers, deck_size)]


def pack_jobs(models: Iterable[ConversationModel], papers: Iterable[str], language: str = DEFAULT_LANGUAGE, *,
              section: str | None = None, branding: Branding | None = None,
              dates: Mapping[str, str] | None = None, links: Mapping[str, KitLinks] | None = None) -> list[PackJob]:
    """One pack per model and paper, with one copy of the worksheet: what the site offers; `dates` and `links` as for
    `kit_jobs`."""
    return [PackJob((model,), paper, language=language, section=section, branding=branding, date=_date(dates, model),
                    links=(links[model.id],) if links else ())
            for model in models for paper in papers]


def _date(dates: Mapping[str, str] | None, model: ConversationModel) -> str:
    return dates[model.id] if dates is not None else kit_date()


def check_output_paths(jobs: Iterable[Job]) -> None:
    """Raise `UsageError` naming two different jobs that would be written to the same file, before anything is."""
    seen: dict[str, Job] = {}
    for job in jobs:
        first = seen.setdefault(job.path, job)
        if first is not job and first != job:
            raise UsageError(f"{first.label} and {job.label} would both be written to {job.path}")


def layout_groups(jobs: Sequence[Job]) -> list[list[Job]]:
    """The jobs by what their layouts depend on (model, paper, language, branding), kits before packs, in order.

    A group renders in one worker call, which lays out each of its kits at most once: the kit PDFs
    and the pack are written from the same layouts.
    """
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.layout_group(), []).append(job)
    return [sorted(group, key=lambda job: isinstance(job, PackJob)) for group in groups.values()]


# A part holds whole layout groups: many more parts than groups would be empty ones, and no CI has so many runners.
MAX_SHARDS = 1000


def expected_cost(job: Job) -> int:
    """A proxy for the job's render time, read from the model alone so that every machine reckons the same: the pages
    a kit lays out grow with its model's steps, questions and follow-ups (and scenarios); a pack holds its worksheet
    `copies` times besides its cards and checklist."""
    if isinstance(job, PackJob):
        return sum(_model_size(model) * (job.copies + 2) for model in job.models)
    return _model_size(job.model)


def _model_size(model: ConversationModel) -> int:
    steps = [step for stage in model.stages for step in stage.steps]
    return (1 + len(steps) + sum(1 + len(question.follow_ups) for step in steps for question in step.questions)
            + len(model.practice))


def shard_jobs(jobs: Sequence[Job], part: int, parts: int) -> list[Job]:
    """The jobs of part `part` (1 to `parts`) of a deal of `jobs` into `parts` parts, in their order.

    Layout groups stay whole (a group lays out each kit once for all its jobs). The groups are dealt longest first,
    each to the part with the least expected cost so far (the lowest-numbered of equals), and groups of equal cost
    in the order of their file paths: the deal depends on nothing but the jobs, not the order they come in, the
    machine, its cores or hash seed, so N machines each taking their own part render every job exactly once.
    """
    if not 1 <= part <= parts <= MAX_SHARDS:
        raise ValueError(f"no part {part} of {parts}")
    groups = sorted(((sum(map(expected_cost, group)), min(job.path for job in group), group)
                     for group in layout_groups(jobs)), key=lambda dealt: (-dealt[0], dealt[1]))
    loads, chosen = [0] * parts, set()
    for cost, _, group in groups:
        lightest = min(range(parts), key=lambda index: (loads[index], index))
        loads[lightest] += cost
        if lightest == part - 1:
            chosen.update(id(job) for job in group)
    return [job for job in jobs if id(job) in chosen]
