"""Print kits: every kit of every model, on both papers, holds what the contract promises."""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import pypdf
import pytest
import yaml

from coachbook.kits import cards as kit_cards, fetcher
from coachbook.kits.document import source_credit
from coachbook.model import schema
from coachbook.kits.layouts import kit_document, render_kit
from coachbook.kits.catalog import (BLEED_MM, DECK, DECK_SIZES_MM, DEFAULT_DECK_SIZE, KITS, PAPERS, has_kit,
                                    kit_date, kit_filename, kit_papers, model_kit_papers)
from coachbook.model.loader import load_model
from coachbook.text import normalized, plain_text

import pdf_texts
from card_boxes import assert_cards_fit
from conftest import MODEL_IDS, REPO, TRANSLATIONS, build_ahead, session_build, session_command  # found at collection time: a new model file is covered with no change here

PAGE_SIZES_PT = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}

HOSTILE = (
    "<script>alert(1)</script> <img src=file:///etc/passwd> [x](javascript:alert(1))"
    " <a href='javascript:alert(2)'>y</a> <style>@import url(file:///etc/passwd);</style>"
    " ![i](file:///etc/passwd)"
)


@functools.cache
def model(model_id: str):
    return load_model(REPO / "models" / f"{model_id}.yaml")


@build_ahead("kits_dir")
def build_every_kit(out: Path, cache: Path) -> None:
    command = [sys.executable, str(REPO / "build_kits.py"), "build", "--out", str(out), "--quiet"]
    result = session_command(command, REPO, cache)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def kits_dir(tmp_path_factory) -> Path:
    """Every kit of every model, built once per run by the real command."""
    return session_build(tmp_path_factory, "kits_dir")[0]


def kit_path(kits_dir: Path, model_id: str, kit: str, paper: str, section: str | None = None) -> Path:
    return kits_dir / model_id / kit_filename(model_id, kit, paper, section)


def page_texts(path: Path) -> tuple[str, ...]:
    """The normalized text pypdf extracts from each page."""
    return tuple(normalized(text) for text in pdf_texts.page_texts(path))


def line_ends_joined(text: str) -> str:
    """Text with a line broken after a hyphen joined again, and automatic hyphenation (U+2010) undone: the deck's
    narrow card breaks `lower-risk` and a translation's long words where a sheet card does not."""
    return re.sub("-\\s+", "-", re.sub("\u2010\\s*", "", text))


def required_texts(kit: str, conversation) -> list[str]:
    """The texts the contract requires to be found in one kit."""
    texts = [conversation.title]
    if kit == "worksheet":
        for stage in conversation.stages:
            texts.append(stage.title)
            for step in stage.steps:
                texts += [step.title, step.purpose] + [question.text for question in step.questions]
    elif kit in ("cards", DECK):
        for _, _, question in conversation.questions():
            texts += [question.text, *question.follow_ups]
    elif kit == "checklist":
        for stage in conversation.stages:
            for step in stage.steps:
                texts += [step.title, *step.checklist]
    elif kit == "practice":
        texts += [step.title for stage in conversation.stages if stage.when == "during" for step in stage.steps]
        for scenario in conversation.practice:
            texts += [scenario.title, scenario.situation, scenario.roles.manager, scenario.roles.employee,
                      *scenario.observe]
    return [normalized(plain_text(text)) for text in texts]


every_kit = pytest.mark.parametrize("paper", PAPERS)
every_model = pytest.mark.parametrize("model_id", MODEL_IDS)
# Each model's kits on their papers, the deck on its card size (it has no paper); the practice kit only for a model
# with scenarios.
every_kit_file = pytest.mark.parametrize("model_id, kit, paper", [
    (model_id, kit, paper) for model_id in MODEL_IDS for kit, paper in model_kit_papers(model(model_id))])
