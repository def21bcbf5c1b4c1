"""The built playbook in a real browser: it loads cleanly from an intranet sub-path, search finds
questions, kits download, it works on a phone, with the keyboard, in print, for axe, and from a file share,
all under the pages' Content-Security-Policy, which stops a script injected into a page."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pypdf
import pytest

from browser import (DESKTOP, OVERFLOWING, PHONE, csp_violations, expect, in_ci, missing_browser, serious_violations,
                     watched_page)
from coachbook.kits.catalog import PAPERS, kit_filename
from coachbook.model.loader import load_library, load_model
from coachbook.kits.catalog import pack_filename
from coachbook.text import normalized, plain_text
from conftest import MODEL_IDS, REPO, TRANSLATIONS, shipped_kit_papers

if missing_browser() and not in_ci():  # in CI, every test fails instead (see browser.require_browser)
    pytest.skip(missing_browser(), allow_module_level=True)

MODEL = MODEL_IDS[0]
PAGES = {
    "home": "./",
    "model": f"models/{MODEL}/",
    "questions": "questions/",
    "choose": "choose/",
    "kits": "kits/",
}
TRANSLATED, LANGUAGE = TRANSLATIONS[0] if TRANSLATIONS else (None, None)
"""A model that ships with a translation, and the translation's language."""
SEARCH_WORDS = 6
"""How many opening words of a question a reader types into the search box."""


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where the screenshots go: $COACHBOOK_SCREENSHOTS if set, else the session's temporary folder."""
    chosen = os.environ.get("COACHBOOK_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


# --- helpers --------------------------------------------------------------------------------


def first_question(model_id: str, models_dir: Path = Path(__file__).resolve().parent.parent / "models"):
    """A model's first question, the element id it has on the model page, and its step."""
    model = load_model(models_dir / f"{model_id}.yaml")
    stage, step, question = next(iter(model.questions()))
    number = next(i for i, q in enumerate(step.questions, 1) if q is question)
    return plain_text(question.text), f"{step.id}-q{number}", step.id


def opening_words(text: str) -> str:
    return " ".join(text.split()[:SEARCH_WORDS])


def settle_search(page) -> None:
    """Wait until Material's search results have answered the typed query and stopped changing."""
    page.wait_for_function(
        """() => {
            const meta = document.querySelector('.md-search-result__meta');
            const list = document.querySelector('.md-search-result__list');
            // The result line in the page's language, as Material's own translations for the page word it.
            const words = JSON.parse(document.getElementById('__config').textContent).translations;
            const none = words['search.result.none'];
            if (!meta || !list || !(/\\d/.test(meta.textContent) || meta.textContent.includes(none))) return false;
            const now = performance.now(), html = list.innerHTML;
            if (window.__cbResults !== html) { window.__cbResults = html; window.__cbSince = now; return false; }
            return now - window.__cbSince > 300;
        }""",
        polling=100,
        timeout=15_000,
    )


def search_and_open(page, words: str, page_href: str, section: str) -> None:
    """Type into the search box as a reader does, then open the result for `section` of `page_href`.

    Material shows a page's best-matching sections; less good ones sit under "N more on this
    page", which a reader opens. Either way, the section must be reachable from the page's result.
    """
    box = page.locator("input.md-search__input")
    box.click()
    # Search runs on every key; filling all but the last character saves the queries in between.
    box.fill(words[:-1])
    box.press(words[-1])
    settle_search(page)
    listed = page.locator("li.md-search-result__item > a:first-child").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    matches = [i for i, href in enumerate(listed) if page_href in href.split("?")[0].split("#")[0]]
    assert matches, f"searching {words!r} does not list {page_href}; it lists {listed}"
    result = page.locator("li.md-search-result__item").nth(matches[0])
    link = result.locator(f'a[href*="{page_href}"][href$="#{section}"]')
    assert link.count() == 1, f"the result for {page_href} has no link to its section #{section}"
    if not link.is_visible():
        result.locator("details.md-search-result__more > summary").click()
    link.click()


def assert_question_shown(page, element_id: str, text: str) -> None:
    question = page.locator(f"#{element_id}")
    expect(question).to_contain_text(text)
    expect(question).to_be_in_viewport()
    header = page.locator(".md-header").bounding_box()
    assert question.bounding_box()["y"] >= header["y"] + header["height"] - 1, "the question is under the header"


def tab_until(page, selector: str, limit: int) -> int | None:
    """Press Tab from the page's start until `selector` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("selector => !!document.activeElement?.matches(selector)", selector):
            return presses
    return None


# --- loading --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_no_error_and_no_other_host(open_page, site_url, name):
    page, traffic = open_page(PAGES[name], wait_until="networkidle")
    expect(page.locator("article h1")).to_be_visible()
    # Search ran too: its worker fetched the index from the sub-path, not from the server root. The worker starts
    # late on a busy machine, after the network was idle for a while: wait for its request, letting events arrive.
    index = f"{site_url}search/search_index.json"
    for _ in range(100):
        if index in traffic.requests:
            break
        page.wait_for_timeout(100)
    assert index in traffic.requests
    assert traffic.problems() == []
    assert traffic.foreign(site_url) == []


def test_server_answers_only_under_the_sub_path(open_page, site_url):
    page, _ = open_page(PAGES["home"])
    root = site_url.split("/playbook/")[0] + "/"
    assert page.request.get(root).status == 404
    assert page.request.get(root + "index.html").status == 404
    assert page.request.get(site_url + "index.html").status == 200


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_search_finds_a_question_of_every_model_and_opens_its_section(open_page, site_url, model_id):
    text, element_id, step = first_question(model_id)
    page, traffic = open_page(PAGES["home"])
    search_and_open(page, opening_words(text), f"/models/{model_id}/", step)
    expect(page).to_have_url(re.compile(rf"^{re.escape(site_url)}models/{model_id}/[^#]*#{step}$"))
    assert_question_shown(page, element_id, text)
    assert traffic.problems() == []


def first_translated_question(model_id: str, language: str):
    """A translation's first question, the element id it has on the translated page, and its step."""
    model = load_library([REPO / "models"]).translations[language][model_id]
    stage, step, question = next(iter(model.questions()))
    return plain_text(question.text), f"{step.id}-q{step.questions.index(question) + 1}", step.id


def visible_results(page) -> list[str]:
    return page.locator("li.md-search-result__item:visible > a:first-child").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_search_on_a_translated_page_finds_the_translated_question(open_page, site_url, model_id, language):
    text, element_id, step = first_translated_question(model_id, language)
    page, traffic = open_page(f"{language}/")
    search_and_open(page, opening_words(text), f"/{language}/models/{model_id}/", step)
    expect(page).to_have_url(re.compile(rf"^{re.escape(site_url)}{language}/models/{model_id}/[^#]*#{step}$"))
    assert_question_shown(page, element_id, text)
    assert traffic.problems() == []


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_search_lists_only_results_in_the_language_of_the_page(open_page, model_id, language):
    """The original's words typed on a translated page (and the other way round) list no page of the other language."""
    original_text = first_question(model_id)[0]
    translated_text = first_translated_question(model_id, language)[0]
    for path, words, foreign in (("./", translated_text, f"/{language}/"), (f"{language}/", original_text, None)):
        page, _ = open_page(path)
        box = page.locator("input.md-search__input")
        box.click()
        typed = opening_words(words)
        box.fill(typed[:-1])  # as search_and_open: search answers the key press
        box.press(typed[-1])
        settle_search(page)
        shown = visible_results(page)
        every = page.locator("li.md-search-result__item").count()
        assert every > len(shown), f"on {path}, no result of the other language was there to hide"
        if foreign:
            assert not [href for href in shown if foreign in href], shown
        else:
            assert all(f"/{language}/" in href for href in shown), shown


# --- downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"models/{model_id}/" for model_id in MODEL_IDS] + ["kits/"])
def test_every_kit_link_downloads_a_pdf(open_page, site_url, path):
    page, _ = open_page(path)
    links = page.locator("a.cb-kit-button")
    hrefs = links.evaluate_all("links => links.map(a => a.href)")
    models = MODEL_IDS if path == "kits/" else [path.split("/")[1]]
    expected = {f"{site_url}kits/{m}/{kit_filename(m, kit, paper)}" for m in models for kit, paper in shipped_kit_papers(m)}
    expected |= {f"{site_url}kits/{m}/{pack_filename([m], paper)}" for m in models for paper in PAPERS}
    assert set(hrefs) == expected
    for href in hrefs:
        response = page.request.head(href)
        assert response.status == 200, href
        assert response.headers["content-type"] == "application/pdf", href
        assert int(response.headers["content-length"]) > 1000, href
    assert page.request.get(hrefs[-1]).body().startswith(b"%PDF-")
    # A click saves the file (the links carry `download`) instead of leaving the page.
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename == hrefs[0].rsplit("/", 1)[1]


# --- phone ----------------------------------------------------------------------------------

TAPPABLE_PAGE_LINKS = """nav => [...nav.querySelectorAll('a.md-nav__link')].filter(a => {
    if (a.matches('.md-nav__link--active') || a.getAttribute('href').startsWith('#')) return false;
    const box = a.getBoundingClientRect(), x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (!box.width || x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit && a.contains(hit) && (a.dataset.cbTappable = 'yes');
}).map(a => a.href)"""


@pytest.mark.parametrize("name", PAGES)
def test_phone_has_no_sideways_scrolling_and_the_drawer_opens(open_page, name):
    page, traffic = open_page(PAGES[name], "phone")
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client_width == PHONE["width"]
    assert scroll_width <= client_width, f"{name} scrolls sideways on a phone: {scroll_width} > {client_width}"
    assert page.evaluate(OVERFLOWING) == [], "content sticks out of the screen (and is cut off)"
    nav = page.locator("nav.md-nav--primary")
    expect(nav).not_to_be_in_viewport()
    page.locator('label.md-header__button[for="__drawer"]').click()
    expect(nav).to_be_in_viewport(ratio=0.9)
    # A link to another page that a reader can tap in the open drawer takes them there.
    targets = nav.evaluate(TAPPABLE_PAGE_LINKS)
    assert targets, "the open drawer shows no link to another page"
    nav.locator("a[data-cb-tappable]").first.click()
    expect(page).to_have_url(targets[0])
    assert traffic.problems() == []


def test_no_model_page_scrolls_sideways_on_a_phone(open_page):
    page, traffic = open_page(PAGES["home"], "phone")
    for model_id in MODEL_IDS:
        page.goto(f"models/{model_id}/")
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{model_id} scrolls sideways on a phone"
        assert page.evaluate(OVERFLOWING) == [], f"{model_id}: content sticks out of the screen"
    assert traffic.problems() == []


# --- accessibility --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation(open_page, name, scheme):
    page, _ = open_page(PAGES[name], "dark" if scheme == "dark" else "desktop")
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    assert serious_violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_in_search_results(open_page, scheme):
    page, _ = open_page(PAGES["home"], "dark" if scheme == "dark" else "desktop")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("feedback abou")
    box.press("t")
    settle_search(page)
    expect(page.locator("li.md-search-result__item mark").first).to_be_visible()
    assert serious_violations(page) == []


def test_keyboard_reaches_search_from_page_load(open_page):
    page, _ = open_page(PAGES["home"])
    presses = tab_until(page, "input.md-search__input", limit=10)
    assert presses, "Tab never reaches the search box"
    page.keyboard.type(opening_words(first_question(MODEL)[0]))
    settle_search(page)
    expect(page.locator("li.md-search-result__item").first).to_be_visible()


def test_keyboard_reaches_and_uses_the_kit_buttons(open_page):
    page, _ = open_page(PAGES["model"])
    presses = tab_until(page, "a.cb-kit-button", limit=200)
    assert presses, "Tab never reaches the kit buttons"
    focused, other = page.locator("a.cb-kit-button:focus"), page.locator("a.cb-kit-button:not(:focus)").first
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).outlineStyle]"
    assert focused.evaluate(style) != other.evaluate(style), "the focused kit button looks like the others"
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")


