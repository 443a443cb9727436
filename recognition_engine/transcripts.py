"""Batch intake: ELMO transcripts with their EWP learning agreements, from a folder or a zip.

A registrar receives, for each outgoing student, the transcript of records from the receiving
institution and the learning agreement signed before the mobility. `read_transcripts` reads them
all, pairs each transcript with its agreement, checks the transcript against the agreement
(`formats.check_transcript`) and returns what to assess: for each component to be recognised
at home, the home course (the purpose) and the studied components that count for it.

Inputs, recognised by their content (never by file name):

- an EMREX ELMO document (root `<elmo>`);
- an EWP Transcript of Records response (root `...tors-get-response`): each `<tor>` holds an
  `<omobility-id>` and an embedded `<elmo>`;
- an EWP Online Learning Agreement response (root `<omobility-las-get-response>`).

Pairing a transcript with its agreement: by the mobility id when the transcript carries one
(an EWP ToR response), otherwise by the learner's name (case, accents and punctuation folded)
and the receiving institution (the agreement's receiving HEI among the transcript issuer's
identifiers). Pairing studied components with components to be recognised: the learning
agreement does not link them one to one, so when there is a single component to be
recognised every studied component counts for it (assessed together, as a stack); when the
two lists are equally long they are paired in order, and the pair says so; otherwise the
pairing is reported as a row error rather than guessed.

Home course ids come from the components to be recognised: `los-code`, else `los-id`, else
`loi-id` when it is a catalogue course id, else a title equal to exactly one catalogue course
title. Everything that cannot be matched becomes a row error (a `Problem` naming the file,
the element and the reason); nothing raises a traceback.

Archives are read in memory, never extracted: member names that are absolute or climb out
(`../evil`), links, encrypted members, members larger than the limit (also when the header
lies about the size), and archives with too many entries or too many bytes are refused.
"""

from __future__ import annotations

import io
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable
from xml.etree.ElementTree import Element

from .catalogue import Catalogue
from .credential import MicroCredential
from .errors import InputError, Problem
from .formats import elmo as elmo_format
from .formats import ewp as ewp_format
from .formats import _xml as x
from .formats.ewp import TranscriptCheck, check_transcript
from .formats.result import ImportResult, LAComponent, LearningAgreement
from .formats.safety import DEFAULT_LIMITS, Limits, binary_kind, local_name, parse_xml
from .loaders import parse_structured


@dataclass(frozen=True)
class BatchLimits:
    """Limits on a batch. Every file also passes `parse` (size, depth, elements of one document)."""

    max_files: int = 500  # files in a folder, or entries in an archive
    max_file_bytes: int = DEFAULT_LIMITS.max_bytes
    max_total_bytes: int = 100_000_000  # all files together (uncompressed)
    max_archive_bytes: int = 50_000_000  # the archive file itself
    parse: Limits = DEFAULT_LIMITS


DEFAULT_BATCH_LIMITS = BatchLimits()


@dataclass(frozen=True)
class InputFile:
    name: str  # the name within the folder or archive
    data: bytes


@dataclass(frozen=True)
class Transcript:
    source: str  # file name, with the <tor> position for an EWP ToR response
    result: ImportResult
    omobility_id: str | None = None
    learner_name: str | None = None
    issuer_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Agreement:
    source: str
    agreement: LearningAgreement


@dataclass(frozen=True)
class AssessmentPair:
    """What to assess: the studied components on the transcript, for one home course."""

    credentials: tuple[MicroCredential, ...]  # one, or several to be assessed together (a stack)
    purpose: str  # home course id
    omobility_id: str
    transcript: str
    agreement: str
    studied: tuple[str, ...]  # titles of the studied components
    recognised: str  # title of the component to be recognised
    matched_by: str  # how the transcript was paired with the agreement
    paired_by: str  # how studied and to-be-recognised components were paired
    notes: tuple[str, ...] = ()

    @property
    def stacked(self) -> bool:
        return len(self.credentials) > 1

    @property
    def credential_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.credentials)


