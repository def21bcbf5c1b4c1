"""Joining tagged PDFs that WeasyPrint wrote in parts (a large card deck's chunks) into the one PDF of the whole."""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections import deque
from collections.abc import Iterable

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, StreamObject

# The joined file's own objects; every part's objects are numbered after them, in the order they are reached.
CATALOG, PAGES, STRUCT_TREE_ROOT, PARENT_TREE, DOCUMENT = 1, 2, 3, 4, 5
# What WeasyPrint's tagged PDF (pdf/ua-1) holds besides its pages. A part with anything else (form fields, a
# role map, attachments) is refused, never half joined.
CATALOG_KEYS = frozenset({"/Type", "/Pages", "/Lang", "/StructTreeRoot", "/ViewerPreferences", "/MarkInfo",
                          "/Metadata", "/Outlines", "/Names"})
# The catalog entries the joined file takes from the first part, as one document has them.
FIRST_PART_KEYS = ("/Lang", "/ViewerPreferences", "/MarkInfo", "/Metadata")
STRUCT_TREE_ROOT_KEYS = frozenset({"/Type", "/ParentTree", "/K"})
DOCUMENT_KEYS = frozenset({"/Type", "/S", "/K", "/P"})
OUTLINES_KEYS = frozenset({"/Type", "/Count", "/First", "/Last"})
# Objects other than streams are written compressed, this many to an object stream: the structure tree's
# elements (about 70 a card) take about four times the room of the rest of a deck when written plain.
OBJECTS_PER_STREAM = 500


