"""Zensical front end: the site plan written as folders of documents, then built by `zensical build`, one project per language.

Zensical reads mkdocs.yml but runs no MkDocs plugins, so Coachbook prepares everything the
plugin would add (pages, kits, assets, navigation, branding, languages) and hands Zensical a
derived configuration per language (its own navigation, `theme.language` and search index);
afterwards it gives each page its language links, language switch and Content-Security-Policy,
as the plugin does, and publishes the site only if all of that worked. `serve` keeps a build
of it served while its sources change.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import yaml
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from .site import csp
from .config_file import PLUGIN_NAME, configured_plugins
from .site.documents import write_documents
from .errors import (ConfigError, InvalidContent, RenderFailed, UnsafePath, UsageError, ZensicalFailed, os_error_line)
from .files import write_atomically
from .i18n import DEFAULT_LANGUAGE
from .kits.cache import KitCache
from .model.loader import ignored_folder_message, load_library
from .progress import Progress
from .project import load_project
from .site.finishing import PageFinisher
from .site.live import LiveSite
from .site.plan import Section, SitePlan, Urls, hand_written_pages
from .staging import StagedFolder
from .text import html_text

# Zensical wants the documents and the site inside the folder of its configuration file, so the
# derived configuration sits beside mkdocs.yml (relative paths keep their meaning) for one build.
DERIVED_CONFIG = ".coachbook-zensical.yml"
WORK = Path(".cache") / "coachbook-zensical"
DOCUMENTS = WORK / "docs"
TRANSLATIONS = WORK / "translations"
"""Each translation's documents, `<folder>/`: a Zensical project of its own."""
HTML_LANG = re.compile(r'<html lang="[^"]*"')


def build(config_file: Path, *, site_dir: Path | None = None, workers: int | None = None, use_cache: bool = True,
          progress: Progress | None = None, serving: bool = False) -> Path:
    """Build the site of `config_file` with Zensical into `site_dir` (default: the config's site_dir), telling
    `progress` how its kits render; return it. `serving`: for the live server (see `SitePlan.of_project`)."""
    if importlib.util.find_spec("zensical") is None:
        raise UsageError("Zensical is not installed: python -m pip install 'coachbook[zensical]'")
    config_file = Path(config_file).resolve()
    project = load_project(config_file)  # a bad option stops here, before anything is written
    root, config = config_file.parent, project.config
    target = Path(site_dir) if site_dir else root / config.get("site_dir", "site")
    folders = project.model_folders()
    project.refuse_output_over_sources(target, "--site-dir" if site_dir else "site_dir", folders)
    library = load_library(folders, project.language, project.languages, project.sequences_folder)
    for folder in library.ignored_folders:  # not an error: a folder of other files may sit beside the models
        print(f"warning: {ignored_folder_message(folder)}", file=sys.stderr)
    docs_dir = root / config.get("docs_dir", "docs")
    plan = SitePlan.of_project(project, library, hand_written_pages(docs_dir), serving=serving)
    # Zensical's offline plugin serves pages as `x.html`, as Material's does.
    urls = Urls(config.get("use_directory_urls", True) is not False and not project.offline, from_source=True)
    with KitCache(project.cache_folder(afresh=not use_cache), size_mb=project.cache_size_mb) as cache:
        write_documents(plan, docs_dir, root / DOCUMENTS, urls=urls, site_url=project.site_url, cache=cache,
                        workers=workers or project.options.jobs, progress=progress)
    if project.offline:  # search from file:// runs its worker through the shim: our copy, not a CDN's
        write_atomically(root / DOCUMENTS / csp.IFRAME_WORKER_SHIM, csp.iframe_worker_shim().encode("utf-8"))
    separate_translations(plan, root)
    staged = StagedFolder(target, beside=root / WORK)
    projects = language_projects(config, plan, urls, staged.path, offline=project.offline)
    try:
        for language_project in projects:
            run_zensical(root, language_project.config)
        finish_pages(staged.path, plan, projects, root,
                     plan.page_finisher(urls.directory_urls, project.site_url, language_links="alternate" not in (config.get("extra") or {})),
                     offline=project.offline)
        plan.finish_site(staged.path, urls.directory_urls)
    except BaseException:
        staged.discard()
        raise
    staged.publish()
    return target


