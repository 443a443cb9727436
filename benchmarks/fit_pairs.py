"""Fit each model's pair model, P(incoming outcome covers local outcome), on the labelled
outcome pairs of the development sets' `dev` credentials only (never `heldout`).

Features: the pair's cosine, hubness (mean of the two texts' background scores: CSLS),
whether the two texts are in different languages (read from the text), and the margin
(how much better the incoming outcome says another outcome of the course: 0 or negative). Zones are then
chosen on the same dev data, per local outcome of a gold course (an outcome is truly
covered when some incoming outcome is labelled as covering it):
- `to_confirm`: the probability below which only MAX_MISSED of the truly covered outcomes
  fall ("not covered" must rarely miss a covered outcome: the burden of proof is ours). A
  bound on the share of 'not covered' verdicts that are wrong (at most 8% of the dev
  outcomes below it covered) puts it at 0.24 (MiniLM) and 0.19 (e5) on 2026-11-28, and then
  unrelated courses' outcomes (an unrelated pair at cosine 0.3 reads about 0.5) go "to
  confirm": a web credential no longer differs substantially from a databases course (three
  golden cases fail). See models/pairs-minilm.md, "Limits";
- `covered`: the lowest probability at which at least MIN_PRECISION of the labelled pairs
  at or above it cover (the labelled negatives are near misses a naive reader would take
  for a match; on the gold course's own outcomes precision says little, most are covered).
Writes models/pairs-<model>.json (coefficients, thresholds, data, metrics); the profile in
models/profiles.yaml names the file; its card is models/pairs-<model>.md.

`--check` fits nothing: for the shipped pair models it prints the zone errors and the
reliability table (predicted probability against the observed share covered) of the local
outcomes of the gold courses of the `heldout` splits, as the engine reads them.

    python benchmarks/fit_pairs.py [--sets cs-bachelor,...] [--check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_sets import DEVSETS, dev_splits, devset, devset_folders  # noqa: E402

from recognition_engine.background import background_scores, background_vectors  # noqa: E402
from recognition_engine.encoders.base import BUNDLED, MINILM, MINILM_INT8  # noqa: E402
from recognition_engine.engine import Engine, outcome_languages, shared_encoder  # noqa: E402
from recognition_engine.language import detect_language  # noqa: E402
from recognition_engine.matching import PAIR_FEATURES  # noqa: E402
from recognition_engine.paths import cache_dir, models_dir  # noqa: E402

MAX_MISSED = 0.05
MIN_PRECISION = 0.95
# MiniLM is English-only: it is fitted on the English sets; e5 on every set.
ENGLISH_ONLY = {MINILM, MINILM_INT8}


def translation(name: str) -> bool:
    """A set whose credentials are translations into another language (`<set>-vi`, ...)."""
    return name.rsplit("-", 1)[-1] in {"vi", "it", "hr", "cs", "lo", "fr"}


def labelled_pairs(devset, encoder) -> list[dict]:
    """Every explicitly labelled (local, incoming) pair of dev credentials, with its features.
    A local outcome labelled with no incoming outcome is a negative with each of them."""
    by_id = {c.id: c for c in devset.groups[0].credentials}
    background = background_vectors(encoder)
    rows = []
    for p in devset.pairs.to_dict("records") if devset.pairs is not None else []:
        credential = by_id.get(p["credential_id"])
        if credential is None or p["course_id"] not in {c.id for c in devset.groups[0].catalogue.courses}:
            continue
        course = devset.groups[0].catalogue.course(p["course_id"])
        incoming = [p["incoming_outcome"]] if p["incoming_outcome"].strip() else credential.outcome_texts
        languages = dict(zip(credential.outcome_texts, outcome_languages(credential)))
        for text in incoming:
            rows.append({"credential": credential.id, "course": course.id, "local": p["local_outcome"], "incoming": text,
                         "label": int(p["label"]), "cross": float(languages.get(text, detect_language(text) or "en") != course.language)})
    if not rows:
        return []
    course_texts = {r["course"]: [lo.text for lo in devset.groups[0].catalogue.course(r["course"]).learning_outcomes] for r in rows}
    texts = sorted({r["local"] for r in rows} | {r["incoming"] for r in rows} | {t for ts in course_texts.values() for t in ts})
    vectors = encoder.encode(texts)
    position = {t: i for i, t in enumerate(texts)}
    hub = background_scores(vectors, background)
    for r in rows:
        a, b = position[r["local"]], position[r["incoming"]]
        r["cosine"] = float(vectors[a] @ vectors[b])
        r["hubness"] = float(hub[a] + hub[b]) / 2
        others = [float(vectors[position[t]] @ vectors[b]) for t in course_texts[r["course"]] if t != r["local"]]
        r["margin"] = float(np.clip(r["cosine"] - max(others), -1.0, 0.0)) if others else 0.0
    return rows


def choose_zones(outcomes: np.ndarray, truth: np.ndarray, pairs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(covered, to_confirm) thresholds per the module docstring: `outcomes`/`truth` per local
    outcome, `pairs`/`labels` per labelled pair."""
    positives = np.sort(outcomes[truth == 1])
    to_confirm = float(positives[int(np.floor(MAX_MISSED * len(positives)))]) if len(positives) else 0.5
    covered = 0.95
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        above = pairs >= t
        if above.sum() and labels[above].mean() >= MIN_PRECISION:
            covered = float(t)
            break
    return round(max(covered, to_confirm), 4), round(min(to_confirm, covered), 4)


