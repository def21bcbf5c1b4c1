"""PyYAML's syntax errors as one sentence an author understands, at the place to fix."""

from __future__ import annotations

import re

import yaml

Position = tuple[int, int]

UNCLOSED = {"a quoted scalar": "the quoted text", "a flow sequence": "the [ list", "a flow mapping": "the { mapping"}
CLOSER = {"a flow sequence": "]", "a flow mapping": "}"}
KEY = re.compile(r"\s*(?:-\s+)?([^\s:#][^:#]*?):(?:\s|$)")
"""A line's key (after a list item's `- `, if any): the text before its first `: `."""


def mark_position(mark: yaml.Mark) -> Position:
    """A PyYAML mark as the 1-based line and column an editor shows."""
    return mark.line + 1, mark.column + 1


def syntax_problem(problem: yaml.MarkedYAMLError, text: str) -> tuple[Position, str]:
    """Where a syntax problem is to be fixed (1-based line and column) and what is wrong there, in words."""
    lines = text.splitlines()
    mark = problem.problem_mark or problem.context_mark
    found = problem.problem or problem.context or ""
    inside = (problem.context or "").removeprefix("while scanning ").removeprefix("while parsing ")
    opened = problem.context_mark
    if mark is None:
        return (1, 1), found

    def line(index: int) -> str:
        return lines[index] if 0 <= index < len(lines) else ""

    if opened and mark.index >= len(text.rstrip()):
        # The file ends inside a quote or bracket: point at where it opens, not past the last line.
        return mark_position(opened), f"the file ends inside {UNCLOSED.get(inside, inside)} that starts here; close it"
    if "'\\t'" in found:  # "found character '\t' that cannot start any token"
        if not line(mark.line)[:mark.column].strip():
            return mark_position(mark), "a tab cannot indent YAML; use spaces"
        return mark_position(mark), "a tab is not allowed here in YAML; use a space"
    if found.endswith("but got '?'"):  # PyYAML ends plain text at a '?' inside [ ] or { }
        return mark_position(mark), f"{found}: put text with a '?' inside [ ] or {{ }} in quotes"
    if inside in CLOSER and opened and found.startswith("expected ','"):
        return mark_position(opened), (f"{UNCLOSED[inside]} that starts here is not closed before line "
                                       f"{mark.line + 1}: end it with {CLOSER[inside]}, or put an item with a ':' "
                                       "in quotes")
    if found == "could not find expected ':'" and opened:
        if re.match(r"\s*(?:-\s+)?[^\s:#'\"]+:\S", line(opened.line)):
            return mark_position(opened), ("put a space after the key's ':' (`title: Our talk`): without one, it is "
                                           "no key")
        return mark_position(opened), ("this line needs a ':' after its key (`title: Our talk`), or '- ' before it if "
                                       "it is a list item")
    if found == "mapping values are not allowed here":
        return _misplaced_colon(mark, line)
    if found.startswith("expected <block end>") and opened:
        return _misaligned(mark, opened, line, found)
    if found.endswith("; first occurrence") and opened:
        return mark_position(mark), f"{found.split(';')[0]} (first at line {opened.line + 1})"
    return mark_position(mark), found


def _misplaced_colon(mark: yaml.Mark, line) -> tuple[Position, str]:
    """A ': ' where no key may start: inside a value, or on a line indented under a key that has a value."""
    text = line(mark.line)
    key = KEY.match(text)
    position = mark_position(mark)
    if key and key.end(1) < mark.column:
        return position, "a ': ' inside a value would start another key; put the value in quotes"
    above = mark.line - 1
    while above >= 0 and (not line(above).strip() or line(above).lstrip().startswith("#")):
        above -= 1
    parent = KEY.match(line(above)) if above >= 0 else None
    if parent:
        return position, (f"this line is indented more than `{parent.group(1).strip()}:` on line {above + 1}, which "
                          "has a value already: line it up with that key, or remove the value to nest keys under it")
    return position, "a ': ' here cannot start a key; put the text in quotes or line the key up with the keys above"


def _misaligned(mark: yaml.Mark, opened: yaml.Mark, line, found: str) -> tuple[Position, str]:
    """A line whose indentation matches none of the blocks it could belong to: name the keys above it that it could
    line up with, the nearest deeper one and the nearest shallower one."""
    position = mark_position(mark)
    if "'-'" in found or "<block sequence start>" in found:
        first = line(opened.line)[opened.column:]
        key = KEY.match(first)
        start = f"`{key.group(1).strip()}:`" if key else f"`{first.strip()[:30]}`"
        return position, (f"a list item ('- ') among the keys that start with {start} on line {opened.line + 1}: "
                          "give it a key of its own, or indent it under the key whose list it is")
    indent = mark.column
    deeper = shallower = None
    for above in range(mark.line - 1, -1, -1):
        key = KEY.match(line(above))
        if not key:
            continue
        column = key.start(1)
        if column > indent and deeper is None and shallower is None:
            deeper = (key.group(1).strip(), above, column)
        elif column < indent:
            shallower = (key.group(1).strip(), above, column)
            break
    choices = [f"`{name}:` on line {above + 1} ({_spaces(column)})"
               for name, above, column in filter(None, (deeper, shallower))]
    if not choices:
        return position, "this line's indentation lines up with no key above it"
    return position, (f"this line is indented by {_spaces(indent)}, which lines up with no key above it: line it up "
                      f"with {' or '.join(choices)}")


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"
