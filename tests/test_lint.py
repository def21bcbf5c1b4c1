"""`build_kits.py check --lint`: one warning line per weakness, at its field, never failing a valid model."""

from __future__ import annotations

import json
import re

import pytest

from conftest import MODEL_FILES, REPO, VALID, build_kits
from coachbook.lint import lint
from coachbook.loader import locate_model, model_files

# VALID with a follow-up for its one question: nothing left to warn about.
CLEAN = VALID + "            follow_ups:\n              - What would help most this week?\n"

# VALID (lines 1 to 19) made weak one rule at a time; the comments number the lines for the expected warnings.
WEAK = VALID.replace("purpose: Start well.", "purpose: Open the talk.") + (
    "            follow_ups: [Tell me more.]\n"                              # 20
    "          - text: Did the week go well?\n"                              # 21
    "            asked_by: manager\n"                                        # 22
    "          - text: Could you describe your week (in a few words?)\n"     # 23
    "            asked_by: manager\n"                                        # 24
    "            follow_ups: ['Ask \"what was hardest?\"']\n"                # 25
    "          - text: Share one thing that went well.\n"                    # 26
    "            asked_by: employee\n"                                       # 27
    "  - id: wrap-up\n"                                                      # 28
    "    title: Wrap up\n"                                                   # 29
    "    when: after\n"                                                      # 30
    "    steps:\n"                                                           # 31
    "      - id: note\n"                                                     # 32
    "        title: Take notes\n"                                            # 33
    "        purpose: A written record keeps the agreement alive.\n"         # 34
    "  - id: reflect\n"                                                      # 35
    "    title: Reflect\n"                                                   # 36
    "    when: after\n"                                                      # 37
    "    steps:\n"                                                           # 38
    "      - id: look-back\n"                                                # 39
    "        title: Look back\n"                                             # 40
    "        purpose: Learning from each talk makes the next one better.\n"  # 41
    "        questions:\n"                                                   # 42
    "          - text: Did I listen more than I spoke\n"                     # 43
    "            asked_by: self\n"                                           # 44
)
NOT_A_QUESTION = "does not end with a question mark: phrase it as a question, or move it to phrases or checklist"
YES_NO = "an open one (what, how, which ...) gets a fuller answer"
NO_FOLLOW_UPS = "has no follow_ups: add one or two to go deeper during the conversation"
WARNING_LINE = re.compile(r"^[^:]+:\d+:\d+: warning: \S+: .+$")


def write(folder, text, name="sample"):
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_rule_warns_once_at_its_field_and_the_check_still_passes(tmp_path):
    write(tmp_path, WEAK)
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    step = "stages[0].steps[0]"
    assert result.stderr.splitlines() == [
        f"sample.yaml:16:18: warning: {step}.purpose: repeats the step's title: say why the step matters",
        f"sample.yaml:20:26: warning: {step}.questions[0].follow_ups[0]: {NOT_A_QUESTION}",
        f"sample.yaml:21:13: warning: {step}.questions[1]: {NO_FOLLOW_UPS}",
        f"sample.yaml:21:19: warning: {step}.questions[1].text: a yes/no question ('Did ...'): {YES_NO}",
        f"sample.yaml:26:19: warning: {step}.questions[3].text: {NOT_A_QUESTION}",
        "sample.yaml:28:5: warning: stages[1]: stage 'wrap-up' has no question in any of its steps",
        f"sample.yaml:43:19: warning: stages[2].steps[0].questions[0].text: {NOT_A_QUESTION}",
        "7 warnings in 1 file (1 valid model file checked)",
    ]
    assert result.returncode == 0


def test_a_clean_model_gives_no_warning(tmp_path):
    write(tmp_path, CLEAN)
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "0 warnings in 0 files (1 valid model file checked)\n")


