"""The loader: every model in models/ is valid, and each kind of bad input gives its exact line."""

from __future__ import annotations


import pytest

from coachbook.errors import InvalidContent
from coachbook.model.loader import load_model, load_models
from conftest import MODEL_FILES, REPO, VALID



def write(tmp_path, text: str | bytes, name: str = "sample.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def problems(tmp_path, text: str | bytes, name: str = "sample.yaml") -> list[str]:
    with pytest.raises(InvalidContent) as raised:
        load_model(write(tmp_path, text, name))
    return [str(error).removeprefix(f"{error.file}:") for error in raised.value.errors]


@pytest.mark.parametrize("path", MODEL_FILES, ids=[p.stem for p in MODEL_FILES])
def test_every_shipped_model_is_valid(path):
    model = load_model(path)
    assert model.id == path.stem
    assert model.question_count > 0


def test_the_new_model_template_is_valid(tmp_path):
    from conftest import build_kits

    assert build_kits("new", "my-talk", "--models", str(tmp_path)).returncode == 0
    assert load_model(tmp_path / "my-talk.yaml").id == "my-talk"


def test_plain_scalars_keep_their_text(tmp_path):
    text = VALID.replace("title: Sample talk", "title: NO").replace("summary: A short talk.", "summary: 1.10")
    text = text.replace("  title: Our own", "  title: 2024-01-01\n  year: 2009").replace("- Always", "- 0x1F")
    text = text.replace("title: Open", "title: on")
    model = load_model(write(tmp_path, text))
    assert (model.title, model.summary, model.source.title, model.use_when[0]) == ("NO", "1.10", "2024-01-01", "0x1F")
    assert model.stages[0].steps[0].title == "on"
    assert model.source.year == 2009


CASES = [
    # (description, replace this, with this, expected "line:col: field: message")
    ("unknown key", "led_by: manager", "led_by: manager\nleader: x",
     "7:1: leader: unknown key (allowed: avoid_when, cadence, duration_minutes, group, id, led_by, "
     "practice, situations, source, stages, summary, tags, title, use_when)"),
    ("typo suggests", "        purpose: Start well.", "        purpse: Start well.",
     "16:9: stages[0].steps[0].purpse: unknown key (did you mean 'purpose'?)"),
    ("missing purpose", "        purpose: Start well.\n", "", "14:9: stages[0].steps[0].purpose: is required"),
    ("missing title", "title: Sample talk\n", "", "1:1: title: is required"),
    ("wrong enum", "asked_by: manager", "asked_by: coach",
     "19:23: stages[0].steps[0].questions[0].asked_by: must be one of manager, employee, self (got 'coach')"),
    ("wrong when", "when: during", "when: later",
     "12:11: stages[0].when: must be one of before, during, after (got 'later')"),
    ("led_by", "led_by: manager", "led_by: boss", "6:9: led_by: must be one of manager, employee, shared (got 'boss')"),
    ("text given a list", "summary: A short talk.", "summary: [a, b]", "3:10: summary: must be text (got a list)"),
    ("list given text", "use_when:\n  - Always", "use_when: Always", "7:11: use_when: must be a list (got 'Always')"),
    ("empty list", "use_when:\n  - Always", "use_when: []", "7:11: use_when: must have at least one item"),
    ("empty value", "summary: A short talk.", "summary:", "3:9: summary: must not be empty"),
    ("blank string", "summary: A short talk.", "summary: '   '", "3:10: summary: must not be blank"),
    ("bad slug", "  - id: talk", "  - id: Talk Now",
     "10:9: stages[0].id: must be a slug: lowercase letters, digits and single hyphens (got 'Talk Now')"),
    ("url scheme", "  title: Our own", "  title: Our own\n  url: javascript:alert(1)",
     "6:8: source.url: must be an http(s) URL (got 'javascript:alert(1)')"),
    ("duration type", "led_by: manager", "led_by: manager\nduration_minutes: half an hour",
     "7:19: duration_minutes: must be a whole number (got 'half an hour')"),
    ("duration range", "led_by: manager", "led_by: manager\nduration_minutes: 600",
     "7:19: duration_minutes: must be at most 480 (got 600)"),
    ("duplicate key", "summary: A short talk.", "summary: A short talk.\nsummary: again",
     "4:1: summary: duplicate key (first defined at line 3)"),
    ("id not stem", "id: sample", "id: other", "1:5: id: must equal the file name 'sample' (got 'other')"),
    ("duplicate step id", "      - id: open", "      - id: talk",
     "14:13: stages[0].steps[0].id: duplicate id 'talk' (already used at line 10); stage and step ids must be unique in a model"),
    ("duplicate scenario id", "    asked_by: manager\n",
     "    asked_by: manager\npractice:\n  - id: late\n    title: Late\n    situation: S.\n    roles: {manager: M., employee: E.}\n"
     "  - id: late\n    title: Again\n    situation: S.\n    roles: {manager: M., employee: E.}\n",
     "25:9: practice[1].id: duplicate id 'late' (already used at line 21); practice scenario ids must be unique in a model"),
    ("scenario missing a role", "    asked_by: manager\n",
     "    asked_by: manager\npractice:\n  - id: late\n    title: Late\n    situation: S.\n    roles: {manager: M.}\n",
     "24:12: practice[0].roles.employee: is required"),
    ("syntax error", "title: Sample talk", "title: [unclosed",
     "2:8: YAML syntax: the [ list that starts here is not closed before line 3: end it with ], or put an item with a ':' "
     "in quotes"),
    ("tab indentation", "  title: Our own", "\ttitle: Our own", "5:1: YAML syntax: a tab cannot indent YAML; use spaces"),
    ("anchor and alias", "summary: A short talk.", "summary: &s A short talk.\ncadence: *s",
     "3:10: anchors (&s) are not allowed: write the text out"),
    ("explicit tag", "summary: A short talk.", "summary: !!python/name:os.system x", "3:10: YAML tags (tag:yaml.org,2002:python/name:os.system) are not allowed"),
    ("second document", "    asked_by: manager\n", "    asked_by: manager\n---\nid: again\n",
     "20:1: only one YAML document is allowed per file (found a second '---')"),
    ("merge key", "source:\n  title: Our own", "source:\n  <<: {title: x}\n  title: Our own",
     "5:3: source: merge keys (<<) are not allowed: write the keys out"),
]


@pytest.mark.parametrize("description, old, new, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_exact_position_and_message(tmp_path, description, old, new, expected):
    assert old in VALID
    assert expected in problems(tmp_path, VALID.replace(old, new, 1))


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    text = VALID.replace("led_by: manager", "led_by: boss").replace("asked_by: manager", "asked_by: coach")
    found = problems(tmp_path, text)
    assert len(found) == 2
    assert found[0].startswith("6:9: led_by") and found[1].startswith("19:23: stages[0]")


def test_non_utf8_bytes_are_reported_with_their_position(tmp_path):
    assert problems(tmp_path, VALID.encode().replace(b"A short", b"A sh\xf6rt")) == [
        "3:14: not valid UTF-8 (byte 0xf6); save the file as UTF-8"]


def test_files_over_one_mebibyte_are_refused(tmp_path):
    assert problems(tmp_path, VALID + "#" * (1024 * 1024)) == [f"1:1: file is larger than 1 MiB ({len(VALID) + 1024 * 1024} bytes)"]


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    found = problems(tmp_path, "id: " + "[" * 5000 + "]" * 5000)
    assert found == ["1:36: nesting is deeper than 32 levels"]


def test_control_characters_are_refused(tmp_path):
    found = problems(tmp_path, VALID.replace("A short talk.", '"A short\\x07 talk."'))
    assert found == ["3:10: summary: must not contain control characters"]


def test_models_built_in_code_refuse_hidden_characters_and_unsafe_links():
    """The schema checks every text itself, for models that never went through a file."""
    import yaml
    from pydantic import ValidationError

    from coachbook.model.schema import ConversationModel

    for text, message in [
        ("A \u202eshort talk", "character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
        ("A \u200bshort talk", "character U+200B (ZERO WIDTH SPACE) is not allowed"),
        ("See [x](javascript:alert(1))", "link target 'javascript:alert(1)' is not allowed"),
        ("See [x](mailto:)", "link target 'mailto:' has no address after mailto:"),
    ]:
        data = yaml.safe_load(VALID)
        data["stages"][0]["steps"][0]["questions"][0]["follow_ups"] = [text]
        with pytest.raises(ValidationError) as raised:
            ConversationModel.model_validate(data)
        assert message in str(raised.value)


def test_links_are_found_as_the_renderer_finds_them():
    """The link check parses text with the renderer's own preset and rules, so it sees the same links."""
    from coachbook import text
    from coachbook.model import schema

    assert schema._LINK_PARSER.get_active_rules() == text._inline.get_active_rules()
    assert schema._LINK_PARSER.options == text._inline.options


def test_a_translation_with_an_unsafe_link_is_refused_at_its_position(tmp_path):
    write(tmp_path, VALID)
    (tmp_path / "de").mkdir()
    write(tmp_path / "de", VALID.replace("A short talk.", "Ein [kurzes](kurz.html) Gespräch."))
    with pytest.raises(InvalidContent) as raised:
        load_models([tmp_path])
    assert [error.file.endswith("de/sample.yaml") for error in raised.value.errors] == [True]
    assert str(raised.value).endswith(
        "sample.yaml:3:10: summary: link target 'kurz.html' is not allowed: write the full https:// address (or mailto:)")


def test_duplicate_ids_across_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", VALID)
    write(tmp_path / "b", VALID)
    with pytest.raises(InvalidContent) as raised:
        load_models([tmp_path / "a", tmp_path / "b"])
    assert "model id 'sample' is already used by" in str(raised.value)


def test_error_lines_name_the_file_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, VALID.replace("led_by: manager", "led_by: boss"))
    with pytest.raises(InvalidContent) as raised:
        load_model(tmp_path / "sample.yaml")
    assert str(raised.value) == "sample.yaml:6:9: led_by: must be one of manager, employee, shared (got 'boss')"


def test_shipped_models_are_not_copied_from_the_seeds():
    """No run of 12 words of a model may appear in a source text (the sources are copyrighted)."""
    import re

    seeds_dir = REPO.parent / "shared" / "seeds"
    if not seeds_dir.is_dir():
        pytest.skip("the seed texts are not beside this checkout")

    def words(text):
        return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()

    seeds = " ".join(" ".join(words(p.read_text(errors="ignore"))) for p in seeds_dir.glob("*.txt"))
    for path in MODEL_FILES:
        model = load_model(path)
        for text in model.texts():
            if text in (model.source.title, model.source.note):
                continue
            found = words(text)
            runs = {" ".join(found[i:i + 12]) for i in range(len(found) - 11)}
            assert not [run for run in runs if run in seeds], f"{path.name}: {text!r}"
