"""Organization branding (name, logo, colours, footer): validated once, applied to the site and the kits."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

BRANDING_OPTIONS = ("organization", "logo", "primary_color", "accent_color", "footer")
MAX_LOGO_BYTES = 1024 * 1024
MAX_TEXT_LENGTHS = {"organization": 80, "footer": 200}
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}

# Text colours chosen for a background: white, or the kits' near-black ink.
WHITE, INK = "#ffffff", "#1d2330"
# Material's dark ("slate") page background, for link colours that must read on it.
SLATE_BACKGROUND = "#1e2129"
READABLE = 4.5  # WCAG AA contrast for body text

# Where the site gets the generated files (the logo keeps its suffix: .svg or .png).
SITE_LOGO = "assets/coachbook/logo"
SITE_STYLESHEET = "assets/coachbook/branding.css"

# SVG parts that run code, embed other documents or load other files; a logo needs none of them.
# (<use> and <image> are fine as such; what they point at goes through the href check.)
SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener",
                          "animate", "set", "animatemotion", "animatetransform", "discard"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


@dataclass(frozen=True)
class Logo:
    """The logo's validated bytes; the site and the kits use these bytes, never the file again."""

    file_name: str
    suffix: str  # ".svg" or ".png"
    data: bytes

    @property
    def media_type(self) -> str:
        return LOGO_MEDIA_TYPES[self.suffix]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Branding:
    """What makes the playbook look like an organization's own; every field is optional."""

    organization: str | None = None
    logo: Logo | None = None
    primary_color: str | None = None  # "#rrggbb", lowercase
    accent_color: str | None = None
    footer: str | None = None

    @property
    def footer_line(self) -> str:
        """The line printed in every kit page's footer: organization, then the footer text."""
        return " \u00b7 ".join(text for text in (self.organization, self.footer) if text)

    @property
    def primary_ink(self) -> str:
        """The primary colour as text on white paper or a light page: darkened until it reads (and prints grey)."""
        return readable_on(self.primary_color or INK, WHITE)

    @property
    def accent_ink(self) -> str:
        return readable_on(self.accent_color or self.primary_color or INK, WHITE)

    def fingerprint(self) -> str:
        """Everything about the branding that shapes a kit, the logo by its bytes' hash."""
        payload = {
            "organization": self.organization, "primary_color": self.primary_color,
            "accent_color": self.accent_color, "footer": self.footer,
            "logo": [self.logo.suffix, self.logo.digest] if self.logo else None,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- colours


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = normalize_colour(colour)[1:]
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a `#rrggbb` colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, amount: float) -> str:
    """`colour` moved `amount` (0 to 1) of the way towards `other`."""
    return _hex(tuple(a + (b - a) * amount for a, b in zip(_rgb(colour), _rgb(other))))  # type: ignore[arg-type]


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


