"""What every command needs: settings, a database session, the workspace, the actor."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.cli import start
from grounded.config import Settings, load_settings
from grounded.core.actor import Actor
from grounded.db import migrate
from grounded.db.engine import make_engine, session_scope
from grounded.models import Workspace
from grounded.workspace import service as workspaces
from grounded.workspace import users


@dataclass
class State:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database)
        return self._engine

    @contextmanager
    def session(self, *, require_schema: bool = True) -> Iterator[Session]:
        """A unit of work: committed if the command succeeds, rolled back if it fails."""
        if require_schema:
            migrate.ensure_ready(self.engine)
        with session_scope(self.engine) as session:
            yield session

    def actor(self, session: Session) -> Actor:
        return users.actor_for(users.ensure(session, self.actor_name()))

    def actor_name(self) -> str:
        """Who acts: the configured user, else the operating-system login name."""
        return self.settings.user or _login_name()

    def workspace(self, session: Session) -> Workspace:
        return workspaces.resolve(session, self.settings.workspace)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "local"


_state: State | None = None


def configure(**overrides: str | None) -> State:
    global _state
    if _state is not None:
        _state.close()
    _state = State(settings=load_settings(**overrides))
    start.settle()  # the command's modules are loaded: out of the collector's way (cli/start.py)
    return _state


def state() -> State:
    if _state is None:
        return configure()
    return _state


def close() -> None:
    """Release the database connections of the finished command."""
    if _state is not None:
        _state.close()


@contextmanager
def in_workspace() -> Iterator[tuple[Session, Workspace, Actor]]:
    """The usual command body: a session, the current workspace and who is acting."""
    current = state()
    with current.session() as session:
        yield session, current.workspace(session), current.actor(session)
