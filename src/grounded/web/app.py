"""The application: pages under ``/w/{workspace}/`` and their JSON twins under
``/api/v1/w/{workspace}/``, with the OpenAPI description at ``/api/v1/openapi.json``."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.middleware.trustedhost import TrustedHostMiddleware

from grounded import __version__
from grounded.config import Settings
from grounded.db import migrate
from grounded.db.engine import make_engine
from grounded.web import errors, openapi
from grounded.web.config import WebConfig
from grounded.web.deps import plain_params
from grounded.web.middleware import BodyLimit, SecurityHeaders, SessionCookie
from grounded.web.routes import ROUTERS
from grounded.web.state import AppState

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, config: WebConfig | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The app over ``settings``' database (or ``engine``, which the caller owns)."""
    config = config or WebConfig()
    engine = engine or make_engine(settings.database)
    migrate.ensure_ready(engine)
    app = FastAPI(
        title="grounded",
        version=__version__,
        summary="Evidence, problems, bets and decisions: the JSON twin of every page.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        dependencies=[Depends(plain_params)],
    )
    app.state.grounded = AppState(settings=settings, config=config, engine=engine)
    app.state.config = config
    errors.install(app)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(SessionCookie, secure=config.secure_cookies)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, upload_limit=config.max_upload_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=config.trusted_hosts)
    return app
