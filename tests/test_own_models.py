"""An organization's own models anywhere: models_dir folders outside the project, and the starter model."""

from __future__ import annotations

import re
import shutil
import typing
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel

from coachbook.model.loader import load_model
from coachbook.model.schema import ConversationModel
from conftest import MODEL_FILES, MODEL_IDS, build_kits, mkdocs

TEMPLATE = resources.files("coachbook").joinpath("templates/new-model.yaml").read_text(encoding="utf-8")


def schema_fields(model: type[BaseModel] = ConversationModel) -> set[str]:
    """Every field name of the model schema, nested models included."""
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        pending = [field.annotation]
        while pending:
            annotation = pending.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                names |= schema_fields(annotation)
            pending.extend(typing.get_args(annotation))
    return names


def used_keys(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in used_keys(value)}
    if isinstance(data, list):
        return {key for item in data for key in used_keys(item)}
    return set()


def test_the_starter_model_uses_every_field_once_its_optional_lines_are_uncommented(tmp_path):
    # A commented list item ("# - id: ...") and the keys under it keep their indentation once uncommented.
    uncommented = re.sub(r"^(\s*)# (\s*(?:- )?\w+: )", r"\1\2", TEMPLATE, flags=re.M)
    path = tmp_path / "starter.yaml"
    path.write_text(uncommented.replace("__ID__", "starter").replace("__TITLE__", "Starter"))
    model = load_model(path)
    assert model.source.author and model.source.year and model.source.url
    assert used_keys(yaml.safe_load(path.read_text())) == schema_fields()


def test_the_starter_model_explains_every_field_where_it_first_appears():
    unexplained = []
    for name in sorted(schema_fields()):
        first = next(line for line in TEMPLATE.splitlines() if re.match(rf"\s*(- )?(#\s*)?(- )?{name}:", line))
        if "#" not in first.split(f"{name}:", 1)[1]:
            unexplained.append(first.strip())
    assert unexplained == []


def test_new_then_check_passes_in_the_configured_folder_outside_the_project(tmp_path):
    project, shared = tmp_path / "project", tmp_path / "shared-models"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: X\nplugins:\n  - coachbook:\n      models_dir: [../shared-models]\n")
    created = build_kits("new", "team-talk", cwd=project)
    assert created.returncode == 0, created.stderr
    assert (shared / "team-talk.yaml").is_file()
    checked = build_kits("check", cwd=project)
    assert (checked.returncode, checked.stderr.strip()) == (0, "1 model files OK")
    # The starter is an example to copy: it should show a model with nothing weak in it.
    linted = build_kits("check", "--lint", cwd=project)
    assert (linted.returncode, linted.stderr.strip()) == (0, "0 warnings in 0 files (1 valid model file checked)")


def test_build_kits_takes_models_dir_from_mkdocs_yml_relative_and_absolute(tmp_path):
    project, shared, elsewhere = tmp_path / "project", tmp_path / "shared", tmp_path / "elsewhere" / "models"
    for folder, path in ((shared, MODEL_FILES[0]), (elsewhere, MODEL_FILES[1])):
        folder.mkdir(parents=True)
        shutil.copy2(path, folder)  # with its time, which dates its kits: they come from the run's kit cache
    project.mkdir()
    (project / "mkdocs.yml").write_text(
        f"site_name: X\nplugins:\n  - search\n  - coachbook:\n      models_dir: [../shared, '{elsewhere}']\n")
    result = build_kits("--kit", "guide", "--paper", "a4", "--quiet", cwd=project)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "kits").rglob("*.pdf")) == sorted(
        f"{model_id}-guide-a4.pdf" for model_id in MODEL_IDS[:2])
    # --models wins over the config; --config names another config file.
    only = build_kits("--kit", "guide", "--paper", "a4", "--models", str(shared), "--out", str(tmp_path / "only"),
                      "--quiet", cwd=project)
    assert only.returncode == 0, only.stderr
    assert [p.name for p in (tmp_path / "only").rglob("*.pdf")] == [f"{MODEL_IDS[0]}-guide-a4.pdf"]
    other = build_kits("check", "--config", str(project / "mkdocs.yml"), cwd=tmp_path)
    assert (other.returncode, other.stderr.strip()) == (0, "2 model files OK")


def test_a_missing_models_dir_in_the_config_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("plugins:\n  - coachbook:\n      models_dir: [../nowhere]\n")
    result = build_kits("--kit", "guide", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["mkdocs.yml:3:19: coachbook.models_dir: no such folder: ../nowhere"]


def test_the_site_builds_from_model_folders_outside_the_project(project: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("org") / "models"
    outside.mkdir()
    sibling = project.parent / f"{project.name}-shared"
    sibling.mkdir()
    shutil.move(str(next((project / "models").iterdir())), outside)
    shutil.copy(MODEL_FILES[1], sibling)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text()
                      .replace("      models_dir: [models]\n", f"      models_dir: ['{outside}', ../{sibling.name}]\n"
                               "      kits: false\n")
                      .replace("strict: true", "strict: false"))  # content/index.md links the kits page
    result = mkdocs("build", cwd=project)
    assert result.returncode == 0, result.stderr
    for model_id in MODEL_IDS[:2]:
        assert (project / "site" / "models" / model_id / "index.html").is_file()


def test_a_missing_models_dir_fails_mkdocs_with_its_position(project: Path):
    config = project / "mkdocs.yml"
    text = config.read_text().replace("      models_dir: [models]\n", "      models_dir: [models, ../nowhere]\n")
    config.write_text(text)
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "models_dir:" in row)
    result = mkdocs("build", cwd=project)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert [row for row in result.stderr.splitlines() if "models_dir" in row] == [
        f"ERROR   -  mkdocs.yml:{line}:19: coachbook.models_dir: no such folder: ../nowhere"]