def outcome_level(devset, engine) -> list[tuple[float, int, str]]:
    """(probability, truly covered, zone) for every local outcome of every gold course labelled in pairs.csv."""
    truth: dict[tuple[str, str, str], int] = {}
    for p in devset.pairs.to_dict("records") if devset.pairs is not None else []:
        key = (p["credential_id"], p["course_id"], p["local_outcome"])
        truth[key] = max(truth.get(key, 0), int(p["label"]))
    out = []
    for credential in devset.groups[0].credentials:
        courses = {c for (cid, c, _) in truth if cid == credential.id}
        if not courses or not credential.learning_outcomes:
            continue
        aligned = engine.align(credential)
        for course_id in courses:
            candidate = engine.candidate(credential, aligned, engine.catalogue.position(course_id))
            for m in candidate.matches:
                key = (credential.id, course_id, m.local_outcome)
                if key in truth:
                    out.append((m.probability, truth[key], m.zone))
    return out


BINS = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0)


def zone_errors(p: np.ndarray, truth: np.ndarray, zones: np.ndarray) -> dict[str, float | int | None]:
    """The quality table's outcome-coverage figures for local outcomes read in these zones."""
    pos, neg = truth == 1, truth == 0
    share = lambda m: round(float(m.mean()), 3) if len(m) else None  # noqa: E731
    return {"n_covered": int(pos.sum()), "missed": share(zones[pos] == "not_covered"), "to_confirm": share(zones[pos] == "to_confirm"),
            "n_not_covered": int(neg.sum()), "covered_error": share(zones[neg] == "covered"),
            "not_covered_wrong": share(truth[zones == "not_covered"] == 1), "n_marked_not_covered": int((zones == "not_covered").sum())}


def reliability(p: np.ndarray, truth: np.ndarray) -> list[dict[str, float | int]]:
    """Predicted probability against the observed share of local outcomes covered, per bin."""
    rows = []
    for lo, hi in zip(BINS, BINS[1:]):
        inside = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if inside.any():
            rows.append({"bin": f"{lo:.2f}-{hi:.2f}", "n": int(inside.sum()), "mean_p": round(float(p[inside].mean()), 3),
                         "observed": round(float(truth[inside].mean()), 3)})
    return rows


