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
    if not isinstance(data, (bytes, bytearray)):
        raise fail(source, "", "", f"expected the file content as bytes, got {type(data).__name__}")
    if len(data) > limits.max_bytes:
        raise fail(source, "", "", f"the input is {len(data):,} bytes, more than the limit of {limits.max_bytes:,} bytes")
    if not data.strip():
        raise fail(source, "", "", "the input is empty")


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); a decoding error names the byte offset."""
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(source, f"byte {exc.start}", "", "the input is not UTF-8 text") from None


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
    text = decode_text(data, source)
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
