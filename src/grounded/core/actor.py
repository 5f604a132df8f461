"""Who is making a change. Services record it on every audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str


SYSTEM = Actor(user_id=None, name="system")
