"""The text pypdf extracts from a PDF, extracted once per run for every test module and xdist worker."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path

import pypdf

from coachbook.text import normalized

shared_folder: Path | None = None
"""Where the texts are kept for every worker of the run (set by conftest's `shared_pdf_texts`)."""

_extracted: dict[str, tuple[str, ...]] = {}


def page_texts(pdf: Path | bytes) -> tuple[str, ...]:
    """Each page's text as pypdf extracts it, known by the PDF's bytes: extraction takes half a second for a pack,
    and the session's kits are read by several modules on both workers (the site's and the kit command's are the
    same bytes)."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key in _extracted:
        return _extracted[key]
    stored = shared_folder / f"{key}.json" if shared_folder else None
    if stored and stored.exists():
        texts = tuple(json.loads(stored.read_text(encoding="utf-8")))
    else:
        texts = tuple(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        if stored:
            partial = stored.with_name(f"{stored.name}.{os.getpid()}")
            partial.write_text(json.dumps(texts), encoding="utf-8")
            partial.replace(stored)  # the other worker reads a whole file or none
    _extracted[key] = texts
    return texts


def pdf_text(pdf: Path | bytes, pages: slice = slice(None)) -> str:
    """The PDF's text (of `pages`: all of them unless told), normalized, with automatic hyphenation (U+2010 at a
    line end) undone."""
    return normalized(re.sub("\u2010\\s+", "", " ".join(page_texts(pdf)[pages])))
