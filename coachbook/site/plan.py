"""The site Coachbook generates, as plain data for any site engine: pages, navigation, languages, kits, assets."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..branding import SITE_LOGO, SITE_STYLESHEET, Branding, site_stylesheet
from .app import App, app_name, write_service_worker
from .chooser import DATA_FILE as CHOOSER_DATA, chooser_data
from .finishing import PageFinisher
from ..i18n import DEFAULT_LANGUAGE, language_name, messages
from ..model.loader import Library
from .precompress import precompress
from .pages import (
    CHOOSER_PAGE,
    HOME_PAGE,
    KITS_PAGE,
    QUESTIONS_PAGE,
    Alternate,
    KitLink,
    Membership,
    PageRenderer,
    TimelineEntry,
    cards_page,
    language_page,
    model_groups,
    model_page,
    run_page,
    sequence_page,
)
from ..kits.catalog import DEFAULT_DECK_SIZE, KITS, PAPERS, kit_date
from ..errors import UsageError
from ..kits.jobs import Job, KitJob, KitLinks, PackJob, Session, check_output_paths, kit_jobs, pack_jobs
from ..model.schema import ConversationModel
from ..project import Project
from ..model.schema_export import SITE_PATH as SCHEMA_PATH, model_schema_json
from ..text import html_text, title_text, xml_text


SITE_CSS = "assets/coachbook/coachbook.css"
SEARCH_LANGUAGE_JS = "assets/coachbook/search-language.js"
WORDS_JS = "assets/coachbook/words.js"
"""How the chooser and the question bank read a reader's words: loaded before both."""
CHOOSER_JS = "assets/coachbook/chooser.js"
"""The matchmaker on the chooser and the favourites on the chooser and model pages (a no-op on other pages)."""
BANK_JS = "assets/coachbook/bank.js"
"""The question bank's filters (a no-op on other pages)."""
CALENDAR_JS = "assets/coachbook/calendar.js"
CONVERSATION_JS = "assets/coachbook/conversation.js"
NOTES_JS = "assets/coachbook/notes.js"
"""Conversation mode's notes, agreements and last time's notes file, on the steps conversation.js hands over."""
CARDS_JS = "assets/coachbook/cards.js"
"""The print view's Print button (a no-op on other pages)."""
LANGUAGE_LINKS_JS = "assets/coachbook/language-links.js"
"""Keeps each page's same-page language links out of the theme's sitemap lookup (see the file)."""
KITS_FOLDER = "kits"
# A section of more models than this has its navigation pruned (Material's `navigation.prune`: a page lists only
# the branch it is in, the other groups as one link each) and its larger groups cut into runs of at most this many
# models: every page carried the whole navigation, so 500 models made 215 KB pages and a site 20 times that of 50.
# Smaller sites keep the full navigation.
NAVIGATION_MODELS = 20
PRUNED_NAVIGATION = "navigation.prune"


@dataclass(frozen=True)
class Urls:
    """Where a site engine serves each source path, and links between them, as MkDocs and Zensical do.

    `directory_urls`: `models/x.md` is served at `models/x/` (else at `models/x.html`, as in the offline build).
    `from_source`: links are written relative to the page's source folder, for an engine that rewrites the
    links of raw HTML as it does Markdown links (Zensical); MkDocs takes them relative to the page's URL.
    """

    directory_urls: bool = True
    from_source: bool = False

    def url(self, path: str) -> str:
        if not path.endswith(".md"):
            return path
        stem = path[: -len(".md")]
        if not self.directory_urls:
            return stem + ".html"
        folder, name = posixpath.split(stem)
        if name == "index":
            return f"{folder}/" if folder else "./"
        return f"{stem}/"

    def relative(self, target: str, page: str) -> str:
        """The link from the page at source path `page` to the source path `target`."""
        url, base = self.url(target), self.url(page)
        folder, name = posixpath.split(base)
        base = posixpath.dirname(page) if self.from_source else (folder if "." in name else base)
        link = posixpath.relpath("/" + url, "/" + base)
        return link + "/" if url.endswith("/") else link


