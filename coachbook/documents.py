"""Write the site plan into a folder of documents (hand-written pages, generated pages, assets, kits) for any engine."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import UsageError, display_path
from .files import copy_atomically, write_atomically
from .kit_cache import KitCache
from .site import SitePlan, Urls


def hand_written_pages(docs_dir: Path) -> list[str]:
    """The Markdown pages of a docs folder, as source paths."""
    return sorted(path.relative_to(docs_dir).as_posix() for path in Path(docs_dir).rglob("*.md"))


def check_page_names(plan: SitePlan, docs_dir: Path) -> None:
    """A hand-written page where the plan generates one is a usage error naming the file."""
    for path in plan.pages():
        if (Path(docs_dir) / path).exists():
            raise UsageError(f"{display_path(Path(docs_dir) / path)} clashes with a generated page; rename or remove it")


def write_documents(plan: SitePlan, docs_dir: Path, folder: Path, *, urls: Urls, site_url: str | None,
                    cache: KitCache, workers: int | None = None) -> None:
    """Fill `folder` (emptied first) with the docs folder's own files and everything the plan generates.

    Kits render first: a failed render (`RenderFailed`) writes nothing.
    """
    check_page_names(plan, docs_dir)
    rendered = cache.render(plan.kit_jobs(), workers)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(docs_dir, folder)
    for path, content in plan.generated_files(urls, rendered, site_url).items():
        if isinstance(content, Path):  # a kit: copied from its cache entry
            copy_atomically(content, folder / path)
        else:
            write_atomically(folder / path, content if isinstance(content, bytes) else content.encode("utf-8"))
