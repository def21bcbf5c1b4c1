"""Shared fixtures: the site (with its kits) is built once per test run and shared by the xdist workers."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bs4 import BeautifulSoup
from filelock import FileLock

from coachbook.kits.cache import CACHE_TAG
from coachbook.kits.catalog import KIT_PAPERS, PAPERS, PRACTICE, model_kit_papers
from coachbook.model.loader import load_model, translation_language
from coachbook.project import DEFAULT_CACHE
from coachbook.text import normalized, plain_text

REPO = Path(__file__).resolve().parent.parent


def original_model_files(folder: Path) -> list[Path]:
    """The model files of a folder that are originals: translations live in `<lang>/` subfolders."""
    return sorted(folder.glob("*.yaml"))


def translation_files(folder: Path) -> list[Path]:
    """The translation files (`<lang>/<id>.yaml`) of a folder."""
    return sorted(path for path in folder.glob("*/*.yaml") if translation_language(path) is not None)


MODEL_FILES = original_model_files(REPO / "models")
MODEL_IDS = [path.stem for path in MODEL_FILES]
TRANSLATION_FILES = translation_files(REPO / "models")
TRANSLATIONS = [(path.stem, translation_language(path)) for path in TRANSLATION_FILES]
"""(model id, language) of every shipped translation."""

# The smallest valid model, for tests that break it one way at a time.
VALID = textwrap.dedent("""\
    id: sample
    title: Sample talk
    summary: A short talk.
    source:
      title: Our own
    led_by: manager
    use_when:
      - Always
    stages:
      - id: talk
        title: Talk
        when: during
        steps:
          - id: open
            title: Open
            purpose: Start well.
            questions:
              - text: How are you?
                asked_by: manager
    """)

PLAIN_KIT_PAPERS = tuple((kit, paper) for kit, paper in KIT_PAPERS if kit != PRACTICE)
"""The kit files of a model without practice scenarios, such as VALID: every kit but the practice kit."""
PLAIN_KITS_AND_PACKS = len(PLAIN_KIT_PAPERS) + len(PAPERS)
"""The PDFs a site offers for a model without practice scenarios: each kit on its papers (the deck once), a pack per paper."""


@functools.cache
def shipped_kit_papers(model_id: str) -> tuple[tuple[str, str], ...]:
    """The kit files of a shipped model: the practice kit too when it has scenarios."""
    return model_kit_papers(load_model(REPO / "models" / f"{model_id}.yaml"))


def shipped_kits_and_packs(model_id: str) -> int:
    """The PDFs the site offers for a shipped model: its kits and a pack per paper."""
    return len(shipped_kit_papers(model_id)) + len(PAPERS)


CHECKED_OUT = 1_767_225_600
"""The modification time of the model files tests write (2026-01-01), as of one checkout (see write_model)."""


def write_model(path: Path, text: str) -> Path:
    """Writes a model file dated CHECKED_OUT. A kit's date is its model file's time and part of its cache key: tests
    that write the same model share its kits through the run's kit cache, rendered once, not once a test."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, (CHECKED_OUT, CHECKED_OUT))
    return path


def page_text(path: Path) -> str:
    """The normalized text of a page's article, as a reader sees it (navigation excluded)."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return normalized(soup.select_one("article").get_text())


def missing_texts(texts, haystack: str) -> list[str]:
    """The model texts (inline Markdown) not found in a normalized haystack."""
    return [text for text in texts if normalized(plain_text(text)) not in haystack]


def run_page_texts(step) -> list[str]:
    """The texts of a step that its conversation mode shows: title, purpose, questions with their follow-ups,
    and (folded) guidance, phrases, pitfalls and checklist."""
    return [step.title, step.purpose, *([step.guidance] if step.guidance else []),
            *[text for question in step.questions for text in (question.text, *question.follow_ups)],
            *step.phrases, *step.pitfalls, *step.checklist]


def command_env(**env: str | None) -> dict[str, str]:
    """The environment of a command run as a user would, plus `env` (a None unsets a variable).

    PYTHONPATH starts with this repository: the installed coachbook may be another checkout's (an
    editable install), and a command run from a project copy would import that one.
    """
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return {name: value for name, value in environment.items() if value is not None}


def run(args: list[str], cwd: Path, **env: str | None) -> subprocess.CompletedProcess:
    """Run a command as a user would, from `cwd`, capturing its output; a None in `env` unsets it."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=command_env(**env), timeout=900)