@dataclass(frozen=True)
class TranscriptBatch:
    pairs: tuple[AssessmentPair, ...]
    errors: tuple[Problem, ...]  # row errors: files, agreements and components that could not be used
    checks: tuple[tuple[str, TranscriptCheck], ...] = ()  # (omobility id, the transcript check)
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # importer notes by credential id
    home_schac: str | None = None  # the agreements' sending institution, when they all name the same one
    learners: tuple[str, ...] = ()  # every learner named by a transcript or an agreement (row errors may name them)


def read_outcomes_mapping(data: bytes, source: str) -> dict[str, Any]:
    """A YAML or JSON mapping from LOS identifier or URL to learning outcomes (ELMO has no
    learning-outcomes element, so an institution may supply them beside the transcripts)."""
    mapping = parse_structured(data, source)
    if not isinstance(mapping, dict):
        raise InputError([Problem(source, "", "", "expected a mapping from LOS identifier or URL to learning outcomes")])
    return mapping


# --- reading a folder or an archive ---------------------------------------------------------

def _too_many(source: str, count: int, limits: BatchLimits, what: str) -> InputError:
    return InputError([Problem(source, "", "", f"{count:,} {what}, more than the limit of {limits.max_files:,}; "
                               "split the batch")])


def read_folder(path: Path, limits: BatchLimits = DEFAULT_BATCH_LIMITS) -> tuple[list[InputFile], list[Problem]]:
    """The files under a folder (subfolders too; links are not followed), sorted by name."""
    files, problems, total = [], [], 0
    entries: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        entries += [Path(dirpath) / f for f in filenames if not f.startswith(".")]
        if len(entries) > limits.max_files:
            raise _too_many(str(path), len(entries), limits, "files in the folder")
    for p in sorted(entries):
        name = p.relative_to(path).as_posix()
        if p.is_symlink() or not p.is_file():
            problems.append(Problem(name, "", "", "a link or special file, not read"))
            continue
        size = p.stat().st_size
        if size > limits.max_file_bytes:
            problems.append(Problem(name, "", "", f"{size:,} bytes, more than the limit of {limits.max_file_bytes:,}; not read"))
            continue
        total += size
        if total > limits.max_total_bytes:
            raise InputError([Problem(str(path), "", "", f"the files hold more than {limits.max_total_bytes:,} bytes together; "
                                      "split the batch")])
        files.append(InputFile(name, p.read_bytes()))
    return files, problems


def _unsafe_name(name: str) -> str | None:
    """Why an archive member name is refused, or None when it is safe."""
    if not name or "\x00" in name:
        return "an empty name or a NUL character"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = re.split(r"[\\/]+", name)
    if ".." in parts:
        return "a path that climbs out of the archive ('..')"
    return None


def _check_archive_size(source: str, size: int, limits: BatchLimits) -> None:
    if size > limits.max_archive_bytes:
        raise InputError([Problem(source, "", "", f"the archive is {size:,} bytes, more than the limit of "
                                  f"{limits.max_archive_bytes:,}")])


def read_zip(path: Path, limits: BatchLimits = DEFAULT_BATCH_LIMITS) -> tuple[list[InputFile], list[Problem]]:
    """The members of a zip archive file, read in memory (nothing is written to disk)."""
    _check_archive_size(path.name, path.stat().st_size, limits)
    return read_archive(path.read_bytes(), path.name, limits)


