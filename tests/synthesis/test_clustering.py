"""Theme discovery on vectors whose groups are known: the right number found, members
right, outliers left unthemed, near-identical groups merged."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from grounded.synthesis import clustering


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _groups(rng: np.random.Generator, count: int, size: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    centres = _unit(rng.normal(size=(count, 384)))
    points = np.repeat(centres, size, axis=0) + rng.normal(scale=spread, size=(count * size, 384))
    return _unit(points), np.repeat(np.arange(count), size)


def test_the_number_of_themes_is_found_not_given() -> None:
    rng = np.random.default_rng(7)
    vectors, truth = _groups(rng, count=12, size=40, spread=0.04)
    found = clustering.discover(vectors, seed=0)
    assert found.count == 12
    assert normalized_mutual_info_score(truth, found.labels) > 0.99
    assert found.method == "snn-leiden-cpm"
    assert found.parameters["neighbours"] == 15


def test_items_that_fit_nowhere_stay_unthemed() -> None:
    rng = np.random.default_rng(3)
    vectors, _ = _groups(rng, count=5, size=30, spread=0.04)
    strays = _unit(rng.normal(size=(6, 384)))  # unlike anything and each other
    found = clustering.discover(np.vstack([vectors, strays]), seed=0)
    assert found.count == 5
    assert (found.labels[-6:] == -1).all()
    assert (found.labels[:-6] >= 0).all()


def test_groups_saying_the_same_are_merged() -> None:
    rng = np.random.default_rng(5)
    base = _unit(rng.normal(size=(1, 384)))
    twin = _unit(base + 0.25 * _unit(rng.normal(size=(1, 384))))  # cosine about 0.97 to base
    assert float((base @ twin.T)[0, 0]) > 0.9
    groups = np.vstack([np.repeat(base, 20, axis=0), np.repeat(twin, 20, axis=0)])
    vectors = _unit(groups + rng.normal(scale=0.01, size=groups.shape))
    labels = np.repeat([0, 1], 20)
    merged = clustering._merge_similar(vectors, labels, clustering.MERGE_ABOVE)
    assert len(set(merged.tolist())) == 1
    kept = clustering._merge_similar(vectors, labels, 0.999)
    assert len(set(kept.tolist())) == 2


def test_the_same_seed_gives_the_same_themes() -> None:
    rng = np.random.default_rng(11)
    vectors, _ = _groups(rng, count=8, size=25, spread=0.08)
    first = clustering.discover(vectors, seed=1).labels
    assert (clustering.discover(vectors, seed=1).labels == first).all()


def test_nearest_neighbours_are_exact_and_exclude_the_item() -> None:
    rng = np.random.default_rng(2)
    vectors = _unit(rng.normal(size=(300, 16)))
    found = clustering.nearest(vectors, 5)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    expected = np.argsort(-similarity, axis=1)[:, :5]
    assert (found == expected).all()


def test_tiny_inputs() -> None:
    assert clustering.discover(np.zeros((0, 8), dtype=np.float32)).count == 0
    few = _unit(np.random.default_rng(1).normal(size=(4, 8)))
    assert clustering.discover(few).labels.tolist() == [0, 0, 0, 0]
