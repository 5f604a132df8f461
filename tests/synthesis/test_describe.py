"""Theme descriptions: distinctive terms by class-based TF-IDF, representatives by MMR."""

from __future__ import annotations

import numpy as np

from grounded.synthesis.describe import distinctive_terms, label, representatives
from grounded.synthesis.embeddings.minilm import MiniLM

EXPORTS = [
    "Hi team, the CSV export times out again for our big account, thanks",
    "csv export timeout on the revenue report",
    "Export to CSV fails with a timeout after 60 seconds",
    "the export keeps timing out, csv never arrives",
]
LOGIN = [
    "Cannot log in with SSO since the update",
    "SSO login broken, Okta says invalid assertion",
    "login via SSO fails for the whole finance team",
]
BILLING = [
    "Invoice shows the wrong VAT number",
    "Please correct the VAT number on last month's invoice",
    "invoice VAT id is wrong again",
]


def test_each_theme_gets_the_words_that_set_it_apart() -> None:
    terms = distinctive_terms({1: EXPORTS, 2: LOGIN, 3: BILLING}, top=4)
    assert set(terms[1][:2]) == {"csv", "export"}
    assert terms[1][2] == "timeout"
    assert "sso" in terms[2][:2]
    assert {"vat", "invoice"} <= set(" ".join(terms[3][:3]).split())
    for words in terms.values():  # filler and stop words never make a label
        assert not {"hi", "thanks", "the", "team", "please"} & set(words)
    assert label(terms[3]).count(" / ") == 2  # three words
    assert label(terms[2]) == "sso / login"  # only two words are in two of its texts


def test_a_word_said_by_a_chosen_phrase_is_not_repeated() -> None:
    terms = distinctive_terms({1: ["csv export"] * 3, 2: ["sso login"] * 2}, top=3)
    said = [word for term in terms[1] for word in term.split()]
    assert sorted(said) == ["csv", "export"]  # "csv export", or "csv" and "export": never both
    phrase_first = distinctive_terms({1: ["weekly spreadsheet rebuild"] * 3 + ["spreadsheet"], 2: ["weekly"]})
    assert phrase_first[1][0] == "spreadsheet"
    assert "weekly spreadsheet" not in phrase_first[1]


def test_a_word_in_one_text_only_never_labels_a_theme() -> None:
    texts = ["the chaarts are slow", "charts are slow to load", "slow charts again", "charts slow on monday"]
    terms = distinctive_terms({1: texts, 2: LOGIN})
    assert "chaarts" not in terms[1]
    assert "monday" not in terms[1]
    assert set(terms[1][:2]) == {"charts", "slow"}


def test_themes_without_words_get_an_honest_label() -> None:
    terms = distinctive_terms({1: ["the and of", "12 34"], 2: []})
    assert terms == {1: []}
    assert label([]) == "(no distinctive words)"
    assert distinctive_terms({}) == {}


def test_representatives_are_central_then_diverse_and_never_duplicates(model: MiniLM) -> None:
    texts = [*EXPORTS, EXPORTS[1], "csv export timeout on the revenue report!", LOGIN[0]]
    vectors = model.embed(texts)
    chosen = representatives(vectors, count=5)
    assert len(chosen) == len(set(chosen))
    assert chosen[0] in range(4) or chosen[0] in (4, 5)  # an export text is the centre
    picked = [texts[i] for i in chosen]
    assert picked.count(EXPORTS[1]) + picked.count("csv export timeout on the revenue report!") <= 1
    closeness = vectors @ (vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0)))
    assert chosen[0] == int(np.argmax(closeness))


def test_representatives_of_tiny_themes() -> None:
    assert representatives(np.zeros((0, 384), dtype=np.float32)) == []
    one = np.eye(1, 384, dtype=np.float32)
    assert representatives(one) == [0]
