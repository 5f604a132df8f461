"""Theme discovery against human labels, not told how many themes there are.

    .venv/bin/python bench/themes_quality.py [--data DIR] [--model minilm-int8|minilm] [--peer-python PATH]
    .venv/bin/python bench/themes_quality.py --file F --text-col C --label-col L [--out assignments.csv]

On the labelled intent sets (CLINC150 test, DSTC11 insurance, DSTC11 finance, from
../shared/data/intent-clustering or --data) it embeds the texts, runs grounded's discovery
and prints NMI, ARI and accuracy after Hungarian matching (×100), the number of themes
found and the seconds; in the same run, on the same vectors, k-means told the true number
(mean of 3 seeds) and, with --peer-python naming an interpreter that has umap-learn and
hdbscan, BERTopic's pipeline (UMAP 15 neighbours to 5 dimensions, cosine, min_dist 0;
HDBSCAN min_cluster_size 10). Items left unthemed count as one extra group for NMI and ARI
and as wrong for accuracy.

--file runs the same on any labelled CSV or JSON Lines file and writes each item's theme.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from grounded.synthesis import clustering
from grounded.synthesis.embeddings import embedder
from machine import describe

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "intent-clustering"

PEER = r"""
import sys, time, json, numpy as np, umap, hdbscan
vectors = np.load(sys.argv[1])
started = time.perf_counter()
reducer = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
reduced = reducer.fit_transform(vectors)
labels = hdbscan.HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom").fit_predict(reduced)
np.save(sys.argv[2], labels.astype("int64"))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def labelled_sets(directory: Path) -> dict[str, tuple[list[str], list[str]]]:
    sets: dict[str, tuple[list[str], list[str]]] = {}
    clinc = directory / "clinc150_data_full.json"
    if clinc.is_file():
        pairs = json.loads(clinc.read_text(encoding="utf-8"))["test"]
        sets["CLINC150 test"] = ([t for t, _ in pairs], [label for _, label in pairs])
    for name in ("insurance", "finance"):
        path = directory / f"dstc11_{name}.jsonl"
        if path.is_file():
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            sets[f"DSTC11 {name}"] = ([r["utterance"] for r in rows], [r["intent"] for r in rows])
    return sets


def read_file(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    if path.suffix in (".jsonl", ".ndjson"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    return [str(r[text_col]) for r in rows], [str(r[label_col]) for r in rows]


def scores(truth: list[str], found: np.ndarray) -> dict[str, float]:
    """NMI, ARI, accuracy after Hungarian matching (x100); -1 (unthemed) is its own group."""
    gold = np.unique(truth, return_inverse=True)[1]
    predicted = np.unique(found, return_inverse=True)[1]
    table = np.zeros((predicted.max() + 1, gold.max() + 1), dtype=np.int64)
    np.add.at(table, (predicted, gold), 1)
    if (found < 0).any():  # unthemed items are never right
        table[np.unique(found).tolist().index(-1)] = 0
    rows, cols = linear_sum_assignment(-table)
    return {
        "NMI": 100 * normalized_mutual_info_score(gold, predicted),
        "ARI": 100 * adjusted_rand_score(gold, predicted),
        "ACC": 100 * table[rows, cols].sum() / len(truth),
    }


def line(method: str, truth: list[str], found: np.ndarray, seconds: float) -> str:
    s = scores(truth, found)
    k = len({int(v) for v in found if v >= 0})
    unthemed = 100 * float((found < 0).mean())
    return (
        f"  {method:<38} themes {k:>4}  NMI {s['NMI']:5.1f}  ARI {s['ARI']:5.1f}  ACC {s['ACC']:5.1f}  "
        f"unthemed {unthemed:4.1f}%  {seconds:6.1f} s"
    )


def peer(python: str, vectors: np.ndarray) -> tuple[np.ndarray, float] | None:
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "v.npy", Path(tmp) / "labels.npy"
        np.save(source, vectors)
        done = subprocess.run([python, "-c", PEER, str(source), str(out)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"  peer failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
        return np.load(out), json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", default="minilm-int8")
    parser.add_argument("--peer-python", help="an interpreter with umap-learn and hdbscan (BERTopic's pipeline)")
    parser.add_argument("--file", type=Path, help="any labelled CSV or JSON Lines file")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--out", type=Path, help="with --file: write each item's theme here (CSV)")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    sets = (
        {args.file.name: read_file(args.file, args.text_col, args.label_col)} if args.file else labelled_sets(args.data)
    )
    if not sets:
        print(f"no labelled sets found in {args.data} (give --data, or --file)")
        return
    with tempfile.TemporaryDirectory() as models:
        model = embedder(args.model, Path(models))
        print(f"embeddings: {model.version}")
        for name, (texts, truth) in sets.items():
            print(f"{name}: {len(texts):,} items, {len(set(truth))} labels")
            vectors = model.embed(texts)
            started = time.perf_counter()
            found = clustering.discover(vectors, seed=0)
            print(line("grounded (not told k)", truth, found.labels, time.perf_counter() - started))
            if args.out is not None and args.file is not None:
                with args.out.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(["text", "label", "theme"])
                    writer.writerows(zip(texts, truth, found.labels.tolist(), strict=True))
            if args.peer_python:
                measured = peer(args.peer_python, vectors)
                if measured is not None:
                    print(line("UMAP + HDBSCAN (BERTopic, not told k)", truth, *measured))
            k = len(set(truth))
            runs = []
            for seed in range(3):
                started = time.perf_counter()
                labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
                runs.append((scores(truth, labels), time.perf_counter() - started))
            mean = {key: float(np.mean([r[0][key] for r in runs])) for key in ("NMI", "ARI", "ACC")}
            seconds = float(np.mean([r[1] for r in runs]))
            print(
                f"  {'k-means told k (mean of 3 seeds)':<38} themes {k:>4}  NMI {mean['NMI']:5.1f}  "
                f"ARI {mean['ARI']:5.1f}  ACC {mean['ACC']:5.1f}  unthemed  0.0%  {seconds:6.1f} s"
            )


if __name__ == "__main__":
    main()
