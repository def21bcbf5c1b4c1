"""A site or kits folder that is, or contains, the project, its docs_dir or a model folder is refused by every front
end, with one line and exit 2, before anything is written or removed (issue 28, finding 3)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import cli, run



def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.skipif(importlib.util.find_spec("zensical") is None, reason="Zensical is not installed")
def test_zensical_refuses_the_project_folder_as_its_site(project):
    before = _snapshot(project)
    result = cli("zensical", "--site-dir", ".", cwd=project)
    assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
    assert result.stderr == "coachbook: error: --site-dir .: is the project folder (.); choose an output folder of its own\n"
    assert _snapshot(project) == before


@pytest.mark.parametrize(("out", "what"), [(".", "is the project folder"), ("models", "is a model folder"),
                                           ("..", "contains the project folder"), ("content", "is its docs_dir")])
def test_build_refuses_an_out_folder_over_the_sources(project, out, what):
    before = _snapshot(project)
    result = cli("build", "--out", out, "--quiet", cwd=project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"coachbook: error: --out {out}: {what} (") and result.stderr.count("\n") == 1
    assert _snapshot(project) == before


def test_mkdocs_refuses_a_site_dir_over_a_model_folder(project):
    config = project / "mkdocs.yml"
    text = config.read_text().replace("docs_dir: content", "docs_dir: content\nsite_dir: public")
    config.write_text(text.replace("models_dir: [models]", "models_dir: [public/models]"))
    (project / "public").mkdir()
    (project / "models").rename(project / "public" / "models")
    before = _snapshot(project)
    result = run([sys.executable, "-m", "mkdocs", "build", "-q"], project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().endswith(
        "site_dir public: contains a model folder (public/models); choose an output folder of its own"), result.stderr
    assert result.stderr.count("\n") == 1
    assert _snapshot(project) == before
