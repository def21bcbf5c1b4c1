"""The kit document: its Jinja environment, its HTML, its layout by WeasyPrint and its PDF, shared by every kit layout."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Protocol, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, Document
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from .. import __version__
from ..branding import Branding
from ..i18n import DEFAULT_LANGUAGE, duration_text, fill, messages
from ..model.schema import ConversationModel
from ..text import css_string, inline_html, numbers_itself, plain_text
from .catalog import BLEED_MM, DECK_SIZES_MM, WHEN_SYMBOLS, kit_date, page_size_mm
from .fetcher import ASSETS_URL, FETCHER, PACKAGE_DIR, fetcher_for, logo_file_name
from .jobs import KitLinks
from .qr import qr_svg

TEMPLATES_DIR = PACKAGE_DIR / "templates" / "kits"

# Render options used for both layout and PDF output: forms change the user-agent stylesheet,
# so layout must already know about them.  PDF/UA-1 gives a tagged PDF with language and title.
RENDER_OPTIONS = {"pdf_forms": True, "pdf_variant": "pdf/ua-1"}


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheets(paper: str) -> tuple[CSS, ...]:
    """Parsed once per process: parsing CSS and loading @font-face fonts is a large share of the work."""
    width, height = page_size_mm(paper)
    common = CSS(url=ASSETS_URL + "kits.css", url_fetcher=FETCHER, font_config=_font_config())
    # A deck's page is its card, with the bleed around it: WeasyPrint writes each page's TrimBox (the card) and
    # BleedBox (the card and bleed) for the print shop.
    bleed = f" bleed: {BLEED_MM}mm;" if paper in DECK_SIZES_MM else ""
    page = CSS(string=f"@page {{ size: {width}mm {height}mm;{bleed} }}", font_config=_font_config())
    return common, page


@functools.cache
def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = inline_html
    environment.filters["plain"] = plain_text
    environment.filters["fill"] = fill
    environment.filters["css_content"] = css_string
    environment.filters["minutes_text"] = lambda minutes: duration_text(minutes, language, "short")
    environment.tests["numbered"] = numbers_itself  # `title is numbered`: it brings its own "Step 3:"
    t = messages(language)
    environment.globals.update(
        t=t, lang=language, WHEN_LABELS=t["when"], WHEN_SHORT=t["kit"]["when_short"], WHEN_SYMBOLS=WHEN_SYMBOLS,
        ASKED_BY_LABELS=t["kit"]["asked_by"], LED_BY_LABELS=t["kit"]["led_by"], KIT_TITLES=t["kits"], qr_svg=qr_svg,
        # Hyphenation (pyphen, for the kit's lang) helps long compounds in narrow cards and columns; English
        # kits keep the layout they were tuned and tested with.
        hyphenate=language != DEFAULT_LANGUAGE,
    )
    return environment


def template_document(template: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
                      branding: Branding | None = None, **context) -> Document:
    """Another kit template (such as a pack's cover) laid out like the kits, with no form fields."""
    html = _environment(language).get_template(template).render(paper=paper, branding=branding, **context)
    return lay_out(html, paper, branding, forms=False)


def pdf_identifier(inputs: list, date: str, language: str = DEFAULT_LANGUAGE, branding: Branding | None = None,
                   links: tuple[KitLinks, ...] = ()) -> bytes:
    """A PDF's fixed identifier, from everything its bytes depend on (the same inputs, the same identifier);
    `links`: the addresses of its QR codes (a kit for another site is another file)."""
    # The date too: a kit dated anew is another file, and readers and archives tell files apart by /ID.
    inputs = [*inputs, date]
    if language != DEFAULT_LANGUAGE:
        inputs = [*inputs, language]
    if branding is not None:
        inputs = [*inputs, branding.fingerprint()]
    if links:
        inputs = [*inputs, [link.identity() for link in links]]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32].encode()


def source_credit(model: ConversationModel, language: str = DEFAULT_LANGUAGE) -> str:
    """One plain line naming the source: 'Source: Title, Author, Publisher, Year'."""
    source = model.source
    parts = [plain_text(source.title)]
    parts += [plain_text(value) for value in (source.author, source.publisher) if value]
    if source.year:
        parts.append(str(source.year))
    return messages(language)["kit"]["source"] + " " + ", ".join(parts)


def template_html(model: ConversationModel, kit: str, paper: str, language: str, branding: Branding | None, *,
                  links: KitLinks | None = None, **context) -> str:
    """The HTML of the kit `kit` (its template `<kit>.html`) for a model, with `context` besides what every kit gets;
    `links`: where its QR codes lead (None: it has none)."""
    template = _environment(language).get_template(f"{kit}.html")
    return template.render(
        model=model, kit=kit, paper=paper, kit_title=messages(language)["kits"][kit],
        credit=source_credit(model, language), author=plain_text(model.source.author) if model.source.author else "Coachbook",
        branding=branding, links=links,
        logo_src=logo_file_name(branding.logo) if branding and branding.logo else None, **context,
    )


def lay_out(html: str, paper: str, branding: Branding | None, forms: bool = True) -> Document:
    """A kit's HTML laid out by WeasyPrint on the paper; `forms`: with its fillable fields."""
    document = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher_for(branding)).render(
        font_config=_font_config(), stylesheets=list(_stylesheets(paper)), **{**RENDER_OPTIONS, "pdf_forms": forms}
    )
    # Kept so the benchmark can time bare WeasyPrint on exactly the HTML a kit ended up with.
    document.coachbook_html = html
    return document


class PdfWriter(Protocol):
    """What a kit's layout is to `kit_pdf`: a WeasyPrint Document, or a large deck (`cards.Deck`) that writes its
    chunks one at a time and joins them. Named by what it does, so that this module need not know the cards."""

    metadata: DocumentMetadata  # what the PDF says of itself: its dates are set just before it is written

    def write_pdf(self, *, pdf_identifier: bytes, **options) -> bytes: ...


Writer = TypeVar("Writer", bound=PdfWriter)


def dated(document: Writer, date: str) -> Writer:
    """The document, its PDF created and modified on `date` (W3C, from `kit_date`).

    Set on the layout rather than written into the HTML, so a layout does not depend on the date: the kits and the
    pack of a model share theirs whatever they are dated.
    """
    document.metadata.created = document.metadata.modified = date
    return document


def kit_pdf(document: PdfWriter, model: ConversationModel, kit: str, paper: str,
            language: str = DEFAULT_LANGUAGE, *, branding: Branding | None = None, date: str | None = None,
            links: KitLinks | None = None) -> bytes:
    """A kit's PDF bytes from its layout (`kit_layout` or `kit_document` with the same arguments), which a pack may
    share; a large deck (`cards.Deck`) writes its chunks one at a time and joins them. `date`: its creation and
    modification date (None: `kit_date()`, SOURCE_DATE_EPOCH or else the epoch)."""
    date = date or kit_date()
    identifier = pdf_identifier([__version__, kit, paper, model.model_dump(mode="json")], date, language, branding,
                                (links,) if links else ())
    return dated(document, date).write_pdf(pdf_identifier=identifier, **RENDER_OPTIONS)
