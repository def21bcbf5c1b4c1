"""The matchmaker ranks by situation: managers' own words (tests/chooser_situations.yaml) through the real chooser.js
on the built site's chooser pages, "No strong match" for a weak query, a "Fits when" line that answers the query,
and the text box first under the heading on a phone."""

from __future__ import annotations

import re

import pytest

from browser import DESKTOP, OVERFLOWING, expect, in_ci, missing_browser
from chooser_accuracy import cases, languages, rank_all, report, share
from coachbook.i18n import messages
from coachbook.text import data_text
from conftest import MODEL_IDS
from test_chooser import LIBRARY, chooser_path, serious_violations, shown, star

needs_browser = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))
PHONE_360 = {"width": 360, "height": 780}
# What no model's situation is about: a weak query.
WEAK_QUERY = "I need some help with a thing"


@pytest.fixture(scope="module")
def chooser_page(browser, site_url):
    """One chooser page per language, opened once: every situation is ranked in it by the page's own script."""
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    opened = {}

    def open_(language: str):
        if language not in opened:
            page = context.new_page()
            assert page.goto(chooser_path(None if language == "en" else language)).status == 200
            expect(page.locator("form#cb-match")).to_be_visible()
            opened[language] = page
        return opened[language]

    yield open_
    context.close()


@needs_browser
def test_managers_situations_rank_a_fitting_model_first_nine_times_in_ten_and_always_in_the_top_three(
        chooser_page, record_property):
    situations = cases("en")
    assert len(situations) >= 40 and all(case.fits for case in situations)
    assert {model for case in situations for model in case.fits} == set(MODEL_IDS)  # every model is someone's answer
    outcomes = rank_all(chooser_page("en"), situations)
    table = report("en", outcomes)
    record_property("chooser_accuracy", table)  # printed at the end of the run (conftest), and below on a failure
    print(table)
    assert share(outcomes, "top1") >= 0.9, table
    assert share(outcomes, "top3") == 1.0, table
    # The line each first match shows is one of its own fitting lines.
    for outcome in outcomes:
        model = next(m for m in LIBRARY.models if m.id == outcome.shown[0])
        assert outcome.lines[0] in [data_text(text) for text in (*model.situations, *model.use_when)], outcome


@needs_browser
@pytest.mark.parametrize("language", [language for language in languages() if language != "en"])
def test_a_translation_s_chooser_ranks_with_its_own_catalog(chooser_page, record_property, language):
    """The German chooser carries its one translated model: what fits it is a match with a German line, what does
    not is no strong match (the German weak words at work), and the same code ranks both."""
    situations = cases(language)
    assert [case for case in situations if case.fits] and [case for case in situations if not case.fits]
    outcomes = rank_all(chooser_page(language), situations)
    table = report(language, outcomes)
    record_property("chooser_accuracy", table)
    print(table)
    assert [outcome.case.say for outcome in outcomes if not outcome.right] == [], table
    translated = {data_text(text) for model in LIBRARY.translations[language].values() for text in (*model.situations, *model.use_when)}
    assert all(outcome.lines[0] in translated for outcome in outcomes if outcome.case.fits), table


def expect_status(page, text: str) -> None:
    expect(page.locator("#cb-match-status")).to_have_text(text)


@needs_browser
def test_a_weak_query_says_no_strong_match_and_shows_every_card_unranked_with_the_filters_working(chooser_page):
    page = chooser_page("en")
    labels = messages("en")["chooser"]
    page.locator("#cb-match-q").fill(WEAK_QUERY)
    expect_status(page, labels["no_strong_match"])
    cards = shown(page)
    assert [card["id"] for card in cards] == [model.id for model in LIBRARY.models]  # the chooser's order: unranked
    assert all(card["why"] is None and not card["avoid"] for card in cards)
    page.locator('select[name="lead"]').select_option("employee")
    expect(page.locator('#cb-matches article.cb-choice:not([hidden])')).to_have_count(
        len([m for m in LIBRARY.models if m.led_by == "employee"]))
    assert [card["id"] for card in shown(page)] == [m.id for m in LIBRARY.models if m.led_by == "employee"]
    expect_status(page, labels["no_strong_match"])
    assert serious_violations(page) == []
    page.locator("button.cb-match-reset").click()
    expect(page.locator(".cb-group-heading").first).to_be_visible()