def mkdocs(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "mkdocs", *args], cwd)


def cli(*args: str, cwd: Path = REPO, prog: str = "coachbook", **env: str | None) -> subprocess.CompletedProcess:
    """The command line (`main`) run in this process as `prog`, from `cwd`, its output captured; a None in `env`
    unsets it. A process start costs a second; the console command itself is proven by a few tests in test_cli."""
    from coachbook.cli.main import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(stdout), redirect_stderr(stderr):
        patch.chdir(cwd)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        for name, value in env.items():
            patch.delenv(name, raising=False) if value is None else patch.setenv(name, value)
        try:
            status = main([os.fspath(arg) for arg in args], prog=prog)
        except SystemExit as exit:  # --help and --version: argparse exits
            status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    return subprocess.CompletedProcess([prog, *args], status, stdout.getvalue(), stderr.getvalue())


def build_kits(*args: str, cwd: Path = REPO, **env: str | None) -> subprocess.CompletedProcess:
    """`python build_kits.py ...`, run in this process; in a new one when `env` sets PYTHONPATH, whose
    sitecustomize (`exploding_render_env`) only a new interpreter runs."""
    if "PYTHONPATH" in env:
        return run([sys.executable, str(REPO / "build_kits.py"), *args], cwd, **env)
    return cli(*args, cwd=cwd, prog="build_kits.py", **env)


# A model whose kits fail to render in a process started with `exploding_render_env`.
EXPLODING_MODEL = "explodes"
EXPLOSION = "RuntimeError: template exploded"

# Installed as sitecustomize: wraps coachbook.kits.document._environment as soon as coachbook.kits.document is imported (by
# the command, or by a spawned worker, which inherits PYTHONPATH), so every kit template rendered for the
# model EXPLODING_MODEL raises. Importing coachbook here instead would find the installed copy, not the
# one the command runs: the script's folder is not on sys.path yet.
_EXPLODING_SITECUSTOMIZE = textwrap.dedent("""\
    import functools
    import importlib.abc
    import importlib.machinery
    import sys


    def _exploding(template):
        if getattr(template, "explodes", False):  # Jinja hands out the same template again
            return template
        render = template.render

        def exploding_render(*args, **context):
            model = context.get("model")
            if model is not None and model.id == %(model)r:
                raise RuntimeError("template exploded")
            return render(*args, **context)

        template.render, template.explodes = exploding_render, True
        return template


    def _exploding_environment(env):
        get_template = env.get_template
        env.get_template = lambda *args, **kwargs: _exploding(get_template(*args, **kwargs))
        return env


    class _PatchKits(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "coachbook.kits.document":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            exec_module = spec.loader.exec_module

            def patched_exec_module(module):
                exec_module(module)
                module._environment = functools.cache(lambda language, original=module._environment:
                                                      _exploding_environment(original(language)))

            spec.loader.exec_module = patched_exec_module
            return spec


    sys.meta_path.insert(0, _PatchKits())
    """) % {"model": EXPLODING_MODEL}


def write_exploding_model(folder: Path) -> Path:
    """A valid model with the id EXPLODING_MODEL in `folder`."""
    path = folder / f"{EXPLODING_MODEL}.yaml"
    path.write_text(VALID.replace("id: sample", f"id: {EXPLODING_MODEL}"), encoding="utf-8")
    return path


