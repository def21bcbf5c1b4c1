"""No page of the worksheet, the checklist, the practice kit or a pack ends with a heading, and a heading shares its page with the first
field or item below it (a step's heading with its first question's notes): checked on WeasyPrint's layout boxes."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from coachbook.kits.catalog import PAPERS, has_kit
from coachbook.kits.layouts import kit_layout
from coachbook.kits.pack import pack_document
from coachbook.model.loader import load_model

from conftest import MODEL_FILES, REPO
from hostile import dump_yaml, hostile_model

HEADINGS = {"h1", "h2", "h3", "h4"}
KITS = ("worksheet", "checklist", "practice")  # the practice kit where the model has scenarios
MODELS = [*MODEL_FILES, "hostile"]
MODEL_NAMES = [path.stem if isinstance(path, Path) else path for path in MODELS]


def _in_flow(box) -> list:
    """The box's children, without the page's margin boxes (its running header and footer)."""
    return [child for child in getattr(box, "children", None) or [] if type(child).__name__ != "MarginBox"]


def _boxes(box):
    """The box and its descendants, in document order, margin boxes left out."""
    yield box
    for child in _in_flow(box):
        yield from _boxes(child)


def _last_heading(page_box):
    """The heading element that the last box laid out on the page (in document order) belongs to, or None."""
    box, heading = page_box, None
    while _in_flow(box):
        box = _in_flow(box)[-1]
        if box.element is not None and box.element.tag in HEADINGS:
            heading = box.element
    return heading


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def pages_ending_with_a_heading(document) -> list[tuple[int, str]]:
    """(page number, heading text) of each page whose last box belongs to a heading."""
    return [(number, _text(heading)) for number, page in enumerate(document.pages, start=1)
            if (heading := _last_heading(page._page_box)) is not None]


def headings_apart_from_their_first_item(document) -> list[str]:
    """The headings laid out on another page than the first thing to fill in or tick below them: for each section, its
    first heading and the first field (a worksheet's notes) or list item (a checklist's step) after it."""
    pages: dict[object, set[int]] = {}
    for number, page in enumerate(document.pages):
        for box in _boxes(page._page_box):
            if box.element is not None:
                pages.setdefault(box.element, set()).add(number)
    apart = []
    for section in (element for element in pages if element.tag == "section"):
        heading = next((child for child in section if child.tag in HEADINGS), None)
        if heading is None:
            continue
        after = list(section.iter())
        after = after[after.index(heading) + 1:]
        item = next((element for element in after if element.tag in ("textarea", "li")), None)
        if item is not None and not pages[heading] & pages[item]:
            apart.append(_text(heading))
    return apart


@functools.cache
def _model(name: str, folder: Path):
    if name != "hostile":
        return load_model(REPO / "models" / f"{name}.yaml")
    path = folder / "hostile.yaml"
    path.write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    return load_model(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headings")
    return lambda name: _model(name, folder)


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_no_kit_page_ends_with_a_heading_and_each_step_keeps_its_first_field(models, name, paper):
    model = models(name)
    for kit in (kit for kit in KITS if has_kit(model, kit)):
        document = kit_layout(model, kit, paper)
        assert pages_ending_with_a_heading(document) == [], f"{kit}: a page ends with a heading"
        assert headings_apart_from_their_first_item(document) == [], f"{kit}: a heading apart from its first item"


@pytest.mark.parametrize("paper", PAPERS)
def test_no_page_of_a_packs_cover_and_agenda_ends_with_a_heading(models, paper):
    """The pack's other pages are the kits' own layouts (tested above): its cover and agenda, for every model at once,
    which run over several pages."""
    everything = [models(name) for name in MODEL_NAMES]
    cover = pack_document(everything, paper, layout=lambda model, kit: _NoKits())
    assert len(cover.pages) > 2
    assert pages_ending_with_a_heading(cover) == []
    assert headings_apart_from_their_first_item(cover) == []


class _NoKits:
    """A kit without pages: the pack made of its cover and agenda alone."""

    pages: list = []
