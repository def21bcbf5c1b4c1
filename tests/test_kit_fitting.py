"""The card and guide predictors on tiny documents, as WeasyPrint's own layout tests do: one card, or a guide of
two steps, laid out in milliseconds, and what the predictor says of the next layout held against that layout's boxes.

tests/test_layouts.py checks the outcome on every shipped model; these check the predictions themselves.
"""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from coachbook.kits import cards, guide
from coachbook.kits.boxes import MM, predicted_height
from coachbook.kits.document import lay_out
from coachbook.kits.catalog import BLEED_MM, DECK_SIZES, DECK_SIZES_MM, PAPERS
from coachbook.model.schema import ConversationModel
from card_boxes import assert_bleed_and_safe_zone
from conftest import VALID

QUESTION = "What would have to be true for this to work? "
FOLLOW_UP = "A follow-up that asks for one more concrete example, number {n}?"
PURPOSE = "Agree on what happened and why it matters to both of you. "


def one_question(repeat: int, follow_ups: int) -> ConversationModel:
    """A model of one question: its text `repeat` times QUESTION, with `follow_ups` follow-ups."""
    data = yaml.safe_load(VALID)
    data["stages"][0]["steps"][0]["questions"] = [
        {"text": QUESTION * repeat, "asked_by": "manager", "follow_ups": [FOLLOW_UP.format(n=n) for n in range(follow_ups)]}]
    return ConversationModel.model_validate(data)


def the_card(model: ConversationModel, size: str = "l") -> cards.Card:
    [(stage, step, question)] = model.questions()
    return cards.Card(1, stage, step, question, question.text, list(question.follow_ups), size=cards.CARD_SIZES.index(size))


def cards_layout(model: ConversationModel, laid_out: list[cards.Card]):
    return lay_out(cards._cards_html(model, "a4", "en", None, laid_out), "a4", None)


def first_main(document):
    """The first card's main box (question and follow-ups) and the height it may fill."""
    [(_, main, room), *_] = cards._card_mains(document)
    return main, room


@pytest.mark.parametrize("repeat, follow_ups", [(3, 2), (5, 4), (3, 10)])
@pytest.mark.parametrize("size", cards.CARD_SIZES[1:])
def test_a_cards_height_at_a_smaller_size_is_predicted_from_its_first_layout(repeat, follow_ups, size):
    """Never below what the layout at that size measures (a card predicted to fit does), and at most 15% above it
    (a card is not made smaller than it needs)."""
    model = one_question(repeat, follow_ups)
    main, _ = first_main(cards_layout(model, [the_card(model)]))
    resized, _ = first_main(cards_layout(model, [the_card(model, size)]))
    predicted = predicted_height(main, cards._card_scale("l", size), fill=cards.CARD_LINE_FILL)
    assert resized.margin_height() - 0.01 <= predicted <= 1.15 * resized.margin_height()


@pytest.mark.parametrize("repeat, follow_ups", [(3, 2), (5, 4), (8, 6)])
def test_an_overflowing_card_is_refitted_once_into_cards_that_fit(repeat, follow_ups):
    """The refit from the first layout fits in the second: at the largest size that fits, or else split into
    smallest cards, at most one more than the fewest that fit (each part is predicted with upper bounds)."""
    model = one_question(repeat, follow_ups)
    card = the_card(model)
    first = cards_layout(model, [card])
    assert list(cards.card_overflows(first)) == [0]
    refitted = cards._renumber(cards._refit(card, *first_main(first)))
    assert cards.card_overflows(cards_layout(model, refitted)) == {}
    if len(refitted) == 1:
        [fitted] = refitted
        larger = dataclasses.replace(card, size=fitted.size - 1)
        assert fitted.size > card.size and cards.card_overflows(cards_layout(model, [larger]))
        return
    assert {part.size_class for part in refitted} == {cards.CARD_SIZES[-1]}
    assert [part.part for part in refitted] == list(range(1, len(refitted) + 1))
    smallest = dataclasses.replace(card, size=len(cards.CARD_SIZES) - 1)
    fewest = next(count for count in range(1, len(refitted) + 1) if not cards.card_overflows(
        cards_layout(model, cards._renumber(cards._split(smallest, count)) if count > 1 else [smallest])))
    assert len(refitted) - fewest in (0, 1)


def two_steps(repeat: int) -> ConversationModel:
    """A model of two steps, each with a purpose `repeat` times PURPOSE and a question with a follow-up."""
    data = yaml.safe_load(VALID)
    step = data["stages"][0]["steps"][0]
    step["purpose"] = PURPOSE * repeat
    step["questions"][0]["follow_ups"] = ["What did you see?"]
    data["stages"][0]["steps"].append(dict(step, id="close", title="Close"))
    return ConversationModel.model_validate(data)


def guide_layout(model: ConversationModel, level: dict, step_limit: int | None = None):
    return lay_out(guide._guide_html(model, "a4", "en", None, level, step_limit), "a4", None)