def run_zensical(root: Path, derived: dict) -> None:
    """`zensical build` of one derived configuration, written beside mkdocs.yml for the length of the build."""
    write_atomically(root / DERIVED_CONFIG, yaml.safe_dump(derived, sort_keys=False, allow_unicode=True).encode("utf-8"))
    try:
        result = subprocess.run([sys.executable, "-m", "zensical", "build", "--config-file", DERIVED_CONFIG], cwd=root)
    finally:
        (root / DERIVED_CONFIG).unlink(missing_ok=True)
    if result.returncode != 0:
        raise ZensicalFailed(f"zensical build failed (exit status {result.returncode}); the previous site is unchanged")


def separate_translations(plan: SitePlan, root: Path) -> None:
    """Move each translation's documents out of the originals' folder into a folder of their own, one Zensical
    project each: a project builds and indexes for search every page in its docs folder."""
    languages = root / TRANSLATIONS
    if languages.exists():
        shutil.rmtree(languages)
    languages.mkdir(parents=True)
    for section in plan.sections[1:]:
        documents = root / DOCUMENTS / section.folder
        # Zensical writes each project's own sitemap.xml, for the translation's site_url.
        (documents / "sitemap.xml").unlink(missing_ok=True)
        shutil.move(documents, languages / section.folder)


@dataclass(frozen=True)
class LanguageProject:
    """One language's Zensical project: its section, the site folder it builds into, and its derived configuration."""

    section: Section
    site: Path
    config: dict


def language_projects(config: dict, plan: SitePlan, urls: Urls, site: Path, *, offline: bool = False) -> list[LanguageProject]:
    """The originals' project, built into `site`, then each translation's, built into `site/<folder>/`: each with
    only its language's navigation and pages, the theme's strings in its language, and its own search index."""
    navigations = section_navigations(plan.navigation(), [section.folder for section in plan.sections[1:]])
    projects = [LanguageProject(plan.sections[0], site, derived_config(config, plan, urls, site_dir=site,
                                                                      navigation=navigations[None], offline=offline))]
    for section in plan.sections[1:]:
        projects.append(LanguageProject(section, site / section.folder, derived_config(
            config, plan, urls, site_dir=site / section.folder, navigation=navigations[section.folder], section=section,
            offline=offline)))
    return projects


def section_navigations(navigation: list, folders: list[str]) -> dict[str | None, list]:
    """The plan's navigation split by section: each translation's entry (its pages, named from inside its folder)
    and the rest, the originals'."""
    split: dict[str | None, list] = {None: []}
    for item in navigation:
        folder = _only_folder(item, folders)
        if folder is not None and isinstance(item, dict) and len(item) == 1:
            split[folder] = _inside(next(iter(item.values())), folder)
        else:
            split[None].append(item)
    return split


def _paths(item) -> list[str]:
    if isinstance(item, str):
        return [item]
    values = item.values() if isinstance(item, dict) else item
    return [path for value in values for path in _paths(value)]


def _only_folder(item, folders: list[str]) -> str | None:
    """The translation folder holding every page of a navigation entry, if one does."""
    tops = {path.split("/")[0] if "/" in path else None for path in _paths(item)}
    return tops.pop() if len(tops) == 1 and next(iter(tops)) in folders else None


def _inside(item, folder: str):
    """A navigation entry with its paths named from inside `folder`."""
    if isinstance(item, str):
        return item.removeprefix(folder + "/")
    if isinstance(item, dict):
        return {key: _inside(value, folder) for key, value in item.items()}
    return [_inside(value, folder) for value in item]


def theme_language(language: str) -> str:
    """The theme's name for a language tag (`pt-br` is its `pt-BR`), else the tag's base language, else English."""
    shipped = {path.stem.casefold(): path.stem for path in (_templates() / "partials" / "languages").glob("*.html")}
    return shipped.get(language.casefold()) or shipped.get(language.split("-")[0].casefold()) or "en"