@dataclass(frozen=True)
class SiteAddress:
    """Where the published site serves its pages: its `site_url` and the form of its URLs (`urls`)."""

    site_url: str
    urls: Urls = Urls()

    def page(self, path: str) -> str:
        """The full address of the page at source path `path`."""
        return self.site_url.rstrip("/") + "/" + self.urls.url(path).removeprefix("./")

    def kit_links(self, model_id: str, folder: str | None) -> KitLinks:
        """Where the QR codes of a model's kits in the section of `folder` lead: its page and conversation mode there."""
        return KitLinks(self.page(model_page(model_id, folder)), self.page(run_page(model_id, folder)))


def kit_address(project: Project) -> SiteAddress | None:
    """The site address the project's kits link with QR codes: none without a site_url, nor in the offline build,
    whose pages a phone cannot reach. Pages are served as the configuration's use_directory_urls says (the offline
    plugin, which changes that, takes the codes away)."""
    if project.site_url is None or project.offline:
        return None
    return SiteAddress(project.site_url, Urls(project.config.get("use_directory_urls", True) is not False))


def hand_written_pages(docs_dir: Path) -> list[str]:
    """The Markdown pages of a docs folder, as source paths."""
    return sorted(path.relative_to(docs_dir).as_posix() for path in Path(docs_dir).rglob("*.md"))


@dataclass(frozen=True)
class Section:
    """The pages of one language: the originals at the top of the site, each translation under `<folder>/`.

    `hand_written`: the docs folder's own pages in this section (a translation's: those under `<folder>/`).
    """

    language: str
    folder: str | None
    models: tuple[ConversationModel, ...]
    hand_written: tuple[str, ...] = ()

    @property
    def generated_home(self) -> bool:
        """Whether Coachbook writes the section's home: a translation's, unless the docs folder has `<folder>/index.md`
        (the originals' home is always hand-written)."""
        return bool(self.folder) and language_page(HOME_PAGE, self.folder) not in self.hand_written

    def pages(self) -> list[str]:
        """Its generated page source paths: a page, a conversation mode and a print view of the cards per model, the
        question bank, the chooser (and a home)."""
        names = [QUESTIONS_PAGE, CHOOSER_PAGE] + [HOME_PAGE] * self.generated_home
        return ([model_page(model.id, self.folder) for model in self.models] + self.run_pages() + self.cards_pages()
                + [language_page(n, self.folder) for n in names])

    def run_pages(self) -> list[str]:
        """Its conversation modes, one per model: reached from the model's page, never from the navigation."""
        return [run_page(model.id, self.folder) for model in self.models]

    def cards_pages(self) -> list[str]:
        """Its print views of the cards, one per model: reached from the model's page, never from the navigation."""
        return [cards_page(model.id, self.folder) for model in self.models]


