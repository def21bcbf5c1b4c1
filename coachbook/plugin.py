"""MkDocs adapter: validate the models, then add their generated pages and kits to the site."""

from __future__ import annotations

import html
import logging
from importlib import resources
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .branding import BRANDING_OPTIONS, SITE_LOGO, SITE_STYLESHEET, Branding, OptionSource, load_branding, site_stylesheet
from .config_file import read_plugin_options
from .errors import ConfigError, InvalidContent, display_path
from .kit_cache import DEFAULT_FOLDER, KitCache, cache_folder
from .loader import load_models
from .pages import CHOOSER_PAGE, KITS_PAGE, QUESTIONS_PAGE, KitLink, PageRenderer, model_page
from .render import kit_jobs, pack_jobs

log = logging.getLogger("mkdocs.plugins.coachbook")

SITE_CSS = "assets/coachbook/coachbook.css"


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
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path).parent
        source = _option_source(Path(config.config_file_path))
        try:
            self.branding = load_branding({name: self.config[name] for name in BRANDING_OPTIONS}, base, source)
        except ConfigError as problems:
            raise PluginError(str(problems)) from None
        # Folders may be anywhere: relative to mkdocs.yml (../shared-models included) or absolute.
        self.model_dirs = [base / folder for folder in self.config.models_dir]
        self.kit_cache = KitCache(cache_folder(base / self.config.cache_dir if self.config.cache else None))
        missing = [folder for folder in self.config.models_dir if not (base / folder).is_dir()]
        if missing:
            raise PluginError(f"{source.where('models_dir')}: no such folder: {', '.join(missing)}")
        # Validate before MkDocs cleans site/: a bad model must leave the last good site alone.
        try:
            self.models = load_models(self.model_dirs)
        except InvalidContent as invalid:
            raise PluginError(str(invalid)) from None
        if "attr_list" not in config.markdown_extensions:
            config.markdown_extensions.append("attr_list")
        config.extra_css.append(SITE_CSS)
        if self.branding is not None:
            self._apply_branding(config, self.branding)
        if config.nav is None:
            config.nav = self._navigation(Path(config.docs_dir))
        return config

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
            # Material prints `copyright` as HTML, so our plain text is escaped here.
            line = html.escape(branding.footer_line)
            config.copyright = f"{config.copyright} \u00b7 {line}" if config.copyright else line

    def _navigation(self, docs_dir: Path) -> list:
        groups: dict[str, list] = {}
        for model in self.models:
            groups.setdefault(model.group_name, []).append(model_page(model.id))
        hand_written = sorted(
            p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md") if p.name != "index.md"
        )
        nav: list = [{"Home": "index.md"}] if (docs_dir / "index.md").exists() else []
        nav.append({"Which conversation fits?": CHOOSER_PAGE})
        nav.append({"Conversations": [{group: pages} for group, pages in sorted(groups.items())]})
        nav.append({"Question bank": QUESTIONS_PAGE})
        if self.config.kits:
            nav.append({"Print kits": KITS_PAGE})
        return nav + hand_written

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        renderer = PageRenderer()
        pages = {model_page(model.id): model for model in self.models}
        generated = {path: self._add(files, config, path) for path in [*pages, QUESTIONS_PAGE, CHOOSER_PAGE]}
        stylesheet = resources.files("coachbook").joinpath("assets/site/coachbook.css").read_bytes()
        files.append(File.generated(config, SITE_CSS, content=stylesheet))
        if self.branding is not None:
            if self.branding.primary_color or self.branding.accent_color:
                files.append(File.generated(config, SITE_STYLESHEET, content=site_stylesheet(self.branding)))
            if self.branding.logo is not None:
                files.append(File.generated(config, SITE_LOGO + self.branding.logo.suffix, content=self.branding.logo.data))
        kit_links: dict[str, list[tuple[File, KitLink]]] = {model.id: [] for model in self.models}
        if self.config.kits:
            generated[KITS_PAGE] = self._add(files, config, KITS_PAGE)
            kits, papers = _kit_catalog()
            # One pool for kits and packs: a pack is a job like a kit, cached like one.
            jobs = kit_jobs(self.models, kits, papers, branding=self.branding)
            if self.config.packs:
                jobs += pack_jobs(self.models, papers, branding=self.branding)
            for job, pdf in self.kit_cache.render(jobs, workers=self.config.jobs):
                kit_file = File.generated(config, f"kits/{job.path}", content=pdf)
                files.append(kit_file)
                kit_links[job.model.id].append((kit_file, KitLink(job.kit, job.paper, "", len(pdf))))
            log.info(f"coachbook: {len(jobs)} kits and packs ({self.kit_cache.misses} rendered, {self.kit_cache.hits} from the cache)")

        def links_from(page: File):
            return lambda src: files.get_file_from_path(src).url_relative_to(page)

        def kits_from(page: File, model_id: str) -> list[KitLink]:
            return [KitLink(k.kit, k.paper, f.url_relative_to(page), k.size) for f, k in kit_links[model_id]]

        for path, model in pages.items():
            generated[path].content_string = renderer.model_page(model, kits_from(generated[path], model.id))
        generated[QUESTIONS_PAGE].content_string = renderer.question_bank(self.models, links_from(generated[QUESTIONS_PAGE]))
        generated[CHOOSER_PAGE].content_string = renderer.chooser(self.models, links_from(generated[CHOOSER_PAGE]))
        if self.config.kits:
            page = generated[KITS_PAGE]
            page.content_string = renderer.kits_page(self.models, {m.id: kits_from(page, m.id) for m in self.models})
        return files

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
        return server


def _option_source(config_file: Path) -> OptionSource:
    """Where each coachbook option is written in mkdocs.yml (MkDocs has the values, not their positions)."""
    try:
        return read_plugin_options(config_file).source
    except ConfigError:
        return OptionSource(display_path(config_file), {})


def _kit_catalog() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .kits import KITS, PAPERS

    return KITS, PAPERS
