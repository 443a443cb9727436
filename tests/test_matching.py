import dataclasses
import random

import numpy as np

from recognition_engine import Catalogue, Engine, MicroCredential


def course(cid, title, outcomes, ects=5, optional=()):
    los = [{"text": t} for t in outcomes] + [{"text": t, "essential": False} for t in optional]
    return {"id": cid, "title": title, "ects": ects, "learning_outcomes": los}


COURSES = [
    course("DB1", "Databases", ["design relational database schemas", "write sql queries with joins"],
           optional=["explain transaction isolation"]),
    course("WEB1", "Web development", ["build web pages with html and css", "write javascript for the browser"]),
    course("ML1", "Machine learning", ["train a classifier", "evaluate models with cross validation"]),
    course("ML2", "Machine learning again", ["train a classifier", "evaluate models with cross validation"]),
]


def make_engine(tmp_path, encoder, profiles, courses=COURSES):
    return Engine(Catalogue(courses=courses), encoder=encoder, cache_path=tmp_path / "e.sqlite", profiles=profiles)


CRED = MicroCredential(id="c", title="SQL", learning_outcomes=["design relational database schemas", "write sql queries"])


def test_alignment_pairs_each_local_outcome_with_its_best_incoming(tmp_path, bow_encoder, test_profiles):
    ranked = make_engine(tmp_path, bow_encoder, test_profiles).rank(CRED, k=4)
    best = ranked[0]
    assert best.course_id == "DB1"
    pairs = {m.local_outcome: (m.incoming_outcome, m.similarity, m.covered) for m in best.matches}
    assert pairs["design relational database schemas"] == ("design relational database schemas", 1.0, True)
    assert pairs["write sql queries with joins"][0] == "write sql queries"
    assert best.features["covered_share"] == 1.0
    assert best.features["incoming_share"] == 1.0
    # the optional outcome is not covered and lowers `specific_coverage` less than it would if essential
    assert best.uncovered_essential == []
    assert best.features["specific_coverage"] < best.features["essential_coverage"]


def test_ties_are_broken_by_course_id(tmp_path, bow_encoder, test_profiles):
    cred = MicroCredential(id="m", learning_outcomes=["train a classifier"])
    ranked = make_engine(tmp_path, bow_encoder, test_profiles).rank(cred, k=2)
    assert [c.course_id for c in ranked] == ["ML1", "ML2"]
    assert ranked[0].score == ranked[1].score


def test_ranking_does_not_depend_on_catalogue_order(tmp_path, bow_encoder, test_profiles):
    expected = [(c.course_id, c.score) for c in make_engine(tmp_path, bow_encoder, test_profiles).rank(CRED, k=4)]
    for seed in range(5):
        shuffled = COURSES[:]
        random.Random(seed).shuffle(shuffled)
        got = make_engine(tmp_path, bow_encoder, test_profiles, shuffled).rank(CRED, k=4)
        assert [(c.course_id, c.score) for c in got] == expected


def test_unchanged_catalogue_is_not_encoded_again(tmp_path, bow_encoder, test_profiles):
    make_engine(tmp_path, bow_encoder, test_profiles).rank(CRED)
    calls = len(bow_encoder.calls)
    engine = make_engine(tmp_path, bow_encoder, test_profiles)
    engine.rank(CRED)
    assert len(bow_encoder.calls) == calls  # catalogue and credential texts all came from the cache
    assert engine.encoder_for(CRED).encoded == 0


def test_credential_without_outcomes_gets_no_candidates(tmp_path, bow_encoder, test_profiles):
    assert make_engine(tmp_path, bow_encoder, test_profiles).rank(MicroCredential(id="empty")) == []


def test_alignment_is_one_matrix_product_over_the_catalogue(tmp_path, bow_encoder, test_profiles):
    engine = make_engine(tmp_path, bow_encoder, test_profiles)
    encoder = engine.encoder_for(CRED)
    index = engine.index(encoder)
    assert index.outcome_vectors.shape == (9, bow_encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(index.outcome_vectors, axis=1), 1.0, rtol=1e-5)


def test_programmes_ranked_by_their_best_course(tmp_path, bow_encoder, test_profiles):
    programmes = [
        {"id": "P-WEB", "title": "Web", "courses": ["WEB1"]},
        {"id": "P-DATA", "title": "Data", "courses": ["DB1", "ML1"]},
    ]
    engine = Engine(Catalogue(courses=COURSES, programmes=programmes), encoder=bow_encoder,
                    cache_path=tmp_path / "e.sqlite", profiles=test_profiles)
    ranked = engine.rank_programmes(CRED, k=2)
    assert [(p.programme_id, p.best_course_id) for p in ranked] == [("P-DATA", "DB1"), ("P-WEB", "WEB1")]
    frame = engine.ranking_frame(CRED, k=2)
    assert frame["kind"].tolist() == ["course", "course", "programme", "programme"]
    assert {"essential_coverage", "covered_share", "text_similarity", "score"} <= set(frame.columns)
    features = engine.features(CRED)
    assert len(features) == len(COURSES) and features.loc[features.course_id == "DB1", "score"].item() == ranked[0].score


def test_text_similarity_compares_each_course_text_with_the_credential_text(tmp_path, bow_encoder, test_profiles):
    from recognition_engine.engine import credential_summary

    engine = make_engine(tmp_path, bow_encoder, test_profiles)
    encoder = engine.encoder_for(CRED)
    whole = encoder.encode([credential_summary(CRED)])[0]
    expected = np.round(engine.index(encoder).course_vectors.astype(np.float64) @ whole, 4)
    np.testing.assert_allclose(engine.features(CRED)["text_similarity"], expected, atol=1e-4)


