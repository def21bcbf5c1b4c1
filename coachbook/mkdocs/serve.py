"""MkDocs serve: watch the model sources, keep serving the last good site when a rebuild fails, and let an edited
model's kits follow its pages."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from mkdocs.exceptions import BuildError, MkDocsException
from mkdocs.utils import DuplicateFilter

from ..errors import RenderFailed
from ..files import write_atomically
from ..kits.cache import KitCache
from ..kits.jobs import Job
from ..progress import Progress

log = logging.getLogger("mkdocs.plugins.coachbook")


def serve_sources(server, sources: Iterable[Path]):
    """Rebuild when any existing source changes (model folders, sequences, the logo); keep the last good site
    when a rebuild fails."""
    for source in sources:
        if source.exists():
            server.watch(str(source))
    server.builder = functools.partial(_rebuild_keeping_last_good_site, server.builder)
    return server


def _rebuild_keeping_last_good_site(build: Callable[[], None]) -> None:
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
