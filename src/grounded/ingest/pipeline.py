"""The import pipeline: read → identify → look up → convert → write → record the run.

The file is read (in a thread, or for big files a process of its own: see worker) into
batches sorted into new, changed, unchanged and quarantined rows; this process writes each
batch in one transaction that also advances the run's checkpoint, so an interrupted import
leaves whole batches only, and running it again resumes after the last one. Every row read
ends as new, updated, unchanged or quarantined; the counts add up.

What a row becomes (evidence, a request, an account, a usage event) is its target's
business (see protocols and targets); everything else here is the same for all of them.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.db.base import table_of
from grounded.db.engine import session_scope, sqlite_path
from grounded.errors import GroundedError, ImportRejected, Interrupted
from grounded.ingest import sources, targets
from grounded.ingest.checkpointer import Checkpointer, fold_log
from grounded.ingest.columnar import ColumnarFeed
from grounded.ingest.mapping import Mapping
from grounded.ingest.protocols import Context, Failed, ImportOptions
from grounded.ingest.readers.base import clip
from grounded.ingest.readers.parquetfile import ParquetReader
from grounded.ingest.schemas import QuarantineCreate, SourceCounts, SourceCreate
from grounded.ingest.store import check_references, stored_any
from grounded.ingest.worker import SEPARATE_FROM_BYTES, ProcessFeed, ThreadFeed, Unit, quiet_collector
from grounded.models import QuarantinedRow, Source, Workspace
from grounded.models.enums import SourceStatus

__all__ = ["ImportOptions", "ImportReport", "file_hash", "run"]

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    file: str
    source_key: str
    target: str
    source: str | None = None
    counts: SourceCounts = field(default_factory=SourceCounts)
    accounts_created: int = 0
    people_created: int = 0
    quotes: int = 0
    redacted: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    resumed_from: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    #: "thread" or "process": where the file was read.
    reader: str = "thread"
    #: Rows earlier runs quarantined that this one stored (so they are resolved).
    resolved: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.counts.rows_read / self.seconds if self.seconds else 0.0


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file():
                digest.update(child.name.encode())
                digest.update(child.read_bytes())
        return digest.hexdigest()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run(
    engine: Engine,
    *,
    workspace_id: Any,
    path: Path,
    mapping: Mapping,
    actor: Actor,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` with ``mapping`` into the workspace; see the module docstring."""
    return _Import(
        engine, workspace_id, path, mapping, actor=actor, options=options or ImportOptions(), progress=progress
    ).run()


