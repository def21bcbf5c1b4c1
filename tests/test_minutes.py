"""Minutes per step: every shipped model is timed, and its page, worksheet, guide and pack show the minutes;
the source credit says "in our own words" once."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.i18n import DEFAULT_LANGUAGE, duration_text, messages
from coachbook.kits.catalog import KITS, PAPERS, has_kit, kit_filename, kit_papers
from coachbook.model.loader import load_model
from coachbook.kits.catalog import pack_filename
from coachbook.text import normalized, plain_text
from conftest import MODEL_FILES, REPO, TRANSLATIONS
from pdf_texts import pdf_text

pytestmark = pytest.mark.usefixtures("built_site")

# Every shipped model file: (id, translation language or None for an original).
SHIPPED = [(path.stem, None) for path in MODEL_FILES] + list(TRANSLATIONS)
SHIPPED_IDS = [f"{model_id}.{language}" if language else model_id for model_id, language in SHIPPED]
every_shipped = pytest.mark.parametrize(("model_id", "language"), SHIPPED, ids=SHIPPED_IDS)

# How each language says the credit's "in our own words" (the catalog's own_words sentence holds it).
OWN_WORDS = {"en": re.compile(r"\bour own words"), "de": re.compile(r"\beigenen Worten")}


@functools.cache
def shipped_model(model_id: str, language: str | None):
    return load_model(REPO / "models" / (f"{language}/{model_id}.yaml" if language else f"{model_id}.yaml"))


def during_steps(model):
    return [step for stage in model.stages if stage.when == "during" for step in stage.steps]


def page_of(root: Path, model_id: str, language: str | None) -> BeautifulSoup:
    folder = root / language if language else root
    return BeautifulSoup((folder / "models" / model_id / "index.html").read_text(encoding="utf-8"), "html.parser")


def kit_of(root: Path, model_id: str, kit: str, paper: str, language: str | None) -> Path:
    name = pack_filename([model_id], paper) if kit == "pack" else kit_filename(model_id, kit, paper)
    if language:
        name = name.removesuffix(".pdf") + f".{language}.pdf"
    return root / "kits" / model_id / name


def shows_minutes(text: str, title: str, length: str) -> bool:
    """Whether a title is followed by its length (after the dot that sets them apart)."""
    return re.search(re.escape(normalized(plain_text(title))) + r"\s*\u00b7?\s*" + re.escape(length), text) is not None


# --- every shipped model is timed -----------------------------------------------------------------


@every_shipped
def test_every_step_during_the_conversation_has_minutes_adding_up_to_the_duration(model_id, language):
    model = shipped_model(model_id, language)
    assert model.duration_minutes is not None, "every shipped model says how long it takes"
    steps = during_steps(model)
    assert [step.id for step in steps if step.minutes is None] == []
    assert sum(step.minutes for step in steps) == model.duration_minutes


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_a_shipped_translation_keeps_its_originals_timings(model_id, language):
    original, translation = shipped_model(model_id, None), shipped_model(model_id, language)
    assert translation.duration_minutes == original.duration_minutes
    assert [(s.id, s.minutes) for s in during_steps(translation)] == [(s.id, s.minutes) for s in during_steps(original)]


def test_the_care_model_gives_its_first_session_the_hour_its_source_gives():
    assert shipped_model("performance-connection-care", None).duration_minutes == 60


# --- the model page -------------------------------------------------------------------------------


@every_shipped
def test_the_model_page_shows_each_steps_minutes_and_each_stages_total(built_site, model_id, language):
    model, soup = shipped_model(model_id, language), page_of(built_site.root, model_id, language)
    t = messages(language or DEFAULT_LANGUAGE)
    outline = soup.select_one("ol.cb-outline")
    for stage in model.stages:
        heading = soup.find(id=stage.id)
        shown = heading.find_next_sibling("p", class_="cb-minutes--stage")
        in_outline = outline.select_one(f'a[href="#{stage.id}"] ~ .cb-minutes--stage')
        if stage.minutes is None:
            assert in_outline is None
            continue
        total = normalized(t["site"]["stage_minutes"].format(length=duration_text(stage.minutes, t.language)))
        assert shown is not None and normalized(shown.get_text()) == total, f"stage {stage.id}"
        assert in_outline is not None and normalized(in_outline.get_text()) == total
        for step in stage.steps:
            length = duration_text(step.minutes, t.language)
            under_heading = soup.find(id=step.id).find_next_sibling()
            assert under_heading.name == "p" and "cb-minutes" in under_heading["class"], f"step {step.id}"
            assert normalized(under_heading.get_text()) == length
            beside_link = outline.select_one(f'a[href="#{step.id}"] + .cb-minutes')
            assert beside_link is not None and normalized(beside_link.get_text()) == length


def test_a_step_of_one_minute_says_minute():
    assert [duration_text(minutes, "en") for minutes in (1, 5, 60, 75, None)] == [
        "1 minute", "5 minutes", "1 hour", "1 h 15 min", "As long as it needs"]


def test_kits_write_a_length_in_short_and_the_agenda_its_start_as_a_clock():
    assert [duration_text(minutes, "en", "short") for minutes in (1, 45, 60, 90)] == ["1 min", "45 min", "1 h", "1 h 30 min"]
    assert [duration_text(minutes, "de", "clock") for minutes in (0, 5, 60, 135)] == ["0:00", "0:05", "1:00", "2:15"]


# --- the kits and the pack ------------------------------------------------------------------------


@every_shipped
@pytest.mark.parametrize("kit", ["worksheet", "guide"])
@pytest.mark.parametrize("paper", PAPERS)
def test_the_worksheet_and_the_guide_show_each_steps_minutes_and_each_stages_total(built_site, model_id, language,
                                                                                 kit, paper):
    model, lang = shipped_model(model_id, language), language or DEFAULT_LANGUAGE
    text = pdf_text(kit_of(built_site.root, model_id, kit, paper, language))
    missing = [step.title for step in during_steps(model)
               if not shows_minutes(text, step.title, duration_text(step.minutes, lang, "short"))]
    assert missing == []
    for stage in model.stages:
        if stage.minutes is not None:
            total = messages(lang)["kit"]["stage_minutes"].format(length=duration_text(stage.minutes, lang, "short"))
            assert shows_minutes(text, stage.title, total), f"stage {stage.id}"


@every_shipped
def test_the_packs_agenda_lists_each_step_with_its_minutes(built_site, model_id, language):
    model, lang = shipped_model(model_id, language), language or DEFAULT_LANGUAGE
    agenda = pdf_text(kit_of(built_site.root, model_id, "pack", "a4", language), slice(1, 3))
    assert agenda.startswith(messages(lang)["pack"]["agenda"])
    missing = [step.title for step in during_steps(model)
               if not shows_minutes(agenda, step.title, duration_text(step.minutes, lang, "short"))]
    assert missing == []


# --- "in our own words", once ---------------------------------------------------------------------


@every_shipped
def test_the_model_page_says_in_our_own_words_once(built_site, model_id, language):
    soup = page_of(built_site.root, model_id, language)
    phrase = OWN_WORDS[language or DEFAULT_LANGUAGE]
    assert len(phrase.findall(normalized(soup.select_one("p.cb-source").get_text()))) == 1
    if not language:  # German guidance may well ask someone to sum up "in eigenen Worten"
        assert len(phrase.findall(normalized(soup.select_one("article").get_text()))) == 1


@pytest.mark.parametrize(("model_id", "language", "kit"), [
    (model_id, language, kit) for model_id, language in SHIPPED for kit in [*KITS, "pack"]
    if kit == "pack" or has_kit(load_model(REPO / "models" / f"{model_id}.yaml"), kit)])
def test_each_kit_says_in_our_own_words_at_most_once_and_the_ones_with_a_source_block_say_it(built_site, model_id,
                                                                                           language, kit):
    """The worksheet carries the source block (in a pack too: the site's pack holds one copy); cards, checklist and
    guide only the one-line credit, and the pack's cover leaves the sentence to each worksheet."""
    text = pdf_text(kit_of(built_site.root, model_id, kit, kit_papers(kit)[0], language))
    expected = 1 if kit in ("worksheet", "pack") else 0
    assert len(OWN_WORDS[language or DEFAULT_LANGUAGE].findall(text)) == expected
