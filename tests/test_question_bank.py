"""The question bank's filters (by conversation, stage, who asks and words): the built page, and the filters at work
in Chromium, kept in the address, counted, folded on a phone, in a translation, and the full list without a script."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from browser import DESKTOP, OVERFLOWING, expect, serious_violations
from coachbook.i18n import messages
from coachbook.model.loader import load_library
from coachbook.site.pages import labels
from coachbook.text import plain_text
from conftest import REPO

LIBRARY = load_library([REPO / "models"])
SECTIONS = {None: list(LIBRARY.models), **{folder: list(models.values()) for folder, models in LIBRARY.translations.items()}}
"""Each question bank's models: the originals' (None) and each translation's, by its folder."""
SMALL_PHONE = {"width": 360, "height": 740}

VISIBLE = "() => [...document.querySelectorAll('li.cb-question')].filter(item => !item.closest('[hidden]')).length"
SHOWN_TEXTS = """() => [...document.querySelectorAll('li.cb-question')].filter(item => !item.closest('[hidden]'))
    .map(item => item.querySelector('.cb-question-text').textContent + ' ' +
                 [...item.querySelectorAll('.cb-follow-ups li')].map(li => li.textContent).join(' '))"""
ALL_TEXTS = SHOWN_TEXTS.replace(".filter(item => !item.closest('[hidden]'))", "")


def bank_path(folder: str | None) -> str:
    return f"{folder}/questions/" if folder else "questions/"


def total(folder: str | None) -> int:
    return sum(model.question_count for model in SECTIONS[folder])


def counted(folder: str | None, shown: int) -> str:
    return messages(folder or "en")["site"].count("bank_shown", total(folder), shown=shown)


def expected(folder: str | None, model: str = "", when: str = "", asker: str = "") -> int:
    return sum(1 for m in SECTIONS[folder] if not model or m.id == model for stage, _, question in m.questions()
               if (not when or stage.when == when) and (not asker or question.asked_by == asker))


def folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


# --- the built page ---------------------------------------------------------------------------


@pytest.mark.parametrize("folder", SECTIONS)
def test_the_built_bank_carries_its_filters_in_its_language(built_site, folder):
    soup = BeautifulSoup((built_site.root / bank_path(folder) / "index.html").read_text(encoding="utf-8"), "html.parser")
    lang = folder or "en"
    t, choices = messages(lang)["site"], labels(lang)
    models = SECTIONS[folder]
    form = soup.select_one("form#cb-bank-filters")
    assert form is not None and not form.has_attr("hidden")  # its room is kept by the stylesheet (see coachbook.css)
    assert [label.get_text(strip=True) for label in form.select("label[for]")] == [t["bank_words"], t["bank_model"]]
    assert [legend.get_text(strip=True) for legend in form.select("legend")] == [t["bank_when"], t["bank_asker"]]
    options = form.select('select[name="model"] option')
    assert [(o["value"], o.get_text()) for o in options] == [("", t["bank_model_any"])] + [
        (m.id, plain_text(m.title)) for m in models]
    for name, any_label, named in (("when", t["bank_when_any"], choices["when"]),
                                   ("asker", t["bank_asker_any"], choices["asked_by"])):
        radios = form.select(f'input[type="radio"][name="{name}"]')
        assert [(r["value"], r.parent.get_text(strip=True)) for r in radios] == [("", any_label), *named.items()]
    assert form.select_one(".cb-bank-toggle").get_text(strip=True) == t["bank_filter"]
    count = form.select_one("#cb-bank-count")
    assert count["role"] == "status" and count["aria-live"] == "polite"
    assert count.get_text() == counted(folder, total(folder))
    # The legend of who asks is the filter now: no chips outside the questions that look like buttons and do nothing.
    assert soup.select("article .cb-asker:not(li.cb-question .cb-asker)") == []

    # What the script filters on: each question's asker, each stage's model and stage, each model's heading.
    items = soup.select("li.cb-question")
    assert len(items) == total(folder)
    assert all(f"cb-asker--{item['data-cb-asker']}" in item.select_one(".cb-asker")["class"] for item in items)
    for model in models:
        assert soup.select_one(f'p.cb-bank-model[data-cb-model="{model.id}"]') is not None
        assert soup.find(id=model.id).name == "h2"
        for when in choices["when"]:
            stages = soup.select(f'.cb-bank-stage[data-cb-model="{model.id}"][data-cb-when="{when}"]')
            assert sum(len(stage.select("li.cb-question")) for stage in stages) == expected(folder, model.id, when)

    data = json.loads(soup.select_one("script#cb-bank-data[type='application/json']").string)
    chooser = messages(lang)["chooser"]
    assert data == {"language": lang, "shown": dict(t["bank_shown"]),
                    "words": {"stop": chooser["stop_words"].split(), "endings": chooser["word_endings"].split()}}
    scripts = [script["src"].rsplit("/", 1)[-1] for script in soup.select("script[src]")]
    assert scripts.index("words.js") < scripts.index("bank.js") and scripts.index("words.js") < scripts.index("chooser.js")


# --- in Chromium ------------------------------------------------------------------------------


def bank_ready(page) -> None:
    expect(page.locator("form.cb-bank-filters--ready")).to_be_visible()


def expect_shown(page, folder: str | None, shown: int) -> None:
    expect(page.locator("#cb-bank-count")).to_have_text(counted(folder, shown))
    assert page.evaluate(VISIBLE) == shown


