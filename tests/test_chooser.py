"""The chooser's matchmaker and the favourites: the built page without a script, its data, and the page at work
in Chromium, under an intranet sub-path and from a file share (the offline build)."""

from __future__ import annotations

import functools
import json
import re
import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import url2pathname

import pytest
from bs4 import BeautifulSoup

from browser import DESKTOP, OVERFLOWING, PHONE, Traffic, _SubPathHandler, expect, in_ci, missing_browser, serve
from coachbook.kits.catalog import PAPERS, model_kit_papers
from coachbook.i18n import messages
from coachbook.model.loader import load_library
from coachbook.text import data_text, normalized
from conftest import MODEL_IDS, REPO, TRANSLATIONS, free_port, kitless_site, shipped_kits_and_packs

LIBRARY = load_library([REPO / "models"])
MODELS = {model.id: model for model in LIBRARY.models}
SECTIONS = [None, *LIBRARY.translations]
"""The chooser of the originals (None) and of each translation language."""
MODEL_IDS_IN_ORDER = [model.id for model in LIBRARY.models]
"""The chooser's own order, as an unranked list shows the cards."""
TAGS = sorted({tag for model in MODELS.values() for tag in model.tags})
LABELS = messages("en")["chooser"]

# What a manager might type, in their own words, for each shipped model: the model must come first.
# (A model added later is checked with its own use_when lines, typed as they are.)
SITUATIONS = {
    "five-step-service-coaching": ["an agent keeps missing our service standard",
                                   "customer complaints show a pattern in how she handles calls"],
    "okr-career-growth": ["she asked me about a promotion", "he has mastered his job and seems ready for more"],
    "okr-goal-planning": ["a new quarter starts and we need to set OKRs", "last quarter's goals were vague and too many"],
    "okr-manager-coaching": ["I want him to stop interrupting colleagues in meetings", "my top performer might burn out"],
    "okr-progress-update": ["a key result is falling behind",
                            "priorities shifted mid-quarter and some goals no longer make sense"],
    "okr-upward-feedback": ["I want feedback on my management style",
                            "I changed how I manage the team and wonder how it lands"],
    "performance-connection-care": ["we are moving from annual reviews to frequent check-ins",
                                    "I want employees to own their goals and lead the check-in"],
    "performance-connection-care-follow-up": ["the first connection is done and the short update is due",
                                              "she leads a quick update on what we agreed last time"],
    "performance-improvement-4cs": ["he promised to change but the old habits came back",
                                    "she is willing but keeps falling short"],
    "rci-performance-coaching": ["the annual review is coming and I want her self-assessment first",
                                 "I want regular two-way talks about performance"],
}
# Situations in which a model is the wrong choice: it goes last, with the avoid_when line that says so.
MISFITS = {
    "performance-improvement-4cs": "I have not raised the concern with him at all yet",
    "okr-upward-feedback": "trust is low and she fears speaking up",
    "okr-goal-planning": "the real purpose is a pay decision and a formal rating",
    "performance-connection-care": "the employee had no chance to prepare",
    "performance-connection-care-follow-up": "we never held a first connection, so nothing was agreed yet",
    "five-step-service-coaching": "I only have hearsay, no facts",
}

CARDS = "#cb-matches article.cb-choice:not([hidden])"
VISIBLE_CARDS = "article.cb-choice:not([hidden])"
SHOWN = f"""() => [...document.querySelectorAll('{VISIBLE_CARDS}')]
    .filter(card => !card.closest('[hidden]'))
    .map(card => ({{id: card.dataset.cbModel, avoid: card.classList.contains('cb-choice--avoid'),
                   why: card.querySelector('.cb-choice-why:not([hidden])')?.textContent ?? null}}))"""
STORED = """() => Object.keys(localStorage).filter(key => key.startsWith('coachbook.favourites:'))
    .map(key => [key, JSON.parse(localStorage.getItem(key))])"""


def chooser_path(folder: str | None) -> str:
    return f"{folder}/choose/" if folder else "choose/"


def section_models(folder: str | None):
    return list(LIBRARY.translations[folder].values()) if folder else LIBRARY.models


def fits_time(model, limit: str) -> bool:
    return limit == "more" or model.duration_minutes is None or model.duration_minutes <= int(limit)


