"""The `coachbook` command (and `build_kits.py`): build kits or a shard of them, packs, checks, new models, cache merges."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import time
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__
from ..kits.output import PACKS_FOLDER, build_kits
from ..errors import (ConfigError, InvalidContent, RenderFailed, UnsafePath, UsageError, ZensicalFailed, display_path,
                      os_error_line, unknown_model_hint)
from ..files import copy_atomically, write_atomically
from ..kits.cache import KitCache, MergeReport, is_cache_folder, merge_cache
from ..i18n import DEFAULT_LANGUAGE
from ..model.lint import lint
from ..model.loader import (Library, ignored_folder_message, load_library, locate_models, locate_sequences, model_files,
                     original_ids, sequence_files)
from ..kits.catalog import DECK, KITS, MAX_COPIES, MAX_SESSION_MINUTES, PAPERS
from ..kits.jobs import MAX_SHARDS, Session, shard_jobs
from ..model.schema import SLUG_PATTERN
from ..model.schema_export import SITE_PATH, model_schema_json
from ..progress import Progress, progress_for
from ..project import DEFAULT_CACHE, DEFAULT_CONFIG, Project, load_project
from ..site.plan import SitePlan

# 1: invalid content or a failed render (the build wrote nothing); 2: a usage error.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOCAL_SCHEMA = "model.schema.json"  # beside the models, for the `$schema` comment of `new` without a site_url
DEFAULT_MODELS = Path("models")
HELP_OPTIONS = ("-h", "--help", "--version")  # asked for without a command: the top level's, not build's
MAX_TITLE_LENGTH = 120  # a pack's --title: a title, not a paragraph


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, and which knows which of its options take a value."""

    def __init__(self, *args, **kwargs):
        self.options: set[str] = set()  # before __init__, which adds --help
        self.value_options: set[str] = set()
        super().__init__(*args, allow_abbrev=False, **kwargs)  # `--mod` would stop meaning one option once one is added

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        self.options.update(action.option_strings)
        if action.option_strings and action.nargs != 0:
            self.value_options.update(action.option_strings)
        return action

    def error(self, message: str):  # one clear line, not the whole usage text
        raise UsageError(f"{message} (see: {_invocation(self.prog)} --help)")


