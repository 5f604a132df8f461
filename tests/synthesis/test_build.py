"""``themes build`` end to end on a small real corpus: themes a reader recognises, labels
from their words, identities kept across runs, too little evidence refused."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.errors import InvalidInput
from grounded.models import Evidence, EvidenceTheme, Workspace
from grounded.synthesis import themes
from grounded.synthesis.build import build
from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.synthesis.profile import profile
from grounded.synthesis.schemas import ThemeUpdate
from tests.factories import make_actor
from tests.synthesis.conftest import workspace_with

TOPICS = {
    "export": [
        "The CSV export times out for large accounts",
        "csv export fails after 60 seconds with a timeout",
        "Exporting the revenue report to CSV never finishes",
        "export to csv is broken, the file never downloads",
        "CSV export of the pipeline board times out again",
        "our csv exports keep timing out since last week",
        "the export button spins and the csv never arrives",
        "big csv exports fail, small ones work",
    ],
    "login": [
        "Cannot log in with SSO since the update",
        "SSO login fails with an invalid SAML assertion",
        "our team can't sign in through Okta SSO",
        "single sign-on stopped working this morning",
        "SAML login error for every user in finance",
        "SSO redirects back to the login page forever",
        "we are locked out, the SSO login loops",
        "login through SSO broken after the certificate change",
    ],
    "invoice": [
        "The invoice shows the wrong VAT number",
        "Please correct the VAT number on our invoice",
        "invoice VAT id is wrong again this month",
        "our invoices need the PO number or AP rejects them",
        "the invoice total does not match our seat count",
        "billing charged us twice on the last invoice",
        "Can you resend the invoice with the right VAT ID",
        "invoice address and VAT number are out of date",
    ],
}


def test_themes_are_found_labelled_and_keep_their_keys(engine: Engine, model: MiniLM) -> None:
    workspace_id, _ = workspace_with(engine, list(itertools.chain(*TOPICS.values())))
    with session_scope(engine) as session:
        actor = make_actor(session)
    report = build(engine, workspace_id, model, actor=actor)
    assert (report.evidence, report.embedded, report.themes) == (24, 24, 3)
    assert report.method == "snn-leiden-cpm"
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        assert run is not None
        assert run.key == report.run
        found = {t.key: t for t in themes.top_level(session, run)}
        labels = " | ".join(t.label for t in found.values())
        for word in ("csv", "sso", "vat"):
            assert word in labels, labels
        export = next(t for t in found.values() if "csv" in t.label)
        shown = profile(session, export)
        assert shown.size == export.size >= 7
        assert 3 <= len(shown.representatives) <= 5
        assert all("csv" in r["text"].lower() or "export" in r["text"].lower() for r in shown.representatives)
        themes.update(session, export, data=ThemeUpdate(name="CSV exports time out"), actor=actor)
        export_key = export.key
    again = build(engine, workspace_id, model, actor=actor)
    assert (again.embedded, again.carried_over) == (0, 3)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        kept = themes.get(session, workspace, export_key)
        assert kept.name == "CSV exports time out"
        assert kept.run_id != run.id


def test_too_little_evidence_is_refused_with_a_reason(engine: Engine, model: MiniLM) -> None:
    workspace_id, _ = workspace_with(engine, TOPICS["export"])
    with session_scope(engine) as session:
        actor = make_actor(session)
    with pytest.raises(InvalidInput, match="the workspace has 8 evidence items; themes need at least 20"):
        build(engine, workspace_id, model, actor=actor)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        assert themes.current_run(session, workspace) is None  # nothing half-written


def test_one_word_and_huge_texts_are_themed_or_left_alone_without_trouble(engine: Engine, model: MiniLM) -> None:
    huge = "The CSV export times out for our largest account. " * 2000  # 100,000 characters
    odd = ["ok", "?", "thanks", huge]
    workspace_id, _ = workspace_with(engine, list(itertools.chain(*TOPICS.values())) + odd)
    with session_scope(engine) as session:
        actor = make_actor(session)
    report = build(engine, workspace_id, model, actor=actor)
    assert report.evidence == 24 + len(odd)
    assert report.truncated == 1
    assert report.themes == 3
    assert report.unthemed >= 3  # "ok", "?" and "thanks" are about nothing
    with session_scope(engine) as session:
        placed = set(
            session.scalars(
                sa.select(Evidence.text)
                .join(EvidenceTheme, EvidenceTheme.evidence_id == Evidence.id)
                .where(Evidence.workspace_id == workspace_id)
            )
        )
    assert not placed & {"ok", "?", "thanks"}
    assert huge.strip() in placed  # cut to 256 tokens for its vector, kept whole
