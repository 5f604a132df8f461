"""Evidence strength: each account once, a loud voice damped, old evidence decayed, the
silent segments named; only accepted links count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput
from grounded.models.enums import LinkOrigin, LinkRole
from grounded.problem import links
from grounded.problem.schemas import ProblemLinkCreate
from grounded.synthesis.strength import strength
from tests.factories import make_account, make_actor, make_evidence, make_problem, make_workspace

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def test_strength_counts_accounts_once_and_decays_old_evidence(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    loud = make_account(session, workspace, actor, segment="Enterprise", arr=100_000)
    old = make_account(session, workspace, actor, segment="SMB", arr=5_000)
    make_account(session, workspace, actor, segment="Mid-Market", arr=40_000)  # never heard from
    problem = make_problem(session, workspace, actor)

    def add(account: object, *, days: int, role: LinkRole = LinkRole.SUPPORTS, kind: str = "ticket") -> None:
        item = make_evidence(
            session,
            workspace,
            actor,
            kind=kind,
            occurred_at=NOW - timedelta(days=days),
            account=getattr(account, "external_id", None),
        )
        links.link(session, workspace, problem, data=ProblemLinkCreate(target=item.key, role=role), actor=actor)

    for _ in range(5):
        add(loud, days=0)  # one loud account: 1 - 0.5**5
    add(old, days=90)  # one half-life old: 1 - 0.5**0.5
    add(None, days=0, role=LinkRole.CONTRADICTS, kind="quote")  # a voice of its own: 0.5
    pending = make_evidence(session, workspace, actor, account=old.external_id, occurred_at=NOW)
    links.link(
        session,
        workspace,
        problem,
        actor=actor,
        data=ProblemLinkCreate(target=pending.key, origin=LinkOrigin.SUGGESTED, confidence=0.9, receipts={"x": 1}),
    )  # suggested, not accepted: does not count

    found = strength(session, problem, now=NOW)
    expected_for = (1 - 0.5**5) + (1 - 0.5**0.5)
    assert found.supports.strength == pytest.approx(expected_for, abs=1e-3)
    assert (found.supports.items, found.supports.voices, found.supports.accounts) == (6, 2, 2)
    assert found.supports.arr == 105_000
    assert found.supports.loudest_share == pytest.approx((1 - 0.5**5) / expected_for, abs=1e-3)
    assert found.contradicts.strength == 0.5
    assert (found.contradicts.items, found.contradicts.voices, found.contradicts.accounts) == (1, 1, 0)
    assert found.net == pytest.approx(expected_for - 0.5, abs=1e-3)
    assert found.represented == {"Enterprise": 1, "SMB": 1}
    assert found.silent == ["Mid-Market"]
    slower = strength(session, problem, now=NOW, half_life_days=900)
    assert slower.supports.strength > found.supports.strength


@pytest.mark.parametrize("half_life", [0, -5, float("nan")])
def test_a_half_life_that_is_not_positive_is_refused(session: Session, half_life: float) -> None:
    actor = make_actor(session)
    problem = make_problem(session, make_workspace(session, actor), actor)
    with pytest.raises(InvalidInput, match="half-life must be a positive number"):
        strength(session, problem, half_life_days=half_life)
