"""Approximate nearest-neighbour candidate search over a catalogue's vectors.

For a catalogue of hundreds of thousands of courses, aligning a credential with every
course's outcomes costs seconds; the engine should align only a short list of courses.
`shortlist_by_outcomes(outcome_vectors, outcome_course, incoming, k)` gives the k courses
holding the local outcomes nearest to any incoming outcome (the engine's top-5 was always
within its top-100 on `bench_ann.py --engine-check`); `shortlist(course_vectors, query, k)`
the k courses whose whole-text vector (`CatalogueIndex.course_vectors`) is nearest to the
credential's (cheaper, but it missed 28 % of the engine's top-5 at k=100). Both are exact,
by one matrix product, below a size threshold, and above it use an HNSW graph (usearch,
float16 storage, chosen by `benchmarks/bench_ann.py`), re-scored exactly. The caller then
aligns only those courses.

`CourseIndex.open(folder, model_id, course_ids, vectors)` keeps the graph on disk under
`<folder>/<model id>/`, with a manifest of the course ids and a digest of each course's
vector: opening it for a changed catalogue removes the courses that changed or left and adds
the new ones, instead of rebuilding the graph. usearch is an optional extra
(`pip install -e '.[ann]'`), imported only when a graph is built or opened.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Below this many courses the exact product is cheap (about 9 ms at 100,000 courses on one
# thread) and is used; see benchmarks/bench_ann.py for the figures behind these settings.
ANN_MIN_COURSES = 200_000
CONNECTIVITY = 32  # HNSW M
EXPANSION_ADD = 200  # efConstruction
EXPANSION_SEARCH = 128  # ef at query time; at least the candidates fetched
FETCH = 100  # candidates taken from the graph and re-scored exactly, whatever k (recall of the top-10)
STORAGE = "f16"


def _digest(vector: np.ndarray) -> str:
    """A course vector's digest, on its float16 value (what the graph stores)."""
    return hashlib.blake2b(np.ascontiguousarray(vector, dtype=np.float16).tobytes(), digest_size=12).hexdigest()