every_paper_kit = pytest.mark.parametrize("model_id, kit, paper", [
    (model_id, kit, paper) for model_id in MODEL_IDS for kit, paper in model_kit_papers(model(model_id)) if kit != DECK])


def points(millimetres: float) -> float:
    return millimetres / 25.4 * 72


def test_there_are_models_to_test():
    assert MODEL_IDS, "no models/*.yaml found"


@every_kit_file
def test_kit_renders_every_required_text(kits_dir, model_id, kit, paper):
    path = kit_path(kits_dir, model_id, kit, paper)
    assert path.is_file(), f"missing {path.name}"
    reader = pypdf.PdfReader(path)
    width, height = PAGE_SIZES_PT.get(paper) or [points(side + 2 * BLEED_MM) for side in DECK_SIZES_MM[paper]]
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - width) <= 1 and abs(float(page.mediabox.height) - height) <= 1
    text = line_ends_joined(" ".join(page_texts(path)))
    missing = [wanted for wanted in required_texts(kit, model(model_id)) if line_ends_joined(wanted) not in text]
    assert not missing, f"{path.name} lacks: {missing[:5]}"


@every_paper_kit
def test_every_page_carries_title_and_source_credit(kits_dir, model_id, kit, paper):
    conversation = model(model_id)
    title = normalized(plain_text(conversation.title))
    credit = normalized(source_credit(conversation))
    for number, text in enumerate(page_texts(kit_path(kits_dir, model_id, kit, paper)), start=1):
        assert title in text, f"page {number} lacks the model title"
        assert credit in text, f"page {number} lacks the source credit"


@every_model
@every_kit
def test_guide_is_exactly_one_page(kits_dir, model_id, paper):
    assert len(pypdf.PdfReader(kit_path(kits_dir, model_id, "guide", paper)).pages) == 1


@every_model
@every_kit
def test_worksheet_has_a_fillable_field_per_question(kits_dir, model_id, paper):
    fields = pypdf.PdfReader(kit_path(kits_dir, model_id, "worksheet", paper)).get_fields() or {}
    names = set(fields)
    assert {"manager", "employee", "date"} <= names
    answers = [name for name in names if "--q" in name]
    assert len(answers) == model(model_id).question_count


@every_model
@every_kit
def test_cards_have_backs_that_mirror_the_fronts(kits_dir, model_id, paper):
    conversation = model(model_id)
    texts = page_texts(kit_path(kits_dir, model_id, "cards", paper))
    assert len(texts) % 2 == 0, "a front sheet without its back"
    for back in texts[1::2]:
        assert "Card backs" in back and normalized(plain_text(conversation.title)) in back
    stages = {normalized(plain_text(stage.title)) for stage in conversation.stages if any(s.questions for s in stage.steps)}
    assert all(any(stage in back for back in texts[1::2]) for stage in stages)


@pytest.mark.parametrize("model_id, section", [(model_id, None) for model_id in MODEL_IDS] + TRANSLATIONS)
def test_the_deck_is_one_card_and_its_bleed_a_page_each_front_then_its_back(kits_dir, model_id, section):
    """`<id>-deck.pdf`: a title card and its back, then each question's front and back (shipped models split no card),
    every page's MediaBox and BleedBox the card and its 3 mm bleed, its TrimBox the card; each question on its front."""
    path = kit_path(kits_dir, model_id, DECK, DEFAULT_DECK_SIZE, section)
    assert path.name == f"{model_id}-deck{f'.{section}' if section else ''}.pdf"
    conversation = load_model(REPO / "models" / (f"{section}/" if section else "") / f"{model_id}.yaml")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 2 * (conversation.question_count + 1)
    card = [points(side) for side in DECK_SIZES_MM[DEFAULT_DECK_SIZE]]
    bled = [side + 2 * points(BLEED_MM) for side in card]
    for number, page in enumerate(reader.pages, start=1):
        for name, box, (width, height) in (("MediaBox", page.mediabox, bled), ("TrimBox", page.trimbox, card),
                                           ("BleedBox", page.bleedbox, bled)):
            assert float(box.width) == pytest.approx(width, abs=0.01), f"page {number}: {name}"
            assert float(box.height) == pytest.approx(height, abs=0.01), f"page {number}: {name}"
        # The trim centred in the page: the bleed is as wide on every side.
        assert float(page.trimbox.left) - float(page.mediabox.left) == pytest.approx(points(BLEED_MM), abs=0.01)
        assert float(page.trimbox.bottom) - float(page.mediabox.bottom) == pytest.approx(points(BLEED_MM), abs=0.01)
    texts = [line_ends_joined(text) for text in page_texts(path)]
    assert line_ends_joined(normalized(plain_text(conversation.title))) in texts[0]
    for number, (_, _, question) in enumerate(conversation.questions()):
        front = texts[2 + 2 * number]
        wanted = [line_ends_joined(normalized(plain_text(text))) for text in [question.text, *question.follow_ups]]
        assert all(text in front for text in wanted), f"page {3 + 2 * number} lacks question {number + 1}"