@pytest.fixture
def exploding_render_env(tmp_path_factory) -> dict[str, str]:
    """Environment variables for a subprocess (`run`, `build_kits`, `mkdocs`) in which every kit or pack of
    the model EXPLODING_MODEL fails to render with EXPLOSION, in the command and in its worker processes.

    Usage: `write_exploding_model(models_folder)`, then `build_kits(..., **exploding_render_env)`.
    """
    folder = tmp_path_factory.mktemp("exploding-render")
    (folder / "sitecustomize.py").write_text(_EXPLODING_SITECUSTOMIZE, encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


SLOW_FIXTURES = {"built_site", "offline_site", "hostile_site", "zensical_site", "kits_dir", "hook_repository"}
"""Session fixtures that build a whole site, every kit, or a hook environment: minutes for the first test to ask."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Marks `browser` (a test in Chromium) and `slow` (a test on a session build) from the fixtures a test uses,
    so that no such test goes unmarked; keeps a module's tests on one xdist worker (--dist loadgroup) when they
    share a module-scoped fixture, which is a build each worker would make again; and runs the tests on the
    session's big builds last, so that the workers have other tests to run while `builds_ahead` makes them."""
    late_groups = set()
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = [definition for chain in (fixtures.name2fixturedefs.values() if fixtures else ())
                       for definition in chain]
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
        if any(definition.scope == "module" for definition in definitions):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
        if SLOW_FIXTURES & set(item.fixturenames):  # all of them: the site's build fills the kit cache the others read
            late_groups.add(_group(item))
    # Within each part, the biggest groups first and single tests last, so that the two workers finish together
    # instead of one running a module's group alone at the end. xdist keeps this order (--no-loadscope-reorder in
    # pyproject's addopts; its own reordering, biggest group first over the whole run, would start with the groups
    # that wait for the session's builds).
    sizes = Counter(_group(item) for item in items)
    items.sort(key=lambda item: (_group(item) in late_groups, -sizes[_group(item)]))  # stable: a group's order stays


def _group(item) -> str:
    """What xdist sends to one worker together: the item's group, or the item alone."""
    group = item.get_closest_marker("xdist_group")
    return group.args[0] if group else item.nodeid


SESSION_SITE_URL = "http://playbook.test/playbook/"
"""The session site's `site_url`: a sub-path, as on an intranet. Fixed, not the address a test serves it at (a free
port), so that its kits (whose QR codes carry it) are the same every run: .ci/run renders them into the kit cache
before the tests (a test checks that it uses this address). A `.test` host resolves nowhere: a page that fetched
from its site_url instead of its own origin would fail, and a test's `Traffic` reports it as another host."""


@dataclass(frozen=True)
class BuiltSite:
    root: Path
    log: str
    url: str
    """Its `site_url` (SESSION_SITE_URL), which its full addresses carry: QR codes, language links, calendar events."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_folder(tmp_path_factory) -> Path:
    """The temporary folder of this run that every xdist worker shares (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def kit_cache_folder(tmp_path_factory) -> Path:
    """The one kit cache of this run, shared by every build of every xdist worker (it is safe for concurrent builds).

    It starts with the kits the README's build command left in the repository's cache (`.cache/coachbook`), if
    any: CI runs that build first, and its kits are the session site's. Each entry's key covers everything its
    bytes depend on, the code included, so an entry of other code is never used. A copy (hard links where the
    file system allows): the tests never write into the repository's cache.
    """
    shared = shared_folder(tmp_path_factory)
    cache = shared / "kit-cache"
    with FileLock(shared / "kit-cache.lock"):
        if not cache.exists():
            readme_build = REPO / DEFAULT_CACHE
            if (readme_build / CACHE_TAG).is_file():
                shutil.copytree(readme_build, cache, copy_function=_linked_or_copied,
                                ignore=lambda folder, names: [name for name in names if not _CACHE_ENTRY.fullmatch(name)])
            else:
                cache.mkdir()
    return cache


_CACHE_ENTRY = re.compile(r"[0-9a-f]{2}|[0-9a-f]{64}\.(pdf|sha256)|" + re.escape(CACHE_TAG))
"""The names of a kit cache's folders, entries and tag: not the temporary files of a write under way."""


def _linked_or_copied(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


_STARTING_ENVIRONMENT = dict(os.environ)
"""The environment the run started with. Session builds run from it: they may start in a background thread while a
test of the same process changes os.environ for a command it runs in process."""


def session_command(args: list[str], cwd: Path, cache: Path, **env: str | None) -> subprocess.CompletedProcess:
    """A command of a session build, as `run`, but from the starting environment and with the run's kit cache."""
    environment = {**_STARTING_ENVIRONMENT, "NO_MKDOCS_2_WARNING": "1", "COACHBOOK_CACHE_DIR": str(cache), **env}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=environment, timeout=900)


def built_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> tuple[Path, object]:
    """`build(folder)` run once for every xdist worker of this run; the folder and what `build` returned (JSON).

    The first worker to ask builds under a file lock while the others wait, then read what it wrote.
    A build that failed fails the same way, with its message, in every worker that asks for it.
    """
    shared = shared_folder(tmp_path_factory)
    folder, outcome = shared / name, shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if not outcome.exists():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            try:
                outcome.write_text(json.dumps({"value": build(folder)}), encoding="utf-8")
            except BaseException as error:
                outcome.write_text(json.dumps({"error": f"{type(error).__name__}: {error}"}), encoding="utf-8")
                raise
        written = json.loads(outcome.read_text(encoding="utf-8"))
    if "error" in written:
        pytest.fail(f"the build {name!r} failed (in another worker): {written['error']}", pytrace=False)
    return folder, written["value"]


SITE_ADDRESS = "coachbook_site_url"
"""The key under which xdist's controller hands its workers the address it serves the session's site at."""
_served_url: str | None = None
"""In an xdist worker: where the controller serves the session's site (None: this process serves it itself)."""


@pytest.hookimpl(trylast=True)  # after pytest's own, which makes the temporary folders
def pytest_configure(config):
    """Under xdist, the controller serves the session's site for every worker, from the run's start to its end.

    A server in each worker, sharing the port, closed with the first worker to finish, and the kernel reset the
    connections it had queued for it: the other worker's last pages lost a file now and then."""
    global _served_url
    if hasattr(config, "workerinput"):
        _served_url = config.workerinput.get(SITE_ADDRESS)
    elif config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None):
        from browser import serve

        root = config._tmp_path_factory.getbasetemp() / "built_site" / "site"  # `shared_folder` of the workers
        served = contextlib.ExitStack()
        config.coachbook_site_url = served.enter_context(
            serve(root, f"http://127.0.0.1:{free_port()}{urlsplit(SESSION_SITE_URL).path}"))
        config.add_cleanup(served.close)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller tells each worker where the site is served."""
    url = getattr(node.config, "coachbook_site_url", None)
    if url:
        node.workerinput[SITE_ADDRESS] = url


def _build_site(folder: Path, cache: Path) -> dict[str, str]:
    result = session_command([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site")],
                             REPO, cache, SITE_URL=SESSION_SITE_URL)
    assert result.returncode == 0, result.stderr
    return {"log": result.stderr, "url": SESSION_SITE_URL}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """`mkdocs build --strict` of the repository, kits included, into a temporary folder."""
    folder, built = session_build(tmp_path_factory, "built_site")
    return BuiltSite(folder / "site", built["log"], built["url"])


def _build_offline(project: Path, cache: Path) -> None:
    for name in ("mkdocs.yml", "content", "overrides", "sequences"):
        source = REPO / name
        shutil.copytree(source, project / name) if source.is_dir() else shutil.copy(source, project / name)
    (project / "models").mkdir()
    for model in (REPO / "models").glob("*.yaml"):
        shutil.copy2(model, project / "models")  # its time dates its kits: the checkout's, as in the run's kit cache
    result = session_command([sys.executable, "-m", "mkdocs", "build", "--strict"], project, cache, OFFLINE="true",
                             SITE_URL=None)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory) -> Path:
    """`OFFLINE=true mkdocs build --strict` of the repository's project (originals and sequences), as for a file share.

    Without the translations: on file:// the theme's language switch fetches each language's sitemap, which a
    file:// page may not; that is not ours to test.
    """
    return session_build(tmp_path_factory, "offline_site")[0] / "site"


@pytest.fixture(scope="session", autouse=True)
def shared_kit_cache(tmp_path_factory):
    """One kit cache for every build of the run, in every xdist worker: each model's kits are rendered once
    (the cache is safe for concurrent builds).

    Tests about rendering itself turn it off with COACHBOOK_CACHE_DIR="".
    """
    cache = kit_cache_folder(tmp_path_factory)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COACHBOOK_CACHE_DIR", str(cache))
        yield


@pytest.fixture(scope="session", autouse=True)
def shared_pdf_texts(tmp_path_factory):
    """The texts of the PDFs the tests read, extracted by whichever worker reads a PDF first (see pdf_texts)."""
    import pdf_texts

    pdf_texts.shared_folder = shared_folder(tmp_path_factory) / "pdf-texts"
    pdf_texts.shared_folder.mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def models():
    return {path.stem: load_model(path) for path in MODEL_FILES}


def with_plugin_options(project: Path, *options: str) -> None:
    """Adds `coachbook` plugin options (`"kits: false"`) to the mkdocs.yml copied from the repository into `project`."""
    config = project / "mkdocs.yml"
    added = "".join(f"      {option}\n" for option in options)
    config.write_text(config.read_text(encoding="utf-8").replace("      models_dir: [models]\n",
                                                                 "      models_dir: [models]\n" + added, 1),
                      encoding="utf-8")


def copy_site_project(folder: Path, precompress: bool = False) -> Path:
    """A copy of the repository's site project (config, content, one model) in `folder`.

    Its builds write no compressed copies unless asked (`precompress`): a second or two of brotli per build, over
    the suite's many builds, and only the tests of the copies and of whole builds' files look at them.
    """
    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        elif source.exists():
            shutil.copy(source, folder / name)
    if not precompress:
        with_plugin_options(folder, "precompress: false")
    (folder / "models").mkdir()
    # With its modification time, which dates its kits (a new one would make them new kits, rendered again): the
    # builds of the copies take its kits from the run's kit cache, as the session's site build left them.
    shutil.copy2(MODEL_FILES[0], folder / "models")
    return folder


def kitless_site(project: Path, model: dict) -> Path:
    """The repository's site project with `model` as its one model and kits off (for speed), built in `project` with
    `mkdocs build --strict`; the built site."""
    from hostile import dump_yaml

    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        shutil.copytree(source, project / name) if source.is_dir() else shutil.copy(source, project / name)
    (project / "models").mkdir()
    (project / "models" / f"{model['id']}.yaml").write_text(dump_yaml(model), encoding="utf-8")
    with_plugin_options(project, "kits: false", "precompress: false")
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    return project / "site"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the repository's site project (config, content, one model) to change freely."""
    return copy_site_project(tmp_path)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright's sync API allows one driver per thread)."""
    from browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def site_url(browser, built_site):
    """The address of the session's site behind one local web server, under its site_url's path (/playbook/) on a free
    port: its pages link relatively, so they work there as at their site_url.

    `browser` comes first: without one, the tests skip before waiting on the site build."""
    from browser import serve

    if _served_url:  # the xdist controller serves it
        yield _served_url
        return
    with serve(built_site.root, f"http://127.0.0.1:{free_port()}{urlsplit(SESSION_SITE_URL).path}") as url:
        yield url


@pytest.fixture(scope="session")
def contexts(browser, site_url):
    """A browser context per device, shared by the session (each new one costs half a second)."""
    from browser import DESKTOP, PHONE, RECORD_CSP_VIOLATIONS

    made = {
        "desktop": browser.new_context(viewport=DESKTOP, base_url=site_url),
        "dark": browser.new_context(viewport=DESKTOP, base_url=site_url, color_scheme="dark"),
        "phone": browser.new_context(
            viewport=PHONE, base_url=site_url, is_mobile=True, has_touch=True, device_scale_factor=2
        ),
    }
    for context in made.values():
        context.add_init_script(RECORD_CSP_VIOLATIONS)
    yield made
    for context in made.values():
        context.close()


@pytest.fixture
def open_page(contexts):
    """Open a site path in a new page of a device's context; returns the page and its recorded traffic.

    `clock`: install Playwright's fake clock, set to this time, before the page loads (tests that move time on).
    """
    from browser import Traffic

    pages = []

    def open_(path: str, device: str = "desktop", wait_until: str = "load", clock: datetime | None = None):
        page = contexts[device].new_page()
        pages.append(page)
        traffic = Traffic()
        traffic.watch(page)
        if clock is not None:
            page.clock.install(time=clock)
        response = page.goto(path, wait_until=wait_until)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        return page, traffic

    yield open_
    for page in pages:
        page.close()


def _build_hostile(project: Path, cache: Path) -> None:
    from hostile import HOSTILE_BRANDING, dump_yaml, hostile_model, hostile_sequence

    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        shutil.copytree(source, project / name) if source.is_dir() else shutil.copy(source, project / name)
    (project / "models" / "de").mkdir(parents=True)
    (project / "models" / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    (project / "models" / "de" / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile", 5)[0]), encoding="utf-8")
    (project / "sequences").mkdir()
    (project / "sequences" / "hostile.yaml").write_text(dump_yaml(hostile_sequence("hostile", "hostile")[0]),
                                                        encoding="utf-8")
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    branding = "".join(f"      {name}: {json.dumps(value)}\n" for name, value in HOSTILE_BRANDING.items())
    config = config.replace("      models_dir: [models]\n", "      models_dir: [models]\n" + branding, 1)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = session_command([sys.executable, "-m", "mkdocs", "build", "--strict"], project, cache,
                             SITE_URL="https://intranet.example.org/playbook/")
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    """`mkdocs build --strict` of a project whose model, translation, sequence and branding are hostile in every text."""
    return session_build(tmp_path_factory, "hostile_site")[0] / "site"


BUILT_AHEAD = {"built_site": _build_site, "offline_site": _build_offline, "hostile_site": _build_hostile}
"""Session builds by fixture, in the order `builds_ahead` makes them: the site first, as it fills the kit cache."""


def build_ahead(fixture: str):
    """Registers `build(folder, cache)` as the session build of a test module's `fixture`: `builds_ahead` makes it
    after this file's, and the fixture returns `session_build(tmp_path_factory, fixture)`."""

    def register(build):
        BUILT_AHEAD[fixture] = build
        return build

    return register


def session_build(tmp_path_factory, fixture: str) -> tuple[Path, object]:
    cache = kit_cache_folder(tmp_path_factory)
    return built_once(tmp_path_factory, fixture, functools.partial(BUILT_AHEAD[fixture], cache=cache))


@pytest.fixture(scope="session", autouse=True)
def builds_ahead(request, tmp_path_factory):
    """Makes the session builds that this run's tests need in a background thread of one worker, which meanwhile
    runs the tests that need none (they come first: see pytest_collection_modifyitems), instead of one worker
    waiting for the other's build."""
    needed = [fixture for fixture in BUILT_AHEAD if any(fixture in item.fixturenames for item in request.session.items)]
    try:
        os.close(os.open(shared_folder(tmp_path_factory) / "builds-ahead", os.O_CREAT | os.O_EXCL))
    except FileExistsError:  # another worker makes them
        needed = []

    def build_all() -> None:
        for fixture in needed:
            try:
                session_build(tmp_path_factory, fixture)
            except BaseException:  # recorded by built_once: the fixture reports it in the test that asks
                pass

    builder = threading.Thread(target=build_all, name="builds-ahead", daemon=True)
    builder.start()
    yield
    builder.join()


def pytest_terminal_summary(terminalreporter):
    """The chooser's accuracy tables (tests/test_chooser_accuracy.py) at the end of the run, so that CI's output shows
    the numbers, also from xdist workers (whose output is otherwise kept only for failures)."""
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(report, "user_properties", ()):
                if name == "chooser_accuracy":
                    terminalreporter.write_line(f"{report.nodeid}:\n{value}\n")

