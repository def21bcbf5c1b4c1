"""Load model and sequence files: strict YAML with positions, validated into `ConversationModel`s and `ConversationSequence`s."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import os
import re
import typing
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ContentError, InvalidContent, display_path, unknown_model_hint
from .yaml_syntax import Position, mark_position, syntax_problem
from ..i18n import DEFAULT_LANGUAGE, LANGUAGE_TAG, has_catalog
from .schema import HIDDEN_CHARACTERS, SLUG_PATTERN, ConversationModel, WholeNumberText, hidden_character
from .sequences import ConversationSequence

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
NULL_SCALARS = {"", "~", "null", "Null", "NULL"}
# Characters YAML refuses, plus NEL, LS and PS, which YAML (unlike editors) counts as line breaks,
# plus the bidi controls and invisible characters no model text may hold (schema.HIDDEN_CHARACTERS):
# found here, in the file, they are reported at their exact position.
FORBIDDEN_CHARACTERS = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|" + HIDDEN_CHARACTERS.pattern)
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as editors split lines: not at NEL, LS or PS
PLAIN_KEY = re.compile(r"[^\s:.\[\]'\"]+")
FieldPath = tuple[typing.Union[str, int], ...]


class _NoImplicitTypesLoader(yaml.SafeLoader):
    """A SafeLoader that resolves no implicit types: `NO`, `1.10` and dates stay text."""


_NoImplicitTypesLoader.yaml_implicit_resolvers = {}


def format_field_path(path: FieldPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, str) and not (PLAIN_KEY.fullmatch(part) and part.isprintable()):
            part = repr(part)  # an odd key stays on one line and reads unambiguously
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Document:
    """A YAML document turned into plain data, with the position of every key and value."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[ContentError] = []
        self.value_positions: dict[FieldPath, Position] = {}
        self.key_positions: dict[FieldPath, Position] = {}
        self.converted: set[int] = set()
        self.alias_paths: set[FieldPath] = set()
        self.data: object = None
        """The file as plain data once parsed, valid or not."""
        self.modified: int | None = None
        """The file's modification time as read, in whole seconds since the epoch (a kit's date comes from it)."""

    def error(self, position: Position, field: FieldPath, message: str) -> None:
        self.errors.append(ContentError(self.file, *position, format_field_path(field), message))

    def scan_events(self, text: str) -> bool:
        """Report YAML features that PyYAML would accept but that have no place in a model.

        Returns False when nesting is too deep to compose safely.
        """
        depth = 0
        documents = 0
        for event in yaml.parse(text, Loader=_NoImplicitTypesLoader):
            position = mark_position(event.start_mark)
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents == 2:
                    self.error(position, (), "only one YAML document is allowed per file (found a second '---')")
            if isinstance(event, yaml.AliasEvent):
                self.error(position, (), f"aliases (*{event.anchor}) are not allowed: write the text out")
                continue
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self.error(position, (), f"anchors (&{anchor}) are not allowed: write the text out")
            tag = getattr(event, "tag", None)
            explicit = tag is not None and not (
                isinstance(event, yaml.ScalarEvent) and event.implicit[0] and tag == "!"
            )
            if explicit and isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                self.error(position, (), f"YAML tags ({tag if tag.isprintable() else repr(tag)}) are not allowed")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    self.error(position, (), f"nesting is deeper than {MAX_DEPTH} levels")
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return True

    def to_data(self, node: yaml.Node, path: FieldPath = ()) -> object:
        self.value_positions.setdefault(path, mark_position(node.start_mark))
        if id(node) in self.converted:  # an alias (already reported): never expand, it may be recursive
            self.alias_paths.add(path)
            return None
        self.converted.add(id(node))
        if isinstance(node, yaml.MappingNode):
            data: dict[str, object] = {}
            for key_node, value_node in node.value:
                key_position = mark_position(key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_position, path, "a key must be plain text")
                    continue
                key = key_node.value
                if key == "<<" and key_node.style is None:
                    self.error(key_position, path, "merge keys (<<) are not allowed: write the keys out")
                    continue
                if key in data:
                    first = self.key_positions[(*path, key)]
                    self.error(key_position, (*path, key), f"duplicate key (first defined at line {first[0]})")
                    continue
                self.key_positions[(*path, key)] = key_position
                data[key] = self.to_data(value_node, (*path, key))
            return data
        if isinstance(node, yaml.SequenceNode):
            return [self.to_data(item, (*path, index)) for index, item in enumerate(node.value)]
        if node.style is None:
            if node.value in NULL_SCALARS:
                return None
            if WholeNumberText.pattern.fullmatch(node.value):
                return WholeNumberText(node.value)
        return node.value

    def position_of(self, path: FieldPath, *, key: bool = False) -> Position:
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path not in self.value_positions and path:
            path = path[:-1]
        return self.value_positions.get(path, (1, 1))


