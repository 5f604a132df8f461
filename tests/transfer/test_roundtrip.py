"""Export a workspace, import it into a new database, export again: identical."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.db.engine import session_scope
from grounded.demo.build import DemoOptions, build
from grounded.errors import Conflict, ImportRejected
from grounded.models import Evidence, ProblemLink, Workspace
from grounded.search.service import search
from grounded.transfer.export import export_workspace
from grounded.transfer.importer import import_workspace, load
from tests.conftest import BACKENDS, fresh_database
from tests.factories import make_account, make_actor, make_evidence, make_workspace

SMALL = {"accounts": 40, "tickets": 200, "interviews": 6, "survey_answers": 40, "requests": 30, "events": 3000}


def _export(session: Session, workspace: Workspace) -> dict[str, Any]:
    buffer = io.StringIO()
    export_workspace(session, workspace, buffer)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    document.pop("exported_at")
    return document


@pytest.fixture(scope="module", params=BACKENDS)
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database holding a small demo, built once per backend (the demo commits: it
    imports its exports through the real importers)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("source")) as engine:
        with session_scope(engine) as session:
            actor = make_actor(session)
        build(
            engine,
            data_dir=tmp_path_factory.mktemp("data"),
            actor=actor,
            options=DemoOptions(as_of=date(2026, 11, 26), seed=3, **SMALL),
        )
        yield engine


@pytest.fixture
def demo_session(source: Engine) -> Iterator[Session]:
    """A session on the demo's database whose own work is rolled back."""
    connection = source.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    transaction.rollback()
    connection.close()


def _demo(session: Session) -> Workspace:
    return session.scalars(sa.select(Workspace).where(Workspace.slug == "demo")).one()


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(request.param, tmp_path) as engine:
        yield engine


def test_round_trip_is_exact_across_databases(demo_session: Session, target: Engine) -> None:
    demo_workspace = _demo(demo_session)
    original = _export(demo_session, demo_workspace)
    assert sum(len(rows) for rows in original["tables"].values()) > 600
    with session_scope(target) as other:
        import_workspace(other, json.loads(json.dumps({**original, "exported_at": "x"})))
    with session_scope(target) as other:
        copy = other.scalars(sa.select(Workspace)).one()
        again = _export(other, copy)
        assert (
            search(other, copy, text="spreadsheet").total
            == search(demo_session, demo_workspace, text="spreadsheet").total
        )
    assert again == original


def test_import_as_a_copy_gets_new_ids_and_consistent_references(demo_session: Session) -> None:
    session = demo_session
    document = _export(session, _demo(session))
    copy = import_workspace(session, document, slug="demo-copy", name="Copy")
    assert (copy.slug, copy.name) == ("demo-copy", "Copy")
    original_ids = {row["id"] for row in document["tables"]["evidence"]}
    copied = session.scalars(sa.select(Evidence).where(Evidence.workspace_id == copy.id)).all()
    assert len(copied) == len(original_ids)
    assert not original_ids & {str(row.id) for row in copied}
    copied_ids = {row.id for row in copied}
    copied_links = session.scalars(sa.select(ProblemLink).where(ProblemLink.workspace_id == copy.id)).all()
    evidence_links = [link for link in copied_links if link.evidence_id is not None]
    assert evidence_links
    assert all(link.evidence_id in copied_ids for link in evidence_links)
    with pytest.raises(Conflict, match="already exists"):
        import_workspace(session, document)


@pytest.fixture
def small_workspace(session: Session) -> Workspace:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_account(session, workspace, actor, external_id="A-1")
    note = make_evidence(session, workspace, actor, kind="interview_note", account="A-1")
    make_evidence(session, workspace, actor, kind="quote", parent=note.key)
    return workspace


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "not a grounded workspace export"),
        ('{"format": "grounded-workspace", "format_version": 99}', "format version 99"),
    ],
)
def test_files_that_are_not_exports_are_refused(text: str, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        load(io.StringIO(text), name="backup.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_revision="0000"), "schema revision '0000'"),
        (lambda d: d["tables"].update(tweets=[]), "does not know: tweets"),
        (lambda d: d["tables"]["evidence"][0].update(colour="red"), r"evidence\[0\]: unknown column"),
        (lambda d: d["tables"]["evidence"][0].update(occurred_at="yesterday"), r"evidence\[0\]: occurred_at"),
        (lambda d: d["tables"]["evidence"][0].update(kind="tweet"), r"evidence\[0\]: kind"),
        (lambda d: d["tables"]["account"][0].update(arr="lots"), r"account\[0\]: arr"),
        (
            lambda d: d["tables"]["account"][0].update(workspace_id="00000000-0000-0000-0000-000000000001"),
            "belongs to another workspace",
        ),
        (lambda d: d["tables"]["evidence"][0].update(number=2**70), r"evidence\[0\]: number .*64 bits"),
        (lambda d: d["tables"]["evidence"][0].update(title="a\x00b"), r"evidence\[0\]: title .* NUL character"),
        (lambda d: d["tables"]["evidence"][0].pop("id"), r"evidence\[0\]: missing column\(s\) id"),
        (lambda d: d["workspace"].pop("id"), r"workspace: missing column\(s\) id"),
        (lambda d: d["tables"]["account"][0].pop("name"), r"account\[0\]: missing column\(s\) name"),
        (
            lambda d: d["tables"]["evidence"][1].update(id=d["tables"]["evidence"][0]["id"]),
            r"evidence\[1\]: id .* is also that of evidence\[0\]",
        ),
        (
            lambda d: d["tables"]["evidence"][1].update(number=d["tables"]["evidence"][0]["number"]),
            r"evidence\[1\]: number 1 is also that of evidence\[0\]",
        ),
        # A key's number that no key can name (E-1000000000 is ten digits; E-0, E--4).
        (
            lambda d: d["tables"]["evidence"][0].update(number=10**9),
            r"evidence\[0\]: number 1000000000 is outside the numbers keys are written with \(1 to 999,999,999\)",
        ),
        (lambda d: d["tables"]["evidence"][0].update(number=0), r"evidence\[0\]: number 0 is outside"),
        (lambda d: d["tables"]["evidence"][1].update(number=-4), r"evidence\[1\]: number -4 is outside"),
        (
            lambda d: d["tables"]["workspace_counter"][0].update(last_value=10**9),
            r"workspace_counter\[0\]: last_value 1000000000 is outside .* \(0 to 999,999,999\)",
        ),
    ],
)
def test_damaged_exports_say_what_and_where(
    session: Session, small_workspace: Workspace, change: Any, message: str
) -> None:
    document = _export(session, small_workspace)
    change(document)
    with pytest.raises(ImportRejected, match=message):
        import_workspace(session, document, slug="damaged")


