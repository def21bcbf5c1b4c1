"""MkDocs front end: validate the models, then add the core's site plan (pages, kits, assets, navigation)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import BuildError, MkDocsException, PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import DuplicateFilter, get_relative_url, normalize_url

from . import csp
from .branding import BRANDING_OPTIONS, OptionSource, load_branding
from .config_file import DEFAULT_SEQUENCES, configured_languages, existing_model_folders, originals_language, read_plugin_options
from .documents import hand_written_pages
from .errors import ConfigError, InvalidContent, RenderFailed, UsageError, display_path
from .kit_cache import DEFAULT_FOLDER, DEFAULT_SIZE_MB, KitCache, cache_folder
from .loader import ignored_folder_message, load_library
from .mkdocs_languages import language_config, navigation_by_section, section_of, switch_to_same_page
from .site import SitePlan, Urls, name_search_dialog
from .staging import StagedBuild

log = logging.getLogger("mkdocs.plugins.coachbook")



class PluginConfig(Config):
    models_dir = c.ListOfItems(c.Type(str), default=["models"])
    """Folders of model files, relative to mkdocs.yml."""
    sequences_dir = c.Type(str, default=DEFAULT_SEQUENCES)
    """The folder of sequence files, relative to mkdocs.yml (a missing folder: no sequences)."""
    languages = c.ListOfItems(c.Type(str), default=[])
    """Translation languages that Coachbook has no catalog for (folders named after them are translations)."""
    kits = c.Type(bool, default=True)
    """Render the PDF kits into `kits/` (turn off for a faster preview)."""
    jobs = c.Optional(c.Type(int))
    """Worker processes for kit rendering (default: all cores)."""
    packs = c.Type(bool, default=True)
    """With the kits, also offer a workshop pack per model (cover, agenda, worksheet, cards, checklist)."""
    cache = c.Type(bool, default=True)
    """Keep rendered kits between builds, so a rebuild renders only what changed."""
    cache_dir = c.Type(str, default=str(DEFAULT_FOLDER))
    """Where the kit cache lives, relative to mkdocs.yml."""
    cache_size_mb = c.Type(int, default=DEFAULT_SIZE_MB)
    """The kit cache's size limit: past it, the least recently used kits are removed after a build."""
    organization = c.Optional(c.Type(str))
    """The organization's name, shown in the site's footer and on every kit page."""
    logo = c.Optional(c.Type(str))
    """An SVG or PNG logo, relative to mkdocs.yml: the site's logo and favicon, and on the kits."""
    primary_color = c.Optional(c.Type(str))
    """A hex colour such as #1a5fb4: the site's header and links, the kits' headings."""
    accent_color = c.Optional(c.Type(str))
    """A hex colour: the site's hover and accent colour, the kits' rules."""
    footer = c.Optional(c.Type(str))
    """A line of plain text in the footer of every site page and every kit page."""


