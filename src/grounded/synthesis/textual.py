"""Whether a text has enough words to be about something."""

from __future__ import annotations

import re

#: Texts with fewer words than this ("ok", "?", "thanks") are about nothing: they stay
#: unthemed instead of making a theme of their own.
MIN_WORDS = 2
_WORD = re.compile(r"\w+")


def wordy(text: str) -> bool:
    """At least MIN_WORDS words, or a few characters of a script written without spaces."""
    words = _WORD.findall(text)
    return len(words) >= MIN_WORDS or sum(len(w) for w in words if not w.isascii()) >= 2 * MIN_WORDS
