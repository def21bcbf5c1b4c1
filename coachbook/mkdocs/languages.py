"""MkDocs front end, per language: each language's pages get its own navigation, interface strings and language switch.

One MkDocs build serves every language: a page is rendered with a view of the site's navigation
that holds only its language's section, and with a view of the configuration whose
`theme.language` (Material's interface strings and `<html lang>`) is its own; its language
switch then points at the same page in each language.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from ..site.plan import SitePlan, Urls


def section_of(page: Page, folders: list[str]) -> str | None:
    """The translation folder a page belongs to, or None for the originals' pages (hand-written ones included)."""
    first = page.file.src_uri.split("/")[0]
    return first if first in folders else None


def _pages(item) -> list[Page]:
    if isinstance(item, Page):
        return [item]
    return [page for child in getattr(item, "children", None) or [] for page in _pages(child)]


def navigation_by_section(nav: Navigation, folders: list[str]) -> dict[str | None, Navigation]:
    """The navigation of each section: a translation's is the children of its top-level section, the rest is the originals'."""
    items: dict[str | None, list] = {None: []}
    for item in nav.items:
        pages = _pages(item)
        folder = {section_of(page, folders) for page in pages}
        if isinstance(item, Section) and len(folder) == 1 and None not in folder:
            items[folder.pop()] = item.children
        else:
            items[None].append(item)
    views = {}
    for folder, section_items in items.items():
        view = Navigation(section_items, [page for page in nav.pages if section_of(page, folders) == folder])
        homes = [page for page in view.pages if page.file.src_uri == (f"{folder}/index.md" if folder else "index.md")]
        view.homepage = homes[0] if homes else nav.homepage
        views[folder] = view
    return views


class _Replacing:
    """An object as a template sees it with one setting replaced (read as `obj.name` or `obj[name]`)."""

    def __init__(self, original, name: str, value):
        self._original, self._name, self._value = original, name, value

    def __getitem__(self, key):
        return self._value if key == self._name else self._original[key]

    def __getattr__(self, name):
        return self._value if name == self._name else getattr(self._original, name)

    def get(self, key, default=None):
        return self._value if key == self._name else self._original.get(key, default)


def language_config(config, language: str) -> _Replacing:
    """The site configuration as one page sees it: its language's `theme.language` (Material's strings)."""
    return _Replacing(config, "theme", _Replacing(config.theme, "language", language))


_SWITCH_LINK = re.compile(r'<a href="[^"]*" hreflang="([^"]*)" class="md-select__link">')


def switch_to_same_page(page_html: str, plan: SitePlan, page: Page, urls: Urls, exists) -> str:
    """The header's language switch pointed at the same page in each language where it exists, else that language's home.

    Only the switch's links change: `extra.alternate` keeps the language roots, whose sitemaps Material's
    script fetches (from beside each `<link rel="alternate">`) to map pages between languages.
    `exists(path)`: whether the site has a page at that source path.
    """
    folders = [section.folder for section in plan.sections[1:]]
    folder = section_of(page, folders)
    inside = page.file.src_uri[len(folder) + 1:] if folder else page.file.src_uri
    targets = {}
    for section in plan.sections:
        same = f"{section.folder}/{inside}" if section.folder else inside
        targets[section.language] = same if exists(same) else (f"{section.folder}/index.md" if section.folder else "index.md")

    def link(match: re.Match) -> str:
        target = targets.get(match.group(1))
        if target is None:
            return match.group(0)
        return f'<a href="{urls.relative(target, page.file.src_uri)}" hreflang="{match.group(1)}" class="md-select__link">'

    return _SWITCH_LINK.sub(link, page_html)


def add_search_stemmers(config, languages: list[str]) -> None:
    """Search stemming for every language that Material ships a lunr stemmer for."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if not languages or search is None or not hasattr(search.config, "lang"):
        return
    if search.config.lang is None:  # search comes after coachbook in `plugins`
        search.config.lang = [languages[0]]
    # In place: Material's search copied its options when it was configured, sharing this list.
    stemmers = search.config.lang
    lunr = [Path(folder) / "assets" / "javascripts" / "lunr" / "min" for folder in config.theme.dirs]
    for language in languages:
        if language not in stemmers and any((folder / f"lunr.{language}.min.js").is_file() for folder in lunr):
            stemmers.append(language)


class LanguageViews:
    """Each language's view of one build: its navigation and Material's strings for its pages, and its language switch."""

    def __init__(self, plan: SitePlan, nav: Navigation, files, urls: Urls, *, own_nav: bool, own_switch: bool):
        self.plan, self.files, self.urls, self.own_switch = plan, files, urls, own_switch
        self.folders = [section.folder for section in plan.sections[1:]]
        self.navigations = navigation_by_section(nav, self.folders) if own_nav and self.folders else {}

    def page_context(self, context: dict, page: Page, config) -> dict:
        """A page of a language sees that language's navigation and Material's strings in it."""
        if not self.folders:
            return context
        folder = section_of(page, self.folders)
        if folder in self.navigations:
            view = context["nav"] = self.navigations[folder]
            # The footer's previous and next stay in the page's language.
            page.previous_page = page.previous_page if page.previous_page in view.pages else None
            page.next_page = page.next_page if page.next_page in view.pages else None
        language = next(section.language for section in self.plan.sections if section.folder == folder)
        context["config"] = language_config(config, language)
        return context

    def switch(self, page_html: str, page: Page) -> str:
        """The page with its language switch pointed at the same page in each language (when the switch is ours)."""
        if not (self.own_switch and self.folders):
            return page_html
        return switch_to_same_page(page_html, self.plan, page, self.urls,
                                   lambda path: self.files.get_file_from_path(path) is not None)
