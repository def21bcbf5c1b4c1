"""Workshop packs: one PDF for a session, with a cover, an agenda and each model's worksheets, cards and checklist."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from weasyprint import Document
from weasyprint.document import Page

from .. import __version__
from ..branding import Branding
from ..i18n import DEFAULT_LANGUAGE, duration_text, messages
from ..model.schema import ConversationModel, Step
from ..text import plain_text
from .catalog import MAX_COPIES, PRACTICE, has_kit, kit_date
from .document import RENDER_OPTIONS, dated, pdf_identifier, source_credit, template_document
from .cards import Deck
from .fetcher import logo_file_name
from .jobs import KitLinks, Session
from .joining import join_pdfs
from .layouts import kit_layout
from .practice import practice_sets

# The kits a pack holds for each model, in this order; the worksheet is repeated `copies` times.
PACK_KITS = ("worksheet", "cards", "checklist")
PACK_TEMPLATE = "pack.html"
# Lays out one kit of one model, on the paper, in the language and with the branding of the pack at hand.
KitLayout = Callable[[ConversationModel, str], "Document | Deck"]


@dataclass(frozen=True)
class AgendaStep:
    """One step of a conversation on the agenda, with its minutes as the catalog writes them ("" when not given)."""

    step: Step
    length: str


@dataclass(frozen=True)
class AgendaItem:
    """One conversation of the session, or (`model` None) its introduction, a break or its debrief named by `label`,
    with when it starts, how long it takes and its steps."""

    model: ConversationModel | None
    start: str  # "h:mm" from the start of the session, or "hh:mm" on the clock; "" once an open-ended one came before
    duration: str
    steps: list[AgendaStep]  # the steps during the conversation: what the session's time is spent on
    label: str = ""


@dataclass(frozen=True)
class Agenda:
    items: list[AgendaItem]
    total: str
    open_ended: int  # how many conversations have no set length


def clock_time(minutes: int) -> str:
    """A time of day, `minutes` after midnight, as `--start` takes it: 09:30 (past midnight it goes round)."""
    hours, rest = divmod(minutes % (24 * 60), 60)
    return f"{hours:02d}:{rest:02d}"


def agenda(models: Sequence[ConversationModel], language: str = DEFAULT_LANGUAGE, session: Session = Session()) -> Agenda:
    """Each model with its duration, start and steps, with the session's introduction, breaks between models and
    debrief where it has them, and the session's total time, written in `language`; the starts count from 0:00, or
    are clock times from `session.start`."""
    t = messages(language)["pack"]
    items, elapsed, open_ended = [], 0, 0

    def add(model: ConversationModel | None, minutes: int | None, label: str = "") -> None:
        nonlocal elapsed, open_ended
        if open_ended:
            start = ""
        elif session.start is None:
            start = duration_text(elapsed, language, "clock")
        else:
            start = clock_time(session.start + elapsed)
        if minutes is None:
            open_ended += 1
            duration = t["open"]
        else:
            elapsed += minutes
            duration = duration_text(minutes, language, "short")
        steps = [AgendaStep(step, duration_text(step.minutes, language, "short") if step.minutes else "")
                 for stage in model.stages if stage.when == "during" for step in stage.steps] if model else []
        items.append(AgendaItem(model, start, duration, steps, label))

    if session.intro:
        add(None, session.intro, t["intro"])
    for index, model in enumerate(models):
        if index and session.break_minutes:
            add(None, session.break_minutes, t["break"])
        add(model, model.duration_minutes)
    if session.debrief:
        add(None, session.debrief, t["debrief"])
    if not open_ended:
        total = duration_text(elapsed, language, "short")
    elif elapsed:
        total = t["at_least"].format(length=duration_text(elapsed, language, "short"))
    else:
        total = t["open"]
    return Agenda(items, total, open_ended)


def pack_document(models: Sequence[ConversationModel], paper: str, copies: int = 1,
                  language: str = DEFAULT_LANGUAGE, *, branding: Branding | None = None,
                  layout: KitLayout | None = None, date: str | None = None,
                  links: Sequence[KitLinks] = (), session: Session = Session(), practice: bool = False) -> Document:
    """The laid-out pack in `language`: cover and agenda, then per model the worksheet x `copies`, the cards and
    the checklist, taken from `layout` (default: laid out here); dated `date`, as `kit_pdf` dates a kit; `links`:
    each model's QR code addresses, in the order of `models` (empty: no codes), on the cover and in its kits;
    `session`: the title and the plan of the agenda; `practice`: then the model's practice kit, one set per three
    of the `copies` (a model without scenarios has none).

    Every part starts on an odd (front) page, with a blank page before it where needed: printed
    double-sided, card backs then land behind their fronts and each copy can be handed out alone.
    The worksheet's pages are the fillable worksheet's, without their form fields, whose names would
    repeat in every copy. Every page is held at once, a large deck's too: `render_pack` writes a pack
    without holding a large deck's layout.
    """
    cover, runs = _pack_runs(models, paper, copies, language, branding, layout, date, links, session, practice)
    # The cover comes first, so the pack carries its title and metadata.
    return cover.copy([page for run in runs for page in run])


def _pack_runs(models: Sequence[ConversationModel], paper: str, copies: int, language: str, branding: Branding | None,
               layout: KitLayout | None, date: str | None,
               links: Sequence[KitLinks], session: Session, practice: bool = False) -> tuple[Document, Iterator[list[Page]]]:
    """The pack's cover document (its first pages and its metadata, dated `date` as `kit_pdf`'s) and all the pack's pages in order, in runs:
    each chunk of a large deck (`cards.Deck`) is a run of its own, laid out only when the run is reached, and
    the pages between them make one run. Let go of a run before asking for the next."""
    if not models:
        raise ValueError("a pack needs at least one model")
    if not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be 1 to {MAX_COPIES} (got {copies})")
    links_of = dict(zip((model.id for model in models), links))
    if layout is None:
        def layout(model: ConversationModel, kit: str) -> Document | Deck:
            return kit_layout(model, kit, paper, language, branding=branding, links=links_of.get(model.id))
    context = {
        "links_of": links_of, "session": session,
        "practice_sets": practice_sets(copies) if practice else 0,
        "models": list(models), "agenda": agenda(models, language, session), "copies": copies, "kit": "pack",
        "kit_title": messages(language)["kits"]["pack"], "credits": [source_credit(model, language) for model in models],
        "session_title": session_title(models, language, session),
        "logo_src": logo_file_name(branding.logo) if branding and branding.logo else None,
    }
    # One layout gives the cover, the agenda and, last, the blank page.
    cover = dated(template_document(PACK_TEMPLATE, paper, language, branding=branding, **context), date or kit_date())

    def runs() -> Iterator[list[Page]]:
        *pages, blank = cover.pages
        done = 0  # pages in the runs given before `pages`
        for model in models:
            worksheet = without_form_fields(layout(model, "worksheet").pages)
            cards, checklist = (layout(model, kit) for kit in PACK_KITS[1:])
            parts = [worksheet] * copies + [cards if isinstance(cards, Deck) else cards.pages, checklist.pages]
            if practice and has_kit(model, PRACTICE):
                parts += [layout(model, PRACTICE).pages] * practice_sets(copies)
            for part in parts:
                if (done + len(pages)) % 2:
                    pages.append(blank)
                if isinstance(part, Deck):
                    yield pages
                    done, pages = done + len(pages), []
                    for chunk in part.documents():
                        done += len(chunk.pages)
                        yield chunk.pages
                        del chunk  # before the next chunk is laid out
                else:
                    pages += part
        yield pages
    return cover, runs()


def session_title(models: Sequence[ConversationModel], language: str = DEFAULT_LANGUAGE,
                  session: Session = Session()) -> str:
    """The pack's title, plain text: `session.title`, else the first model's title and how many more follow ("Five-step
    coaching and 2 more"), short enough for the running header, which shows it on one line."""
    if session.title:
        return session.title
    first = plain_text(models[0].title)
    return messages(language)["pack"].count("and_more", len(models) - 1, title=first) if len(models) > 1 else first


def without_form_fields(pages: Sequence[Page]) -> list[Page]:
    """The pages as drawn, with no form fields: shallow copies whose `forms` are empty.

    WeasyPrint writes a page's fields from `Page.forms` (gathered at layout) and paints the fields'
    boxes like any other box, so the copies look the same, and the fillable document keeps its fields.
    The boxes are shared, though: call this after the fillable document was written, and write the
    copies before it is written again.
    """
    copies = []
    for page in pages:
        for fields in page.forms.values():
            for box, _ in fields:
                # Writing the fillable document left each field's box holding its widget, which the PDF's
                # tags would link to (carrying the field into the copy).
                box.widget_annotation = None
        bare = copy.copy(page)
        bare.forms = {None: []}
        copies.append(bare)
    return copies


def render_pack(models: Sequence[ConversationModel], paper: str, copies: int = 1, language: str = DEFAULT_LANGUAGE, *,
                branding: Branding | None = None, layout: KitLayout | None = None, date: str | None = None,
                links: Sequence[KitLinks] = (), session: Session = Session(), practice: bool = False) -> bytes:
    """The pack as PDF bytes; the same models, paper, copies, language, branding, date, links, session and practice
    switch always give the same bytes (`links`, `session` and `practice` as `pack_document`'s).

    `layout`: the kits' layouts to reuse (as `pack_document`). A pack that holds a large deck is written run by
    run (see `_pack_runs`), each run's pages with the cover's metadata, and the runs' PDFs joined: it never holds
    the deck's layout. Any other pack is written as one document. `date`: as `kit_pdf`'s.
    """
    date = date or kit_date()
    identifier = pdf_identifier([__version__, "pack", paper, copies, *["practice"] * practice,
                                 [model.model_dump(mode="json") for model in models], *session.identity()],
                                date, language, branding, tuple(links))
    options = {**RENDER_OPTIONS, "pdf_forms": False}
    cover, runs = _pack_runs(models, paper, copies, language, branding, layout, date, links, session, practice)
    parts = []
    for run in runs:
        if run:
            parts.append(cover.copy(run).write_pdf(pdf_identifier=identifier, **options))
        del run  # a deck's chunk, before the next is laid out
    return parts[0] if len(parts) == 1 else join_pdfs(parts, identifier)