def _workers(value: str) -> int:
    """--jobs: a whole number of worker processes, 1 or more."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a number of worker processes, 1 or more (got {value!r})")
    return number


def _shard(value: str) -> tuple[int, int]:
    """--shard: K/N, part K of N parts (1 <= K <= N <= MAX_SHARDS); (K, N)."""
    match = re.fullmatch(r"(\d{1,4})/(\d{1,4})", value)
    if not match or not 1 <= int(match[1]) <= int(match[2]) <= MAX_SHARDS:
        raise argparse.ArgumentTypeError(f"must be K/N, part K of N parts with 1 <= K <= N <= {MAX_SHARDS}, such as 2/4 "
                                         f"(got {value!r})")
    return int(match[1]), int(match[2])


def _clock(value: str) -> int:
    """--start: a time of day as HH:MM, 00:00 to 23:59; the minutes after midnight."""
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise argparse.ArgumentTypeError(f"must be a time of day as HH:MM, such as 09:30 (got {value!r})")
    return int(match[1]) * 60 + int(match[2])


def _session_minutes(value: str) -> int:
    """--intro, --break, --debrief: whole minutes, 0 (none) to MAX_SESSION_MINUTES."""
    if not re.fullmatch(r"\d{1,3}", value) or int(value) > MAX_SESSION_MINUTES:
        raise argparse.ArgumentTypeError(f"must be whole minutes, 0 to {MAX_SESSION_MINUTES} (got {value!r})")
    return int(value)


def _session_title(value: str) -> str:
    """--title: one line of plain text (it is shown as written, never as markup)."""
    title = " ".join(value.split())
    if not title or len(title) > MAX_TITLE_LENGTH or any(unicodedata.category(c).startswith("C") for c in title):
        raise argparse.ArgumentTypeError(f"must be one line of 1 to {MAX_TITLE_LENGTH} printable characters "
                                         f"(got {value!r})")
    return title


def _invocation(prog: str) -> str:
    """How a user types the command: `python build_kits.py build` for the script, `coachbook build` for the command."""
    return f"python {prog}" if prog.split()[0].endswith(".py") else prog


def _parser(prog: str) -> tuple[_Parser, dict[str, _Parser]]:
    """The command line's parser, and the parser of each command."""
    parser = _Parser(prog=prog, description="Coaching conversation playbooks: print-ready PDF kits, workshop packs "
                     "and checks of Coachbook conversation models. Without a command, builds the kits (the options "
                     "of build apply). Options mean the same before and after the command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(invocation=_invocation(prog))
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    build = commands.add_parser("build", help="render kits (the default command)")
    _add_build_options(build)

    pack = commands.add_parser("pack", help="one PDF for a workshop session: cover, agenda, worksheets x N, cards, checklists")
    pack.add_argument("--model", action="append", required=True, metavar="ID",
                      help="a model of the session, in agenda order (repeatable)")
    pack.add_argument("--copies", type=int, default=1, metavar="N",
                      help=f"worksheets per model, 1 to {MAX_COPIES} (default: 1)")
    pack.add_argument("--paper", default="a4", metavar="P", help="a4 or letter (default: a4)")
    pack.add_argument("--practice", action="store_true",
                      help="add each model's practice kit (role-play briefs and observer sheets), one set per three "
                           "participants (--copies, rounded up); a model without practice scenarios adds none")
    pack.add_argument("--out", type=Path, metavar="FILE|DIR",
                      help=f"a .pdf file, or a folder for the default name (default: kits/{PACKS_FOLDER}/)")
    pack.add_argument("--title", type=_session_title, metavar="T",
                      help="the session's title on the cover and every page's header (default: the first model's "
                           "title and how many more follow)")
    pack.add_argument("--start", type=_clock, metavar="HH:MM",
                      help="when the session starts, such as 09:30: the agenda in clock times (default: from 0:00)")
    for option, dest, item in (("--intro", "intro", "an introduction before the first model"),
                               ("--break", "break_minutes", "a break between two models"),
                               ("--debrief", "debrief", "a debrief after the last model")):
        pack.add_argument(option, dest=dest, type=_session_minutes, default=0, metavar="N",
                          help=f"minutes of {item} on the agenda, 0 to {MAX_SESSION_MINUTES} (default: 0, none)")
    pack.add_argument("--lang", metavar="L",
                      help="the pack of the models' translation in this language, such as de, in that language "
                           "(default: the originals, in theme.language)")
    pack.add_argument("--models", type=Path, action="append", metavar="DIR",
                      help="model folder (repeatable; default: models_dir of mkdocs.yml, else models/)")
    pack.add_argument("--cache", type=Path, metavar="DIR",
                      help=f"where rendered kits and packs are kept between builds (default: cache_dir of mkdocs.yml, "
                           f"else {DEFAULT_CACHE}/)")
    pack.add_argument("--no-cache", action="store_true", help="render the pack afresh")
    pack.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    _add_config_option(pack)

    check = commands.add_parser("check", help="validate model files or folders, write nothing")
    check.add_argument("paths", nargs="*", type=Path,
                       help="files or folders (default: models_dir of mkdocs.yml, else models/); a translation "
                            "named on its own is compared with its original beside it; a file of the sequences folder "
                            "is checked with that folder, against every model")
    _add_sequences_option(check)
    check.add_argument("--lint", action="store_true",
                       help="also warn about weak content (closed questions, missing follow-ups, ...); warnings never fail")
    _add_config_option(check)

    new = commands.add_parser("new", help="write a new model file from a commented template")
    new.add_argument("id", help="the new model's id, e.g. weekly-check-in")
    new.add_argument("--models", type=Path, help="folder to write into (default: the first models_dir of mkdocs.yml, else models/)")
    _add_config_option(new)

    schema = commands.add_parser("schema", help="print the JSON Schema of a model file, for editors and other tools")
    schema.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead of printing it")

    cache = commands.add_parser("cache", help="work on the kit cache: merge caches rendered elsewhere (CI shards)")
    cache_commands = cache.add_subparsers(dest="cache_command", metavar="merge", required=True, parser_class=_Parser)
    merge = cache_commands.add_parser("merge", help="copy the valid entries of other kit caches into this project's")
    merge.add_argument("sources", nargs="+", type=Path, metavar="DIR",
                       help="kit caches to merge from, such as those of `build --shard K/N` runs; each entry's "
                            "checksum is checked, and a damaged or foreign file is skipped with a line")
    merge.add_argument("--cache", type=Path, metavar="DIR",
                       help=f"the kit cache to merge into, unless COACHBOOK_CACHE_DIR names one (default: cache_dir of "
                            f"mkdocs.yml, else {DEFAULT_CACHE}/)")
    merge.add_argument("--quiet", action="store_true", help="print nothing but the lines of skipped files")
    _add_config_option(merge)

    zensical = commands.add_parser("zensical", help="build the playbook site, kits included, with Zensical instead of MkDocs")
    zensical.add_argument("--site-dir", type=Path, metavar="DIR", help="where the site goes (default: site_dir of the config)")
    zensical.add_argument("--jobs", type=_workers, metavar="N", help="worker processes for the kits (default: all cores)")
    zensical.add_argument("--no-cache", action="store_true", help="render every kit afresh")
    zensical.add_argument("--quiet", action="store_true",
                          help="no progress of the kits and no summary (Zensical's own output stays)")
    zensical.add_argument("--serve", action="store_true",
                          help="serve the site and build it again whenever a model, sequence, page or the configuration "
                               "changes; the browser reloads, and a failed rebuild keeps the last good site served")
    zensical.add_argument("--dev-addr", type=_dev_addr, metavar="IP:PORT",
                          help="where --serve listens (default: 127.0.0.1:8000)")
    _add_config_option(zensical)
    return parser, {"build": build, "pack": pack, "check": check, "new": new, "schema": schema, "cache": cache,
                    "zensical": zensical}


def _command_first(argv: list[str], commands: dict[str, _Parser]) -> list[str]:
    """The arguments with the command moved to the front, so that an option before it means what it means after it.

    Without a command, `build` is put in front, unless only help or the version is asked for. An option
    before the command that the command does not take is a usage error naming it.
    """
    # Each option takes a value in every command that has it, or in none: so one set tells what to skip.
    takes_value = set().union(*(command.value_options for command in commands.values()))
    index, stray = 0, None
    while index < len(argv) and argv[index] != "--" and argv[index] not in commands:
        if stray is None and not argv[index].startswith("-"):
            stray = argv[index]
        index += 2 if argv[index] in takes_value else 1  # skip an option's value, which may read like a command
    before = argv[:index]
    if index < len(argv) and argv[index] in commands:
        name, after = argv[index], argv[index + 1:]
    elif any(argument in HELP_OPTIONS for argument in before):
        return argv
    elif stray is not None:  # build takes no word of its own: this is a mistyped command
        raise UsageError(f"unknown command {stray!r} (choose from: {', '.join(commands)})")
    else:
        name, after = "build", argv[index:]
    command = commands[name]
    for argument in before:
        option = argument.split("=", 1)[0]
        if option.startswith("-") and option not in command.options:
            raise UsageError(f"unrecognized arguments: {option} (see: {_invocation(command.prog)} --help)")
    return [name, *before, *after]


def _add_sequences_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sequences", type=Path, metavar="DIR",
                        help="the folder of sequence files, checked against the models (default: sequences_dir of "
                             "mkdocs.yml, else sequences/; none when the models are named and this is not)")


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="the MkDocs config whose theme.language and coachbook plugin options (models_dir, "
                             "languages, cache_dir, branding) apply "
                             "(default: mkdocs.yml when it exists)")


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", action="append", metavar="ID", help="only this model (repeatable)")
    parser.add_argument("--kit", metavar="K", help=f"only this kit: {', '.join(KITS[:-1])} or {KITS[-1]}")
    parser.add_argument("--paper", metavar="P", help="only this paper: a4 or letter (the deck has none: its page is the "
                        "card, sized by deck_size in mkdocs.yml, and it is built whatever the paper)")
    parser.add_argument("--lang", action="append", metavar="L",
                        help="only this language (repeatable): the originals' (theme.language of mkdocs.yml, else "
                             f"{DEFAULT_LANGUAGE}), or a translation's, such as de (default: the originals and every translation)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: kits/)")
    parser.add_argument("--models", type=Path, action="append", metavar="DIR",
                        help="model folder (repeatable; default: models_dir of mkdocs.yml, else models/)")
    _add_sequences_option(parser)
    parser.add_argument("--jobs", type=_workers, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help=f"where rendered kits are kept between builds (default: cache_dir of mkdocs.yml, else "
                             f"{DEFAULT_CACHE}/)")
    parser.add_argument("--no-cache", action="store_true", help="render every kit afresh")
    parser.add_argument("--shard", type=_shard, metavar="K/N",
                        help="render part K of N of every kit and pack the site build renders, into the kit cache "
                             "only (no --out): N machines each render one part, `cache merge` joins their caches, "
                             "and `mkdocs build` then renders nothing")
    parser.add_argument("--progress", action="store_true",
                        help="a line per kit, naming it, instead of the progress bar (on a terminal) or a line every "
                             "10 seconds (elsewhere)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    _add_config_option(parser)


def _build(options: argparse.Namespace) -> int:
    if options.shard:
        return _build_shard(options)
    options.out = options.out or Path("kits")
    for name, value, allowed in (("kit", options.kit, KITS), ("paper", options.paper, PAPERS)):
        if value is not None and value not in allowed:
            raise UsageError(f"unknown {name} {value!r} (choose from: {', '.join(allowed)})")
    if options.kit == DECK and options.paper is not None:
        raise UsageError(f"--paper does not apply to the {DECK}: its page is the card and its bleed (deck_size in "
                         f"mkdocs.yml sets the card); leave --paper out")
    if options.out.resolve() == Path(options.out.resolve().anchor):
        raise UsageError(f"--out must be a folder of its own, not the root of the file system (got {options.out})")
    project = _project(options)
    model_folders = _model_folders(options, project)
    project.refuse_output_over_sources(options.out, "--out", model_folders)
    library = _load(project, model_folders, _sequences_folder(options, project))
    # A value given twice means it once (a repeated job would be rendered and written twice).
    wanted_models, wanted_languages = _unique(options.model), _unique(options.lang)
    _check_model_ids(wanted_models, library.models)
    jobs = SitePlan.of_project(project, library).build_jobs(
        wanted_models, wanted_languages, [options.kit] if options.kit else KITS,
        [options.paper] if options.paper else PAPERS)
    started = time.monotonic()
    # Only a build of everything knows which kits are no longer wanted.
    full = not (wanted_models or wanted_languages or options.kit or options.paper)
    with _kit_cache(project, options) as cache:
        build_kits(jobs, options.out, cache=cache, workers=options.jobs or project.options.jobs, full=full,
                   progress=_progress(options, each_kit=options.progress))
    if not options.quiet:
        print(f"Built {len(jobs)} kits for {len(wanted_models) or len(library.models)} models in {time.monotonic() - started:.1f} s "
              f"into {display_path(options.out)}/ ({cache.misses} rendered, {cache.hits} from the cache)",
              file=sys.stderr)
    return EXIT_OK


CACHE_OFF = "COACHBOOK_CACHE_DIR is empty, or mkdocs.yml says cache: false and no --cache DIR is given"
# What a shard takes from mkdocs.yml, as the site build does, and so cannot take from the command line.
NOT_WITH_SHARD = ("model", "kit", "paper", "lang", "out", "models", "sequences", "no_cache")


def _build_shard(options: argparse.Namespace) -> int:
    """Render one part of the jobs the site build renders (the same plan, from the same mkdocs.yml and environment:
    site_url, languages, branding, packs) into the kit cache, for a later `mkdocs build` to find there."""
    given = [f"--{name.replace('_', '-')}" for name in NOT_WITH_SHARD if getattr(options, name)]
    if given:
        raise UsageError(f"--shard renders part of the site's kits and packs as mkdocs.yml plans them, into the kit "
                         f"cache: leave out {', '.join(given)}")
    part, parts = options.shard
    project = _project(options)
    folder = project.cache_folder(options.cache)
    if folder is None:
        raise UsageError(f"--shard renders into the kit cache, which is off here ({CACHE_OFF})")
    library = _load(project, project.model_folders(), project.sequences_folder)
    jobs = SitePlan.of_project(project, library).kit_jobs()
    mine = shard_jobs(jobs, part, parts)
    started = time.monotonic()
    with KitCache(folder, size_mb=project.cache_size_mb) as cache:
        cache.render(mine, options.jobs or project.options.jobs, progress=_progress(options, each_kit=options.progress))
    if not options.quiet:
        print(f"Built shard {part}/{parts}: {len(mine)} of the site's {len(jobs)} kits and packs in "
              f"{time.monotonic() - started:.1f} s into the kit cache {display_path(folder)}/ ({cache.misses} rendered, "
              f"{cache.hits} from the cache)", file=sys.stderr)
    return EXIT_OK


def _cache_merge(options: argparse.Namespace) -> int:
    project = _project(options)
    folder = project.cache_folder(options.cache)
    if folder is None:
        raise UsageError(f"there is no kit cache to merge into ({CACHE_OFF})")
    sources = list(dict.fromkeys(options.sources))
    for source in sources:
        if not source.is_dir():
            raise UsageError(f"no such folder: {display_path(source)}; nothing was merged")
        if source.resolve() == folder.resolve():
            raise UsageError(f"{display_path(source)} is the kit cache merged into; nothing was merged")
        if not is_cache_folder(source):
            raise UsageError(f"{display_path(source)}: not a Coachbook kit cache (it has no CACHEDIR.TAG of Coachbook's "
                             f"and holds other files); nothing was merged")
    report = MergeReport()
    with KitCache(folder, size_mb=project.cache_size_mb) as cache:
        for source in sources:
            merge_cache(source, cache, report)
    for line in report.skipped:
        print(f"warning: {line}", file=sys.stderr)
    if not options.quiet:
        entries = "entry" if report.merged == 1 else "entries"
        print(f"Merged {report.merged} kit cache {entries} from {_count(len(sources), 'cache')} into {display_path(folder)}/ "
              f"({report.present} there already, {len(report.skipped)} skipped)", file=sys.stderr)
    return EXIT_OK


def _unique(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(values or []))


def _check_model_ids(wanted: list[str], models) -> None:
    known = {model.id for model in models}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise UsageError("unknown model " + ", ".join(f"{name!r} ({unknown_model_hint(name, known)})" for name in unknown))


def _pack(options: argparse.Namespace) -> int:
    if options.paper not in PAPERS:
        raise UsageError(f"unknown paper {options.paper!r} (choose from: {', '.join(PAPERS)})")
    if not 1 <= options.copies <= MAX_COPIES:
        raise UsageError(f"--copies must be 1 to {MAX_COPIES} (got {options.copies})")
    project = _project(options)
    library = _load(project, _model_folders(options, project), _sequences_folder(options, project))
    _check_model_ids(options.model, library.models)
    session = Session(options.title, options.start, options.intro, options.break_minutes, options.debrief)
    job = SitePlan.of_project(project, library).pack_job(options.model, options.paper, options.copies, options.lang,
                                                         session=session, practice=options.practice)
    if options.out is None:
        target = Path("kits") / PACKS_FOLDER / job.filename
    else:
        target = options.out if options.out.suffix.lower() == ".pdf" else options.out / job.filename
    started = time.monotonic()
    with _kit_cache(project, options) as cache:
        [(_, entry)] = cache.render([job], workers=1, progress=_progress(options))
        copy_atomically(entry, target)
    if not options.quiet:
        print(f"Built the workshop pack {display_path(target)} in {time.monotonic() - started:.1f} s "
              f"({'from the cache' if cache.hits else 'rendered'})", file=sys.stderr)
    return EXIT_OK


def _progress(options: argparse.Namespace, each_kit: bool = False) -> Progress:
    """The kits done and the time left on stderr: a bar on a terminal, else a line every few seconds (`each_kit`: a
    line per kit); nothing with --quiet."""
    return progress_for(lambda line: print(line, file=sys.stderr), sys.stderr, quiet=options.quiet, each_kit=each_kit)


def _project(options: argparse.Namespace) -> Project:
    """What --config, or ./mkdocs.yml when it exists, says; the defaults without a config file."""
    return load_project(options.config)


def _load(project: Project, folders: list[Path], sequences: Path | None = None,
          sequence_models: list[Path] | None = None) -> Library:
    """The models and translations of the folders, and the sequences of `sequences` (None: none), which may name
    the models of `sequence_models` (default: `folders`); a subfolder that is no translation folder is a warning."""
    library = load_library(folders, project.language, project.languages, sequences, sequence_models=sequence_models)
    _warn_ignored(library.ignored_folders)
    return library


def _kit_cache(project: Project, options: argparse.Namespace) -> KitCache:
    """The kit cache: a temporary one with --no-cache; else the project's (--cache overriding its folder). To be closed."""
    return KitCache(project.cache_folder(options.cache, afresh=options.no_cache), size_mb=project.cache_size_mb)


def _warn_ignored(folders: list[Path]) -> None:
    for folder in folders:
        print(f"warning: {ignored_folder_message(folder)}", file=sys.stderr)


def _model_folders(options: argparse.Namespace, project: Project) -> list[Path]:
    """--models if given, else the config's models_dir (which must exist), else models/ in the working folder (a
    config without models_dir may live elsewhere, as --config's often does)."""
    if getattr(options, "models", None):
        return options.models
    return project.model_folders() if "models_dir" in project.written else [DEFAULT_MODELS]


def _sequences_folder(options: argparse.Namespace, project: Project) -> Path | None:
    """--sequences if given; else none when the models are named (--models, or check's paths), whose sequences
    may name other models; else the project's sequences folder (default sequences/). A missing folder has none;
    --sequences naming a file is a usage error (it would read as a folder without sequences)."""
    if getattr(options, "sequences", None):
        if options.sequences.exists() and not options.sequences.is_dir():
            raise UsageError(f"--sequences must be a folder of sequence files (got the file {options.sequences})")
        return options.sequences
    if getattr(options, "models", None) or getattr(options, "paths", None):
        return None
    return project.sequences_folder


def _named_sequences(options: argparse.Namespace, project: Project) -> list[Path]:
    """The paths given to `check` that are files of the sequences folder (--sequences, else the project's):
    a pre-commit hook names a changed sequence like a changed model."""
    folder = options.sequences or project.sequences_folder
    return [path for path in options.paths if path.is_file() and path.resolve().parent == Path(folder).resolve()]


def _check(options: argparse.Namespace) -> int:
    project = _project(options)
    named_sequences = _named_sequences(options, project)
    paths = [path for path in options.paths if path not in named_sequences]
    if not options.paths:
        paths = _model_folders(options, project)
    sequences = named_sequences[0].parent if named_sequences else _sequences_folder(options, project)
    # A named sequence is checked with its folder, against every configured model (it may name any of them).
    sequence_models = _model_folders(options, project) if named_sequences else paths
    missing = [p for p in [*paths, *[options.sequences] * bool(options.sequences)] if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(str(p) for p in missing)}")
    if not options.lint:
        library = _load(project, paths, sequences, sequence_models)
        checked = f" and {_count(len(library.sequences), 'sequence file')}" if sequence_files(sequences) else ""
        print(f"{len(model_files(paths, project.languages))} model files{checked} OK", file=sys.stderr)
        return EXIT_OK
    located, errors, ignored = locate_models(paths, project.language, project.languages)
    sequence_errors = locate_sequences(sequences, original_ids(sequence_models, project.language, project.languages))[1]
    # Each model is judged in its own language: a translation in its folder's, an original in theme.language.
    warnings = [warning for entry in located for warning in lint(entry, entry.language or project.language)]
    # Errors first: they are what stops a build; the warnings of the valid files still help.
    for line in sorted(errors + sequence_errors):
        print(line, file=sys.stderr)
    _warn_ignored(ignored)
    for line in warnings:
        print(line, file=sys.stderr)
    invalid = f"{_count(len({error.file for error in errors}), 'invalid model file')}; " if errors else ""
    invalid += f"{_count(len({e.file for e in sequence_errors}), 'invalid sequence file')}; " if sequence_errors else ""
    print(f"{invalid}{_count(len(warnings), 'warning')} in {_count(len({w.file for w in warnings}), 'file')} "
          f"({_count(len(located), 'valid model file')} checked)", file=sys.stderr)
    return EXIT_FAILED if errors or sequence_errors else EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _new(options: argparse.Namespace) -> int:
    if not SLUG_PATTERN.fullmatch(options.id):
        raise UsageError(f"model id must be lowercase letters, digits and single hyphens (got {options.id!r})")
    project = _project(options)
    # The config's first model folder, which `new` may create, else models/.
    folder = options.models or (project.first_model_folder() if "models_dir" in project.written else DEFAULT_MODELS)
    target = folder / f"{options.id}.yaml"
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists")
    schema = _editor_schema(project.site_url, folder)
    template = resources.files("coachbook").joinpath("templates/new-model.yaml").read_text(encoding="utf-8")
    title = options.id.replace("-", " ").capitalize()
    text = template.replace("__SCHEMA__", schema).replace("__ID__", options.id).replace("__TITLE__", title)
    write_atomically(target, text.encode("utf-8"))
    print(f"Wrote {display_path(target)}: edit it, then run {options.invocation} check", file=sys.stderr)
    return EXIT_OK


def _editor_schema(site_url: str | None, folder: Path) -> str:
    """Where a new model's `$schema` comment points: the published schema, or a copy beside the model.

    With a site_url, the site publishes the schema of the Coachbook that builds it, so editors follow
    upgrades. Without one, `model.schema.json` in the models folder (written or refreshed now) works offline
    and for everyone who clones the repository; a path into the installed package would not.
    """
    if site_url is not None and urlsplit(site_url).scheme in ("http", "https"):
        return f"{site_url.rstrip('/')}/{SITE_PATH}"
    copy = folder / LOCAL_SCHEMA
    data = model_schema_json().encode("utf-8")
    if not copy.is_file() or copy.read_bytes() != data:
        write_atomically(copy, data)
    return LOCAL_SCHEMA


def _schema(options: argparse.Namespace) -> int:
    text = model_schema_json()
    if options.out is None:
        sys.stdout.write(text)
    else:
        write_atomically(options.out, text.encode("utf-8"))
        print(f"Wrote {display_path(options.out)}", file=sys.stderr)
    return EXIT_OK


def _dev_addr(value: str) -> tuple[str, int]:
    """--dev-addr: IP:PORT, the port a number from 0 to 65535."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"must be IP:PORT, such as 127.0.0.1:8000 (got {value!r})")
    return host.strip("[]"), int(port)


def _zensical(options: argparse.Namespace) -> int:
    from ..zensical import build, serve  # imports Zensical's templates only for this command

    config = options.config or DEFAULT_CONFIG
    if not config.is_file():
        raise UsageError(f"no such config file: {display_path(config)}")
    if options.serve:
        if options.site_dir is not None:
            raise UsageError("--site-dir does not go with --serve, which serves its own build and leaves site_dir alone")
        host, port = options.dev_addr or ("127.0.0.1", 8000)
        serve(config, host=host, port=port, workers=options.jobs, use_cache=not options.no_cache,
              progress=_progress(options))
        return EXIT_OK
    if options.dev_addr is not None:
        raise UsageError("--dev-addr goes with --serve")
    site = build(config, site_dir=options.site_dir, workers=options.jobs, use_cache=not options.no_cache,
                 progress=_progress(options))
    if not options.quiet:
        print(f"Built the site with Zensical into {display_path(site)}/", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None, prog: str = "coachbook") -> int:
    """Run the command line (`coachbook ...`, or `python build_kits.py ...` with prog="build_kits.py"); the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser, commands = _parser(prog)
        options, unknown = parser.parse_known_args(_command_first(argv, commands))
        if unknown:  # the command's own help lists what it takes
            raise UsageError(f"unrecognized arguments: {' '.join(unknown)} "
                             f"(see: {options.invocation} {options.command} --help)")
        command = {"check": _check, "new": _new, "pack": _pack, "schema": _schema, "cache": _cache_merge,
                   "zensical": _zensical}.get(options.command, _build)
        return command(options)
    except InvalidContent as invalid:
        for error in invalid.errors:
            print(error, file=sys.stderr)
        return EXIT_FAILED
    except RenderFailed as failed:  # `model, kit, paper: what went wrong`, one line per kit; nothing was written
        for line in failed.lines:
            print(line, file=sys.stderr)
        return EXIT_FAILED
    except ConfigError as problems:  # already `file:line:col: option: message`
        for line in problems.lines:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    except UsageError as problem:
        print(f"{prog}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except UnsafePath as refused:  # nothing was written or deleted
        print(f"{prog}: error: {refused}", file=sys.stderr)
        return EXIT_FAILED
    except ZensicalFailed as failed:  # Zensical printed what went wrong
        print(f"{prog}: error: {failed}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:  # unreadable or unwritable files, a full disk: `<path>: <reason>`
        print(f"{prog}: error: {os_error_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
