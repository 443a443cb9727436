"""Exports (EMREX ELMO, CTDL TransferValueProfile, CSV) and the batch intake of transcripts with
their learning agreements: import -> assess (real model) -> export -> parse back, and hostile archives."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from recognition_engine.cli import batch as cli_batch, export as cli_export
from recognition_engine.assessment import Assessor
from recognition_engine.errors import InputError
from recognition_engine.formats import read_credentials
from recognition_engine.formats.export import (
    COLUMNS, CTDL_CONTEXT, ELMO_NS, EXPORTERS, REC_NS, HomeInstitution, group_by_learner, recognised_course, recognised_credits,
    to_csv, to_ctdl, to_elmo, to_elmo_archive,
)
from recognition_engine.formats.safety import parse_xml
from recognition_engine.grades import GradeConversionPolicy, Grading
from recognition_engine.policy import load_policy
from recognition_engine.rules import Outcome
from recognition_engine.transcripts import BatchLimits, read_transcripts

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "tests" / "fixtures" / "formats" / "transcripts"
AS_OF = dt.date(2019, 7, 15)
HOME = HomeInstitution("Universiteit van Voorbeeld", country="NL", schac="voorbeeld.nl", url="https://www.voorbeeld.nl")
# An institution's overlay for agreed Erasmus+ mobility: ELMO transcripts carry neither the type of
# assessment nor quality assurance, and this policy does not require them (they are still reported).
MOBILITY_POLICY = {"checks": {"completeness": {"required": ["learning_outcomes", "workload", "level", "awarding_body"]}}}

E = f"{{{ELMO_NS}}}"
R = f"{{{REC_NS}}}"


def text(el, path: str, ns: str = E) -> str | None:
    found = el.find("/".join(ns + p for p in path.split("/")))
    return None if found is None else (found.text or "")


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def batch(sample_catalogue):
    return read_transcripts(BATCH, sample_catalogue)


@pytest.fixture(scope="module")
def engine(sample_catalogue, tmp_path_factory):
    from recognition_engine import Engine

    return Engine(sample_catalogue, cache_path=tmp_path_factory.mktemp("cache") / "emb.sqlite")


@pytest.fixture(scope="module")
def assessments(engine, batch):
    assessor = Assessor(engine, load_policy(MOBILITY_POLICY))
    return [assessor.assess(p.credentials[0], p.purpose, AS_OF) for p in batch.pairs]


@pytest.fixture(scope="module")
def strict_assessment(engine, batch):
    """The same transcript entry under the default policy: insufficient information (no type of assessment, no QA)."""
    return Assessor(engine).assess(batch.pairs[0].credentials[0], batch.pairs[0].purpose, AS_OF)


def by_credential(assessments):
    return {a.credential.id: a for a in assessments}


def sidorov(assessments):
    return [a for a in assessments if a.credential.learner and a.credential.learner.name == "Ivan Petrovich Sidorov"]


# --- batch intake ----------------------------------------------------------------------------

def test_batch_pairs_each_studied_component_with_its_home_course(batch):
    got = {(p.credential_ids, p.purpose) for p in batch.pairs}
    assert got == {
        (("1000-111bINC",), "CS103"),
        (("KR502B",), "CS106"),
        (("CR/19560ed8-5183-4842-9bb0-2b7e23f56522",), "CS102"),
    }
    how = {p.purpose: p.matched_by for p in batch.pairs}
    assert how["CS102"] == "omobility-id"  # the EWP transcript of records carries the mobility id
    assert how["CS103"] == how["CS106"] == "learner name and receiving institution"
    assert all(p.paired_by == "position in the learning agreement" for p in batch.pairs)
    assert all("to be recognised as" in p.notes[0] for p in batch.pairs)
    assert batch.home_schac == "voorbeeld.nl"
    assert {oid for oid, _ in batch.checks} == {"c442c289-5541-4cae-9edb-8ad83e133613", "b1ab0888-a5ce-45e8-8c51-e3c6f677b58f"}


def test_batch_reports_unmatched_components_as_row_errors(batch):
    messages = [str(p) for p in batch.errors]
    assert len(messages) == 2, messages
    assert any("kowalski_la.xml" in m and "'Probability theory' is not on the transcript" in m for m in messages)
    assert any("kowalski_tor.xml tor[1]" in m and "'Polish for foreigners, level A1' is on the transcript but not in the "
               "learning agreement" in m for m in messages)
    assert "CS207" not in {p.purpose for p in batch.pairs}  # its studied component is missing


def test_stray_files_and_agreements_without_transcripts_are_row_errors(tmp_path, sample_catalogue):
    for name in ("sidorov_elmo.xml", "sidorov_la.xml", "kowalski_la.xml"):
        shutil.copy(BATCH / name, tmp_path / name)
    (tmp_path / "README.txt").write_text("scanned letters follow")
    (tmp_path / "broken.xml").write_text("<elmo><learner>")
    (tmp_path / "badge.xml").write_text("<assertion/>")
    other = (BATCH / "sidorov_elmo.xml").read_text(encoding="utf-8").replace("Ivan Petrovich", "Olga")
    (tmp_path / "stranger.xml").write_text(other, encoding="utf-8")
    result = read_transcripts(tmp_path, sample_catalogue)
    messages = "\n".join(str(p) for p in result.errors)
    assert "README.txt: not XML" in messages
    assert "broken.xml: line" in messages and "malformed XML" in messages
    assert "badge.xml: field '<assertion>': not an ELMO transcript" in messages
    assert "stranger.xml: elmo/learner: no learning agreement in the batch for Olga Sidorov" in messages
    assert "kowalski_la.xml" in messages and "no transcript in the batch for mobility b1ab0888" in messages
    assert {p.purpose for p in result.pairs} == {"CS103", "CS106"}


def _la_variant(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(BATCH / "sidorov_elmo.xml", tmp_path / "sidorov_elmo.xml")
    la = (BATCH / "sidorov_la.xml").read_text(encoding="utf-8")
    assert old in la
    (tmp_path / "sidorov_la.xml").write_text(la.replace(old, new), encoding="utf-8")
    return tmp_path


CS106_COMPONENT = """                <component>
                    <los-code>CS106</los-code>
                    <title>Linear Algebra</title>
                    <credit>
                        <scheme>ects</scheme>
                        <value>5</value>
                    </credit>
                </component>