# --- the built page, without a script -------------------------------------------------------------


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("folder", SECTIONS)
def test_without_javascript_the_chooser_is_the_full_list_and_the_controls_are_hidden(built_site, folder):
    page = soup_of(built_site.root / chooser_path(folder) / "index.html")
    cards = page.select("article.cb-choice")
    assert sorted(card["id"] for card in cards) == sorted(m.id for m in section_models(folder))
    assert not [card["id"] for card in cards if card.find_parent(attrs={"hidden": True}) or card.has_attr("hidden")]
    # What needs the script waits for it: the form, the favourites and every star are hidden until it runs.
    for selector in ("form#cb-match", "section#my-conversations", "#cb-matches"):
        assert page.select_one(selector).has_attr("hidden"), selector
    stars = page.select("article.cb-choice button.cb-favourite")
    assert len(stars) == len(cards) and all(star.has_attr("hidden") for star in stars)
    assert all(star["aria-pressed"] == "false" and star["type"] == "button" for star in stars)
    # Every control has a label; the live region is there for the count.
    form = page.select_one("form#cb-match")
    for control in form.select("input, select"):
        labelled = control.find_parent("label") or form.select_one(f'label[for="{control.get("id")}"]')
        assert labelled, control
    assert {box["value"] for box in form.select('input[name="tag"]')} == {t for m in section_models(folder) for t in m.tags}
    assert page.select_one("#cb-match-status")["role"] == "status"
    assert page.select_one('script[src$="assets/coachbook/chooser.js"]')


@pytest.mark.parametrize("folder", SECTIONS)
def test_the_chooser_data_holds_every_model_as_plain_text_with_working_links(built_site, folder):
    """`choose.json` beside the chooser, and the same data inline in the page (a file:// page cannot fetch)."""
    section_root = built_site.root / (folder or "")
    data = json.loads((section_root / "choose.json").read_text(encoding="utf-8"))
    page = soup_of(section_root / "choose" / "index.html")
    assert json.loads(page.select_one('script#cb-chooser-data[type="application/json"]').string) == data
    models = section_models(folder)
    assert [entry["id"] for entry in data["models"]] == [m.id for m in models]
    chooser = section_root / "choose"
    for model, entry in zip(models, data["models"]):
        assert entry["title"] == data_text(model.title) and entry["summary"] == data_text(model.summary)
        assert entry["use_when"] == [data_text(t) for t in model.use_when]
        assert entry["avoid_when"] == [data_text(t) for t in model.avoid_when]
        assert entry["situations"] == [data_text(t) for t in model.situations] and entry["situations"]
        assert entry["outline"][:3] == [data_text(t) for t in (model.stages[0].title, model.stages[0].steps[0].title,
                                                               model.stages[0].steps[0].purpose)]
        assert (entry["led_by"], entry["duration_minutes"], entry["tags"]) == (model.led_by, model.duration_minutes, model.tags)
        # Links relative to the chooser page, as on the kits page: each one a file of the site.
        assert (chooser / entry["page"] / "index.html").resolve().is_file(), entry["page"]
        kits_page = soup_of(built_site.root / "kits" / "index.html") if folder is None else None
        assert len(entry["kits"]) == len(model_kit_papers(model)) + len(PAPERS)  # its kits, and a pack per paper
        for kit in entry["kits"]:
            assert (chooser / kit["url"]).resolve().read_bytes().startswith(b"%PDF-"), kit["url"]
        if kits_page is not None:  # the same kits as the kits page offers for the model
            offered = {Path(a["href"]).name for a in kits_page.select(f"h2#{model.id} + div a.cb-kit-button")}
            assert {Path(kit["url"]).name for kit in entry["kits"]} == offered
    language = folder or "en"
    assert data["language"] == language
    assert data["words"]["stop"] == messages(language)["chooser"]["stop_words"].split()
    assert data["words"]["weak"] and data["words"]["related"]


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_model_page_has_a_hidden_favourite_button(built_site, model_id):
    page = soup_of(built_site.root / "models" / model_id / "index.html")
    (star,) = page.select("article button.cb-favourite")
    assert star["data-cb-favourite"] == model_id and star.has_attr("hidden") and star["aria-pressed"] == "false"
    assert normalized(star.get_text()) == LABELS["keep"]


# --- in the browser ---------------------------------------------------------------------------------

needs_browser = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))


