"""Import runs and quarantine: counts that add up, rows kept with their reasons."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput, InvalidTransition
from grounded.ingest import sources
from grounded.ingest.schemas import QuarantineCreate, SourceCounts, SourceCreate
from grounded.models.enums import SourceStatus
from tests.factories import make_actor, make_workspace


def test_a_run_closes_with_counts_that_account_for_every_row(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    run = sources.start(
        session,
        workspace,
        actor=actor,
        data=SourceCreate(source_key="zendesk", kind="zendesk", file_name="tickets.csv", file_hash="a" * 64),
    )
    assert (run.key, run.status) == ("SRC-1", SourceStatus.RUNNING)
    with pytest.raises(InvalidInput, match="10 rows read but 9 accounted for"):
        sources.finish(session, run, actor=actor, counts=SourceCounts(rows_read=10, new_count=7, quarantined_count=2))
    sources.finish(
        session, run, actor=actor, counts=SourceCounts(rows_read=10, new_count=7, updated_count=1, quarantined_count=2)
    )
    assert (run.status, run.new_count, run.quarantined_count) == (SourceStatus.COMPLETED, 7, 2)
    assert run.finished_at is not None
    with pytest.raises(InvalidTransition, match="it is final"):
        sources.resume(session, run, actor=actor)


def test_an_interrupted_run_can_resume(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    run = sources.start(session, workspace, actor=actor, data=SourceCreate(source_key="nps", kind="survey"))
    sources.finish(
        session,
        run,
        actor=actor,
        status=SourceStatus.INCOMPLETE,
        message="interrupted at row 5000",
        counts=SourceCounts(rows_read=5000, new_count=4000),
    )
    sources.resume(session, run, actor=actor)
    assert (run.status, run.finished_at) == (SourceStatus.RUNNING, None)
    assert [s.key for s in sources.list_(session, workspace, source_key="nps").items] == ["SRC-1"]


def test_quarantined_rows_keep_row_number_raw_content_and_reason(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    run = sources.start(session, workspace, actor=actor, data=SourceCreate(source_key="zendesk", kind="csv"))
    sources.quarantine(
        session,
        run,
        [
            QuarantineCreate(row_number=17, raw='42,"unterminated', reason="unbalanced quote", field=None),
            QuarantineCreate(
                row_number=3, raw="7,,2026-13-45", reason="created_at: month 13 is not a date", field="created_at"
            ),
        ],
    )
    rows = sources.quarantined(session, workspace, run).items
    assert [(r.row_number, r.field) for r in rows] == [(3, "created_at"), (17, None)]
    sources.resolve(session, workspace, rows[0].id, actor=actor)
    assert [r.row_number for r in sources.quarantined(session, workspace, run).items] == [17]
    assert len(sources.quarantined(session, workspace, run, include_resolved=True).items) == 2


@pytest.mark.parametrize(
    "data",
    [
        {"source_key": "", "kind": "csv"},
        {"source_key": "has space", "kind": "csv"},
        {"source_key": "x", "kind": "csv", "file_hash": "not-a-hash"},
    ],
)
def test_bad_run_descriptions_are_refused(data: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        SourceCreate.model_validate(data)
