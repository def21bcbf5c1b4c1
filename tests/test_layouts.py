"""At most two layouts per kit: the guide and the cards predict from their first layout what fits the second."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
import yaml

from coachbook.kits import cards as kit_cards, guide as kit_guide
from coachbook.i18n import DEFAULT_LANGUAGE
from coachbook.kits.layouts import kit_document
from coachbook.kits.catalog import DEFAULT_DECK_SIZE, PAPERS
from coachbook.model.loader import load_model, translation_language

from card_boxes import assert_bleed_and_safe_zone, assert_cards_fit
from conftest import MODEL_FILES, REPO, TRANSLATION_FILES  # a new model file is covered with no change here
from hostile import dump_yaml, hostile_model

EVERY_MODEL_FILE = pytest.mark.parametrize(
    "path", MODEL_FILES + TRANSLATION_FILES, ids=[str(path.relative_to(REPO / "models")) for path in MODEL_FILES + TRANSLATION_FILES])
EVERY_PAPER = pytest.mark.parametrize("paper", PAPERS)


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated steps out in full: models may not hold YAML anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def synthetic_model(model_id: str, scale: float, folder):
    """A shipped model at `scale` times its length, made as benchmarks/run.py makes its synthetic models:
    half of each stage's steps dropped (0.5) or repeated as "(again)" steps (1.5)."""
    data = load_model(REPO / "models" / f"{model_id}.yaml").model_dump(exclude_none=True)
    data["id"], data["title"] = f"{model_id}-x{int(scale * 10)}", f"{data['title']} ({scale})"
    for stage in data["stages"]:
        steps = stage["steps"]
        if scale < 1:
            stage["steps"] = steps[: max(1, len(steps) // 2)]
        elif scale > 1:
            stage["steps"] = steps + [dict(step, id=f"{step['id']}-more", title=f"{step['title']} (again)")
                                      for step in steps[: max(1, len(steps) // 2)]]
    path = folder / f"{data['id']}.yaml"
    path.write_text(yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_model(path)


def checked_guide(model, paper: str, language: str = DEFAULT_LANGUAGE):
    """The guide, checked: one page, in at most two layouts."""
    guide = kit_document(model, "guide", paper, language)
    assert len(guide.pages) == 1
    assert 1 <= guide.coachbook_layouts <= 2, f"the guide took {guide.coachbook_layouts} layouts"
    return guide


def checked_cards(model, paper: str, language: str = DEFAULT_LANGUAGE, kit: str = "cards"):
    """The cards (or the deck, on a deck size), checked: in at most two layouts, none overflowing by the fitting's
    measure or by its boxes (its content inside its card, its crop marks outside, its colours in the bleed, its text in
    the safe zone), each sheet a front and its back."""
    cards = kit_document(model, kit, paper, language)
    assert kit_cards.card_overflows(cards) == {}
    # The predictor was tuned on the sheet cards: the deck's narrower card may take the old loop's third layout.
    assert 1 <= cards.coachbook_layouts <= (2 if kit == "cards" else kit_cards.MAX_FIT_ROUNDS), (
        f"the cards took {cards.coachbook_layouts} layouts")
    assert len(cards.pages) % 2 == 0
    if kit == "cards":
        assert assert_cards_fit(cards) >= 2 * model.question_count
    assert assert_bleed_and_safe_zone(cards) >= 2 * model.question_count
    return cards


def guide_and_cards(model, paper: str, language: str = DEFAULT_LANGUAGE):
    return checked_guide(model, paper, language), checked_cards(model, paper, language)


def pdf_text(document) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document.write_pdf())).pages)


@EVERY_MODEL_FILE
@EVERY_PAPER
def test_the_guide_of_every_model_is_one_page_in_at_most_two_layouts(path, paper):
    checked_guide(load_model(path), paper, translation_language(path) or DEFAULT_LANGUAGE)


@EVERY_MODEL_FILE
@EVERY_PAPER
def test_no_card_of_any_model_overflows_and_the_cards_take_at_most_two_layouts(path, paper):
    checked_cards(load_model(path), paper, translation_language(path) or DEFAULT_LANGUAGE)


@pytest.mark.parametrize("model_id", ["performance-connection-care", "okr-goal-planning"])
def test_long_synthetic_models_take_at_most_two_layouts(tmp_path, model_id):
    """The benchmark's models at one and a half times the length: each needs a denser guide than its original."""
    model = synthetic_model(model_id, 1.5, tmp_path)
    guide, _ = guide_and_cards(model, "letter")
    assert guide.coachbook_layouts == 2
    assert "guide-roomy" not in guide.coachbook_html


@EVERY_PAPER
def test_a_guide_too_long_for_any_density_shows_the_steps_that_fit_after_two_layouts(tmp_path, paper):
    """The longest synthetic model: even the tightest level cannot hold every step, so the second layout
    shows the first steps that fit and says how many more there are."""
    model = synthetic_model("rci-performance-coaching", 1.5, tmp_path)
    guide = kit_document(model, "guide", paper)
    assert guide.coachbook_layouts == 2 and len(guide.pages) == 1
    text = pdf_text(guide)
    more = re.search(r"\+(\d+) more steps", text)
    all_steps = sum(len(stage.steps) for stage in model.stages)
    assert more and 0 < int(more.group(1)) < all_steps / 3, text[-300:]


def test_the_hostile_model_takes_at_most_two_layouts(tmp_path):
    (tmp_path / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    model = load_model(tmp_path / "hostile.yaml")
    for paper in PAPERS:
        _, cards = guide_and_cards(model, paper)
        assert cards.coachbook_layouts == 2  # its texts overflow the first guess: the prediction is what fits them
    deck = checked_cards(model, DEFAULT_DECK_SIZE, kit="deck")
    assert len(deck.pages) == 2 * (len(kit_cards._fill_ratios(deck)) + 1)


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=[path.parent.name for path in TRANSLATION_FILES])
def test_the_deck_of_a_translation_keeps_its_text_in_the_safe_zone(path):
    """Translations' longer words on the deck's narrower card: one card a page, none split, all in the safe zone."""
    model = load_model(path)
    deck = checked_cards(model, DEFAULT_DECK_SIZE, translation_language(path), kit="deck")
    assert len(deck.pages) == 2 * (model.question_count + 1)


def test_the_worksheet_and_the_checklist_take_one_layout():
    model = load_model(MODEL_FILES[0])
    assert [kit_document(model, kit, "a4").coachbook_layouts for kit in ("worksheet", "checklist")] == [1, 1]


def test_a_wrong_guide_prediction_still_gives_a_one_page_guide(monkeypatch):
    """With no safety margin and a prediction a third too small, the planned level overflows: the search
    that follows still finds a density that fits, at the price of more layouts."""
    monkeypatch.setattr(kit_guide, "GUIDE_SAFETY", -0.35)
    guide = kit_document(load_model(REPO / "models" / "performance-improvement-4cs.yaml"), "guide", "a4")
    assert len(guide.pages) == 1 and guide.coachbook_layouts > 2


def long_card_model(folder, question: str, follow_ups: int):
    """A one-question model whose question and follow-ups are too long for one card at any size."""
    data = yaml.safe_load((REPO / "models" / "okr-upward-feedback.yaml").read_text(encoding="utf-8"))
    data["id"] = "long-card"
    data["stages"] = data["stages"][:1]
    data["stages"][0]["steps"] = data["stages"][0]["steps"][:1]
    data["stages"][0]["steps"][0]["questions"] = [{
        "text": question, "asked_by": "manager",
        "follow_ups": [f"A follow-up that asks for one more concrete example, number {n}?" for n in range(follow_ups)]}]
    (folder / "long-card.yaml").write_text(dump_yaml(data), encoding="utf-8")
    return load_model(folder / "long-card.yaml")


@pytest.mark.parametrize("repeat, follow_ups", [(8, 6), (180, 12)])
def test_a_card_too_long_for_any_size_is_split_in_the_second_layout(tmp_path, repeat, follow_ups):
    model = long_card_model(tmp_path, "What would have to be true for this to work? " * repeat, follow_ups)
    cards = kit_document(model, "cards", "a4")
    assert kit_cards.card_overflows(cards) == {} and cards.coachbook_layouts == 2
    assert len(kit_cards._fill_ratios(cards)) > 1 and "Question 1, continued" in cards.coachbook_html


def test_a_wrong_card_prediction_still_gives_cards_that_fit(tmp_path, monkeypatch):
    """A card predicted to fit a room three times its size overflows the second layout; the old loop fixes it."""
    monkeypatch.setattr(kit_cards, "CARD_ROOM", 3.0)
    cards = kit_document(long_card_model(tmp_path, "What would have to be true for this to work? " * 8, 6), "cards", "a4")
    assert kit_cards.card_overflows(cards) == {} and cards.coachbook_layouts > 2
