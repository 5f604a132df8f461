"""Human-readable per-workspace keys (``P-12``) and the counters behind them."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grounded.db.base import table_of
from grounded.errors import Conflict, MalformedKey
from grounded.models import WorkspaceCounter

_KEY = re.compile(r"^\s*([A-Za-z]+)-([0-9]{1,9})\s*$", re.ASCII)
#: The largest number a key is written with (nine digits: it fits PostgreSQL's INTEGER).
HIGHEST_NUMBER = 999_999_999


def allocate(session: Session, *, workspace_id: uuid.UUID, prefix: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers for ``prefix``; return the first.

    One upsert with RETURNING: concurrent writers serialise on the counter row, so two
    requests can never be handed the same key.
    """
    if count < 1:
        raise ValueError("count must be positive")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(WorkspaceCounter)
    statement = (
        insert(table)
        .values(workspace_id=workspace_id, prefix=prefix, last_value=count)
        .on_conflict_do_update(
            index_elements=["workspace_id", "prefix"],
            set_={"last_value": table.c.last_value + count},
        )
        .returning(table.c.last_value)
    )
    last = int(session.execute(statement).scalar_one())
    if last > HIGHEST_NUMBER:  # the caller's unit of work is rolled back: the counter stays
        raise Conflict(
            f"every key up to {prefix}-{HIGHEST_NUMBER} is taken in this workspace: no {prefix}- key is left"
        )
    return last - count + 1


def parse_key(text: str, prefix: str, *, what: str) -> int:
    """``"p-12"`` → 12 when the prefix is ``P``; a clear error otherwise."""
    match = _KEY.match(text)
    if not match or match.group(1).upper() != prefix:
        raise MalformedKey(f"{text!r} is not a {what} key (expected {prefix}-<number>)", text=text)
    return int(match.group(2))


def normal(text: str) -> str:
    """``" p-012 "`` → ``"P-12"``; anything that is not a key comes back stripped."""
    match = _KEY.match(text)
    return f"{match.group(1).upper()}-{int(match.group(2))}" if match else text.strip()


def looks_like_key(text: str) -> bool:
    return bool(_KEY.match(text))


def as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


def format_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"
