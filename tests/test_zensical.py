"""The same playbook built by Zensical (`coachbook zensical`): every model, kit, question and translation, and search."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.site import csp
from coachbook.kits.catalog import PAPERS, kit_filename, model_kit_papers
from coachbook.kits.catalog import pack_filename
from coachbook.text import normalized, plain_text
from conftest import (MODEL_FILES, MODEL_IDS, REPO, TRANSLATIONS, build_ahead, cli, command_env, copy_site_project, free_port,
                      missing_texts, page_text, session_build, session_command, with_plugin_options)

pytest.importorskip("zensical", reason="Zensical is an optional dependency: python -m pip install -e '.[zensical]'")

COACHBOOK = [sys.executable, "-m", "coachbook"]


def zensical_project(folder: Path) -> Path:
    for name in ("mkdocs.yml", "content", "overrides", "models", "sequences"):
        source = REPO / name
        shutil.copytree(source, folder / name) if source.is_dir() else shutil.copy(source, folder / name)
    return folder


@build_ahead("zensical_site")
def build_with_zensical(folder: Path, cache: Path) -> str:
    url = f"http://127.0.0.1:{free_port()}/playbook/"
    result = session_command([*COACHBOOK, "zensical"], zensical_project(folder), cache, SITE_URL=url)
    assert result.returncode == 0, result.stderr + result.stdout
    return url


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory):
    """`coachbook zensical` of the repository's project, meant to be served under a sub-path."""
    project, url = session_build(tmp_path_factory, "zensical_site")
    return project / "site", url


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_page_has_every_text_and_links_every_kit(zensical_site, models, model_id):
    site, _ = zensical_site
    page = site / "models" / model_id / "index.html"
    assert missing_texts(models[model_id].texts(), page_text(page)) == []
    links = {a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("a.cb-kit-button")}
    expected = {f"../../kits/{model_id}/{kit_filename(model_id, kit, paper)}"
                for kit, paper in model_kit_papers(models[model_id])}
    assert links == expected | {f"../../kits/{model_id}/{pack_filename([model_id], paper)}" for paper in PAPERS}
    assert all((page.parent / href).resolve().read_bytes().startswith(b"%PDF-") for href in links)


def test_search_index_holds_every_question(zensical_site, models):
    site, _ = zensical_site
    items = json.loads((site / "search.json").read_text(encoding="utf-8"))["items"]
    indexed = normalized(" ".join(BeautifulSoup(item["text"], "html.parser").get_text(" ") for item in items))
    questions = [question.text for model in models.values() for _, _, question in model.questions()]
    assert missing_texts(questions, indexed) == []
    assert [item["location"] for item in items if re.match(r"^([a-z]{2}/)?cards/", item["location"])] == []