def read_archive(data: bytes, source: str, limits: BatchLimits = DEFAULT_BATCH_LIMITS) -> tuple[list[InputFile], list[Problem]]:
    """The members of a zip archive given as bytes (an upload), read in memory."""
    _check_archive_size(source, len(data), limits)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError([Problem(source, "", "", f"not a readable zip archive ({exc})")]) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_files:
            raise _too_many(source, len(infos), limits, "entries in the archive")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            raise InputError([Problem(source, "", "", f"the archive unpacks to {declared:,} bytes, more than the limit of "
                                      f"{limits.max_total_bytes:,}")])
        files, problems, seen, total = [], [], set(), 0
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            where = f"{source}!{name}"
            why = _unsafe_name(name)
            if why:
                problems.append(Problem(source, f"entry {name!r}", "", f"refused: {why}"))
                continue
            if info.is_dir():
                continue
            base = PurePosixPath(name.replace("\\", "/")).name
            if base.startswith(".") or name.startswith("__MACOSX/"):
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                problems.append(Problem(where, "", "", "refused: a symbolic link"))
                continue
            if info.flag_bits & 0x1:
                problems.append(Problem(where, "", "", "refused: an encrypted entry"))
                continue
            if name in seen:
                problems.append(Problem(where, "", "", "refused: a second entry with the same name"))
                continue
            seen.add(name)
            if info.file_size > limits.max_file_bytes:
                problems.append(Problem(where, "", "", f"{info.file_size:,} bytes, more than the limit of "
                                        f"{limits.max_file_bytes:,}; not read"))
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(limits.max_file_bytes + 1)  # never more, whatever the header says
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError) as exc:
                problems.append(Problem(where, "", "", f"cannot be read from the archive ({type(exc).__name__}: {exc})"))
                continue
            if len(data) > limits.max_file_bytes:
                problems.append(Problem(where, "", "", f"unpacks to more than {limits.max_file_bytes:,} bytes; not read"))
                continue
            total += len(data)
            if total > limits.max_total_bytes:
                raise InputError([Problem(source, "", "", f"the archive unpacks to more than {limits.max_total_bytes:,} bytes")])
            files.append(InputFile(name, data))
    return files, problems


def read_files(path: str | Path, limits: BatchLimits = DEFAULT_BATCH_LIMITS) -> tuple[list[InputFile], list[Problem]]:
    """The files of a folder or of a zip archive, with the problems of those that could not be read."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path, limits)
    if path.is_file():
        if zipfile.is_zipfile(path):
            return read_zip(path, limits)
        raise InputError([Problem(path.name, "", "", "expected a folder or a .zip archive of transcripts and learning agreements")])
    raise InputError([Problem(str(path), "", "", "file or folder not found")])


# --- classifying and importing each file ----------------------------------------------------

def _guarded(source: str, errors: list[Problem], fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except InputError as exc:
        errors.extend(exc.problems)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        errors.append(Problem(source, "", "", f"could not be read: an element has an unexpected structure "
                              f"({type(exc).__name__}: {exc})"))
    return None


def _learner_name(root: Element) -> str | None:
    learner = x.child(root, "learner")
    parts = [x.child_text(learner, "givenNames"), x.child_text(learner, "familyName")]
    return " ".join(p for p in parts if p) or x.child_text(learner, "fullName")


def _issuer_ids(root: Element) -> frozenset[str]:
    ids = set()
    for report in x.children(root, "report"):
        for ident in x.children(x.child(report, "issuer"), "identifier"):
            if x.text(ident):
                ids.add(x.text(ident).strip().lower())
    return frozenset(ids)


def _transcript(root: Element, source: str, limits: Limits, outcomes: Any, omobility: str | None,
                errors: list[Problem], tor: Element | None = None) -> Transcript | None:
    """The transcript in `root` (an <elmo>); `tor`, when it comes from an EWP ToR response, is read
    whole so that its grade conversion table goes with the grades."""
    if tor is not None:
        result = _guarded(source, errors, lambda: elmo_format.read_tor(tor, "tor", source, limits, outcomes))
    else:
        result = _guarded(source, errors, lambda: elmo_format.read(root, source, limits, outcomes))
    if result is None:
        return None
    if not result.items:
        errors.append(Problem(source, "elmo", "report", "the transcript lists no passed learning opportunity"
                              + (f" ({'; '.join(result.notes)})" if result.notes else "")))
        return None
    return Transcript(source, result, omobility, _learner_name(root), _issuer_ids(root))


def classify(files: Iterable[InputFile], limits: Limits = DEFAULT_LIMITS, outcomes_catalogue: Any = None
             ) -> tuple[list[Transcript], list[Agreement], list[Problem]]:
    transcripts: list[Transcript] = []
    agreements: list[Agreement] = []
    errors: list[Problem] = []
    for f in files:
        head = f.data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"<"):
            kind = binary_kind(f.data)
            errors.append(Problem(f.name, "", "", (f"{kind}; " if kind else "") + "not XML: expected an ELMO transcript, "
                                  "an EWP transcript of records or an EWP learning agreement; not read"))
            continue
        root = _guarded(f.name, errors, lambda: parse_xml(f.data, f.name, limits))
        if root is None:
            continue
        name = local_name(root.tag)
        if name == "elmo":
            t = _transcript(root, f.name, limits, outcomes_catalogue, None, errors)
            if t:
                transcripts.append(t)
        elif name.endswith("tors-get-response"):
            tors = x.children(root, "tor")
            if not tors:
                errors.append(Problem(f.name, name, "tor", "the transcript of records response holds no <tor>"))
            for i, tor in enumerate(tors, start=1):
                where = f"{f.name} tor[{i}]"
                omobility = x.child_text(tor, "omobility-id")
                elmo_el = x.child(tor, "elmo")
                if elmo_el is None:
                    errors.append(Problem(f.name, f"{name}/tor[{i}]", "elmo", "required element is missing: no ELMO document"))
                    continue
                t = _transcript(elmo_el, where, limits, outcomes_catalogue, omobility, errors, tor)
                if t:
                    transcripts.append(t)
        elif name == ewp_format.ROOT:
            result = _guarded(f.name, errors, lambda: ewp_format.read(root, f.name, limits))
            if result is not None:
                agreements += [Agreement(f.name, la) for la in result.learning_agreements]
        else:
            errors.append(Problem(f.name, "", f"<{name}>", "not an ELMO transcript (<elmo>), an EWP transcript of records "
                                  f"(<tors-get-response>) or an EWP learning agreement (<{ewp_format.ROOT}>); not read"))
    return transcripts, agreements, errors


# --- pairing --------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """Case, accents and punctuation folded, for comparing names and titles."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _la_label(a: Agreement) -> str:
    la = a.agreement
    return f"mobility {la.omobility_id}" + (f" ({la.student_name})" if la.student_name else "")


