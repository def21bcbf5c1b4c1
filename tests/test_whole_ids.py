"""Ids, language tags and colours are matched whole: `re.match` with `$` took `"talk\\n"` (a `$` matches before a
final newline), after which the id became a broken file name, anchor or address."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from coachbook.project import load_project
from conftest import MODEL_IDS, REPO, VALID, cli

PACKAGE = REPO / "coachbook"
MODEL = MODEL_IDS[0]  # the one model of the `project` fixture


def _check(project: Path, *paths: str):
    result = cli("check", *paths, cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(("line", "written", "expected"), [
    ("id: sample", 'id: "sample\\n"', "models/sample.yaml:1:5: id: must be a slug: lowercase letters, digits and "
                                      "single hyphens (got 'sample\\n')"),
    ("  - id: talk", '  - id: "talk\\n"', "models/sample.yaml:10:9: stages[0].id: must be a slug"),
    ("      - id: open", '      - id: "open\\n"', "models/sample.yaml:14:13: stages[0].steps[0].id: must be a slug"),
    ("led_by: manager", 'led_by: manager\ntags: ["coaching\\n"]', "models/sample.yaml:7:8: tags[0]: must be a slug"),
], ids=["model", "stage", "step", "tag"])
def test_an_id_with_a_final_newline_is_refused_at_its_place(tmp_path, line, written, expected):
    assert line + "\n" in VALID
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "sample.yaml").write_text(VALID.replace(line + "\n", written + "\n", 1), encoding="utf-8")
    result = _check(tmp_path, "models")
    assert result.returncode == 1, result.stderr
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr


def test_a_language_tag_with_a_final_newline_is_refused(project):
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      models_dir: [models]\n", '      models_dir: [models]\n      languages: ["it\\n"]\n'),
                      encoding="utf-8")
    result = _check(project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == ["mkdocs.yml:57:18: coachbook.languages: must be a list of language tags such as "
                                          "[it, pt-br] (got ['it\\n'])"]


@pytest.mark.parametrize(("colour", "kept"), [("#1a5fb4\n", "#1a5fb4"), ("#1a5fb4\n}body{x", None), ("#1a5\n#fff", None)])
def test_a_colour_is_matched_whole(project, colour, kept):
    config = project / "mkdocs.yml"
    written = colour.replace("\n", "\\n")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      models_dir: [models]\n", f'      models_dir: [models]\n      primary_color: "{written}"\n'),
                      encoding="utf-8")
    if kept:  # surrounding space is forgiven: only the colour itself reaches the stylesheet
        assert load_project(config).branding.primary_color == kept
        return
    result = _check(project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [f"mkdocs.yml:57:22: coachbook.primary_color: must be a hex colour such as "
                                          f"#1a5fb4 (got {colour!r})"]


def test_new_refuses_an_id_with_a_final_newline_and_writes_nothing(tmp_path):
    result = cli("new", "a\n", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["coachbook: error: model id must be lowercase letters, digits and single "
                                          "hyphens (got 'a\\n')"]
    assert list(tmp_path.iterdir()) == []


def test_a_sequence_s_ids_are_matched_whole(project):
    (project / "sequences").mkdir()
    (project / "sequences" / "series.yaml").write_text(
        f'id: "series\\n"\ntitle: A series\nsummary: Two talks.\nentries:\n  - model: "{MODEL}\\n"\n    after_days: 0\n',
        encoding="utf-8")
    result = _check(project)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("sequences/series.yaml")]
    assert lines == ["sequences/series.yaml:1:5: id: must be a slug: lowercase letters, digits and single hyphens "
                     "(got 'series\\n')",
                     "sequences/series.yaml:5:12: entries[0].model: must be a slug: lowercase letters, digits and "
                     f"single hyphens (got '{MODEL}\\n')"], result.stderr


def _anchored_patterns() -> dict[str, str]:
    """Every pattern compiled in the package whose text ends with `$`, by the name it is bound to."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and ast.unparse(node.value.func) == "re.compile" and node.value.args
                    and isinstance(node.value.args[0], ast.Constant) and str(node.value.args[0].value).endswith("$")):
                for target in node.targets:
                    found[ast.unparse(target)] = f"{path.relative_to(REPO)}:{node.lineno}"
    return found


def test_no_pattern_ending_in_a_dollar_is_matched_in_part():
    """`X.match(value)` or `X.search(value)` with such a pattern takes a final newline; `fullmatch` does not."""
    anchored = _anchored_patterns()
    assert {"SLUG_PATTERN", "LANGUAGE_TAG"} <= set(anchored)
    partial = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("match", "search"):
                owner = ast.unparse(node.func.value)
                if owner.split(".")[-1] in anchored or owner in anchored or owner.endswith(".pattern"):
                    partial.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
                if owner == "re" and node.args and isinstance(node.args[0], ast.Constant) \
                        and str(node.args[0].value).endswith("$"):
                    partial.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert partial == []