class _Import:
    def __init__(
        self,
        engine: Engine,
        workspace_id: Any,
        path: Path,
        mapping: Mapping,
        *,
        actor: Actor,
        options: ImportOptions,
        progress: Progress | None,
    ) -> None:
        self.engine, self.workspace_id, self.path, self.mapping = engine, workspace_id, path, mapping
        self.actor, self.options, self.progress = actor, options, progress or (lambda _n: None)
        self.kind = targets.kind(mapping.target)
        self.context = Context(
            path=path, mapping=mapping, options=options, workspace_id=workspace_id, workspace_slug=""
        )
        # Opened here even when a separate process will read: a file or mapping that cannot
        # work is refused before anything is recorded, and the notes are the same.
        self.reader = targets.open_reader_for(self.context)
        self.converter = self.kind.converter(self.context, self.reader.columns)
        self.writer = self.kind.writer(self.context)
        self.report = ImportReport(
            file=path.name,
            source_key=mapping.source,
            target=mapping.target,
            dry_run=options.dry_run,
            notes=[*self.reader.notes, *self.converter.notes, *self.writer.notes],
        )
        self.source: Source | None = None
        self.checkpointer: Checkpointer | None = None
        self.bulk = False

    def run(self) -> ImportReport:
        started = time.perf_counter()
        process = self._reading_process()
        try:
            digest = file_hash(self.path)
            with session_scope(self.engine) as session:
                workspace = session.get(Workspace, self.workspace_id)
                assert workspace is not None
                self.source = None if self.options.dry_run else self._source(session, workspace, digest)
                self.writer.start(session, workspace, self.source)
                self.context = replace(self.context, workspace_slug=workspace.slug, checkpoint=self.report.resumed_from)
        except BaseException:
            if process is not None:
                process.close()
            raise
        feed = self._feed() if process is None else process
        if isinstance(feed, ProcessFeed):
            feed.context = self.context
        self.checkpointer = Checkpointer.for_engine(self.engine)
        # Request sheets go through the request service (the ORM), whose writes are not
        # checked set-wise: they keep SQLite's own checks. They are small.
        self.bulk = self.checkpointer is not None and self.mapping.target != "requests"
        try:
            with quiet_collector():
                for unit in feed:
                    self._write(unit)
        except BaseException as failure:
            self._interrupted(failure)
            if isinstance(failure, KeyboardInterrupt) and self.source is not None:
                counts = self.report.counts
                kept = counts.new_count + counts.updated_count + counts.unchanged_count + counts.quarantined_count
                raise Interrupted(
                    f"interrupted: {kept:,} rows of {self.context.path.name} were read and kept before it stopped; "
                    f"{self.source.key} is marked incomplete: run the same command again to finish it"
                ) from None
            raise
        finally:
            feed.close()
            if self.checkpointer is not None:
                self.checkpointer.finish()
            self.report.seconds = time.perf_counter() - started
        self.writer.finish(self.report, feed.stats())
        self._finish()
        return self.report

    def _columnar(self) -> bool:
        if self.mapping.target == "events" and isinstance(self.reader, ParquetReader):
            from grounded.ingest.columnar import EventColumns

            return EventColumns.supports(self.context)
        return False

    def _reading_process(self) -> ProcessFeed | None:
        """A separate reading process for a big file, started before the run is prepared."""
        if self._columnar():
            return None
        separate = self.options.separate_reader
        in_memory = self.engine.dialect.name == "sqlite" and sqlite_path(self.engine.url) is None
        if separate is None:
            separate = not in_memory and _size(self.path) >= SEPARATE_FROM_BYTES
        if not separate or in_memory:
            return None
        self.report.reader = "process"
        with self.engine.connect() as connection:
            reimport = stored_any(connection, self.context.workspace_id, self.mapping.source)
        feed = ProcessFeed(self.context, self.engine.url.render_as_string(hide_password=False), reimport=reimport)
        feed.start()
        return feed

    def _feed(self) -> ThreadFeed | ColumnarFeed:
        if self._columnar():
            self.report.reader = "columns"
            return ColumnarFeed(self.context, self.reader, self.kind.index(self.context).known)  # type: ignore[attr-defined]
        index = self.kind.index(self.context)
        return ThreadFeed(self.context, self.reader, self.converter, index)

    def _source(self, session: Session, workspace: Workspace, digest: str) -> Source:
        resumable = _resumable(session, workspace, self.mapping.source, digest)
        if resumable is not None:
            sources.resume(session, resumable, actor=self.actor)
            self.report.resumed_from = int(resumable.options.get("checkpoint", 0))
            self.report.counts = _counts(resumable)
            source = resumable
        else:
            source = sources.start(
                session,
                workspace,
                actor=self.actor,
                data=SourceCreate(
                    source_key=self.mapping.source,
                    kind=self.mapping.target,
                    file_name=self.path.name,
                    file_hash=digest,
                    mapping=self.mapping.model_dump(mode="json"),
                    options={"redact": self.options.redact, "hash_people": self.options.hash_people},
                ),
            )
        source.options = {**source.options, "pid": os.getpid(), "host": socket.gethostname()}
        self.report.source = source.key
        return source

    # ------------------------------------------------------------------ one batch
    def _write(self, unit: Unit) -> None:
        with session_scope(self.engine, bulk=self.bulk) as session:
            batch = unit(session.connection())
            counts = self._write_rows(session, batch.new, batch.changed)
            if self.source is not None:
                self._quarantine(session, batch.failed)
            self._count(batch.read, counts[0], counts[1], batch.unchanged + counts[2], len(batch.failed))
            if self.source is not None:
                self._checkpoint(session, batch.last)
                # What every row of the batch names besides its own references.
                check_references(
                    session,
                    table_of(QuarantinedRow),
                    ("workspace_id", "source_id"),
                    [(self.source.workspace_id.hex, self.source.id.hex)],
                )
        if self.checkpointer is not None:
            self.checkpointer.committed()
        self.progress(batch.read)

    def _write_rows(self, session: Session, new: list[Any], changed: list[tuple[Any, Any]]) -> tuple[int, int, int]:
        """Write; if another import stored some of the "new" ids since they were looked up,
        look them up again and write those as changes."""
        self.writer.prepare(session, [*new, *(row for row, _ in changed)])
        try:
            with session.begin_nested():
                return self.writer.write(session, new, changed, dry_run=self.options.dry_run)
        except (sa.exc.IntegrityError, self.engine.dialect.loaded_dbapi.IntegrityError):
            index = self.kind.index(self.context)
            to_write = index.sort(session.connection(), [(row.external_id, row.row_hash) for row in new])
            if all(to_write.get(row.external_id, 0) is None for row in new):
                raise  # not a race with another import: a real error
            unchanged = sum(1 for row in new if row.external_id not in to_write)
            changed = [*changed, *((r, to_write[r.external_id]) for r in new if to_write.get(r.external_id))]
            new = [row for row in new if row.external_id in to_write and to_write[row.external_id] is None]
            written = self.writer.write(session, new, changed, dry_run=self.options.dry_run)
            return written[0], written[1], written[2] + unchanged

    def _quarantine(self, session: Session, failed: Sequence[Failed]) -> None:
        assert self.source is not None
        sources.quarantine(
            session,
            self.source,
            [
                QuarantineCreate(
                    row_number=item.number,
                    raw=item.raw,
                    reason=clip(item.reason, 2000),
                    field=item.field,
                    external_id=item.external_id if item.external_id and len(item.external_id) <= 200 else None,
                )
                for item in failed
            ],
        )
        for item in failed[: max(0, 5 - len(self.report.examples))]:
            self.report.examples.append(f"row {item.number}: {item.reason}")

    def _count(self, read: int, new: int, changed: int, unchanged: int, failed: int) -> None:
        counts = self.report.counts
        counts.rows_read += read
        counts.new_count += new
        counts.updated_count += changed
        counts.unchanged_count += unchanged
        counts.quarantined_count += failed

    def _checkpoint(self, session: Session, last: int) -> None:
        assert self.source is not None
        self.source.options = {**self.source.options, "checkpoint": last}
        session.execute(
            sa.update(Source)
            .where(Source.id == self.source.id)
            .values(**self.report.counts.model_dump(), options=self.source.options)
        )

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        if self.source is None:
            return
        with session_scope(self.engine) as session:
            source = session.get(Source, self.source.id)
            assert source is not None
            source.options = {
                **self.source.options,
                "redacted": self.report.redacted,
                "quotes": self.report.quotes,
                "accounts_created": self.report.accounts_created,
                "people_created": self.report.people_created,
                "notes": self.report.notes,
            }
            self.report.resolved = self.writer.resolve_quarantine(session, source)
            sources.finish(
                session,
                source,
                counts=self.report.counts,
                actor=self.actor,
                message=f"{self.report.rows_per_second:,.0f} rows/s",
            )
        fold_log(self.engine)
        _refresh_statistics(self.engine, self.report.counts.new_count + self.report.counts.updated_count)

    def _interrupted(self, failure: BaseException) -> None:
        """Record why the run stopped; the batches already committed stay, the rest resumes."""
        if self.source is None:
            return
        status = SourceStatus.INCOMPLETE if isinstance(failure, KeyboardInterrupt) else SourceStatus.FAILED
        reason = "interrupted" if isinstance(failure, KeyboardInterrupt) else f"stopped: {failure}"
        try:
            with session_scope(self.engine) as session:
                source = session.get(Source, self.source.id)
                if source is not None and source.status == SourceStatus.RUNNING:
                    sources.finish(
                        session,
                        source,
                        counts=self.report.counts,
                        status=status,
                        actor=self.actor,
                        message=f"{reason} after row {source.options.get('checkpoint', 0)}; "
                        "run the same import again to finish it",
                    )
        except (GroundedError, sa.exc.SQLAlchemyError):  # noqa: S110
            pass  # the run stays marked running; the next attempt sees its process is gone


