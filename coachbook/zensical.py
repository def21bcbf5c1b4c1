"""Zensical front end: the site plan written as a folder of documents, then built by `zensical build`.

Zensical reads mkdocs.yml but runs no MkDocs plugins, so Coachbook prepares everything the
plugin would add (pages, kits, assets, navigation, branding, languages) and hands Zensical a
derived configuration; afterwards it sets each translated page's language and its
Content-Security-Policy, as the plugin does, and publishes the site only if all of that worked.
"""

from __future__ import annotations

import copy
import importlib.util
import posixpath
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import yaml

from .site import csp
from .config_file import PLUGIN_NAME, configured_plugins
from .site.documents import write_documents
from .errors import UsageError, ZensicalFailed, display_path
from .files import write_atomically
from .kits.cache import KitCache
from .model.loader import ignored_folder_message, load_library
from .progress import Progress
from .project import load_project
from .site.app import write_service_worker
from .site.finishing import PageFinisher
from .site.plan import SitePlan, Urls, hand_written_pages
from .site.precompress import precompress
from .staging import StagedFolder

# Zensical wants the documents and the site inside the folder of its configuration file, so the
# derived configuration sits beside mkdocs.yml (relative paths keep their meaning) for one build.
DERIVED_CONFIG = ".coachbook-zensical.yml"
WORK = Path(".cache") / "coachbook-zensical"
DOCUMENTS = WORK / "docs"
UNSUPPORTED_PLUGINS = {"offline": "the offline build (OFFLINE=true): build it with `mkdocs build`"}
HTML_LANG = re.compile(r'<html lang="[^"]*"')


def build(config_file: Path, *, site_dir: Path | None = None, workers: int | None = None, use_cache: bool = True,
          progress: Progress | None = None) -> Path:
    """Build the site of `config_file` with Zensical into `site_dir` (default: the config's site_dir), telling
    `progress` how its kits render; return it."""
    if importlib.util.find_spec("zensical") is None:
        raise UsageError("Zensical is not installed: python -m pip install 'coachbook[zensical]'")
    config_file = Path(config_file).resolve()
    project = load_project(config_file)  # a bad option stops here, before anything is written
    root, config = config_file.parent, project.config
    for name, plugin in configured_plugins(config):
        if name in UNSUPPORTED_PLUGINS and (plugin or {}).get("enabled", True):
            raise UsageError(f"{display_path(config_file)}: plugin '{name}': Zensical cannot build {UNSUPPORTED_PLUGINS[name]}")
    target = Path(site_dir) if site_dir else root / config.get("site_dir", "site")
    folders = project.model_folders()
    project.refuse_output_over_sources(target, "--site-dir" if site_dir else "site_dir", folders)
    library = load_library(folders, project.language, project.languages, project.sequences_folder)
    for folder in library.ignored_folders:  # not an error: a folder of other files may sit beside the models
        print(f"warning: {ignored_folder_message(folder)}", file=sys.stderr)
    docs_dir = root / config.get("docs_dir", "docs")
    plan = SitePlan.of_project(project, library, hand_written_pages(docs_dir))
    urls = Urls(config.get("use_directory_urls", True) is not False, from_source=True)
    with KitCache(project.cache_folder(afresh=not use_cache), size_mb=project.cache_size_mb) as cache:
        write_documents(plan, docs_dir, root / DOCUMENTS, urls=urls, site_url=project.site_url, cache=cache,
                        workers=workers or project.options.jobs, progress=progress)
    staged = StagedFolder(target, beside=root / WORK)
    derived = derived_config(config, plan, urls, site_dir=staged.path)
    write_atomically(root / DERIVED_CONFIG, yaml.safe_dump(derived, sort_keys=False, allow_unicode=True).encode("utf-8"))
    try:
        result = subprocess.run([sys.executable, "-m", "zensical", "build", "--config-file", DERIVED_CONFIG], cwd=root)
        if result.returncode != 0:
            raise ZensicalFailed(f"zensical build failed (exit status {result.returncode}); the previous site is unchanged")
        finish_pages(staged.path, plan, derived, root,
                     plan.page_finisher(urls.directory_urls, project.site_url, language_links="alternate" not in (config.get("extra") or {})))
        if plan.app is not None:  # it lists every other file's hash: written after all of them
            write_service_worker(staged.path, urls.directory_urls)
        if project.options.precompress:
            precompress(staged.path)
    except BaseException:
        staged.discard()
        raise
    finally:
        (root / DERIVED_CONFIG).unlink(missing_ok=True)
    staged.publish()
    return target