@pytest.fixture
def context(browser, site_url):
    """A fresh browser context per test: its own localStorage, so favourites start empty."""
    made = browser.new_context(viewport=DESKTOP, base_url=site_url)
    yield made
    made.close()


@pytest.fixture
def open_page(context):
    def open_(path: str, into=None):
        page = (into or context).new_page()
        traffic = Traffic()
        traffic.watch(page)
        response = page.goto(path)
        assert response.status == 200, path
        return page, traffic

    return open_


def matchmaker_ready(page) -> None:
    expect(page.locator("form#cb-match")).to_be_visible()


@pytest.fixture(scope="module")
def matchmaker(browser, site_url):
    """One chooser page for the tests that only type and filter (a page load and a context each cost a second),
    with its traffic since it opened. Each test gets it as "Show all" leaves it: the full grouped list, no query.

    Its timers are Playwright's: the matchmaker says its count once the reader pauses (400 ms after
    the last change, for screen readers), and the tests move the clock on instead of sleeping through each pause."""
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    page = context.new_page()
    traffic = Traffic()
    traffic.watch(page)
    page.clock.install()  # before the page loads: the theme's scripts clear timers they set at the start
    assert page.goto(chooser_path(None)).status == 200
    matchmaker_ready(page)
    yield page, traffic
    context.close()


@pytest.fixture
def shown_in_full(matchmaker):
    """The shared chooser, reset with "Show all" after the test before (whatever it left), its whole list checked."""
    page, traffic = matchmaker
    page.locator("button.cb-match-reset").click()
    page.clock.run_for(PAUSE_MS)  # the form's reset applies once its fields are reset, on a timer
    expect(page.locator(".cb-group-heading").first).to_be_visible()
    expect(page.locator("#cb-match-q")).to_have_value("")
    expect(page).to_have_url(re.compile(r"/choose/$"))
    assert sorted(shown_ids(page)) == sorted(MODEL_IDS)
    return page, traffic


def shown(page) -> list[dict]:
    return page.evaluate(SHOWN)


def shown_ids(page) -> list[str]:
    return [card["id"] for card in shown(page)]


PAUSE_MS = 1000
"""A reader's pause, longer than the matchmaker waits before it says its count."""


def status_says(page, count: int) -> None:
    """After a pause, the status line says how many models fit (on the `matchmaker` page, whose clock the test moves)."""
    page.clock.run_for(PAUSE_MS)
    forms = LABELS["matches"]
    expected = (forms["one"] if count == 1 else forms["other"]).format(n=count) if count else LABELS["no_match"]
    expect(page.locator("#cb-match-status")).to_have_text(expected)


def type_situation(page, text: str) -> list[dict]:
    page.locator("#cb-match-q").fill(text)
    expect(page.locator(".cb-group-heading").first).to_be_hidden()  # the ranked list stands in for the groups
    return shown(page)


FILTERS = ([("lead", who, lambda m, who=who: m.led_by == who) for who in ("manager", "employee", "shared")]
           + [("time", limit, lambda m, limit=limit: fits_time(m, limit)) for limit in ("15", "30", "60", "more")]
           + [("tag", tag, lambda m, tag=tag: tag in m.tags) for tag in TAGS])


@needs_browser
@pytest.mark.parametrize(("name", "value", "keeps"), FILTERS, ids=[f"{name}={value}" for name, value, _ in FILTERS])
def test_each_filter_narrows_the_cards(shown_in_full, name, value, keeps):
    page, traffic = shown_in_full
    if name == "tag":
        page.locator(f'input[name="tag"][value="{value}"]').check()
    else:
        page.locator(f'select[name="{name}"]').select_option(value)
    expected = [m.id for m in LIBRARY.models if keeps(m)]
    expect(page.locator(".cb-group-heading").first).to_be_hidden()
    assert shown_ids(page) == expected  # in the chooser's order: nothing typed, nothing ranked
    status_says(page, len(expected))
    assert parse_qs(urlsplit(page.url).query) == {name: [value]}
    # "Show all" brings back the grouped list, and the address without a query.
    page.locator("button.cb-match-reset").click()
    expect(page.locator(".cb-group-heading").first).to_be_visible()
    assert sorted(shown_ids(page)) == sorted(MODEL_IDS)
    expect(page).to_have_url(re.compile(r"/choose/$"))
    assert traffic.problems() == []


