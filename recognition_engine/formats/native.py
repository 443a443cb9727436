"""The project's own YAML/JSON credential format (docs/formats.md), read with the same limits
as every other format: size, nesting depth and node count are checked before anything is built."""

from __future__ import annotations

from typing import Any

from .result import ImportedCredential, ImportResult
from .safety import DEFAULT_LIMITS, Limits, load_json, load_yaml

FORMAT = "native"


def looks_like_native(doc: Any) -> bool:
    """A mapping of Annex I elements (or a list of them, or {credentials: [...]}) with no JSON-LD
    context or type, which mark the standard formats."""
    if isinstance(doc, dict) and isinstance(doc.get("credentials"), list):
        doc = doc["credentials"]
    docs = doc if isinstance(doc, list) else [doc]
    return bool(docs) and all(isinstance(d, dict) and "@context" not in d and "type" not in d
                              and "payload" not in d for d in docs)


def parse(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    head = bytes(data[:64]).lstrip(b"\xef\xbb\xbf \t\r\n")
    return load_json(data, source, limits) if head.startswith((b"{", b"[")) else load_yaml(data, source, limits)


def read(doc: Any, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    from ..loaders import credentials_from_data  # loaders reads files with this package's safety limits

    credentials = credentials_from_data(doc, source)
    several = len(credentials) > 1
    items = tuple(ImportedCredential(credential=c, location=f"credentials[{i}]" if several else "")
                  for i, c in enumerate(credentials))
    return ImportResult(format=FORMAT, source=source, items=items)
