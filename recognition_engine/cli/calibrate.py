"""`recognise calibrate`: refit the equivalence calibration from an institution's own decisions."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from ..calibration import fit, model_card, read_decisions
from ..encoders.base import ENGLISH_DEFAULT
from .common import today
from ..errors import InputError, Problem
from ..matching import FEATURES
from ..paths import examples_dir, models_dir


def _slug(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", model_id).strip("-").lower()


def calibrate_files(decisions_path: Path, credentials_path: Path, catalogue_path: Path, encoder: str, out: Path | None):
    """Featurise every decided credential against the whole catalogue and fit; returns
    (calibration, output path). The ranking learns the order of one credential's candidates,
    so each decided credential brings every catalogue course: those decided equivalent are
    positives, all others (decided not equivalent, or never proposed) negatives, as the
    shipped rankings are fitted (benchmarks/fit_ranker.py)."""
    from ..engine import Engine
    from ..loaders import load_catalogue, load_credentials

    decisions = read_decisions(decisions_path)
    engine = Engine(load_catalogue(catalogue_path), encoder=encoder)
    by_id = {c.id: c for c in load_credentials(credentials_path)} if credentials_path.exists() else {}
    problems, frames, positives = [], {}, {}
    for rownum, d in enumerate(decisions, start=2):
        credential = by_id.get(d.credential)
        if credential is None and Path(d.credential).is_file():
            credential = load_credentials(Path(d.credential))[0]
        if credential is None:
            problems.append(Problem(decisions_path.name, f"row {rownum}", "credential", f"no credential {d.credential!r} (give an id from --credentials or a file path)"))
            continue
        if credential.id not in frames:
            frames[credential.id] = engine.features(credential)
        if d.course_id not in set(frames[credential.id]["course_id"]):
            problems.append(Problem(decisions_path.name, f"row {rownum}", "course_id", f"course {d.course_id!r} is not in the catalogue"))
            continue
        positives.setdefault(credential.id, set()).update([d.course_id] if d.equivalent else [])
    if problems:
        raise InputError(problems)
    x = np.vstack([frame[FEATURES].to_numpy(dtype=np.float64) for frame in frames.values()])
    labels = np.concatenate([frame["course_id"].isin(positives.get(cid, set())).to_numpy(dtype=int) for cid, frame in frames.items()])
    groups = np.concatenate([np.full(len(frame), cid) for cid, frame in frames.items()])
    encoder = engine.encoder_for(None)
    profile = engine.profile(encoder)
    trained_on = f"{decisions_path.name} ({len(frames)} credentials; courses not decided equivalent taken as negatives)"
    calibration = fit(x, labels, groups, encoder.model_id, trained_on, today())
    return calibration, out or models_dir() / (profile.calibration_file or f"calibration-{_slug(encoder.model_id)}.json")


def _cmd_calibrate(args: argparse.Namespace) -> int:
    calibration, out = calibrate_files(args.decisions, args.credentials, args.catalogue, args.encoder, args.out)
    calibration.save(out)
    out.with_suffix(".md").write_text(model_card(calibration), encoding="utf-8")
    print(f"wrote {out} and {out.with_suffix('.md')}: {calibration.n_positive} equivalent and {calibration.n_negative} other (credential, course) pairs")
    for name, value in calibration.metrics.items():
        print(f"  {name}: {value:g}")
    print(f"the engine uses it for {calibration.model_id!r} where models/profiles.yaml names it (key: calibration)")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("calibrate", help="refit the equivalence probability from past decisions")
    parser.add_argument("--decisions", type=Path, required=True, help="CSV with columns credential,course_id,decision")
    parser.add_argument("--credentials", type=Path, default=examples_dir() / "credentials", help="folder or file the credential ids refer to")
    parser.add_argument("--catalogue", type=Path, default=examples_dir() / "catalogue.yaml")
    parser.add_argument("--encoder", default=ENGLISH_DEFAULT, help=f"{ENGLISH_DEFAULT} (default: the engine's English model), minilm (float32), e5, or a local sentence-transformers model path")
    parser.add_argument("--out", type=Path, help="where to write the calibration JSON (default: the model's file under models/)")
    parser.set_defaults(func=_cmd_calibrate)
    return parser