def test_an_export_with_a_bad_slug_is_refused_and_stale_counters_are_raised(
    session: Session, small_workspace: Workspace
) -> None:
    document = _export(session, small_workspace)
    document["workspace"]["slug"] = "Bad Slug!"
    with pytest.raises(ImportRejected, match=r"workspace: slug: .*lowercase letters.*import a copy with: --slug"):
        import_workspace(session, document)
    document = _export(session, small_workspace)
    document["tables"]["workspace_counter"] = [
        c for c in document["tables"]["workspace_counter"] if c["prefix"] != "E"
    ]  # as if edited by hand: the evidence counter is gone
    copy = import_workspace(session, document, slug="copy")
    actor = make_actor(session, "counter@example.com")
    added = make_evidence(session, copy, actor)
    assert added.key == "E-3"  # after the two copied items, not E-1 again


def _with_a_theme(session: Session) -> Workspace:
    """The demo with a theme run whose theme carries its centre (bytes) and radius."""
    from grounded.synthesis import themes
    from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate

    workspace = _demo(session)
    actor = make_actor(session)
    run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="m/1"), actor=actor)
    theme = themes.add_theme(session, run, data=ThemeCreate(label="exports / csv"))
    theme.centre, theme.radius = bytes(range(256)) * 6, 0.25
    themes.finish_run(session, run, evidence_count=0, unthemed_count=0, actor=actor)
    return workspace


def test_binary_columns_survive_the_round_trip(demo_session: Session, target: Engine) -> None:
    original = _export(demo_session, _with_a_theme(demo_session))
    assert original["tables"]["theme"][0]["radius"] == 0.25
    with session_scope(target) as other:
        import_workspace(other, json.loads(json.dumps({**original, "exported_at": "x"})))
    with session_scope(target) as other:
        from grounded.models import Theme

        assert other.scalars(sa.select(Theme.centre)).one() == bytes(range(256)) * 6
        assert _export(other, other.scalars(sa.select(Workspace)).one()) == original


def test_damaged_binary_is_refused_with_where(demo_session: Session) -> None:
    document = _export(demo_session, _with_a_theme(demo_session))
    document["tables"]["theme"][0]["centre"] = "not base64!"
    with pytest.raises(ImportRejected, match=r"theme\[0\]: centre"):
        import_workspace(demo_session, document, slug="damaged")


def _with_credentials(session: Session, workspace: Workspace) -> str:
    """A member with a password and an API token; returns the member's e-mail."""
    from grounded.models.enums import Role
    from grounded.workspace import passwords, tokens, users
    from grounded.workspace.schemas import ApiTokenCreate, UserCreate

    actor = make_actor(session)
    member = users.create(session, data=UserCreate(email="kim@example.com", name="Kim"), actor=actor)
    passwords.set_password(session, member, "a long enough password 42", actor=actor)
    users.set_role(session, workspace, member, Role.EDITOR, actor=actor)
    tokens.create(session, workspace, member, data=ApiTokenCreate(name="ci", role=Role.VIEWER), actor=actor)
    return member.email


def test_an_export_without_credentials_leaves_out_password_hashes_and_tokens(
    session: Session, small_workspace: Workspace, target: Engine
) -> None:
    email = _with_credentials(session, small_workspace)
    backup = _export(session, small_workspace)
    kim = next(u for u in backup["users"] if u["email"] == email)
    assert kim["password_hash"].startswith("$argon2")
    assert len(backup["tables"]["api_token"]) == 1

    buffer = io.StringIO()
    counts = export_workspace(session, small_workspace, buffer, credentials=False)
    shared = json.loads(buffer.getvalue())
    assert shared["credentials"] is False
    assert "api_token" not in shared["tables"]
    assert "api_token" not in counts
    assert all(user["password_hash"] is None for user in shared["users"])
    assert "$argon2" not in buffer.getvalue()
    assert shared["tables"]["membership"] == backup["tables"]["membership"]  # everything else is the same
    assert shared["tables"]["evidence"] == backup["tables"]["evidence"]

    with session_scope(target) as other:
        import_workspace(other, shared)
    with session_scope(target) as other:
        from grounded.models import ApiToken, User

        landed = other.scalars(sa.select(User).where(User.email == email)).one()
        assert landed.password_hash is None  # can sign in once an admin sets a password there
        assert other.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
        assert other.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 2
