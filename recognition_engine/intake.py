"""One entry point for credential files in any supported format.

Every format, the project's own YAML/JSON included, is read by `formats.read_credentials`,
detected from the content (a .yaml/.yml name marks the project's YAML), with the size, depth
and element limits applied before anything is parsed. Importer notes (what a format could not
carry, where outcomes came from) travel with the result. A transcript of records (ELMO, EWP)
yields the credentials of every report.
"""

from __future__ import annotations

from pathlib import Path

from .credential import MicroCredential
from .errors import InputError, Problem
from .formats import read_credentials
from .formats.safety import DEFAULT_LIMITS, Limits

NATIVE = "native"
_NATIVE_SUFFIXES = (".yaml", ".yml")


def read_credential_bytes(data: bytes, source: str, fmt: str | None = None, limits: Limits = DEFAULT_LIMITS
                          ) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """Credentials and importer notes (by credential id) from one document."""
    if fmt is None and source.lower().endswith(_NATIVE_SUFFIXES):
        fmt = NATIVE
    result = read_credentials(data, source, fmt, limits=limits)
    if not result.items:
        what = ("a learning agreement is a plan and holds no credential: give the transcript of records"
                if result.learning_agreements else f"no credential found in this {result.format} document")
        raise InputError([Problem(source, "", "", what + (f" ({'; '.join(result.notes)})" if result.notes else ""))])
    notes = {item.id: item.notes for item in result.items}
    for note in result.notes:
        # A note about one part of the file ("tor[2]/elmo: ...") goes with that part's credentials;
        # a note about the whole file goes with each of them.
        prefix = note.split(": ", 1)[0]
        items = [it for it in result.items if it.location.startswith(prefix)] or result.items
        for item in items:
            notes[item.id] = (*notes[item.id], note)
    return result.credentials, notes


def read_credential_path(path: str | Path, fmt: str | None = None, limits: Limits = DEFAULT_LIMITS
                         ) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """A file, or every file in a folder (sorted by name); every file's problems are reported."""
    return read_credential_paths([path], fmt, limits)


def read_credential_paths(paths: list[str | Path], fmt: str | None = None, limits: Limits = DEFAULT_LIMITS
                          ) -> tuple[list[MicroCredential], dict[str, tuple[str, ...]]]:
    """Files or folders (each folder's files sorted by name); every file's problems are reported.
    A file larger than the limit is refused from its size, before it is read."""
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
        size = f.stat().st_size
        if size > limits.max_bytes:
            problems.append(Problem(f.name, "", "", f"the input is {size:,} bytes, more than the limit of "
                                    f"{limits.max_bytes:,} bytes"))
            continue
        try:
            found, found_notes = read_credential_bytes(f.read_bytes(), f.name, fmt, limits)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        credentials += found
        notes.update(found_notes)
    if problems:
        raise InputError(problems)
    return credentials, notes
