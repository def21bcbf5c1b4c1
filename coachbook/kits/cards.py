"""Card fitting: each question on a card of a fixed size, its text size chosen (or the card split) so it fits,
predicted from one layout's boxes so that a second layout fits."""

from __future__ import annotations

import dataclasses
import gc
import math
import re
from collections.abc import Iterator

from weasyprint import Document
from weasyprint.pdf.metadata import DocumentMetadata

from ..branding import Branding
from ..model.schema import ConversationModel, Question, Stage, Step
from ..text import plain_text
from .boxes import MM, PT, in_flow, predicted_height
from .catalog import BLEED_MM, DECK, DECK_SIZES_MM, page_size_mm
from .document import lay_out, template_html
from .jobs import KitLinks
from .joining import PdfJoin

CARD_COLUMNS, CARD_ROWS = 2, 3
# The gap between two cards' trims: room for both bleeds (BLEED_MM each) and the crop marks between them.
CARD_WIDTH_MM, CARD_HEIGHT_MM, CARD_GAP_MM = 88.0, 76.0, 9.0
# Text size classes, largest first; the smallest keeps follow-ups at 8pt.
CARD_SIZES = ("l", "m", "s", "xs")
MAX_FIT_ROUNDS = 8


@dataclasses.dataclass(frozen=True)
class CardFormat:
    """How a kit prints its cards: the template (`cards`: sheets of paper; `deck`: one card a page, for a print
    shop), the card's trim size in mm, the grid of cards on a page and the gap between two cards' trims."""

    kit: str
    width: float
    height: float
    columns: int
    rows: int
    gap: float
    crop_marks: bool  # a print shop cuts a deck from its page's TrimBox: marks only on sheets cut by hand

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


def card_format(paper: str) -> CardFormat:
    """The cards kit's format on a paper; a deck size's (the deck's "paper"): one card of that size a page."""
    if paper in DECK_SIZES_MM:
        return CardFormat(DECK, *DECK_SIZES_MM[paper], columns=1, rows=1, gap=0.0, crop_marks=False)
    return CardFormat("cards", CARD_WIDTH_MM, CARD_HEIGHT_MM, CARD_COLUMNS, CARD_ROWS, CARD_GAP_MM, crop_marks=True)


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


def _card_sheets(cards: list[Card], form: CardFormat) -> list[list[dict]]:
    """Cards grouped per sheet, each with its grid slot and its index in `cards`; backs mirror the columns for
    long-edge duplex."""
    sheets = []
    for start in range(0, len(cards), form.per_sheet):
        slots = []
        for index, card in enumerate(cards[start:start + form.per_sheet]):
            row, column = divmod(index, form.columns)
            slots.append({
                "card": card, "index": start + index, "row": row, "column": column,
                "top": row * (form.height + form.gap),
                "left": column * (form.width + form.gap),
                "back_left": (form.columns - 1 - column) * (form.width + form.gap),
            })
        sheets.append(slots)
    return sheets


def _cards_html(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                cards: list[Card], *, backs: bool = True, first_sheet: int = 0, page_total: int | None = None,
                links: KitLinks | None = None) -> str:
    """The sheets of `cards`; `backs`: with the card backs (fitting measures the fronts alone); `first_sheet`:
    how many sheets of the deck come before these; `page_total`: the deck's page count, written as a number
    (a chunk of a deck counts its pages from its first sheet's front page on)."""
    chunk = {} if page_total is None else {"page_total": page_total, "first_page": 2 * first_sheet + 1}
    form = card_format(paper)
    sheet_width = form.columns * form.width + (form.columns - 1) * form.gap
    sheet_height = form.rows * form.height + (form.rows - 1) * form.gap
    paper_width, paper_height = page_size_mm(paper)
    return template_html(
        model, form.kit, paper, language, branding, links=links, sheets=_card_sheets(cards, form),
        total=model.question_count,
        backs=backs, first_sheet=first_sheet, **chunk,
        card_width=form.width, card_height=form.height, crop_marks=form.crop_marks,
        # 1 mm of slack at the bottom keeps the last row clear of the page break (the cards are placed absolutely:
        # the sheet's height only sizes the page's flow).
        sheet_width=sheet_width, sheet_height=sheet_height - 1,
        # Equal left/right (and top/bottom) margins centre the grid, so mirrored backs line up.
        margin_x=(paper_width - sheet_width) / 2, margin_y=(paper_height - sheet_height) / 2,
    )