@needs_browser
def test_filters_combine_and_every_tag_ticked_must_be_there(shown_in_full):
    page, _ = shown_in_full
    page.locator('select[name="lead"]').select_option("manager")
    page.locator('select[name="time"]').select_option("30")
    for tag in ("performance", "coaching"):
        page.locator(f'input[name="tag"][value="{tag}"]').check()
    expected = [m.id for m in LIBRARY.models if m.led_by == "manager" and fits_time(m, "30")
                and {"performance", "coaching"} <= set(m.tags)]
    expect(page.locator(".cb-group-heading").first).to_be_hidden()
    assert shown_ids(page) == expected and expected
    status_says(page, len(expected))


def situations(model_id: str) -> list[str]:
    return SITUATIONS.get(model_id, []) + [data_text(line) for line in MODELS[model_id].use_when]


@needs_browser
@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_a_situation_ranks_its_model_first_and_says_why(shown_in_full, model_id):
    assert model_id in SITUATIONS, f"write a situation or two for {model_id} in SITUATIONS"
    page, traffic = shown_in_full
    use_lines = [data_text(line) for line in (*MODELS[model_id].situations, *MODELS[model_id].use_when)]
    for text in situations(model_id):
        cards = type_situation(page, text)
        assert cards and cards[0]["id"] == model_id, f"{text!r} ranks {[c['id'] for c in cards]}"
        why = cards[0]["why"]
        assert why and why.startswith(LABELS["fits_when"]) and why[len(LABELS["fits_when"]) + 1:] in use_lines, why
        fits = [card for card in cards if not card["avoid"]]
        status_says(page, len(fits))
    assert traffic.problems() == []


@needs_browser
@pytest.mark.parametrize("model_id", [m for m in MODEL_IDS if MODELS[m].avoid_when])
def test_an_avoid_when_situation_puts_the_model_last_with_its_line(shown_in_full, model_id):
    page, _ = shown_in_full
    avoid_lines = [data_text(line) for line in MODELS[model_id].avoid_when]
    for text in ([MISFITS[model_id]] if model_id in MISFITS else []) + avoid_lines:
        cards = type_situation(page, text)
        flags = [card["avoid"] for card in cards]
        assert flags == sorted(flags), f"{text!r}: an avoided model before a fitting one: {cards}"
        (card,) = [card for card in cards if card["id"] == model_id]
        assert card["avoid"], f"{text!r} does not mark {model_id} to avoid: {cards}"
        assert card["why"].startswith(LABELS["avoid_when"]) and card["why"][len(LABELS["avoid_when"]) + 1:] in avoid_lines
        expect(page.locator(f'article[data-cb-model="{model_id}"]')).to_have_class(re.compile("cb-choice--avoid"))


@needs_browser
def test_words_nobody_used_are_no_strong_match_and_every_card_stays(shown_in_full):
    page, _ = shown_in_full
    assert [card["id"] for card in type_situation(page, "zebra xylophone quasar")] == MODEL_IDS_IN_ORDER
    page.clock.run_for(PAUSE_MS)
    expect(page.locator("#cb-match-status")).to_have_text(LABELS["no_strong_match"])


@needs_browser
def test_a_filtered_address_restores_the_filters_and_the_results(open_page, context, site_url):
    page, _ = open_page(chooser_path(None))
    matchmaker_ready(page)
    page.locator("#cb-match-q").fill("a key result is falling behind")
    page.locator('select[name="lead"]').select_option("manager")
    page.locator('input[name="tag"][value="goals"]').check()
    results = shown(page)
    assert results and results[0]["id"] == "okr-progress-update"
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["a key result is falling behind"], "lead": ["manager"], "tag": ["goals"]}
    for restored in (page, open_page(page.url.removeprefix(site_url))[0]):  # a reload, and a bookmark opened anew
        if restored is page:
            page.reload()
        matchmaker_ready(restored)
        expect(restored.locator("#cb-match-q")).to_have_value("a key result is falling behind")
        expect(restored.locator('select[name="lead"]')).to_have_value("manager")
        expect(restored.locator('input[name="tag"][value="goals"]')).to_be_checked()
        expect(restored.locator('select[name="time"]')).to_have_value("")
        expect(restored.locator(".cb-group-heading").first).to_be_hidden()
        assert shown(restored) == results
    # A value the page does not offer is ignored, not shown as a blank choice.
    odd, _ = open_page(chooser_path(None) + "?lead=boss&time=7&tag=nope")
    matchmaker_ready(odd)
    expect(odd.locator('select[name="lead"]')).to_have_value("")
    assert sorted(shown_ids(odd)) == sorted(MODEL_IDS)


