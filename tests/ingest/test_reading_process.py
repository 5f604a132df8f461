"""Big files are read by a process of their own: it must give exactly what reading in a
thread gives, report its failures, and survive the races a separate reader opens."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from grounded.errors import ImportRejected
from grounded.ingest import mapping as mappings
from grounded.ingest import pipeline
from grounded.ingest.evidence_target import EvidenceIndex
from grounded.ingest.protocols import Context, ImportOptions
from grounded.ingest.worker import ProcessFeed, _portable
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, new_importer, zendesk_row

MESSY = (
    ZENDESK_HEADER
    + "".join(zendesk_row(n) for n in range(1, 40))
    + '40,Multi-line,"First line\nsecond line, with a comma",2026-11-02T09:15:00Z,'
    + "Dana,dana@x.example,Bluepeak,open,high,\n"
    + "41,too,few\n"
    + zendesk_row(42, when="not a date")
    + zendesk_row(3, text="a duplicate of row 3")
    + "".join(zendesk_row(n) for n in range(43, 60))
)


def _snapshot(importer: Importer) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    evidence = [
        (e.key, e.external_id, e.title, e.text, e.occurred_at, e.kind, e.attributes, e.row_hash)
        for e in importer.evidence()
    ]
    quarantined = [(q.row_number, q.reason, q.raw) for q in importer.quarantined()]
    return evidence, quarantined


def test_a_separate_reader_gives_what_a_thread_gives(importer: Importer, file: Write, tmp_path: Path) -> None:
    path = file("messy.csv", MESSY)
    in_thread = importer(path, batch_rows=10, separate_reader=False)
    other = new_importer(importer.engine, tmp_path / "other")
    in_process = other(path, batch_rows=10, separate_reader=True)
    assert (in_thread.reader, in_process.reader) == ("thread", "process")
    assert in_process.counts == in_thread.counts
    counts_add_up(in_process)
    assert (in_process.counts.new_count, in_process.counts.quarantined_count) == (57, 3)
    assert _snapshot(other) == _snapshot(importer)
    again = other(path, batch_rows=10, separate_reader=True)
    assert (again.counts.new_count, again.counts.unchanged_count, again.counts.quarantined_count) == (0, 57, 3)


def test_a_separate_reader_updates_changed_rows(importer: Importer, file: Write) -> None:
    importer(file("v1.csv", ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 21))), separate_reader=True)
    newer = ZENDESK_HEADER + "".join(zendesk_row(n, text="edited" if n == 7 else None) for n in range(1, 26))
    report = importer(file("v2.csv", newer), separate_reader=True, redact=False)
    counts = report.counts
    assert (counts.new_count, counts.updated_count, counts.unchanged_count) == (5, 1, 19)
    assert [e.text for e in importer.evidence(external_id="7")] == ["edited"]


def test_a_separate_reader_writes_usage_events_and_accounts(importer: Importer, file: Write) -> None:
    events = file(
        "events.csv",
        "user_id,account_id,event,timestamp,properties\n"
        + "".join(f'u{n},acme,report_viewed,2026-11-0{1 + n % 5}T10:00:00Z,"{{""n"": {n}}}"\n' for n in range(30)),
    )
    first = importer(events, "usage_events", separate_reader=True)
    second = importer(events, "usage_events", separate_reader=True)
    assert (first.counts.new_count, second.counts.unchanged_count) == (30, 30)
    accounts = file("crm.csv", "Account ID,Account Name,Segment,Plan,ARR\nA-1,Acme,Enterprise,Pro,120000\n")
    report = importer(accounts, "crm_accounts", separate_reader=True)
    assert (report.counts.new_count, report.accounts_created) == (1, 1)


def test_what_goes_wrong_in_the_reading_process_is_reported(importer: Importer, tmp_path: Path) -> None:
    context = Context(
        path=tmp_path / "gone.csv",
        mapping=mappings.preset("zendesk"),
        options=ImportOptions(),
        workspace_id=importer.workspace_id,
        workspace_slug="x",
    )
    feed = ProcessFeed(context, importer.engine.url.render_as_string(hide_password=False))
    with pytest.raises(ImportRejected, match=r"gone\.csv does not exist"):
        list(feed)  # the reading process's own error, as it was raised there
    unexpected = _portable(KeyError("Subject"))
    assert isinstance(unexpected, ImportRejected)
    assert str(unexpected) == "reading the file failed: KeyError: 'Subject'"


def test_rows_another_import_stored_meanwhile_are_updated_not_duplicated(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading process looks rows up before the writer's transaction: if another import
    stored some of them in between, the insert fails and they are looked up again."""
    path = file("t.csv", ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 11)))
    importer(path)
    newer = file(
        "t2.csv", ZENDESK_HEADER + "".join(zendesk_row(n, text="new" if n == 2 else None) for n in range(1, 13))
    )
    real_sort = EvidenceIndex.sort
    calls = {"n": 0}

    def stale(self: EvidenceIndex, connection: Any, rows: list[tuple[str, str | None]]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:  # the first lookup misses what is stored, as if it ran earlier
            return dict.fromkeys((key for key, _ in rows), None)
        return real_sort(self, connection, rows)

    monkeypatch.setattr(EvidenceIndex, "sort", stale)
    report = importer(newer)
    counts = report.counts
    assert (counts.new_count, counts.updated_count, counts.unchanged_count) == (2, 1, 9)
    assert len(importer.evidence()) == 12
    assert [e.text for e in importer.evidence(external_id="2")] == ["new"]


def test_feeds_are_chosen_by_size_unless_told(importer: Importer, file: Write) -> None:
    small = importer(file("s.csv", ZENDESK_HEADER + zendesk_row(1)))
    assert small.reader == "thread"
    forced = importer(file("s2.csv", ZENDESK_HEADER + zendesk_row(2)), separate_reader=True)
    assert forced.reader == "process"
    assert uuid.UUID(str(importer.workspace_id))


def test_a_reading_process_that_dies_is_reported_not_hung(importer: Importer, file: Write) -> None:
    path = file("many.csv", ZENDESK_HEADER + "".join(zendesk_row(n, text="words " * 80) for n in range(1, 3001)))
    context = Context(
        path=path,
        mapping=mappings.preset("zendesk"),
        options=ImportOptions(batch_rows=100),
        workspace_id=importer.workspace_id,
        workspace_slug="x",
    )
    feed = ProcessFeed(context, importer.engine.url.render_as_string(hide_password=False))
    units = iter(feed)
    first = next(units)(None)
    assert (first.read, len(first.new)) == (100, 100)
    assert feed.process is not None
    feed.process.kill()
    with pytest.raises(ImportRejected, match=r"stopped unexpectedly \(exit code -9\)"):
        for _ in units:
            pass
    assert feed.process is None  # closed and reaped


def test_a_run_refused_while_preparing_stops_the_process_it_started(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading process starts before the run is prepared (to load its modules in the
    meantime); a run that fails in preparation must not leave it waiting for orders."""
    started: list[ProcessFeed] = []
    real_start = ProcessFeed.start

    def start(self: ProcessFeed) -> None:
        real_start(self)
        started.append(self)

    def unreadable(_path: Path) -> str:
        raise ImportRejected("t.csv could not be read")

    monkeypatch.setattr(ProcessFeed, "start", start)
    monkeypatch.setattr(pipeline, "file_hash", unreadable)
    with pytest.raises(ImportRejected, match="could not be read"):
        importer(file("t.csv", ZENDESK_HEADER + zendesk_row(1)), separate_reader=True)
    assert len(started) == 1
    assert started[0].process is None  # killed and reaped
    assert importer.evidence() == []


def test_the_reading_process_keeps_big_pieces_on_its_heap_only_for_a_re_import(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first import keeps the reading process small (its memory adds to the writer's); a
    re-import, where the reading process does the work, maps fewer pieces afresh."""
    from grounded.ingest import worker

    thresholds: list[str] = []
    started = ProcessFeed.start

    def start(self: ProcessFeed) -> None:
        if self.process is None:  # the process is started once; later calls find it
            thresholds.append(self.environment["MALLOC_MMAP_THRESHOLD_"])
        started(self)

    monkeypatch.setattr(ProcessFeed, "start", start)
    path = file("tickets.csv", ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 30)))
    first = importer(path, separate_reader=True)
    again = importer(path, separate_reader=True)
    assert (first.counts.new_count, again.counts.unchanged_count) == (29, 29)
    assert thresholds == [
        worker.READER_ENVIRONMENT["MALLOC_MMAP_THRESHOLD_"],
        worker.REIMPORT_READER_ENVIRONMENT["MALLOC_MMAP_THRESHOLD_"],
    ]
    assert thresholds == [str(256 * 1024), str(4 * 1024 * 1024)]
