"""The project a front end builds: mkdocs.yml read once, its `coachbook` options validated by one model and resolved."""

from __future__ import annotations

import difflib
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .branding import BRANDING_OPTIONS, Branding, OptionSource, load_branding
from .config_file import PluginOptions, configured_plugins, originals_language, read_config, read_plugin_options
from .errors import ConfigError, UsageError, display_path
from .i18n import DEFAULT_LANGUAGE, LANGUAGE_TAG
from .kits.catalog import DECK_SIZES, DECK_SIZES_MM, DEFAULT_DECK_SIZE

DEFAULT_CONFIG = Path("mkdocs.yml")
DEFAULT_MODELS = "models"
DEFAULT_SEQUENCES = "sequences"  # beside the models: sequences of conversations, optional
DEFAULT_CACHE = Path(".cache") / "coachbook"
DEFAULT_CACHE_SIZE_MB = 1024
CACHE_VARIABLE = "COACHBOOK_CACHE_DIR"  # a cache shared by several projects or builds (CI); empty: none


def cache_folder(configured: Path | None) -> Path | None:
    """The kit cache's folder: COACHBOOK_CACHE_DIR if set (empty turns the cache off), else `configured`."""
    override = os.environ.get(CACHE_VARIABLE)
    if override is not None:
        return Path(override) if override else None
    return configured


def _option(default: Any, description: str, must_be: str | None = None) -> Any:
    """An option with its description (the README's table, MkDocs' scheme) and what its value must be (the message)."""
    return Field(default=default, description=description, json_schema_extra={"must_be": must_be} if must_be else None)


