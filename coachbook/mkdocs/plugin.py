"""MkDocs front end: validate the models, then add the core's site plan (pages, kits, assets, navigation)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files

from ..branding import BRANDING_OPTIONS, load_branding
from ..config_file import DEFAULT_SEQUENCES, configured_languages, existing_model_folders, option_source, originals_language
from ..errors import ConfigError, InvalidContent, UsageError
from ..kits.cache import DEFAULT_FOLDER, DEFAULT_SIZE_MB, KitCache, cache_folder
from ..model.loader import load_library
from .csp import SitePolicies
from .config import add_generated_files, apply_plan, check_names, render_kits, staged_site
from .languages import LanguageViews
from .serve import FollowingKits, serve_sources
from ..site.plan import SitePlan, Urls, name_search_dialog
from ..staging import StagedBuild

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
    following: FollowingKits | None = None  # `mkdocs serve`: an edited model's kits follow its pages

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # A dirty build keeps old files on purpose; every other build (serve's too) publishes only on success.
        self.stage_output = not dirty
        self.serving = command == "serve"
        self.following = FollowingKits() if self.serving else None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path).parent
        source = option_source(Path(config.config_file_path))
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
        self.kit_cache = KitCache(cache_folder(base / self.config.cache_dir if self.config.cache else None),
                                  size_mb=self.config.cache_size_mb)
        self.plan = SitePlan(library, language, kits=self.config.kits, packs=self.config.packs, branding=branding)
        # The language switch's links are set in on_files, once the offline plugin has chosen the form of URLs.
        self.own_alternate = "alternate" not in config.extra
        # With the navigation ours, each language's pages get their own part of it (mkdocs_languages).
        self.own_nav = config.nav is None
        apply_plan(config, self.plan)  # and notes the ignored folders
        if self.stage_output:
            self.staged, self.config_in_build = staged_site(config), config
        return config

    @event_priority(-100)  # after every other plugin has written its files (search index, offline assets)
    def on_post_build(self, config: MkDocsConfig) -> None:
        self._end_build(publish=not (config.strict and self.staged and self.staged.warnings))

    def on_build_error(self, error: Exception) -> None:
        self._end_build(publish=False)

    def on_shutdown(self) -> None:  # also when interrupted: no build_error event was sent
        self._end_build(publish=False)

    def _end_build(self, publish: bool) -> None:
        if self.staged is not None:
            self.config_in_build.site_dir, self.staged = str(self.staged.finish(publish)), None
        if self.kit_cache is not None:  # after MkDocs copied the kits: an uncached build's temporary entries can go
            self.kit_cache.close()
        if self.following is not None:
            self.following.build_finished()

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        check_names(files, config, self.plan.pages())  # before the kits render: the common clash, found at once
        urls = self.urls = Urls(config.use_directory_urls)
        if self.own_alternate and self.plan.alternates(urls):
            config.extra["alternate"] = self.plan.alternates(urls)
        rendered = render_kits(self.plan, self.kit_cache, self.config.jobs, self.following)
        add_generated_files(files, config, self.plan, self.plan.generated_files(urls, rendered, config.site_url))
        return files

    def on_nav(self, nav, config: MkDocsConfig, files: Files):
        self.languages = LanguageViews(self.plan, nav, files, self.urls, own_nav=self.own_nav, own_switch=self.own_alternate)
        return nav

    def on_page_context(self, context: dict, page, config: MkDocsConfig, nav) -> dict:
        return self.languages.page_context(context, page, config)

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str:
        """Name Material's search dialog (axe: aria-dialog-name); point the language switch at the same page."""
        return name_search_dialog(self.languages.switch(output, page))

    def on_env(self, env, config: MkDocsConfig, files: Files):
        self.policies = None if self.serving else SitePolicies(env, config)  # serve injects an inline live-reload script
        return env

    @event_priority(-100)  # last: the policy must cover the page as other plugins leave it
    def _page_policy(self, output: str, page, config: MkDocsConfig) -> str:
        return self.policies.page(output, page) if self.policies else output

    on_post_page = CombinedEvent(on_post_page, _page_policy)

    @event_priority(-100)
    def on_post_template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        return self.policies.template(output, template_name, config) if self.policies else output

    def on_serve(self, server, config: MkDocsConfig, builder):  # a new logo shows on the next reload, like a model edit
        logo = [Path(config.config_file_path).parent / self.config.logo] if self.config.logo else []
        signals = [self.following.signal_folder] if self.following and self.following.signal_folder else []
        return serve_sources(server, [*self.model_dirs, self.sequences_dir, *logo, *signals])
