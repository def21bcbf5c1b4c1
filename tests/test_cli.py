"""The `build_kits.py` command: subsets, exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from coachbook.build import MANIFEST, build_kits as build
from coachbook.kits import KITS, PAPERS
from conftest import MODEL_FILES, MODEL_IDS, REPO, TRANSLATION_FILES, TRANSLATIONS, VALID, build_kits

TRANSLATED, LANGUAGE = TRANSLATIONS[0]  # a shipped model with a translation


def test_build_writes_only_the_requested_subset(tmp_path):
    model_id = MODEL_IDS[0]
    result = build_kits("build", "--model", model_id, "--kit", "guide", "--paper", "letter", "--out", str(tmp_path),
                        "--progress")
    assert result.returncode == 0, result.stderr
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")] == [
        f"{model_id}/{model_id}-guide-letter.pdf"]
    assert "[1/1]" in result.stderr and "Built 1 kits for 1 models" in result.stderr


def test_off_a_terminal_only_the_summary_is_printed(tmp_path):
    result = build_kits("--model", MODEL_IDS[0], "--kit", "guide", "--paper", "a4", "--out", str(tmp_path))
    assert result.returncode == 0
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Built 1 kits for 1 models")


def test_quiet_prints_nothing(tmp_path):
    result = build_kits("--model", MODEL_IDS[0], "--kit", "guide", "--paper", "a4", "--out", str(tmp_path), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def _project(tmp_path, *, sample: bool = True, translation: bool = True) -> Path:
    """A models folder with one shipped model, its German translation and the small `sample` model."""
    models = tmp_path / "models"
    (models / LANGUAGE).mkdir(parents=True)
    shutil.copy(REPO / "models" / f"{TRANSLATED}.yaml", models)
    if translation:
        shutil.copy(REPO / "models" / LANGUAGE / f"{TRANSLATED}.yaml", models / LANGUAGE)
    if sample:
        (models / "sample.yaml").write_text(VALID)
    return models


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_build_removes_only_kits_it_wrote_that_are_gone(tmp_path):
    models, out = _project(tmp_path), tmp_path / "kits"
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    assert len(json.loads((out / MANIFEST).read_text())) == 24  # 8 kits each of the model, its translation and sample
    (out / "holiday").mkdir()
    (out / "holiday" / "beach.pdf").write_bytes(b"%PDF-mine")
    (out / "empty").mkdir()
    (out / TRANSLATED / "notes.pdf").write_bytes(b"%PDF-my notes")
    (out / "packs").mkdir()
    (out / "packs" / f"{TRANSLATED}-pack-a4.pdf").write_bytes(b"%PDF-a pack")
    (models / "sample.yaml").unlink()
    (models / LANGUAGE / f"{TRANSLATED}.yaml").unlink()
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    kits = [f"{TRANSLATED}/{TRANSLATED}-{kit}-{paper}.pdf" for kit in KITS for paper in PAPERS]
    assert sorted(_files(out)) == sorted([
        MANIFEST, *kits, f"{TRANSLATED}/notes.pdf", "holiday/beach.pdf", f"packs/{TRANSLATED}-pack-a4.pdf"])
    assert (out / "empty").is_dir() and not (out / "sample").exists()
    assert (out / MANIFEST).read_text() == json.dumps(sorted(kits), indent=1) + "\n"


def test_a_subset_build_prunes_nothing_and_keeps_the_manifest(tmp_path):
    models, out = _project(tmp_path, translation=False), tmp_path / "kits"
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    listed = json.loads((out / MANIFEST).read_text())
    (models / "sample.yaml").unlink()
    for subset in (["--kit", "guide"], ["--paper", "a4"], ["--model", TRANSLATED], ["--lang", "en"]):
        result = build_kits("--models", str(models), "--out", str(out), "--quiet", *subset)
        assert result.returncode == 0, result.stderr
        assert json.loads((out / MANIFEST).read_text()) == listed
        assert len(list((out / "sample").iterdir())) == 8
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    assert not (out / "sample").exists()  # the subset builds kept sample's kits listed


def test_with_no_manifest_a_full_build_prunes_nothing(tmp_path):
    models, out = _project(tmp_path, sample=False, translation=False), tmp_path / "kits"
    stale = out / "removed-model" / "removed-model-guide-a4.pdf"  # a kits folder from before the manifest
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-old")
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    assert stale.read_bytes() == b"%PDF-old"
    assert len(json.loads((out / MANIFEST).read_text())) == 8


def test_a_manifest_never_reaches_outside_the_folder_or_into_the_packs(tmp_path):
    out = tmp_path / "kits"
    victims = [tmp_path / "outside.pdf", out / "packs" / "mine-pack-a4.pdf", out / "own" / "own.txt", out / "top.pdf"]
    for victim in victims:
        victim.parent.mkdir(parents=True, exist_ok=True)
        victim.write_bytes(b"keep")
    listed = ["../outside.pdf", str(tmp_path / "outside.pdf"), "packs/mine-pack-a4.pdf", "own/own.txt", "top.pdf",
              "gone/gone-guide-a4.pdf", 42]
    (out / "gone").mkdir()
    (out / "gone" / "gone-guide-a4.pdf").write_bytes(b"%PDF-")
    (out / MANIFEST).write_text(json.dumps(listed))
    assert build([], out, full=True) == []
    assert all(victim.read_bytes() == b"keep" for victim in victims)
    assert not (out / "gone").exists()
    assert (out / MANIFEST).read_text() == "[]\n"


def test_a_model_or_language_given_twice_is_built_once(tmp_path):
    result = build_kits("--model", TRANSLATED, "--model", TRANSLATED, "--lang", LANGUAGE, "--lang", LANGUAGE, "--kit", "guide",
                        "--paper", "a4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Built 1 kits for 1 models")
    assert sorted(_files(tmp_path)) == [MANIFEST, f"{TRANSLATED}/{TRANSLATED}-guide-a4.{LANGUAGE}.pdf"]


def test_unknown_model_kit_or_paper_is_one_line_and_exit_2(tmp_path):
    for args, words in (
        (["--model", "no-such-model"], "unknown model 'no-such-model'"),
        (["--kit", "poster"], "unknown kit 'poster' (choose from: worksheet, cards, checklist, guide)"),
        (["--paper", "a3"], "unknown paper 'a3' (choose from: a4, letter)"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ):
        result = build_kits(*args, "--out", str(tmp_path))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and words in result.stderr
    assert not list(tmp_path.iterdir())


def test_check_reports_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nsummary: x\nsource: {title: t}\nled_by: coach\nuse_when: []\nstages: []\n")
    result = build_kits("check", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:5:9: led_by: must be one of manager, employee, shared (got 'coach')",
        f"{bad}:6:11: use_when: must have at least one item",
        f"{bad}:7:9: stages: must have at least one item",
    ]


def test_check_passes_on_the_shipped_models():
    result = build_kits("check")
    assert result.returncode == 0, result.stderr
    assert f"{len(MODEL_FILES) + len(TRANSLATION_FILES)} model files OK" in result.stderr


def test_an_invalid_model_leaves_existing_kits_untouched(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(MODEL_FILES[0], models)
    out = tmp_path / "kits"
    assert build_kits("--models", str(models), "--kit", "guide", "--out", str(out), "--quiet").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (models / "broken.yaml").write_text("id: broken\n")
    result = build_kits("--models", str(models), "--kit", "guide", "--out", str(out))
    assert result.returncode == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    assert build_kits("new", "team-talk", "--models", str(tmp_path)).returncode == 0
    again = build_kits("new", "team-talk", "--models", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = build_kits("new", "Team Talk", "--models", str(tmp_path))
    assert bad.returncode == 2 and "lowercase letters" in bad.stderr
    assert build_kits("check", str(tmp_path)).returncode == 0


def test_check_reports_problems_of_every_file_given(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(f"id: {name}\n")
    result = build_kits("check", str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml"))
    assert result.returncode == 1
    assert "one.yaml:1:1" in result.stderr and "two.yaml:1:1" in result.stderr
