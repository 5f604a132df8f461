"""``grounded user``: people, their passwords and their roles in the current workspace."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, table, warn
from grounded.cli.parse import schema
from grounded.errors import InvalidInput
from grounded.models.enums import Role
from grounded.workspace import passwords, users
from grounded.workspace.schemas import UserCreate, UserRead, UserUpdate

app = typer.Typer(help="Users, passwords and roles.\n\nExample: grounded user list", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Members of the current workspace with their roles and whether they have a password.

    Example: grounded user list
    """
    with in_workspace() as (session, workspace, _):
        rows = [
            (UserRead.model_validate(u), role, bool(u.password_hash)) for u, role in users.members(session, workspace)
        ]
    if as_json:
        emit_json([{**u.model_dump(mode="json"), "role": role.value, "has_password": has} for u, role, has in rows])
        return
    table(
        ["email", "name", "role", "password", "active"],
        [(u.email, u.name, role, _yes(has), _yes(u.is_active)) for u, role, has in rows],
    )


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="E-mail address (their sign-in name).")],
    name: Annotated[str, typer.Argument(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role in the current workspace.")] = Role.VIEWER,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user and give them a role in the current workspace. At a terminal you are asked
    for their password (twice, hidden); leave it empty to add them without one.

    Example: grounded user create sam@example.com "Sam Lee" --role editor
    """
    data = schema(UserCreate, {"email": email, "name": name})
    password = _read_password(from_stdin=password_stdin, optional=True, email=data.email)
    with in_workspace() as (session, workspace, actor):
        created = users.create(session, data=data, actor=actor)
        users.set_role(session, workspace, created, role, actor=actor)
        if password is not None:
            passwords.set_password(session, created, password, actor=actor)
    with_password = " with a password" if password is not None else ""
    done(f"Added {created.email} as {role.value} of {workspace.slug}{with_password}.")


@app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set or change a user's password; their web sessions end (they sign in again).

    Example: grounded user password sam@example.com
    """
    with in_workspace() as (session, _, actor):
        member = users.get(session, email)
        secret = _read_password(from_stdin=password_stdin, optional=False, email=member.email)
        assert secret is not None
        passwords.set_password(session, member, secret, actor=actor)
    done(f"Password of {member.email} set; their web sessions were ended.")


@app.command("deactivate")
def deactivate(email: Annotated[str, typer.Argument(help="The user's e-mail.")]) -> None:
    """Stop a user from signing in: their web sessions end and their API tokens stop working.

    Example: grounded user deactivate sam@example.com
    """
    _set_active(email, active=False)


@app.command("activate")
def activate(email: Annotated[str, typer.Argument(help="The user's e-mail.")]) -> None:
    """Let a deactivated user sign in again.

    Example: grounded user activate sam@example.com
    """
    _set_active(email, active=True)


@app.command("role")
def role(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    new_role: Annotated[Role, typer.Argument(metavar="ROLE", help="viewer, contributor, editor or admin.")],
) -> None:
    """Change a user's role in the current workspace.

    Example: grounded user role sam@example.com admin
    """
    with in_workspace() as (session, workspace, actor):
        member = users.get(session, email)
        users.set_role(session, workspace, member, new_role, actor=actor)
    done(f"{member.email} is now {new_role.value} of {workspace.slug}.")


def _set_active(email: str, *, active: bool) -> None:
    with in_workspace() as (session, _, actor):
        member = users.get(session, email)
        users.update(session, member, data=UserUpdate(is_active=active), actor=actor)
    done(f"{member.email} is now {'active' if active else 'deactivated'}.")


def _read_password(*, from_stdin: bool, optional: bool, email: str) -> str | None:
    """The password from standard input's first line, from a hidden prompt at a terminal,
    or None (only when ``optional``: no terminal, or an empty answer)."""
    if from_stdin:
        try:
            secret = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError as error:
            raise InvalidInput("standard input is not UTF-8 text", field="password") from error
    elif stdin_is_terminal():
        default = "" if optional else None
        prompt = "Password (empty for none)" if optional else "Password"
        secret = typer.prompt(
            prompt,
            default=default,
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
            value_proc=lambda answer: _checked(answer, email=email, optional=optional),
        )
        if optional and secret == "":
            return None
    elif optional:
        return None
    else:
        raise InvalidInput("no terminal to ask at: pass --password-stdin and pipe it in", field="password")
    passwords.validate(secret, email=email)
    return secret


def _checked(answer: str, *, email: str, optional: bool) -> str:
    """A prompt's answer, or a usage error that makes the prompt ask again."""
    if answer == "" and optional:
        return answer
    try:
        passwords.validate(answer, email=email)
    except InvalidInput as error:
        warn(str(error))  # the prompt hides the reason of a hidden answer; say it, then ask again
        raise typer.BadParameter(str(error)) from None
    return answer


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
