"""WordLlama, the fast embedding tier: unit vectors from the weights inside the wheel, the
package's own tokens and vectors, nothing downloaded, a clear error when it is missing, and
vectors cached under their own key beside MiniLM's."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from grounded.cli.main import app
from grounded.db.engine import session_scope
from grounded.errors import InvalidInput, ModelUnavailable
from grounded.synthesis import embeddings, vectors
from grounded.synthesis.embeddings import wordllama
from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.synthesis.embeddings.wordllama import WordLlama
from tests.synthesis.conftest import workspace_with

SIMILAR = ("The CSV export times out for large accounts.", "Exporting to CSV fails with a timeout on big accounts.")
LOGIN = ("SSO login with Okta fails after the update.", "We cannot sign in through single sign-on since the upgrade.")
UNRELATED = ("Please add a dark mode to the mobile app.", "Invoices show the wrong VAT number.")
#: What the tokenizer is given in the wild: typos, other scripts, emoji, odd spaces, its
#: own special tokens, control characters.
ODD = [
    "",
    " ",
    "  two  spaces   and three ",
    "teh exprot is brokne, pls fix",
    "Der CSV-Export bricht nach 60 Sekunden ab.",
    "エクスポートが失敗します",
    "emoji 👋🙏 at the end 🎉",
    "tabs\tand\nnew lines\r\n and a no-break\u00a0space",
    "▁already▁marked▁",
    "<s> it names </s> the special <unk> tokens",
    "ünïcödé café naïve façade",
    "x" * 3000,
]


@pytest.fixture(scope="module")
def fast() -> WordLlama:
    return WordLlama()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_vectors_are_unit_length_with_the_stated_dimension(fast: WordLlama) -> None:
    texts = [*SIMILAR, *LOGIN, *UNRELATED]
    matrix = fast.embed(texts)
    assert fast.dimension == 256
    assert matrix.shape == (6, 256)
    assert matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    assert fast.name == "wordllama"
    assert fast.version.startswith("wordllama/0.4.")
    assert fast.version.endswith("/l2_supercat/256/b1")


def test_similar_texts_are_closer_than_unrelated_ones(fast: WordLlama) -> None:
    export_a, export_b, login_a, login_b, dark, vat = fast.embed([*SIMILAR, *LOGIN, *UNRELATED])
    assert cosine(export_a, export_b) > 0.6
    for other in (dark, vat, login_a, login_b):
        assert cosine(export_a, other) < 0.2
        assert cosine(export_b, other) < 0.2
    assert cosine(login_a, login_b) > max(cosine(login_a, x) for x in (export_a, export_b, dark, vat)) + 0.1


def test_tokens_are_the_package_tokenizers_tokens(fast: WordLlama) -> None:
    """The word-by-word tokenizer gives the ids the package's tokenizer gives for the whole text."""
    fast.load()
    assert fast._pieces is not None
    assert fast._pieces.exact
    tokenizer = fast._tokenizer
    texts = [*ODD, *SIMILAR, *LOGIN, *UNRELATED]
    expected = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    assert fast._pieces.encode(texts) == expected
    assert fast._pieces.encode(texts) == expected  # again, from what it remembered


def test_vectors_are_the_packages_own(fast: WordLlama) -> None:
    """The package's ``embed(norm=True)`` (the same table and tokenizer, averaged over padded
    batches), on texts under 256 tokens."""
    texts = [text for text in ODD if text.strip() and len(text) < 1000] + [*SIMILAR, *LOGIN, *UNRELATED]
    reference = wordllama._import_quietly().WordLlama.load(
        wordllama.CONFIG, cache_dir=fast.files.directory, dim=wordllama.DIMENSION, disable_download=True
    )
    expected = reference.embed(texts, norm=True)
    cosines = (fast.embed(texts) * expected).sum(axis=1)
    assert cosines.min() > 0.99999, cosines


def test_empty_and_very_long_texts(fast: WordLlama) -> None:
    before = fast.truncated
    long = "The export times out again and again. " * 2700  # 100,000 characters or so
    assert len(long) > 100_000
    matrix = fast.embed(["", "   ", long, "short"])
    assert matrix.shape == (4, 256)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    assert fast.truncated - before == 1  # only the long one is cut (at 256 tokens)
    assert fast.embed([]).shape == (0, 256)
    cut = fast.embed([long[:2000]])[0]  # its first 256 tokens are all that count
    assert cosine(matrix[2], cut) > 0.99999


