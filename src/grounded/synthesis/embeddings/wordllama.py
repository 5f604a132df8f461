"""WordLlama static embeddings: the fast tier for very large corpora, offline.

WordLlama (Miller, 2024) keeps the token embedding table of a large language model (for
``l2_supercat``, the Llama 2 tokenizer's 32,000 tokens), trained further so that the mean of
a text's token vectors is a sentence vector. No network runs: a text costs a tokenizer pass
and a table look-up, well over ten times faster than all-MiniLM-L6-v2 and less exact.

The registry package ``wordllama`` ships the 256-dimension table and its tokenizer inside
the wheel. They are loaded from the installed package with downloads disabled, and from
nowhere else (not the package's cache, ``~/.cache/wordllama``, nor Hugging Face).
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grounded.errors import ModelUnavailable
from grounded.synthesis.embeddings import installed

PACKAGE = "wordllama"
DISTRIBUTION = "wordllama"
REQUIREMENT = "wordllama>=0.4,<0.5"
INSTALL = f"pip install '{REQUIREMENT}'"
#: The configuration and dimension whose weights ship in the wheel (the package's default).
CONFIG = "l2_supercat"
DIMENSION = 256
#: Bumped whenever the pooling below changes: cached vectors of another build are stale.
BUILD = 1
#: Tokens per text, as the model was trained (its ``l2_supercat.toml``: max_length 256,
#: truncation on), and as grounded cuts texts for MiniLM.
MAX_TOKENS = 256
#: Characters kept before tokenising: a Llama token is rarely longer than 30 characters, so
#: 8,000 characters still give more than 256 tokens; the rest would be cut anyway.
MAX_CHARS = 8_000
#: Texts tokenised and pooled at once.
BATCH = 4096

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ModelFiles:
    directory: Path
    version: str

    @property
    def weights(self) -> Path:
        return self.directory / "weights" / f"{CONFIG}_{DIMENSION}.safetensors"

    @property
    def tokenizer(self) -> Path:
        return self.directory / "tokenizers" / f"{CONFIG}_tokenizer_config.json"

    @property
    def repair(self) -> str:
        pinned = f"{DISTRIBUTION}=={self.version}" if self.version != "unknown" else REQUIREMENT
        return f"pip install --force-reinstall '{pinned}'"


def locate() -> ModelFiles:
    """Where the installed package's weights and tokenizer are, or a message saying how to
    install them."""
    root, version = installed.package(
        PACKAGE,
        DISTRIBUTION,
        not_installed=f"the fast embedding model WordLlama is not installed; install it with: {INSTALL}",
    )
    files = ModelFiles(root, version)
    installed.require(
        (files.weights, files.tokenizer), where=f"the WordLlama package under {files.directory}", repair=files.repair
    )
    return files


class WordLlama:
    """Sentence vectors (256 floats, unit length) for texts: the mean of their tokens'
    vectors in WordLlama's ``l2_supercat`` table."""

    name = "wordllama"
    dimension = DIMENSION

    def __init__(self) -> None:
        self.files = locate()
        #: What a cached vector was made by: package, configuration, dimension, pooling.
        self.version = f"wordllama/{self.files.version}/{CONFIG}/{DIMENSION}/b{BUILD}"
        self._table: np.ndarray | None = None
        self._tokenizer: Any = None
        self._pieces: Pieces | None = None
        self._start = 0
        #: Texts cut at MAX_TOKENS so far (the caller reports them).
        self.truncated = 0

    def load(self) -> None:
        if self._table is not None:
            return
        try:
            loader = _import_quietly().WordLlama
            # The package's directory as its cache too: both places it looks are inside the
            # installed package, and with downloads disabled a missing file is an error.
            model = loader.load(CONFIG, cache_dir=self.files.directory, dim=DIMENSION, disable_download=True)
            table = np.ascontiguousarray(model.embedding, dtype=np.float32)
            tokenizer = model.tokenizer
        except Exception as failure:
            raise ModelUnavailable(
                f"WordLlama's files under {self.files.directory} could not be read "
                f"({type(failure).__name__}: {str(failure)[:200]}); repair them with: {self.files.repair}"
            ) from failure
        if table.ndim != 2 or table.shape[1] != DIMENSION:
            raise ModelUnavailable(
                f"WordLlama's weights under {self.files.directory} are not a {DIMENSION}-dimension table; "
                f"repair them with: {self.files.repair}"
            )
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer = tokenizer
        self._pieces = Pieces(tokenizer)
        self._start = int(tokenizer.token_to_id("<s>") or 0)
        self._table = table

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One unit-length row per text, in the order given."""
        from scipy import sparse

        self.load()
        assert self._table is not None
        assert self._pieces is not None
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            chunk = texts[start : start + BATCH]
            flat: list[int] = []
            offsets = [0]
            encoded = self._pieces.encode([text[:MAX_CHARS] for text in chunk])
            for text, ids in zip(chunk, encoded, strict=True):
                if len(ids) > MAX_TOKENS or len(text) > MAX_CHARS:
                    ids = ids[:MAX_TOKENS]
                    self.truncated += 1
                # An empty text has no tokens: it gets the start-of-text token's vector (as
                # MiniLM gives an empty text its [CLS] and [SEP]), so every row has unit length.
                flat.extend(ids or (self._start,))
                offsets.append(len(flat))
            counts = sparse.csr_matrix(
                (np.ones(len(flat), dtype=np.float32), np.asarray(flat, dtype=np.int32), np.asarray(offsets)),
                shape=(len(chunk), self._table.shape[0]),
            )
            sums = np.asarray(counts @ self._table, dtype=np.float32)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            out[start : start + len(chunk)] = sums / np.maximum(norms, 1e-12)
            if progress is not None:
                progress(len(chunk))
        return out


class Pieces:
    """The package's tokenizer, word by word, remembering each word's tokens: the same ids
    as the tokenizer over the whole text, and about three times faster on support tickets.

    The tokenizer (Llama 2's SentencePiece BPE) turns spaces into "▁", puts one before the
    text and runs BPE over all of it. When no token of its vocabulary has "▁" after another
    character (checked when loaded, with the normaliser), no token spans a place where a run
    of "▁" follows a word: cut there, each piece's tokens are the tokens the whole text has
    at that place. A corpus repeats its words, so most pieces are looked up, not tokenised.
    Texts naming the tokenizer's special tokens ("<s>", "</s>", "<unk>"), which it reads as
    those tokens, go to it whole, as every text does if the check fails.
    """

    PIECE = re.compile("\u2581*[^\u2581]+|\u2581+")
    NORMALIZER = {
        "type": "Sequence",
        "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        ],
    }
    #: Pieces remembered at most (tens of MB; a larger corpus starts again).
    LIMIT = 500_000

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.special = [token for token in ("<s>", "</s>", "<unk>") if tokenizer.token_to_id(token) is not None]
        setup = json.loads(tokenizer.to_str())
        self.exact = (
            setup.get("normalizer") == self.NORMALIZER
            and setup.get("pre_tokenizer") is None
            and not any(re.search("[^\u2581]\u2581", token) for token in tokenizer.get_vocab())
        )
        self.known: dict[str, list[int]] = {}

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, without a start token, not truncated."""
        if not self.exact:
            return [e.ids for e in self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)]
        split = [self.PIECE.findall("\u2581" + text.replace(" ", "\u2581")) if text else [] for text in texts]
        if len(self.known) > self.LIMIT:
            self.known.clear()
        new = list({piece for pieces in split for piece in pieces if piece not in self.known})
        if new:
            for piece, encoding in zip(new, self._normalised(new), strict=True):
                self.known[piece] = encoding.ids
        known = self.known
        out: list[list[int]] = []
        for pieces in split:
            ids: list[int] = []
            for piece in pieces:
                ids.extend(known[piece])
            out.append(ids)
        whole = [i for i, text in enumerate(texts) if any(token in text for token in self.special)]
        if whole:
            encodings = self.tokenizer.encode_batch_fast([texts[i] for i in whole], add_special_tokens=False)
            for i, encoding in zip(whole, encodings, strict=True):
                out[i] = encoding.ids
        return out

    def _normalised(self, pieces: list[str]) -> list[Any]:
        """Tokens of pieces normalised already (not given another "▁")."""
        normalizer = self.tokenizer.normalizer
        self.tokenizer.normalizer = None
        try:
            return list(self.tokenizer.encode_batch_fast(pieces, add_special_tokens=False))
        finally:
            self.tokenizer.normalizer = normalizer


def _import_quietly() -> Any:
    """The ``wordllama`` module, without the logging set-up it does when imported (it calls
    ``logging.basicConfig(level=INFO)``, which would print every library's INFO lines)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return importlib.import_module(PACKAGE)
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
