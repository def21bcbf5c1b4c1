"""How model text reaches each kind of output: one function per kind, each inert by construction.

Every output that carries text from a model, a translation or the branding goes through one of
these: HTML body (`inline_html`), HTML attributes and PDF metadata (`plain_text`, then the
template's autoescape), Markdown headings (`markdown_heading`), titles handed to MkDocs for
navigation and front matter (`title_text`, `yaml_string`), raw HTML built outside a template
(`html_text`), CSS `content` (`css_string`), XML (`xml_text`), and data for the site's scripts
(`data_text` for each text, `json_script` for the JSON a page carries). PDF links are the `<a href>` of
`inline_html`, so they obey the same link rule. A new field or output reuses them.
"""

from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_LINK_SCHEMES = {"http", "https", "mailto"}

# "zero" preset plus the few inline rules the contract allows; `html` stays off so a
# `<script>` in a model is escaped, never passed through.
_inline = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False}).enable(
    ["emphasis", "backticks", "link", "escape", "entity", "strikethrough"]
)


def is_safe_link(url: str) -> bool:
    """Only full http(s) addresses and mailto: a relative link would resolve against the kit's assets
    folder (a `file:` URI) in a PDF, and against whatever page shows it on the site."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https"):
        return bool(parts.netloc)
    return parts.scheme.lower() == "mailto" and bool(parts.path)


_inline.validateLink = is_safe_link


def _without_empty_links(tokens: list) -> list:
    """Drop the link tags (keeping their text) of links with an empty target, which markdown-it makes
    without asking validateLink: `[x]()` would be a link to the page itself."""
    for token in tokens:
        if token.children:
            empty = [i for i, child in enumerate(token.children)
                     if child.type == "link_open" and not (child.attrGet("href") or "").strip()]
            for start in reversed(empty):
                depth, end = 0, start
                for end in range(start, len(token.children)):
                    kind = token.children[end].type
                    depth += (kind == "link_open") - (kind == "link_close")
                    if depth == 0:
                        break
                del token.children[end]
                del token.children[start]
    return tokens


# Each text is rendered for several outputs (a model's page, conversation mode, cards, the question bank, its kits),
# and again by each rebuild of `mkdocs serve`: the same text gives the same (immutable) Markup.
@functools.lru_cache(maxsize=1 << 16)
def inline_html(text: str) -> Markup:
    """HTML body: one model text as inline HTML that cannot carry markup of its own."""
    env: dict = {}
    rendered = _inline.renderer.render(_without_empty_links(_inline.parseInline(text, env)), _inline.options, env)
    rendered = rendered.replace('<a href="', '<a rel="noopener nofollow" href="')
    return Markup(rendered)


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """The text a reader sees once the inline Markdown is rendered (unescaped: escape it where it lands)."""
    return html.unescape(_TAG.sub("", str(inline_html(text))))


# A title that carries its own number: "Step 3: ...", "3. ...", "Stage 2 - ...", "Schritt 1: ..." (the shipped
# languages' words for a step or stage), but not "3 things to ask" or "1.5 hours of practice".
_OWN_NUMBER = re.compile(r"(?:step|stage|phase|schritt|stufe|[ée]tape|etapa|paso|fase)\s*\d+\b"
                         r"|\d+(?:[.:)](?!\d)|\s+[-\u2013\u2014])", re.IGNORECASE)


def numbers_itself(title: str) -> bool:
    """Whether a step's or stage's title (inline Markdown) starts with its own number, so that an output which numbers
    or labels its steps ("1.", "Step:") leaves it as written instead of numbering it twice."""
    return bool(_OWN_NUMBER.match(plain_text(title).lstrip()))


def html_text(text: str) -> Markup:
    """Plain text (no Markdown) in raw HTML built outside a template, such as the footer line MkDocs prints as HTML."""
    return Markup(html.escape(" ".join(text.split())))


def title_text(text: str) -> str:
    """A title handed to MkDocs (navigation sections, page titles): Material prints these unescaped,
    so they are given as escaped plain text on one line."""
    return str(html_text(plain_text(text)))


def yaml_string(text: str) -> Markup:
    """A page title in front matter: `title_text` as a YAML string (JSON strings are valid YAML)."""
    return Markup(json.dumps(title_text(text), ensure_ascii=False))


# Characters Python-Markdown gives a meaning to in a heading; a backslash makes them literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!>])")


def markdown_heading(text: str) -> Markup:
    """A text as literal Markdown heading text: nothing in it becomes markup or attributes."""
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False)))


_CSS_SAFE = re.compile(r"[\w .,:;!?%'()\u00b7-]", re.UNICODE)
_COUNTERS = re.compile(r"\{(page|pages)\}")


def css_string(text: str, last_page: str | None = None) -> Markup:
    """A text as a CSS `content` value: `{page}` and `{pages}` become counters, the rest quoted strings.

    `last_page`: the id of an element on the last page to count, for a document whose later pages
    are not its own (`{pages}` becomes that element's page number).

    Every character outside a small safe set is written as a CSS escape, so no text can end the
    string, the rule or the <style> element it stands in.
    """
    parts = []
    for index, piece in enumerate(_COUNTERS.split(text)):
        if index % 2 and piece == "pages" and last_page is not None:
            parts.append(f"target-counter(url(#{_css_identifier(last_page)}), page)")
        elif index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + "".join(c if _CSS_SAFE.fullmatch(c) else f"\\{ord(c):x} " for c in piece) + '"')
    return Markup(" ".join(parts))


def _css_identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ValueError(f"not an element id of ours: {name!r}")
    return name


def xml_text(text: str) -> str:
    """Text inside an XML element or attribute (sitemaps)."""
    return html.escape(text, quote=True)


def data_text(text: str) -> str:
    """A text in the data that the site's scripts read (the chooser's JSON): plain text on one line, never HTML.

    The scripts put it into the page as text (`textContent`), so markup in it stays characters.
    """
    return " ".join(plain_text(text).split())


# Characters that could end or comment the <script> element holding the JSON, or break it as
# JavaScript source in old parsers (U+2028/2029), written as JSON escapes instead.
_JSON_IN_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_script(data) -> Markup:
    """Data as the body of a `<script type="application/json">` element: JSON in which no text can close the
    element (no `<`, `>` or `&` at all), that `JSON.parse` of the element's text turns back into `data`."""
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(re.sub("[<>&\u2028\u2029]", lambda found: _JSON_IN_HTML[found.group(0)], encoded))


def normalized(text: str) -> str:
    """NFKC-normalized, whitespace-collapsed text, as the contract compares rendered text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())
