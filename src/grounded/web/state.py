"""What the app keeps for its lifetime: settings, the engine, loaded models."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy.engine import Engine

from grounded.config import Settings
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


def app_state(request: Request) -> AppState:
    found: AppState = request.app.state.grounded
    return found
