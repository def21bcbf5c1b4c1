"""The `build_kits.py` command: build kits, check models, start a new model."""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

from .build import build_kits
from .kit_cache import DEFAULT_FOLDER, KitCache, cache_folder
from .errors import InvalidContent, UsageError, display_path
from .i18n import DEFAULT_LANGUAGE
from .loader import load_library, model_files
from .render import kit_jobs
from .schema import SLUG_PATTERN

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, not the whole usage text
        raise UsageError(f"{message} (see: python build_kits.py --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="build_kits.py", description="Print-ready PDF kits from Coachbook conversation models.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    build = commands.add_parser("build", help="render kits (the default command)")
    _add_build_options(build)
    _add_build_options(parser)  # `python build_kits.py --model x` works without `build`

    check = commands.add_parser("check", help="validate model files or folders, write nothing")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: models/)")

    new = commands.add_parser("new", help="write a new model file from a commented template")
    new.add_argument("id", help="the new model's id, e.g. weekly-check-in")
    new.add_argument("--models", type=Path, default=Path("models"), help="folder to write into (default: models/)")
    return parser


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", action="append", metavar="ID", help="only this model (repeatable)")
    parser.add_argument("--kit", metavar="K", help="only this kit: worksheet, cards, checklist or guide")
    parser.add_argument("--paper", metavar="P", help="only this paper: a4 or letter")
    parser.add_argument("--lang", action="append", metavar="L",
                        help=f"only this language (repeatable): {DEFAULT_LANGUAGE} for the originals, or a translation's "
                             "language such as de (default: the originals and every translation)")
    parser.add_argument("--out", type=Path, default=Path("kits"), metavar="DIR", help="output folder (default: kits/)")
    parser.add_argument("--models", type=Path, action="append", metavar="DIR", help="model folder (repeatable; default: models/)")
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_FOLDER, metavar="DIR",
                        help=f"where rendered kits are kept between builds (default: {DEFAULT_FOLDER}/)")
    parser.add_argument("--no-cache", action="store_true", help="render every kit afresh")
    parser.add_argument("--progress", action="store_true",
                        help="a line per kit even when not on a terminal (on a terminal it is the default)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _build(options: argparse.Namespace) -> int:
    from .kits import KITS, PAPERS  # WeasyPrint loads only for a build, keeping `check` quick

    for name, value, allowed in (("kit", options.kit, KITS), ("paper", options.paper, PAPERS)):
        if value is not None and value not in allowed:
            raise UsageError(f"unknown {name} {value!r} (choose from: {', '.join(allowed)})")
    library = load_library(options.models or [Path("models")])
    models = library.models
    known = {model.id for model in models}
    unknown = [name for name in options.model or [] if name not in known]
    if unknown:
        raise UsageError(f"unknown model {', '.join(repr(n) for n in unknown)} (known: {', '.join(sorted(known)) or 'none'})")
    languages = [DEFAULT_LANGUAGE, *library.translations]
    unknown = [name for name in options.lang or [] if name not in languages]
    if unknown:
        raise UsageError(f"unknown language {', '.join(repr(n) for n in unknown)} (models here are in: {', '.join(languages)})")
    chosen = [m for m in models if not options.model or m.id in options.model]
    kits, papers = [options.kit] if options.kit else KITS, [options.paper] if options.paper else PAPERS
    jobs = []
    for language in options.lang or languages:
        if language == DEFAULT_LANGUAGE:
            jobs += kit_jobs(chosen, kits, papers)
        else:
            translated = library.translations[language]
            jobs += kit_jobs([translated[m.id] for m in chosen if m.id in translated], kits, papers, language)
    started = time.monotonic()
    # A line per kit helps on a terminal but floods CI logs; there it takes --progress.
    show_each_kit = not options.quiet and (options.progress or sys.stderr.isatty())
    progress = _Progress(len(jobs), quiet=not show_each_kit)
    cache = KitCache(None if options.no_cache else cache_folder(options.cache))
    build_kits(jobs, options.out, cache=cache, workers=options.jobs, prune_other_models=not options.model and not options.lang,
               on_kit_done=progress.kit_done)
    if not options.quiet:
        print(f"Built {len(jobs)} kits for {len(chosen)} models in {time.monotonic() - started:.1f} s "
              f"into {display_path(options.out)}/ ({cache.misses} rendered, {cache.hits} from the cache)",
              file=sys.stderr)
    return EXIT_OK


class _Progress:
    """One line per finished kit, with how many are done and the time so far."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.done, self.quiet, self.started = total, 0, quiet, time.monotonic()

    def kit_done(self, job, path: Path) -> None:
        self.done += 1
        if not self.quiet:
            print(f"[{self.done}/{self.total}] {display_path(path)} ({time.monotonic() - self.started:.1f} s)",
                  file=sys.stderr)


def _check(options: argparse.Namespace) -> int:
    paths = options.paths or [Path("models")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(str(p) for p in missing)}")
    files = model_files(paths)
    load_library(paths)
    print(f"{len(files)} model files OK", file=sys.stderr)
    return EXIT_OK


def _new(options: argparse.Namespace) -> int:
    if not SLUG_PATTERN.match(options.id):
        raise UsageError(f"model id must be lowercase letters, digits and single hyphens (got {options.id!r})")
    target = options.models / f"{options.id}.yaml"
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists")
    template = resources.files("coachbook").joinpath("templates/new-model.yaml").read_text(encoding="utf-8")
    title = options.id.replace("-", " ").capitalize()
    options.models.mkdir(parents=True, exist_ok=True)
    target.write_text(template.replace("__ID__", options.id).replace("__TITLE__", title), encoding="utf-8")
    print(f"Wrote {display_path(target)}: edit it, then run python build_kits.py check", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        options = _parser().parse_args(argv)
        command = {"check": _check, "new": _new}.get(options.command, _build)
        return command(options)
    except InvalidContent as invalid:
        for error in invalid.errors:
            print(error, file=sys.stderr)
        return EXIT_INVALID
    except UsageError as problem:
        print(f"build_kits.py: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
