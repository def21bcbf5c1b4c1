"""A real browser for the tests: Debian's headless Chromium driven by Playwright, and the site served as an intranet would.

Playwright for Python brings the driver only: the browser is the system's Chromium, never a
Playwright browser download. Without one of them the browser tests skip with one reason on a
developer machine, and fail in CI (CI=true).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # checked by require_browser(), with a clear reason
    sync_playwright = None
    Browser = Page = expect = None

# Chromium's headless shell (`apt-get install chromium-headless-shell`) first: the same Blink and V8
# as the desktop browser, without its window machinery, which makes each new tab cost two and a half
# times the CPU (it is also what Playwright itself runs headless). A desktop Chromium does as well.
CHROMIUM = (
    os.environ.get("COACHBOOK_CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or "/usr/bin/chromium-headless-shell"
)

# No sandbox (containers, root) and no GPU; the rest keeps Chromium from calling home
# (component updates, sync, QUIC probes, first-run pings) on a closed network.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if sync_playwright is None or importlib.util.find_spec("axe_playwright_python") is None:
        return "browser tests need playwright and axe-playwright-python: python -m pip install -e '.[test]'"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"browser tests need Chromium at {CHROMIUM}: sudo apt-get install chromium-headless-shell"
    return None


def skip_or_fail(reason: str | None, tests: str) -> None:
    """Skip with `reason` on a developer's machine; in CI (CI=true) fail instead, so that CI never skips silently."""
    if reason and in_ci():
        pytest.fail(f"CI must run the {tests}, but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)


def require_browser() -> None:
    skip_or_fail(missing_browser(), "browser tests")


@contextmanager
def chromium() -> Iterator[Browser]:
    require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        without_service_workers(browser)
        try:
            yield browser
        finally:
            browser.close()


def without_service_workers(browser: Browser) -> None:
    """Contexts of `browser` register no service worker unless a test asks (`service_workers="allow"`, the app's
    tests): the playbook's worker would precache the whole site in each of the suite's contexts, seconds of CPU each,
    and answer from its cache the requests that the other tests mean to see reach the server."""
    for name in ("new_context", "new_page"):
        def without_workers(new=getattr(browser, name), **options):
            options.setdefault("service_workers", "block")
            return new(**options)

        setattr(browser, name, without_workers)


class _SubPathHandler(SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` only, like an intranet web server with the site in a sub-folder."""

    prefix = "/"

    def send_head(self):
        if not urlsplit(self.path).path.startswith(self.prefix):
            self.send_error(404, "Not under the site's sub-path")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, format, *args):  # keep the test output clean
        pass


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when a browser hangs up mid-answer (a test closed its page while a file was on its way)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(root: Path, url: str) -> Iterator[str]:
    """Serve `root` at `url` (http://127.0.0.1:PORT/sub/path/) from a background thread."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1" and parts.path.endswith("/"), url
    handler = type("Handler", (_SubPathHandler,), {"prefix": parts.path})
    server = _QuietServer((parts.hostname, parts.port), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Traffic:
    """What a page did: every request (its search worker's included), console errors, uncaught errors, failures."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._failed)
        page.on("response", lambda response: response.status >= 400 and self.failures.append(
            f"{response.url}: HTTP {response.status}"))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(
            f"{message.text} ({message.location.get('url', '')})"))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _failed(self, request) -> None:
        # Leaving a page cancels what it still loads (search fetches its index late): not a fault.
        if request.failure != "net::ERR_ABORTED":
            self.failures.append(f"{request.url}: {request.failure}")

    def foreign(self, origin: str) -> list[str]:
        """Requests that went anywhere but `origin` (data: and blob: URLs stay in the page)."""
        return [url for url in self.requests if not url.startswith(origin) and not url.startswith(("data:", "blob:"))]

    def problems(self) -> list[str]:
        return self.console_errors + self.page_errors + self.failures


# Every page records the violations of its Content-Security-Policy (the browser also reports them as
# console errors, which Traffic keeps; the event names the directive and what it blocked).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));
"""


@contextmanager
def watched_page(browser: Browser, **options) -> Iterator[tuple[Page, Traffic]]:
    """A page in a context of its own (made with `options`), its traffic and policy violations recorded; closed after."""
    context = browser.new_context(**options)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    try:
        page, traffic = context.new_page(), Traffic()
        traffic.watch(page)
        yield page, traffic
    finally:
        context.close()


def csp_violations(page, traffic: Traffic) -> list[str]:
    """What the page's Content-Security-Policy blocked, as events and as console errors."""
    events = page.evaluate("() => window.__cspViolations || []")
    return events + [error for error in traffic.console_errors if "Content Security Policy" in error]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe  # ships axe.min.js: no network needed

    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    // Content in a scrolling box, or clipped away on purpose (text for screen readers only, a line shortened with an
    // ellipsis), sticks out of nothing.
    const scrolls = el => { const style = getComputedStyle(el); return /auto|scroll/.test(style.overflowX)
        || style.clipPath !== 'none' || (style.textOverflow === 'ellipsis' && style.overflowX !== 'visible'); };
    const scrolled = el => { for (; el && el !== document.body; el = el.parentElement) if (scrolls(el)) return true; return false; };
    return [...document.querySelectorAll('article *')].filter(el => {
        const box = el.getBoundingClientRect();
        if (!box.width || scrolled(el)) return false;
        // A text box scrolls the text typed into it by design: only its own box must fit.
        const inner = !el.matches('input, select, textarea') && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
        return box.right > width + 1 || inner;
    }).map(el => el.outerHTML.slice(0, 120));
}"""
