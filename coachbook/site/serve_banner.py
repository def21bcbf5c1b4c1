"""The banner a live server shows on each page after a failed rebuild: the problems, as text, and that the page is the last good one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from jinja2 import Environment, StrictUndefined

from ..i18n import messages

# Inline styles, not the site's stylesheet: the banner exists only in a live server's responses, which carry no
# Content-Security-Policy, and its look must not depend on a theme or a dark palette. Dark red on pale red is
# above 10:1. It is in the page's flow, first in the body: it scrolls away with the page and covers nothing
# (Material's header stays sticky below it), so it needs no button to dismiss it.
_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True).from_string(
    """\
<div class="coachbook-serve-problems" role="alert" lang="{{ lang }}" style="\
margin:0;padding:.6rem 1rem;background:#fdecea;color:#5c0a0a;border-bottom:.2rem solid #b71c1c;\
font:.8rem/1.5 system-ui,sans-serif;text-align:start">
<p style="margin:0 0 .3rem"><strong>{{ t.title }}</strong> {{ t.note }}</p>
{# The problems are the terminal's lines, which Coachbook and MkDocs write in English. #}
<ul lang="en" style="margin:0;padding-inline-start:1.2rem">
{% for line in problems %}
<li><code style="font-family:ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere">{{ line }}</code></li>
{% endfor %}
</ul>
</div>
""")

_BODY_START = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def problem_banner(problems: Sequence[str], language: str) -> str:
    """The banner's HTML: each problem line shown literally (escaped, never markup), the words in `language`."""
    return _TEMPLATE.render(problems=list(problems), lang=language, t=messages(language)["serve"])


def with_banner(page: bytes, banner: str) -> bytes:
    """The UTF-8 page with `banner` first in its body, where a reader and a screen reader meet it first."""
    body = _BODY_START.search(page)
    at = body.end() if body else 0
    return page[:at] + banner.encode("utf-8") + page[at:]