def test_progress_is_reported_as_it_goes(fast: WordLlama, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordllama, "BATCH", 4)
    seen: list[int] = []
    fast.embed([f"ticket number {n}" for n in range(10)], progress=seen.append)
    assert seen == [4, 4, 2]


def test_nothing_is_downloaded_nor_read_outside_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = wordllama._import_quietly()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr("requests.get", refuse)
    monkeypatch.setattr("tokenizers.Tokenizer.from_pretrained", refuse)
    resolved: list[Path] = []
    original = package.WordLlama.resolve_file.__func__

    def resolve(cls: Any, *args: Any, **kwargs: Any) -> Path:
        assert kwargs["disable_download"] is True
        path: Path = original(cls, *args, **kwargs)
        resolved.append(path)
        return path

    monkeypatch.setattr(package.WordLlama, "resolve_file", classmethod(resolve))
    fresh = WordLlama()
    assert fresh.embed(["The CSV export times out."]).shape == (1, 256)
    directory = Path(package.__file__).resolve().parent
    assert len(resolved) == 2  # the weights and the tokenizer
    assert all(path.resolve().is_relative_to(directory) for path in resolved), resolved
    assert not (tmp_path / ".cache").exists()


def test_loading_leaves_logging_alone() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    WordLlama().load()
    assert (root.handlers, root.level) == (handlers, level)


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordllama, "PACKAGE", "wordllama_that_is_not_installed")
    with pytest.raises(ModelUnavailable, match=r"not installed; install it with: pip install 'wordllama>=0\.4,<0\.5'"):
        WordLlama()
    with pytest.raises(ModelUnavailable, match="pip install 'wordllama"):
        embeddings.embedder("wordllama", Path("unused"))


def test_missing_weights_say_how_to_repair_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    incomplete = tmp_path / "incomplete_wordllama"
    (incomplete / "tokenizers").mkdir(parents=True)
    (incomplete / "__init__.py").write_text("", encoding="utf-8")
    (incomplete / "tokenizers" / "l2_supercat_tokenizer_config.json").write_text("{}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(wordllama, "PACKAGE", "incomplete_wordllama")
    with pytest.raises(ModelUnavailable, match=r"missing l2_supercat_256\.safetensors\); repair it with: pip install "):
        WordLlama()


def test_damaged_files_say_how_to_repair_them(monkeypatch: pytest.MonkeyPatch) -> None:
    package = wordllama._import_quietly()

    def damaged(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("unexpected end of file")

    monkeypatch.setattr(package.WordLlama, "load", damaged)
    with pytest.raises(ModelUnavailable, match=r"could not be read .*repair them with: pip install --force-reinstall"):
        WordLlama().load()


def test_an_unknown_model_name_lists_the_models() -> None:
    with pytest.raises(InvalidInput, match="unknown model 'wordlama'; choose one of: minilm-int8, minilm, wordllama"):
        embeddings.embedder("wordlama", Path("unused"))
    assert embeddings.DEFAULT == "minilm-int8"
    assert isinstance(embeddings.embedder("wordllama", Path("unused")), WordLlama)


def test_vectors_are_cached_under_their_own_key_beside_minilms(
    engine: Engine, fast: WordLlama, tmp_path_factory: pytest.TempPathFactory
) -> None:
    texts = [*SIMILAR, *LOGIN, *UNRELATED]
    workspace_id, ids = workspace_with(engine, texts)
    minilm = MiniLM(tmp_path_factory.getbasetemp().parent / "grounded-models", quantized=False)
    vectors.ensure(engine, workspace_id, minilm)
    first = vectors.ensure(engine, workspace_id, fast)
    assert (first.embedded, first.reused) == (6, 0)
    again = vectors.ensure(engine, workspace_id, fast)
    assert (again.embedded, again.reused) == (0, 6)
    assert vectors.key(fast) != vectors.key(minilm)
    assert vectors.key(fast).startswith("wordllama/")
    with session_scope(engine) as session:
        quick_ids, quick = vectors.load(session, workspace_id, vectors.key(fast))
        slow_ids, slow = vectors.load(session, workspace_id, vectors.key(minilm))
    assert quick_ids == slow_ids == ids
    assert (quick.shape, slow.shape) == ((6, 256), (6, 384))
    assert np.allclose(quick, fast.embed(texts), atol=1e-6)


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    runner = CliRunner()
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str) -> Any:
        result = runner.invoke(app, ["--database", database, *args])
        assert result.exit_code == 0, f"{args}: {result.stderr or result.stdout}"
        return result

    invoke("init", "Acme", "--slug", "acme")
    return invoke


def test_the_cli_embeds_and_builds_with_it(cli: Any) -> None:
    from tests.synthesis.test_build import TOPICS

    for texts in TOPICS.values():
        for text in texts:
            cli("evidence", "add", text, "--kind", "ticket")
    embedded = json.loads(cli("themes", "embed", "--model", "wordllama", "--json").stdout)
    assert embedded["model"].startswith("wordllama/")
    assert embedded["embedded"] == 24
    built = json.loads(cli("themes", "build", "--model", "wordllama", "--json").stdout)
    assert (built["evidence"], built["embedded"]) == (24, 0)
    assert built["model"] == embedded["model"]
    assert built["themes"] >= 2


# ---------------------------------------------------------------- what a million texts need
# The fast tier is for corpora where comparing every pair is out of reach: above
# EXACT_UP_TO items the neighbour search is approximate, and the merge of similar themes
# works from each theme's candidates. Both are checked here on small inputs, made to take
# the path a large corpus takes.


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _groups(count: int, size: int, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(count, 64)))
    points = np.repeat(centres, size, axis=0) + rng.normal(scale=spread, size=(count * size, 64))
    return _unit(points), np.repeat(np.arange(count), size)


