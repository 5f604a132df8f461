"""Answers kept for a few seconds: the figures of the home page and the themes list count
every item of the workspace, tens of milliseconds at 100,000 items, and a team reloads them
far more often than they change.

Each answer is kept per workspace for ``SECONDS``. A change made through this process (any
POST, PUT, PATCH or DELETE in the workspace) forgets the workspace's answers at once; a
change made elsewhere (another worker, the CLI, an import) shows within ``SECONDS``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
SECONDS = 10.0
#: Entries kept at most (oldest dropped first): a few per workspace.
MOST = 512


class Recent:
    def __init__(self, seconds: float = SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._kept: dict[tuple[uuid.UUID, Hashable], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, workspace_id: uuid.UUID, key: Hashable, make: Callable[[], T]) -> T:
        """The answer kept for ``key`` in the workspace, or a new one from ``make``."""
        now = self.clock()
        with self._lock:
            found = self._kept.get((workspace_id, key))
        if found is not None and found[0] > now:
            kept: T = found[1]
            return kept
        answer = make()
        with self._lock:
            if len(self._kept) >= MOST:
                self._kept.pop(next(iter(self._kept)))
            self._kept[(workspace_id, key)] = (now + self.seconds, answer)
        return answer

    def forget(self, workspace_id: uuid.UUID) -> None:
        with self._lock:
            for entry in [k for k in self._kept if k[0] == workspace_id]:
                del self._kept[entry]