class PdfJoin:
    """PDFs written by WeasyPrint with tags (pdf/ua-1), added in order, joined as if written as one document.

    The joined file has every part's pages in order; one structure tree whose Document element holds every
    part's elements in order, with a parent tree numbered as WeasyPrint numbers one document's: pages 0 to n - 1
    (each page's /StructParents), then the annotations' keys (their /StructParent), in order; the parts' outlines one
    after the other (each part's top-level items at the top level, so a part must start at a top-level heading);
    and their named destinations in one sorted list. Its catalog entries (/Lang, /MarkInfo, /ViewerPreferences,
    the XMP /Metadata) and its /Info are the first part's, and its /ID is [identifier, MD5 of the parts]: the same
    parts always give the same bytes. Fonts stay each part's own subset. A link to a named destination must be in
    the part that has the destination: WeasyPrint drops it from any other.

    Each part is read with pypdf and its objects are written out as soon as they are reached, renumbered: joining
    holds one part at a time besides the output and a few numbers per page.
    """

    def __init__(self, identifier: bytes):
        self.identifier = identifier
        self._output = io.BytesIO()
        # Where each object is: (1, its offset, 0), or (2, the object stream holding it, its index there).
        self._places: dict[int, tuple[int, int, int]] = {}
        self._held: list[tuple[int, bytes]] = []  # objects for the next object stream, written out
        self._next = DOCUMENT + 1
        self._pages: list[int] = []  # the pages' object numbers, in order
        self._page_entries: list[bytes] = []  # each page's parent tree entry, written out
        self._kids: list[int] = []  # the Document element's kids
        # The parent tree's keys after the pages' (WeasyPrint's annotation keys), in order: each one's entry, written
        # out, and the annotations that name it, written last, once the pages are counted and the keys known.
        self._slots: list[tuple[bytes, list[tuple[int, DictionaryObject]]]] = []
        # Written last too: the outline's top-level items, once their neighbours in the next part are known.
        self._outline: list[tuple[int, DictionaryObject]] = []
        self._outline_root: int | None = None  # the outline's own object, once a part has an outline
        self._outline_count = 0
        self._destinations: list[tuple[str, bytes, bytes]] = []  # named destinations: name, and both written out
        self._catalog: dict[str, bytes] = {}  # the first part's catalog entries, written out
        self._info: int | None = None
        self._digest = hashlib.md5()

    def add(self, pdf: bytes) -> None:
        """Join one more part: its objects are written now, and it is not needed again."""
        reader = PdfReader(io.BytesIO(pdf))
        self._digest.update(pdf)
        first = not self._pages
        catalog = reader.root_object
        tree = catalog["/StructTreeRoot"]
        parent_tree = tree["/ParentTree"]
        document = _only_document(tree)
        outlines = catalog.get("/Outlines")
        destinations = _destinations(catalog)
        _check(catalog, tree, document, parent_tree, outlines)

        # The part's own frame is the joined file's: references to it are redirected there.
        redirect = {catalog.indirect_reference.idnum: CATALOG, tree.indirect_reference.idnum: STRUCT_TREE_ROOT,
                    parent_tree.indirect_reference.idnum: PARENT_TREE, document.indirect_reference.idnum: DOCUMENT}
        nodes = [catalog["/Pages"]]
        while nodes:
            node = nodes.pop()
            redirect[node.indirect_reference.idnum] = PAGES
            nodes += [kid.get_object() for kid in node["/Kids"] if kid.get_object().get("/Type") == "/Pages"]
        if outlines is not None:
            if self._outline_root is None:
                self._outline_root, self._next = self._next, self._next + 1
            redirect[outlines.indirect_reference.idnum] = self._outline_root
        numbers: dict[int, int] = {}
        queue: deque[IndirectObject] = deque()

        def number(reference: IndirectObject) -> int:
            if reference.idnum in redirect:
                return redirect[reference.idnum]
            if reference.idnum not in numbers:
                numbers[reference.idnum] = self._next
                self._next += 1
                queue.append(reference)
            return numbers[reference.idnum]

        def renumber(value):
            """`value` with each reference renumbered (changed in place: the reader is dropped after this part)."""
            if isinstance(value, IndirectObject):
                return IndirectObject(number(value), 0, None)
            if isinstance(value, DictionaryObject):  # streams too: their data is copied as it is, still encoded
                for key, item in list(value.items()):
                    value[key] = renumber(item)
            elif isinstance(value, ArrayObject):
                for index, item in enumerate(value):
                    value[index] = renumber(item)
            return value

        # Object number -> the part's parent tree key, of its pages and of its annotations that have one.
        pages, annotations = {}, {}
        for page in reader.pages:
            pages[page.indirect_reference.idnum] = int(page["/StructParents"])
            for annotation in page.get("/Annots") or []:
                if not isinstance(annotation, IndirectObject):
                    raise ValueError("cannot join a PDF with an annotation that is not an indirect object")
                if "/StructParent" in annotation.get_object():
                    annotations[annotation.idnum] = int(annotation.get_object()["/StructParent"])
        page_numbers = {idnum: len(self._pages) + index for index, idnum in enumerate(pages)}
        self._pages += [number(page.indirect_reference) for page in reader.pages]
        self._kids += [number(kid) for kid in document.raw_get("/K")]
        tops = set()  # the outline's top-level items
        if outlines is not None:
            self._outline_count += int(outlines.get("/Count", 0))
            item = outlines.raw_get("/First")
            while item is not None:
                tops.add(item.idnum)
                number(item)
                item = dict.get(item.get_object(), "/Next")  # the reference itself, not the item it names
        self._destinations += [(str(name), _written(name), _written(renumber(destination)))
                               for name, destination in destinations]
        if first:
            self._catalog = {key: _written(renumber(catalog.raw_get(key))) for key in FIRST_PART_KEYS if key in catalog}
            if "/Info" in reader.trailer:
                self._info = number(reader.trailer.raw_get("/Info"))
            self._output.write(f"%{reader.pdf_header.lstrip('%')}\n".encode() + b"%\xf0\x9f\x96\xa4\n")
        held: dict[int, list[tuple[int, DictionaryObject]]] = {}  # this part's annotations, by their keys

        def write_reached() -> None:
            while queue:
                reference = queue.popleft()
                value = renumber(reference.get_object())
                if reference.idnum in pages:
                    value[NameObject("/StructParents")] = NumberObject(page_numbers[reference.idnum])
                if reference.idnum in annotations:
                    held.setdefault(annotations[reference.idnum], []).append((numbers[reference.idnum], value))
                elif reference.idnum in tops:
                    self._outline.append((numbers[reference.idnum], value))
                else:
                    self._write(numbers[reference.idnum], value)

        write_reached()
        # The parent tree's entries, by the pages' and annotations' keys. An entry may name an element that the
        # tree leaves out (WeasyPrint 70 leaves some text spans out of their parent's kids): it is written now, as
        # the one-document file has it.
        nums = parent_tree["/Nums"]
        entries = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
        self._page_entries += [_written(renumber(entries.pop(key))) for key in pages.values()]
        # The other keys, in their order: WeasyPrint numbers its annotations after the pages as it tags them. A key
        # may be named by no annotation: a pack's worksheet copies share their boxes, and with them their links'
        # elements, whose first copy's keys name the last copy's annotations; those are kept as they are.
        self._slots += [(_written(renumber(entries.pop(key))), held.pop(key, [])) for key in sorted(entries)]
        write_reached()
        if held:
            raise ValueError("cannot join a PDF whose annotations name keys its parent tree does not have")

    def write(self) -> bytes:
        """The joined PDF."""
        if not self._pages:
            raise ValueError("nothing to join")
        for key, (_, named_by) in enumerate(self._slots, start=len(self._pages)):
            for object_number, annotation in named_by:
                annotation[NameObject("/StructParent")] = NumberObject(key)
                self._write(object_number, annotation)
        catalog = dict(self._catalog)
        if self._outline:
            for index, (object_number, item) in enumerate(self._outline):
                # Each part's first and last items, linked to the parts' before and after.
                item.pop(NameObject("/Prev"), None)
                item.pop(NameObject("/Next"), None)
                if index:
                    item[NameObject("/Prev")] = IndirectObject(self._outline[index - 1][0], 0, None)
                if index + 1 < len(self._outline):
                    item[NameObject("/Next")] = IndirectObject(self._outline[index + 1][0], 0, None)
                self._write(object_number, item)
            self._write(self._outline_root, b"<< /Count %d /First %d 0 R /Last %d 0 R >>" % (
                self._outline_count, self._outline[0][0], self._outline[-1][0]))
            catalog["/Outlines"] = b"%d 0 R" % self._outline_root
        if self._destinations:
            names = b" ".join(b"%s %s" % (name, destination)
                              for _, name, destination in sorted(self._destinations, key=lambda item: item[0]))
            catalog["/Names"] = b"<< /Dests << /Names [%s] >> >>" % names
        self._write(CATALOG, b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 3 0 R"
                    + b"".join(b" " + key.encode() + b" " + value for key, value in catalog.items()) + b" >>")
        self._write(PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self._pages), _references(self._pages)))
        self._write(STRUCT_TREE_ROOT, b"<< /Type /StructTreeRoot /ParentTree 4 0 R /K [5 0 R] >>")
        entries = [*self._page_entries, *(entry for entry, _ in self._slots)]
        self._write(PARENT_TREE, b"<< /Nums [%s] >>" % b" ".join(b"%d %s" % item for item in enumerate(entries)))
        self._write(DOCUMENT, b"<< /Type /StructElem /S /Document /K [%s] /P 3 0 R >>" % _references(self._kids))
        self._flush()

        # The cross-reference stream, last: per object, 1 and its offset or 2, its object stream and its index there.
        xref = self._next
        self._next += 1
        self._places[xref] = (1, self._output.tell(), 0)
        rows = [(0, 0, 65535), *(self._places[object_number] for object_number in range(1, self._next))]
        widths = [1, max(1, (max(row[1] for row in rows).bit_length() + 7) // 8), 2]
        table = zlib.compress(b"".join(
            b"".join(value.to_bytes(width, "big") for value, width in zip(row, widths, strict=True)) for row in rows))
        info = b" /Info %d 0 R" % self._info if self._info is not None else b""
        identifier = re.sub(rb"([\\()])", rb"\\\1", self.identifier)  # a literal string, as WeasyPrint writes it
        self._output.write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [%d %d %d] /Root 1 0 R%s /ID [(%s) (%s)] /Filter /FlateDecode"
            b" /Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (
                xref, self._next, *widths, info, identifier, self._digest.hexdigest().encode(), len(table), table,
                self._places[xref][1]))
        return self._output.getvalue()

    def _write(self, object_number: int, value) -> None:
        """Write one object: a stream at once, anything else into the next object stream."""
        if isinstance(value, StreamObject):
            self._places[object_number] = (1, self._output.tell(), 0)
            self._output.write(b"%d 0 obj\n%s\nendobj\n" % (object_number, _written(value)))
            return
        self._held.append((object_number, value if isinstance(value, bytes) else _written(value)))
        if len(self._held) >= OBJECTS_PER_STREAM:
            self._flush()

    def _flush(self) -> None:
        """The objects held so far, written in one compressed object stream (as WeasyPrint writes its own)."""
        if not self._held:
            return
        stream = self._next
        self._next += 1
        offsets, bodies, offset = [], [], 0
        for index, (object_number, body) in enumerate(self._held):
            offsets.append(b"%d %d" % (object_number, offset))
            bodies.append(body)
            offset += len(body) + 1
            self._places[object_number] = (2, stream, index)
        head = b" ".join(offsets) + b"\n"
        data = zlib.compress(head + b"\n".join(bodies))
        self._places[stream] = (1, self._output.tell(), 0)
        self._output.write(b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                           % (stream, len(self._held), len(head), len(data)) + data + b"\nendstream\nendobj\n")
        self._held = []