# --- print ----------------------------------------------------------------------------------


def test_printing_a_model_page_keeps_the_content_without_the_navigation(open_page):
    page, _ = open_page(PAGES["model"])
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer", ".cb-kit-buttons"):
        expect(page.locator(chrome).first).to_be_hidden()
    expect(page.locator("article h1")).to_be_visible()
    expect(page.locator("li.cb-question").last).to_be_visible()
    printed = normalized(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(page.pdf(format="A4"))).pages))
    model = load_model(Path(__file__).resolve().parent.parent / "models" / f"{MODEL}.yaml")
    missing = [q.text for _, _, q in model.questions() if normalized(plain_text(q.text)) not in printed]
    assert missing == [], "questions missing from the printed page"
    assert "Table of contents" not in printed


# --- screenshots ----------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("name", ["home", "model", "choose", "questions"])
def test_screenshot(open_page, screenshot_dir, name, device):
    page, _ = open_page(PAGES[name], device)
    expect(page.locator("article h1")).to_be_in_viewport()
    target = screenshot_dir / f"{name}-{device}.png"
    png = page.screenshot(path=target)
    # PNG header: the width is big-endian at bytes 16..20.
    width = int.from_bytes(png[16:20], "big")
    assert png.startswith(b"\x89PNG") and width == (PHONE["width"] * 2 if device == "phone" else DESKTOP["width"])
    # Whole pages are for a person to look at: made when one asked for them (the question bank, tens of thousands of
    # pixels long, never), not into a temporary folder on every run.
    if name != "questions" and os.environ.get("COACHBOOK_SCREENSHOTS"):
        page.screenshot(path=screenshot_dir / f"{name}-{device}-full.png", full_page=True)


