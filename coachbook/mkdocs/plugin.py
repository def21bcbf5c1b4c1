"""MkDocs front end: validate the models, then add the core's site plan (pages, kits, assets, navigation)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files

from ..errors import os_error_line
from ..kits.cache import KitCache
from .csp import SitePolicies
from .config import (add_generated_files, apply_plan, check_names, place_iframe_worker_shim, render_kits,
                     shim_files, staged_site)
from .languages import LanguageViews
from .material import name_search_dialog
from .options import PluginConfig, checked_project
from .reuse import Reuse
from .serve import FollowingKits, serve_sources
from ..site.plan import SitePlan, Urls, hand_written_pages
from ..staging import StagedBuild


class CoachbookPlugin(BasePlugin[PluginConfig]):
    stage_output = serving = False
    staged: StagedBuild | None = None
    kit_cache: KitCache | None = None
    following: FollowingKits | None = None  # `mkdocs serve`: an edited model's kits follow its pages
    # `mkdocs serve`: a rebuild parses the model files, converts the pages and indexes them only where they changed.
    reuse: Reuse | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # A dirty build keeps old files on purpose; every other build (serve's too) publishes only on success.
        self.stage_output = not dirty
        self.serving = command == "serve"
        self.following = FollowingKits() if self.serving else None
        self.reuse = Reuse() if self.serving else None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # Validate before MkDocs cleans site/: a bad option or model must leave the last good site alone.
        self.project, self.model_dirs, library, self.kit_cache = checked_project(Path(config.config_file_path),
                                                                                 Path(config.site_dir),
                                                                                 self.reuse and self.reuse.files)
        self.plan = SitePlan.of_project(self.project, library, hand_written_pages(Path(config.docs_dir)),
                                        serving=self.serving)
        # The language switch's links are set in on_files, once the offline plugin has chosen the form of URLs.
        self.own_alternate = "alternate" not in config.extra
        # With the navigation ours, each language's pages get their own part of it (mkdocs_languages).
        self.own_nav = config.nav is None
        apply_plan(config, self.plan)  # and notes the ignored folders
        place_iframe_worker_shim(config, self.project.offline)
        if self.stage_output:
            self.staged, self.config_in_build = staged_site(config), config
        return config

    @event_priority(100)  # before the search plugin's on_config, which has the theme compile its translations
    def _reuse_templates(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.reuse is not None:
            self.reuse.templates.take_over(config.theme)
        return config

    on_config = CombinedEvent(_reuse_templates, on_config)

    @event_priority(-100)  # after every other plugin has written its files (search index, offline assets)
    def on_post_build(self, config: MkDocsConfig) -> None:
        publish = not (config.strict and self.staged and self.staged.warnings)
        if publish:  # an error here discards the staged site (on_build_error)
            self.plan.finish_site(Path(config.site_dir), config.use_directory_urls, keep_existing=self.staged is not None)
        self._end_build(publish=publish)

    def on_build_error(self, error: Exception) -> None:
        self._end_build(publish=False)
        if isinstance(error, OSError):  # unwritable, a full disk: one line `<path>: <reason>`, not a traceback
            raise PluginError(os_error_line(error)) from None

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
        self.finisher = self.plan.page_finisher(config.use_directory_urls, config.site_url,
                                                language_links=self.own_alternate)
        if self.own_alternate and self.plan.alternates(urls):
            config.extra["alternate"] = self.plan.alternates(urls)
        rendered = render_kits(self.plan, self.kit_cache, self.project.options.jobs, self.following)
        add_generated_files(files, config, self.plan,
                            {**self.plan.generated_files(urls, rendered, config.site_url), **shim_files(self.project.offline)})
        return files

    def on_nav(self, nav, config: MkDocsConfig, files: Files):
        self.page_paths = {file.dest_uri for file in files.documentation_pages()}
        self.languages = LanguageViews(self.plan, nav, files, self.urls, own_nav=self.own_nav, own_switch=self.own_alternate)
        if self.reuse is not None:  # the files are final now, and the search plugin's index new
            self.reuse.pages.start(config, files)
            self.reuse.search.take_over(config.plugins)
        return nav

    def on_pre_page(self, page, config: MkDocsConfig, files: Files):
        if self.reuse is not None:
            self.reuse.pages.take_over(page)
        return page

    def on_page_context(self, context: dict, page, config: MkDocsConfig, nav) -> dict:
        return self.languages.page_context(context, page, config)

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str:
        """Name Material's search dialog (axe: aria-dialog-name); point the language switch and links at the same
        page; size the logo."""
        return self.finisher.finish(name_search_dialog(self.languages.switch(output, page)), page.file.dest_uri,
                                    self.page_paths)

    def on_env(self, env, config: MkDocsConfig, files: Files):
        # None for `mkdocs serve`, which injects an inline live-reload script.
        self.policies = None if self.serving else SitePolicies(env, config, self.project.offline, self.plan.app is not None)
        return env

    @event_priority(-100)  # last: the policy must cover the page as other plugins leave it
    def _page_policy(self, output: str, page, config: MkDocsConfig) -> str:
        return self.policies.page(output, page) if self.policies else output

    on_post_page = CombinedEvent(on_post_page, _page_policy)

    @event_priority(-100)
    def on_post_template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        return self.policies.template(output, template_name, config) if self.policies else output

    def on_serve(self, server, config: MkDocsConfig, builder):  # a new logo shows on the next reload, like a model edit
        logo = [self.project.folder / self.project.options.logo] if isinstance(self.project.options.logo, str) else []
        signals = [self.following.signal_folder] if self.following and self.following.signal_folder else []
        # The banner of a failed rebuild speaks the language of the last project that loaded.
        return serve_sources(server, [*self.model_dirs, self.project.sequences_folder, *logo, *signals],
                             language=lambda: self.project.language)
