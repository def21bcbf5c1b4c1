"""The boxes of a laid-out cards kit, checked: each card in its slot, its content inside, its crop marks outside."""

from __future__ import annotations

from coachbook.kits.boxes import MM
from coachbook.kits.catalog import BLEED_MM, SAFE_MM

BLEED = BLEED_MM * MM  # in CSS px, as the boxes measure


def _boxes_with_class(root, tag: str, css_class: str):
    for box in root.descendants():
        if box.element_tag == tag and css_class in (box.element.get("class") or "").split():
            yield box


def _outside(inner, outer) -> bool:
    left, top = outer.position_x, outer.position_y
    right, bottom = left + outer.margin_width(), top + outer.margin_height()
    return (inner.position_x < left - 0.5 or inner.position_y < top - 0.5
            or inner.position_x + inner.margin_width() > right + 0.5
            or inner.position_y + inner.margin_height() > bottom + 0.5)


def assert_cards_fit(document) -> int:
    """No card's content leaves its card; crop marks sit outside every card. Returns the card count."""
    count = 0
    for page_number, page in enumerate(document.pages, start=1):
        for slot in _boxes_with_class(page._page_box, "div", "slot"):
            cards = list(_boxes_with_class(slot, "article", "card"))
            marks = [box for box in slot.descendants() if "crop" in (box.element.get("class") or "")
                     and box.element_tag == "span"]
            assert len(cards) == 1 and len(marks) == 8, f"page {page_number}: a card without its 8 crop marks"
            card = cards[0]
            count += 1
            for mark in marks:
                assert _outside(mark, card), f"page {page_number}: a crop mark on the card"
            # The slot has the card's fixed trim size, the card its bleed besides; a card box can grow with its content,
            # so it is no limit.
            assert card.margin_height() <= slot.margin_height() + 2 * BLEED + 0.5, f"page {page_number}: a card grew"
            overflowing = [box for box in card.descendants() if box.element is not card.element and _outside(box, slot)]
            assert not overflowing, f"page {page_number}: card content outside its card: {overflowing[:3]}"
    return count


def _card_box(slot):
    [card] = _boxes_with_class(slot, "article", "card")
    return card


def _edges(box) -> tuple[float, float, float, float]:
    return box.position_x, box.position_y, box.position_x + box.margin_width(), box.position_y + box.margin_height()


def _overlaps(one, other) -> bool:
    left, top, right, bottom = one
    other_left, other_top, other_right, other_bottom = other
    return left < other_right - 0.5 and other_left < right - 0.5 and top < other_bottom - 0.5 and other_top < bottom - 0.5


def assert_bleed_and_safe_zone(document) -> int:
    """Every card (a slot is its trim) is drawn BLEED_MM past its trim on every side, its coloured bar (a front's top
    border) from there to inside the trim, its background painted; every text lies SAFE_MM inside the trim; every crop
    mark sits on a trim line, clear of every card and bleed on the page; and a sheet's backs mirror its fronts' places
    for long-edge duplex. Returns the card count."""
    bleed, safe = BLEED, SAFE_MM * MM
    count = 0
    places: list[list[tuple[float, float, float]]] = []
    for page_number, page in enumerate(document.pages, start=1):
        slots = list(_boxes_with_class(page._page_box, "div", "slot"))
        assert slots, f"page {page_number}: no card"
        bleeds = [(left - bleed, top - bleed, right + bleed, bottom + bleed)
                  for left, top, right, bottom in map(_edges, slots)]
        for slot, bled in zip(slots, bleeds):
            count += 1
            left, top, right, bottom = _edges(slot)
            card = _card_box(slot)
            assert all(abs(got - wanted) <= 0.5 for got, wanted in zip(_edges(card), bled)), (
                f"page {page_number}: the card {_edges(card)} is not its trim {_edges(slot)} and {BLEED_MM} mm of bleed")
            assert min(card.border_top_width, card.border_left_width, card.border_right_width,
                       card.border_bottom_width) > 0, f"page {page_number}: a card without its border"
            assert card.style["background_color"].alpha > 0, f"page {page_number}: a card without its background"
            if "card-front" in card.element.get("class"):
                assert card.position_y + card.border_top_width > top + 0.5, f"page {page_number}: no bar on the card"
            texts = [box for box in card.descendants() if type(box).__name__ == "TextBox"]
            assert texts, f"page {page_number}: a card without text"
            for text in texts:
                text_left, text_top, text_right, text_bottom = _edges(text)
                assert (text_left >= left + safe - 0.5 and text_top >= top + safe - 0.5
                        and text_right <= right - safe + 0.5 and text_bottom <= bottom - safe + 0.5), (
                    f"page {page_number}: {text.text!r} at {_edges(text)} is outside the safe zone of "
                    f"{(left, top, right, bottom)}")
            for mark in (box for box in slot.descendants() if "crop" in (box.element.get("class") or "")):
                mark_left, mark_top, mark_right, mark_bottom = _edges(mark)
                horizontal = mark.margin_width() > mark.margin_height()
                on_trim = (min(abs(mark_top - top), abs(mark_bottom - bottom)) <= 0.5 if horizontal
                           else min(abs(mark_left - left), abs(mark_right - right)) <= 0.5)
                assert on_trim, f"page {page_number}: a crop mark off the trim lines"
                assert not any(_overlaps(_edges(mark), other) for other in bleeds), (
                    f"page {page_number}: a crop mark on a card or its bleed")
        assert not any(_overlaps(one, other) for index, one in enumerate(bleeds) for other in bleeds[index + 1:]), (
            f"page {page_number}: two cards' bleeds overlap")
        width = page._page_box.margin_width()
        places.append([(slot.position_x, width - slot.position_x - slot.margin_width(), slot.position_y)
                       for slot in slots])
    for sheet in range(0, len(places) - 1, 2):
        fronts, backs = places[sheet], places[sheet + 1]
        assert len(fronts) == len(backs), f"page {sheet + 2}: not as many backs as fronts"
        for (front_left, front_right, front_top), (back_left, back_right, back_top) in zip(fronts, backs):
            assert abs(front_left - back_right) <= 0.5 and abs(front_top - back_top) <= 0.5, (
                f"page {sheet + 2}: a back does not mirror its front")
    return count