def heldout_splits(names: list[str] | None):
    return [s for f in devset_folders([DEVSETS]) if names is None or f.name in names for s in devset(f) if s.split == "heldout"]


def check(names: list[str] | None, models: list[str]) -> None:
    """The shipped pair models on the heldout splits, as the engine reads them (fits nothing)."""
    for spec in models:
        rows = []
        for d in heldout_splits(names):
            if d.pairs is None or (spec in ENGLISH_ONLY and translation(d.name)):
                continue
            level = outcome_level(d, Engine(d.groups[0].catalogue, encoder=spec))
            rows += level
            p, truth, zones = (np.array(a) for a in zip(*level)) if level else (np.zeros(0),) * 3
            print(f"{spec} {d.name} heldout: {zone_errors(p, truth, zones)}")
        if rows:
            p, truth, zones = (np.array(a) for a in zip(*rows))
            print(f"{spec} all heldout: {zone_errors(p, truth, zones)}")
            print(f"    {'P(covers) bin':15} {'n':>5} {'mean p':>7} {'observed':>9}")
            for r in reliability(p, truth):
                print(f"    {r['bin']:15} {r['n']:5d} {r['mean_p']:7.3f} {r['observed']:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", help="comma-separated set names (default: every set)")
    parser.add_argument("--check", action="store_true", help="fit nothing: zone errors and reliability of the shipped models on the heldout splits")
    parser.add_argument("--models", default=",".join(BUNDLED), help=f"comma-separated encoder specs (default {','.join(BUNDLED)})")
    args = parser.parse_args()
    models = args.models.split(",")
    from sklearn.linear_model import LogisticRegression

    if args.check:
        check(args.sets.split(",") if args.sets else None, models)
        return
    sets = dev_splits(args.sets.split(",") if args.sets else None)
    for spec in models:
        encoder = shared_encoder(spec, cache_dir() / "embeddings.sqlite")
        used = [d for d in sets if spec not in ENGLISH_ONLY or not translation(d.name)]
        rows = [r for d in used for r in labelled_pairs(d, encoder)]
        if not rows or len({r["label"] for r in rows}) < 2:
            print(f"{encoder.model_id}: no labelled pairs in {[d.name for d in used]}; nothing fitted")
            continue
        x = np.array([[r["cosine"], r["hubness"], r["cross"], r["margin"]] for r in rows])
        y = np.array([r["label"] for r in rows])
        model = LogisticRegression(C=10.0).fit(x, y)
        coef = dict(zip(PAIR_FEATURES, model.coef_[0].round(4).tolist()))
        path = models_dir() / f"pairs-{spec}.json"
        fitted = {"model_id": encoder.model_id, "coef": coef, "intercept": round(float(model.intercept_[0]), 4),
                  "covered": 0.5, "to_confirm": 0.3}
        path.write_text(json.dumps(fitted), encoding="utf-8")  # so the engine below uses the fitted logits
        level = []
        for d in used:
            engine = Engine(d.groups[0].catalogue, encoder=spec)
            level += outcome_level(d, engine)
        probabilities = np.array([p for p, _, _ in level])
        truth = np.array([t for _, t, _ in level])
        pair_probabilities = model.predict_proba(x)[:, 1]
        covered, to_confirm = choose_zones(probabilities, truth, pair_probabilities, y)
        fitted.update({
            "covered": covered, "to_confirm": to_confirm,
            "source": f"benchmarks/fit_pairs.py, {dt.date.today().isoformat()}",
            "trained_on": f"dev credentials of {', '.join(d.name for d in used)}: {int(y.sum())} positive, "
                          f"{int(len(y) - y.sum())} negative pairs; zones on {len(level)} local outcomes",
        })
        path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        print(f"{encoder.model_id}: {fitted['trained_on']}\n  coef {coef}, intercept {fitted['intercept']}, "
              f"covered >= {covered}, to confirm >= {to_confirm} -> {path}")


if __name__ == "__main__":
    main()
