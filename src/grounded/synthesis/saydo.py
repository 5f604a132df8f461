"""Say vs do: what people say about a subject beside what they do about it, and a flag when
the two disagree.

The subject is a theme or a problem. Its evidence is its own (a theme's members; a
problem's accepted links, directly or through themes and requests) plus the members of
the themes that sit close to it in the embedding space (``RELATED``): interviews praising
reporting and tickets about rebuilding reports land in different themes, and the point is
to put them side by side.

- **Say**: stated evidence (interview notes and quotes, survey answers, requests), with
  its sentiment (``synthesis.sentiment``).
- **Do**: observed evidence (tickets, usage observations): each one is someone struggling
  or working around, whatever words it uses, so its weight is how many, from how many
  accounts, and whether it is rising. And usage: the behaviour metrics the team tied to
  the subject, each read as getting worse, better or steady (``synthesis.usage``).

The verdict (``VERDICTS``) is computed from those figures only; nothing about the subject is
looked up by name. What people do shows a struggle when there are ``MIN_DO`` observed items
or more, or when usage is getting worse (more linked metrics worse than better).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.errors import InvalidInput
from grounded.models import Evidence, EvidenceTheme, Problem, Workspace
from grounded.models.enums import EvidenceMode, LinkRole
from grounded.problem import service as problems
from grounded.synthesis import sentiment, themes, topics, usage
from grounded.synthesis.usage import UsageSide
from grounded.synthesis.vectors import Embedder

#: Themes whose centre is at least this close (cosine, MiniLM) to the subject's are about the
#: same thing. At 0.45 a theme shares the subject's object ("reports", "dashboards") without
#: being a paraphrase of it; docs/themes.md shows the demo's neighbourhoods.
RELATED = 0.45
#: At most this many related themes are pulled in, closest first.
MAX_RELATED = 8
#: Fewer stated items with a polarity, or observed items, than this say nothing either way.
MIN_SAY = 5
MIN_DO = 5
#: Net polarity ((positive - negative) / items) beyond which what people say leans one way.
LEAN = 0.3
#: How many example texts each side shows.
EXAMPLES = 3

VERDICTS = {
    "say_fine_do_struggle": "people say it is fine, but what they do shows a struggle",
    "say_pain_do_nothing": "people say it hurts, but nothing in what they do shows it",
    "agree_pain": "people say it hurts and what they do shows it",
    "agree_fine": "people say it is fine and nothing in what they do says otherwise",
    "mixed": "what people say is mixed",
    "too_little": "too little evidence on one side to compare",
}


@dataclass
class Side:
    items: int = 0
    accounts: int = 0
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    mean_sentiment: float | None = None
    by_kind: dict[str, int] = field(default_factory=dict)
    recent_30: int = 0
    before_30_average: float = 0.0
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def net(self) -> float:
        scored = self.positive + self.negative + self.neutral
        return (self.positive - self.negative) / scored if scored else 0.0

    @property
    def rising(self) -> bool:
        return self.recent_30 > 1.2 * self.before_30_average and self.recent_30 >= MIN_DO


@dataclass
class Related:
    key: str
    label: str
    similarity: float
    stated: int
    observed: int


@dataclass
class SayDo:
    subject: str
    title: str
    say: Side
    do: Side
    verdict: str
    disagree: bool
    explanation: str
    related: list[Related]
    model: str
    analyzer: str
    #: The linked behaviour metrics and their trends: the usage part of what people do.
    usage: UsageSide = field(default_factory=UsageSide)
    #: What showed a struggle on the do side: "evidence" (observed items), "usage".
    struggle_shown_by: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return {**s.__dict__, "net": round(s.net, 3), "rising": s.rising}

        return {
            "subject": self.subject,
            "title": self.title,
            "verdict": self.verdict,
            "disagree": self.disagree,
            "explanation": self.explanation,
            "say": side(self.say),
            "do": {**side(self.do), "usage": self.usage.as_dict()},
            "struggle_shown_by": self.struggle_shown_by,
            "related": [r.__dict__ for r in self.related],
            "model": self.model,
            "analyzer": self.analyzer,
        }


def say_do(
    session: Session,
    workspace: Workspace,
    ref: str,
    embedder: Embedder,
    *,
    now: datetime | None = None,
    with_usage: bool = True,
) -> SayDo:
    """Say vs do for a theme (``T-4``) or a problem (``P-1``); ``with_usage=False`` leaves
    the linked metrics out (evidence only)."""
    prefix = ref.strip().split("-", 1)[0].upper()
    if prefix not in {"T", "P"}:
        raise InvalidInput(f"{ref!r} is neither a theme (T-…) nor a problem (P-…)", field="subject")
    run = themes.current_run(session, workspace)
    if run is None:
        raise InvalidInput("the workspace has no themes yet; build them first: grounded themes build", field="themes")
    where = topics.space(session, workspace.id, embedder)
    if run.model_version != where.model or not where.ids:
        raise InvalidInput(
            f"the current themes ({run.key}) were built with {run.model}; compare with the same model "
            f"(--model {run.model}) or build the themes again with this one",
            field="model",
        )
    centres = topics.theme_centres(session, where, run)
    own: list[uuid.UUID]
    exclude: set[uuid.UUID] = set()
    if prefix == "T":
        theme = themes.get(session, workspace, ref)
        top = session.get(type(theme), theme.parent_id) if theme.parent_id else theme
        assert top is not None
        own = topics.members(session, theme)
        vector = topics.centre(where.matrix[where.rows(own)])
        exclude = {top.id}
        subject, title = theme.key, theme.name or theme.label
        used = usage.for_theme(session, workspace, theme) if with_usage else UsageSide(skipped=True)
    else:
        problem: Problem = problems.get(session, workspace, ref)
        own = topics.accepted_evidence(session, problem, tuple(LinkRole))
        vector = topics.problem_vector(session, where, embedder, problem)
        subject, title = problem.key, problem.title
        used = usage.for_problem(session, workspace, problem) if with_usage else UsageSide(skipped=True)
    related = _related(centres, vector, exclude)
    evidence_ids = set(own)
    for theme, _similarity in related:
        evidence_ids.update(centres.members[theme.id])
    sentiment.ensure(session, workspace.id, evidence_ids)
    say, do = _sides(session, sorted(evidence_ids, key=str), now or utcnow())
    shown = _struggle(do, used)
    verdict = _verdict(say, shown)
    return SayDo(
        subject=subject,
        title=title,
        say=say,
        do=do,
        verdict=verdict,
        disagree=verdict in {"say_fine_do_struggle", "say_pain_do_nothing"},
        explanation=_explain(verdict, say, do, used),
        related=[_related_row(session, centres, theme, similarity) for theme, similarity in related],
        model=where.model,
        analyzer=sentiment.analyzer_key(),
        usage=used,
        struggle_shown_by=shown,
    )


def _related(centres: topics.ThemeCentres, vector: np.ndarray, exclude: set[uuid.UUID]) -> list[tuple[Any, float]]:
    if not len(centres.themes):
        return []
    similarity = centres.matrix @ vector
    order = np.argsort(-similarity)
    found = [
        (centres.themes[n], round(float(similarity[n]), 3))
        for n in order
        if similarity[n] >= RELATED and centres.themes[n].id not in exclude
    ]
    return found[:MAX_RELATED]


def _related_row(session: Session, centres: topics.ThemeCentres, theme: Any, similarity: float) -> Related:
    members = sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)
    modes = session.execute(
        sa.select(Evidence.mode, sa.func.count()).where(Evidence.id.in_(members)).group_by(Evidence.mode)
    ).all()
    counts = {mode: int(n) for mode, n in modes}
    return Related(
        key=theme.key,
        label=theme.name or theme.label,
        similarity=similarity,
        stated=counts.get(EvidenceMode.STATED, 0),
        observed=counts.get(EvidenceMode.OBSERVED, 0),
    )


def _sides(session: Session, evidence_ids: list[uuid.UUID], now: datetime) -> tuple[Side, Side]:
    rows: list[Any] = []
    for start in range(0, len(evidence_ids), 2000):
        rows += session.execute(
            sa.select(
                Evidence.id,
                Evidence.number,
                Evidence.kind,
                Evidence.mode,
                Evidence.text,
                Evidence.occurred_at,
                Evidence.account_id,
            ).where(Evidence.id.in_(evidence_ids[start : start + 2000]))
        ).all()
    scores = sentiment.scores(session, [r.id for r in rows])
    say, do = Side(), Side()
    accounts: dict[int, set[uuid.UUID]] = {id(say): set(), id(do): set()}
    window = timedelta(days=30)
    span_start = min((r.occurred_at for r in rows), default=now)
    for side, mode in ((say, EvidenceMode.STATED), (do, EvidenceMode.OBSERVED)):
        mine = [r for r in rows if r.mode == mode]
        side.items = len(mine)
        for r in mine:
            side.by_kind[r.kind.value] = side.by_kind.get(r.kind.value, 0) + 1
            if r.account_id is not None:
                accounts[id(side)].add(r.account_id)
            value = scores.get(r.id)
            if value is None:
                continue
            polarity = sentiment.polarity(value)
            setattr(side, polarity, getattr(side, polarity) + 1)
        side.accounts = len(accounts[id(side)])
        values = [scores[r.id] for r in mine if r.id in scores]
        side.mean_sentiment = round(float(np.mean(values)), 3) if values else None
        side.recent_30 = sum(1 for r in mine if now - window <= r.occurred_at <= now)
        before = [r for r in mine if r.occurred_at < now - window]
        windows = max(((now - window) - span_start) / window, 1.0)
        side.before_30_average = round(len(before) / windows, 2) if before else 0.0
        side.by_kind = dict(sorted(side.by_kind.items(), key=lambda kv: -kv[1]))
        side.examples = _examples(mine, scores, positive_first=side is say and side.net > 0)
    return say, do


def _examples(rows: list[Any], scores: dict[uuid.UUID, float], *, positive_first: bool) -> list[dict[str, Any]]:
    """The clearest voices: the most positive (or negative) first for what people say; the
    most recent for what they do."""
    if positive_first:  # a quote or a survey answer says it in fewer words than a whole interview note
        ordered = sorted(rows, key=lambda r: (r.kind.value == "interview_note", -scores.get(r.id, 0.0), r.number))
    else:
        ordered = sorted(rows, key=lambda r: (r.occurred_at, r.number), reverse=True)
    seen: set[str] = set()
    picked = []
    for r in ordered:
        flat = " ".join(r.text.split())
        if flat.lower() in seen:
            continue
        seen.add(flat.lower())
        picked.append(
            {"evidence": f"E-{r.number}", "kind": r.kind.value, "sentiment": scores.get(r.id), "text": flat[:300]}
        )
        if len(picked) == EXAMPLES:
            break
    return picked


def _struggle(do: Side, used: UsageSide) -> list[str]:
    """What on the do side shows people struggling: enough observed items, usage getting
    worse. Usage getting better does not unsay the tickets: they are struggles that happened."""
    shown = []
    if do.items >= MIN_DO:
        shown.append("evidence")
    if used.reading == "worse":
        shown.append("usage")
    return shown


def _verdict(say: Side, shown: list[str]) -> str:
    scored = say.positive + say.negative + say.neutral
    if scored < MIN_SAY:
        return "too_little"
    if say.net >= LEAN:
        return "say_fine_do_struggle" if shown else "agree_fine"
    if say.net <= -LEAN:
        return "agree_pain" if shown else "say_pain_do_nothing"
    return "mixed"


def _explain(verdict: str, say: Side, do: Side, used: UsageSide) -> str:
    scored = say.positive + say.negative + say.neutral
    said = (
        f"{say.positive} of {scored} things people said are positive and {say.negative} negative"
        if scored
        else "nobody said anything about it"
    )
    trend = f", {do.recent_30} in the last 30 days against {do.before_30_average:g} a month before" if do.items else ""
    done = f"{do.items} observed items from {do.accounts} accounts{trend}" + (" (rising)" if do.rising else "")
    used_clause = usage.summary(used)
    return f"{VERDICTS[verdict].capitalize()}: {said}; {done}" + (f"; {used_clause}" if used_clause else "") + "."
