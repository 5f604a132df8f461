"""Folding SQLite's write-ahead log into the database beside an import, not inside it.

In WAL mode every page a commit writes goes to the log first and is copied into the
database by a checkpoint, which SQLite runs inside the committing call once the log
passes 1,000 pages: the importing thread then waited on the copy and on its fsyncs, a
quarter of its time on a million new rows (docs/performance.md). An import's batches turn
that off for their connection (``session_scope(..., bulk=True)``), and this thread, on a
connection of its own, checkpoints after each commit while the next batch is being
written. PASSIVE checkpoints never wait for readers or writers, so nothing blocks on it;
what it has not copied when the import ends is copied then (``finish``).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from sqlalchemy.engine import Engine

from grounded.db.engine import sqlite_path


class Checkpointer:
    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._due = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="grounded-wal-checkpoint", daemon=True)
        self._thread.start()

    @classmethod
    def for_engine(cls, engine: Engine) -> Checkpointer | None:
        """One for a SQLite file; None for PostgreSQL and in-memory SQLite (no log to fold)."""
        path = sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
        return cls(path) if path is not None else None

    def committed(self) -> None:
        """A batch was committed: its pages can be copied now."""
        self._due.set()

    def finish(self) -> None:
        """Stop the thread, then fold in whatever the log still holds."""
        self._stop = True
        self._due.set()
        self._thread.join()
        self._checkpoint()
        self._connection.close()

    def _run(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            if self._stop:
                return
            self._checkpoint()

    def _checkpoint(self) -> None:
        # A failed checkpoint loses nothing (the log keeps the pages and the next one, or
        # SQLite's own on the next write, copies them): the import must not fail for it.
        with contextlib.suppress(sqlite3.Error):
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


def fold_log(engine: Engine) -> None:
    """Fold the write-ahead log into the database after a big import (SQLite only)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
