"""Print kits (worksheet, cards, checklist, guide): model -> HTML (Jinja) -> PDF (WeasyPrint)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import __version__
from ..branding import Branding, Logo
from ..i18n import DEFAULT_LANGUAGE, fill, messages, short_length
from ..model.schema import WHEN, ConversationModel, Question, Stage, Step
from ..text import css_string, inline_html, plain_text
from .catalog import PAPER_SIZES_MM, build_date, check_kit

# Layout boxes measure in CSS pixels: one point and one millimetre in them.
_PT, _MM = 96 / 72, 96 / 25.4

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ASSETS_DIR = PACKAGE_DIR / "assets"
TEMPLATES_DIR = PACKAGE_DIR / "templates" / "kits"
# Relative URLs in templates and CSS (fonts/Inter-Regular.otf) resolve against this.
ASSETS_URL = ASSETS_DIR.as_uri() + "/"
# The organization's logo, as kits refer to it: a name no package file has, served from the
# validated bytes (never from the user's file again), so the kit does not depend on where the project is.
LOGO_NAME = "organization-logo"

# Stage timing: colour is decoration only; the label and the shape carry the meaning in black and white.
WHEN_SYMBOLS = {"before": "\u25c6", "during": "\u25cf", "after": "\u25a0"}  # diamond, circle, square

# Render options used for both layout and PDF output: forms change the user-agent stylesheet,
# so layout must already know about them.  PDF/UA-1 gives a tagged PDF with language and title.
RENDER_OPTIONS = {"pdf_forms": True, "pdf_variant": "pdf/ua-1"}


# --------------------------------------------------------------------------- resources


class RefusedURL(ValueError):
    """A kit tried to load something that is not one of the package's own assets."""


class AssetFetcher(URLFetcher):
    """Serves files under coachbook/assets/ and the configured logo; refuses every other URL (other files, network, data:)."""

    def __init__(self, logo: Logo | None = None):
        # fail_on_errors: a refused URL stops the rendering instead of silently leaving a hole.
        super().__init__(fail_on_errors=True)
        self.logo = logo

    def fetch(self, url, headers=None):
        if self.logo is not None and url == ASSETS_URL + logo_file_name(self.logo):
            return URLFetcherResponse(url, self.logo.data, {"Content-Type": self.logo.media_type})
        path = asset_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def asset_path(url: str) -> Path:
    """The file under coachbook/assets/ that `url` names; raise `RefusedURL` for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"kits load only their own assets, not {url[:80]!r}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        raise RefusedURL(f"kits load only their own assets, not {url[:80]!r}")
    return path


FETCHER = AssetFetcher()


def logo_file_name(logo: Logo) -> str:
    """The logo's name as kits refer to it, relative to ASSETS_URL."""
    return LOGO_NAME + logo.suffix


def _fetcher(branding: Branding | None) -> AssetFetcher:
    return AssetFetcher(branding.logo) if branding and branding.logo else FETCHER


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheets(paper: str) -> tuple[CSS, ...]:
    """Parsed once per process: parsing CSS and loading @font-face fonts is a large share of the work."""
    width, height = PAPER_SIZES_MM[paper]
    common = CSS(url=ASSETS_URL + "kits.css", url_fetcher=FETCHER, font_config=_font_config())
    page = CSS(string=f"@page {{ size: {width}mm {height}mm; }}", font_config=_font_config())
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
    environment.filters["minutes_text"] = lambda minutes: short_length(minutes, language)
    t = messages(language)
    environment.globals.update(
        t=t, lang=language, WHEN_LABELS=t["when"], WHEN_SHORT=t["kit"]["when_short"], WHEN_SYMBOLS=WHEN_SYMBOLS,
        ASKED_BY_LABELS=t["kit"]["asked_by"], LED_BY_LABELS=t["kit"]["led_by"], KIT_TITLES=t["kits"],
        # Hyphenation (pyphen, for the kit's lang) helps long compounds in narrow cards and columns; English
        # kits keep the layout they were tuned and tested with.
        hyphenate=language != DEFAULT_LANGUAGE,
    )
    return environment


# --------------------------------------------------------------------------- public API


def kit_document(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
                 branding: Branding | None = None) -> Document:
    """The laid-out kit, after any fitting (card sizes, one-page guide), with the UI strings of `language`.

    `document.coachbook_layouts` says how many WeasyPrint layouts the kit took (the benchmark reads it):
    1 for the worksheet and the checklist, at most 2 for the guide and the cards in every case we know of.

    No branding: Coachbook's own look.
    """
    check_kit(kit, paper)
    return _LAYOUTS[kit](model, paper, language, branding)


