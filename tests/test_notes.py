"""Conversation mode's notes (notes.js): kept in the tab across a reload and nowhere else, deleted on request, copied and
shared, downloaded with the agreements and each step's minutes, and last time's agreements brought in from a file."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from browser import PHONE, Traffic, csp_violations, expect, in_ci, missing_browser
from coachbook.i18n import messages
from coachbook.text import plain_text
from conftest import TRANSLATIONS

if missing_browser() and not in_ci():  # in CI, every test fails instead (see browser.require_browser)
    pytest.skip(missing_browser(), allow_module_level=True)

T, DE = messages("en")["run"], messages("de")["run"]
MODEL = "okr-upward-feedback"
"""Short, with before, during and after stages, and a German translation."""
OTHER = "performance-improvement-4cs"
NOON = datetime(2026, 3, 14, 12, 0)
HEAD = re.compile(r"\A<!-- coachbook-notes (\{.*\}) -->\n")
STORED = "key => [Object.entries(localStorage).sort(), sessionStorage.getItem(key)]"

assert (MODEL, "de") in TRANSLATIONS


def talk_steps(model) -> list[str]:
    """The ids of the steps of the model's `during` stages."""
    return [step.id for stage in model.stages if stage.when == "during" for step in stage.steps]


def open_run(open_page, path: str, device: str = "phone", clock: datetime | None = None, answers: list | None = None):
    """A conversation mode with notes.js ready; dialogs (leaving with notes, Delete's question) answered from
    `answers` (True: accept), else accepted; returns the page, its traffic and the dialogs asked, as (type, message)."""
    page, traffic = open_page(path, device, clock=clock)
    asked = []

    def answer(dialog) -> None:
        asked.append((dialog.type, dialog.message))
        dialog.accept() if (answers.pop(0) if answers else True) else dialog.dismiss()

    page.on("dialog", answer)
    expect(page.locator("#cb-run-agreements")).to_have_count(1)  # at a step not shown yet
    return page, traffic, asked


def go(page, step_id: str):
    """The step `step_id`, shown as its address asks; returns it."""
    page.evaluate("id => { location.hash = id; }", step_id)
    step = page.locator(f'li.cb-run-step[id="{step_id}"]')
    expect(step).to_be_visible()
    return step


def notes_box(page, step_id: str):
    """The step's notes box, shown or not (a reload opens the step in the address)."""
    return page.locator(f'li.cb-run-step[id="{step_id}"] .cb-run-notes:not(.cb-run-agreements) textarea')


def key(page, model_id: str) -> str:
    return f"coachbook-notes:{page.evaluate('() => location.pathname')}:{model_id}"


def download(page, labels=T) -> tuple[str, str]:
    with page.expect_download() as made:
        page.get_by_role("button", name=labels["download"], exact=True).click()
    return made.value.suggested_filename, Path(made.value.path()).read_text(encoding="utf-8")


def read(text: str) -> tuple[dict, list[tuple[str, str]]]:
    """A notes file's JSON head, and its Markdown as (element, text) pairs, as a viewer shows it."""
    head = HEAD.match(text)
    assert head, text[:200]
    rendered = BeautifulSoup(MarkdownIt("commonmark").render(text), "html.parser")
    return json.loads(head[1]), [(element.name, element.get_text()) for element in rendered.find_all(["h1", "h2", "p", "li"])]


def test_notes_stay_in_the_tab_across_a_reload_and_nowhere_else_until_deleted(open_page, browser, site_url, models):
    answers = []
    page, traffic, asked = open_run(open_page, f"run/{MODEL}/", answers=answers)
    first, last = talk_steps(models[MODEL])[0], talk_steps(models[MODEL])[-1]
    local_before = page.evaluate(STORED, key(page, MODEL))[0]
    go(page, first)
    notes_box(page, first).fill("She wants the survey *earlier*.")
    go(page, last)
    agreements = page.get_by_role("textbox", name=T["agreements"])
    expect(agreements).to_be_visible()  # at the talk's last step, beside its notes, never folded
    agreements.fill("Share the survey by Friday\nMeet again in May")

    page.reload()
    expect(notes_box(page, first)).to_have_value("She wants the survey *earlier*.")
    expect(page.locator("#cb-run-agreements")).to_have_value("Share the survey by Friday\nMeet again in May")
    local, session = page.evaluate(STORED, key(page, MODEL))
    assert local == local_before and session  # the tab's storage only: nothing that outlives it
    assert asked == [("beforeunload", "")]  # leaving with notes not yet taken out still asks

    # Another browser (a tab closed and opened again is the same: a new session) has none of them.
    other = browser.new_context(viewport=PHONE, base_url=site_url, is_mobile=True, has_touch=True)
    try:
        fresh = other.new_page()
        fresh.goto(f"run/{MODEL}/")
        expect(fresh.locator("#cb-run-agreements")).to_have_value("")
        for box in fresh.locator("li.cb-run-step textarea").all():
            expect(box).to_have_value("")
        assert fresh.evaluate(STORED, key(page, MODEL))[1] is None
    finally:
        other.close()

    # Delete asks first; "Cancel" keeps everything, "OK" empties every box and the tab's storage.
    delete = page.get_by_role("button", name=T["delete"], exact=True)
    answers += [False, True]
    delete.click()
    expect(notes_box(page, first)).to_have_value("She wants the survey *earlier*.")
    delete.click()
    assert asked[-2:] == [("confirm", T["delete_confirm"])] * 2
    expect(page.locator(".cb-run-notes-status")).to_have_text(T["deleted"])
    for box in page.locator("li.cb-run-step textarea").all():
        expect(box).to_have_value("")
    assert page.evaluate(STORED, key(page, MODEL))[1] is None
    page.reload()
    expect(notes_box(page, first)).to_have_value("")
    assert asked[-1][0] == "confirm"  # nothing left to lose: leaving asks nothing
    assert csp_violations(page, traffic) == [] and traffic.problems() == []