class CoachbookOptions(BaseModel):
    """Every option of the `coachbook` plugin in mkdocs.yml, described once for every front end."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    models_dir: list[str] = _option(
        [DEFAULT_MODELS], "Folders of model files, relative to mkdocs.yml: one folder, or a list of folders.",
        "must be a folder or a list of folders")
    sequences_dir: str = _option(
        DEFAULT_SEQUENCES, "The folder of sequence files, relative to mkdocs.yml (a missing folder: no sequences).",
        "must be a folder")
    languages: list[str] = _option(
        [], "Translation languages that Coachbook has no catalog for (folders named after them are translations).",
        "must be a list of language tags such as [it, pt-br]")
    kits: bool = _option(True, "Render the PDF kits into `kits/` (turn off for a faster preview).", "must be true or false")
    packs: bool = _option(
        True, "With the kits, also offer a workshop pack per model (cover, agenda, worksheet, cards, checklist).",
        "must be true or false")
    jobs: int | None = _option(None, "Worker processes for kit rendering, 1 or more (default: all cores).",
                               "must be a number of worker processes, 1 or more")
    cache: bool = _option(True, "Keep rendered kits between builds, so a rebuild renders only what changed.",
                          "must be true or false")
    cache_dir: str = _option(str(DEFAULT_CACHE), "Where the kit cache lives, relative to mkdocs.yml "
                                 "(the environment variable COACHBOOK_CACHE_DIR overrides it; empty: no cache).", "must be a folder")
    cache_size_mb: int = _option(
        DEFAULT_CACHE_SIZE_MB, "The kit cache's size limit in megabytes, 0 or more: past it, the least recently used kits are "
        "removed after a build.",
        "must be a number of megabytes, 0 or more")
    precompress: bool = _option(
        True, "Write a gzip and a brotli copy beside each text file of the site (`index.html.gz`, `index.html.br`), for a "
        "web server to send compressed without compressing (nginx's `gzip_static`); not in the offline build.",
        "must be true or false")
    deck_size: str = _option(
        DEFAULT_DECK_SIZE, "The print-shop deck's card size: " + ", ".join(
            f"{name} ({' x '.join(f'{side:g}' for side in DECK_SIZES_MM[name])} mm)" for name in DECK_SIZES)
        + "; each page is the card and 3 mm of bleed.",
        f"must be {', '.join(DECK_SIZES[:-1])} or {DECK_SIZES[-1]}")
    app: bool | None = _option(
        None, "The installable offline app: a web app manifest and a service worker that keeps every page, asset and "
        "search index for use offline (and each kit once opened). Default: on when `site_url` is set; never in the "
        "offline build nor in `mkdocs serve`.", "must be true or false")
    # Branding: checked (with the logo's file) by branding.load_branding, which gives each its own message.
    organization: Any = _option(None, "The organization's name, shown in the site's footer and on every kit page.")
    logo: Any = _option(None, "An SVG or PNG logo, relative to mkdocs.yml: the site's logo and favicon, and on the kits.")
    primary_color: Any = _option(None, "A hex colour such as #1a5fb4: the site's header and links, the kits' headings.")
    accent_color: Any = _option(None, "A hex colour: the site's hover and accent colour, the kits' rules.")
    footer: Any = _option(None, "A line of plain text in the footer of every site page and every kit page.")

    @field_validator("models_dir", mode="before")
    @classmethod
    def _one_folder_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("models_dir")
    @classmethod
    def _folders(cls, value: list[str]) -> list[str]:
        if not value or not all(value):
            raise ValueError("empty")
        return value

    @field_validator("sequences_dir", "cache_dir")
    @classmethod
    def _folder(cls, value: str) -> str:
        if not value:
            raise ValueError("empty")
        return value

    @field_validator("languages")
    @classmethod
    def _language_tags(cls, value: list[str]) -> list[str]:
        tags = [tag.lower() for tag in value]
        if not all(LANGUAGE_TAG.fullmatch(tag) for tag in tags):
            raise ValueError("not a language tag")
        return list(dict.fromkeys(tags))

    @field_validator("jobs")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("too few")
        return value

    @field_validator("deck_size")
    @classmethod
    def _deck_size(cls, value: str) -> str:
        if value not in DECK_SIZES:
            raise ValueError("unknown deck size")
        return value

    @field_validator("cache_size_mb")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("negative")
        return value


OPTION_NAMES = tuple(CoachbookOptions.model_fields)


def option_descriptions() -> dict[str, tuple[str, str]]:
    """Each option's default as written in mkdocs.yml and its description, in the model's order."""
    described = {}
    for name, info in CoachbookOptions.model_fields.items():
        default = info.default
        written = ("none" if default is None else str(default).lower() if isinstance(default, bool)
                   else f"[{', '.join(default)}]" if isinstance(default, list) else str(default))
        described[name] = (written, info.description or "")
    return described


def option_reference() -> str:
    """The README's table of the plugin's options, from their descriptions."""
    rows = [f"| `{name}` | {'' if written == 'none' else f'`{written}`'} | {_cell(description)} |"
            for name, (written, description) in option_descriptions().items()]
    return "\n".join(["| option | default | what it does |", "|---|---|---|", *rows]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def validate_options(values: dict[str, object], source: OptionSource) -> CoachbookOptions:
    """The options as written (None meaning not set) validated; `ConfigError` with one line per bad or unknown option,
    in the order they are written."""
    problems: dict[str, str] = {}
    for name in values:
        if name not in CoachbookOptions.model_fields:
            close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
            hint = f"did you mean {close[0]}?" if close else f"the options are {', '.join(OPTION_NAMES)}"
            problems[name] = f"unknown option ({hint})"
    written = {name: value for name, value in values.items() if name in CoachbookOptions.model_fields and value is not None}
    try:
        options = CoachbookOptions(**written)
    except ValidationError as invalid:
        # Pydantic's own words name types ("Input should be a valid boolean"); a user reads what the value must be.
        for name in dict.fromkeys(str(error["loc"][0]) for error in invalid.errors()):
            problems[name] = f"{CoachbookOptions.model_fields[name].json_schema_extra['must_be']} (got {values[name]!r})"
    if problems:
        def place(name: str) -> tuple:
            return source.files.get(name, source.file), source.positions.get(name, (0, 0))
        raise ConfigError([f"{source.where(name)}: {problems[name]}" for name in sorted(problems, key=place)])
    return options


def validate_site_url(value: object, place: str) -> str | None:
    """The config's `site_url` (None or empty: unset), or a `ConfigError`: it reaches page heads, the sitemap and the
    calendar files, so it must be an http(s) address with a host and no space or control character (one of which would
    start a new line in a calendar file); MkDocs refuses fewer, and strips CR and LF silently."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and not any(character.isspace() or unicodedata.category(character).startswith("C")
                                          for character in value):
        try:
            parts = urlsplit(value)
            good = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # an unclosed [IPv6 host, a port that is no number
            good = False
        if good:
            return value
    raise ConfigError([f"{place}: site_url: must be an http(s) address such as https://example.org/playbook/, with no "
                       f"space or control character (got {value!r})"])


