"""The installable offline app: its manifest, its service worker's precache list, the policy that allows them, and the
playbook served under /playbook/ in Chromium working offline and offering a new build."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from browser import PHONE, RECORD_CSP_VIOLATIONS, Traffic, csp_violations, expect, serve
from coachbook.branding import SITE_LOGO, Branding, Logo
from coachbook.i18n import messages
from coachbook.model.loader import load_model
from coachbook.site.app import APP_JS, MANIFEST, SERVICE_WORKER, App, app_name, precache_list, service_worker
from coachbook.text import plain_text
from conftest import MODEL_FILES, copy_site_project, free_port, run, with_plugin_options

SITE = messages("en")["site"]
RUN = messages("en")["run"]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def directives(page_html: str) -> dict[str, list[str]]:
    meta = BeautifulSoup(page_html, "html.parser").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    return {name: sources for name, *sources in (part.split() for part in meta["content"].split(";"))}


def precached(site: Path) -> dict[str, str]:
    """The worker's precache list, as its file carries it: address relative to the root, content hash."""
    source = (site / SERVICE_WORKER).read_text(encoding="utf-8")
    data = json.loads(re.match(r"const PRECACHE = (\{.*?\});\n", source).group(1))
    return dict(data["files"])


# --- manifest -----------------------------------------------------------------------------------


def test_the_manifest_claims_the_site_s_own_path_and_takes_the_organization_s_name_and_colour():
    branding = Branding(organization="Acme Corp", primary_color="#1a5fb4")
    manifest = json.loads(App(app_name(branding, "Coachbook"), "de", branding).manifest())
    at = "http://127.0.0.1:8000/playbook/" + MANIFEST
    assert urlsplit(urljoin(at, manifest["start_url"])).path == "/playbook/"
    assert urlsplit(urljoin(at, manifest["scope"])).path == "/playbook/"
    assert (manifest["name"], manifest["short_name"], manifest["theme_color"]) == ("Acme Corp", "Acme Corp", "#1a5fb4")
    assert manifest["display"] == "standalone"
    assert manifest["description"] == messages("de")["site"]["app_description"]
    # No logo: the default icons, each shipped with the manifest.
    files = App("Acme Corp", "de", branding).files()
    assert [icon["src"] for icon in manifest["icons"]] and all(icon["src"] in files for icon in manifest["icons"])
    assert app_name(None, "Coachbook") == "Coachbook"


