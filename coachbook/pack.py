"""Workshop packs: one PDF for a session, with a cover, an agenda and each model's worksheets, cards and checklist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from weasyprint import Document

from . import __version__
from .branding import Branding
from .kits import RENDER_OPTIONS, kit_document, pdf_identifier, source_credit, template_document
from .render import MAX_COPIES, pack_filename  # noqa: F401  (re-exported: a pack's name belongs with packs)
from .schema import ConversationModel
from .text import plain_text

# The kits a pack holds for each model, in this order; the worksheet is repeated `copies` times.
PACK_KITS = ("worksheet", "cards", "checklist")
PACK_TEMPLATE = "pack.html"


@dataclass(frozen=True)
class AgendaItem:
    """One conversation of the session, with when it starts and how long it takes."""

    model: ConversationModel
    start: str  # "h:mm" from the start of the session; "" once an open-ended conversation came before
    duration: str


@dataclass(frozen=True)
class Agenda:
    items: list[AgendaItem]
    total: str
    open_ended: int  # how many conversations have no set length


def agenda(models: Sequence[ConversationModel]) -> Agenda:
    """Each model with its duration and start offset, and the session's total time."""
    items, elapsed, open_ended = [], 0, 0
    for model in models:
        start = _clock(elapsed) if not open_ended else ""
        if model.duration_minutes is None:
            open_ended += 1
            duration = "As long as it needs"
        else:
            elapsed += model.duration_minutes
            duration = _length(model.duration_minutes)
        items.append(AgendaItem(model, start, duration))
    if not open_ended:
        total = _length(elapsed)
    elif elapsed:
        total = f"At least {_length(elapsed)}"
    else:
        total = "As long as it needs"
    return Agenda(items, total, open_ended)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _length(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def pack_document(models: Sequence[ConversationModel], paper: str, copies: int = 1, *,
                  branding: Branding | None = None) -> Document:
    """The laid-out pack: cover and agenda, then per model the worksheet x `copies`, the cards and the checklist.

    Every part starts on an odd (front) page, with a blank page before it where needed: printed
    double-sided, card backs then land behind their fronts and each copy can be handed out alone.
    Worksheets are laid out without form fields, whose names would repeat in every copy.
    """
    if not models:
        raise ValueError("a pack needs at least one model")
    if not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be 1 to {MAX_COPIES} (got {copies})")
    context = {
        "models": list(models), "agenda": agenda(models), "copies": copies, "kit": "pack",
        "kit_title": "Workshop pack", "credits": [source_credit(model) for model in models],
        "session_title": " \u00b7 ".join(plain_text(model.title) for model in models),
    }
    cover = template_document(PACK_TEMPLATE, paper, branding=branding, blank=False, **context)
    blank = template_document(PACK_TEMPLATE, paper, branding=branding, blank=True, **context).pages
    pages = list(cover.pages)
    for model in models:
        parts = {kit: kit_document(model, kit, paper, branding=branding, forms=False).pages for kit in PACK_KITS}
        for part in [parts["worksheet"]] * copies + [parts["cards"], parts["checklist"]]:
            if len(pages) % 2:
                pages += blank
            pages += part
    # The cover comes first, so the pack carries its title and metadata.
    return cover.copy(pages)


def render_pack(models: Sequence[ConversationModel], paper: str, copies: int = 1, *,
                branding: Branding | None = None) -> bytes:
    """The pack as PDF bytes; the same models, paper, copies and branding always give the same bytes."""
    identifier = pdf_identifier(
        [__version__, "pack", paper, copies, [model.model_dump(mode="json") for model in models]], branding=branding)
    return pack_document(models, paper, copies, branding=branding).write_pdf(
        pdf_identifier=identifier, **{**RENDER_OPTIONS, "pdf_forms": False})
