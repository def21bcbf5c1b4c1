"""`mkdocs serve` survives mistakes: a broken model is reported with its position, in the terminal and on top of
every page of the last good site it keeps serving, and saving a fix rebuilds and reloads. A real server, on a free
loopback port."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from coachbook.i18n import messages
from conftest import shipped_kit_papers, MODEL_FILES, MODEL_IDS, command_env, free_port, mkdocs

WAIT = 60  # seconds: the longest we wait for anything the server does
MODEL = MODEL_IDS[0]  # the one model of the `project` fixture
# Direct to the loopback server, whatever proxy the environment sets.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
HOSTILE = "</div><script>alert(1)</script>"  # a value a banner must show as text
# MkDocs injects this call (build epoch, request id) into every page it serves.
LIVERELOAD = re.compile(r"livereload\((\d+), (\d+)\);")


class Server:
    """`mkdocs serve` of a project, live reload on, as a user runs it; its stderr collected line by line."""

    def __init__(self, project: Path):
        self.url = f"http://127.0.0.1:{free_port()}/"
        # --no-strict: the project's mkdocs.yml is strict, and without kits the home page's link to
        # kits.md is a warning.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--no-strict", "--dev-addr", self.url[len("http://"):-1]],
            cwd=project, env=command_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        # A thread drains stderr, so that the server never blocks on a full pipe.
        threading.Thread(target=lambda: self.log.extend(line.rstrip("\n") for line in self.process.stderr),
                         daemon=True).start()

    def get(self, path: str) -> tuple[int, str]:
        """Status and text of a GET; a page request waits while MkDocs builds, hence the timeout."""
        try:
            with HTTP.open(self.url + path, timeout=WAIT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def wait_for(self, condition, what: str):
        """The first truthy value of `condition()`, polled until WAIT seconds have passed."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "mkdocs serve exited:\n" + "\n".join(self.log)
            try:
                if value := condition():
                    return value
            except (urllib.error.URLError, ConnectionError):  # not listening yet
                pass
            time.sleep(0.2)
        pytest.fail(f"no {what} within {WAIT} s; mkdocs serve said:\n" + "\n".join(self.log))

    def pdf_text(self, path: str) -> str:
        """The text of a PDF the server answers with ("" while it does not)."""
        try:
            with HTTP.open(self.url + path, timeout=WAIT) as response:
                return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.read())).pages)
        except urllib.error.HTTPError:
            return ""

    def page(self, path: str, containing: str = "") -> str:
        """The page's text, once it answers 200 with `containing` in it."""
        def answer():
            status, text = self.get(path)
            return status == 200 and containing in text and text
        return self.wait_for(answer, f"page {path} with {containing!r}")

    def stop(self) -> None:
        # Ctrl+C, as a user stops it: MkDocs then removes its temporary site folder.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def serving(project: Path, option: str):
    """`mkdocs serve` of the project with one more coachbook option, stopped afterwards."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("models_dir: [models]", f"models_dir: [models]\n      {option}"))
    server = Server(project)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(project):
    with serving(project, "kits: false") as server:  # no kits: a rebuild takes a second instead of rendering PDFs
        yield server


def without_livereload(page: str) -> str:
    return LIVERELOAD.sub("", page)


def problem_banner(page: str | BeautifulSoup):
    """The banner of a failed rebuild on a served page (None without one)."""
    soup = page if isinstance(page, BeautifulSoup) else BeautifulSoup(page, "html.parser")
    return soup.select_one("body > .coachbook-serve-problems[role=alert]")


def logged_message(line: str) -> str:
    """A terminal line's message, without MkDocs' level column (`ERROR    -  `, or its indent on a record's next lines)."""
    return re.sub(r"^([A-Z]+\s+-)?\s+", "", line)


def test_a_broken_model_keeps_the_last_good_site_until_it_is_fixed(server, project):
    model = project / "models" / f"{MODEL}.yaml"
    good = model.read_text(encoding="utf-8")
    page_path = f"models/{MODEL}/"
    before = server.page(page_path)
    lines = good.splitlines(keepends=True)
    title_line = next(number for number, line in enumerate(lines) if line.startswith("title: "))

    # A list where text belongs: the error points at the `[`, after `title: `. And a value that is markup.
    lines[title_line] = "title: [" + lines[title_line][len("title: "):].rstrip("\n") + "]\n"
    led_by_line = next(number for number, line in enumerate(lines) if line.startswith("led_by: "))
    lines[led_by_line] = f"led_by: '{HOSTILE}'\n"
    model.write_text("".join(lines), encoding="utf-8")
    position = f"models/{MODEL}.yaml:{title_line + 1}:8: title: "
    server.wait_for(lambda: any("still serving the last good site" in line for line in server.log), "failed rebuild")
    errors = [line for line in server.log if line.startswith("ERROR")]
    assert len(errors) == 2, server.log
    assert position in errors[0]
    assert "coachbook: the rebuild failed; still serving the last good site" in errors[1]
    # The problems as the terminal shows them: the first on MkDocs' ERROR line, the next indented below it.
    problems = [logged_message(line) for line in server.log[server.log.index(errors[0]):server.log.index(errors[1])]]
    assert len(problems) == 2 and HOSTILE in problems[1], server.log
    assert not [line for line in server.log if "Traceback" in line or "Aborted" in line or "stuck" in line]
    assert server.process.poll() is None
    # The page answers at once, with the last good content under a banner that says why, in the terminal's words.
    status, after = server.get(page_path)
    assert status == 200
    banner_removed = BeautifulSoup(after, "html.parser")
    banner = problem_banner(banner_removed)
    assert banner is not None and banner.parent.find(recursive=False) is banner  # first in the body
    assert [item.get_text() for item in banner.select("li")] == problems  # the markup in them is text
    assert not banner.select("script") and messages("en")["serve"]["note"] in banner.get_text()
    banner.decompose()
    assert without_livereload(str(banner_removed)) == without_livereload(str(BeautifulSoup(before, "html.parser")))
    assert problem_banner(server.page("questions/")) is not None  # every page
    # A build of the same broken project fails with the same lines, and writes nothing: no banner, no site.
    broken_build = mkdocs("build", "--no-strict", cwd=project)
    assert broken_build.returncode == 1 and problems[1] in broken_build.stderr
    assert not (project / "site").exists()

    # The same mistake saved again is reported again (MkDocs logs a build message only once otherwise).
    model.write_text("".join(lines) + "\n", encoding="utf-8")
    server.wait_for(lambda: sum(position in line for line in server.log) == 2, "second report of the mistake")

    # The build a browser shows (a page waits for a running rebuild, so this is the latest one's).
    epoch = int(LIVERELOAD.search(server.page(page_path))[1])
    lines[title_line] = "title: Five-step coaching, saved again\n"
    lines[led_by_line] = good.splitlines(keepends=True)[led_by_line]
    model.write_text("".join(lines), encoding="utf-8")
    # The browser's live reload request: answered with a newer build once the fix is built.
    status, newer = server.get(f"livereload/{epoch}/1")
    assert status == 200 and int(newer) > epoch
    assert problem_banner(server.page(page_path, containing="Five-step coaching, saved again")) is None

    # A build of the fixed project, which the server showed with a banner a moment ago, has none.
    build = mkdocs("build", "--no-strict", cwd=project)
    assert build.returncode == 0, build.stderr
    pages = {page: page.read_text(encoding="utf-8") for page in (project / "site").rglob("*.html")}
    assert "Five-step coaching, saved again" in pages[project / "site" / page_path / "index.html"]
    assert not [page for page, text in pages.items()
                if problem_banner(text) or messages("en")["serve"]["title"] in text]


def test_new_and_deleted_model_files_rebuild_the_site(server, project):
    server.page(f"models/{MODEL}/")
    other = project / "models" / "other-talk.yaml"
    other.write_text(MODEL_FILES[0].read_text(encoding="utf-8").replace(f"id: {MODEL}", "id: other-talk", 1),
                     encoding="utf-8")
    server.page("models/other-talk/")
    other.unlink()
    server.wait_for(lambda: server.get("models/other-talk/")[0] == 404, "removal of the deleted model's page")
    assert not [line for line in server.log if line.startswith("ERROR")]


@pytest.fixture
def kit_server(project):
    with serving(project, "packs: false") as server:  # kits on (the session's kit cache), packs off: fewer to wait for
        yield server


def test_an_edited_models_page_does_not_wait_for_its_kits_which_follow(kit_server, project):
    page_path, worksheet = f"models/{MODEL}/", f"kits/{MODEL}/{MODEL}-worksheet-a4.pdf"
    kit_server.page(page_path)
    assert "Retitled while serving" not in kit_server.pdf_text(worksheet)
    model = project / "models" / f"{MODEL}.yaml"
    model.write_text(re.sub(r"^title: .*$", "title: Retitled while serving", model.read_text(encoding="utf-8"),
                            count=1, flags=re.M), encoding="utf-8")
    kit_server.page(page_path, containing="Retitled while serving")
    # The rebuild that showed the page served the last kits, and said the new ones follow.
    assert any(f"{len(shipped_kit_papers(MODEL))} follow the pages" in line for line in kit_server.log), "\n".join(kit_server.log)
    kit_server.wait_for(lambda: "Retitled while serving" in kit_server.pdf_text(worksheet), "the worksheet's new title")
    assert not [line for line in kit_server.log if line.startswith("ERROR") or "failed" in line], kit_server.log
