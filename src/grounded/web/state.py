"""What the app keeps for its lifetime: settings, the engine, loaded models."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from grounded.config import Settings
from grounded.db.engine import session_factory
from grounded.synthesis.vectors import Embedder
from grounded.web.config import WebConfig
from grounded.web.recent import Recent


@dataclass
class AppState:
    settings: Settings
    config: WebConfig
    engine: Engine
    embedders: dict[str, Embedder] = field(default_factory=dict)
    recent: Recent = field(default_factory=Recent)
    _makers: dict[bool, sessionmaker[Session]] = field(default_factory=dict, repr=False)

    def sessions(self, *, write: bool) -> Session:
        """A new session on the engine: ``write`` ones take SQLite's write lock when they begin."""
        maker = self._makers.get(write)
        if maker is None:
            maker = self._makers[write] = session_factory(self.engine, write=write)
        return maker()


def app_state(request: Request) -> AppState:
    found: AppState = request.app.state.grounded
    return found
