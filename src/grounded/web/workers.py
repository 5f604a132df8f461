"""The app in each of several uvicorn worker processes (``grounded serve --workers N``).

uvicorn starts workers by importing an app factory, so the parent hands each one its
settings and web configuration as JSON in an environment variable.
"""

from __future__ import annotations

import dataclasses
import json
import os

from fastapi import FastAPI

from grounded.config import Settings
from grounded.errors import InvalidInput
from grounded.web.config import WebConfig

ENV = "GROUNDED_SERVE_CONFIG"
FACTORY = "grounded.web.workers:app_from_env"


def to_env(settings: Settings, config: WebConfig) -> str:
    """What :func:`app_from_env` reads back: the settings and the web configuration."""
    return json.dumps({"settings": settings.model_dump(mode="json"), "config": dataclasses.asdict(config)})


def from_env(raw: str | None) -> tuple[Settings, WebConfig]:
    if not raw:
        raise InvalidInput(f"{ENV} is not set: worker processes are started by grounded serve --workers", field=ENV)
    try:
        found = json.loads(raw)
        return Settings.model_validate(found["settings"]), WebConfig(**found["config"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput(f"{ENV} is not the configuration grounded serve writes: {error}", field=ENV) from error


def app_from_env() -> FastAPI:
    """The app for one worker process, over its own database engine."""
    from grounded.web.app import create_app

    settings, config = from_env(os.environ.get(ENV))
    return create_app(settings, config)