def test_without_lint_check_prints_no_warning(tmp_path):
    write(tmp_path, WEAK)
    result = build_kits("check", "sample.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "1 model files OK\n")


def test_invalid_files_are_reported_first_and_still_fail(tmp_path):
    write(tmp_path, WEAK)
    write(tmp_path, VALID.replace("led_by: manager", "led_by: coach").replace("id: sample", "id: broken"), "broken")
    result = build_kits("check", "--lint", ".", cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert lines[0] == "broken.yaml:6:9: led_by: must be one of manager, employee, shared (got 'coach')"
    assert len(lines) == 1 + 7 + 1 and all(WARNING_LINE.match(line) for line in lines[1:-1])
    assert {line.split(":")[0] for line in lines[1:-1]} == {"sample.yaml"}
    assert lines[-1] == "1 invalid model file; 7 warnings in 1 file (1 valid model file checked)"


@pytest.mark.parametrize("question, opening", [
    ("Is it working?", "is"),
    ("Could we agree on a date?", "could"),
    ("Since we talked, have you noticed a change?", "have"),
    ("Here is my view. Does it match yours?", "does"),
    ("Is it working, or not?", "is"),
    ("Isn't that a risk?", "isn't"),
    ("Be honest: what went wrong?", None),
    ("What went well?", None),
    ("Could you describe the week?", None),
    ("Is it a skills issue or a time issue?", None),
    ("Which one, do you think, matters most?", None),
    ("Looking back, what would you change?", None),
    ("Remember when it went well? What did you do then?", None),
])
def test_a_yes_no_question_is_told_from_an_open_one(tmp_path, question, opening):
    located = locate_model(write(tmp_path, CLEAN.replace("How are you?", json.dumps(question))))
    messages = [warning.message for warning in lint(located)]
    expected = [f"a yes/no question ('{opening.capitalize()} ...'): {YES_NO}"] if opening else []
    assert messages == expected
    assert lint(located, language="de") == []  # the auxiliaries are English: other languages are not judged


@pytest.mark.parametrize("text, is_question", [
    ("How was it?", True),
    ('Ask: "how was it?"', True),
    ("How was it? (be honest)", False),
    ("How was it (be honest)?", True),
    ("How was it (in a word?)", True),
    ("How was *it?*", True),
    ("Wie war es？", True),
    ("How was it", False),
    ("Tell me how it was.", False),
])
def test_a_question_must_end_with_a_question_mark(tmp_path, text, is_question):
    model = CLEAN.replace("How are you?", json.dumps(text, ensure_ascii=False))  # JSON strings are YAML too
    located = locate_model(write(tmp_path, model))
    assert [w.message for w in lint(located)] == ([] if is_question else [NOT_A_QUESTION])


@pytest.mark.parametrize("title, purpose, repeats", [
    ("Open", "Open.", True),
    ("Agree next steps", "Agree the next step.", True),
    ("Agree next steps", "Agree next steps and owners.", True),
    ("Open", "Start well.", False),
    ("Agree next steps", "Clear next steps stop the talk from fading into good intentions.", False),
])
def test_a_purpose_that_repeats_its_title_is_found(tmp_path, title, purpose, repeats):
    model = CLEAN.replace("title: Open", f"title: {title}").replace("purpose: Start well.", f"purpose: {purpose}")
    located = locate_model(write(tmp_path, model))
    assert [w.field for w in lint(located)] == (["stages[0].steps[0].purpose"] if repeats else [])


@pytest.mark.parametrize("led_by, asked_by, warned", [
    ("manager", "manager", True),
    ("manager", "employee", False),  # the employee's own request in a manager-led talk: answered, not probed
    ("employee", "manager", True),
    ("employee", "employee", True),
    ("shared", "employee", True),
    ("manager", "self", False),
])
def test_follow_ups_are_expected_of_the_questions_the_asker_explores(tmp_path, led_by, asked_by, warned):
    model = VALID.replace("led_by: manager", f"led_by: {led_by}").replace("asked_by: manager", f"asked_by: {asked_by}")
    located = locate_model(write(tmp_path, model))
    assert [w.message for w in lint(located)] == ([NO_FOLLOW_UPS] if warned else [])
    after = locate_model(write(tmp_path, model.replace("when: during", "when: after")))
    assert lint(after) == []  # only the during stage needs them


@pytest.mark.parametrize("path", MODEL_FILES, ids=[path.stem for path in MODEL_FILES])
def test_every_shipped_model_lints_clean(path):
    result = build_kits("check", "--lint", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "0 warnings in 0 files (1 valid model file checked)\n"


def test_the_shipped_folder_with_its_translations_lints_clean():
    """Translations are read with their own language's rules: a German question is not judged as English."""
    result = build_kits("check", "--lint", str(REPO / "models"))
    count = len(model_files([REPO / "models"]))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"0 warnings in 0 files ({count} valid model files checked)\n"