@dataclass(frozen=True)
class Project:
    """A project's resolved settings: where its models, sequences and kit cache are, its languages and branding.

    Relative folders are resolved against the folder of the config file (the working folder without one).
    """

    folder: Path
    options: CoachbookOptions = field(default_factory=CoachbookOptions)
    source: OptionSource = field(default_factory=lambda: OptionSource(str(DEFAULT_CONFIG), {}))
    language: str = DEFAULT_LANGUAGE
    """The originals' language: Material's theme.language (default en)."""
    config_file: Path | None = None
    config: dict = field(default_factory=dict)
    """The whole config as plain data (INHERIT merged, `!ENV` resolved); empty without a config file."""
    branding: Branding | None = None
    site_url: str | None = None
    written: frozenset[str] = frozenset()
    """The options written in the config (so that a default folder is told from a configured one)."""

    @property
    def offline(self) -> bool:
        """Whether the config turns on Material's offline plugin (`OFFLINE=true`): a site for file://."""
        return any(name == "offline" and bool((options or {}).get("enabled", True))
                   for name, options in configured_plugins(self.config))

    @property
    def app(self) -> bool:
        """Whether the site is an installable offline app: as the `app` option says, by default when it has a site_url;
        never in the offline build, whose file:// pages cannot have a service worker."""
        wanted = self.options.app if self.options.app is not None else self.site_url is not None
        return wanted and not self.offline

    @property
    def languages(self) -> tuple[str, ...]:
        """The configured translation languages without a catalog (the `languages` option)."""
        return tuple(self.options.languages)

    def model_folders(self) -> list[Path]:
        """The model folders: each configured one must exist (a `ConfigError` names, as written, any that does not)."""
        folders = [self.folder / folder for folder in self.options.models_dir]
        if self.config_file is not None:
            missing = [written for written in self.options.models_dir if not (self.folder / written).is_dir()]
            if missing:
                raise ConfigError([f"{self.source.where('models_dir')}: no such folder: {', '.join(missing)}"])
        return folders

    def first_model_folder(self) -> Path:
        """Where `new` writes: the first model folder, which need not exist yet."""
        return self.folder / self.options.models_dir[0]

    @property
    def sequences_folder(self) -> Path:
        """The sequences folder (a missing one holds no sequences)."""
        return self.folder / self.options.sequences_dir

    def cache_folder(self, override: Path | None = None, *, afresh: bool = False) -> Path | None:
        """The kit cache's folder; None for a temporary one. `afresh` (--no-cache): none. Else COACHBOOK_CACHE_DIR
        (empty: none), `override` (--cache), none with `cache: false`, else `cache_dir` (default .cache/coachbook/)."""
        if afresh:
            return None
        if override is not None:
            return cache_folder(override)
        return cache_folder(self.folder / self.options.cache_dir if self.options.cache else None)

    @property
    def cache_size_mb(self) -> int:
        return self.options.cache_size_mb

    def refuse_output_over_sources(self, output: Path, what: str, model_folders: list[Path] | None = None) -> None:
        """A UsageError if the output folder (`what`: how the user named it) is, or contains, the project's folder,
        its docs_dir or a model folder (`model_folders`, default the configured ones): publishing a site or pruning kits
        there would replace the sources it was built from."""
        target = Path(output).resolve()
        sources = [("the project folder", self.folder), *(("a model folder", folder) for folder in
                                                           (model_folders or [self.folder / f for f in self.options.models_dir]))]
        if self.config_file is not None:
            sources.insert(1, ("its docs_dir", self.folder / str(self.config.get("docs_dir") or "docs")))
        for name, source in sources:
            source = Path(source).resolve()
            if source == target or source.is_relative_to(target):
                where = "is" if source == target else "contains"
                raise UsageError(f"{what} {display_path(output)}: {where} {name} ({display_path(source)}); "
                                 f"choose an output folder of its own")


def load_project(config_file: Path | None = None) -> Project:
    """The project of `config_file`, or of ./mkdocs.yml when it exists, else the defaults; `ConfigError` for a bad option.

    A config given that does not exist is a `UsageError`.
    """
    if config_file is None and not DEFAULT_CONFIG.is_file():
        return Project(Path("."))
    path = Path(config_file or DEFAULT_CONFIG)
    if not path.is_file():
        raise UsageError(f"no such config file: {display_path(path)}")
    return project_of(read_plugin_options(path), read_config(path))


def project_of(written: PluginOptions, config: dict) -> Project:
    """The project the options and the whole config describe (both read from one file); `ConfigError` lists every problem."""
    source = written.source
    problems: list[str] = []
    options = branding = site_url = None
    try:
        site_url = validate_site_url(written.site_url, written.site_url_place)
    except ConfigError as error:
        problems += error.lines
    try:
        options = validate_options(written.values, source)
    except ConfigError as error:
        problems += error.lines
    try:
        branding = load_branding({name: written.values.get(name) for name in BRANDING_OPTIONS}, written.folder, source)
    except ConfigError as error:
        problems += error.lines
    if problems:
        raise ConfigError(problems)
    return Project(written.folder, options, source, originals_language(config), written.file, config, branding,
                   site_url, frozenset(name for name, value in written.values.items() if value is not None))
