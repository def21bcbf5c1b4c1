"""Hostile model files found by walking the schema, and scanners that find anything live in built output."""

from __future__ import annotations

import itertools
import json
import typing
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from annotated_types import Ge
from bs4 import BeautifulSoup
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from coachbook.model.schema import ConversationModel, _http_url, _slug, _text
from coachbook.model.sequences import ConversationSequence

MARKER = "cbxss"
"""In every payload, so that an element or attribute made from model text is easy to find."""

PAYLOADS = (
    f"<img src=x onerror=alert(1) {MARKER}>",
    f'<script>alert("{MARKER}")</script>',
    f'"><svg onload=alert(1) {MARKER}>',
    f"'><iframe src=javascript:alert(1) {MARKER}></iframe>",
    f'[click](https://example.org/" onmouseover="alert(1) {MARKER})',
    f"`<b {MARKER}>` *</em><img src=x onerror=alert(1) {MARKER}>*",
    f"{{{{ 7*7 }}}} {{% raw %}} ${{{MARKER}}} </style><style>body{{background:url(https://evil.example/{MARKER})}}</style>",
    f"&lt;img src=x onerror=alert(1) {MARKER}&gt; &#60;script&#62;alert(1)&#60;/script&#62;",
    f'<!-- --><a href="javascript:alert(1)" {MARKER}>x</a> javascript:alert(1)',
    f"{{: onclick=\"alert(1)\" {MARKER} }} {{ #{MARKER} .{MARKER} }}",
    f"</div></li></ul><script>alert(1)</script><div {MARKER}>",
    f"]]><{MARKER}/> --> <![CDATA[ x ]]>",
    f'\\"); }} * {{ background: url(https://evil.example/{MARKER}); }} @import "https://evil.example/{MARKER}";',
    f"<a href=https://evil.example/{MARKER}>link</a> ![img](https://evil.example/{MARKER}.png)",
    f"<https://evil.example/{MARKER}> [ref][{MARKER}] [{MARKER}]: javascript:alert(1)",
    f"---\ntitle: {MARKER}\n---\n# {MARKER} {{ onclick=alert(1) }}\n\n<script>alert(1)</script>",
    f"<style>@import url(https://evil.example/{MARKER});</style><link rel=stylesheet href=https://evil.example/{MARKER}>",
    f"<object data=https://evil.example/{MARKER}></object><embed src=https://evil.example/{MARKER}>",
    f"a real [link](https://example.org/{MARKER}) that must not land inside another link",
)

HOSTILE_URL = f'https://example.org/"><img/src=x/onerror=alert(1)/{MARKER}>'
"""An http(s) address the schema accepts (no whitespace), with markup in its path."""


def _validators(metadata) -> set:
    found = set()
    for item in metadata:
        function = getattr(item, "func", None)
        if function is not None:
            found.add(function.__qualname__.split(".")[0] if function.__qualname__.startswith("_choice") else function)
    return found