def join_pdfs(parts: Iterable[bytes], identifier: bytes) -> bytes:
    """The PDFs `parts` (taken one at a time) joined into one: see PdfJoin."""
    join = PdfJoin(identifier)
    for part in parts:
        join.add(part)
    return join.write()


def _only_document(tree: DictionaryObject) -> DictionaryObject | None:
    """The structure tree's one kid, its Document element (as WeasyPrint writes it), or None."""
    kids = tree.raw_get("/K")
    return kids[0].get_object() if isinstance(kids, ArrayObject) and len(kids) == 1 else None


def _destinations(catalog: DictionaryObject) -> list[tuple]:
    """The catalog's named destinations, (name, destination) in order, as WeasyPrint writes them: one flat list."""
    names = catalog.get("/Names")
    if names is None:
        return []
    dests = names.get("/Dests")
    if set(names) - {"/Dests"} or dests is None or "/Names" not in dests or "/Kids" in dests:
        raise ValueError("cannot join a PDF whose /Names is other than one list of named destinations")
    flat = dests["/Names"]
    return [(flat[index], flat[index + 1]) for index in range(0, len(flat), 2)]


def _check(catalog, tree, document, parent_tree, outlines) -> None:
    """Refuse a part with what joining would lose or get wrong."""
    problems = [f"catalog {key}" for key in sorted(set(catalog) - CATALOG_KEYS)]
    problems += [f"structure tree root {key}" for key in sorted(set(tree) - STRUCT_TREE_ROOT_KEYS)]
    if document is None or document.get("/S") != "/Document" or set(document) - DOCUMENT_KEYS:
        problems.append("a structure tree other than one Document element")
    if "/Nums" not in parent_tree or "/Kids" in parent_tree:
        problems.append("a parent tree other than one /Nums array")
    if outlines is not None and (set(outlines) - OUTLINES_KEYS or "/First" not in outlines):
        problems.append("an outline other than WeasyPrint's")
    if problems:
        raise ValueError(f"cannot join a PDF with {', '.join(problems)}")


def _written(value) -> bytes:
    buffer = io.BytesIO()
    value.write_to_stream(buffer)
    return buffer.getvalue()


def _references(numbers: list[int]) -> bytes:
    return b" ".join(b"%d 0 R" % object_number for object_number in numbers)