# --- offline, from a file share -------------------------------------------------------------


def test_offline_build_works_from_a_file_share(browser, offline_site):
    """`OFFLINE=true mkdocs build` makes a site that works from file://, search included."""
    site, model_id = offline_site, MODEL_IDS[0]
    assert (site / "search" / "search_index.js").is_file()
    assert (site / "models" / f"{model_id}.html").is_file()  # no directory URLs on a file share

    with watched_page(browser, viewport=DESKTOP) as (page, traffic):
        page.goto((site / "index.html").as_uri(), wait_until="networkidle")
        text, element_id, step = first_question(model_id, REPO / "models")
        search_and_open(page, opening_words(text), f"models/{model_id}.html", step)
        expect(page).to_have_url(re.compile(rf"/models/{model_id}\.html[^#]*#{step}$"))
        assert_question_shown(page, element_id, text)
        for href in page.locator("a.cb-kit-button").evaluate_all("links => links.map(a => a.href)"):
            assert href.startswith(site.as_uri()) and Path(url2pathname(urlsplit(href).path)).is_file(), href
        # Conversation mode, from the model page: steps, timer and notes work from the file share too.
        page.locator(".cb-run-link a").click()
        expect(page).to_have_url(re.compile(rf"/run/{model_id}\.html$"))
        # The bar's first text is in the built page: wait for the (deferred) script before pressing keys.
        expect(page.locator("#cb-run.cb-run--live")).to_have_count(1)
        opened = int(re.fullmatch(r"Step (\d+) of \d+", page.locator(".cb-run-progress").inner_text())[1])
        page.keyboard.press("ArrowRight")
        expect(page.locator(".cb-run-progress")).to_have_text(re.compile(rf"^Step {opened + 1} of \d+$"))
        page.get_by_role("button", name="Start timer", exact=True).click()
        page.locator(".cb-run-step:visible textarea").fill("Noted offline")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download notes", exact=True).click()
        assert "Noted offline" in Path(download.value.path()).read_text(encoding="utf-8")
        # Search's worker runs in the shim's frame on file://, from an inline script hashed at build time.
        assert csp_violations(page, traffic) == []
        assert traffic.problems() == []
        assert traffic.foreign(site.as_uri() + "/") == []


