"""What every front end does to each page the site engine wrote: the scripts flag, the logo's box sized, and its
language links."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from dataclasses import dataclass

from ..text import html_text
from .app import page_tags

X_DEFAULT = "x-default"
# The theme's own language links in <head>: Material and Zensical write `extra.alternate` this way, each
# language's home; a feed's alternate link carries a type and is not one of them.
_THEME_LANGUAGE_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')
SCRIPTS_FLAG = 'document.documentElement.classList.add("cb-js")'
"""The page's first script: where scripts run, `<html class="cb-js">` before the first paint, so that the stylesheet
reserves the place of what the (deferred) scripts show, and nothing moves when they do. Hashed in the policy."""
_HEAD = re.compile(r"<head\b[^>]*>(\s*<meta\s+charset\b[^>]*>)?", re.IGNORECASE)


@dataclass(frozen=True)
class PageFinisher:
    """The site-wide facts a page needs to be finished, from the plan and the engine's configuration.

    `folders`: each language by its section's folder (None: the originals, at the top of the site).
    `directory_urls`: pages are served at `x/` (else at `x.html`). `site_url`: where the site is published
    (None: unknown, links stay relative). `logo`: the logo's site path and size (None: no branded logo).
    `language_links`: whether the language links are ours to write (not when the configuration has its own).
    `app`: each page links the app's manifest and loads its registration script.
    """

    folders: dict[str | None, str]
    directory_urls: bool = True
    site_url: str | None = None
    logo: tuple[str, tuple[int, int]] | None = None
    language_links: bool = True
    app: bool = False

    def finish(self, page_html: str, page: str, pages: Collection[str]) -> str:
        """The page at site path `page` (`models/x/index.html`) finished; `pages`: every page's site path."""
        page_html = with_scripts_flag(page_html)
        if self.app and page != "404.html":  # the 404 page shows at any address, where relative links would miss
            page_html = with_app(page_html, *page_tags(page, self.language_of(page)))
        if self.logo is not None:
            page_html = sized_logo(page_html, *self.logo)
        if self.language_links and len(self.folders) > 1:
            page_html = with_language_links(page_html, self.same_page(page, pages))
        return page_html

    def language_of(self, page: str) -> str:
        """The language of the page at site path `page`: its section's, by the folder it is in."""
        first = page.split("/")[0]
        return self.folders[first] if "/" in page and first in self.folders else self.folders[None]

    def same_page(self, page: str, pages: Collection[str]) -> list[tuple[str, str]]:
        """`(hreflang, href)`: the same page in each language that has it, then x-default (the originals'), as
        full addresses when the site's is known, else relative to the page; none if only one language has it."""
        folder = page.split("/")[0] if page.split("/")[0] in self.folders and "/" in page else None
        inside = page[len(folder) + 1:] if folder else page
        found = {language: f"{other}/{inside}" if other else inside for other, language in self.folders.items()}
        found = {language: path for language, path in found.items() if path in pages}
        if len(found) < 2:
            return []
        links = [(language, self.href(path, page)) for language, path in found.items()]
        originals = self.folders[None]
        return links + [(X_DEFAULT, self.href(found[originals], page))] * (originals in found)

    def url(self, path: str) -> str:
        """The address of the page at site path `path`, from the site's root."""
        return path.removesuffix("index.html") if self.directory_urls else path

    def href(self, path: str, page: str) -> str:
        if self.site_url:
            return self.site_url.rstrip("/") + "/" + self.url(path)
        here = self.url(page)
        base = here if here.endswith("/") or not here else posixpath.dirname(here)
        link = posixpath.relpath("/" + self.url(path), "/" + base)
        return link + "/" if self.url(path).endswith("/") or not self.url(path) else link


def with_scripts_flag(page_html: str) -> str:
    """The page with `SCRIPTS_FLAG` first in <head> (after its charset), ahead of the stylesheets it must not wait for."""
    head = _HEAD.search(page_html)
    if head is None:
        return page_html
    return page_html[:head.end()] + f"\n    <script>{SCRIPTS_FLAG}</script>" + page_html[head.end():]


def sized_logo(page_html: str, logo_path: str, size: tuple[int, int]) -> str:
    """The page with a width and height on each `<img>` of the logo (the header's and the drawer's).

    The theme writes it without a size and sizes it in CSS by its height only: until the file arrived its width was
    unknown, and the title beside it moved when it did. With both attributes the browser knows the proportion.
    """
    pattern = re.compile(r'<img src="([^"]*' + re.escape(logo_path) + r')"(?![^>]*\swidth=)')
    return pattern.sub(lambda found: f'<img src="{found.group(1)}" width="{size[0]}" height="{size[1]}"', page_html)


def with_language_links(page_html: str, links: list[tuple[str, str]]) -> str:
    """The page with `links` as its `<link rel="alternate" hreflang>` in place of the theme's (each language's home)."""
    found = _THEME_LANGUAGE_LINK.search(page_html)
    if found is None:
        return page_html
    ours = "".join(f'    <link rel="alternate" hreflang="{html_text(language)}" href="{html_text(href)}">\n'
                   for language, href in links)
    page_html = _THEME_LANGUAGE_LINK.sub("", page_html)
    return page_html[:found.start()] + ours + page_html[found.start():]


def with_app(page_html: str, link: str, script: str) -> str:
    """The page with the app's manifest `link` at the end of its <head> and its registration `script` at the end of its
    <body>."""
    head, body = page_html.find("</head>"), page_html.rfind("</body>")
    if head < 0 or body < head:
        return page_html
    return page_html[:head] + "    " + link + page_html[head:body] + "  " + script + page_html[body:]
