"""Load model files: strict YAML with positions, validated into `ConversationModel`s."""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ContentError, InvalidContent, display_path
from .schema import ConversationModel, WholeNumberText

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
NULL_SCALARS = {"", "~", "null", "Null", "NULL"}
# Characters YAML refuses, plus NEL, LS and PS, which YAML (unlike editors) counts as line breaks.
FORBIDDEN_CHARACTERS = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as editors split lines: not at NEL, LS or PS
PLAIN_KEY = re.compile(r"[^\s:.\[\]'\"]+")
UNCLOSED = {"a quoted scalar": "the quoted text", "a flow sequence": "the [ list", "a flow mapping": "the { mapping"}

Position = tuple[int, int]
FieldPath = tuple[typing.Union[str, int], ...]


class _NoImplicitTypesLoader(yaml.SafeLoader):
    """A SafeLoader that resolves no implicit types: `NO`, `1.10` and dates stay text."""


_NoImplicitTypesLoader.yaml_implicit_resolvers = {}


def _position(mark: yaml.Mark) -> Position:
    return mark.line + 1, mark.column + 1


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

    def error(self, position: Position, field: FieldPath, message: str) -> None:
        self.errors.append(ContentError(self.file, *position, format_field_path(field), message))

    def scan_events(self, text: str) -> bool:
        """Report YAML features that PyYAML would accept but that have no place in a model.

        Returns False when nesting is too deep to compose safely.
        """
        depth = 0
        documents = 0
        for event in yaml.parse(text, Loader=_NoImplicitTypesLoader):
            position = _position(event.start_mark)
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
        self.value_positions.setdefault(path, _position(node.start_mark))
        if id(node) in self.converted:  # an alias (already reported): never expand, it may be recursive
            self.alias_paths.add(path)
            return None
        self.converted.add(id(node))
        if isinstance(node, yaml.MappingNode):
            data: dict[str, object] = {}
            for key_node, value_node in node.value:
                key_position = _position(key_node.start_mark)
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
            if WholeNumberText.pattern.match(node.value):
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
            document.error((number, first.start() + 1), (), f"character U+{ord(first.group()):04X} is not allowed "
                           f"(an invisible control or line-separator character{more_text})")
    return None if document.errors else text


def _model_class_at(path: FieldPath) -> type[BaseModel] | None:
    """The pydantic model whose keys live at `path`, to suggest a key for a typo."""
    model: type[BaseModel] = ConversationModel
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


def _message(error: dict) -> str:
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    path = tuple(error["loc"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        model = _model_class_at(path[:-1])
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


@dataclasses.dataclass(frozen=True)
class LocatedModel:
    """A valid model together with its file and where each of its fields is written in that file."""

    model: ConversationModel
    path: Path
    file: str  # the path as shown to the user
    _document: _Document = dataclasses.field(repr=False, compare=False)

    def position_of(self, field: FieldPath, *, key: bool = False) -> Position:
        """The 1-based (line, column) of a field's value (or of its key), or of its nearest written parent."""
        return self._document.position_of(field, key=key)


def load_model(path: Path) -> ConversationModel:
    """Load and validate one model file, raising `InvalidContent` with every problem found."""
    return locate_model(path).model


def locate_model(path: Path) -> LocatedModel:
    """Like `load_model`, keeping the position of every field for messages about the content."""
    path = Path(path)
    document = _Document(display_path(path))
    text = _decode(path.read_bytes(), document)
    model = None
    if text is not None:
        try:
            if document.scan_events(text):
                nodes = list(yaml.compose_all(text, Loader=_NoImplicitTypesLoader))
                data = document.to_data(nodes[0]) if nodes and nodes[0] is not None else None
                model = _validate(data, document)
        except yaml.MarkedYAMLError as problem:
            mark, message = problem.problem_mark or problem.context_mark, f"{problem.problem or problem.context}"
            if problem.context_mark and mark and mark.index >= len(text.rstrip()):
                # The file ends inside a quote or bracket: point at where it opens, not past the last line.
                inside = (problem.context or "").removeprefix("while scanning ").removeprefix("while parsing ")
                inside = UNCLOSED.get(inside, inside)
                mark, message = problem.context_mark, f"the file ends inside {inside} that starts here; close it"
            elif message.endswith("but got '?'"):  # PyYAML ends plain text at a '?' inside [ ] or { }
                message += ": put text with a '?' inside [ ] or { } in quotes"
            elif (problem.context or "").endswith("; first occurrence") and problem.context_mark:
                message = f"{problem.context.split(';')[0]} (first at line {problem.context_mark.line + 1})"
            document.errors.clear()
            document.error(_position(mark) if mark else (1, 1), (), f"YAML syntax: {message}")
        except yaml.YAMLError as problem:  # any other YAML error: still one line, never a traceback
            document.error((1, 1), (), "YAML: " + " ".join(str(problem).split()))
    if model is not None and not document.errors:
        _check_ids(model, path.stem, document)
    if document.errors or model is None:
        raise InvalidContent(document.errors or [ContentError(document.file, 1, 1, "", "empty file")])
    return LocatedModel(model, path, document.file, document)


def _validate(data: object, document: _Document) -> ConversationModel | None:
    if not isinstance(data, dict):
        document.error((1, 1), (), f"must be a mapping of keys such as id, title, stages (got {_describe(data)})")
        return None
    try:
        return ConversationModel.model_validate(data)
    except ValidationError as invalid:
        for error in invalid.errors():
            path = tuple(error["loc"])
            under_alias = any(path[:n] in document.alias_paths for n in range(len(path) + 1))
            if under_alias and error["type"] != "extra_forbidden":
                continue  # the alias is the problem, and it is reported already
            document.error(document.position_of(path, key=error["type"] == "extra_forbidden"), path, _message(error))
        return None


def model_files(folders: list[Path]) -> list[Path]:
    """Every model file (`*.yaml`, `*.yml`) in the folders, in a stable order."""
    files: list[Path] = []
    for folder in folders:
        folder = Path(folder)
        if folder.is_file():
            files.append(folder)
        else:
            files.extend(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return sorted(files, key=lambda p: (p.stem, str(p)))


def load_models(folders: list[Path]) -> list[ConversationModel]:
    """Load every model of the folders, sorted by id; raise with the problems of all files at once."""
    located, errors = locate_models(folders)
    if errors:
        raise InvalidContent(errors)
    return [entry.model for entry in located]


def locate_models(folders: list[Path]) -> tuple[list[LocatedModel], list[ContentError]]:
    """Every valid model of the folders with its positions, sorted by id, and the problems of all other files."""
    errors: list[ContentError] = []
    models: dict[str, LocatedModel] = {}
    for path in model_files(folders):
        try:
            located = locate_model(path)
        except InvalidContent as invalid:
            errors.extend(invalid.errors)
            continue
        model = located.model
        if model.id in models:
            errors.append(ContentError(display_path(path), 1, 1, "id",
                                       f"model id '{model.id}' is already used by {display_path(models[model.id].path)}"))
            continue
        models[model.id] = located
    return [models[key] for key in sorted(models)], sorted(errors)
