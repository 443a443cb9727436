"""Approximate nearest-neighbour candidate search over a catalogue's vectors.

For a catalogue of hundreds of thousands of courses, aligning a credential with every
course's outcomes costs seconds; the engine aligns only a short list of courses
(`candidate_courses`, called by `Engine.align` above `engine.SHORTLIST_ABOVE` courses; what
it includes and why: docs/scaling.md). Its searches are exact, by one matrix product, below
ANN_MIN_COURSES courses, and above it use HNSW graphs (usearch, float16 storage, chosen by
`benchmarks/bench_ann.py`) over the outcome vectors (`nearest_outcomes`) and the course
vectors (`shortlist`), re-scored exactly.

`CourseIndex.open(folder, model_id, ids, vectors)` keeps a graph on disk under
`<folder>/<model id>/`, with a manifest of the ids and a digest of each vector: opening it
for a changed catalogue removes the vectors that changed or left and adds the new ones,
instead of rebuilding the graph. usearch is an optional extra (`pip install -e '.[ann]'`),
imported only when a graph is built or opened.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import threads
from .products import pair_cosines

# Below this many courses candidate search is one exact product, above it an HNSW graph: the
# product over the outcome vectors costs about 1.4 ms per 1,000 courses on one thread (13-15 ms
# at 10,000 courses, products.py), so the graphs start where the engine starts short-listing
# (engine.SHORTLIST_ABOVE); see benchmarks/bench_ann.py for the graph's figures.
ANN_MIN_COURSES = 20_000
CONNECTIVITY = 32  # HNSW M
EXPANSION_ADD = 200  # efConstruction
# ef at query time (at least the candidates fetched), twice as many from LARGE_GRAPH vectors on.
# bench_ann.py, 2026-11-28, recall of the exact top-10 (synthetic courses, proxies of jittered copies):
# 100,000 courses 0.985 at ef=128, 0.995 at 256, 1.000 at 512 (p50 8, p95 13 ms); 1,000,000 courses
# 0.977 at 512, 0.995 at 1,024 (p50 5.4, p95 7.0 ms), 0.9998 at 2,048.
EXPANSION_SEARCH = 512
LARGE_GRAPH = 500_000
FETCH = 100  # candidates taken from the graph and re-scored exactly, whatever k (recall of the top-10)
STORAGE = "f16"


def expansion_search(n_vectors: int) -> int:
    return EXPANSION_SEARCH if n_vectors < LARGE_GRAPH else 2 * EXPANSION_SEARCH


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
    return top_positions(vectors @ query.astype(vectors.dtype, copy=False), k)


def top_positions(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


def _new_graph(ndim: int):
    # onnxruntime (the bundled model's runtime) crashes the process when it is first imported
    # after usearch (onnxruntime 1.32, usearch 2.26: a segmentation fault on import); the other
    # order is safe, so a graph never comes first.
    import onnxruntime  # noqa: F401

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
    ef: int | None = None  # ef at query time; None: `expansion_search` of the graph's size
    keys: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)  # course id -> (key, vector digest)

    def search(self, query: np.ndarray, k: int, fetch: int | None = None) -> np.ndarray:
        """Catalogue positions of (about) the k courses nearest to the query, best first: at
        least `fetch` (FETCH) candidates from the graph, re-scored exactly on the float32 vectors."""
        return self.search_many(np.atleast_2d(query), k, fetch)[0]

    def search_many(self, queries: np.ndarray, k: int, fetch: int | None = None, threads: int = 1) -> list[np.ndarray]:
        """`search` for each row of `queries`, in one call to the graph on `threads` threads."""
        fetch = min(max(k, FETCH if fetch is None else fetch), len(self.vectors))
        # the graph explores at least as many as it returns
        self.graph.expansion_search = max(self.ef or expansion_search(len(self.vectors)), fetch)
        queries = np.asarray(queries, dtype=np.float32)
        found = self.graph.search(queries, fetch, threads=threads)
        keys = np.atleast_2d(found.keys)
        counts = np.atleast_1d(getattr(found, "counts", len(found)))
        out = []
        for query, row, count in zip(queries, keys, counts):
            positions = self.key_position[np.asarray(row[:count], dtype=np.int64)]
            positions = positions[positions >= 0]
            sims = self.vectors[positions] @ query
            out.append(positions[np.argsort(-sims, kind="stable")][:k])
        return out

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
    """`ids`: the vectors' stable ids, or a function giving them (called only when the graph is built)."""
    with _BUILT_LOCK:
        index = _BUILT.get(id(vectors))
        if index is None:
            ids = ids() if callable(ids) else ids
            ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(vectors))]
            if folder is not None and model_id is not None:
                index = CourseIndex.open(folder, model_id, ids, vectors, name)
            else:
                index = CourseIndex.build(ids, vectors)
            _BUILT[id(vectors)] = index
            weakref.finalize(vectors, _BUILT.pop, id(vectors), None)
        return index


