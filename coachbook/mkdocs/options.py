"""The plugin's options as MkDocs sees them, and the project they describe, checked before MkDocs cleans site/."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.config.base import BaseConfigOption, Config
from mkdocs.exceptions import MkDocsException, PluginError

from ..errors import ConfigError, InvalidContent, UsageError
from ..kits.cache import KitCache
from ..model.loader import Library, ReadFiles, load_library
from ..project import OPTION_NAMES, Project, load_project

log = logging.getLogger("mkdocs.plugins.coachbook")


class _AsWritten(BaseConfigOption):
    """Any value: `project.CoachbookOptions` validates it, knowing the file and place it is written in."""

    def run_validation(self, value: object) -> object:
        return value


class _Options(Config):
    def validate(self):
        # Every option, an unknown one too, is checked by the project's model in on_config: one line and exit 2,
        # instead of MkDocs' warnings or its error with exit 1.
        return [], []


# The plugin's options as MkDocs sees them, named once in project.CoachbookOptions.
PluginConfig = type("PluginConfig", (_Options,), {name: _AsWritten() for name in OPTION_NAMES})


class BadOptions(MkDocsException):
    """Bad `coachbook` options: their lines are logged, and `mkdocs build` exits with the usage error's status."""

    exit_code = 2

    def show(self, file=None) -> None:  # the lines were logged as errors, once each
        pass


@contextmanager
def _usage_errors() -> Iterator[None]:
    """A bad option or a refused folder: each of its lines logged, then MkDocs stops with the usage error's status 2."""
    try:
        yield
    except (ConfigError, UsageError) as problem:
        for line in problem.lines if isinstance(problem, ConfigError) else [str(problem)]:
            log.error(line)
        raise BadOptions("coachbook stopped the build, for the reasons on the lines above") from None


def checked_project(config_file: Path, site_dir: Path,
                    read: ReadFiles | None = None) -> tuple[Project, list[Path], Library, KitCache]:
    """The project of `config_file`, its model folders, its library and its kit cache. A bad option, a site folder
    over the sources or a folder that is no kit cache stops MkDocs with exit 2; an invalid model with exit 1.
    `read`: the files earlier builds parsed (`mkdocs serve`)."""
    with _usage_errors():
        project = load_project(config_file)
        # Folders may be anywhere: relative to mkdocs.yml (../shared-models included) or absolute.
        model_folders = project.model_folders()
        # MkDocs refuses a site_dir over docs_dir; one over a model folder would be cleaned away as well.
        project.refuse_output_over_sources(site_dir, "site_dir", model_folders)
    try:
        library = load_library(model_folders, project.language, project.languages, project.sequences_folder, read=read)
    except (InvalidContent, UsageError) as problems:
        raise PluginError(str(problems)) from None
    with _usage_errors():  # a folder that is no kit cache
        cache = KitCache(project.cache_folder(), size_mb=project.cache_size_mb)
    return project, model_folders, library, cache
