"""MkDocs adapter: validate the models, then add their generated pages and kits to the site."""

from __future__ import annotations

import functools
import logging
import re
from importlib import resources
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import BuildError, MkDocsException, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import CountHandler, DuplicateFilter

from .branding import BRANDING_OPTIONS, SITE_LOGO, SITE_STYLESHEET, Branding, OptionSource, load_branding, site_stylesheet
from .config_file import existing_model_folders, read_plugin_options
from .errors import ConfigError, InvalidContent, RenderFailed, display_path
from .i18n import DEFAULT_LANGUAGE, language_name, messages
from .kit_cache import DEFAULT_FOLDER, KitCache, cache_folder
from .loader import load_library
from .pages import (CHOOSER_PAGE, HOME_PAGE, KITS_PAGE, QUESTIONS_PAGE, Alternate, KitLink, PageRenderer,
                    language_page, model_page)
from .render import kit_jobs, pack_jobs
from .staging import StagedFolder
from .text import html_text, title_text, xml_text

log = logging.getLogger("mkdocs.plugins.coachbook")

SITE_CSS = "assets/coachbook/coachbook.css"
SEARCH_LANGUAGE_JS = "assets/coachbook/search-language.js"
HTML_LANG = re.compile(r'<html lang="[^"]*"')


class PluginConfig(Config):
    models_dir = c.ListOfItems(c.Type(str), default=["models"])
    """Folders of model files, relative to mkdocs.yml."""
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
    stage_output = False
    staged: StagedFolder | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # A dirty build keeps old files on purpose; every other build (serve's too) publishes only on success.
        self.stage_output = not dirty

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path).parent
        source = _option_source(Path(config.config_file_path))
        try:
            self.branding = load_branding({name: self.config[name] for name in BRANDING_OPTIONS}, base, source)
            # Folders may be anywhere: relative to mkdocs.yml (../shared-models included) or absolute.
            self.model_dirs = existing_model_folders(self.config.models_dir, base, source)
        except ConfigError as problems:
            raise PluginError(str(problems)) from None
        self.kit_cache = KitCache(cache_folder(base / self.config.cache_dir if self.config.cache else None))
        # Material's language names the originals' language: theme.language (en unless set).
        self.language = str(config.theme.get("language") or DEFAULT_LANGUAGE).lower()
        # Validate before MkDocs cleans site/: a bad model must leave the last good site alone.
        try:
            self.library = load_library(self.model_dirs, self.language)
        except InvalidContent as invalid:
            raise PluginError(str(invalid)) from None
        self.models = self.library.models
        self.translations = self.library.translations
        if self.translations:
            self._configure_languages(config)
        if "attr_list" not in config.markdown_extensions:
            config.markdown_extensions.append("attr_list")
        config.extra_css.append(SITE_CSS)
        if self.branding is not None:
            self._apply_branding(config, self.branding)
        if config.nav is None:
            config.nav = self._navigation(Path(config.docs_dir))
        if self.stage_output:
            self._stage(config)
        return config

    def _stage(self, config: MkDocsConfig) -> None:
        """Build into a folder beside site/, published only if the build succeeds: MkDocs cleans site/
        before the kits render and the pages are written, and a failure must leave the last good site."""
        self.staged, self.config_in_build = StagedFolder(Path(config.site_dir)), config
        self.site_dir, config.site_dir = config.site_dir, str(self.staged.path)
        self.warnings = CountHandler()  # `--strict` aborts after on_post_build when any warning was logged
        self.warnings.setLevel(logging.WARNING)
        logging.getLogger("mkdocs").addHandler(self.warnings)

    @event_priority(-100)  # after every other plugin has written its files (search index, offline assets)
    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.staged is not None:
            self._end_staging(publish=not (config.strict and self.warnings.get_counts()))

    def on_build_error(self, error: Exception) -> None:
        if self.staged is not None:
            self._end_staging(publish=False)

    def on_shutdown(self) -> None:
        if self.staged is not None:  # interrupted: no build_error event was sent
            self._end_staging(publish=False)

    def _end_staging(self, publish: bool) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        if publish:
            self.staged.publish()
        else:
            self.staged.discard()
        self.config_in_build.site_dir, self.staged = self.site_dir, None

    @staticmethod
    def _apply_branding(config: MkDocsConfig, branding: Branding) -> None:
        """Material's custom palette, logo, favicon and footer line; the colours come in a generated stylesheet."""
        if branding.primary_color or branding.accent_color:
            palette = config.theme.get("palette") or {}
            schemes = palette if isinstance(palette, list) else [palette]
            for scheme in schemes:
                if branding.primary_color:
                    scheme["primary"] = "custom"
                if branding.accent_color:
                    scheme["accent"] = "custom"
            config.theme["palette"] = schemes if isinstance(palette, list) else schemes[0]
            config.extra_css.append(SITE_STYLESHEET)
        if branding.logo is not None:
            logo = SITE_LOGO + branding.logo.suffix
            config.theme["logo"] = logo
            config.theme["favicon"] = logo
        if branding.footer_line:
            # Material prints `copyright` as HTML.
            line = html_text(branding.footer_line)
            config.copyright = f"{config.copyright} \u00b7 {line}" if config.copyright else line

    def _configure_languages(self, config: MkDocsConfig) -> None:
        """Material's header language switch, and search stemming for every language that lunr knows."""
        languages = [self.language, *self.translations]
        # The switch's links are set in on_files, once the offline plugin has chosen the form of URLs.
        self.own_alternate = "alternate" not in config.extra
        config.extra_javascript.append(SEARCH_LANGUAGE_JS)
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None and hasattr(search.config, "lang"):
            if search.config.lang is None:  # search comes after coachbook in `plugins`
                search.config.lang = [self.language]
            # In place: Material's search copied its options when it was configured, sharing this list.
            stemmers = search.config.lang
            lunr = [Path(folder) / "assets" / "javascripts" / "lunr" / "min" for folder in config.theme.dirs]
            for language in languages:
                base = language.split("-")[0]
                if base not in stemmers and any((folder / f"lunr.{base}.min.js").is_file() for folder in lunr):
                    stemmers.append(base)

    def _navigation(self, docs_dir: Path) -> list:
        groups: dict[str, list] = {}
        for model in self.models:
            groups.setdefault(title_text(model.group_name), []).append(model_page(model.id))
        hand_written = sorted(
            p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md") if p.name != "index.md"
        )
        nav: list = [{"Home": "index.md"}] if (docs_dir / "index.md").exists() else []
        nav.append({"Which conversation fits?": CHOOSER_PAGE})
        nav.append({"Conversations": [{group: pages} for group, pages in sorted(groups.items())]})
        nav.append({"Question bank": QUESTIONS_PAGE})
        if self.config.kits:
            nav.append({"Print kits": KITS_PAGE})
        for language, models in self.translations.items():
            nav.append({language_name(language): self._language_navigation(language, models)})
        return nav + hand_written

    @staticmethod
    def _language_navigation(language: str, models: dict) -> list:
        t = messages(language)
        groups: dict[str, list] = {}
        for model in models.values():
            groups.setdefault(title_text(model.group or t["site"]["other_conversations"]), []).append(model_page(model.id, language))
        return [
            {t["site"]["home"]: language_page(HOME_PAGE, language)},
            {t["site"]["choose_title"]: language_page(CHOOSER_PAGE, language)},
            {t["site"]["conversations"]: [{group: pages} for group, pages in sorted(groups.items())]},
            {t["site"]["bank_title"]: language_page(QUESTIONS_PAGE, language)},
        ]

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        # One section per language: the originals at the top, each translation language under <lang>/.
        sections = [(self.language, None, self.models)]
        sections += [(language, language, list(models.values())) for language, models in self.translations.items()]
        generated: dict[str, File] = {}
        for _, section, models in sections:
            names = [QUESTIONS_PAGE, CHOOSER_PAGE] + [HOME_PAGE] * bool(section)  # the originals' home is hand-written
            for path in [model_page(model.id, section) for model in models] + [language_page(n, section) for n in names]:
                generated[path] = self._add(files, config, path)
        if self.translations and self.own_alternate:
            roots = [files.get_file_from_path(language_page(HOME_PAGE, None if lang == self.language else lang))
                     for lang in [self.language, *self.translations]]
            config.extra["alternate"] = [
                {"name": language_name(lang), "lang": lang, "link": root.url if root and root.url else "./"}
                for lang, root in zip([self.language, *self.translations], roots)]
        for asset in [SITE_CSS] + [SEARCH_LANGUAGE_JS] * bool(self.translations):
            content = resources.files("coachbook").joinpath("assets/site", Path(asset).name).read_bytes()
            files.append(File.generated(config, asset, content=content))
        if self.branding is not None:
            if self.branding.primary_color or self.branding.accent_color:
                files.append(File.generated(config, SITE_STYLESHEET, content=site_stylesheet(self.branding)))
            if self.branding.logo is not None:
                files.append(File.generated(config, SITE_LOGO + self.branding.logo.suffix, content=self.branding.logo.data))

        # Kits: a translation's are written beside the original's, as <id>-<kit>-<paper>.<lang>.pdf.
        kit_links: dict[tuple[str | None, str], list[tuple[File, KitLink]]] = {
            (section, model.id): [] for _, section, models in sections for model in models}
        if self.config.kits:
            generated[KITS_PAGE] = self._add(files, config, KITS_PAGE)
            kits, papers = _kit_catalog()
            jobs = [job for _, section, models in sections
                    for job in kit_jobs(models, kits, papers, section or DEFAULT_LANGUAGE, branding=self.branding)]
            # One pool for kits and packs: a pack is a job like a kit, cached like one (packs: originals only).
            if self.config.packs:
                jobs += pack_jobs(self.models, papers, branding=self.branding)
            try:
                rendered = list(self.kit_cache.render(jobs, workers=self.config.jobs))
            except RenderFailed as failed:
                raise PluginError(str(failed)) from None
            for job, pdf in rendered:
                kit_file = File.generated(config, f"kits/{job.path}", content=pdf)
                files.append(kit_file)
                section = None if job.language == DEFAULT_LANGUAGE else job.language
                kit_links[(section, job.model.id)].append((kit_file, KitLink(job.kit, job.paper, "", len(pdf), job.language)))
            log.info(f"coachbook: {len(jobs)} kits and packs ({self.kit_cache.misses} rendered, {self.kit_cache.hits} from the cache)")

        def links_from(page: File):
            return lambda src: files.get_file_from_path(src).url_relative_to(page)

        def kits_from(page: File, section: str | None, model_id: str) -> list[KitLink]:
            return [KitLink(k.kit, k.paper, f.url_relative_to(page), k.size, k.language)
                    for f, k in kit_links[(section, model_id)]]

        def alternates_from(page: File, model_id: str, language: str) -> list[Alternate]:
            others = [self.language, *self.library.languages_of(model_id)]
            return [Alternate(other, language_name(other), files.get_file_from_path(
                model_page(model_id, None if other == self.language else other)).url_relative_to(page))
                for other in others if other != language]

        for language, section, models in sections:
            renderer = PageRenderer(language, section)
            for model in models:
                page = generated[model_page(model.id, section)]
                page.content_string = renderer.model_page(
                    model, kits_from(page, section, model.id), alternates_from(page, model.id, language))
            renders = {QUESTIONS_PAGE: renderer.question_bank, CHOOSER_PAGE: renderer.chooser}
            if section:
                renders[HOME_PAGE] = renderer.home
            for name, render in renders.items():
                page = generated[language_page(name, section)]
                page.content_string = render(models, links_from(page))
            if section:
                # Material's language switch fetches <lang>/sitemap.xml for every language it offers.
                in_section = [file for path, file in sorted(generated.items()) if path.startswith(f"{section}/")]
                files.append(File.generated(config, f"{section}/sitemap.xml", content=_sitemap(in_section, config.site_url)))
        if self.config.kits:
            page = generated[KITS_PAGE]
            page.content_string = PageRenderer(self.language).kits_page(
                self.models, {m.id: kits_from(page, None, m.id) for m in self.models})
        return files

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str:
        """A translated page declares its own language (Material writes the theme's into every page)."""
        language = page.file.src_uri.split("/")[0]
        if language in self.translations:
            return HTML_LANG.sub(f'<html lang="{language}"', output, count=1)
        return output

    @staticmethod
    def _add(files: Files, config: MkDocsConfig, path: str) -> File:
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"coachbook: {config.docs_dir}/{path} clashes with a generated page; rename or remove it")
        page = File.generated(config, path, content="")
        files.append(page)
        return page

    def on_serve(self, server, config: MkDocsConfig, builder):
        for folder in self.model_dirs:
            server.watch(str(folder))
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


def _option_source(config_file: Path) -> OptionSource:
    """Where each coachbook option is written in mkdocs.yml (MkDocs has the values, not their positions)."""
    try:
        return read_plugin_options(config_file).source
    except ConfigError:
        return OptionSource(display_path(config_file), {})


def _sitemap(pages: list[File], site_url: str | None) -> str:
    """A sitemap of one language's pages (empty without a site_url: a sitemap holds only full URLs)."""
    entries = "".join(f"<url><loc>{xml_text(site_url + page.url)}</loc></url>\n" for page in pages) if site_url else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')


def _kit_catalog() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .kits import KITS, PAPERS

    return KITS, PAPERS