class CoachbookPlugin(BasePlugin[PluginConfig]):
    stage_output = serving = False
    staged: StagedBuild | None = None
    kit_cache: KitCache | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # A dirty build keeps old files on purpose; every other build (serve's too) publishes only on success.
        self.stage_output = not dirty
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path).parent
        source = _option_source(Path(config.config_file_path))
        language = originals_language(config)
        # Validate before MkDocs cleans site/: a bad model must leave the last good site alone.
        try:
            branding = load_branding({name: self.config[name] for name in BRANDING_OPTIONS}, base, source)
            # Folders may be anywhere: relative to mkdocs.yml (../shared-models included) or absolute.
            self.model_dirs = existing_model_folders(self.config.models_dir, base, source)
            self.sequences_dir = base / self.config.sequences_dir
            library = load_library(self.model_dirs, language, configured_languages(self.config.languages, source),
                                   self.sequences_dir)
        except (ConfigError, InvalidContent, UsageError) as problems:
            raise PluginError(str(problems)) from None
        for folder in library.ignored_folders:  # not an error: a folder of other files may sit beside the models
            log.info(f"coachbook: {ignored_folder_message(folder)}")
        self.kit_cache = KitCache(cache_folder(base / self.config.cache_dir if self.config.cache else None),
                                  size_mb=self.config.cache_size_mb)
        self.plan = SitePlan(library, language, kits=self.config.kits, packs=self.config.packs, branding=branding)
        # The language switch's links are set in on_files, once the offline plugin has chosen the form of URLs.
        self.own_alternate = "alternate" not in config.extra
        if "attr_list" not in config.markdown_extensions:
            config.markdown_extensions.append("attr_list")
        config.extra_css.extend(self.plan.stylesheets())
        config.extra_javascript.extend(self.plan.scripts())
        _add_search_stemmers(config, self.plan.search_languages() if library.translations else [])
        self.plan.apply_branding(config.theme)
        config.copyright = self.plan.copyright(config.copyright)
        # With the navigation ours, each language's pages get their own part of it (mkdocs_languages).
        self.own_nav = config.nav is None
        if self.own_nav:
            config.nav = self.plan.navigation(hand_written_pages(Path(config.docs_dir)))
        if self.stage_output:
            # MkDocs cleans site/ before the kits render and the pages are written: build beside it instead,
            # counting warnings, since `--strict` aborts after on_post_build when any was logged.
            self.staged, self.config_in_build = StagedBuild(Path(config.site_dir), "mkdocs"), config
            config.site_dir = str(self.staged.path)
        return config

    @event_priority(-100)  # after every other plugin has written its files (search index, offline assets)
    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.staged is not None:
            self._end_staging(publish=not (config.strict and self.staged.warnings))
        self._close_kit_cache()

    def on_build_error(self, error: Exception) -> None:
        if self.staged is not None:
            self._end_staging(publish=False)
        self._close_kit_cache()

    def on_shutdown(self) -> None:
        if self.staged is not None:  # interrupted: no build_error event was sent
            self._end_staging(publish=False)
        self._close_kit_cache()

    def _close_kit_cache(self) -> None:
        # After MkDocs copied the kits from their entries: an uncached build's temporary entries can go.
        if self.kit_cache is not None:
            self.kit_cache.close()

    def _end_staging(self, publish: bool) -> None:
        self.config_in_build.site_dir = str(self.staged.finish(publish))
        self.staged = None

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        for path in self.plan.pages():
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"coachbook: {config.docs_dir}/{path} clashes with a generated page; rename or remove it")
        urls = self.urls = Urls(config.use_directory_urls)
        if self.own_alternate and self.plan.alternates(urls):
            config.extra["alternate"] = self.plan.alternates(urls)
        try:
            jobs = self.plan.kit_jobs()
            rendered = self.kit_cache.render(jobs, workers=self.config.jobs)
        except (RenderFailed, UsageError) as failed:
            raise PluginError(str(failed)) from None
        if jobs:
            log.info(f"coachbook: {len(jobs)} kits and packs ({self.kit_cache.misses} rendered, {self.kit_cache.hits} from the cache)")
        unlisted = set(self.plan.unlisted_pages())  # kept out of the navigation on purpose: no "not in nav" notice
        for path, content in self.plan.generated_files(urls, rendered, config.site_url).items():
            inclusion = InclusionLevel.NOT_IN_NAV if path in unlisted else InclusionLevel.UNDEFINED
            if isinstance(content, Path):  # a kit: MkDocs copies it from its cache entry
                files.append(File.generated(config, path, abs_src_path=str(content), inclusion=inclusion))
            else:
                files.append(File.generated(config, path, content=content, inclusion=inclusion))
        return files

    def on_nav(self, nav, config: MkDocsConfig, files: Files):
        self.folders = [section.folder for section in self.plan.sections[1:]]
        self.navigations = navigation_by_section(nav, self.folders) if self.own_nav and self.folders else {}
        self.files = files
        return nav

    def on_page_context(self, context: dict, page, config: MkDocsConfig, nav) -> dict:
        """A page of a language sees that language's navigation, Material's strings in it, and its language switch."""
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

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str:
        """Name Material's search dialog (axe: aria-dialog-name); point the language switch at the same page."""
        if self.own_alternate and self.folders:
            output = switch_to_same_page(output, self.plan, page, self.urls,
                                         lambda path: self.files.get_file_from_path(path) is not None)
        return name_search_dialog(output)

    def on_env(self, env, config: MkDocsConfig, files: Files):
        offline = any(getattr(plugin.config, "enabled", False)
                      for name, plugin in config.plugins.items() if name.split("/")[-1] == "offline")
        shim = csp.iframe_worker_shim(config.extra.get("polyfills") or [], config.theme.dirs) if offline else None
        self.policies = csp.ThemePolicies(env, {"config": config, "features": config.theme.get("features") or []},
                                          iframe_shim=shim)
        return env

    @event_priority(-100)  # last: the policy must cover the page as other plugins leave it
    def _page_policy(self, output: str, page, config: MkDocsConfig) -> str:
        return self._with_policy(output, get_relative_url(".", page.url), page)

    on_post_page = CombinedEvent(on_post_page, _page_policy)

    @event_priority(-100)
    def on_post_template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):  # sitemap.xml
            return output
        # As MkDocs renders 404.html: its links are absolute from the site's path.
        return self._with_policy(output, urlsplit(config.site_url or "/").path, None)

    def _with_policy(self, output: str, base_url: str, page) -> str:
        if self.serving:  # `mkdocs serve` injects its live reload as an inline script
            return output
        try:
            return self.policies.apply(output, base_url, lambda path: normalize_url(path, page, base_url))
        except csp.PolicyClash as clash:
            raise PluginError(f"coachbook: {clash}; remove it from the theme's overrides (coachbook writes one)") from None

    def on_serve(self, server, config: MkDocsConfig, builder):
        for folder in self.model_dirs:
            server.watch(str(folder))
        if self.sequences_dir.is_dir():
            server.watch(str(self.sequences_dir))
        if self.config.logo:  # a new logo file shows up on the next reload, like a model edit
            server.watch(str(Path(config.config_file_path).parent / self.config.logo))
        server.builder = functools.partial(_rebuild, server.builder)
        return server


def _rebuild(build) -> None:
    """A rebuild of `mkdocs serve` that fails says why and keeps serving the last good site.

    MkDocs 1.6 would print "Aborted" and hold every page request until a rebuild succeeds, but a failed
    build leaves the served folder as it was (staging), so the server can go on answering from it
    (MkDocs then tells browsers to reload: they show the same pages).
    """
    # MkDocs logs a build message once per process: the same mistake saved again would fail silently.
    for seen in logging.getLogger("mkdocs.commands.build").filters:
        if isinstance(seen, DuplicateFilter):
            seen.msgs.clear()
    try:
        build()
    except MkDocsException as error:  # a user's mistake; a bug still gets MkDocs' traceback
        # A BuildError's problems are logged already, one line each; other aborts (strict mode's
        # warnings, a broken mkdocs.yml) carry their own summary.
        reason = "" if isinstance(error.__context__, BuildError) else f" ({error.message})"
        log.error(f"coachbook: the rebuild failed{reason}; still serving the last good site until a fix is saved")


def _add_search_stemmers(config: MkDocsConfig, languages: list[str]) -> None:
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


def _option_source(config_file: Path) -> OptionSource:
    """Where each coachbook option is written in mkdocs.yml (MkDocs has the values, not their positions)."""
    try:
        return read_plugin_options(config_file).source
    except ConfigError:
        return OptionSource(display_path(config_file), {})