def tab_to(page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => !!document.activeElement?.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reaches {selector}")


@needs_browser
def test_the_matchmaker_and_the_stars_work_with_the_keyboard_alone(open_page):
    page, traffic = open_page(chooser_path(None))
    matchmaker_ready(page)
    tab_to(page, "#cb-match-q")
    page.keyboard.type("she asked me about a promotion")
    expect(page.locator(CARDS).first).to_have_attribute("data-cb-model", "okr-career-growth")
    tab_to(page, 'select[name="lead"]')
    page.keyboard.press("ArrowDown")  # Anyone -> The manager
    expect(page.locator('select[name="lead"]')).to_have_value("manager")
    tab_to(page, 'input[name="tag"][value="career"]')
    page.keyboard.press("Space")
    expect(page.locator('input[name="tag"][value="career"]')).to_be_checked()
    expect(page.locator(CARDS)).to_have_count(1)
    star = 'article[data-cb-model="okr-career-growth"] button.cb-favourite'
    tab_to(page, star)
    page.keyboard.press("Enter")
    expect(page.locator(star)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_text([data_text(MODELS["okr-career-growth"].title)])
    tab_to(page, "button.cb-match-reset", limit=200)
    page.keyboard.press("Enter")
    expect(page.locator('select[name="lead"]')).to_have_value("")
    expect(page.locator(".cb-group-heading").first).to_be_visible()
    assert traffic.problems() == []


def star(page, model_id: str, where: str = "article"):
    return page.locator(f'{where} button.cb-favourite[data-cb-favourite="{model_id}"]')


def expect_favourite(page, model_id: str, on: bool) -> None:
    button = star(page, model_id)
    expect(button).to_have_attribute("aria-pressed", "true" if on else "false")
    expect(button).to_have_accessible_name(LABELS["keep"])  # the same whatever the state: pressed says it


@needs_browser
def test_favourites_across_a_reload_a_model_page_and_the_chooser(open_page, site_url):
    first, second = MODEL_IDS[0], MODEL_IDS[-1]
    page, traffic = open_page(f"models/{first}/")
    expect_favourite(page, first, False)
    star(page, first).click()
    expect_favourite(page, first, True)
    page.reload()
    expect_favourite(page, first, True)

    page.goto(chooser_path(None))
    expect(page.locator("#my-conversations")).to_be_visible()
    expect(page.locator(".cb-mine-note")).to_have_text(LABELS["mine_note"])
    expect_favourite(page, first, True)
    expect_favourite(page, second, False)
    star(page, second).click()
    mine = page.locator(".cb-mine-list > li > a.cb-mine-link")
    expect(mine).to_have_text([data_text(MODELS[first].title), data_text(MODELS[second].title)])
    page.reload()
    expect(mine).to_have_text([data_text(MODELS[first].title), data_text(MODELS[second].title)])
    # Stored: the model ids and nothing else, under a key named after the site's root.
    assert page.evaluate(STORED) == [[f"coachbook.favourites:{urlsplit(site_url).path}", [first, second]]]

    # Each favourite's kits, as the kits page offers them, download.
    kits = page.locator(".cb-mine-list > li").first.locator("a.cb-mine-kit")
    expect(kits).to_have_count(shipped_kits_and_packs(first))
    hrefs = kits.evaluate_all("links => links.map(a => a.href)")
    assert all(href.startswith(f"{site_url}kits/{first}/") and href.endswith(".pdf") for href in hrefs)
    for href in hrefs:
        assert page.request.head(href).status == 200, href
    with page.expect_download() as download:
        kits.first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    mine.first.click()
    expect(page).to_have_url(f"{site_url}models/{first}/")

    # Removed on the model page, gone from the chooser's list; Clear empties it.
    star(page, first).click()
    expect_favourite(page, first, False)
    page.goto(chooser_path(None))
    expect(mine).to_have_text([data_text(MODELS[second].title)])
    page.locator("button.cb-mine-clear").click()
    expect(mine).to_have_count(0)
    expect(page.locator(".cb-mine-empty")).to_be_visible()
    expect(page.locator("button.cb-mine-clear")).to_be_hidden()
    expect_favourite(page, second, False)
    page.reload()
    expect(mine).to_have_count(0)
    assert page.evaluate(STORED) == []
    assert traffic.problems() == []


@needs_browser
@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_a_favourite_shows_in_each_language_with_that_language_s_kits(open_page, model_id, language):
    page, _ = open_page(f"{language}/models/{model_id}/")
    star(page, model_id).click()
    expect(star(page, model_id)).to_have_attribute("aria-pressed", "true")
    expect(star(page, model_id)).to_have_accessible_name(messages(language)["chooser"]["keep"])
    page.goto(chooser_path(language))
    translation = LIBRARY.translations[language][model_id]
    expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_text([data_text(translation.title)])
    hrefs = page.locator("a.cb-mine-kit").evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(f".{language}.pdf" in href for href in hrefs)
    page.goto(chooser_path(None))
    expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_text([data_text(MODELS[model_id].title)])


class _TwoSitesHandler(_SubPathHandler):
    """One site folder served at two sub-paths of one host: two sites that share an origin and its storage."""

    prefixes = ("/one/", "/two/")

    def send_head(self):
        path = urlsplit(self.path).path
        self.prefix = next((p for p in self.prefixes if path.startswith(p)), "/nowhere/")
        return super().send_head()

    def translate_path(self, path: str) -> str:
        url = urlsplit(path).path
        prefix = next((p for p in self.prefixes if url.startswith(p)), "/")
        return super(_SubPathHandler, self).translate_path("/" + url[len(prefix):])


@contextmanager
def two_sites(root: Path):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(_TwoSitesHandler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@needs_browser
def test_two_sites_on_one_host_keep_their_own_favourites(browser, built_site):
    with two_sites(built_site.root) as origin:
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            page.goto(f"{origin}/one/models/{MODEL_IDS[0]}/")
            star(page, MODEL_IDS[0]).click()
            expect_favourite(page, MODEL_IDS[0], True)
            page.goto(f"{origin}/two/models/{MODEL_IDS[0]}/")
            expect_favourite(page, MODEL_IDS[0], False)
            page.goto(f"{origin}/two/choose/")
            expect(page.locator(".cb-mine-empty")).to_be_visible()
            assert page.evaluate(STORED) == [["coachbook.favourites:/one/", [MODEL_IDS[0]]]]
        finally:
            context.close()


REFUSED_STORAGE = """Object.defineProperty(window, 'localStorage', {
    get() { throw new DOMException('The user denied storage', 'SecurityError'); }});"""


@needs_browser
def test_where_storage_is_refused_nothing_breaks(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    context.add_init_script(REFUSED_STORAGE)
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.watch(page)
        page.goto(chooser_path(None))
        matchmaker_ready(page)
        assert type_situation(page, "she asked me about a promotion")[0]["id"] == "okr-career-growth"
        star(page, "okr-career-growth").click()
        expect_favourite(page, "okr-career-growth", True)  # for as long as the page is open
        expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_count(1)
        # The theme's own scripts do not expect refused storage either; what the chooser does is checked above.
        assert [problem for problem in traffic.problems() if "The user denied storage" not in problem] == []
    finally:
        context.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe  # ships axe.min.js: no network needed

    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [f"{v['id']} ({v['impact']}): {v['help']} at " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in {"serious", "critical"}]


def set_the_chooser_up(page) -> None:
    """Favourites present, a situation typed and filters set: everything the script adds is on the page."""
    matchmaker_ready(page)
    star(page, "okr-progress-update").click()
    star(page, "okr-career-growth").click()
    page.locator("#cb-match-q").fill("I have not raised the concern with him at all yet")
    page.locator('select[name="time"]').select_option("60")
    page.locator('input[name="tag"][value="performance"]').check()
    expect(page.locator(".cb-choice-why").first).to_be_visible()
    expect(page.locator("article.cb-choice--avoid").first).to_be_visible()
    expect(page.locator("#cb-match-status")).not_to_be_empty()


@needs_browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_with_filters_and_favourites(browser, site_url, scheme):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(chooser_path(None))
        set_the_chooser_up(page)
        assert serious_violations(page) == []
        page.goto(f"models/{MODEL_IDS[0]}/")
        star(page, MODEL_IDS[0]).click()
        assert serious_violations(page) == []
    finally:
        context.close()


@needs_browser
def test_on_a_phone_the_chooser_does_not_scroll_sideways(browser, site_url):
    context = browser.new_context(viewport=PHONE, base_url=site_url, is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(chooser_path(None))
        set_the_chooser_up(page)
        for state in ("filtered", "all"):
            width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1] == PHONE["width"], f"{state}: scrolls sideways on a phone: {width}"
            assert page.evaluate(OVERFLOWING) == [], f"{state}: content sticks out of the screen"
            page.locator("button.cb-match-reset").click()
            expect(page.locator(".cb-group-heading").first).to_be_visible()
    finally:
        context.close()


# --- from a file share (the offline build) ------------------------------------------------------------


@needs_browser
def test_the_chooser_and_favourites_work_from_a_file_share(browser, offline_site):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.watch(page)
        page.goto((offline_site / "models" / f"{MODEL_IDS[0]}.html").as_uri())
        star(page, MODEL_IDS[0]).click()
        expect_favourite(page, MODEL_IDS[0], True)

        page.goto((offline_site / "choose.html").as_uri())
        matchmaker_ready(page)
        expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_text([data_text(MODELS[MODEL_IDS[0]].title)])
        # Each kit link names a PDF of the share (Chromium saves no download from a file:// page to look at).
        hrefs = page.locator("a.cb-mine-kit").evaluate_all("links => links.map(a => a.href)")
        assert len(hrefs) == shipped_kits_and_packs(MODEL_IDS[0])
        for href in hrefs:
            assert href.startswith(offline_site.as_uri()), href
            assert Path(url2pathname(urlsplit(href).path)).read_bytes().startswith(b"%PDF-"), href
        assert page.locator(".cb-mine-list a.cb-mine-link").get_attribute("href") == f"models/{MODEL_IDS[0]}.html"

        results = type_situation(page, "a key result is falling behind")
        assert results[0]["id"] == "okr-progress-update" and results[0]["why"].startswith(LABELS["fits_when"])
        page.locator('select[name="lead"]').select_option("manager")
        assert parse_qs(urlsplit(page.url).query) == {"q": ["a key result is falling behind"], "lead": ["manager"]}
        filtered = shown(page)
        page.reload()
        matchmaker_ready(page)
        expect(page.locator("#cb-match-q")).to_have_value("a key result is falling behind")
        assert shown(page) == filtered
        assert traffic.problems() == []
        assert traffic.foreign(offline_site.as_uri() + "/") == []
    finally:
        context.close()


# --- hostile text -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_chooser(browser, tmp_path_factory) -> Path:
    """A site (without kits, for speed) whose one model is hostile in every text."""
    from hostile import hostile_model

    return kitless_site(tmp_path_factory.mktemp("hostile-chooser"), hostile_model("hostile")[0])


@needs_browser
def test_hostile_text_stays_text_in_the_matchmaker_and_the_favourites(browser, hostile_chooser):
    from hostile import MARKER, live_in_html

    with serve(hostile_chooser, f"http://127.0.0.1:{free_port()}/playbook/") as url:
        context = browser.new_context(viewport=DESKTOP, base_url=url)
        try:
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            traffic = Traffic()
            traffic.watch(page)
            page.goto("choose/")
            matchmaker_ready(page)
            star(page, "hostile").click()
            expect(page.locator(".cb-mine-list a.cb-mine-link")).to_have_count(1)
            cards = type_situation(page, f"img src onerror alert {MARKER} script iframe svg onload")
            assert [card["id"] for card in cards] == ["hostile"] and cards[0]["why"]
            # The line as the reader reads it in the data: its markup shown as characters.
            (model,) = json.loads((hostile_chooser / "choose.json").read_text(encoding="utf-8"))["models"]
            label = LABELS["avoid_when" if cards[0]["avoid"] else "fits_when"]
            line = cards[0]["why"][len(label) + 1:]
            assert line in (model["avoid_when"] if cards[0]["avoid"] else model["situations"] + model["use_when"])
            page.locator('input[name="tag"][value="cbxss"]').check()
            assert live_in_html(page.content(), "chooser with the script run") == []
            assert page.evaluate("() => document.querySelectorAll('article img, article svg, article iframe, article script:not([type])').length") == 0
            assert dialogs == [] and traffic.foreign(url) == []
        finally:
            context.close()
