"""Who asks a question, on every site page that says it: a self question is labelled by when its stage comes."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from coachbook.i18n import messages
from coachbook.site.pages import PageRenderer
from coachbook.text import normalized
from conftest import MODEL_IDS, TRANSLATIONS

LANGUAGES = ("en", "de", "fr", "es")


def expected_askers(model, language: str) -> list[str]:
    """Each question's asker label in model order, as the site should say it in `language`."""
    t = messages(language)
    return [normalized(t["asked_self"][stage.when] if question.asked_by == "self" else t["asked_by"][question.asked_by])
            for stage, _, question in model.questions()]


def askers(html: str, selector: str) -> list[str]:
    return [normalized(label.get_text()) for label in BeautifulSoup(html, "html.parser").select(selector)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_self_questions_say_before_or_after_the_talk_in_every_language(language):
    t = messages(language)
    # Three different labels (a reflection before the talk is not one after it), none of them the old "beforehand" one
    # on every self question; "during" says what the kits say.
    assert len({t["asked_self"][when] for when in ("before", "during", "after")}) == 3
    assert t["asked_self"]["during"] == t["kit"]["asked_by"]["self"] == t["asked_by"]["self"]


def test_the_shipped_models_have_self_questions_before_and_after_the_talk(models):
    """The built-site test below proves something only while a shipped model asks itself before and after a talk."""
    whens = {stage.when for model in models.values() for stage, _, question in model.questions() if question.asked_by == "self"}
    assert {"before", "after"} <= whens


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_that_shows_askers_labels_self_questions_by_when_in_every_language(models, language):
    model = models["rci-performance-coaching"]  # self questions before the talk and after it
    renderer = PageRenderer(language)
    expected = expected_askers(model, language)
    assert askers(renderer.model_page(model), "li.cb-question .cb-asker") == expected
    assert askers(renderer.run_page(model, "../"), "li.cb-run-step .cb-asker") == expected
    assert askers(renderer.question_bank([model], lambda target: target), "li.cb-question .cb-asker") == expected


@pytest.mark.parametrize(("model_id", "language"), [(m, None) for m in MODEL_IDS] + TRANSLATIONS)
def test_the_built_site_labels_self_questions_by_when(built_site, models, model_id, language):
    model = models[model_id]  # a translation has its original's stages and askers
    folder = built_site.root / (language or "")
    expected = expected_askers(model, language or "en")
    page = (folder / "models" / model_id / "index.html").read_text(encoding="utf-8")
    assert askers(page, "li.cb-question .cb-asker") == expected
    run = (folder / "run" / model_id / "index.html").read_text(encoding="utf-8")
    assert askers(run, "li.cb-run-step .cb-asker") == expected
    bank = BeautifulSoup((folder / "questions" / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = [item for item in bank.select("li.cb-question")
             if f"models/{model_id}/" in item.select_one("a.cb-bank-meta")["href"]]
    assert [normalized(item.select_one(".cb-asker").get_text()) for item in items] == expected
