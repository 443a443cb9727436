"""The DataFrame-first API: stable columns, one row per documented unit, agreement with the
engine's own objects, and batch results read back into the same columns."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from recognition_engine import Engine, MicroCredential
from recognition_engine import frames as F
from recognition_engine.assessment import Assessor
from recognition_engine.matching import FEATURES

AS_OF = dt.date(2026, 1, 15)
IDS = ["mc-aalto-hci-2025", "mc-hcmut-dsa-2025", "mc-ou-os-2024", "mc-badge-security-2025", "mc-upv-mooc-ai-2024"]


@pytest.fixture
def engine(tmp_path, bow_encoder, test_profiles, sample_catalogue):
    return Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "e.sqlite", profiles=test_profiles)


@pytest.fixture
def credentials(sample_credentials):
    return [sample_credentials[i] for i in IDS]


@pytest.fixture
def assessments(engine, credentials):
    return [Assessor(engine).assess(c, as_of=AS_OF) for c in credentials]


NO_OUTCOMES = MicroCredential(id="empty", title="Nothing to match")


# --- candidates and features ---------------------------------------------------------


def test_candidates_frame_has_k_rows_per_credential_in_rank_order(engine, credentials):
    frame = F.candidates_frame(engine, credentials, k=4)
    assert list(frame.columns) == F.CANDIDATE_COLUMNS
    assert len(frame) == 4 * len(credentials)
    for credential in credentials:
        rows = frame[frame.credential_id == credential.id]
        ranked = engine.rank(credential, k=4)
        assert rows["rank"].tolist() == [1, 2, 3, 4]
        assert rows.course_id.tolist() == [c.course_id for c in ranked]
        assert rows.score.tolist() == [c.score for c in ranked]
        assert rows.n_uncovered_essential.tolist() == [len(c.uncovered_essential) for c in ranked]
        for f in FEATURES:
            assert rows[f].tolist() == [c.features[f] for c in ranked]
    assert frame.dtypes["rank"] == np.int64 and frame.dtypes["score"] == np.float64


def test_candidates_frame_takes_one_credential_and_names_programmes(engine, sample_credentials):
    frame = F.candidates_frame(engine, sample_credentials["mc-unibo-nlp-2025"], k=46)
    assert len(frame) == 46
    programmes = dict(zip(frame.course_id, frame.programmes))
    assert programmes["CS304"] == "BSC-CS|MSC-DS"  # a course in both programmes
    assert programmes["DS502"] == "MSC-DS"


def test_empty_inputs_give_empty_frames_with_every_column(engine):
    assert list(F.candidates_frame(engine, [NO_OUTCOMES]).columns) == F.CANDIDATE_COLUMNS
    assert F.candidates_frame(engine, []).empty
    assert list(F.features_frame(engine, [NO_OUTCOMES]).columns) == F.FEATURE_COLUMNS
    assert list(F.alignment_frame(engine, NO_OUTCOMES, "CS201").columns) == F.ALIGNMENT_COLUMNS
    assert list(F.assessments_frame([]).columns) == F.ASSESSMENT_COLUMNS
    assert list(F.findings_frame([]).columns) == F.FINDING_COLUMNS
    assert list(F.gaps_frame([]).columns) == F.GAP_COLUMNS


def test_features_frame_is_every_course_for_every_credential(engine, credentials):
    frame = F.features_frame(engine, credentials)
    assert list(frame.columns) == F.FEATURE_COLUMNS
    n_courses = len(engine.catalogue.courses)
    assert len(frame) == n_courses * len(credentials)
    one = frame[frame.credential_id == credentials[0].id].reset_index(drop=True)
    expected = engine.features(credentials[0])
    assert one.course_id.tolist() == expected.course_id.tolist()
    assert one.score.tolist() == expected.score.tolist()
    assert set(frame.model) == {"test/bag-of-words"}


# --- alignment -------------------------------------------------------------------------


def test_alignment_frame_is_every_pair_and_agrees_with_the_candidate(engine, sample_credentials):
    credential = sample_credentials["mc-hcmut-dsa-2025"]
    frame = F.alignment_frame(engine, credential, "CS201")
    course = engine.catalogue.course("CS201")
    m, n = len(credential.learning_outcomes), len(course.learning_outcomes)
    assert list(frame.columns) == F.ALIGNMENT_COLUMNS
    assert len(frame) == m * n
    assert frame[["incoming_index", "local_index"]].drop_duplicates().shape[0] == m * n
    assert (frame.covered == (frame.similarity >= frame.threshold)).all()
    # one best incoming outcome per local outcome, the one the candidate reports
    best = frame[frame.best_match].set_index("local_index").sort_index()
    assert best.index.tolist() == list(range(n))
    aligned = engine.align(credential)
    candidate = engine.candidate(credential, aligned, engine.catalogue.position("CS201"))
    assert [(x.incoming_index, x.similarity, x.covered, x.essential) for x in candidate.matches] == list(
        zip(best.incoming_index, best.similarity, best.covered, best.essential))
    assert frame.local_outcome.iloc[:n].tolist() == [lo.text for lo in course.learning_outcomes]
    assert frame.incoming_outcome.iloc[::n].tolist() == credential.outcome_texts


def test_similarity_matrix_is_the_pivot_of_the_alignment(engine, sample_credentials):
    credential = sample_credentials["mc-hcmut-dsa-2025"]
    matrix = F.similarity_matrix(engine, credential, "CS201")
    _, index, alignment = engine.align(credential)
    expected = index.course_similarities(engine.catalogue.position("CS201"), alignment["incoming"])
    np.testing.assert_array_equal(matrix.to_numpy(), expected)
    assert matrix.index.name == "incoming_index" and matrix.columns.name == "local_index"


def test_alignment_frame_names_an_unknown_course(engine, sample_credentials):
    with pytest.raises(KeyError, match="NOPE"):
        F.alignment_frame(engine, sample_credentials["mc-ou-os-2024"], "NOPE")


# --- assessments, findings, gaps ---------------------------------------------------------


def test_assessments_frame_is_one_row_per_assessment(assessments):
    frame = F.assessments_frame(assessments)
    assert list(frame.columns) == F.ASSESSMENT_COLUMNS
    assert frame.credential_id.tolist() == IDS
    for row, a in zip(frame.itertuples(), assessments):
        assert row.outcome == a.outcome.value
        assert row.course_id == a.purpose.course_id
        assert row.n_substantial == sum(f.verdict.value == "substantial_difference" for f in a.findings)
        assert row.model == "test/bag-of-words"
        assert row.policy_version == a.versions.policy_version
        assert row.as_of == pd.Timestamp(AS_OF)
        expected_credits = {"full": a.purpose.course_ects, "partial": a.recommendation.credits}.get(a.outcome.value)
        if expected_credits is not None:
            assert row.credits_recognised == expected_credits
        if a.outcome.value in {"conditional", "refused", "insufficient_information"}:
            assert row.credits_recognised == 0
    assert str(frame.dtypes["as_of"]) == "datetime64[ns]"
    assert str(frame.dtypes["n_substantial"]) == "Int64"
    assert frame.dtypes["credits_recognised"] == np.float64
    badge = frame.set_index("credential_id").loc["mc-badge-security-2025"]
    assert pd.isna(badge.awarding_body)  # missing stays missing


def test_findings_frame_is_one_row_per_finding_in_report_order(assessments):
    frame = F.findings_frame(assessments)
    assert list(frame.columns) == F.FINDING_COLUMNS
    assert len(frame) == sum(len(a.findings) for a in assessments)
    first = frame[frame.credential_id == IDS[0]]
    assert first.position.tolist() == list(range(len(assessments[0].findings)))
    assert first.check.tolist() == [f.check for f in assessments[0].findings]
    assert set(frame.verdict) <= {"meets", "minor_difference", "substantial_difference", "insufficient_information"}
    assert frame.reference.str.len().gt(0).all()


def test_gaps_frame_lists_the_missing_essential_outcomes(assessments):
    frame = F.gaps_frame(assessments)
    assert list(frame.columns) == F.GAP_COLUMNS
    expected = [(a.credential.id, text) for a in assessments for text in a.recommendation.missing_outcomes]
    assert list(zip(frame.credential_id, frame.local_outcome)) == expected


def test_an_assessment_without_outcomes_still_has_a_row(engine):
    a = Assessor(engine).assess(NO_OUTCOMES, as_of=AS_OF)
    frame = F.assessments_frame([a])
    assert frame.outcome.tolist() == ["insufficient_information"]
    assert pd.isna(frame.course_id.iloc[0]) and frame.programmes.iloc[0] == ""
    assert F.findings_frame([a]).empty


# --- batch results -------------------------------------------------------------------------


def test_batch_results_csv_round_trip(assessments, tmp_path):
    frame = F.assessments_frame(assessments)
    path = tmp_path / "results.csv"
    frame.to_csv(path, index=False)
    pd.testing.assert_frame_equal(F.batch_results_frame(path), frame)


def test_batch_results_json_list_and_object(assessments, tmp_path):
    frame = F.assessments_frame(assessments)
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    (tmp_path / "list.json").write_text(json.dumps(records))
    (tmp_path / "object.json").write_text(json.dumps({"job": "b1", "results": records}))
    for name in ("list.json", "object.json"):
        got = F.batch_results_frame(tmp_path / name)
        pd.testing.assert_frame_equal(got, frame)


def test_batch_results_of_stored_assessments_keep_extra_fields(assessments, tmp_path):
    path = tmp_path / "results.jsonl"
    with path.open("w") as fh:
        for row, a in enumerate(assessments, start=2):
            fh.write(json.dumps({"row": row, "assessment": a.model_dump(mode="json")}) + "\n")
    got = F.batch_results_frame(path)
    assert list(got.columns) == [*F.ASSESSMENT_COLUMNS, "row"]
    assert got.row.tolist() == list(range(2, 2 + len(assessments)))
    pd.testing.assert_frame_equal(got[F.ASSESSMENT_COLUMNS], F.assessments_frame(assessments))
    # a bare stored assessment (no wrapper) reads the same
    bare = F.batch_results_frame([a.model_dump(mode="json") for a in assessments])
    pd.testing.assert_frame_equal(bare, F.assessments_frame(assessments))


def test_batch_results_fill_missing_columns_and_rename_aliases(tmp_path):
    path = tmp_path / "service.csv"
    path.write_text(
        "row,credential,purpose,outcome,credits,error\n"
        "2,mc-a,CS201,partial,3.5,\n"
        "3,mc-b,,,,\"row 3: field 'workload': unknown unit\"\n",
        encoding="utf-8",
    )
    got = F.batch_results_frame(path)
    assert list(got.columns[: len(F.ASSESSMENT_COLUMNS)]) == F.ASSESSMENT_COLUMNS
    assert list(got.columns[len(F.ASSESSMENT_COLUMNS):]) == ["row", "error"]
    assert got.credential_id.tolist() == ["mc-a", "mc-b"]
    assert got.course_id.iloc[0] == "CS201" and pd.isna(got.course_id.iloc[1])
    assert got.credits.iloc[0] == 3.5 and np.isnan(got.credits.iloc[1])
    assert got.model.isna().all() and got.as_of.isna().all()
    assert "unknown unit" in got.error.iloc[1]


def test_batch_results_from_a_dataframe(assessments):
    frame = F.assessments_frame(assessments)
    pd.testing.assert_frame_equal(F.batch_results_frame(frame), frame)


# --- with the real model -------------------------------------------------------------------


@pytest.mark.model
def test_alignment_frame_agrees_with_the_learning_outcome_finding(sample_catalogue, sample_credentials):
    engine = Engine(sample_catalogue)
    credential = sample_credentials["mc-hcmut-dsa-2025"]
    candidates = F.candidates_frame(engine, credential, k=3)
    assert candidates.course_id.iloc[0] == "CS201"
    assert candidates.score_name.iloc[0] == "probability"
    a = Assessor(engine).assess(credential, purpose="CS201", as_of=AS_OF)
    pairs = a.finding("learning_outcomes").evidence["pairs"]
    best = F.alignment_frame(engine, credential, "CS201").query("best_match").sort_values("local_index")
    assert [(p["local"], p["incoming"], p["similarity"], p["covered"]) for p in pairs] == list(
        zip(best.local_outcome, best.incoming_outcome, best.similarity, best.covered))
    row = F.assessments_frame([a]).iloc[0]
    assert row.model == "sentence-transformers/all-MiniLM-L6-v2@onnx-int8"
    assert row.n_missing_outcomes == len(F.gaps_frame([a]))


# The service's results file (`recognise batch --out`, GET /batches/{id}/results): these
# columns, one line per assessment, failed rows with their reason.
SERVICE_CSV = (
    "row,learner,credential_id,purpose,outcome,summary,credits,alternative_course_id,status,error,assessment_id\n"
    "2,S-1,mc-a,CS201,partial,Recognise in part,3.5,,done,,a1\n"
    "3,S-2,mc-b,CS202,full,Recognise in full,,,done,,a2\n"
    "4,S-3,mc-c,CS208,alternative,Not equivalent,,CS206,done,,a3\n"
    "5,S-4,mc-d,CS304,alternative,Elective credit,2,,done,,a4\n"
    "6,S-5,mc-e,CS211,conditional,Once bridged,,,done,,a5\n"
    "7,S-6,,,,,,,error,\"row 7: field 'workload': unknown unit\",\n"
)


def test_batch_results_in_the_service_format(tmp_path, sample_catalogue):
    path = tmp_path / "batch.csv"
    path.write_text(SERVICE_CSV, encoding="utf-8")
    got = F.batch_results_frame(path, catalogue=sample_catalogue)
    assert list(got.columns) == [*F.ASSESSMENT_COLUMNS, "row", "learner", "status", "error", "assessment_id"]
    assert got.course_id.tolist()[:5] == ["CS201", "CS202", "CS208", "CS304", "CS211"]
    assert got.course_title.iloc[1] == "Database Systems" and got.course_ects.iloc[1] == 5.0
    assert got.programmes.iloc[3] == "BSC-CS|MSC-DS"
    # partial: its credits; full: the course; alternative: the other course, or the elective credits; else 0
    assert got.credits_recognised.tolist()[:5] == [3.5, 5.0, 5.0, 2.0, 0.0]
    assert np.isnan(got.credits_recognised.iloc[5])  # the failed row
    assert got.status.tolist()[-1] == "error" and "unknown unit" in got.error.iloc[-1]
    # the JSON form of the same results (items under an envelope) reads the same
    records = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
    (tmp_path / "batch.json").write_text(json.dumps({"batch_id": "b1", "status": "done", "items": records}))
    pd.testing.assert_frame_equal(F.batch_results_frame(tmp_path / "batch.json", catalogue=sample_catalogue), got)
    # without the catalogue nothing is made up
    bare = F.batch_results_frame(path)
    assert bare.course_ects.isna().all() and bare.credits_recognised.isna().all()


def test_warm_cache_encodes_once_and_changes_nothing(tmp_path, bow_encoder, test_profiles, sample_catalogue, credentials):
    cold = Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "cold.sqlite", profiles=test_profiles)
    expected = F.candidates_frame(cold, credentials[0], k=3)
    engine = Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "warm.sqlite", profiles=test_profiles)
    engine.index(engine.encoder_for(None))  # the catalogue first
    before = len(bow_encoder.calls)
    n = F.warm_cache(engine, credentials)
    assert len(bow_encoder.calls) == before + 1 and len(bow_encoder.calls[-1]) == n
    for credential in credentials:
        engine.rank(credential)
    assert len(bow_encoder.calls) == before + 1  # every later encode is a cache hit
    pd.testing.assert_frame_equal(F.candidates_frame(engine, credentials[0], k=3), expected)
