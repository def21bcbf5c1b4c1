"""Conversation mode (run/<id>/), the page used during the talk: one step at a time by keyboard, buttons and
swipe, a timer against the planned minutes, notes that only leave as a download, print, phone, axe, file://."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from browser import OVERFLOWING, PHONE, Traffic, csp_violations, expect, in_ci, missing_browser, serious_violations, serve
from coachbook.i18n import duration_text, messages
from coachbook.model.loader import load_model
from coachbook.text import normalized, plain_text
from conftest import MODEL_FILES, MODEL_IDS, TRANSLATIONS, free_port, missing_texts, page_text, run_page_texts
from hostile import dump_yaml, hostile_model

T = messages("en")["run"]
HOSTILE = "hostile"
CASES = [*MODEL_IDS, HOSTILE]
"""Every shipped model, and one whose every text is hostile (every step of it has minutes)."""


def _step_count(model_id: str) -> int:
    return sum(len(stage.steps) for stage in load_model(MODEL_FILES[MODEL_IDS.index(model_id)]).stages)


SHAPES = [*sorted({min(MODEL_IDS, key=_step_count), max(MODEL_IDS, key=_step_count)}), HOSTILE]
"""The shipped models with the fewest and the most steps, and the hostile one: the keys, the timer, the notes and
printing are one script for every model, tried on these; every model's steps, their texts and the bar are walked
in full by the phone test, and checked without a browser by the built page's."""
NOON = datetime(2026, 3, 14, 12, 0)


def steps_of(model):
    """The model's steps in the order conversation mode shows them, each with its stage."""
    return [(stage, step) for stage in model.stages for step in stage.steps]


def talk_start(model) -> int:
    """The step conversation mode opens at without a step in the address: the first of the talk (`during`)."""
    return next((i for i, (stage, _) in enumerate(steps_of(model)) if stage.when == "during"), 0)


def asker_label(question, stage, language: str = "en") -> str:
    """Who asks a question, as the site says it: a self question by when its stage comes."""
    t = messages(language)
    return t["asked_self"][stage.when] if question.asked_by == "self" else t["asked_by"][question.asked_by]


def shown(text: str) -> str:
    """A model text as a reader sees it, on one line."""
    return normalized(plain_text(text))


def clock(minutes: int) -> str:
    """Minutes as the timer shows them: 45:00, 1:30:00."""
    return f"{minutes // 60}:{minutes % 60:02}:00" if minutes >= 60 else f"{minutes}:00"


# --- the built pages, without a browser -----------------------------------------------------


@pytest.mark.parametrize(("model_id", "language"), [(m, None) for m in MODEL_IDS] + TRANSLATIONS)
def test_every_model_page_links_its_conversation_mode(built_site, model_id, language):
    folder = built_site.root / (language or "")
    page = folder / "models" / model_id / "index.html"
    links = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(".cb-run-link a")
    assert [a.get_text() for a in links] == [messages(language or "en")["run"]["open"]]
    assert links[0]["href"] == f"../../run/{model_id}/"
    run_page = (page.parent / links[0]["href"] / "index.html").resolve()
    assert run_page == folder / "run" / model_id / "index.html" and run_page.is_file()
    back = BeautifulSoup(run_page.read_text(encoding="utf-8"), "html.parser").select_one(".cb-run-mode a")
    assert (run_page.parent / back["href"] / "index.html").resolve() == page


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_the_conversation_mode_lists_every_step_with_its_texts_and_minutes_without_script(built_site, models, model_id):
    model = models[model_id]
    page = built_site.root / "run" / model_id / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    everything = normalized(soup.select_one("article").get_text(" "))
    for label in ("mode", "back", "keys_hint", "privacy", "start", "reset", "previous", "next", "download"):
        assert normalized(T[label]) in everything, label
    items = soup.select("li.cb-run-step")
    assert len(items) == len(steps_of(model))
    for item, (stage, step) in zip(items, steps_of(model)):
        text = normalized(item.get_text(" "))
        assert missing_texts([stage.title, *run_page_texts(step)], text) == [], step.id
        assert item.get("hidden") is None  # without JavaScript, the page is the whole list
        assert item.get("data-minutes") == (str(step.minutes) if step.minutes else None)
        assert (normalized(T["planned"].format(n=step.minutes)) in text) == bool(step.minutes)
    assert missing_texts([model.title], page_text(page)) == []


