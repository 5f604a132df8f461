"""Evidence: add one, add many, find, filter, update."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from grounded.account import service as accounts
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import Conflict, InvalidInput
from grounded.evidence.schemas import (
    EvidenceCreate,
    EvidenceDetail,
    EvidenceFilter,
    EvidenceRead,
    EvidenceUpdate,
)
from grounded.models import (
    Account,
    Evidence,
    EvidenceTheme,
    Person,
    Problem,
    ProblemLink,
    StakeholderGroup,
    Workspace,
)
from grounded.models.enums import DEFAULT_MODE, LinkStatus
from grounded.problem import links


def content_hash(title: str, text: str) -> str:
    """What identifies the content of a piece of evidence, whitespace-insensitive."""
    normal = " ".join(f"{title}\n{text}".split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def build(session: Session, workspace: Workspace, data: EvidenceCreate) -> Evidence:
    """An unsaved Evidence from validated input, with every reference resolved."""
    return Evidence(
        workspace_id=workspace.id,
        kind=data.kind,
        mode=data.mode or DEFAULT_MODE[data.kind],
        title=data.title,
        text=data.text,
        occurred_at=data.occurred_at or datetime.now(UTC),
        source_key=data.source_key,
        external_id=data.external_id or uuid.uuid4().hex,
        attributes=data.attributes,
        sentiment=data.sentiment,
        content_hash=content_hash(data.title, data.text),
        **_references(session, workspace, data.model_dump(include=_REFS, exclude_unset=True)),
    )


_REFS = {"account", "person", "stakeholder_group", "parent"}


def _references(session: Session, workspace: Workspace, refs: dict[str, str | None]) -> dict[str, Any]:
    """Turn the references given (external ids, slugs, keys) into foreign-key values."""
    resolved: dict[str, Any] = {}
    for name, ref in refs.items():
        if ref is None:
            resolved[f"{name}_id"] = None
        elif name == "account":
            resolved["account_id"] = accounts.get_account(session, workspace, ref).id
        elif name == "person":
            resolved["person_id"] = accounts.get_person(session, workspace, ref).id
        elif name == "stakeholder_group":
            resolved["stakeholder_group_id"] = accounts.get_group(session, workspace, ref).id
        else:
            resolved["parent_id"] = get(session, workspace, ref).id
    return resolved


def create(session: Session, workspace: Workspace, *, data: EvidenceCreate, actor: Actor) -> Evidence:
    evidence = build(session, workspace, data)
    _refuse_duplicate(session, workspace, evidence)
    return crud.add(session, evidence, actor=actor)


def _refuse_duplicate(session: Session, workspace: Workspace, evidence: Evidence) -> None:
    existing = session.scalars(
        sa.select(Evidence.number).where(
            Evidence.workspace_id == workspace.id,
            Evidence.source_key == evidence.source_key,
            Evidence.external_id == evidence.external_id,
        )
    ).first()
    if existing is not None:
        raise Conflict(
            f"evidence with external id '{evidence.external_id}' from source "
            f"'{evidence.source_key}' already exists as E-{existing}"
        )


def create_many(
    session: Session, workspace: Workspace, *, items: Sequence[Evidence], actor: Actor
) -> Sequence[Evidence]:
    """Insert prepared evidence in one batch (one block of keys, one audit event)."""
    return crud.add_many(session, items, actor=actor, workspace=workspace)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Evidence:
    return crud.get(session, Evidence, workspace=workspace, ref=ref)


def update(
    session: Session, workspace: Workspace, evidence: Evidence, *, data: EvidenceUpdate, actor: Actor
) -> Evidence:
    changes = data.model_dump(exclude_unset=True, exclude=_REFS)
    refs = data.model_dump(include=_REFS, exclude_unset=True)
    changes.update(_references(session, workspace, refs))
    if {"title", "text"} & changes.keys():
        changes["content_hash"] = content_hash(changes.get("title", evidence.title), changes.get("text", evidence.text))
    crud.update(session, evidence, actor=actor, changes=changes)
    return evidence


def list_(
    session: Session,
    workspace: Workspace,
    *,
    filters: EvidenceFilter | None = None,
    page: PageParams | None = None,
) -> Page[Evidence]:
    where = conditions(session, workspace, filters or EvidenceFilter())
    return crud.list_(
        session,
        Evidence,
        workspace=workspace,
        where=where,
        order_by=(Evidence.occurred_at.desc(), Evidence.number.desc()),
        page=page,
    )


def conditions(session: Session, workspace: Workspace, f: EvidenceFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.since and f.until and f.since > f.until:
        raise InvalidInput("'since' is after 'until'", field="since")
    simple = {Evidence.kind: f.kind, Evidence.mode: f.mode, Evidence.source_key: f.source_key}
    where += [column == value for column, value in simple.items() if value is not None]
    if f.since:
        where.append(Evidence.occurred_at >= f.since)
    if f.until:
        where.append(Evidence.occurred_at < f.until)
    if f.account:
        where.append(Evidence.account_id == accounts.get_account(session, workspace, f.account).id)
    if f.segment:
        where.append(
            Evidence.account_id.in_(
                sa.select(Account.id).where(Account.workspace_id == workspace.id, Account.segment == f.segment)
            )
        )
    where += _link_conditions(session, workspace, f)
    return where


def _link_conditions(session: Session, workspace: Workspace, f: EvidenceFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    accepted = sa.select(ProblemLink.evidence_id).where(
        ProblemLink.workspace_id == workspace.id,
        ProblemLink.status == LinkStatus.ACCEPTED,
        ProblemLink.evidence_id.is_not(None),
    )
    if f.problem:
        problem = crud.get(session, Problem, workspace=workspace, ref=f.problem)
        where.append(Evidence.id.in_(accepted.where(ProblemLink.problem_id == problem.id)))
    if f.linked is True:
        where.append(Evidence.id.in_(accepted))
    elif f.linked is False:
        where.append(Evidence.id.not_in(accepted))
    if f.theme:
        where.append(Evidence.id.in_(_theme_members(session, workspace, f.theme)))
    return where


def _theme_members(session: Session, workspace: Workspace, theme_ref: str) -> sa.Select[Any]:
    from grounded.synthesis import themes  # local: synthesis builds on evidence

    theme = themes.get(session, workspace, theme_ref)
    return sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)


def details(session: Session, workspace: Workspace, evidence: Evidence) -> EvidenceDetail:
    base = EvidenceRead.model_validate(evidence).model_dump()
    account = session.get(Account, evidence.account_id) if evidence.account_id else None
    person = session.get(Person, evidence.person_id) if evidence.person_id else None
    group = session.get(StakeholderGroup, evidence.stakeholder_group_id) if evidence.stakeholder_group_id else None
    parent = session.get(Evidence, evidence.parent_id) if evidence.parent_id else None
    quotes = session.scalars(
        sa.select(Evidence.number).where(Evidence.parent_id == evidence.id).order_by(Evidence.number)
    ).all()
    return EvidenceDetail(
        **base,
        account_name=account.name if account else None,
        person_name=(person.name or person.external_id) if person else None,
        stakeholder_group=group.slug if group else None,
        parent_key=parent.key if parent else None,
        quote_keys=[f"E-{number}" for number in quotes],
        links=links.linked_problems(session, column="evidence_id", target_id=evidence.id),
    )
