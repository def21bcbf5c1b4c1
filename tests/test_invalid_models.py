"""Bad input: every case in tests/invalid_models/ gives exactly the lines its file expects.

A case is one model file. Its leading `# expect: <line>:<col>: <field>: <message>` comments list
every error it must produce, in the order reported (the comment lines count in the positions).
A file that cannot hold comments (an empty file) has a sidecar `<name>.expect` instead, one line
per error. Cases about bytes (encodings, control characters, size) are generated below.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from pathlib import Path

import pytest

from coachbook.errors import InvalidContent
from coachbook.model.loader import MAX_FILE_BYTES, load_model
from conftest import REPO, VALID, build_kits

CORPUS = Path(__file__).resolve().parent / "invalid_models"
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml"))
EXPECT = "# expect: "
# Cases about the id itself: their id may differ from the file stem.
ID_CASES = re.compile(r"^(id-|slug-id-|missing-id$)")


def expectations(path: Path) -> list[str]:
    sidecar = path.with_suffix(".expect")
    if sidecar.exists():
        return sidecar.read_text(encoding="utf-8").splitlines()
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(EXPECT):
            found.append(line.removeprefix(EXPECT))
    return found


def problems(path: Path) -> list[str]:
    with pytest.raises(InvalidContent) as raised:
        load_model(path)
    errors = raised.value.errors
    for error in errors:
        assert error.line >= 1 and error.column >= 1 and error.message and "\n" not in str(error), error
    return [str(error).removeprefix(f"{error.file}:") for error in errors]


def write(tmp_path: Path, content: str | bytes, name: str = "sample") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_the_corpus_covers_enough_cases():
    assert len(CASES) >= 45
    for path in CASES:
        assert expectations(path), f"{path.name} lists no expected error"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_invalid_model_gives_exactly_the_expected_lines(path):
    assert problems(path) == expectations(path)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_error_points_into_the_file(path):
    """A position names a line and column that exist, so an editor can jump there."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for expected in expectations(path):
        line, column = (int(part) for part in expected.split(":")[:2])
        assert line <= len(lines) and column <= len(lines[line - 1]) + 1, expected


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_case_id_equals_its_file_stem(path):
    if ID_CASES.match(path.stem):
        return
    ids = re.findall(r"^id: *(.*?) *$", path.read_text(encoding="utf-8"), flags=re.M)
    assert ids[:1] in ([], [path.stem]), f"{path.name}: id {ids[0]!r} differs from the file stem"


