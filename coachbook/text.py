"""Model text to safe inline HTML: inline Markdown only, raw HTML shown as text, safe links only."""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_LINK_SCHEMES = {"http", "https", "mailto"}

# "zero" preset plus the few inline rules the contract allows; `html` stays off so a
# `<script>` in a model is escaped, never passed through.
_inline = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False}).enable(
    ["emphasis", "backticks", "link", "escape", "entity", "strikethrough"]
)


def _is_safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    # A relative link (no scheme) stays inside the site; everything else must be http(s) or mailto.
    return scheme in SAFE_LINK_SCHEMES or (scheme == "" and not url.strip().startswith("//"))


_inline.validateLink = _is_safe_link


def inline_html(text: str) -> Markup:
    """Render one model text as inline HTML that cannot carry markup of its own."""
    html = _inline.renderInline(text)
    html = html.replace('<a href="http', '<a rel="noopener nofollow" href="http')
    return Markup(html)


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """The text a reader sees once the inline Markdown is rendered."""
    return unescape(_TAG.sub("", str(inline_html(text))))


def normalized(text: str) -> str:
    """NFKC-normalized, whitespace-collapsed text, as the contract compares rendered text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())