def test_conversation_modes_stay_out_of_navigation_and_search(built_site, models):
    assert "not included in the" not in built_site.log  # MkDocs' notice about pages left out of the nav
    nav = BeautifulSoup((built_site.root / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("nav.md-nav--primary")
    assert [a["href"] for a in nav.select("a[href]") if "run/" in a["href"]] == []

    docs = json.loads((built_site.root / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert [d["location"] for d in docs if re.match(r"^([a-z]{2}/)?run/", d["location"])] == []
    # Each question is found on its model's page, once: the conversation mode adds no second hit.
    for model_id, model in models.items():
        for _, _, question in model.questions():
            text = shown(question.text)
            hits = [d["location"] for d in docs if d["location"].startswith(f"models/{model_id}/")
                    and text in normalized(BeautifulSoup(d["text"], "html.parser").get_text())]
            assert hits, f"{model_id}: {question.text!r} is not in the search index"
            assert all(hit.startswith(f"models/{model_id}/") for hit in hits)
    everywhere = normalized(" ".join(BeautifulSoup(d["text"], "html.parser").get_text() for d in docs))
    assert shown(T["privacy"]) not in everywhere


# --- in a browser ---------------------------------------------------------------------------

browser_tests = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))


@pytest.fixture(scope="session")
def hostile_url(browser, hostile_site):
    """The hostile site behind its own local web server, under a sub-path."""
    with serve(hostile_site, f"http://127.0.0.1:{free_port()}/playbook/") as url:
        yield url


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile-model") / f"{HOSTILE}.yaml"
    path.write_text(dump_yaml(hostile_model(HOSTILE)[0]), encoding="utf-8")
    return load_model(path)


@pytest.fixture
def open_run(request, open_page, models):
    """Open a model's conversation mode (the hostile one on the hostile site); returns the page, its traffic, the model."""

    def open_(model_id: str, device: str = "desktop", clock: datetime | None = None, step: int | None = 0):
        """`step`: the step named in the address (its index; the first by default); None names none."""
        if model_id == HOSTILE:
            base, model = request.getfixturevalue("hostile_url"), request.getfixturevalue("hostile")
        else:
            base, model = "", models[model_id]
        fragment = "" if step is None else f"#{steps_of(model)[step][1].id}"
        page, traffic = open_page(f"{base}run/{model_id}/{fragment}", device, clock=clock)
        opened = talk_start(model) if step is None else step
        expect(page.locator(".cb-run-progress")).to_have_text(T["progress"].format(n=opened + 1, total=len(steps_of(model))))
        return page, traffic, model

    return open_


UNFOLD = """item => [...item.querySelectorAll('details')].filter(details => {
    const open = details.open; details.open = true; return open; }).map(details => details.outerHTML.slice(0, 80))"""
"""Opens every fold of a step; returns those that were open already."""


def current_step(page):
    visible = page.locator("li.cb-run-step:visible")
    expect(visible).to_have_count(1)
    return visible


def check_step_shows(page, model, index: int) -> None:
    """The step `index` is the one shown, with the progress line, its stage, its texts and who asks each question."""
    stage, step = steps_of(model)[index]
    total = len(steps_of(model))
    expect(page.locator(".cb-run-progress")).to_have_text(T["progress"].format(n=index + 1, total=total))
    item = current_step(page)
    expect(item).to_have_attribute("id", step.id)
    expect(item.locator("h2")).to_have_text(normalized(plain_text(step.title)))
    # Folded, so that the questions come first; unfolded here as a click on each summary would (the browser's own
    # <details>, which test_axe_finds_no_serious_violation opens by clicking), in one call instead of one a fold.
    assert item.evaluate(UNFOLD) == [], "unfolded before the reader asked"
    text = normalized(item.inner_text())
    assert missing_texts([stage.title, *run_page_texts(step)], text) == [], f"step {index + 1}: {step.id}"
    askers = item.locator(".cb-asker").all_inner_texts()
    # Compared without case: the labels are set in capitals by the stylesheet.
    assert [normalized(a).lower() for a in askers] == [normalized(asker_label(q, stage)).lower() for q in step.questions]


@browser_tests
@pytest.mark.parametrize("model_id", SHAPES)
def test_every_step_with_the_keyboard_and_with_the_buttons(open_run, model_id):
    page, traffic, model = open_run(model_id)
    total = len(steps_of(model))
    announcer = page.get_by_role("status")
    check_step_shows(page, model, 0)
    for index in range(1, total):
        page.keyboard.press("ArrowRight")
        check_step_shows(page, model, index)
        expect(announcer).to_have_text(T["announce"].format(n=index + 1, total=total, title=shown(steps_of(model)[index][1].title)))
    page.keyboard.press("ArrowRight")  # past the last step: it stays
    expect(page.locator(".cb-run-progress")).to_have_text(T["progress"].format(n=total, total=total))
    previous, following = page.get_by_role("button", name=T["previous"], exact=True), page.get_by_role("button", name=T["next"], exact=True)
    expect(following).to_have_attribute("aria-disabled", "true")
    for index in reversed(range(total - 1)):
        previous.click()
        expect(page.locator(".cb-run-progress")).to_have_text(T["progress"].format(n=index + 1, total=total))
        expect(current_step(page)).to_have_attribute("id", steps_of(model)[index][1].id)
    expect(previous).to_have_attribute("aria-disabled", "true")
    for index in range(1, total):
        following.click()
        expect(current_step(page)).to_have_attribute("id", steps_of(model)[index][1].id)
    page.keyboard.press("ArrowLeft")
    expect(current_step(page)).to_have_attribute("id", steps_of(model)[max(total - 2, 0)][1].id)
    assert csp_violations(page, traffic) == []
    assert traffic.problems() == []


@browser_tests
def test_keyboard_only_reaches_the_buttons_and_typing_notes_keeps_the_arrow_keys(open_run):
    page, traffic, model = open_run(MODEL_IDS[0])
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == T["next"]:
            break
    else:
        pytest.fail("Tab never reaches the Next step button")
    page.keyboard.press("Enter")
    expect(current_step(page)).to_have_attribute("id", steps_of(model)[1][1].id)
    notes = current_step(page).get_by_role("textbox", name=T["notes"])
    notes.fill("abc")
    notes.press("ArrowLeft")  # moves the caret, not the step
    expect(current_step(page)).to_have_attribute("id", steps_of(model)[1][1].id)
    assert traffic.problems() == []


def planned_minutes(model):
    """(index, minutes) of the first step with minutes, or None: read from the model, whatever it ships with."""
    return next(((i, step.minutes) for i, (_, step) in enumerate(steps_of(model)) if step.minutes), None)


@browser_tests
@pytest.mark.parametrize("model_id", SHAPES)
def test_the_timer_runs_against_the_planned_minutes(open_run, model_id):
    page, traffic, model = open_run(model_id, clock=NOON)
    timer = page.get_by_role("timer")
    step_line, total_line = timer.locator('[data-cb-time="step"]'), timer.locator('[data-cb-time="total"]')
    planned = planned_minutes(model)
    index, minutes = planned or (0, None)
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name=T["start"], exact=True).click()
    expect(page.get_by_role("button", name=T["pause"], exact=True)).to_be_visible()
    if minutes:
        expect(step_line).to_have_text(T["step_time"].format(elapsed="0:00", planned=clock(minutes)))
        page.clock.fast_forward(minutes * 60_000 - 2_000)
        expect(step_line).not_to_contain_text(T["over"])
        page.clock.fast_forward(3_000)
        elapsed = minutes * 60_000 + 1_000
        expect(step_line).to_contain_text(T["over"])
        expect(step_line).to_have_class(re.compile(r"\bcb-run-time--over\b"))
        colour = "el => getComputedStyle(el).color"
        assert step_line.evaluate(colour) != page.locator(".cb-run-progress").evaluate(colour), "over time, in colour too"
    else:  # no step of this model plans minutes (yet): the time counts all the same, with no plan
        page.clock.fast_forward(61_000)
        expect(step_line).to_have_text(T["step_time_open"].format(elapsed="1:01"))
        elapsed = 61_000
    # The next step starts from zero; the whole conversation goes on.
    if index + 1 < len(steps_of(model)):
        page.keyboard.press("ArrowRight")
        expect(step_line).to_contain_text(re.compile(r": 0:00\b"))
        expect(step_line).not_to_contain_text(T["over"])
    if model.duration_minutes:
        if elapsed <= model.duration_minutes * 60_000:
            expect(total_line).not_to_contain_text(T["over"])
        page.clock.fast_forward(model.duration_minutes * 60_000)
        expect(total_line).to_contain_text(T["over"])
        expect(total_line).to_contain_text(f" {clock(model.duration_minutes)}")
    else:
        expect(total_line).to_have_text(re.compile("^" + re.escape(T["total_time_open"].format(elapsed="")) + r"\d"))
    assert serious_violations(page) == []  # over time included: its colour keeps its contrast
    # Pause holds the time; reset brings it back to zero.
    page.get_by_role("button", name=T["pause"], exact=True).click()
    held = total_line.inner_text()
    page.clock.fast_forward(300_000)
    expect(total_line).to_have_text(held)
    page.get_by_role("button", name=T["reset"], exact=True).click()
    expect(total_line).to_contain_text(re.compile(r": 0:00\b"))
    expect(page.get_by_role("button", name=T["start"], exact=True)).to_be_visible()
    assert traffic.problems() == []


WAKE_LOCKS = {
    "granted": """Object.defineProperty(navigator, 'wakeLock', {value: {request: () => {
        window.__locks = (window.__locks || 0) + 1;
        const lock = new EventTarget();
        lock.release = () => { window.__released = (window.__released || 0) + 1; return Promise.resolve(); };
        return Promise.resolve(lock); }}});""",
    "refused": """Object.defineProperty(navigator, 'wakeLock', {value: {request: () => {
        window.__locks = (window.__locks || 0) + 1; return Promise.reject(new DOMException('no', 'NotAllowedError')); }}});""",
    "throws": """Object.defineProperty(navigator, 'wakeLock', {value: {request: () => {
        window.__locks = (window.__locks || 0) + 1; throw new TypeError('not here'); }}});""",
    "absent": "Object.defineProperty(Navigator.prototype, 'wakeLock', {get: () => undefined});",
}


@browser_tests
@pytest.mark.parametrize("browser_says", WAKE_LOCKS)
def test_the_screen_stays_awake_while_the_timer_runs_where_the_browser_allows(contexts, site_url, browser_says):
    page = contexts["desktop"].new_page()
    try:
        page.add_init_script(WAKE_LOCKS[browser_says])
        traffic = Traffic()
        traffic.watch(page)
        page.clock.install(time=NOON)
        page.goto(f"run/{MODEL_IDS[0]}/")
        page.get_by_role("button", name=T["start"], exact=True).click()
        page.clock.fast_forward(2_000)
        expect(page.get_by_role("timer").locator('[data-cb-time="total"]')).to_contain_text("0:02")
        page.get_by_role("button", name=T["pause"], exact=True).click()
        locks, released = page.evaluate("() => [window.__locks || 0, window.__released || 0]")
        assert locks == (0 if browser_says == "absent" else 1)
        assert released == (1 if browser_says == "granted" else 0)
        assert traffic.problems() == []
    finally:
        page.close()


STORED = """() => [localStorage, sessionStorage].map(store => Object.entries(store).sort())"""
"""Everything the page's origin keeps in the browser's storage."""


def one_line(text: str) -> str:
    """A model text as the page shows it, on one line."""
    return " ".join(plain_text(text).split())


@browser_tests
@pytest.mark.parametrize("model_id", SHAPES)
def test_notes_download_as_markdown_and_leaving_with_unsaved_notes_asks_first(open_run, model_id):
    page, traffic, model = open_run(model_id, clock=NOON)
    expect(page.get_by_text(T["privacy"])).to_be_visible()
    stored_before = page.evaluate(STORED)
    steps = steps_of(model)
    written = {0: "First: agreed to meet on Friday.\nSecond line", len(steps) - 1: "Last step # not a heading"}
    for index in range(len(steps)):
        if index in written:
            current_step(page).get_by_role("textbox", name=T["notes"]).fill(written[index])
        if index + 1 < len(steps):
            page.get_by_role("button", name=T["next"], exact=True).click()
    # Notes live in the page and the tab only: nothing in lasting storage (the theme keeps its own settings), nothing
    # sent; the tab's sessionStorage holds them under one key (tests/test_notes.py: a reload keeps them).
    local_before, session_before = stored_before
    local_after, session_after = page.evaluate(STORED)
    assert local_after == local_before
    assert [key for key, _ in session_after if (key, _) not in session_before] == [
        f"coachbook-notes:{urlsplit(page.url).path}:{model.id}"]
    requests_before = len(traffic.requests)
    with page.expect_download() as download:
        page.get_by_role("button", name=T["download"], exact=True).click()
    assert download.value.suggested_filename == f"notes-{model.id}-2026-03-14.md"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    # As a Markdown viewer shows it: a heading per step with the step's title as the page shows it, then the notes.
    # Never started, the timer gives no start time and no minutes spent.
    expected = [("h1", T["notes_file_title"].format(title=one_line(model.title))),
                ("p", T["notes_file_date"].format(date="2026-03-14")),
                ("h2", T["agreements_heading"]), ("p", T["no_agreements"])]
    for index, (_, step) in enumerate(steps):
        spent = T["notes_file_spent"].format(n=0)
        expected += [("h2", one_line(step.title)),
                     ("p", f"{T['planned'].format(n=step.minutes)} \u00b7 {spent}" if step.minutes else spent),
                     ("p", written.get(index, T["no_notes"]))]
    rendered = BeautifulSoup(MarkdownIt("commonmark").render(text), "html.parser")
    assert [(element.name, element.get_text()) for element in rendered.find_all(True)] == expected
    for note in written.values():
        assert f"\n\n{note}\n" in text  # the reader's notes as typed
    assert [url for url in traffic.requests[requests_before:] if not url.startswith("blob:")] == []

    # Downloaded notes leave freely; a change since asks first, and staying keeps the notes.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    notes = current_step(page).get_by_role("textbox", name=T["notes"])
    notes.fill("One more thing")
    with page.expect_event("dialog"):
        page.close(run_before_unload=True)
    expect(notes).to_have_value("One more thing")
    assert asked == ["beforeunload"]
    assert not page.is_closed()
    with page.expect_download():
        page.get_by_role("button", name=T["download"], exact=True).click()
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]
    assert traffic.problems() == []


