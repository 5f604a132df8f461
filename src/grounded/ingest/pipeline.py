"""The import pipeline: read → map → validate → upsert → record the run.

A reader thread parses and converts rows while this thread writes them: SQLite and
psycopg release the interpreter lock inside every statement, so the two overlap on two
cores. Each batch is one transaction that also advances the run's checkpoint, so an
interrupted import leaves whole batches only, and running it again resumes after the last
one. Every row read ends as new, updated, unchanged or quarantined; the counts add up.

What a row becomes (evidence, a request, an account, a usage event) is the ``Target``'s
business; everything else here is the same for all of them.
"""

from __future__ import annotations

import hashlib
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.db.engine import session_scope
from grounded.errors import GroundedError, ImportRejected
from grounded.ingest import sources
from grounded.ingest.fields import RowProblem
from grounded.ingest.mapping import Mapping
from grounded.ingest.readers import Reader, Record, open_reader
from grounded.ingest.readers.base import clip
from grounded.ingest.schemas import QuarantineCreate, SourceCounts, SourceCreate
from grounded.models import Source, Workspace
from grounded.models.enums import SourceStatus

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    redact: bool = False
    hash_people: bool = False
    batch_rows: int = 10_000
    max_field_chars: int = 1_000_000
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: Where usage events are stored (``<data dir>/workspaces/<slug>/events``).
    data_dir: Path | None = None


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

    @property
    def rows_per_second(self) -> float:
        return self.counts.rows_read / self.seconds if self.seconds else 0.0


@dataclass
class Item:
    """A record as the writer sees it: converted, or with the reason it cannot be."""

    record: Record
    row: Any = None
    problem: str | None = None
    field: str | None = None


class Target(Protocol):
    """What a kind of import does with rows (see evidence_target, accounts, events)."""

    notes: list[str]

    def convert(self, values: dict[str, Any]) -> Any: ...  # has .external_id and .row_hash

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None: ...

    def check(self, row: Any) -> None: ...

    def write(self, session: Session, rows: list[Any], *, dry_run: bool) -> tuple[int, int, int]: ...

    def finish(self, report: ImportReport) -> None: ...


TargetFactory = Callable[[Mapping, Reader, str, ImportOptions], Target]


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
    from grounded.ingest.targets import factory

    return _Import(
        engine,
        workspace_id,
        path,
        mapping,
        actor=actor,
        options=options or ImportOptions(),
        progress=progress,
        make_target=factory(mapping.target),
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
        make_target: TargetFactory,
    ) -> None:
        self.engine, self.workspace_id, self.path, self.mapping = engine, workspace_id, path, mapping
        self.actor, self.options, self.progress = actor, options, progress or (lambda _n: None)
        self.reader: Reader = open_reader(
            path,
            format_=options.format or mapping.format,
            encoding=options.encoding or mapping.encoding,
            delimiter=options.delimiter or mapping.delimiter,
            header=mapping.header,
            max_field_chars=options.max_field_chars,
        )
        self.target = make_target(mapping, self.reader, path.name, options)
        self.report = ImportReport(
            file=path.name,
            source_key=mapping.source,
            target=mapping.target,
            dry_run=options.dry_run,
            notes=[*self.reader.notes, *self.target.notes],
        )
        self.stop = threading.Event()
        self.source: Source | None = None

    def run(self) -> ImportReport:
        started = time.perf_counter()
        digest = file_hash(self.path)
        with session_scope(self.engine) as session:
            workspace = session.get(Workspace, self.workspace_id)
            assert workspace is not None
            self.source = None if self.options.dry_run else self._source(session, workspace, digest)
            self.target.start(session, workspace, self.source)
        try:
            self._write_all()
        except BaseException as failure:
            self._interrupted(failure)
            raise
        finally:
            self.report.seconds = time.perf_counter() - started
        self.target.finish(self.report)
        self._finish()
        return self.report

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

    # ------------------------------------------------------------------ the two threads
    def _write_all(self) -> None:
        batches: queue.Queue[list[Item] | BaseException | None] = queue.Queue(maxsize=3)
        producer = threading.Thread(target=self._produce, args=(batches,), name="grounded-import-reader", daemon=True)
        producer.start()
        try:
            while (batch := batches.get()) is not None:
                if isinstance(batch, BaseException):
                    raise batch
                self._write(batch)
                self.progress(len(batch))
        finally:
            self.stop.set()
            while producer.is_alive():  # unblock a reader waiting on a full queue
                try:
                    batches.get_nowait()
                except queue.Empty:
                    producer.join(0.05)

    def _produce(self, batches: queue.Queue[list[Item] | BaseException | None]) -> None:
        try:
            batch: list[Item] = []
            for item in self._items():
                if self.stop.is_set():
                    return
                batch.append(item)
                if len(batch) >= self.options.batch_rows:
                    batches.put(batch)
                    batch = []
            if batch:
                batches.put(batch)
            batches.put(None)
        except BaseException as failure:  # handed to the writing thread, which reports it
            batches.put(failure)

    def _items(self) -> Iterator[Item]:
        seen: dict[str, int] = {}
        checkpoint = self.report.resumed_from
        for record in self.reader.records():
            item = self._convert(record)
            if item.row is not None:
                first = seen.setdefault(item.row.external_id, record.number)
                if first != record.number:
                    item = Item(
                        record,
                        problem=f"external id '{item.row.external_id}' appears again "
                        f"(first at row {first}); keep one, or give each row its own id",
                        field="external_id",
                    )
            if record.number > checkpoint:
                yield item

    def _convert(self, record: Record) -> Item:
        if record.problem is not None or record.values is None:
            return Item(record, problem=record.problem or "could not be read", field=record.field)
        try:
            return Item(record, row=self.target.convert(record.values))
        except RowProblem as problem:
            return Item(record, problem=str(problem), field=problem.field)

    # ------------------------------------------------------------------ one batch
    def _write(self, batch: list[Item]) -> None:
        with session_scope(self.engine) as session:
            good = []
            for item in batch:
                if item.row is None:
                    continue
                try:
                    self.target.check(item.row)
                except RowProblem as problem:
                    item.problem, item.field, item.row = str(problem), problem.field, None
                    continue
                good.append(item.row)
            new, changed, unchanged = self.target.write(session, good, dry_run=self.options.dry_run)
            failed = [item for item in batch if item.problem]
            if self.source is not None:
                self._quarantine(session, failed)
            self._count(len(batch), new, changed, unchanged, len(failed))
            if self.source is not None:
                self._checkpoint(session, batch[-1].record.number)

    def _quarantine(self, session: Session, failed: Sequence[Item]) -> None:
        assert self.source is not None
        sources.quarantine(
            session,
            self.source,
            [
                QuarantineCreate(
                    row_number=item.record.number,
                    raw=clip(item.record.raw),
                    reason=item.problem or "",
                    field=item.field,
                )
                for item in failed
            ],
        )
        for item in failed[: max(0, 5 - len(self.report.examples))]:
            self.report.examples.append(f"row {item.record.number}: {item.problem}")

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
            sources.finish(
                session,
                source,
                counts=self.report.counts,
                actor=self.actor,
                message=f"{self.report.rows_per_second:,.0f} rows/s",
            )
        _checkpoint_wal(self.engine)

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


def _checkpoint_wal(engine: Engine) -> None:
    """Fold the write-ahead log into the database after a big import (SQLite only)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
