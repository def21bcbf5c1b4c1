"""The JSON Schema for editors: exported from the loader's schema, shipped, documented, and honest about models.

`python tests/test_schema_export.py` refreshes the two generated copies (the package's schema file and
the README's field reference) after a change to coachbook/schema.py.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

# Run as a script: this checkout's coachbook and the tests' conftest, not an installed copy.
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from conftest import MODEL_FILES, REPO, TRANSLATION_FILES, VALID, build_kits, run  # noqa: E402
from test_invalid_models import CASES, expectations  # noqa: E402

from coachbook.model.schema_export import DRAFT, PACKAGE_FILE, field_reference, model_schema, model_schema_json  # noqa: E402

README = REPO / "README.md"
SHIPPED = REPO / "coachbook" / PACKAGE_FILE
FIELDS_START = "<!-- fields: generated from coachbook/schema.py by `python tests/test_schema_export.py` -->\n"
FIELDS_END = "<!-- /fields -->"

# The 2020-12 keywords the export may use (plus patternErrorMessage, which the YAML language server shows
# instead of the bare pattern): anything else is a pydantic artefact (`ge`, `le`) that an editor ignores.
KEYWORDS = {"$schema", "$defs", "$ref", "title", "description", "type", "enum", "pattern", "patternErrorMessage",
            "minLength", "maxLength", "minimum", "maximum", "items", "minItems", "properties", "required",
            "additionalProperties", "anyOf"}

# The messages of problems a JSON Schema can express: a corpus case with only these must fail the schema.
SCHEMA_LEVEL = re.compile(r": (is required$|unknown key \(|must be text|must be a whole number|must be a list|"
                          r"must be a mapping of keys|must not be empty|must have at least one item|must be at "
                          r"(least|most) |must be one of|must be a slug|must be an http\(s\) URL|must not be blank)")


class EditorLoader(yaml.SafeLoader):
    """YAML as the YAML language server reads it (the 1.2 core schema): booleans, nulls and numbers, no dates."""


EditorLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("int", r"^[-+]?[0-9]+$", "-+0123456789"),
        ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", "-+0123456789.")):
    EditorLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def editor_data(path: Path) -> object:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(model_schema_json()))


def test_the_export_is_a_valid_2020_12_schema_with_only_standard_keywords():
    schema = model_schema()
    assert schema["$schema"] == DRAFT and schema["title"]
    assert "file name" in schema["description"] and "link" in schema["description"]  # what only `check` finds
    jsonschema.Draft202012Validator.check_schema(schema)

    def walk(node: dict, where: str) -> None:
        assert set(node) <= KEYWORDS, f"{where}: {sorted(set(node) - KEYWORDS)}"
        if node.get("type") == "object":
            assert node["additionalProperties"] is False, where
            for name, value in node["properties"].items():
                assert value.get("description"), f"{where}.{name} has no description"
                walk(value, f"{where}.{name}")
        if "items" in node:
            walk(node["items"], f"{where}[]")

    walk({key: value for key, value in schema.items() if key != "$defs"}, "model")
    for name, definition in schema["$defs"].items():
        walk(definition, name)


def test_the_export_says_what_the_loader_enforces():
    schema = model_schema()
    step = schema["$defs"]["Step"]
    assert schema["properties"]["id"]["pattern"] == "^[a-z0-9]+(-[a-z0-9]+)*$"
    assert schema["properties"]["id"]["maxLength"] == 64
    assert schema["properties"]["led_by"]["enum"] == ["manager", "employee", "shared"]
    assert schema["$defs"]["Stage"]["properties"]["when"]["enum"] == ["before", "during", "after"]
    assert schema["$defs"]["Question"]["properties"]["asked_by"]["enum"] == ["manager", "employee", "self"]
    assert (schema["properties"]["duration_minutes"]["minimum"], schema["properties"]["duration_minutes"]["maximum"]) == (1, 480)
    assert schema["properties"]["use_when"]["minItems"] == 1 and schema["properties"]["stages"]["minItems"] == 1
    assert step["properties"]["title"]["minLength"] == 1 and step["required"] == ["id", "title", "purpose"]


def test_the_export_is_deterministic_and_the_shipped_file_is_a_fresh_export():
    assert model_schema_json() == model_schema_json()
    assert SHIPPED.read_text(encoding="utf-8") == model_schema_json(), (
        "coachbook/schemas/model.json is out of date: run python tests/test_schema_export.py")
    assert resources.files("coachbook").joinpath(PACKAGE_FILE).read_text(encoding="utf-8") == model_schema_json()


@pytest.mark.parametrize("path", MODEL_FILES + TRANSLATION_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_shipped_model_and_translation_validates(validator, path):
    assert [error.message for error in validator.iter_errors(editor_data(path))] == []


def test_the_smallest_valid_model_validates(validator):
    validator.validate(yaml.load(VALID, Loader=EditorLoader))


SCHEMA_CASES = [path for path in CASES if all(SCHEMA_LEVEL.search(line) for line in expectations(path))]


def test_the_corpus_has_enough_schema_level_cases():
    assert len(SCHEMA_CASES) >= 60


@pytest.mark.parametrize("path", SCHEMA_CASES, ids=[p.stem for p in SCHEMA_CASES])
def test_schema_level_invalid_files_fail_the_schema(validator, path):
    assert not validator.is_valid(editor_data(path)), f"{path.name} passes the schema: {expectations(path)}"


def test_the_readme_field_reference_is_generated_from_the_schema():
    text = README.read_text(encoding="utf-8")
    assert FIELDS_START in text and FIELDS_END in text
    written = text.split(FIELDS_START, 1)[1].split(FIELDS_END, 1)[0]
    assert written == field_reference(), "the README's field reference is out of date: run python tests/test_schema_export.py"


def test_the_schema_command_prints_the_export(tmp_path):
    for command in ([sys.executable, str(REPO / "build_kits.py"), "schema"], [sys.executable, "-m", "coachbook", "schema"]):
        result = run(command, tmp_path, PYTHONPATH=str(REPO))
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == model_schema_json()
    result = build_kits("schema", "--out", str(tmp_path / "editor" / "model.json"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "editor" / "model.json").read_text(encoding="utf-8") == model_schema_json()


def _schema_comment(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), first
    return first.removeprefix("# yaml-language-server: $schema=")


def test_a_new_model_points_its_editor_at_a_schema_beside_it_and_passes_lint(tmp_path, validator):
    models = tmp_path / "models"
    result = build_kits("new", "team-talk", "--models", str(models), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    target = models / _schema_comment(models / "team-talk.yaml")
    assert target.read_text(encoding="utf-8") == model_schema_json()
    validator.validate(editor_data(models / "team-talk.yaml"))
    result = build_kits("check", "--lint", str(models), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("0 warnings in 0 files (1 valid model file checked)")
    target.write_text("{}")  # an old copy is refreshed by the next `new`
    assert build_kits("new", "other-talk", "--models", str(models), cwd=tmp_path).returncode == 0
    assert target.read_text(encoding="utf-8") == model_schema_json()


def test_with_a_site_url_a_new_model_points_at_the_published_schema(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: Playbook\nsite_url: !ENV [PLAYBOOK_URL, 'https://wrong.example/']\n")
    result = build_kits("new", "team-talk", cwd=tmp_path, PLAYBOOK_URL="https://intranet.example.org/playbook")
    assert result.returncode == 0, result.stderr
    assert _schema_comment(tmp_path / "models" / "team-talk.yaml") == "https://intranet.example.org/playbook/schema/model.json"
    assert not (tmp_path / "models" / "model.schema.json").exists()


if __name__ == "__main__":  # refresh the generated copies
    SHIPPED.write_text(model_schema_json(), encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(FIELDS_START, 1)
    README.write_text(before + FIELDS_START + field_reference() + FIELDS_END + rest.split(FIELDS_END, 1)[1], encoding="utf-8")
    print(f"Refreshed {SHIPPED.relative_to(REPO)} and the field reference in README.md")