def test_card_fitting_measures_every_front_card():
    """The fitting loop sizes cards by how full they are; a card it cannot see is never shrunk on purpose."""
    document = kit_document(model(MODEL_IDS[0]), "cards", "a4")
    ratios = kit_cards._fill_ratios(document)
    assert sorted(ratios) == list(range(len(ratios))) and len(ratios) >= model(MODEL_IDS[0]).question_count
    assert all(0 < ratio <= 1.0 for ratio in ratios.values()), ratios


def test_a_very_long_question_wraps_or_continues_without_overflow(tmp_path):
    long_text = "What would have to be true, " * 180 + "for this to work?"  # about 5,000 characters
    assert len(long_text) > 5000
    follow_ups = [f"A follow-up that asks for one more concrete example, number {n}?" for n in range(12)]
    conversation = write_model(tmp_path, "long-card", question=long_text, follow_ups=follow_ups)
    document = kit_document(conversation, "cards", "letter")
    assert assert_cards_fit(document) > 2  # split onto continuation cards
    assert kit_cards.card_overflows(document) == {}


@pytest.mark.parametrize("paper", PAPERS)
def test_guide_of_a_500_question_model_fits_one_page(tmp_path, paper):
    stages = [
        {"id": f"stage-{s}", "title": f"Stage {s}", "when": ("before", "during", "after")[s % 3],
         "steps": [{"id": f"step-{s}-{t}", "title": f"Step {t} of stage {s}", "purpose": "Why this step matters.",
                    "questions": [{"text": f"Question {q} of step {t}, stage {s}?", "asked_by": "manager"}
                                  for q in range(10)]} for t in range(10)]}
        for s in range(5)
    ]
    conversation = write_model(tmp_path, "five-hundred", stages=stages)
    assert conversation.question_count == 500
    pdf = render_kit(conversation, "guide", paper)
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf)
    texts = page_texts(path)
    assert len(texts) == 1
    assert "more questions in the full model" in texts[0]


def kits_in_turn() -> list[tuple[str, str]]:
    """One kit per model, taking the kits in turn (each model's own: the practice kit only where it has scenarios)."""
    turns = []
    for n, model_id in enumerate(MODEL_IDS):
        kits = [kit for kit in KITS if has_kit(model(model_id), kit)]
        turns.append((model_id, kits[n % len(kits)]))
    return turns