def derived_config(config: dict, plan: SitePlan, urls: Urls, *, site_dir: Path, navigation: list,
                   section: Section | None = None, offline: bool = False) -> dict:
    """The configuration Zensical builds for one section (None: the originals'): the user's, with what the plugin
    would have added, and no coachbook entry. A translation's documents sit in its own folder, so the site's shared
    files (stylesheets, scripts, logo) are named from one folder up."""
    up = f"{posixpath.relpath('.', section.folder)}/" if section is not None else ""
    derived = copy.deepcopy(config)
    derived["docs_dir"] = (TRANSLATIONS / section.folder if section is not None else DOCUMENTS).as_posix()
    derived["site_dir"] = str(site_dir)  # inside the project, as Zensical requires
    derived["plugins"] = [{name: options} if options else name for name, options in configured_plugins(config)
                          if name != PLUGIN_NAME]
    if section is not None or derived.get("nav") is None:
        derived["nav"] = navigation
    derived["extra_css"] = [_shared(entry, up) for entry in [*(config.get("extra_css") or []), *plan.stylesheets()]]
    derived["extra_javascript"] = [_shared(entry, up) for entry in
                                   [*(config.get("extra_javascript") or []), *plan.script_entries()]]
    extensions = derived.setdefault("markdown_extensions", [])
    if not any(e == "attr_list" or (isinstance(e, dict) and "attr_list" in e) for e in extensions):
        extensions.append("attr_list")
    theme = derived.setdefault("theme", {})
    plan.apply_branding(theme)
    plan.apply_navigation(theme)
    for image in ("logo", "favicon"):
        if theme.get(image):
            theme[image] = _shared(theme[image], up)
    derived["copyright"] = plan.copyright(config.get("copyright"))
    extra = derived.setdefault("extra", {}) or {}
    # The iframe-worker shim only blocks rendering on http(s); from file:// search needs it, and Zensical's offline
    # plugin would add a CDN's copy unless one is listed, which the policy would block: ours takes its place.
    polyfills = csp.without_iframe_worker(extra.get("polyfills") or []) + [_shared(csp.IFRAME_WORKER_SHIM, up)] * offline
    if polyfills or "polyfills" in extra:
        extra["polyfills"] = polyfills
    plan.apply_generator(extra)
    if "alternate" not in extra and plan.alternates(urls):
        extra["alternate"] = [{**alternate, "link": _from_folder(alternate["link"], section.folder if section else None)}
                              for alternate in plan.alternates(urls)]
    derived["extra"] = extra
    if section is not None:
        theme["language"] = theme_language(section.language)
        if config.get("site_url"):
            derived["site_url"] = config["site_url"].rstrip("/") + f"/{section.folder}/"
    return {key: value for key, value in derived.items() if value is not None}


def _shared(entry, up: str):
    """A `extra_css`/`extra_javascript`/logo entry of the docs folder, named from a translation's folder (`up`: the
    way back to the top); an address stays as it is."""
    path = entry.get("path") if isinstance(entry, dict) else entry
    if not up or not isinstance(path, str) or urlsplit(path).scheme or path.startswith("/"):
        return entry
    return {**entry, "path": up + path} if isinstance(entry, dict) else up + path


def _from_folder(link: str, folder: str | None) -> str:
    """A site-root link (`en/`, `./`, `index.html`) as named from a section's folder."""
    if folder is None:
        return link
    relative = posixpath.relpath("/" + link, "/" + folder)
    return relative + "/" if link.endswith("/") else relative