def test_the_notes_file_holds_the_start_the_agreements_and_each_steps_minutes_planned_and_spent(open_page, models):
    model = models[MODEL]
    steps = [step for stage in model.stages for step in stage.steps]
    first, second, last = talk_steps(model)[0], talk_steps(model)[1], talk_steps(model)[-1]
    page, traffic, _ = open_run(open_page, f"run/{MODEL}/", "desktop", clock=NOON)
    go(page, first)
    page.get_by_role("button", name=T["start"], exact=True).click()
    page.clock.run_for(3 * 60_000)
    go(page, second)
    page.clock.run_for(2 * 60_000)
    go(page, last)
    page.get_by_role("textbox", name=T["agreements"]).fill("Share the survey by *Friday*\n\n   Meet again in May  ")
    name, text = download(page)
    assert name == f"notes-{MODEL}-2026-03-14.md"

    head, shown = read(text)
    spent = {first: 3, second: 2}
    assert head == {
        "format": 1, "model": MODEL, "language": "en", "title": plain_text(model.title), "date": "2026-03-14", "start": "12:00",
        "agreements": ["Share the survey by *Friday*", "Meet again in May"], "agreedLastTime": [],
        "steps": [{"id": step.id, "plannedMinutes": step.minutes, "spentMinutes": spent.get(step.id, 0)} for step in steps],
    }
    expected = [("h1", T["notes_file_title"].format(title=plain_text(model.title))), ("p", T["notes_file_date"].format(date="2026-03-14")),
                ("p", T["notes_file_start"].format(time="12:00")), ("h2", T["agreements_heading"]),
                ("li", "Share the survey by Friday"), ("li", "Meet again in May")]
    for step in steps:
        time = T["notes_file_spent"].format(n=spent.get(step.id, 0))
        expected += [("h2", plain_text(step.title)), ("p", f"{T['planned'].format(n=step.minutes)} \u00b7 {time}" if step.minutes else time),
                     ("p", T["no_notes"])]
    assert shown == expected
    assert "\n- Share the survey by *Friday*\n" in text  # the reader's own words, as typed
    assert traffic.problems() == []


HOSTILE_AGREEMENT = "<img src=x onerror=alert(1)> [link](javascript:alert(1)) # not a heading"


