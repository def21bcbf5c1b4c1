"""`site_url` is validated once, by the project model, for every front end: http(s) only, no space or control character."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import cli, run

ENV_LINE = "site_url: !ENV [SITE_URL]"  # line 5 of the repository's mkdocs.yml; the value starts at column 11
PLACE = "mkdocs.yml:5:11: site_url: "

# (how it is written in mkdocs.yml, the SITE_URL variable): a CR/LF would start an `ATTENDEE:` line in every
# event of a calendar file; the others reach the canonical link, the sitemap and the calendar's `URL:`.
BAD = {
    "quoted CR LF": ('site_url: "https://example.org/\\r\\nATTENDEE:mailto:x@example.org"', None),
    "CR LF from !ENV": (ENV_LINE, "https://example.org/\r\nATTENDEE:mailto:x@example.org"),
    "javascript": (ENV_LINE, "javascript:alert(1)"),
    "javascript with a host": (ENV_LINE, "javascript://example.org/%0aalert(1)"),
    "ftp": (ENV_LINE, "ftp://example.org/playbook/"),
    "vertical tab": ('site_url: "https://example.org/\\vplaybook/"', None),
    "not text": ("site_url: [https://example.org/]", None),
}
MKDOCS_REFUSES = {"javascript", "not text"}  # MkDocs' own check (a scheme and a host) runs before any plugin
# The commands that read mkdocs.yml (pack and build stop at the config, before any model or kit).
COMMANDS = {
    "check": ["check"],
    "build": ["build", "--out", "kits"],
    "pack": ["pack", "--model", "x", "--out", "pack.pdf"],
    "new": ["new", "fresh-model"],
}


def _configure(project: Path, line: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert text.splitlines()[4] == ENV_LINE
    config.write_text(text.replace(ENV_LINE, line, 1), encoding="utf-8")


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.mark.parametrize("case", BAD)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_bad_site_url_in_one_line(project, command, case):
    line, variable = BAD[case]
    _configure(project, line)
    before = _files(project)
    result = cli(*COMMANDS[command], cwd=project, SITE_URL=variable)
    assert result.returncode == 2, result.stderr
    assert _one_line(result.stderr).startswith(PLACE + "must be an http(s) address"), result.stderr
    assert _files(project) == before  # `new` wrote no model and no schema copy


@pytest.mark.parametrize("case", BAD)
def test_zensical_refuses_a_bad_site_url_before_building(project, case):
    pytest.importorskip("zensical")
    line, variable = BAD[case]
    _configure(project, line)
    result = cli("zensical", cwd=project, SITE_URL=variable)
    assert result.returncode == 2, result.stderr + result.stdout
    assert _one_line(result.stderr).startswith(PLACE), result.stderr
    assert not (project / "site").exists()


@pytest.mark.parametrize("case", BAD)
def test_mkdocs_refuses_a_bad_site_url(project, case):
    line, variable = BAD[case]
    _configure(project, line)
    result = run([sys.executable, "-m", "mkdocs", "build"], project, SITE_URL=variable)
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()
    if case not in MKDOCS_REFUSES:
        # MkDocs takes these (it strips CR and LF): the project model refuses them, as for every other front end.
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        assert len(errors) == 1 and PLACE + "must be an http(s) address" in errors[0], result.stderr
    else:  # MkDocs refuses these itself, before any plugin loads: its own line, exit 1
        assert result.returncode == 1, result.stderr
        assert "Config value 'site_url'" in result.stderr, result.stderr


@pytest.mark.parametrize("url", ["https://example.org/playbook/", "http://127.0.0.1:8000/", ""])
def test_a_good_site_url_or_none_passes(project, url):
    result = cli("check", cwd=project, SITE_URL=url)
    assert result.returncode == 0, result.stderr


def test_a_bad_site_url_in_a_parent_config_names_that_file(project):
    (project / "base.yml").write_text('site_name: Base\nsite_url: "javascript:alert(1)"\n', encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text("INHERIT: base.yml\n" + config.read_text(encoding="utf-8").replace(ENV_LINE + "\n", ""),
                      encoding="utf-8")
    result = cli("check", cwd=project)
    assert result.returncode == 2
    assert _one_line(result.stderr).startswith("base.yml:2:11: site_url: "), result.stderr

