"""Large card decks: fitted and laid out in chunks of whole sheets, which make the same pages as one layout would,
written to PDF chunk by chunk and joined into the file one layout would have made.

Their peak memory in bytes is measured by `benchmarks/run.py --cards-questions 1000`; here, that it does not grow
with the deck."""

from __future__ import annotations

import gc
import io
import re
import tracemalloc

import pypdf
import pytest
import yaml

from coachbook.kits import cards
from coachbook.kits.document import RENDER_OPTIONS, kit_pdf
from coachbook.kits.joining import join_pdfs
from coachbook.kits.layouts import kit_document
from coachbook.kits.pack import pack_document, render_pack
from coachbook.model.schema import ConversationModel
from coachbook.text import normalized
from conftest import VALID

QUESTION = "What would have to be true for this to work, and who would notice it first? ({n})"
LONG = " Say what you saw, what it cost and what you would like to happen next time." * 6


def deck(count: int, long: bool = True, links: bool = False) -> ConversationModel:
    """A model of `count` questions over two stages; with `long`, every fifth is long enough to be resized or split
    (a 1,000-question deck of those has 1,600 cards); with `links`, every third links to a page (a link annotation
    on its card)."""
    data = yaml.safe_load(VALID)
    stage = data["stages"][0]
    data["stages"].append({**stage, "id": "after", "title": "Afterwards", "when": "after",
                           "steps": [{**stage["steps"][0], "id": "close", "title": "Close"}]})
    half = count // 2
    for stage, numbers in zip(data["stages"], (range(half), range(half, count)), strict=True):
        stage["steps"][0]["questions"] = [
            {"text": QUESTION.format(n=n) + (LONG if long and n % 5 == 4 else "")
             + (f" See [the notes](https://example.org/notes/{n})." if links and n % 3 == 0 else ""),
             "asked_by": "manager",
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


def structure(pdf: bytes) -> dict:
    """What a reader finds besides the page texts: the tagged structure as a screen reader finds it, checked on the
    way (every page's marked content, each /MCID of its content, is named by the page's parent tree entry, by
    elements on that page that lead up, through /P, to the one Document element and the structure tree root; each
    link annotation's key names its /Link element), the metadata, the bookmarks and the named destinations."""
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    root = reader.root_object["/StructTreeRoot"]
    [document] = root["/K"]
    document = document.get_object()
    assert document["/S"] == "/Document" and document.raw_get("/P").idnum == root.indirect_reference.idnum
    nums = root["/ParentTree"]["/Nums"]
    entries = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    for number, page in enumerate(reader.pages):
        entry = entries[page["/StructParents"]]
        marked = {int(mcid) for mcid in re.findall(rb"/MCID (\d+)", page.get_contents().get_data())}
        assert marked == set(range(len(entry))) and marked, f"page {number + 1}: marked content {sorted(marked)}"
        for mcid, element in enumerate(entry):
            element = element.get_object()
            assert pages[element.raw_get("/Pg").idnum] == number and mcid in element["/K"]
            for _ in range(50):  # up to the Document element
                element = element["/P"].get_object()
                if element is document:
                    break
            assert element is document, f"page {number + 1}: marked content {mcid} does not lead to the Document"
    annotations, keyless = [], 0
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            if "/StructParent" not in annotation.get_object():  # see test_a_pack_holding_a_chunked_deck...
                keyless += 1
                continue
            key = annotation.get_object()["/StructParent"]
            element = entries[key].get_object()
            assert element["/S"] == "/Link" and pages[element.raw_get("/Pg").idnum] == number
            assert annotation.idnum in [kid.get_object().raw_get("/Obj").idnum for kid in element["/K"]
                                        if isinstance(kid, pypdf.generic.IndirectObject)]
            annotations.append(key)
    # Down from the Document element. (WeasyPrint 70 leaves some text spans out of their parent's kids, in one
    # document as in a joined one: those are found from their marked content only, as checked above.)
    reached, pages_reached, kids = 0, set(), list(document["/K"])
    while kids:
        kid = kids.pop().get_object()
        if isinstance(kid, pypdf.generic.DictionaryObject) and kid.get("/Type") == "/StructElem":
            reached += 1
            pages_reached.add(pages[kid.raw_get("/Pg").idnum])
            kids += kid["/K"]
    assert pages_reached == set(range(len(reader.pages)))
    return {
        "StructParents": [page["/StructParents"] for page in reader.pages], "keys": sorted(entries),
        "annotations": annotations, "annotations without a key": keyless,
        "elements reached": reached, "marked content": sum(len(entries[page["/StructParents"]]) for page in reader.pages),
        "Lang": reader.root_object["/Lang"], "MarkInfo": reader.root_object["/MarkInfo"],
        "ViewerPreferences": reader.root_object["/ViewerPreferences"],
        "XMP": reader.root_object["/Metadata"].get_data(), "Info": dict(reader.metadata),
        "ID": reader.trailer["/ID"][0], "outline": outline(reader, reader.outline),
        "destinations": {name: reader.get_destination_page_number(destination)
                         for name, destination in reader.named_destinations.items()},
    }


def fonts(pdf: bytes) -> int:
    """How many fonts the pages use: each part of a joined file embeds its own subsets."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len({font.idnum for page in reader.pages for font in page["/Resources"]["/Font"].values()})


def outline(reader: pypdf.PdfReader, items: list) -> list:
    """The bookmarks, nested as they are, each as its title and page number."""
    return [outline(reader, item) if isinstance(item, list) else (item.title, reader.get_destination_page_number(item))
            for item in items]


def test_a_deck_written_in_chunks_is_the_pdf_of_one_layout():
    """The path every cards kit takes (render_kit, the site's and the command's jobs): a deck of more than
    chunk_cards cards is a Deck, each chunk laid out, written and let go before the next, the PDFs joined."""
    model = deck(20, links=True)
    whole = kit_pdf(cards.cards_document(model, "a4", "en", None), model, "cards", "a4")
    layout = cards.cards_layout(model, "a4", "en", None, chunk_cards=6)
    assert isinstance(layout, cards.Deck) and len(layout.chunks) >= 4
    joined = kit_pdf(layout, model, "cards", "a4")
    assert joined == kit_pdf(cards.cards_layout(model, "a4", "en", None, chunk_cards=6), model, "cards", "a4")
    texts = pages(joined)
    assert texts == pages(whole)
    assert fonts(joined) > fonts(whole)  # written chunk by chunk, each chunk with its own font subsets
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert ("Card fronts" if number % 2 else "Card backs") in text
    joined_tags, whole_tags = structure(joined), structure(whole)
    # Pages 0 to n - 1, then the links, numbered after the last page: one key each, as in one document.
    links = joined_tags["annotations"]
    assert len(links) >= 5 and sorted(links) == list(range(len(texts), len(texts) + len(links)))
    assert joined_tags["StructParents"] + sorted(links) == joined_tags["keys"] == list(range(len(texts) + len(links)))
    assert joined_tags == whole_tags  # the same elements, metadata, language, title and /ID
    assert joined_tags["Info"]["/Title"] == "Sample talk (Question cards)"


def test_joining_refuses_a_part_with_what_it_cannot_join():
    """Form fields (which the cards never have) need the catalog's /AcroForm: refused, never joined without it."""
    model = deck(2, long=False)
    worksheet = kit_pdf(kit_document(model, "worksheet", "a4"), model, "worksheet", "a4")
    with pytest.raises(ValueError, match="/AcroForm"):
        join_pdfs([worksheet, worksheet], b"0" * 32)


def test_a_pack_holding_a_chunked_deck_is_written_in_runs_with_the_pages_of_one_document():
    """With links in the worksheet's and the cards' questions. (WeasyPrint 70 tags a link once per box, and the
    worksheet copies share their boxes: the first copy's links get no key, and the keys of their elements name the
    last copy's links. A joined pack keeps that as one document has it.)"""
    model = deck(14, links=True)

    def layout(model: ConversationModel, kit: str):
        if kit == "cards":
            return cards.cards_layout(model, "a4", "en", None, chunk_cards=6)
        return kit_document(model, kit, "a4")

    whole = pack_document([model], "a4", 2, layout=layout)
    identifier = b"0123456789abcdef0123456789abcdef"
    one = whole.write_pdf(pdf_identifier=identifier, **{**RENDER_OPTIONS, "pdf_forms": False})  # as render_pack
    joined = render_pack([model], "a4", 2, layout=layout)
    assert joined == render_pack([model], "a4", 2, layout=layout)
    texts = pages(joined)
    assert texts == pages(one)
    assert fonts(joined) > fonts(one)  # written in runs: the deck's chunks are runs of their own
    fronts = [number for number, text in enumerate(texts, start=1) if "Card fronts" in text]
    assert fronts and all(number % 2 for number in fronts)
    joined_tags, one_tags = structure(joined), structure(one)
    assert joined_tags["StructParents"] == list(range(len(texts)))
    # The cover's, the worksheets' and the checklist's bookmarks, and the agenda's link target, on their pages.
    assert len([item for item in joined_tags["outline"] if not isinstance(item, list)]) == 2 + 2 + 1
    assert joined_tags["destinations"]
    assert joined_tags["annotations"] and joined_tags["annotations without a key"]
    assert {key: value for key, value in joined_tags.items() if key != "ID"} == {
        key: value for key, value in one_tags.items() if key != "ID"}


def peak_bytes(questions: int) -> int:
    """Python's peak allocations (WeasyPrint's boxes are Python objects) while the cards of a `questions`-question
    deck are written in chunks of 6, as render_kit writes a deck of more than CHUNK_CARDS."""
    model = deck(questions, long=False)
    gc.collect()
    tracemalloc.start()
    try:
        kit_pdf(cards.cards_layout(model, "a4", "en", None, chunk_cards=6), model, "cards", "a4")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_memory_a_deck_takes_does_not_grow_with_the_deck():
    """Two chunks, then four: the peak is about one chunk's layout, not the deck's. (Measured with six: 7.2 MiB, then
    7.7 MiB, a ratio of 1.06; before, when every chunk's pages were kept for one PDF, 10.6 MiB, then 28.1 MiB: 2.65,
    4.4 MiB a chunk, so 1.83 with four.)"""
    small_deck = deck(2)
    kit_pdf(cards.cards_document(small_deck, "a4", "en", None), small_deck, "cards", "a4")  # stylesheets and fonts
    small, large = peak_bytes(12), peak_bytes(24)
    assert large < 1.4 * small, f"{large / small:.2f}: {small / 2**20:.1f} MiB, then {large / 2**20:.1f} MiB"
