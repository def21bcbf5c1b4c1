"""MkDocs serve: watch the model sources, keep serving the last good site with its problems on top when a rebuild
fails, and let an edited model's kits follow its pages."""

from __future__ import annotations

import functools
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from logging.handlers import BufferingHandler
from pathlib import Path

from mkdocs.exceptions import BuildError, MkDocsException
from mkdocs.utils import DuplicateFilter

from ..errors import RenderFailed
from ..files import write_atomically
from ..kits.cache import KitCache
from ..kits.jobs import Job
from ..progress import Progress
from ..site.serve_banner import problem_banner, with_banner
from .options import BadOptions

log = logging.getLogger("mkdocs.plugins.coachbook")


def serve_sources(server, sources: Iterable[Path], language: Callable[[], str]):
    """Rebuild when any existing source changes (model folders, sequences, the logo); keep the last good site
    when a rebuild fails, each page it serves showing the problems in the site's `language()`."""
    for source in sources:
        if source.exists():
            server.watch(str(source))
    banner = ProblemBanner(language)
    server.builder = functools.partial(_rebuild_keeping_last_good_site, server.builder, banner)
    # MkDocs 1.6 adds its live-reload script to each HTML page as it answers the request: the banner rides along,
    # so no file is ever written with it and no build can contain it.
    server._inject_js_into_html = banner.wrap(server._inject_js_into_html)
    return server


class ProblemBanner:
    """What every page served shows while the last rebuild has failed: its problems and that the page is the last
    good one (the core's banner); nothing once a rebuild succeeds."""

    def __init__(self, language: Callable[[], str]):
        self.language = language
        self.html = ""  # replaced whole by the build thread, read by the request threads

    def show(self, problems: list[str]) -> None:
        self.html = problem_banner(problems, self.language())

    def clear(self) -> None:
        self.html = ""

    def wrap(self, inject: Callable[[bytes, int], bytes]) -> Callable[[bytes, int], bytes]:
        """The server's injection into a page, followed by the banner when there is one."""
        def inject_with_banner(content: bytes, epoch: int) -> bytes:
            banner, content = self.html, inject(content, epoch)
            return with_banner(content, banner) if banner else content
        return inject_with_banner


def _problem_lines(records: list[logging.LogRecord], error: MkDocsException) -> list[str]:
    """The lines the terminal showed for a failed build: its errors (or, with none, the warnings strict mode
    failed on), then the abort's own reason when it was not logged already."""
    errors = [record for record in records if record.levelno >= logging.ERROR]
    lines = [line for record in errors or records for line in record.getMessage().splitlines() if line.strip()]
    if not (isinstance(error.__context__, BuildError) or isinstance(error, BadOptions)):
        lines.append(error.message)
    return lines


def _rebuild_keeping_last_good_site(build: Callable[[], None], banner: ProblemBanner) -> None:
    """A rebuild of `mkdocs serve` that fails says why, in the terminal and on each page, and keeps serving the
    last good site.

    MkDocs 1.6 would print "Aborted" and hold every page request until a rebuild succeeds, but a failed
    build leaves the served folder as it was (staging), so the server can go on answering from it
    (MkDocs then tells browsers to reload: they show the same pages, with the banner).
    """
    # MkDocs logs a build message once per process: the same mistake saved again would fail silently.
    for seen in logging.getLogger("mkdocs.commands.build").filters:
        if isinstance(seen, DuplicateFilter):
            seen.msgs.clear()
    # Every message of MkDocs and its plugins, Coachbook's included, passes the `mkdocs` logger.
    records = BufferingHandler(capacity=sys.maxsize)
    records.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(records)
    try:
        build()
    except MkDocsException as error:  # a user's mistake; a bug still gets MkDocs' traceback
        banner.show(_problem_lines(records.buffer, error))
        # A BuildError's problems are logged already, one line each; other aborts (strict mode's
        # warnings, a broken mkdocs.yml) carry their own summary.
        reason = "" if isinstance(error.__context__, BuildError) else f" ({error.message})"
        log.error(f"coachbook: the rebuild failed{reason}; still serving the last good site until a fix is saved")
    else:
        banner.clear()
    finally:
        logging.getLogger("mkdocs").removeHandler(records)


class FollowingKits:
    """In `mkdocs serve`, a rebuild does not wait for the kits of an edited model.

    Its pages link the kits the last build served while the new ones render in the background; then a
    file in `signal_folder` (in the cache, which the server watches) asks for one more rebuild, which
    finds them all in the cache. Kits no build has served yet (a new model) render at once, as in
    `mkdocs build`; so do all kits when the cache is off.
    """

    def __init__(self):
        self.signal_folder: Path | None = None
        self.served: dict[str, Path] = {}  # each kit's path below kits/ -> the file the last build served
        self.rendering: threading.Thread | None = None
        self.failed = False  # a background render failed: the next build renders in the open, to report it
        # Set between builds: kits render behind once the build that served the old ones is done, so that they
        # neither slow it down nor hold the browsers' reload (the server answers no request while it builds).
        self.between_builds = threading.Event()

    def build_finished(self) -> None:
        self.between_builds.set()

    def render(self, jobs: list[Job], cache: KitCache, workers: int | None,
               progress: Progress | None = None) -> tuple[list[tuple[Job, Path]], int]:
        """Every job with the file to serve, and how many of them follow (served stale, rendering); `progress` is told
        of the kits rendered now, not of those rendered behind (the site is served by then)."""
        if cache.persistent and self.signal_folder is None:
            self.signal_folder = cache.folder / ".serve"
            self.signal_folder.mkdir(parents=True, exist_ok=True)  # to be watched from the first build on
        self.between_builds.clear()
        busy = self.rendering is not None and self.rendering.is_alive()
        following = [] if self.failed or not cache.persistent else [
            job for job in cache.missing(jobs) if job.path in self.served and self.served[job.path].is_file()]
        self.failed = False
        later = {job.path for job in following}
        entries = {job.path: entry for job, entry in cache.render([job for job in jobs if job.path not in later], workers,
                                                                  progress=progress)}
        rendered = [(job, entries.get(job.path) or self.served[job.path]) for job in jobs]
        if following and not busy:  # else the running render's rebuild will find these missing and start them
            self.rendering = threading.Thread(target=self._render_behind, args=(following, cache, workers), daemon=True)
            self.rendering.start()
        self.served = {job.path: entry for job, entry in rendered}
        return rendered, len(following)

    def _render_behind(self, jobs: list[Job], cache: KitCache, workers: int | None) -> None:
        self.between_builds.wait(timeout=600)
        try:
            cache.render(jobs, workers)
        except RenderFailed as failed:
            self.failed = True
            log.warning(f"coachbook: kits that were to follow failed, the next build reports them: {failed}")
        write_atomically(self.signal_folder / "kits-ready", f"{time.time()}\n".encode())
