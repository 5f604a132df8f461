"""Counts kept between changes: a list's total (``count(*)`` over 100,000 evidence items
costs milliseconds every page) is counted again only when the database has changed.

On SQLite each pooled connection keeps the totals it counted, with two marks of the state
they were counted in: ``PRAGMA data_version``, which changes when any other connection (any
process: another worker, the CLI, an import) has committed since, and the connection's own
``total_changes``, which grows with every row this connection writes, committed or not. A
kept total is used only when both marks are unchanged, so it is always what counting again
would give. (Within a transaction the pragma reads the transaction's own snapshot, the one
the rest of the request reads.) A rollback leaves both marks as they were while undoing
rows a total may have counted, so it forgets the connection's totals (:func:`forget`, on
the engine's rollback events). Other databases count every time.

:func:`kept` keeps any answer so, not only a count: full-text search keeps the best-scored
candidates of a query (``grounded.search.sqlite_rank``) the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Where a pooled connection keeps its totals (in the pool's per-connection ``info``).
INFO_KEY = "grounded_counts"
#: Totals kept per connection at most (least recently used dropped first).
MOST = 256


def count(session: Session, statement: Select[Any]) -> int:
    """``statement`` (a ``SELECT count(*) …``) run, or its total kept since nothing changed."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return int(session.execute(statement).scalar_one())
    compiled = statement.compile(dialect=connection.dialect)
    key = (compiled.string, repr(sorted(compiled.params.items())))
    return kept(session, key, lambda: int(session.execute(statement).scalar_one()))


def kept(session: Session, key: tuple[str, str], counting: Callable[[], T]) -> T:
    """``counting()``, or what it gave last time on this connection for ``key`` (the
    statement and its parameters, as text) when nothing has changed since. Other
    databases count every time. What ``counting`` gives must not be changed by its callers
    (a tuple, say): later calls are given the same object."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return counting()
    version = int(connection.exec_driver_sql("PRAGMA data_version").scalar_one())
    mark = (version, connection.connection.dbapi_connection.total_changes)  # type: ignore[union-attr]
    totals: OrderedDict[tuple[str, str], tuple[tuple[int, int], Any]]
    totals = connection.info.setdefault(INFO_KEY, OrderedDict())
    found = totals.get(key)
    if found is not None and found[0] == mark:
        totals.move_to_end(key)
        return cast("T", found[1])
    total = counting()
    totals[key] = (mark, total)
    totals.move_to_end(key)
    while len(totals) > MOST:
        totals.popitem(last=False)
    return total


def forget(connection: Connection, *_: Any) -> None:
    """Drop the totals ``connection`` kept (its transaction or a savepoint rolled back)."""
    connection.info.pop(INFO_KEY, None)