def finish_pages(site: Path, plan: SitePlan, projects: list[LanguageProject], root: Path, finisher: PageFinisher, *,
                 offline: bool = False) -> None:
    """What the MkDocs plugin does per page: a translated page's `<html lang>`, its logo sized, its language links
    and language switch to the same page in each language, and its policy (from its language's project)."""
    pages = {page.relative_to(site).as_posix(): page for page in sorted(site.rglob("*.html"))}
    folders = {project.section.folder for project in projects[1:]}
    for project in projects:
        # Zensical's script sets inline styles (its focus-visible layer among them): without them the page
        # cannot be used. A style cannot run script, so the policy's promise about scripts holds.
        policies = csp.ThemePolicies(_theme_environment(project.config, root),
                                     {"config": project.config,
                                      "features": (project.config.get("theme") or {}).get("features") or []},
                                     inline_styles=True, iframe_shim=csp.iframe_worker_shim() if offline else None,
                                     app=plan.app is not None)
        folder = project.section.folder
        for relative, page in pages.items():
            top = relative.split("/")[0] if "/" in relative else None
            if (top if top in folders else None) != folder:
                continue
            html = page.read_text(encoding="utf-8")
            if folder is not None:
                html = HTML_LANG.sub(f'<html lang="{project.section.language}"', html, count=1)
            html = finisher.finish(html, relative, pages)
            if finisher.language_links:
                html = switch_to_same_page(html, finisher.same_page(relative, pages))
            inside = relative[len(folder) + 1:] if folder else relative
            html = policies.apply(html, _base_url(inside, project.config.get("site_url")), _worker_url(html))
            write_atomically(page, html.encode("utf-8"))


_WORKER = re.compile(r'"search":\s*"([^"]+)"')


def _worker_url(page_html: str):
    """The search worker's URL as the page's own configuration names it (the offline build hashes the frame that
    loads it)."""
    found = _WORKER.search(page_html)
    return lambda path: found.group(1) if found else path


_SWITCH_LINK = re.compile(r'<a href="[^"]*" hreflang="([^"]*)" class="md-select__link">')


def switch_to_same_page(page_html: str, same_page: list[tuple[str, str]]) -> str:
    """The header's language switch pointed at the same page in each language that has it (`same_page`: hreflang
    and href, as `PageFinisher.same_page` gives them); a language without it keeps its home."""
    targets = dict(same_page)

    def link(match: re.Match) -> str:
        target = targets.get(match.group(1))
        return match.group(0) if target is None else f'<a href="{html_text(target)}" hreflang="{match.group(1)}" class="md-select__link">'

    return _SWITCH_LINK.sub(link, page_html)


def _base_url(page: str, site_url: str | None) -> str:
    """The page's `base_url`, as Zensical renders it: relative, except in 404.html, which any path may show."""
    if page == "404.html":
        return urlsplit(site_url or "/").path.rstrip("/") or "/"
    return posixpath.relpath(".", posixpath.dirname(page) or ".")


def _templates() -> Path:
    """The folder of Zensical's own templates."""
    import zensical

    return Path(zensical.__file__).parent / "templates"


def _theme_environment(config: dict, root: Path) -> jinja2.Environment:
    """Zensical's own templates under the project's overrides, as Zensical finds them."""
    folders = [_templates()]
    custom = (config.get("theme") or {}).get("custom_dir")
    if custom:
        folders.insert(0, root / custom)
    return jinja2.Environment(loader=jinja2.FileSystemLoader([str(folder) for folder in folders]))


# ---------------------------------------------------------------------------------------------------- live server

SERVED_SITE = WORK / "serve"
"""Where `serve` builds the site it serves: inside the project, as Zensical requires, and never the site_dir."""
_INHERIT = re.compile(r"^INHERIT:\s*['\"]?([^'\"#\s]+)", re.MULTILINE)


