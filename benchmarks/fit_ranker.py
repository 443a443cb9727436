"""Fit each model's ranking (P(this course is the credential's counterpart) from the
features of recognition_engine/matching.py; a conditional logit, then a Platt scale:
`recognition_engine/calibration.py`) on development data only: the devsets' `dev`
credentials, never `heldout`, and, for all-MiniLM-L6-v2 (the model of English
credentials), the `fit` half of the skill-equivalence set (`quality_sets.halves`), never
its `held-out` half: it teaches the order of candidates on short texts (skill names) the
devsets lack. The multilingual model is used for credentials in other languages, so it is
fitted on the devsets alone (with their translations).

Chosen by grouped 5-fold cross-validation of recall@1 on that training data alone
(2026-11-28): the ridge (calibration.L2 = 3: 0.841 over devsets + lo fit half, against
0.831 at 1 and 0.836 at 10), and leaving out the transfer-decision sets (ASSIST,
Wisconsin+MATC: title-only pools; with Wisconsin's fit half in, cross-validated recall@1 on
uni-hard fell from 0.963 to 0.889 and on health-engineering from 1.0 to 0.957, while
Wisconsin itself stayed at 0.54, its whole-text cosine's level).

Rows: every (credential, catalogue course); label 1 for a gold course. A credential
with no counterpart (gold NONE) gives only negatives: it teaches the probability scale what
"nothing fits" looks like. The abstention gate (a pointwise
logistic regression: is this course a counterpart at all) is fitted on the devsets' rows
alone, and its threshold chosen on the devsets' credentials from out-of-fold values (folds
grouped by credential): the threshold that minimises wrong first candidates kept (counted
twice: an officer would be misled) plus right first candidates abstained on. The external
halves stay out of the gate: their gold is one of several near-identical courses (Calculus
I or II), where a "wrong" first candidate is a near miss, not a course of another subject.

Writes models/calibration-<model>.json and its model card (.md). An institution retrains
the same model on its own decisions with `recognise calibrate`.

    python benchmarks/fit_ranker.py [--sets cs-bachelor,...]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_sets import dev_splits, external_fit_halves  # noqa: E402
from fit_pairs import ENGLISH_ONLY, translation  # noqa: E402

from recognition_engine.calibration import fit, model_card, out_of_fold  # noqa: E402
from recognition_engine.encoders.base import BUNDLED  # noqa: E402
from recognition_engine.engine import Engine, matching_view  # noqa: E402
from recognition_engine.evaluation import NO_COUNTERPART  # noqa: E402
from recognition_engine.matching import DECIMALS, FEATURES  # noqa: E402
from recognition_engine.paths import models_dir  # noqa: E402

WRONG_COST = 2.0


def feature_rows(sets, spec: str) -> pd.DataFrame:
    parts = []
    for d in sets:
        for group in d.groups:
            engine = Engine(group.catalogue, encoder=spec)
            for credential in group.credentials:
                if credential.id not in d.gold or not matching_view(credential).learning_outcomes:
                    continue
                frame = engine.features(credential)
                frame["label"] = frame["course_id"].isin(d.gold[credential.id]).astype(int)
                frame["group"] = f"{d.name}/{credential.id}"
                frame["has_gold"] = d.gold[credential.id] != {NO_COUNTERPART}
                parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def choose_abstention(frame: pd.DataFrame, probability: np.ndarray, gate: np.ndarray) -> tuple[float, dict[str, float]]:
    """The gate threshold on the first candidates (by the ranking's out-of-fold probability)
    of the credentials given: wrong first candidates kept count WRONG_COST, right ones
    abstained on count 1."""
    frame = frame.assign(p=probability, gate=gate)
    top = frame.sort_values(["group", "p", "course_id"], ascending=[True, False, True]).groupby("group").head(1)
    right = top["label"].to_numpy() == 1
    best, best_cost = 0.0, np.inf
    for t in np.round(np.arange(0.0, 0.9, 0.005), 3):
        kept = top["gate"].to_numpy() >= t
        cost = WRONG_COST * (kept & ~right).sum() + (~kept & right).sum()
        if cost < best_cost:
            best, best_cost = float(t), cost
    kept = top["gate"].to_numpy() >= best
    none = ~top["has_gold"].to_numpy()
    return best, {
        "dev_oof_recall_at_1": round(float(right[top["has_gold"].to_numpy()].mean()), 4),
        "dev_oof_abstained": round(float((~kept).mean()), 4),
        "dev_oof_no_counterpart_kept": round(float((kept & none).sum() / max(none.sum(), 1)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", help="comma-separated devset names (default: every set)")
    parser.add_argument("--no-external", action="store_true", help="fit on the devsets alone")
    parser.add_argument("--models", default=",".join(BUNDLED), help=f"comma-separated encoder specs (default {','.join(BUNDLED)})")
    args = parser.parse_args()
    sets = dev_splits(args.sets.split(",") if args.sets else None)
    external = [] if args.no_external else external_fit_halves()
    for spec in args.models.split(","):
        used = [d for d in sets if spec not in ENGLISH_ONLY or not translation(d.name)]
        outside = external if spec in ENGLISH_ONLY else []
        frame = feature_rows(used + outside, spec)
        model_id = Engine(used[0].groups[0].catalogue, encoder=spec).encoder_for(None).model_id
        x, y, groups = frame[FEATURES].to_numpy(), frame["label"].to_numpy(), frame["group"].to_numpy()
        trained_on = (f"dev credentials of {', '.join(d.name for d in used)} (benchmarks/devsets)"
                      + "".join(f"; {d.name} {d.split}" for d in outside)
                      + f": {frame['group'].nunique()} credentials x their catalogue's courses")
        devsets = frame["group"].str.split("/").str[0].isin({d.name for d in used}).to_numpy()
        calibration = fit(x, y, groups, model_id, trained_on, dt.date.today(), gate_rows=devsets)
        z = (x - np.asarray(calibration.mean)) / np.asarray(calibration.scale)
        probability, gate = out_of_fold(z, y, groups, devsets)
        threshold, metrics = choose_abstention(frame[devsets], probability[devsets], gate[devsets])
        calibration = dataclasses.replace(calibration, abstain_below=round(threshold, DECIMALS),
                                          metrics={**calibration.metrics, **metrics})
        out = models_dir() / f"calibration-{spec}.json"
        calibration.save(out)
        out.with_suffix(".md").write_text(model_card(calibration), encoding="utf-8")
        weights = ", ".join(f"{f} {c:+.2f}" for f, c in zip(calibration.features, calibration.coef))
        print(f"{model_id}: {trained_on}\n  {weights}\n  abstain below {threshold}; {metrics} -> {out}")


if __name__ == "__main__":
    main()
