"""The built site behind real web servers configured as the README says: Debian's nginx (and Apache) under /playbook/
send the precompressed copies with the right type and encoding, cache the hashed assets long, and every page works."""

from __future__ import annotations

import gzip
import re
import urllib.request
from pathlib import Path

import brotli
import pytest

import apache
import nginx
from browser import RECORD_CSP_VIOLATIONS, Traffic, expect
from conftest import MODEL_IDS

if nginx.missing_nginx() and not nginx.in_ci():  # before the session's build; in CI, each test fails instead
    pytest.skip(nginx.missing_nginx(), allow_module_level=True)

MODEL = MODEL_IDS[0]
SEQUENCE = sorted(path.stem for path in (Path(__file__).resolve().parent.parent / "sequences").glob("*.yaml"))[0]
PAGES = {
    "home": "./",
    "model": f"models/{MODEL}/",
    "chooser": "choose/",
    "questions": "questions/",
    "conversation": f"run/{MODEL}/",
    "kits": "kits/",
    "sequence": f"sequences/{SEQUENCE}/",
}
LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASHED = re.compile(r"\.[0-9a-f]{8}\.min\.(css|js)$")


def _hashed_assets(site: Path) -> list[str]:
    return sorted(path.relative_to(site).as_posix() for path in (site / "assets").rglob("*") if HASHED.search(path.name))


def _texts(site: Path) -> dict[str, tuple[str, str]]:
    """Files of each kind a browser fetches compressed: the site path, its file, and the Content-Type it must have."""
    css, js = (next(path for path in _hashed_assets(site) if path.endswith(suffix)) for suffix in (".css", ".js"))
    return {
        "home page": ("", "index.html", "text/html"),
        "model page": (PAGES["model"], f"{PAGES['model']}index.html", "text/html"),
        "theme CSS": (css, css, "text/css"),
        "Coachbook CSS": ("assets/coachbook/coachbook.css", "assets/coachbook/coachbook.css", "text/css"),
        "theme JS": (js, js, "javascript"),
        "Coachbook JS": ("assets/coachbook/chooser.js", "assets/coachbook/chooser.js", "javascript"),
        "search index": ("search/search_index.json", "search/search_index.json", "application/json"),
    }


def _get(url: str, encoding: str | None = None):
    """The response, its body as sent (urllib never decompresses)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response, response.read()


DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture(scope="module")
def nginx_url(built_site):
    with nginx.serving(built_site.root, "/playbook/") as url:
        yield url


@pytest.fixture(scope="module")
def apache_url(built_site):
    with apache.serving(built_site.root, "/playbook/") as url:
        yield url


@pytest.fixture(params=["nginx", "apache"])
def server_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


def _encodings() -> list[str]:
    """gzip always; brotli where nginx has Debian's module (CI installs it, so there it is always tested)."""
    return ["gzip", "br"] if nginx.brotli_available() or nginx.in_ci() else ["gzip"]


@pytest.mark.parametrize("encoding", _encodings())
def test_text_comes_precompressed_with_its_own_type(built_site, server_url, encoding):
    for kind, (path, file, content_type) in _texts(built_site.root).items():
        response, body = _get(server_url + path, encoding)
        assert response.status == 200, kind
        assert response.headers["Content-Encoding"] == encoding, f"{kind}: {dict(response.headers)}"
        assert content_type in response.headers["Content-Type"], f"{kind}: {response.headers['Content-Type']}"
        assert "Accept-Encoding" in response.headers.get("Vary", ""), f"{kind}: a cache must keep both forms apart"
        assert response.headers.get("Content-Language") is None, f"{kind}: .br is no language"
        assert DECODERS[encoding](body) == (built_site.root / file).read_bytes(), kind


def test_a_client_without_compression_gets_the_files_themselves(built_site, server_url):
    for kind, (path, file, content_type) in _texts(built_site.root).items():
        response, body = _get(server_url + path)
        assert response.headers.get("Content-Encoding") is None, kind
        assert content_type in response.headers["Content-Type"], kind
        assert body == (built_site.root / file).read_bytes(), kind


def test_hashed_assets_are_kept_long_and_the_rest_is_revalidated(built_site, server_url):
    hashed = _hashed_assets(built_site.root)
    assert len(hashed) >= 3, hashed  # the theme's bundle, search worker and styles
    for path in hashed:
        for encoding in (None, "gzip"):
            assert _get(server_url + path, encoding)[0].headers["Cache-Control"] == LONG_CACHE, path
    # The app's worker among them: a phone checks it on each visit, and a new build must reach it.
    for path in ("", PAGES["model"], "search/search_index.json", "assets/coachbook/chooser.js", "sitemap.xml",
                 "service-worker.js"):
        for encoding in (None, "gzip"):
            assert _get(server_url + path, encoding)[0].headers["Cache-Control"] == REVALIDATE, path


@pytest.fixture(scope="module")
def nginx_context(browser, nginx_url):
    context = browser.new_context(base_url=nginx_url)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    yield context
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_works_behind_nginx(nginx_context, nginx_url, name):
    page = nginx_context.new_page()
    try:
        traffic, encodings = Traffic(), {}
        traffic.watch(page)
        page.on("response", lambda response: encodings.setdefault(response.url, response.headers.get("content-encoding")))
        response = page.goto(PAGES[name], wait_until="networkidle")
        assert response.status == 200
        expect(page.locator("article h1")).to_be_visible()
        assert traffic.problems() == []
        assert traffic.foreign(nginx_url) == []
        # The page came as its .gz copy (.br with Debian's brotli module: Chromium asks localhost for it too).
        assert encodings[response.url] in DECODERS, encodings
    finally:
        page.close()