def test_it_builds_the_pages_the_mkdocs_build_does(zensical_site, built_site):
    site, _ = zensical_site

    def pages(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("index.html")
                if p.relative_to(root).parts[0] in ("models", "questions", "choose", "kits", "de", "sequences", "cards")}

    def kits(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in (root / "kits").rglob("*.pdf")}

    assert pages(site) == pages(built_site.root)
    assert kits(site) == kits(built_site.root)


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_translated_pages_are_in_their_language(zensical_site, model_id, language):
    site, _ = zensical_site
    from coachbook.model.loader import load_model

    translation = load_model(REPO / "models" / language / f"{model_id}.yaml")
    page = site / language / "models" / model_id / "index.html"
    assert missing_texts(translation.texts(), page_text(page)) == []
    assert re.search(rf'<html lang="{language}"', page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", [None, *sorted({language for _, language in TRANSLATIONS})])
def test_the_question_bank_has_the_filters_the_mkdocs_build_has(zensical_site, built_site, folder):
    site, _ = zensical_site

    def filters(root: Path) -> tuple:
        soup = BeautifulSoup((root / (f"{folder}/" if folder else "") / "questions" / "index.html").read_text(encoding="utf-8"),
                             "html.parser")
        form = soup.select_one("form#cb-bank-filters")
        scripts = [script["src"].rsplit("/", 1)[-1] for script in soup.select("script[src]")]
        return (form.get_text(" ", strip=True), [field["name"] for field in form.select("input, select")],
                json.loads(soup.select_one("script#cb-bank-data").string),
                [(stage["data-cb-model"], stage["data-cb-when"], [item["data-cb-asker"] for item in stage.select("li.cb-question")])
                 for stage in soup.select(".cb-bank-stage")],
                scripts.index("words.js") < scripts.index("bank.js"))

    assert filters(site) == filters(built_site.root)


def test_every_page_carries_a_policy_that_covers_its_scripts(zensical_site):
    site, _ = zensical_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        policies = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert len(policies) == 1, page
        assert [body[:60] for body in csp.inline_scripts(html) if csp.script_hash(body) not in policies[0]] == [], page


def test_our_scripts_wait_for_the_page_and_the_flag_comes_first(zensical_site):
    from test_page_finishing import scripts_problems

    site, _ = zensical_site
    for page in ("index.html", "choose/index.html", f"run/{MODEL_IDS[0]}/index.html", f"cards/{MODEL_IDS[0]}/index.html"):
        assert scripts_problems((site / page).read_text(encoding="utf-8")) == [], page


def test_it_writes_the_compressed_copies_as_the_mkdocs_build_does(zensical_site):
    site = zensical_site[0]
    for text in (site / "index.html", site / "models" / MODEL_IDS[0] / "index.html", site / "search.json"):
        assert gzip.decompress(text.with_name(text.name + ".gz").read_bytes()) == text.read_bytes(), text
        assert text.with_name(text.name + ".br").exists(), text


def test_the_offline_build_works_from_a_file_share(browser, tmp_path):
    """`OFFLINE=true coachbook zensical`, as `OFFLINE=true mkdocs build`: `.html` pages, and search from file:// through
    our copy of the iframe-worker shim, under the policy, with no request leaving the folder."""
    from browser import DESKTOP, csp_violations, watched_page
    from coachbook.model.loader import load_model

    project = copy_site_project(tmp_path)
    with_plugin_options(project, "kits: false")
    result = cli("zensical", cwd=project, OFFLINE="true")
    assert result.returncode == 0, result.stderr
    site, model_id = project / "site", MODEL_FILES[0].stem
    assert (site / "models" / f"{model_id}.html").is_file() and not (site / "models" / model_id).exists()
    assert not list(site.rglob("*.gz"))  # a browser reads file:// pages as they are
    with watched_page(browser, viewport=DESKTOP) as (page, traffic):
        page.goto((site / "index.html").as_uri(), wait_until="networkidle")
        _, _, question = next(iter(load_model(MODEL_FILES[0]).questions()))
        page.locator("button.md-search__button").click()
        text = plain_text(question.text)
        page.keyboard.insert_text(text[:-1])
        page.keyboard.type(text[-1])
        found = page.locator(f"div.focus-visible a[href*='models/{model_id}.html']")
        found.first.wait_for(state="attached", timeout=15_000)
        assert csp_violations(page, traffic) == []
        assert traffic.problems() == []
        assert traffic.foreign(site.as_uri() + "/") == []


def test_an_invalid_model_leaves_the_previous_site(tmp_path):
    project = zensical_project(tmp_path)
    for model in (project / "models").glob("*.yaml"):
        if model.stem != MODEL_IDS[0]:
            model.unlink()
    shutil.rmtree(project / "models" / "de")
    shutil.rmtree(project / "sequences")  # they name the models removed
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("<p>the last good site</p>")
    (project / "models" / f"{MODEL_IDS[0]}.yaml").write_text("id: x\n")
    result = cli("zensical", cwd=project)
    assert result.returncode == 1
    assert re.search(rf"^models/{MODEL_IDS[0]}\.yaml:\d+:\d+: title: is required$", result.stderr, re.MULTILINE)
    assert "Traceback" not in result.stderr
    assert [p.name for p in (project / "site").iterdir()] == ["index.html"]


def test_search_finds_every_model_in_the_browser(browser, zensical_site, models):
    from browser import DESKTOP, serve

    site, url = zensical_site
    with serve(site, url):
        page = browser.new_page(viewport=DESKTOP)
        violations: list[str] = []
        page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
        for model_id in MODEL_IDS:
            _, _, question = next(iter(models[model_id].questions()))
            page.goto(f"{url}models/{model_id}/")
            page.locator("button.md-search__button").click()
            # The whole question: several models open with the same words. Results come as the reader types: the
            # question goes in as pasted, and its last character as a key press, whose search is the one checked
            # (typed key by key, each of its keys started a search of its own: half a minute for the nine).
            text = plain_text(question.text)
            page.keyboard.insert_text(text[:-1])
            page.keyboard.type(text[-1])
            found = page.locator(f"div.focus-visible a[href*='/playbook/models/{model_id}/']")
            found.first.wait_for(state="attached", timeout=15_000)
            page.keyboard.press("Escape")
        assert violations == []


def test_sequence_pages_link_their_models_and_are_in_the_navigation(zensical_site):
    site, _ = zensical_site
    sequences = sorted(path.stem for path in (REPO / "sequences").glob("*.yaml"))
    assert sequences
    for sequence_id in sequences:
        page = site / "sequences" / sequence_id / "index.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = [a["href"] for a in soup.select("ol.cb-timeline .cb-timeline-title a")]
        assert links and all((page.parent / href / "index.html").resolve().is_file() for href in links), links
        assert soup.select_one("form.cb-calendar-form")["data-cb-events"]
        assert soup.select_one('script[src$="assets/coachbook/calendar.js"]') is not None
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert {a["href"].rstrip("/").rsplit("/", 1)[-1] for a in home.select("nav a[href*='sequences/']")} == set(sequences)


def test_it_publishes_the_model_schema_for_editors(zensical_site):
    from coachbook.model.schema_export import SITE_PATH, model_schema_json

    site, _ = zensical_site
    assert (site / SITE_PATH).read_text(encoding="utf-8") == model_schema_json()


def test_each_page_links_the_same_page_in_each_language_and_keeps_the_theme_credit(zensical_site):
    """As the MkDocs build does (test_page_finishing.py): the core decides, the front end applies."""
    site, url = zensical_site
    model_id, language = TRANSLATIONS[0]
    soup = BeautifulSoup((site / language / "models" / model_id / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [(link["hreflang"], link["href"]) for link in soup.head.select("link[rel=alternate][hreflang]")]
    assert links == [("en", f"{url}models/{model_id}/"), (language, f"{url}{language}/models/{model_id}/"),
                     ("x-default", f"{url}models/{model_id}/")]
    assert "Made with Zensical" in " ".join(soup.select_one(".md-copyright").get_text().split())  # not branded


def test_a_branded_site_has_a_sized_logo_and_no_theme_credit(tmp_path):
    project = zensical_project(tmp_path)
    shutil.rmtree(project / "models")
    shutil.rmtree(project / "sequences")
    (project / "models").mkdir()
    shutil.copy(REPO / "models" / f"{MODEL_IDS[0]}.yaml", project / "models")
    (project / "acme.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40"/></svg>')
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("      models_dir: [models]\n",
                                                 "      models_dir: [models]\n      kits: false\n      organization: Acme\n      logo: acme.svg\n"))
    result = cli("zensical", cwd=project)
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((project / "site" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [(img["width"], img["height"]) for img in soup.select(".md-logo img")] == [("120", "40")] * 2
    assert "Made with" not in soup.select_one(".md-copyright").get_text()


def _until(condition, what: str, deadline: float = 120) -> None:
    """Wait for `condition()` (a loaded machine builds slowly: the deadline only stops a test that would hang)."""
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"never happened: {what}"
        time.sleep(0.2)


def _served(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:  # not listening yet
        return ""


def test_the_live_server_shows_a_saved_change_and_keeps_the_last_good_site_on_a_mistake(browser, tmp_path):
    """`coachbook zensical --serve` on a one-model project: a saved title reaches the open page by itself, and a
    mistake leaves the last good page served, its one problem line on stderr and on the page."""
    from playwright.sync_api import expect

    from browser import DESKTOP, RECORD_CSP_VIOLATIONS, Traffic, csp_violations

    project = tmp_path / "project"  # its log beside it, not in it
    project.mkdir()
    copy_site_project(project)
    with_plugin_options(project, "kits: false")
    model = project / "models" / MODEL_FILES[0].name
    original = model.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", original, re.MULTILINE).group(1)
    port, log = free_port(), tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        server = subprocess.Popen([*COACHBOOK, "zensical", "--serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=project,
                                  stdout=subprocess.DEVNULL, stderr=stderr,
                                  env=command_env(SITE_URL=f"http://127.0.0.1:{port}/"))
    url = f"http://127.0.0.1:{port}/models/{model.stem}/"
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    try:
        _until(lambda: title in _served(url), "the first build served")
        html = _served(url)
        assert '<script src="/.coachbook/live-reload.js" data-build="0" defer></script>' in html  # no inline script
        # With a site_url the built site is an installable app; the live one is not: a worker would keep answering
        # with the pages it stored over the rebuilds.
        assert "manifest.webmanifest" not in html and _served(f"http://127.0.0.1:{port}/service-worker.js") == ""
        page, traffic = context.new_page(), Traffic()
        traffic.watch(page)
        page.goto(url)
        heading = page.locator("article h1")  # its text, then the permalink's sign
        expect(heading).to_have_text(re.compile(rf"^{re.escape(title)}"))

        model.write_text(original.replace(f"title: {title}", "title: Changed on screen", 1), encoding="utf-8")
        # Nobody reloads the page: the server's script does, once the rebuild is served.
        expect(heading).to_have_text(re.compile("^Changed on screen"), timeout=120_000)
        assert "Changed on screen" in _served(url)
        assert csp_violations(page, traffic) == []

        model.write_text(original.replace("led_by: manager", "led_by: coach", 1).replace(f"title: {title}", "title: Broken", 1),
                         encoding="utf-8")
        _until(lambda: "still serving the last good site" in log.read_text(encoding="utf-8"), "the failed rebuild reported")
        problems = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(f"models/{model.name}:")]
        assert len(problems) == 1 and re.match(rf"models/{model.name}:\d+:\d+: led_by: ", problems[0]), problems
        expect(page.locator(".coachbook-serve-problems")).to_contain_text(problems[0], timeout=30_000)
        expect(heading).to_have_text(re.compile("^Changed on screen"))
        html = _served(url)
        assert "Changed on screen" in html and "Broken" not in html
        assert "Traceback" not in log.read_text(encoding="utf-8")
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=30)
    assert not (project / "site").exists()  # the live server builds elsewhere, never into site_dir


@pytest.mark.parametrize("arguments, message", [
    (["--dev-addr", "localhost"], "argument --dev-addr: must be IP:PORT"),
    (["--dev-addr", "127.0.0.1:1"], "--dev-addr goes with --serve"),
    (["--serve", "--site-dir", "elsewhere"], "--site-dir does not go with --serve"),
])
def test_bad_serve_options_are_usage_errors(tmp_path, arguments, message):
    result = cli("zensical", *arguments, cwd=copy_site_project(tmp_path))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_the_app_s_manifest_and_worker_come_from_the_core_as_in_the_mkdocs_build(zensical_site):
    from coachbook.site.app import MANIFEST, SERVICE_WORKER, precache_list, service_worker

    site, url = zensical_site
    assert json.loads((site / MANIFEST).read_text(encoding="utf-8"))["scope"] == "./"
    # Written after Zensical's own files and the policies: the hashes are those of the published files.
    listed = precache_list(site, directory_urls=True)
    assert (site / SERVICE_WORKER).read_text(encoding="utf-8") == service_worker(listed)
    assert {"search.json", "./", f"models/{MODEL_IDS[0]}/"} <= {address for address, _ in listed}
    page = (site / "index.html").read_text(encoding="utf-8")
    assert '<link rel="manifest" href="manifest.webmanifest">' in page and "manifest-src 'self'" in page