def test_the_organization_s_logo_is_the_app_s_icon_as_given():
    png = (Path(__file__).parent.parent / "coachbook" / "assets" / "site" / "icon-192.png").read_bytes()
    for logo, sizes in ((Logo("acme.png", ".png", png), "192x192"),
                        (Logo("acme.svg", ".svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"/>'), "any")):
        branding = Branding(organization="Acme", logo=logo)
        app = App("Acme", "en", branding, SITE_LOGO + logo.suffix)
        assert json.loads(app.manifest())["icons"] == [{"src": SITE_LOGO + logo.suffix, "sizes": sizes,
                                                        "type": logo.media_type}]
        assert not [path for path in app.files() if "icon" in path]  # Coachbook's own icons stay out


def test_the_built_site_s_manifest_and_every_page_link_it_and_the_registration_script(built_site):
    manifest = json.loads((built_site.root / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["name"] == "Coachbook"  # the repository's site_name: it has no organization
    for icon in manifest["icons"]:
        assert (built_site.root / icon["src"]).is_file()
    for path in html_pages(built_site.root):
        page = path.relative_to(built_site.root).as_posix()
        if page == "404.html":  # shown at any address: no relative link could hold
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        address = urljoin(built_site.url, page)
        assert urljoin(address, soup.find("link", rel="manifest")["href"]) == built_site.url + MANIFEST, page
        script = soup.find("script", src=re.compile(r"app\.js$"))
        assert urljoin(address, script["src"]) == built_site.url + APP_JS, page
        assert script.has_attr("defer") and script["data-reload"], page
        policy = directives(str(soup))
        assert policy["worker-src"] == ["'self'"] and policy["manifest-src"] == ["'self'"], page
        assert "'unsafe-inline'" not in policy["script-src"], page


def test_a_translation_s_pages_word_the_update_prompt_in_their_language(built_site):
    de = messages("de")["site"]
    soup = BeautifulSoup((built_site.root / "de" / "index.html").read_text(encoding="utf-8"), "html.parser")
    script = soup.find("script", src=re.compile(r"app\.js$"))
    assert (script["data-ready"], script["data-reload"]) == (de["app_update"], de["app_reload"])


def test_the_hostile_organization_names_the_app_as_plain_text(hostile_site):
    from hostile import HOSTILE_BRANDING

    manifest = json.loads((hostile_site / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["name"] == HOSTILE_BRANDING["organization"]


def test_the_offline_build_has_no_app(offline_site):
    assert not (offline_site / MANIFEST).exists() and not (offline_site / SERVICE_WORKER).exists()
    assert not (offline_site / APP_JS).exists()
    for path in html_pages(offline_site):
        text = path.read_text(encoding="utf-8")
        assert 'rel="manifest"' not in text and "app.js" not in text, path
        assert "manifest-src" not in directives(text), path


def test_app_false_turns_the_app_off_on_a_site_with_a_site_url(tmp_path):
    project = copy_site_project(tmp_path)
    with_plugin_options(project, "kits: false", "app: false")
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict"], project, SITE_URL="https://example.org/playbook/")
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert not (site / MANIFEST).exists() and not (site / SERVICE_WORKER).exists() and not (site / APP_JS).exists()
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'rel="manifest"' not in page and "manifest-src" not in directives(page)


# --- the worker's precache list -------------------------------------------------------------------


def small_site(folder: Path) -> Path:
    for path, text in {"index.html": "home", "models/x/index.html": "x", "de/index.html": "de", "assets/a.css": "a",
                       "search/search_index.json": "{}", "choose.json": "[]", "kits/x/x-guide-a4.pdf": "%PDF",
                       "index.html.gz": "z", "index.html.br": "b", ".htaccess": "h", "assets/a.css.map": "m",
                       SERVICE_WORKER: "old"}.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    return folder


def test_the_precache_lists_pages_by_their_address_and_leaves_out_kits_copies_and_the_worker(tmp_path):
    listed = dict(precache_list(small_site(tmp_path), directory_urls=True))
    assert sorted(listed) == ["./", "assets/a.css", "choose.json", "de/", "models/x/", "search/search_index.json"]
    assert sorted(dict(precache_list(tmp_path, directory_urls=False))) == [
        "assets/a.css", "choose.json", "de/index.html", "index.html", "models/x/index.html", "search/search_index.json"]


def test_the_worker_is_the_same_for_the_same_files_and_changes_with_any_page(tmp_path):
    site = small_site(tmp_path)
    first = service_worker(precache_list(site, True))
    assert service_worker(precache_list(site, True)) == first
    (site / "models" / "x" / "index.html").write_text("x, retitled", encoding="utf-8")
    second = service_worker(precache_list(site, True))
    version = re.compile(r'"version":"([0-9a-f]+)"')
    assert second != first and version.search(second).group(1) != version.search(first).group(1)


def test_the_built_worker_lists_every_page_and_file_with_its_hash_as_finally_written(built_site):
    """Written last: the hashes are those of the files as published, the search index (written late by the theme's
    search plugin) included."""
    root = built_site.root
    listed = precached(root)
    assert listed == dict(precache_list(root, directory_urls=True))
    pages = {path.relative_to(root).as_posix().removesuffix("index.html") or "./" for path in html_pages(root)}
    assert pages - set(listed) == set()
    for data in ("search/search_index.json", "choose.json", "de/choose.json", "assets/coachbook/coachbook.css"):
        assert data in listed, data
    assert not [address for address in listed if address.endswith((".pdf", ".gz", ".br"))]


# --- in Chromium, served under /playbook/ -----------------------------------------------------------


def app_context(browser, base_url: str):
    """A phone's context that lets the site register its worker (the suite's other contexts block workers)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=base_url,
                                  service_workers="allow")
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    return context


def installed(page, base_url: str) -> None:
    """The worker has installed for the site's root path and controls the page."""
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == base_url and urlsplit(scope).path == "/playbook/"
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


STORED = """async () => {
    const found = [];
    for (const name of await caches.keys())
        for (const request of await (await caches.open(name)).keys()) found.push([name, request.url]);
    return found;
}"""
"""Every (cache name, address) the origin's caches hold."""
FETCHED = "url => fetch(url).then(response => response.status, () => 'failed')"


def test_installed_the_playbook_works_offline_and_keeps_an_opened_kit(browser, built_site, site_url):
    model = load_model(MODEL_FILES[-1])
    kits = sorted((built_site.root / "kits" / model.id).glob("*.pdf"))
    opened, unopened = (kit.relative_to(built_site.root).as_posix() for kit in kits[:2])
    context = app_context(browser, site_url)
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.watch(page)
        assert page.goto("./").status == 200
        installed(page, site_url)
        assert page.evaluate(FETCHED, opened) == 200
        page.wait_for_function("url => caches.match(url).then(Boolean)", arg=site_url + opened)

        # Another site on the same host: left to the network, and nothing of it stored.
        assert page.evaluate(FETCHED, "/elsewhere/page.html") == 404
        stored = page.evaluate(STORED)
        assert stored and all(name.startswith(f"coachbook {site_url} ") and url.startswith(site_url)
                              for name, url in stored)

        context.set_offline(True)
        assert page.evaluate(FETCHED, unopened) == "failed"  # the network is gone indeed
        assert page.evaluate(FETCHED, opened) == 200  # opened once: kept

        response = page.goto(f"models/{model.id}/")  # never visited
        assert response.status == 200 and response.from_service_worker
        expect(page.locator("article h1")).to_contain_text(plain_text(model.title))

        page.goto("choose/")
        page.locator("#cb-match-q").fill(plain_text(model.title))
        expect(page.locator(f'#cb-matches article.cb-choice[data-cb-model="{model.id}"]')).to_be_visible()
        assert page.evaluate(FETCHED, "../choose.json") == 200  # its data as a file, for other readers

        page.goto(f"models/{model.id}/")
        page.locator('label.md-header__button[for="__search"]').click()  # a phone's search button opens the box
        words = plain_text(model.title)
        box = page.locator("input.md-search__input")
        box.fill(words[:-1])
        box.press(words[-1])  # search answers a key press
        result = page.locator(f'li.md-search-result__item > a[href*="models/{model.id}/"]').first
        expect(result).to_be_visible(timeout=15_000)

        page.goto(f"run/{model.id}/")
        shown = page.locator("li.cb-run-step:visible")
        first = shown.get_attribute("id")
        page.get_by_role("button", name=RUN["next"]).click()
        expect(shown).not_to_have_id(first)

        assert page.goto("de/").status == 200  # every language is there
        assert traffic.foreign(site_url.split("/playbook/")[0]) == []
        assert csp_violations(page, traffic) == []
        assert traffic.page_errors == []
    finally:
        context.close()


def test_a_new_build_is_offered_and_reloads_into_the_new_title(browser, tmp_path):
    project = copy_site_project(tmp_path)
    with_plugin_options(project, "kits: false")
    url = f"http://127.0.0.1:{free_port()}/playbook/"
    model_file = project / "models" / MODEL_FILES[0].name
    model = load_model(model_file)

    def build() -> None:
        result = run([sys.executable, "-m", "mkdocs", "build", "--strict"], project, SITE_URL=url)
        assert result.returncode == 0, result.stderr

    build()
    before = (project / "site" / SERVICE_WORKER).read_bytes()
    context = app_context(browser, url)
    try:
        with serve(project / "site", url):
            page = context.new_page()
            traffic = Traffic()
            traffic.watch(page)
            assert page.goto(f"models/{model.id}/").status == 200
            installed(page, url)
            expect(page.locator("article h1")).to_contain_text(plain_text(model.title))

            retitled = "A retitled conversation"
            text = model_file.read_text(encoding="utf-8")
            model_file.write_text(text.replace(f"title: {model.title}\n", f"title: {retitled}\n", 1), encoding="utf-8")
            build()
            assert (project / "site" / SERVICE_WORKER).read_bytes() != before

            page.reload()
            expect(page.locator("article h1")).to_contain_text(plain_text(model.title))  # the installed build, until asked
            prompt = page.locator(".cb-app-update")
            expect(prompt).to_contain_text(SITE["app_update"], timeout=20_000)
            with page.expect_navigation():
                prompt.get_by_role("button", name=SITE["app_reload"]).click()
            expect(page.locator("article h1")).to_contain_text(retitled)
            assert traffic.foreign(url.split("/playbook/")[0]) == []
            assert traffic.page_errors == []
    finally:
        context.close()