@pytest.fixture
def approximate(monkeypatch: pytest.MonkeyPatch) -> None:
    from grounded.synthesis import clustering

    monkeypatch.setattr(clustering, "EXACT_UP_TO", 100)
    monkeypatch.setattr(clustering, "CELL", 100)
    monkeypatch.setattr(clustering, "PROBES", 4)


@pytest.mark.usefixtures("approximate")
def test_the_approximate_neighbour_search_finds_nearly_all_true_neighbours() -> None:
    from grounded.synthesis import clustering

    matrix, _ = _groups(count=40, size=50, spread=0.12, seed=1)
    found = clustering.nearest(matrix, 15)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    exact = np.argsort(-similarity, axis=1)[:, :15]
    recall = np.mean([len(set(a) & set(b)) / 15 for a, b in zip(found.tolist(), exact.tolist(), strict=True)])
    assert recall > 0.95, recall
    assert (found != np.arange(len(matrix))[:, None]).all()  # never the item itself
    sims = np.take_along_axis(similarity, found, axis=1)
    assert (np.diff(sims, axis=1) <= 1e-6).all()  # nearest first


@pytest.mark.usefixtures("approximate")
def test_themes_found_through_the_approximate_search() -> None:
    from sklearn.metrics import normalized_mutual_info_score

    from grounded.synthesis import clustering

    matrix, truth = _groups(count=30, size=40, spread=0.1, seed=2)
    found = clustering.discover(matrix, seed=0)
    assert "neighbour_search" in found.parameters
    assert found.count == 30
    assert normalized_mutual_info_score(truth, found.labels) > 0.99


def _merge_every_pair(vectors: np.ndarray, labels: np.ndarray, above: float) -> np.ndarray:
    """The merge as first written: all centres against all, the most similar pair merged
    while above ``above`` (the higher number into the lower)."""
    values, position = np.unique(labels, return_inverse=True)
    sums = np.zeros((len(values), vectors.shape[1]))
    np.add.at(sums, position, vectors)
    alive = np.ones(len(values), dtype=bool)
    owner = np.arange(len(values))
    while True:
        centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        similarity = centres @ centres.T
        similarity[~alive] = -np.inf
        similarity[:, ~alive] = -np.inf
        np.fill_diagonal(similarity, -np.inf)
        a, b = divmod(int(np.argmax(similarity)), len(values))
        if similarity[a, b] <= above:
            return owner[position]
        a, b = min(a, b), max(a, b)
        sums[a] += sums[b]
        alive[b] = False
        owner[owner == b] = a


def test_the_merge_from_candidates_makes_the_merges_of_every_pair() -> None:
    from sklearn.metrics import adjusted_rand_score

    from grounded.synthesis import clustering

    for seed in range(3):
        matrix, truth = _groups(count=40, size=15, spread=0.1, seed=seed)
        rng = np.random.default_rng(seed)
        labels = truth * 5 + rng.integers(0, 5, len(matrix))  # fragments, as Leiden leaves a large corpus
        strays = rng.random(len(matrix)) < 0.2
        labels[strays] = 200 + rng.integers(0, 60, int(strays.sum()))  # and mixtures of anything
        for above in (0.5, 0.8):
            expected = _merge_every_pair(matrix, labels, above)
            merged = clustering._merge_similar(matrix, labels, above)
            assert adjusted_rand_score(expected, merged) == 1.0, (seed, above)
            assert len(set(merged.tolist())) < len(set(labels.tolist()))