# --- content security policy ----------------------------------------------------------------


def test_search_works_under_the_policy(open_page, site_url):
    text, element_id, step = first_question(MODEL)
    page, traffic = open_page(PAGES["home"])
    search_and_open(page, opening_words(text), f"/models/{MODEL}/", step)
    assert_question_shown(page, element_id, text)
    assert csp_violations(page, traffic) == []


@pytest.mark.skipif(TRANSLATED is None, reason="no translated model ships with the repository")
def test_language_switch_works_under_the_policy(open_page, site_url):
    page, traffic = open_page(f"models/{TRANSLATED}/")
    page.locator(".md-header__option .md-select").hover()
    # Material fetches both languages' sitemap.xml to find the page's translation: connect-src 'self'.
    page.locator(f'.md-select a[hreflang="{LANGUAGE}"]').click()
    # The same page in the other language, and back.
    expect(page).to_have_url(f"{site_url}{LANGUAGE}/models/{TRANSLATED}/")
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    page.locator(".md-header__option .md-select").hover()
    page.locator('.md-select a[hreflang="en"]').click()
    expect(page).to_have_url(f"{site_url}models/{TRANSLATED}/")
    assert csp_violations(page, traffic) == []
    assert traffic.problems() == []


def test_colour_scheme_toggle_works_and_survives_a_reload_under_the_policy(open_page):
    """The toggle is the bundle's; restoring the choice on load is the theme's inline (hashed) palette script."""
    page, traffic = open_page(PAGES["model"])
    scheme = "() => document.body.dataset.mdColorScheme"
    before = page.evaluate(scheme)
    page.locator("form[data-md-component=palette] label.md-header__button:visible").click()
    after = page.evaluate(scheme)
    assert after != before
    page.reload()
    assert page.evaluate(scheme) == after
    assert csp_violations(page, traffic) == []