CLI_CASES = ["many-problems", "syntax-unterminated-double-quote", "alias-recursive", "unknown-key-hostile",
             "surrogate-escape", "top-level-list", "empty-file"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_check_command_prints_the_lines_and_exits_1(name):
    relative = (CORPUS / f"{name}.yaml").relative_to(REPO).as_posix()
    result = build_kits("check", relative)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [f"{relative}:{line}" for line in expectations(CORPUS / f"{name}.yaml")]


def test_check_command_reports_every_file_of_the_corpus_at_once():
    relative = CORPUS.relative_to(REPO).as_posix()
    result = build_kits("check", relative)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    expected = [f"{relative}/{path.name}:{line}" for path in CASES for line in expectations(path)]
    assert sorted(result.stderr.splitlines()) == sorted(expected)


# --- cases about bytes, generated rather than committed -------------------------------------------

BAD_LED_BY = VALID.replace("led_by: manager", "led_by: boss")
LED_BY_ERROR = "6:9: led_by: must be one of manager, employee, shared (got 'boss')"
CHARACTER = "is not allowed (an invisible control or line-separator character)"
OVERSIZED = VALID + "#" * MAX_FILE_BYTES

BYTE_CASES = {
    "non-utf8-byte": (VALID.encode().replace(b"A short", b"A sh\xf6rt"),
                      ["3:14: not valid UTF-8 (byte 0xf6); save the file as UTF-8"]),
    "non-utf8-after-accents": (VALID.encode().replace(b"A short", "Ça é".encode() + b" \xe9"),
                               ["3:15: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    "latin1-file": (VALID.replace("Our own", "Café").encode("latin-1"),
                    ["5:13: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    "utf16-file": (VALID.encode("utf-16"), ["1:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"]),
    "bom-then-non-utf8": (b"\xef\xbb\xbf" + VALID.encode().replace(b"A short", b"\xff"),
                          ["3:10: not valid UTF-8 (byte 0xff); save the file as UTF-8"]),
    "nul-byte": (VALID.encode().replace(b"A short", b"A sh\x00rt"), [f"3:14: character U+0000 {CHARACTER}"]),
    "control-bytes-everywhere": (
        VALID.encode().replace(b"Sample", b"\x07Sample").replace(b"Always", b"Alw\x1bays\x7f"),
        [f"2:8: character U+0007 {CHARACTER}",
         "8:8: character U+001B is not allowed (an invisible control or line-separator character; 1 more on this line)"]),
    "next-line-character": (VALID.replace("A short", "A sh\x85rt").encode(), [f"3:14: character U+0085 {CHARACTER}"]),
    "line-separator": (BAD_LED_BY.replace("A short", "A sh\u2028rt").encode(), [f"3:14: character U+2028 {CHARACTER}"]),
    "paragraph-separator": (VALID.replace("Talk\n", "Talk\u2029\n").encode(), [f"11:16: character U+2029 {CHARACTER}"]),
    "bom-keeps-positions": (b"\xef\xbb\xbf" + BAD_LED_BY.encode(), [LED_BY_ERROR]),
    "crlf-keeps-positions": (BAD_LED_BY.replace("\n", "\r\n").encode(), [LED_BY_ERROR]),
    "cr-only-keeps-positions": (BAD_LED_BY.replace("\n", "\r").encode(), [LED_BY_ERROR]),
    "over-one-mebibyte": (OVERSIZED.encode(), [f"1:1: file is larger than 1 MiB ({len(OVERSIZED)} bytes)"]),
}


@pytest.mark.parametrize("name", BYTE_CASES)
def test_byte_level_problems(tmp_path, name):
    content, expected = BYTE_CASES[name]
    assert problems(write(tmp_path, content)) == expected


# Bidi controls and invisible characters, written literally (a committed file would hide them):
# each is reported at its exact line and column, named, whether in a key's value or in a list item.
DISPLAYS_DIFFERENTLY = "is not allowed: it can make text display differently from what it says"
INVISIBLE = "is not allowed: it is invisible, so the text is not what it seems"
HIDDEN_CHARACTERS = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING", "\u202b": "RIGHT-TO-LEFT EMBEDDING", "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE", "\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE", "\u2068": "FIRST STRONG ISOLATE", "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK", "\u061c": "ARABIC LETTER MARK",
    "\u200b": "ZERO WIDTH SPACE", "\u2060": "WORD JOINER", "\u2061": "FUNCTION APPLICATION",
    "\u2062": "INVISIBLE TIMES", "\u2063": "INVISIBLE SEPARATOR", "\u2064": "INVISIBLE PLUS",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
}


def hidden(character: str) -> str:
    why = INVISIBLE if character in "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff" else DISPLAYS_DIFFERENTLY
    return f"character U+{ord(character):04X} ({HIDDEN_CHARACTERS[character]}) {why}"


@pytest.mark.parametrize("character", HIDDEN_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in HIDDEN_CHARACTERS])
def test_bidi_and_invisible_characters_are_refused_where_they_are(tmp_path, character):
    assert problems(write(tmp_path, VALID.replace("A short", f"A sh{character}rt"))) == [f"3:14: {hidden(character)}"]
    assert problems(write(tmp_path, VALID.replace("Always", f"Alw{character}ays"))) == [f"8:8: {hidden(character)}"]


def test_a_trojan_source_line_is_reported_once_at_its_first_control(tmp_path):
    text = VALID.replace("A short talk.", "A short \u202etalk\u202c.")
    assert problems(write(tmp_path, text)) == [f"3:18: {hidden(chr(0x202e))}; 1 more on this line"]


def test_bidi_controls_in_comments_are_refused_too(tmp_path):
    """A comment is where Trojan Source hides code-like text; nothing in a model file needs a bidi control."""
    assert problems(write(tmp_path, "# note \u2067x\u2069\n" + VALID)) == [f"1:8: {hidden(chr(0x2067))}; 1 more on this line"]


def test_joiners_soft_hyphens_and_links_that_are_text_are_allowed(tmp_path):
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # an emoji sequence held together by ZWJ
    texts = [
        f"A family {family}", "Persian \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 (with ZWNJ)",
        "Silben\u00adtrennung (a soft hyphen)",
        "See [the guide](https://x.example/a?b=c#d) or [write](mailto:a@b.example)",
        "See [it](HTTP://X.EXAMPLE/) and [us](<https://x.example/a b>)",
        "`[code](relative/page)` is text, not a link",
        "\\[escaped](relative/page) is text too",
        "[broken](java\nscript:alert(1)) is not a link: a line break ends a link target",
        "A javascript: word and file:///etc/passwd in plain text are text",
    ]
    items = "".join(f"  - {json.dumps(text, ensure_ascii=False)}\n" for text in texts)
    model = load_model(write(tmp_path, VALID.replace("  - Always\n", items)))
    assert model.use_when == texts


def test_alias_expansion_bomb_is_reported_not_expanded(tmp_path):
    """A billion-laughs file: ten anchors, each list aliasing the previous one ten times."""
    names = "abcdefghij"
    text = VALID + "".join(
        f"k{i}: &{name} [{', '.join([f'*{names[i - 1]}'] * 10) if i else 'x'}]\n" for i, name in enumerate(names))
    started = time.monotonic()
    found = problems(write(tmp_path, text))
    assert time.monotonic() - started < 10
    assert sum("anchors (&" in line for line in found) == 10
    assert sum("aliases (*" in line for line in found) == 90
    assert sum("unknown key" in line for line in found) == 10
    assert len(found) == 110


def test_deep_nesting_is_refused_quickly(tmp_path):
    started = time.monotonic()
    assert problems(write(tmp_path, "[" * (MAX_FILE_BYTES - 1))) == ["1:33: nesting is deeper than 32 levels"]
    assert time.monotonic() - started < 10


# --- valid but tricky: these load, and keep their exact text ----------------------------------------

TRICKY = textwrap.dedent("""\
    ---
    id: tricky
    title: NO
    summary: on
    group: "007"
    source:
      title: yes
      author: 1.10
      publisher: 0x1F
      year: 2009
      note: 2024-01-01
      url: https://example.org/a?b=c&d=e#f
    led_by: shared
    duration_minutes: 45
    cadence: ~
    tags: [2024, a-1]
    use_when:
      - '42'
      - "3.14"
      - 1e3
      - .inf
      - 12:30
      - off
      - Y
      - null-ish
      - Café, naïve, 日本語, עברית, 🙂 and e\u0301
      - "Escaped \\U0001F642 and a\\ttab"
      - <b>raw html</b> & <script>alert(1)</script>
      - "a: b"
      - '# not a comment'
      - It's plain
    stages:
      - id: talk
        title: 1
        when: during
        summary: ~
        steps:
          - id: open
            title: +1
            purpose: -0
            guidance: |
              Line one.
              Line two.
            questions:
              - text: Why?
                asked_by: self
                follow_ups: ["What next?", '?']
    ...
    """)


def _check_tricky(model):
    assert (model.id, model.title, model.summary, model.group) == ("tricky", "NO", "on", "007")
    source = model.source
    assert (source.title, source.author, source.publisher, source.note) == ("yes", "1.10", "0x1F", "2024-01-01")
    assert source.year == 2009 and type(source.year) is int
    assert source.url == "https://example.org/a?b=c&d=e#f"
    assert model.duration_minutes == 45 and model.cadence is None and model.tags == ["2024", "a-1"]
    assert model.use_when == [
        "42", "3.14", "1e3", ".inf", "12:30", "off", "Y", "null-ish",
        "Café, naïve, 日本語, עברית, 🙂 and e\u0301", "Escaped 🙂 and a\ttab",
        "<b>raw html</b> & <script>alert(1)</script>", "a: b", "# not a comment", "It's plain"]
    stage = model.stages[0]
    step = stage.steps[0]
    assert (stage.title, stage.summary, step.title, step.purpose) == ("1", None, "+1", "-0")
    assert step.guidance == "Line one.\nLine two.\n"
    assert step.questions[0].text == "Why?" and step.questions[0].follow_ups == ["What next?", "?"]


@pytest.mark.parametrize("encoding", ["lf", "bom", "crlf", "bom-crlf"])
def test_valid_but_tricky_files_load_and_keep_their_exact_text(tmp_path, encoding):
    text = TRICKY.replace("\n", "\r\n") if "crlf" in encoding else TRICKY
    content = ("\ufeff" if "bom" in encoding else "") + text
    _check_tricky(load_model(write(tmp_path, content, "tricky")))


def test_a_file_of_exactly_one_mebibyte_loads(tmp_path):
    padding = MAX_FILE_BYTES - len(VALID.encode()) - 1
    path = write(tmp_path, VALID + "#" * padding + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_model(path).id == "sample"