def readable_on(colour: str, background: str, ratio: float = READABLE) -> str:
    """`colour`, darkened (light background) or lightened (dark background) just enough to reach `ratio`."""
    target = "#000000" if luminance(background) > 0.18 else WHITE
    for step in range(21):
        candidate = mix(colour, target, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


# --------------------------------------------------------------------------- site


def site_stylesheet(branding: Branding) -> bytes:
    """CSS for Material's `custom` palette: the colours, their light/dark variants and readable text on them.

    Text on the header is white or near-black by the colour's luminance; links get the colour
    darkened (light scheme) or lightened (dark scheme) just enough to reach 4.5:1 on the page.
    """
    rules = ["/* Organization branding, generated from the coachbook plugin options in mkdocs.yml. */"]
    if branding.primary_color:
        primary = branding.primary_color
        on_primary = text_colour_on(primary)
        rules.append(
            ":root > * {\n"
            f"  --md-primary-fg-color: {primary};\n"
            f"  --md-primary-fg-color--light: {mix(primary, WHITE, 0.2)};\n"
            f"  --md-primary-fg-color--dark: {mix(primary, '#000000', 0.2)};\n"
            f"  --md-primary-bg-color: {on_primary};\n"
            f"  --md-primary-bg-color--light: {on_primary}b3;\n"
            f"  --md-typeset-a-color: {readable_on(primary, WHITE)};\n"
            "}\n"
            "[data-md-color-scheme=\"slate\"] {\n"
            f"  --md-typeset-a-color: {readable_on(primary, SLATE_BACKGROUND)};\n"
            "}"
        )
    if branding.accent_color:
        accent = branding.accent_color
        rules.append(
            ":root > * {\n"
            f"  --md-accent-fg-color: {accent};\n"
            f"  --md-accent-fg-color--transparent: {accent}1a;\n"
            f"  --md-accent-bg-color: {text_colour_on(accent)};\n"
            f"  --md-accent-bg-color--light: {text_colour_on(accent)}b3;\n"
            "}"
        )
    return ("\n".join(rules) + "\n").encode()


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class OptionSource:
    """Where options were written, for error lines: the file, and each option's line and column."""

    file: str
    positions: Mapping[str, tuple[int, int]]
    commented: frozenset[str] = frozenset()  # options whose value YAML read as a comment (an unquoted '#')
    prefix: str = "coachbook."

    def where(self, option: str) -> str:
        line_column = self.positions.get(option)
        place = f"{self.file}:{line_column[0]}:{line_column[1]}" if line_column else self.file
        return f"{place}: {self.prefix}{option}"


def normalize_colour(value: str) -> str:
    """`#abc` or `#AABBCC` as lowercase `#aabbcc`."""
    digits = value[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def load_branding(options: Mapping[str, object], base: Path, source: OptionSource) -> Branding | None:
    """The branding the options describe (None when there is none); `ConfigError` lists every problem."""
    problems: list[str] = []
    values: dict[str, object] = {}

    def problem(option: str, message: str) -> None:
        problems.append(f"{source.where(option)}: {message}")

    for option in BRANDING_OPTIONS:
        value = options.get(option)
        if value is None:
            if option in source.commented:
                example = '"#1a5fb4"' if option.endswith("_color") else '"#..."'
                problem(option, f"YAML reads an unquoted # as a comment: quote the value, e.g. {option}: {example}")
            continue
        if not isinstance(value, str):
            problem(option, f"must be text (got {value!r})")
            continue
        if option.endswith("_color"):
            if HEX_COLOUR.fullmatch(value.strip()):
                values[option] = normalize_colour(value.strip())
            else:
                problem(option, f"must be a hex colour such as #1a5fb4 (got {value!r})")
        elif option == "logo":
            logo = _load_logo(value, base, lambda message: problem("logo", message))
            if logo is not None:
                values["logo"] = logo
        else:
            text = " ".join(value.split())
            if not text:
                problem(option, "must not be empty")
            elif any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in text):
                problem(option, "must be plain text without control characters")
            elif len(text) > MAX_TEXT_LENGTHS[option]:
                problem(option, f"must be at most {MAX_TEXT_LENGTHS[option]} characters (got {len(text)})")
            else:
                values[option] = text
    if problems:
        raise ConfigError(problems)
    return Branding(**values) if values else None


def _load_logo(configured: str, base: Path, problem: Callable[[str], None]) -> Logo | None:
    path = base / configured
    suffix = path.suffix.lower()
    if suffix not in LOGO_MEDIA_TYPES:
        problem(f"must be an .svg or .png file (got {configured!r})")
        return None
    if not path.is_file():
        problem(f"no such file: {configured} (paths are relative to the folder of the configuration file)")
        return None
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        problem(f"must be at most 1 MiB (got {size} bytes): {configured}")
        return None
    data = path.read_bytes()
    refusal = _svg_problem(data) if suffix == ".svg" else None if data.startswith(PNG_SIGNATURE) else "is not a PNG image"
    if refusal:
        problem(f"{configured} {refusal}")
        return None
    return Logo(path.name, suffix, data)


def _svg_problem(data: bytes) -> str | None:
    """Why an SVG cannot be a logo, or None: it must be plain drawing, unable to run code or fetch anything.

    Refused rather than cleaned: a logo is a small file its owner can fix once, and a cleaner that
    misses one trick would put that trick on every page of the site.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    # No DTD means no entities: nothing to expand (billion laughs) and nothing external to load.
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        return "has a DOCTYPE or entity declarations: remove them"
    if re.search(r"<\?xml-stylesheet", text, re.I):
        return "loads a stylesheet: remove the <?xml-stylesheet?> line"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return f"is not well-formed SVG ({error})"
    if _local(root.tag) != "svg":
        return f"is not an SVG image (its root element is <{_local(root.tag)}>)"
    for element in root.iter():
        name = _local(element.tag)
        if name in SVG_FORBIDDEN_ELEMENTS:
            return f"contains <{name}>: a logo must be plain drawing, with no scripts, links, animation or embedded images"
        if name == "a":
            return "contains a link (<a>): remove it"
        if name == "style" and (element.text or "") and (EXTERNAL_URL.search(element.text) or "@import" in element.text):
            return "has a <style> that loads another file: remove url(...) and @import"
        for attribute, value in element.attrib.items():
            attribute = _local(attribute)
            if attribute.startswith("on"):
                return f"has a script attribute ({attribute}): remove it"
            if attribute in ("href", "src") and not value.strip().startswith("#"):
                return f"refers to another file ({attribute}={value[:60]!r}): a logo may refer only to its own parts (#id)"
            if EXTERNAL_URL.search(value):
                return f"loads another file ({attribute}={value[:60]!r}): a logo may refer only to its own parts (url(#id))"
    return None


def _local(tag: str) -> str:
    """An XML name without its namespace, lowercased: `{http://www.w3.org/2000/svg}Script` -> `script`."""
    return str(tag).rsplit("}", 1)[-1].lower()
