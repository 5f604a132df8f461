"""What every route needs: a unit of work, who is asking, and in which workspace.

A request is one unit of work: committed when the route succeeds, rolled back when it
raises. Who is asking comes from, in order: a bearer token (the API), the session cookie
(pages), or, in single-user local mode, the local user. Roles are checked here, on the
server, for every route; templates only hide what a role cannot do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from grounded.core.validation import NUL_MESSAGE
from grounded.db.engine import finish
from grounded.errors import Forbidden, InvalidInput, NotAuthenticated
from grounded.models import User
from grounded.models.enums import Role
from grounded.web import identity
from grounded.web.identity import Caller
from grounded.workspace import web_sessions


async def unit_of_work(request: Request) -> AsyncIterator[Session]:
    """A change takes SQLite's write lock up front (its reads and writes see one snapshot
    and queue behind other writers); a read takes none. Once a change is committed, the
    answers kept for its workspace (web/recent.py) are forgotten.

    Opening the session touches no database (it connects at its first query), so it is done
    here on the event loop; committing or rolling back is I/O and goes to a worker thread,
    shielded so that a client hanging up cannot leave the connection checked out."""
    state = request.app.state.grounded
    write = request.method not in identity.SAFE_METHODS
    session = state.sessions(write=write)
    done = False
    try:
        yield session
        done = True
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(finish, session, commit=done)
    changed = getattr(request.state, "workspace_id", None)
    if write and changed is not None:
        state.recent.forget(changed)


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]


#: No key, id or slug in a path is longer (a key is ``SRC-123``, a token id a UUID).
MAX_PATH_PARAM = 200


async def plain_params(request: Request) -> None:
    """Refuses a NUL character anywhere in the path or the query string (PostgreSQL cannot
    even compare one) and an overlong path parameter, naming the parameter, before anything
    looks it up. Bodies are checked by their schemas."""
    for name, value in request.path_params.items():
        if len(str(value)) > MAX_PATH_PARAM:
            raise InvalidInput(f"at most {MAX_PATH_PARAM} characters, got {len(str(value))}", field=f"path.{name}")
    where = (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
    for part, values in where:
        for name, value in values:
            if "\x00" in f"{name}{value}":
                raise InvalidInput(NUL_MESSAGE, field=f"{part}.{name}")


CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _identified(request: Request, session: SessionDep, ws: str) -> Caller:
    found = identity.identify(request, session, ws)
    request.state.seen = found.seen()
    request.state.workspace_id = found.workspace.id
    return found


async def caller(request: Request, who: Annotated[Caller, Depends(_identified)]) -> Caller:
    """The caller of a workspace route (``/w/{ws}/…`` or ``/api/v1/w/{ws}/…``). A change
    made with a cookie must carry the session's CSRF token (a form field or a header);
    bearer tokens are not sent by browsers on their own, so they need none."""
    if request.method not in identity.SAFE_METHODS and who.web_session is not None:
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and _is_form(request):
            value = (await request.form()).get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
        if not web_sessions.csrf_matches(who.web_session, presented):
            raise Forbidden("the form's security token is missing or stale; reload the page and try again")
    return who


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


CallerDep = Annotated[Caller, Depends(caller)]


def _require(needed: Role) -> Any:
    """A dependency that refuses callers below ``needed``."""

    async def check(who: CallerDep) -> Caller:
        if not who.can(needed):
            raise Forbidden(f"this needs the {needed.value} role; you are {who.role.value} in {who.workspace.slug}")
        return who

    return Depends(check)


Viewer = Annotated[Caller, _require(Role.VIEWER)]
Contributor = Annotated[Caller, _require(Role.CONTRIBUTOR)]
Editor = Annotated[Caller, _require(Role.EDITOR)]
Admin = Annotated[Caller, _require(Role.ADMIN)]


def signed_in(request: Request, session: SessionDep) -> User:
    """The signed-in user for routes outside a workspace (the workspace chooser)."""
    user = identity.user_of(request, session)
    if user is None:
        raise NotAuthenticated("sign in first")
    return user
