"""The decision log and one decision: options and tradeoffs, non-goals, signals, history."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.core.validation import Schema
from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.decision.schemas import DecisionCreate, DecisionDetail, DecisionRead, DecisionRevisionRead, OptionIn
from grounded.errors import InvalidInput
from grounded.models import Decision, Metric, Signal, Workspace
from grounded.models.enums import DecisionStatus
from grounded.search import service as search
from grounded.web.schemas import PageOut


class DecisionRow(DecisionRead):
    summary: str


class SignalRow(BaseModel):
    key: str
    name: str
    watches: str
    condition: str
    action: str
    state: str
    last_value: float | None


class DecisionPage(BaseModel):
    decision: DecisionDetail
    signals: list[SignalRow]
    revisions: list[DecisionRevisionRead]


class DecisionDraft(Schema):
    """A new decision from the page: its question, context and the options weighed."""

    title: str = Field(min_length=3, max_length=300)
    context: str = Field(default="", max_length=20_000)
    options: list[str] = Field(default_factory=list, max_length=20)


def log(
    session: Session, workspace: Workspace, *, status: DecisionStatus | None, q: str, page: PageParams
) -> PageOut[DecisionRow]:
    if q.strip():
        hits = search.search(session, workspace, text=q, types=["decision"], page=page)
        rows = [decisions.get(session, workspace, hit.id) for hit in hits.hits]
        rows = [r for r in rows if status is None or r.status == status]
        items = [_row(session, r) for r in rows]
        return PageOut(items=items, total=hits.total, limit=page.limit, offset=page.offset)
    found = decisions.log(session, workspace, status=status, page=page)
    return PageOut.of(found, [_row(session, d) for d in found.items])


def _row(session: Session, decision: Decision) -> DecisionRow:
    read = DecisionRead.model_validate(decision)
    return DecisionRow(**read.model_dump(), summary=decisions.summary(session, decision))


def detail(session: Session, workspace: Workspace, key: str) -> DecisionPage:
    decision = decisions.get(session, workspace, key)
    watched = signals.list_(session, workspace, decision=decision.key, page=PageParams(limit=200)).items
    return DecisionPage(
        decision=decisions.detail(session, decision),
        signals=[_signal(session, s) for s in watched],
        revisions=[DecisionRevisionRead.model_validate(r) for r in decisions.revisions(session, decision)],
    )


def _signal(session: Session, signal: Signal) -> SignalRow:
    metric = session.get(Metric, signal.metric_id) if signal.metric_id else None
    return SignalRow(
        key=signal.key,
        name=signal.name,
        watches=f"metric {metric.key}" if metric is not None else "evidence",
        condition=signals.condition_text(signal),
        action=signal.action.value,
        state=signal.state.value,
        last_value=signal.last_value,
    )


def draft(session: Session, workspace: Workspace, *, data: DecisionDraft, actor: Actor) -> DecisionRead:
    options = [OptionIn(title=t.strip()) for t in data.options if t.strip()]
    create = DecisionCreate(title=data.title, context=data.context or None, options=options or None)
    return DecisionRead.model_validate(decisions.create(session, workspace, data=create, actor=actor))


def propose(session: Session, workspace: Workspace, key: str, *, actor: Actor, note: str = "") -> DecisionRead:
    decision = decisions.propose(session, decisions.get(session, workspace, key), actor=actor, note=note)
    return DecisionRead.model_validate(decision)


def accept(
    session: Session, workspace: Workspace, key: str, *, option: int | None, actor: Actor, note: str = ""
) -> DecisionRead:
    if option is not None and option < 1:
        raise InvalidInput("options are numbered from 1", field="option")
    decision = decisions.accept(session, decisions.get(session, workspace, key), actor=actor, option=option, note=note)
    return DecisionRead.model_validate(decision)
