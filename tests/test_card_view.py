"""One card at a time: the print view of a model's question cards (cards/<id>/), a step's cards or one card picked by
the address, linked from each step and question of the model page; in HTML, in the offline build, and printed."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup

from browser import OVERFLOWING, expect, serious_violations
from coachbook.i18n import messages
from coachbook.kits.cards import CARD_HEIGHT_MM, CARD_WIDTH_MM
from coachbook.model.loader import load_model
from coachbook.text import normalized, plain_text
from conftest import MODEL_IDS, REPO, TRANSLATIONS

CSS_PX_PER_MM = 96 / 25.4


def shown(text: str) -> str:
    return normalized(plain_text(text))


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def numbered_steps(model) -> list[tuple[str, list[tuple[int, object]]]]:
    """Each step with questions, as (step id, [(card number, question)]), numbered as the cards kit numbers them."""
    steps: dict[str, list] = {}
    for number, (_, step, question) in enumerate(model.questions(), start=1):
        steps.setdefault(step.id, []).append((number, question))
    return list(steps.items())


def model_of(model_id: str, language: str | None):
    return load_model(REPO / "models" / (language or "") / f"{model_id}.yaml")


@pytest.mark.parametrize(("model_id", "language"), [(m, None) for m in MODEL_IDS] + TRANSLATIONS)
def test_the_print_view_holds_every_card_once_and_the_model_page_links_each(built_site, model_id, language):
    model, t = model_of(model_id, language), messages(language or "en")
    folder = built_site.root / (language or "")
    view_path = folder / "cards" / model_id / "index.html"
    view = soup_of(view_path)
    total = model.question_count
    # Every card once, in its step's section, with the same information as the kit's card, front and back.
    sections = view.select("section.cb-card-step")
    assert [section["id"] for section in sections] == [f"step-{step_id}" for step_id, _ in numbered_steps(model)]
    for section, (step_id, cards) in zip(sections, numbered_steps(model)):
        pairs = section.select(".cb-card-pair")
        assert [pair["id"] for pair in pairs] == [f"card-{number}" for number, _ in cards], step_id
        for pair, (number, question) in zip(pairs, cards):
            front, back = pair.select_one(".cb-card--front"), pair.select_one(".cb-card--back")
            assert normalized(front.select_one(".cb-card-question").get_text()) == shown(question.text)
            assert [normalized(li.get_text()) for li in front.select(".cb-card-follow-ups > li")] == \
                [shown(text) for text in question.follow_ups]
            assert normalized(front.select_one(".cb-card-asked").get_text()) == t["kit"]["asked_by"][question.asked_by]
            assert normalized(front.select_one(".cb-card-number").get_text()).startswith(
                t["kit"]["card_number"].format(n=number, total=total))
            assert normalized(back.select_one(".cb-card-back-number").get_text()) == t["kit"]["card_back_number"].format(n=number)
            assert normalized(back.select_one(".cb-card-back-model").get_text()) == shown(model.title)
    assert len(view.select(".cb-card-pair")) == total  # no card but those above: each question and follow-up once
    # Whatever a link picks is there: the view's own links, and the model page's to each step's cards and each card.
    ids = {element["id"] for element in view.select("[id]")}
    assert [a["href"] for a in view.select(".cb-cards a[href^='#']") if a["href"][1:] not in ids] == []
    page_path = folder / "models" / model_id / "index.html"
    page = soup_of(page_path)
    card_links = page.select("li.cb-question a.cb-card-link")
    assert [a.get_text() for a in card_links] == [t["cards"]["card_link"]] * total
    assert [a["aria-label"] for a in card_links] == [t["cards"]["card_link_name"].format(n=n) for n in range(1, total + 1)]
    step_links = page.select(".cb-step-cards a")
    assert [a.get_text() for a in step_links] == [t["cards"]["step_cards"]] * len(sections)
    for link in card_links + step_links:
        target, _, fragment = link["href"].partition("#")
        assert (page_path.parent / target / "index.html").resolve() == view_path and fragment in ids, link["href"]
    assert [f"#{a['href'].partition('#')[2]}" for a in step_links] == [f"#{s['id']}" for s in sections]
    # Back to the model page, and the whole deck's PDFs beside the view.
    back = view.select_one("a.cb-cards-back")
    assert (view_path.parent / back["href"] / "index.html").resolve() == page_path
    decks = view.select(".cb-cards-deck a[download]")
    assert len(decks) == 2 and all((view_path.parent / a["href"]).resolve().is_file() for a in decks)
    suffix = f".{language}" if language else ""
    assert sorted(a["href"].rsplit("/", 1)[1] for a in decks) == [f"{model_id}-cards-{paper}{suffix}.pdf"
                                                                  for paper in ("a4", "letter")]


def test_the_print_views_stay_out_of_navigation_and_search(built_site):
    assert "not included in the" not in built_site.log  # MkDocs' notice about pages left out of the nav
    nav = soup_of(built_site.root / "index.html").select_one("nav.md-nav--primary")
    assert [a["href"] for a in nav.select("a[href]") if "cards/" in a["href"]] == []
    docs = json.loads((built_site.root / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert [d["location"] for d in docs if re.match(r"^([a-z]{2}/)?cards/", d["location"])] == []


def test_the_offline_build_links_each_card_on_the_file_share(offline_site):
    for model_id in MODEL_IDS:
        page = offline_site / "models" / f"{model_id}.html"
        links = [a["href"] for a in soup_of(page).select("a.cb-card-link, .cb-step-cards a")]
        assert links and all(href.startswith(f"../cards/{model_id}.html#") for href in links), model_id
        view = soup_of(offline_site / "cards" / f"{model_id}.html")
        ids = {element["id"] for element in view.select("[id]")}
        assert [href for href in links if href.partition("#")[2] not in ids] == []


# --- in a browser, printed ------------------------------------------------------------------


def printed_cards(page) -> tuple[list[int], str, int]:
    """The card numbers (fronts' "Q<n> of <total>") that the page prints, its printed text and its page count."""
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = normalized(" ".join(p.extract_text() for p in reader.pages))
    return [int(n) for n in re.findall(r"\bQ(\d+) of \d+", text)], text, len(reader.pages)


def test_a_step_or_one_card_is_all_that_prints(open_page, models):
    """The model page's links open the print view on a step's cards or one card; printing gives just those, each
    card at the kit's size."""
    model_id = MODEL_IDS[0]
    model = models[model_id]
    t = messages("en")["cards"]
    steps = numbered_steps(model)
    step_id, cards = max(steps, key=lambda item: len(item[1]))
    assert len(cards) > 1 and len(steps) > 1  # a step of several cards, and others that must not print
    others = [question for other, items in steps if other != step_id for _, question in items]
    step_title = next(step.title for stage in model.stages for step in stage.steps if step.id == step_id)

    page, traffic = open_page(f"models/{model_id}/")
    page.get_by_role("link", name=t["step_cards_name"].format(title=shown(step_title)), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cards/{model_id}/#step-{step_id}$"))
    expect(page.locator(".cb-card-pair:visible")).to_have_count(len(cards))
    numbers, text, _ = printed_cards(page)
    assert numbers == [number for number, _ in cards]
    assert [q.text for _, q in cards if shown(q.text) not in text] == []
    assert [q.text for q in others if shown(q.text) in text] == []
    assert t["lead"] not in text and t["print"] not in text  # the page's own controls stay on screen

    number, question = cards[1]
    page.goto(f"models/{model_id}/")
    page.get_by_role("link", name=t["card_link_name"].format(n=number), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cards/{model_id}/#card-{number}$"))
    expect(page.locator(".cb-card-pair:visible")).to_have_count(1)
    numbers, text, pages = printed_cards(page)
    assert (numbers, pages) == ([number], 1)
    assert [line for line in (question.text, *question.follow_ups) if shown(line) not in text] == []
    assert shown(model.title) in text  # the back, printed beside the front
    page.emulate_media(media="print")
    for face in (".cb-card--front", ".cb-card--back"):
        size = page.locator(f"#card-{number} {face}").bounding_box()
        assert abs(size["width"] - CARD_WIDTH_MM * CSS_PX_PER_MM) < 1, face
        assert size["height"] > CARD_HEIGHT_MM * CSS_PX_PER_MM - 1, face
    # The Print button opens the browser's dialog (its script replaced here by a flag: headless has none).
    page.emulate_media(media="screen")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name=t["print"], exact=True).click()
    assert page.evaluate("window.printed") is True
    assert traffic.problems() == []


@pytest.mark.parametrize("device", ["desktop", "dark", "phone"])
def test_the_print_view_and_its_links_read_well_on_every_device(open_page, device):
    """Axe finds nothing serious on the view, every card or one (its "Show all cards" button then shown); on a
    phone, nothing sticks out sideways on the view or on the model page with its links (whose axe check is
    test_browser's)."""
    model_id = MODEL_IDS[0]
    if device == "phone":
        for path in (f"cards/{model_id}/#card-1", f"models/{model_id}/"):
            page, _ = open_page(path, device)
            assert page.evaluate(OVERFLOWING) == [], path
        return
    for path in (f"cards/{model_id}/", f"cards/{model_id}/#card-1"):
        page, _ = open_page(path, device)
        assert serious_violations(page) == [], path
