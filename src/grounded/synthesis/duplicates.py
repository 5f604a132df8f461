"""Duplicates and overlap: the same evidence twice, the same ask from two people, and bets
from different teams that go after the same problem.

- **Evidence**: items whose vectors are at least ``EVIDENCE_THRESHOLD`` apart in cosine (the
  same text up to typos, signatures and greetings) *and* that come from the same account (or
  the same person, or neither names one). The same words from two different accounts are two
  voices, not a duplicate, and are left alone: that is what themes are for.
- **Requests**: open requests (not merged, declined or scheduled) at least
  ``REQUEST_THRESHOLD`` apart. ``merge`` folds each later one into the earliest through the
  request service, which keeps every requester account and the money at stake.
- **Bets**: bets of two different teams, not alternatives in one option set, that answer the
  same problem or whose descriptions are at least ``BET_THRESHOLD`` apart.

Pairs are found by exact blocked cosine search (every pair, a block of rows at a time), then
grouped transitively.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.models import Bet, BetProblem, Evidence, Problem, Request, Workspace
from grounded.models.enums import BetStatus, Disposition
from grounded.synthesis import topics
from grounded.synthesis.vectors import Embedder

EVIDENCE_THRESHOLD = 0.95
REQUEST_THRESHOLD = 0.9
BET_THRESHOLD = 0.8
#: Rows compared per block in the pair search (a block × N float32 matrix at a time), and
#: the most cells such a block may hold (64M: 256 MB), so memory stays flat as N grows.
BLOCK = 2048
BLOCK_CELLS = 64_000_000
OPEN_REQUESTS = (Disposition.NEW, Disposition.TRIAGED, Disposition.NOT_YET)
CLOSED_BETS = (BetStatus.DONE, BetStatus.DROPPED)


@dataclass
class Group:
    """Items that duplicate each other, the one to keep first."""

    keys: list[str]
    similarity: float
    texts: list[str] = field(default_factory=list)
    note: str = ""


def pairs(matrix: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    """Every (i, j, cosine) with i < j and cosine ≥ threshold; rows are unit vectors."""
    step = max(1, min(BLOCK, BLOCK_CELLS // max(len(matrix), 1)))
    for start in range(0, len(matrix), step):
        block = matrix[start : start + step] @ matrix.T
        rows, cols = np.nonzero(block >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if i < c:
                yield i, c, float(block[r, c])


def _groups(count: int, found: Sequence[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """Transitive groups (union-find), each with the lowest similarity of the pairs in it."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _similarity in found:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    weakest: dict[int, float] = {}
    members: dict[int, set[int]] = {}
    for i, j, similarity in found:
        r = root(i)
        weakest[r] = min(weakest.get(r, 1.0), similarity)
        members.setdefault(r, set()).update((i, j))
    return [(sorted(m), round(weakest[r], 4)) for r, m in sorted(members.items())]


def evidence(session: Session, workspace: Workspace, embedder: Embedder) -> list[Group]:
    where = topics.space(session, workspace.id, embedder)
    if not where.ids:
        return []
    owner: dict[uuid.UUID, Any] = {}
    info: dict[uuid.UUID, Any] = {}
    for start in range(0, len(where.ids), 5000):
        for r in session.execute(
            sa.select(Evidence.id, Evidence.number, Evidence.text, Evidence.account_id, Evidence.person_id).where(
                Evidence.id.in_(where.ids[start : start + 5000])
            )
        ):
            owner[r.id] = (r.account_id, r.person_id)
            info[r.id] = r
    same = [
        (i, j, s)
        for i, j, s in pairs(where.matrix, EVIDENCE_THRESHOLD)
        if _same_voice(owner[where.ids[i]], owner[where.ids[j]])
    ]
    found = []
    for rows, similarity in _groups(len(where.ids), same):
        items = sorted((info[where.ids[r]] for r in rows), key=lambda r: r.number)
        found.append(
            Group(
                keys=[f"E-{r.number}" for r in items],
                similarity=similarity,
                texts=[" ".join(r.text.split())[:160] for r in items],
            )
        )
    return sorted(found, key=lambda g: (-len(g.keys), g.keys[0]))


