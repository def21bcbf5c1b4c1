"""The package's import structure: no import circle, and the light modules load no WeasyPrint."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import command_env

PACKAGE = Path(__file__).resolve().parent.parent / "coachbook"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(source: str, name: str, modules: set[str], package: bool = False) -> set[str]:
    """The package's modules that the module `name` (of this source) imports at module level, relative ones resolved;
    `package`: an __init__. Those under `if TYPE_CHECKING:` count too: a module that names another's type depends on
    it, and such an import hid a cycle (kits.document named cards.Deck, which imports kits.document)."""
    anchor = name.split(".") if package else name.split(".")[:-1]
    found = set()

    def visit(statements) -> None:
        for node in statements:
            if isinstance(node, ast.If):
                visit([*node.body, *node.orelse])
            elif isinstance(node, ast.Try):
                visit([*node.body, *node.orelse, *node.finalbody, *(s for h in node.handlers for s in h.body)])
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*anchor[:len(anchor) - (node.level - 1)], *([node.module] if node.module else [])])
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)

    visit(ast.parse(source).body)
    return {module for module in found if module in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: module_imports(path.read_text(encoding="utf-8"), name, set(paths), path.name == "__init__.py") - {name}
            for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import circle through each module that is on one, as the modules in order (depth-first search)."""
    found, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                found.append([*trail[trail.index(imported):], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_the_package_has_no_import_circle():
    graph = import_graph()
    assert len(graph) > 30 and graph["coachbook.kits.render"] >= {"coachbook.kits.jobs", "coachbook.kits.layouts"}
    assert cycles(graph) == []


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_relative_imports_are_resolved_and_module_level_ones_count_type_checking_too():
    modules = {"coachbook", "coachbook.kits", "coachbook.kits.catalog", "coachbook.kits.jobs", "coachbook.i18n",
               "coachbook.kits.render", "coachbook.kits.cache", "coachbook.kits.pack"}
    source = ("from . import catalog\nfrom .jobs import KitJob\nfrom ..i18n import messages\nimport coachbook\n"
              "if TYPE_CHECKING:\n    from .render import render_jobs\n"
              "def late():\n    from . import cache\n")
    assert module_imports(source, "coachbook.kits.example", modules) == {
        "coachbook", "coachbook.kits", "coachbook.kits.catalog", "coachbook.kits.jobs", "coachbook.i18n",
        "coachbook.kits.render"}
    assert module_imports("from .pack import x", "coachbook.kits", modules, package=True) == {"coachbook.kits.pack"}


# The only imports inside functions, each with its reason: Zensical is an optional dependency.
LATE_IMPORTS = {
    ("coachbook.cli.main", "_zensical", "coachbook.zensical"),
    ("coachbook.zensical", "_templates", "zensical"),
}


def late_imports(source: str, name: str) -> set[tuple[str, str, str]]:
    """(module, function, what it imports) for every import inside a function of the module `name`."""
    anchor = name.split(".")[:-1]
    found = set()
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found.update((name, function.name, alias.name) for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    base = ".".join([*anchor[:len(anchor) - (node.level - 1)], *([node.module] if node.module else [])]) \
                        if node.level else node.module
                    found.update((name, function.name, base if node.module else f"{base}.{alias.name}")
                                 for alias in node.names)
    return found


def test_no_module_imports_late_but_for_the_known_reasons():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        found |= late_imports(path.read_text(encoding="utf-8"), module_name(path))
    assert found == LATE_IMPORTS


def test_a_late_import_is_found():
    assert late_imports("def f():\n    from .document import kit_pdf\n", "coachbook.kits.jobs") == {
        ("coachbook.kits.jobs", "f", "coachbook.kits.document")}


@pytest.mark.parametrize("module", ["coachbook.kits.catalog", "coachbook.kits.jobs", "coachbook.site.plan",
                                    "coachbook.model.loader", "coachbook.model.lint"])
def test_a_light_module_loads_no_weasyprint(module):
    """The kit catalog, the planners and the model's reading and checks work without WeasyPrint, pango and the
    fonts (a site engine or an editor tool can plan and validate without the renderer installed)."""
    script = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint'))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=command_env(),
                            check=True)
    assert result.stdout.strip() == "[]"


def test_the_rendering_side_does_load_weasyprint():
    """The check above can fail: the module that renders does bring WeasyPrint in."""
    script = "import sys, coachbook.kits.render; print('weasyprint' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=command_env(),
                            check=True)
    assert result.stdout.strip() == "True"