def card_overflows(document: Document) -> dict[int, list[str]]:
    """Cards whose content leaves the card's writing area, by card index, with what overflows.

    The limits come from the slot, whose size is fixed, not from the card box: WeasyPrint lets a
    box with overflowing content grow or break across pages, which would hide the overflow.
    """
    problems: dict[int, list[str]] = {}
    for slot, card in _front_cards(document):
        index = int(card.element.get("data-index"))
        # The writing area: the slot (the card's trim) and the bleed around it, less the card's border and padding
        # (the footer lives in the padding).
        left = slot.position_x - BLEED + card.border_left_width + card.padding_left
        right = slot.position_x + slot.margin_width() + BLEED - card.border_right_width - card.padding_right
        top = slot.position_y - BLEED + card.border_top_width + card.padding_top
        bottom = slot.position_y + slot.margin_height() + BLEED - card.border_bottom_width - card.padding_bottom
        if card.margin_height() > slot.margin_height() + 2 * BLEED + 0.5 or not any(
                box.element_tag == "footer" for box in card.descendants()):
            problems.setdefault(index, []).append("the card grew or broke across pages")
        for box in card.descendants():
            # The card is placed absolutely too: its placeholder and its box are both the card.
            if box.element is card.element or type(box).__name__ == "AbsolutePlaceholder" or _in_footer(box, card):
                continue
            x, y, width, height = box.position_x, box.position_y, box.margin_width(), box.margin_height()
            if x < left - 0.5 or y < top - 0.5 or x + width > right + 0.5 or y + height > bottom + 0.5:
                problems.setdefault(index, []).append(
                    f"{type(box).__name__} at ({x:.1f}, {y:.1f}) size {width:.1f}x{height:.1f} is outside"
                    f" ({left:.1f}, {top:.1f})-({right:.1f}, {bottom:.1f})")
    return problems


