"""Favourites that no stored value can break: whatever this browser's localStorage holds under the favourites key
(another script's data, a hand edit, names of Object's own properties, megabytes), the chooser still works and the
value is replaced by a list the chooser writes itself."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from browser import DESKTOP, Traffic, expect, in_ci, missing_browser
from coachbook.i18n import messages
from coachbook.model.loader import load_library
from coachbook.text import data_text
from conftest import MODEL_IDS, REPO

LABELS = messages("en")["chooser"]
TITLES = {model.id: data_text(model.title) for model in load_library([REPO / "models"]).models}
MODEL_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

BAD_VALUES = {
    "constructor": '["constructor"]',  # Object's own properties, read as model ids
    "proto": '["__proto__"]',
    "object-methods": '["toString", "hasOwnProperty", "valueOf", "constructor"]',
    "an object": "{}",
    "an object with ids": '{"0": "okr-career-growth", "length": 1}',
    "a string": '"x"',
    "numbers": "[1,2]",
    "null": "null",
    "invalid JSON": "[",
    "nested lists": '[["okr-career-growth"], {"id": "okr-career-growth"}]',
    "a huge list": json.dumps([f"x-{n}" for n in range(200_000)]),  # 2 MB, far more than any site has models
}

needs_browser = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))


@pytest.fixture
def chooser(browser, site_url):
    """The chooser with `stored` under its favourites key, as this browser holds it from before."""
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    key = f"coachbook.favourites:{urlsplit(site_url).path}"

    def open_(stored: str, path: str = "choose/"):
        page = context.new_page()
        traffic = Traffic()
        traffic.watch(page)
        page.goto(path)
        page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, stored])
        page.reload()
        return page, traffic, lambda: page.evaluate("key => localStorage.getItem(key)", key)

    yield open_
    context.close()


def star(page, model_id: str):
    return page.locator(f'article button.cb-favourite[data-cb-favourite="{model_id}"]')


def written_by_the_chooser(raw: str | None) -> bool:
    """What the chooser writes: nothing, or a list of distinct model ids."""
    if raw is None:
        return True
    value = json.loads(raw)
    return (isinstance(value, list) and all(isinstance(i, str) and MODEL_ID.fullmatch(i) for i in value)
            and len(set(value)) == len(value) and len(value) <= 1000)


@needs_browser
@pytest.mark.parametrize("stored", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_stored_value_the_chooser_did_not_write_is_ignored_and_replaced(chooser, stored):
    page, traffic, stored_now = chooser(stored)
    expect(page.locator("form#cb-match")).to_be_visible()
    expect(page.locator("#my-conversations")).to_be_visible()
    expect(page.locator(".cb-mine-empty")).to_be_visible()  # none of it is a model of this site
    expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_count(0)
    assert written_by_the_chooser(stored_now())

    first = MODEL_IDS[0]
    star(page, first).click()
    expect(star(page, first)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_text([TITLES[first]])
    value = json.loads(stored_now())
    assert written_by_the_chooser(stored_now()) and value[-1] == first
    # The matchmaker works as ever.
    page.locator("#cb-match-q").fill("she asked me about a promotion")
    expect(page.locator("#cb-matches article.cb-choice:not([hidden])").first).to_have_attribute(
        "data-cb-model", "okr-career-growth")

    # Cleared in the same page, from what the page made of the stored value (after a reload the page reads a list
    # it wrote itself, whatever was there before: test_chooser's favourites test covers that).
    page.locator("#my-conversations .cb-mine-clear").click()
    expect(page.locator(".cb-mine-empty")).to_be_visible()
    expect(star(page, first)).to_have_attribute("aria-pressed", "false")
    assert stored_now() is None
    assert traffic.problems() == []


@needs_browser
def test_object_property_names_on_a_model_page_leave_its_star_working(chooser):
    page, traffic, stored_now = chooser(BAD_VALUES["constructor"], f"models/{MODEL_IDS[0]}/")
    star(page, MODEL_IDS[0]).click()
    expect(star(page, MODEL_IDS[0])).to_have_attribute("aria-pressed", "true")
    assert MODEL_IDS[0] in json.loads(stored_now()) and written_by_the_chooser(stored_now())
    assert traffic.problems() == []


@needs_browser
def test_an_address_naming_object_properties_restores_nothing_and_matches_as_text(chooser):
    page, traffic, _ = chooser("[]", "choose/?q=constructor&lead=__proto__&time=constructor&tag=__proto__&tag=constructor")
    expect(page.locator("form#cb-match")).to_be_visible()
    expect(page.locator("#cb-match-q")).to_have_value("constructor")
    expect(page.locator('select[name="lead"]')).to_have_value("")
    expect(page.locator('select[name="time"]')).to_have_value("")
    assert page.locator('input[name="tag"]:checked').count() == 0
    # "constructor" is a word no model uses: no strong match, every card shown.
    expect(page.locator("#cb-match-status")).to_have_text(LABELS["no_strong_match"])
    assert traffic.problems() == []
