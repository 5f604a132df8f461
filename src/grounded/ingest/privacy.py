"""Privacy at import: mask contact details and card numbers in text, hash people.

``--redact`` replaces e-mail addresses with [email], phone numbers with [phone] and
card-like numbers (13–19 digits that pass the Luhn check) with [card]. ``--hash-people``
keeps people only as a salted hash of their identifier. The run records what was done.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: An optional country code, an area code (in brackets or followed by a separator), then
#: 3–4 and 4 digits: "+44 20 7946 0958", "(555) 123-4567", "555-123-4567". Dates such as
#: 2026-11-02 do not fit (their last group has two digits).
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{4}(?!\w)")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


@dataclass
class Redactor:
    """Masks text; counts what it masked."""

    counts: Counter[str] = field(default_factory=Counter)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = CARD.sub(self._card, text)
        text, emails = EMAIL.subn("[email]", text)
        text = PHONE.sub(self._phone, text)
        self.counts["emails"] += emails
        return text

    def _card(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn(digits):
            self.counts["cards"] += 1
            return "[card]"
        return match.group(0)

    def _phone(self, match: re.Match[str]) -> str:
        if len(re.sub(r"\D", "", match.group(0))) < 7:
            return match.group(0)
        self.counts["phones"] += 1
        return "[phone]"


def person_hash(identifier: str, salt: str) -> str:
    """The stored identity of a person when people are hashed (same input, same hash)."""
    return "h:" + hashlib.sha256(f"{salt}:{identifier.strip().lower()}".encode()).hexdigest()[:32]
