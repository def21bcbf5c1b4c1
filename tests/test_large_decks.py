"""Large card decks: fitted and laid out in chunks of whole sheets, which make the same pages as one layout would.

Their peak memory is measured by `benchmarks/run.py --cards-questions 1000`, not asserted here."""

from __future__ import annotations

import io

import pypdf
import yaml

from coachbook.kits import cards
from coachbook.kits.document import kit_pdf
from coachbook.model.schema import ConversationModel
from coachbook.text import normalized
from conftest import VALID

QUESTION = "What would have to be true for this to work, and who would notice it first? ({n})"
LONG = " Say what you saw, what it cost and what you would like to happen next time." * 6


def deck(count: int, long: bool = True) -> ConversationModel:
    """A model of `count` questions over two stages; with `long`, every fifth is long enough to be resized or split
    (a 1,000-question deck of those has 1,600 cards)."""
    data = yaml.safe_load(VALID)
    stage = data["stages"][0]
    data["stages"].append({**stage, "id": "after", "title": "Afterwards", "when": "after",
                           "steps": [{**stage["steps"][0], "id": "close", "title": "Close"}]})
    half = count // 2
    for stage, numbers in zip(data["stages"], (range(half), range(half, count)), strict=True):
        stage["steps"][0]["questions"] = [
            {"text": QUESTION.format(n=n) + (LONG if long and n % 5 == 4 else ""), "asked_by": "manager",
             "follow_ups": ["Who else saw it?", "What would you do next?"] + ["And then?"] * (long and n % 5 == 4) * 3}
            for n in numbers]
    return ConversationModel.model_validate(data)


def pages(pdf: bytes) -> list[str]:
    return [normalized(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_a_deck_in_chunks_has_the_pages_of_one_layout():
    model = deck(16)
    whole = cards.cards_document(model, "a4", "en", None)
    chunked = cards.cards_document(model, "a4", "en", None, chunk_cards=6)  # 16 guesses: chunks of 6, 6 and 4
    assert cards.card_overflows(whole) == {}
    whole_pages = pages(kit_pdf(whole, model, "cards", "a4"))
    chunked_pdf = kit_pdf(chunked, model, "cards", "a4")
    chunked_pages = pages(chunked_pdf)
    # Long questions split into parts: more cards than questions, and sheets no chunk boundary left half empty.
    assert len(whole_pages) == len(chunked_pages) >= 2 * 4
    assert chunked_pages == whole_pages
    total = len(whole_pages)
    for number, text in enumerate(chunked_pages, start=1):
        assert f"Page {number} of {total}" in text
        side = "Card fronts" if number % 2 else "Card backs"  # fronts odd, their backs right behind them
        assert side in text
    reader = pypdf.PdfReader(io.BytesIO(chunked_pdf))
    assert reader.metadata.title == "Sample talk (Question cards)"
    assert reader.trailer["/ID"][0] == pypdf.PdfReader(io.BytesIO(kit_pdf(whole, model, "cards", "a4"))).trailer["/ID"][0]
    # Every card of the deck, in order: each question's number on the fronts.
    fronts = " ".join(chunked_pages[::2])
    assert all(f"Q{n} of 16" in fronts for n in range(1, 17))


def test_a_chunk_is_fitted_on_its_fronts_and_laid_out_with_its_sheet_numbers():
    model = deck(14)
    fitted, document, _ = cards._fit(model, "a4", "en", None, cards._initial_cards(model), backs=False)
    assert cards.card_overflows(document) == {}
    assert len(document.pages) == -(-len(fitted) // 6)  # fronts only: one page a sheet
    html = cards._cards_html(model, "a4", "en", None, fitted[6:], first_sheet=1, page_total=8)
    assert 'aria-label="Card fronts, sheet 2"' in html and 'aria-label="Card backs, sheet 2"' in html
    assert "counter-reset: page 3" in html