def _counts(source: Source) -> SourceCounts:
    return SourceCounts(**{name: getattr(source, name) for name in SourceCounts.model_fields})


def _resumable(session: Session, workspace: Workspace, source_key: str, digest: str) -> Source | None:
    """The unfinished run of the same file, if there is one to continue."""
    candidate = session.scalars(
        sa.select(Source)
        .where(Source.workspace_id == workspace.id, Source.source_key == source_key, Source.file_hash == digest)
        .order_by(Source.number.desc())
        .limit(1)
    ).first()
    if candidate is None or candidate.status == SourceStatus.COMPLETED:
        return None
    if candidate.status == SourceStatus.RUNNING:
        if _alive(candidate):
            raise ImportRejected(
                f"{candidate.key} is importing this file right now "
                f"(process {candidate.options.get('pid')}); wait for it to finish"
            )
        sources.finish(
            session,
            candidate,
            counts=_counts(candidate),
            status=SourceStatus.INCOMPLETE,
            actor=Actor(None, "system"),
            message="the importing process stopped without finishing",
        )
    return candidate


def _alive(source: Source) -> bool:
    pid, host = source.options.get("pid"), source.options.get("host")
    if host != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


#: Rows written by one import after which PostgreSQL's planner statistics are refreshed.
ANALYZE_AFTER = 10_000


def _refresh_statistics(engine: Engine, written: int) -> None:
    """After a big import, give PostgreSQL's planner the table's new shape at once rather
    than when autovacuum gets to it: every query that follows (the next import's lookups,
    search, listings) is planned on it. SQLite plans without statistics here."""
    if engine.dialect.name == "postgresql" and written >= ANALYZE_AFTER:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE evidence, account, person")


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(child.stat().st_size for child in path.iterdir() if child.is_file())
    return path.stat().st_size
