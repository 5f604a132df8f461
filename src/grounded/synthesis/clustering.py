"""Theme discovery: how many themes, and which item belongs to which, without being told.

The method, chosen by measurement on three labelled intent sets (CLINC150 test, DSTC11
insurance and finance; docs/themes.md has the figures and what else was tried):

1. a graph of each item's 15 nearest neighbours by cosine, each edge weighted by how many
   neighbours the two items share (shared-nearest-neighbour similarity: Jarvis and Patrick,
   1973; as in PhenoGraph, Levine et al., 2015), made symmetric by the larger weight;
2. communities of that graph by Leiden (Traag, Waltman and van Eck, 2019) with the Constant
   Potts Model at resolution 0.05. CPM has no resolution limit (Traag et al., 2011):
   modularity merges small themes as the corpus grows, CPM does not;
3. themes whose centres have cosine above 0.8 merged, pair by pair (they say the same);
4. themes smaller than 3 items, and items whose cosine to their theme's centre is below
   0.35, fit nowhere: they stay unthemed rather than forced in.

No parameter depends on the data set, nor on N beyond 225 items (below that the neighbour
count is √N): 15 neighbours and the resolution are local density settings, the thresholds
are cosines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NEIGHBOURS = 15
RESOLUTION = 0.05
#: Sub-themes split a theme where its own neighbour graph is twice as strict.
SUB_RESOLUTION = 0.1
MERGE_ABOVE = 0.8
FITS_FROM = 0.35
MIN_SIZE = 3
#: Rows of the similarity matrix computed at once in the neighbour search.
BLOCK = 1024


@dataclass
class Clustering:
    labels: np.ndarray
    method: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len({int(v) for v in self.labels if v >= 0})


def discover(vectors: np.ndarray, *, seed: int = 0, nested: bool = False) -> Clustering:
    """Themes among ``vectors`` (unit rows); ``nested`` for the sub-themes of one theme."""
    n = len(vectors)
    parameters: dict[str, Any] = {
        "neighbours": neighbour_count(n) if n > 2 else 0,
        "resolution": SUB_RESOLUTION if nested else RESOLUTION,
        "merge_above": MERGE_ABOVE,
        "fits_from": FITS_FROM,
        "min_size": MIN_SIZE,
    }
    if n < 2 * MIN_SIZE:
        return Clustering(np.zeros(n, dtype=np.int64), "single", parameters)
    neighbours = nearest(vectors, neighbour_count(n))
    labels = _leiden(neighbours, parameters["resolution"], seed)
    labels = _merge_similar(vectors, labels, MERGE_ABOVE)
    labels = _unfit(vectors, labels)
    return Clustering(labels, "snn-leiden-cpm", parameters)


def neighbour_count(n: int) -> int:
    """15, or √N for fewer than 225 items: in a small corpus 15 neighbours reach across
    themes (24 items in 3 themes: one theme found with 15, three with √24)."""
    return max(2, min(NEIGHBOURS, int(np.sqrt(n)), n - 1))


def nearest(vectors: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` nearest other rows by cosine (unit rows: the largest dot products),
    exact, a block of rows at a time."""
    n = len(vectors)
    out = np.empty((n, k), dtype=np.int64)
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    for start in range(0, n, BLOCK):
        block = matrix[start : start + BLOCK] @ matrix.T
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -np.inf  # not its own neighbour
        part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(block, part, axis=1), axis=1, kind="stable")
        out[start : start + BLOCK] = np.take_along_axis(part, order, axis=1)
    return out


def snn_edges(neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected edges (i < j) of the neighbour graph with their shared-neighbour weight:
    |S_i and S_j| / |S_i or S_j| (Jaccard), S_i being i and its neighbours."""
    from scipy import sparse

    n, k = neighbours.shape
    size = k + 1
    members = np.concatenate([np.arange(n)[:, None], neighbours], axis=1)
    sets = sparse.csr_matrix(
        (np.ones(n * size, dtype=np.float32), members.ravel(), np.arange(0, n * size + 1, size)), shape=(n, n)
    )
    rows = np.repeat(np.arange(n), k)
    cols = neighbours.ravel()
    shared = np.asarray(sets[rows].multiply(sets[cols]).sum(axis=1)).ravel()
    weight = shared / (2 * size - shared)
    graph = sparse.coo_matrix((weight, (rows, cols)), shape=(n, n)).tocsr()
    graph = graph.maximum(graph.T).tocoo()
    upper = graph.row < graph.col
    return graph.row[upper], graph.col[upper], graph.data[upper]


def _leiden(neighbours: np.ndarray, resolution: float, seed: int) -> np.ndarray:
    import igraph
    import leidenalg

    sources, targets, weights = snn_edges(neighbours)
    graph = igraph.Graph(n=len(neighbours), edges=np.column_stack([sources, targets]).tolist(), directed=False)
    graph.es["weight"] = weights.tolist()
    partition = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        n_iterations=-1,
        seed=seed,
    )
    return np.asarray(partition.membership, dtype=np.int64)


def _merge_similar(vectors: np.ndarray, labels: np.ndarray, above: float) -> np.ndarray:
    """Merge the two themes with the most similar centres while that similarity is above
    ``above``; only the merged theme's centre changes at each step."""
    values = np.unique(labels)
    index = {int(v): i for i, v in enumerate(values)}
    position = np.array([index[int(v)] for v in labels])
    sums = np.zeros((len(values), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, position, vectors)
    alive = np.ones(len(values), dtype=bool)
    owner = np.arange(len(values))
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    similarity = centres @ centres.T
    np.fill_diagonal(similarity, -np.inf)
    while len(values) > 1:
        best = int(np.argmax(similarity))
        a, b = divmod(best, len(values))
        if similarity[a, b] <= above:
            break
        sums[a] += sums[b]
        alive[b] = False
        owner[owner == b] = a
        centre = sums[a] / max(float(np.linalg.norm(sums[a])), 1e-12)
        centres[a] = centre
        row = centres @ centre
        row[~alive] = -np.inf
        row[a] = -np.inf
        similarity[a, :] = row
        similarity[:, a] = row
        similarity[b, :] = -np.inf
        similarity[:, b] = -np.inf
    merged: np.ndarray = owner[position]
    return merged


def _unfit(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Items far from their theme's centre, and themes too small, fit nowhere (-1); the rest
    are renumbered 0..k-1, largest theme first."""
    labels = labels.copy()
    for value in np.unique(labels):
        members = labels == value
        centre = vectors[members].mean(axis=0)
        norm = float(np.linalg.norm(centre))
        if norm:
            labels[members & ((vectors @ (centre / norm)) < FITS_FROM)] = -1
    kept, sizes = np.unique(labels[labels >= 0], return_counts=True)
    order = [int(v) for v, size in sorted(zip(kept, sizes, strict=True), key=lambda p: -p[1]) if size >= MIN_SIZE]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(int(v), -1) for v in labels], dtype=np.int64)
