"""The kit layouts by kit name: the worksheet and the checklist (laid out once), the cards and the guide
(fitted), and the public API that lays out, writes and shows any kit."""

from __future__ import annotations

from collections.abc import Callable

from weasyprint import Document

from ..branding import Branding
from ..i18n import DEFAULT_LANGUAGE
from ..model.schema import WHEN, ConversationModel
from .cards import Deck, cards_layout, whole_document
from .catalog import check_kit
from .document import kit_pdf, lay_out, template_html
from .guide import guide_document
from .jobs import KitLinks
from .practice import during_steps, round_plan

# Lays out one kit of a model on a paper, in a language, with a branding (None: Coachbook's own look) and the
# keyword argument `links` (its QR codes' addresses; None: none): a Document, or for the cards of a large deck a
# `cards.Deck`, laid out a chunk at a time when its PDF is written.
Layout = Callable[..., "Document | Deck"]


def worksheet_document(model: ConversationModel, paper: str, language: str, branding: Branding | None, *,
                       links: KitLinks | None = None) -> Document:
    document = lay_out(template_html(model, "worksheet", paper, language, branding, links=links), paper, branding)
    document.coachbook_layouts = 1
    return document


def checklist_document(model: ConversationModel, paper: str, language: str, branding: Branding | None, *,
                       links: KitLinks | None = None) -> Document:
    groups = [(when, [stage for stage in model.stages if stage.when == when]) for when in WHEN]
    html = template_html(model, "checklist", paper, language, branding, links=links, groups=[g for g in groups if g[1]])
    document = lay_out(html, paper, branding)
    document.coachbook_layouts = 1
    return document


def practice_document(model: ConversationModel, paper: str, language: str, branding: Branding | None, *,
                      links: KitLinks | None = None) -> Document:
    """The role-play kit: the facilitator's page, each scenario's two briefs and observer sheet, the debrief."""
    if not model.practice:
        raise ValueError(f"{model.id} has no practice scenarios, so it has no practice kit")
    html = template_html(model, "practice", paper, language, branding, links=links, plan=round_plan(model),
                         during=during_steps(model))
    document = lay_out(html, paper, branding)
    document.coachbook_layouts = 1
    return document


# Every kit of catalog.KITS, laid out from its template `templates/kits/<kit>.html`.
LAYOUTS: dict[str, Layout] = {
    "worksheet": worksheet_document, "cards": cards_layout, "checklist": checklist_document, "guide": guide_document,
    "practice": practice_document,
    # The print-shop deck is the cards, fitted as they are, on a page of one card (its "paper" is its card size).
    "deck": cards_layout,
}


def kit_layout(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
               branding: Branding | None = None, links: KitLinks | None = None) -> Document | Deck:
    """The laid-out kit, after any fitting (card sizes, one-page guide), with the UI strings of `language`; the
    cards of a large deck are a `cards.Deck`, which writes its PDF chunk by chunk (`kit_pdf` takes either), never
    holding the whole deck's layout.

    `coachbook_layouts` says how many WeasyPrint layouts the kit took (the benchmark reads it): 1 for the worksheet
    and the checklist, at most 2 for the guide and the cards in every case we know of.

    No branding: Coachbook's own look. No `links`: no QR codes.
    """
    check_kit(kit, paper)
    return LAYOUTS[kit](model, paper, language, branding, links=links)


def kit_document(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
                 branding: Branding | None = None, links: KitLinks | None = None) -> Document:
    """The kit as `kit_layout` lays it out, as one document: a large deck's chunks are laid out and joined into it,
    every page held at once (`render_kit` writes a deck chunk by chunk instead)."""
    return whole_document(kit_layout(model, kit, paper, language, branding=branding, links=links))


def kit_html(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
             branding: Branding | None = None, links: KitLinks | None = None) -> str:
    """The final HTML of a kit (after fitting), as handed to WeasyPrint (a large deck's chunks one after the other)."""
    return kit_layout(model, kit, paper, language, branding=branding, links=links).coachbook_html


def render_kit(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
               branding: Branding | None = None, date: str | None = None, links: KitLinks | None = None) -> bytes:
    """The kit as PDF bytes; the same model, kit, paper, language, branding, date and links always give the same bytes
    (`date` as `kit_pdf`'s)."""
    return kit_pdf(kit_layout(model, kit, paper, language, branding=branding, links=links), model, kit, paper, language,
                   branding=branding, date=date, links=links)

