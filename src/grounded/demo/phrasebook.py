"""The shape of a phrase bank: one recurring topic of support tickets, many ways to say it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A topic people write tickets about. ``trend`` scales its share over the window:
    +1 doubles it from the first day to the last, -0.5 halves it."""

    key: str
    weight: float
    subjects: tuple[str, ...]
    cores: tuple[str, ...]
    details: tuple[str, ...]
    trend: float = 0.0
    segments: tuple[str, ...] = ("SMB", "Mid-Market", "Enterprise")
    #: "rebuilders": only accounts that rebuild reports by hand write these.
    audience: str = "all"
