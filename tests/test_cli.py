"""The `build_kits.py` command: subsets, exit codes and one-line errors."""

from __future__ import annotations

import shutil

from conftest import MODEL_FILES, MODEL_IDS, TRANSLATION_FILES, build_kits


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


def test_a_full_build_removes_kits_of_models_that_are_gone(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(MODEL_FILES[0], models)
    stale = tmp_path / "kits" / "removed-model"
    stale.mkdir(parents=True)
    (stale / "removed-model-guide-a4.pdf").write_bytes(b"%PDF-old")
    result = build_kits("--models", str(models), "--kit", "guide", "--paper", "a4", "--out", str(tmp_path / "kits"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert (tmp_path / "kits" / MODEL_IDS[0] / f"{MODEL_IDS[0]}-guide-a4.pdf").is_file()


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
