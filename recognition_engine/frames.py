"""A DataFrame-first view of the engine, for analysts (Jupyter, pandas).

Every function returns a `pandas.DataFrame` whose columns are listed in a module constant
(`CANDIDATE_COLUMNS`, `ALIGNMENT_COLUMNS`, ...) and always present in that order, even
when the frame is empty, so notebooks and reports can rely on them. Missing values are
`NA`/`NaN`, never a made-up number. No plotting here: the engine stays pure (pandas only);
charts live in `notebooks/`.

| function | one row per |
|---|---|
| `candidates_frame(engine, credentials, k)` | credential x ranked candidate course |
| `warm_cache(engine, credentials)` | (no frame: encodes all texts in one call per model first) |
| `features_frame(engine, credentials)` | credential x every catalogue course (features, score) |
| `alignment_frame(engine, credential, course_id)` | incoming outcome x local outcome of one course |
| `similarity_matrix(engine, credential, course_id)` | incoming outcome (rows) x local outcome (columns) |
| `assessments_frame(assessments)` | assessment |
| `findings_frame(assessments)` | assessment x finding (check) |
| `gaps_frame(assessments)` | assessment x essential local outcome not covered |
| `batch_results_frame(source, catalogue=None)` | result line of a batch (`recognise batch`, the service): CSV, JSON, JSON Lines |
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .credential import MicroCredential
from .matching import FEATURES

if TYPE_CHECKING:  # the assessment module is only needed for type hints
    from .assessment import Assessment
    from .engine import Engine

# credential_id, rank (1 = best), the course, its score (score_name says "probability" when
# calibrated, else "coverage"), the alignment features, the course's outcome counts, the
# essential outcomes no incoming outcome covers, and the programmes the course is in.
CANDIDATE_COLUMNS = [
    "credential_id", "rank", "course_id", "title", "ects", "score", "score_name", *FEATURES,
    "n_outcomes", "n_essential", "n_uncovered_essential", "programmes",
]
# Every catalogue course for each credential, in catalogue order: the alignment features and
# the score the ranking uses, and the model that produced them (per credential language).
FEATURE_COLUMNS = ["credential_id", "course_id", *FEATURES, "score", "score_name", "model"]
# One (incoming outcome, local outcome) pair: the cosine, the probability that the incoming
# outcome covers the local one (the model's pair model: it also weighs hubness and whether
# the languages differ), its zone (covered / to_confirm / not_covered), `threshold` = the
# probability at which a pair counts as covered, `covered` = probability >= threshold, and
# `best_match` = this incoming outcome is the one that covers the local outcome best (the
# pair the explanation reports).
ALIGNMENT_COLUMNS = [
    "credential_id", "course_id", "incoming_index", "incoming_outcome", "local_index", "local_outcome",
    "essential", "similarity", "probability", "zone", "threshold", "covered", "best_match",
]
# One assessment. `credits` is the recommendation's own figure (partial credit, or elective
# credit for `alternative`; NaN otherwise); `credits_recognised` is the ECTS recognised now:
# the course's ECTS for `full`, `credits` for `partial`, the other course's ECTS (or the
# elective credits) for `alternative`, and 0 for `conditional`, `refused` and
# `insufficient_information`. `programmes` is the purpose course's programme ids joined by "|",
# `substantial_checks` the ids of the checks that found a substantial difference, joined by "|".
# `n_to_confirm`: essential outcomes the recommendation counts as covered that the officer confirms first.
# Types: text columns are pandas `str` (NaN when missing), the n_* counts nullable `Int64`,
# ECTS, shares and scores `float64`, `purpose_requested` `boolean`, `as_of` `datetime64[ns]`.
ASSESSMENT_COLUMNS = [
    "credential_id", "title", "awarding_body", "country", "language",
    "course_id", "course_title", "course_ects", "programmes", "purpose_requested",
    "outcome", "credits", "credits_recognised", "alternative_course_id", "covered_share", "n_missing_outcomes",
    "n_to_confirm", "n_substantial", "n_minor", "n_insufficient", "substantial_checks", "top_score",
    "model", "policy_id", "policy_version", "as_of", "summary",
]
FINDING_COLUMNS = [
    "credential_id", "course_id", "position", "check", "label", "element", "verdict", "reason", "reference", "outcome",
]
GAP_COLUMNS = ["credential_id", "course_id", "programmes", "local_outcome", "outcome"]

# Column names a batch results file may use for an assessments_frame column.
_ALIASES = {
    "credential": "credential_id",
    "purpose": "course_id", "purpose_course_id": "course_id",
    "purpose_course_title": "course_title", "purpose_course_ects": "course_ects",
    "recommendation": "outcome", "recommended_outcome": "outcome",
    "model_id": "model", "policy": "policy_id", "date": "as_of",
}
_INT_COLUMNS = ["n_missing_outcomes", "n_to_confirm", "n_substantial", "n_minor", "n_insufficient"]
_FLOAT_COLUMNS = ["course_ects", "credits", "credits_recognised", "covered_share", "top_score"]
_STRING_COLUMNS = [c for c in ASSESSMENT_COLUMNS if c not in {*_INT_COLUMNS, *_FLOAT_COLUMNS, "purpose_requested", "as_of"}]


def _join(values: Iterable[str]) -> str:
    return "|".join(values)


def _programmes_by_course(engine: Engine) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for p in engine.catalogue.programmes:
        for cid in p.courses:
            out.setdefault(cid, []).append(p.id)
    return {cid: _join(ids) for cid, ids in out.items()}


def _as_list(credentials: MicroCredential | Iterable[MicroCredential]) -> list[MicroCredential]:
    return [credentials] if isinstance(credentials, MicroCredential) else list(credentials)


# --- matching ------------------------------------------------------------------------


def warm_cache(engine: Engine, credentials: MicroCredential | Iterable[MicroCredential]) -> int:
    """Encode every credential's outcomes and title in one call per model, as the batch
    kernel does, so that assessing or ranking them one by one afterwards only reads the
    embedding cache (several times faster on a cold cache). Returns the number of texts.
    Results are the same with or without it."""
    from .engine import credential_texts

    groups: dict[str, tuple[Any, dict[str, None]]] = {}
    for credential in _as_list(credentials):
        if credential.learning_outcomes:
            encoder = engine.encoder_for(credential)
            texts = groups.setdefault(encoder.model_id, (encoder, {}))[1]
            texts.update(dict.fromkeys(credential_texts(credential)))
    for encoder, texts in groups.values():
        encoder.encode(list(texts))
    return sum(len(texts) for _, texts in groups.values())


def candidates_frame(engine: Engine, credentials: MicroCredential | Iterable[MicroCredential], k: int = 5) -> pd.DataFrame:
    """The k best courses for each credential, in rank order (columns: `CANDIDATE_COLUMNS`).

    A credential without learning outcomes has no candidates and no rows.
    """
    programmes = _programmes_by_course(engine)
    credentials = _as_list(credentials)
    if len(credentials) > 1:
        warm_cache(engine, credentials)
    rows = []
    for credential in credentials:
        for rank, c in enumerate(engine.rank(credential, k=k), start=1):
            rows.append({
                "credential_id": credential.id, "rank": rank, "course_id": c.course_id, "title": c.title,
                "ects": c.ects, "score": c.score, "score_name": c.score_name, **c.features,
                "n_outcomes": len(c.matches), "n_essential": sum(m.essential for m in c.matches),
                "n_uncovered_essential": len(c.uncovered_essential), "programmes": programmes.get(c.course_id, ""),
            })
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS).astype(
        {"rank": "int64", "ects": "float64", "score": "float64", "n_outcomes": "int64", "n_essential": "int64",
         "n_uncovered_essential": "int64", **{f: "float64" for f in FEATURES}})


def features_frame(engine: Engine, credentials: MicroCredential | Iterable[MicroCredential]) -> pd.DataFrame:
    """Every course of the catalogue for each credential (columns: `FEATURE_COLUMNS`): what a
    calibration is fitted on and evaluated with. Credentials without outcomes have no rows."""
    credentials = _as_list(credentials)
    if len(credentials) > 1:
        warm_cache(engine, credentials)
    parts = []
    for credential in credentials:
        if not credential.learning_outcomes:
            continue
        profile, index, alignment = engine.align(credential)
        parts.append(pd.DataFrame({
            "credential_id": credential.id, "course_id": index.course_ids.astype(str),
            **{f: alignment[f].astype(np.float64) for f in [*FEATURES, "score"]},
            "score_name": profile.score_name, "model": profile.model_id,
        }, columns=FEATURE_COLUMNS))
    if not parts:
        return pd.DataFrame(columns=FEATURE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def alignment_frame(engine: Engine, credential: MicroCredential, course_id: str) -> pd.DataFrame:
    """Every incoming outcome against every outcome of one course, in long form
    (columns: `ALIGNMENT_COLUMNS`), incoming-major: (0, 0), (0, 1), ... (m-1, n-1).

    Similarities are the engine's own (rounded to 4 decimals), so `covered` and
    `best_match` agree with the ranked candidates and the learning-outcome finding.
    """
    position = engine.catalogue.position(course_id)  # KeyError naming the course
    course = engine.catalogue.courses[position]
    incoming = credential.outcome_texts
    if not incoming:
        return pd.DataFrame(columns=ALIGNMENT_COLUMNS)
    profile, index, alignment = engine.align(credential, include=[course_id])
    position = index.catalogue.position(course_id)  # in the courses aligned
    sims = index.course_similarities(position, alignment["incoming"])  # m x n
    probabilities = index.course_probabilities(position, alignment["incoming"], alignment)
    threshold = profile.pairs.covered
    start = int(index.offsets[position])
    best_in = alignment["best_in"][start:start + len(course.learning_outcomes)]
    m, n = sims.shape
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    i, j = i.ravel(), j.ravel()
    probability = probabilities.ravel().astype(np.float64)
    return pd.DataFrame({
        "credential_id": credential.id, "course_id": course.id,
        "incoming_index": i.astype(np.int64), "incoming_outcome": [incoming[x] for x in i],
        "local_index": j.astype(np.int64), "local_outcome": [course.learning_outcomes[y].text for y in j],
        "essential": [course.learning_outcomes[y].essential for y in j],
        "similarity": sims.ravel().astype(np.float64), "probability": probability,
        "zone": [profile.pairs.zone(p) for p in probability], "threshold": threshold,
        "covered": probability >= threshold, "best_match": best_in[j] == i,
    }, columns=ALIGNMENT_COLUMNS)


def similarity_matrix(engine: Engine, credential: MicroCredential, course_id: str) -> pd.DataFrame:
    """The LO x LO cosine matrix of one credential against one course: rows are the incoming
    outcomes (index `incoming_index`), columns the course's outcomes (`local_index`).
    The texts are in `alignment_frame`."""
    frame = alignment_frame(engine, credential, course_id)
    return frame.pivot(index="incoming_index", columns="local_index", values="similarity")


# --- assessments ---------------------------------------------------------------------


def _credits_recognised(a: Assessment) -> float:
    r = a.recommendation
    outcome = a.outcome.value
    if outcome == "full" and a.purpose is not None:
        return float(a.purpose.course_ects)
    if outcome == "partial":
        return float(r.credits or 0.0)
    if outcome == "alternative":
        if r.alternative_course_id is not None:
            other = next((c for c in a.candidates if c.course_id == r.alternative_course_id), None)
            return float(other.ects) if other is not None else float("nan")
        return float(r.credits or 0.0)
    return 0.0


def _assessment_row(a: Assessment) -> dict[str, Any]:
    c, r, p = a.credential, a.recommendation, a.purpose
    verdicts = [f.verdict.value for f in a.findings]
    lo = a.finding("learning_outcomes")
    covered = lo.evidence.get("covered_share") if lo is not None else None
    return {
        "credential_id": c.id, "title": c.title, "awarding_body": c.awarding_body, "country": c.country,
        "language": c.language or "en",
        "course_id": p.course_id if p else None, "course_title": p.course_title if p else None,
        "course_ects": p.course_ects if p else np.nan, "programmes": _join(p.programmes) if p else "",
        "purpose_requested": p.requested if p else False,
        "outcome": a.outcome.value, "credits": np.nan if r.credits is None else r.credits,
        "credits_recognised": _credits_recognised(a), "alternative_course_id": r.alternative_course_id,
        "covered_share": np.nan if covered is None else float(covered), "n_missing_outcomes": len(r.missing_outcomes),
        "n_to_confirm": len(r.to_confirm),
        "n_substantial": verdicts.count("substantial_difference"), "n_minor": verdicts.count("minor_difference"),
        "n_insufficient": verdicts.count("insufficient_information"),
        "substantial_checks": _join(f.check for f in a.findings if f.verdict.value == "substantial_difference"),
        "top_score": a.candidates[0].score if a.candidates else np.nan,
        "model": a.versions.model, "policy_id": a.versions.policy_id, "policy_version": a.versions.policy_version,
        "as_of": a.as_of, "summary": r.summary,
    }


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for col in _INT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    for col in _FLOAT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["purpose_requested"] = frame["purpose_requested"].map(_boolean).astype("boolean")
    frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[ns]")
    for col in ("programmes", "substantial_checks"):
        frame[col] = frame[col].fillna("").astype("str")
    for col in _STRING_COLUMNS:
        frame[col] = frame[col].astype("str")  # missing values stay NaN
    return frame


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(value.strip().lower(), pd.NA)
    return pd.NA if pd.isna(value) else bool(value)


def assessments_frame(assessments: Iterable[Assessment]) -> pd.DataFrame:
    """One row per assessment (columns: `ASSESSMENT_COLUMNS`); `as_of` is a datetime column."""
    return _typed(pd.DataFrame([_assessment_row(a) for a in assessments], columns=ASSESSMENT_COLUMNS))


def findings_frame(assessments: Iterable[Assessment]) -> pd.DataFrame:
    """One row per assessment x finding, in the policy's report order (`position`, from 0).
    `verdict` is meets / minor_difference / substantial_difference / insufficient_information;
    `outcome` repeats the assessment's outcome so findings can be grouped by it."""
    rows = [
        {"credential_id": a.credential.id, "course_id": a.purpose.course_id if a.purpose else None, "position": i,
         "check": f.check, "label": f.label, "element": f.element, "verdict": f.verdict.value, "reason": f.reason,
         "reference": f.reference, "outcome": a.outcome.value}
        for a in assessments for i, f in enumerate(a.findings)
    ]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).astype({"position": "int64"})


