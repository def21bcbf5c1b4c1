"""Property tests: whatever a file holds, `load_model` returns a model or reports one-line errors.

Never another exception, never a hang. Derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import json
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachbook.errors import InvalidContent
from coachbook.model.loader import load_model
from coachbook.model.schema import ConversationModel
from conftest import MODEL_FILES, VALID

TIME_LIMIT_SECONDS = 10  # per example; a single load takes well under a second
COMMON = dict(derandomize=True, database=None, deadline=5000, suppress_health_check=[HealthCheck.too_slow])


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging: an alarm interrupts a load that runs too long (where there are alarms)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def interrupt(signum, frame):
        raise Hang(f"load_model ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_model_or_one_line_errors(path: Path) -> None:
    try:
        with time_limit(TIME_LIMIT_SECONDS):
            model = load_model(path)
    except InvalidContent as invalid:
        assert invalid.errors
        for error in invalid.errors:
            line = str(error)
            assert error.line >= 1 and error.column >= 1, line
            assert error.message.strip(), line
            assert len(line.splitlines()) == 1 and "\n" not in line and "\r" not in line, repr(line)
            line.encode("utf-8")  # printable on stderr: no lone surrogates
        return
    assert isinstance(model, ConversationModel)
    "".join(model.texts()).encode("utf-8")  # every text can be written to a page or a PDF


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


def write(folder: Path, content: bytes, name: str = "sample") -> Path:
    path = folder / f"{name}.yaml"
    path.write_bytes(content)
    return path


# --- (a) random text and bytes ---------------------------------------------------------------------

FRAGMENTS = [
    "id: ", "title: ", "summary: ", "source:\n", "  title: x\n", "led_by: manager\n", "use_when:\n", "stages:\n",
    "  - id: a\n", "    steps:\n", "      - ", "asked_by: ", "duration_minutes: ", "year: ", "url: ",
    ":", ": ", "- ", "-", "? ", "?", "[", "]", "{", "}", ",", "&a ", "*a", "&", "*", "!!str ",
    "!!python/object:os.system ", "!x ", "!<tag:x%0A> ", "!", "<<: ", "---\n", "...\n", "%YAML 1.1\n",
    "%TAG !e! tag:x,2000:\n", "|\n", ">-\n",
    "#", " # c", "'", '"', "\\", "\\ud83d", "\\x07", "\\U0001F642", "\t", "\n", "\r\n", "\r", "  ", "    ",
    "~", "null", "yes", "NO", "1.10", "0x1F", "2024-01-01", "9" * 30, "-1", "0", "\ufeff", "\x00", "\x07", "\x1b",
    "\x7f", "\x85", "\u2028", "\u2029", "\ud800", "é", "🙂", "<script>", "javascript:", "https://", "a--b", "A",
    # Known traps, whole: recursive aliases, odd keys and tags, huge numbers, escapes no file can hold.
    "&a [*a]", "&a {k: *a}", '"k\\nk": v', "!t%0A x", "9" * 5000, '"\\ud83d"', "? [a]\n: b",
    "a: &a x\nb: &a y",
    # Bidi controls, invisible characters and links, safe or not (v2).
    "\u202e", "\u2066", "\u200b", "\u200d", "[a](b)", "[a](https://x.example/)", "](javascript:x)",
]
yamlish_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=300, **COMMON)
@given(text=yamlish_text)
def test_random_yamlish_text(folder, text):
    assert_model_or_one_line_errors(write(folder, text.encode("utf-8", "surrogatepass")))


@settings(max_examples=150, **COMMON)
@given(raw=st.binary(max_size=300))
def test_random_bytes(folder, raw):
    assert_model_or_one_line_errors(write(folder, raw))


# The shared minimal model with every optional kind of value too, so mutations reach them.
SMALL_MODEL = (
    VALID.replace("  title: Our own\n", "  title: Our own\n  year: 2009\n  url: https://example.org/\n")
    .replace("led_by: manager\n", "led_by: manager\nduration_minutes: 30\ntags: [coaching]\n")
    .replace("asked_by: manager\n", "asked_by: manager\n            follow_ups: [Really]\n")
)


@settings(max_examples=200, **COMMON)
@given(data=st.data())
def test_random_values_in_a_valid_model(folder, data):
    """Every value of a small valid model, replaced in turn by random YAML-ish text."""
    lines = SMALL_MODEL.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.sampled_from([i for i, line in enumerate(lines) if ":" in line or "- " in line]))
        separator = ": " if ": " in lines[at] else "- "
        head = lines[at].split(separator)[0]
        lines[at] = head + separator + data.draw(yamlish_text)
    assert_model_or_one_line_errors(write(folder, "\n".join(lines).encode("utf-8", "surrogatepass")))


HIDDEN_CHARACTERS = [chr(code) for code in (0x061C, 0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                            *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0xFEFF)]
# Text that is fine on its own: no controls, format characters (the hidden ones are all Cf) or line breaks.
ordinary_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), max_size=20)


@settings(max_examples=150, **COMMON)
@given(data=st.data())
def test_any_value_with_a_hidden_character_is_refused(folder, data):
    """A bidi control or invisible character anywhere in a value: always an error, never a model or a traceback.

    Written as itself, the loader reports it at its exact position; written as an escape
    (\\u202E), the schema refuses the text.
    """
    lines = SMALL_MODEL.split("\n")
    at = data.draw(st.sampled_from([i for i, line in enumerate(lines) if ": " in line or "- " in line]))
    character, escaped = data.draw(st.sampled_from(HIDDEN_CHARACTERS)), data.draw(st.booleans())
    before, after = (json.dumps(data.draw(ordinary_text), ensure_ascii=False) for _ in range(2))
    separator = ": " if ": " in lines[at] else "- "
    written = f"\\u{ord(character):04X}" if escaped else character
    lines[at] = lines[at].split(separator)[0] + separator + before[:-1] + written + after[1:]
    with time_limit(TIME_LIMIT_SECONDS), pytest.raises(InvalidContent) as raised:
        load_model(write(folder, "\n".join(lines).encode("utf-8")))
    errors = raised.value.errors
    assert errors and all(len(str(error).splitlines()) == 1 for error in errors)
    if not escaped:
        name = f"character U+{ord(character):04X} ("
        assert [(e.line, e.column, e.message[:len(name)]) for e in errors] == [
            (at + 1, lines[at].index(character) + 1, name)]


# --- (b) mutated valid models ------------------------------------------------------------------------

TOKENS = ["-", ":", ": ", "- x", "[", "]", "{", "}", "&a", "*a", "&a [*a]", "!!str", "<<:", "---", "...", "?", "'", '"',
          "#", "\t", "~", "x: y", "id: x", "NO", "999", "9" * 30, "\x00", "\u2028", "\\", '"\\ud83d"']


@st.composite
def mutated_model(draw) -> tuple[str, bytes]:
    path = draw(st.sampled_from(MODEL_FILES))
    lines = path.read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "truncate"]))
        at = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines = [""]
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "insert":
            column = draw(st.integers(0, len(lines[at])))
            token = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=5)))
            lines[at] = lines[at][:column] + token + lines[at][column:]
        elif kind == "indent":
            change = draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))
            lines[at] = " " * change + lines[at] if change > 0 else lines[at][-change:]
        else:
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
    return path.stem, "\n".join(lines).encode("utf-8", "surrogatepass")


@settings(max_examples=250, **COMMON)
@given(case=mutated_model())
def test_mutated_models(folder, case):
    stem, content = case
    assert_model_or_one_line_errors(write(folder, content, stem))


def test_the_unmutated_models_pass_the_same_check(folder):
    for path in MODEL_FILES:
        assert_model_or_one_line_errors(path)
        assert isinstance(load_model(path), ConversationModel)