def match_agreements(transcripts: list[Transcript], agreements: list[Agreement]
                     ) -> tuple[list[tuple[Transcript, Agreement, str]], list[Problem]]:
    errors: list[Problem] = []
    by_id: dict[str, Agreement] = {}
    for a in agreements:
        oid = a.agreement.omobility_id
        if oid in by_id:
            errors.append(Problem(a.source, a.agreement.location, "omobility-id",
                                  f"a second learning agreement for mobility {oid} (the first is in {by_id[oid].source}); not used"))
            continue
        by_id[oid] = a
    taken: dict[str, Transcript] = {}
    matches: list[tuple[Transcript, Agreement, str]] = []

    def take(t: Transcript, a: Agreement, how: str) -> None:
        oid = a.agreement.omobility_id
        if oid in taken:
            errors.append(Problem(t.source, "", "", f"a second transcript for {_la_label(a)} (the first is {taken[oid].source}); "
                                  "give one transcript per learning agreement; not used"))
            return
        taken[oid] = t
        matches.append((t, a, how))

    for t in (t for t in transcripts if t.omobility_id):
        a = by_id.get(t.omobility_id)  # type: ignore[arg-type]
        if a is None:
            errors.append(Problem(t.source, "tor", "omobility-id", f"no learning agreement for mobility {t.omobility_id} in the batch"))
        else:
            take(t, a, "omobility-id")
    for t in (t for t in transcripts if not t.omobility_id):
        name = fold(t.learner_name)
        free = [a for oid, a in by_id.items() if oid not in taken]
        same = [a for a in free if name and fold(a.agreement.student_name) == name]
        candidates = [a for a in same if not a.agreement.receiving_hei or not t.issuer_ids
                      or a.agreement.receiving_hei.strip().lower() in t.issuer_ids]
        if len(candidates) == 1:
            a = candidates[0]
            how = "learner name and receiving institution" if a.agreement.receiving_hei and t.issuer_ids else "learner name"
            take(t, a, how)
        elif not candidates:
            who = t.learner_name or "an unnamed learner"
            extra = f" (a learning agreement names {who}, but another receiving institution)" if same else ""
            errors.append(Problem(t.source, "elmo/learner", "", f"no learning agreement in the batch for {who}{extra}"))
        else:
            ids = ", ".join(a.agreement.omobility_id for a in candidates)
            errors.append(Problem(t.source, "elmo/learner", "", f"{len(candidates)} learning agreements fit {t.learner_name} "
                                  f"({ids}); give the transcripts as EWP transcripts of records with the mobility id"))
    for oid, a in by_id.items():
        if oid not in taken:
            errors.append(Problem(a.source, a.agreement.location, "", f"no transcript in the batch for {_la_label(a)}"))
    return matches, errors


