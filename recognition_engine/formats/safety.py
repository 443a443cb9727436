"""Safe parsing of untrusted input: size, depth and element-count limits, no entity expansion.

Every credential file comes from outside the institution, so each parser here is defensive:

- the input is refused before parsing when it is larger than `Limits.max_bytes`;
- XML is parsed with defusedxml with document type declarations forbidden, so no internal
  entity can be expanded (billion laughs) and no external entity or DTD is fetched (XXE);
- XML nesting deeper than `Limits.max_depth`, or more elements than `Limits.max_elements`,
  stops the parser as soon as the limit is passed;
- JSON is scanned for nesting depth and container count before `json.loads` runs, so a
  deeply nested document cannot exhaust the recursion limit;
- every refusal is an `InputError` whose problem names the element (or line) and says why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from ..errors import InputError, Problem


@dataclass(frozen=True)
class Limits:
    """Limits applied to every input. The defaults fit a transcript of a few hundred courses."""

    max_bytes: int = 5_000_000
    max_depth: int = 64
    max_elements: int = 200_000


DEFAULT_LIMITS = Limits()


def fail(source: str, location: str, field: str, message: str) -> InputError:
    return InputError([Problem(source, location, field, message)])


def check_size(data: bytes, source: str, limits: Limits) -> None:
    """Refuse, before anything parses it, input that is too large, empty or not text at all."""
    if not isinstance(data, (bytes, bytearray)):
        raise fail(source, "", "", f"expected the file content as bytes, got {type(data).__name__}")
    if len(data) > limits.max_bytes:
        raise fail(source, "", "", f"the input is {len(data):,} bytes, more than the limit of {limits.max_bytes:,} bytes")
    kind = binary_kind(data)
    if kind:
        raise fail(source, "", "", kind)


# Leading bytes of files that are not text, and what to tell the person who sent them.
_MAGIC = (
    (b"%PDF", "this is a PDF document, not a credential file: ask for the credential's XML or JSON (a PDF "
              "print-out cannot be read)"),
    (b"\xd0\xcf\x11\xe0", "this is an old Microsoft Office file (.xls or .doc), not text: save a spreadsheet as "
                          "CSV (UTF-8)"),
    (b"\x89PNG", "this is a PNG image, not a credential file"),
    (b"\xff\xd8\xff", "this is a JPEG image, not a credential file"),
    (b"GIF8", "this is a GIF image, not a credential file"),
    (b"\x1f\x8b", "this is a gzip archive, not a credential file: unpack it first"),
    (b"\xff\xfe", "this is UTF-16 text: save it as UTF-8"),
    (b"\xfe\xff", "this is UTF-16 text: save it as UTF-8"),
)


OFFICE_ZIPS = {
    "spreadsheet": "this is a spreadsheet (.xlsx/.ods), not text: save it as CSV (UTF-8)",
    "document": "this is a word-processor document (.docx/.odt), not a credential file",
}


def zip_kind(data: bytes) -> str | None:
    """"spreadsheet" or "document" for an office file (a zip inside), from its member names
    (the zip's directory only: nothing is unpacked), else None."""
    import io
    import zipfile

    try:
        names = zipfile.ZipFile(io.BytesIO(bytes(data))).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        head = bytes(data[:4096])
        return "spreadsheet" if b"xl/" in head else "document" if b"word/" in head else None
    if any(n.startswith("xl/") for n in names) or b"opendocument.spreadsheet" in bytes(data[:200]):
        return "spreadsheet"
    if any(n.startswith("word/") for n in names) or b"opendocument.text" in bytes(data[:200]):
        return "document"
    return None


def binary_kind(data: bytes) -> str | None:
    """What a non-text file is (a PDF, a spreadsheet, an empty file...), or None for text."""
    head = bytes(data[:4096])
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        return "the file is empty" if not data else "the file holds only white space"
    for magic, message in _MAGIC:
        if head.startswith(magic):
            return message
    if head.startswith(b"PK\x03\x04"):
        return OFFICE_ZIPS.get(zip_kind(data), "this is a zip archive: give its files one by one, or use it as a "
                               "batch of transcripts")
    if b"\x00" in head:
        return "this is a binary file (it holds NUL bytes), not text"
    return None


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # "UTF-8", "UTF-8 with BOM", "Windows-1252" or "Latin-1"
    # Bytes that are not UTF-8 in a file that otherwise is: kept as lone surrogates
    # (U+DC80-U+DCFF), so that the line or row holding them can fail alone.
    bad_bytes: bool = False


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def detect_encoding(data: bytes) -> Decoded:
    """Decode text as UTF-8 (with or without a byte-order mark) or, when it is not UTF-8 at
    all, as Windows-1252 (Latin-1 when it holds bytes Windows-1252 leaves undefined). A file
    that is UTF-8 except for a few bytes is decoded as UTF-8 with those bytes marked."""
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):
        body, label = data[3:], "UTF-8 with BOM"
    else:
        body, label = data, "UTF-8"
    try:
        return Decoded(body.decode("utf-8"), label)
    except UnicodeDecodeError:
        pass
    if label == "UTF-8" and not _UTF8_MULTIBYTE.search(body):
        if any(b in _CP1252_UNDEFINED for b in body):
            return Decoded(body.decode("latin-1"), "Latin-1")
        return Decoded(body.decode("cp1252"), "Windows-1252")
    return Decoded(body.decode("utf-8", errors="surrogateescape"), label, bad_bytes=True)


