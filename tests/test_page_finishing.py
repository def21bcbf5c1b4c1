"""What every front end does to each written page: language links to the same page, no script the build does not
need in <head>, none of ours that holds up the first paint (the logo's size: test_branding.py; Zensical's pages:
test_zensical.py; that nothing moves when the scripts run: test_layout_stability.py)."""

from __future__ import annotations

import shutil
import sys

from bs4 import BeautifulSoup

from coachbook.site.csp import IFRAME_WORKER_SHIM
from coachbook.site import csp
from coachbook.site.finishing import SCRIPTS_FLAG, PageFinisher
from conftest import MODEL_IDS, REPO, TRANSLATIONS, copy_site_project, run

TRANSLATED, LANGUAGE = TRANSLATIONS[0]
UNTRANSLATED = next(model_id for model_id in MODEL_IDS if model_id not in dict(TRANSLATIONS))
PAGES = {"index.html", "de/index.html", "models/x/index.html", "de/models/x/index.html", "models/y/index.html"}


def language_links(page_html: str) -> list[tuple[str, str]]:
    head = BeautifulSoup(page_html, "html.parser").head
    return [(link["hreflang"], link["href"]) for link in head.select("link[rel=alternate][hreflang]")]


def test_a_page_names_itself_in_each_language_it_has_and_its_original_as_the_default():
    finisher = PageFinisher({None: "en", "de": "de"}, site_url="https://intranet.example/playbook/")
    expected = [("en", "https://intranet.example/playbook/models/x/"), ("de", "https://intranet.example/playbook/de/models/x/"),
                ("x-default", "https://intranet.example/playbook/models/x/")]
    assert finisher.same_page("de/models/x/index.html", PAGES) == expected
    assert finisher.same_page("models/x/index.html", PAGES) == expected
    assert finisher.same_page("index.html", PAGES)[1] == ("de", "https://intranet.example/playbook/de/")
    assert finisher.same_page("models/y/index.html", PAGES) == []  # in one language only: no alternates to name


def test_without_a_site_url_the_links_are_relative_to_the_page():
    finisher = PageFinisher({None: "en", "de": "de"})
    assert finisher.same_page("de/models/x/index.html", PAGES) == [
        ("en", "../../../models/x/"), ("de", "./"), ("x-default", "../../../models/x/")]
    assert finisher.same_page("index.html", PAGES) == [("en", "./"), ("de", "de/"), ("x-default", "./")]
    pages = {"models/x.html", "de/models/x.html"}
    assert PageFinisher({None: "en", "de": "de"}, directory_urls=False).same_page("models/x.html", pages) == [
        ("en", "x.html"), ("de", "../de/models/x.html"), ("x-default", "x.html")]


def test_each_page_links_the_same_page_in_each_language_by_its_full_address(built_site):
    url = built_site.url
    for folder in ("", f"{LANGUAGE}/"):
        page = (built_site.root / folder / "models" / TRANSLATED / "index.html").read_text(encoding="utf-8")
        assert language_links(page) == [("en", f"{url}models/{TRANSLATED}/"), (LANGUAGE, f"{url}{LANGUAGE}/models/{TRANSLATED}/"),
                                        ("x-default", f"{url}models/{TRANSLATED}/")]
    questions = (built_site.root / "questions" / "index.html").read_text(encoding="utf-8")
    assert language_links(questions)[1] == (LANGUAGE, f"{url}{LANGUAGE}/questions/")
    # A page in one language names no other: the theme's links to each language's home are gone.
    assert language_links((built_site.root / "models" / UNTRANSLATED / "index.html").read_text(encoding="utf-8")) == []


def test_without_a_site_url_the_links_stay_relative_and_name_the_same_page(tmp_path):
    project = copy_site_project(tmp_path)
    shutil.copy(REPO / "models" / f"{TRANSLATED}.yaml", project / "models")
    (project / "models" / LANGUAGE).mkdir()
    shutil.copy(REPO / "models" / LANGUAGE / f"{TRANSLATED}.yaml", project / "models" / LANGUAGE)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("      models_dir: [models]\n", "      models_dir: [models]\n      kits: false\n")
                      .replace("strict: true", "strict: false"))  # content/index.md links the kits page
    result = run([sys.executable, "-m", "mkdocs", "build"], project, SITE_URL=None)
    assert result.returncode == 0, result.stderr
    page = (project / "site" / LANGUAGE / "models" / TRANSLATED / "index.html").read_text(encoding="utf-8")
    assert language_links(page) == [("en", f"../../../models/{TRANSLATED}/"), (LANGUAGE, "./"),
                                    ("x-default", f"../../../models/{TRANSLATED}/")]


def test_the_iframe_worker_shim_loads_in_the_offline_build_only(built_site, offline_site):
    """On http(s) the shim does nothing but hold up the page, a script in <head>; from file:// search needs it."""
    def head_scripts(page) -> list[str]:
        return [script["src"] for script in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").head.select("script[src]")]

    pages = sorted(built_site.root.rglob("*.html"))
    assert pages and [page for page in pages if head_scripts(page)] == []
    assert not (built_site.root / IFRAME_WORKER_SHIM).exists()
    offline_pages = [offline_site / "index.html", offline_site / "models" / f"{MODEL_IDS[0]}.html"]
    assert [head_scripts(page) for page in offline_pages] == [[IFRAME_WORKER_SHIM], [f"../{IFRAME_WORKER_SHIM}"]]
    assert (offline_site / IFRAME_WORKER_SHIM).read_text(encoding="utf-8").startswith("/*\n * iframe-worker")


def scripts_problems(page_html: str) -> list[str]:
    """What in a page holds up its first paint or moves it later: a Coachbook script without `defer`, no flag script
    ahead of the stylesheets (whose place-keeping rules it turns on), or one the policy would block."""
    soup = BeautifulSoup(page_html, "html.parser")
    ours = [script["src"] for script in soup.select("script[src]") if "assets/coachbook/" in script["src"]]
    problems = [f"{src}: not deferred" for src in ours
                if not soup.select_one(f'script[src="{src}"]').has_attr("defer")] if ours else ["no Coachbook script"]
    flag = soup.head.find("script", string=SCRIPTS_FLAG)
    if flag is None or flag.find_previous("link", rel="stylesheet") is not None:
        problems.append("no flag script in <head> ahead of the stylesheets")
    policy = soup.head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    if policy is None or csp.script_hash(SCRIPTS_FLAG) not in policy["content"]:
        problems.append("the policy does not allow the flag script")
    return problems


def test_our_scripts_wait_for_the_page_and_the_flag_comes_first(built_site):
    """Deferred, they run once the page is parsed, in order, before DOMContentLoaded: what each one needs."""
    for page in ("index.html", "choose/index.html", f"run/{MODEL_IDS[0]}/index.html", f"{LANGUAGE}/questions/index.html"):
        assert scripts_problems((built_site.root / page).read_text(encoding="utf-8")) == [], page
