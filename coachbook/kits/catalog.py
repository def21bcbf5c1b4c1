"""The kits' names, papers, sizes, file names and dates: what a planner needs, without loading WeasyPrint."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

KITS = ("worksheet", "cards", "checklist", "guide")
PAPERS = ("a4", "letter")
PAPER_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}

# Worksheets per model in a pack: a workshop, not a print run.
MAX_COPIES = 100

# Stage timing: colour is decoration only; the label and the shape carry the meaning in black and white.
# Here, not with the kit templates, because the site's print view of the cards draws the same shapes.
WHEN_SYMBOLS = {"before": "\u25c6", "during": "\u25cf", "after": "\u25a0"}  # diamond, circle, square


def check_kit(kit: str, paper: str) -> None:
    """`ValueError` for a kit or paper the catalog does not have."""
    if kit not in KITS:
        raise ValueError(f"unknown kit {kit!r}: choose one of {', '.join(KITS)}")
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}: choose one of {', '.join(PAPERS)}")


def kit_filename(model_id: str, kit: str, paper: str, section: str | None = None) -> str:
    """The contract's file name of one kit, `<id>-<kit>-<paper>.pdf`, whatever the originals' language;
    a translation's is `...-<paper>.<section>.pdf`, `section` being its subfolder (its language tag)."""
    check_kit(kit, paper)
    suffix = f".{section}" if section else ""
    return f"{model_id}-{kit}-{paper}{suffix}.pdf"


def pack_filename(model_ids: Sequence[str], paper: str, section: str | None = None) -> str:
    """`<first-id>-pack-<paper>.pdf`, or `<first-id>-plus-<N>-more-pack-<paper>.pdf` for N further models;
    a translation's ends in `.<section>.pdf`."""
    more = f"-plus-{len(model_ids) - 1}-more" if len(model_ids) > 1 else ""
    suffix = f".{section}" if section else ""
    return f"{model_ids[0]}{more}-pack-{paper}{suffix}.pdf"


def kit_date(modified: Iterable[int] = ()) -> str:
    """A kit's creation and modification date (W3C, UTC): SOURCE_DATE_EPOCH when set (the reproducible-builds
    convention, the same on every machine), else the newest of `modified` (its input files' modification times, in
    whole seconds since the epoch), else the epoch itself; never 'now', so the same inputs give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    times = list(modified)
    seconds = int(epoch) if epoch.isdigit() else max(times, default=0)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
