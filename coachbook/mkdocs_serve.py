"""MkDocs serve: watch the model sources, and keep serving the last good site when a rebuild fails."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from mkdocs.exceptions import BuildError, MkDocsException
from mkdocs.utils import DuplicateFilter

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
