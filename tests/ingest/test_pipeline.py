"""Idempotent re-imports, dry runs, interrupted and resumed imports, privacy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.errors import Interrupted
from grounded.ingest import mapping as mappings
from grounded.ingest.evidence_target import EvidenceWriter
from grounded.models import Person, Source
from grounded.models.enums import SourceStatus
from grounded.search.service import search
from grounded.workspace import service as workspaces
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, zendesk_row


def _rows(count: int, **changes: str) -> str:
    return ZENDESK_HEADER + "".join(zendesk_row(n, text=changes.get(str(n))) for n in range(1, count + 1))


def _search(importer: Importer, text: str) -> int:
    with session_scope(importer.engine) as session:
        workspace = workspaces.get(session, importer.workspace_id)
        return search(session, workspace, text=text).total


def test_importing_the_same_file_twice_changes_nothing(importer: Importer, file: Write) -> None:
    path = file("t.csv", _rows(25))
    first = importer(path, batch_rows=10)
    second = importer(path, batch_rows=10)
    assert (first.counts.new_count, first.source) == (25, "SRC-1")
    assert (second.counts.new_count, second.counts.updated_count, second.counts.unchanged_count) == (0, 0, 25)
    evidence = importer.evidence()
    assert [e.key for e in evidence] == [f"E-{n}" for n in range(1, 26)]
    assert _search(importer, "weekly") == 25


def test_a_newer_export_updates_what_changed_and_adds_what_is_new(importer: Importer, file: Write) -> None:
    importer(file("v1.csv", _rows(10)))
    report = importer(file("v2.csv", _rows(12, **{"3": "Now about spreadsheets instead"})))
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.updated_count, report.counts.unchanged_count) == (2, 1, 9)
    assert importer.evidence(external_id="3")[0].text == "Now about spreadsheets instead"
    assert importer.evidence(external_id="3")[0].key == "E-3"  # updated in place, key kept
    assert _search(importer, "spreadsheets") == 1


def test_a_dry_run_counts_and_writes_nothing(importer: Importer, file: Write) -> None:
    importer(file("v1.csv", _rows(5)))
    report = importer(file("v2.csv", _rows(7, **{"1": "changed"}) + "8,too,few\n"), dry_run=True)
    assert (
        report.counts.new_count,
        report.counts.updated_count,
        report.counts.unchanged_count,
        report.counts.quarantined_count,
    ) == (2, 1, 4, 1)
    assert report.source is None
    assert len(importer.evidence()) == 5
    assert importer.evidence(external_id="1")[0].text.startswith("Ticket body")
    assert importer.quarantined() == []


def test_an_interrupted_import_keeps_whole_batches_and_resumes(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = file("t.csv", _rows(50) + "51,too,few\n")
    real_write = EvidenceWriter.write
    calls = {"n": 0}

    def flaky(
        self: EvidenceWriter, session: object, new: list[object], changed: list[object], *, dry_run: bool
    ) -> tuple[int, int, int]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_write(self, session, new, changed, dry_run=dry_run)  # type: ignore[arg-type]

    monkeypatch.setattr(EvidenceWriter, "write", flaky)
    with pytest.raises(Interrupted) as stopped:
        importer(path, batch_rows=10)
    assert str(stopped.value) == (
        "interrupted: 20 rows of t.csv were read and kept before it stopped; "
        "SRC-1 is marked incomplete: run the same command again to finish it"
    )
    assert len(importer.evidence()) == 20  # two whole batches, nothing of the third
    with session_scope(importer.engine) as session:
        run = session.scalars(sa.select(Source).where(Source.workspace_id == importer.workspace_id)).one()
        assert (run.status, run.options["checkpoint"], run.new_count) == (SourceStatus.INCOMPLETE, 21, 20)
        assert "run the same import again" in (run.message or "")
    monkeypatch.setattr(EvidenceWriter, "write", real_write)
    report = importer(path, batch_rows=10)
    counts_add_up(report)
    assert (report.source, report.resumed_from, report.counts.rows_read, report.counts.new_count) == (
        "SRC-1",
        21,
        51,
        50,
    )
    assert len(importer.evidence()) == 50
    assert [q.row_number for q in importer.quarantined()] == [52]


def test_redaction_masks_text_and_is_recorded(importer: Importer, file: Write) -> None:
    body = "Mail dana@bluepeak.example or call +44 20 7946 0958; card 4111 1111 1111 1111, order 2026-11-02"
    report = importer(file("t.csv", ZENDESK_HEADER + zendesk_row(1, text=body)), redact=True)
    assert importer.evidence()[0].text == "Mail [email] or call [phone]; card [card], order 2026-11-02"
    assert report.redacted == {"emails": 1, "phones": 1, "cards": 1}
    with session_scope(importer.engine) as session:
        run = session.scalars(sa.select(Source).where(Source.workspace_id == importer.workspace_id)).one()
        assert run.options["redact"] is True
        assert run.options["redacted"] == {"emails": 1, "phones": 1, "cards": 1}


def test_people_can_be_kept_only_as_a_hash(importer: Importer, file: Write) -> None:
    importer(file("t.csv", _rows(3)), hash_people=True)
    with session_scope(importer.engine) as session:
        people = list(session.scalars(sa.select(Person).where(Person.workspace_id == importer.workspace_id)))
    assert len(people) == 1
    assert people[0].external_id.startswith("h:")
    assert (people[0].email, people[0].name, people[0].is_redacted) == (None, None, True)
    assert people[0].identity_hash == people[0].external_id
    assert importer.evidence()[0].person_id == people[0].id


def test_accounts_and_people_are_created_once(importer: Importer, file: Write, import_engine: Engine) -> None:
    report = importer(file("t.csv", _rows(30)))
    assert (report.accounts_created, report.people_created) == (1, 1)
    assert importer(file("t2.csv", _rows(31))).accounts_created == 0
    assert len({e.account_id for e in importer.evidence()}) == 1


def test_rows_without_an_id_are_keyed_by_content(importer: Importer, file: Write) -> None:
    preset = mappings.preset("zendesk")
    no_ids = mappings.Mapping.model_validate(
        {**preset.model_dump(), "fields": {k: v for k, v in preset.fields.items() if k != "external_id"}}
    )
    path = file("t.csv", _rows(4))
    assert importer(path, no_ids).counts.new_count == 4
    again = importer(path, no_ids)
    assert (again.counts.new_count, again.counts.unchanged_count) == (0, 4)
    assert all(e.external_id.startswith("h:") for e in importer.evidence())
