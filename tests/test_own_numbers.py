"""A step title that brings its own number ("Step 1: ...") is not numbered or labelled again, in the kits and on the
site; any other title is."""

from __future__ import annotations

import pytest
import yaml
from bs4 import BeautifulSoup

from coachbook.kits.layouts import kit_html
from coachbook.kits.pack import pack_document
from coachbook.model.loader import load_model
from coachbook.site.pages import PageRenderer
from coachbook.text import numbers_itself, normalized

from conftest import VALID, write_model


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Two steps: one numbering itself, one not."""
    data = yaml.safe_load(VALID)
    steps = data["stages"][0]["steps"]
    steps[0]["title"] = "Step 1: Open the talk"
    steps.append({"id": "close", "title": "Close the talk", "purpose": "End with a clear next step.",
                  "questions": [{"text": "What will you do first?", "asked_by": "manager"}]})
    folder = tmp_path_factory.mktemp("numbers")
    return load_model(write_model(folder / "sample.yaml", yaml.safe_dump(data, sort_keys=False)))


@pytest.mark.parametrize("title, numbered", [
    ("Step 3: Explain why", True), ("3. Ask", True), ("Stage 2 - Plan", True), ("2) Agree", True),
    ("Schritt 1: Öffnen", True), ("Étape 2 : Écouter", True), ("Paso 4: Cerrar", True), ("*Step 3:* Ask", True),
    ("3 things to ask", False), ("1:1 preparation", False), ("1.5 hours of practice", False), ("Stepping up", False),
])
def test_a_title_numbers_itself(title, numbered):
    assert numbers_itself(title) is numbered


def test_the_worksheet_numbers_only_the_titles_without_a_number(model):
    soup = BeautifulSoup(kit_html(model, "worksheet", "a4"), "html.parser")
    titles = [normalized(h3.get_text(" ")) for h3 in soup.select("h3.step-title")]
    assert titles == ["Step 1: Open the talk", "2. Close the talk"]


def test_cards_label_only_the_titles_without_a_number(model):
    soup = BeautifulSoup(kit_html(model, "cards", "a4"), "html.parser")
    labels = {normalized(p.get_text(" ")) for p in soup.select("p.card-step")}
    assert labels == {"Step 1: Open the talk", "Step: Close the talk"}
    page = BeautifulSoup(PageRenderer().cards_page(model, "../"), "html.parser")
    assert {normalized(p.get_text(" ")) for p in page.select("p.cb-card-step-name")} == labels


def test_the_agenda_and_the_model_pages_outline_do_not_number_a_numbered_title_again(model):
    """Checked on the agenda's layout: the step that numbers itself has no list marker, the other has its own."""
    cover = pack_document([model], "a4", layout=lambda model, kit: type("NoKit", (), {"pages": []})())
    boxes = [box for page in cover.pages for box in _boxes(page._page_box)]
    [steps] = {box.element for box in boxes if box.element is not None and box.element.get("class") == "agenda-steps"}
    marked = {box.element for box in boxes if box.element_tag == "li::marker"}
    assert [item in marked for item in steps] == [False, True]
    page = BeautifulSoup(PageRenderer().model_page(model), "html.parser")
    assert [li.get("class") for li in page.select(".cb-outline ol li")] == [["cb-own-number"], None]