BLEED = BLEED_MM * MM  # in CSS px, as the layout's boxes measure


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
        bottom = slot.position_y + slot.margin_height() + BLEED - card.border_bottom_width - card.padding_bottom
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
        height = predicted_height(main, scale, fill=CARD_LINE_FILL)
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
    ASKED, LABEL, FOLLOW_UP_LINE, FOLLOW_UP_INDENT = 10 * PT * 1.4 + 2 * MM, 8 * PT * 1.4, 8 * PT * 1.25, 4 * MM
    QUESTION_LINE, QUESTION_CHARACTER = 9 * PT * 1.28, 9 * PT * 0.6  # 9pt bold, a wide average character
    CONTINUED = 8 * PT * 1.4 + 1.5 * MM  # "Question n, continued": one 8pt line and its margin

    def __init__(self, main, scale):
        self.scale, self.asked, self.label = scale, self.ASKED, self.LABEL
        self.question = (main.width, 2 * MM, self.QUESTION_LINE, self.QUESTION_CHARACTER, CARD_LINE_FILL)
        self.follow_up = None
        self.characters = 0  # on the laid-out lines of the question and the follow-ups
        for box in in_flow(main):
            classes = (box.element.get("class") or "").split()
            if "card-question" in classes:
                self.question = self._measure([box])
            elif "card-asked" in classes:
                self.asked = box.margin_height()
            elif "card-follow-label" in classes:
                self.label = box.margin_height()
            elif "card-follow-ups" in classes:
                items = [inner for item in in_flow(box) for inner in [item, *in_flow(item)]
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


def cards_document(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                   chunk_cards: int | None = None, *, links: KitLinks | None = None) -> Document:
    """The cards, each sized from a first guess; the cards that overflow the first layout are resized (or
    split) from their measured text once, so a second layout fits (a loop remains for a wrong prediction).

    A deck of more than `chunk_cards` cards (default CHUNK_CARDS) is fitted and laid out in chunks of whole
    sheets, whose pages are joined here into one document, all of them held at once: `cards_layout` gives the
    deck that writes its PDF chunk by chunk instead.
    """
    return whole_document(cards_layout(model, paper, language, branding, chunk_cards, links=links))


def cards_layout(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                 chunk_cards: int | None = None, *, links: KitLinks | None = None) -> Document | Deck:
    """The cards as `cards_document` lays them out, except a deck of more than `chunk_cards` cards: that is a
    `Deck`, fitted, whose chunks are laid out only when its PDF is written, one at a time."""
    chunk_cards = chunk_cards or CHUNK_CARDS
    cards = _initial_cards(model)
    if len(cards) > chunk_cards:
        return _chunked_deck(model, paper, language, branding, cards, chunk_cards, links)
    _, document, layouts = _fit(model, paper, language, branding, cards, links=links)
    document.coachbook_layouts = layouts
    return document


# Above this many cards a deck is fitted and laid out in chunks of this many (20 whole sheets): a
# WeasyPrint layout of a whole deck held about 1 MB per card while it was made, two of them alive at
# once while fitting, so a 4,620-card deck passed 4.6 GB; and the chunks' laid-out pages, kept for one
# PDF, still held about 0.5 MB per card. Now each chunk is written to PDF and let go before the next is
# laid out (Deck). No shipped model comes near it (they keep the single layout and their bytes).
CHUNK_CARDS = 20 * CARD_COLUMNS * CARD_ROWS


class Deck:
    """A large deck, fitted, as the HTML of its chunks (whole sheets each, with the deck's page and sheet
    numbers): a chunk is laid out only when it is needed, and dropped before the next one is laid out.

    It writes its PDF as a Document does (`write_pdf`), chunk by chunk, the chunks' PDFs joined into one
    (kits/joining.py), so its peak memory is one chunk's layout, not the deck's.
    """

    def __init__(self, chunks: list[str], paper: str, branding: Branding | None, layouts: int):
        self.chunks, self.paper, self.branding = chunks, paper, branding
        # What the deck's PDF says of itself beyond each chunk's HTML: its dates (`document.dated`), given to each chunk.
        self.metadata = DocumentMetadata()
        # The most layouts any card took: its chunk's fitting rounds (on fronts alone) and the final layout.
        self.coachbook_layouts = layouts

    @property
    def coachbook_html(self) -> str:
        return "\n".join(self.chunks)

    def documents(self) -> Iterator[Document]:
        """Each chunk laid out, in order; the caller lets go of one before it asks for the next."""
        for html in self.chunks:
            # A layout is a web of reference cycles (each box and its parent): let go of, it is freed only by a
            # full collection, which Python makes seldom, so dead chunks piled up and the peak grew with the deck.
            gc.collect()
            document = lay_out(html, self.paper, self.branding)
            document.metadata.created, document.metadata.modified = self.metadata.created, self.metadata.modified
            yield document

    def document(self) -> Document:
        """The whole deck as one document, every chunk's pages held at once (for a deck small enough to look at)."""
        documents = list(self.documents())
        document = documents[0].copy([page for part in documents for page in part.pages])
        document.coachbook_layouts, document.coachbook_html = self.coachbook_layouts, self.coachbook_html
        return document

    def write_pdf(self, pdf_identifier: bytes, **options) -> bytes:
        """The deck's PDF (as `Document.write_pdf` with these options), written chunk by chunk and joined: one
        chunk's layout is alive at a time."""
        join = PdfJoin(pdf_identifier)
        for document in self.documents():
            join.add(document.write_pdf(pdf_identifier=pdf_identifier, **options))
            del document  # before the next chunk is laid out
        return join.write()


def whole_document(layout: Document | Deck) -> Document:
    """A kit's layout as one document: a large deck's chunks laid out and joined, every page held at once."""
    return layout.document() if isinstance(layout, Deck) else layout


def _chunked_deck(model: ConversationModel, paper: str, language: str, branding: Branding | None,
                  cards: list[Card], chunk_cards: int, links: KitLinks | None) -> Deck:
    """A large deck, fitted chunk by chunk on its fronts alone, then cut into chunks of whole sheets with their
    final page and sheet numbers (known once every card is fitted).

    Only one chunk's fitting layouts are alive at a time. Each chunk holds whole sheets (a front page, then
    its back), so the pages keep their order for duplex printing and every front stays an odd page.
    """
    fitted: list[Card] = []
    rounds = 0
    for start in range(0, len(cards), chunk_cards):
        chunk, last, layouts = _fit(model, paper, language, branding, cards[start:start + chunk_cards], backs=False)
        fitted += chunk
        rounds = max(rounds, layouts)
        del last
        gc.collect()  # the chunk's last layout, freed before the next chunk's (see Deck.documents)
    fitted = _renumber(fitted)
    per_sheet = card_format(paper).per_sheet
    chunk_cards = max(per_sheet, chunk_cards // per_sheet * per_sheet)
    total_pages = 2 * -(-len(fitted) // per_sheet)
    chunks = [_cards_html(model, paper, language, branding, fitted[start:start + chunk_cards],
                          first_sheet=start // per_sheet, page_total=total_pages, links=links)
              for start in range(0, len(fitted), chunk_cards)]
    return Deck(chunks, paper, branding, rounds + 1)


def _fit(model: ConversationModel, paper: str, language: str, branding: Branding | None, cards: list[Card],
         backs: bool = True, links: KitLinks | None = None) -> tuple[list[Card], Document, int]:
    """The cards fitted, their last layout and how many layouts it took; `backs`: lay out the card backs too (with
    the QR codes of `links`)."""
    def layout(cards: list[Card]) -> Document:
        return lay_out(_cards_html(model, paper, language, branding, cards, backs=backs, links=links), paper, branding)

    document = layout(cards)
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
        # The first layout's boxes go before the next layout is made: two whole layouts alive at once
        # doubled the peak memory.
        cards = _renumber(fitted)
        del mains, document
        document, layouts = layout(cards), 2
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
        del document
        document, layouts = layout(cards), layouts + 1
        overflowing = card_overflows(document)
    return cards, document, layouts


def _renumber(cards: list[Card]) -> list[Card]:
    """Part numbers and 'continues' flags, recomputed after cards were split."""
    renumbered = []
    for position, card in enumerate(cards):
        part = renumbered[-1].part + 1 if renumbered and renumbered[-1].number == card.number else 1
        following = cards[position + 1] if position + 1 < len(cards) else None
        renumbered.append(dataclasses.replace(
            card, part=part, continued=following is not None and following.number == card.number))
    return renumbered
