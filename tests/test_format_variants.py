"""Every credential variant of issue 15, read by content, and hostile input refused before parsing.

The fixtures in tests/fixtures/formats/variants/ were written for these tests from the published
schemas and specifications (ELMO 2.0.0 and EWP imobility-tors XSDs, the EDCI XML model, Open
Badges 3.0); the XML ones are validated against the XSDs in ../shared/data/standards when present.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recognition_engine.errors import InputError
from recognition_engine.formats import FORMATS, detect_format, read_credentials
from recognition_engine.formats.safety import Limits, detect_encoding
from recognition_engine.grades import GradeConversionPolicy, Grading, convert, describe
from recognition_engine.intake import read_credential_bytes, read_credential_path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "formats"
VAR = FIX / "variants"


def read(name: str, **kw):
    return read_credentials((VAR / name).read_bytes(), name, **kw)


@pytest.mark.parametrize("name, xsd_name", [("elmo2_two_reports.xml", "elmo-2.0.0"),
                                            ("ewp_tor_two_mobilities.xml", "ewp-imobility-tors"),
                                            ("ewp_la_first_version_and_changes.xml", "ewp-omobility-las")])
def test_the_xml_fixtures_are_valid_against_their_schemas(name, xsd_name, xsd):
    from lxml import etree

    s = xsd(xsd_name)
    assert s.validate(etree.parse(str(VAR / name))), s.error_log.last_error


# --- ELMO 2.0 and EWP transcripts of records -------------------------------------------------

def test_elmo_2_with_two_reports_reads_every_report():
    result = read("elmo2_two_reports.xml")
    assert result.format == "elmo"
    assert "EMREX ELMO 2.0, 2 report(s)" in result.notes[0]
    assert [it.id for it in result.items] == ["DP-CS-2026", "TIE-101", "TIE-205"]


def test_elmo_diploma_supplement_gives_the_programme_outcomes():
    degree = read("elmo2_two_reports.xml").item("DP-CS-2026")
    assert [o.text for o in degree.credential.learning_outcomes][0] == "Design and analyse algorithms and data structures"
    assert any("diploma supplement, section 4.2" in n for n in degree.notes)
    assert str(degree.credential.level) == "EQF 6"


def test_elmo_placeholder_description_is_not_outcomes_and_subject_area_is_isced():
    course = read("elmo2_two_reports.xml").item("TIE-101")
    assert course.credential.learning_outcomes == []
    assert any("template placeholder" in n for n in course.notes)
    assert course.credential.field_of_education == "0612"
    assert "learning_outcomes" in course.cannot_carry


def test_elmo_grading_keeps_scheme_and_reference_group():
    grading = read("elmo2_two_reports.xml").item("TIE-101").credential.grading
    assert (grading.grade, grading.scheme) == ("4", "Finnish 0-5 scale (5 best, 0 fail)")
    assert (grading.percent_better, grading.percent_equal) == (15, 22.5)


def test_ewp_transcript_of_records_gives_the_credentials_of_every_tor():
    result = read("ewp_tor_two_mobilities.xml")
    assert result.format == "ewp-tor"
    assert [it.id for it in result.items] == ["1000-KOM1", "1000-ALG2"]
    assert ("ewp-omobility-id", "mob-2026-001") in result.items[0].identifiers
    grading = result.items[0].credential.grading
    assert grading.distribution_ordered and grading.distribution[1].grade == "4.5"


def test_recognise_assess_reads_a_transcript_through_intake():
    credentials, notes = read_credential_bytes((VAR / "ewp_tor_two_mobilities.xml").read_bytes(), "tor.xml")
    assert [c.id for c in credentials] == ["1000-KOM1", "1000-ALG2"]
    assert any("ELMO 1.x" in n for n in notes["1000-KOM1"])


# --- ELM / EDCI XML v2 -------------------------------------------------------------------------

def test_edci_xml_credential_with_two_achievements():
    result = read("edci_two_achievements.xml")
    assert result.format == "elm-xml"
    ml, dv = result.credentials
    assert [o.text for o in ml.learning_outcomes] == ["Train and evaluate supervised learning models",
                                                      "Explain bias and variance in model selection"]
    assert (ml.workload.value, ml.workload.unit, str(ml.level), ml.field_of_education) == (6, "ects", "EQF 7", "0613")
    assert (ml.type_of_assessment, ml.grade) == ("Written examination (Face-to-face)", "28/30")
    assert (ml.supervision.value, ml.identity_verification.value) == ("onsite", "onsite")
    assert (ml.awarding_body, ml.country, ml.language, ml.learner.name) == (
        "Example Institute of Technology", "IT", "it", "Marco Rossi")
    assert (dv.form_of_participation.value, dv.identity_verification.value, dv.workload.value) == ("online", "none", 3)


def test_edci_verifiable_presentation_is_read_by_content():
    body = (VAR / "edci_two_achievements.xml").read_text(encoding="utf-8").split("?>", 1)[1]
    data = ('<verifiablePresentation xmlns="http://data.europa.eu/europass/model/credentials#">'
            + body + "</verifiablePresentation>").encode()
    assert detect_format(data) == "elm-xml"
    assert len(read_credentials(data, "presentation.txt").credentials) == 2


# --- ELM JSON-LD v3.0-3.2 and signed envelopes --------------------------------------------------

def _elm(version: str) -> dict:
    """A minimal ELM v3 credential; 3.0/3.1 use VC 1.1 and issuanceDate, 3.2 VC 2.0 and validFrom."""
    vc2 = version == "3.2"
    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2" if vc2 else "https://www.w3.org/2018/credentials/v1",
                     f"http://data.europa.eu/snb/model/context/edc-ap/{version}"],
        "id": f"urn:credential:elm-{version}",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSubject": {"id": "urn:epass:person:1", "type": "Person",
                              "fullName": {"en": "Eva Novak"},
                              "hasClaim": {"id": "urn:epass:ach:1", "type": "LearningAchievement",
                                           "title": {"en": "Cloud Security"},
                                           "specifiedBy": {"id": "urn:epass:spec:1", "type": "LearningAchievementSpecification",
                                                           "learningOutcome": [{"id": "urn:lo:1", "type": "LearningOutcome",
                                                                                "title": {"en": "Assess the security of a cloud deployment"}}]}}},
    }
    cred["validFrom" if vc2 else "issuanceDate"] = "2026-03-01T00:00:00Z"
    return cred


@pytest.mark.parametrize("version", ["3.0", "3.1", "3.2"])
def test_elm_json_ld_versions(version):
    data = json.dumps(_elm(version)).encode()
    result = read_credentials(data, "c.json")
    assert result.format == "elm"
    assert result.credentials[0].date_of_issue.isoformat() == "2026-03-01"


@pytest.mark.parametrize("encoding", ["object", "json", "base64url"])
def test_signed_envelope_is_detected_as_elm_not_the_project_format(encoding):
    cred = _elm("3.2")
    payload = {"object": cred, "json": json.dumps(cred),
               "base64url": base64.urlsafe_b64encode(json.dumps(cred).encode()).decode().rstrip("=")}[encoding]
    data = json.dumps({"payload": payload, "signatures": [{"protected": "eyJhbGciOiJFUzI1NiJ9", "signature": "c2ln"}]}).encode()
    credentials, notes = read_credential_bytes(data, "signed.json")  # what `recognise assess` calls
    assert [c.id for c in credentials] == ["urn:credential:elm-3.2"]
    assert any("signature was not verified" in n for n in notes["urn:credential:elm-3.2"])


def test_an_envelope_of_something_else_is_refused_in_one_line():
    with pytest.raises(InputError) as err:
        read_credential_bytes(b'{"payload": "{\\"a\\": 1}", "signatures": []}', "x.json")
    assert "payload is not an ELM credential" in str(err.value.problems[0])


# --- Open Badges 3.0 ---------------------------------------------------------------------------

def test_ob3_criteria_self_reference_and_placeholders_are_not_outcomes():
    item = read("ob3_degree_with_proof.json").items[0]
    assert [o.text for o in item.credential.learning_outcomes] == [
        "Data wrangling: Clean, join and reshape tabular data from several sources"]
    notes = " | ".join(item.notes)
    for expected in ("points to this credential itself", "template placeholder", "award criteria",
                     "achievement.description", "achievementType 'BachelorDegree'", "proof was not verified"):
        assert expected in notes


def test_ob3_without_proof_reads_the_same():
    doc = json.loads((VAR / "ob3_degree_with_proof.json").read_text())
    del doc["proof"]
    item = read_credentials(json.dumps(doc).encode(), "b.json").items[0]
    assert len(item.credential.learning_outcomes) == 1
    assert not any("proof" in n for n in item.notes)


# --- EWP learning agreements: first version + approved changes ------------------------------------

def test_approved_changes_are_applied_to_the_first_version():
    [la] = read("ewp_la_first_version_and_changes.xml").learning_agreements
    assert (la.version, la.agreed) == ("first-version+approved-changes", True)
    assert la.signed_by == ("student", "sending-hei", "receiving-hei")  # of the approved changes
    assert [c.title for c in la.studied] == ["Computer Networks", "Algorithms II"]
    graphics = next(c for c in la.components if c.title == "Computer Graphics")
    assert (graphics.status, graphics.reason) == ("deleted", "timetable-conflict")
    assert [c.title for c in la.recognized] == ["Computer Networks"]  # the first version's, unchanged
    assert any("changes-proposal is pending" in n for n in la.notes)
    assert "Distributed Systems" not in [c.title for c in la.components]  # a proposal is not applied


def test_a_proposal_alone_is_not_an_agreement():
    xml = (VAR / "ewp_la_first_version_and_changes.xml").read_text(encoding="utf-8")
    start, end = xml.index("<first-version>"), xml.index("</approved-changes>") + len("</approved-changes>")
    [la] = read_credentials((xml[:start] + xml[end:]).encode(), "p.xml").learning_agreements
    assert (la.version, la.agreed) == ("changes-proposal", False)


# --- hostile input, before parsing ---------------------------------------------------------------

def test_100000_levels_of_json_are_refused_without_recursion_error():
    for name in ("deep.json", "deep.yaml", "deep.txt"):
        with pytest.raises(InputError) as err:
            read_credential_bytes(b"[" * 100_000 + b"]" * 100_000, name)
        assert "deeper than the limit" in err.value.problems[0].message


def test_deep_yaml_and_alias_bombs_are_refused():
    deep = "".join("  " * i + "- \n" for i in range(100)).encode()
    with pytest.raises(InputError, match="deeper"):
        read_credential_bytes(b"a:\n" + deep, "deep.yaml", limits=Limits(max_bytes=1_000_000))
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6))
    with pytest.raises(InputError, match="aliases counted"):
        read_credential_bytes(bomb.encode(), "bomb.yaml")


def test_a_large_file_is_refused_from_its_size_before_it_is_read(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: no 50 MB written
    with pytest.raises(InputError) as err:
        read_credential_path(big)
    assert "50,000,000 bytes, more than the limit" in str(err.value.problems[0])


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml xl/workbook.xml", "spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Microsoft Office"),
    (b"", "empty"),
    (b"  \n\t ", "white space"),
])
def test_files_are_named_for_what_they_are(data, expected):
    with pytest.raises(InputError) as err:
        read_credential_bytes(data, "renamed.json")
    assert expected in err.value.problems[0].message


def test_encodings_are_detected():
    assert detect_encoding("é".encode()).encoding == "UTF-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "é".encode()).encoding == "UTF-8 with BOM"
    assert detect_encoding("Café – 5 €".encode("cp1252")).encoding == "Windows-1252"
    assert detect_encoding(b"caf\xe9 \x81").encoding == "Latin-1"
    mixed = detect_encoding("Zürich\n".encode() + b"caf\xe9\n")
    assert mixed.encoding == "UTF-8" and mixed.bad_bytes


# --- grade conversion -----------------------------------------------------------------------------

HOME = GradeConversionPolicy.model_validate({
    "grading_table": {"scheme": "Dutch 1-10", "reference_group": "Faculty of Science 2023-2025",
                      "grades": [{"grade": "9", "share": 5}, {"grade": "8", "share": 20}, {"grade": "7", "share": 40},
                                 {"grade": "6", "share": 35}]},
    "tables": [{"from_scheme": "Finnish 0-5 scale (5 best, 0 fail)", "to_scheme": "Dutch 1-10", "grades": {"5": "9"}}],
})


def test_ects_grading_table_method_from_a_shortened_grading():
    grading = read("elmo2_two_reports.xml").item("TIE-101").credential.grading  # band 15-37.5 %
    conversion = convert(grading, HOME)
    # home 8 covers 5-25 % (overlap 10), home 7 covers 25-65 % (overlap 12.5): the largest overlap wins
    assert (conversion.original, conversion.converted, conversion.method) == ("4", "7", "ects-grading-table")
    assert "15-37.5%" in conversion.basis and conversion.scheme == "Finnish 0-5 scale (5 best, 0 fail)"


def test_the_institution_table_wins_when_it_covers_the_grade():
    grading = Grading(grade="5", scheme="Finnish 0-5 scale (5 best, 0 fail)", source="test")
    conversion = convert(grading, HOME)
    assert (conversion.converted, conversion.method) == ("9", "institution-table")


def test_ects_letters_and_egracons_tables_have_a_known_order():
    letters = convert(read("elmo2_two_reports.xml").item("TIE-205").credential.grading, HOME)  # B: 10-35 %
    assert (letters.converted, letters.method) == ("8", "ects-grading-table")
    egracons = convert(read("ewp_tor_two_mobilities.xml").items[0].credential.grading, HOME)  # 4.5: 10-30 %
    assert egracons.converted == "8"


def test_no_conversion_says_why():
    assert "no grade" in convert(None, HOME).reason
    unordered = Grading(grade="7", scheme="local", source="t", distribution=[{"grade": "7", "share": 3}])
    result = convert(unordered, HOME)
    assert result.converted is None and "order is known" in result.reason
    assert "not converted" in describe(result)
    assert "no grade conversion" in convert(unordered, None).reason


@settings(max_examples=80, deadline=None)
@given(shares=st.lists(st.integers(1, 50), min_size=2, max_size=8), a=st.floats(0, 100), b=st.floats(0, 100))
def test_a_better_band_never_gives_a_worse_home_grade(shares, a, b):
    home = GradeConversionPolicy.model_validate({"grading_table": {"scheme": "home", "grades": [
        {"grade": f"g{i}", "share": s} for i, s in enumerate(shares)]}})
    low, high = sorted((a, b))

    def rank(better: float, equal: float) -> int:
        g = convert(Grading(grade="x", scheme="s", source="t", percent_better=better, percent_equal=equal), home)
        return int(g.converted[1:])

    assert rank(low, 0) <= rank(high, 0)  # g0 is the best home grade
    assert 0 <= rank(low, high - low) < len(shares)


# --- property tests: random nesting and sizes, for every importer ---------------------------------

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(string.printable, max_size=20))
_JSON = st.recursive(_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["id", "type", "@context", "credentialSubject", "achievement", "hasClaim",
                                     "payload", "title", "name", "alignment", "verifiableCredential", "specifiedBy"]),
                    inner, max_size=5)), max_leaves=30)
_TAGS = ["elmo", "report", "learner", "learningOpportunitySpecification", "specifies", "learningOpportunityInstance",
         "title", "tor", "europassCredential", "credentialSubject", "achievements", "learningAchievement",
         "omobility-las-get-response", "imobility-tors-get-response", "la", "first-version", "approved-changes",
         "components-studied", "component", "identifier", "credit", "value", "scheme", "status"]
_XML = st.recursive(st.text(string.ascii_letters + " ", max_size=10),
                    lambda inner: st.tuples(st.sampled_from(_TAGS), st.lists(inner, max_size=3)), max_leaves=25)


def _xml(node) -> str:
    if isinstance(node, str):
        return node
    tag, kids = node
    return f"<{tag}>{''.join(_xml(k) for k in kids)}</{tag}>"


SMALL = Limits(max_bytes=20_000, max_depth=12, max_elements=300)
FORCED = [None, *FORMATS]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_JSON, fmt=st.sampled_from(FORCED), depth=st.integers(0, 40))
def test_random_json_gives_a_result_or_an_input_error(doc, fmt, depth):
    data = ("[" * depth + json.dumps(doc) + "]" * depth).encode()
    try:
        read_credentials(data, "random.json", fmt, limits=SMALL)
    except InputError as exc:
        assert exc.problems and all("\n" not in p.message for p in exc.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.tuples(st.sampled_from(_TAGS), st.lists(_XML, max_size=4)), fmt=st.sampled_from(FORCED),
       depth=st.integers(0, 20))
def test_random_xml_gives_a_result_or_an_input_error(tree, fmt, depth):
    data = ("<wrap>" * depth + _xml(tree) + "</wrap>" * depth).encode()
    try:
        read_credentials(data, "random.xml", fmt, limits=SMALL)
    except InputError as exc:
        assert exc.problems


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(st.text(string.printable, max_size=15), min_size=1, max_size=6), max_size=8),
       raw=st.binary(max_size=200))
def test_random_csv_yaml_and_bytes_give_a_result_or_an_input_error(rows, raw):
    text = "id,title,learning_outcomes\n" + "\n".join(",".join(r) for r in rows)
    for data, fmt in ((text.encode(), None), (text.encode(), "csv"), (raw, None), (raw, "native")):
        try:
            read_credentials(data, "random", fmt, limits=SMALL)
        except InputError as exc:
            assert exc.problems


def test_the_transcripts_batch_keeps_the_tor_grade_table_with_the_grades():
    from recognition_engine.transcripts import InputFile, classify

    transcripts, _, errors = classify([InputFile("tor.xml", (VAR / "ewp_tor_two_mobilities.xml").read_bytes())])
    assert not errors and [t.omobility_id for t in transcripts] == ["mob-2026-001", "mob-2026-002"]
    grading = transcripts[0].result.items[0].credential.grading
    assert grading.distribution_source == "EWP gradeConversionTable, ISCED 0612"


def test_elm_template_placeholder_outcomes_are_not_used():
    cred = _elm("3.1")
    spec = cred["credentialSubject"]["hasClaim"]["specifiedBy"]
    spec["learningOutcome"].append({"id": "urn:lo:2", "type": "LearningOutcome", "title": {"en": "{{learning outcome 2}}"}})
    item = read_credentials(json.dumps(cred).encode(), "c.json").items[0]
    assert [o.text for o in item.credential.learning_outcomes] == ["Assess the security of a cloud deployment"]
    assert any("template placeholder" in n for n in item.notes)


def test_elmo_eqf_level_written_with_words():
    xml = (VAR / "elmo2_two_reports.xml").read_text(encoding="utf-8").replace(
        "<level><type>EQF</type><value>6</value></level>\n          <languageOfInstruction>",
        "<level><type>EQF</type><value>Level 6</value></level>\n          <languageOfInstruction>")
    degree = read_credentials(xml.encode(), "t.xml").item("DP-CS-2026")
    assert str(degree.credential.level) == "EQF 6" and any("read as 6" in n for n in degree.notes)