# Situations with the reader's own words, not the models': the line shown must answer them, after related words.
ANSWERED = ["my boss wants me to do appraisals next month", "he was short with a customer on the phone again",
            "someone on my team is underperforming", "my report keeps missing deadlines"]


@needs_browser
@pytest.mark.parametrize("query", ANSWERED)
def test_a_matched_card_s_fits_when_line_shares_words_with_the_query(chooser_page, query):
    page = chooser_page("en")
    label = messages("en")["chooser"]["fits_when"]
    page.locator("#cb-match-q").fill(query)
    expect(page.locator(".cb-group-heading").first).to_be_hidden()
    cards = [card for card in shown(page) if not card["avoid"]]
    assert cards and cards[0]["why"], cards
    read = page.evaluate("text => window.coachbook.chooser.words(text)", query)
    for card in cards:
        if card["why"] is None:
            continue
        assert card["why"].startswith(label + " ")
        line = set(page.evaluate("text => window.coachbook.chooser.words(text).map(words => words[0])",
                                 card["why"][len(label) + 1:]))
        # A word of the line is one typed, or related to one typed (a stem that begins another counts too).
        assert any(word.startswith(said) or said.startswith(word) for words in read for said in words
                   for word in line if min(len(word), len(said)) >= 3), (query, card)


@needs_browser
def test_on_a_360_px_phone_the_text_box_comes_first_under_the_heading(browser, site_url):
    context = browser.new_context(viewport=PHONE_360, base_url=site_url, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(chooser_path(None))
        box = page.locator("#cb-match-q")
        expect(box).to_be_visible()
        # Between the heading and the box: the box's own label, nothing else that shows (no lead, no empty
        # favourites list; the form's heading is there for screen readers only).
        heading = page.locator("article h1").bounding_box()
        label = page.locator('label[for="cb-match-q"]').bounding_box()
        assert heading["y"] + heading["height"] <= label["y"] < box.bounding_box()["y"]
        expect(page.locator("#my-conversations")).to_have_js_property("offsetHeight", 0)
        between = page.evaluate("""([start, end]) => [...document.querySelectorAll('article *')].filter(e => {
            const box = e.getBoundingClientRect();
            return box.height > 1 && box.width > 1 && box.top >= start && box.bottom <= end && !e.closest('h1');
        }).map(e => e.tagName + '.' + e.className)""", [heading["y"] + heading["height"], label["y"]])
        assert between == [], between
        assert page.locator(".cb-lead").bounding_box()["y"] > box.bounding_box()["y"]
        for query in (WEAK_QUERY, "she asked me about a promotion"):
            box.fill(query)
            expect(page.locator(".cb-group-heading").first).to_be_hidden()
            width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1] == PHONE_360["width"], f"{query!r}: scrolls sideways: {width}"
            assert page.evaluate(OVERFLOWING) == [], query
        # A favourite brings the list back, under the box.
        star(page, "okr-career-growth").click()
        mine = page.locator("#my-conversations").bounding_box()
        assert mine["height"] > 0 and mine["y"] > page.locator("#cb-match-q").bounding_box()["y"]
    finally:
        context.close()


@needs_browser
def test_the_address_restores_a_weak_query_as_no_strong_match(chooser_page, site_url):
    page = chooser_page("en")
    page.goto(chooser_path(None) + "?q=" + re.sub(" ", "+", WEAK_QUERY))
    expect(page.locator("#cb-match-q")).to_have_value(WEAK_QUERY)
    expect_status(page, messages("en")["chooser"]["no_strong_match"])
    assert len(shown(page)) == len(MODEL_IDS)
