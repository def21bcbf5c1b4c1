"""MkDocs front end: the site plan written into MkDocs' configuration (extensions, assets, theme, navigation), its
kits rendered, and its files (pages, assets, kits) added to MkDocs'."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from ..site.documents import clash_message, first_clash
from ..errors import RenderFailed, UnsafePath, UsageError
from ..kits.cache import KitCache
from ..model.loader import ignored_folder_message
from ..kits.jobs import Job
from ..progress import Progress, progress_for
from ..staging import StagedBuild
from .languages import add_search_stemmers
from ..site.csp import IFRAME_WORKER_SHIM, iframe_worker_shim, without_iframe_worker
from ..site.plan import SitePlan

log = logging.getLogger("mkdocs.plugins.coachbook")


def apply_plan(config: MkDocsConfig, plan: SitePlan) -> None:
    """Our stylesheets and scripts, search stemmers for the translations, branding (the footer's "Made with" line
    included), copyright and (unless the config has its own) the navigation; the folders beside the models that
    are not read are noted in the log."""
    for folder in plan.library.ignored_folders:  # not an error: a folder of other files may sit beside the models
        log.info(f"coachbook: {ignored_folder_message(folder)}")
    if "attr_list" not in config.markdown_extensions:
        config.markdown_extensions.append("attr_list")
    config.extra_css.extend(plan.stylesheets())
    config.extra_javascript.extend(extra_script(entry) for entry in plan.script_entries())
    add_search_stemmers(config, plan.search_languages() if plan.library.translations else [])
    plan.apply_branding(config.theme)
    plan.apply_generator(config.extra)
    plan.apply_navigation(config.theme)
    config.copyright = plan.copyright(config.copyright)
    if config.nav is None:
        config.nav = plan.navigation()


def extra_script(entry: dict) -> ExtraScriptValue:
    """A plan's script entry as MkDocs' `extra_javascript` item (a bare path could not say `defer`)."""
    script = ExtraScriptValue(entry["path"])
    script.defer = entry["defer"]
    return script


def place_iframe_worker_shim(config: MkDocsConfig, offline: bool) -> None:
    """The iframe-worker shim, our local copy, in the offline build's <head> only (`offline`: the project's
    `Project.offline`, which the kits' QR codes follow too); no copy of it anywhere else.

    On http(s) the shim does nothing but block rendering, a script in <head>. From file:// search needs it, and
    Material's offline plugin adds a CDN copy unless one is listed, which the site's policy would block: ours
    takes the place of any listed copy, whichever plugin's on_config runs first.
    """
    config.extra["polyfills"] = (without_iframe_worker(config.extra.get("polyfills") or [])
                                 + [IFRAME_WORKER_SHIM] * offline)


def shim_files(offline: bool) -> dict[str, str]:
    """The shim's file, in the offline build."""
    return {IFRAME_WORKER_SHIM: iframe_worker_shim()} if offline else {}


def check_names(files: Files, config: MkDocsConfig, generated) -> None:
    """A hand-written file of the docs folder where the plan generates one stops the build, naming it."""
    clash = first_clash(generated, lambda path: files.get_file_from_path(path) is not None)
    if clash is not None:
        raise PluginError(f"coachbook: {clash_message(f'{config.docs_dir}/{clash}', clash)}")


def add_generated_files(files: Files, config: MkDocsConfig, plan: SitePlan, generated: dict) -> None:
    """The plan's generated files added to MkDocs' (kits as paths: MkDocs copies them from their cache entries)."""
    check_names(files, config, generated)  # chooser data, assets, kits: pages were checked before the kits rendered
    unlisted = set(plan.unlisted_pages())  # kept out of the navigation on purpose: no "not in nav" notice
    for path, content in generated.items():
        inclusion = InclusionLevel.NOT_IN_NAV if path in unlisted else InclusionLevel.UNDEFINED
        source = {"abs_src_path": str(content)} if isinstance(content, Path) else {"content": content}
        files.append(File.generated(config, path, inclusion=inclusion, **source))


def staged_site(config: MkDocsConfig) -> StagedBuild:
    """The build redirected into a staged folder beside site_dir, published only on success.

    MkDocs cleans site/ before the kits render and the pages are written; the staged build counts warnings,
    since `--strict` aborts after on_post_build when any was logged.
    """
    staged = StagedBuild(Path(config.site_dir), "mkdocs")
    config.site_dir = str(staged.path)
    return staged


def kit_progress() -> Progress:
    """The kits' progress: plain lines in MkDocs' log (so `-q` silences them), or a bar on a terminal above which
    MkDocs' log lines still show."""
    return progress_for(log.info, sys.stderr, quiet=not log.isEnabledFor(logging.INFO),
                        loggers=[logging.getLogger("mkdocs")])


def render_kits(plan: SitePlan, cache: KitCache, workers: int | None, following=None) -> list[tuple[Job, Path]]:
    """The plan's kits and packs, each with its PDF on disk; a failed render stops the build with one line per kit.

    `following` (`mkdocs serve`, a `mkdocs_serve.FollowingKits`): the kits of edited models may follow the pages.
    """
    jobs, progress = plan.kit_jobs(), kit_progress()
    try:
        rendered, behind = (following.render(jobs, cache, workers, progress) if following
                            else (cache.render(jobs, workers, progress=progress), 0))
    except (RenderFailed, UsageError, UnsafePath) as failed:
        raise PluginError(str(failed)) from None
    if jobs:
        follow = f", {behind} follow the pages" if behind else ""
        log.info(f"coachbook: {len(jobs)} kits and packs ({cache.misses} rendered, {cache.hits} from the cache{follow})")
    return rendered