def template_document(template: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
                      branding: Branding | None = None, **context) -> Document:
    """Another kit template (such as a pack's cover) laid out like the kits, with no form fields."""
    html = _environment(language).get_template(template).render(
        paper=paper, build_date=build_date(), branding=branding, **context)
    return _layout(html, paper, branding, forms=False)


def kit_html(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
             branding: Branding | None = None) -> str:
    """The final HTML of a kit (after fitting), as handed to WeasyPrint."""
    return kit_document(model, kit, paper, language, branding=branding).coachbook_html


def render_kit(model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
               branding: Branding | None = None) -> bytes:
    """The kit as PDF bytes; the same model, kit, paper, language and branding always give the same bytes."""
    return kit_pdf(kit_document(model, kit, paper, language, branding=branding), model, kit, paper, language,
                   branding=branding)


def pdf_identifier(inputs: list, language: str = DEFAULT_LANGUAGE, branding: Branding | None = None) -> bytes:
    """A PDF's fixed identifier, from everything its bytes depend on (the same inputs, the same identifier)."""
    # The build date too: a kit dated anew is another file, and readers and archives tell files apart by /ID.
    inputs = [*inputs, build_date()]
    if language != DEFAULT_LANGUAGE:
        inputs = [*inputs, language]
    if branding is not None:
        inputs = [*inputs, branding.fingerprint()]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32].encode()


# --------------------------------------------------------------------------- shared rendering


def source_credit(model: ConversationModel, language: str = DEFAULT_LANGUAGE) -> str:
    """One plain line naming the source: 'Source: Title, Author, Publisher, Year'."""
    source = model.source
    parts = [plain_text(source.title)]
    parts += [plain_text(value) for value in (source.author, source.publisher) if value]
    if source.year:
        parts.append(str(source.year))
    return messages(language)["kit"]["source"] + " " + ", ".join(parts)


def _html(model: ConversationModel, kit: str, paper: str, language: str, branding: Branding | None, **context) -> str:
    template = _environment(language).get_template(f"{kit}.html")
    return template.render(
        model=model, kit=kit, paper=paper, kit_title=messages(language)["kits"][kit],
        credit=source_credit(model, language), author=plain_text(model.source.author) if model.source.author else "Coachbook",
        build_date=build_date(), branding=branding,
        logo_src=logo_file_name(branding.logo) if branding and branding.logo else None, **context,
    )


def _layout(html: str, paper: str, branding: Branding | None, forms: bool = True) -> Document:
    document = HTML(string=html, base_url=ASSETS_URL, url_fetcher=_fetcher(branding)).render(
        font_config=_font_config(), stylesheets=list(_stylesheets(paper)), **{**RENDER_OPTIONS, "pdf_forms": forms}
    )
    # Kept so the benchmark can time bare WeasyPrint on exactly the HTML a kit ended up with.
    document.coachbook_html = html
    return document


def _worksheet(model: ConversationModel, paper: str, language: str, branding: Branding | None) -> Document:
    document = _layout(_html(model, "worksheet", paper, language, branding), paper, branding)
    document.coachbook_layouts = 1
    return document


def _checklist(model: ConversationModel, paper: str, language: str, branding: Branding | None) -> Document:
    groups = [(when, [stage for stage in model.stages if stage.when == when]) for when in WHEN]
    html = _html(model, "checklist", paper, language, branding, groups=[g for g in groups if g[1]])
    document = _layout(html, paper, branding)
    document.coachbook_layouts = 1
    return document


# --------------------------------------------------------------------------- cards

CARD_COLUMNS, CARD_ROWS = 2, 3
CARD_WIDTH_MM, CARD_HEIGHT_MM, CARD_GAP_MM = 88.0, 76.0, 8.0
# Text size classes, largest first; the smallest keeps follow-ups at 8pt.
CARD_SIZES = ("l", "m", "s", "xs")
MAX_FIT_ROUNDS = 8


@dataclasses.dataclass
class Card:
    """One printed card: a question, or a continuation holding the rest of a long question."""

    number: int  # the question's 1-based number in the model
    stage: Stage
    step: Step
    question: Question
    text: str  # the question text shown on this card ("" on a follow-ups-only continuation)
    follow_ups: list[str]
    part: int = 1
    size: int = 0  # index into CARD_SIZES
    continued: bool = False  # more of this question is on the next card

    @property
    def size_class(self) -> str:
        return CARD_SIZES[self.size]


