"""benchmarks/fit_adapter.py: the maps it compares, and the parallel data it fits them on."""

import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fit_adapter  # noqa: E402

BENCHMARKS = Path(fit_adapter.__file__).resolve().parent


def _pairs(n=200, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    rotation = np.linalg.qr(rng.normal(size=(dim, dim)))[0]
    return x, x @ rotation, rotation


def test_procrustes_recovers_a_rotation():
    x, y, rotation = _pairs()
    assert np.allclose(fit_adapter.procrustes(x, y), rotation, atol=1e-8)


def test_ridge_toward_identity_moves_from_least_squares_to_identity_as_lam_grows():
    x, y, rotation = _pairs()
    assert np.allclose(fit_adapter.ridge_to_identity(x, y, 1e-9), rotation, atol=1e-6)
    assert np.allclose(fit_adapter.ridge_to_identity(x, y, 1e9), np.eye(x.shape[1]), atol=1e-5)


def test_retrieval_counts_a_row_right_only_when_its_own_target_is_nearest():
    targets = np.eye(3)
    assert fit_adapter.retrieval(np.eye(3), targets) == 1.0
    assert fit_adapter.retrieval(np.eye(3)[[1, 0, 2]], targets) == 1 / 3


def test_documents_join_the_same_rows_in_every_language():
    rows = fit_adapter.read_parallel()
    docs = fit_adapter.documents(rows[rows["subject"] == "history"], per_subject=3)
    assert len(docs) == 3
    for doc in docs.itertuples():
        assert doc.en.count(". ") == doc.vi.count(". ") == doc.it.count(". ")


def _normalise(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _evaluation_texts() -> set[str]:
    texts: set[str] = set()

    def walk(node):
        if isinstance(node, str):
            texts.add(_normalise(node))
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for folder in (BENCHMARKS / "devsets", BENCHMARKS / "heldout"):
        for path in folder.rglob("*.yaml"):
            walk(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in folder.rglob("*.csv"):
            texts.update(_normalise(line) for row in path.read_text(encoding="utf-8").splitlines() for line in row.split(","))
    return texts


def test_parallel_rows_are_complete_split_about_one_in_five_and_share_no_text_with_the_evaluation_sets():
    rows = fit_adapter.read_parallel()
    assert len(rows) >= 600 and rows["en"].is_unique
    assert (rows[["subject", "kind", "en", "vi", "it"]] != "").all().all()
    assert set(rows["kind"]) == {"outcome", "title", "description"}
    assert 0.15 < (rows["split"] == "check").mean() < 0.25
    evaluation = _evaluation_texts()
    shared = [t for column in ("en", "vi", "it") for t in rows[column] if _normalise(t) in evaluation]
    assert not shared, f"parallel texts found in the evaluation sets: {shared[:5]}"
