"""Imports commit batch by batch, so they run against real database files (one per module
and backend), each test in a workspace of its own."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.core.actor import Actor
from grounded.db.engine import session_scope
from grounded.ingest import mapping as mappings
from grounded.ingest.pipeline import ImportOptions, ImportReport, run
from grounded.models import Evidence, QuarantinedRow
from grounded.workspace import service as workspaces
from grounded.workspace import users
from grounded.workspace.schemas import WorkspaceCreate
from tests.conftest import BACKENDS, fresh_database

_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=BACKENDS)
def import_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database(request.param, tmp_path_factory.mktemp("imports")) as engine:
        yield engine


@pytest.fixture(scope="module")
def sqlite_import_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("imports-lite")) as engine:
        yield engine


@dataclass
class Importer:
    engine: Engine
    workspace_id: uuid.UUID
    data_dir: Path
    actor: Actor

    def __call__(self, path: Path, mapping: str | mappings.Mapping = "zendesk", **options: Any) -> ImportReport:
        chosen = mappings.preset(mapping) if isinstance(mapping, str) else mapping
        return run(
            self.engine,
            workspace_id=self.workspace_id,
            path=path,
            mapping=chosen,
            actor=self.actor,
            options=ImportOptions(data_dir=self.data_dir, **options),
        )

    def scalar(self, statement: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(statement).scalar()

    def evidence(self, **where: Any) -> list[Evidence]:
        with session_scope(self.engine) as session:
            query = sa.select(Evidence).where(Evidence.workspace_id == self.workspace_id)
            for column, value in where.items():
                query = query.where(getattr(Evidence, column) == value)
            return list(session.scalars(query.order_by(Evidence.number)))

    def quarantined(self) -> list[QuarantinedRow]:
        with session_scope(self.engine) as session:
            return list(
                session.scalars(
                    sa.select(QuarantinedRow)
                    .where(QuarantinedRow.workspace_id == self.workspace_id)
                    .order_by(QuarantinedRow.row_number)
                )
            )


def new_importer(engine: Engine, data_dir: Path) -> Importer:
    with session_scope(engine) as session:
        actor = users.actor_for(users.ensure(session, "importer@example.com"))
        workspace = workspaces.create(
            session, actor=actor, data=WorkspaceCreate(slug=f"imp-{next(_numbers)}-{uuid.uuid4().hex[:6]}", name="I")
        )
        workspace_id = workspace.id
    return Importer(engine, workspace_id, data_dir, actor)


@pytest.fixture
def importer(import_engine: Engine, tmp_path: Path) -> Importer:
    """An importer into a fresh workspace, on SQLite and on PostgreSQL."""
    return new_importer(import_engine, tmp_path / "data")


@pytest.fixture
def lite_importer(sqlite_import_engine: Engine, tmp_path: Path) -> Importer:
    """The same on SQLite only, for tests about files rather than databases."""
    return new_importer(sqlite_import_engine, tmp_path / "data")


ZENDESK_HEADER = "Id,Subject,Description,Created at,Requester,Requester email,Organization,Status,Priority,Tags\n"


def zendesk_row(number: int, *, text: str | None = None, when: str = "2026-11-02T09:15:00Z") -> str:
    body = text if text is not None else f"Ticket body number {number}, about weekly reports"
    return f'{number},Subject {number},"{body}",{when},Dana,dana@bluepeak.example,Bluepeak,open,high,reporting\n'


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def abc_csv(rows: list[list[str]], raw_tail: str = "") -> bytes:
    """A CSV with header a,b,c and ``rows`` as Python's csv writer quotes them, then
    ``raw_tail`` as it is (for the property tests over the CSV readers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    return (buffer.getvalue() + raw_tail).encode("utf-8")


Write = Callable[[str, str | bytes], Path]


@pytest.fixture
def file(tmp_path: Path) -> Write:
    return lambda name, content: write(tmp_path / name, content)


def counts_add_up(report: ImportReport) -> None:
    c = report.counts
    assert c.new_count + c.updated_count + c.unchanged_count + c.quarantined_count == c.rows_read
