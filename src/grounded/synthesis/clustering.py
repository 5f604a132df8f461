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

At scale (docs/performance.md has the figures): the neighbour search is exact up to 100,000
items and approximate above (an inverted file, ``_approximate``); Leiden is igraph's, two
passes; the merge looks for each theme's partner among its nearest themes, not all of them,
and keeps the best pairs in a heap. Up to 100,000 items the neighbours and the merges are
those of comparing everything; only Leiden's implementation (same method, same objective)
and the order of exactly tied neighbours differ from the first version.
"""

from __future__ import annotations

import heapq
import random
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
#: Similarities computed at once in the neighbour search (64 MB of float32).
BLOCK = 1 << 24
#: Up to this many items the neighbour search is exact; above, approximate. On the first
#: 100,000 texts of bench/themes_scale.py (WordLlama vectors) the approximate search found
#: 92% of the true neighbours and its themes matched the generator's topics at NMI 74.1
#: against 75.9 (four seeds each): at that size the exact search (about two minutes on two
#: cores) is worth its time; at a million it would take over an hour.
EXACT_UP_TO = 100_000
#: The approximate search: items per cell of the inverted file, and the cells searched for
#: each cell's items (its own and the nearest others, by their centres).
CELL = 1000
PROBES = 8
#: Passes of Leiden over the graph (igraph's and leidenalg's default). Running until no pass
#: improves took over 7 minutes on a million items and gave the same NMI on the labelled sets.
LEIDEN_ITERATIONS = 2
#: The merge compares a theme with its nearest themes, up to this many, whose cosine to it is
#: at most CANDIDATE_MARGIN under the merge threshold, and with those of the themes merged
#: into it.
CANDIDATES = 64
CANDIDATE_MARGIN = 0.1


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
    if n > EXACT_UP_TO:
        parameters["neighbour_search"] = {"cell": CELL, "probes": PROBES}
    # Nothing kept that Leiden does not need: at a million items every copy counts.
    labels = _leiden(n, snn_edges(nearest(vectors, neighbour_count(n), seed=seed)), parameters["resolution"], seed)
    labels = _merge_similar(vectors, labels, MERGE_ABOVE)
    labels = _unfit(vectors, labels)
    return Clustering(labels, "snn-leiden-cpm", parameters)


def neighbour_count(n: int) -> int:
    """15, or √N for fewer than 225 items: in a small corpus 15 neighbours reach across
    themes (24 items in 3 themes: one theme found with 15, three with √24)."""
    return max(2, min(NEIGHBOURS, int(np.sqrt(n)), n - 1))


def nearest(vectors: np.ndarray, k: int, *, seed: int = 0, exact_up_to: int | None = None) -> np.ndarray:
    """Each row's ``k`` nearest other rows by cosine (unit rows: the largest dot products),
    nearest first: exact up to ``exact_up_to`` rows (EXACT_UP_TO), approximate above."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(matrix) <= (EXACT_UP_TO if exact_up_to is None else exact_up_to):
        return _top(matrix, np.arange(len(matrix)), np.arange(len(matrix)), k)
    return _approximate(matrix, k, seed)


