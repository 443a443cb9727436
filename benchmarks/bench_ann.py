"""ANN candidate search over course vectors: usearch, hnswlib and FAISS beside exact search.

For each catalogue size (synthetic courses, `benchmarks/ann_vectors.py` builds and stores
their vectors with the bundled model) and each library/configuration it measures:

- build time (single process, all the cores the library uses) and the index's memory
  (the RSS it adds, and its size on disk);
- recall@10: the share of the exact top-10 (cosine on the float32 course vectors, what
  `CatalogueIndex.align` computes as text_similarity) found among the ANN's 10 results,
  averaged over fresh credentials (their whole-text vectors);
- recall of the exact top-10 within the ANN's shortlist of --shortlist (default 100)
  positions, the figure that matters when the engine re-ranks the shortlist exactly;
- query latency p50 / p95 (one query at a time, as a ranking does).

Exact search (numpy float32 and float16 matrix products, one BLAS thread as the engine runs
them) is the first row of each size. Nothing is fitted on the queries; the HNSW settings
(M, ef) are the libraries' usual ones, listed per row.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ann_vectors.py 100000      # vectors first
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_ann.py --sizes 100000
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import numpy as np  # noqa: E402

import ann_vectors  # noqa: E402

TARGET_RECALL = 0.99
TARGET_P95_MS = 100.0


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values), q))


def proxy_vectors(real: np.ndarray, n: int, noise: float, seed: int = 0) -> np.ndarray:
    """A stand-in for a catalogue of n courses when only `len(real)` are encoded: the real
    vectors, then jittered copies of them (each a real course vector plus Gaussian noise of
    norm about `noise`, renormalised), float16. For build time, memory and latency at scale;
    its recall is a proxy's, not a real catalogue's (the table says which rows are proxies)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float16)
    out[:len(real)] = real
    for start in range(len(real), n, 50_000):
        stop = min(start + 50_000, n)
        base = real[rng.integers(0, len(real), stop - start)].astype(np.float32)
        jitter = rng.standard_normal(base.shape).astype(np.float32) * (noise / np.sqrt(real.shape[1]))
        v = base + jitter
        out[start:stop] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((len(queries), k), dtype=np.int64)
    for i in range(0, len(queries), 64):
        sims = queries[i:i + 64] @ vectors.T
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        out[i:i + 64] = np.take_along_axis(top, order, axis=1)
    return out


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / len(t) for f, t in zip(found, truth)]))


class Exact:
    def __init__(self, dtype):
        self.dtype = dtype
        self.name = f"exact numpy {np.dtype(dtype).name}"
        self.params = "matrix product"

    def build(self, vectors):
        self.m = vectors.astype(self.dtype)

    def search(self, q, k):
        sims = self.m @ q.astype(self.dtype)
        top = np.argpartition(-sims, k)[:k]
        return top[np.argsort(-sims[top])]

    def save(self, path):
        np.save(path, self.m)
        return Path(f"{path}.npy")


class USearch:
    def __init__(self, dtype="f16", connectivity=16, expansion_add=128, expansion_search=64):
        self.dtype, self.m, self.efc, self.ef = dtype, connectivity, expansion_add, expansion_search
        self.name = f"usearch {dtype}"
        self.params = f"M={connectivity} efC={expansion_add} ef={expansion_search}"

    def build(self, vectors):
        from usearch.index import Index

        self.index = Index(ndim=vectors.shape[1], metric="ip", dtype=self.dtype, connectivity=self.m,
                           expansion_add=self.efc, expansion_search=self.ef)
        self.index.add(np.arange(len(vectors), dtype=np.uint64), vectors.astype(np.float32), threads=os.cpu_count())

    def search(self, q, k):
        self.index.expansion_search = max(self.ef, k)
        return self.index.search(q, k, threads=1).keys.astype(np.int64)

    def save(self, path):
        self.index.save(f"{path}.usearch")
        return Path(f"{path}.usearch")


