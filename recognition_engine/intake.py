"""One entry point for credential files in any supported format.

The project's own YAML/JSON (docs/formats.md) is read by `loaders`; ELM/EDC, Open Badges
3.0, EMREX ELMO and the CSV template by `formats`, detected from the content. Importer
notes (what a format could not carry, where outcomes came from) travel with the result.
"""

from __future__ import annotations

import json
from pathlib import Path

from .credential import MicroCredential
from .errors import InputError, Problem
from .loaders import credentials_from_data, parse_structured

NATIVE = "native"
_NATIVE_SUFFIXES = (".yaml", ".yml")


def _is_native_json(data: bytes) -> bool:
    """The project's JSON has no JSON-LD context or type: those mark the standard formats."""
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    docs = doc.get("credentials", [doc]) if isinstance(doc, dict) else doc
    return isinstance(docs, list) and all(isinstance(d, dict) and "@context" not in d and "type" not in d for d in docs)


def read_credential_bytes(data: bytes, source: str, fmt: str | None = None) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """Credentials and importer notes (by credential id) from one document."""
    if fmt == NATIVE or (fmt is None and (source.lower().endswith(_NATIVE_SUFFIXES) or _is_native_json(data))):
        return credentials_from_data(parse_structured(data, source), source), {}
    from .formats import read_credentials

    result = read_credentials(data, source, fmt)
    if not result.items:
        raise InputError([Problem(source, "", "", f"no credential found in this {result.format} document"
                                  + (f" ({'; '.join(result.notes)})" if result.notes else ""))])
    return result.credentials, result.credential_notes


def read_credential_path(path: str | Path, fmt: str | None = None) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """A file, or every file in a folder (sorted by name); every file's problems are reported."""
    return read_credential_paths([path], fmt)


def read_credential_paths(paths: list[str | Path], fmt: str | None = None) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """Files or folders (each folder's files sorted by name); every file's problems are reported."""
    files, problems = [], []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "", "", "file or folder not found"))
    credentials, notes = [], {}
    for f in files:
        try:
            found, found_notes = read_credential_bytes(f.read_bytes(), f.name, fmt)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        credentials += found
        notes.update(found_notes)
    if problems:
        raise InputError(problems)
    return credentials, notes