@browser_tests
def test_leaving_without_notes_does_not_ask(open_run):
    page, _, _ = open_run(MODEL_IDS[0])
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("button", name=T["start"], exact=True).click()  # a user gesture, which a prompt needs
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == []


IN_VIEW = """elements => elements.map(element => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
        && box.right <= innerWidth && box.bottom <= innerHeight;
})"""
"""For each element: whether the whole of it is on the screen as it is now scrolled."""


@browser_tests
@pytest.mark.parametrize("model_id", CASES)
def test_on_a_phone_the_bar_holds_every_step_in_one_hand(open_run, model_id):
    page, traffic, model = open_run(model_id, "phone", step=None)
    steps = steps_of(model)
    start = talk_start(model)
    expect(current_step(page)).to_have_attribute("id", steps[start][1].id)  # the talk first, not the preparation
    expect(page.locator(".md-top")).to_be_hidden()  # the theme's "Back to top" would cover the bar
    touch = page.context.new_cdp_session(page)  # real touch input, as a finger gives it
    controls = page.locator(".cb-run-bar").locator("[data-cb-action=previous], [data-cb-action=next], [role=timer]")
    previous, following = page.get_by_role("button", name=T["previous"], exact=True), page.get_by_role("button", name=T["next"], exact=True)
    history = page.evaluate("() => history.length")

    def check(index: int) -> None:
        _, step = steps[index]
        expect(current_step(page)).to_have_attribute("id", step.id)
        assert page.evaluate("() => window.scrollY") == 0, f"step {index + 1}: the page scrolled"
        assert controls.evaluate_all(IN_VIEW) == [True, True, True], f"step {index + 1}: Previous, Next and the timer on the screen"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], f"step {index + 1}"
        assert page.evaluate(OVERFLOWING) == [], f"step {index + 1}: content sticks out of the screen"

    def swipe(from_x: int, to_x: int) -> None:
        title = current_step(page).locator("h2")
        box = title.bounding_box()
        y = box["y"] + box["height"] / 2
        for kind, x in (("touchStart", from_x), ("touchMove", (from_x + to_x) // 2), ("touchMove", to_x)):
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    # Back from the talk's first step to the very first, then forward through every step, by the bar alone.
    check(start)
    for index in reversed(range(start)):
        previous.tap()
        check(index)
    check_step_shows(page, model, 0)
    for index in range(1, len(steps)):
        following.tap()
        check(index)
        check_step_shows(page, model, index)  # every step of every model, with its texts, as it shows on a phone
        assert page.url.endswith(f"#{steps[index][1].id}"), "the address follows the step"
    assert page.evaluate("() => history.length") == history, "a step is no page of the browser's history"

    # At the foot of the page, its last line is above the bar, not behind it.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    bar_top = page.locator(".cb-run-bar").bounding_box()["y"]
    assert page.locator(".md-footer").bounding_box()["y"] + page.locator(".md-footer").bounding_box()["height"] <= bar_top + 1
    page.evaluate("() => window.scrollTo(0, 0)")

    swipe(330, 90)  # right to left: no further than the last step
    expect(current_step(page)).to_have_attribute("id", steps[-1][1].id)
    if len(steps) > 1:
        swipe(90, 330)  # left to right: back one
        expect(current_step(page)).to_have_attribute("id", steps[-2][1].id)

    # The step list: every step by stage with its minutes, the step shown marked; a tap opens the one picked.
    step_list = page.locator(".cb-run-list")
    step_list.locator("summary").tap()
    links = step_list.get_by_role("navigation", name=T["step_list"]).get_by_role("link")
    expect(links).to_have_count(len(steps))
    expect(step_list.locator("a[aria-current=step]")).to_have_text(shown(steps[-2 if len(steps) > 1 else 0][1].title))
    stage_titles = [normalized(text) for text in step_list.locator(".cb-run-toc-stage").all_inner_texts()]
    assert stage_titles == [normalized(f"{shown(stage.title)} {messages('en')['when'][stage.when]}") for stage in model.stages]
    minutes = [normalized(text) for text in step_list.locator(".cb-minutes").all_inner_texts()]
    assert minutes == [normalized(duration_text(step.minutes, "en")) for _, step in steps if step.minutes]
    assert serious_violations(page) == []  # once per model: the bar, the step list and the step shown
    links.nth(0).tap()
    expect(step_list).not_to_have_attribute("open", "")
    check(0)
    assert page.url.endswith(f"#{steps[0][1].id}")
    assert page.evaluate("() => history.length") == history

    # The address names the step, and opens it: a reload (or the link shared) starts there.
    if len(steps) > 1:
        following.tap()
    named = min(1, len(steps) - 1)
    page.reload()
    expect(page.locator(".cb-run-progress")).to_have_text(T["progress"].format(n=named + 1, total=len(steps)))
    check(named)
    assert traffic.problems() == []


@browser_tests
@pytest.mark.parametrize("scheme", ["desktop", "dark"])
def test_axe_finds_no_serious_violation(open_run, scheme):
    for model_id in CASES:
        page, _, _ = open_run(model_id, scheme)
        page.get_by_role("button", name=T["start"], exact=True).click()
        for summary in current_step(page).locator("details > summary").all():
            summary.click()
        assert serious_violations(page) == [], model_id
        page.close()


@browser_tests
@pytest.mark.parametrize("model_id", SHAPES)
def test_printing_gives_the_list_of_steps_with_minutes_without_the_controls(open_run, model_id):
    page, _, model = open_run(model_id)
    page.keyboard.press("ArrowRight")
    page.emulate_media(media="print")
    for control in (".cb-run-bar", ".cb-run-nav", ".cb-run-save", ".cb-run-notes", ".md-header", ".md-footer"):
        for element in page.locator(control).all():
            expect(element).to_be_hidden()
    items = page.locator("li.cb-run-step")
    expect(items).to_have_count(len(steps_of(model)))
    for item, (_, step) in zip(items.all(), steps_of(model)):
        expect(item).to_be_visible()
        expect(item.locator("h2")).to_have_text(shown(step.title))
        if step.minutes:
            expect(item.locator(".cb-run-minutes")).to_have_text(T["planned"].format(n=step.minutes))
        for question in step.questions:
            expect(item.get_by_text(shown(question.text), exact=True).first).to_be_visible()