@pytest.mark.parametrize("model_id, kit", kits_in_turn())
def test_same_input_gives_identical_bytes(kits_dir, model_id, kit):
    """The build (another process) and this process render the same bytes (one kit per model, in turn)."""
    # Dated as the build dates it: by its model file (or SOURCE_DATE_EPOCH).
    date = kit_date([(REPO / "models" / f"{model_id}.yaml").stat().st_mtime_ns // 10**9])
    [paper] = kit_papers(kit, ["a4"])
    assert render_kit(model(model_id), kit, paper, date=date) == kit_path(kits_dir, model_id, kit, paper).read_bytes()


def test_source_date_epoch_sets_the_pdf_dates(monkeypatch):
    conversation = model(MODEL_IDS[0])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = render_kit(conversation, "checklist", "a4")
    assert first == render_kit(conversation, "checklist", "a4")
    info = pypdf.PdfReader(_bytes_io(first)).metadata
    assert info["/CreationDate"].startswith("D:20231114")
    assert info["/Author"] == (plain_text(conversation.source.author) if conversation.source.author else "Coachbook")
    assert normalized(plain_text(conversation.title)) in info["/Title"]


def test_kit_pdfs_are_tagged_with_language():
    reader = pypdf.PdfReader(_bytes_io(render_kit(model(MODEL_IDS[0]), "guide", "letter")))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_fonts_are_embedded_and_subset():
    reader = pypdf.PdfReader(_bytes_io(render_kit(model(MODEL_IDS[0]), "checklist", "a4")))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [str(font.get_object()["/BaseFont"]) for font in fonts.values()]
    assert names and all("+" in name and "Coachbook" in name for name in names), names


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.css",
    "https://example.com/font.otf",
    "data:text/css,body{}",
    fetcher.ASSETS_URL + "../kits.py",
    fetcher.ASSETS_URL + "fonts/missing.otf",
])
def test_fetcher_refuses_anything_but_package_assets(url):
    with pytest.raises(fetcher.RefusedURL):
        fetcher.FETCHER.fetch(url)


def test_fetcher_serves_package_assets():
    assert fetcher.FETCHER.fetch(fetcher.ASSETS_URL + "kits.css").read().startswith(b"/*")


@pytest.mark.parametrize("kit", KITS)
def test_hostile_text_is_shown_never_run_or_fetched(tmp_path, monkeypatch, kit):
    # Validation refuses such links (see tests/invalid_models/link-*); switched off here, so that
    # the renderer's own defence is what is tested.
    monkeypatch.setattr(schema, "link_targets", lambda text: [])
    conversation = write_model(tmp_path, "hostile", question=HOSTILE, follow_ups=[HOSTILE], text=HOSTILE)
    path = tmp_path / f"{kit}.pdf"
    [paper] = kit_papers(kit, ["a4"])
    path.write_bytes(render_kit(conversation, kit, paper))
    reader = pypdf.PdfReader(path)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            assert "/JS" not in action and action.get("/S") != "/JavaScript"
            assert not str(action.get("/URI", "")).lower().startswith(("javascript", "file", "data"))
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            assert xobject.get_object().get("/Subtype") != "/Image", "an image was fetched"
    assert "/JavaScript" not in reader.trailer["/Root"].get("/Names", {})
    assert "<script>alert(1)</script>" in " ".join(page_texts(path))


def write_model(folder: Path, model_id: str, *, question: str = "What went well?", follow_ups=(),
                text: str = "Plain text.", stages=None):
    """A small valid model file, loaded through the real loader."""
    data = {
        "id": model_id, "title": f"Test model {text}", "summary": text,
        "source": {"title": f"Test source {text}", "author": "A. Author", "note": text},
        "led_by": "manager", "cadence": text, "use_when": [text], "avoid_when": [text],
        "stages": stages or [{
            "id": "talk", "title": f"Talk {text}", "when": "during", "summary": text,
            "steps": [{"id": "ask", "title": f"Ask {text}", "purpose": text, "guidance": text,
                       "questions": [{"text": question, "asked_by": "manager", "follow_ups": list(follow_ups)}],
                       "phrases": [text], "pitfalls": [text], "checklist": [text]}],
        }],
        "practice": [{"id": "play", "title": f"Play {text}", "situation": text,
                      "roles": {"manager": text, "employee": text}, "observe": [text]}],
    }
    path = folder / f"{model_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_model(path)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)
