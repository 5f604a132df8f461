"""The language each evidence item is written in, so text the English embedding model can't
place is marked and kept out of English themes.

Detection is lingua's (Pemistahl, lingua-py, Apache-2.0; n-gram models shipped in the
wheel, nothing downloaded) in low-accuracy mode over ``LANGUAGES``, with a minimum relative
distance of 0.25 between the best and second-best language: a text too short or too mixed
to tell ("ok", "CSV export") gets no language and is treated as English, which is what the
product vocabulary in such snippets usually is. Low-accuracy mode loads in a fraction of a
second in about 40 MB and detects over ten thousand texts a second on two cores.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from sqlalchemy.orm import Session

from grounded.models import EvidenceLanguage
from grounded.synthesis.derived import Cache

ENGLISH = "en"
#: The languages told apart: the ones customers most often write in, across scripts.
LANGUAGES = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "PORTUGUESE", "ITALIAN", "DUTCH", "SWEDISH", "DANISH",
    "BOKMAL", "FINNISH", "POLISH", "CZECH", "TURKISH", "RUSSIAN", "UKRAINIAN", "ARABIC", "HEBREW",
    "HINDI", "JAPANESE", "CHINESE", "KOREAN", "INDONESIAN", "VIETNAMESE",
)  # fmt: skip
MIN_RELATIVE_DISTANCE = 0.25
#: Detected from the first this many characters.
MAX_CHARS = 2000


def detector_key() -> str:
    return f"lingua/{version('lingua-language-detector')}/low/{len(LANGUAGES)}/g{GUARDS}"


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in LANGUAGES))
        .with_low_accuracy_mode()
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )


#: A text in Latin letters with fewer words than this is not called non-English: "CSV
#: export" looks Vietnamese to an n-gram model, and product words are English anyway.
MIN_WORDS = 4


#: Common English words that are not also common words of the other languages told apart
#: ("a", "no", "in", "was", "will", "so", "we", "my" are left out: they are Spanish, Italian,
#: German, Dutch or Polish too). A text in Latin letters where at least ``ENGLISH_SHARE`` of
#: the words are among them is English whatever the n-grams say: low-accuracy mode calls
#: about 1% of the demo's (English, typo-ridden) tickets Finnish, Norwegian or French.
FUNCTION_WORDS = frozenset(
    "the and with you your this that these those they their them what when where which who would should "
    "could have has had been were are of our there here get got it its can't don't doesn't isn't i'm it's "
    "we're we've i've you're they're".split()
)
ENGLISH_SHARE = 0.12
#: Bumped when the guards change: every cached language is then stale.
GUARDS = 3
_WORD = re.compile(r"[a-z'’]+")


def _looks_english(text: str) -> bool:
    words = _WORD.findall(text.lower())
    return bool(words) and sum(w in FUNCTION_WORDS for w in words) >= ENGLISH_SHARE * len(words)


def detect(texts: Sequence[str]) -> list[str | None]:
    """ISO 639-1 codes (``de``), or None where the text can't be told."""
    cut = [t[:MAX_CHARS] for t in texts]
    found = _detector().detect_languages_in_parallel_of(cut)
    codes: list[str | None] = []
    for text, language in zip(cut, found, strict=True):
        code = None if language is None else language.iso_code_639_1.name.lower()
        if code not in (None, ENGLISH) and text.isascii() and len(text.split()) < MIN_WORDS:
            code = None
        elif code not in (None, ENGLISH) and (
            (text.isascii() and _looks_english(text)) or _english_after_all(text, code)
        ):
            code = ENGLISH
        codes.append(code)
    return codes


#: A second look, in lingua's high-accuracy mode between English and the language the first
#: look chose: at this English confidence or more the text is English. On the demo's
#: English texts the first look called foreign, the second gives 0.38–0.94; on real
#: German, Spanish, Italian, Portuguese, Dutch and French complaints, 0.00–0.27.
SECOND_LOOK_ENGLISH = 0.35


def _english_after_all(text: str, code: str) -> bool:
    return float(_pair(code).compute_language_confidence(text, _english())) >= SECOND_LOOK_ENGLISH


def _english() -> Any:
    from lingua import Language

    return Language.ENGLISH


@lru_cache(maxsize=len(LANGUAGES))
def _pair(code: str) -> Any:
    """A high-accuracy detector between English and one other language (loads two models)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    other = Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    return LanguageDetectorBuilder.from_languages(_english(), other).build()


def is_english(language: str | None) -> bool:
    return language is None or language == ENGLISH


_CACHE = Cache(EvidenceLanguage, by="detector", value="language", version=detector_key)


def ensure(session: Session, workspace_id: uuid.UUID, evidence_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Detect the language of the evidence (all, or ``evidence_ids``) that has none yet."""
    return _CACHE.ensure(session, workspace_id, detect, evidence_ids)


def languages(session: Session, evidence_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Each item's detected language (None: English or can't tell)."""
    return {r.id: r.value for r in _CACHE.read(session, evidence_ids)}
