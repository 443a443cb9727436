"""Importers for ELM/EDC, Open Badges 3.0, EMREX ELMO, EWP learning agreements and the CSV template.

The fixtures in tests/fixtures/formats/ are built from the facts of each specification's own
examples; the hostile ones must be refused with an InputError naming the element, never with a
traceback or an entity expansion.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from recognition_engine import load_credentials
from recognition_engine.errors import InputError
from recognition_engine.formats import (
    Limits,
    check_transcript,
    detect_format,
    read_credentials,
)

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "formats"
TEMPLATE = ROOT / "examples" / "credentials_template.csv"


def read(name: str, **kw):
    path = FIX / name
    return read_credentials(path.read_bytes(), path.name, **kw)


def problems(exc: InputError) -> list[str]:
    return [str(p) for p in exc.problems]


# --- detection -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [
    ("elm_mc_annex1.jsonld", "elm"),
    ("ob3_full.json", "openbadges"),
    ("ob3_basic.json", "openbadges"),
    ("ob3_alignment_case.json", "openbadges"),
    ("elmo_example.xml", "elmo"),
    ("ewp_la_get_response.xml", "ewp"),
])
def test_detect_format_from_content(name, fmt):
    assert detect_format((FIX / name).read_bytes()) == fmt


def test_detect_csv_template():
    assert detect_format(TEMPLATE.read_bytes()) == "csv"


def test_detection_ignores_the_file_name():
    data = (FIX / "elmo_example.xml").read_bytes()
    assert read_credentials(data, "transcript.json").format == "elmo"


def test_detect_elm_upload_wrapper_and_presentation():
    cred = json.loads((FIX / "elm_mc_annex1.jsonld").read_text())
    wrapped = json.dumps({"credential": cred}).encode()
    assert detect_format(wrapped) == "elm"
    assert len(read_credentials(wrapped, "upload.json").credentials) == 1
    signed = json.dumps({"payload": json.dumps(cred), "signature": "..."}).encode()
    assert detect_format(signed) == "elm"
    assert read_credentials(signed, "signed.json").items[0].location.startswith("payload")
    presentation = json.dumps({"type": ["VerifiablePresentation", "EuropeanDigitalPresentation"],
                               "verifiableCredential": [cred, cred]}).encode()
    result = read_credentials(presentation, "presentation.json")
    assert len(result.credentials) == 2
    assert len({c.id for c in result.credentials}) == 2  # duplicate ids are made unique and noted
    assert any("more than once" in n for n in result.items[1].notes)


def test_unknown_json_is_refused_with_its_type():
    with pytest.raises(InputError) as err:
        detect_format(b'{"type": "Diploma", "name": "x"}')
    assert "unknown JSON credential" in str(err.value) and "Diploma" in str(err.value)


def test_open_badges_2_is_refused_as_such():
    with pytest.raises(InputError) as err:
        detect_format(b'{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}')
    assert "Open Badges 2.0" in str(err.value)


def test_forced_format_and_unknown_format_name():
    data = (FIX / "ob3_basic.json").read_bytes()
    assert read_credentials(data, "b.json", fmt="ob3").format == "openbadges"
    with pytest.raises(InputError) as err:
        read_credentials(data, "b.json", fmt="pdf")
    assert err.value.problems[0].field == "format"


def test_forcing_the_wrong_xml_format_names_the_root_element():
    data = (FIX / "ewp_la_get_response.xml").read_bytes()
    with pytest.raises(InputError) as err:
        read_credentials(data, "la.xml", fmt="elmo")
    assert err.value.problems[0].field == "<omobility-las-get-response>"
    assert "<elmo>" in err.value.problems[0].message


def test_text_that_is_no_format_is_refused():
    with pytest.raises(InputError) as err:
        detect_format(b"just some words\nand more")
    assert "unknown format" in str(err.value)


# --- ELM / EDC ---------------------------------------------------------------------------------

def test_elm_annex1_sample_maps_every_element_it_carries():
    result = read("elm_mc_annex1.jsonld")
    assert result.format == "elm"
    [item] = result.items
    mc = item.credential
    assert mc.id == "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b"
    assert mc.learner.name == "Ana Andromeda" and mc.learner.identifier == "LA-234218"
    assert mc.title == "Digital micro-credential creation"
    assert mc.awarding_body == "University of Zed"
    assert mc.country == "IE"  # EU authority URI .../country/IRL
    assert mc.date_of_issue == dt.date(2022, 12, 31)
    assert mc.outcome_texts == ["Communication, collaboration and creativity", "Developing digital content"]
    assert (mc.workload.value, mc.workload.unit) == (2.0, "ects")
    assert (mc.level.framework, mc.level.value) == ("EQF", "6")  # http://data.europa.eu/snb/eqf/6
    assert mc.field_of_education == "003"
    assert mc.form_of_participation.value == "blended"
    assert mc.language == "en"  # .../language/ENG
    assert mc.type_of_assessment == "Digital artefact assessment (Online)"
    assert mc.grade == "Pass"
    assert mc.supervision.value == "online_unsupervised"
    assert mc.identity_verification.value == "none"
    assert mc.prerequisites.startswith("The learner needs to have an EDC Online Credential Builder account")


def test_elm_reports_what_is_missing_and_how_values_were_read():
    [item] = read("elm_mc_annex1.jsonld").items
    assert item.missing == ("quality_assurance",)  # the sample has no accreditation: never invented
    assert item.cannot_carry == ("integration",)
    notes = " ".join(item.notes)
    assert "validFrom" in notes  # the date of issue is not an awarding date
    assert "RQF Level 6" in notes  # NQF level noted, not mapped
    assert "003, 0688" in notes  # the second thematic area is noted


def test_elm_accreditation_becomes_quality_assurance():
    cred = json.loads((FIX / "elm_mc_annex1.jsonld").read_text())
    cred["credentialSubject"]["hasClaim"]["specifiedBy"]["accreditation"] = {
        "id": "urn:epass:accreditation:1", "type": "Accreditation",
        "title": {"en": "Programme accreditation"},
        "accreditingAgent": {"id": "urn:epass:org:9", "type": "Organisation", "legalName": {"en": "QQI"}},
    }
    [item] = read_credentials(json.dumps(cred).encode(), "acc.json").items
    qa = item.credential.quality_assurance
    assert qa.type.value == "external" and "QQI" in qa.description
    assert item.missing == ()


def test_elm_bad_value_names_the_source_element():
    cred = json.loads((FIX / "elm_mc_annex1.jsonld").read_text())
    cred["credentialSubject"]["hasClaim"]["specifiedBy"]["eqfLevel"]["id"] = "http://data.europa.eu/snb/eqf/9"
    with pytest.raises(InputError) as err:
        read_credentials(json.dumps(cred).encode(), "bad.json")
    [p] = err.value.problems
    assert p.field.startswith("level") and "specifiedBy.eqfLevel" in p.message
    assert "hasClaim" in p.location


def test_elm_without_a_claim_is_refused_naming_the_element():
    with pytest.raises(InputError) as err:
        read("elm_missing_claim.jsonld")
    [p] = err.value.problems
    assert p.field == "credentialSubject.hasClaim" and "missing" in p.message


def test_elm_credit_in_unknown_scheme_is_kept_as_text():
    cred = json.loads((FIX / "elm_mc_annex1.jsonld").read_text())
    cp = cred["credentialSubject"]["hasClaim"]["specifiedBy"]["creditPoint"]
    cp["framework"] = {"id": "urn:concept:ECVET", "type": "Concept", "prefLabel": {"en": "ECVET"}}
    cp["point"] = "5"
    [item] = read_credentials(json.dumps(cred).encode(), "ecvet.json").items
    w = item.credential.workload
    assert w.unit is None and w.text == "5 ECVET"
    assert any("ECVET" in n and "credit_systems.yaml" in n for n in item.notes)


# --- Open Badges 3.0 -----------------------------------------------------------------------------

def test_ob3_full_example():
    [item] = read("ob3_full.json").items
    mc = item.credential
    assert mc.id == "http://1edtech.edu/credentials/3732"
    assert mc.title == "1EdTech University Degree"
    assert mc.awarding_body == "1EdTech University" and mc.country == "US"
    assert mc.date_of_issue == dt.date(2010, 1, 1)
    assert mc.workload.unit is None and "42" in mc.workload.text  # creditsEarned: no unit in OB 3.0
    assert "Final Project Grade (LetterGrade)" in mc.type_of_assessment
    assert "Final Project Grade: A" in mc.grade and "Mastery" in mc.grade
    assert mc.field_of_education is None  # fieldOfStudy "Research" is free text
    assert mc.level is None


def test_ob3_reports_the_annex_elements_a_badge_cannot_carry():
    [item] = read("ob3_basic.json").items
    assert item.cannot_carry == ("workload", "level", "type_of_assessment", "form_of_participation",
                                 "quality_assurance", "supervision", "identity_verification", "prerequisites",
                                 "integration")
    assert any(n.startswith("the badge cannot carry: workload, level") for n in item.notes)
    assert {"workload", "level", "type_of_assessment", "form_of_participation", "quality_assurance",
            "country"} <= set(item.missing)
    assert item.credential.awarding_body == "Example Corp"
    assert any("criteria.narrative" in n for n in item.notes)  # outcomes taken from the criteria, said so


def test_ob3_alignment_gives_the_learning_outcome():
    [item] = read("ob3_alignment_case.json").items
    assert item.credential.outcome_texts == [
        "Cite strong and thorough textual evidence to support analysis of what the text says explicitly "
        "as well as inferences drawn from the text, including determining where the text leaves matters uncertain"
    ]
    assert item.credential.date_of_issue == dt.date(2010, 1, 1)  # issuanceDate (VC 1.1)
    assert any("alignments" in n for n in item.notes)


def test_ob3_eqf_and_isced_alignments():
    badge = json.loads((FIX / "ob3_basic.json").read_text())
    badge["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "EQF level 5", "targetUrl": "http://data.europa.eu/snb/eqf/5",
         "targetType": "ext:Level"},
        {"type": ["Alignment"], "targetName": "Software", "targetUrl": "http://data.europa.eu/snb/isced-f/0613"},
        {"type": ["Alignment"], "targetName": "Work in a team towards a shared goal", "targetType": "CFItem"},
    ]
    [item] = read_credentials(json.dumps(badge).encode(), "aligned.json").items
    assert (item.credential.level.framework, item.credential.level.value) == ("EQF", "5")
    assert item.credential.field_of_education == "0613"
    assert item.credential.outcome_texts == ["Work in a team towards a shared goal"]
    assert "level" not in item.cannot_carry


def test_ob3_without_achievement_is_refused():
    with pytest.raises(InputError) as err:
        read("ob3_missing_achievement.json")
    [p] = err.value.problems
    assert p.field == "credentialSubject.achievement" and "missing" in p.message


# --- EMREX ELMO ----------------------------------------------------------------------------------

def test_elmo_example_transcript():
    result = read("elmo_example.xml")
    assert result.format == "elmo"
    by_id = {it.id: it for it in result.items}
    assert set(by_id) == {"MNM2-BIO", "EKSTERN", "1000-217bMRJ",
                          "elmo/report[1]/learningOpportunitySpecification[3]"}
    course = by_id["1000-217bMRJ"].credential
    assert course.title == "Compiler construction"
    assert course.learner.name == "Wojciech Łukasz Rygielski" and course.learner.identifier == "83041200000"
    assert course.awarding_body == "University of Warsaw" and course.country == "PL"
    assert course.date_of_issue == dt.date(2015, 10, 31)
    assert (course.workload.value, course.workload.unit) == (6.0, "ects")
    assert (course.level.framework, course.level.value) == ("EQF", "5")
    assert course.language == "pl" and course.field_of_education == "0612"
    assert course.grade.startswith("45.1 (A number of the scale")
    cdata = by_id["elmo/report[1]/learningOpportunitySpecification[3]"].credential
    assert cdata.title == "The importance of <br> in HTML"
    assert cdata.grade == "C (American grading scale)"


def test_elmo_says_where_learning_outcomes_came_from():
    by_id = {it.id: it for it in read("elmo_example.xml").items}
    course = by_id["1000-217bMRJ"]
    assert course.credential.outcome_texts[0] == "This can contain a multiline description"
    assert any("taken from the description" in n for n in course.notes)
    assert any("engagement" in n or "attendance" in n for n in course.notes)  # class hours are not workload
    degree = by_id["MNM2-BIO"]
    assert "learning_outcomes" in degree.missing
    assert (degree.credential.level.framework, degree.credential.level.value) == ("QF-EHEA", "second_cycle")
    assert any("credit/level" in n for n in degree.notes)


def test_elmo_learning_outcomes_from_a_linked_catalogue():
    catalogue = {"1000-217bMRJ": ["Build a lexer and a parser for a small language.",
                                  "Generate stack-machine code from an abstract syntax tree."]}
    by_id = {it.id: it for it in read("elmo_example.xml", outcomes_catalogue=catalogue).items}
    course = by_id["1000-217bMRJ"]
    assert course.credential.outcome_texts == ["Build a lexer and a parser for a small language.",
                                               "Generate stack-machine code from an abstract syntax tree."]
    assert any("linked catalogue" in n for n in course.notes)


def test_elmo_cannot_carry():
    by_id = {it.id: it for it in read("elmo_example.xml").items}
    degree, course = by_id["MNM2-BIO"], by_id["1000-217bMRJ"]
    assert set(degree.cannot_carry) >= {"learning_outcomes", "type_of_assessment", "form_of_participation",
                                        "quality_assurance"}
    assert "learning_outcomes" not in course.cannot_carry  # read from the description, and noted


def test_ob3_full_cannot_carry_leaves_out_what_stood_in():
    [item] = read("ob3_full.json").items
    assert "workload" not in item.cannot_carry and "type_of_assessment" not in item.cannot_carry
    assert "level" in item.cannot_carry


def test_elmo_unknown_credit_scheme_and_known_national_scheme():
    xml = (FIX / "elmo_example.xml").read_text(encoding="utf-8")
    xml = xml.replace("<scheme>ects</scheme>", "<scheme>cfu</scheme>", 1).replace(
        "<scheme>ECTS</scheme>\n                        <level>Master</level>",
        "<scheme>Studienpunkte-XY</scheme>\n                        <level>Master</level>", 1)
    by_id = {it.id: it for it in read_credentials(xml.encode("utf-8"), "t.xml").items}
    assert by_id["1000-217bMRJ"].credential.workload.unit == "cfu"
    degree = by_id["MNM2-BIO"]
    assert degree.credential.workload.text == "120 Studienpunkte-XY" and degree.credential.workload.unit is None
    assert any("Studienpunkte-XY" in n for n in degree.notes)


def test_elmo_missing_learner_and_report_are_named():
    with pytest.raises(InputError) as err:
        read("elmo_missing_parts.xml")
    fields = {p.field for p in err.value.problems}
    assert fields == {"learner", "report"}
    assert all("required element is missing" in p.message for p in err.value.problems)


def test_elmo_bad_isced_code_names_element_and_field():
    xml = (FIX / "elmo_example.xml").read_text(encoding="utf-8").replace("<iscedCode>0612</iscedCode>",
                                                                         "<iscedCode>0615</iscedCode>")
    with pytest.raises(InputError) as err:
        read_credentials(xml.encode("utf-8"), "t.xml")
    [p] = err.value.problems
    assert p.location == "elmo/report[1]/learningOpportunitySpecification[2]"
    assert p.field == "field_of_education" and "iscedCode" in p.message


def test_elmo_bad_credit_value_names_the_element():
    xml = (FIX / "elmo_example.xml").read_text(encoding="utf-8").replace("<value>6</value>", "<value>six</value>", 1)
    with pytest.raises(InputError) as err:
        read_credentials(xml.encode("utf-8"), "t.xml")
    [p] = err.value.problems
    assert p.field == "credit value" and "'six' is not a number" in p.message


# --- EWP learning agreements ---------------------------------------------------------------------

def test_ewp_learning_agreement_components():
    result = read("ewp_la_get_response.xml")
    assert result.format == "ewp" and result.credentials == []
    [la] = result.learning_agreements
    assert la.omobility_id == "c442c289-5541-4cae-9edb-8ad83e133613"
    assert (la.sending_hei, la.receiving_hei) == ("uio.no", "uw.edu.pl")
    assert la.student_name == "Ivan Petrovich Sidorov"
    # approved-changes holds the changes to the first version (EWP omobility-las schema), applied to it
    assert la.version == "first-version+approved-changes" and la.agreed
    assert la.signed_by == ("student", "sending-hei", "receiving-hei")
    assert [c.title for c in la.studied] == ["Introductory calculus", "Algebra"]
    assert [c.title for c in la.recognized] == ["Calculus", "Algebra with Geometry"]
    algebra = la.studied[1]
    assert (algebra.los_code, algebra.ects, algebra.status, algebra.reason) == ("KR502B", 6.0, "inserted",
                                                                                 "extending-mobility")
    assert any("changes-proposal is pending" in n for n in la.notes)


def test_ewp_proposal_only_is_not_agreed():
    xml = (FIX / "ewp_la_get_response.xml").read_text(encoding="utf-8")
    start, end = xml.index("<first-version>"), xml.index("</approved-changes>") + len("</approved-changes>")
    [la] = read_credentials((xml[:start] + xml[end:]).encode("utf-8"), "p.xml").learning_agreements
    assert la.version == "changes-proposal" and not la.agreed
    assert [c.title for c in la.studied] == ["Introductory calculus", "Elementary Set Theory"]


def test_ewp_check_transcript_against_the_agreement():
    [la] = read("ewp_la_get_response.xml").learning_agreements
    transcript = read("elmo_uw_transcript.xml")
    assert any("failed" in n for n in transcript.notes)  # the failed course is not imported
    check = check_transcript(la, transcript)
    found = {c.component.title: c for c in check.components}
    assert found["Algebra"].finding == "on the transcript" and found["Algebra"].matched_by == "los-id"
    calc = found["Introductory calculus"]
    assert calc.matched_by == "title" and calc.finding == "credits differ"
    assert (calc.agreed_ects, calc.earned_ects) == (6.0, 5.0)
    assert check.not_in_agreement == ("PL-101",)
    assert not check.complete


def test_ewp_missing_la_and_wrong_root():
    with pytest.raises(InputError) as err:
        read_credentials(b"<omobility-las-get-response/>", "e.xml")
    assert err.value.problems[0].field == "la"
    with pytest.raises(InputError) as err:
        read_credentials(b"<omobility-las-get-response><la><student/></la></omobility-las-get-response>", "e.xml")
    assert {p.field for p in err.value.problems} == {"omobility-id", "first-version"}


# --- CSV template ------------------------------------------------------------------------------

def test_csv_template_matches_the_yaml_credentials():
    result = read_credentials(TEMPLATE.read_bytes(), TEMPLATE.name)
    assert len(result.credentials) == 3
    yaml_creds = {c.id: c for c in load_credentials(ROOT / "examples" / "credentials")}
    for mc in result.credentials:
        mine = mc.model_dump(exclude={"workload"})
        theirs = yaml_creds[mc.id].model_dump(exclude={"workload"})
        assert mine == theirs, mc.id
        assert mc.workload.to_ects().low == yaml_creds[mc.id].workload.to_ects().low


def test_csv_list_separators():
    by_id = {c.id: c for c in read_credentials(TEMPLATE.read_bytes(), TEMPLATE.name).credentials}
    assert len(by_id["mc-hcmut-dsa-2025"].learning_outcomes) == 5  # " | "
    assert len(by_id["mc-upv-mooc-ai-2024"].learning_outcomes) == 6  # line breaks in the cell
    assert len(by_id["mc-helsinki-ml-2025"].learning_outcomes) == 6  # a paragraph, split


def test_csv_errors_name_row_and_column():
    data = ("id,title,level,workload,date_of_issue,form_of_participation,quality_assurance_description,colour\n"
            "a,One,EQF 9,5 ECTS,2025-01-01,online,,\n"
            "b,Two,6,5 ECTS,31/01/2025,by post,audited,\n"
            "a,Three,EQF 6,,,,,\n").encode()
    with pytest.raises(InputError) as err:
        read_credentials(data, "creds.csv")
    found = {(p.location, p.field) for p in err.value.problems}
    assert ("row 1", "colour") in found
    assert ("row 2", "level") in found
    assert {("row 3", "level"), ("row 3", "date_of_issue"), ("row 3", "form_of_participation"),
            ("row 3", "quality_assurance_type")} <= found
    assert ("row 4", "id") in found  # duplicate id
    msgs = problems(err.value)
    assert any("row 3, field 'level'" in m and "EQF 6" in m for m in msgs)
    assert not any("Traceback" in m for m in msgs)


def test_csv_without_id_column():
    with pytest.raises(InputError) as err:
        read_credentials(b"title,level\nx,EQF 6\n", "c.csv", fmt="csv")
    assert (err.value.problems[0].location, err.value.problems[0].field) == ("row 1", "id")


# --- hostile input -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hostile_billion_laughs.xml", "hostile_xxe.xml", "hostile_xxe_parameter.xml"])
def test_dtd_entities_and_external_references_are_refused(name):
    data = (FIX / name).read_bytes()
    for call in (lambda: detect_format(data), lambda: read(name), lambda: read(name, fmt="elmo")):
        with pytest.raises(InputError) as err:
            call()
        [p] = err.value.problems
        assert p.field.startswith("<!DOCTYPE") and "not accepted" in p.message
        assert "root:" not in str(err.value) and "lol" not in p.message  # nothing was expanded


def test_oversized_input_is_refused_before_parsing():
    data = b"<elmo>" + b" " * 2000 + b"</elmo>"
    with pytest.raises(InputError) as err:
        read_credentials(data, "big.xml", limits=Limits(max_bytes=1000))
    assert "more than the limit of 1,000 bytes" in str(err.value)
    with pytest.raises(InputError):
        detect_format(b"{" + b" " * 6_000_000 + b"}")  # the default limit is 5,000,000 bytes


def test_too_deep_xml_is_refused_naming_the_element():
    data = b"<elmo>" + b"<x>" * 200 + b"</x>" * 200 + b"</elmo>"
    with pytest.raises(InputError) as err:
        read_credentials(data, "deep.xml")
    [p] = err.value.problems
    assert p.field == "<x>" and "deeper than the limit of 64" in p.message


def test_too_deep_json_is_refused():
    data = b'{"type": "OpenBadgeCredential", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(InputError) as err:
        read_credentials(data, "deep.json")
    assert "deeper than the limit" in str(err.value) and "line 1" in str(err.value)


def test_too_many_elements_is_refused():
    data = b"<elmo>" + b"<learner/>" * 500 + b"</elmo>"
    with pytest.raises(InputError) as err:
        read_credentials(data, "many.xml", limits=Limits(max_elements=100))
    assert "more than 100 XML elements" in str(err.value)


def test_malformed_xml_and_json_give_line_and_column():
    with pytest.raises(InputError) as err:
        read("malformed.xml")
    [p] = err.value.problems
    assert p.location.startswith("line 3") and "malformed XML: mismatched tag" in p.message
    with pytest.raises(InputError) as err:
        read("malformed.json")
    [p] = err.value.problems
    assert p.location.startswith("line 2") and "invalid JSON" in p.message


def test_wrong_root_element_is_named():
    with pytest.raises(InputError) as err:
        read("wrong_root.xml")
    [p] = err.value.problems
    assert p.field == "<transcript>" and "root element" in p.message


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xff\xfe{\x00", b'{"a": NaN}', b"[1, 2"])
def test_garbage_is_an_input_error(data):
    with pytest.raises(InputError):
        read_credentials(data, "garbage")


def _mutate(obj, rng, rate):
    weird = [None, 0, -1, 3.5, True, "", [], {}, [1, "a"], {"en": 5}, {"id": 7}, "2020-13-45", [{}]]
    if isinstance(obj, dict):
        return {k: (rng.choice(weird) if rng.random() < rate else _mutate(v, rng, rate))
                for k, v in obj.items() if rng.random() > rate / 3}
    if isinstance(obj, list):
        return [_mutate(v, rng, rate) for v in obj if rng.random() > rate / 2]
    return rng.choice(weird) if rng.random() < rate else obj


@pytest.mark.parametrize("name", ["elm_mc_annex1.jsonld", "ob3_full.json"])
def test_mutated_json_gives_a_result_or_an_input_error(name):
    import random

    rng = random.Random(20250616)
    base = json.loads((FIX / name).read_text())
    for _ in range(300):
        data = json.dumps(_mutate(base, rng, rng.choice([0.03, 0.1, 0.3]))).encode()
        try:
            read_credentials(data, name)
        except InputError as exc:
            assert "unexpected structure" not in str(exc)  # the last-resort guard was not needed


def test_mutated_xml_gives_a_result_or_an_input_error():
    import random
    import re

    rng = random.Random(7)
    for name in ("elmo_example.xml", "ewp_la_get_response.xml"):
        lines = (FIX / name).read_text(encoding="utf-8").splitlines()
        for _ in range(200):
            copy = list(lines)
            for _ in range(rng.randint(1, 6)):
                j = rng.randrange(len(copy))
                if rng.random() < 0.5:
                    del copy[j]
                else:
                    copy[j] = re.sub(r">[^<]*<", ">" + rng.choice(["", "-5", "0", "x", "2015-99-99"]) + "<", copy[j])
            try:
                read_credentials("\n".join(copy).encode("utf-8"), name)
            except InputError as exc:
                assert "unexpected structure" not in str(exc)
