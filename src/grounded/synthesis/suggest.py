"""Which problems a piece of evidence, a request or a theme supports, contradicts or is a
symptom of: suggestions with their receipts, for a person to accept or reject.

For a target, every open problem is scored by the cosine between the target and the
problem's place in the embedding space (``topics.problem_vector``: its statement averaged
with the centre of its accepted evidence, the target's own evidence left out so nothing
vouches for itself). The closest problems within reach are suggested, each with:

- its **similarity**, and the two parts it came from (to the statement, to the evidence);
- a **confidence** = closeness × distinctness. Closeness maps similarity linearly from
  ``FLOOR`` (unrelated) to ``CEILING`` (the same subject). Distinctness is the problem's share
  of a softmax over all problems' similarities (temperature ``TEMPERATURE``): a target
  equally close to three problems is no strong sign for any one of them;
- the **quotes it leaned on**: the problem's accepted evidence closest to the target;
- the **role** and why: a request is a symptom (it asks for a solution); stated evidence
  that is positive about the subject contradicts the problem (it says there is no pain);
  the rest supports it;
- the model and its version, the method and when.

Suggestions are stored as ``problem_link`` rows with status ``suggested``. A link that
exists already is left as it is: an accepted one is reported, a rejected one is not
suggested again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.models import Evidence, EvidenceTheme, Problem, ProblemLink, Request, Theme, Workspace
from grounded.models.enums import EvidenceMode, LinkOrigin, LinkRole, LinkStatus, ProblemStatus
from grounded.problem import links
from grounded.problem.schemas import ProblemLinkCreate
from grounded.synthesis import sentiment, topics
from grounded.synthesis.saydo import LEAN
from grounded.synthesis.vectors import Embedder

METHOD = "nearest-problem/1"
#: Below this similarity a problem is not suggested at all.
MIN_SIMILARITY = 0.35
#: Closeness runs linearly from FLOOR (0) to CEILING (1).
FLOOR = 0.3
CEILING = 0.6
#: Softmax temperature over the problems' similarities for distinctness.
TEMPERATURE = 0.05
#: Stated evidence at least this positive contradicts a problem rather than supporting it.
CONTRADICTS_FROM = 0.3
#: How many quotes each suggestion shows.
QUOTES = 3
#: Problems in these states take no new suggestions.
CLOSED = (ProblemStatus.SOLVED, ProblemStatus.INVALIDATED)


@dataclass
class Suggestion:
    problem: str
    problem_title: str
    role: LinkRole
    confidence: float
    similarity: float
    status: str
    receipts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    ref: str
    column: str
    row: Any
    vector: np.ndarray
    own: set[uuid.UUID]
    role: LinkRole
    role_reason: str


def suggest(
    session: Session,
    workspace: Workspace,
    ref: str,
    embedder: Embedder,
    *,
    actor: Actor,
    limit: int = 3,
    save: bool = True,
) -> list[Suggestion]:
    """Problems ``ref`` (E-…, R-… or T-…) may support, contradict or be a symptom of, best
    first; stored as suggested links unless ``save`` is false."""
    where = topics.space(session, workspace.id, embedder)
    target = _target(session, workspace, where, embedder, ref)
    candidates = list(
        session.scalars(
            sa.select(Problem)
            .where(Problem.workspace_id == workspace.id, Problem.status.not_in(CLOSED))
            .order_by(Problem.number)
        )
    )
    if not candidates:
        return []
    scored = [_score(session, where, embedder, problem, target) for problem in candidates]
    similarities = np.array([s["similarity"] for s in scored], dtype=np.float64)
    weights = np.exp((similarities - similarities.max()) / TEMPERATURE)
    shares = weights / weights.sum()
    order = np.argsort(-similarities, kind="stable")
    found: list[Suggestion] = []
    now = datetime.now(UTC)
    for rank, n in enumerate(order):
        if len(found) == limit or similarities[n] < MIN_SIMILARITY:
            break
        problem = candidates[n]
        closeness = min(max((similarities[n] - FLOOR) / (CEILING - FLOOR), 0.0), 1.0)
        confidence = round(float(closeness * shares[n]), 3)
        runner_up = next((m for m in order if m != n), None)
        receipts = {
            "method": METHOD,
            "model": embedder.name,
            "model_version": where.model,
            "similarity": round(float(similarities[n]), 4),
            "statement_similarity": scored[n]["statement"],
            "evidence_similarity": scored[n]["evidence"],
            "closeness": round(float(closeness), 4),
            "distinctness": round(float(shares[n]), 4),
            "rank": rank + 1,
            "runner_up": None
            if runner_up is None
            else {"problem": candidates[runner_up].key, "similarity": round(float(similarities[runner_up]), 4)},
            "quotes": scored[n]["quotes"],
            "statement": topics.problem_text(problem),
            "role_reason": target.role_reason,
            "suggested_at": now.isoformat(timespec="seconds"),
        }
        status = _record(
            session, workspace, problem, target, confidence=confidence, receipts=receipts, actor=actor, save=save
        )
        if status == LinkStatus.REJECTED.value:
            continue  # a person said no: not suggested again, and it takes no place in the list
        found.append(
            Suggestion(
                problem=problem.key,
                problem_title=problem.title,
                role=target.role,
                confidence=confidence,
                similarity=receipts["similarity"],
                status=status,
                receipts=receipts,
            )
        )
    return found


def _target(session: Session, workspace: Workspace, where: topics.Space, embedder: Embedder, ref: str) -> Target:
    column, row = links.resolve(session, workspace, ref)
    if isinstance(row, Evidence):
        vector = topics.evidence_vector(session, where, embedder, row)
        role, reason = _evidence_role(session, workspace, row)
        return Target(row.key, column, row, vector, {row.id}, role, reason)
    if isinstance(row, Request):
        vector = topics.request_vector(session, where, embedder, row)
        own = {row.evidence_id} if row.evidence_id else set()
        return Target(row.key, column, row, vector, own, LinkRole.SYMPTOM, "a request asks for a solution: a symptom")
    assert isinstance(row, Theme)
    members = topics.members(session, row)
    vector = topics.centre(where.matrix[where.rows(members)])
    role, reason = _theme_role(session, workspace, row)
    return Target(row.key, column, row, vector, set(members), role, reason)


def _evidence_role(session: Session, workspace: Workspace, item: Evidence) -> tuple[LinkRole, str]:
    if item.kind.value == "request":
        return LinkRole.SYMPTOM, "a request asks for a solution: a symptom"
    if item.mode == EvidenceMode.STATED:
        sentiment.ensure(session, workspace.id, [item.id])
        value = sentiment.scores(session, [item.id]).get(item.id, 0.0)
        if value >= CONTRADICTS_FROM:
            return LinkRole.CONTRADICTS, f"said positively (sentiment {value:+.2f}): no pain, so it contradicts"
        return LinkRole.SUPPORTS, f"said, not positively (sentiment {value:+.2f}): supports"
    return LinkRole.SUPPORTS, "observed (what people do): supports"


def _theme_role(session: Session, workspace: Workspace, theme: Theme) -> tuple[LinkRole, str]:
    """A theme mostly said, and said positively (net polarity as in say vs do), contradicts."""
    members = sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)
    stated = list(
        session.scalars(sa.select(Evidence.id).where(Evidence.id.in_(members), Evidence.mode == EvidenceMode.STATED))
    )
    if len(stated) * 2 <= theme.size:
        return LinkRole.SUPPORTS, "mostly observed (what people do): supports"
    sentiment.ensure(session, workspace.id, stated)
    polarities = [sentiment.polarity(v) for v in sentiment.scores(session, stated).values()]
    net = (polarities.count("positive") - polarities.count("negative")) / len(polarities) if polarities else 0.0
    if net >= LEAN:
        return LinkRole.CONTRADICTS, f"mostly said, and positively (net polarity {net:+.2f}): contradicts"
    return LinkRole.SUPPORTS, f"mostly said, not positively (net polarity {net:+.2f}): supports"


def _score(
    session: Session, where: topics.Space, embedder: Embedder, problem: Problem, target: Target
) -> dict[str, Any]:
    said = topics.embed_text(embedder, topics.problem_text(problem))
    evidence = [
        i
        for i in topics.accepted_evidence(session, problem, (LinkRole.SUPPORTS, LinkRole.SYMPTOM))
        if i not in target.own
    ]
    rows = where.rows(evidence)
    statement = float(said @ target.vector)
    if not len(rows):
        return {"similarity": statement, "statement": round(statement, 4), "evidence": None, "quotes": []}
    centre = topics.centre(where.matrix[rows])
    combined = float(topics.unit(said + centre) @ target.vector)
    near = where.matrix[rows] @ target.vector
    best = np.argsort(-near)[:QUOTES]
    ids = [where.ids[rows[b]] for b in best]
    texts = {
        r.id: r
        for r in session.execute(sa.select(Evidence.id, Evidence.number, Evidence.text).where(Evidence.id.in_(ids)))
    }
    quotes = [
        {
            "evidence": f"E-{texts[i].number}",
            "similarity": round(float(near[b]), 4),
            "text": " ".join(texts[i].text.split())[:300],
        }
        for b, i in zip(best, ids, strict=True)
    ]
    return {
        "similarity": combined,
        "statement": round(statement, 4),
        "evidence": round(float(centre @ target.vector), 4),
        "quotes": quotes,
    }


def _record(
    session: Session,
    workspace: Workspace,
    problem: Problem,
    target: Target,
    *,
    confidence: float,
    receipts: dict[str, Any],
    actor: Actor,
    save: bool,
) -> str:
    """``new`` for a suggestion made now, else the existing link's status (a pending
    suggestion's receipts are brought up to date)."""
    existing = session.scalars(
        sa.select(ProblemLink).where(
            ProblemLink.problem_id == problem.id, getattr(ProblemLink, target.column) == target.row.id
        )
    ).one_or_none()
    if existing is None:
        if save:
            links.link(
                session,
                workspace,
                problem,
                actor=actor,
                data=ProblemLinkCreate(
                    target=target.ref,
                    role=target.role,
                    origin=LinkOrigin.SUGGESTED,
                    confidence=confidence,
                    receipts=receipts,
                ),
            )
        return "new"
    if existing.status == LinkStatus.SUGGESTED and save:
        existing.confidence = confidence
        existing.receipts = receipts
        existing.role = target.role
        session.flush()
    return existing.status.value
