"""The README's set-up as CI runs it: its marked blocks, the system packages CI installs, and .gitignore for every
folder the README's commands make."""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import REPO, SESSION_SITE_URL
from readme_blocks import readme_block, readme_blocks

CI_RUN = REPO / ".ci" / "run"


def test_ci_runs_the_readmes_venv_build_and_test_blocks_through_the_extractor():
    script = CI_RUN.read_text(encoding="utf-8")
    for name in ("venv", "build", "test"):
        assert readme_block(name).strip()
        assert f'eval "$(readme {name})"' in script, name
    assert 'readme() { python3 tests/readme_blocks.py "$1"; }' in script


def test_ci_renders_the_kits_of_the_session_site_before_the_tests():
    """The session site's kits come from the cache CI fills only if CI builds with the same site_url."""
    script = CI_RUN.read_text(encoding="utf-8")
    assert f"SITE_URL={SESSION_SITE_URL} mkdocs build" in script
    assert script.index(f"SITE_URL={SESSION_SITE_URL}") < script.index('eval "$(readme test)"')


def test_the_venv_block_makes_and_enters_a_virtual_environment_with_python3():
    # Stock Debian and Ubuntu have python3 and no python; every later block runs inside the environment.
    assert readme_block("venv") == "python3 -m venv .venv && . .venv/bin/activate\n"
    for name in ("build", "test", "serve"):
        assert "python3" not in readme_block(name) and not readme_block(name).startswith("sudo")


def test_ci_installs_every_system_package_the_readme_names():
    [command] = readme_block("system-packages").splitlines()
    assert command.startswith("sudo apt-get install ")
    named = command.removeprefix("sudo apt-get install ").split()
    listed = re.search(r"for package in ([^;]+);", CI_RUN.read_text(encoding="utf-8")).group(1).split()
    assert "python3-venv" in named and set(named) <= set(listed), (named, listed)


def test_a_block_marked_twice_is_refused():
    with pytest.raises(ValueError, match="two blocks are marked `block: x`"):
        readme_blocks("<!-- block: x -->\n```sh\na\n```\n<!-- block: x -->\n```sh\nb\n```\n")
    assert readme_blocks("<!-- block: y -->\n```sh\nb\n```\n") == {"y": "b\n"}


@pytest.mark.parametrize("path", [".venv/bin/python", "site/index.html", "playbook-offline/index.html",
                                  "kits/packs/x-pack-a4.pdf", ".cache/coachbook/CACHEDIR.TAG",
                                  ".cache/coachbook-zensical/docs/index.md", ".coachbook-zensical.yml",
                                  ".site.building-1234-k2j8/index.html"])
def test_git_ignores_what_the_readmes_commands_make(path):
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO)
    assert result.returncode == 0, f"{path} is not in .gitignore"