def resolve_course(comp: LAComponent, catalogue: Catalogue) -> tuple[str | None, str | None]:
    """The catalogue course id a component to be recognised names, and how it was found."""
    ids = {c.id for c in catalogue.courses}
    for value, how in ((comp.los_code, "los-code"), (comp.los_id, "los-id"), (comp.loi_id, "loi-id")):
        if value and value.strip() in ids:
            return value.strip(), how
    title = fold(comp.title)
    same = [c.id for c in catalogue.courses if title and fold(c.title) == title]
    if len(same) == 1:
        return same[0], "title"
    return None, None


def _component_where(a: Agreement, comp: LAComponent) -> str:
    table = "components-recognized" if comp.table == "recognized" else "components-studied"
    return f"{a.agreement.location}/{a.agreement.version}/{table}"


def pairs_for(t: Transcript, a: Agreement, matched_by: str, catalogue: Catalogue
              ) -> tuple[list[AssessmentPair], TranscriptCheck | None, list[Problem]]:
    la = a.agreement
    errors: list[Problem] = []
    if not la.agreed:
        errors.append(Problem(a.source, la.location, la.version, f"{_la_label(a)}: only an unapproved proposal exists, "
                              "so there is no agreement to check the transcript against; not assessed"))
        return [], None, errors
    check = check_transcript(la, t.result)
    by_comp = {id(c.component): c for c in check.components}
    items = {it.id: it for it in t.result.items}
    for c in check.components:
        if c.credential_id is None:
            errors.append(Problem(a.source, _component_where(a, c.component), "title",
                                  f"{_la_label(a)}: the agreed component {c.component.title!r} is not on the transcript {t.source}"))
    for cid in check.not_in_agreement:
        title = items[cid].credential.title
        errors.append(Problem(t.source, items[cid].location, cid, f"{title!r} is on the transcript but not in the learning "
                              f"agreement ({_la_label(a)}); not assessed"))
    recognised = list(la.recognized)
    studied = list(la.studied)
    if not recognised:
        errors.append(Problem(a.source, la.location, "components-recognized",
                              f"{_la_label(a)}: no component to be recognised, so no home course to assess for"))
        return [], check, errors
    resolved: list[tuple[LAComponent, str]] = []
    for comp in recognised:
        course_id, _ = resolve_course(comp, catalogue)
        if course_id is None:
            ident = ", ".join(f"{k} {v}" for k, v in (("los-code", comp.los_code), ("los-id", comp.los_id)) if v)
            errors.append(Problem(a.source, _component_where(a, comp), "los-code",
                                  f"{_la_label(a)}: the component to be recognised {comp.title!r}" + (f" ({ident})" if ident else "")
                                  + " names no course of the catalogue"))
        else:
            resolved.append((comp, course_id))
    if len(recognised) == 1:
        groups = [(recognised[0], studied)]
        paired_by = "single component to be recognised"
    elif len(studied) == len(recognised):
        groups = [(r, [s]) for r, s in zip(recognised, studied)]
        paired_by = "position in the learning agreement"
    else:
        errors.append(Problem(a.source, la.location, "components-recognized",
                              f"{_la_label(a)}: {len(studied)} studied components and {len(recognised)} to be recognised; "
                              "the learning agreement does not say which counts for which, so none is assessed"))
        return [], check, errors
    course_of = {id(comp): cid for comp, cid in resolved}
    pairs = []
    for rec, comps in groups:
        course_id = course_of.get(id(rec))
        if course_id is None:
            continue
        present = [by_comp[id(s)] for s in comps if by_comp[id(s)].credential_id is not None]
        if not present:
            continue
        notes = [f"learning agreement {la.omobility_id}: {', '.join(repr(s.title) for s in comps)} to be recognised as "
                 f"{rec.title!r} ({course_id}); transcript paired by {matched_by}, components by {paired_by}"]
        if len(present) < len(comps):
            notes.append(f"only {len(present)} of the {len(comps)} agreed components are on the transcript")
        for c in present:
            if c.finding == "credits differ":
                notes.append(f"{c.component.title!r}: {c.earned_ects:g} ECTS on the transcript, {c.agreed_ects:g} agreed")
        pairs.append(AssessmentPair(
            credentials=tuple(items[c.credential_id].credential for c in present),  # type: ignore[index]
            purpose=course_id, omobility_id=la.omobility_id, transcript=t.source, agreement=a.source,
            studied=tuple(c.component.title for c in present), recognised=rec.title, matched_by=matched_by,
            paired_by=paired_by, notes=tuple(notes),
        ))
    return pairs, check, errors