def shortlist(course_vectors: np.ndarray, query: np.ndarray, k: int, *, course_ids=None, model_id: str | None = None,
              folder: Path | str | None = None, min_courses: int = ANN_MIN_COURSES, name: str = "courses") -> np.ndarray:
    """Catalogue positions of the k courses whose whole-text vector is nearest to `query`, best
    first: exact below `min_courses` courses, else from an HNSW graph built on the first call for
    this array (kept while the array lives; with `folder`, `course_ids` and `model_id`,
    persisted there under `name` and updated only for changed courses). On its own it misses
    much of the engine's top-5 (bench_ann.py --engine-check): `candidate_courses` uses it for
    two of its signals (whole texts, titles)."""
    if len(course_vectors) < min_courses:
        return exact_top(course_vectors, query, k)
    return _graph(course_vectors, course_ids, model_id, folder, name).search(query, k)


def _courses_by_best(rows: np.ndarray, best: np.ndarray, outcome_course: np.ndarray, k: int) -> np.ndarray:
    """The first k courses of these outcome rows, each at its best outcome's score, best first."""
    order = np.argsort(-best, kind="stable")
    courses = np.asarray(outcome_course)[rows[order]]
    _, first = np.unique(courses, return_index=True)  # each course at its best outcome
    return courses[np.sort(first)][:k]


MAX_FETCH = 4096  # graph neighbours per incoming outcome at most, when looking for all its possible homes


