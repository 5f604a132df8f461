"""``grounded user``: creating users with passwords, changing them, (de)activating."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grounded.cli import user as user_cli
from grounded.db.engine import make_engine, session_scope
from grounded.errors import NotAuthenticated
from grounded.models import User
from grounded.workspace import passwords
from tests.cli.conftest import Invoke

GOOD = "correct horse battery"


def sign_in(database: str, email: str, password: str) -> str:
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            return passwords.authenticate(session, email=email, password=password, client="cli-test").email
    finally:
        engine.dispose()


def stored_users(database: str) -> dict[str, tuple[bool, bool]]:
    """email → (has a password, is active)"""
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            return {u.email: (bool(u.password_hash), u.is_active) for u in session.scalars(sa.select(User))}
    finally:
        engine.dispose()


def test_a_user_created_with_a_password_from_stdin_can_sign_in(ready: Invoke, database: str) -> None:
    run = ready("user", "create", "Sam@Example.com", "Sam", "--role", "editor", "--password-stdin", stdin=GOOD + "\n")
    assert "Added sam@example.com as editor of acme with a password." in run.stdout
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"
    with pytest.raises(NotAuthenticated, match="wrong e-mail or password"):
        sign_in(database, "sam@example.com", GOOD[:-1])


def test_the_last_admin_cannot_be_demoted_from_the_command_line(ready: Invoke) -> None:
    admins = [row["email"] for row in ready("user", "list", "--json").json() if row["role"] == "admin"]
    assert len(admins) == 1
    run = ready("user", "role", admins[0], "viewer", ok=False)
    assert run.exit_code == 4
    assert "role: the workspace needs at least one admin; make someone else admin first" in run.stderr
    ready("user", "create", "kim@example.com", "Kim", "--role", "admin")
    ready("user", "role", admins[0], "viewer")  # another admin now: allowed
    roles = {row["email"]: row["role"] for row in ready("user", "list", "--json").json()}
    assert (roles[admins[0]], roles["kim@example.com"]) == ("viewer", "admin")
    assert ready("user", "role", "kim@example.com", "editor", ok=False).exit_code == 4


def test_a_windows_line_ending_is_not_part_of_the_password(ready: Invoke, database: str) -> None:
    ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=GOOD + "\r\nsecond line\n")
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("short\n", "password: must be at least 10 characters (this one has 5)"),
        ("", "password: must be at least 10 characters (this one has 0)"),
        ("x" * 1025 + "\n", "password: must be at most 1024 characters (this one has 1025)"),
        ("sam@example.com\n", "password: must not be the e-mail address"),
    ],
)
def test_a_bad_password_exits_4_naming_the_password_and_adds_no_one(
    ready: Invoke, database: str, stdin: str, message: str
) -> None:
    run = ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=stdin, ok=False)
    assert run.exit_code == 4
    assert message in run.stderr
    assert "sam@example.com" not in stored_users(database)


def test_a_password_that_is_not_utf8_is_refused(ready: Invoke, database: str) -> None:
    stdin: object = b"\xff\xfe not utf-8 at all\n"
    run = ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=stdin, ok=False)
    assert run.exit_code == 4
    assert "password: standard input is not UTF-8 text" in run.stderr
    assert "sam@example.com" not in stored_users(database)


def test_without_a_terminal_or_stdin_flag_the_user_has_no_password(ready: Invoke, database: str) -> None:
    ready("user", "create", "kim@example.com", "Kim")
    assert stored_users(database)["kim@example.com"] == (False, True)
    listed = {row["email"]: row for row in ready("user", "list", "--json").json()}
    assert listed["kim@example.com"]["has_password"] is False
    assert "password_hash" not in listed["kim@example.com"]


def test_at_a_terminal_the_password_is_asked_twice(
    ready: Invoke, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_cli, "stdin_is_terminal", lambda: True)
    run = ready("user", "create", "sam@example.com", "Sam", stdin=f"{GOOD}\nnot the same one\n{GOOD}\n{GOOD}\n")
    assert "do not match" in run.stdout
    assert GOOD not in run.stdout
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"


def test_at_a_terminal_a_too_short_password_is_asked_again(
    ready: Invoke, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_cli, "stdin_is_terminal", lambda: True)
    run = ready("user", "create", "sam@example.com", "Sam", stdin=f"short\n{GOOD}\n{GOOD}\n")
    assert "password: must be at least 10 characters (this one has 5)" in run.stdout + run.stderr
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"


def test_at_a_terminal_an_empty_answer_adds_the_user_without_a_password(
    ready: Invoke, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_cli, "stdin_is_terminal", lambda: True)
    ready("user", "create", "sam@example.com", "Sam", stdin="\n\n")
    assert stored_users(database)["sam@example.com"] == (False, True)


def test_changing_a_password(ready: Invoke, database: str) -> None:
    ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=GOOD + "\n")
    run = ready("user", "password", "SAM@example.com", "--password-stdin", stdin="a new long secret\n")
    assert "Password of sam@example.com set; their web sessions were ended." in run.stdout
    assert sign_in(database, "sam@example.com", "a new long secret") == "sam@example.com"
    with pytest.raises(NotAuthenticated):
        sign_in(database, "sam@example.com", GOOD)
    listed = {row["email"]: row for row in ready("user", "list", "--json").json()}
    assert listed["sam@example.com"]["has_password"] is True
    assert "$argon2" not in ready("user", "list").stdout


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (("nobody@example.com", "--password-stdin"), GOOD + "\n", (3, "user nobody@example.com not found")),
        (("sam@example.com", "--password-stdin"), "too short\n", (4, "password: must be at least 10")),
        (("sam@example.com",), None, (4, "password: no terminal to ask at: pass --password-stdin")),
    ],
)
def test_bad_password_changes_are_refused_and_keep_the_old_password(
    ready: Invoke, database: str, args: tuple[str, ...], stdin: str | None, expected: tuple[int, str]
) -> None:
    code, message = expected
    ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=GOOD + "\n")
    run = ready("user", "password", *args, stdin=stdin, ok=False)
    assert run.exit_code == code
    assert message in run.stderr
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"


def test_deactivating_and_activating(ready: Invoke, database: str) -> None:
    ready("user", "create", "sam@example.com", "Sam", "--password-stdin", stdin=GOOD + "\n")
    assert "sam@example.com is now deactivated." in ready("user", "deactivate", "sam@example.com").stdout
    assert stored_users(database)["sam@example.com"] == (True, False)
    table = ready("user", "list").stdout
    row = next(line for line in table.splitlines() if "sam@example.com" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["sam@example.com", "Sam", "viewer", "yes", "no"]
    with pytest.raises(NotAuthenticated, match="wrong e-mail or password"):
        sign_in(database, "sam@example.com", GOOD)
    assert "sam@example.com is now active." in ready("user", "activate", "sam@example.com").stdout
    assert sign_in(database, "sam@example.com", GOOD) == "sam@example.com"
    run = ready("user", "deactivate", "nobody@example.com", ok=False)
    assert (run.exit_code, run.stderr.strip()) == (3, "error: user nobody@example.com not found")