def _same_voice(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    (account_a, person_a), (account_b, person_b) = a, b
    if account_a != account_b:
        return False
    return person_a is None or person_b is None or person_a == person_b


def requests(session: Session, workspace: Workspace, embedder: Embedder) -> list[Group]:
    rows = list(
        session.scalars(
            sa.select(Request)
            .where(Request.workspace_id == workspace.id, Request.disposition.in_(OPEN_REQUESTS))
            .order_by(Request.number)
        )
    )
    if len(rows) < 2:
        return []
    matrix = np.stack([topics.unit(v) for v in embedder.embed([topics.request_text(r) for r in rows])])
    found = []
    for members, similarity in _groups(len(rows), list(pairs(matrix, REQUEST_THRESHOLD))):
        picked = [rows[m] for m in members]
        requesters = sorted({r.requester_name for r in picked if r.requester_name})
        values = [f"{r.deal_value:,}" for r in picked if r.deal_value]
        found.append(
            Group(
                keys=[r.key for r in picked],
                similarity=similarity,
                texts=[r.title for r in picked],
                note=f"requesters: {', '.join(requesters) or 'none named'}; deal values: {', '.join(values) or 'none'}"
                " (a merge keeps each account's largest stake)",
            )
        )
    return found


def merge(session: Session, workspace: Workspace, groups: Sequence[Group], *, actor: Actor) -> list[str]:
    """Fold every later request of each group into its first; what was merged, as ``R-2→R-1``."""
    from grounded.planning import requests as service
    from grounded.planning.schemas import RequestTriage

    merged = []
    for group in groups:
        keep, *rest = group.keys
        for key in rest:
            service.triage(
                session,
                workspace,
                service.get(session, workspace, key),
                data=RequestTriage(
                    disposition=Disposition.MERGED,
                    merged_into=keep,
                    explanation=f"the same ask as {keep} (similarity {group.similarity:.2f}); followed up there",
                ),
                actor=actor,
            )
            merged.append(f"{key}→{keep}")
    return merged


def bets(session: Session, workspace: Workspace, embedder: Embedder) -> list[Group]:
    rows = list(
        session.scalars(
            sa.select(Bet)
            .where(Bet.workspace_id == workspace.id, Bet.status.not_in(CLOSED_BETS), Bet.team.is_not(None))
            .order_by(Bet.number)
        )
    )
    if len(rows) < 2:
        return []
    answers: dict[uuid.UUID, set[uuid.UUID]] = {r.id: set() for r in rows}
    for bet_id, problem_id in session.execute(
        sa.select(BetProblem.bet_id, BetProblem.problem_id).where(BetProblem.bet_id.in_(list(answers)))
    ):
        answers[bet_id].add(problem_id)
    problem_keys = {
        p.id: p.key for p in session.scalars(sa.select(Problem).where(Problem.id.in_(set().union(*answers.values()))))
    }
    texts = [". ".join(part for part in (r.title, r.hypothesis, r.summary) if part) for r in rows]
    matrix = np.stack([topics.unit(v) for v in embedder.embed(texts)])
    found = []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            a, b = rows[i], rows[j]
            if a.team == b.team or (a.option_set_id is not None and a.option_set_id == b.option_set_id):
                continue
            shared = answers[a.id] & answers[b.id]
            similarity = round(float(matrix[i] @ matrix[j]), 4)
            if not shared and similarity < BET_THRESHOLD:
                continue
            why = (
                f"both answer {', '.join(sorted(problem_keys[p] for p in shared))}"
                if shared
                else f"descriptions alike ({similarity:.2f})"
            )
            found.append(
                Group(
                    keys=[a.key, b.key],
                    similarity=similarity,
                    texts=[f"{a.title} ({a.team})", f"{b.title} ({b.team})"],
                    note=f"{a.team} and {b.team}: {why}",
                )
            )
    return found