def nearest_outcomes(outcome_vectors: np.ndarray, incoming: np.ndarray, floor: np.ndarray, *, outcome_ids=None,
                     model_id: str | None = None, folder: Path | str | None = None,
                     min_outcomes: int = 6 * ANN_MIN_COURSES) -> tuple[np.ndarray, np.ndarray]:
    """The outcome rows worth aligning with these incoming outcomes and their cosines with each
    (rows x m): every row below `min_outcomes` (one exact product); above, from the graph, for
    each incoming outcome its FETCH nearest and, while the farthest found still reaches that
    outcome's `floor` cosine or more than a quarter of those found do, four times as many (up to
    MAX_FETCH; every outcome once that would be a quarter of them), so that every outcome at
    or above the floor is found."""
    if len(outcome_vectors) < min_outcomes:
        return np.arange(len(outcome_vectors)), pair_cosines(outcome_vectors, incoming)
    index = _graph(outcome_vectors, outcome_ids, model_id, folder, "outcomes")
    found: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(incoming)
    pending, fetch = list(range(len(incoming))), FETCH
    while pending:  # each round searches for every outcome still pending at once, on every core
        if 4 * fetch >= len(outcome_vectors):  # a large share of the outcomes: take them all, which is sure
            for i in pending:
                found[i] = np.arange(len(outcome_vectors))
            break
        again = []
        for i, near in zip(pending, index.search_many(incoming[pending], fetch, fetch, threads=threads.cores())):
            cosines = outcome_vectors[near] @ incoming[i]
            # The graph is approximate: stop only when the farthest found is under the floor and
            # the outcomes above it are at most a quarter of those fetched, so the few the graph
            # may skip near the floor are unlikely to be homes.
            if len(near) < fetch or fetch >= MAX_FETCH or (cosines[-1] < floor[i] and (cosines >= floor[i]).sum() <= fetch // 4):
                found[i] = near
            else:
                again.append(i)
        pending, fetch = again, min(4 * fetch, MAX_FETCH)
    rows = np.unique(np.concatenate(found))
    return rows, pair_cosines(outcome_vectors[rows], incoming)


def candidate_courses(index, incoming: np.ndarray, whole: np.ndarray, title: np.ndarray, query_text: str, k: int, *,
                      folder: Path | str | None = None, min_courses: int | None = None) -> np.ndarray:
    """Catalogue positions of the courses a `CatalogueIndex` should align for a credential: the
    k nearest by each of four signals the ranking leans on (the best outcome pair with its
    outcomes `incoming`, the whole-text cosine with `whole`, the title cosine with `title`, the
    BM25 score of `query_text`),
    and every course in which one of its outcomes may have a home (a pair probability reaching
    the pair model's `covered`), so that the incoming outcomes' specificity (in how many courses
    each has a home) is the whole catalogue's. A home needs a cosine of at least `home_floor`;
    the outcomes above it are checked with the pair model's upper bound (no margin penalty).
    Exact below `min_courses` courses (default ANN_MIN_COURSES), from the graphs above
    (`open_graphs`), where an incoming outcome said by more than
    MAX_FETCH local outcomes (a generic one) has its homes counted among those only."""
    from .background import background_scores

    graphs = len(index.course_ids) >= (ANN_MIN_COURSES if min_courses is None else min_courses)
    incoming = np.atleast_2d(np.asarray(incoming, dtype=np.float32))
    incoming_hub = background_scores(incoming, index.background)
    floor = home_floor(index.pairs, index.outcome_hub, incoming_hub)
    rows, sims = nearest_outcomes(index.outcome_vectors, incoming, floor, model_id=index.model_id, folder=folder,
                                  outcome_ids=lambda: outcome_ids(index), min_outcomes=0 if graphs else math.inf)
    by_outcome = _courses_by_best(rows, sims.max(axis=1), index.outcome_course, k)
    by_text = shortlist(index.course_vectors, whole, k, course_ids=index.course_ids, model_id=index.model_id,
                        folder=folder, min_courses=0 if graphs else math.inf)
    by_title = shortlist(index.title_vectors, title, k, course_ids=index.course_ids, model_id=index.model_id,
                         folder=folder, min_courses=0 if graphs else math.inf, name="titles")
    lexical = index.lexical.scores(query_text)
    by_words = top_positions(lexical, k) if lexical.any() else np.zeros(0, dtype=np.int64)
    upper = _home_logit_bound(index.pairs, sims, (index.outcome_hub[rows, None] + incoming_hub[None, :]) / 2)
    homes = np.asarray(index.outcome_course)[rows[(upper >= _covered_logit(index.pairs)).any(axis=1)]]
    return np.unique(np.concatenate([by_outcome, by_text, by_title, by_words, homes]).astype(np.int64))


def outcome_ids(index) -> list[str]:
    """Stable ids of a `CatalogueIndex`'s outcomes for the persisted graph: `<course id>/<number>`
    (a rewritten outcome keeps its id; its new vector's digest tells the graph to replace it)."""
    counts = np.diff(np.append(index.offsets, len(index.outcome_texts)))
    return [f"{cid}/{j}" for cid, n in zip(index.course_ids, counts) for j in range(n)]


def open_graphs(index, folder: Path | str | None) -> None:
    """Build, or load and update, the three graphs of a `CatalogueIndex` (its outcome, course
    and title vectors) now rather than at the first ranking (building them takes minutes for a
    large catalogue; loading them, seconds)."""
    _graph(index.outcome_vectors, lambda: outcome_ids(index), index.model_id, folder, "outcomes")
    _graph(index.course_vectors, index.course_ids, index.model_id, folder, "courses")
    _graph(index.title_vectors, index.course_ids, index.model_id, folder, "titles")


def _covered_logit(pairs) -> float:
    """The logit at which a pair's probability, rounded to 4 decimals as the engine rounds it,
    reaches `covered`."""
    p = pairs.covered - 0.5e-4
    return math.log(p / (1 - p))


def _home_logit_bound(pairs, cosines: np.ndarray, hub: np.ndarray) -> np.ndarray:
    """An upper bound of the pair logit (`PairModel.logits`): the cross-lingual and margin terms
    at their most favourable (the margin is in [-1, 0])."""
    return pairs.logits(cosines, hub, 1.0 if pairs.cross_lingual > 0 else 0.0, -1.0 if pairs.margin < 0 else 0.0)


def home_floor(pairs, outcome_hub: np.ndarray, incoming_hub: np.ndarray) -> np.ndarray:
    """Per incoming outcome, the cosine below which no local outcome can be its home, whatever
    the local outcome's hubness (the pair model's logit grows with the cosine)."""
    if pairs.cosine <= 0:
        raise ValueError(f"pair model for {pairs.model_id}: the cosine's coefficient must be positive")
    hub = np.array([outcome_hub.min(), outcome_hub.max()]) if len(outcome_hub) else np.zeros(2)
    at_zero = np.max([_home_logit_bound(pairs, np.zeros(len(incoming_hub)), (h + incoming_hub) / 2) for h in hub], axis=0)
    return (_covered_logit(pairs) - at_zero) / pairs.cosine
