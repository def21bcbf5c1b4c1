"""The `coachbook-check` pre-commit hook, run by pre-commit itself against a temporary git repository.

pre-commit installs a hook repository into a virtualenv of its own (pip, with this project's
dependencies): about half a minute with pip's cache. Runs through a `.pre-commit-config.yaml`
share one PRE_COMMIT_HOME for the session, so they install once; `try-repo` installs each time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, TRANSLATIONS, built_once, run
from readme_blocks import readme_block

TRANSLATED, LANGUAGE = TRANSLATIONS[0]
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(folder: Path, *args: str) -> str:
    result = run(["git", *args], folder, **GIT_IDENTITY)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory) -> Path:
    """This checkout as a hook repository, its work tree committed as it is (uncommitted changes included).

    `pre-commit try-repo` on a checkout with changes makes such a copy itself, but a new one each run,
    each installed afresh; one copy for the session is installed once.
    """

    def build(copy: Path) -> None:
        listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
        for name in filter(None, listed):
            if (REPO / name).is_file():  # not a file deleted in the work tree
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, copy / name)
        git(copy, "init", "-q")
        git(copy, "add", "-A")
        git(copy, "commit", "-q", "-m", "the work tree")

    return built_once(tmp_path_factory, "hook-repository", build)[0]


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One home for every xdist worker: pre-commit locks its store, so the hook is installed once per run."""
    return built_once(tmp_path_factory, "pre-commit-home", lambda folder: None)[0]


@pytest.fixture
def project(tmp_path) -> Path:
    """A git repository with a model, its translation, and YAML files that are not models."""
    models = tmp_path / "models"
    (models / LANGUAGE).mkdir(parents=True)
    shutil.copy(REPO / "models" / f"{TRANSLATED}.yaml", models)
    shutil.copy(REPO / "models" / LANGUAGE / f"{TRANSLATED}.yaml", models / LANGUAGE)
    (tmp_path / "mkdocs.yml").write_text("site_name: Not a model\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "agenda.yaml").write_text("- not: a model\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "models")
    return tmp_path


def pre_commit(project: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    result = run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], project,
                 PRE_COMMIT_HOME=str(home), **GIT_IDENTITY, **env)
    assert "An unexpected error has occurred" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def break_led_by(path: Path) -> tuple[int, int]:
    """Make the model's led_by invalid; the (line, column) of the value."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(index for index, line in enumerate(lines) if line.startswith("led_by:"))
    lines[number] = "led_by: coach"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1, len("led_by: ") + 1


def use_hook(project: Path, hook_repository: Path, *options: str) -> None:
    """Configure the project's pre-commit with the coachbook-check hook of `hook_repository`, as a user does."""
    lines = ["repos:", f"  - repo: {hook_repository}", f"    rev: {git(hook_repository, 'rev-parse', 'HEAD')}",
             "    hooks:", "      - id: coachbook-check", *(f"        {option}" for option in options)]
    (project / ".pre-commit-config.yaml").write_text("\n".join(lines) + "\n")
    git(project, "add", "-A")


