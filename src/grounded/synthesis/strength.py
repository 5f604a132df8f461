"""How strong the evidence for a problem is: every account counted once, a loud voice damped,
old evidence decayed, and which segments speak and which are silent.

Only accepted links count (a suggestion counts once a person accepts it). For each item:

    weight = link weight × 0.5 ** (age in days / half-life)

Items are grouped by voice: their account, else their person, else the item alone. A voice's
score saturates:

    voice = 1 - 0.5 ** (sum of its weights)

so one fresh item gives 0.5, two give 0.75, and fifty tickets from one account never count
for more than one account (a loud voice is damped, not silenced). The strength for the
problem is the sum over voices of supporting and symptom evidence; against is the same sum
over contradicting evidence.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.errors import InvalidInput
from grounded.models import Account, Evidence, EvidenceTheme, Problem, ProblemLink, Request
from grounded.models.enums import LinkRole, LinkStatus

#: Evidence loses half its weight every this many days (``--half-life``).
HALF_LIFE_DAYS = 90.0


@dataclass
class Side:
    strength: float = 0.0
    items: int = 0
    voices: int = 0
    accounts: int = 0
    arr: int = 0
    #: The share of the strength that comes from the strongest single voice.
    loudest_share: float = 0.0


@dataclass
class Strength:
    problem: str
    half_life_days: float
    supports: Side
    contradicts: Side
    represented: dict[str, int] = field(default_factory=dict)
    silent: list[str] = field(default_factory=list)

    @property
    def net(self) -> float:
        return round(self.supports.strength - self.contradicts.strength, 3)

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "half_life_days": self.half_life_days,
            "net": self.net,
            "supports": self.supports.__dict__,
            "contradicts": self.contradicts.__dict__,
            "segments_represented": self.represented,
            "segments_silent": self.silent,
        }


def strength(
    session: Session, problem: Problem, *, half_life_days: float = HALF_LIFE_DAYS, now: datetime | None = None
) -> Strength:
    if not half_life_days > 0:
        raise InvalidInput(f"the half-life must be a positive number of days, not {half_life_days}", field="half_life")
    now = now or utcnow()
    items = _accepted(session, problem)
    wanted = sorted({r.account_id for r in items.values() if r.account_id}, key=str)
    columns = (Account.id, Account.segment, Account.arr)  # only what is counted: no whole rows
    accounts: dict[uuid.UUID, sa.Row[uuid.UUID, str | None, int | None]] = {
        a.id: a
        for start in range(0, len(wanted), 5000)
        for a in session.execute(sa.select(*columns).where(Account.id.in_(wanted[start : start + 5000])))
    }
    result = Strength(problem=problem.key, half_life_days=half_life_days, supports=Side(), contradicts=Side())
    represented: dict[str, set[uuid.UUID]] = defaultdict(set)
    for against, side in ((True, result.contradicts), (False, result.supports)):
        mine = [r for r in items.values() if (r.role == LinkRole.CONTRADICTS) == against]
        voices: dict[object, float] = defaultdict(float)
        for r in mine:
            age = max((now - r.occurred_at).total_seconds() / 86400, 0.0)
            voices[r.account_id or r.person_id or r.id] += r.weight * 0.5 ** (age / half_life_days)
            if not against and r.account_id in accounts:
                represented[accounts[r.account_id].segment or "unsegmented"].add(r.account_id)
        scores = [1 - 0.5**total for total in voices.values()]
        side.items = len(mine)
        side.voices = len(voices)
        side.strength = round(float(sum(scores)), 3)
        side.loudest_share = round(max(scores) / sum(scores), 3) if scores and sum(scores) else 0.0
        mine_accounts = {r.account_id for r in mine if r.account_id in accounts}
        side.accounts = len(mine_accounts)
        side.arr = sum(int(accounts[a].arr or 0) for a in mine_accounts)
    result.represented = {segment: len(ids) for segment, ids in sorted(represented.items(), key=lambda kv: -len(kv[1]))}
    every = session.scalars(
        sa.select(Account.segment)
        .where(Account.workspace_id == problem.workspace_id, Account.segment.is_not(None))
        .distinct()
    ).all()
    result.silent = sorted(s for s in every if s and s not in result.represented)
    return result


@dataclass
class _Item:
    id: uuid.UUID
    occurred_at: datetime
    account_id: uuid.UUID | None
    person_id: uuid.UUID | None
    role: LinkRole
    weight: float


def _accepted(session: Session, problem: Problem) -> dict[uuid.UUID, _Item]:
    """Evidence accepted for the problem, directly, through a theme or through a request;
    one entry per item (a direct link wins over one through a theme)."""
    accepted = sa.and_(ProblemLink.problem_id == problem.id, ProblemLink.status == LinkStatus.ACCEPTED)
    columns = (
        Evidence.id,
        Evidence.occurred_at,
        Evidence.account_id,
        Evidence.person_id,
        ProblemLink.role,
        ProblemLink.weight,
    )
    routes = (
        sa.select(*columns).join(ProblemLink, ProblemLink.evidence_id == Evidence.id).where(accepted),
        sa.select(*columns)
        .join(EvidenceTheme, EvidenceTheme.evidence_id == Evidence.id)
        .join(ProblemLink, ProblemLink.theme_id == EvidenceTheme.theme_id)
        .where(accepted),
        sa.select(*columns)
        .join(Request, Request.evidence_id == Evidence.id)
        .join(ProblemLink, ProblemLink.request_id == Request.id)
        .where(accepted),
    )
    found: dict[uuid.UUID, _Item] = {}
    for statement in routes:
        for r in session.execute(statement):
            found.setdefault(r.id, _Item(r.id, r.occurred_at, r.account_id, r.person_id, r.role, float(r.weight)))
    return found
