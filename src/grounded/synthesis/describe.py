"""What a theme is about, in words a person recognises: its distinctive terms and the
verbatim texts that show it best.

Distinctive terms are class-based TF-IDF (Grootendorst, 2022, "BERTopic: Neural topic
modeling with a class-based TF-IDF procedure"): all of a theme's texts are one document;
a term's weight is its frequency in the theme (normalised by the theme's length) times
log(1 + A / f), A the average number of words per theme and f the term's frequency over all
themes. Terms common to every theme sink; terms that mark one theme rise.

Representative texts are chosen by maximal marginal relevance (Carbonell and Goldstein,
1998): first the text closest to the theme's centre, then each next one close to the centre
but unlike those already chosen, so three quotes do not say the same thing three times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: Words that say nothing about what a ticket or note is about, on top of English stop
#: words: greetings, thanks and support-desk filler.
FILLER = frozenset(
    """
    hi hello hey dear thanks thank thx cheers regards best please pls kind kindly team support
    just really also get got would could know let like need want still anyone someone something
    one two way thing things lot bit able sure ok okay yes yeah hope asap today yesterday
    """.split()
)
_WORD = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b"


def distinctive_terms(
    texts_by_theme: Mapping[int, Sequence[str]], *, top: int = 6, share: float = 0.03
) -> dict[int, list[str]]:
    """The ``top`` most distinctive terms (words and two-word phrases) of each theme.

    Counts are of texts, not occurrences (a word repeated in one ticket counts once), and a
    term must appear in at least two of the theme's texts and ``share`` of them: a typo or
    one customer's name does not label a theme."""
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    themes = [theme for theme, texts in texts_by_theme.items() if texts]
    if not themes:
        return {}
    texts = [text for theme in themes for text in texts_by_theme[theme]]
    owner = np.repeat(np.arange(len(themes)), [len(texts_by_theme[theme]) for theme in themes])
    vectorizer = CountVectorizer(
        lowercase=True,
        token_pattern=_WORD,
        stop_words=sorted(ENGLISH_STOP_WORDS | FILLER),
        ngram_range=(1, 2),
        binary=True,
    )
    try:
        present = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words and numbers
        return {theme: [] for theme in themes}
    membership = sparse.csr_matrix(
        (np.ones(len(texts), dtype=np.float64), (owner, np.arange(len(texts)))), shape=(len(themes), len(texts))
    )
    counts = (membership @ present).tocsr()
    terms = vectorizer.get_feature_names_out()
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log1p(lengths.mean() / np.maximum(frequency, 1.0))
    out: dict[int, list[str]] = {}
    for row, theme in enumerate(themes):
        line = counts.getrow(row)
        enough = max(2.0, share * len(texts_by_theme[theme]))
        keep = line.data >= enough
        if not lengths[row] or not keep.any():
            out[theme] = []
            continue
        weights = (line.data[keep] / lengths[row]) * idf[line.indices[keep]]
        ranked = [str(terms[line.indices[keep][i]]) for i in np.argsort(-weights, kind="stable")]
        out[theme] = _without_repeats(ranked, top)
    return out


def _without_repeats(ranked: Sequence[str], top: int) -> list[str]:
    """Terms in rank order, leaving out any that repeats a word already said (a word in a
    chosen phrase, a phrase with a chosen word), so a label is not 'csv export / export'."""
    chosen: list[str] = []
    said: set[str] = set()
    for term in ranked:
        words = term.split()
        if len(words) == 1 and term in said:
            continue
        if len(words) > 1 and any(word in said for word in words):
            continue
        chosen.append(term)
        said.update(words)
        if len(chosen) == top:
            break
    return chosen


def label(terms: Sequence[str], *, words: int = 3) -> str:
    """A short label from distinctive terms: the first few, joined."""
    return " / ".join(terms[:words]) if terms else "(no distinctive words)"


def representatives(
    vectors: np.ndarray, *, count: int = 5, relevance: float = 0.7, duplicate: float = 0.97
) -> list[int]:
    """Row positions of up to ``count`` texts that show a theme best: central and diverse.
    ``vectors`` are the theme's members (unit length); near-duplicates (cosine ≥
    ``duplicate`` to one chosen) are never chosen twice."""
    if len(vectors) == 0:
        return []
    centre = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    centre = centre / norm if norm else centre
    closeness = vectors @ centre
    chosen = [int(np.argmax(closeness))]
    similar_to_chosen = vectors @ vectors[chosen[0]]
    available = similar_to_chosen < duplicate
    available[chosen[0]] = False
    while len(chosen) < count and available.any():
        score = relevance * closeness - (1 - relevance) * similar_to_chosen
        score[~available] = -np.inf
        pick = int(np.argmax(score))
        chosen.append(pick)
        picked = vectors @ vectors[pick]
        similar_to_chosen = np.maximum(similar_to_chosen, picked)
        available &= picked < duplicate
        available[pick] = False
    return chosen