def gaps_frame(assessments: Iterable[Assessment]) -> pd.DataFrame:
    """One row per assessment x essential local outcome of the purpose course that no
    incoming outcome covers (the learning-outcome finding's `missing`)."""
    rows = [
        {"credential_id": a.credential.id, "course_id": a.purpose.course_id if a.purpose else None,
         "programmes": _join(a.purpose.programmes) if a.purpose else "", "local_outcome": text, "outcome": a.outcome.value}
        for a in assessments for text in a.recommendation.missing_outcomes
    ]
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


# --- batch results -------------------------------------------------------------------


def _records(source: str | Path) -> list[dict[str, Any]]:
    path = Path(source)
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:  # JSON Lines without the suffix
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if isinstance(data, Mapping):
            data = next((data[k] for k in ("results", "items", "rows", "assessments") if isinstance(data.get(k), list)), [data])
        return list(data)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]).to_dict("records")


def _flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored Assessment (nested JSON) becomes its assessments_frame row; a result that
    wraps one under `assessment` keeps its other fields (row number, learner, error) too."""
    from .assessment import Assessment

    inner = record.get("assessment") if isinstance(record.get("assessment"), Mapping) else None
    doc = inner if inner is not None else record
    if isinstance(doc.get("credential"), Mapping) and isinstance(doc.get("recommendation"), Mapping):
        row = _assessment_row(Assessment.model_validate(doc))
        extra = {k: v for k, v in record.items() if k != "assessment"} if inner is not None else {}
        return {**extra, **row}
    return dict(record)


def batch_results_frame(
    source: str | Path | pd.DataFrame | Iterable[Mapping[str, Any]], catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Read batch results into the `assessments_frame` columns (then any extra columns the
    file has, such as `row`, `learner`, `status`, `error`, `assessment_id`, in file order).

    `source` is a CSV file, a JSON file (a list, or an object with the rows under `items` or
    `results`), a JSON Lines file, a DataFrame, or a list of dicts. Rows may be flat (the
    columns of `assessments_frame`, or the service's results columns `row, learner,
    credential_id, purpose, outcome, summary, credits, alternative_course_id, status, error`,
    with `purpose` read as `course_id`) or stored assessments (nested JSON, as
    `Assessment.model_dump(mode="json")`). Columns the source lacks are NA, so a failed row
    (only an error) still has every column.

    With the `catalogue` the results were assessed against, missing `course_title`,
    `course_ects` and `programmes` are filled from it, and a missing `credits_recognised`
    is derived from the outcome as `assessments_frame` defines it.
    """
    if isinstance(source, pd.DataFrame):
        records = source.to_dict("records")
    elif isinstance(source, (str, Path)):
        records = _records(source)
    else:
        records = [dict(r) for r in source]
    flat = [_flatten(r) for r in records]
    frame = pd.DataFrame(flat)
    frame = frame.rename(columns={k: v for k, v in _ALIASES.items() if k in frame.columns and v not in frame.columns})
    extra = [c for c in frame.columns if c not in ASSESSMENT_COLUMNS]
    for col in ASSESSMENT_COLUMNS:
        if col not in frame.columns:
            frame[col] = pd.NA
    frame = frame[ASSESSMENT_COLUMNS + extra].copy()
    frame = frame.replace({"": pd.NA})
    frame = _typed(frame)
    if "row" in frame.columns:  # the service's row number (CSV header = row 1)
        frame["row"] = pd.to_numeric(frame["row"], errors="coerce").astype("Int64")
    return _fill_from_catalogue(frame, catalogue) if catalogue is not None else frame


