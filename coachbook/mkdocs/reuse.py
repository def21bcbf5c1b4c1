"""MkDocs serve: what a rebuild takes over from the last one (pages' HTML, search entries, compiled templates) when its inputs are the same."""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass

import jinja2

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from ..model.loader import ReadFiles


class Reuse:
    """Everything a rebuild of `mkdocs serve` may take over from the builds before it."""

    def __init__(self):
        self.files = ReadFiles()
        self.pages = RenderedPages()
        self.search = SearchEntries()
        self.templates = CompiledTemplates()


# Markdown extensions whose output depends on nothing but the page's text and their configuration. Any other (one
# that includes files, such as pymdownx.snippets, or one Coachbook does not know) turns the reuse off: a page's
# HTML could change while its text did not.
SELF_CONTAINED_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code", "footnotes", "legacy_attrs",
    "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
})
SELF_CONTAINED_PACKAGES = ("markdown.extensions.", "material.extensions.", "pymdownx.")
INCLUDING_EXTENSIONS = frozenset({"pymdownx.snippets"})


def self_contained(extension: object) -> bool:
    """Whether a configured Markdown extension's output depends only on the page's text and its own options."""
    if not isinstance(extension, str):  # an Extension instance: known only by its module
        extension = type(extension).__module__
    name = extension.split(":")[0]
    return name not in INCLUDING_EXTENSIONS and (name in SELF_CONTAINED_EXTENSIONS
                                                  or name.startswith(SELF_CONTAINED_PACKAGES))


@dataclass(frozen=True)
class _Rendered:
    """What `Page.render` sets on a page, with the files its links point to named by source path (a rebuild has
    new File objects)."""

    content: str
    toc: object
    title: str | None
    anchors: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None


