"""What makes generated text read like people wrote it in a hurry: typos, tone, casing."""

from __future__ import annotations

import random
import re

MISSPELLINGS = {
    "the": "teh",
    "receive": "recieve",
    "separate": "seperate",
    "definitely": "definately",
    "dashboard": "dashbaord",
    "report": "reprot",
    "because": "becuase",
    "export": "exprot",
    "weekly": "weekyl",
    "spreadsheet": "spreadhseet",
    "every": "evrey",
    "manually": "manualy",
    "really": "realy",
    "which": "wich",
    "their": "thier",
    "doesn't": "doesnt",
    "can't": "cant",
    "please": "pls",
    "thanks": "thx",
    "because,": "cuz,",
}
_WORD = re.compile(r"[A-Za-z']+")


def typos(rng: random.Random, text: str, rate: float) -> str:
    """Misspell about ``rate`` of the words: known slips first, else a swapped, dropped or
    doubled letter."""

    def slip(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= rate:
            return word
        known = MISSPELLINGS.get(word.lower())
        if known and rng.random() < 0.7:
            return known
        return _mangle(rng, word)

    return _WORD.sub(slip, text)


def _mangle(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    action = rng.randrange(3)
    if action == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if action == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def roughen(rng: random.Random, text: str) -> str:
    """Typos for some, all-lowercase for a few, missing final punctuation for others."""
    if rng.random() < 0.45:
        text = typos(rng, text, rate=rng.choice((0.02, 0.04, 0.07)))
    if rng.random() < 0.12:
        text = text.lower()
    if rng.random() < 0.15:
        text = text.rstrip(".!?")
    return text