class SitePlan:
    """Everything Coachbook makes of a project, decided once for every front end (the MkDocs plugin, Zensical, the
    command): its sections (one per language), pages, navigation, assets, and the jobs of its kits and packs."""

    def __init__(self, library: Library, language: str = DEFAULT_LANGUAGE, *, kits: bool = True, packs: bool = True,
                 branding: Branding | None = None, hand_written: Sequence[str] = (), kit_address: SiteAddress | None = None,
                 deck_size: str = DEFAULT_DECK_SIZE, app: App | None = None, compress: bool = False):
        """`hand_written`: the docs folder's own Markdown pages, as source paths; a page under a translation's
        folder (`en/about.md`) belongs to that language's section, and its `<folder>/index.md` is that section's home.
        `kit_address`: the site the kits' QR codes lead to (None: the kits carry none). `deck_size`: the print-shop
        deck's card size (catalog.DECK_SIZES). `app`: the installable offline app's settings (None: no app).
        `compress`: whether the built site gets a gzip and a brotli copy beside each text file."""
        self.library, self.language, self.kits, self.packs, self.branding = library, language, kits, packs, branding
        self.kit_address, self.deck_size, self.app, self.compress = kit_address, deck_size, app, compress
        self.hand_written = sorted(hand_written)
        # The loader refuses a translation folder named after the originals' language: no two sections share one.
        models_by_language = {language: tuple(library.models),
                              **{lang: tuple(models.values()) for lang, models in library.translations.items()}}
        folders = [self.folder_of(lang) for lang in models_by_language]
        self.sections = [Section(lang, folder, models,
                                 tuple(page for page in self.hand_written if _folder_of_page(page, folders) == folder))
                         for (lang, models), folder in zip(models_by_language.items(), folders)]

    @classmethod
    def of_project(cls, project: Project, library: Library, hand_written: Sequence[str] = (), *,
                   serving: bool = False) -> SitePlan:
        """The plan of a project's library, with the project's language, branding and kits and packs switches, and
        (for a site) the docs folder's own pages. `serving`: for a live server (`mkdocs serve`, `coachbook zensical
        --serve`), which makes no installable app (its worker would keep answering with the pages it stored over the
        rebuilds) and no compressed copies (the server never sends them, and each rebuild would pay for them); the
        offline build has neither (file:// pages can have no worker, and a browser reads them uncompressed)."""
        branding = project.branding
        logo = SITE_LOGO + branding.logo.suffix if branding and branding.logo else None
        settings = (App(app_name(branding, project.config.get("site_name")), project.language, branding, logo)
                    if project.app and not serving else None)
        return cls(library, project.language, kits=project.options.kits, packs=project.options.packs,
                   branding=branding, hand_written=hand_written, kit_address=kit_address(project),
                   deck_size=project.options.deck_size, app=settings,
                   compress=project.options.precompress and not project.offline and not serving)

    def finish_site(self, site: Path, directory_urls: bool, *, keep_existing: bool = True) -> None:
        """What every front end writes into its built `site` after every other file: the service worker, which lists
        their hashes, then the compressed copies, the worker's among them (`keep_existing`: see `precompress`)."""
        if self.app is not None:
            write_service_worker(site, directory_urls)
        if self.compress:
            precompress(site, keep_existing=keep_existing)

    def folder_of(self, language: str) -> str | None:
        """Where a language's pages and kit names go: the originals at the top (None), a translation in its folder."""
        return None if language == self.language else language

    def section(self, language: str) -> Section:
        """The section of a language; `UsageError` naming the languages there are."""
        for section in self.sections:
            if section.language == language:
                return section
        raise UsageError(f"unknown language {language!r} (models here are in: {', '.join(self.languages)})")

    @property
    def languages(self) -> list[str]:
        return [section.language for section in self.sections]

    def pages(self) -> list[str]:
        """Every generated page's source path; a hand-written page of the same name is a clash."""
        # The kits page is there even without kits (saying so), so that links to it hold in a preview build.
        return ([path for section in self.sections for path in section.pages()] + [KITS_PAGE]
                + [sequence_page(sequence.id) for sequence in self.library.sequences])

    def unlisted_pages(self) -> list[str]:
        """The generated pages that stay out of the navigation (and of search): the conversation modes and the
        print views of the cards."""
        return [path for section in self.sections for path in (*section.run_pages(), *section.cards_pages())]

    # ------------------------------------------------------------------ configuration

    def stylesheets(self) -> list[str]:
        branded = self.branding is not None and (self.branding.primary_color or self.branding.accent_color)
        return [SITE_CSS] + [SITE_STYLESHEET] * bool(branded)

    def scripts(self) -> list[str]:
        # The chooser's matchmaker and favourites, the question bank's filters, every model page's calendar file and
        # conversation mode are made in the browser; each script does nothing on a page without its part.
        return ([WORDS_JS, CHOOSER_JS, BANK_JS, CALENDAR_JS, CONVERSATION_JS, NOTES_JS, CARDS_JS]
                + [SEARCH_LANGUAGE_JS, LANGUAGE_LINKS_JS] * bool(self.library.translations))

    def script_entries(self) -> list[dict]:
        """`scripts()` as `extra_javascript` entries, each deferred: none of them is needed for the first paint, and
        each needs the whole page, which a deferred script has, in order, before DOMContentLoaded (so language-links.js
        still runs after the theme's bundle, a plain script, and ahead of the theme's DOMContentLoaded listener)."""
        return [{"path": path, "defer": True} for path in self.scripts()]

    def search_languages(self) -> list[str]:
        """The base language of every section, for search stemming."""
        return list(dict.fromkeys(language.split("-")[0] for language in self.languages))

    def apply_branding(self, theme) -> None:
        """Set a theme's (Material's) custom palette, logo and favicon; the colours come in `stylesheets()`."""
        branding = self.branding
        if branding is None:
            return
        if branding.primary_color or branding.accent_color:
            palette = theme.get("palette") or {}
            for scheme in palette if isinstance(palette, list) else [palette]:
                if branding.primary_color:
                    scheme["primary"] = "custom"
                if branding.accent_color:
                    scheme["accent"] = "custom"
            theme["palette"] = palette
        if self.theme_logo():
            theme["logo"] = theme["favicon"] = self.theme_logo()

    def apply_generator(self, extra) -> None:
        """The theme's "Made with" footer line (`extra.generator`) is the organization's to show: off on a branded
        site unless the configuration asks for it; an unbranded site keeps the theme's default."""
        if self.branding is not None and extra.get("generator") is None:
            extra["generator"] = False

    def apply_navigation(self, theme) -> None:
        """Prune a theme's (Material's or Zensical's) navigation once a section has more than NAVIGATION_MODELS models."""
        if any(len(section.models) > NAVIGATION_MODELS for section in self.sections):
            features = list(theme.get("features") or [])
            theme["features"] = features if PRUNED_NAVIGATION in features else [*features, PRUNED_NAVIGATION]

    def theme_logo(self) -> str | None:
        """The site path of the organization's logo, for the theme's logo and favicon."""
        return SITE_LOGO + self.branding.logo.suffix if self.branding and self.branding.logo else None

    def copyright(self, existing: str | None) -> str | None:
        """The footer line as HTML: the site's own copyright, then the organization's line as text."""
        if self.branding is None or not self.branding.footer_line:
            return existing
        line = html_text(self.branding.footer_line)
        return f"{existing} \u00b7 {line}" if existing else str(line)

    def alternates(self, urls: Urls) -> list[dict]:
        """Material's language switch (`extra.alternate`): each language's home, as a site-root URL."""
        if not self.library.translations:
            return []
        return [{"name": language_name(s.language), "lang": s.language, "link": urls.url(language_page(HOME_PAGE, s.folder))}
                for s in self.sections]

    def page_finisher(self, directory_urls: bool, site_url: str | None, *, language_links: bool = True) -> PageFinisher:
        """What each written page gets: its logo sized, its language links to the same page in each language
        (`language_links`: unless the configuration has its own `extra.alternate`)."""
        logo = (self.theme_logo(), self.branding.logo.size) if self.theme_logo() else None
        return PageFinisher({section.folder: section.language for section in self.sections}, directory_urls,
                            site_url, logo, language_links, app=self.app is not None)

    def navigation(self) -> list:
        """The navigation for a site without its own `nav`: home, chooser, models by group, bank, kits, languages
        (each with its own hand-written pages), then the originals' other hand-written pages."""
        t = messages(self.language)["site"]
        originals = self.sections[0].hand_written
        nav: list = [{title_text(t["home"]): HOME_PAGE}] if HOME_PAGE in originals else []
        nav.append({title_text(t["choose_title"]): CHOOSER_PAGE})
        nav.append({title_text(t["conversations"]): self._groups(self.sections[0])})
        if self.library.sequences:  # the originals' only: a translation section has none
            nav.append({title_text(t["sequences"]): [sequence_page(s.id) for s in self.library.sequences]})
        nav.append({title_text(t["bank_title"]): QUESTIONS_PAGE})
        nav.append({title_text(t["kits_title"]): KITS_PAGE})
        for section in self.sections[1:]:
            t = messages(section.language)["site"]
            nav.append({title_text(language_name(section.language)): [
                {title_text(t["home"]): language_page(HOME_PAGE, section.folder)},
                {title_text(t["choose_title"]): language_page(CHOOSER_PAGE, section.folder)},
                {title_text(t["conversations"]): self._groups(section)},
                {title_text(t["bank_title"]): language_page(QUESTIONS_PAGE, section.folder)},
                *(path for path in section.hand_written if path != language_page(HOME_PAGE, section.folder)),
            ]})
        return nav + [path for path in originals if path != HOME_PAGE]

    @staticmethod
    def _groups(section: Section) -> list:
        """The section's models by group; in a section of many models, a large group in runs named by their first and
        last titles, so that a pruned navigation lists one run's models, not the group's."""
        pages = []
        for group, members in model_groups(section.models, section.language):
            if len(section.models) > NAVIGATION_MODELS and len(members) > NAVIGATION_MODELS:
                runs = [members[start:start + NAVIGATION_MODELS] for start in range(0, len(members), NAVIGATION_MODELS)]
                entries = [{title_text(f"{run[0].title} \u2013 {run[-1].title}"):
                            [model_page(model.id, section.folder) for model in run]} for run in runs]
            else:
                entries = [model_page(model.id, section.folder) for model in members]
            pages.append({title_text(group): entries})
        return pages

    # ------------------------------------------------------------------ content

    def kit_jobs(self) -> list[Job]:
        """Every kit of every section, then every section's packs, in its language: one pool renders them all.

        Files are named by section, so no two jobs share a path (checked all the same, before anything renders).
        """
        if not self.kits:
            return []
        jobs: list[Job] = self._kit_jobs(self.sections)
        if self.packs:
            jobs += [job for s in self.sections
                     for job in pack_jobs(s.models, PAPERS, s.language, section=s.folder, branding=self.branding,
                                          dates=self.kit_dates(s), links=self.kit_links(s.models, s.folder))]
        check_output_paths(jobs)
        return jobs

    def build_jobs(self, model_ids: Sequence[str] = (), languages: Sequence[str] = (), kits: Sequence[str] = KITS,
                   papers: Sequence[str] = PAPERS) -> list[KitJob]:
        """The kits `coachbook build` renders, whatever the kits switch: those of the models named (default: all) in
        the languages named (default: every section's), translations of models that have one."""
        unknown = [language for language in languages if language not in self.languages]
        if unknown:
            raise UsageError(f"unknown language {', '.join(repr(n) for n in unknown)} "
                             f"(models here are in: {', '.join(self.languages)})")
        jobs = self._kit_jobs([self.section(language) for language in languages] if languages else self.sections,
                              model_ids, kits, papers)
        check_output_paths(jobs)
        return jobs

    def _kit_jobs(self, sections: Sequence[Section], model_ids: Sequence[str] = (), kits: Sequence[str] = KITS,
                  papers: Sequence[str] = PAPERS) -> list[KitJob]:
        """The kits of the sections' models (those named; default: all), section by section, in its language."""
        return [job for s in sections for job in kit_jobs([m for m in s.models if not model_ids or m.id in model_ids],
                                                          kits, papers, s.language, section=s.folder,
                                                          branding=self.branding, dates=self.kit_dates(s),
                                                          links=self.kit_links(s.models, s.folder),
                                                          deck_size=self.deck_size)]

    def kit_links(self, models: Sequence[ConversationModel], folder: str | None) -> dict[str, KitLinks] | None:
        """Where the QR codes of the models' kits in the section of `folder` lead, by model id (None: no codes)."""
        if self.kit_address is None:
            return None
        return {model.id: self.kit_address.kit_links(model.id, folder) for model in models}

    def kit_date(self, model_ids: Sequence[str], folder: str | None) -> str:
        """The date of a kit or pack of the models in the section of `folder` (`kit_date`): SOURCE_DATE_EPOCH when set,
        else the newest modification time of the files it is made from, as loaded: each model's file (a
        translation's and its original's) and the logo's. Cheap, and the same checkout gives the same date."""
        times = [time for model_id in model_ids for time in self.library.modified_of(model_id, folder)]
        if self.branding is not None and self.branding.logo is not None:
            times.append(self.branding.logo.modified)
        return kit_date(times)

    def kit_dates(self, section: Section) -> dict[str, str]:
        """The kit date of each of the section's models, by id."""
        return {model.id: self.kit_date([model.id], section.folder) for model in section.models}

    def pack_job(self, model_ids: Sequence[str], paper: str, copies: int = 1, language: str | None = None, *,
                 session: Session = Session(), practice: bool = False) -> PackJob:
        """`coachbook pack`'s one pack of the models named, in agenda order, in `language` (default: the originals'),
        planned as `session` says; `practice`: with their practice kits."""
        section = self.section(language or self.language)
        by_id = {model.id: model for model in section.models}
        untranslated = [name for name in model_ids if name not in by_id]
        if untranslated:
            raise UsageError(f"no {section.folder!r} translation of {', '.join(repr(n) for n in untranslated)} "
                             f"(translated: {', '.join(sorted(by_id)) or 'none'})")
        models = tuple(by_id[name] for name in model_ids)
        links = self.kit_links(models, section.folder)
        return PackJob(models, paper, copies, language=section.language, section=section.folder, branding=self.branding,
                       date=self.kit_date(model_ids, section.folder), links=tuple(links[m.id] for m in models) if links else (),
                       session=session, practice=practice)

    def assets(self) -> dict[str, bytes]:
        """The site's own files besides the pages and kits: stylesheets, scripts, the logo, the model schema."""
        files = {path: resources.files("coachbook").joinpath("assets/site", Path(path).name).read_bytes()
                 for path in [SITE_CSS, *self.scripts()]}
        files[SCHEMA_PATH] = model_schema_json().encode("utf-8")  # for editors: the `$schema` of model files
        if SITE_STYLESHEET in self.stylesheets():
            files[SITE_STYLESHEET] = site_stylesheet(self.branding)
        if self.theme_logo():
            files[self.theme_logo()] = self.branding.logo.data
        if self.app is not None:
            files.update(self.app.files())
        return files

    def render_pages(self, urls: Urls, kits: list[tuple[Job, int]], site_url: str | None = None) -> dict[str, str]:
        """The Markdown of every generated page, its links made for `urls`; `kits`: each rendered job with its size;
        `site_url`: where the site is published, for the page addresses in calendar files (None: unknown)."""
        offered = _offered(kits)

        def alternates(page: str, model_id: str, language: str) -> list[Alternate]:
            others = [self.language, *self.library.languages_of(model_id)]
            return [Alternate(other, language_name(other),
                              urls.relative(model_page(model_id, self.folder_of(other)), page))
                    for other in others if other != language]

        def page_url(page: str) -> str | None:
            return SiteAddress(site_url, urls).page(page) if site_url else None

        memberships = self.memberships()
        pages: dict[str, str] = {}
        for section in self.sections:
            renderer = PageRenderer(section.language, section.folder)
            for model in section.models:
                page, run = model_page(model.id, section.folder), run_page(model.id, section.folder)
                cards = cards_page(model.id, section.folder)
                pages[page] = renderer.model_page(model, _kit_links(offered, urls, page, section.folder, model.id),
                                                  alternates(page, model.id, section.language),
                                                  [] if section.folder else memberships.get(model.id, []),
                                                  lambda target, page=page: urls.relative(target, page), page_url(page),
                                                  urls.relative(run, page), urls.relative(cards, page))
                pages[run] = renderer.run_page(model, urls.relative(page, run))
                pages[cards] = renderer.cards_page(
                    model, urls.relative(page, cards), _kit_links(offered, urls, cards, section.folder, model.id),
                    self.branding.organization if self.branding else None,
                    urls.relative(self.theme_logo(), cards) if self.theme_logo() else None)
            renders = {QUESTIONS_PAGE: renderer.question_bank, CHOOSER_PAGE: renderer.chooser}
            if section.generated_home:
                renders[HOME_PAGE] = renderer.home
            for name, render in renders.items():
                page = language_page(name, section.folder)
                extra = {"data": self._chooser_data(section, urls, offered)} if name == CHOOSER_PAGE else {}
                pages[page] = render(list(section.models), lambda target, page=page: urls.relative(target, page), **extra)
        by_id = {model.id: model for model in self.library.models}
        # A calendar event links its conversation mode from the events' JSON, which no engine rewrites (as for the
        # chooser's data): calendar.js resolves a relative link against the page's own address.
        in_page = Urls(urls.directory_urls)
        for sequence in self.library.sequences:
            page = sequence_page(sequence.id)
            timeline = [TimelineEntry(entry, by_id[entry.model], days,
                                      urls.relative(KITS_PAGE, page) + f"#{entry.model}" if offered.get((None, entry.model)) else None,
                                      page_url(run_page(entry.model)) or in_page.relative(run_page(entry.model), page))
                        for entry, days in sequence.schedule()]
            pages[page] = PageRenderer(self.language).sequence_page(
                sequence, timeline, lambda target, page=page: urls.relative(target, page), page_url(page))
        pages[KITS_PAGE] = PageRenderer(self.language).kits_page(
            self.library.models, {m.id: _kit_links(offered, urls, KITS_PAGE, None, m.id) for m in self.library.models},
            built=self.kits)
        return pages

    def chooser_files(self, urls: Urls, kits: list[tuple[Job, int]]) -> dict[str, str]:
        """Each language's chooser data as a JSON file beside its chooser page (`choose.json`, `de/choose.json`)."""
        offered = _offered(kits)
        return {language_page(CHOOSER_DATA, s.folder): json.dumps(self._chooser_data(s, urls, offered), ensure_ascii=False,
                                                                  indent=1) + "\n"
                for s in self.sections}

    def _chooser_data(self, section: Section, urls: Urls, offered) -> dict:
        # Links relative to the chooser page's URL, whatever the engine: a script resolves them, and no engine
        # rewrites links inside JSON as Zensical does the links of the page's HTML.
        in_page = Urls(urls.directory_urls)
        page = language_page(CHOOSER_PAGE, section.folder)
        return chooser_data(section.models, section.language,
                            lambda model_id: in_page.relative(model_page(model_id, section.folder), page),
                            {m.id: _kit_links(offered, in_page, page, section.folder, m.id) for m in section.models})

    def memberships(self) -> dict[str, list[Membership]]:
        """For each original model id, its places in the sequences, with the models before and after each."""
        by_id = {model.id: model for model in self.library.models}
        found: dict[str, list[Membership]] = {}
        for sequence in self.library.sequences:
            schedule = sequence.schedule()
            for index, (entry, days) in enumerate(schedule):
                before = by_id[schedule[index - 1][0].model] if index else None
                after = by_id[schedule[index + 1][0].model] if index + 1 < len(schedule) else None
                found.setdefault(entry.model, []).append(Membership(sequence, days, before, after))
        return found

    def generated_files(self, urls: Urls, rendered: list[tuple[Job, Path]],
                        site_url: str | None) -> dict[str, str | bytes | Path]:
        """Every file the plan adds to the site, by path: pages, chooser data and sitemaps as text, assets as bytes,
        and the kits as the files to copy (`rendered`: each job with its PDF on disk, a cache entry)."""
        sizes = [(job, pdf.stat().st_size) for job, pdf in rendered]
        return {**self.render_pages(urls, sizes, site_url), **self.assets(),
                **{f"{KITS_FOLDER}/{job.path}": pdf for job, pdf in rendered},
                **self.chooser_files(urls, sizes), **self.sitemaps(urls, site_url)}

    def sitemaps(self, urls: Urls, site_url: str | None) -> dict[str, str]:
        """A sitemap per translation section: Material's language switch fetches `<lang>/sitemap.xml`.

        Empty without a site_url: a sitemap holds only full URLs.
        """
        maps = {}
        for section in self.sections[1:]:
            pages = sorted([*section.pages(), *section.hand_written])
            entries = "".join(f"<url><loc>{xml_text(site_url + urls.url(page))}</loc></url>\n"
                              for page in pages) if site_url else ""
            maps[f"{section.folder}/sitemap.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                                     f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                                     f'{entries}</urlset>\n')
        return maps


def _folder_of_page(page: str, folders: Sequence[str | None]) -> str | None:
    """The section folder a docs page belongs to: the translation folder it is under, else the originals' (None)."""
    first = page.split("/")[0]
    return first if "/" in page and first in folders else None


def _offered(kits: list[tuple[Job, int]]) -> dict[tuple[str | None, str], list[tuple[str, Job, int]]]:
    """The rendered kits by (section folder, model id): each one's site path, job and size."""
    offered: dict[tuple[str | None, str], list[tuple[str, Job, int]]] = {}
    for job, size in kits:
        offered.setdefault((job.section, job.model.id), []).append((f"{KITS_FOLDER}/{job.path}", job, size))
    return offered


def _kit_links(offered, urls: Urls, page: str, folder: str | None, model_id: str) -> list[KitLink]:
    """A model's kits as linked from `page`."""
    return [KitLink(job.kit, job.paper, urls.relative(path, page), size, job.language)
            for path, job, size in offered.get((folder, model_id), [])]
