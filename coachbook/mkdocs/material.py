"""Material for MkDocs' own pages mended where they fall short: what only the MkDocs front end needs."""

from __future__ import annotations

import re

_UNNAMED_SEARCH_DIALOG = re.compile(r'(<div class="md-search" data-md-component="search" role="dialog")>')
_SEARCH_BOX_LABEL = re.compile(r'<input[^>]*class="md-search__input"[^>]*aria-label="([^"]*)"')


def name_search_dialog(page_html: str) -> str:
    """Material 9 leaves its search dialog without a name (axe: aria-dialog-name): give it the search box's.

    Done on the page rather than by overriding Material's search partial, which Zensical's differs from.
    """
    label = _SEARCH_BOX_LABEL.search(page_html)
    return _UNNAMED_SEARCH_DIALOG.sub(rf'\1 aria-label="{label.group(1)}">', page_html, count=1) if label else page_html
