"""Precompressed copies (`<file>.gz`, `<file>.br`) of a built site's text files, for a web server to send as they are."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

from ..files import write_atomically

# Text a browser fetches: pages, styles, scripts, the search index and other data, feeds, source maps.
TEXT_SUFFIXES = frozenset({".html", ".htm", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".ics",
                           ".webmanifest", ".map", ".csv", ".yaml", ".yml"})
# Below about one network packet, compression saves no round trip and costs the server a file look-up.
MIN_SIZE = 1024
# gzip's best level costs a third of a second for the whole shipped site; brotli's 11 would cost 5 s for 3 % less
# than 10 (measured on this repository's site: 4.4 MB of text, 1.4 s at 10 on two cores).
GZIP_LEVEL = 9
BROTLI_QUALITY = 10
ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    # mtime 0 and no file name in the header: the same bytes give the same copy (SOURCE_DATE_EPOCH or not).
    ".gz": lambda data: gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0),
    ".br": lambda data: brotli.compress(data, quality=BROTLI_QUALITY),
}


def text_files(site: Path) -> list[Path]:
    """The site's text files worth compressing, in a stable order; entries whose names start with a dot (a web
    server's `.htaccess`, a `.git` folder beside a dirty build) are not the site's and are left alone."""
    found = []
    for folder, folders, names in os.walk(site):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            if (not name.startswith(".") and path.suffix.lower() in TEXT_SUFFIXES and not path.is_symlink()
                    and path.stat().st_size >= MIN_SIZE):
                found.append(path)
    return found


def precompress(site: Path, *, keep_existing: bool = True, workers: int | None = None) -> int:
    """Write `<file>.gz` and `<file>.br` beside each text file of `site`; the number of copies written.

    `keep_existing`: a copy already there is kept. In a freshly staged build it came from the build itself (MkDocs'
    own `sitemap.xml.gz`, a file of the docs folder), not from Coachbook; in a folder an earlier build left
    (`mkdocs build --dirty`), pass False: the copies there are Coachbook's, and a stale one would be served instead
    of the page.
    """
    def compress(path: Path) -> int:
        data, written = path.read_bytes(), 0
        for suffix, encode in ENCODINGS.items():
            copy = path.with_name(path.name + suffix)
            if keep_existing and (copy.exists() or copy.is_symlink()):
                continue
            write_atomically(copy, encode(data))
            written += 1
        return written

    # zlib and brotli release the interpreter lock while they compress: threads use every core.
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        # The largest first, so that the last file to finish is a small one.
        return sum(pool.map(compress, sorted(text_files(Path(site)), key=lambda path: -path.stat().st_size)))