def serve(config_file: Path, *, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          use_cache: bool = True, progress: Progress | None = None) -> None:
    """Build the site with Zensical, serve it at http://host:port/ and build it again whenever a source changes
    (models, sequences, the docs folder, theme overrides, the logo, the configuration and its INHERIT parents); the
    browsers reload. A failed rebuild prints one line per problem and keeps the last good site served, its problems
    on top of every page. The first build must succeed."""
    config_file = Path(config_file).resolve()
    site = config_file.parent / SERVED_SITE
    sources = watched_sources(config_file)
    built_from = _snapshot(sources)  # taken before the build: a change saved while it runs is built next
    build(config_file, site_dir=site, workers=workers, use_cache=use_cache, progress=progress, serving=True)
    live = LiveSite(site)
    server = live.start(host, port)
    changed = threading.Event()
    print(f"coachbook: serving the site at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)", file=sys.stderr,
          flush=True)
    observer = Observer()
    observer.start()
    watching: list[Path] = []
    try:
        while True:
            if sources != watching:  # the configuration named other folders
                observer.unschedule_all()
                handler = _SourceChanges(sources, changed)
                for folder in sorted({source if source.is_dir() else source.parent for source in sources}):
                    observer.schedule(handler, str(folder), recursive=folder in sources)
                watching = sources
            changed.wait()
            time.sleep(0.2)  # an editor's save is often several writes: build once, after the last
            changed.clear()
            sources = watched_sources(config_file)
            # Events come late and in bursts (a save through a temporary file is several): build only when a
            # source differs from what the last build read.
            now = _snapshot(sources)
            if now == built_from:
                continue
            built_from = now
            try:
                build(config_file, site_dir=site, workers=workers, use_cache=use_cache, progress=progress, serving=True)
            except (InvalidContent, RenderFailed, UsageError, ZensicalFailed, UnsafePath, OSError) as failure:
                lines = problem_lines(failure)
                for line in lines:
                    print(line, file=sys.stderr)
                print("coachbook: the rebuild failed; still serving the last good site until a fix is saved",
                      file=sys.stderr, flush=True)
                live.failed(lines, _language(config_file))
            else:
                live.built()
                print("coachbook: rebuilt the site", file=sys.stderr, flush=True)
    finally:
        observer.stop()
        server.shutdown()


class _SourceChanges(FileSystemEventHandler):
    """Sets `changed` when a file system event touches one of the sources (the folders watched hold other files)."""

    def __init__(self, sources: list[Path], changed: threading.Event):
        self.sources, self.changed = sources, changed

    def on_any_event(self, event) -> None:
        paths = [Path(os.fsdecode(path)) for path in (event.src_path, getattr(event, "dest_path", "")) if path]
        if any(path == source or source in path.parents for path in paths for source in self.sources):
            self.changed.set()


def watched_sources(config_file: Path) -> list[Path]:
    """What a site is built from, as existing files and folders: the configuration and its INHERIT parents, and,
    when it reads, the models, sequences, docs folder, theme overrides and logo."""
    sources, config = [config_file], config_file
    while (parent := _INHERIT.search(config.read_text(encoding="utf-8")) if config.is_file() else None) is not None:
        config = (config.parent / parent.group(1)).resolve()
        if config in sources:
            break
        sources.append(config)
    try:
        project = load_project(config_file)
    except (UsageError, OSError):  # a broken configuration: its files are watched, for the fix
        return [source for source in sources if source.exists()]
    root = config_file.parent
    sources += [*project.model_folders(), project.sequences_folder, root / project.config.get("docs_dir", "docs")]
    custom = (project.config.get("theme") or {}).get("custom_dir")
    if custom:
        sources.append(root / custom)
    if isinstance(project.options.logo, str):
        sources.append(project.folder / project.options.logo)
    return [source.resolve() for source in dict.fromkeys(sources) if source.exists()]


def _snapshot(sources: list[Path]) -> dict[Path, tuple[int, int]]:
    """Each source file's modification time and size."""
    files = [path for source in sources for path in ([source] if source.is_file() else source.rglob("*"))]
    snapshot = {}
    for path in files:
        try:
            if path.is_file():
                stat = path.stat()
                snapshot[path] = (stat.st_mtime_ns, stat.st_size)
        except OSError:  # removed meanwhile: the next event says so
            pass
    return snapshot


def problem_lines(failure: BaseException) -> list[str]:
    """The lines a failed build prints, as the command prints them: one per problem."""
    if isinstance(failure, InvalidContent):
        return [str(error) for error in failure.errors]
    if isinstance(failure, (RenderFailed, ConfigError)):
        return list(failure.lines)
    if isinstance(failure, OSError):
        return [os_error_line(failure)]
    return [str(failure)]


def _language(config_file: Path) -> str:
    """The originals' language, for the banner (English while the configuration cannot be read)."""
    try:
        return load_project(config_file).language
    except (UsageError, OSError):
        return DEFAULT_LANGUAGE