class _Warnings(logging.Handler):
    """Counts the warnings logged while a page renders: a page that warned renders again next time, and warns again."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class RenderedPages:
    """The HTML of each page's Markdown across the rebuilds of `mkdocs serve`, by source path.

    A page whose Markdown (after every plugin's `on_page_markdown`), location, Markdown configuration and the site's
    set of files (which its links are checked and rewritten against) are those of the last build gets that build's
    HTML, table of contents and anchors without converting it again; MkDocs still runs every plugin event and renders
    every template (the navigation is there). Only the latest render of each page is kept.
    """

    def __init__(self):
        self._pages: dict[str, tuple[bytes, _Rendered]] = {}
        self._build: bytes | None = None  # this build's configuration and files; None: no reuse in this build
        self.converted = self.reused = 0  # this build's counts, for the log and the tests

    def start(self, config: MkDocsConfig, files: Files) -> None:
        """Called once MkDocs' files are final (`on_nav`): the state every page's HTML depends on besides its text."""
        self.converted = self.reused = 0
        if not all(self_contained(extension) for extension in config.markdown_extensions):
            self._build = None
            return
        digest = hashlib.sha256(repr((config.markdown_extensions, config.mdx_configs, config.use_directory_urls,
                                      config.validation, config.docs_dir)).encode())
        for file in files:
            digest.update(f"\0{file.src_uri}\0{file.dest_uri}\0{file.url}\0{file.inclusion.name}".encode())
        self._build = digest.digest()

    def take_over(self, page: Page) -> None:
        """Let the page's `render` reuse the last build's HTML when nothing it depends on changed (`on_pre_page`)."""
        convert = page.render

        def render(config: MkDocsConfig, files: Files) -> None:
            key = self._key(page)
            found = self._pages.get(page.file.src_uri)
            if key is not None and found is not None and found[0] == key and self._restore(page, found[1], files):
                self.reused += 1
                return
            # MkDocs' command line stops its messages at the `mkdocs` logger; Markdown's own reach the root one.
            warnings, loggers = _Warnings(), [logging.getLogger("mkdocs"), logging.getLogger()]
            for logger in loggers:
                logger.addHandler(warnings)
            try:
                convert(config, files)
            finally:
                for logger in loggers:
                    logger.removeHandler(warnings)
            self.converted += 1
            if key is not None and not warnings.count:
                self._pages[page.file.src_uri] = (key, self._kept(page))
            else:
                self._pages.pop(page.file.src_uri, None)

        page.render = render

    def _key(self, page: Page) -> bytes | None:
        if self._build is None or page.markdown is None:
            return None
        digest = hashlib.sha256(self._build)
        for part in (page.file.src_uri, page.file.dest_uri, page.file.url, page.markdown):
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.digest()

    @staticmethod
    def _kept(page: Page) -> _Rendered:
        links = None if page.links_to_anchors is None else {
            file.src_uri: dict(anchors) for file, anchors in page.links_to_anchors.items()}
        return _Rendered(page.content, copy.deepcopy(page.toc), page._title_from_render, set(page.present_anchor_ids),
                         links)

    @staticmethod
    def _restore(page: Page, rendered: _Rendered, files: Files) -> bool:
        """Set the kept render on the page; False when a file its links point to is gone (it renders afresh)."""
        links = None
        if rendered.links_to_anchors is not None:
            links = {}
            for path, anchors in rendered.links_to_anchors.items():
                target = files.get_file_from_path(path)
                if target is None:
                    return False
                links[target] = dict(anchors)
        # Copies: a plugin or template may change a page's table of contents, never the kept one.
        page.content, page.toc = rendered.content, copy.deepcopy(rendered.toc)
        page._title_from_render, page.present_anchor_ids = rendered.title, set(rendered.anchors)
        page.links_to_anchors = links
        return True


class SearchEntries:
    """The search index's entries of each page across rebuilds: Material's search plugin parses every page's HTML
    again on each build; a page whose HTML, address, title, metadata and table of contents are the last build's gets
    that build's entries."""

    def __init__(self):
        self._pages: dict[str, tuple[bytes, list[dict]]] = {}
        self.indexed = self.reused = 0

    def take_over(self, plugins) -> None:
        """Wrap the search plugin's indexing of a page, if the site has Material's (`on_nav`: its index is new)."""
        self.indexed = self.reused = 0
        index = getattr(plugins.get("material/search") or plugins.get("search"), "search_index", None)
        if not (hasattr(index, "add_entry_from_context") and isinstance(getattr(index, "entries", None), list)):
            return  # another search plugin, or none: it indexes as it always does
        add_entries = index.add_entry_from_context

        def add_entry_from_context(page) -> None:
            key, found = self._key(page), self._pages.get(page.file.src_uri)
            if found is not None and found[0] == key:
                index.entries.extend(copy.deepcopy(found[1]))
                self.reused += 1
                return
            before = len(index.entries)
            add_entries(page)
            self.indexed += 1
            self._pages[page.file.src_uri] = (key, copy.deepcopy(index.entries[before:]))

        index.add_entry_from_context = add_entry_from_context

    @staticmethod
    def _key(page) -> bytes:
        def anchors(items) -> list:
            return [(item.id, item.url, anchors(item.children)) for item in items]
        return hashlib.sha256(repr((page.content, page.url, str(page.title), page.meta,
                                    anchors(page.toc or []))).encode("utf-8", "surrogatepass")).digest()


class CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates compiled once per source: MkDocs makes a new Jinja environment, which compiles every
    template again, on each build. Jinja checks each kept compilation against the template's source."""

    def __init__(self):
        self._code: dict[tuple[str, tuple], bytes] = {}

    def take_over(self, theme) -> None:
        """Make every Jinja environment of this build's theme (MkDocs' `Theme`) keep and reuse compilations: set before
        any plugin's `on_config` asks the theme for one (the search plugin does, for its translations)."""
        new_env = theme.get_env

        def get_env() -> jinja2.Environment:
            env = new_env()
            env.bytecode_cache = self
            return env

        theme.get_env = get_env

    @staticmethod
    def _settings(env: jinja2.Environment) -> tuple:
        """What compiled code depends on besides the source: environments that differ here share nothing."""
        return (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
                env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
                env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
                tuple(sorted(env.extensions)), env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get((bucket.key, self._settings(bucket.environment)))
        if code is not None:
            bucket.bytecode_from_string(code)  # refused by Jinja when the source's checksum differs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[(bucket.key, self._settings(bucket.environment))] = bucket.bytecode_to_string()
