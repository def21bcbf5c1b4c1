"""MkDocs adapter: validate the models, then add their generated pages and kits to the site."""

from __future__ import annotations

import logging
import re
from importlib import resources
from xml.sax.saxutils import escape as xml_escape
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .errors import InvalidContent
from .i18n import DEFAULT_LANGUAGE, language_name, messages
from .kit_cache import DEFAULT_FOLDER, KitCache, cache_folder
from .loader import load_library
from .pages import (CHOOSER_PAGE, HOME_PAGE, KITS_PAGE, QUESTIONS_PAGE, Alternate, KitLink, PageRenderer,
                    language_page, model_page)
from .render import kit_jobs
from .schema import ConversationModel

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
    cache = c.Type(bool, default=True)
    """Keep rendered kits between builds, so a rebuild renders only what changed."""
    cache_dir = c.Type(str, default=str(DEFAULT_FOLDER))
    """Where the kit cache lives, relative to mkdocs.yml."""


class CoachbookPlugin(BasePlugin[PluginConfig]):
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path).parent
        self.model_dirs = [base / folder for folder in self.config.models_dir]
        self.kit_cache = KitCache(cache_folder(base / self.config.cache_dir if self.config.cache else None))
        missing = [str(folder) for folder in self.model_dirs if not folder.is_dir()]
        if missing:
            raise PluginError(f"coachbook: models_dir not found: {', '.join(missing)}")
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
        if config.nav is None:
            config.nav = self._navigation(Path(config.docs_dir))
        return config

    def _configure_languages(self, config: MkDocsConfig) -> None:
        """Material's header language switch, and search stemming for every language that lunr knows."""
        languages = [self.language, *self.translations]
        if "alternate" not in config.extra:
            config.extra["alternate"] = [
                {"name": language_name(language), "lang": language,
                 "link": language_page(HOME_PAGE, None if language == self.language else language).removesuffix("index.md") or "./"}
                for language in languages
            ]
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
        for language, models in self.translations.items():
            nav.append({language_name(language): self._language_navigation(language, models)})
        return nav + hand_written

    @staticmethod
    def _language_navigation(language: str, models: dict) -> list:
        t = messages(language)
        groups: dict[str, list] = {}
        for model in models.values():
            groups.setdefault(model.group or t["site"]["other_conversations"], []).append(model_page(model.id, language))
        return [
            {t["site"]["home"]: language_page(HOME_PAGE, language)},
            {t["site"]["choose_title"]: language_page(CHOOSER_PAGE, language)},
            {t["site"]["conversations"]: [{group: pages} for group, pages in sorted(groups.items())]},
            {t["site"]["bank_title"]: language_page(QUESTIONS_PAGE, language)},
        ]

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        renderer = PageRenderer(self.language)
        pages = {model_page(model.id): model for model in self.models}
        generated = {path: self._add(files, config, path) for path in [*pages, QUESTIONS_PAGE, CHOOSER_PAGE]}
        stylesheet = resources.files("coachbook").joinpath("assets/site/coachbook.css").read_bytes()
        files.append(File.generated(config, SITE_CSS, content=stylesheet))
        if self.translations:
            script = resources.files("coachbook").joinpath("assets/site/search-language.js").read_bytes()
            files.append(File.generated(config, SEARCH_LANGUAGE_JS, content=script))
        kit_links: dict[str, list[tuple[File, KitLink]]] = {model.id: [] for model in self.models}
        if self.config.kits:
            generated[KITS_PAGE] = self._add(files, config, KITS_PAGE)
            jobs = kit_jobs(self.models, *_kit_catalog())
            for job, pdf in self.kit_cache.render(jobs, workers=self.config.jobs):
                kit_file = File.generated(config, f"kits/{job.path}", content=pdf)
                files.append(kit_file)
                kit_links[job.model.id].append((kit_file, KitLink(job.kit, job.paper, "", len(pdf))))
            log.info(f"coachbook: {len(jobs)} kits ({self.kit_cache.misses} rendered, {self.kit_cache.hits} from the cache)")

        def links_from(page: File):
            return lambda src: files.get_file_from_path(src).url_relative_to(page)

        def kits_from(page: File, model_id: str) -> list[KitLink]:
            return [KitLink(k.kit, k.paper, f.url_relative_to(page), k.size) for f, k in kit_links[model_id]]

        # Translations: the same pages under <lang>/, and their kits beside the originals' (<id>-<kit>-<paper>.<lang>.pdf).
        translated_pages: dict[str, tuple[str, ConversationModel]] = {}
        translated_kits: dict[tuple[str, str], list[tuple[File, KitLink]]] = {}
        for language, models in self.translations.items():
            for model in models.values():
                translated_pages[model_page(model.id, language)] = (language, model)
                translated_kits[(language, model.id)] = []
            for name in (HOME_PAGE, CHOOSER_PAGE, QUESTIONS_PAGE):
                generated[language_page(name, language)] = self._add(files, config, language_page(name, language))
            if self.config.kits:
                jobs = kit_jobs(models.values(), *_kit_catalog(), language=language)
                for job, pdf in self.kit_cache.render(jobs, workers=self.config.jobs):
                    kit_file = File.generated(config, f"kits/{job.path}", content=pdf)
                    files.append(kit_file)
                    translated_kits[(language, job.model.id)].append((kit_file, KitLink(job.kit, job.paper, "", len(pdf), language)))
                log.info(f"coachbook: {len(jobs)} '{language}' kits ({self.kit_cache.misses} rendered, "
                         f"{self.kit_cache.hits} from the cache)")
        for path in translated_pages:
            generated[path] = self._add(files, config, path)
        for language in self.translations:
            # Material's language switch fetches <lang>/sitemap.xml for every language it offers.
            in_language = [file for path, file in sorted(generated.items()) if path.startswith(f"{language}/")]
            files.append(File.generated(config, f"{language}/sitemap.xml", content=_sitemap(in_language, config.site_url)))

        def alternates_from(page: File, model_id: str, language: str) -> list[Alternate]:
            others = [self.language, *self.library.languages_of(model_id)]
            return [Alternate(other, language_name(other), files.get_file_from_path(
                model_page(model_id, None if other == self.language else other)).url_relative_to(page))
                for other in others if other != language]

        for path, model in pages.items():
            generated[path].content_string = renderer.model_page(
                model, kits_from(generated[path], model.id), alternates_from(generated[path], model.id, self.language))
        for path, (language, model) in translated_pages.items():
            page = generated[path]
            kits = [KitLink(k.kit, k.paper, f.url_relative_to(page), k.size, language)
                    for f, k in translated_kits[(language, model.id)]]
            page.content_string = PageRenderer(language, section=language).model_page(
                model, kits, alternates_from(page, model.id, language))
        for language, models in self.translations.items():
            language_renderer = PageRenderer(language, section=language)
            for name, render in ((HOME_PAGE, language_renderer.home), (CHOOSER_PAGE, language_renderer.chooser),
                                 (QUESTIONS_PAGE, language_renderer.question_bank)):
                page = generated[language_page(name, language)]
                page.content_string = render(list(models.values()), links_from(page))
        generated[QUESTIONS_PAGE].content_string = renderer.question_bank(self.models, links_from(generated[QUESTIONS_PAGE]))
        generated[CHOOSER_PAGE].content_string = renderer.chooser(self.models, links_from(generated[CHOOSER_PAGE]))
        if self.config.kits:
            page = generated[KITS_PAGE]
            page.content_string = renderer.kits_page(self.models, {m.id: kits_from(page, m.id) for m in self.models})
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
        return server


def _sitemap(pages: list[File], site_url: str | None) -> str:
    """A sitemap of one language's pages (empty without a site_url: a sitemap holds only full URLs)."""
    entries = "".join(f"<url><loc>{xml_escape(site_url + page.url)}</loc></url>\n" for page in pages) if site_url else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')


def _kit_catalog() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .kits import KITS, PAPERS

    return KITS, PAPERS
