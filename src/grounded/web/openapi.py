"""The OpenAPI description: FastAPI's, with the problem-details schema every error answer
refers to and the bearer-token scheme the API authenticates with."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from grounded.web.schemas import Problem

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token (`grd_…`) made on the settings page or with `POST …/tokens`.",
}


def describe(app: FastAPI) -> dict[str, Any]:
    """The description, built once and kept (FastAPI's own caching contract)."""
    if app.openapi_schema is None:
        found = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes, tags=app.openapi_tags
        )
        schemas = found.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        found["components"]["securitySchemes"] = {"bearer": BEARER}
        found["security"] = [{"bearer": []}]
        app.openapi_schema = found
    return app.openapi_schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