def test_try_repo_stops_a_broken_model_at_its_line(project, hook_repository, pre_commit_home):
    # try-repo installs into a store of its own every time (PRE_COMMIT_HOME does not apply): one run only.
    line, column = break_led_by(project / "models" / f"{TRANSLATED}.yaml")
    result = pre_commit(project, pre_commit_home, "try-repo", str(hook_repository), "coachbook-check",
                        "--files", f"models/{TRANSLATED}.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "coachbook check" in result.stdout and "Failed" in result.stdout
    assert (f"models/{TRANSLATED}.yaml:{line}:{column}: led_by: must be one of manager, employee, shared (got 'coach')"
            in result.stdout.splitlines())
    assert "Traceback" not in result.stdout


def test_the_hook_checks_changed_models_and_translations_and_no_other_yaml(project, hook_repository, pre_commit_home):
    use_hook(project, hook_repository)
    translation = f"models/{LANGUAGE}/{TRANSLATED}.yaml"
    # The translation alone too: its original, not among the files, is found beside it.
    for files in (["--files", f"models/{TRANSLATED}.yaml", translation], ["--files", translation], ["--all-files"]):
        result = pre_commit(project, pre_commit_home, "run", *files)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "coachbook check" in result.stdout and "Passed" in result.stdout
    # notes/agenda.yaml would fail as a model: it is not one, and is not passed to the hook.
    result = pre_commit(project, pre_commit_home, "run", "--files", "mkdocs.yml", "notes/agenda.yaml")
    assert result.returncode == 0 and "(no files to check)Skipped" in result.stdout, result.stdout

    # A changed sequence is checked too, against every model of the project (none of them is among the files).
    sequence = project / "sequences" / "follow-up.yaml"
    sequence.parent.mkdir()
    sequence.write_text(f"id: follow-up\ntitle: T\nsummary: S\nentries:\n  - model: {TRANSLATED}\n    after_days: 0\n")
    git(project, "add", "-A")
    assert pre_commit(project, pre_commit_home, "run", "--files", "sequences/follow-up.yaml").returncode == 0
    sequence.write_text(sequence.read_text().replace(f"model: {TRANSLATED}", "model: gone"))
    result = pre_commit(project, pre_commit_home, "run", "--files", "sequences/follow-up.yaml")
    assert result.returncode == 1, result.stdout
    assert any(line.startswith("sequences/follow-up.yaml:5:12: entries[0].model: ") for line in result.stdout.splitlines()), result.stdout
    sequence.unlink()

    line, column = break_led_by(project / "models" / f"{TRANSLATED}.yaml")
    expected = (f"models/{TRANSLATED}.yaml:{line}:{column}: led_by: must be one of manager, employee, shared "
                "(got 'coach')")
    for files in (["--files", f"models/{TRANSLATED}.yaml"], ["--all-files"]):
        result = pre_commit(project, pre_commit_home, "run", *files)
        assert result.returncode == 1, result.stdout
        assert "Failed" in result.stdout and expected in result.stdout.splitlines()


def test_the_hook_with_lint_prints_warnings_and_passes(project, hook_repository, pre_commit_home):
    use_hook(project, hook_repository, "args: [--lint]", "verbose: true")
    model = project / "models" / f"{TRANSLATED}.yaml"
    text = model.read_text(encoding="utf-8")
    question = text.index("  - text: ") + len("  - text: ")
    model.write_text(text[:question] + "Tell me about your week." + text[text.index("\n", question):], encoding="utf-8")
    result = pre_commit(project, pre_commit_home, "run", "--files", f"models/{TRANSLATED}.yaml")
    assert result.returncode == 0, result.stdout
    assert "Passed" in result.stdout
    assert f"models/{TRANSLATED}.yaml:" in result.stdout and "does not end with a question mark" in result.stdout


def test_the_readmes_local_hook_works_as_written(project, tmp_path_factory):
    """The README's `.pre-commit-config.yaml`, pasted as it is: the `coachbook` command of this environment."""
    config = readme_block("pre-commit-config")
    [hook] = yaml.safe_load(config)["repos"][0]["hooks"]
    [offered] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    # The same hook as the repository's: the same command, files and single run.
    assert {key: hook.get(key, True) for key in ("id", "entry", "files", "pass_filenames", "require_serial")} == {
        key: offered.get(key, True) for key in ("id", "entry", "files", "pass_filenames", "require_serial")}
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(project, "add", "-A")
    scripts = Path(sys.executable).parent  # where the README's `pip install -e .` put the `coachbook` command
    assert (scripts / "coachbook").is_file(), f"no coachbook command in {scripts}: install this checkout (pip install -e .)"
    home, path = tmp_path_factory.mktemp("pre-commit-local"), f"{scripts}{os.pathsep}{os.environ['PATH']}"
    result = pre_commit(project, home, "run", "--all-files", PATH=path)
    assert result.returncode == 0 and "coachbook check" in result.stdout and "Passed" in result.stdout, result.stdout

    line, column = break_led_by(project / "models" / f"{TRANSLATED}.yaml")
    result = pre_commit(project, home, "run", "--files", f"models/{TRANSLATED}.yaml", PATH=path)
    assert result.returncode == 1 and "Failed" in result.stdout, result.stdout
    assert (f"models/{TRANSLATED}.yaml:{line}:{column}: led_by: must be one of manager, employee, shared (got 'coach')"
            in result.stdout.splitlines())


def test_the_readmes_remote_hook_names_the_offered_hook():
    """The README's example for a hook from a git repository of Coachbook names the hook `.pre-commit-hooks.yaml`
    offers and a commit, not a tag that does not exist (Coachbook publishes none)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Pre-commit hook"):text.index("### Content lint")]
    remote = section[section.index("```yaml\nrepos:\n  - repo: https://"):]
    config = yaml.safe_load(remote.split("\n", 1)[1].split("```", 1)[0])
    [offered] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == [offered["id"]]
    assert len(str(config["repos"][0]["rev"])) == 40
