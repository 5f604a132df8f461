"""The bulk write path: search entries written set-wise, lookups skipped for a channel's
first import, the write-ahead log folded beside the import, connections given back as
they were."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import AUTOCHECKPOINT_PAGES, session_scope
from grounded.ingest import evidence_target, store
from grounded.ingest.evidence_target import EvidenceWriter
from grounded.ingest.refs import References
from grounded.models import Evidence
from grounded.search.service import search
from grounded.workspace import service as workspaces
from tests.factories import make_actor, make_evidence, make_problem
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, zendesk_row


def _rows(numbers: range, **texts: str) -> str:
    return ZENDESK_HEADER + "".join(zendesk_row(n, text=texts.get(str(n))) for n in numbers)


def _hits(importer: Importer, text: str) -> list[str]:
    with session_scope(importer.engine) as session:
        workspace = workspaces.get(session, importer.workspace_id)
        return sorted(hit.key for hit in search(session, workspace, text=text, types=["evidence"]).hits)


def test_search_finds_each_imported_row_beside_rows_written_one_by_one(importer: Importer, file: Write) -> None:
    """The search entries of a batch are numbered after everything already indexed (a
    problem, evidence added by hand, a deleted row): each word finds its own row."""
    with session_scope(importer.engine) as session:
        workspace = workspaces.get(session, importer.workspace_id)
        actor = make_actor(session)
        make_problem(session, workspace, actor, title="Zebra problem")
        by_hand = make_evidence(session, workspace, actor, text="Quokka sighting", external_id="hand-1")
        gone = make_evidence(session, workspace, actor, text="Ocelot report", external_id="hand-2")
        hand_key = by_hand.key
        session.delete(gone)
    texts = {"1": "Aardvark tickets", "2": "Narwhal tickets", "3": "Pangolin tickets"}
    report = importer(file("t.csv", _rows(range(1, 6), **texts)), batch_rows=2)
    assert report.counts.new_count == 5
    keys = {e.external_id: e.key for e in importer.evidence()}
    assert _hits(importer, "aardvark") == [keys["1"]]
    assert _hits(importer, "narwhal") == [keys["2"]]
    assert _hits(importer, "pangolin") == [keys["3"]]
    assert _hits(importer, "quokka") == [hand_key]
    assert _hits(importer, "ocelot") == []
    assert len(_hits(importer, "subject")) == 5


def test_search_finds_every_row_of_a_resumed_import(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = file("t.csv", _rows(range(1, 31)))
    real_write = EvidenceWriter.write
    calls = {"n": 0}

    def flaky(self: EvidenceWriter, session: Any, new: Any, changed: Any, *, dry_run: bool) -> tuple[int, int, int]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_write(self, session, new, changed, dry_run=dry_run)

    monkeypatch.setattr(EvidenceWriter, "write", flaky)
    with pytest.raises(KeyboardInterrupt):
        importer(path, batch_rows=10)
    assert len(_hits(importer, "weekly")) == 10
    monkeypatch.setattr(EvidenceWriter, "write", real_write)
    report = importer(path, batch_rows=10)
    assert (report.resumed_from, report.counts.new_count) == (11, 30)
    assert len(_hits(importer, "weekly")) == 20  # the first page of hits
    with session_scope(importer.engine) as session:
        workspace = workspaces.get(session, importer.workspace_id)
        assert search(session, workspace, text="weekly").total == 30


def test_a_channel_s_first_import_looks_nothing_up(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_lookups(*_args: Any) -> dict[str, Any]:
        raise AssertionError("looked up rows of a channel with nothing stored")

    monkeypatch.setattr(evidence_target, "unmatched", no_lookups)
    report = importer(file("t.csv", _rows(range(1, 26))), batch_rows=10)
    assert report.counts.new_count == 25
    monkeypatch.undo()
    again = importer(file("t.csv", _rows(range(1, 26))), batch_rows=10)
    assert again.counts.unchanged_count == 25


def test_rows_stored_after_the_channel_was_found_empty_are_updated_not_duplicated(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another import of the same channel stored rows after this one found it empty: the
    insert fails on the unique key and those rows are looked up after all."""
    importer(file("t.csv", _rows(range(1, 11))))
    real_stored_any = store.stored_any
    calls = {"n": 0}

    def checked_too_early(*args: Any) -> bool:
        calls["n"] += 1
        return False if calls["n"] == 1 else real_stored_any(*args)

    monkeypatch.setattr(evidence_target, "stored_any", checked_too_early)
    report = importer(file("t2.csv", _rows(range(1, 13), **{"2": "new text"})))
    counts_add_up(report)
    counts = report.counts
    assert (counts.new_count, counts.updated_count, counts.unchanged_count) == (2, 1, 9)
    assert len(importer.evidence()) == 12
    assert [e.text for e in importer.evidence(external_id="2")] == ["new text"]


def test_connections_fold_the_log_again_after_an_import(lite_importer: Importer, file: Write) -> None:
    engine: Engine = lite_importer.engine
    lite_importer(file("t.csv", _rows(range(1, 31))), batch_rows=5)
    held = [engine.connect() for _ in range(engine.pool.checkedin() + 1)]  # type: ignore[attr-defined]
    try:
        for connection in held:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == AUTOCHECKPOINT_PAGES
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        busy, log, folded = held[0].exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert (busy, log) == (0, folded)  # nothing left in the log that is not in the database
    finally:
        for connection in held:
            connection.close()


def test_stored_any_sees_only_its_own_channel(importer: Importer, file: Write) -> None:
    importer(file("t.csv", _rows(range(1, 3))))
    with importer.engine.connect() as connection:
        assert store.stored_any(connection, importer.workspace_id, "zendesk")
        assert not store.stored_any(connection, importer.workspace_id, "intercom")
        assert connection.execute(sa.select(sa.func.count()).select_from(Evidence)).scalar()


def test_a_batch_naming_an_account_that_is_gone_is_not_written(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite checks a batch's references once per id rather than row by row: an account
    deleted meanwhile still fails the batch, and nothing of it is kept."""
    monkeypatch.setattr(References, "account_hex", lambda self, ref: "0" * 32 if ref else None)
    monkeypatch.setattr(References, "account_id", lambda self, ref: uuid.UUID(int=0) if ref else None)
    with pytest.raises(
        (sqlite3.IntegrityError, psycopg.IntegrityError, sa.exc.IntegrityError), match=r"(?i)foreign key"
    ):
        importer(file("t.csv", _rows(range(1, 6))))
    assert importer.evidence() == []
