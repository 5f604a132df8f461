"""``grounded user``: people and their roles in the current workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, table
from grounded.cli.parse import schema
from grounded.models.enums import Role
from grounded.workspace import users
from grounded.workspace.schemas import UserCreate, UserRead

app = typer.Typer(help="Users and roles.\n\nExample: grounded user list", no_args_is_help=True)


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Members of the current workspace with their roles.

    Example: grounded user list
    """
    with in_workspace() as (session, workspace, _):
        rows = [(UserRead.model_validate(u), role) for u, role in users.members(session, workspace)]
    if as_json:
        emit_json([{**u.model_dump(mode="json"), "role": role.value} for u, role in rows])
        return
    table(["email", "name", "role"], [(u.email, u.name, role) for u, role in rows])


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="E-mail address (their sign-in name).")],
    name: Annotated[str, typer.Argument(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role in the current workspace.")] = Role.VIEWER,
) -> None:
    """Add a user and give them a role in the current workspace.

    Example: grounded user create sam@example.com "Sam Lee" --role editor
    """
    with in_workspace() as (session, workspace, actor):
        created = users.create(session, data=schema(UserCreate, {"email": email, "name": name}), actor=actor)
        users.set_role(session, workspace, created, role, actor=actor)
    done(f"Added {created.email} as {role.value} of {workspace.slug}.")


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
