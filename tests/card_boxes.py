"""The boxes of a laid-out cards kit, checked: each card in its slot, its content inside, its crop marks outside."""

from __future__ import annotations


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
            # The slot has the card's fixed size; a card box can grow with its content, so it is no limit.
            assert card.margin_height() <= slot.margin_height() + 0.5, f"page {page_number}: a card grew"
            overflowing = [box for box in card.descendants() if box is not card and _outside(box, slot)]
            assert not overflowing, f"page {page_number}: card content outside its card: {overflowing[:3]}"
    return count