def test_concurrent_alignments_restore_the_blas_thread_count(tmp_path, bow_encoder, test_profiles):
    from concurrent.futures import ThreadPoolExecutor

    from recognition_engine.matching import _blas_controller

    before = [lib["num_threads"] for lib in _blas_controller().info()]
    engine = make_engine(tmp_path, bow_encoder, test_profiles)
    expected = [(c.course_id, c.score) for c in engine.rank(CRED, k=4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: [(c.course_id, c.score) for c in engine.rank(CRED, k=4)], range(40)))
    assert all(r == expected for r in results)
    assert [lib["num_threads"] for lib in _blas_controller().info()] == before


def test_building_one_models_index_does_not_block_another(tmp_path, bow_encoder, test_profiles):
    import threading

    from recognition_engine.encoders import CachedEncoder

    release = threading.Event()

    class Slow(type(bow_encoder)):
        model_id = "test/slow"

        def encode(self, texts):
            assert release.wait(30), "never released"
            return super().encode(texts)

    profiles = {**test_profiles, "test/slow": dataclasses.replace(test_profiles["test/bag-of-words"], model_id="test/slow")}
    engine = make_engine(tmp_path, bow_encoder, profiles)
    fast = engine.encoder_for(CRED)
    slow = CachedEncoder(Slow(), None)
    builder = threading.Thread(target=engine.index, args=(slow,))
    builder.start()
    try:
        assert engine.index(fast).course_ids.tolist() == [c["id"] for c in COURSES]  # not held up by the slow build
        assert engine.model_ids() == [fast.model_id]
    finally:
        release.set()
        builder.join(30)
    assert engine.model_ids() == sorted([fast.model_id, "test/slow"])


def test_encoders_lists_every_model_a_credential_may_bring_in(tmp_path, bow_encoder, test_profiles):
    english = Engine(Catalogue(courses=COURSES), cache_path=tmp_path / "e.sqlite")  # "auto"; no model is loaded
    assert [e.model_id.split("@")[0] for e in english.encoders()] == [
        "sentence-transformers/all-MiniLM-L6-v2", "intfloat/multilingual-e5-small"]
    vietnamese = Engine(Catalogue(courses=[{**COURSES[0], "language": "vi"}]), cache_path=tmp_path / "e.sqlite")
    assert [e.model_id.split("@")[0] for e in vietnamese.encoders()] == ["intfloat/multilingual-e5-small"]
    assert [e.model_id for e in make_engine(tmp_path, bow_encoder, test_profiles).encoders()] == ["test/bag-of-words"]


def test_a_pair_margin_is_the_shortfall_from_the_course_best_outcome():
    from recognition_engine.matching import pair_margins

    # two courses: outcomes 0-1 and outcome 2; two incoming outcomes (columns)
    sims = np.array([[0.8, 0.1], [0.5, 0.6], [0.2, -0.9]], dtype=np.float32)
    margins = pair_margins(sims, np.array([0, 2]), np.array([0, 0, 1]))
    np.testing.assert_allclose(margins, [[0.0, -0.5], [-0.3, 0.0], [0.0, 0.0]], atol=1e-6)  # a lone outcome is its course's best
    assert pair_margins(np.array([[1.0], [-1.0]]), np.array([0]), np.array([0, 0]))[1, 0] == -1.0  # floored at -1


def test_pair_scores_split_across_cores_give_the_scores_of_one_run(tmp_path, bow_encoder, test_profiles, monkeypatch):
    """Above SPLIT_FROM outcomes, for a credential whose texts are known, each core scores a run
    of courses; features, zones and pairs are those of one run over the whole catalogue (runs
    of unequal courses, one-outcome ones)."""
    from recognition_engine import matching

    words = ["design", "schemas", "sql", "queries", "train", "classifier", "html", "browser", "graphs", "sort"]
    rng = random.Random(3)
    courses = [course(f"C{i:02d}", f"Course {i}", [" ".join(rng.sample(words, 3)) for _ in range(rng.randint(1, 6))])
               for i in range(41)]
    credential = MicroCredential(id="s", title="Data", learning_outcomes=["design sql schemas", "train a classifier", "sort graphs"])

    def scored():
        engine = make_engine(tmp_path, bow_encoder, test_profiles, courses)
        return engine.features(credential), [(c.course_id, c.matches) for c in engine.rank(credential, k=5)]

    one_run = scored()
    monkeypatch.setattr(matching, "SPLIT_FROM", 0)
    monkeypatch.setattr(matching.threads, "cores", lambda: 3)
    engine = make_engine(tmp_path, bow_encoder, test_profiles, courses)
    assert len(engine.index(engine.encoder_for(credential))._course_runs(3)) == 4  # three runs of courses
    runs = []
    monkeypatch.setattr(matching.CatalogueIndex, "_course_runs", lambda self, parts, f=matching.CatalogueIndex._course_runs:
                        runs.append(parts) or f(self, parts))
    split = scored()
    assert runs and set(runs) == {3}  # the credential was ranked before: every core aligns it
    assert split[0].equals(one_run[0]) and split[1] == one_run[1]
    runs.clear()
    make_engine(tmp_path, bow_encoder, test_profiles, courses).rank(MicroCredential(id="n", learning_outcomes=["sort html graphs", "train sql"]))
    assert set(runs) == {1}  # a new credential: its whole text is encoded beside a one-thread alignment
