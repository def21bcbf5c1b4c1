"""The notes file that conversation mode downloads is inert: model text in it is text to any Markdown viewer, and only
the reader's own typing can make markup."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from browser import DESKTOP, Traffic, expect, in_ci, missing_browser, serve
from coachbook.i18n import messages
from coachbook.text import plain_text
from conftest import free_port, kitless_site
from hostile import MARKER, hostile_model, live_in_html

T = messages("en")["run"]
TITLE = r"<img src=x onerror=alert(1)> \[click\](javascript:alert(1)) *not* `code` & &amp; # 1. | ~~x~~ " + MARKER
STEP_TITLE = f"<script>alert(1)</script> {MARKER}"
# The reader's own typing: Markdown of their own, which stays as typed.
NOTES = {0: "Agreed:\n\n- meet on *Friday*\n- <b>bring the figures</b>", 1: "Plain words only."}
FROM_THE_FORMAT = {"h1", "h2", "p"}
FROM_THE_NOTES = {"ul", "li", "em", "b"}

needs_browser = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))


@pytest.fixture(scope="module")
def hostile_run_site(tmp_path_factory) -> tuple[Path, dict]:
    """A site (without kits, for speed) whose one model is hostile in every text, its title and first step's
    title the ones that reached a notes file as live Markdown and HTML."""
    data = hostile_model("hostile")[0]
    data["title"] = TITLE
    data["stages"][0]["steps"][0]["title"] = STEP_TITLE
    return kitless_site(tmp_path_factory.mktemp("hostile-notes"), data), data


def one_line(text: str) -> str:
    """A model text as the reader sees it on the page, on one line."""
    return " ".join(plain_text(text).split())


@needs_browser
def test_model_text_in_the_notes_file_is_text_to_a_markdown_viewer(browser, hostile_run_site):
    site, data = hostile_run_site
    steps = [step for stage in data["stages"] for step in stage["steps"]]
    with serve(site, f"http://127.0.0.1:{free_port()}/playbook/") as url:
        context = browser.new_context(viewport=DESKTOP, base_url=url)
        try:
            page = context.new_page()
            page.clock.install(time=datetime(2026, 3, 14, 12, 0))
            traffic = Traffic()
            traffic.watch(page)
            page.goto("run/hostile/")
            for index in range(len(steps)):
                if index in NOTES:
                    page.locator("li.cb-run-step:visible").get_by_role("textbox", name=T["notes"]).fill(NOTES[index])
                if index + 1 < len(steps):
                    page.get_by_role("button", name=T["next"], exact=True).click()
            with page.expect_download() as download:
                page.get_by_role("button", name=T["download"], exact=True).click()
            text = Path(download.value.path()).read_text(encoding="utf-8")
            # Brought back as last time's notes: the hostile title is text in the page too.
            page.get_by_label(T["bring"]).set_input_files(download.value.path())
            last_time = page.locator(".cb-run-last")
            expect(last_time.locator("h3")).to_have_text(T["last_time"].format(date="2026-03-14", title=one_line(TITLE)))
            assert live_in_html(last_time.evaluate("element => element.outerHTML"), "last time's panel") == []
            assert traffic.problems() == []
        finally:
            context.close()

    rendered = MarkdownIt("commonmark").render(text)
    soup = BeautifulSoup(rendered, "html.parser")
    made = {element.name for element in soup.find_all(True)}
    assert made <= FROM_THE_FORMAT | FROM_THE_NOTES, rendered
    assert not soup.select("img, script, a, code, del, strong, ol, hr, blockquote, pre"), rendered
    assert live_in_html(rendered, "the notes file rendered") == []
    # The model's texts, character for character, in the headings the notes format makes.
    assert [h1.get_text() for h1 in soup.select("h1")] == [T["notes_file_title"].format(title=one_line(TITLE))]
    assert [h2.get_text() for h2 in soup.select("h2")] == [T["agreements_heading"]] + [one_line(step["title"]) for step in steps]
    assert soup.select("h2")[1].get_text() == STEP_TITLE
    # The reader's notes, as typed, after the step's minutes: their list, emphasis and HTML are theirs to have.
    first_notes = soup.select("h2")[1].find_next_siblings()
    assert [element.name for element in first_notes[:3]] == ["p", "p", "ul"]
    assert [li.decode_contents() for li in first_notes[2].select("li")] == ["meet on <em>Friday</em>", "<b>bring the figures</b>"]
    # Python-Markdown (MkDocs' renderer, where a team publishes its notes) makes nothing of the model's text either.
    python_markdown = BeautifulSoup(markdown.markdown(text), "html.parser")
    assert {element.name for element in python_markdown.find_all(True)} <= FROM_THE_FORMAT | FROM_THE_NOTES
    assert live_in_html(str(python_markdown), "the notes file by Python-Markdown") == []
