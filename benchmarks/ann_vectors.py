"""Course-level vectors of large synthetic catalogues, built incrementally for the ANN benchmark.

A catalogue of N courses (`synthetic.make_catalogue(N)`, the same courses in the same order,
generated one at a time so a million never sit in memory as objects) is encoded with the
bundled model, course text by course text (`matching.course_text`, what the engine's
`CatalogueIndex.course_vectors` holds), in chunks of CHUNK courses stored as float16 .npy
files under `<folder>/<N>/`. An interrupted run picks up at the first missing chunk;
`--max-minutes` bounds one run.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ann_vectors.py 100000 --folder .bench-ann
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import numpy as np  # noqa: E402

from recognition_engine.engine import credential_summary  # noqa: E402
from recognition_engine.matching import course_text  # noqa: E402
from synthetic import fresh_credentials, load_vocabulary, make_catalogue, make_course  # noqa: E402

CHUNK = 2_000  # courses per stored chunk (an interrupted run loses at most one)
QUERY_CATALOGUE = 10_000  # queries are credentials written near courses of this catalogue


def course_texts(n_courses: int, seed: int = 0) -> Iterator[str]:
    """The course texts of `make_catalogue(n_courses, seed)`, in order, one course at a time."""
    vocab = load_vocabulary()
    rng = random.Random(f"catalogue-{n_courses}-{seed}")  # as make_catalogue seeds it
    for i in range(n_courses):
        yield course_text(make_course(i, rng, vocab))


def chunk_path(folder: Path, n_courses: int, chunk: int) -> Path:
    return folder / str(n_courses) / f"chunk_{chunk:04d}.npy"


def build(n_courses: int, folder: Path, max_minutes: float | None = None, encoder=None) -> bool:
    """Encode the missing chunks; True when all are there."""
    from recognition_engine.encoders import make_encoder

    encoder = encoder or make_encoder()
    chunks = (n_courses + CHUNK - 1) // CHUNK
    deadline = time.monotonic() + max_minutes * 60 if max_minutes else None
    texts = course_texts(n_courses)
    for c in range(chunks):
        batch = [next(texts) for _ in range(min(CHUNK, n_courses - c * CHUNK))]
        path = chunk_path(folder, n_courses, c)
        if path.exists():
            continue
        if deadline and time.monotonic() > deadline:
            return False
        start = time.perf_counter()
        vectors = encoder.encode(batch).astype(np.float16)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.rename(path)
        took = time.perf_counter() - start
        print(f"[{time.strftime('%H:%M:%S')}] {n_courses:,}: chunk {c + 1}/{chunks} "
              f"({len(batch) / took:.0f} texts/s)", file=sys.stderr, flush=True)
    return True


def load(n_courses: int, folder: Path, partial: bool = False) -> np.ndarray:
    """The float16 course vectors (n_courses x d), once every chunk is built; with `partial`,
    those of the first chunks built (the first courses of that catalogue)."""
    chunks = (n_courses + CHUNK - 1) // CHUNK
    missing = [c for c in range(chunks) if not chunk_path(folder, n_courses, c).exists()]
    if partial and missing and missing[0] > 0:
        chunks = missing[0]
    elif missing:
        raise FileNotFoundError(f"{len(missing)} of {chunks} chunks of the {n_courses:,}-course vectors are missing; "
                                f"run benchmarks/ann_vectors.py {n_courses}")
    return np.concatenate([np.load(chunk_path(folder, n_courses, c)) for c in range(chunks)])


def queries(n: int, folder: Path, seed: int = 1, encoder=None) -> np.ndarray:
    """Whole-text vectors (float32) of `n` fresh synthetic credentials (what `Engine.align`
    compares with the course vectors), half written near a course of a 10,000-course catalogue."""
    path = folder / f"queries_{n}_{seed}.npy"
    if path.exists():
        return np.load(path)
    from recognition_engine.encoders import make_encoder

    encoder = encoder or make_encoder()
    credentials = fresh_credentials(n, seed=seed, catalogue=make_catalogue(QUERY_CATALOGUE))
    vectors = encoder.encode([credential_summary(c) for c in credentials]).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", help="catalogue sizes, comma-separated")
    ap.add_argument("--folder", type=Path, default=HERE.parent / ".bench-ann")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--max-minutes", type=float, default=None)
    args = ap.parse_args(argv)
    from recognition_engine.encoders import make_encoder

    encoder = make_encoder()
    queries(args.queries, args.folder, encoder=encoder)
    done = True
    for n in [int(s.replace("_", "")) for s in args.sizes.split(",")]:
        done = build(n, args.folder, args.max_minutes, encoder) and done
    return 0 if done else 3


if __name__ == "__main__":
    sys.exit(main())