class Hnswlib:
    def __init__(self, m=16, ef_construction=128, ef=64):
        self.m, self.efc, self.ef = m, ef_construction, ef
        self.name = "hnswlib f32"
        self.params = f"M={m} efC={ef_construction} ef={ef}"

    def build(self, vectors):
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=vectors.shape[1])
        self.index.init_index(max_elements=len(vectors), ef_construction=self.efc, M=self.m)
        self.index.add_items(vectors.astype(np.float32), np.arange(len(vectors)), num_threads=os.cpu_count())
        self.index.set_ef(self.ef)
        self.index.set_num_threads(1)

    def search(self, q, k):
        self.index.set_ef(max(self.ef, k))
        labels, _ = self.index.knn_query(q[None, :], k=k)
        return labels[0].astype(np.int64)

    def save(self, path):
        self.index.save_index(f"{path}.hnsw")
        return Path(f"{path}.hnsw")


class Faiss:
    def __init__(self, kind="HNSW32", ef=64, efc=128):
        self.kind, self.ef, self.efc = kind, ef, efc
        self.name = f"faiss {kind.replace('HNSW32', 'HNSW f32').replace('_SQfp16', ' f16').replace('_SQ8', ' sq8')}"
        self.params = f"M=32 efC={efc} ef={ef}"

    def build(self, vectors):
        import faiss

        faiss.omp_set_num_threads(os.cpu_count())
        self.index = faiss.index_factory(vectors.shape[1], self.kind, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = self.efc
        v = np.ascontiguousarray(vectors.astype(np.float32))
        if not self.index.is_trained:
            self.index.train(v)
        self.index.add(v)
        self.index.hnsw.efSearch = self.ef
        faiss.omp_set_num_threads(1)

    def search(self, q, k):
        self.index.hnsw.efSearch = max(self.ef, k)
        _, labels = self.index.search(q[None, :].astype(np.float32), k)
        return labels[0].astype(np.int64)

    def save(self, path):
        import faiss

        faiss.write_index(self.index, f"{path}.faiss")
        return Path(f"{path}.faiss")


class EngineShortlist:
    """recognition_engine.ann as the engine would call it: the graph, `fetch` candidates
    re-scored exactly on float32 vectors; one build measured at several search settings
    (ef, fetch), the first being ann.py's own."""

    def __init__(self):
        from recognition_engine import ann

        self.ann = ann
        # None: the engine's own ef for the graph's size (ann.expansion_search)
        self.settings = [(None, ann.FETCH), (128, 100), (256, 100), (512, 100), (256, 200), (512, 300), (1024, 100),
                         (2048, 100)]
        self.name = "ann.py (usearch f16)"
        self.use(*self.settings[0])

    def use(self, ef: int | None, fetch: int) -> None:
        self.ef, self.fetch = ef, fetch
        self.params = (f"M={self.ann.CONNECTIVITY} efC={self.ann.EXPANSION_ADD} "
                       f"ef={'by size' if ef is None else max(ef, fetch)} fetch={fetch}")
        if hasattr(self, "index"):
            self.index.ef = ef

    def build(self, vectors):
        self.index = self.ann.CourseIndex.build([str(i) for i in range(len(vectors))], vectors.astype(np.float32))
        self.index.ef = self.ef

    def search(self, q, k):
        return self.index.search(q, k, self.fetch)

    def save(self, path):
        self.index.graph.save(f"{path}.usearch")
        return Path(f"{path}.usearch")


CONFIGS = {
    "ann.py": EngineShortlist,
    "exact32": lambda: Exact(np.float32),
    "exact16": lambda: Exact(np.float16),
    "usearch-f16": lambda: USearch("f16"),
    "usearch-f16-ef128": lambda: USearch("f16", expansion_search=128),
    "usearch-f16-M32": lambda: USearch("f16", connectivity=32, expansion_add=200, expansion_search=128),
    "usearch-i8": lambda: USearch("i8"),
    "usearch-i8-ef128": lambda: USearch("i8", expansion_search=128),
    "hnswlib": lambda: Hnswlib(),
    "hnswlib-ef128": lambda: Hnswlib(ef=128),
    "faiss-hnsw": lambda: Faiss("HNSW32"),
    "faiss-hnsw-sq8": lambda: Faiss("HNSW32_SQ8"),
}


def measure(config: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, shortlist: int) -> list[dict]:
    """One row per search setting of the method (most have one), sharing one build."""
    from threadpoolctl import threadpool_limits

    method = CONFIGS[config]()
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    method.build(vectors)
    build_s = time.perf_counter() - start
    memory = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        disk_mb = method.save(Path(tmp) / "index").stat().st_size / 2**20
    rows = []
    for setting in getattr(method, "settings", [None]):
        if setting is not None:
            method.use(*setting)
        with threadpool_limits(1, user_api="blas"):  # as the engine aligns
            for q in queries[:5]:
                method.search(q, 10)
            times, found10, found_short = [], [], []
            for q in queries:
                start = time.perf_counter()
                found10.append(method.search(q, 10))
                times.append((time.perf_counter() - start) * 1000)
            for q in queries:
                found_short.append(method.search(q, shortlist))
        rows.append({"courses": len(vectors), "method": method.name, "params": method.params, "build_s": build_s,
                     "memory_mb": memory, "disk_mb": disk_mb, "recall10": recall(found10, truth),
                     "recall_short": recall(found_short, truth), "p50_ms": percentile(times, 50),
                     "p95_ms": percentile(times, 95)})
    del method
    gc.collect()
    return rows


COLUMNS = [("courses", "courses", "{:,}"), ("vectors", "vectors", "{}"), ("method", "method", "{}"), ("params", "params", "{}"),
           ("build_s", "build s", "{:.1f}"), ("memory_mb", "RSS added MB", "{:.0f}"), ("disk_mb", "disk MB", "{:.0f}"),
           ("recall10", "recall@10", "{:.4f}"), ("recall_short", "recall@10 in shortlist", "{:.4f}"),
           ("p50_ms", "query p50 ms", "{:.2f}"), ("p95_ms", "p95 ms", "{:.2f}")]


def table(results: list[dict]) -> str:
    head = [label for _, label, _ in COLUMNS]
    rows = [[fmt.format(r[key]) for key, _, fmt in COLUMNS] for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    return "\n".join("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
                     for cells in [head, ["-" * w for w in widths], *rows])


def engine_check(n_courses: int, n_queries: int, ks=(10, 20, 50, 100, 200)) -> str:
    """How large the shortlist must be, and over which vectors: the share of the engine's
    top-5 (calibrated score, full alignment over every course) found among the top-k courses
    by whole-text cosine (what a course-vector index approximates) and by best outcome pair
    (the courses of the local outcomes nearest to any incoming outcome: what an index over
    outcome vectors would give), on a synthetic catalogue with the bundled model. Also for
    the credentials whose best course is clear (score >= 0.5)."""
    from recognition_engine import Engine
    from recognition_engine.matching import top_k
    from synthetic import fresh_credentials, make_catalogue

    catalogue = make_catalogue(n_courses)
    engine = Engine(catalogue, encoder="minilm")
    rows = []
    for cred in fresh_credentials(n_queries, seed=3, catalogue=catalogue):
        _, index, alignment = engine.align(cred)
        ranked = top_k(alignment["score"], index.course_ids, 5)
        best = set(ranked.tolist())
        by_text = top_k(alignment["text_similarity"], index.course_ids, max(ks)).tolist()
        by_outcome = list(dict.fromkeys(index.outcome_course[np.argsort(-alignment["best"], kind="stable")].tolist()))
        clear = alignment["score"][ranked[0]] >= 0.5
        rows.append((clear, {k: (len(best & set(by_text[:k])) / 5, len(best & set(by_outcome[:k])) / 5) for k in ks}))
    lines = [f"engine's top-5 within the top-k shortlist, {n_courses:,} synthetic courses, {n_queries} credentials "
             f"({sum(c for c, _ in rows)} with a clear best course):"]
    for label, subset in (("all", rows), ("clear", [r for r in rows if r[0]])):
        if subset:
            lines.append(f"  {label:5}  " + "  ".join(
                f"k={k}: text {np.mean([r[k][0] for _, r in subset]):.3f} / outcomes {np.mean([r[k][1] for _, r in subset]):.3f}"
                for k in ks))
    return "\n".join(lines)


def lexical_check(n_courses: int, n_queries: int) -> str:
    """The one part of a short-list ranking that still reads every course: the BM25 scores of
    the credential over the whole catalogue (`LexicalIndex.scores`: the lexical feature's
    normaliser and the short list by words), on the course texts of `make_catalogue(n)`."""
    from recognition_engine.engine import credential_summary
    from recognition_engine.lexical import LexicalIndex
    from synthetic import fresh_credentials

    gc.collect()
    before, start = rss_mb(), time.perf_counter()
    index = LexicalIndex(list(ann_vectors.course_texts(n_courses)))
    build_s, memory = time.perf_counter() - start, rss_mb() - before
    texts = [credential_summary(c) for c in fresh_credentials(n_queries, seed=5)]
    times = []
    for text in texts:
        start = time.perf_counter()
        index.scores(text)
        times.append((time.perf_counter() - start) * 1000)
    return (f"BM25 over {n_courses:,} synthetic course texts: build {build_s:.0f} s, RSS added {memory:.0f} MB; "
            f"scores of one credential over every course p50 {percentile(times, 50):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms ({n_queries} fresh credentials)")


def outcome_search_check(n_courses: int, n_queries: int, proxy: int = 0, noise: float = 0.35) -> str:
    """The outcome graph's first search for a credential's outcomes (`ann.nearest_outcomes`):
    one graph call per outcome on one thread (as before 2026-11-28) against one call for all
    of them on every core, on the outcome vectors of `make_catalogue(n)` (bundled model, the
    embedding cache; about 8 minutes of encoding at 10,000 courses when it is cold), or with
    `proxy`, on those and jittered copies of them up to `proxy` vectors (`proxy_vectors`);
    with the recall of the exact top-100 among the 100 the batched search returns."""
    from recognition_engine import Engine, ann
    from synthetic import fresh_credentials, make_catalogue

    catalogue = make_catalogue(n_courses)
    engine = Engine(catalogue, encoder="minilm")
    encoder = engine.encoder_for()
    index = engine.index(encoder)
    vectors = index.outcome_vectors
    if proxy > len(vectors):
        vectors = proxy_vectors(vectors, proxy, noise).astype(np.float32)
    start = time.perf_counter()
    graph = ann._graph(vectors, None, None, None, "outcomes")
    build_s = time.perf_counter() - start
    incoming = [encoder.encode(c.outcome_texts) for c in fresh_credentials(n_queries, seed=9, catalogue=catalogue)]
    cores = os.cpu_count() or 1
    alone, together, found = [], [], []
    for queries in incoming:
        start = time.perf_counter()
        for vector in queries:
            graph.search(vector, ann.FETCH)
        alone.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        found.append(graph.search_many(queries, ann.FETCH, threads=cores))
        together.append((time.perf_counter() - start) * 1000)
    # after the timings: OpenBLAS's threads spin on after a product and would slow the next search
    found = [recall(near, exact_top(vectors, queries, ann.FETCH)) for near, queries in zip(found, incoming)]
    kind = f"{len(vectors):,} vectors (the outcome vectors of {n_courses:,} synthetic courses" + (
        f" and jittered copies of them, noise {noise})" if len(vectors) > len(index.outcome_vectors) else ")")
    return (f"outcome graph over {kind}: recall of the exact top-{ann.FETCH} {np.mean(found):.4f}; build "
            f"{build_s:.0f} s; a credential's 3-10 outcomes ({n_queries} fresh credentials), fetch {ann.FETCH}, "
            f"ef {ann.EXPANSION_SEARCH}: one search per outcome on one thread p50 {percentile(alone, 50):.1f} / p95 "
            f"{percentile(alone, 95):.1f} ms, all at once on {cores} threads p50 {percentile(together, 50):.1f} / p95 "
            f"{percentile(together, 95):.1f} ms")


def measure_all(vectors: np.ndarray, queries: np.ndarray, args, kind: str) -> list[dict]:
    truth = exact_top(vectors.astype(np.float32), queries, 10)
    out = []
    for config in args.configs.split(","):
        print(f"[{time.strftime('%H:%M:%S')}] {len(vectors):,} ({kind}) {config}", file=sys.stderr, flush=True)
        rows = [{**row, "vectors": kind} for row in measure(config, vectors, queries, truth, args.shortlist)]
        out += rows
        print("\n".join(table(rows).splitlines()[2:]), file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"any of {', '.join(CONFIGS)}")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--shortlist", type=int, default=100)
    ap.add_argument("--folder", type=Path, default=ann_vectors.HERE.parent / ".bench-ann")
    ap.add_argument("--partial", action="store_true",
                    help="use the chunks built so far (the first courses of the catalogue) when not all are")
    ap.add_argument("--proxy", default="", metavar="SIZES",
                    help="also measure proxies of these sizes built from the real vectors (see proxy_vectors)")
    ap.add_argument("--proxy-noise", type=float, default=0.35)
    ap.add_argument("--engine-check", type=int, default=0, metavar="COURSES",
                    help="also: the engine's top-5 within the whole-text top-k, on a catalogue of COURSES")
    ap.add_argument("--engine-queries", type=int, default=100)
    ap.add_argument("--outcome-search", type=int, default=0, metavar="COURSES",
                    help="also: the outcome graph's search for a credential's outcomes, one by one and all at once")
    ap.add_argument("--outcome-proxy", type=int, default=0, metavar="VECTORS",
                    help="with --outcome-search: a graph of this many vectors, jittered copies added")
    ap.add_argument("--lexical", default="", metavar="SIZES", help="also: BM25 scoring time over catalogues of these sizes")
    args = ap.parse_args(argv)
    queries = ann_vectors.queries(args.queries, args.folder) if args.sizes.strip() else None
    results = []
    real = None
    for n in [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]:
        real = ann_vectors.load(n, args.folder, args.partial)
        results += measure_all(real, queries, args, "real")
    for n in [int(s.replace("_", "")) for s in args.proxy.split(",") if s.strip()]:
        results += measure_all(proxy_vectors(real, n, args.proxy_noise), queries, args,
                               f"proxy from {len(real):,} real")
    if results:
        print(f"{len(queries)} queries (whole-text vectors of fresh synthetic credentials), all-MiniLM-L6-v2, "
              f"{os.cpu_count()} CPUs; build on all cores, queries one at a time on one thread; "
              f"shortlist = {args.shortlist}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        print(table(results))
    for n in [int(s.replace("_", "")) for s in args.lexical.split(",") if s.strip()]:
        print(lexical_check(n, 200))
    if args.engine_check:
        print(engine_check(args.engine_check, args.engine_queries))
    if args.outcome_search:
        print(outcome_search_check(args.outcome_search, args.engine_queries, args.outcome_proxy, args.proxy_noise))
    print(f"targets: recall@10 >= {TARGET_RECALL}, rank p95 <= {TARGET_P95_MS:.0f} ms at 1,000,000 courses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