def read_transcripts(path: str | Path, catalogue: Catalogue, limits: BatchLimits = DEFAULT_BATCH_LIMITS,
               outcomes_catalogue: Any = None) -> TranscriptBatch:
    """Read a folder or zip of transcripts and learning agreements and list what to assess.

    Raises InputError only for the batch as a whole (not found, not a folder or zip, too many
    entries or bytes); every other problem is a row error in `errors`.
    """
    return assemble(*read_files(path, limits), catalogue, limits, outcomes_catalogue)


def read_archive_batch(data: bytes, source: str, catalogue: Catalogue, limits: BatchLimits = DEFAULT_BATCH_LIMITS,
                       outcomes_catalogue: Any = None) -> TranscriptBatch:
    """`read_transcripts` for a zip archive given as bytes (an upload to the service)."""
    return assemble(*read_archive(data, source, limits), catalogue, limits, outcomes_catalogue)


def assemble(files: list[InputFile], errors: list[Problem], catalogue: Catalogue,
             limits: BatchLimits = DEFAULT_BATCH_LIMITS, outcomes_catalogue: Any = None) -> TranscriptBatch:
    """Classify the files, pair transcripts with agreements and list what to assess."""
    errors = list(errors)
    transcripts, agreements, problems = classify(files, limits.parse, outcomes_catalogue)
    errors += problems
    matches, problems = match_agreements(transcripts, agreements)
    errors += problems
    pairs: list[AssessmentPair] = []
    checks: list[tuple[str, TranscriptCheck]] = []
    notes: dict[str, tuple[str, ...]] = {}
    for t, a, how in matches:
        found, check, problems = pairs_for(t, a, how, catalogue)
        pairs += found
        errors += problems
        if check is not None:
            checks.append((a.agreement.omobility_id, check))
        notes.update(t.result.credential_notes)
    sending = {a.agreement.sending_hei for a in agreements if a.agreement.sending_hei}
    named = {t.learner_name for t in transcripts} | {a.agreement.student_name for a in agreements}
    return TranscriptBatch(pairs=tuple(pairs), errors=tuple(errors), checks=tuple(checks), notes=notes,
                           home_schac=next(iter(sending)) if len(sending) == 1 else None,
                           learners=tuple(sorted(n for n in named if n)))


__all__ = [
    "BatchLimits", "DEFAULT_BATCH_LIMITS", "InputFile", "Transcript", "Agreement", "AssessmentPair", "TranscriptBatch",
    "read_transcripts", "read_archive_batch", "assemble", "read_files", "read_folder", "read_zip", "read_archive",
    "read_outcomes_mapping", "classify", "match_agreements", "pairs_for", "resolve_course",
]