def test_a_kit_downloads_under_the_policy(open_page):
    page, traffic = open_page(PAGES["model"])
    with page.expect_download() as download:
        page.locator("a.cb-kit-button").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    assert csp_violations(page, traffic) == []


def test_the_policy_stops_script_injected_into_a_page(open_page, built_site):
    """Defence in depth: were an escaping mistake to let markup into a page, its script would not run."""
    original = built_site.root / "models" / MODEL / "index.html"
    injected = original.with_name("injected.html")  # beside the original, so that its relative links hold
    html = original.read_text(encoding="utf-8")
    html = html.replace("<article", '<img src=x onerror="window.__pwned=1"><script>window.__pwned2=1</script><article', 1)
    injected.write_text(html, encoding="utf-8")
    try:
        page, traffic = open_page(f"models/{MODEL}/injected.html")
        expect(page.locator("article h1")).to_be_visible()
        page.wait_for_function("() => window.__cspViolations.length >= 2")
        assert page.evaluate("() => [window.__pwned, window.__pwned2]") == [None, None]
        blocked = page.evaluate("() => window.__cspViolations")
        assert any(v.startswith("script-src-attr") for v in blocked), blocked  # the onerror= handler
        assert any(v.startswith("script-src-elem") for v in blocked), blocked  # the <script> element
    finally:
        injected.unlink()  # the site is the session's: other tests read every page of it