def test_each_filter_narrows_the_list_and_the_address_keeps_it(open_page):
    page, traffic = open_page(bank_path(None))
    bank_ready(page)
    expect_shown(page, None, total(None))
    model = "okr-progress-update"

    page.locator("#cb-bank-model").select_option(model)
    expect_shown(page, None, expected(None, model))
    # The other conversations go with their headings; this one's stays.
    assert page.evaluate("() => [...document.querySelectorAll('article h2')].filter(h => !h.hidden).map(h => h.id)") == [model]
    page.get_by_role("radio", name=labels("en")["when"]["during"]).check()
    expect_shown(page, None, expected(None, model, "during"))
    page.get_by_role("radio", name=labels("en")["asked_by"]["manager"]).check()
    narrowed = expected(None, model, "during", "manager")
    assert 0 < narrowed < expected(None, model, "during")
    expect_shown(page, None, narrowed)
    assert parse_qs(urlsplit(page.url).query) == {"model": [model], "when": ["during"], "asker": ["manager"]}

    page.reload()
    bank_ready(page)
    expect_shown(page, None, narrowed)
    expect(page.locator("#cb-bank-model")).to_have_value(model)
    expect(page.get_by_role("radio", name=labels("en")["asked_by"]["manager"])).to_be_checked()
    assert serious_violations(page) == []

    page.locator("button.cb-bank-reset").click()
    expect_shown(page, None, total(None))
    assert urlsplit(page.url).query == ""

    # Words: capitals, accents and endings do not matter, and every question with the word is shown.
    box = page.locator("#cb-bank-q")
    box.fill("feedback")  # filtered at once: the count follows when the reader pauses
    plain = page.evaluate(SHOWN_TEXTS)
    with_the_word = [text for text in page.evaluate(ALL_TEXTS) if "feedback" in text.lower()]
    assert with_the_word and set(with_the_word) <= set(plain) and len(plain) < total(None)
    assert all("feed" in folded(text) for text in plain)
    expect_shown(page, None, len(plain))
    box.fill("FÉEDBACKS")
    expect_shown(page, None, len(plain))
    assert page.evaluate(SHOWN_TEXTS) == plain
    assert parse_qs(urlsplit(page.url).query) == {"words": ["FÉEDBACKS"]}
    box.fill("goals")
    goal = [text for text in page.evaluate(ALL_TEXTS) if re.search(r"\bgoal\b", text, re.IGNORECASE)]
    assert goal and set(goal) <= set(page.evaluate(SHOWN_TEXTS))
    assert traffic.problems() == []


@pytest.mark.parametrize("folder", [folder for folder in SECTIONS if folder])
def test_a_translations_bank_filters_in_its_language(open_page, folder):
    page, traffic = open_page(bank_path(folder))
    bank_ready(page)
    expect_shown(page, folder, total(folder))
    t = messages(folder)["site"]
    expect(page.locator("label[for='cb-bank-q']")).to_have_text(t["bank_words"])
    # A word of its questions typed without its accents, in capitals and with another ending.
    words = [word for model in SECTIONS[folder] for _, _, q in model.questions() for word in plain_text(q.text).split()
             if folded(word) != word.lower() and len(word) > 6]
    assert words, "the translation has no question with an accented word to look for"
    word = words[0].strip(".,;:?!«»„“”")
    page.locator("#cb-bank-q").fill(folded(word).upper() + "EN")
    shown = page.evaluate(SHOWN_TEXTS)
    assert shown and len(shown) < total(folder)
    assert [text for text in page.evaluate(ALL_TEXTS) if word in text] == [text for text in shown if word in text] != []
    expect_shown(page, folder, len(shown))
    assert traffic.problems() == []


def test_on_a_phone_the_filters_fold_into_one_line(browser, site_url):
    context = browser.new_context(viewport=SMALL_PHONE, base_url=site_url, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(bank_path(None) + "?asker=self")
        bank_ready(page)
        toggle, count, fields = page.locator(".cb-bank-toggle"), page.locator("#cb-bank-count"), page.locator("#cb-bank-fields")
        expect(fields).to_be_hidden()
        expect(count).to_have_text(counted(None, expected(None, asker="self")))
        toggle_box, count_box = toggle.bounding_box(), count.bounding_box()
        assert count_box["y"] < toggle_box["y"] + toggle_box["height"], "the count is not beside the button"
        assert page.locator("#cb-bank-filters").bounding_box()["height"] < 80
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(fields).to_be_visible()
        page.locator("#cb-bank-model").select_option("okr-goal-planning")
        expect(count).to_have_text(counted(None, expected(None, "okr-goal-planning", asker="self")))
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1] == SMALL_PHONE["width"], f"scrolls sideways on a phone: {width}"
        assert page.evaluate(OVERFLOWING) == []
        assert serious_violations(page) == []
    finally:
        context.close()


def test_without_a_script_the_bank_is_the_full_list(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(bank_path(None) + "?model=okr-goal-planning")
        expect(page.locator("#cb-bank-filters")).to_be_hidden()
        assert page.evaluate("() => getComputedStyle(document.getElementById('cb-bank-filters')).display") == "none"
        assert page.locator("li.cb-question").count() == total(None)
        assert page.locator("li.cb-question:visible").count() == total(None)
    finally:
        context.close()
