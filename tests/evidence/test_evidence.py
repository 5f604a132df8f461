"""The evidence library: provenance, modes, references, filters, updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.errors import Conflict, NotFound
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate, EvidenceFilter, EvidenceUpdate
from grounded.models.enums import EvidenceMode
from grounded.problem import links
from grounded.problem.schemas import ProblemLinkCreate
from tests.factories import make_account, make_actor, make_evidence, make_problem, make_workspace


def test_mode_follows_the_kind_unless_given(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    ticket = make_evidence(session, workspace, actor, kind="ticket")
    quote = make_evidence(session, workspace, actor, kind="quote")
    note = make_evidence(session, workspace, actor, kind="note", mode="stated")
    assert (ticket.mode, quote.mode, note.mode) == (EvidenceMode.OBSERVED, EvidenceMode.STATED, EvidenceMode.STATED)


def test_references_resolve_and_unknown_ones_say_which(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    account = make_account(session, workspace, actor, external_id="ACME-1", name="Acme")
    note = make_evidence(session, workspace, actor, kind="interview_note", account="ACME-1", stakeholder_group="sales")
    quote = make_evidence(session, workspace, actor, kind="quote", parent=note.key)
    assert note.account_id == account.id
    assert quote.parent_id == note.id
    detail = evidence.details(session, workspace, note)
    assert detail.account_name == "Acme"
    assert detail.quote_keys == [quote.key]
    assert detail.stakeholder_group == "sales"
    with pytest.raises(NotFound, match="account NOPE not found"):
        make_evidence(session, workspace, actor, account="NOPE")
    with pytest.raises(NotFound, match="stakeholder group"):
        make_evidence(session, workspace, actor, stakeholder_group="pirates")


def test_the_same_external_id_from_the_same_source_is_a_conflict(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    first = make_evidence(session, workspace, actor, source_key="zendesk", external_id="ZD-1")
    with pytest.raises(Conflict, match=f"already exists as {first.key}"):
        make_evidence(session, workspace, actor, source_key="zendesk", external_id="ZD-1")
    other_source = make_evidence(session, workspace, actor, source_key="intercom", external_id="ZD-1")
    assert other_source.key == "E-2"


def test_naive_dates_are_utc_and_bad_values_name_the_field() -> None:
    data = EvidenceCreate(kind="ticket", text="x", occurred_at=datetime(2026, 1, 2, 3, 4))
    assert data.occurred_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with pytest.raises(ValidationError, match="kind"):
        EvidenceCreate(kind="tweet", text="x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="text"):
        EvidenceCreate(kind="ticket", text="")
    with pytest.raises(ValidationError, match="sentiment"):
        EvidenceCreate(kind="ticket", text="x", sentiment=2)


def test_filters_combine(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_account(session, workspace, actor, external_id="BIG", segment="Enterprise")
    make_account(session, workspace, actor, external_id="SMALL", segment="SMB")
    old = make_evidence(session, workspace, actor, account="BIG", occurred_at=datetime(2026, 1, 5, tzinfo=UTC))
    new = make_evidence(session, workspace, actor, account="BIG", occurred_at=datetime(2026, 6, 5, tzinfo=UTC))
    make_evidence(session, workspace, actor, account="SMALL", occurred_at=datetime(2026, 6, 5, tzinfo=UTC))
    make_evidence(session, workspace, actor, kind="quote", account="BIG", occurred_at=datetime(2026, 6, 6, tzinfo=UTC))
    problem = make_problem(session, workspace, actor)
    links.link(session, workspace, problem, data=ProblemLinkCreate(target=old.key), actor=actor)

    def keys(**filters: object) -> list[str]:
        page = evidence.list_(session, workspace, filters=EvidenceFilter(**filters), page=PageParams(limit=100))
        return [e.key for e in page.items]

    assert keys(segment="Enterprise", kind="ticket") == [new.key, old.key]
    assert keys(segment="Enterprise", since=datetime(2026, 3, 1, tzinfo=UTC), mode="observed") == [new.key]
    assert keys(problem=problem.key) == [old.key]
    assert old.key not in keys(linked=False)
    assert keys(linked=True) == [old.key]
    assert keys(until=datetime(2026, 2, 1, tzinfo=UTC)) == [old.key]


def test_update_recomputes_the_content_hash(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    item = make_evidence(session, workspace, actor, text="before")
    before = item.content_hash
    evidence.update(session, workspace, item, data=EvidenceUpdate(text="after"), actor=actor)
    assert item.content_hash != before
    assert item.content_hash == evidence.content_hash("", "after")
    assert evidence.content_hash("A", "b  c") == evidence.content_hash("A", "b c\n")