@pytest.mark.parametrize("repeat", [1, 12])
@pytest.mark.parametrize("index", range(1, len(guide.GUIDE_LEVELS)))
def test_the_guides_parts_at_each_level_are_predicted_from_the_roomy_layout(repeat, index):
    """Each step within 6% of its height in the layout at that level (the plan keeps GUIDE_SAFETY of the page
    free for the difference), the header within half a percent."""
    model, level = two_steps(repeat), guide.GUIDE_LEVELS[index]
    roomy, denser = guide._GuideMeasure(guide_layout(model, guide.GUIDE_LEVELS[0])), guide._GuideMeasure(
        guide_layout(model, level))
    density = guide.GUIDE_DENSITIES[level["density"]]
    widen = (roomy.page_width - (density["columns"] - 1) * density["column_gap"]) / density["columns"] \
        - roomy.column_width
    [(_, steps)], [(_, measured_steps)] = roomy.stages, denser.stages
    assert len(steps) == len(measured_steps) == 2
    for step, measured in zip(steps, measured_steps, strict=True):
        predicted = sum(guide._predicted_step(box, density, level["purpose"], widen) for box in roomy._boxes(step))
        assert predicted == pytest.approx(sum(box.margin_height() for box in denser._boxes(measured)), rel=0.06)
    header = sum(guide._predicted(box, guide._guide_scale(density)) for box in roomy._boxes(roomy.header))
    assert header == pytest.approx(sum(box.margin_height() for box in denser._boxes(denser.header)), rel=0.005)


def test_the_guide_plan_takes_the_roomiest_level_that_fits_one_page():
    """Purposes too long for the roomy and the compact levels: the plan drops them (the third level), which fits,
    and the level before it does not."""
    model = two_steps(45)
    first = guide_layout(model, guide.GUIDE_LEVELS[0])
    assert len(first.pages) > 1
    index, step_limit = guide._guide_plan(first, 2)
    assert (index, step_limit) == (2, None) and not guide.GUIDE_LEVELS[index]["purpose"]
    assert len(guide_layout(model, guide.GUIDE_LEVELS[index]).pages) == 1
    assert len(guide_layout(model, guide.GUIDE_LEVELS[index - 1]).pages) > 1


@pytest.mark.parametrize("units, columns, height, fits", [
    ([10, 10, 10], 2, 20, True),  # two in the first column, one in the second
    ([10, 10, 10, 10, 1], 2, 20, False),  # the last block needs a third column
    ([20, 10, 20], 2, 25, False),  # as much as two columns hold, but a block is never split
    ([30], 3, 20, False),  # a block taller than a column
    ([], 1, 0, True),
])
def test_blocks_are_dealt_into_columns_in_order_none_split(units, columns, height, fits):
    assert guide._columns_hold(units, columns, height) is fits


def seven_questions() -> ConversationModel:
    """A model of seven questions, of one to three lines and none to two follow-ups: none is split, even on a bridge card."""
    data = yaml.safe_load(VALID)
    data["stages"][0]["steps"][0]["questions"] = [
        {"text": QUESTION * (1 + n // 3), "asked_by": "manager", "follow_ups": [FOLLOW_UP.format(n=f) for f in range(n // 3)]}
        for n in range(7)]
    return ConversationModel.model_validate(data)


@pytest.mark.parametrize("paper", PAPERS)
def test_sheet_cards_bleed_past_their_trim_and_keep_their_text_in_the_safe_zone(paper):
    """Seven cards, fitted (a full sheet and one more), and their backs: every card's border and bar reach 3 mm past
    its crop marks, every text lies 3 mm inside them, the backs mirror the fronts."""
    document = cards.whole_document(cards.cards_layout(seven_questions(), paper, "en", None))
    assert cards.card_overflows(document) == {}
    assert len(document.pages) == 4
    assert assert_bleed_and_safe_zone(document) == 2 * 7


@pytest.mark.parametrize("size", DECK_SIZES)
def test_a_deck_is_one_card_and_its_bleed_a_page_title_card_first(size):
    """The deck of a seven-question model, fitted: its title card and its back, then each question's front and back,
    each page the card and its bleed, each text in the safe zone, each question on its front."""
    model = seven_questions()
    document = cards.whole_document(cards.cards_layout(model, size, "en", None))
    assert cards.card_overflows(document) == {}
    assert len(document.pages) == 2 * (7 + 1)
    width, height = DECK_SIZES_MM[size]
    for page in document.pages:
        assert (page.width, page.height) == pytest.approx((width * MM, height * MM))
        assert page.bleed == pytest.approx(dict.fromkeys(("top", "right", "bottom", "left"), BLEED_MM * MM))
    assert assert_bleed_and_safe_zone(document) == 2 * (7 + 1)
    texts = [" ".join(box.text for box in page._page_box.descendants(placeholders=True)
                      if type(box).__name__ == "TextBox") for page in document.pages]
    assert model.title in texts[0] and "7 question cards" in texts[0]
    for number, (_, _, question) in enumerate(model.questions()):
        assert " ".join(question.text.split()[:4]) in texts[2 + 2 * number]