def _decode(raw: bytes, document: _Document) -> str | None:
    """The file's text, or None after reporting why it cannot be read as a model."""
    if len(raw) > MAX_FILE_BYTES:
        document.error((1, 1), (), f"file is larger than 1 MiB ({len(raw)} bytes)")
        return None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as problem:
        lines = LINE_BREAK.split(raw[: problem.start].decode("utf-8").removeprefix("\ufeff"))
        document.error((len(lines), len(lines[-1]) + 1), (),
                       f"not valid UTF-8 (byte 0x{raw[problem.start]:02x}); save the file as UTF-8")
        return None
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        first = FORBIDDEN_CHARACTERS.search(line)
        if first:  # one error per line, however many such characters it holds
            more = len(FORBIDDEN_CHARACTERS.findall(line)) - 1
            more_text = f"; {more} more on this line" if more else ""
            character = first.group()
            if HIDDEN_CHARACTERS.match(character):
                message = f"character {hidden_character(character)}{more_text}"
            else:
                message = (f"character U+{ord(character):04X} is not allowed "
                           f"(an invisible control or line-separator character{more_text})")
            document.error((number, first.start() + 1), (), message)
    return None if document.errors else text


def _model_class_at(path: FieldPath, root: type[BaseModel]) -> type[BaseModel] | None:
    """The pydantic model whose keys live at `path` in a `root` document, to suggest a key for a typo."""
    model: type[BaseModel] = root
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        found = _find_model(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _find_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _find_model(argument)
        if found is not None:
            return found
    return None


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{str(value)!r}"


def _message(error: dict, root: type[BaseModel]) -> str:
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    path = tuple(error["loc"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        model = _model_class_at(path[:-1], root)
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(allowed)
        return f"unknown key ({hint})"
    if kind in ("string_type", "int_type", "list_type", "model_type", "dict_type", "model_attributes_type"):
        if value is None:
            return "must not be empty"
        expected = {"string_type": "text", "int_type": "a whole number", "list_type": "a list"}.get(kind, "a mapping of keys")
        return f"must be {expected} (got {_describe(value)})"
    if kind == "too_short":
        return "must have at least one item"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"must be {'at least' if kind == 'greater_than_equal' else 'at most'} {next(iter(context.values()))} (got {value})"
    return error["msg"][0].lower() + error["msg"][1:]


def is_translation_folder(name: str, languages: Collection[str] = ()) -> bool:
    """Whether a models folder's subfolder `name` holds translations.

    It must be named after a language Coachbook has a catalog for (de, de-ch), or one configured in the
    `languages` option: a two-letter folder such as `qa/` or `hr/` is not taken for a language by its shape.
    """
    return bool(LANGUAGE_TAG.fullmatch(name)) and (has_catalog(name) or name in languages)


def ignored_folder_message(folder: Path) -> str:
    """Why a subfolder of a models folder is not read, as one line (the caller marks it as a warning)."""
    return (f"{display_path(folder)}/: not a translation folder (not a language with a catalog, nor listed in the "
            "coachbook option languages); ignored")


def translation_language(path: Path, languages: Collection[str] = ()) -> str | None:
    """The language of a model file named on its own: `<lang>/<id>.yaml` beside an original `<id>.yaml` is a translation.

    A translation keeps its original's file name, so that every model file's `id` equals its stem.
    `languages`: the configured languages without a catalog.
    """
    path = Path(path)
    language = path.parent.name
    if is_translation_folder(language, languages) and (path.parent.parent / path.name).is_file():
        return language
    return None


def _check_ids(model: ConversationModel, stem: str, document: _Document) -> None:
    if model.id != stem:
        document.error(document.position_of(("id",)), ("id",), f"must equal the file name '{stem}' (got '{model.id}')")
    seen: dict[str, FieldPath] = {}
    for stage_index, stage in enumerate(model.stages):
        entries = [(("stages", stage_index, "id"), stage.id)]
        entries += [(("stages", stage_index, "steps", step_index, "id"), step.id) for step_index, step in enumerate(stage.steps)]
        for path, identifier in entries:
            if identifier in seen:
                first_line = document.position_of(seen[identifier])[0]
                document.error(document.position_of(path), path,
                               f"duplicate id '{identifier}' (already used at line {first_line}); stage and step ids must be unique in a model")
            else:
                seen[identifier] = path
    scenarios: dict[str, FieldPath] = {}
    for index, scenario in enumerate(model.practice):
        path = ("practice", index, "id")
        if scenario.id in scenarios:
            first_line = document.position_of(scenarios[scenario.id])[0]
            document.error(document.position_of(path), path,
                           f"duplicate id '{scenario.id}' (already used at line {first_line}); practice scenario ids must be unique in a model")
        else:
            scenarios[scenario.id] = path


@dataclasses.dataclass(frozen=True)
class LocatedModel:
    """A valid model together with its file and where each of its fields is written in that file."""

    model: ConversationModel
    path: Path
    file: str  # the path as shown to the user
    _document: _Document = dataclasses.field(repr=False, compare=False)
    language: str | None = None  # a translation's language; None for an original
    implied: bool = False  # an original loaded only to check a translation named on its own

    def position_of(self, field: FieldPath, *, key: bool = False) -> Position:
        """The 1-based (line, column) of a field's value (or of its key), or of its nearest written parent."""
        return self._document.position_of(field, key=key)

    @property
    def modified(self) -> int:
        """The file's modification time when it was read, in whole seconds since the epoch."""
        return self._document.modified


def load_model(path: Path) -> ConversationModel:
    """Load and validate one model file, raising `InvalidContent` with every problem found."""
    return locate_model(path).model


def locate_model(path: Path, language: str | None = None, *, implied: bool = False,
                 read: ReadFiles | None = None) -> LocatedModel:
    """Like `load_model`, keeping the position of every field for messages about the content.

    `language` marks the file as a translation into that language; `implied`, an original loaded
    only to compare a translation with; `read`: files parsed before (see `ReadFiles`).
    """
    path = Path(path)
    model, document = _read_document(path, ConversationModel, "id, title, stages", read)
    if model is not None and not document.errors:
        _check_ids(model, path.stem, document)
    if document.errors or model is None:
        raise InvalidContent(document.errors or [ContentError(document.file, 1, 1, "", "empty file")])
    return LocatedModel(model, path, document.file, document, language, implied)


class ReadFiles:
    """The model and sequence files a long-running front end (`mkdocs serve`) has parsed and validated, by path and
    bytes: each rebuild still reads every file, but parses and validates again only those whose bytes changed."""

    def __init__(self):
        self._entries: dict[tuple[str, str, str], tuple[bytes, BaseModel | None, _Document]] = {}

    def get(self, path: Path, schema: type[BaseModel], raw: bytes, document: _Document
            ) -> tuple[BaseModel | None, _Document] | None:
        """The earlier result for these bytes, in a document of its own (the caller's, with this read's time), or None."""
        found = self._entries.get((str(path), schema.__name__, document.file))
        if found is None or found[0] != hashlib.sha256(raw).digest():
            return None
        _, value, parsed = found
        # Later checks (ids, a translation against its original) add their problems to the document they get.
        fresh = copy.copy(parsed)
        fresh.errors, fresh.modified = list(parsed.errors), document.modified
        return value, fresh

    def keep(self, path: Path, schema: type[BaseModel], raw: bytes, value: BaseModel | None, document: _Document) -> None:
        # Only one version per file: an author's hundred saves of one model hold one entry.
        kept = copy.copy(document)
        kept.errors = list(document.errors)
        self._entries[(str(path), schema.__name__, document.file)] = (hashlib.sha256(raw).digest(), value, kept)


def _read_document(path: Path, schema: type[BaseModel], keys: str,
                   read: ReadFiles | None = None) -> tuple[BaseModel | None, _Document]:
    """A file read strictly and validated against `schema`, with every problem found kept in its document.

    `keys`: a few top-level keys of the schema, named when the file is not a mapping; `read`: files parsed before,
    reused when their bytes are the same.
    """
    document = _Document(display_path(path))
    try:
        with open(path, "rb") as handle:
            # The time of the bytes read: another save after this read is another load's.
            document.modified = os.fstat(handle.fileno()).st_mtime_ns // 1_000_000_000
            raw = handle.read()
    except OSError as error:  # a link to nothing, a file it may not read, a disk error: the file's one problem
        document.error((1, 1), (), f"cannot read it ({error.strerror or error})")
        return None, document
    if read is not None and (earlier := read.get(path, schema, raw, document)) is not None:
        return earlier
    value, document = _parse_document(raw, document, schema, keys)
    if read is not None:
        read.keep(path, schema, raw, value, document)
    return value, document


def _parse_document(raw: bytes, document: _Document, schema: type[BaseModel], keys: str
                    ) -> tuple[BaseModel | None, _Document]:
    """A file's bytes parsed into `document` and validated against `schema`."""
    text = _decode(raw, document)
    value = None
    if text is not None:
        try:
            if document.scan_events(text):
                nodes = list(yaml.compose_all(text, Loader=_NoImplicitTypesLoader))
                data = document.data = document.to_data(nodes[0]) if nodes and nodes[0] is not None else None
                value = _validate(data, document, schema, keys)
        except yaml.MarkedYAMLError as problem:
            position, message = syntax_problem(problem, text)
            document.errors.clear()
            document.error(position, (), f"YAML syntax: {message}")
        except yaml.YAMLError as problem:  # any other YAML error: still one line, never a traceback
            document.error((1, 1), (), "YAML: " + " ".join(str(problem).split()))
    return value, document


def _validate(data: object, document: _Document, schema: type[BaseModel], keys: str) -> BaseModel | None:
    if not isinstance(data, dict):
        document.error((1, 1), (), f"must be a mapping of keys such as {keys} (got {_describe(data)})")
        return None
    try:
        return schema.model_validate(data)
    except ValidationError as invalid:
        for error in invalid.errors():
            path = tuple(error["loc"])
            under_alias = any(path[:n] in document.alias_paths for n in range(len(path) + 1))
            if under_alias and error["type"] != "extra_forbidden":
                continue  # the alias is the problem, and it is reported already
            document.error(document.position_of(path, key=error["type"] == "extra_forbidden"), path,
                           _message(error, schema))
        return None


def model_files(folders: list[Path], languages: Collection[str] = ()) -> list[Path]:
    """Every model file (`*.yaml`, `*.yml`) in the folders and in their translation subfolders, in a stable order."""
    entries, _ = _model_entries(folders, languages)
    return [path for path, _, implied in entries if not implied]


def _model_entries(folders: list[Path], languages: Collection[str]) -> tuple[list[tuple[Path, str | None, bool]], list[Path]]:
    """Every model file with its translation language (a file in a translation subfolder is a translation),
    and the subfolders that are not translation folders, which are not read.

    A translation named on its own (as a pre-commit hook names changed files) brings its original
    along, marked implied: it is loaded to compare the translation with (and its problems, which
    keep the translation from being checked, are reported), but it is not listed nor linted.
    """
    entries: dict[str, tuple[Path, str | None, bool]] = {}  # by real path: a file named twice is read once
    ignored: dict[str, Path] = {}
    for folder in folders:
        folder = Path(folder)
        if folder.is_file():
            found = [(folder, translation_language(folder, languages))]
        else:
            found = []
            for entry in sorted(folder.iterdir()):
                if entry.is_dir() and is_translation_folder(entry.name, languages):
                    found.extend((p, entry.name) for p in entry.iterdir() if _is_model_file(p))
                elif entry.is_dir() and not entry.name.startswith("."):  # .git and the like are nobody's models
                    ignored.setdefault(os.path.realpath(entry), entry)
                elif _is_model_file(entry):
                    found.append((entry, None))
        for path, language in found:
            entries.setdefault(os.path.realpath(path), (path, language, False))
    for path, language, _ in list(entries.values()):
        original = path.parent.parent / path.name
        if language is not None and original.is_file():
            entries.setdefault(os.path.realpath(original), (original, None, True))
    return sorted(entries.values(), key=lambda e: (e[0].stem, str(e[0]))), sorted(ignored.values())


def _is_model_file(path: Path) -> bool:
    """A YAML file, or a link named like one that leads nowhere (reported as unreadable rather than skipped unseen)."""
    return path.suffix in (".yaml", ".yml") and (path.is_file() or (path.is_symlink() and not path.exists()))


@dataclass(frozen=True)
class Library:
    """The models of some folders: the originals, and their translations by language."""

    models: list[ConversationModel]
    """The originals, in the site's default language, sorted by id."""
    translations: dict[str, dict[str, ConversationModel]] = field(default_factory=dict)
    """Language -> model id -> translated model; languages and ids sorted."""
    ignored_folders: list[Path] = field(default_factory=list)
    """Subfolders of the models folders that are not translation folders, and were not read."""
    sequences: list[ConversationSequence] = field(default_factory=list)
    """The sequences of conversations, of the originals, sorted by id."""
    modified: dict[tuple[str | None, str], int] = field(default_factory=dict)
    """(language, model id) -> the model file's modification time when read, in whole seconds since the epoch;
    the originals' language is None. A kit's date comes from these (see `kits.catalog.kit_date`)."""

    def modified_of(self, model_id: str, language: str | None = None) -> list[int]:
        """The modification times of the files a model's kits in `language` (None: the original's) are made from:
        the original's, and the translation's too; a model loaded some other way has none."""
        keys = [(None, model_id)] + [(language, model_id)] * (language is not None)
        return [self.modified[key] for key in keys if key in self.modified]

    def languages_of(self, model_id: str) -> list[str]:
        """The languages `model_id` is translated into."""
        return [language for language, models in self.translations.items() if model_id in models]


def load_models(folders: list[Path], default_language: str = DEFAULT_LANGUAGE,
                languages: Collection[str] = ()) -> list[ConversationModel]:
    """Load every model of the folders, sorted by id; raise with the problems of all files at once.

    Translations are validated too, but only the originals are returned (see `load_library`).
    """
    return load_library(folders, default_language, languages).models


def load_library(folders: list[Path], default_language: str = DEFAULT_LANGUAGE,
                 languages: Collection[str] = (), sequences_dir: Path | None = None, *,
                 sequence_models: list[Path] | None = None, read: ReadFiles | None = None) -> Library:
    """Load every model and translation of the folders, and the sequences of `sequences_dir` (a missing folder
    has none); raise with the problems of all files at once.

    `default_language`: the originals' language (theme.language); `languages`: the configured translation
    languages Coachbook has no catalog for; `sequence_models`: the folders of the models the sequences may
    name (default: `folders`); `read`: files parsed before, reused when their bytes are the same (`mkdocs serve`).
    """
    originals, translations, errors, ignored = _scan(folders, default_language, languages, read)
    named = folders if sequence_models is None else sequence_models
    sequences, sequence_errors = locate_sequences(sequences_dir, original_ids(named, default_language, languages), read)
    if errors or sequence_errors:
        raise InvalidContent(errors + sequence_errors)
    grouped: dict[str, dict[str, ConversationModel]] = {}
    for (model_id, language) in sorted(translations):
        grouped.setdefault(language, {})[model_id] = translations[(model_id, language)].model
    modified = {(None, key): located.modified for key, located in originals.items()}
    modified.update({key[::-1]: located.modified for key, located in translations.items()})
    return Library([originals[key].model for key in sorted(originals) if not originals[key].implied],
                   dict(sorted(grouped.items())), ignored, sequences, modified)


def original_ids(folders: list[Path], default_language: str = DEFAULT_LANGUAGE,
                 languages: Collection[str] = ()) -> set[str]:
    """The ids of the original models in the folders, valid or not, as a sequence may name them.

    An invalid original is reported on its own, so a sequence naming it is not also in error.
    """
    return {path.stem for path, language, _ in _model_entries(folders, (*languages, default_language))[0]
            if language is None}


def sequence_files(folder: Path | None) -> list[Path]:
    """The sequence files (`*.yaml`, `*.yml`) of a folder, sorted; none when it is missing. Subfolders are not read."""
    if folder is None or not Path(folder).is_dir():
        return []
    return sorted(path for path in Path(folder).iterdir() if _is_model_file(path))


def locate_sequences(folder: Path | None, model_ids: Collection[str],
                     read: ReadFiles | None = None) -> tuple[list[ConversationSequence], list[ContentError]]:
    """The valid sequences of a folder (none when it is missing), sorted by id, and the problems of the others.

    Each is read like a model file, and must name models among `model_ids`.
    """
    sequences, errors = [], []
    for path in sequence_files(folder):
        sequence, document = _read_document(path, ConversationSequence, "id, title, entries", read)
        if sequence is not None and not document.errors and sequence.id != path.stem:
            document.error(document.position_of(("id",)), ("id",),
                           f"must equal the file name '{path.stem}' (got '{sequence.id}')")
        overrun = sequence.overrun() if sequence is not None else None
        if overrun:
            document.error(document.position_of(overrun[0]), overrun[0], overrun[1])
        _check_model_ids(document, model_ids)  # reported with the file's other problems, in one round
        if sequence is None and not document.errors:
            document.error((1, 1), (), "empty file")
        errors += document.errors
        if not document.errors:
            sequences.append(sequence)
    return sorted(sequences, key=lambda sequence: sequence.id), errors


def _check_model_ids(document: _Document, model_ids: Collection[str]) -> None:
    """Report, at its place, each entry's model that is a well-formed id but no model's, valid file or not."""
    entries = document.data.get("entries") if isinstance(document.data, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        model = entry.get("model") if isinstance(entry, dict) else None
        if isinstance(model, str) and SLUG_PATTERN.fullmatch(model) and model not in model_ids:
            path = ("entries", index, "model")
            hint = unknown_model_hint(model, model_ids)
            document.error(document.position_of(path), path, f"unknown model '{model}' ({hint})")


def locate_models(folders: list[Path], default_language: str = DEFAULT_LANGUAGE, languages: Collection[str] = ()
                  ) -> tuple[list[LocatedModel], list[ContentError], list[Path]]:
    """Every valid model and translation of the folders with its positions, the problems of all other files,
    and the subfolders not read (not translation folders)."""
    originals, translations, errors, ignored = _scan(folders, default_language, languages)
    located = [originals[key] for key in sorted(originals) if not originals[key].implied]
    located += [translations[key] for key in sorted(translations)]
    return located, sorted(errors), ignored


def _scan(folders: list[Path], default_language: str, languages: Collection[str], read: ReadFiles | None = None) -> tuple[
        dict[str, LocatedModel | None], dict[tuple[str, str], LocatedModel], list[ContentError], list[Path]]:
    """Originals by id (None: invalid, reported), translations by (id, language), every problem found, and the
    subfolders not read."""
    errors: list[ContentError] = []
    models: dict[str, LocatedModel | None] = {}
    translations: dict[tuple[str, str], LocatedModel] = {}
    paths: dict[str, Path] = {}  # where each original id was first seen
    # A folder named after the originals' own language is read, to be reported as the mistake it is.
    entries, ignored = _model_entries(folders, (*languages, default_language))
    for path, language, implied in entries:
        model_id = path.stem
        try:
            located = locate_model(path, language, implied=implied, read=read)
        except InvalidContent as invalid:
            errors.extend(invalid.errors)
            if language is None:  # known, so its translations are not also reported as orphans
                models.setdefault(model_id, None)
                paths.setdefault(model_id, path)
            continue
        model = located.model
        if language is not None:
            if language == default_language:
                errors.append(ContentError(display_path(path), 1, 1, "", f"'{language}' is the language of the "
                                           f"originals: edit {model_id}.yaml, or put the translation in a folder named after another language"))
            elif (model_id, language) in translations:
                first = translations[(model_id, language)].path
                errors.append(ContentError(display_path(path), 1, 1, "id",
                                           f"a '{language}' translation of '{model_id}' is already in {display_path(first)}"))
            else:
                translations[(model_id, language)] = located
            continue
        if model_id in models:
            errors.append(ContentError(display_path(path), 1, 1, "id",
                                       f"model id '{model.id}' is already used by {display_path(paths[model_id])}"))
            continue
        models[model_id] = located
        paths[model_id] = path
    checked: dict[tuple[str, str], LocatedModel] = {}
    for (model_id, language), translation in translations.items():
        original = models.get(model_id, False)
        if original is False:
            errors.append(ContentError(translation.file, 1, 1, "", f"a translation of '{model_id}', but there is "
                                       f"no {model_id}.yaml: add the original in the folder above it"))
        elif original is not None:  # an invalid original is reported already
            _check_translation(original.model, original.path, translation.model, translation._document)
            errors.extend(translation._document.errors)
            if not translation._document.errors:
                checked[(model_id, language)] = translation
    valid = {key: value for key, value in models.items() if value is not None}
    return valid, checked, errors, ignored


def _check_translation(original: ConversationModel, original_path: Path, translation: ConversationModel,
                       document: _Document) -> None:
    """Report what keeps a translation from matching its original one to one: ids (stages, steps, practice
    scenarios), timing (when, duration, minutes), who asks."""
    source = display_path(original_path)

    def differs(path: FieldPath, expected: object, got: object) -> None:
        document.error(document.position_of(path), path, f"must be {expected!r} as in {source} (got {got!r})")

    def timing(path: FieldPath, expected: int | None, got: int | None) -> None:
        # Minutes are timing, not text: a translation keeps its original's, as it keeps who asks.
        if got != expected:
            expected_text = "left out" if expected is None else repr(expected)
            document.error(document.position_of(path), path,
                           f"must be {expected_text} as in {source} ({'missing' if got is None else f'got {got!r}'})")

    if translation.led_by != original.led_by:
        differs(("led_by",), original.led_by, translation.led_by)
    timing(("duration_minutes",), original.duration_minutes, translation.duration_minutes)
    # Scenarios are matched by id and nothing more is compared: their texts are the translation's own.
    _matched_by_id(original.practice, translation.practice, ("practice",), "practice scenario", source, source, document)
    for index, stage, expected in _matched_by_id(original.stages, translation.stages, ("stages",), "stage", source,
                                                 source, document):
        if stage.when != expected.when:
            differs(("stages", index, "when"), expected.when, stage.when)
        for position, step, expected_step in _matched_by_id(
                expected.steps, stage.steps, ("stages", index, "steps"), "step", f"{source} (stage '{stage.id}')",
                f"stage '{stage.id}' of {source}", document):
            base: FieldPath = ("stages", index, "steps", position)
            timing((*base, "minutes"), expected_step.minutes, step.minutes)
            if len(step.questions) != len(expected_step.questions):
                path = (*base, "questions")
                document.error(document.position_of(path, key=True), path,
                               f"has {len(step.questions)} questions, {source} has {len(expected_step.questions)}")
                continue
            for number, (question, expected_question) in enumerate(zip(step.questions, expected_step.questions)):
                if question.asked_by != expected_question.asked_by:
                    differs((*base, "questions", number, "asked_by"), expected_question.asked_by, question.asked_by)


def _matched_by_id(originals: Sequence, translated: Sequence, path: FieldPath, what: str, missing_of: str, not_in: str,
                   document: _Document) -> list[tuple[int, typing.Any, typing.Any]]:
    """Report the items with ids (stages, steps, practice scenarios) that a translation leaves out of the list at `path`
    ("missing <what> 'x' of <missing_of>") or adds to it ("<what> 'x' is not in <not_in>"); return each translated item
    that its original has, matched by id, as (its index, it, the original's)."""
    translated_ids = {item.id for item in translated}
    for item in originals:
        if item.id not in translated_ids:
            document.error(document.position_of(path, key=True), path, f"missing {what} '{item.id}' of {missing_of}")
    by_id, matched = {item.id: item for item in originals}, []
    for index, item in enumerate(translated):
        expected = by_id.get(item.id)
        if expected is None:
            id_path = (*path, index, "id")
            document.error(document.position_of(id_path), id_path, f"{what} '{item.id}' is not in {not_in}")
        else:
            matched.append((index, item, expected))
    return matched