def _fill_from_catalogue(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    courses = {c.id: c for c in catalogue.courses}
    programmes: dict[str, list[str]] = {}
    for p in catalogue.programmes:
        for cid in p.courses:
            programmes.setdefault(cid, []).append(p.id)
    known = frame.course_id.map(lambda cid: cid in courses if isinstance(cid, str) else False).astype(bool)
    ids = frame.course_id.where(known)
    fill_title = frame.course_title.isna() & known
    frame.loc[fill_title, "course_title"] = ids[fill_title].map(lambda cid: courses[cid].title)
    fill_ects = frame.course_ects.isna() & known
    frame.loc[fill_ects, "course_ects"] = ids[fill_ects].map(lambda cid: courses[cid].ects).astype("float64")
    fill_prog = frame.programmes.eq("") & known
    frame.loc[fill_prog, "programmes"] = ids[fill_prog].map(lambda cid: _join(programmes.get(cid, [])))

    def recognised(row) -> float:
        outcome = row.outcome
        if not isinstance(outcome, str):
            return np.nan  # a failed or unfinished row
        if outcome == "full":
            return float(row.course_ects)
        if outcome == "partial":
            return 0.0 if pd.isna(row.credits) else float(row.credits)
        if outcome == "alternative":
            alt = row.alternative_course_id
            if isinstance(alt, str) and alt in courses:
                return float(courses[alt].ects)
            return 0.0 if pd.isna(row.credits) else float(row.credits)
        return 0.0

    missing = frame.credits_recognised.isna()
    if missing.any():
        frame.loc[missing, "credits_recognised"] = [recognised(r) for r in frame[missing].itertuples()]
    return frame