def _leaf(annotation, metadata: list, path: tuple, texts: itertools.cycle, found: list) -> object:
    """A value for one field of the schema: hostile text wherever the schema takes free text."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *more = typing.get_args(annotation)
        # A Field(...) inside a nested Annotated keeps its constraints in its own metadata.
        more = [m for item in more for m in (item.metadata if isinstance(item, FieldInfo) else [item])]
        return _leaf(base, [*metadata, *more], path, texts, found)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _leaf(options[0], metadata, path, texts, found)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return [_leaf(item, [], (*path, index), texts, found) for index in range(2)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _fields(annotation, path, texts, found)
    validators = _validators(metadata)
    if annotation is int:
        lower = next((m.ge for m in metadata if isinstance(m, Ge)), 1)
        return lower
    if _slug in validators:
        return "hostile"
    if _http_url in validators:
        found.append(path)
        return HOSTILE_URL
    if "_choice" in validators:
        choice = next(m for m in metadata if getattr(getattr(m, "func", None), "__qualname__", "").startswith("_choice"))
        return choice.func.__closure__[0].cell_contents[0]
    if _text in validators:
        found.append(path)
        return next(texts)
    raise TypeError(f"the hostile model does not know how to fill {'.'.join(map(str, path))} ({annotation!r})")


def _fields(model: type[BaseModel], path: tuple, texts: itertools.cycle, found: list) -> dict:
    return {name: _leaf(info.annotation, list(info.metadata), (*path, name), texts, found)
            for name, info in model.model_fields.items()}


def hostile_model(model_id: str, offset: int = 0) -> tuple[dict, list[tuple]]:
    """A model with every field of the schema filled, every free text hostile; and the paths of those texts.

    `offset` shifts which payload lands where, so a translation carries other payloads in the same places.
    """
    texts = itertools.cycle(PAYLOADS[offset:] + PAYLOADS[:offset])
    found: list[tuple] = []
    data = _fields(ConversationModel, (), texts, found)
    data["id"] = model_id
    # Stage, step and scenario ids must be unique in the model, so they are numbered by their place.
    for stage_index, stage in enumerate(data["stages"]):
        stage["id"] = f"stage-{stage_index + 1}"
        for step_index, step in enumerate(stage["steps"]):
            step["id"] = f"step-{stage_index + 1}-{step_index + 1}"
    for scenario_index, scenario in enumerate(data["practice"]):
        scenario["id"] = f"scenario-{scenario_index + 1}"
    data["tags"] = [MARKER, "hostile"]
    return data, found


def hostile_sequence(sequence_id: str, model_id: str) -> tuple[dict, list[tuple]]:
    """A sequence with every field of its schema filled, every free text hostile, naming the model `model_id`;
    and the paths of those texts."""
    texts = itertools.cycle(PAYLOADS[3:] + PAYLOADS[:3])  # other payloads than the model's in the same places
    found: list[tuple] = []
    data = _fields(ConversationSequence, (), texts, found)
    data["id"] = sequence_id
    for entry in data["entries"]:
        entry["model"] = model_id
    return data, found


HOSTILE_BRANDING = {"organization": f"<img src=x onerror=alert(1) {MARKER}>",
                    "footer": f"</p><script>alert('{MARKER}')</script><p {MARKER}>"}
"""Branding options with hostile text, for the hostile site."""


def dump_yaml(data: dict) -> str:
    """A model (or any data) as a YAML file's text."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


# --------------------------------------------------------------------------- scanners

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "srcset", "xlink:href", "background"}


def live_in_html(markup: str, where: str) -> list[str]:
    """Everything in an HTML document or fragment that model text could have made live."""
    problems = []
    soup = BeautifulSoup(markup, "html.parser")
    for element in soup.find_all(True):
        name = element.name.lower()
        if MARKER in name:
            problems.append(f"{where}: element <{name}> made from model text")
        if name == "a" and element.find_parent("a") is not None:  # a browser would tear the outer link apart
            problems.append(f"{where}: a link inside a link ({element.get_text()[:40]!r})")
        if name == "script" and str(element.get("type", "")).lower() == "application/json":
            problems += live_in_json_script(element.string or "", where)
        elif name in ("script", "style") and MARKER in element.get_text():
            problems.append(f"{where}: <{name}> holds model text")
        for attribute, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            attribute = attribute.lower()
            if MARKER in attribute or attribute.startswith("on"):
                problems.append(f"{where}: attribute {attribute}= on <{name}>")
            if attribute == "style" and MARKER in value:
                problems.append(f"{where}: style attribute holds model text on <{name}>")
            if attribute in URL_ATTRIBUTES:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in SAFE_SCHEMES:
                    problems.append(f"{where}: {attribute}={value[:60]!r} on <{name}>")
                if MARKER in value and (name, attribute) != ("a", "href"):
                    problems.append(f"{where}: {attribute}={value[:60]!r} on <{name}> loads model text")
    return problems


