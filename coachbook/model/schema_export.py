"""The JSON Schema (draft 2020-12) of a model file, exported from `coachbook.schema` for editors."""

from __future__ import annotations

import json

from .schema import ConversationModel

DRAFT = "https://json-schema.org/draft/2020-12/schema"
PACKAGE_FILE = "schemas/model.json"
"""Where the export ships, inside the package (a test keeps it equal to a fresh export)."""
SITE_PATH = "schema/model.json"
"""Where the site publishes it, relative to the site's root."""
TITLE = "Coachbook conversation model"
BEYOND_SCHEMA = (
    "Coachbook's check also reports what this schema cannot say: the id must equal the file name, "
    "stage and step ids, and practice scenario ids, must be unique in a model, a link must go to a full https:// or mailto: address, "
    "text must hold no invisible or bidirectional control characters, and a translation "
    "(models/<lang>/<id>.yaml) must match its original. Coachbook reads yes, no, 1.10 and dates as text "
    "where text is expected, while editors read them as booleans or numbers: quote such a text."
)

# Keywords in the order they are written, so the file reads top-down and does not depend on the
# order pydantic happens to emit them in; anything else follows, sorted.
_ORDER = ("$schema", "title", "description", "type", "enum", "pattern", "patternErrorMessage", "minLength",
          "maxLength", "minimum", "maximum", "$ref", "items", "minItems", "properties", "required",
          "additionalProperties", "anyOf", "$defs")
# pydantic keywords that help no editor: field titles are the key names re-cased ("Duration Minutes"),
# and defaults would be offered as completions (`author: null`).
_DROPPED = ("title", "default")


def model_schema() -> dict:
    """The JSON Schema of a model file, as data."""
    exported = ConversationModel.model_json_schema(mode="validation")
    definitions = exported.pop("$defs", {})
    root = _clean(exported, keep_title=False)
    root.update({"$schema": DRAFT, "title": TITLE, "description": f"{root['description']} {BEYOND_SCHEMA}",
                 "$defs": {name: _clean(schema, keep_title=True) for name, schema in sorted(definitions.items())}})
    return _ordered(root)


def model_schema_json() -> str:
    """The JSON Schema of a model file as the text to ship and publish (UTF-8, deterministic, newline-terminated)."""
    return json.dumps(model_schema(), indent=2, ensure_ascii=False) + "\n"


def _clean(schema: dict, *, keep_title: bool = False) -> dict:
    """An editor-friendly copy of a pydantic schema: no titles or defaults, `X | None` as one type list."""
    schema = {key: value for key, value in schema.items() if key not in _DROPPED or (key == "title" and keep_title)}
    options = schema.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        (kept,) = [option for option in options if option != {"type": "null"}]
        if "type" in kept:  # `{type: [string, null], minLength: 1}`: the string keywords ignore null
            del schema["anyOf"]
            schema.update(kept, type=[kept["type"], "null"])
    if "items" in schema:
        schema["items"] = _clean(schema["items"])
    if "properties" in schema:
        schema["properties"] = {name: _clean(value) for name, value in schema["properties"].items()}
    if "anyOf" in schema:
        schema["anyOf"] = [_clean(option) for option in schema["anyOf"]]
    return _ordered(schema)


def _ordered(schema: dict) -> dict:
    known = [key for key in _ORDER if key in schema]
    return {key: schema[key] for key in [*known, *sorted(set(schema) - set(known))]}


def field_reference() -> str:
    """Markdown tables of every field of a model file, with its description: the README's field reference."""
    schema = model_schema()
    sections = [("The file", schema), ("`source`", schema["$defs"]["Source"]),
                ("`stages[]`", schema["$defs"]["Stage"]), ("`stages[].steps[]`", schema["$defs"]["Step"]),
                ("`stages[].steps[].questions[]`", schema["$defs"]["Question"]),
                ("`practice[]`", schema["$defs"]["PracticeScenario"]),
                ("`practice[].roles`", schema["$defs"]["PracticeRoles"])]
    parts = []
    for heading, section in sections:
        about = section["description"].removesuffix(f" {BEYOND_SCHEMA}")
        rows = [f"| `{name}` | {'required' if name in section.get('required', ()) else 'optional'} | "
                f"{_cell(field['description'])} |" for name, field in section["properties"].items()]
        parts.append("\n".join([f"**{heading}**: {about}", "", "| field | | what it is |", "|---|---|---|", *rows]))
    return "\n\n".join(parts) + "\n"


def _cell(text: str) -> str:
    """A description as one table cell: a docstring's line breaks would end the table's row."""
    return " ".join(text.split()).replace("|", "\\|")