def catalogue_digest(course_ids, vectors: np.ndarray) -> str:
    """One digest of the courses (ids, in order) and their vectors."""
    h = hashlib.blake2b(digest_size=16)
    for cid, v in zip(course_ids, vectors):
        h.update(str(cid).encode() + b"\0" + _digest(v).encode())
    return h.hexdigest()


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest cosines (unit vectors), best first."""
    sims = vectors @ query.astype(vectors.dtype, copy=False)
    k = min(k, len(sims))
    top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
    return top[np.argsort(-sims[top], kind="stable")]


def _new_graph(ndim: int):
    try:
        from usearch.index import Index
    except ImportError:
        raise ImportError("approximate search over a large catalogue needs usearch: pip install -e '.[ann]'") from None
    return Index(ndim=ndim, metric="ip", dtype=STORAGE, connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)


@dataclass
class CourseIndex:
    """An HNSW graph over course vectors; graph keys are stable per course id, so a course
    keeps its key when others are added or removed."""

    graph: object  # usearch.index.Index
    vectors: np.ndarray  # the catalogue's course vectors, in catalogue order (for exact re-scoring)
    key_position: np.ndarray  # graph key -> catalogue position (-1: not in the catalogue)
    digest: str
    rebuilt: int = 0  # courses added to the graph when it was opened (0: loaded as it was)
    keys: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)  # course id -> (key, vector digest)

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        """Catalogue positions of (about) the k courses nearest to the query, best first: at
        least FETCH candidates from the graph, re-scored exactly on the float32 vectors."""
        fetch = min(max(k, FETCH), len(self.vectors))
        if self.graph.expansion_search < fetch:  # the graph explores at least as many as it returns
            self.graph.expansion_search = fetch
        found = self.graph.search(np.asarray(query, dtype=np.float32), fetch, threads=1).keys
        positions = self.key_position[np.asarray(found, dtype=np.int64)]
        positions = positions[positions >= 0]
        sims = self.vectors[positions] @ np.asarray(query, dtype=np.float32)
        return positions[np.argsort(-sims, kind="stable")][:k]

    @classmethod
    def build(cls, course_ids, vectors: np.ndarray) -> "CourseIndex":
        return cls._update(None, {}, course_ids, vectors)

    @classmethod
    def open(cls, folder: Path | str, model_id: str, course_ids, vectors: np.ndarray, name: str = "courses") -> "CourseIndex":
        """The graph for these courses, from `<folder>/<model id>/` when it is there: loaded as is
        for the same catalogue, updated for the courses that changed, built for a new one; saved
        back when anything changed."""
        where = Path(folder) / re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id)
        manifest_path, graph_path = where / f"{name}.json", where / f"{name}.usearch"
        digest = catalogue_digest(course_ids, vectors)
        graph, keys = None, {}
        if manifest_path.exists() and graph_path.exists():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest.get("model_id") == model_id and manifest.get("ndim") == vectors.shape[1]:
                graph = _new_graph(vectors.shape[1])
                graph.load(str(graph_path))
                keys = {cid: (int(key), d) for cid, (key, d) in manifest["courses"].items()}
                if manifest.get("digest") == digest:
                    return cls(graph, vectors, _key_positions(keys, course_ids), digest, keys=keys)
        index = cls._update(graph, keys, course_ids, vectors)
        where.mkdir(parents=True, exist_ok=True)
        index.graph.save(str(graph_path.with_suffix(".tmp")))
        Path(graph_path.with_suffix(".tmp")).replace(graph_path)
        manifest = {"model_id": model_id, "ndim": int(vectors.shape[1]), "digest": digest, "storage": STORAGE,
                    "courses": {cid: [key, d] for cid, (key, d) in index.keys.items()}}
        tmp = manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        tmp.replace(manifest_path)
        return index

    @classmethod
    def _update(cls, graph, keys: dict[str, tuple[int, str]], course_ids, vectors: np.ndarray) -> "CourseIndex":
        graph = graph if graph is not None else _new_graph(vectors.shape[1])
        ids = [str(c) for c in course_ids]
        digests = [_digest(v) for v in vectors]
        wanted = dict(zip(ids, digests))
        stale = [key for cid, (key, d) in keys.items() if wanted.get(cid) != d]
        if stale:
            graph.remove(np.array(stale, dtype=np.uint64))
        kept = {cid: kd for cid, kd in keys.items() if wanted.get(cid) == kd[1]}
        next_key = max((key for key, _ in keys.values()), default=-1) + 1
        add = [i for i, cid in enumerate(ids) if cid not in kept]
        new_keys = np.arange(next_key, next_key + len(add), dtype=np.uint64)
        for i, key in zip(add, new_keys):
            kept[ids[i]] = (int(key), digests[i])
        if add:
            graph.add(new_keys, np.asarray(vectors[add], dtype=np.float32))
        return cls(graph, np.asarray(vectors, dtype=np.float32), _key_positions(kept, ids),
                   catalogue_digest(ids, vectors), rebuilt=len(add), keys=kept)


def _key_positions(keys: dict[str, tuple[int, str]], course_ids) -> np.ndarray:
    top = max((key for key, _ in keys.values()), default=-1)
    out = np.full(top + 1, -1, dtype=np.int64)
    for position, cid in enumerate(course_ids):
        out[keys[str(cid)][0]] = position
    return out


_BUILT: dict[int, CourseIndex] = {}  # id(vectors) -> its graph, while the array lives
_BUILT_LOCK = threading.Lock()


def _graph(vectors: np.ndarray, ids, model_id: str | None, folder: Path | str | None, name: str) -> CourseIndex:
    with _BUILT_LOCK:
        index = _BUILT.get(id(vectors))
        if index is None:
            ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(vectors))]
            if folder is not None and model_id is not None:
                index = CourseIndex.open(folder, model_id, ids, vectors, name)
            else:
                index = CourseIndex.build(ids, vectors)
            _BUILT[id(vectors)] = index
            weakref.finalize(vectors, _BUILT.pop, id(vectors), None)
        return index


def shortlist(course_vectors: np.ndarray, query: np.ndarray, k: int, *, course_ids=None, model_id: str | None = None,
              folder: Path | str | None = None, min_courses: int = ANN_MIN_COURSES) -> np.ndarray:
    """Catalogue positions of the k courses whose whole-text vector is nearest to `query`, best
    first: exact below `min_courses` courses, else from an HNSW graph built on the first call for
    this array (kept while the array lives; with `folder`, `course_ids` and `model_id`,
    persisted there and updated only for changed courses). NB: the engine's own top-5 is
    often not among the whole-text top-k (bench_ann.py --engine-check); see shortlist_by_outcomes."""
    if len(course_vectors) < min_courses:
        return exact_top(course_vectors, query, k)
    return _graph(course_vectors, course_ids, model_id, folder, "courses").search(query, k)


def shortlist_by_outcomes(outcome_vectors: np.ndarray, outcome_course: np.ndarray, incoming: np.ndarray, k: int, *,
                          outcome_ids=None, model_id: str | None = None, folder: Path | str | None = None,
                          min_outcomes: int = 6 * ANN_MIN_COURSES) -> np.ndarray:
    """Catalogue positions of the k courses holding the local outcomes nearest to any incoming
    outcome (ranked by that best cosine): what the engine's coverage features reward. Exact
    (one product) below `min_outcomes` outcomes; above, FETCH graph neighbours per incoming
    outcome, re-scored exactly. `outcome_course` maps each outcome row to its course position;
    `outcome_ids` (stable, e.g. course id + outcome text digest) key the persisted graph."""
    incoming = np.atleast_2d(np.asarray(incoming, dtype=np.float32))
    if len(outcome_vectors) < min_outcomes:
        rows = np.arange(len(outcome_vectors))
        best = (outcome_vectors @ incoming.T).max(axis=1)
    else:
        index = _graph(outcome_vectors, outcome_ids, model_id, folder, "outcomes")
        rows = np.unique(np.concatenate([index.search(v, FETCH) for v in incoming]))
        best = (outcome_vectors[rows] @ incoming.T).max(axis=1)
    order = np.argsort(-best, kind="stable")
    courses = np.asarray(outcome_course)[rows[order]]
    _, first = np.unique(courses, return_index=True)  # each course at its best outcome
    return courses[np.sort(first)][:k]