_BAD = re.compile("[\udc80-\udcff]")


def bad_byte_problem(text: str) -> str | None:
    """The encoding problem of a line or cell decoded with marked bytes, or None."""
    m = _BAD.search(text)
    if not m:
        return None
    byte = ord(m.group()) - 0xDC00
    guess = bytes([byte]).decode("cp1252", errors="replace")
    return (f"byte 0x{byte:02X} at character {m.start() + 1} is not UTF-8 (the rest of the file is UTF-8; in "
            f"Windows-1252 it would be {guess!r}): re-save this row as UTF-8")


def decode_text(data: bytes, source: str) -> str:
    """Text in UTF-8 (a byte-order mark is dropped) or Windows-1252/Latin-1 (see detect_encoding).
    A UTF-8 file with a few bytes that are not is refused naming the line."""
    decoded = detect_encoding(data)
    if decoded.bad_bytes:
        for n, line in enumerate(decoded.text.splitlines(), start=1):
            problem = bad_byte_problem(line)
            if problem:
                raise fail(source, f"line {n}", "", problem)
    return decoded.text


# --- JSON -----------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse JSON after checking size, nesting depth and container count."""
    check_size(data, source, limits)
    return load_json_text(decode_text(data, source), source, limits)


def load_json_text(text: str, source: str, limits: Limits = DEFAULT_LIMITS, location: str = "") -> Any:
    """Parse JSON text with the depth and count limits (for one line of JSON Lines, too)."""
    if len(text) > limits.max_bytes:
        raise fail(source, location, "", f"the JSON is {len(text):,} characters, more than the limit of {limits.max_bytes:,}")
    depth = count = 0
    for m in _JSON_TOKENS.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            continue
        if tok in "[{":
            depth += 1
            count += 1
            if depth > limits.max_depth:
                raise fail(source, _line_col(text, m.start()), "",
                           f"JSON nesting is deeper than the limit of {limits.max_depth} levels")
            if count > limits.max_elements:
                raise fail(source, _line_col(text, m.start()), "",
                           f"more than {limits.max_elements:,} JSON objects and arrays")
        else:
            depth -= 1
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise fail(source, f"line {exc.lineno}, column {exc.colno}", "", f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:  # NaN / Infinity
        raise fail(source, "", "", f"invalid JSON: {exc}") from None
    except RecursionError:  # belt and braces: the scan above should already have refused it
        raise fail(source, "", "", f"JSON nesting is deeper than the limit of {limits.max_depth} levels") from None


# --- YAML -----------------------------------------------------------------------------------

def load_yaml(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse YAML after checking size, nesting depth and node count on the event stream (which
    PyYAML produces without recursion), counting what each alias would expand to."""
    import yaml

    check_size(data, source, limits)
    text = decode_text(data, source)
    depth = count = 0
    sizes: dict[str, int] = {}  # anchor -> nodes it expands to
    open_anchors: list[tuple[str | None, int]] = []  # (anchor, count when the container opened)
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                count += 1
                open_anchors.append((event.anchor, count))
                if depth > limits.max_depth:
                    raise fail(source, f"line {event.start_mark.line + 1}", "",
                               f"YAML nesting is deeper than the limit of {limits.max_depth} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                anchor, opened = open_anchors.pop()
                if anchor:
                    sizes[anchor] = count - opened + 1
            elif isinstance(event, yaml.ScalarEvent):
                count += 1
            elif isinstance(event, yaml.AliasEvent):
                count += sizes.get(event.anchor, 1)
            if count > limits.max_elements:
                raise fail(source, f"line {event.start_mark.line + 1}", "",
                           f"more than {limits.max_elements:,} YAML nodes (aliases counted as what they expand to)")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise fail(source, where, "", f"invalid YAML: {getattr(exc, 'problem', None) or exc}") from None


# --- XML ------------------------------------------------------------------------------------

class _LimitExceeded(Exception):
    def __init__(self, message: str, tag: str, line: int | None):
        super().__init__(message)
        self.message, self.tag, self.line = message, tag, line


class _LimitedTreeBuilder(TreeBuilder):
    """A TreeBuilder that stops the parse as soon as depth or element count passes the limit."""

    def __init__(self, limits: Limits):
        super().__init__()
        self.limits = limits
        self.depth = 0
        self.count = 0
        self.parser: Any = None

    def _line(self) -> int | None:
        expat = getattr(self.parser, "parser", None)
        return getattr(expat, "CurrentLineNumber", None)

    def start(self, tag, attrs):  # type: ignore[override]
        self.depth += 1
        self.count += 1
        if self.depth > self.limits.max_depth:
            raise _LimitExceeded(f"XML nesting is deeper than the limit of {self.limits.max_depth} levels",
                                 tag, self._line())
        if self.count > self.limits.max_elements:
            raise _LimitExceeded(f"more than {self.limits.max_elements:,} XML elements", tag, self._line())
        return super().start(tag, attrs)

    def end(self, tag):  # type: ignore[override]
        self.depth -= 1
        return super().end(tag)


def local_name(tag: str) -> str:
    """'{namespace}elmo' -> 'elmo'."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


def parse_xml(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Element:
    """Parse XML with no DTD, no entity expansion, no external resources, and the given limits."""
    check_size(data, source, limits)
    try:
        from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
        from defusedxml.ElementTree import DefusedXMLParser
    except ImportError:  # pragma: no cover - defusedxml is a dependency of the formats package
        raise fail(source, "", "", "XML input needs the 'defusedxml' package; install it with pip") from None
    builder = _LimitedTreeBuilder(limits)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(bytes(data))
        root = parser.close()
    except _LimitExceeded as exc:
        where = f"line {exc.line}" if exc.line else ""
        raise fail(source, where, f"<{local_name(exc.tag)}>", exc.message) from None
    except DTDForbidden as exc:
        raise fail(source, "", f"<!DOCTYPE {exc.name}>",
                   "document type declarations are not accepted: a DTD can define entities that expand "
                   "(billion laughs) or load external files (XXE); remove the DOCTYPE") from None
    except EntitiesForbidden as exc:
        raise fail(source, "", f"<!ENTITY {exc.name}>", "entity declarations are not accepted") from None
    except ExternalReferenceForbidden as exc:
        raise fail(source, "", exc.sysid or "external reference",
                   "references to external resources are not accepted") from None
    except ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        message = str(exc).split(": line")[0]
        raise fail(source, f"line {line}, column {col}" if line else "", "", f"malformed XML: {message}") from None
    except RecursionError:  # pragma: no cover - the depth limit stops the parse first
        raise fail(source, "", "", f"XML nesting is deeper than the limit of {limits.max_depth} levels") from None
    return root