def test_last_times_agreements_come_from_another_model_and_language_with_their_status(open_page, models, tmp_path):
    agreed = ["Try the new rota for a month", HOSTILE_AGREEMENT, "Ask the team about training"]
    before, _, _ = open_run(open_page, f"run/{OTHER}/", "desktop", clock=NOON)
    go(before, talk_steps(models[OTHER])[-1])
    before.get_by_role("textbox", name=T["agreements"]).fill("\n".join(agreed))
    notes = tmp_path / "last-time.md"
    notes.write_text(download(before)[1], encoding="utf-8")

    page, traffic, _ = open_run(open_page, f"de/run/{MODEL}/", clock=datetime(2026, 4, 20, 9, 30))
    page.get_by_label(DE["bring"]).set_input_files(notes)
    expect(page.locator(".cb-run-notes-status")).to_have_text(DE["brought"])
    first = go(page, talk_steps(models[MODEL])[0])
    last_time = first.get_by_role("region", name=DE["last_time"].format(date="2026-03-14", title=plain_text(models[OTHER].title)))
    expect(last_time).to_be_visible()
    groups = last_time.get_by_role("group")
    expect(groups).to_have_count(3)
    for group, text in zip(groups.all(), agreed):
        expect(group.locator("legend")).to_have_text(text)  # text from a file stays text
    assert last_time.locator("img, a").count() == 0
    last_time.get_by_role("group", name=agreed[0]).get_by_role("radio", name=DE["done"]).check()
    last_time.get_by_role("group", name=agreed[1]).get_by_role("radio", name=DE["dropped"]).check()

    page.reload()  # the tab keeps them, choices included
    first = go(page, talk_steps(models[MODEL])[0])
    expect(first.get_by_role("group", name=agreed[0]).get_by_role("radio", name=DE["done"])).to_be_checked()
    expect(first.get_by_role("group", name=agreed[1]).get_by_role("radio", name=DE["dropped"])).to_be_checked()
    for choice in ("done", "not_yet", "dropped"):
        expect(first.get_by_role("group", name=agreed[2]).get_by_role("radio", name=DE[choice])).not_to_be_checked()

    head, shown = read(download(page, DE)[1])
    assert head["language"] == "de" and head["model"] == MODEL and head["agreements"] == []
    assert head["agreedLastTime"] == [{"text": agreed[0], "status": "done"}, {"text": agreed[1], "status": "dropped"},
                                      {"text": agreed[2], "status": None}]
    start = shown.index(("h2", DE["last_time_heading"]))
    assert shown[start + 1:start + 5] == [
        ("p", DE["last_time"].format(date="2026-03-14", title=plain_text(models[OTHER].title))),
        ("li", f"{agreed[0]} \u2014 {DE['done']}"), ("li", f"{agreed[1]} \u2014 {DE['dropped']}"),
        ("li", f"{agreed[2]} \u2014 {DE['unmarked']}")]
    assert traffic.problems() == []


NOT_OURS = {
    "plain Markdown": b"# Notes\n\n- agreed things\n",
    "our mark, broken JSON": b'<!-- coachbook-notes {"format": 1, "model": -->\n',
    "a later format": b'<!-- coachbook-notes {"format": 2, "model": "x", "date": "2026-01-01", "title": "x", "agreements": []} -->\n',
    "agreements not a list": b'<!-- coachbook-notes {"format": 1, "model": "x", "date": "2026-01-01", "title": "x", "agreements": "a"} -->\n',
    "no date": b'<!-- coachbook-notes {"format": 1, "model": "x", "title": "x", "agreements": ["a"]} -->\n',
    "not text": bytes(range(256)) * 4,
    "empty": b"",
}


def test_a_file_that_is_not_ours_gets_one_calm_sentence_and_nothing_else(open_page):
    page, traffic, _ = open_run(open_page, f"run/{MODEL}/")
    status = page.locator(".cb-run-notes-status")
    for name, content in NOT_OURS.items():
        status.evaluate("element => { element.textContent = ''; }")
        page.get_by_label(T["bring"]).set_input_files(files=[{"name": "notes.md", "mimeType": "text/markdown", "buffer": content}])
        expect(status).to_have_text(T["not_ours"])
        assert page.locator(".cb-run-last").count() == 0, name
    page.get_by_role("button", name=T["next"], exact=True).click()  # the page goes on working
    assert traffic.problems() == []


def test_copy_and_share_hand_over_the_notes_file_where_the_browser_can(contexts):
    pages = []
    try:
        for can in (True, False):
            page = contexts["phone"].new_page()
            pages.append(page)
            page.add_init_script("""window.__copied = []; window.__shared = [];
                Object.defineProperty(navigator, 'clipboard', {value: {writeText: text => %s}});
                Object.defineProperty(Navigator.prototype, 'share', {configurable: true, %s});""" % (
                "(window.__copied.push(text), Promise.resolve())" if can else "Promise.reject(new DOMException('no', 'NotAllowedError'))",
                "value: data => (window.__shared.push(data), Promise.resolve())" if can else "get: () => undefined"))
            traffic = Traffic()
            traffic.watch(page)
            page.goto(f"run/{MODEL}/")
            page.locator("li.cb-run-step:visible").get_by_role("textbox", name=T["notes"]).fill("Copied words")
            page.get_by_role("button", name=T["copy_notes"], exact=True).click()
            share = page.get_by_role("button", name=T["share"], exact=True)
            if can:
                expect(page.locator(".cb-run-notes-status")).to_have_text(T["copied"])
                share.click()
                page.wait_for_function("() => window.__shared.length === 1")
                copied, shared = page.evaluate("() => [window.__copied, window.__shared]")
                assert len(copied) == 1 and HEAD.match(copied[0]) and "\n\nCopied words\n" in copied[0]
                assert shared[0]["text"] == copied[0]
            else:
                expect(page.locator(".cb-run-notes-status")).to_have_text(T["copy_failed"])
                expect(share).to_be_hidden()
            assert traffic.problems() == []
    finally:
        for page in pages:
            page.close()
