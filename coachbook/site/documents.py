"""Write the site plan into a folder of documents (hand-written pages, generated pages, assets, kits) for any engine."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import UsageError, display_path
from ..files import copy_atomically, write_atomically
from ..kits.cache import KitCache
from ..progress import Progress
from .plan import SitePlan, Urls


def first_clash(generated: Iterable[str], taken: Callable[[str], bool]) -> str | None:
    """The first generated path that a hand-written file already takes, or None."""
    return next((path for path in generated if taken(path)), None)


def clash_message(shown: str, generated: str) -> str:
    """The one line saying that the hand-written file `shown` takes the place of the plan's `generated` one."""
    return f"{shown} clashes with a generated {'page' if generated.endswith('.md') else 'file'}; rename or remove it"


def _check_names(generated: Iterable[str], docs_dir: Path) -> None:
    clash = first_clash(generated, lambda path: (Path(docs_dir) / path).exists())
    if clash is not None:
        raise UsageError(clash_message(display_path(Path(docs_dir) / clash), clash))


def write_documents(plan: SitePlan, docs_dir: Path, folder: Path, *, urls: Urls, site_url: str | None,
                    cache: KitCache, workers: int | None = None, progress: Progress | None = None) -> None:
    """Fill `folder` (emptied first) with the docs folder's own files and everything the plan generates.

    Kits render first, told to `progress`: a failed render (`RenderFailed`) writes nothing.
    """
    _check_names(plan.pages(), docs_dir)  # before the kits render: the common clash, found at once
    rendered = cache.render(plan.kit_jobs(), workers, progress=progress)
    generated = plan.generated_files(urls, rendered, site_url)
    _check_names(generated, docs_dir)  # chooser data, assets, kits
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(docs_dir, folder)
    for path, content in generated.items():
        if isinstance(content, Path):  # a kit: copied from its cache entry
            copy_atomically(content, folder / path)
        else:
            write_atomically(folder / path, content if isinstance(content, bytes) else content.encode("utf-8"))