def _top(matrix: np.ndarray, queries: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """For each of ``queries`` (row numbers), the ``k`` rows among ``candidates`` with the
    largest dot products, largest first, never the query itself; ``candidates`` starts with
    ``queries``, in the same order. Exact, a block of queries at a time."""
    out = np.empty((len(queries), k), dtype=np.int64)
    pool = matrix[candidates]
    step = max(1, BLOCK // max(len(candidates), 1))
    for start in range(0, len(queries), step):
        block = matrix[queries[start : start + step]] @ pool.T
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -np.inf  # not its own neighbour
        out[start : start + step] = candidates[_largest(block, k)]
    return out


def _largest(block: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` largest columns, largest first (on a tie, the lower column first).

    The k-th largest of the maxima of slices of the row (k of them at least) is a floor: k
    values at least reach it, so the k largest are among those that do, and few do. Sorting
    those alone is two to three times faster than partitioning rows of thousands."""
    count, columns = block.shape
    width = min(64, columns // k)
    if width < 2:
        order = np.lexsort((np.broadcast_to(np.arange(columns), block.shape), -block), axis=1)
        return order[:, :k]
    whole = columns - columns % width
    maxima = block[:, :whole].reshape(count, -1, width).max(axis=2)
    if whole < columns:
        maxima = np.concatenate([maxima, block[:, whole:].max(axis=1, keepdims=True)], axis=1)
    floor = -np.partition(-maxima, k - 1, axis=1)[:, k - 1]
    rows, cols = np.nonzero(block >= floor[:, None])
    order = np.lexsort((cols, -block[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, np.arange(count))
    chosen: np.ndarray = cols[first[:, None] + np.arange(k)]
    return chosen


def _approximate(matrix: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Nearest neighbours through an inverted file (as in FAISS's IVF, Jégou et al., 2011):
    spherical k-means cuts the rows into cells of about CELL rows, and each row is listed in
    its two nearest cells (so a row near a border is found from both sides). The rows of a
    cell (those nearest its centre) are compared, exactly, with the rows listed in the PROBES
    cells whose centres are nearest its own, its own first. A neighbour beyond those cells is
    missed: the price of not comparing every pair (10^12 of them at a million rows)."""
    n = len(matrix)
    rng = np.random.default_rng(seed)
    cells = max(2, round(n / CELL))
    centres = _spherical_kmeans(matrix[rng.choice(n, min(n, 64 * cells), replace=False)], cells, rng)
    first, second = _two_nearest(matrix, centres)
    rows = np.arange(n)
    own = _members(first, rows, cells)
    listed = _members(np.concatenate([first, second]), np.concatenate([rows, rows]), cells)
    order = np.argsort(-(centres @ centres.T), axis=1, kind="stable")
    out = np.empty((n, k), dtype=np.int64)
    for c in range(cells):
        queries = own[c]
        if not len(queries):
            continue
        probes = [c, *[p for p in order[c, : PROBES + 1].tolist() if p != c][: PROBES - 1]]
        pool = np.unique(np.concatenate([listed[p] for p in probes]))
        others = np.setdiff1d(pool, queries, assume_unique=True)
        if len(queries) + len(others) <= k:  # a tiny corner: compare with everything
            others = np.setdiff1d(rows, queries, assume_unique=True)
        out[queries] = _top(matrix, queries, np.concatenate([queries, others]), k)
    return out


def _two_nearest(matrix: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centre and second nearest."""
    first = np.empty(len(matrix), dtype=np.int64)
    second = np.empty(len(matrix), dtype=np.int64)
    step = max(1, BLOCK // len(centres))
    for start in range(0, len(matrix), step):
        similarity = matrix[start : start + step] @ centres.T
        best = np.argmax(similarity, axis=1)
        first[start : start + step] = best
        similarity[np.arange(len(best)), best] = -np.inf
        second[start : start + step] = np.argmax(similarity, axis=1)
    return first, second


def _members(cell: np.ndarray, rows: np.ndarray, cells: int) -> list[np.ndarray]:
    """The ``rows`` in each cell (``cell``: the cell of each), in row order."""
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(cells + 1))
    return [rows[order[bounds[c] : bounds[c + 1]]] for c in range(cells)]


def _spherical_kmeans(sample: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 12) -> np.ndarray:
    centres = sample[rng.choice(len(sample), k, replace=False)].copy()
    for _ in range(rounds):
        labels = _assign(sample, centres)
        sums = _sums(sample, labels, k)
        empty = ~sums.any(axis=1)
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()), replace=False)]
        centres = (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return centres


def _assign(matrix: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's nearest centre."""
    out = np.empty(len(matrix), dtype=np.int64)
    step = max(1, BLOCK // len(centres))
    for start in range(0, len(matrix), step):
        out[start : start + step] = np.argmax(matrix[start : start + step] @ centres.T, axis=1)
    return out


def _sums(vectors: np.ndarray, position: np.ndarray, groups: int) -> np.ndarray:
    """Sum of the rows in each group (``position``: each row's group), in float64."""
    from scipy import sparse

    sums = np.zeros((groups, vectors.shape[1]), dtype=np.float64)
    step = 1 << 16
    for start in range(0, len(vectors), step):
        chunk = position[start : start + step]
        members = sparse.csr_matrix((np.ones(len(chunk)), (chunk, np.arange(len(chunk)))), shape=(groups, len(chunk)))
        sums += members @ vectors[start : start + step].astype(np.float64)
    return sums


def snn_edges(neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected edges (i < j) of the neighbour graph with their shared-neighbour weight:
    |S_i and S_j| / |S_i or S_j| (Jaccard), S_i being i and its neighbours."""
    n, k = neighbours.shape
    size = k + 1
    index = np.int32 if n < 2**31 else np.int64
    members = np.concatenate([np.arange(n)[:, None], neighbours], axis=1).astype(index)
    rows = np.repeat(np.arange(n, dtype=index), k)
    cols = neighbours.ravel().astype(index)
    shared = np.empty(n * k, dtype=np.float32)
    step = max(1, (1 << 22) // (k * size * size))  # rows per chunk: a 4 MB comparison
    for start in range(0, n, step):
        mine = members[start : start + step]
        theirs = members[neighbours[start : start + step]]  # (rows, k, size)
        same = mine[:, None, :, None] == theirs[:, :, None, :]
        shared[start * k : (start + len(mine)) * k] = same.sum(axis=(2, 3)).ravel()
    weight = shared / (2 * size - shared)
    # Each pair once (i < j). Its two directions, when both are there, share S_i and S_j:
    # the same weight ("the larger" of the two, as the method says, is either).
    low, high = np.minimum(rows, cols).astype(np.int64), np.maximum(rows, cols).astype(np.int64)
    del rows, cols, shared
    pair, first = np.unique(low * n + high, return_index=True)
    return (pair // n).astype(index), (pair % n).astype(index), weight[first]


def _leiden(n: int, edges: tuple[np.ndarray, np.ndarray, np.ndarray], resolution: float, seed: int) -> np.ndarray:
    """Leiden communities (CPM) of the shared-neighbour graph of ``n`` items (``snn_edges``):
    igraph's implementation, seeded, LEIDEN_ITERATIONS passes."""
    import igraph

    sources, targets, weights = edges
    del edges
    graph = igraph.Graph(n=n, edges=np.column_stack([sources, targets]).astype(np.int32), directed=False)
    del sources, targets
    igraph.set_random_number_generator(random.Random(seed))  # noqa: S311  (Leiden's seed, no secret)
    try:
        partition = graph.community_leiden(
            objective_function="CPM", weights=weights, resolution=resolution, n_iterations=LEIDEN_ITERATIONS
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(partition.membership, dtype=np.int64)


def _merge_similar(vectors: np.ndarray, labels: np.ndarray, above: float) -> np.ndarray:
    """Merge the two themes with the most similar centres while that similarity is above
    ``above``; only the merged theme's centre changes at each step.

    A theme's partners are sought among its candidates: the CANDIDATES themes nearest it with
    cosine above ``above - CANDIDATE_MARGIN``, and a merged theme's are its parts' (so every
    pair above ``above`` at the start is a candidate, unless a theme has more than CANDIDATES
    such neighbours, and so is one a merge brings above it unless neither part was within the
    margin of it). A heap holds each theme's best partner, most similar first; an entry whose
    theme or partner has changed since it was pushed is worked out again when it comes up.
    The merges are those of comparing every pair after every merge (checked on the labelled
    sets and on 100,000 items), at a cost that grows with the themes, not their square."""
    values, position = np.unique(labels, return_inverse=True)
    merging = _Merging(vectors, position, len(values), above)
    merging.run()
    merged: np.ndarray = merging.current(np.arange(len(values)))[position]
    return merged


#: A heap entry: (-similarity, lower and higher number of the pair, the theme whose best
#: partner this is and its version, the partner and its version).
_Entry = tuple[float, int, int, int, int, int, int]


class _Merging:
    """The state of ``_merge_similar``: each theme's sum and centre, its candidates, whether
    it is still there (or which theme it went into), and how often it has changed."""

    def __init__(self, vectors: np.ndarray, position: np.ndarray, count: int, above: float) -> None:
        self.above = above
        self.sums = _sums(vectors, position, count)
        self.centres = self.sums / np.maximum(np.linalg.norm(self.sums, axis=1, keepdims=True), 1e-12)
        self.candidates, partners, similarities = _candidates(self.centres, above - CANDIDATE_MARGIN)
        self.alive = np.ones(count, dtype=bool)
        self.owner = np.arange(count)
        self.version = np.zeros(count, dtype=np.int64)
        self.heap: list[_Entry] = [
            (-similarity, min(theme, partner), max(theme, partner), theme, 0, partner, 0)
            for theme, partner, similarity in zip(range(count), partners.tolist(), similarities.tolist(), strict=True)
            if similarity > above
        ]
        heapq.heapify(self.heap)

    def current(self, ids: np.ndarray) -> np.ndarray:
        """The themes ``ids`` went into (themselves when still there)."""
        while True:
            moved = self.owner[ids]
            if (moved == ids).all():
                return ids
            ids = moved

    def run(self) -> None:
        while self.heap:
            _similarity, a, b, theme, theme_version, partner, partner_version = heapq.heappop(self.heap)
            if not self.alive[theme] or self.version[theme] != theme_version:
                continue  # a newer entry of this theme is in the heap, or it is gone
            if not self.alive[partner] or self.version[partner] != partner_version:
                self.push(theme)  # its partner changed: find its best again
                continue
            self.merge(a, b)

    def merge(self, a: int, b: int) -> None:
        """``b`` (the higher number) into ``a``."""
        self.sums[a] += self.sums[b]
        self.alive[b] = False
        self.owner[b] = a
        self.version[a] += 1
        self.centres[a] = self.sums[a] / max(float(np.linalg.norm(self.sums[a])), 1e-12)
        self.candidates[a] = np.concatenate([self.candidates[a], self.candidates[b]])
        self.candidates[b] = self.candidates[a][:0]
        self.push(a)

    def push(self, theme: int) -> None:
        """The heap entry of ``theme``'s most similar candidate, if above the threshold."""
        mine = np.unique(self.current(self.candidates[theme]))
        mine = mine[mine != theme]
        self.candidates[theme] = mine
        if not len(mine):
            return
        similarity = self.centres[mine] @ self.centres[theme]
        top = float(similarity.max())
        if top <= self.above:
            return
        partner = int(mine[np.flatnonzero(similarity == top)[0]])  # the lowest number on a tie
        entry = (-top, min(theme, partner), max(theme, partner), theme, int(self.version[theme]))
        heapq.heappush(self.heap, (*entry, partner, int(self.version[partner])))


def _candidates(centres: np.ndarray, above: float) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Each theme's candidate partners: its CANDIDATES nearest themes with cosine above
    ``above``, both ways (a theme is its candidates' candidate); and each theme's most
    similar theme with that similarity (the lowest number on a tie)."""
    from scipy import sparse

    count = len(centres)
    if count < 2:
        return [np.zeros(0, dtype=np.int64) for _ in range(count)], np.zeros(count, np.int64), np.full(count, -1.0)
    # Exact while that is no more work than the approximate search (each theme against the
    # themes listed in PROBES cells of CELL, twice over): these are candidates, not answers.
    near = nearest(centres.astype(np.float32), min(CANDIDATES, count - 1), exact_up_to=2 * PROBES * CELL)
    similarity = np.empty(near.shape, dtype=np.float64)
    step = 1024
    for start in range(0, count, step):
        rows = centres[start : start + step]
        similarity[start : start + step] = np.einsum("id,ikd->ik", rows, centres[near[start : start + step]])
    top = similarity.max(axis=1)
    partners = np.where(similarity == top[:, None], near, count).min(axis=1)
    rows, columns = np.nonzero(similarity > above)
    pairs = sparse.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, near[rows, columns])), shape=(count, count))
    graph = (pairs + pairs.T).tocsr()
    lists = [graph.indices[graph.indptr[i] : graph.indptr[i + 1]].astype(np.int64) for i in range(count)]
    return lists, partners, top


def _unfit(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Items far from their theme's centre, and themes too small, fit nowhere (-1); the rest
    are renumbered 0..k-1, largest theme first."""
    values, position = np.unique(labels, return_inverse=True)
    sums = _sums(vectors, position, len(values))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    centres = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), 0.0).astype(np.float32)
    fit = np.einsum("ij,ij->i", vectors, centres[position]) >= FITS_FROM
    fit |= (norms[:, 0] == 0)[position]  # a centre of length 0 has no direction to be far from
    kept = np.where(fit, position, -1)
    sizes = np.bincount(kept[kept >= 0], minlength=len(values))
    order = sorted((v for v in range(len(values)) if sizes[v] >= MIN_SIZE), key=lambda v: -sizes[v])
    mapping = np.full(len(values) + 1, -1, dtype=np.int64)
    mapping[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    renumbered: np.ndarray = mapping[kept]  # -1 indexes the last entry: -1
    return renumbered