"""


def test_one_component_to_be_recognised_takes_every_studied_component_as_a_stack(tmp_path, sample_catalogue):
    result = read_transcripts(_la_variant(tmp_path, CS106_COMPONENT, ""), sample_catalogue)
    assert not result.errors
    (pair,) = result.pairs
    assert pair.purpose == "CS103" and pair.stacked
    assert pair.credential_ids == ("1000-111bINC", "KR502B")
    assert pair.paired_by == "single component to be recognised"


def test_a_stack_pair_becomes_one_stacked_row_that_keeps_every_note(tmp_path, sample_catalogue):
    from recognition_engine.batch import parse_row, transcript_rows

    result = read_transcripts(_la_variant(tmp_path, CS106_COMPONENT, ""), sample_catalogue)
    (row,) = transcript_rows(result)
    req = parse_row(row, "batch.zip", AS_OF)
    assert req.stack and req.purpose == "CS103" and [c.id for c in req.credentials] == ["1000-111bINC", "KR502B"]
    assert req.row_notes[-1].startswith("learning agreement c442c289") and "engagementHours 60" in " ".join(req.row_notes)


def test_unequal_component_lists_are_not_paired_by_guess(tmp_path, sample_catalogue):
    extra = CS106_COMPONENT.replace("CS106", "CS201").replace("Linear Algebra", "Data Structures and Algorithms")
    result = read_transcripts(_la_variant(tmp_path, CS106_COMPONENT, CS106_COMPONENT + extra), sample_catalogue)
    assert not result.pairs
    (problem,) = result.errors
    assert "2 studied components and 3 to be recognised" in str(problem)


def test_a_component_to_be_recognised_outside_the_catalogue_is_a_row_error(tmp_path, sample_catalogue):
    result = read_transcripts(_la_variant(tmp_path, "<los-code>CS106</los-code>\n                    <title>Linear Algebra",
                                    "<los-code>MATH-999</los-code>\n                    <title>Abstract Nonsense"),
                        sample_catalogue)
    assert [p.purpose for p in result.pairs] == ["CS103"]
    (problem,) = result.errors
    assert "'Abstract Nonsense' (los-code MATH-999) names no course of the catalogue" in str(problem)


def test_a_proposal_only_agreement_is_not_checked(tmp_path, sample_catalogue):
    result = read_transcripts(_la_variant(tmp_path, "first-version>", "changes-proposal>"), sample_catalogue)
    assert not result.pairs
    assert "only an unapproved proposal exists" in str(result.errors[0])


def test_learning_outcomes_from_a_linked_catalogue_reach_the_pairs(sample_catalogue):
    outcomes = {"CR/f9c7677f-e3e3-4106-a865-1d1e8867830e": ["Compute eigenvalues and eigenvectors of a matrix."]}
    result = read_transcripts(BATCH, sample_catalogue, outcomes_catalogue=outcomes)
    (algebra,) = [p.credentials[0] for p in result.pairs if p.purpose == "CS106"]
    assert algebra.outcome_texts == ["Compute eigenvalues and eigenvectors of a matrix."]
    assert any("linked catalogue" in n for n in result.notes["KR502B"])


# --- archives --------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes], tweak=None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if tweak:
                tweak(name, info)
            zf.writestr(info, data)
    return path


def _fixture_members() -> dict[str, bytes]:
    return {f"batch/{p.name}": p.read_bytes() for p in sorted(BATCH.iterdir())}


def test_a_zip_gives_the_same_pairs_as_the_folder(tmp_path, batch, sample_catalogue):
    result = read_transcripts(_zip(tmp_path / "batch.zip", _fixture_members()), sample_catalogue)
    assert {(p.credential_ids, p.purpose) for p in result.pairs} == {(p.credential_ids, p.purpose) for p in batch.pairs}
    assert len(result.errors) == len(batch.errors)


def test_an_uploaded_zip_is_a_batch_of_rows_pairs_first_then_errors(tmp_path, batch, sample_catalogue):
    from recognition_engine.batch import read_batch as read_rows

    path = _zip(tmp_path / "batch.zip", _fixture_members())
    fmt, rows = read_rows(path.read_bytes(), "batch.zip", catalogue=sample_catalogue)
    assert fmt == "transcripts" and [r.row for r in rows] == [1, 2, 3, 4, 5]
    assert [r.payload.get("purpose") for r in rows[:3]] == [p.purpose for p in batch.pairs]
    assert [r.payload["_invalid"] for r in rows[3:]] == [str(p) for p in read_transcripts(path, sample_catalogue).errors]
    assert read_rows(path.read_bytes(), "upload", catalogue=sample_catalogue)[0] == "transcripts"  # by content too
    with pytest.raises(InputError, match="at most 2"):
        read_rows(path.read_bytes(), "batch.zip", max_rows=2, catalogue=sample_catalogue)


def test_hostile_member_names_are_refused_and_nothing_is_written(tmp_path, sample_catalogue):
    work = tmp_path / "work"
    work.mkdir()
    members = _fixture_members()
    members["../evil.xml"] = (BATCH / "sidorov_elmo.xml").read_bytes()
    members["/etc/evil.xml"] = b"<elmo/>"
    members["C:\\evil.xml"] = b"<elmo/>"
    members["a/../../evil.xml"] = b"<elmo/>"
    result = read_transcripts(_zip(work / "hostile.zip", members), sample_catalogue)
    refused = [str(p) for p in result.errors if "refused" in str(p)]
    assert len(refused) == 4, refused
    assert any("entry '../evil.xml'" in m and "climbs out of the archive" in m for m in refused)
    assert any("entry '/etc/evil.xml'" in m and "absolute path" in m for m in refused)
    assert len(result.pairs) == 3  # the safe members are still read
    assert not (tmp_path / "evil.xml").exists() and sorted(p.name for p in work.iterdir()) == ["hostile.zip"]


def _mark_encrypted(path: Path, name: bytes) -> None:
    """Set the 'encrypted' flag of one member in both its local and its central header
    (zipfile clears the flag when it writes, so the archive is patched afterwards)."""
    data = bytearray(path.read_bytes())
    for signature, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while True:
            start = data.index(signature, start)
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + flags_at] |= 0x1
                break
            start += 4
    path.write_bytes(bytes(data))


def test_links_encrypted_and_oversized_members_are_refused(tmp_path, sample_catalogue):
    def tweak(name, info):
        if name == "link.xml":
            info.external_attr = 0o120777 << 16

    members = {**_fixture_members(), "link.xml": b"/etc/passwd", "secret.xml": b"<elmo/>", "big.xml": b"<a>" + b" " * 6000 + b"</a>"}
    limits = BatchLimits(max_file_bytes=5000)
    path = _zip(tmp_path / "x.zip", members, tweak)
    _mark_encrypted(path, b"secret.xml")
    result = read_transcripts(path, sample_catalogue, limits)
    messages = "\n".join(str(p) for p in result.errors)
    assert "x.zip!link.xml: refused: a symbolic link" in messages
    assert "x.zip!secret.xml: refused: an encrypted entry" in messages
    assert "x.zip!big.xml: 6,007 bytes, more than the limit of 5,000; not read" in messages


def test_too_many_entries_is_refused_as_a_whole(tmp_path, sample_catalogue):
    members = {f"f{i:04d}.xml": b"<elmo/>" for i in range(30)}
    with pytest.raises(InputError) as err:
        read_transcripts(_zip(tmp_path / "many.zip", members), sample_catalogue, BatchLimits(max_files=20))
    assert "30 entries in the archive, more than the limit of 20" in str(err.value)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, sample_catalogue):
    members = {f"zeros{i}.xml": b"\0" * 4_000_000 for i in range(3)}
    path = _zip(tmp_path / "bomb.zip", members)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError) as err:
        read_transcripts(path, sample_catalogue, BatchLimits(max_total_bytes=10_000_000))
    assert "unpacks to 12,000,000 bytes, more than the limit of 10,000,000" in str(err.value)


def test_archive_and_folder_size_limits(tmp_path, sample_catalogue):
    path = _zip(tmp_path / "a.zip", _fixture_members())
    with pytest.raises(InputError, match="the archive is .* bytes, more than the limit of 1,000"):
        read_transcripts(path, sample_catalogue, BatchLimits(max_archive_bytes=1000))
    with pytest.raises(InputError, match="files in the folder, more than the limit of 2"):
        read_transcripts(BATCH, sample_catalogue, BatchLimits(max_files=2))
    not_zip = tmp_path / "fake.zip"
    not_zip.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="expected a folder or a .zip archive"):
        read_transcripts(not_zip, sample_catalogue)
    with pytest.raises(InputError, match="file or folder not found"):
        read_transcripts(tmp_path / "missing", sample_catalogue)


# --- round trip: import -> assess -> export -> parse back ------------------------------------

@pytest.mark.model
def test_the_fixture_assessments_cover_full_and_partial(assessments):
    outcomes = {a.credential.id: a.outcome for a in assessments}
    assert outcomes["1000-111bINC"] is Outcome.full
    assert outcomes["CR/19560ed8-5183-4842-9bb0-2b7e23f56522"] is Outcome.full
    assert outcomes["KR502B"] is Outcome.partial  # eigenvalues and least squares are not covered
    assert by_credential(assessments)["KR502B"].recommendation.credits == 3.0


@pytest.mark.model
def test_elmo_round_trip_keeps_every_element_it_can_carry(assessments):
    group = sidorov(assessments)
    data = to_elmo(group, institution=HOME, generated=dt.datetime(2019, 7, 16, 9, 30, tzinfo=dt.timezone.utc))
    root = parse_xml(data, "export.xml")
    assert root.tag == E + "elmo"
    assert text(root, "generatedDate") == "2019-07-16T09:30:00Z"
    learner = root.find(E + "learner")
    assert text(learner, "identifier") == group[0].credential.learner.identifier
    assert text(learner, "givenNames") == "Ivan Petrovich Sidorov"
    issuer = root.find(f"{E}report/{E}issuer")
    assert (text(issuer, "country"), text(issuer, "identifier"), text(issuer, "title"), text(issuer, "url")) == (
        "NL", "voorbeeld.nl", "Universiteit van Voorbeeld", "https://www.voorbeeld.nl")
    assert issuer.find(E + "identifier").get("type") == "schac"
    assert text(root, "report/issueDate") == "2019-07-15T00:00:00Z"

    recs = {r.get("id"): r for r in root.iter(R + "recognition")}
    assert len(recs) == len(group)
    for a in group:
        rec = next(r for r in recs.values() if text(r, "mapping/from/identifier", R) == a.credential.id)
        c, r, v = a.credential, a.recommendation, a.versions
        assert text(rec, "status", R) == a.outcome.value
        assert text(rec, "decisionDate", R) == a.as_of.isoformat()
        assert text(rec, "summary", R) == r.summary
        # mapping from -> to
        assert text(rec, "mapping/from/title", R) == c.title
        assert text(rec, "mapping/from/issuer", R) == c.awarding_body
        assert rec.find(f"{R}mapping/{R}from/{R}issuer").get("country") == c.country
        assert text(rec, "mapping/from/dateOfIssue", R) == c.date_of_issue.isoformat()
        assert float(text(rec, "mapping/from/credit/value", R)) == c.workload.value
        assert text(rec, "mapping/from/level", R) == c.level.value
        assert text(rec, "mapping/to/identifier", R) == a.purpose.course_id
        assert text(rec, "mapping/to/title", R) == a.purpose.course_title
        assert float(text(rec, "mapping/to/credit/value", R)) == a.purpose.course_ects
        assert int(text(rec, "mapping/to/level", R)) == a.purpose.course_eqf_level
        # credits, reasons, appeal, basis, versions
        assert float(text(rec, "credit/value", R)) == recognised_credits(a)
        assert [el.text for el in rec.findall(R + "reason")] == r.reasons
        assert [el.text for el in rec.findall(R + "condition")] == r.conditions
        if r.appeal is None:
            assert rec.find(R + "appeal") is None
        else:
            assert rec.find(R + "appeal").get("deadlineDays") == str(r.appeal.deadline_days)
        rules = rec.findall(f"{R}basis/{R}rule")
        assert [(x.get("check"), x.get("verdict"), x.get("reference")) for x in rules] == [
            (f.check, f.verdict.value, f.reference) for f in a.findings]
        policy = rec.find(f"{R}basis/{R}policy")
        assert (policy.get("id"), policy.get("version"), policy.get("digest")) == (v.policy_id, v.policy_version, v.policy_digest)
        versions = rec.find(R + "versions")
        assert versions.get("model") == v.model and versions.get("engine") == v.engine
        assert versions.get("policyVersion") == v.policy_version and versions.get("referenceData") == v.reference_data_version

    # The credited home courses are ordinary ELMO: our own importer reads them back.
    back = read_credentials(data, "export.xml")
    credited = {it.id: it.credential for it in back.items}
    assert set(credited) == {a.purpose.course_id for a in group}
    for a in group:
        course = credited[a.purpose.course_id]
        assert course.workload.value == recognised_credits(a) and course.workload.unit == "ects"
        assert course.title == a.purpose.course_title
        assert (course.awarding_body, course.country, course.date_of_issue) == ("Universiteit van Voorbeeld", "NL", AS_OF)
        assert course.level.framework == "EQF" and int(course.level.value) == a.purpose.course_eqf_level
        assert course.learner == a.credential.learner


# Child order of the ELMO v1 schema's sequences (elmo-schemas v1, schema.xsd), for what is written.
ELMO_ORDER = {
    "elmo": ["generatedDate", "learner", "report", "attachment", "groups", "extension"],
    "learner": ["citizenship", "identifier", "givenNames", "familyName", "bday"],
    "report": ["issuer", "learningOpportunitySpecification", "issueDate", "gradingScheme", "attachment"],
    "issuer": ["country", "identifier", "title", "url"],
    "learningOpportunitySpecification": ["identifier", "title", "type", "subjectArea", "iscedCode", "url", "description",
                                         "descriptionHtml", "specifies", "hasPart", "extension"],
    "learningOpportunityInstance": ["identifier", "start", "date", "academicTerm", "status", "gradingSchemeLocalId",
                                    "resultLabel", "shortenedGrading", "resultDistribution", "credit", "level",
                                    "languageOfInstruction", "engagementHours", "attachments", "grouping", "extension"],
    "credit": ["scheme", "level", "value"],
    "level": ["type", "description", "value"],
}
REQUIRED = {"elmo": {"generatedDate", "learner", "report"}, "learner": {"givenNames", "familyName"},
            "report": {"issuer", "issueDate"}, "issuer": {"identifier", "title", "url"},
            "learningOpportunitySpecification": {"title", "specifies"}, "credit": {"scheme"}, "level": {"type"}}


@pytest.mark.model
def test_elmo_follows_the_v1_schema_sequences(assessments):
    root = parse_xml(to_elmo(sidorov(assessments), institution=HOME), "export.xml")
    checked = 0
    for el in root.iter():
        if not el.tag.startswith(E):
            continue
        name = el.tag[len(E):]
        children = [ch.tag[len(E):] for ch in el if ch.tag.startswith(E)]
        if name in ELMO_ORDER:
            order = ELMO_ORDER[name]
            assert all(ch in order for ch in children), (name, children)
            assert [order.index(ch) for ch in children] == sorted(order.index(ch) for ch in children), (name, children)
            assert REQUIRED.get(name, set()) <= set(children), (name, children)
            checked += 1
        if name == "extension":  # the schema's extension point takes elements of any other namespace only
            assert all(not ch.tag.startswith(E) for ch in el)
    assert checked > 10
    assert root.find(f"{E}extension/{R}recognitions") is not None


GRADES = GradeConversionPolicy.model_validate({"grading_table": {"scheme": "Dutch 1-10", "grades": [
    {"grade": "9", "share": 10}, {"grade": "8", "share": 30}, {"grade": "7", "share": 40}, {"grade": "6", "share": 20}]}})


@pytest.mark.model
@pytest.mark.parametrize("version, xsd_name", [("1.7", "elmo-1.7.0"), ("2.0", "elmo-2.0.0")])
def test_elmo_export_is_valid_against_its_schema(assessments, strict_assessment, version, xsd_name, xsd):
    from lxml import etree

    schema = xsd(xsd_name)
    refused = strict_assessment.model_copy(update={"outcome": Outcome.refused})
    for group in (sidorov(assessments), [strict_assessment], [refused]):
        data = to_elmo(group, institution=HOME, version=version, grades=GRADES)
        doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        assert schema.validate(doc), (version, schema.error_log.last_error)


@pytest.mark.model
def test_elmo_2_puts_each_decision_in_its_own_result_of_recognition(assessments, strict_assessment):
    group = sidorov(assessments)
    root = parse_xml(EXPORTERS["elmo-2.0"](group, institution=HOME, grades=GRADES), "export.xml")
    results = root.findall(f"{E}report/{E}resultOfRecognition")
    decided = [a for a in group if a.outcome in (Outcome.full, Outcome.partial, Outcome.alternative, Outcome.refused)]
    assert len(results) == len(decided) > 0
    statuses = {r.findtext(f"{E}status") for r in results}
    assert statuses <= {"Positive", "Partially Positive", "Negative"}
    first = results[0]
    assert first.findtext(f"{E}decisionDate") == AS_OF.isoformat()
    to = first.find(f"{E}recognitionResult/{E}learningOpportunitySpecification/{E}identifier")
    assert to is not None and to.text == recognised_course(decided[0])[0]
    # conditional / insufficient information are not decisions: only in the extension
    only = parse_xml(EXPORTERS["elmo-2.0"]([strict_assessment], institution=HOME), "x.xml")
    assert only.findall(f"{E}report/{E}resultOfRecognition") == []
    assert only.find(f"{E}extension/{R}recognitions/{R}recognition") is not None


@pytest.mark.model
def test_elmo_export_keeps_the_original_grade_beside_the_converted_one(assessments):
    a = sidorov(assessments)[0]
    graded = a.model_copy(update={"credential": a.credential.model_copy(update={"grading": Grading(
        grade="4", scheme="Polish 2-5", source="resultLabel", percent_better=5, percent_equal=20)})})
    root = parse_xml(to_elmo([graded], institution=HOME, grades=GRADES, version="2.0"), "x.xml")
    grade = root.find(f"{E}extension/{R}recognitions/{R}recognition/{R}grade")
    assert (grade.get("original"), grade.get("scheme"), grade.get("converted"), grade.get("method")) == (
        "4", "Polish 2-5", "8", "ects-grading-table")
    labels = [el.text for el in root.iter(f"{E}resultLabel")]
    assert "8" in labels


@pytest.mark.model
def test_elmo_is_one_learner_per_document(assessments):
    with pytest.raises(InputError, match="one learner"):
        to_elmo(assessments, institution=HOME)
    archive = zipfile.ZipFile(io.BytesIO(to_elmo_archive(assessments, institution=HOME)))
    assert archive.namelist() == ["learner-001.xml", "learner-002.xml"]
    counts = sorted(len(list(parse_xml(archive.read(n), n).iter(R + "recognition"))) for n in archive.namelist())
    assert counts == [1, 2]
    assert to_elmo_archive(assessments, institution=HOME) == to_elmo_archive(assessments, institution=HOME)


@pytest.mark.model
def test_elmo_needs_the_home_institution_identifier(assessments):
    with pytest.raises(InputError) as err:
        to_elmo(sidorov(assessments), institution=HomeInstitution("Universiteit van Voorbeeld", "NL"))
    assert err.value.problems[0].field == "institution.schac"
    with pytest.raises(InputError, match="home institution"):
        to_elmo(sidorov(assessments))


@pytest.mark.model
def test_untrusted_text_is_escaped_not_concatenated(assessments):
    a = sidorov(assessments)[0]
    evil = 'Calc</rec:title><rec:status>full</rec:status> & "x" \x07\x00'
    a = a.model_copy(update={"credential": a.credential.model_copy(update={"title": evil})})
    root = parse_xml(to_elmo([a], institution=HOME), "export.xml")
    (rec,) = root.iter(R + "recognition")
    assert text(rec, "mapping/from/title", R) == 'Calc</rec:title><rec:status>full</rec:status> & "x" '
    assert [s.text for s in rec.iter(R + "status")] == [a.outcome.value]
    profile = json.loads(to_ctdl([a]))["@graph"][0]
    assert profile["ceterms:transferValueFrom"][0]["ceterms:name"]["en"] == evil


@pytest.mark.model
def test_ctdl_round_trip_keeps_every_element_it_can_carry(assessments):
    doc = json.loads(to_ctdl(assessments, institution=HOME))
    assert doc["@context"] == CTDL_CONTEXT
    org, *profiles = doc["@graph"]
    assert org["@type"] == "ceterms:CredentialOrganization" and org["ceterms:name"] == {"en": HOME.name}
    assert org["ceterms:address"][0]["ceterms:addressCountry"] == {"en": "NL"}
    assert org["ceterms:identifier"][0]["ceterms:identifierValueCode"] == "voorbeeld.nl"
    assert len(profiles) == len(assessments)
    for a, p in zip(assessments, profiles):
        c, v = a.credential, a.versions
        assert p["@type"] == "ceterms:TransferValueProfile"
        assert p["ceterms:startDate"] == a.as_of.isoformat()
        assert p["ceterms:ownedBy"] == [org["@id"]]
        assert p["ceterms:transferValue"] == [{"@type": "ceterms:ValueProfile", "schema:value": recognised_credits(a),
                                               "schema:description": {"en": "ECTS credits"}}]
        (frm,) = p["ceterms:transferValueFrom"]
        assert frm["ceterms:identifier"][0]["ceterms:identifierValueCode"] == c.id
        assert frm["ceterms:name"] == {"en": c.title}
        assert frm["ceterms:offeredBy"][0]["ceterms:name"] == {"en": c.awarding_body}
        assert frm["ceterms:offeredBy"][0]["ceterms:address"][0]["ceterms:addressCountry"] == {"en": c.country}
        assert frm["ceterms:creditValue"][0]["schema:value"] == c.workload.value
        (for_,) = p["ceterms:transferValueFor"]
        assert for_["@type"] == "ceterms:Course" and for_["ceterms:codedNotation"] == a.purpose.course_id
        assert for_["ceterms:name"] == {"en": a.purpose.course_title}
        assert for_["ceterms:creditValue"][0]["schema:value"] == a.purpose.course_ects
        description = p["ceterms:description"]["en"]
        assert description.startswith(f"Outcome: {a.outcome.value}.\n{a.recommendation.summary}")
        assert all(f"Reason: {r}" in description for r in a.recommendation.reasons)
        process = p["ceterms:developmentProcess"][0]["ceterms:description"]["en"]
        assert f"model: {v.model}" in process
        assert f"policy: {v.policy_id} {v.policy_version} (sha256 {v.policy_digest}" in process
        assert f"reference data: {v.reference_data_version}" in process


@pytest.mark.model
def test_ctdl_for_a_decision_that_grants_nothing_has_no_transfer_value(strict_assessment):
    a = strict_assessment
    assert a.outcome is Outcome.insufficient_information
    (p,) = json.loads(to_ctdl([a]))["@graph"]
    assert "ceterms:transferValue" not in p and "ceterms:ownedBy" not in p
    assert p["ceterms:transferValueFor"][0]["ceterms:codedNotation"] == a.purpose.course_id
    assert all(f"Ask the applicant for: {x}" in p["ceterms:description"]["en"] for x in a.recommendation.ask_for)


@pytest.mark.model
def test_a_stack_exports_every_part(engine, batch):
    parts = [p.credentials[0] for p in batch.pairs if p.purpose in ("CS103", "CS106")]
    a = Assessor(engine, load_policy(MOBILITY_POLICY)).assess_stack(parts, "CS103", AS_OF)
    (rec,) = parse_xml(to_elmo([a], institution=HOME), "x.xml").iter(R + "recognition")
    froms = rec.findall(f"{R}mapping/{R}from")
    assert [f.get("stacked") for f in froms] == ["true", "true"]
    assert [text(f, "identifier", R) for f in froms] == ["1000-111bINC", "KR502B"]
    (p,) = json.loads(to_ctdl([a]))["@graph"]
    assert [n["ceterms:identifier"][0]["ceterms:identifierValueCode"] for n in p["ceterms:transferValueFrom"]] == [
        "1000-111bINC", "KR502B"]
    (row,) = csv.DictReader(io.StringIO(to_csv([a]).decode("utf-8")))
    assert row["credential_id"] == "1000-111bINC+KR502B"


@pytest.mark.model
def test_an_alternative_course_is_what_the_credit_goes_to(assessments):
    a = by_credential(assessments)["KR502B"]
    other = next(c for c in a.candidates if c.course_id != a.purpose.course_id)
    a = a.model_copy(update={"outcome": Outcome.alternative, "recommendation": a.recommendation.model_copy(
        update={"outcome": Outcome.alternative, "alternative_course_id": other.course_id, "credits": None})})
    assert recognised_credits(a) == other.ects
    root = parse_xml(to_elmo([a], institution=HOME), "x.xml")
    los = root.find(f"{E}report/{E}learningOpportunitySpecification")
    assert text(los, "identifier") == other.course_id and text(los, "title") == other.title
    (rec,) = root.iter(R + "recognition")
    assert text(rec, "alternative", R) == other.course_id
    assert text(rec, "mapping/to/identifier", R) == a.purpose.course_id  # what was asked for
    (p,) = json.loads(to_ctdl([a]))["@graph"]
    assert p["ceterms:transferValueFor"][0]["ceterms:codedNotation"] == other.course_id
    assert p["ceterms:transferValue"][0]["schema:value"] == other.ects
    (row,) = csv.DictReader(io.StringIO(to_csv([a]).decode("utf-8")))
    assert (row["outcome"], row["alternative_course"], float(row["credits"])) == ("alternative", other.course_id, other.ects)


@pytest.mark.model
def test_csv_has_stable_columns_and_one_row_per_assessment(assessments, strict_assessment):
    rows = list(csv.DictReader(io.StringIO(to_csv([*assessments, strict_assessment]).decode("utf-8"))))
    assert tuple(rows[0].keys()) == COLUMNS == ("credential_id", "learner_id", "purpose_course", "outcome", "credits",
                                                 "alternative_course", "conditions", "reasons", "model", "policy_id",
                                                 "policy_version", "as_of")
    assert len(rows) == 4
    for a, row in zip(assessments, rows):
        assert row["credential_id"] == a.credential.id
        assert row["learner_id"] == a.credential.learner.identifier
        assert row["purpose_course"] == a.purpose.course_id
        assert row["outcome"] == a.outcome.value
        assert float(row["credits"]) == recognised_credits(a)
        assert row["reasons"] == " | ".join(a.recommendation.reasons)
        assert (row["model"], row["policy_id"], row["policy_version"], row["as_of"]) == (
            a.versions.model, a.versions.policy_id, a.versions.policy_version, "2019-07-15")
    strict = rows[-1]
    assert strict["outcome"] == "insufficient_information" and strict["credits"] == ""
    assert strict["reasons"] == " | ".join(strict_assessment.recommendation.ask_for)
    assert strict["model"] == (strict_assessment.versions.model or "")

@pytest.mark.model
def test_csv_cells_cannot_become_spreadsheet_formulas(assessments):
    a = assessments[0]
    a = a.model_copy(update={"credential": a.credential.model_copy(update={"id": "=HYPERLINK(\"http://x\")"})})
    (row,) = csv.DictReader(io.StringIO(to_csv([a]).decode("utf-8")))
    assert row["credential_id"] == "'=HYPERLINK(\"http://x\")"


def test_exporters_registry():
    assert set(EXPORTERS) == {"elmo", "elmo-2.0", "ctdl", "csv"}
    assert to_csv([]) == (",".join(COLUMNS) + "\r\n").encode()


# --- the command line ------------------------------------------------------------------------

def _run(argv, monkeypatch, engine):
    monkeypatch.setattr("recognition_engine.engine.Engine", lambda catalogue, **kw: engine)  # one model for the module
    parser = argparse.ArgumentParser()
    cli_batch.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.model
def test_cli_transcripts_writes_csv_and_lists_row_errors(tmp_path, monkeypatch, engine, capsys):
    policy = tmp_path / "mobility.yaml"
    policy.write_text(json.dumps(MOBILITY_POLICY))
    out = tmp_path / "results.csv"
    code = _run(["transcripts", str(BATCH), "--as-of", "2019-07-15", "--policy", str(policy), "--format", "csv",
                 "--out", str(out)], monkeypatch, engine)
    assert code == 1  # the batch has row errors; the export holds every pair that could be assessed
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["credential_id"], r["purpose_course"], r["outcome"]) for r in rows} == {
        ("1000-111bINC", "CS103", "full"), ("KR502B", "CS106", "partial"),
        ("CR/19560ed8-5183-4842-9bb0-2b7e23f56522", "CS102", "full")}
    err = capsys.readouterr().err
    assert "3 assessment(s) from 3 pair(s)" in err and "2 row error(s)" in err and "Probability theory" in err


@pytest.mark.model
def test_cli_transcripts_elmo_for_several_learners_needs_a_zip(tmp_path, monkeypatch, engine):
    policy = tmp_path / "mobility.yaml"
    policy.write_text(json.dumps(MOBILITY_POLICY))
    base = ["transcripts", str(BATCH), "--as-of", "2019-07-15", "--policy", str(policy), "--format", "elmo"]
    with pytest.raises(InputError, match="ending in .zip"):
        _run(base + ["--out", str(tmp_path / "out.xml")], monkeypatch, engine)
    out = tmp_path / "out.zip"
    assert _run(base + ["--out", str(out)], monkeypatch, engine) == 1
    names = zipfile.ZipFile(out).namelist()
    assert len(names) == 2
    issuer = parse_xml(zipfile.ZipFile(out).read(names[0]), names[0]).find(f"{E}report/{E}issuer")
    assert text(issuer, "identifier") == "voorbeeld.nl"  # the agreements' sending institution


@pytest.mark.model
def test_assess_export_helper(assessments, sample_catalogue, tmp_path):
    out = tmp_path / "one.jsonld"
    assert cli_export.emit_export("ctdl", sidorov(assessments), sample_catalogue, out) == 0
    graph = json.loads(out.read_text())["@graph"]
    assert graph[0]["ceterms:name"] == {"en": "Universiteit van Voorbeeld"} and len(graph) == 3
    groups = group_by_learner(assessments)
    assert len(groups) == 2