def _initial_cards(model: ConversationModel) -> list[Card]:
    cards = []
    for number, (stage, step, question) in enumerate(model.questions(), start=1):
        # A first guess from the amount of text: each wrong guess costs a layout of the whole
        # kit, so the limits lean small (measured on the shipped cards: none overflows, about one
        # in five could have been a size larger). The layout check still has the last word.
        amount = len(question.text) + 0.6 * sum(len(f) + 10 for f in question.follow_ups)
        size = 0 if amount < 120 else 1 if amount < 190 else 2 if amount < 215 else 3
        cards.append(Card(number, stage, step, question, question.text, list(question.follow_ups), size=size))
    return cards


def _split(card: Card, parts: int) -> list[Card]:
    """`parts` cards sharing the content of one card that does not fit even at the smallest size.

    The question text and the follow-ups are dealt out in order, by length; a text too long for one
    card is cut between words (losing its inline markup, a price only a pathological text pays).
    """
    parts = max(2, parts)
    units: list[tuple[str, str]] = []  # ("text" | "follow_up", Markdown)
    budget = (len(card.text) + sum(len(f) for f in card.follow_ups)) / parts
    for kind, value in [("text", card.text)] * bool(card.text) + [("follow_up", f) for f in card.follow_ups]:
        if len(value) <= budget:
            units.append((kind, value))
            continue
        words = plain_text(value).split()
        pieces = max(2, -(-len(value) // int(max(budget, 1))))
        size = -(-len(words) // pieces)
        chunks = [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
        for number, chunk in enumerate(chunks):
            text = ("\u2026 " if number else "") + _escape_md(chunk) + (" \u2026" if number < len(chunks) - 1 else "")
            units.append((kind, text))
    bins: list[list[tuple[str, str]]] = [[]]
    filled = 0.0
    for unit in units:
        if bins[-1] and filled + len(unit[1]) > budget * 1.05:
            bins.append([])
            filled = 0.0
        bins[-1].append(unit)
        filled += len(unit[1])
    cards = []
    for number, content in enumerate(bins):
        cards.append(dataclasses.replace(
            card,
            text=" ".join(value for kind, value in content if kind == "text"),
            follow_ups=[value for kind, value in content if kind == "follow_up"],
            part=card.part + number,
            continued=number < len(bins) - 1 or card.continued,
        ))
    return cards


def _escape_md(text: str) -> str:
    """Plain text made safe to pass through the inline Markdown renderer unchanged."""
    return re.sub(r"([\\`*_\[\]()<>!~&])", r"\\\1", text)


def _card_sheets(cards: list[Card]) -> list[list[dict]]:
    """Cards grouped per sheet, each with its grid slot; backs mirror the columns for long-edge duplex."""
    per_sheet = CARD_COLUMNS * CARD_ROWS
    sheets = []
    for start in range(0, len(cards), per_sheet):
        slots = []
        for index, card in enumerate(cards[start:start + per_sheet]):
            row, column = divmod(index, CARD_COLUMNS)
            slots.append({
                "card": card, "index": start + index, "row": row, "column": column,
                "top": row * (CARD_HEIGHT_MM + CARD_GAP_MM),
                "left": column * (CARD_WIDTH_MM + CARD_GAP_MM),
                "back_left": (CARD_COLUMNS - 1 - column) * (CARD_WIDTH_MM + CARD_GAP_MM),
            })
        sheets.append(slots)
    return sheets


def _cards_html(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                cards: list[Card]) -> str:
    sheet_width = CARD_COLUMNS * CARD_WIDTH_MM + (CARD_COLUMNS - 1) * CARD_GAP_MM
    sheet_height = CARD_ROWS * CARD_HEIGHT_MM + (CARD_ROWS - 1) * CARD_GAP_MM
    paper_width, paper_height = PAPER_SIZES_MM[paper]
    return _html(
        model, "cards", paper, language, branding, sheets=_card_sheets(cards), total=model.question_count,
        card_width=CARD_WIDTH_MM, card_height=CARD_HEIGHT_MM,
        sheet_width=sheet_width, sheet_height=sheet_height,
        # Equal left/right (and top/bottom) margins centre the grid, so mirrored backs line up.
        # 1 mm of slack at the bottom keeps the last row clear of the page break.
        margin_x=(paper_width - sheet_width) / 2, margin_y=(paper_height - sheet_height) / 2 - 0.5,
    )


def card_overflows(document: Document) -> dict[int, list[str]]:
    """Cards whose content leaves the card's writing area, by card index, with what overflows.

    The limits come from the slot, whose size is fixed, not from the card box: WeasyPrint lets a
    box with overflowing content grow or break across pages, which would hide the overflow.
    """
    problems: dict[int, list[str]] = {}
    for slot, card in _front_cards(document):
        index = int(card.element.get("data-index"))
        # The writing area: the slot less the card's border and padding (the footer lives in the padding).
        left = slot.position_x + card.border_left_width + card.padding_left
        right = slot.position_x + slot.margin_width() - card.border_right_width - card.padding_right
        top = slot.position_y + card.border_top_width + card.padding_top
        bottom = slot.position_y + slot.margin_height() - card.border_bottom_width - card.padding_bottom
        if card.margin_height() > slot.margin_height() + 0.5 or not any(
                box.element_tag == "footer" for box in card.descendants()):
            problems.setdefault(index, []).append("the card grew or broke across pages")
        for box in card.descendants():
            if box is card or type(box).__name__ == "AbsolutePlaceholder" or _in_footer(box, card):
                continue
            x, y, width, height = box.position_x, box.position_y, box.margin_width(), box.margin_height()
            if x < left - 0.5 or y < top - 0.5 or x + width > right + 0.5 or y + height > bottom + 0.5:
                problems.setdefault(index, []).append(
                    f"{type(box).__name__} at ({x:.1f}, {y:.1f}) size {width:.1f}x{height:.1f} is outside"
                    f" ({left:.1f}, {top:.1f})-({right:.1f}, {bottom:.1f})")
    return problems


def _in_footer(box, card) -> bool:
    footers = [inner.element for inner in card.descendants() if inner.element_tag == "footer"]
    return any(box.element is footer or box.element in footer.iter() for footer in footers)


def _front_cards(document: Document):
    """Each front card's slot and card boxes, page by page.

    Slots are absolutely positioned: the page tree holds placeholders that forward to their box,
    and only walking a slot's own descendants reaches the card inside it.
    """
    for page in document.pages:
        for slot in page._page_box.descendants():
            if slot.element_tag != "div" or "slot" not in (slot.element.get("class") or "").split():
                continue
            cards = [box for box in slot.descendants() if box.element_tag == "article"]
            if cards and "card-front" in cards[0].element.get("class", ""):
                yield slot, cards[0]


def _card_mains(document: Document):
    """Each front card's index, its main box (question and follow-ups) and the height that box may fill."""
    for slot, card in _front_cards(document):
        main = next((box for box in card.descendants()
                     if box.element_tag == "div" and "card-main" in (box.element.get("class") or "")), None)
        if main is None:
            continue
        bottom = slot.position_y + slot.margin_height() - card.border_bottom_width - card.padding_bottom
        yield int(card.element.get("data-index")), main, max(bottom - main.position_y, 1)


def _fill_ratios(document: Document) -> dict[int, float]:
    """How full each front card's writing area is (over 1: overflowing), by card index."""
    return {index: main.margin_height() / room for index, main, room in _card_mains(document)}


# Per size class (kits.css .size-*): the question's font size, the follow-ups' font size and line-height.
CARD_FONTS = {"l": (14, 9.5, 1.4), "m": (12, 9, 1.4), "s": (10.5, 8.5, 1.4), "xs": (9, 8, 1.25)}
# A card is given a size only if its text is predicted to fill at most this share of the card, its
# lines re-wrapped at most this full: leaning small, as an overflow costs a layout and a smaller size does not.
CARD_ROOM, CARD_LINE_FILL = 0.98, 0.85


def _card_scale(old: str, new: str):
    """How changing a card from size class `old` to `new` scales a text block: (font ratio, line-height ratio)."""
    question, follow_up, line_height = CARD_FONTS[old]
    new_question, new_follow_up, new_line_height = CARD_FONTS[new]

    def scale(box) -> tuple[float, float]:
        element = box.element
        while element is not None and element.tag not in ("p", "li", "div"):
            element = element.getparent()
        classes = (element.get("class") or "").split() if element is not None else []
        if "card-question" in classes:
            return new_question / question, 1.0
        if element is not None and element.tag == "li":
            return new_follow_up / follow_up, new_line_height / line_height
        return 1.0, 1.0
    return scale


def _refit(card: Card, main, room: float) -> list[Card]:
    """An overflowing card (laid out as `main`, which may fill `room`) at the largest smaller size predicted
    to fit, or split into the fewest smallest cards that are each predicted to fit."""
    for size in range(card.size + 1, len(CARD_SIZES)):
        scale = _card_scale(card.size_class, CARD_SIZES[size])
        # A card far too full may have broken across pages, leaving lines out of `main`: then its text's
        # measure per character, over the card's whole text, covers them.
        text = _CardText(main, scale)
        height = _predicted(main, scale, fill=CARD_LINE_FILL)
        if not text.complete(card):
            height = max(height, text.height(card))
        if height <= room * CARD_ROOM:
            return [dataclasses.replace(card, size=size)]
    smallest = dataclasses.replace(card, size=len(CARD_SIZES) - 1)
    measured = _CardText(main, _card_scale(card.size_class, smallest.size_class))
    parts = 2
    # The text is dealt out by length, not height, so each part is predicted on its own.
    while parts < 100 and max(measured.height(part) for part in _split(smallest, parts)) > room * CARD_ROOM:
        parts += 1
    return _split(smallest, parts)


class _CardText:
    """A laid-out card's text measured per character, to predict the height of any part of it at a new size.

    A card far too full breaks across pages and its first box lacks what came later (the "asked by" line,
    the follow-ups): those are then taken from kits.css, at the smallest size.
    """

    # What kits.css gives the parts that may be missing (CSS px): the "asked by" line (a 10pt line and
    # 2mm), a label (an 8pt line), a follow-up's line (8pt, line-height 1.25) and the list's indent.
    ASKED, LABEL, FOLLOW_UP_LINE, FOLLOW_UP_INDENT = 10 * _PT * 1.4 + 2 * _MM, 8 * _PT * 1.4, 8 * _PT * 1.25, 4 * _MM
    QUESTION_LINE, QUESTION_CHARACTER = 9 * _PT * 1.28, 9 * _PT * 0.6  # 9pt bold, a wide average character
    CONTINUED = 8 * _PT * 1.4 + 1.5 * _MM  # "Question n, continued": one 8pt line and its margin

    def __init__(self, main, scale):
        self.scale, self.asked, self.label = scale, self.ASKED, self.LABEL
        self.question = (main.width, 2 * _MM, self.QUESTION_LINE, self.QUESTION_CHARACTER, CARD_LINE_FILL)
        self.follow_up = None
        self.characters = 0  # on the laid-out lines of the question and the follow-ups
        for box in _in_flow(main):
            classes = (box.element.get("class") or "").split()
            if "card-question" in classes:
                self.question = self._measure([box])
            elif "card-asked" in classes:
                self.asked = box.margin_height()
            elif "card-follow-label" in classes:
                self.label = box.margin_height()
            elif "card-follow-ups" in classes:
                items = [inner for item in _in_flow(box) for inner in [item, *_in_flow(item)]
                         if any(type(child).__name__ == "LineBox" for child in inner.children)]
                self.follow_up = self._measure(items) if items else None
        if self.follow_up is None:  # a smaller font than the question's: its measure per character is an upper bound
            width, _, _, character, fill = self.question
            self.follow_up = (width - self.FOLLOW_UP_INDENT, 0.0, self.FOLLOW_UP_LINE, character, fill)

    def _measure(self, boxes) -> tuple[float, float, float, float, float]:
        """(width, height besides the lines, line height, width per character, share of a line filled) of
        text blocks, scaled; the share is CARD_LINE_FILL, or less if the text's long words left more space."""
        lines = [line for box in boxes for line in box.children if type(line).__name__ == "LineBox"]
        font, line_height = self.scale(boxes[0])
        # Characters counted on the laid-out lines: a card broken across pages has only some of them here.
        characters = sum(len(text.text) for line in lines for text in line.descendants()
                         if type(text).__name__ == "TextBox") or 1
        self.characters += characters
        lines_height = sum(line.margin_height() for line in lines)
        full = [line.width / box.width for box in boxes
                for line in [child for child in box.children if type(child).__name__ == "LineBox"][:-1]]
        fill = min([CARD_LINE_FILL, sum(full) / len(full) - 0.05] if full else [CARD_LINE_FILL])
        return (boxes[0].width, boxes[0].margin_height() - sum(
                    line.margin_height() for line in boxes[0].children if type(line).__name__ == "LineBox"),
                lines_height / len(lines) * font * line_height, sum(line.width for line in lines) * font / characters,
                max(fill, 0.3))

    @staticmethod
    def _block(measure: tuple[float, float, float, float, float], text: str) -> float:
        width, extra, line, per_character, fill = measure
        return extra + line * max(1, math.ceil(len(plain_text(text)) * per_character / (width * fill)))

    def complete(self, card: Card) -> bool:
        """Whether the measured box held all of `card`'s text (it did not break across pages)."""
        return self.characters >= 0.95 * sum(len(plain_text(text)) for text in [card.text, *card.follow_ups])

    def height(self, card: Card) -> float:
        height = self.asked if card.part == 1 else self.CONTINUED
        if card.text:
            height += self._block(self.question, card.text)
        if card.follow_ups:
            height += self.label + sum(self._block(self.follow_up, text) for text in card.follow_ups)
        return height


def _cards(model: ConversationModel, paper: str, language: str, branding: Branding | None) -> Document:
    """The cards, each sized from a first guess; the cards that overflow the first layout are resized (or
    split) from their measured text once, so a second layout fits (a loop remains for a wrong prediction)."""
    cards = _initial_cards(model)
    document = _layout(_cards_html(model, paper, language, branding, cards), paper, branding)
    layouts = 1
    overflowing = card_overflows(document)
    if overflowing:
        fitted: list[Card] = []
        mains = {index: (main, room) for index, main, room in _card_mains(document)}
        for index, card in enumerate(cards):
            if index in overflowing and index in mains:
                fitted.extend(_refit(card, *mains[index]))
            else:
                fitted.append(card)
        cards = _renumber(fitted)
        document, layouts = _layout(_cards_html(model, paper, language, branding, cards), paper, branding), 2
        overflowing = card_overflows(document)
    while overflowing and layouts < MAX_FIT_ROUNDS:
        # Not needed by any shipped, synthetic or hostile model (tests/test_layouts.py): the old search.
        ratios = _fill_ratios(document)
        fitted = []
        for index, card in enumerate(cards):
            ratio = ratios.get(index, 1.0)
            if index not in overflowing:
                fitted.append(card)
            elif card.size + 1 < len(CARD_SIZES) and ratio < 2.5:
                step = 2 if ratio > 1.4 else 1
                fitted.append(dataclasses.replace(card, size=min(card.size + step, len(CARD_SIZES) - 1)))
            else:
                smallest = dataclasses.replace(card, size=len(CARD_SIZES) - 1)
                fitted.extend(_split(smallest, math.ceil(ratio * 1.15) if card.size == smallest.size
                                     else math.ceil(ratio * 0.7)))
        cards = _renumber(fitted)
        document, layouts = _layout(_cards_html(model, paper, language, branding, cards), paper, branding), layouts + 1
        overflowing = card_overflows(document)
    document.coachbook_layouts = layouts
    return document


def _renumber(cards: list[Card]) -> list[Card]:
    """Part numbers and 'continues' flags, recomputed after cards were split."""
    renumbered = []
    for position, card in enumerate(cards):
        part = renumbered[-1].part + 1 if renumbered and renumbered[-1].number == card.number else 1
        following = cards[position + 1] if position + 1 < len(cards) else None
        renumbered.append(dataclasses.replace(
            card, part=part, continued=following is not None and following.number == card.number))
    return renumbered


# --------------------------------------------------------------------------- guide

# From roomiest to tightest; the guide takes the first that fits on one page.
GUIDE_LEVELS = (
    {"density": "roomy", "purpose": True, "lists": True},
    {"density": "compact", "purpose": True, "lists": True},
    {"density": "compact", "purpose": False, "lists": True},
    {"density": "compact", "purpose": False, "lists": False},
    {"density": "tight", "purpose": False, "lists": False},
)


def _guide_html(model: ConversationModel, paper: str, language: str, branding: Branding | None, level: dict,
                step_limit: int | None) -> str:
    stages, shown_steps, shown_questions = [], 0, 0
    for stage in model.stages:
        steps = []
        for step in stage.steps:
            if step_limit is not None and shown_steps >= step_limit:
                break
            steps.append(step)
            shown_steps += 1
            shown_questions += 1 if step.questions else 0
        if steps:
            stages.append((stage, steps))
    all_steps = sum(len(stage.steps) for stage in model.stages)
    return _html(
        model, "guide", paper, language, branding, level=level, stages=stages,
        hidden_steps=all_steps - shown_steps,
        hidden_questions=model.question_count - shown_questions,
    )


def _guide(model: ConversationModel, paper: str, language: str, branding: Branding | None) -> Document:
    """The guide on one page, in at most two layouts in every case we know of (see `_guide_plan`)."""
    all_steps = sum(len(stage.steps) for stage in model.stages)

    def layout(index: int, step_limit: int | None) -> Document:
        return _layout(_guide_html(model, paper, language, branding, GUIDE_LEVELS[index], step_limit), paper, branding)

    first = layout(0, None)
    if len(first.pages) == 1:
        first.coachbook_layouts = 1
        return first
    index, step_limit = _guide_plan(first, all_steps)
    document, layouts = layout(index, step_limit), 2
    if len(document.pages) == 1:
        document.coachbook_layouts = layouts
        return document
    # The prediction was wrong (no shipped, synthetic or hostile model gets here; tests/test_layouts.py
    # checks it): search on from there as the guide always did, denser levels first, then fewer steps.
    if step_limit is None:
        for denser in range(index + 1, len(GUIDE_LEVELS)):
            document, layouts = layout(denser, None), layouts + 1
            if len(document.pages) == 1:
                document.coachbook_layouts = layouts
                return document
        step_limit = all_steps
    low, high = 0, step_limit - 1
    best, layouts = layout(len(GUIDE_LEVELS) - 1, 0), layouts + 1
    while low < high:
        middle = (low + high + 1) // 2
        document, layouts = layout(len(GUIDE_LEVELS) - 1, middle), layouts + 1
        if len(document.pages) == 1:
            low, best = middle, document
        else:
            high = middle - 1
    best.coachbook_layouts = layouts
    return best


# How each density of kits.css (.guide-*) sets the guide's text, relative to the roomy layout that is
# measured: the inherited line-height, the font size of the parts it changes, columns, gaps (CSS px).
GUIDE_DENSITIES = {
    "roomy": {"line_height": 1.4, "columns": 2, "column_gap": 7 * _MM, "step_gap": 1.8 * _MM, "font": {}},
    "compact": {"line_height": 1.3, "columns": 2, "column_gap": 7 * _MM, "step_gap": 1.2 * _MM, "font": {}},
    "tight": {"line_height": 1.25, "columns": 3, "column_gap": 5 * _MM, "step_gap": 0.8 * _MM,
              "font": {"h1": 14 / 18, "summary": 8 / 10, "step-title": 8 / 9.5, "key-question": 8 / 9,
                       "stage-title": 9 / 11}},
}
# A predicted line holds this share of a full line's width at most (words do not break), and the plan
# keeps this share of the page free: both measured on the shipped and synthetic models (tests/test_layouts.py).
GUIDE_LINE_FILL = 0.9
GUIDE_SAFETY = 0.02


def _guide_plan(document: Document, all_steps: int) -> tuple[int, int | None]:
    """The roomiest level (index into GUIDE_LEVELS) predicted to fit one page, with no step limit; or, when
    even the tightest cannot hold every step, the tightest with the most steps predicted to fit.

    Everything is predicted from the boxes of the roomy layout `document`: each text block's lines are
    re-wrapped at the level's font size and column width (text area grows with the square of the size),
    and the steps are dealt into the level's columns as the layout would, a step never split.
    """
    measured = _GuideMeasure(document)
    for index, level in enumerate(GUIDE_LEVELS[1:], start=1):
        if measured.fits(level, all_steps, truncated=False):
            return index, None
    # The most steps predicted to fit, by bisection: fewer steps never need more room.
    low, high = 0, all_steps - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measured.fits(GUIDE_LEVELS[-1], middle, truncated=True):
            low = middle
        else:
            high = middle - 1
    return len(GUIDE_LEVELS) - 1, low


class _GuideMeasure:
    """The heights of a roomy guide layout's parts, and what they become at another level."""

    def __init__(self, document: Document):
        page = document.pages[0]._page_box
        self.page_height = page.height
        self.page_width = page.width
        # Each element's boxes, page by page and column by column; a list item's inner box (WeasyPrint
        # wraps an item with a marker in a second box of the same element) is not counted again.
        self.fragments: dict = {}

        def collect(box, parent_element) -> None:
            if box.element is not None and box.element is not parent_element:
                self.fragments.setdefault(box.element, []).append(box)
            if type(box).__name__ != "LineBox":
                for child in getattr(box, "children", ()):
                    collect(child, box.element)

        for each in document.pages:
            collect(each._page_box, None)
        root = document.pages[0]._page_box.descendants()
        guide = next(box.element for box in root if _has_class(box, "guide"))
        self.header = guide.find("header")
        self.lists = next((e for e in guide if "when-lists" in (e.get("class") or "")), None)
        self.more = next(e for e in guide if "guide-more" in (e.get("class") or ""))
        self.stages = []  # (stage title element, [step elements])
        for stage in guide.iter("section"):
            if "stage" in (stage.get("class") or "").split():
                title = next(e for e in stage if e.tag == "h2")
                self.stages.append((title, list(stage.iter("li"))))
        columns = GUIDE_DENSITIES["roomy"]
        self.column_width = (self.page_width - columns["column_gap"]) / columns["columns"]

    def _boxes(self, element) -> list:
        return self.fragments.get(element, [])

    def fits(self, level: dict, shown: int, truncated: bool) -> bool:
        density = GUIDE_DENSITIES[level["density"]]
        widen = (self.page_width - (density["columns"] - 1) * density["column_gap"]) / density["columns"] \
            - self.column_width
        scale = _guide_scale(density)
        height = sum(_predicted(box, scale) for box in self._boxes(self.header))
        if level["lists"] and self.lists is not None:
            height += sum(_predicted(box, scale) for box in self._boxes(self.lists))
        more = sum(_predicted(box, scale) for box in self._boxes(self.more))
        if truncated:
            more += 8.5 * _PT * density["line_height"]  # room for "n more steps" on a line of its own
        units, left = [], shown
        for title, steps in self.stages:
            if left <= 0:
                break
            stage_units = []
            for step in steps[:left]:
                stage_units.append(sum(_predicted_step(box, density, level["purpose"], widen)
                                       for box in self._boxes(step)))
            if not stage_units:
                continue
            left -= len(stage_units)
            # A stage's title stays with its first step (break-after: avoid); its margin ends its last.
            stage_units[0] += sum(_predicted(box, scale, widen) for box in self._boxes(title))
            stage_units[-1] += 3 * _MM
            units += stage_units
        room = self.page_height * (1 - GUIDE_SAFETY) - height - more
        return _columns_hold(units, density["columns"], room)


def _has_class(box, name: str) -> bool:
    return box.element is not None and name in (box.element.get("class") or "").split()


def _columns_hold(units: list[float], columns: int, height: float) -> bool:
    """Whether blocks of these heights, none split, fill at most `columns` columns of `height` in order."""
    column, used = 1, 0.0
    for unit in units:
        if used and used + unit > height:
            column, used = column + 1, 0.0
        used += unit
        if used > height or column > columns:
            return False
    return True


def _in_flow(box) -> list:
    return [child for child in getattr(box, "children", ())
            if type(child).__name__ not in ("AbsolutePlaceholder", "LineBox") and not child.is_absolutely_positioned()]


def _predicted_step(box, density: dict, purpose: bool, widen: float) -> float:
    """A step's predicted height: its paragraphs (less the purpose when the level drops it) and its gap."""
    children = [child for child in _in_flow(box) if purpose or not _has_class(child, "purpose")]
    inner = sum(child.margin_height() for child in _in_flow(box))
    gap = box.margin_height() - inner  # the roomy margin below the step (and any padding)
    return gap - GUIDE_DENSITIES["roomy"]["step_gap"] + density["step_gap"] + sum(
        _predicted(child, _guide_scale(density), widen) for child in children)


def _guide_scale(density: dict):
    """How `density` scales a text block of the roomy guide: (font size ratio, line-height ratio)."""
    def scale(box) -> tuple[float, float]:
        classes = (box.element.get("class") or "").split() if box.element is not None else []
        font = next((density["font"][name] for name in [box.element_tag, *classes] if name in density["font"]), 1.0)
        # Headings have their own line-height (1.2) that no density changes.
        line_height = 1.0 if box.element_tag in ("h1", "h2", "h3") else \
            density["line_height"] / GUIDE_DENSITIES["roomy"]["line_height"]
        return font, line_height
    return scale


def _predicted(box, scale, widen: float = 0.0, fill: float = GUIDE_LINE_FILL) -> float:
    """A laid-out block's height once its text is scaled by `scale(box)` -> (font size ratio, line-height
    ratio) and its width changed by `widen`: its lines are re-wrapped, each line holding at most `fill` of
    the width (words do not break), so the text area grows with the square of the font size."""
    lines = [child for child in getattr(box, "children", ()) if type(child).__name__ == "LineBox"]
    if lines:
        font, line_height = scale(box)
        count = len(lines)
        if font != 1.0 or widen != 0:
            estimate = max(1, math.ceil(sum(line.width for line in lines) * font / ((box.width + widen) * fill)))
            # Smaller text in a column at least as wide never takes more lines than it had.
            count = min(count, estimate) if font <= 1.0 and widen >= 0 else estimate
        lines_height = sum(line.margin_height() for line in lines)
        return box.margin_height() - lines_height + count * lines_height / len(lines) * font * line_height
    children = _in_flow(box)
    if not children:
        return box.margin_height()
    if type(box).__name__ == "FlexBox":  # side by side: the tallest decides
        return box.margin_height() - max(c.margin_height() for c in children) + max(
            _predicted(child, scale, widen, fill) for child in children)
    return box.margin_height() - sum(c.margin_height() for c in children) + sum(
        _predicted(child, scale, widen, fill) for child in children)


_LAYOUTS = {"worksheet": _worksheet, "cards": _cards, "checklist": _checklist, "guide": _guide}


def kit_pdf(document: Document, model: ConversationModel, kit: str, paper: str, language: str = DEFAULT_LANGUAGE, *,
            branding: Branding | None = None) -> bytes:
    """A kit's PDF bytes from its layout (`kit_document` with the same arguments), which a pack may share."""
    identifier = pdf_identifier([__version__, kit, paper, model.model_dump(mode="json")], language, branding)
    return document.write_pdf(pdf_identifier=identifier, **RENDER_OPTIONS)
