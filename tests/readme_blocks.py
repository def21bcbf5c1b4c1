"""The README's code blocks that CI and the tests take as written, each found by the `<!-- block: NAME -->` line above it.

`python3 tests/readme_blocks.py NAME` prints one block's text (standard library only: CI runs it before the
virtual environment exists).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^<!-- block: (?P<name>[\w-]+) -->\n```[\w-]*\n(?P<text>.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_blocks(text: str | None = None) -> dict[str, str]:
    """Every marked block of the README (or of `text`) by name; a name marked twice is an error."""
    blocks: dict[str, str] = {}
    for match in BLOCK.finditer(README.read_text(encoding="utf-8") if text is None else text):
        if match["name"] in blocks:
            raise ValueError(f"README.md: two blocks are marked `block: {match['name']}`")
        blocks[match["name"]] = match["text"]
    return blocks


def readme_block(name: str) -> str:
    """The text of the README's block marked `<!-- block: NAME -->`; KeyError naming the marked blocks there are."""
    blocks = readme_blocks()
    if name not in blocks:
        raise KeyError(f"README.md has no block marked `<!-- block: {name} -->` (marked: {', '.join(blocks) or 'none'})")
    return blocks[name]


if __name__ == "__main__":
    try:
        print(readme_block(sys.argv[1]), end="")
    except (IndexError, KeyError) as problem:
        sys.exit(f"usage: python3 tests/readme_blocks.py NAME: {problem}")