def derived_config(config: dict, plan: SitePlan, urls: Urls, *, site_dir: Path) -> dict:
    """The configuration Zensical builds: the user's, with what the plugin would have added, and no coachbook entry."""
    derived = copy.deepcopy(config)
    derived["docs_dir"] = DOCUMENTS.as_posix()
    derived["site_dir"] = str(site_dir)  # inside the project, as Zensical requires
    derived["plugins"] = [{name: options} if options else name for name, options in configured_plugins(config)
                          if name not in (PLUGIN_NAME, *UNSUPPORTED_PLUGINS)]
    if derived.get("nav") is None:
        derived["nav"] = plan.navigation()
    derived["extra_css"] = [*(config.get("extra_css") or []), *plan.stylesheets()]
    derived["extra_javascript"] = [*(config.get("extra_javascript") or []), *plan.script_entries()]
    extensions = derived.setdefault("markdown_extensions", [])
    if not any(e == "attr_list" or (isinstance(e, dict) and "attr_list" in e) for e in extensions):
        extensions.append("attr_list")
    plan.apply_branding(derived.setdefault("theme", {}))
    plan.apply_navigation(derived["theme"])
    derived["copyright"] = plan.copyright(config.get("copyright"))
    extra = derived.setdefault("extra", {}) or {}
    if extra.get("polyfills"):  # Zensical makes no offline build, the one that needs the iframe-worker shim
        extra["polyfills"] = csp.without_iframe_worker(extra["polyfills"])
    plan.apply_generator(extra)
    if "alternate" not in extra and plan.alternates(urls):
        extra["alternate"] = plan.alternates(urls)
    derived["extra"] = extra
    return {key: value for key, value in derived.items() if value is not None}


def finish_pages(site: Path, plan: SitePlan, config: dict, root: Path, finisher: PageFinisher) -> None:
    """What the MkDocs plugin does per page: a translated page's `<html lang>`, its logo sized, its language links,
    and its policy."""
    # Zensical's script sets inline styles (its focus-visible layer among them): without them the page
    # cannot be used. A style cannot run script, so the policy's promise about scripts holds.
    policies = csp.ThemePolicies(_theme_environment(config, root),
                                 {"config": config, "features": (config.get("theme") or {}).get("features") or []},
                                 inline_styles=True, app=plan.app is not None)
    translations = set(plan.library.translations)
    pages = {page.relative_to(site).as_posix(): page for page in sorted(site.rglob("*.html"))}
    for relative, page in pages.items():
        html = page.read_text(encoding="utf-8")
        language = relative.split("/")[0]
        if language in translations:
            html = HTML_LANG.sub(f'<html lang="{language}"', html, count=1)
        html = finisher.finish(html, relative, pages)
        write_atomically(page, policies.apply(html, _base_url(relative, config.get("site_url"))).encode("utf-8"))


def _base_url(page: str, site_url: str | None) -> str:
    """The page's `base_url`, as Zensical renders it: relative, except in 404.html, which any path may show."""
    if page == "404.html":
        return urlsplit(site_url or "/").path.rstrip("/") or "/"
    return posixpath.relpath(".", posixpath.dirname(page) or ".")


def _theme_environment(config: dict, root: Path) -> jinja2.Environment:
    """Zensical's own templates under the project's overrides, as Zensical finds them."""
    import zensical

    folders = [Path(zensical.__file__).parent / "templates"]
    custom = (config.get("theme") or {}).get("custom_dir")
    if custom:
        folders.insert(0, root / custom)
    return jinja2.Environment(loader=jinja2.FileSystemLoader([str(folder) for folder in folders]))
