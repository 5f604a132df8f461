"""Every router of the app, pages and API together, one module per page family."""

from __future__ import annotations

from fastapi import APIRouter

from grounded.web.routes import (
    auth,
    bets,
    decisions,
    evidence,
    home,
    imports,
    metrics,
    problems,
    requests,
    saydo,
    settings,
    themes,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    evidence.router,
    saydo.router,
    themes.router,
    problems.router,
    bets.router,
    decisions.router,
    requests.router,
    metrics.router,
    imports.router,
    settings.router,
)