def live_in_json_script(body: str, where: str) -> list[str]:
    """A JSON data block may hold model text, as JSON that nothing in it can end: no `<`, `>` or `&` at all."""
    problems = [f"{where}: {c!r} in a JSON script" for c in "<>&\u2028\u2029" if c in body]
    try:
        json.loads(body)
    except ValueError as error:
        problems.append(f"{where}: a JSON script that is not JSON ({error})")
    return problems


def live_in_chooser_data(path: Path) -> list[str]:
    """The chooser's data file: JSON whose links are the build's own relative paths, every text a plain string."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for model in data["models"]:
        for url in [model["page"], *(kit["url"] for kit in model["kits"])]:
            if urlsplit(url).scheme or urlsplit(url).netloc or MARKER in url:
                problems.append(f"{path}: link {url[:60]!r} of {model['id']}")
        for field in ("title", "summary", "use_when", "avoid_when"):
            for text in model[field] if isinstance(model[field], list) else [model[field]]:
                # Plain text: markup stays characters, and no entity is left for an HTML parser to decode.
                if not isinstance(text, str) or "&lt;" in text or "&gt;" in text or "&amp;" in text:
                    problems.append(f"{path}: {field} of {model['id']} is not plain text: {str(text)[:60]!r}")
    return problems


def live_in_search_index(path: Path) -> list[str]:
    problems = []
    for document in json.loads(path.read_text(encoding="utf-8"))["docs"]:
        for field in ("title", "text"):
            problems += live_in_html(document.get(field, ""), f"{path.name} {document['location']} {field}")
    return problems


def live_in_sitemap(path: Path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    problems = [f"{path}: <{e.name}>" for e in soup.find_all(True) if e.name not in ("urlset", "url", "loc", "lastmod", "changefreq", "priority")]
    for loc in soup.find_all("loc"):
        if urlsplit(loc.get_text().strip()).scheme not in ("http", "https"):
            problems.append(f"{path}: <loc> {loc.get_text()[:60]!r}")
    return problems


def live_in_pdf(path: Path) -> list[str]:
    """Links that are not http(s) or mailto, JavaScript, launch actions and embedded files in a PDF."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject

    problems = []
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    if names is not None and ("/JavaScript" in names or "/EmbeddedFiles" in names):
        problems.append(f"{path.name}: document-level JavaScript or embedded files")
    for key in ("/OpenAction", "/AA"):
        if key in root:
            problems.append(f"{path.name}: {key} in the catalog")
    seen: set = set()

    def walk(value, where: str) -> None:
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                return
            seen.add(value.idnum)
            value = value.get_object()
        if isinstance(value, DictionaryObject):
            action = value.get("/S")
            if action in ("/JavaScript", "/Launch", "/GoToR", "/ImportData", "/SubmitForm", "/GoToE"):
                problems.append(f"{path.name} {where}: {action} action")
            if "/JS" in value or "/EmbeddedFile" in value or value.get("/Type") == "/Filespec":
                problems.append(f"{path.name} {where}: JavaScript or an embedded file")
            if "/URI" in value:
                uri = str(value["/URI"])
                if urlsplit(uri).scheme.lower() not in SAFE_SCHEMES:
                    problems.append(f"{path.name} {where}: link to {uri[:80]!r}")
            for key, item in value.items():
                if key not in ("/Parent", "/P", "/Contents", "/Font", "/Resources"):
                    walk(item, f"{where}{key}")
        elif isinstance(value, list):
            for item in value:
                walk(item, where)

    for number, page in enumerate(reader.pages, start=1):
        walk(page.get("/Annots"), f"page {number} /Annots")
        walk(page.get("/AA"), f"page {number} /AA")
    walk(root.get("/AcroForm"), "/AcroForm")
    walk(root.get("/Outlines"), "/Outlines")
    return problems
