"""A kits folder with symlinks inside: a build neither writes nor deletes through them (issue 28, finding 1)."""

from __future__ import annotations

import hashlib
import json

from coachbook.kits.output import MANIFEST

from conftest import VALID, build_kits, write_model

MODEL = "sample"


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _models(tmp_path):
    models = tmp_path / "project" / "models"
    models.mkdir(parents=True)
    write_model(models / f"{MODEL}.yaml", VALID)  # its kits rendered once a run: these tests are about the files
    return models


def _victim(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "report.pdf").write_bytes(b"%PDF-the user's report")
    (victim / "notes.txt").write_text("mine")
    return victim, _snapshot(victim)


def test_a_manifest_entry_reached_through_a_symlink_is_refused_and_the_victim_kept(tmp_path):
    models, out = _models(tmp_path), tmp_path / "project" / "kits"
    victim, before = _victim(tmp_path)
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    (out / "x").symlink_to(victim)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["kits"]["x/report.pdf"] = hashlib.sha256((victim / "report.pdf").read_bytes()).hexdigest()
    (out / MANIFEST).write_text(json.dumps(manifest))
    kits = _snapshot(out)
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert f"{out / 'x'}: a symlink inside" in lines[0] or "kits/x: a symlink inside" in lines[0], lines
    assert _snapshot(victim) == before
    assert _snapshot(out) == kits  # nothing else touched either


def test_an_old_manifest_without_checksums_deletes_nothing(tmp_path):
    models, out = _models(tmp_path), tmp_path / "kits"
    mine = out / "gone" / "gone-guide-a4.pdf"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"%PDF-a file of mine that happens to carry the name")
    (out / MANIFEST).write_text(json.dumps(["gone/gone-guide-a4.pdf"]))
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert mine.read_bytes() == b"%PDF-a file of mine that happens to carry the name"
    assert "gone/gone-guide-a4.pdf" not in json.loads((out / MANIFEST).read_text())["kits"]


def test_a_listed_kit_the_user_has_replaced_is_kept(tmp_path):
    models, out = _models(tmp_path), tmp_path / "kits"
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    guide = out / MODEL / f"{MODEL}-guide-a4.pdf"
    guide.write_bytes(b"%PDF-my own edited guide")
    (models / f"{MODEL}.yaml").unlink()
    write_model(models / "other.yaml", VALID.replace(f"id: {MODEL}", "id: other"))
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / MODEL).iterdir()) == [guide.name]  # the other seven, ours, are gone
    assert guide.read_bytes() == b"%PDF-my own edited guide"


def test_a_symlinked_model_folder_is_refused_and_nothing_written_into_its_target(tmp_path):
    models, out = _models(tmp_path), tmp_path / "kits"
    elsewhere, before = _victim(tmp_path)
    out.mkdir()
    (out / MODEL).symlink_to(elsewhere)
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith("Nothing was written or deleted"), lines
    assert f"/{MODEL}: a symlink inside" in lines[0]
    assert _snapshot(elsewhere) == before
    assert sorted(p.name for p in out.iterdir()) == [MODEL]  # not even a manifest
