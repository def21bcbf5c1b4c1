"""Content-Security-Policy for site pages: hashes of the theme's own inline scripts, carried in a meta tag."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from importlib import resources

import jinja2

from .finishing import SCRIPTS_FLAG

THEME_SCRIPTS = "partials/javascripts/"
"""Where Material 9 keeps every inline script it writes into a page."""
IFRAME_WORKER_SHIM = "assets/coachbook/iframe-worker-shim.js"
"""Where the offline build's pages load the iframe-worker shim from: a local copy, so that no page asks a CDN for it."""

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
_JAVASCRIPT_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript",
                     "application/ecmascript", "text/jscript", "text/livescript"}
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"\s*<meta\s+charset\b[^>]*>", re.IGNORECASE)
_CSP_META = re.compile(r"""<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy""", re.IGNORECASE)


class PolicyClash(ValueError):
    """The page already declares a policy: two would both apply, and ours could not be reasoned about."""


def inline_scripts(html: str) -> list[str]:
    """The bodies of the inline scripts a browser would run (JSON data blocks and `src=` scripts are not)."""
    scripts = []
    for attributes, body in _SCRIPT.findall(html):
        kind = _TYPE.search(attributes)
        if _SRC.search(attributes) or (kind and kind.group(1).lower() not in _JAVASCRIPT_TYPES):
            continue
        scripts.append(body)
    return scripts


def script_hash(body: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"


def script_hashes(html_fragments: Iterable[str]) -> list[str]:
    """The hashes of every executable inline script in the fragments, sorted and without repeats."""
    return sorted({script_hash(body) for fragment in html_fragments for body in inline_scripts(fragment)})


def theme_scripts(env: jinja2.Environment, **context) -> list[str]:
    """The theme's inline-script templates rendered for one page's context (config, base_url, features).

    Rendered from the theme itself, never read from a page: a script that a page gains by
    an escaping mistake elsewhere must not be blessed by its own hash.
    """
    names = env.list_templates(filter_func=lambda name: name.startswith(THEME_SCRIPTS) and name.endswith(".html"))
    return [env.get_template(name).render(**context) for name in names]


def iframe_worker_shim() -> str:
    """The source of the iframe-worker shim (npm package iframe-worker, MIT) that search needs from file://."""
    return resources.files("coachbook").joinpath("assets/site", IFRAME_WORKER_SHIM.rsplit("/", 1)[1]).read_text(encoding="utf-8")


def without_iframe_worker(polyfills: Iterable[str]) -> list[str]:
    """The theme's polyfills without any iframe-worker shim: outside the offline build it only blocks rendering."""
    return [script for script in polyfills if "iframe-worker" not in str(script)]


def search_worker(env: jinja2.Environment) -> str:
    """The path of the search worker, as the theme's base template names it in its configuration."""
    source = env.loader.get_source(env, "base.html")[0]
    found = re.search(r"assets/javascripts/workers/search\.\w+\.min\.js", source)
    if found is None:
        raise ValueError("the theme's base.html names no search worker")
    return found.group(0)


def iframe_worker_script(shim: str, worker_url: str) -> str:
    """The inline script that the iframe-worker shim writes into its hidden frame for `worker_url`.

    The frame is about:blank, so it runs under the page's policy. The shim builds the script
    from a template literal: `${name}` is the source text of the shim's function `name`
    (JavaScript's Function.toString), and the one other placeholder is the worker's URL.
    """
    template = re.search(r"<script>(.*?)<\\/script>", shim, re.DOTALL)
    if template is None:
        raise ValueError("the iframe-worker shim writes no inline script that we know of")

    def value(placeholder: re.Match) -> str:
        name = placeholder.group(1)
        start = shim.find(f"function {name}(")
        return worker_url if start < 0 else _braced(shim, start)

    return re.sub(r"\$\{(\w+)\}", value, template.group(1))


def _braced(source: str, start: str) -> str:
    """The text from `start` to the brace that closes the first one opened after it."""
    depth, position = 0, source.index("{", start)
    while True:
        depth += {"{": 1, "}": -1}.get(source[position], 0)
        if depth == 0:
            return source[start:position + 1]
        position += 1


def policy(script_hashes: Iterable[str], *, inline_styles: bool = False, app: bool = False) -> str:
    """The site's policy: its own origin only, and no inline script but the listed ones (`app`: and the installable
    app's manifest, from the site's own origin).

    'self' also covers the offline build: Chromium lets 'self' on a file:// page match the
    file: URLs beside it, so file: itself (every file on the reader's disk) is not named.
    """
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *script_hashes]),
        # No 'unsafe-inline': Material positions things through element.style (CSSOM), which a
        # policy does not govern, and no page carries a style attribute or a <style> element.
        "style-src 'self'" + " 'unsafe-inline'" * inline_styles,
        "img-src 'self' data:",  # data: for the SVG icons that Material's stylesheets carry inline
        "font-src 'self'",
        "connect-src 'self'",  # search fetches its index, the language switch each sitemap.xml
        "worker-src 'self'",  # the search worker and the app's service worker; no blob: worker is ever made
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        *["manifest-src 'self'"] * app,
    ]
    return "; ".join(directives)


def with_policy(page_html: str, policy: str) -> str:
    """The page with its policy as the first element of <head>, ahead of every script it could govern."""
    if _CSP_META.search(page_html):
        raise PolicyClash("the page already carries a Content-Security-Policy meta tag")
    head = _HEAD.search(page_html)
    if head is None:
        raise ValueError("the page has no <head> for its Content-Security-Policy")
    # After <meta charset> if it leads: browsers look for it in a page's first 1024 bytes only.
    charset = _CHARSET.match(page_html, head.end())
    at = charset.end() if charset else head.end()
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return page_html[:at] + "\n    " + meta + page_html[at:]


class ThemePolicies:
    """Each page's policy from the theme's own inline scripts, rendered for the page's base_url once per base_url.

    `context`: what the theme's script templates read besides base_url (config, features). `iframe_shim`: the
    offline build's shim source, whose frame script (for the page's search worker URL) is hashed too. `app`: the site
    is the installable app (its manifest allowed).
    """

    def __init__(self, environment: jinja2.Environment, context: dict, *, iframe_shim: str | None = None,
                 inline_styles: bool = False, app: bool = False):
        self.environment, self.context, self.iframe_shim, self.inline_styles = environment, context, iframe_shim, inline_styles
        self.app = app
        self.worker = search_worker(environment) if iframe_shim is not None else None
        self._policies: dict[tuple[str, str | None], str] = {}

    def apply(self, page_html: str, base_url: str, worker_url=None) -> str:
        """The page with its policy: the theme's inline scripts and Coachbook's `SCRIPTS_FLAG`. `worker_url(path)`: the
        search worker's URL as the page names it (offline build)."""
        worker = worker_url(self.worker) if self.worker is not None and worker_url is not None else None
        if (base_url, worker) not in self._policies:
            scripts = [*theme_scripts(self.environment, base_url=base_url, **self.context),
                       f"<script>{SCRIPTS_FLAG}</script>"]
            if worker is not None:  # search from file:// runs its worker in a frame, from an inline script
                scripts.append(f"<script>{iframe_worker_script(self.iframe_shim, worker)}</script>")
            self._policies[(base_url, worker)] = policy(script_hashes(scripts), inline_styles=self.inline_styles,
                                                            app=self.app)
        return with_policy(page_html, self._policies[(base_url, worker)])
