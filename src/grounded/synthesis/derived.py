"""Per-evidence values derived from the text (sentiment, language), cached like vectors:
each row keeps the content hash it was made from and the version of what made it, so an
edited text is done again and nothing else is."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.models import Evidence

#: Rows read and written per statement.
CHUNK = 2000


class Cache:
    """One derived table: ``model`` has evidence_id, workspace_id, content_hash, created_at,
    a version column named ``by`` and a value column named ``value``."""

    def __init__(self, model: Any, *, by: str, value: str, version: Callable[[], str]) -> None:
        self.model, self.by, self.value, self.version = model, by, value, version

    def current(self) -> sa.ColumnElement[bool]:
        """The join of an Evidence row to its current cached row (same version, same text)."""
        return sa.and_(
            self.model.evidence_id == Evidence.id,
            getattr(self.model, self.by) == self.version(),
            self.model.content_hash == Evidence.content_hash,
        )

    def ensure(
        self,
        session: Session,
        workspace_id: uuid.UUID,
        compute: Callable[[Sequence[str]], Sequence[Any]],
        evidence_ids: Iterable[uuid.UUID] | None = None,
    ) -> int:
        """Compute the value for the workspace's evidence (or just ``evidence_ids``) that has
        no current one; how many were computed."""
        statement = (
            sa.select(Evidence.id, Evidence.text, Evidence.content_hash)
            .outerjoin(self.model, self.current())
            .where(Evidence.workspace_id == workspace_id, self.model.evidence_id.is_(None))
        )
        wanted = list(evidence_ids) if evidence_ids is not None else None
        batches = (
            [statement]
            if wanted is None
            else [statement.where(Evidence.id.in_(wanted[i : i + CHUNK])) for i in range(0, len(wanted), CHUNK)]
        )
        done = 0
        for batch in batches:
            rows = session.execute(batch).all()
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                values = compute([r.text for r in chunk])
                session.execute(sa.delete(self.model).where(self.model.evidence_id.in_([r.id for r in chunk])))
                now, version = utcnow(), self.version()
                session.execute(
                    sa.insert(self.model),
                    [
                        {
                            "workspace_id": workspace_id,
                            "evidence_id": r.id,
                            self.by: version,
                            "content_hash": r.content_hash,
                            self.value: value,
                            "created_at": now,
                        }
                        for r, value in zip(chunk, values, strict=True)
                    ],
                )
                done += len(chunk)
        session.flush()
        return done

    def read(self, session: Session, evidence_ids: Iterable[uuid.UUID], *extra: Any) -> list[Any]:
        """Rows of (evidence id, current value or None, *extra columns of Evidence)."""
        wanted = list(evidence_ids)
        found: list[Any] = []
        for start in range(0, len(wanted), CHUNK):
            found += session.execute(
                sa.select(Evidence.id, getattr(self.model, self.value).label("value"), *extra)
                .outerjoin(self.model, self.current())
                .where(Evidence.id.in_(wanted[start : start + CHUNK]))
            ).all()
        return found
