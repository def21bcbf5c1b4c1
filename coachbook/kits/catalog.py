"""The kits' names, papers, sizes, file names and dates: what a planner needs, without loading WeasyPrint."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

KITS = ("worksheet", "cards", "checklist", "guide", "practice", "deck")
PAPERS = ("a4", "letter")
PAPER_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
# The print-shop deck has no paper: its page is one card (trim) plus the bleed, so its card size takes the place of a
# paper everywhere a kit is named by kit and paper (its job, layout, cache identity); its file name leaves it out.
DECK = "deck"
DECK_SIZES_MM = {"poker": (63.5, 88.9), "bridge": (57.15, 88.9), "tarot": (70.0, 120.0)}
DECK_SIZES = tuple(DECK_SIZES_MM)
DEFAULT_DECK_SIZE = "poker"
# What a printer needs beyond the cut: card colours run this far past the trim, and text keeps this far inside it.
BLEED_MM = 3.0
SAFE_MM = 3.0

# The role-play kit, made only for a model with `practice` scenarios: without them it would have nothing to play.
PRACTICE = "practice"
# A practice set serves a group of three: the manager, the employee and the observer.
PRACTICE_GROUP_SIZE = 3

# Worksheets per model in a pack: a workshop, not a print run.
MAX_COPIES = 100
# The longest introduction, break or debrief a pack's agenda takes, in minutes: half a day.
MAX_SESSION_MINUTES = 240

# Stage timing: colour is decoration only; the label and the shape carry the meaning in black and white.
# Here, not with the kit templates, because the site's print view of the cards draws the same shapes.
WHEN_SYMBOLS = {"before": "\u25c6", "during": "\u25cf", "after": "\u25a0"}  # diamond, circle, square


def check_kit(kit: str, paper: str) -> None:
    """`ValueError` for a kit or paper the catalog does not have (the deck's "paper" is its card size)."""
    if kit not in KITS:
        raise ValueError(f"unknown kit {kit!r}: choose one of {', '.join(KITS)}")
    allowed = DECK_SIZES if kit == DECK else PAPERS
    if paper not in allowed:
        raise ValueError(f"unknown {'deck size' if kit == DECK else 'paper'} {paper!r}: choose one of {', '.join(allowed)}")


def kit_papers(kit: str, papers: Sequence[str] = PAPERS, deck_size: str = DEFAULT_DECK_SIZE) -> tuple[str, ...]:
    """The papers a kit is made on: `papers`, or for the deck its one card size, whatever the papers."""
    return (deck_size,) if kit == DECK else tuple(papers)


def has_kit(model, kit: str) -> bool:
    """Whether a model (a ConversationModel) has the kit: every model has every kit but the practice kit, which only
    a model with practice scenarios has."""
    return kit != PRACTICE or bool(model.practice)


# Every kit of a model with its paper: each paper kit on both papers, the deck once (in the default deck size).
KIT_PAPERS = tuple((kit, paper) for kit in KITS for paper in kit_papers(kit))


def model_kit_papers(model) -> tuple[tuple[str, str], ...]:
    """The (kit, paper) pairs of KIT_PAPERS that a model (a ConversationModel) has: all, or all but the practice kit."""
    return tuple((kit, paper) for kit, paper in KIT_PAPERS if has_kit(model, kit))


def page_size_mm(paper: str) -> tuple[float, float]:
    """A kit page's (trim) size: the paper's, or a deck's card (whose page adds BLEED_MM on every side)."""
    return PAPER_SIZES_MM.get(paper) or DECK_SIZES_MM[paper]


def kit_filename(model_id: str, kit: str, paper: str, section: str | None = None) -> str:
    """The contract's file name of one kit, `<id>-<kit>-<paper>.pdf`, whatever the originals' language;
    a translation's is `...-<paper>.<section>.pdf`, `section` being its subfolder (its language tag). The deck has
    no paper: `<id>-deck.pdf` (`<id>-deck.<section>.pdf`), whatever its card size."""
    check_kit(kit, paper)
    suffix = f".{section}" if section else ""
    return f"{model_id}-{kit}{'' if kit == DECK else f'-{paper}'}{suffix}.pdf"


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
